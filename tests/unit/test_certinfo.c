/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DER walker (provider/core/certinfo.c) against the full decoder
 * (d2i_X509 + cwms_certinfo_from_x509): on every certificate of
 * tests/data, on certificates made here with unusual shapes, and on
 * truncated and corrupted copies, which must never crash or read out of
 * bounds (the asan build proves the latter) and must either be refused or
 * read exactly as the full decoder reads them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "index/cert.h"
#include "certinfo_oracle.h"
#include "index/namekey.h"
#include "paths/graph.h"
#include "testlib.h"

/* One DER certificate and where it came from, for messages. */
typedef struct {
    unsigned char *der;
    long len;
    char origin[512];
} SAMPLE;

typedef struct {
    SAMPLE *items;
    size_t n, cap;
} SAMPLES;

static SAMPLES real;  /* everything under real-bundles/, and cfssl_trust */
static SAMPLES limbo; /* certificates embedded in x509-limbo JSON */

static void samples_push(SAMPLES *s, unsigned char *der, long len, const char *origin)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->items = realloc(s->items, s->cap * sizeof(*s->items));
        assert_non_null(s->items);
    }
    s->items[s->n].der = der;
    s->items[s->n].len = len;
    snprintf(s->items[s->n].origin, sizeof(s->items[s->n].origin), "%s", origin);
    s->n++;
}

static void samples_free(SAMPLES *s)
{
    for (size_t i = 0; i < s->n; i++)
        OPENSSL_free(s->items[i].der);
    free(s->items);
    memset(s, 0, sizeof(*s));
}

/* Every CERTIFICATE block PEM_read_bio finds in the BIO. */
static void read_pem_certs(BIO *in, const char *origin, SAMPLES *out)
{
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len;
    size_t k = 0;

    while (PEM_read_bio(in, &name, &header, &data, &len)) {
        if (strcmp(name, PEM_STRING_X509) == 0) {
            char where[512];

            snprintf(where, sizeof(where), "%s#%zu", origin, ++k);
            samples_push(out, data, len, where);
            data = NULL;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        name = header = NULL;
        data = NULL;
    }
    ERR_clear_error(); /* the end of the file reads as "no start line" */
}

static void read_pem_file(const char *path, SAMPLES *out)
{
    BIO *in = BIO_new_file(path, "r");

    if (in == NULL)
        fail_msg("cannot open %s", path);
    read_pem_certs(in, path, out);
    BIO_free(in);
}

static void read_pem_tree(const char *dir, SAMPLES *out)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL)
        fail_msg("cannot read the directory %s", dir);
    while ((de = readdir(d)) != NULL) {
        char path[1024];
        struct stat st;

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            read_pem_tree(path, out);
        else if (S_ISREG(st.st_mode))
            read_pem_file(path, out);
    }
    closedir(d);
}

/*
 * x509-limbo keeps each certificate as a JSON string holding a PEM block
 * with "\n" escapes. Undo the escapes (JSON's, not PEM's) and hand the
 * text to the PEM reader.
 */
static void read_limbo_json(const char *path, SAMPLES *out)
{
    size_t size;
    char *text = (char *)t_slurp(path, &size), *plain = malloc(size + 1);
    size_t j = 0;
    BIO *in;

    assert_non_null(plain);
    for (size_t i = 0; i < size; i++) {
        if (text[i] == '\\' && i + 1 < size && text[i + 1] == 'n') {
            plain[j++] = '\n';
            i++;
        } else if (text[i] == '"') {
            /* The PEM reader wants "-----BEGIN" at the start of a line. */
            plain[j++] = '\n';
        } else {
            plain[j++] = text[i];
        }
    }
    in = BIO_new_mem_buf(plain, (int)j);
    assert_non_null(in);
    read_pem_certs(in, path, out);
    BIO_free(in);
    free(text);
    free(plain);
}

/* The x509-limbo JSON files of dir whose names start with prefix. */
static void read_limbo_dir(const char *dir, const char *prefix, SAMPLES *out)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL)
        fail_msg("cannot read the directory %s", dir);
    while ((de = readdir(d)) != NULL) {
        char file[1400];

        if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, strlen(prefix)) != 0)
            continue;
        snprintf(file, sizeof(file), "%s/%s", dir, de->d_name);
        read_limbo_json(file, out);
    }
    closedir(d);
}

