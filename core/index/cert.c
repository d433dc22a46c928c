/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate entries of the pool: see cert.h. */
#include "index/cert.h"
#include "index/namekey.h"
#include "util/fmix64.h"

#include <limits.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "cwms_escape.h"

/*
 * "C=US, O=Example, CN=www.example.com", UTF-8 kept as is; controls are
 * left to cwms_escape_bytes (OpenSSL's own "\1B" would be a second rule).
 */
#define NAME_FLAGS                                                                                 \
    ((XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB & ~ASN1_STRFLGS_ESC_CTRL)          \
     | ASN1_STRFLGS_UTF8_CONVERT)

static uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/*
 * Eight bytes a step (a byte-wise FNV-1a costs four times as much on a
 * 2 KB certificate), each word multiplied into the state, and a final
 * avalanche (MurmurHash3's fmix64) so the low bits used as table slots
 * depend on every byte.
 */
uint64_t cwms_der_hash(const unsigned char *p, size_t len)
{
    const uint64_t k1 = 0x9E3779B97F4A7C15ULL, k2 = 0xBF58476D1CE4E5B9ULL;
    uint64_t h = (uint64_t)len * k1, w;

    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&w, p, 8);
        h = rotl64(h ^ (w * k1), 29) * k2;
    }
    if (len > 0) {
        w = 0;
        memcpy(&w, p, len);
        h = rotl64(h ^ (w * k1), 29) * k2; /* len, mixed in first, tells tails apart */
    }
    return cwms_fmix64(h);
}

/* An entry owning der (freed with it, also on failure). */
static CWMS_CERT *cert_adopt(unsigned char *der, size_t len, const char *origin)
{
    CWMS_CERT *cert = OPENSSL_zalloc(sizeof(*cert));

    if (cert == NULL) {
        OPENSSL_free(der);
        return NULL;
    }
    cert->der = der;
    cert->der_len = len;
    if (origin != NULL && (cert->origin = OPENSSL_strdup(origin)) == NULL) {
        cwms_cert_free(cert);
        return NULL;
    }
    cert->der_hash = cwms_der_hash(der, len);
    return cert;
}

static CWMS_CERT *cert_alloc(const unsigned char *der, size_t len, const char *origin)
{
    unsigned char *copy = OPENSSL_memdup(der, len);

    return copy != NULL ? cert_adopt(copy, len, origin) : NULL;
}

const unsigned char *cwms_cert_sha256(CWMS_CERT *cert)
{
    if (!cert->sha256_done) {
        if (!EVP_Digest(cert->der, cert->der_len, cert->sha256_cache, NULL, EVP_sha256(), NULL))
            return NULL;
        cert->sha256_done = 1;
    }
    return cert->sha256_cache;
}

int cwms_cert_same_der(const CWMS_CERT *a, const CWMS_CERT *b)
{
    return a->der_hash == b->der_hash && a->der_len == b->der_len
        && memcmp(a->der, b->der, a->der_len) == 0;
}

/* Fills a new entry's info from its DER, or lets the full decoder decide; frees it when neither can. */
static CWMS_CERT *cert_index(CWMS_CERT *cert)
{
    if (cert == NULL)
        return NULL;
    if (cwms_certinfo_from_der(cert->der, cert->der_len, &cert->info))
        return cert;
    /* The walker did not understand it: let the full decoder decide. */
    if (cwms_cert_x509(cert) != NULL && cwms_certinfo_from_x509(cert->x509, &cert->info))
        return cert;
    cwms_cert_free(cert);
    return NULL;
}

CWMS_CERT *cwms_cert_new_der(const unsigned char *der, size_t len, const char *origin)
{
    return cert_index(cert_alloc(der, len, origin));
}

CWMS_CERT *cwms_cert_adopt_der(unsigned char *der, size_t len, const char *origin)
{
    /* A buffer larger than the DER (PEM's, which held the base64) shrinks in place. */
    unsigned char *shrunk = OPENSSL_realloc(der, len > 0 ? len : 1);

    return cert_index(cert_adopt(shrunk != NULL ? shrunk : der, len, origin));
}

