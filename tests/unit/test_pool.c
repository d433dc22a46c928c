/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pool (provider/core/pool.c): identical certificates kept once, issuer
 * lookup by canonical subject, key collisions told apart by the name, and
 * lookups still right after the tables grow. Certificates are made here
 * with OpenSSL and enter the pool through cwms_cert_new_der, as inputs do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "index/namekey.h"
#include "index/pool.h"
#include "testlib.h"

static EVP_PKEY *key;

static int make_key(void **state)
{
    (void)state;
    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return key == NULL ? -1 : 0;
}

static int free_key(void **state)
{
    (void)state;
    EVP_PKEY_free(key);
    return 0;
}

static uint64_t key_of(const X509_NAME *name)
{
    uint64_t k = 0;

    assert_true(cwms_name_key(name, &k));
    return k;
}

/*
 * A pool entry for a certificate with this subject and serial, issued by
 * "Pool Root"; a CA certificate (basicConstraints cA) when ca.
 */
static CWMS_CERT *make_entry_by(const X509_NAME *subject, const X509_NAME *issued_by, long serial,
                                int ca)
{
    X509 *x = X509_new();
    X509_NAME *issuer = issued_by != NULL ? X509_NAME_dup(issued_by)
                                          : t_name(MBSTRING_ASC, "cwms-bundle tests", "Pool Root");
    unsigned char *der = NULL;
    int len;
    CWMS_CERT *cert;

    assert_non_null(x);
    assert_true(X509_set_version(x, X509_VERSION_3));
    assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
    assert_true(X509_set_subject_name(x, subject));
    assert_true(X509_set_issuer_name(x, issuer));
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
    assert_true(X509_set_pubkey(x, key));
    if (ca) {
        X509_EXTENSION *bc =
            X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");

        assert_non_null(bc);
        assert_true(X509_add_ext(x, bc, -1));
        X509_EXTENSION_free(bc);
    }
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    len = i2d_X509(x, &der);
    assert_true(len > 0);
    cert = cwms_cert_new_der(der, (size_t)len, "test");
    assert_non_null(cert);
    OPENSSL_free(der);
    X509_NAME_free(issuer);
    X509_free(x);
    return cert;
}

static CWMS_CERT *make_entry_ca(const X509_NAME *subject, long serial, int ca)
{
    return make_entry_by(subject, NULL, serial, ca);
}

static CWMS_CERT *make_entry(const X509_NAME *subject, long serial)
{
    return make_entry_ca(subject, serial, 0);
}

static size_t lookup(CWMS_POOL *pool, const X509_NAME *name, CWMS_CERT **out, size_t max)
{
    return cwms_pool_find_subject(pool, name, out, max);
}

static void test_identical_certificate_is_kept_once(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    X509_NAME *name = t_name(MBSTRING_ASC, "Example", "Example CA");
    CWMS_CERT *first = make_entry(name, 1);
    CWMS_CERT *again = cwms_cert_new_der(first->der, first->der_len, "again");
    CWMS_CERT *kept = NULL, *found[2];

    (void)state;
    assert_non_null(again);
    assert_int_equal(cwms_pool_add(pool, first, &kept), 1);
    assert_ptr_equal(kept, first);
    assert_int_equal(cwms_pool_add(pool, again, &kept), 1); /* again is freed */
    assert_ptr_equal(kept, first);
    assert_int_equal(cwms_pool_count(pool), 1);
    assert_ptr_equal(cwms_pool_find_sha256(pool, cwms_cert_sha256(first)), first);
    assert_int_equal(lookup(pool, name, found, 2), 1);
    assert_ptr_equal(found[0], first);
    X509_NAME_free(name);
    cwms_pool_free(pool);
}

static void test_same_name_different_certificate_is_kept_twice(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    X509_NAME *name = t_name(MBSTRING_ASC, "Example", "Example CA");
    CWMS_CERT *a = make_entry(name, 1), *b = make_entry(name, 2), *found[4];

    (void)state;
    assert_int_equal(cwms_pool_add(pool, a, NULL), 1);
    assert_int_equal(cwms_pool_add(pool, b, NULL), 1);
    assert_int_equal(lookup(pool, name, found, 4), 2);
    assert_ptr_equal(found[0], a);
    assert_ptr_equal(found[1], b);
    X509_NAME_free(name);
    cwms_pool_free(pool);
}