/* Every certificate of tests/data; a file or folder that is not there fails the group. */
static int load_test_data(void **state)
{
    (void)state;
    read_pem_tree(t_data("real-bundles"), &real);
    read_pem_file(t_data("cfssl_trust/int-bundle.crt"), &real);
    read_pem_file(t_data("cfssl_trust/ca-bundle.crt"), &real);
    read_limbo_dir(t_data("x509-limbo"), "limbo-2023", &limbo);
    read_limbo_dir(t_data("x509-limbo/online"), "", &limbo);
    assert_true(real.n > 0);
    assert_true(limbo.n > 0);
    return 0;
}

static int free_test_data(void **state)
{
    (void)state;
    samples_free(&real);
    samples_free(&limbo);
    return 0;
}

/* Fails with the origin and the field when the oracle finds a disagreement. */
static ORACLE_RESULT check_sample(const unsigned char *der, size_t len, const char *origin)
{
    const char *why;
    ORACLE_RESULT r = certinfo_oracle(der, len, &why);

    if (r == ORACLE_DIFFERS)
        fail_msg("%s: walker and d2i_X509 disagree: %s", origin, why);
    return r;
}

/* The walker's subjectPublicKeyInfo slice is the certificate's own key encoding. */
static void check_spki_slice(const SAMPLE *s)
{
    CWMS_CERTINFO info;
    const unsigned char *p = s->der;
    X509 *x = d2i_X509(NULL, &p, s->len);
    unsigned char *want = NULL;
    int want_len;

    assert_non_null(x);
    assert_int_equal(cwms_certinfo_from_der(s->der, (size_t)s->len, &info), 1);
    want_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &want);
    assert_true(want_len > 0);
    if (info.spki_len != (size_t)want_len || info.spki_offset + info.spki_len > (size_t)s->len
        || memcmp(s->der + info.spki_offset, want, info.spki_len) != 0)
        fail_msg("%s: the SPKI slice is not the certificate's public key", s->origin);
    OPENSSL_free(want);
    cwms_certinfo_clear(&info);
    X509_free(x);
}

static void test_every_real_certificate_is_walked_and_agrees_with_d2i_x509(void **state)
{
    (void)state;
    /* 1,263 intermediates + 339 roots + the real bundles. */
    assert_true(real.n > 1600);
    for (size_t i = 0; i < real.n; i++) {
        /* Real CA certificates are plain DER: the walker must read every one itself. */
        if (check_sample(real.items[i].der, (size_t)real.items[i].len, real.items[i].origin)
            != ORACLE_AGREES)
            fail_msg("%s: the walker refused a real certificate", real.items[i].origin);
        check_spki_slice(&real.items[i]);
    }
}

static void test_limbo_certificates_are_refused_or_agree_with_d2i_x509(void **state)
{
    size_t walked = 0;

    (void)state;
    for (size_t i = 0; i < limbo.n; i++)
        if (check_sample(limbo.items[i].der, (size_t)limbo.items[i].len, limbo.items[i].origin)
            == ORACLE_AGREES)
            walked++;
    print_message("x509-limbo: %zu of %zu certificates walked, the rest left to d2i_X509\n", walked,
                  limbo.n);
    /* The suite is mostly well-formed certificates with odd contents: most must walk. */
    assert_true(walked * 10 >= limbo.n * 9);
}

/* One name of a real certificate, with what the test compares. */
typedef struct {
    X509_NAME *name;
    unsigned long hash; /* X509_NAME_hash_ex: equal canonical forms, equal hashes */
    uint64_t key;
    const char *origin;
} NAMED;

