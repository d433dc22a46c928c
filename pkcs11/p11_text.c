/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The helper's texts: the error a call reports (also traced on the pkcs11
 * debug channel), Cryptoki's blank-padded strings and bytes in hex, and
 * the words for a key's exportability.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "p11_internal.h"

void p11_error(CWMS_P11_ERROR *err, CWMS_P11_ERRKIND kind, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err->kind != CWMS_P11_OK)
        return;
    err->kind = kind;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
    cwms_debug(CWMS_DEBUG_PKCS11, "error: %s", err->text);
}

char *p11_strdup_padded(const unsigned char *s, size_t len)
{
    char *out;

    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\0'))
        len--;
    out = OPENSSL_malloc(len + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

char *p11_hex(const unsigned char *b, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *out = OPENSSL_malloc(2 * len + 1);
    size_t i;

    if (out == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 0xf];
    }
    out[2 * len] = '\0';
    return out;
}

const char *cwms_p11_export_string(CWMS_P11_EXPORT e)
{
    switch (e) {
    case CWMS_P11_EXPORT_COMPONENTS:
        return "exportable (not sensitive: read in the clear)";
    case CWMS_P11_EXPORT_WRAPPED:
        return "exportable (sensitive: wrapped with AES key-wrap-pad)";
    case CWMS_P11_EXPORT_NONE:
    default:
        return "not exportable (CKA_EXTRACTABLE=false)";
    }
}
