/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output order: which CWMS version wants which order, and real CA bundles
 * (tests/data/real-bundles, with pinned validation times) coming out
 * in the order CWMS accepts, however the CA laid them out.
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

#define T_2018_01_01 1514764800
#define T_2019_07_01 1561939200
#define T_2020_01_01 1577836800
#define T_2023_04_01 1680307200

static void test_versions_before_2_5_are_leaf_first(void **state)
{
    static const char *const v[] = {
        "1",   "1.0",    "1.1",     "1.5",        "1.x",     "1.X",
        "2.0", "2.0MR3", "2.0 MR3", "1.5MR1 SP2", "2.0.1.5", "2.0.0.0"
    };
    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        CWMS_ORDER o = CWMS_ORDER_ROOT_FIRST;

        if (!cwms_order_for_version(v[i], &o))
            fail_msg("'%s' refused", v[i]);
        if (o != CWMS_ORDER_LEAF_FIRST)
            fail_msg("'%s' is not leaf first", v[i]);
    }
}

static void test_versions_from_2_5_are_root_first(void **state)
{
    static const char *const v[] = { "2.5",     "2.6",        "2.7",       "2.8",
                                     "3",       "3.0",        "4",         "4.0",
                                     "5",       "5.0",        "5.5",       "10.0",
                                     "3.x",     "4.x",        "2.5MR6",    "2.5mr6",
                                     "4.0MR2",  "4.0MR2 SP1", "4.0MR2SP1", "2.6 MR1 SP3",
                                     "2.8.1.1", "3.0.1.50",   "9999.9999" };
    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        CWMS_ORDER o = CWMS_ORDER_LEAF_FIRST;

        if (!cwms_order_for_version(v[i], &o))
            fail_msg("'%s' refused", v[i]);
        if (o != CWMS_ORDER_ROOT_FIRST)
            fail_msg("'%s' is not root first", v[i]);
    }
}

static void test_garbage_versions_are_refused(void **state)
{
    static const char *const v[] = { "",          "x",         "v2.5",   "2.5a",       "2..5",
                                     ".5",        "2.",        "0.9",    "-1",         " 2.5",
                                     "2.5 ",      "99999",     "2.5.",   "latest",     "0",
                                     "0.0",       "02.5",      "2.05",   "2.5.01.1",   "2.5MR",
                                     "2.5MR0",    "2.5MR6 SP", "2.5SP1", "2.5MR6SP1 ", "2.5  MR6",
                                     "MR6",       "2MR6",      "2.xMR1", "2.5MR6.1",   "2.8.1.1MR1",
                                     "2.8.1.1.1", "2.8.1.",    "1.x.1" };
    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        CWMS_ORDER o = CWMS_ORDER_LEAF_FIRST;

        if (cwms_order_for_version(v[i], &o))
            fail_msg("'%s' accepted", v[i]);
    }
    assert_int_equal(cwms_order_for_version(NULL, NULL), 0);
}

/* Releases that never existed: a typo there must not pick an order silently. */
static void test_releases_that_do_not_exist_are_refused(void **state)
{
    static const char *const v[] = { "1.2",     "1.3",   "1.4",   "1.6",   "1.9",  "2.1", "2.2",
                                     "2.3",     "2.4",   "2.9",   "3.1",   "3.5",  "4.1", "2.1MR1",
                                     "2.4.1.1", "1.0.1", "2.0.1", "2.8.1", "4.0.1" };
    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        CWMS_ORDER o = CWMS_ORDER_LEAF_FIRST;

        if (cwms_order_for_version(v[i], &o))
            fail_msg("'%s' accepted", v[i]);
        assert_int_equal(o, CWMS_ORDER_LEAF_FIRST);
    }
}

/*
 * A release typed without its dot ("20" for 2.0) is no later major: taken
 * as one it would pick root-first for 2.0. Single-digit majors stay.
 */