static void test_subject_lookup_is_canonical(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    X509_NAME *printable = t_name(V_ASN1_PRINTABLESTRING, "Example Org", "Example Issuing CA");
    /* Another string type, another case, extra inner and outer spaces. */
    X509_NAME *utf8 = t_name(V_ASN1_UTF8STRING, "EXAMPLE   org", " example issuing ca ");
    X509_NAME *other = t_name(V_ASN1_UTF8STRING, "Example Org", "Example Issuing CA 2");
    CWMS_CERT *cert = make_entry(printable, 1), *found[2];
    const X509_NAME_ENTRY *cn = X509_NAME_get_entry(printable, 1);

    (void)state;
    /* The entry really is a PrintableString, the lookup name a UTF8String. */
    assert_int_equal(ASN1_STRING_type(X509_NAME_ENTRY_get_data(cn)), V_ASN1_PRINTABLESTRING);
    assert_int_equal(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(utf8, 1))),
                     V_ASN1_UTF8STRING);
    assert_int_equal(cwms_pool_add(pool, cert, NULL), 1);
    assert_int_equal(lookup(pool, utf8, found, 2), 1);
    assert_ptr_equal(found[0], cert);
    assert_int_equal(lookup(pool, other, found, 2), 0);
    X509_NAME_free(printable);
    X509_NAME_free(utf8);
    X509_NAME_free(other);
    cwms_pool_free(pool);
}

static void test_names_with_equal_keys_are_told_apart(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    /* Name keys keep only letters and digits: these two share one, but differ. */
    X509_NAME *n1 = t_name(MBSTRING_ASC, "Example", "Collision One");
    X509_NAME *n2 = t_name(MBSTRING_ASC, "Example", "Collision-One");
    CWMS_CERT *a = make_entry(n1, 1), *b = make_entry(n2, 2), *found[4];

    (void)state;
    assert_true(key_of(n1) == key_of(n2));
    assert_int_not_equal(X509_NAME_cmp(n1, n2), 0);
    assert_true(a->info.subject_key == b->info.subject_key);
    assert_int_equal(cwms_pool_add(pool, a, NULL), 1);
    assert_int_equal(cwms_pool_add(pool, b, NULL), 1);
    assert_int_equal(lookup(pool, n1, found, 4), 1);
    assert_ptr_equal(found[0], a);
    assert_int_equal(lookup(pool, n2, found, 4), 1);
    assert_ptr_equal(found[0], b);
    X509_NAME_free(n1);
    X509_NAME_free(n2);
    cwms_pool_free(pool);
}

/* 3,000 entries over 97 names, each added twice: every name finds all its own, in order. */
static void test_growth_keeps_lookups_right(void **state)
{
    enum { N = 3000, NAMES = 97 };
    CWMS_POOL *pool = cwms_pool_new();
    X509_NAME *names[NAMES];
    static CWMS_CERT *added[N];
    CWMS_CERT *found[N / NAMES + 1], *kept = NULL;

    (void)state;
    for (int k = 0; k < NAMES; k++) {
        char cn[32];

        snprintf(cn, sizeof(cn), "Growth CA %d", k);
        names[k] = t_name(MBSTRING_ASC, "Example", cn);
    }
    for (int i = 0; i < N; i++) {
        CWMS_CERT *dup;

        added[i] = make_entry(names[i % NAMES], i + 1);
        dup = cwms_cert_new_der(added[i]->der, added[i]->der_len, "dup");
        assert_int_equal(cwms_pool_add(pool, added[i], NULL), 1);
        assert_int_equal(cwms_pool_add(pool, dup, &kept), 1);
        assert_ptr_equal(kept, added[i]);
        assert_int_equal(cwms_pool_count(pool), (size_t)i + 1);
        /* Check a name right after every growth of the tables. */
        if (((i + 1) & i) == 0) {
            size_t want = (size_t)(i / NAMES + 1);

            assert_int_equal(lookup(pool, names[i % NAMES], found, N / NAMES + 1), want);
            assert_ptr_equal(found[want - 1], added[i]);
        }
    }
    assert_int_equal(cwms_pool_count(pool), N);
    for (int k = 0; k < NAMES; k++) {
        size_t n = lookup(pool, names[k], found, N / NAMES + 1);

        assert_int_equal(n, (size_t)((N - k + NAMES - 1) / NAMES));
        for (size_t j = 0; j < n; j++)
            assert_ptr_equal(found[j], added[(size_t)k + j * NAMES]);
    }
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(cwms_pool_get(pool, (size_t)i), added[i]);
        assert_ptr_equal(cwms_pool_find_sha256(pool, cwms_cert_sha256(added[i])), added[i]);
        /* All were issued by "Pool Root", none by each other. */
        assert_false(cwms_pool_issues_another(pool, added[i]));
    }
    {
        X509_NAME *root = t_name(MBSTRING_ASC, "cwms-bundle tests", "Pool Root");
        CWMS_CERT *root_cert = make_entry_by(root, root, N + 1, 1);

        assert_int_equal(cwms_pool_add(pool, root_cert, NULL), 1);
        assert_true(cwms_pool_issues_another(pool, root_cert));
        X509_NAME_free(root);
    }
    for (int k = 0; k < NAMES; k++)
        X509_NAME_free(names[k]);
    cwms_pool_free(pool);
}

