/* SPDX-License-Identifier: Apache-2.0 */
/*
 * request: CWMS's rules for the CSR (host names, subject, key types) and
 * a CSR signed in memory that verifies and names what it should.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509v3.h>

#include "cwms/request.h"
#include "testlib.h"

/* Checks hosts (and subject); returns the diag (free it). */
static CWMS_DIAG *check(const char *subject, int want_ok, size_t n, ...)
{
    const char *hosts[8];
    CWMS_REQUEST rq = { 0 };
    CWMS_DIAG *diag = cwms_diag_new();
    va_list ap;

    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        hosts[i] = va_arg(ap, const char *);
    va_end(ap);
    rq.hosts = hosts;
    rq.n_hosts = n;
    rq.subject = subject;
    assert_int_equal(cwms_request_check(&rq, diag), want_ok);
    return diag;
}

static void test_fully_qualified_names_and_a_leading_wildcard_pass(void **state)
{
    (void)state;
    cwms_diag_free(check(NULL, 1, 3, "webex.example.com", "*.example.com", "a-b.c1.example.org"));
    cwms_diag_free(check("/O=Example Inc/C=US/OU=IT \\/ Web", 1, 1, "webex.example.com"));
}

static void test_short_names_ip_addresses_and_bad_labels_are_refused(void **state)
{
    CWMS_DIAG *d;

    (void)state;
    d = check(NULL, 0, 5, "webex", "10.1.2.3", "a_b.example.com", "-a.example.com",
              "a.*.example.com");
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "'webex'", "fully qualified");
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "'10.1.2.3'", "IP addresses");
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "'a_b.example.com'", "letters, digits and hyphens");
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "'-a.example.com'", "hyphen");
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "'a.*.example.com'", "wildcard");
    cwms_diag_free(d);
}

static void test_a_long_first_host_a_repeated_host_and_no_host_are_refused(void **state)
{
    char longname[80];
    CWMS_DIAG *d;

    (void)state;
    memset(longname, 'a', 60);
    strcpy(longname + 60, ".example.com");
    d = check(NULL, 0, 1, longname);
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "common name", "64 characters");
    cwms_diag_free(d);
    /* The same long name second is only a SAN: fine. */
    cwms_diag_free(check(NULL, 1, 2, "webex.example.com", longname));
    d = check(NULL, 0, 2, "webex.example.com", "WEBEX.example.com");
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "WEBEX.example.com", "given twice");
    cwms_diag_free(d);
    d = check(NULL, 0, 0);
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "no --site or --host", NULL);
    cwms_diag_free(d);
}

static void test_a_subject_with_a_cn_or_a_bad_country_is_refused(void **state)
{
    CWMS_DIAG *d;

    (void)state;
    d = check("/CN=other/O=x", 0, 1, "webex.example.com");
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "--subject", "the CN is the first --host");
    cwms_diag_free(d);
    d = check("/C=USA", 0, 1, "webex.example.com");
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "--subject", "two letters");
    cwms_diag_free(d);
    d = check("O=x", 0, 1, "webex.example.com");
    t_assert_msg(d, CWMS_ERROR, CWMS_R_CSR, "--subject", "start with '/'");
    cwms_diag_free(d);
}

static void test_key_types_are_the_five_of_the_synopsis(void **state)
{
    CWMS_KEY_TYPE t;

    (void)state;
    assert_true(cwms_key_type_parse("rsa:2048", &t) && !t.ec && t.bits == 2048);
    assert_true(cwms_key_type_parse("rsa:4096", &t) && t.bits == 4096);
    assert_true(cwms_key_type_parse("ec:P-384", &t) && t.ec && strcmp(t.curve, "P-384") == 0);
    assert_false(cwms_key_type_parse("rsa:1024", &t));
    assert_false(cwms_key_type_parse("ec:P-521", &t));
    assert_false(cwms_key_type_parse("ed25519", &t));
}

static void test_signed_csr_verifies_and_names_cn_and_every_host(void **state)
{
    const char *hosts[] = { "webex.example.com", "admin.example.com" };
    CWMS_REQUEST rq = { NULL, NULL, hosts, 2, "/O=Example Inc" };
    CWMS_KEY_TYPE t;
    CWMS_DIAG *diag = cwms_diag_new();
    EVP_PKEY *key;
    X509_REQ *req;
    STACK_OF(X509_EXTENSION) * exts;
    GENERAL_NAMES *sans;
    char cn[128];

    (void)state;
    assert_true(cwms_key_type_parse("ec:P-256", &t));
    assert_non_null(key = cwms_key_generate(&t, NULL, NULL, diag));
    assert_true(cwms_request_check_key(key, "the key", diag));
    assert_non_null(req = cwms_request_new(&rq, key, diag));
    assert_true(cwms_request_sign(req, key, &rq, diag));
    assert_int_equal(X509_REQ_verify(req, key), 1);
    assert_true(
        X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn, sizeof(cn))
        > 0);
    assert_string_equal(cn, "webex.example.com");
    exts = X509_REQ_get_extensions(req);
    sans = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
    assert_int_equal(sk_GENERAL_NAME_num(sans), 2);
    GENERAL_NAMES_free(sans);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    assert_null(cwms_diag_first_error(diag));
    X509_REQ_free(req);
    EVP_PKEY_free(key);
    cwms_diag_free(diag);
}

static void test_small_rsa_and_other_curves_break_cwms_rules(void **state)
{
    CWMS_DIAG *diag = cwms_diag_new();
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");

    (void)state;
    assert_false(cwms_request_check_key(small, "small.key", diag));
    t_assert_msg(diag, CWMS_ERROR, CWMS_R_WEAK_KEY, "small.key", "under 2048 bits");
    assert_false(cwms_request_check_key(p521, "p521.key", diag));
    t_assert_msg(diag, CWMS_ERROR, CWMS_R_KEYGEN, "p521.key", "P-256 or P-384");
    EVP_PKEY_free(small);
    EVP_PKEY_free(p521);
    cwms_diag_free(diag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fully_qualified_names_and_a_leading_wildcard_pass),
        cmocka_unit_test(test_short_names_ip_addresses_and_bad_labels_are_refused),
        cmocka_unit_test(test_a_long_first_host_a_repeated_host_and_no_host_are_refused),
        cmocka_unit_test(test_a_subject_with_a_cn_or_a_bad_country_is_refused),
        cmocka_unit_test(test_key_types_are_the_five_of_the_synopsis),
        cmocka_unit_test(test_signed_csr_verifies_and_names_cn_and_every_host),
        cmocka_unit_test(test_small_rsa_and_other_curves_break_cwms_rules),
    };

    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