static void test_a_release_without_its_dot_is_refused(void **state)
{
    static const char *const v[] = { "10", "11", "15", "20", "25", "26", "27",  "28",
                                     "30", "40", "50", "99", "21", "05", "250", "2500" };
    CWMS_ORDER o;

    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        o = CWMS_ORDER_LEAF_FIRST;
        if (cwms_order_for_version(v[i], &o))
            fail_msg("'%s' accepted", v[i]);
        assert_int_equal(o, CWMS_ORDER_LEAF_FIRST);
    }
    o = CWMS_ORDER_LEAF_FIRST;
    assert_true(cwms_order_for_version("5", &o));
    assert_int_equal(o, CWMS_ORDER_ROOT_FIRST);
    o = CWMS_ORDER_ROOT_FIRST;
    assert_true(cwms_order_for_version("1", &o));
    assert_int_equal(o, CWMS_ORDER_LEAF_FIRST);
    o = CWMS_ORDER_LEAF_FIRST;
    assert_true(cwms_order_for_version("10.0", &o));
    assert_int_equal(o, CWMS_ORDER_ROOT_FIRST);
}

/* 2 and 2.x cover 2.0 (leaf-first) and 2.5+ (root-first): no single order. */
static void test_a_major_with_two_orders_is_refused(void **state)
{
    static const char *const v[] = { "2", "2.x", "2.X" };
    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        CWMS_ORDER o = CWMS_ORDER_ROOT_FIRST;

        if (cwms_order_for_version(v[i], &o))
            fail_msg("'%s' accepted", v[i]);
    }
}

/* ---- real bundles ---- */

typedef struct {
    CWMS_OPTIONS o;
    CWMS_POOL *pool;
    CWMS_DIAG *diag;
    CWMS_BUNDLE *b;
    char trust[4096];
} REAL;

/* Sets up a certificate-only build over files (of tests/data), trusting the cfssl roots. */
static void real_init(REAL *r, int64_t attime, const char *const *files)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->trust, sizeof(r->trust), "%s", t_data("cfssl_trust/ca-bundle.crt"));
    t_options(&r->o, r->trust);
    r->o.no_key = 1;
    r->o.attime = attime;
    r->pool = cwms_pool_new();
    r->diag = cwms_diag_new();
    for (size_t i = 0; files[i] != NULL; i++)
        t_add_pem(r->pool, t_data(files[i]));
}

static void real_select(REAL *r, const char *file)
{
    r->o.has_leaf_sha256 = 1;
    t_sha256_of(t_data(file), r->o.leaf_sha256);
}

static const char *real_build(REAL *r)
{
    cwms_bundle_free(r->b);
    cwms_diag_free(r->diag);
    r->b = NULL;
    r->diag = cwms_diag_new();
    if (!cwms_chain_build(&r->o, r->pool, NULL, 0, NULL, r->diag, &r->b)) {
        t_dump(r->diag);
        fail_msg("build failed");
    }
    return t_order(r->b);
}

/*
 * The CA bundles the CAs ship hold no server certificate, and a CA as
 * the server certificate fails the client policy (checks/); with one of
 * their CAs as the leaf, these exercise the stages they are about — path
 * choice and order — directly.
 */
static const char *real_path_order(REAL *r)
{
    CWMS_TRUST *trust;
    CWMS_GRAPH *g;
    CWMS_CERT *leaf = NULL;
    const CWMS_KEY *key = NULL;
    CWMS_PATH path;
    CWMS_CHAIN_PARAMS cp;

    cwms_chain_params_init(&cp, &r->o);
    cwms_bundle_free(r->b);
    assert_non_null(r->b = OPENSSL_zalloc(sizeof(*r->b)));
    assert_non_null(trust = cwms_trust_new(r->trust, CWMS_FRONT_CLI, NULL, NULL, r->diag));
    assert_non_null(g = cwms_graph_new(r->pool, trust, r->o.attime, 0));
    if (!cwms_leaf_choose(&cp, r->pool, NULL, 0, NULL, r->diag, &leaf, &key)
        || !cwms_rank_choose(g, leaf, r->o.path, &path, NULL, r->diag)
        || !cwms_order_path(&path, 1, r->o.order, &r->b->certs, &r->b->n_certs,
                            &r->b->leaf_index)) {
        t_dump(r->diag);
        fail_msg("no path");
    }
    r->b->order = r->o.order;
    r->b->root_dropped = path.self_signed_end && path.len > 1;
    cwms_graph_free(g);
    cwms_trust_free(trust);
    return t_order(r->b);
}

