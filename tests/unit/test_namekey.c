/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Name keys (provider/core/namekey.c) on names made here: every pair that
 * X509_NAME_cmp calls equal — other string types, other case, other
 * spacing, a multi-valued RDN in another order — has one key, computed
 * from the DER and from the decoded entries alike; malformed or BER DER
 * is refused. (test_certinfo checks the same property on every real
 * certificate of tests/data.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "index/namekey.h"
#include "testlib.h"

/* How one attribute value is encoded. */
typedef enum { AS_PRINTABLE, AS_UTF8, AS_BMP, AS_UNIVERSAL, AS_IA5, AS_T61 } ENCODING;

/* Adds field=value as a new RDN (set 0) or to the last one (set -1), in the given string type. */
static void add(X509_NAME *name, const char *field, const char *value, ENCODING enc, int set)
{
    unsigned char wide[256];
    size_t n = strlen(value), width = enc == AS_BMP ? 2 : enc == AS_UNIVERSAL ? 4 : 1;
    int type;

    assert_true(n * width <= sizeof(wide));
    switch (enc) {
    case AS_PRINTABLE:
        type = V_ASN1_PRINTABLESTRING;
        break;
    case AS_UTF8:
        type = V_ASN1_UTF8STRING;
        break;
    case AS_IA5:
        type = V_ASN1_IA5STRING;
        break;
    case AS_T61:
        type = V_ASN1_T61STRING;
        break;
    case AS_BMP:
        type = V_ASN1_BMPSTRING;
        break;
    default:
        type = V_ASN1_UNIVERSALSTRING;
        break;
    }
    /* Big-endian code units of the ASCII text. */
    memset(wide, 0, sizeof(wide));
    for (size_t i = 0; i < n; i++)
        wide[i * width + width - 1] = (unsigned char)value[i];
    assert_true(X509_NAME_add_entry_by_txt(name, field, type,
                                           width == 1 ? (const unsigned char *)value : wide,
                                           (int)(n * width), -1, set));
}

static X509_NAME *org_and_cn(const char *org, const char *cn, ENCODING enc)
{
    X509_NAME *name = X509_NAME_new();

    assert_non_null(name);
    add(name, "C", "US", AS_PRINTABLE, 0);
    add(name, "O", org, enc, 0);
    add(name, "CN", cn, enc, 0);
    return name;
}

/* The key from the entries, checked against the key from the name's DER and from a re-decoded copy. */
static uint64_t key(const X509_NAME *name)
{
    const unsigned char *der, *p;
    size_t len;
    uint64_t k, k_der, k_copy;
    X509_NAME *copy;

    assert_true(cwms_name_key(name, &k));
    assert_true(X509_NAME_get0_der(name, &der, &len));
    assert_true(cwms_name_key_der(der, len, &k_der));
    assert_true(k == k_der);
    p = der;
    copy = d2i_X509_NAME(NULL, &p, (long)len);
    assert_non_null(copy);
    assert_true(cwms_name_key(copy, &k_copy));
    assert_true(k == k_copy);
    X509_NAME_free(copy);
    return k;
}

static uint64_t key_of_der(const unsigned char *der, size_t len)
{
    uint64_t k = 0;

    assert_true(cwms_name_key_der(der, len, &k));
    return k;
}

static void assert_equal_names(const X509_NAME *a, const X509_NAME *b)
{
    assert_int_equal(X509_NAME_cmp(a, b), 0);
    assert_true(key(a) == key(b));
}

static void test_string_types_case_and_spacing_share_one_key(void **state)
{
    X509_NAME *base = org_and_cn("Example Org", "Example Issuing CA 1", AS_PRINTABLE);
    X509_NAME *other[] = {
        org_and_cn("Example Org", "Example Issuing CA 1", AS_UTF8),
        org_and_cn("Example Org", "Example Issuing CA 1", AS_BMP),
        org_and_cn("Example Org", "Example Issuing CA 1", AS_UNIVERSAL),
        org_and_cn("Example Org", "Example Issuing CA 1", AS_IA5),
        org_and_cn("Example Org", "Example Issuing CA 1", AS_T61),
        org_and_cn("EXAMPLE ORG", "example issuing ca 1", AS_PRINTABLE),
        org_and_cn("  Example   Org ", "Example\tIssuing \n CA 1  ", AS_UTF8),
        org_and_cn(" EXAMPLE  org", "  example ISSUING   ca 1", AS_BMP),
    };

    (void)state;
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        assert_equal_names(base, other[i]);
        X509_NAME_free(other[i]);
    }
    X509_NAME_free(base);
}