static int by_hash(const void *a, const void *b)
{
    const NAMED *x = a, *y = b;

    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* The key of name both ways (from its DER and from its entries), which must agree. */
static uint64_t key_of(const X509_NAME *name, const char *origin)
{
    const unsigned char *der;
    size_t len;
    uint64_t k_entries, k_der;

    assert_true(cwms_name_key(name, &k_entries));
    assert_true(X509_NAME_get0_der(name, &der, &len));
    /* A BER name (there is none in real data, but limbo may have one) has only the entries key. */
    if (cwms_name_key_der(der, len, &k_der) && k_der != k_entries)
        fail_msg("%s: the DER key and the entries key of a name differ", origin);
    return k_entries;
}

static void collect_names(const SAMPLES *from, NAMED **names, size_t *n, size_t *cap,
                          size_t *self_equal)
{
    for (size_t i = 0; i < from->n; i++) {
        const unsigned char *p = from->items[i].der;
        X509 *x = d2i_X509(NULL, &p, from->items[i].len);
        const X509_NAME *pair[2];

        if (x == NULL) {
            ERR_clear_error();
            continue;
        }
        pair[0] = X509_get_subject_name(x);
        pair[1] = X509_get_issuer_name(x);
        for (int j = 0; j < 2; j++) {
            int ok = 0;

            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 1024;
                *names = realloc(*names, *cap * sizeof(**names));
                assert_non_null(*names);
            }
            (*names)[*n].name = X509_NAME_dup(pair[j]);
            assert_non_null((*names)[*n].name);
            (*names)[*n].hash = X509_NAME_hash_ex(pair[j], NULL, NULL, &ok);
            assert_true(ok);
            (*names)[*n].key = key_of(pair[j], from->items[i].origin);
            (*names)[*n].origin = from->items[i].origin;
            (*n)++;
        }
        /* The certificate's own subject and issuer. */
        if (X509_NAME_cmp(pair[0], pair[1]) == 0) {
            if ((*names)[*n - 2].key != (*names)[*n - 1].key)
                fail_msg("%s: subject and issuer are equal names with different keys",
                         from->items[i].origin);
            (*self_equal)++;
        }
        X509_free(x);
    }
}

/*
 * The one property the index relies on: names X509_NAME_cmp calls equal
 * have equal keys. Every name of every real (and x509-limbo) certificate,
 * each pair inside a group of equal X509_NAME_hash_ex (which holds every
 * pair of canonically equal names) compared.
 */
static void test_canonically_equal_real_names_have_equal_keys(void **state)
{
    NAMED *names = NULL;
    size_t n = 0, cap = 0, self_equal = 0, equal_pairs = 0, differently_encoded = 0;
    size_t key_collisions = 0;

    (void)state;
    collect_names(&real, &names, &n, &cap, &self_equal);
    collect_names(&limbo, &names, &n, &cap, &self_equal);
    qsort(names, n, sizeof(*names), by_hash);
    for (size_t g = 0, end; g < n; g = end) {
        for (end = g + 1; end < n && names[end].hash == names[g].hash; end++)
            continue;
        for (size_t i = g; i < end; i++) {
            for (size_t j = i + 1; j < end; j++) {
                const unsigned char *di, *dj;
                size_t li, lj;

                if (X509_NAME_cmp(names[i].name, names[j].name) != 0) {
                    key_collisions += names[i].key == names[j].key;
                    continue;
                }
                if (names[i].key != names[j].key)
                    fail_msg("%s and %s: equal names with different keys", names[i].origin,
                             names[j].origin);
                equal_pairs++;
                assert_true(X509_NAME_get0_der(names[i].name, &di, &li));
                assert_true(X509_NAME_get0_der(names[j].name, &dj, &lj));
                differently_encoded += li != lj || memcmp(di, dj, li) != 0;
            }
        }
    }
    print_message("%zu names: %zu equal pairs (%zu encoded differently), %zu self-issued, "
                  "%zu pairs of different names under one hash share a key\n",
                  n, equal_pairs, differently_encoded, self_equal, key_collisions);
    assert_true(equal_pairs > 1000);
    for (size_t i = 0; i < n; i++)
        X509_NAME_free(names[i].name);
    free(names);
}

/* A few real certificates of different shapes: RSA root, EC chain, cross-signed. */
static const SAMPLE *pick(size_t k)
{
    return &real.items[(k * 7919) % real.n];
}

static void test_every_truncation_is_refused_by_both_decoders(void **state)
{
    (void)state;
    for (size_t k = 0; k < 4; k++) {
        const SAMPLE *s = pick(k);

        for (long cut = 0; cut < s->len; cut++) {
            /* An exact-size copy, so ASan catches a read past the cut. */
            unsigned char *prefix = OPENSSL_memdup(s->der, cut ? (size_t)cut : 1);
            CWMS_CERTINFO info;
            CWMS_CERT *cert;

            assert_non_null(prefix);
            if (cwms_certinfo_from_der(prefix, (size_t)cut, &info))
                fail_msg("%s: accepted truncated to %ld of %ld bytes", s->origin, cut, s->len);
            assert_int_equal(info.subject_len, 0);
            /* A refusal is not an error yet: the walker leaves the queue clean. */
            assert_int_equal(ERR_peek_error(), 0);
            cert = cwms_cert_new_der(prefix, (size_t)cut, "truncated");
            assert_null(cert);
            ERR_clear_error();
            OPENSSL_free(prefix);
        }
    }
}

