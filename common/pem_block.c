/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The next PEM block of a buffer (cwms_pem_block.h).
 *
 * PEM_read_bio_ex reads a line at a time through a BIO and grows its
 * buffers with clearing reallocations: on an issuer pool that is half the
 * cost of reading it. Nearly every block in a pool or a trust store is a
 * "CERTIFICATE" in the canonical layout (64 base64 characters a line, no
 * headers, nothing between blocks but blank lines), and such a block is
 * decoded here directly, a line at a time, with EVP_DecodeBlock. Anything
 * else, or anything the checks below are unsure of, goes to
 * PEM_read_bio_ex, so the result and the errors are always OpenSSL's.
 */
#include "cwms_pem_block.h"

#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cwms_pem_lines.h"

#define B64_LINE 64

/* The line (p, n) is the BEGIN or END line (mark) of a certificate block. */
static int is_cert_boundary(const unsigned char *p, size_t n, const char *mark)
{
    return cwms_pem_boundary_of(p, n, mark, PEM_STRING_X509, sizeof(PEM_STRING_X509) - 1);
}

/*
 * Decodes the n_lines base64 lines from body into out (room for
 * n_lines * 48 bytes); the number of bytes, or 0 when a line is not plain
 * base64: EVP_DecodeBlock skips spaces at either end, so its count tells.
 */
static size_t decode_lines(const unsigned char *body, const unsigned char *end, size_t n_lines,
                           unsigned char *out)
{
    const unsigned char *p = body, *next;
    size_t out_len = 0;

    for (size_t i = 0; i < n_lines; i++, p = next) {
        size_t n = cwms_pem_line(p, end, &next), pad = 0;
        const unsigned char *eq = memchr(p, '=', n);
        int got;

        if (eq != NULL) {
            /* Padding: one or two '=' closing the last line (EVP_DecodeBlock reads '=' as 0). */
            pad = (size_t)(p + n - eq);
            if (i + 1 != n_lines || pad > 2 || (pad == 2 && eq[1] != '='))
                return 0;
        }
        got = EVP_DecodeBlock(out + out_len, p, (int)n);
        if (got < 0 || (size_t)got != n / 4 * 3)
            return 0;
        out_len += (size_t)got - pad;
    }
    return out_len;
}

/* A canonical certificate block at data[*pos] (after blank lines): 1 and *pos past it, or 0. */
static int read_canonical_cert(const unsigned char *data, size_t len, size_t *pos,
                               unsigned char **der, long *der_len)
{
    const unsigned char *p = data + *pos, *end = data + len, *next, *body;
    size_t n, n_lines = 0, out_len;
    unsigned char *out;
    int short_line = 0;

    do {
        if (p == end)
            return 0;
        n = cwms_pem_line(p, end, &next);
        if (n != 0)
            break;
        p = next;
    } while (1);
    if (!is_cert_boundary(p, n, CWMS_PEM_BEGIN))
        return 0;
    /* Full lines, then at most one shorter, then the END line. */
    for (body = p = next;; p = next) {
        if (p == end)
            return 0;
        n = cwms_pem_line(p, end, &next);
        if (is_cert_boundary(p, n, CWMS_PEM_END))
            break;
        if (n == 0 || n > B64_LINE || n % 4 != 0 || short_line)
            return 0;
        short_line = n < B64_LINE;
        n_lines++;
    }
    if (n_lines == 0 || n_lines > (size_t)LONG_MAX / (B64_LINE / 4 * 3)
        || (out = OPENSSL_malloc(n_lines * (B64_LINE / 4 * 3))) == NULL)
        return 0;
    if ((out_len = decode_lines(body, end, n_lines, out)) == 0) {
        OPENSSL_free(out);
        return 0;
    }
    *der = out;
    *der_len = (long)out_len;
    *pos = (size_t)(next - data);
    return 1;
}

int cwms_pem_next_block(const unsigned char *data, size_t len, size_t *pos, char **name,
                        char **header, unsigned char **der, long *der_len)
{
    size_t left = len - *pos;
    BIO *bio;
    int ok;

    *name = *header = NULL;
    *der = NULL;
    *der_len = 0;
    if (read_canonical_cert(data, len, pos, der, der_len)) {
        *name = OPENSSL_strdup(PEM_STRING_X509);
        *header = OPENSSL_strdup("");
        if (*name != NULL && *header != NULL)
            return 1;
        OPENSSL_free(*name);
        OPENSSL_free(*header);
        OPENSSL_free(*der);
        *name = *header = NULL;
        *der = NULL;
        ERR_raise(ERR_LIB_PEM, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    if (left > INT_MAX || (bio = BIO_new_mem_buf(data + *pos, (int)left)) == NULL) {
        ERR_raise(ERR_LIB_PEM, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    ok = PEM_read_bio_ex(bio, name, header, der, der_len, PEM_FLAG_EAY_COMPATIBLE);
    if (ok)
        *pos += left - (size_t)BIO_pending(bio);
    BIO_free(bio);
    return ok;
}