CWMS_CERT *cwms_cert_new_x509(X509 *x, const char *origin)
{
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    CWMS_CERT *cert;

    if (len <= 0)
        return NULL;
    cert = cert_alloc(der, (size_t)len, origin);
    OPENSSL_free(der);
    if (cert == NULL)
        return NULL;
    if (!X509_up_ref(x) || (cert->x509 = x, !cwms_certinfo_from_x509(x, &cert->info))) {
        cwms_cert_free(cert);
        return NULL;
    }
    return cert;
}

void cwms_cert_free(CWMS_CERT *cert)
{
    if (cert == NULL)
        return;
    cwms_certinfo_clear(&cert->info);
    X509_NAME_free(cert->subject_name);
    X509_NAME_free(cert->issuer_name);
    X509_free(cert->x509);
    OPENSSL_free(cert->der);
    OPENSSL_free(cert->origin);
    OPENSSL_free(cert);
}

X509 *cwms_cert_x509(CWMS_CERT *cert)
{
    if (cert->malformed)
        return NULL;
    if (cert->x509 == NULL) {
        const unsigned char *p = cert->der;

        /* A failed decode is an answer, not an error for the caller's queue. */
        ERR_set_mark();
        cert->x509 = d2i_X509(NULL, &p, (long)cert->der_len);
        if (cert->x509 != NULL && p != cert->der + cert->der_len) {
            /* Trailing bytes: not the certificate the DER claims to be. */
            X509_free(cert->x509);
            cert->x509 = NULL;
        }
        ERR_pop_to_mark();
        /* Decided once: such an entry can never verify, and is not decoded again. */
        if (cert->x509 == NULL)
            cert->malformed = 1;
    }
    return cert->x509;
}

/*
 * Makes the info's pending fields in `fields` decoded: from the walker's
 * slices, else from the full decoder, else the entry is malformed (never
 * valid, no key identifiers, no X509: it can never verify).
 */
static void resolve(CWMS_CERT *cert, unsigned fields)
{
    CWMS_CERTINFO *info = &cert->info;
    CWMS_CERTINFO full;
    unsigned left;
    X509 *x;

    if ((info->pending & fields) == 0
        || cwms_certinfo_decode_pending(cert->der, cert->der_len, info, fields))
        return;
    left = info->pending & fields;
    ERR_set_mark();
    x = cwms_cert_x509(cert);
    if (x != NULL && cwms_certinfo_from_x509(x, &full)) {
        /* The full decoder's reading (an undecodable extension counts as absent). */
        if ((left & CWMS_INFO_VALIDITY) != 0) {
            info->not_before = full.not_before;
            info->not_after = full.not_after;
        }
        if ((left & CWMS_INFO_SKI) != 0) {
            memcpy(info->ski, full.ski, full.ski_len);
            info->ski_len = full.ski_len;
        }
        if ((left & CWMS_INFO_AKI) != 0) {
            memcpy(info->aki, full.aki, full.aki_len);
            info->aki_len = full.aki_len;
        }
        info->pending &= ~left;
    } else {
        /* Nothing reads it: a certificate that matches and verifies nothing. */
        cert->malformed = 1;
        X509_free(cert->x509);
        cert->x509 = NULL;
        info->pending = 0;
        info->not_before = INT64_MAX;
        info->not_after = INT64_MIN;
        info->ski_len = info->aki_len = 0;
    }
    ERR_pop_to_mark();
}

int64_t cwms_cert_not_before(CWMS_CERT *cert)
{
    resolve(cert, CWMS_INFO_VALIDITY);
    return cert->info.not_before;
}

int64_t cwms_cert_not_after(CWMS_CERT *cert)
{
    resolve(cert, CWMS_INFO_VALIDITY);
    return cert->info.not_after;
}

