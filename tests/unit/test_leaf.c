/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Choosing the server certificate: by the private key, by --leaf, or as
 * the one end-entity certificate; and the errors when that is not
 * possible.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chain_testlib.h"

typedef struct {
    CWMS_OPTIONS o;
    CWMS_POOL *pool;
    CWMS_KEY keys[4];
    size_t n_keys;
    CWMS_DIAG *diag;
    CWMS_CERT *leaf;
    const CWMS_KEY *key;
} LEAF;

/* A pool of "dir/id.crt" for each id of the NULL-terminated list, each added by add. */
static void leaf_vinit(LEAF *l, const char *dir, void (*add)(CWMS_POOL *, const char *), va_list ap)
{
    const char *id;
    char rel[128];

    memset(l, 0, sizeof(*l));
    t_options(&l->o, NULL);
    l->pool = cwms_pool_new();
    l->diag = cwms_diag_new();
    while ((id = va_arg(ap, const char *)) != NULL) {
        snprintf(rel, sizeof(rel), "%s/%s.crt", dir, id);
        add(l->pool, t_pki(rel));
    }
}

static void leaf_init(LEAF *l, ...)
{
    va_list ap;

    va_start(ap, l);
    leaf_vinit(l, "h", t_add_pem, ap);
    va_end(ap);
}

static void leaf_key(LEAF *l, const char *id)
{
    char rel[128];

    snprintf(rel, sizeof(rel), "h/%s.key", id);
    l->keys[l->n_keys++] = t_key(t_pki(rel));
}

static int leaf_run(LEAF *l)
{
    CWMS_CHAIN_PARAMS cp;

    cwms_chain_params_init(&cp, &l->o);
    return cwms_leaf_choose(&cp, l->pool, l->keys, l->n_keys, NULL, l->diag, &l->leaf, &l->key);
}

static void leaf_free(LEAF *l)
{
    for (size_t i = 0; i < l->n_keys; i++)
        t_key_free(&l->keys[i]);
    cwms_diag_free(l->diag);
    cwms_pool_free(l->pool);
}

static void expect_error(LEAF *l, CWMS_REASON reason, const char *want)
{
    assert_int_equal(leaf_run(l), 0);
    t_assert_first_error(l->diag, reason, want);
}

static void test_the_key_picks_its_certificate_and_other_servers_are_noted(void **state)
{
    LEAF l;

    (void)state;
    leaf_init(&l, "other", "secondary", "server", "primary", NULL);
    leaf_key(&l, "server");
    assert_int_equal(leaf_run(&l), 1);
    assert_string_equal(t_cn(cwms_cert_x509(l.leaf)), "www.example.test");
    assert_ptr_equal(l.key, &l.keys[0]);
    assert_non_null(t_find(l.diag, CWMS_R_NONE));
    assert_non_null(strstr(t_find(l.diag, CWMS_R_NONE)->text, "old.example.test"));
    assert_int_equal(cwms_diag_count_level(l.diag, CWMS_ERROR), 0);
    leaf_free(&l);
}

static void test_without_a_key_two_servers_are_ambiguous(void **state)
{
    LEAF l;

    (void)state;
    leaf_init(&l, "server", "other", "secondary", "primary", "root", NULL);
    l.o.no_key = 1;
    expect_error(&l, CWMS_R_AMBIGUOUS_LEAF, "--leaf");
    assert_non_null(strstr(cwms_diag_first_error(l.diag)->text, "www.example.test"));
    assert_non_null(strstr(cwms_diag_first_error(l.diag)->text, "old.example.test"));
    assert_non_null(strstr(cwms_diag_first_error(l.diag)->text, "SHA-256 "));
    leaf_free(&l);
}

static void test_leaf_fingerprint_selects_among_servers(void **state)
{
    LEAF l;

    (void)state;
    leaf_init(&l, "server", "other", "secondary", NULL);
    l.o.no_key = 1;
    l.o.has_leaf_sha256 = 1;
    t_sha256_of(t_pki("h/other.crt"), l.o.leaf_sha256);
    assert_int_equal(leaf_run(&l), 1);
    assert_string_equal(t_cn(cwms_cert_x509(l.leaf)), "old.example.test");
    assert_null(l.key);
    leaf_free(&l);
}

static void test_without_a_key_the_one_end_entity_is_the_leaf(void **state)
{
    LEAF l;

    (void)state;
    /* The CA certificates are not candidates, whatever the order. */
    leaf_init(&l, "root", "secondary", "server", "primary", NULL);
    l.o.no_key = 1;
    assert_int_equal(leaf_run(&l), 1);
    assert_string_equal(t_cn(cwms_cert_x509(l.leaf)), "www.example.test");
    leaf_free(&l);
}

static void test_no_key_at_all_says_to_pass_key_or_no_key(void **state)
{
    LEAF l;

    (void)state;
    leaf_init(&l, "server", "secondary", NULL);
    expect_error(&l, CWMS_R_NO_KEY, "--no-key");
    assert_non_null(strstr(cwms_diag_first_error(l.diag)->text, "--key"));
    leaf_free(&l);
}

static void test_key_matching_no_certificate_names_the_key(void **state)
{
    LEAF l;

    (void)state;
    leaf_init(&l, "server", "secondary", "primary", NULL);
    leaf_key(&l, "stray");
    expect_error(&l, CWMS_R_KEY_MISMATCH, "stray.key");
    leaf_free(&l);
}