static void test_corrupted_bytes_are_refused_or_read_like_d2i_x509(void **state)
{
    size_t agreed = 0, refused = 0, deferred = 0, fields = 0, fallback = 0;

    (void)state;
    for (size_t k = 0; k < 4; k++) {
        const SAMPLE *s = pick(k);
        unsigned char *m = OPENSSL_malloc((size_t)s->len);

        assert_non_null(m);
        for (long i = 0; i < s->len; i++) {
            /* Flip all bits, the low bit, and push length bytes up and down. */
            static const int deltas[] = { 0x100, 1, 0x7f, -1 };

            for (size_t d = 0; d < sizeof(deltas) / sizeof(deltas[0]); d++) {
                CWMS_CERT *cert;

                memcpy(m, s->der, (size_t)s->len);
                if (deltas[d] == 0x100)
                    m[i] ^= 0xff;
                else if (deltas[d] == 1)
                    m[i] ^= 0x01;
                else
                    m[i] = (unsigned char)(m[i] + deltas[d]);
                switch (check_sample(m, (size_t)s->len, s->origin)) {
                case ORACLE_AGREES:
                    agreed++;
                    break;
                case ORACLE_NAME_DEFERRED:
                    deferred++;
                    break;
                case ORACLE_FIELD_DEFERRED:
                    fields++;
                    break;
                case ORACLE_FALLBACK:
                    fallback++;
                    break;
                default:
                    refused++;
                }
                cert = cwms_cert_new_der(m, (size_t)s->len, "corrupted");
                cwms_cert_free(cert);
            }
        }
        OPENSSL_free(m);
    }
    print_message("corrupted copies: %zu read like d2i_X509, %zu refused, %zu with a name that "
                  "only fails when decoded, %zu with a pending field that makes the entry "
                  "malformed, %zu whose pending field the full decoder supplied\n",
                  agreed, refused, deferred, fields, fallback);
    /* Bytes inside names, keys and signatures change nothing structural. */
    assert_true(agreed > 0);
    assert_true(refused > 0);
    /* Bytes inside the validity and key identifiers reach the lazy paths. */
    assert_true(fields > 0);
    ERR_clear_error();
}

/*-
 * Certificates made here, for the shapes real data lacks.
 */

static unsigned char *signed_der(X509 *x, EVP_PKEY *pkey, size_t *len);

static EVP_PKEY *test_key(void)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

    assert_non_null(pkey);
    return pkey;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_true(X509_add_ext(x, ext, -1));
    X509_EXTENSION_free(ext);
}

/* A self-issued certificate named with the given string type; extensions added by the caller. */
static X509 *make_cert(EVP_PKEY *pkey, int string_type, const char *cn)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();

    assert_non_null(x);
    assert_non_null(name);
    assert_true(X509_NAME_add_entry_by_txt(name, "O", string_type,
                                           (const unsigned char *)"cwms-bundle tests", -1, -1, 0));
    assert_true(
        X509_NAME_add_entry_by_txt(name, "CN", string_type, (const unsigned char *)cn, -1, -1, 0));
    assert_true(X509_set_version(x, X509_VERSION_3));
    assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), 42));
    assert_true(X509_set_subject_name(x, name));
    assert_true(X509_set_issuer_name(x, name));
    assert_non_null(ASN1_TIME_set_string(X509_getm_notBefore(x), "20200101000000Z"));
    /* GeneralizedTime after 2049 and UTCTime before: both time forms. */
    assert_non_null(ASN1_TIME_set_string(X509_getm_notAfter(x), "20600101120000Z"));
    assert_true(X509_set_pubkey(x, pkey));
    X509_NAME_free(name);
    return x;
}

static ORACLE_RESULT sign_and_check(X509 *x, EVP_PKEY *pkey, CWMS_CERTINFO *walked)
{
    unsigned char *der = NULL;
    int len;
    const char *why;
    ORACLE_RESULT r;

    assert_true(X509_sign(x, pkey, EVP_sha256()) > 0);
    len = i2d_X509(x, &der);
    assert_true(len > 0);
    r = certinfo_oracle(der, (size_t)len, &why);
    if (r == ORACLE_DIFFERS)
        fail_msg("generated certificate: %s", why);
    /* The walker's reading with its pending fields decoded, as the accessors would. */
    if (walked != NULL
        && (!cwms_certinfo_from_der(der, (size_t)len, walked)
            || !cwms_certinfo_decode_pending(der, (size_t)len, walked, ~0u)))
        memset(walked, 0, sizeof(*walked));
    OPENSSL_free(der);
    return r;
}

