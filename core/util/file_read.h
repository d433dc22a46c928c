/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a whole file the core is given (an input, a --trust store, a
 * directory entry, a cwms: path, standard input): the capped, non-blocking
 * reader of common/cwms_file_io.h, and how the core reports its
 * failures (file_read.c).
 */
#ifndef CWMS_UTIL_FILE_READ_H
#define CWMS_UTIL_FILE_READ_H

#include <stddef.h>

#include "cwms/diag.h"
#include "cwms_file_io.h"
#include "cwms_limits.h"

/* Reports a failed cwms_file_read (into b, with err) of the file called name, with reason. */
void cwms_file_read_report(CWMS_DIAG *diag, CWMS_REASON reason, const char *name,
                           const CWMS_FILE_BUF *b, int err);
/* The same for the file an option names ("--trust", "trust="): the message starts with it. */
void cwms_file_read_report_as(CWMS_DIAG *diag, CWMS_REASON reason, const char *option,
                              const char *name, const CWMS_FILE_BUF *b, int err);

#endif
