/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust anchors: see trust.h.
 *
 * Path building asks the store one question, "which anchors are named
 * so?", a handful of times per build. A file is therefore indexed once
 * through CWMS_POOL straight from its PEM blocks (no X509 decoding until
 * a signature has to be checked), and a hashed directory is asked by
 * subject name, each name once, through OpenSSL's own X509_LOOKUP_hash_dir.
 *
 * A --trust directory without OpenSSL's hash links (a folder of plain
 * root.pem files, as users make them) is read like a file instead: every
 * certificate in every regular file in it.
 */
#include "index/trust.h"
#include "util/file_read.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "index/namekey.h"
#include "cwms_pem_block.h"
#include "index/pool.h"

struct cwms_trust_st {
    OSSL_LIB_CTX *libctx;
    char *propq;
    char *file;        /* read on first use; NULL = none */
    int file_explicit; /* --trust FILE: unreadable or empty is an error */
    int file_read;
    char *dir;         /* hashed directories, ':'-separated; NULL = none */
    X509_STORE *store; /* lookup over dir, created on first use */
    X509_STORE_CTX *sctx;
    X509_NAME **asked;    /* names already asked of dir (owned copies) */
    uint64_t *asked_keys; /* their keys, to skip most X509_NAME_cmp */
    size_t n_asked, cap_asked;
    CWMS_POOL *pool; /* every anchor read so far */
    char *desc;
    CWMS_FRONT front; /* how messages name the option */
};

static int read_file(CWMS_TRUST *t, CWMS_DIAG *diag);
static int read_plain_dir(CWMS_TRUST *t, const char *path, CWMS_DIAG *diag);

/* "1a2b3c4d.0" or "1a2b3c4d.r0": what c_rehash / openssl rehash name their links. */
static int is_hash_name(const char *name)
{
    const char *p = name;

    for (int i = 0; i < 8; i++, p++)
        if (!isxdigit((unsigned char)*p))
            return 0;
    if (*p++ != '.')
        return 0;
    if (*p == 'r')
        p++;
    if (!isdigit((unsigned char)*p))
        return 0;
    while (isdigit((unsigned char)*p))
        p++;
    return *p == '\0';
}

/* 1 when the directory holds OpenSSL hash links, 0 when not, -1 (errno) when unreadable. */
static int is_hashed_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int hashed = 0;

    if (d == NULL)
        return -1;
    while (!hashed && (e = readdir(d)) != NULL)
        hashed = is_hash_name(e->d_name);
    closedir(d);
    return hashed;
}

static char *strdup_or_null(const char *s)
{
    return s == NULL ? NULL : OPENSSL_strdup(s);
}

CWMS_TRUST *cwms_trust_new(const char *path, CWMS_FRONT front, OSSL_LIB_CTX *libctx,
                           const char *propq, CWMS_DIAG *diag)
{
    CWMS_TRUST *t = OPENSSL_zalloc(sizeof(*t));
    struct stat st;

    if (t == NULL || (t->pool = cwms_pool_new()) == NULL)
        goto oom;
    t->libctx = libctx;
    t->front = front;
    if (propq != NULL && (t->propq = OPENSSL_strdup(propq)) == NULL)
        goto oom;
    if (path != NULL) {
        if (stat(path, &st) != 0) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_TRUST_STORE,
                          "cannot use '%s' as the trust store: %s", path, strerror(errno));
            cwms_trust_free(t);
            return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
            int hashed = is_hashed_dir(path);

            if (hashed < 0) {
                cwms_diag_add(diag, CWMS_ERROR, CWMS_R_TRUST_STORE,
                              "cannot read the trust store directory '%s': %s", path,
                              strerror(errno));
                cwms_trust_free(t);
                return NULL;
            }
            if (!hashed) {
                t->file_read = 1; /* no default file behind an explicit directory */
                if ((t->desc = OPENSSL_strdup(path)) == NULL)
                    goto oom;
                if (!read_plain_dir(t, path, diag)) {
                    cwms_trust_free(t);
                    return NULL;
                }
                return t;
            }
            if ((t->dir = OPENSSL_strdup(path)) == NULL)
                goto oom;
        } else {
            if ((t->file = OPENSSL_strdup(path)) == NULL)
                goto oom;
            t->file_explicit = 1;
        }
        if ((t->desc = OPENSSL_strdup(path)) == NULL)
            goto oom;
        /* The user named it: read it now so a bad file fails before any work. */
        if (t->file != NULL && !read_file(t, diag)) {
            cwms_trust_free(t);
            return NULL;
        }
    } else {
        /* The same environment overrides OpenSSL's default verify paths honour. */
        const char *file = getenv(X509_get_default_cert_file_env());
        const char *dir = getenv(X509_get_default_cert_dir_env());

        if ((t->file = strdup_or_null(file != NULL ? file : X509_get_default_cert_file())) == NULL
            || (t->dir = strdup_or_null(dir != NULL ? dir : X509_get_default_cert_dir())) == NULL
            || (t->desc = OPENSSL_strdup("the system trust store")) == NULL)
            goto oom;
    }
    return t;
