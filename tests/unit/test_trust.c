/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trust store: a --trust file indexed without decoding, a hashed
 * directory asked by subject, the default locations through the same
 * environment variables OpenSSL honours, and clear errors for a bad
 * --trust.
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

/* The subject of the first certificate of a PEM file, as a pool entry (free it). */
static CWMS_CERT *cert_of(const char *path)
{
    CWMS_POOL *tmp = cwms_pool_new();
    CWMS_CERT *c, *copy;

    t_add_pem(tmp, path);
    c = cwms_pool_get(tmp, 0);
    copy = cwms_cert_new_der(c->der, c->der_len, path);
    cwms_pool_free(tmp);
    assert_non_null(copy);
    return copy;
}

static size_t count_named(CWMS_TRUST *t, CWMS_CERT *c, CWMS_DIAG *d)
{
    CWMS_CERT *out[4];

    return cwms_trust_find_subject(t, cwms_cert_subject(c), out, 4, d);
}

static void test_trust_file_finds_anchors_by_subject(void **state)
{
    CWMS_DIAG *d = cwms_diag_new();
    CWMS_TRUST *t = cwms_trust_new(t_pki("h/root.crt"), CWMS_FRONT_CLI, NULL, NULL, d);
    CWMS_CERT *root = cert_of(t_pki("h/root.crt")), *other = cert_of(t_pki("cross/old.crt"));

    (void)state;
    assert_non_null(t);
    assert_int_equal(count_named(t, root, d), 1);
    assert_int_equal(count_named(t, other, d), 0);
    assert_int_equal(cwms_trust_holds(t, root, d), 1);
    assert_int_equal(cwms_trust_holds(t, other, d), 0);
    assert_int_equal(cwms_diag_count(d), 0);
    cwms_cert_free(root);
    cwms_cert_free(other);
    cwms_trust_free(t);
    cwms_diag_free(d);
}

static void test_hashed_directory_is_asked_by_subject(void **state)
{
    CWMS_DIAG *d = cwms_diag_new();
    CWMS_TRUST *t = cwms_trust_new(t_pki("hashdir"), CWMS_FRONT_CLI, NULL, NULL, d);
    CWMS_CERT *root = cert_of(t_pki("h/root.crt")), *other = cert_of(t_pki("cross/old.crt"));

    (void)state;
    assert_non_null(t);
    assert_int_equal(count_named(t, other, d), 0);
    assert_int_equal(count_named(t, root, d), 1);
    /* Asked again: answered from what was read, still once. */
    assert_int_equal(count_named(t, root, d), 1);
    assert_int_equal(cwms_trust_holds(t, root, d), 1);
    cwms_cert_free(root);
    cwms_cert_free(other);
    cwms_trust_free(t);
    cwms_diag_free(d);
}

static void test_default_store_follows_ssl_cert_dir_and_file(void **state)
{
    CWMS_DIAG *d = cwms_diag_new();
    CWMS_TRUST *t;
    CWMS_CERT *root = cert_of(t_pki("h/root.crt")), *cross = cert_of(t_pki("cross/new.crt"));
    char *saved_dir = getenv("SSL_CERT_DIR") ? strdup(getenv("SSL_CERT_DIR")) : NULL;
    char *saved_file = getenv("SSL_CERT_FILE") ? strdup(getenv("SSL_CERT_FILE")) : NULL;

    (void)state;
    setenv("SSL_CERT_DIR", t_pki("hashdir"), 1);
    setenv("SSL_CERT_FILE", t_pki("cross/new.crt"), 1);
    t = cwms_trust_new(NULL, CWMS_FRONT_CLI, NULL, NULL, d);
    assert_non_null(t);
    assert_int_equal(count_named(t, root, d), 1);  /* from the directory */
    assert_int_equal(count_named(t, cross, d), 1); /* from the file */
    assert_string_equal(cwms_trust_describe(t), "the system trust store");
    cwms_trust_free(t);

    /* Missing default locations are an empty store, not an error. */
    setenv("SSL_CERT_DIR", t_pki("no-such-dir"), 1);
    setenv("SSL_CERT_FILE", t_pki("no-such-file"), 1);
    t = cwms_trust_new(NULL, CWMS_FRONT_CLI, NULL, NULL, d);
    assert_non_null(t);
    assert_int_equal(count_named(t, root, d), 0);
    assert_int_equal(cwms_diag_count(d), 0);
    cwms_trust_free(t);

    if (saved_dir)
        setenv("SSL_CERT_DIR", saved_dir, 1);
    else
        unsetenv("SSL_CERT_DIR");
    if (saved_file)
        setenv("SSL_CERT_FILE", saved_file, 1);
    else
        unsetenv("SSL_CERT_FILE");
    free(saved_dir);
    free(saved_file);
    cwms_cert_free(root);
    cwms_cert_free(cross);
    cwms_diag_free(d);
}

static void test_bad_trust_file_is_an_error_naming_it(void **state)
{
    CWMS_DIAG *d = cwms_diag_new();

    (void)state;
    assert_null(cwms_trust_new(t_pki("no-such-file.pem"), CWMS_FRONT_CLI, NULL, NULL, d));
    assert_non_null(t_find(d, CWMS_R_TRUST_STORE));
    assert_non_null(strstr(t_find(d, CWMS_R_TRUST_STORE)->text, "no-such-file.pem"));
    cwms_diag_free(d);

    d = cwms_diag_new();
    assert_null(cwms_trust_new(t_pki("empty.pem"), CWMS_FRONT_CLI, NULL, NULL, d));
    assert_non_null(t_find(d, CWMS_R_TRUST_STORE));
    assert_non_null(strstr(t_find(d, CWMS_R_TRUST_STORE)->text, "holds no certificate"));
    cwms_diag_free(d);
}

static void test_trusted_root_through_a_hashed_directory_anchors_the_chain(void **state)
{
    CWMS_OPTIONS o;
    CWMS_POOL *pool = cwms_pool_new();
    CWMS_DIAG *d = cwms_diag_new();
    CWMS_BUNDLE *b = NULL;
    CWMS_KEY k = t_key(t_pki("h/server.key"));
    char trust[4096];

    (void)state;
    snprintf(trust, sizeof(trust), "%s", t_pki("hashdir"));
    t_options(&o, trust);
    /* No root among the inputs: the directory's root anchors the primary CA. */
    t_add_ids(pool, "h", "server", "secondary", "primary", NULL);
    if (!cwms_chain_build(&o, pool, &k, 1, NULL, d, &b)) {
        t_dump(d);
        fail();
    }
    assert_string_equal(t_order(b), "Test Primary CA | Test Secondary CA | www.example.test");
    assert_false(b->root_dropped);
    assert_null(t_find(d, CWMS_R_UNTRUSTED_ANCHOR));
    cwms_bundle_free(b);
    t_key_free(&k);
    cwms_diag_free(d);
    cwms_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trust_file_finds_anchors_by_subject),
        cmocka_unit_test(test_hashed_directory_is_asked_by_subject),
        cmocka_unit_test(test_default_store_follows_ssl_cert_dir_and_file),
        cmocka_unit_test(test_bad_trust_file_is_an_error_naming_it),
        cmocka_unit_test(test_trusted_root_through_a_hashed_directory_anchors_the_chain),
    };

    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