static void test_five_thousand_with_one_name_come_back_in_input_order(void **state)
{
    enum { N = 5000 };
    CWMS_POOL *pool = cwms_pool_new();
    X509_NAME *name = t_name(MBSTRING_ASC, "Example", "Same Name CA");
    static CWMS_CERT *added[N], *found[N];

    (void)state;
    for (int i = 0; i < N; i++) {
        added[i] = make_entry(name, i + 1);
        assert_int_equal(cwms_pool_add(pool, added[i], NULL), 1);
    }
    assert_int_equal(lookup(pool, name, found, N), N);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(found[i], added[i]);
    /* max bounds what is written, not what is counted. */
    found[3] = NULL;
    assert_int_equal(lookup(pool, name, found, 3), N);
    assert_null(found[3]);
    X509_NAME_free(name);
    cwms_pool_free(pool);
}

static void test_different_certificates_with_equal_der_hashes_are_both_kept(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    X509_NAME *name = t_name(MBSTRING_ASC, "Example", "Example CA");
    CWMS_CERT *a = make_entry(name, 1), *b = make_entry(name, 2);
    CWMS_CERT *again = cwms_cert_new_der(b->der, b->der_len, "again"), *kept = NULL;

    (void)state;
    assert_non_null(again);
    /* The DER hash only spreads entries; force a collision, the bytes decide. */
    b->der_hash = a->der_hash;
    again->der_hash = a->der_hash;
    assert_int_equal(cwms_pool_add(pool, a, NULL), 1);
    assert_int_equal(cwms_pool_add(pool, b, NULL), 1);
    assert_int_equal(cwms_pool_add(pool, again, &kept), 1);
    assert_ptr_equal(kept, b);
    assert_int_equal(cwms_pool_count(pool), 2);
    X509_NAME_free(name);
    cwms_pool_free(pool);
}

/* Indexing computes no fingerprint; asking for one gives X509_digest's SHA-256. */
static void test_fingerprint_is_computed_on_first_use(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    X509_NAME *name = t_name(MBSTRING_ASC, "Example", "Example CA");
    CWMS_CERT *c = make_entry(name, 1);
    const unsigned char *der = NULL;
    unsigned char want[32];
    unsigned int len = 0;
    X509 *x;

    (void)state;
    assert_int_equal(cwms_pool_add(pool, c, NULL), 1);
    assert_int_equal(c->sha256_done, 0);
    der = c->der;
    x = d2i_X509(NULL, &der, (long)c->der_len);
    assert_non_null(x);
    assert_true(X509_digest(x, EVP_sha256(), want, &len));
    assert_int_equal(len, 32);
    assert_memory_equal(cwms_cert_sha256(c), want, 32);
    assert_ptr_equal(cwms_cert_sha256(c), cwms_cert_sha256(c));
    assert_ptr_equal(cwms_pool_find_sha256(pool, want), c);
    want[0] ^= 1;
    assert_null(cwms_pool_find_sha256(pool, want));
    X509_free(x);
    X509_NAME_free(name);
    cwms_pool_free(pool);
}

