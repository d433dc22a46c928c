/* SPDX-License-Identifier: Apache-2.0 */
/* Writing a whole buffer to a file descriptor: see cwms_write_all.h. */
#include "cwms_write_all.h"

#include <errno.h>
#include <unistd.h>

int cwms_write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        p += n;
        len -= (size_t)n;
    }
    return 1;
}
