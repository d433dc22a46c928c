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

#include <stdint.h>
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

/*
 * " through the proxy 'HOST:PORT' (from http_proxy)" when OpenSSL's client
 * sends url through a proxy (http_proxy / HTTP_PROXY, unless no_proxy
 * exempts the host), as it does: a failure may be the proxy's. A user and
 * password in the proxy's URL are left out. "" otherwise.
 */
static void proxy_words(const char *url, char *buf, size_t size)
{
    char *host = NULL, *phost = NULL, *pport = NULL;
    const char *proxy = NULL;
    int ssl = 0;

    buf[0] = '\0';
    ERR_set_mark();
    if (OSSL_HTTP_parse_url(url, &ssl, NULL, &host, NULL, NULL, NULL, NULL, NULL)
        && (proxy = OSSL_HTTP_adapt_proxy(NULL, NULL, host, ssl)) != NULL) {
        if (OSSL_HTTP_parse_url(proxy, NULL, NULL, &phost, &pport, NULL, NULL, NULL, NULL))
            snprintf(buf, size, " through the proxy '%s:%s' (from %s)", phost, pport,
                     getenv("http_proxy") != NULL ? "http_proxy" : "HTTP_PROXY");
        else
            snprintf(buf, size, " through the proxy set in http_proxy (which does not parse)");
    }
    ERR_pop_to_mark();
    OPENSSL_free(host);
    OPENSSL_free(phost);
    OPENSSL_free(pport);
}

/*-
 * URLs
 * ----
 */

/* RFC 3986's characters: unreserved, gen-delims, sub-delims (and '%' for escapes). */
static int uri_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=", c) != NULL);
}

