/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Choosing the server certificate (chain.h: cwms_leaf_choose).
 *
 * With a private key the answer is exact: the certificate holding its
 * public key. Matching a key against a whole issuer pool would decode
 * every certificate, so each one is first screened by comparing the key's
 * identity in its SubjectPublicKeyInfo with that in the SPKI bytes the DER
 * walker located (index/spki_key.h: the same for a key in any encoding),
 * and only hits are decoded and compared with EVP_PKEY_eq; a second, full
 * pass covers what the screen cannot read when nothing matched. A few
 * certificates are compared directly: i2d_PUBKEY starts OpenSSL's
 * encoders, which costs more than decoding a handful. Without a key
 * the server certificate is the one end-entity certificate, unless --leaf
 * or a subject narrows the choice.
 */
#include "paths/leaf.h"
#include "paths/graph.h"
#include "index/spki_key.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cwms_bio_text.h"
#include "cwms_p11.h"

void cwms_sha256_hex(const unsigned char sha256[32], char out[65])
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[sha256[i] >> 4];
        out[2 * i + 1] = hex[sha256[i] & 15];
    }
    out[64] = '\0';
}

/* Not a CA: no basicConstraints cA, not self-issued, and (by name) issuing nothing of the pool. */
static int is_end_entity(const CWMS_POOL *pool, CWMS_CERT *c)
{
    return !cwms_cert_is_ca(c) && !cwms_cert_self_issued(c) && !cwms_pool_issues_another(pool, c);
}

/*
 * named: the certificate --leaf names (cwms_pool_find_sha256, looked up
 * once rather than fingerprinting every candidate), NULL when none does.
 */
static int selected(const CWMS_CHAIN_PARAMS *cp, const CWMS_CERT *named, CWMS_CERT *c)
{
    const X509_NAME *subject;

    if (cp->has_leaf_sha256 && c != named)
        return 0;
    if (cp->leaf_subject != NULL
        && ((subject = cwms_cert_subject(c)) == NULL
            || X509_NAME_cmp(subject, cp->leaf_subject) != 0))
        return 0;
    return 1;
}

/*
 * The screen: the walker recorded where the certificate's SPKI is, so a
 * byte comparison of the key's identity there (index/spki_key.h: the EC
 * point's X whether the certificate carries it compressed or not, the RSA
 * modulus) with the key's own rules most certificates out without
 * decoding, and cannot rule out the certificate of the key in another
 * encoding. An entry without that record (read through the full decoder),
 * or whose SPKI the reader cannot take apart, is decoded.
 */
/* Pools up to this size are not screened (see the top of the file). */
#define SCREEN_MIN_POOL 16

typedef struct {
    unsigned char *spki; /* the key's SPKI as i2d_PUBKEY writes it; NULL: no screening */
    CWMS_DER_SLICE id;   /* the key's identity inside it */
} SCREEN;

/* The screen of a key for a pool; screen->spki NULL: compare directly. Free with screen_clear. */
static void screen_init(SCREEN *screen, const CWMS_POOL *pool, EVP_PKEY *pk)
{
    int spki_len;

    screen->spki = NULL;
    if (cwms_pool_count(pool) <= SCREEN_MIN_POOL || (spki_len = i2d_PUBKEY(pk, &screen->spki)) <= 0
        || !cwms_spki_key_id(screen->spki, (size_t)spki_len, &screen->id)) {
        OPENSSL_free(screen->spki);
        screen->spki = NULL;
    }
}

static void screen_clear(SCREEN *screen)
{
    OPENSSL_free(screen->spki);
    screen->spki = NULL;
}

/* screen NULL or off: no screening. */
static int key_matches(CWMS_CERT *c, EVP_PKEY *pk, const SCREEN *screen)
{
    size_t c_spki_len;
    const unsigned char *c_spki = cwms_cert_get0_spki(c, &c_spki_len);
    CWMS_DER_SLICE id;
    X509 *x;

    if (screen != NULL && screen->spki != NULL && c_spki != NULL
        && cwms_spki_key_id(c_spki, c_spki_len, &id)
        && (id.len != screen->id.len || memcmp(id.p, screen->id.p, id.len) != 0))
        return 0;
    x = cwms_cert_x509(c);
    return x != NULL && EVP_PKEY_eq(X509_get0_pubkey(x), pk) == 1;
}

/*
 * Better server certificate among several for one key: end-entity, valid,
 * newer; then the lower SHA-256, so equal certificates never depend on the
 * order of the inputs.
 */