oom:
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
    cwms_trust_free(t);
    return NULL;
}

void cwms_trust_free(CWMS_TRUST *t)
{
    if (t == NULL)
        return;
    X509_STORE_CTX_free(t->sctx);
    X509_STORE_free(t->store);
    cwms_pool_free(t->pool);
    for (size_t i = 0; i < t->n_asked; i++)
        X509_NAME_free(t->asked[i]);
    OPENSSL_free(t->asked);
    OPENSSL_free(t->asked_keys);
    OPENSSL_free(t->propq);
    OPENSSL_free(t->file);
    OPENSSL_free(t->dir);
    OPENSSL_free(t->desc);
    OPENSSL_free(t);
}

const char *cwms_trust_describe(const CWMS_TRUST *t)
{
    return t->desc;
}

/* Adds an entry (c may be NULL: not a certificate) to the anchors; 1 on success or a duplicate. */
static int add_anchor(CWMS_TRUST *t, CWMS_CERT *c)
{
    if (c == NULL)
        return 0;
    cwms_cert_set_from_trust(c);
    return cwms_pool_add(t->pool, c, NULL);
}

static size_t read_pem_certs(CWMS_TRUST *t, const unsigned char *file, size_t file_len,
                             const char *origin)
{
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    size_t n = 0, pos = 0;

    while (cwms_pem_next_block(file, file_len, &pos, &name, &header, &data, &len)) {
        if (strcmp(name, PEM_STRING_X509_TRUSTED) == 0) {
            /*
             * Its trust settings (reject serverAuth, trust clientAuth only)
             * are the verifier's business: keep them on the decoded X509.
             */
            const unsigned char *p = data;
            X509 *x = d2i_X509_AUX(NULL, &p, len);

            n += add_anchor(t, x != NULL ? cwms_cert_new_x509(x, origin) : NULL);
            X509_free(x);
        } else if ((strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0)
                   && len > 0) {
            /* The entry takes PEM's buffer (no copy). */
            n += add_anchor(t, cwms_cert_adopt_der(data, (size_t)len, origin));
            data = NULL;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        name = header = NULL;
        data = NULL;
    }
    return n;
}

/* The certificates of one file, PEM or a single DER (a root.der); 0 when it holds none. */
static size_t read_cert_file(CWMS_TRUST *t, const unsigned char *data, size_t len,
                             const char *origin)
{
    size_t n = read_pem_certs(t, data, len, origin);

    if (n == 0 && len > 0)
        n = add_anchor(t, cwms_cert_new_der(data, len, origin)) ? 1 : 0;
    return n;
}

/* Every certificate of every regular, non-hidden file in path; an error when there is none. */
static int read_plain_dir(CWMS_TRUST *t, const char *path, CWMS_DIAG *diag)
{
    DIR *d = opendir(path);
    struct dirent *e;
    size_t n = 0, files = 0;

    if (d == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_TRUST_STORE,
                      "cannot read the trust store directory '%s': %s", path, strerror(errno));
        return 0;
    }
    ERR_set_mark();
    while ((e = readdir(d)) != NULL) {
        size_t size = strlen(path) + strlen(e->d_name) + 2;
        char *full;
        struct stat st;
        CWMS_FILE_BUF b;
        int err;

        if (e->d_name[0] == '.' || (full = OPENSSL_malloc(size)) == NULL)
            continue;
        snprintf(full, size, "%s/%s", path, e->d_name);
        /* Capped like every input; an unreadable file is one without certificates. */
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && cwms_file_read(full, &b, &err)) {
            files++;
            n += read_cert_file(t, b.data, b.len, full);
            cwms_file_buf_release(&b);
        }
        OPENSSL_free(full);
    }
    ERR_pop_to_mark();
    closedir(d);
    if (n == 0) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_TRUST_STORE,
                      "the trust store directory '%s' holds no certificate in its %zu file%s: "
                      "give a folder of CA certificates (PEM or DER) or an OpenSSL hashed "
                      "directory",
                      path, files, files == 1 ? "" : "s");
        return 0;
    }
    cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE,
                  "trust store '%s': %zu certificate%s from %zu file%s (not a hashed directory: "
                  "every file read)",
                  path, n, n == 1 ? "" : "s", files, files == 1 ? "" : "s");
    return 1;
}