static void test_generated_ca_with_key_ids_is_walked_field_by_field(void **state)
{
    EVP_PKEY *pkey = test_key();
    X509 *x = make_cert(pkey, MBSTRING_UTF8, "Walker CA");
    CWMS_CERTINFO info;

    (void)state;
    add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, x, NID_subject_key_identifier, "hash");
    add_ext(x, x, NID_authority_key_identifier, "keyid:always");
    assert_int_equal(sign_and_check(x, pkey, &info), ORACLE_AGREES);
    assert_int_equal(info.is_ca, 1);
    assert_int_equal(info.self_issued, 1);
    assert_int_equal(info.ski_len, 20);
    assert_int_equal(info.aki_len, 20);
    assert_memory_equal(info.ski, info.aki, 20);
    assert_int_equal(info.not_before, 1577836800); /* 2020-01-01T00:00:00Z */
    assert_int_equal(info.not_after, 2840184000);  /* 2060-01-01T12:00:00Z */
    cwms_certinfo_clear(&info);
    X509_free(x);
    EVP_PKEY_free(pkey);
}

static void test_generated_certificate_without_extensions_is_walked(void **state)
{
    EVP_PKEY *pkey = test_key();
    X509 *x = make_cert(pkey, MBSTRING_ASC, "No Extensions");
    CWMS_CERTINFO info;

    (void)state;
    assert_int_equal(sign_and_check(x, pkey, &info), ORACLE_AGREES);
    assert_int_equal(info.is_ca, 0);
    assert_int_equal(info.ski_len, 0);
    assert_int_equal(info.aki_len, 0);
    cwms_certinfo_clear(&info);
    X509_free(x);
    EVP_PKEY_free(pkey);
}

static void test_duplicate_extension_is_left_to_the_full_decoder(void **state)
{
    EVP_PKEY *pkey = test_key();
    X509 *x = make_cert(pkey, MBSTRING_UTF8, "Twice CA");
    unsigned char *der = NULL;
    int len;
    CWMS_CERT *cert;

    (void)state;
    add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, x, NID_basic_constraints, "critical,CA:FALSE");
    assert_int_equal(sign_and_check(x, pkey, NULL), ORACLE_REFUSED);
    /* The entry still comes to be, through d2i_X509, with what it says. */
    len = i2d_X509(x, &der);
    assert_true(len > 0);
    cert = cwms_cert_new_der(der, (size_t)len, "twice");
    assert_non_null(cert);
    assert_non_null(cert->x509); /* proof that the fallback ran */
    assert_int_equal(cert->info.is_ca, 0);
    cwms_cert_free(cert);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(pkey);
}

static void test_undecodable_key_identifier_is_read_by_the_full_decoder_on_first_use(void **state)
{
    EVP_PKEY *pkey = test_key();
    X509 *x = make_cert(pkey, MBSTRING_UTF8, "Broken SKI");
    ASN1_OCTET_STRING *junk = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext;
    unsigned char *der;
    size_t len, ski_len;
    CWMS_CERT *cert;

    (void)state;
    /* extnValue should hold an OCTET STRING; this one holds a bare byte. */
    assert_non_null(junk);
    assert_true(ASN1_OCTET_STRING_set(junk, (const unsigned char *)"\x05", 1));
    ext = X509_EXTENSION_create_by_NID(NULL, NID_subject_key_identifier, 0, junk);
    assert_non_null(ext);
    assert_true(X509_add_ext(x, ext, -1));
    /* Indexed; the key identifier is looked at on first use, and then d2i_X509 decides. */
    assert_int_equal(sign_and_check(x, pkey, NULL), ORACLE_FALLBACK);
    ERR_clear_error(); /* the oracle's own X509_get_ext_d2i */
    der = signed_der(x, pkey, &len);
    cert = cwms_cert_new_der(der, len, "broken ski");
    assert_non_null(cert);
    assert_null(cert->x509);
    assert_int_equal(cert->info.pending & CWMS_INFO_SKI, CWMS_INFO_SKI);
    assert_null(cwms_cert_ski(cert, &ski_len));
    assert_int_equal(ski_len, 0);
    assert_non_null(cert->x509); /* proof that the fallback ran */
    assert_int_equal(cert->malformed, 0);
    assert_true(cwms_cert_valid_at(cert, 1600000000));
    assert_int_equal(ERR_peek_error(), 0);
    cwms_cert_free(cert);
    OPENSSL_free(der);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(junk);
    X509_free(x);
    EVP_PKEY_free(pkey);
}

