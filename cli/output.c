/* SPDX-License-Identifier: Apache-2.0 */
/* Where a command's product goes: see output.h. */
#include "output.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cwms/emit.h"
#include "cwms_write_all.h"

static int write_stdout(const unsigned char *data, size_t len, CWMS_DIAG *diag)
{
    if (!cwms_write_all(STDOUT_FILENO, data, len)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT,
                      "cannot write to standard output: %s; use -o FILE", strerror(errno));
        return 0;
    }
    return 1;
}

int cli_write_output(const char *path, const unsigned char *data, size_t len, int secret,
                     CWMS_DIAG *diag)
{
    if (path != NULL)
        return cwms_write_file_atomic(path, data, len, secret, diag);
    return write_stdout(data, len, diag);
}