static int read_file(CWMS_TRUST *t, CWMS_DIAG *diag)
{
    CWMS_FILE_BUF b;
    size_t n;
    int err;

    t->file_read = 1;
    if (t->file == NULL)
        return 1;
    /* Capped and non-blocking like every input: `--trust <(yes)` ends. */
    if (!cwms_file_read(t->file, &b, &err)) {
        if (!t->file_explicit && b.open_failed)
            return 1; /* a machine without a default bundle trusts nothing from it */
        cwms_file_read_report_as(diag, CWMS_R_TRUST_STORE,
                                 cwms_option_name(t->front, CWMS_OPT_TRUST), t->file, &b, err);
        return 0;
    }
    ERR_set_mark();
    n = read_cert_file(t, b.data, b.len, t->file);
    ERR_pop_to_mark();
    cwms_file_buf_release(&b);
    if (n == 0 && t->file_explicit) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_TRUST_STORE,
                      "the trust store '%s' holds no certificate: give a PEM file of "
                      "CA certificates or a hashed directory",
                      t->file);
        return 0;
    }
    return 1;
}

static int asked_before(CWMS_TRUST *t, const X509_NAME *name, uint64_t key)
{
    for (size_t i = 0; i < t->n_asked; i++)
        if (t->asked_keys[i] == key && X509_NAME_cmp(t->asked[i], name) == 0)
            return 1;
    return 0;
}

static int remember_asked(CWMS_TRUST *t, const X509_NAME *name, uint64_t key)
{
    if (t->n_asked == t->cap_asked) {
        size_t cap = t->cap_asked ? t->cap_asked * 2 : 16;
        X509_NAME **a = OPENSSL_realloc(t->asked, cap * sizeof(*a));
        uint64_t *k;

        if (a == NULL)
            return 0;
        t->asked = a;
        if ((k = OPENSSL_realloc(t->asked_keys, cap * sizeof(*k))) == NULL)
            return 0;
        t->asked_keys = k;
        t->cap_asked = cap;
    }
    if ((t->asked[t->n_asked] = X509_NAME_dup(name)) == NULL)
        return 0;
    t->asked_keys[t->n_asked++] = key;
    return 1;
}

static int ask_dir(CWMS_TRUST *t, const X509_NAME *name)
{
    STACK_OF(X509) * found;
    uint64_t key;

    if (t->dir == NULL || !cwms_name_key(name, &key) || asked_before(t, name, key))
        return 1;
    if (!remember_asked(t, name, key))
        return 0;
    ERR_set_mark();
    if (t->store == NULL) {
        X509_LOOKUP *lu;

        if ((t->store = X509_STORE_new()) == NULL
            || (lu = X509_STORE_add_lookup(t->store, X509_LOOKUP_hash_dir())) == NULL
            || !X509_LOOKUP_add_dir(lu, t->dir, X509_FILETYPE_PEM)
            || (t->sctx = X509_STORE_CTX_new_ex(t->libctx, t->propq)) == NULL
            || !X509_STORE_CTX_init(t->sctx, t->store, NULL, NULL)) {
            ERR_pop_to_mark();
            /* An unusable default directory means no anchors from it, not a failure. */
            OPENSSL_free(t->dir);
            t->dir = NULL;
            return 1;
        }
    }
    found = X509_STORE_CTX_get1_certs(t->sctx, (X509_NAME *)name);
    ERR_pop_to_mark();
    for (int i = 0; i < sk_X509_num(found); i++) {
        CWMS_CERT *c = cwms_cert_new_x509(sk_X509_value(found, i), t->dir);

        if (c != NULL) {
            cwms_cert_set_from_trust(c);
            cwms_pool_add(t->pool, c, NULL);
        }
    }
    sk_X509_pop_free(found, X509_free);
    return 1;
}

size_t cwms_trust_find_subject(CWMS_TRUST *t, const X509_NAME *name, CWMS_CERT **out, size_t max,
                               CWMS_DIAG *diag)
{
    if (name == NULL)
        return 0;
    if (!t->file_read)
        read_file(t, diag); /* the default file: missing or empty is no error */
    if (!ask_dir(t, name)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    return cwms_pool_find_subject(t->pool, name, out, max);
}

int cwms_trust_holds(CWMS_TRUST *t, CWMS_CERT *cert, CWMS_DIAG *diag)
{
    CWMS_CERT *same[16];
    size_t n = cwms_trust_find_subject(t, cwms_cert_subject(cert), same, 16, diag);
    X509 *x = cwms_cert_x509(cert);

    if (n > 16)
        n = 16;
    for (size_t i = 0; i < n; i++) {
        X509 *a;

        if (cwms_cert_same_der(same[i], cert))
            return 1;
        if (x != NULL && (a = cwms_cert_x509(same[i])) != NULL
            && EVP_PKEY_eq(X509_get0_pubkey(a), X509_get0_pubkey(x)) == 1)
            return 1;
    }
    return 0;
}
