/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A copy of secret bytes (key material) on OpenSSL's secure heap: free it
 * with OPENSSL_secure_clear_free(copy, len). OpenSSL has OPENSSL_memdup
 * for the ordinary heap only.
 */
#ifndef CWMS_UTIL_SECURE_DUP_H
#define CWMS_UTIL_SECURE_DUP_H

#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>

/* NULL when out of memory or len is 0. */
static inline unsigned char *cwms_secure_dup(const unsigned char *p, size_t len)
{
    unsigned char *copy = len > 0 ? OPENSSL_secure_malloc(len) : NULL;

    if (copy != NULL)
        memcpy(copy, p, len);
    return copy;
}

#endif
