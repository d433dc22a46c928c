/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a command's product goes: -o FILE (atomically, through the core)
 * or standard output, written with write(2) rather than stdio so that no
 * libc buffer keeps a copy of a key we could not cleanse.
 */
#ifndef CWMS_CLI_OUTPUT_H
#define CWMS_CLI_OUTPUT_H

#include <stddef.h>

#include "cwms/diag.h"

/*
 * Writes data to path (mode 0600 when secret) or, with path NULL, to
 * standard output. 1, or 0 with a CWMS_R_OUTPUT error naming where.
 */
int cli_write_output(const char *path, const unsigned char *data, size_t len, int secret,
                     CWMS_DIAG *diag);

#endif