static void real_free(REAL *r)
{
    cwms_bundle_free(r->b);
    cwms_diag_free(r->diag);
    cwms_pool_free(r->pool);
}

static void test_godaddy_with_leaf_keeps_the_g2_cross_and_drops_class_2(void **state)
{
    static const char *const files[] = { "real-bundles/godaddy/gd_bundle-g2-g1.with-leaf.crt",
                                         NULL };
    REAL r;

    (void)state;
    real_init(&r, T_2018_01_01, files);
    assert_string_equal(real_build(&r),
                        "Go Daddy Root Certificate Authority - G2 | "
                        "Go Daddy Secure Certificate Authority - G2 | www.greenroutesdk.com");
    /* The cross-signed Root G2, issued by Class 2 — not a self-signed Root G2. */
    assert_string_equal(t_issuer_cn(r.b->certs[0]), "Go Daddy Class 2 Certification Authority");
    assert_true(r.b->root_dropped);
    r.o.order = CWMS_ORDER_LEAF_FIRST;
    assert_string_equal(
        real_build(&r),
        "www.greenroutesdk.com | "
        "Go Daddy Secure Certificate Authority - G2 | Go Daddy Root Certificate Authority - G2");
    real_free(&r);
}

static void test_starfield_bundle_for_2_5_is_root_g2_cross_then_secure_ca(void **state)
{
    static const char *const files[] = {
        "real-bundles/assembled/starfield_sf_bundle-g2-g1.ASSEMBLED.crt", NULL
    };
    REAL r;

    (void)state;
    real_init(&r, T_2020_01_01, files);
    real_select(&r, files[0]); /* its first certificate: Starfield Secure CA G2 */
    assert_string_equal(real_path_order(&r),
                        "Starfield Root Certificate Authority - G2 | "
                        "Starfield Secure Certificate Authority - G2");
    assert_string_equal(t_issuer_cn(r.b->certs[0]), "Starfield Class 2 Certification Authority");
    real_free(&r);
}

static void test_godaddy_two_cross_variants_picks_the_one_named_as_issuer(void **state)
{
    static const char *const files[] = {
        "real-bundles/assembled/godaddy_g2_two-cross-variants.ASSEMBLED.crt", NULL
    };
    REAL r;

    (void)state;
    real_init(&r, T_2020_01_01, files);
    real_select(&r, files[0]);
    assert_string_equal(real_path_order(&r),
                        "Go Daddy Root Certificate Authority - G2 | "
                        "Go Daddy Secure Certificate Authority - G2");
    assert_true(
        X509_NAME_cmp(X509_get_subject_name(r.b->certs[0]), X509_get_issuer_name(r.b->certs[1]))
        == 0);
    real_free(&r);
}

static void test_sectigo_normal_and_reversed_come_out_the_same(void **state)
{
    static const char *const normal[] = {
        "real-bundles/assembled/sectigo_dv_ca-bundle.ASSEMBLED.crt", NULL
    };
    static const char *const reversed[] = {
        "real-bundles/assembled/sectigo_dv_ca-bundle.REVERSED.ASSEMBLED.crt", NULL
    };
    const char *want = "USERTrust RSA Certification Authority | "
                       "Sectigo RSA Domain Validation Secure Server CA";
    REAL r;

    (void)state;
    real_init(&r, T_2020_01_01, normal);
    real_select(&r, normal[0]); /* the DV CA comes first in the normal layout */
    assert_string_equal(real_path_order(&r), want);
    assert_false(r.b->root_dropped);
    real_free(&r);

    real_init(&r, T_2020_01_01, reversed);
    real_select(&r, normal[0]);
    assert_string_equal(real_path_order(&r), want);
    assert_true(r.b->root_dropped); /* AAA Certificate Services, shipped first */
    r.o.order = CWMS_ORDER_LEAF_FIRST;
    assert_string_equal(real_path_order(&r),
                        "Sectigo RSA Domain Validation Secure Server CA | "
                        "USERTrust RSA Certification Authority");
    real_free(&r);
}