/* CN=a+O=b and O=b+CN=a: one RDN, a SET, so the order of its attributes does not count. */
static void test_multi_valued_rdn_in_either_order_shares_one_key(void **state)
{
    X509_NAME *ab = X509_NAME_new(), *ba = X509_NAME_new();
    /* The same two RDNs as DER, the SET's members in both orders (OpenSSL would sort them). */
    static const unsigned char der_ab[] = {
        0x30, 0x1c, 0x31, 0x1a, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x04, 'N', 'o',
        'd',  'e',  0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x13, 0x04, 'A',  'c',  'm', 'e',
    };
    static const unsigned char der_ba[] = {
        0x30, 0x1c, 0x31, 0x1a, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x13, 0x04, 'A', 'C',
        'M',  'E',  0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x04, 'n',  'o',  'd', 'e',
    };
    const unsigned char *p;
    X509_NAME *d_ab, *d_ba;

    (void)state;
    assert_non_null(ab);
    assert_non_null(ba);
    add(ab, "CN", "Node", AS_UTF8, 0);
    add(ab, "O", "Acme", AS_PRINTABLE, -1);
    add(ba, "O", "ACME", AS_UTF8, 0);
    add(ba, "CN", "node", AS_BMP, -1);
    assert_int_equal(X509_NAME_entry_count(ab), 2);
    assert_int_equal(X509_NAME_ENTRY_set(X509_NAME_get_entry(ab, 1)), 0);
    assert_equal_names(ab, ba);

    p = der_ab;
    d_ab = d2i_X509_NAME(NULL, &p, sizeof(der_ab));
    p = der_ba;
    d_ba = d2i_X509_NAME(NULL, &p, sizeof(der_ba));
    assert_non_null(d_ab);
    assert_non_null(d_ba);
    assert_int_equal(X509_NAME_cmp(d_ab, d_ba), 0);
    assert_int_equal(X509_NAME_cmp(d_ab, ab), 0);
    assert_true(key_of_der(der_ab, sizeof(der_ab)) == key_of_der(der_ba, sizeof(der_ba)));
    assert_true(key_of_der(der_ab, sizeof(der_ab)) == key(ab));
    X509_NAME_free(d_ab);
    X509_NAME_free(d_ba);
    X509_NAME_free(ab);
    X509_NAME_free(ba);
}

/* An RDN with no attribute vanishes from OpenSSL's canonical form; from the key too. */
static void test_empty_rdn_changes_nothing(void **state)
{
    static const unsigned char plain[] = {
        0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55,
        0x04, 0x03, 0x0c, 0x04, 'N',  'o',  'd',  'e',
    };
    static const unsigned char with_empty[] = {
        0x30, 0x11, 0x31, 0x00, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03,
        0x55, 0x04, 0x03, 0x0c, 0x04, 'N',  'o',  'd',  'e',
    };
    const unsigned char *p = with_empty;
    X509_NAME *a, *b;

    (void)state;
    assert_true(key_of_der(plain, sizeof(plain)) == key_of_der(with_empty, sizeof(with_empty)));
    b = d2i_X509_NAME(NULL, &p, sizeof(with_empty));
    if (b != NULL) {
        /* If OpenSSL takes it, it must call the names equal, as the keys do. */
        p = plain;
        a = d2i_X509_NAME(NULL, &p, sizeof(plain));
        assert_non_null(a);
        assert_int_equal(X509_NAME_cmp(a, b), 0);
        X509_NAME_free(a);
    }
    X509_NAME_free(b);
}

static void test_different_names_have_different_keys(void **state)
{
    X509_NAME *base = org_and_cn("Example Org", "Example Issuing CA 1", AS_UTF8);
    X509_NAME *other[] = {
        org_and_cn("Example Org", "Example Issuing CA 2", AS_UTF8),
        org_and_cn("Example Org2", "Example Issuing CA 1", AS_UTF8),
        org_and_cn("Example Issuing CA 1", "Example Org", AS_UTF8), /* values swapped */
    };
    X509_NAME *one_rdn = X509_NAME_new(), *two_rdns = X509_NAME_new();

    (void)state;
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        assert_int_not_equal(X509_NAME_cmp(base, other[i]), 0);
        assert_true(key(base) != key(other[i]));
        X509_NAME_free(other[i]);
    }
    /* CN=a+O=b is not CN=a, O=b. */
    add(one_rdn, "CN", "a", AS_UTF8, 0);
    add(one_rdn, "O", "b", AS_UTF8, -1);
    add(two_rdns, "CN", "a", AS_UTF8, 0);
    add(two_rdns, "O", "b", AS_UTF8, 0);
    assert_int_not_equal(X509_NAME_cmp(one_rdn, two_rdns), 0);
    assert_true(key(one_rdn) != key(two_rdns));
    X509_NAME_free(one_rdn);
    X509_NAME_free(two_rdns);
    X509_NAME_free(base);
}