/* Indexing locates validity and key identifiers; the accessors decode them once, no X509. */
static void test_validity_and_key_ids_are_decoded_on_first_use(void **state)
{
    EVP_PKEY *pkey = test_key();
    X509 *x = make_cert(pkey, MBSTRING_UTF8, "Pending CA");
    unsigned char *der;
    const unsigned char *ski, *aki;
    size_t len, ski_len, aki_len;
    CWMS_CERT *cert;

    (void)state;
    add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, x, NID_subject_key_identifier, "hash");
    add_ext(x, x, NID_authority_key_identifier, "keyid:always");
    der = signed_der(x, pkey, &len);
    cert = cwms_cert_new_der(der, len, "pending");
    assert_non_null(cert);
    assert_int_equal(cert->info.pending, CWMS_INFO_VALIDITY | CWMS_INFO_SKI | CWMS_INFO_AKI);
    assert_int_equal(cert->info.is_ca, 1); /* basicConstraints is read at once */
    assert_int_equal(cert->info.ski_len, 0);
    assert_int_equal(cert->info.not_after, 0);
    assert_int_equal(cwms_cert_not_before(cert), 1577836800);
    assert_int_equal(cwms_cert_not_after(cert), 2840184000);
    assert_int_equal(cert->info.pending, CWMS_INFO_SKI | CWMS_INFO_AKI);
    ski = cwms_cert_ski(cert, &ski_len);
    aki = cwms_cert_aki(cert, &aki_len);
    assert_int_equal(cert->info.pending, 0);
    assert_int_equal(ski_len, 20);
    assert_int_equal(aki_len, 20);
    assert_memory_equal(ski, aki, 20);
    assert_memory_equal(ski, X509_get0_subject_key_id(x)->data, 20);
    assert_null(cert->x509);
    cwms_cert_free(cert);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(pkey);
}

/*
 * A notBefore that is not a Time passes indexing (only its place is
 * recorded); on first use neither its slice nor d2i_X509 reads it, so the
 * entry is malformed: never valid, no key identifiers, no X509 to verify
 * with, and no error left in the queue.
 */
static void test_undecodable_validity_makes_the_entry_never_valid_and_unverifiable(void **state)
{
    EVP_PKEY *pkey = test_key();
    X509 *x = make_cert(pkey, MBSTRING_UTF8, "Bad Time CA");
    unsigned char *der;
    size_t len, ski_len, at = 0;
    const char *why;
    CWMS_CERT *cert;

    (void)state;
    add_ext(x, x, NID_subject_key_identifier, "hash");
    der = signed_der(x, pkey, &len);
    /* notBefore is "20200101000000Z" (GeneralizedTime): make the tag an OCTET STRING. */
    for (size_t i = 0; at == 0 && i + 17 <= len; i++)
        if (der[i] == V_ASN1_GENERALIZEDTIME && der[i + 1] == 15
            && memcmp(der + i + 2, "20200101000000Z", 15) == 0)
            at = i;
    assert_true(at > 0);
    der[at] = V_ASN1_OCTET_STRING;
    assert_int_equal(certinfo_oracle(der, len, &why), ORACLE_FIELD_DEFERRED);
    ERR_clear_error(); /* the oracle's d2i_X509 */
    cert = cwms_cert_new_der(der, len, "bad time");
    assert_non_null(cert);
    assert_false(cwms_cert_valid_at(cert, 1600000000));
    assert_int_equal(cert->malformed, 1);
    assert_true(cwms_cert_not_before(cert) > cwms_cert_not_after(cert));
    assert_null(cwms_cert_ski(cert, &ski_len)); /* its own SKI decodes, but it never matches */
    assert_null(cwms_cert_x509(cert));
    assert_non_null(cwms_cert_subject(cert)); /* still named in messages */
    assert_int_equal(ERR_peek_error(), 0);
    cwms_cert_free(cert);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(pkey);
}

/*
 * basicConstraints verdicts are remembered per encoding: certificates
 * walked in turn, with encodings that repeat and differ, each get their
 * own cA, the same as d2i_X509 reads (sign_and_check's oracle).
 */