static int better_leaf(const CWMS_CHAIN_PARAMS *cp, CWMS_CERT *a, CWMS_CERT *b)
{
    int va = cwms_cert_valid_at(a, cp->attime), vb = cwms_cert_valid_at(b, cp->attime);
    const unsigned char *ha, *hb;

    if (cwms_cert_is_ca(a) != cwms_cert_is_ca(b))
        return !cwms_cert_is_ca(a);
    if (va != vb)
        return va;
    if (cwms_cert_not_after(a) != cwms_cert_not_after(b))
        return cwms_cert_not_after(a) > cwms_cert_not_after(b);
    ha = cwms_cert_sha256(a);
    hb = cwms_cert_sha256(b);
    return ha != NULL && hb != NULL && memcmp(ha, hb, 32) < 0;
}

static void describe_cert(BIO *b, CWMS_CERT *c)
{
    char *subject = cwms_name_oneline(cwms_cert_subject(c));
    const unsigned char *fp = cwms_cert_sha256(c);
    char hex[65] = "?";

    if (fp != NULL)
        cwms_sha256_hex(fp, hex);
    BIO_printf(b, "'%s' (SHA-256 %s%s%s)", subject ? subject : "?", hex,
               cwms_cert_get0_origin(c) != NULL ? ", from " : "",
               cwms_cert_get0_origin(c) != NULL ? cwms_cert_get0_origin(c) : "");
    OPENSSL_free(subject);
}

static void note_ignored(CWMS_DIAG *diag, CWMS_CERT *c, const char *why)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *text;

    if (b == NULL)
        return;
    describe_cert(b, c);
    if ((text = cwms_bio_text(b)) != NULL)
        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE, "ignoring %s: %s", text, why);
    OPENSSL_free(text);
    BIO_free(b);
}

size_t cwms_leaf_end_entities(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool, CWMS_CERT **out,
                              size_t max)
{
    size_t n = 0;
    CWMS_CERT *named = cp->has_leaf_sha256 ? cwms_pool_find_sha256(pool, cp->leaf_sha256) : NULL;

    for (size_t i = 0; i < cwms_pool_count(pool); i++) {
        CWMS_CERT *c = cwms_pool_get(pool, i);

        if (selected(cp, named, c) && is_end_entity(pool, c)) {
            if (n < max)
                out[n] = c;
            n++;
        }
    }
    return n;
}

void cwms_leaf_note_ignored(CWMS_DIAG *diag, CWMS_CERT *c, const char *why)
{
    note_ignored(diag, c, why);
}

static int choose_without_key(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool, CWMS_DIAG *diag,
                              CWMS_CERT **leaf)
{
    size_t n = cwms_pool_count(pool), found = 0;
    CWMS_CERT *first = NULL;
    BIO *list;
    char *text;

    if (cp->has_leaf_sha256) {
        char hex[65];

        if ((*leaf = cwms_pool_find_sha256(pool, cp->leaf_sha256)) != NULL)
            return 1;
        cwms_sha256_hex(cp->leaf_sha256, hex);
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_NO_LEAF,
                      "no certificate among the inputs has the SHA-256 fingerprint %s given "
                      "with %s",
                      hex, cwms_option_name(cp->front, CWMS_OPT_LEAF));
        return 0;
    }
    for (int pass = 0; pass < 2 && found == 0; pass++) {
        /* A subject may name a CA certificate too, but end-entity ones come first. */
        if (pass == 1 && cp->leaf_subject == NULL)
            break;
        for (size_t i = 0; i < n; i++) {
            CWMS_CERT *c = cwms_pool_get(pool, i);

            if (selected(cp, NULL, c) && (pass == 1 || is_end_entity(pool, c))) {
                if (found++ == 0)
                    first = c;
            }
        }
    }
    if (found == 1) {
        *leaf = first;
        return 1;
    }
    if (found == 0) {
        if (cp->leaf_subject != NULL) {
            char *s = cwms_name_oneline(cp->leaf_subject);

            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_NO_LEAF,
                          "no certificate among the inputs has the subject '%s'", s ? s : "?");
            OPENSSL_free(s);
        } else {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_NO_LEAF,
                          "none of the %zu certificates among the inputs is an end-entity "
                          "(server) certificate: add the server certificate",
                          n);
        }
        return 0;
    }
    if ((list = BIO_new(BIO_s_mem())) == NULL)
        return 0;
    for (size_t i = 0, k = 0; i < n; i++) {
        CWMS_CERT *c = cwms_pool_get(pool, i);

        if (selected(cp, NULL, c) && (cp->leaf_subject != NULL || is_end_entity(pool, c))) {
            BIO_puts(list, k++ ? ", " : "");
            describe_cert(list, c);
        }
    }
    text = cwms_bio_text(list);
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_AMBIGUOUS_LEAF,
                  "%zu certificates among the inputs could be the server certificate: %s; "
                  "choose one with %s SHA256-FINGERPRINT (or give its private key)",
                  found, text ? text : "?", cwms_option_name(cp->front, CWMS_OPT_LEAF));
    OPENSSL_free(text);
    BIO_free(list);
    return 0;
}

