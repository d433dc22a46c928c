/* SPDX-License-Identifier: Apache-2.0 */
/* Percent-decoding: see percent.h. */
#include "cwms/percent.h"

#include <openssl/crypto.h>

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *cwms_percent_decode(const char *s, size_t len, int *bad)
{
    char *out = OPENSSL_malloc(len + 1);
    size_t o = 0;

    *bad = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;

        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        if (i + 2 >= len || (hi = hex_value((unsigned char)s[i + 1])) < 0
            || (lo = hex_value((unsigned char)s[i + 2])) < 0 || (hi == 0 && lo == 0)) {
            OPENSSL_free(out);
            *bad = 1;
            return NULL;
        }
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    return out;
}