/*
 * What the key leaves out: punctuation, and values OpenSSL compares as
 * they are (a NumericString). Different names, one key: X509_NAME_cmp
 * has the last word, which is why every lookup confirms with it.
 */
static void test_key_is_coarser_than_the_name(void **state)
{
    X509_NAME *dash = org_and_cn("Example Org", "Example-CA", AS_UTF8);
    X509_NAME *space = org_and_cn("Example Org", "Example CA", AS_UTF8);
    X509_NAME *n1 = X509_NAME_new(), *n2 = X509_NAME_new();

    (void)state;
    assert_int_not_equal(X509_NAME_cmp(dash, space), 0);
    assert_true(key(dash) == key(space));
    assert_true(X509_NAME_add_entry_by_txt(n1, "serialNumber", V_ASN1_NUMERICSTRING,
                                           (const unsigned char *)"123", -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(n2, "serialNumber", V_ASN1_NUMERICSTRING,
                                           (const unsigned char *)"124", -1, -1, 0));
    assert_int_not_equal(X509_NAME_cmp(n1, n2), 0);
    assert_true(key(n1) == key(n2));
    X509_NAME_free(dash);
    X509_NAME_free(space);
    X509_NAME_free(n1);
    X509_NAME_free(n2);
}

static void test_malformed_or_ber_names_are_refused(void **state)
{
    static const unsigned char good[] = {
        0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55,
        0x04, 0x03, 0x0c, 0x04, 'N',  'o',  'd',  'e',
    };
    /* Indefinite length (BER), a constructed UTF8String (BER), an odd-length BMPString. */
    static const unsigned char indefinite[] = {
        0x30, 0x80, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04,
        0x03, 0x0c, 0x04, 'N',  'o',  'd',  'e',  0x00, 0x00,
    };
    static const unsigned char constructed[] = {
        0x30, 0x11, 0x31, 0x0f, 0x30, 0x0d, 0x06, 0x03, 0x55, 0x04,
        0x03, 0x2c, 0x06, 0x0c, 0x04, 'N',  'o',  'd',  'e',
    };
    static const unsigned char odd_bmp[] = {
        0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03,
        0x55, 0x04, 0x03, 0x1e, 0x03, 0x00, 'N',  0x00,
    };
    static const unsigned char empty_oid[] = {
        0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x00, 0x0c, 0x04, 'N', 'o', 'd', 'e',
    };
    static const unsigned char set_as_sequence[] = {
        0x30, 0x0f, 0x30, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55,
        0x04, 0x03, 0x0c, 0x04, 'N',  'o',  'd',  'e',
    };
    unsigned char longer[sizeof(good) + 1];
    uint64_t k;

    (void)state;
    assert_true(cwms_name_key_der(good, sizeof(good), &k));
    for (size_t cut = 0; cut < sizeof(good); cut++)
        assert_false(cwms_name_key_der(good, cut, &k));
    memcpy(longer, good, sizeof(good));
    longer[sizeof(good)] = 0;
    assert_false(cwms_name_key_der(longer, sizeof(longer), &k));
    assert_false(cwms_name_key_der(indefinite, sizeof(indefinite), &k));
    assert_false(cwms_name_key_der(constructed, sizeof(constructed), &k));
    assert_false(cwms_name_key_der(odd_bmp, sizeof(odd_bmp), &k));
    assert_false(cwms_name_key_der(empty_oid, sizeof(empty_oid), &k));
    assert_false(cwms_name_key_der(set_as_sequence, sizeof(set_as_sequence), &k));
    assert_false(cwms_name_key_der(NULL, 0, &k));
    assert_false(cwms_name_key(NULL, &k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_types_case_and_spacing_share_one_key),
        cmocka_unit_test(test_multi_valued_rdn_in_either_order_shares_one_key),
        cmocka_unit_test(test_empty_rdn_changes_nothing),
        cmocka_unit_test(test_different_names_have_different_keys),
        cmocka_unit_test(test_key_is_coarser_than_the_name),
        cmocka_unit_test(test_malformed_or_ber_names_are_refused),
    };

    return t_exit(cmocka_run_group_tests_name("namekey", tests, NULL, NULL));
}