/* --leaf usually names the server certificate, but a CA certificate is found too. */
static void test_fingerprint_finds_end_entity_and_ca_certificates(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    X509_NAME *name = t_name(MBSTRING_ASC, "Example", "Example CA");
    CWMS_CERT *ca = make_entry_ca(name, 1, 1), *ee = make_entry(name, 2);
    unsigned char ca_fp[32], ee_fp[32];

    (void)state;
    assert_int_equal(ca->info.is_ca, 1);
    assert_int_equal(ee->info.is_ca, 0);
    memcpy(ca_fp, cwms_cert_sha256(ca), 32);
    memcpy(ee_fp, cwms_cert_sha256(ee), 32);
    assert_int_equal(cwms_pool_add(pool, ca, NULL), 1);
    assert_int_equal(cwms_pool_add(pool, ee, NULL), 1);
    assert_ptr_equal(cwms_pool_find_sha256(pool, ee_fp), ee);
    assert_ptr_equal(cwms_pool_find_sha256(pool, ca_fp), ca);
    X509_NAME_free(name);
    cwms_pool_free(pool);
}

static void test_what_a_certificate_issued_is_found_by_canonical_name(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    X509_NAME *ca = t_name(MBSTRING_ASC, "Example", "Issuing CA");
    X509_NAME *ca_utf8 = t_name(MBSTRING_UTF8, "EXAMPLE", "issuing  ca");
    X509_NAME *leaf = t_name(MBSTRING_ASC, "Example", "www.example.test");
    X509_NAME *self = t_name(MBSTRING_ASC, "Example", "Self Issued");
    CWMS_CERT *ca_cert = make_entry(ca, 1), *leaf_cert = make_entry_by(leaf, ca_utf8, 2, 0);
    CWMS_CERT *self_cert = make_entry_by(self, self, 3, 0);

    (void)state;
    assert_int_equal(cwms_pool_add(pool, ca_cert, NULL), 1);
    /* Nothing issued by it yet. */
    assert_false(cwms_pool_issues_another(pool, ca_cert));
    assert_int_equal(cwms_pool_add(pool, leaf_cert, NULL), 1);
    assert_int_equal(cwms_pool_add(pool, self_cert, NULL), 1);
    /* Its name in another string type and case, spaces collapsed: the same name. */
    assert_true(cwms_pool_issues_another(pool, ca_cert));
    assert_false(cwms_pool_issues_another(pool, leaf_cert));
    /* A self-issued certificate issuing only itself issues nothing else. */
    assert_false(cwms_pool_issues_another(pool, self_cert));
    assert_int_equal(cwms_pool_add(pool, make_entry_by(leaf, self, 4, 0), NULL), 1);
    assert_true(cwms_pool_issues_another(pool, self_cert));
    X509_NAME_free(ca);
    X509_NAME_free(ca_utf8);
    X509_NAME_free(leaf);
    X509_NAME_free(self);
    cwms_pool_free(pool);
}

static void test_empty_pool_finds_nothing(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    X509_NAME *name = t_name(MBSTRING_ASC, "Example", "Nobody");
    unsigned char sha[32] = { 0 };

    (void)state;
    assert_int_equal(cwms_pool_count(pool), 0);
    assert_int_equal(lookup(pool, name, NULL, 0), 0);
    assert_null(cwms_pool_find_sha256(pool, sha));
    assert_null(cwms_pool_get(pool, 0));
    X509_NAME_free(name);
    cwms_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical_certificate_is_kept_once),
        cmocka_unit_test(test_same_name_different_certificate_is_kept_twice),
        cmocka_unit_test(test_subject_lookup_is_canonical),
        cmocka_unit_test(test_names_with_equal_keys_are_told_apart),
        cmocka_unit_test(test_growth_keeps_lookups_right),
        cmocka_unit_test(test_five_thousand_with_one_name_come_back_in_input_order),
        cmocka_unit_test(test_different_certificates_with_equal_der_hashes_are_both_kept),
        cmocka_unit_test(test_fingerprint_is_computed_on_first_use),
        cmocka_unit_test(test_fingerprint_finds_end_entity_and_ca_certificates),
        cmocka_unit_test(test_what_a_certificate_issued_is_found_by_canonical_name),
        cmocka_unit_test(test_empty_pool_finds_nothing),
    };

    return t_exit(cmocka_run_group_tests_name("pool", tests, make_key, free_key));
}
