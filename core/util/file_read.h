/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a whole file the core is given (file_read.c): an input, a --trust
 * store, a directory entry, a cwms: path, standard input.
 *
 * Every such file is capped at CWMS_FILE_MAX_BYTES, whatever it is: an
 * endless stream (`--trust <(yes)`) stops at the cap, and peak memory stays
 * near the size read (a stream goes into a reserved mapping the kernel
 * backs only as it fills, never a copy on growth). Files are opened
 * non-blocking, so a FIFO nobody writes to is reported instead of hanging
 * the open. The buffer may hold a private key: it is cleansed on release.
 */
#ifndef CWMS_UTIL_FILE_READ_H
#define CWMS_UTIL_FILE_READ_H

#include <stddef.h>

#include "cwms/diag.h"
#include "cwms_limits.h"

typedef struct cwms_file_buf_st {
    unsigned char *data;
    size_t len, cap;
    int mapped;
    int open_failed; /* set by a failed cwms_file_read: the open failed, not a read */
} CWMS_FILE_BUF;

/* Why a read failed, besides an errno value (> 0). */
enum {
    CWMS_FILE_TOO_LARGE = -1, /* more than CWMS_FILE_MAX_BYTES */
    CWMS_FILE_NO_WRITER = -2  /* a named pipe nothing wrote to */
};

/*
 * Reads all of path (NULL: standard input) into b. 1 on success (release b
 * with cwms_file_buf_release); 0 with *err an errno value or one of the
 * codes above, b left empty.
 */
int cwms_file_read(const char *path, CWMS_FILE_BUF *b, int *err);
void cwms_file_buf_release(CWMS_FILE_BUF *b);

/* Reports a failed cwms_file_read (into b, with err) of the file called name, with reason. */
void cwms_file_read_report(CWMS_DIAG *diag, CWMS_REASON reason, const char *name,
                           const CWMS_FILE_BUF *b, int err);

#endif