typedef struct {
    CWMS_CERT *best; /* best matching certificate, NULL when none */
    int best_is_ee;
} KEY_MATCH;

/* Finds, for every key, the best certificate holding its public key. */
static int match_keys(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool, const CWMS_KEY *keys,
                      size_t n_keys, KEY_MATCH *m, int screen)
{
    size_t any = 0;
    CWMS_CERT *named = cp->has_leaf_sha256 ? cwms_pool_find_sha256(pool, cp->leaf_sha256) : NULL;

    for (size_t k = 0; k < n_keys; k++) {
        SCREEN sc = { NULL, { NULL, 0 } };

        if (screen)
            screen_init(&sc, pool, keys[k].pkey);
        m[k].best = NULL;
        for (size_t i = 0; i < cwms_pool_count(pool); i++) {
            CWMS_CERT *c = cwms_pool_get(pool, i);

            if (!selected(cp, named, c) || !key_matches(c, keys[k].pkey, &sc))
                continue;
            if (m[k].best == NULL || better_leaf(cp, c, m[k].best))
                m[k].best = c;
        }
        screen_clear(&sc);
        if (m[k].best != NULL) {
            m[k].best_is_ee = !cwms_cert_is_ca(m[k].best);
            any++;
        }
    }
    return any > 0;
}

/* 1 when c's public key bytes (as the DER walker found them) are one of keys' SPKI. */
static int spki_of_a_key(const CWMS_CERT *c, const CWMS_KEY *keys, size_t n_keys)
{
    size_t c_len;
    const unsigned char *c_spki = cwms_cert_get0_spki(c, &c_len);
    int hit = 0;

    for (size_t k = 0; c_spki != NULL && !hit && k < n_keys; k++) {
        unsigned char *spki = NULL;
        int len = i2d_PUBKEY(keys[k].pkey, &spki);

        hit = len > 0 && (size_t)len == c_len && memcmp(spki, c_spki, c_len) == 0;
        OPENSSL_free(spki);
    }
    return hit;
}

/*
 * The certificates OpenSSL cannot decode (a name or an extension not well
 * formed, such as text that is not valid UTF-8) could not be compared with
 * the keys: each is named, first those carrying a key's public key. "" when
 * every certificate decodes; OPENSSL_free.
 */
static char *undecodable_certs(const CWMS_POOL *pool, const CWMS_KEY *keys, size_t n_keys)
{
    BIO *b = BIO_new(BIO_s_mem());
    size_t n = 0;
    char *text;

    for (int mine = 1; b != NULL && mine >= 0; mine--) {
        for (size_t i = 0; i < cwms_pool_count(pool); i++) {
            CWMS_CERT *c = cwms_pool_get(pool, i);

            if (cwms_cert_x509(c) != NULL || spki_of_a_key(c, keys, n_keys) != mine)
                continue;
            BIO_puts(b, n++ == 0 ? "; OpenSSL cannot decode " : ", ");
            describe_cert(b, c);
            if (mine)
                BIO_puts(b, ", which carries the key's public key");
        }
    }
    if (n > 0)
        BIO_printf(b,
                   " (a name or an extension is not well formed, such as text that is not "
                   "valid UTF-8), so %s could not be compared with the key: have the CA "
                   "issue %s again",
                   n == 1 ? "it" : "they", n == 1 ? "it" : "them");
    text = b != NULL ? cwms_bio_text(b) : NULL;
    BIO_free(b);
    return text;
}