static void test_basic_constraints_answer_per_certificate_when_encodings_repeat(void **state)
{
    static const struct {
        const char *value;
        int is_ca;
    } bcs[] = {
        { "critical,CA:TRUE", 1 },  { "CA:FALSE", 0 },
        { "critical,CA:TRUE", 1 },  { "critical,CA:TRUE,pathlen:0", 1 },
        { "critical,CA:FALSE", 0 }, { "CA:TRUE,pathlen:3", 1 },
        { "CA:FALSE", 0 },          { "critical,CA:TRUE,pathlen:0", 1 },
        { "critical,CA:TRUE", 1 },
    };
    EVP_PKEY *pkey = test_key();
    CWMS_CERTINFO info;

    (void)state;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof(bcs) / sizeof(bcs[0]); i++) {
            X509 *x = make_cert(pkey, MBSTRING_UTF8, "Memo");

            add_ext(x, x, NID_basic_constraints, bcs[i].value);
            assert_int_equal(sign_and_check(x, pkey, &info), ORACLE_AGREES);
            if (info.is_ca != bcs[i].is_ca)
                fail_msg("round %d, %s: cA %d", round, bcs[i].value, info.is_ca);
            X509_free(x);
        }
    }
    EVP_PKEY_free(pkey);
}

static void test_trailing_bytes_are_refused(void **state)
{
    EVP_PKEY *pkey = test_key();
    X509 *x = make_cert(pkey, MBSTRING_UTF8, "Trailing");
    unsigned char *der = NULL, *longer;
    int len;
    CWMS_CERTINFO info;

    (void)state;
    assert_true(X509_sign(x, pkey, EVP_sha256()) > 0);
    len = i2d_X509(x, &der);
    assert_true(len > 0);
    longer = OPENSSL_malloc((size_t)len + 1);
    assert_non_null(longer);
    memcpy(longer, der, (size_t)len);
    longer[len] = 0;
    assert_int_equal(cwms_certinfo_from_der(der, (size_t)len, &info), 1);
    cwms_certinfo_clear(&info);
    assert_int_equal(cwms_certinfo_from_der(longer, (size_t)len + 1, &info), 0);
    assert_null(cwms_cert_new_der(longer, (size_t)len + 1, "trailing"));
    OPENSSL_free(longer);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
}

static unsigned char *signed_der(X509 *x, EVP_PKEY *pkey, size_t *len)
{
    unsigned char *der = NULL;
    int n;

    assert_true(X509_sign(x, pkey, EVP_sha256()) > 0);
    n = i2d_X509(x, &der);
    assert_true(n > 0);
    *len = (size_t)n;
    return der;
}

/* Subject and issuer equal to X509_NAME_cmp, not byte for byte: the walker decodes both to tell. */
static void test_differently_encoded_equal_names_are_self_issued(void **state)
{
    EVP_PKEY *pkey = test_key();
    X509 *x = make_cert(pkey, MBSTRING_ASC, "Walker Root");
    X509_NAME *issuer = t_name(V_ASN1_UTF8STRING, "CWMS-BUNDLE  tests", " walker   root ");
    CWMS_CERTINFO info;

    (void)state;
    assert_true(X509_set_issuer_name(x, issuer));
    assert_int_equal(sign_and_check(x, pkey, &info), ORACLE_AGREES);
    assert_int_equal(info.self_issued, 1);
    assert_true(info.subject_len != info.issuer_len || info.subject_offset != info.issuer_offset);
    assert_true(info.subject_key == info.issuer_key);
    X509_NAME_free(issuer);
    X509_free(x);
    EVP_PKEY_free(pkey);
}

static void test_names_are_decoded_on_first_use(void **state)
{
    EVP_PKEY *pkey = test_key();
    X509 *x = make_cert(pkey, MBSTRING_ASC, "Lazy CA");
    X509_NAME *issuer = t_name(MBSTRING_ASC, "cwms-bundle tests", "Lazy Root");
    size_t len;
    unsigned char *der;
    CWMS_CERT *cert;
    const X509_NAME *subject;

    (void)state;
    assert_true(X509_set_issuer_name(x, issuer));
    der = signed_der(x, pkey, &len);
    cert = cwms_cert_new_der(der, len, "lazy");
    assert_non_null(cert);
    /* Indexing decoded neither the certificate nor its names. */
    assert_null(cert->x509);
    assert_null(cert->subject_name);
    assert_null(cert->issuer_name);
    assert_int_equal(cert->info.self_issued, 0);
    subject = cwms_cert_subject(cert);
    assert_non_null(subject);
    assert_ptr_equal(cwms_cert_subject(cert), subject);
    assert_int_equal(X509_NAME_cmp(subject, X509_get_subject_name(x)), 0);
    assert_int_equal(X509_NAME_cmp(cwms_cert_issuer(cert), issuer), 0);
    assert_null(cert->x509);
    assert_int_equal(cwms_cert_names_equal(cert, CWMS_NAME_SUBJECT, cert, CWMS_NAME_ISSUER), 0);
    assert_int_equal(cwms_cert_names_equal(cert, CWMS_NAME_SUBJECT, cert, CWMS_NAME_SUBJECT), 1);
    cwms_cert_free(cert);
    OPENSSL_free(der);
    X509_NAME_free(issuer);
    X509_free(x);
    EVP_PKEY_free(pkey);
}

