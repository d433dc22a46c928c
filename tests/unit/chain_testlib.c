/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the chain unit tests (part of the unit tests' library): see chain_testlib.h. */
#include "chain_testlib.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>

/* Every certificate of a PEM file into pool, from its X509 or through the DER walker. */
static void add_pem(CWMS_POOL *pool, const char *path, int walked)
{
    BIO *b = BIO_new_file(path, "r");
    X509 *x;
    int n = 0;
    char origin[4200];

    if (b == NULL)
        fail_msg("cannot open %s", path);
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        CWMS_CERT *c;
        unsigned char *der = NULL;
        int len;

        snprintf(origin, sizeof(origin), "%s#%d", path, ++n);
        if (walked) {
            assert_true((len = i2d_X509(x, &der)) > 0);
            c = cwms_cert_new_der(der, (size_t)len, origin);
            OPENSSL_free(der);
        } else {
            c = cwms_cert_new_x509(x, origin);
        }
        assert_non_null(c);
        assert_true(cwms_pool_add(pool, c, NULL));
        X509_free(x);
    }
    ERR_clear_error();
    BIO_free(b);
    if (n == 0)
        fail_msg("no certificate in %s", path);
}

void t_add_pem(CWMS_POOL *pool, const char *path)
{
    add_pem(pool, path, 0);
}

void t_add_pem_walked(CWMS_POOL *pool, const char *path)
{
    add_pem(pool, path, 1);
}

void t_add_ids(CWMS_POOL *pool, const char *dir, ...)
{
    va_list ap;
    const char *id;
    char rel[512];

    va_start(ap, dir);
    while ((id = va_arg(ap, const char *)) != NULL) {
        snprintf(rel, sizeof(rel), "%s/%s.crt", dir, id);
        t_add_pem(pool, t_pki(rel));
    }
    va_end(ap);
}

CWMS_KEY t_key(const char *path)
{
    CWMS_KEY k;
    BIO *b = BIO_new_file(path, "r");

    assert_non_null(b);
    k.pkey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(k.pkey);
    k.origin = OPENSSL_strdup(path);
    return k;
}

void t_key_free(CWMS_KEY *key)
{
    EVP_PKEY_free(key->pkey);
    OPENSSL_free(key->origin);
}

void t_sha256_of(const char *path, unsigned char out[32])
{
    BIO *b = BIO_new_file(path, "r");
    X509 *x;
    unsigned int len = 32;

    assert_non_null(b);
    x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(x);
    assert_true(X509_digest(x, EVP_sha256(), out, &len));
    X509_free(x);
}

/* The commonName of a name (or its last RDN) into buf. */
static const char *name_cn(const X509_NAME *n, char *buf, size_t size)
{
    int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i >= 0 ? i : X509_NAME_entry_count(n) - 1);
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(e);

    snprintf(buf, size, "%.*s", ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
    return buf;
}

const char *t_cn(X509 *x)
{
    static char buf[256];

    return name_cn(X509_get_subject_name(x), buf, sizeof(buf));
}

const char *t_issuer_cn(X509 *x)
{
    static char buf[256];

    return name_cn(X509_get_issuer_name(x), buf, sizeof(buf));
}

const char *t_order(const CWMS_BUNDLE *b)
{
    static char buf[2048];
    size_t off = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < b->n_certs; i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? " | " : "",
                                t_cn(b->certs[i]));
    return buf;
}

void t_options(CWMS_OPTIONS *o, const char *trust_file)
{
    cwms_options_init(o);
    o->trust_file = trust_file;
}