static void key_mismatch(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool, const CWMS_KEY *keys,
                         size_t n_keys, CWMS_DIAG *diag)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *origins, *undecodable;

    if (b == NULL)
        return;
    for (size_t k = 0; k < n_keys; k++)
        BIO_printf(b, "%s'%s'", k ? ", " : "", keys[k].origin ? keys[k].origin : "?");
    origins = cwms_bio_text(b);
    undecodable = undecodable_certs(pool, keys, n_keys);
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_KEY_MISMATCH,
                  "the private key%s from %s match%s %s: add the server certificate issued for "
                  "this key, or give the key that belongs to the certificate%s",
                  n_keys > 1 ? "s" : "", origins ? origins : "?", n_keys > 1 ? "" : "es",
                  cp->has_leaf_sha256 || cp->leaf_subject != NULL
                      ? "no selected certificate among the inputs"
                      : cwms_pool_count(pool) == 1
                      ? "no certificate among the inputs (there is one)"
                      : "none of the certificates among the inputs",
                  undecodable != NULL ? undecodable : "");
    OPENSSL_free(undecodable);
    OPENSSL_free(origins);
    BIO_free(b);
}

size_t cwms_leaf_alternatives(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool,
                              const CWMS_KEY *key, const CWMS_CERT *chosen, CWMS_CERT **out,
                              size_t max)
{
    CWMS_CERT *named = cp->has_leaf_sha256 ? cwms_pool_find_sha256(pool, cp->leaf_sha256) : NULL;
    SCREEN sc;
    size_t n = 0;

    if (key == NULL || max == 0)
        return 0;
    screen_init(&sc, pool, key->pkey);
    for (size_t i = 0; i < cwms_pool_count(pool); i++) {
        CWMS_CERT *c = cwms_pool_get(pool, i);
        size_t at;

        if (c == chosen || !selected(cp, named, c) || !key_matches(c, key->pkey, &sc))
            continue;
        /* Insertion into the best-first list, keeping at most max. */
        for (at = n; at > 0 && better_leaf(cp, c, out[at - 1]); at--)
            ;
        if (at >= max)
            continue;
        if (n < max)
            n++;
        memmove(out + at + 1, out + at, (n - 1 - at) * sizeof(*out));
        out[at] = c;
    }
    screen_clear(&sc);
    return n;
}

size_t cwms_leaf_candidates(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool,
                            const CWMS_KEY *keys, size_t n_keys, CWMS_CERT **out, size_t max)
{
    size_t n = 0, all;

    for (size_t k = 0; !cp->no_key && k < n_keys && n < max; k++)
        n += cwms_leaf_alternatives(cp, pool, &keys[k], NULL, out + n, max - n);
    if (n > 0)
        return n;
    if (cp->has_leaf_sha256) {
        out[0] = max > 0 ? cwms_pool_find_sha256(pool, cp->leaf_sha256) : NULL;
        return out[0] != NULL;
    }
    all = cwms_leaf_end_entities(cp, pool, out, max);
    return all < max ? all : max;
}

/* No key among the inputs: where the key should come from, in the front's words. */
static void report_no_key(const CWMS_CHAIN_PARAMS *cp, const char *key_source, CWMS_DIAG *diag)
{
    if (key_source != NULL) {
        char *shown = cwms_p11_uri_mask(key_source); /* a pkcs11: URI's PIN is not shown */

        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_NO_KEY, "'%s' (%s) holds no private key",
                      shown != NULL ? shown : "?", cwms_option_name(cp->front, CWMS_OPT_KEY));
        OPENSSL_free(shown);
    } else
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_NO_KEY,
                      "no private key among the inputs: pass it with %s FILE, or use "
                      "%s for a bundle without the key",
                      cwms_option_name(cp->front, CWMS_OPT_KEY),
                      cwms_option_name(cp->front, CWMS_OPT_NO_KEY));
}

/* Several keys matching several server certificates (or several CAs): each named. */
static void report_several_keys(const CWMS_CHAIN_PARAMS *cp, const CWMS_KEY *keys, size_t n_keys,
                                const KEY_MATCH *m, size_t n_ee, CWMS_DIAG *diag)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *text = NULL;

    for (size_t k = 0, i = 0; b != NULL && k < n_keys; k++) {
        char *s;

        if (m[k].best == NULL || (n_ee > 0 && !m[k].best_is_ee))
            continue;
        s = cwms_name_oneline(cwms_cert_subject(m[k].best));
        BIO_printf(b, "%s'%s' (for '%s')", i++ ? ", " : "", keys[k].origin, s ? s : "?");
        OPENSSL_free(s);
    }
    if (b != NULL)
        text = cwms_bio_text(b);
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_SEVERAL_KEYS,
                  "several private keys match certificates among the inputs: %s; pass the "
                  "one to use with %s, or choose the certificate with %s",
                  text ? text : "?", cwms_option_name(cp->front, CWMS_OPT_KEY),
                  cwms_option_name(cp->front, CWMS_OPT_LEAF));
    OPENSSL_free(text);
    BIO_free(b);
}