const unsigned char *cwms_cert_ski(CWMS_CERT *cert, size_t *len)
{
    resolve(cert, CWMS_INFO_SKI);
    *len = cert->info.ski_len;
    return *len > 0 ? cert->info.ski : NULL;
}

const unsigned char *cwms_cert_aki(CWMS_CERT *cert, size_t *len)
{
    resolve(cert, CWMS_INFO_AKI);
    *len = cert->info.aki_len;
    return *len > 0 ? cert->info.aki : NULL;
}

/* The slice of cert->der holding name f; 0 when its place is not known. */
static int name_der(const CWMS_CERT *cert, CWMS_NAME_FIELD f, const unsigned char **der,
                    size_t *len)
{
    size_t off = f == CWMS_NAME_SUBJECT ? cert->info.subject_offset : cert->info.issuer_offset;

    *len = f == CWMS_NAME_SUBJECT ? cert->info.subject_len : cert->info.issuer_len;
    if (*len == 0 || off > cert->der_len || *len > cert->der_len - off)
        return 0;
    *der = cert->der + off;
    return 1;
}

static uint64_t name_key(const CWMS_CERT *cert, CWMS_NAME_FIELD f)
{
    return f == CWMS_NAME_SUBJECT ? cert->info.subject_key : cert->info.issuer_key;
}

static const X509_NAME *cert_name(CWMS_CERT *cert, CWMS_NAME_FIELD f)
{
    X509_NAME **cache = f == CWMS_NAME_SUBJECT ? &cert->subject_name : &cert->issuer_name;
    const unsigned char *der, *p;
    size_t len;
    X509 *x;

    if (*cache != NULL)
        return *cache;
    if (cert->x509 == NULL && name_der(cert, f, &der, &len) && len <= LONG_MAX) {
        /* A name that does not decode is an answer (NULL), not an error to queue. */
        ERR_set_mark();
        p = der;
        *cache = d2i_X509_NAME(NULL, &p, (long)len);
        if (*cache != NULL && p != der + len) {
            X509_NAME_free(*cache);
            *cache = NULL;
        }
        ERR_pop_to_mark();
        return *cache;
    }
    /* Already decoded, or only known from the X509. */
    if ((x = cwms_cert_x509(cert)) == NULL)
        return NULL;
    return f == CWMS_NAME_SUBJECT ? X509_get_subject_name(x) : X509_get_issuer_name(x);
}

const X509_NAME *cwms_cert_subject(CWMS_CERT *cert)
{
    return cert_name(cert, CWMS_NAME_SUBJECT);
}

const X509_NAME *cwms_cert_issuer(CWMS_CERT *cert)
{
    return cert_name(cert, CWMS_NAME_ISSUER);
}

int cwms_cert_names_equal(CWMS_CERT *a, CWMS_NAME_FIELD fa, CWMS_CERT *b, CWMS_NAME_FIELD fb)
{
    const unsigned char *da, *db;
    size_t la, lb;
    const X509_NAME *na, *nb;

    if (name_key(a, fa) != name_key(b, fb))
        return 0;
    /* The same bytes decode to the same canonical form. */
    if (name_der(a, fa, &da, &la) && name_der(b, fb, &db, &lb) && la == lb
        && memcmp(da, db, la) == 0)
        return 1;
    na = cert_name(a, fa);
    nb = cert_name(b, fb);
    return na != NULL && nb != NULL && X509_NAME_cmp(na, nb) == 0;
}

int cwms_cert_name_is(CWMS_CERT *cert, CWMS_NAME_FIELD f, const X509_NAME *name,
                      uint64_t name_key_of_name)
{
    const unsigned char *d, *dn;
    size_t l, ln;
    const X509_NAME *mine;

    if (name == NULL || name_key(cert, f) != name_key_of_name)
        return 0;
    if (name_der(cert, f, &d, &l) && X509_NAME_get0_der(name, &dn, &ln) && l == ln
        && memcmp(d, dn, l) == 0)
        return 1;
    mine = cert_name(cert, f);
    return mine != NULL && X509_NAME_cmp(mine, name) == 0;
}