static int hex_digit(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A port: 1 to 65535 in decimal. */
static int port_ok(const char *p, size_t len)
{
    unsigned long v = 0;

    if (len == 0 || len > 5)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

/* The authority of an http: URL, host [":" port] (no user info); 0 with *why. */
static int authority_ok(const char *a, size_t len, const char **why)
{
    const char *colon;
    size_t host_len;

    if (memchr(a, '@', len) != NULL) {
        *why = "it carries user information ('@') before the host";
        return 0;
    }
    if (len > 0 && a[0] == '[') {
        const char *end = memchr(a, ']', len);

        if (end == NULL || end == a + 1
            || strspn(a + 1, "0123456789abcdefABCDEF:.") != (size_t)(end - a - 1)) {
            *why = "its IPv6 host is not well formed";
            return 0;
        }
        host_len = (size_t)(end - a) + 1;
    } else {
        colon = memchr(a, ':', len);
        host_len = colon != NULL ? (size_t)(colon - a) : len;
        for (size_t i = 0; i < host_len; i++)
            if (strchr("[]:/?#", a[i]) != NULL) {
                *why = "its host name holds characters a host name cannot";
                return 0;
            }
    }
    if (host_len == 0) {
        *why = "it names no host";
        return 0;
    }
    if (host_len < len && (a[host_len] != ':' || !port_ok(a + host_len + 1, len - host_len - 1))) {
        *why = "its port is not a number from 1 to 65535";
        return 0;
    }
    return 1;
}

/*
 * 1 when url may be given to OpenSSL's HTTP client: an http: URL of RFC
 * 3986 characters only (no CR, LF, space or other control, no byte outside
 * ASCII: nothing that could add a line to the request), %XX escapes well
 * formed, "http://" host [":" port] and a path; 0 with *why.
 */
static int url_acceptable(const char *url, const char **why)
{
    size_t len = strlen(url), auth_len;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];

        if (c == '%' && i + 2 < len && hex_digit((unsigned char)url[i + 1])
            && hex_digit((unsigned char)url[i + 2]))
            continue;
        if (c == '%' || !uri_char(c)) {
            *why = c < 0x20 || c == 0x7f ? "it holds a control character (CR, LF, ...)"
                : c == ' '               ? "it holds a space"
                : c == '%'               ? "it holds a '%' that is no %XX escape"
                                         : "it holds a character a URL cannot";
            return 0;
        }
    }
    if (strncasecmp(url, "http://", 7) != 0) {
        *why = "--fetch follows http: URLs only";
        return 0;
    }
    auth_len = strcspn(url + 7, "/?#");
    return authority_ok(url + 7, auth_len, why);
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

/*
 * 1 when url may be downloaded for the issuer of who: a URL the HTTP
 * client may be given, and downloads left; 0 with a warning.
 */
static int may_fetch(FETCH *f, const char *url, const char *who)
{
    const char *bad_url = NULL;

    /* Checked before the client sees it: the certificate's signature is not checked yet. */
    if (!url_acceptable(url, &bad_url)) {
        cwms_diag_add(f->diag, CWMS_WARNING, CWMS_R_FETCH,
                      "not fetching the issuer of '%s' from '%s': %s", who, url, bad_url);
        return 0;
    }
    if (f->n_urls == FETCH_MAX_URLS) {
        cwms_diag_add(f->diag, CWMS_WARNING, CWMS_R_FETCH,
                      "not fetching the issuer of '%s' from %s: %d downloads already", who, url,
                      FETCH_MAX_URLS);
        return 0;
    }
    return 1;
}

/* The certificates url replies with (free with sk_X509_pop_free), or NULL with a warning. */
static STACK_OF(X509) * fetch_reply(FETCH *f, const char *url, const char *who)
{
    unsigned char *body = NULL;
    size_t body_len = 0;
    STACK_OF(X509) * certs;
    char why[256];

    if (!download(url, &body, &body_len, why, sizeof(why))) {
        char proxy[512];

        proxy_words(url, proxy, sizeof(proxy));
        cwms_diag_add(f->diag, CWMS_WARNING, CWMS_R_FETCH,
                      "cannot fetch the issuer of '%s' from %s%s: %s", who, url, proxy, why);
        return NULL;
    }
    if ((certs = cwms_fetch_parse_reply(body, body_len)) == NULL)
        cwms_diag_add(f->diag, CWMS_WARNING, CWMS_R_FETCH,
                      "the reply from %s (the issuer of '%s') is neither a DER certificate nor a "
                      "PKCS#7 of certificates",
                      url, who);
    OPENSSL_free(body);
    return certs;
}

/*
 * Adds to the pool those of certs that issued cx (the name chains and the
 * signature on cx is their key's). 1 when one was added, 0 (with a
 * warning) when none issued it, -1 when out of memory.
 */
static int add_issuers(FETCH *f, STACK_OF(X509) * certs, X509 *cx, const char *url, const char *who)
{
    int added = 0;

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
        if ((c = cwms_cert_new_x509(x, url)) == NULL)
            return -1;
        name = cwms_name_oneline(cwms_cert_subject(c));
        if (!cwms_pool_add(f->pool, c, NULL)) {
            OPENSSL_free(name);
            return -1;
        }
        cwms_diag_add(f->diag, CWMS_NOTE, CWMS_R_NONE, "fetched '%s', the issuer of '%s', from %s",
                      name ? name : "?", who, url);
        OPENSSL_free(name);
        added = 1;
    }
    if (added == 0)
        cwms_diag_add(f->diag, CWMS_WARNING, CWMS_R_FETCH,
                      "the certificate%s from %s did not issue '%s' (wrong name or signature): "
                      "not used",
                      sk_X509_num(certs) == 1 ? "" : "s", url, who);
    return added;
}

/* Fetches child's issuer. 1 when something was added, 0 when not, -1 when out of memory. */
static int fetch_issuer(FETCH *f, CWMS_CERT *child)
{
    char *url = cwms_cert_ca_issuers_url(child), *subject;
    const char *who;
    X509 *cx = cwms_cert_x509(child);
    STACK_OF(X509) * certs;
    int added = 0;

    if (url == NULL || cx == NULL || url_seen(f, url)) {
        OPENSSL_free(url);
        return 0;
    }
    subject = cwms_name_oneline(cwms_cert_subject(child));
    who = subject != NULL ? subject : "?";
    if (!may_fetch(f, url, who)) {
        OPENSSL_free(url);
        OPENSSL_free(subject);
        return 0;
    }
    f->urls[f->n_urls++] = url; /* kept in f->urls: each URL is tried once */
    if ((certs = fetch_reply(f, url, who)) != NULL)
        added = add_issuers(f, certs, cx, url, who);
    sk_X509_pop_free(certs, X509_free);
    OPENSSL_free(subject);
    return added;
}

/*-
 * Which certificates: those on a candidate path
 * ---------------------------------------------
 */

/* A set of certificates in the order added, with a table of their positions by address. */
typedef struct {
    CWMS_CERT **certs;
    size_t n, cap;
    size_t *slots; /* positions + 1; 0 = free; size 2 * cap (a power of two) */
} CERT_SET;

