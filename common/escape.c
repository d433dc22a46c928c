/* SPDX-License-Identifier: Apache-2.0 */
/* The one escaping rule for text shown to a person or a parser: see cwms_escape.h. */
#include "cwms_escape.h"

#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

/*
 * Length (1 to 4) of the well-formed UTF-8 character at p (RFC 3629,
 * table 3-7 of Unicode) with its code point in *cp, or 0 when p[0] does
 * not start one within the left bytes.
 */
static size_t utf8_char(const unsigned char *p, size_t left, unsigned *cp)
{
    unsigned lo = 0x80, hi = 0xbf, c = p[0];
    size_t n;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0; /* a continuation byte, an overlong lead (C0, C1) or past U+10FFFF (F5..FF) */
    /* The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF. */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (left < n || p[1] < lo || p[1] > hi)
        return 0;
    c &= 0xff >> (n + 1);
    for (size_t i = 1; i < n; i++) {
        if (i > 1 && (p[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3f);
    }
    *cp = c;
    return n;
}

/*
 * The next piece of p: 1 when its *n bytes are shown as they are, 0 when
 * they are shown as \xNN with NN = *code (a control's code point, or the
 * one byte that is not UTF-8).
 */
static int next_piece(const unsigned char *p, size_t left, size_t *n, unsigned *code)
{
    unsigned cp;
    size_t k = utf8_char(p, left, &cp);

    if (k == 0) {
        *n = 1;
        *code = p[0];
        return 0;
    }
    *n = k;
    *code = cp;
    return !(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f));
}

/* Writes the escaped form of p into out (when not NULL); returns its length. */
static size_t escape_into(const unsigned char *p, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, n;
    unsigned code;

    for (size_t i = 0; i < len; i += n) {
        if (next_piece(p + i, len - i, &n, &code)) {
            if (out != NULL)
                memcpy(out + o, p + i, n);
            o += n;
        } else {
            if (out != NULL) {
                out[o] = '\\';
                out[o + 1] = 'x';
                out[o + 2] = hex[(code >> 4) & 0xf];
                out[o + 3] = hex[code & 0xf];
            }
            o += 4;
        }
    }
    return o;
}

char *cwms_escape_bytes(const void *data, size_t len)
{
    size_t n;
    char *out;

    if (len > (SIZE_MAX - 1) / 4)
        return NULL;
    n = escape_into(data, len, NULL);
    if ((out = OPENSSL_malloc(n + 1)) == NULL)
        return NULL;
    escape_into(data, len, out);
    out[n] = '\0';
    return out;
}

char *cwms_escape_text(const char *text)
{
    return text == NULL ? cwms_escape_bytes("", 0) : cwms_escape_bytes(text, strlen(text));
}

int cwms_escape_fputs(const char *text, FILE *out)
{
    const unsigned char *p = (const unsigned char *)(text != NULL ? text : "");
    size_t len = strlen((const char *)p), n;
    unsigned code;

    for (size_t i = 0; i < len; i += n) {
        if (next_piece(p + i, len - i, &n, &code)) {
            if (fwrite(p + i, 1, n, out) != n)
                return 0;
        } else if (fprintf(out, "\\x%02x", code) < 0) {
            return 0;
        }
    }
    return 1;
}

size_t cwms_utf8_cut(const void *data, size_t len, size_t max)
{
    const unsigned char *p = data;
    size_t i = 0;
    unsigned cp;

    if (len <= max)
        return len;
    while (i < max) {
        size_t k = utf8_char(p + i, len - i, &cp);

        if (k == 0)
            k = 1;
        if (i + k > max)
            break;
        i += k;
    }
    return i;
}
