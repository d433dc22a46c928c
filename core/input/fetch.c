/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --fetch: see fetch.h.
 *
 * Downloads go through OSSL_HTTP_get, OpenSSL's own client: it takes the
 * proxy from http_proxy / no_proxy in the environment, follows a bounded
 * number of redirects, and gives up after a time-out and past a size
 * limit, so a slow, huge or looping server costs bounded time and memory.
 * Only http: is fetched: RFC 5280 publishes caIssuers over HTTP (or LDAP),
 * and the certificate's own signature, checked here, is what makes the
 * download trustworthy, not the transport.
 */
#include "input/fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define FETCH_MAX_ROUNDS 4           /* issuer of issuer of ...: deeper than any real chain */
#define FETCH_MAX_URLS 8             /* downloads per build */
#define FETCH_MAX_BYTES (100 * 1024) /* a certificate or a small .p7c */
#define FETCH_TIMEOUT 10             /* seconds; CWMS_FETCH_TIMEOUT overrides */

typedef struct fetch_st {
    CWMS_POOL *pool;
    CWMS_TRUST *trust;
    CWMS_DIAG *diag;
    char *urls[FETCH_MAX_URLS];
    size_t n_urls;
} FETCH;

static int fetch_timeout(void)
{
    const char *env = getenv("CWMS_FETCH_TIMEOUT");
    int t = env != NULL ? atoi(env) : 0;

    return t > 0 && t <= 300 ? t : FETCH_TIMEOUT;
}

STACK_OF(X509) * cwms_fetch_parse_reply(const unsigned char *data, size_t len)
{
    const unsigned char *p = data;
    STACK_OF(X509) *certs = sk_X509_new_null();
    X509 *x;
    PKCS7 *p7;

    if (certs == NULL)
        return NULL;
    ERR_set_mark();
    if ((x = d2i_X509(NULL, &p, (long)len)) != NULL) {
        if (!sk_X509_push(certs, x))
            X509_free(x);
    } else if ((p = data, p7 = d2i_PKCS7(NULL, &p, (long)len)) != NULL) {
        STACK_OF(X509) *in = OBJ_obj2nid(p7->type) == NID_pkcs7_signed && p7->d.sign != NULL
            ? p7->d.sign->cert
            : NULL;

        for (int i = 0; i < sk_X509_num(in); i++) {
            X509 *c = sk_X509_value(in, i);

            if (X509_up_ref(c) && !sk_X509_push(certs, c))
                X509_free(c);
        }
        PKCS7_free(p7);
    }
    ERR_pop_to_mark();
    if (sk_X509_num(certs) == 0) {
        sk_X509_free(certs);
        return NULL;
    }
    return certs;
}

/* Downloads url; the body in *out (OPENSSL_free). 0 with *why (static or in why_buf) on failure. */
static int download(const char *url, unsigned char **out, size_t *out_len, char *why,
                    size_t why_size)
{
    BIO *body;
    unsigned char *buf = NULL, *nb;
    size_t len = 0, cap = 0;
    unsigned long e;
    int n;

    ERR_set_mark();
    body = OSSL_HTTP_get(url, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 1, FETCH_MAX_BYTES,
                         fetch_timeout());
    if (body == NULL) {
        const char *data = NULL;
        int flags = 0;

        /* The first error says what went wrong ("status code 404"); the last only "error receiving". */
        snprintf(why, why_size, "no answer");
        while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
            const char *reason = ERR_reason_error_string(e);

            if (reason != NULL && strcmp(why, "no answer") == 0)
                snprintf(why, why_size, "%s%s%s", reason,
                         data != NULL && *data != '\0' && (flags & ERR_TXT_STRING) ? ": " : "",
                         data != NULL && (flags & ERR_TXT_STRING) ? data : "");
        }
        ERR_pop_to_mark();
        return 0;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= FETCH_MAX_BYTES || (nb = OPENSSL_realloc(buf, cap ? cap * 2 : 4096)) == NULL)
                break;
            buf = nb;
            cap = cap ? cap * 2 : 4096;
        }
        if ((n = BIO_read(body, buf + len, (int)(cap - len))) <= 0)
            break;
        len += (size_t)n;
    }
    BIO_free_all(body);
    ERR_pop_to_mark();
    if (len == 0 || len > FETCH_MAX_BYTES) {
        OPENSSL_free(buf);
        snprintf(why, why_size, len == 0 ? "an empty reply" : "a reply over %d bytes",
                 FETCH_MAX_BYTES);
        return 0;
    }
    *out = buf;
    *out_len = len;
    return 1;
}

static int url_seen(FETCH *f, const char *url)
{
    for (size_t i = 0; i < f->n_urls; i++)
        if (strcmp(f->urls[i], url) == 0)
            return 1;
    return 0;
}

