/* Where a command's product goes: see output.h. */
#include "output.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cwms/emit.h"

static int write_stdout(const unsigned char *data, size_t len, CWMS_DIAG *diag)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT,
                          "cannot write to standard output: %s; use -o FILE", strerror(errno));
            return 0;
        }
        data += n;
        len -= (size_t)n;
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