int cwms_cert_is_ca(const CWMS_CERT *cert)
{
    return cert->info.is_ca;
}

int cwms_cert_self_issued(const CWMS_CERT *cert)
{
    return cert->info.self_issued;
}

uint64_t cwms_cert_name_key(const CWMS_CERT *cert, CWMS_NAME_FIELD field)
{
    return field == CWMS_NAME_SUBJECT ? cert->info.subject_key : cert->info.issuer_key;
}

uint64_t cwms_cert_der_hash(const CWMS_CERT *cert)
{
    return cert->der_hash;
}

const unsigned char *cwms_cert_get0_spki(const CWMS_CERT *cert, size_t *len)
{
    const CWMS_CERTINFO *info = &cert->info;

    if (info->spki_len == 0 || info->spki_offset > cert->der_len
        || info->spki_len > cert->der_len - info->spki_offset) {
        *len = 0;
        return NULL;
    }
    *len = info->spki_len;
    return cert->der + info->spki_offset;
}

/*
 * SHA-256 of the SubjectPublicKeyInfo: from where the DER walker found it,
 * or re-encoded from an X509 that is decoded already.
 */
int cwms_cert_spki_sha256(const CWMS_CERT *c, unsigned char out[32])
{
    size_t spki_len;
    const unsigned char *spki = cwms_cert_get0_spki(c, &spki_len);
    unsigned char *der = NULL;
    int len, ok = 0;

    if (spki != NULL)
        return EVP_Digest(spki, spki_len, out, NULL, EVP_sha256(), NULL);
    if (c->x509 == NULL)
        return 0;
    ERR_set_mark();
    if ((len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c->x509), &der)) > 0)
        ok = EVP_Digest(der, (size_t)len, out, NULL, EVP_sha256(), NULL);
    OPENSSL_free(der);
    ERR_pop_to_mark();
    return ok;
}

int cwms_cert_set1_origin(CWMS_CERT *cert, const char *origin)
{
    char *o = NULL;

    if (origin != NULL && (o = OPENSSL_strdup(origin)) == NULL)
        return 0;
    OPENSSL_free(cert->origin);
    cert->origin = o;
    return 1;
}

int cwms_cert_from_trust(const CWMS_CERT *cert)
{
    return cert->from_trust;
}

void cwms_cert_set_from_trust(CWMS_CERT *cert)
{
    cert->from_trust = 1;
}

const unsigned char *cwms_cert_get0_der(const CWMS_CERT *cert, size_t *len)
{
    *len = cert->der_len;
    return cert->der;
}

const char *cwms_cert_get0_origin(const CWMS_CERT *cert)
{
    return cert->origin;
}

char *cwms_name_oneline(const X509_NAME *name)
{
    BIO *b;
    char *out = NULL;

    if (name == NULL || (b = BIO_new(BIO_s_mem())) == NULL)
        return NULL;
    if (X509_NAME_print_ex(b, name, 0, NAME_FLAGS) >= 0) {
        char *data;
        long len = BIO_get_mem_data(b, &data);

        /* By length: a name may hold a NUL, shown as \x00 rather than ending the text. */
        out = len >= 0 ? cwms_escape_bytes(data, (size_t)len) : NULL;
    }
    BIO_free(b);
    return out;
}

/* The child's AIA caIssuers URL (OPENSSL_free), or NULL. */
char *cwms_cert_ca_issuers_url(CWMS_CERT *child)
{
    X509 *x = cwms_cert_x509(child);
    AUTHORITY_INFO_ACCESS *aia =
        x != NULL ? X509_get_ext_d2i(x, NID_info_access, NULL, NULL) : NULL;
    char *url = NULL;

    for (int i = 0; url == NULL && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);

        if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers && ad->location->type == GEN_URI) {
            const ASN1_IA5STRING *uri = ad->location->d.uniformResourceIdentifier;

            url = OPENSSL_strndup((const char *)uri->data, (size_t)uri->length);
        }
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    return url;
}
