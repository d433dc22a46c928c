/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whole files in and out without waiting for ever (file_io.c): what the
 * core reads (an input, a --trust store, a directory entry, a cwms: path,
 * standard input), the CLI's passphrase files, a pkcs11: URI's pin-source,
 * and an output that is a FIFO or a device.
 *
 * Every file read is capped (CWMS_FILE_MAX_BYTES, or less where the
 * caller says): an endless stream (`--trust <(yes)`) stops at the cap, and
 * peak memory stays near the size read (a stream goes into a reserved
 * mapping the kernel backs only as it fills, never a copy on growth). The
 * buffer may hold a private key: it is cleansed on release.
 *
 * A named pipe (FIFO) is opened without blocking and then waited on for
 * at most CWMS_FIFO_WAIT_MS at a time: for its writer (or reader) to
 * appear and for each next chunk, and for CWMS_FIFO_TOTAL_MS in all. A
 * FIFO whose writer comes within that wait is read like a file; one with
 * none is reported, not waited on for ever. Standard input is read as a
 * filter reads it: to its end, however long its producer takes.
 */
#ifndef CWMS_FILE_IO_H
#define CWMS_FILE_IO_H

#include <stddef.h>

#include "cwms_limits.h"

typedef struct cwms_file_buf_st {
    unsigned char *data;
    size_t len, cap;
    int mapped;
    int open_failed; /* set by a failed read: the open failed, not a read */
    int truncated;   /* cwms_file_read_upto stopped at its limit with more to come */
} CWMS_FILE_BUF;

/* Why a read or write failed, besides an errno value (> 0). */
enum {
    CWMS_FILE_TOO_LARGE = -1, /* more than CWMS_FILE_MAX_BYTES */
    CWMS_FILE_NO_WRITER = -2, /* a FIFO nothing wrote to within CWMS_FIFO_WAIT_MS */
    CWMS_FILE_STALLED = -3,   /* a FIFO's writer (or reader) stopped for CWMS_FIFO_WAIT_MS,
                                 or the whole transfer took over CWMS_FIFO_TOTAL_MS */
    CWMS_FILE_NO_READER = -4  /* an output FIFO nothing read from within CWMS_FIFO_WAIT_MS */
};

/*
 * Reads all of path (NULL: standard input) into b. 1 on success (release b
 * with cwms_file_buf_release); 0 with *err an errno value or one of the
 * codes above, b left empty.
 */
int cwms_file_read(const char *path, CWMS_FILE_BUF *b, int *err);
/*
 * Like cwms_file_read, but reads at most max bytes (<= CWMS_FILE_MAX_BYTES)
 * and no more: b->truncated says the file went on. For small files of which
 * only the start matters (a passphrase file, a pin-source).
 */
int cwms_file_read_upto(const char *path, size_t max, CWMS_FILE_BUF *b, int *err);
void cwms_file_buf_release(CWMS_FILE_BUF *b);

/*
 * Writes data into path in place: for what is not a regular file (a FIFO,
 * /dev/null, /dev/stdout, a terminal), which must never be replaced. A
 * FIFO's reader is waited for as a reader waits for a writer; a reader that
 * goes away is an error (EPIPE), not a SIGPIPE. 1, or 0 with *err as for
 * reads and *doing saying what failed ("cannot open it", "writing failed", ...).
 */
int cwms_file_write_in_place(const char *path, const unsigned char *data, size_t len, int *err,
                             const char **doing);

/* A short text for err (an errno value or a code above), for messages; static. */
const char *cwms_file_strerror(int err);

#endif