static void test_of_several_keys_the_matching_one_is_used(void **state)
{
    LEAF l;

    (void)state;
    leaf_init(&l, "server", "secondary", "primary", NULL);
    leaf_key(&l, "stray");
    leaf_key(&l, "server");
    assert_int_equal(leaf_run(&l), 1);
    assert_ptr_equal(l.key, &l.keys[1]);
    assert_non_null(t_find(l.diag, CWMS_R_NONE));
    assert_non_null(strstr(t_find(l.diag, CWMS_R_NONE)->text, "stray.key"));
    leaf_free(&l);
}

static void test_two_keys_for_two_servers_are_refused(void **state)
{
    LEAF l;

    (void)state;
    leaf_init(&l, "server", "other", "secondary", NULL);
    leaf_key(&l, "server");
    leaf_key(&l, "other");
    expect_error(&l, CWMS_R_SEVERAL_KEYS, "--key");
    leaf_free(&l);

    /* --leaf settles it. */
    leaf_init(&l, "server", "other", "secondary", NULL);
    leaf_key(&l, "server");
    leaf_key(&l, "other");
    l.o.has_leaf_sha256 = 1;
    t_sha256_of(t_pki("h/other.crt"), l.o.leaf_sha256);
    assert_int_equal(leaf_run(&l), 1);
    assert_ptr_equal(l.key, &l.keys[1]);
    leaf_free(&l);
}

static void test_empty_inputs_say_there_is_no_certificate(void **state)
{
    LEAF l;

    (void)state;
    leaf_init(&l, NULL);
    leaf_key(&l, "server");
    expect_error(&l, CWMS_R_NO_CERTIFICATES, "no certificate");
    leaf_free(&l);
}

/*
 * A pool past the screen's threshold (the 1,263 intermediates of the cfssl
 * pool), then the given certificates of the twoenc scenario, all through the
 * DER walker as the readers add them, and the key of its certificate key_id.
 */
static void twoenc_init(LEAF *l, const char *key_id, ...)
{
    va_list ap;
    char rel[128];

    va_start(ap, key_id);
    leaf_vinit(l, "twoenc", t_add_pem_walked, ap);
    va_end(ap);
    t_add_pem_walked(l->pool, t_data("cfssl_trust/int-bundle.crt"));
    assert_true(cwms_pool_count(l->pool) > 16);
    snprintf(rel, sizeof(rel), "twoenc/%s.key", key_id);
    l->keys[l->n_keys++] = t_key(t_pki(rel));
}

/* 1 when c is the certificate of "twoenc/id.crt". */
static int is_twoenc(CWMS_CERT *c, const char *id)
{
    unsigned char want[32];
    char rel[128];

    snprintf(rel, sizeof(rel), "twoenc/%s.crt", id);
    t_sha256_of(t_pki(rel), want);
    return c != NULL && memcmp(cwms_cert_sha256(c), want, 32) == 0;
}

static void test_in_a_large_pool_the_key_finds_its_certificate_in_another_encoding(void **state)
{
    /* The key as OpenSSL writes it; the certificate with the EC point compressed, or RSA's
     * parameters left out. */
    static const char *const pairs[][2] = { { "old", "new" }, { "rold", "rnew" } };

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        LEAF l;

        twoenc_init(&l, pairs[i][0], pairs[i][1], NULL);
        assert_int_equal(leaf_run(&l), 1);
        assert_true(is_twoenc(l.leaf, pairs[i][1]));
        leaf_free(&l);
    }
}

static void test_in_a_large_pool_the_newer_certificate_wins_whatever_its_encoding(void **state)
{
    static const char *const pairs[][2] = { { "old", "new" }, { "rold", "rnew" } };

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        LEAF l;
        CWMS_CERT *alt[4];
        CWMS_CHAIN_PARAMS cp;

        twoenc_init(&l, pairs[i][0], pairs[i][0], pairs[i][1], NULL);
        assert_int_equal(leaf_run(&l), 1);
        assert_true(is_twoenc(l.leaf, pairs[i][1]));
        /* ... and the older one, in the key's own encoding, is the alternative to try. */
        cwms_chain_params_init(&cp, &l.o);
        assert_int_equal(cwms_leaf_alternatives(&cp, l.pool, l.key, l.leaf, alt, 4), 1);
        assert_true(is_twoenc(alt[0], pairs[i][0]));
        leaf_free(&l);
    }
}

static void test_only_ca_certificates_and_no_key_is_no_leaf(void **state)
{
    LEAF l;

    (void)state;
    leaf_init(&l, "secondary", "primary", "root", NULL);
    l.o.no_key = 1;
    expect_error(&l, CWMS_R_NO_LEAF, "end-entity");
    leaf_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_key_picks_its_certificate_and_other_servers_are_noted),
        cmocka_unit_test(test_without_a_key_two_servers_are_ambiguous),
        cmocka_unit_test(test_leaf_fingerprint_selects_among_servers),
        cmocka_unit_test(test_without_a_key_the_one_end_entity_is_the_leaf),
        cmocka_unit_test(test_no_key_at_all_says_to_pass_key_or_no_key),
        cmocka_unit_test(test_key_matching_no_certificate_names_the_key),
        cmocka_unit_test(test_of_several_keys_the_matching_one_is_used),
        cmocka_unit_test(test_two_keys_for_two_servers_are_refused),
        cmocka_unit_test(test_empty_inputs_say_there_is_no_certificate),
        cmocka_unit_test(test_only_ca_certificates_and_no_key_is_no_leaf),
        cmocka_unit_test(test_in_a_large_pool_the_key_finds_its_certificate_in_another_encoding),
        cmocka_unit_test(test_in_a_large_pool_the_newer_certificate_wins_whatever_its_encoding),
    };

    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
