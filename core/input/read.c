/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collector of one reading (CWMS_READ): what a file yields is kept
 * here until the file is done, then merged into the inputs (input.c). The
 * format readers report through it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "input/read.h"

static const CWMS_READ_CTX default_rctx = { NULL, NULL, NULL, 0 };

void cwms_read_init(CWMS_READ *r, const char *name, const CWMS_READ_CTX *rctx, CWMS_DIAG *diag)
{
    memset(r, 0, sizeof(*r));
    r->rctx = rctx != NULL ? rctx : &default_rctx;
    r->diag = diag;
    r->name = name;
}

void cwms_read_oom(CWMS_READ *r)
{
    cwms_read_error(r, CWMS_R_INTERNAL, "out of memory while reading '%s'", r->name);
}

CWMS_CERT *cwms_read_new_cert_der(const unsigned char *der, size_t len)
{
    CWMS_CERT *cert;

    ERR_set_mark();
    cert = cwms_cert_new_der(der, len, NULL);
    ERR_pop_to_mark();
    return cert;
}

CWMS_CERT *cwms_read_adopt_cert_der(unsigned char *der, size_t len)
{
    CWMS_CERT *cert;

    ERR_set_mark();
    cert = cwms_cert_adopt_der(der, len, NULL);
    ERR_pop_to_mark();
    return cert;
}

CWMS_CERT *cwms_read_new_cert_x509(X509 *x)
{
    CWMS_CERT *cert;

    ERR_set_mark();
    cert = cwms_cert_new_x509(x, NULL);
    ERR_pop_to_mark();
    return cert;
}

int cwms_read_take_cert(CWMS_READ *r, CWMS_CERT *cert)
{
    if (r->n_certs == r->cap_certs) {
        size_t cap = r->cap_certs ? r->cap_certs * 2 : 8;
        CWMS_CERT **certs = OPENSSL_realloc(r->certs, cap * sizeof(*certs));

        if (certs == NULL) {
            cwms_cert_free(cert);
            cwms_read_oom(r);
            return 0;
        }
        r->certs = certs;
        r->cap_certs = cap;
    }
    r->certs[r->n_certs++] = cert;
    return 1;
}

int cwms_read_take_key_pkcs8(CWMS_READ *r, EVP_PKEY *pkey, const unsigned char *der, size_t len)
{
    CWMS_KEY k = { .pkey = pkey };

    if (r->n_keys == r->cap_keys) {
        size_t cap = r->cap_keys ? r->cap_keys * 2 : 2;
        CWMS_KEY *keys = OPENSSL_realloc(r->keys, cap * sizeof(*keys));

        if (keys == NULL)
            goto oom;
        r->keys = keys;
        r->cap_keys = cap;
    }
    if (!cwms_key_set1_pkcs8(&k, der, len))
        goto oom;
    r->keys[r->n_keys++] = k;
    return 1;
oom:
    cwms_key_clear(&k);
    cwms_read_oom(r);
    return 0;
}

int cwms_read_take_key(CWMS_READ *r, EVP_PKEY *pkey)
{
    return cwms_read_take_key_pkcs8(r, pkey, NULL, 0);
}

void cwms_read_rollback(CWMS_READ *r, size_t n_certs, size_t n_keys)
{
    while (r->n_certs > n_certs)
        cwms_cert_free(r->certs[--r->n_certs]);
    while (r->n_keys > n_keys)
        cwms_key_clear(&r->keys[--r->n_keys]);
}

int cwms_read_passphrase(CWMS_READ *r, const char *what, const char **pass, size_t *len)
{
    if (r->rctx->pass == NULL || !cwms_pass_get(r->rctx->pass, what, pass, len))
        return 0;
    r->passphrase_used = 1;
    return 1;
}

int cwms_read_passphrase_given(const CWMS_READ *r)
{
    return cwms_pass_given(r->rctx->pass);
}

int cwms_read_error(CWMS_READ *r, CWMS_REASON reason, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cwms_diag_vadd(r->diag, CWMS_ERROR, reason, fmt, ap);
    va_end(ap);
    r->failed = 1;
    return CWMS_READ_ERROR;
}

int cwms_read_no_passphrase(CWMS_READ *r, const char *fmt, ...)
{
    va_list ap;

    r->failed = 1;
    if (cwms_pass_reported(r->rctx->pass))
        return CWMS_READ_ERROR;
    va_start(ap, fmt);
    cwms_diag_vadd(r->diag, CWMS_ERROR, CWMS_R_NO_PASSPHRASE, fmt, ap);
    va_end(ap);
    return CWMS_READ_ERROR;
}

int cwms_read_error_openssl(CWMS_READ *r, CWMS_REASON reason, const char *fmt, ...)
{
    va_list ap;
    char text[1024];

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    cwms_diag_add_openssl(r->diag, CWMS_ERROR, reason, "%s", text);
    r->failed = 1;
    return CWMS_READ_ERROR;
}

void cwms_read_note(CWMS_READ *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cwms_diag_vadd(r->diag, CWMS_NOTE, CWMS_R_NONE, fmt, ap);
    va_end(ap);
}

int cwms_read_skip_csr(CWMS_READ *r)
{
    r->recognised = 1;
    cwms_read_note(r,
                   "'%s': ignoring a certificate signing request (CSR): "
                   "CWMS needs the certificate the CA issued from it",
                   r->name);
    return CWMS_READ_OK;
}