/*
 * The walker keys names without validating their strings: a CN that is
 * not UTF-8 gets into the index, and shows up as a name that does not
 * decode (NULL) and a certificate that does not decode, never as a crash
 * or a wrong match.
 */
static void test_name_that_does_not_decode_shows_up_when_decoded(void **state)
{
    EVP_PKEY *pkey = test_key();
    X509 *x = make_cert(pkey, MBSTRING_UTF8, "BadXName");
    size_t len;
    unsigned char *der = signed_der(x, pkey, &len), *at = NULL;
    const char *why;
    CWMS_CERT *cert;

    (void)state;
    /* The name is in the DER twice (subject = issuer); break the issuer's, the first one. */
    for (size_t i = 0; at == NULL && i + 8 <= len; i++)
        if (memcmp(der + i, "BadXName", 8) == 0)
            at = der + i + 3;
    assert_non_null(at);
    *at = 0xff; /* not UTF-8; and no longer a letter, so the keys differ too */
    assert_int_equal(certinfo_oracle(der, len, &why), ORACLE_NAME_DEFERRED);
    ERR_clear_error(); /* the oracle's d2i_X509 */
    cert = cwms_cert_new_der(der, len, "bad name");
    assert_non_null(cert);
    assert_int_equal(cert->info.self_issued, 0); /* different bytes, and the keys differ */
    assert_null(cwms_cert_issuer(cert));
    assert_non_null(cwms_cert_subject(cert));
    assert_int_equal(cwms_cert_names_equal(cert, CWMS_NAME_ISSUER, cert, CWMS_NAME_ISSUER), 1);
    assert_int_equal(cwms_cert_names_equal(cert, CWMS_NAME_SUBJECT, cert, CWMS_NAME_ISSUER), 0);
    assert_null(cwms_name_oneline(cwms_cert_issuer(cert)));
    /* A name that does not decode is an answer, not an error left in the queue. */
    assert_int_equal(ERR_peek_error(), 0);
    assert_null(cwms_cert_x509(cert));
    ERR_clear_error();
    cwms_cert_free(cert);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(pkey);
}

int main(void)
{
    const struct CMUnitTest data[] = {
        cmocka_unit_test(test_every_real_certificate_is_walked_and_agrees_with_d2i_x509),
        cmocka_unit_test(test_limbo_certificates_are_refused_or_agree_with_d2i_x509),
        cmocka_unit_test(test_canonically_equal_real_names_have_equal_keys),
        cmocka_unit_test(test_every_truncation_is_refused_by_both_decoders),
        cmocka_unit_test(test_corrupted_bytes_are_refused_or_read_like_d2i_x509),
    };
    const struct CMUnitTest generated[] = {
        cmocka_unit_test(test_generated_ca_with_key_ids_is_walked_field_by_field),
        cmocka_unit_test(test_generated_certificate_without_extensions_is_walked),
        cmocka_unit_test(test_duplicate_extension_is_left_to_the_full_decoder),
        cmocka_unit_test(test_undecodable_key_identifier_is_read_by_the_full_decoder_on_first_use),
        cmocka_unit_test(test_validity_and_key_ids_are_decoded_on_first_use),
        cmocka_unit_test(test_undecodable_validity_makes_the_entry_never_valid_and_unverifiable),
        cmocka_unit_test(test_basic_constraints_answer_per_certificate_when_encodings_repeat),
        cmocka_unit_test(test_trailing_bytes_are_refused),
        cmocka_unit_test(test_differently_encoded_equal_names_are_self_issued),
        cmocka_unit_test(test_names_are_decoded_on_first_use),
        cmocka_unit_test(test_name_that_does_not_decode_shows_up_when_decoded),
    };
    int failed = cmocka_run_group_tests_name("certinfo: generated", generated, NULL, NULL);

    failed +=
        cmocka_run_group_tests_name("certinfo: tests/data", data, load_test_data, free_test_data);
    return t_exit(failed);
}
