/* SPDX-License-Identifier: Apache-2.0 */
/* How the core reports a file it could not read: see file_read.h. */
#include "util/file_read.h"

#include <string.h>

void cwms_file_read_report_as(CWMS_DIAG *diag, CWMS_REASON reason, const char *option,
                              const char *name, const CWMS_FILE_BUF *b, int err)
{
    const char *sp = option != NULL ? " " : "";

    if (option == NULL)
        option = "";
    if (err == CWMS_FILE_TOO_LARGE)
        cwms_diag_add(diag, CWMS_ERROR, reason,
                      "%s%s'%s' is larger than %zu MiB: not a certificate or key file", option, sp,
                      name, CWMS_FILE_MAX_BYTES >> 20);
    else if (err == CWMS_FILE_NO_WRITER)
        cwms_diag_add(diag, CWMS_ERROR, reason,
                      "%s%s'%s' is a named pipe (FIFO) nothing wrote to within %d s: start its "
                      "writer first, or give a regular file",
                      option, sp, name, CWMS_FIFO_WAIT_MS / 1000);
    else if (err == CWMS_FILE_STALLED)
        cwms_diag_add(diag, CWMS_ERROR, reason,
                      "%s%s'%s' is a named pipe (FIFO) whose writer sent nothing for %d s (or "
                      "took over %d s in all): give a regular file",
                      option, sp, name, CWMS_FIFO_WAIT_MS / 1000, CWMS_FIFO_TOTAL_MS / 1000);
    else
        cwms_diag_add(diag, CWMS_ERROR, reason, "cannot %s %s%s'%s': %s",
                      b->open_failed ? "open" : "read", option, sp, name, strerror(err));
}

void cwms_file_read_report(CWMS_DIAG *diag, CWMS_REASON reason, const char *name,
                           const CWMS_FILE_BUF *b, int err)
{
    cwms_file_read_report_as(diag, reason, NULL, name, b, err);
}