/*
 * Of several keys, the one whose certificate is a server certificate, if
 * only one is (or the one key matching anything); SIZE_MAX, reported, when
 * no one key stands out.
 */
static size_t choose_key(const CWMS_CHAIN_PARAMS *cp, const CWMS_KEY *keys, size_t n_keys,
                         const KEY_MATCH *m, CWMS_DIAG *diag)
{
    size_t chosen = SIZE_MAX, n_ee = 0, n_any = 0;

    for (size_t k = 0; k < n_keys; k++) {
        if (m[k].best == NULL)
            continue;
        n_any++;
        n_ee += m[k].best_is_ee;
    }
    for (size_t k = 0; k < n_keys; k++)
        if (m[k].best != NULL && (n_ee == 0 || m[k].best_is_ee) && chosen == SIZE_MAX)
            chosen = k;
    if ((n_ee > 1) || (n_ee == 0 && n_any > 1)) {
        report_several_keys(cp, keys, n_keys, m, n_ee, diag);
        return SIZE_MAX;
    }
    return chosen;
}

/* Notes on the keys and end-entity certificates the choice leaves out. */
static void note_left_out(const CWMS_POOL *pool, const CWMS_KEY *keys, size_t n_keys, size_t chosen,
                          const CWMS_CERT *leaf, CWMS_DIAG *diag)
{
    for (size_t k = 0; k < n_keys; k++)
        if (k != chosen)
            cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE,
                          "ignoring the private key from '%s': it matches no server certificate "
                          "among the inputs",
                          keys[k].origin);
    /* The rest of the end-entity certificates: an old certificate for the name, another server. */
    for (size_t i = 0; i < cwms_pool_count(pool); i++) {
        CWMS_CERT *c = cwms_pool_get(pool, i);
        X509 *x;

        if (c == leaf || !is_end_entity(pool, c))
            continue;
        if ((x = cwms_cert_x509(c)) != NULL
            && EVP_PKEY_eq(X509_get0_pubkey(x), keys[chosen].pkey) == 1)
            note_ignored(diag, c, "another certificate for the same key");
        else
            note_ignored(diag, c, "it does not match the private key");
    }
}

int cwms_leaf_choose(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool, const CWMS_KEY *keys,
                     size_t n_keys, const char *key_source, CWMS_DIAG *diag, CWMS_CERT **leaf,
                     const CWMS_KEY **key)
{
    KEY_MATCH *m;
    size_t chosen;

    *leaf = NULL;
    *key = NULL;
    if (cwms_pool_count(pool) == 0) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_NO_CERTIFICATES,
                      "the inputs hold no certificate: add the server certificate and the "
                      "CA bundle");
        return 0;
    }
    if (cp->no_key) {
        for (size_t k = 0; k < n_keys; k++)
            cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE, "ignoring the private key from '%s' (%s)",
                          keys[k].origin, cwms_option_name(cp->front, CWMS_OPT_NO_KEY));
        return choose_without_key(cp, pool, diag, leaf);
    }
    if (n_keys == 0) {
        report_no_key(cp, key_source, diag);
        return 0;
    }
    if ((m = OPENSSL_zalloc(n_keys * sizeof(*m))) == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    /* The second, unscreened pass only where the first screened. */
    if (!match_keys(cp, pool, keys, n_keys, m, 1)
        && (cwms_pool_count(pool) <= SCREEN_MIN_POOL
            || !match_keys(cp, pool, keys, n_keys, m, 0))) {
        key_mismatch(cp, pool, keys, n_keys, diag);
        OPENSSL_free(m);
        return 0;
    }
    if ((chosen = choose_key(cp, keys, n_keys, m, diag)) != SIZE_MAX) {
        *leaf = m[chosen].best;
        *key = &keys[chosen];
        note_left_out(pool, keys, n_keys, chosen, *leaf, diag);
    }
    OPENSSL_free(m);
    return *leaf != NULL;
}