static size_t slot_of(const CERT_SET *s, const CWMS_CERT *c)
{
    size_t mask = 2 * s->cap - 1, i = (size_t)(((uintptr_t)c >> 4) * 0x9E3779B97F4A7C15ull) & mask;

    while (s->slots[i] != 0 && s->certs[s->slots[i] - 1] != c)
        i = (i + 1) & mask;
    return i;
}

static int set_grow(CERT_SET *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    CWMS_CERT **certs = OPENSSL_realloc(s->certs, cap * sizeof(*certs));
    size_t *slots = OPENSSL_zalloc(2 * cap * sizeof(*slots));

    if (certs != NULL)
        s->certs = certs;
    if (certs == NULL || slots == NULL) {
        OPENSSL_free(slots);
        return 0;
    }
    OPENSSL_free(s->slots);
    s->slots = slots;
    s->cap = cap;
    for (size_t i = 0; i < s->n; i++)
        s->slots[slot_of(s, s->certs[i])] = i + 1;
    return 1;
}

/* Adds c unless it is there. 1, or 0 when out of memory. */
static int set_add(CERT_SET *s, CWMS_CERT *c)
{
    size_t i;

    if (s->n + 1 > s->cap && !set_grow(s))
        return 0;
    if (s->slots[i = slot_of(s, c)] != 0)
        return 1;
    s->certs[s->n++] = c;
    s->slots[i] = s->n;
    return 1;
}

/*
 * The certificates on a candidate path: the candidates for the server
 * certificate and, up from them, every certificate of the pool named as
 * the issuer of one already in the set. Certificates on no such path
 * never cost a download.
 */
static int on_candidate_paths(const CWMS_POOL *pool, CWMS_CERT *const *starts, size_t n_starts,
                              CERT_SET *on)
{
    CWMS_CERT **issuers = NULL;
    size_t cap = 0;
    int ok = 1;

    for (size_t i = 0; ok && i < n_starts; i++)
        ok = set_add(on, starts[i]);
    for (size_t i = 0; ok && i < on->n; i++) {
        CWMS_CERT *c = on->certs[i];
        size_t n;

        if (cwms_cert_self_issued(c))
            continue;
        if ((n = cwms_pool_find_subject(pool, cwms_cert_issuer(c), issuers, cap)) > cap) {
            CWMS_CERT **more = OPENSSL_realloc(issuers, n * sizeof(*more));

            if (more == NULL) {
                ok = 0;
                break;
            }
            issuers = more;
            cap = n;
            n = cwms_pool_find_subject(pool, cwms_cert_issuer(c), issuers, cap);
        }
        for (size_t k = 0; ok && k < n; k++)
            ok = set_add(on, issuers[k]);
    }
    OPENSSL_free(issuers);
    return ok;
}

/* Fetches c's issuer when it is missing: 1 added, 0 not, -1 out of memory. */
static int fetch_if_missing(FETCH *f, CWMS_CERT *c)
{
    return issuer_missing(f, c) ? fetch_issuer(f, c) : 0;
}

int cwms_fetch_missing_issuers(CWMS_POOL *pool, CWMS_TRUST *trust, CWMS_CERT *const *starts,
                               size_t n_starts, CWMS_DIAG *diag)
{
    FETCH f = { pool, trust, diag, { NULL }, 0 };
    CERT_SET on = { NULL, 0, 0, NULL };
    size_t from = cwms_pool_count(pool);
    int ok = on_candidate_paths(pool, starts, n_starts, &on);

    for (size_t i = 0; ok && i < on.n; i++)
        ok = fetch_if_missing(&f, on.certs[i]) >= 0;
    /* Round r looks at what round r-1 added: the issuer of the issuer, up the chain. */
    for (int round = 1; ok && round < FETCH_MAX_ROUNDS; round++) {
        size_t n = cwms_pool_count(pool);

        if (n == from)
            break;
        for (size_t i = from; ok && i < n; i++)
            ok = fetch_if_missing(&f, cwms_pool_get(pool, i)) >= 0;
        from = n;
    }
    for (size_t i = 0; i < f.n_urls; i++)
        OPENSSL_free(f.urls[i]);
    OPENSSL_free(on.certs);
    OPENSSL_free(on.slots);
    if (!ok)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
    return ok;
}
