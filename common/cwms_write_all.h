/* SPDX-License-Identifier: Apache-2.0 */
/* Writing a whole buffer to a file descriptor. */
#ifndef CWMS_WRITE_ALL_H
#define CWMS_WRITE_ALL_H

#include <stddef.h>

/*
 * write(2)s all len bytes of data to fd, again after a short write or
 * EINTR. Returns 1, or 0 with errno set by the failing write. No stdio:
 * no library buffer keeps a copy of a key that could not be cleansed.
 */
int cwms_write_all(int fd, const void *data, size_t len);

#endif