/* 1 when child needs its issuer fetched: not self-issued, issuer neither among the inputs nor trusted. */
static int issuer_missing(FETCH *f, CWMS_CERT *child)
{
    CWMS_CERT *found[1];

    if (cwms_cert_self_issued(child))
        return 0;
    if (cwms_pool_find_subject(f->pool, cwms_cert_issuer(child), found, 1) > 0)
        return 0;
    return cwms_trust_find_subject(f->trust, cwms_cert_issuer(child), found, 1, NULL) == 0;
}

/* Fetches child's issuer. 1 when something was added, 0 when not, -1 when out of memory. */
static int fetch_issuer(FETCH *f, CWMS_CERT *child)
{
    char *url = cwms_cert_ca_issuers_url(child), *subject = NULL, why[256];
    unsigned char *body = NULL;
    size_t body_len = 0;
    STACK_OF(X509) *certs = NULL;
    X509 *cx = cwms_cert_x509(child);
    int added = 0;

    if (url == NULL || cx == NULL || url_seen(f, url))
        goto end;
    subject = cwms_name_oneline(cwms_cert_subject(child));
    if (strncasecmp(url, "http://", 7) != 0) {
        cwms_diag_add(f->diag, CWMS_WARNING, CWMS_R_FETCH,
                      "not fetching the issuer of '%s' from %s: --fetch follows http: URLs only",
                      subject ? subject : "?", url);
        goto end;
    }
    if (f->n_urls == FETCH_MAX_URLS) {
        cwms_diag_add(f->diag, CWMS_WARNING, CWMS_R_FETCH,
                      "not fetching the issuer of '%s' from %s: %d downloads already",
                      subject ? subject : "?", url, FETCH_MAX_URLS);
        goto end;
    }
    f->urls[f->n_urls++] = url;
    if (!download(url, &body, &body_len, why, sizeof(why))) {
        cwms_diag_add(f->diag, CWMS_WARNING, CWMS_R_FETCH,
                      "cannot fetch the issuer of '%s' from %s: %s", subject ? subject : "?", url,
                      why);
        url = NULL;
        goto end;
    }
    if ((certs = cwms_fetch_parse_reply(body, body_len)) == NULL) {
        cwms_diag_add(f->diag, CWMS_WARNING, CWMS_R_FETCH,
                      "the reply from %s (the issuer of '%s') is neither a DER certificate nor a "
                      "PKCS#7 of certificates",
                      url, subject ? subject : "?");
        url = NULL;
        goto end;
    }
    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);
        CWMS_CERT *c;
        char *name;

        /* Verified before use: the name chains and the signature on the child is this key's. */
        ERR_set_mark();
        if (X509_check_issued(x, cx) != X509_V_OK || X509_verify(cx, X509_get0_pubkey(x)) != 1) {
            ERR_pop_to_mark();
            continue;
        }
        ERR_pop_to_mark();
        if ((c = cwms_cert_new_x509(x, url)) == NULL) {
            added = -1;
            break;
        }
        name = cwms_name_oneline(cwms_cert_subject(c));
        if (cwms_pool_add(f->pool, c, NULL) < 0) {
            OPENSSL_free(name);
            added = -1;
            break;
        }
        cwms_diag_add(f->diag, CWMS_NOTE, CWMS_R_NONE, "fetched '%s', the issuer of '%s', from %s",
                      name ? name : "?", subject ? subject : "?", url);
        OPENSSL_free(name);
        added = 1;
    }
    if (added == 0)
        cwms_diag_add(f->diag, CWMS_WARNING, CWMS_R_FETCH,
                      "the certificate%s from %s did not issue '%s' (wrong name or signature): "
                      "not used",
                      sk_X509_num(certs) == 1 ? "" : "s", url, subject ? subject : "?");
    url = NULL; /* kept in f->urls */
end:
    sk_X509_pop_free(certs, X509_free);
    OPENSSL_free(body);
    OPENSSL_free(subject);
    OPENSSL_free(url);
    return added;
}

int cwms_fetch_missing_issuers(CWMS_POOL *pool, CWMS_TRUST *trust, CWMS_DIAG *diag)
{
    FETCH f = { pool, trust, diag, { NULL }, 0 };
    size_t from = 0;
    int ok = 1;

    /* Round r looks at what round r-1 added: the issuer of the issuer, up the chain. */
    for (int round = 0; ok && round < FETCH_MAX_ROUNDS; round++) {
        size_t n = cwms_pool_count(pool), added = 0;

        for (size_t i = from; ok && i < n; i++) {
            CWMS_CERT *c = cwms_pool_get(pool, i);
            int r;

            if (!issuer_missing(&f, c))
                continue;
            if ((r = fetch_issuer(&f, c)) < 0)
                ok = 0;
            added += r > 0;
        }
        if (added == 0)
            break;
        from = n;
    }
    for (size_t i = 0; i < f.n_urls; i++)
        OPENSSL_free(f.urls[i]);
    if (!ok)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
    return ok;
}