static void test_letsencrypt_fullchain_keeps_the_dst_cross_sign(void **state)
{
    static const char *const files[] = {
        "real-bundles/letsencrypt/fullchain.R3-ISRGX1-crosssigned-by-DSTX3.pem", NULL
    };
    REAL r;

    (void)state;
    real_init(&r, T_2023_04_01, files);
    assert_string_equal(real_build(&r), "ISRG Root X1 | R3 | alisonforsberg.cit270.com");
    assert_string_equal(t_issuer_cn(r.b->certs[0]), "DST Root CA X3");
    /* Shortest stops at R3: ISRG Root X1 itself is trusted. */
    r.o.path = CWMS_PATH_SHORTEST;
    assert_string_equal(real_build(&r), "R3 | alisonforsberg.cit270.com");
    real_free(&r);
}

static void test_letsencrypt_root_first_bundle_comes_back_leaf_first(void **state)
{
    static const char *const files[] = {
        "real-bundles/letsencrypt/ca_bundle.REVERSED.DSTX3-X3-leaf.crt", NULL
    };
    REAL r;

    (void)state;
    real_init(&r, T_2019_07_01, files);
    r.o.order = CWMS_ORDER_LEAF_FIRST;
    assert_string_equal(real_build(&r), "vault.chemocompile.de | Let's Encrypt Authority X3");
    assert_true(r.b->root_dropped);
    real_free(&r);
}

static void test_real_leaf_expired_at_today_names_it(void **state)
{
    static const char *const files[] = { "real-bundles/godaddy/gd_bundle-g2-g1.with-leaf.crt",
                                         NULL };
    REAL r;
    const CWMS_MSG *m;

    (void)state;
    real_init(&r, T_2020_01_01, files);
    assert_int_equal(cwms_chain_build(&r.o, r.pool, NULL, 0, NULL, r.diag, &r.b), 0);
    m = cwms_diag_first_error(r.diag);
    assert_non_null(m);
    assert_int_equal(m->reason, CWMS_R_CERT_EXPIRED);
    assert_non_null(strstr(m->text, "www.greenroutesdk.com"));
    assert_non_null(strstr(m->text, "2018-07-13"));
    real_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions_before_2_5_are_leaf_first),
        cmocka_unit_test(test_versions_from_2_5_are_root_first),
        cmocka_unit_test(test_garbage_versions_are_refused),
        cmocka_unit_test(test_releases_that_do_not_exist_are_refused),
        cmocka_unit_test(test_a_release_without_its_dot_is_refused),
        cmocka_unit_test(test_a_major_with_two_orders_is_refused),
        cmocka_unit_test(test_godaddy_with_leaf_keeps_the_g2_cross_and_drops_class_2),
        cmocka_unit_test(test_starfield_bundle_for_2_5_is_root_g2_cross_then_secure_ca),
        cmocka_unit_test(test_godaddy_two_cross_variants_picks_the_one_named_as_issuer),
        cmocka_unit_test(test_sectigo_normal_and_reversed_come_out_the_same),
        cmocka_unit_test(test_letsencrypt_fullchain_keeps_the_dst_cross_sign),
        cmocka_unit_test(test_letsencrypt_root_first_bundle_comes_back_leaf_first),
        cmocka_unit_test(test_real_leaf_expired_at_today_names_it),
    };

    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
