/* SPDX-License-Identifier: Apache-2.0 */
/* Percent-decoding (RFC 3986) of the URIs the core and the provider read. */
#ifndef CWMS_PERCENT_H
#define CWMS_PERCENT_H

#include <stddef.h>

/*
 * Decodes the len bytes at s into a new NUL-terminated string (free with
 * OPENSSL_free). '+' stays '+'. Returns NULL with *bad = 1 on a malformed
 * escape or an encoded NUL (which would silently cut a path short), NULL
 * with *bad = 0 on allocation failure.
 */
char *cwms_percent_decode(const char *s, size_t len, int *bad);

#endif
