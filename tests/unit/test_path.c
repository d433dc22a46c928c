/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path building on scenario PKIs made at test time (fixtures/chain.sh):
 * the CA-shipped layout, scrambled inputs, cross-signs under both
 * policies, rollover, loops, missing intermediates, expiry, constraints,
 * host names, weak keys and the work budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "chain_testlib.h"
#include "cwms/anchor.h"
#include "paths/anchor.h"

#define UNRELATED "misc/unrelated.crt"

typedef struct {
    CWMS_OPTIONS o;
    CWMS_POOL *pool;
    CWMS_KEY keys[4];
    size_t n_keys;
    CWMS_DIAG *diag;
    CWMS_BUNDLE *b;
    int ok;
} RUN;

static void run_init(RUN *r, const char *trust_rel)
{
    memset(r, 0, sizeof(*r));
    t_options(&r->o, trust_rel ? strdup(t_pki(trust_rel)) : NULL);
    r->pool = cwms_pool_new();
    r->diag = cwms_diag_new();
    assert_non_null(r->pool);
    assert_non_null(r->diag);
}

static void run_key(RUN *r, const char *rel)
{
    r->keys[r->n_keys++] = t_key(t_pki(rel));
}

static int run_build(RUN *r)
{
    cwms_bundle_free(r->b);
    r->b = NULL;
    cwms_diag_free(r->diag);
    r->diag = cwms_diag_new();
    r->ok = cwms_chain_build(&r->o, r->pool, r->keys, r->n_keys, NULL, r->diag, &r->b);
    if (!r->ok)
        assert_null(r->b);
    return r->ok;
}

static void run_expect_ok(RUN *r)
{
    if (!run_build(r)) {
        t_dump(r->diag);
        fail_msg("build failed");
    }
    assert_non_null(r->b);
}

/* Fails unless the build fails with reason, whose text holds want. */
static void run_expect_error(RUN *r, CWMS_REASON reason, const char *want)
{
    if (run_build(r)) {
        t_dump(r->diag);
        fail_msg("build succeeded: %s", t_order(r->b));
    }
    t_assert_first_error(r->diag, reason, want);
}

static void run_free(RUN *r)
{
    for (size_t i = 0; i < r->n_keys; i++)
        t_key_free(&r->keys[i]);
    free((char *)r->o.trust_file);
    cwms_bundle_free(r->b);
    cwms_diag_free(r->diag);
    cwms_pool_free(r->pool);
}

static int same_cert(X509 *x, const char *rel)
{
    unsigned char want[32], got[32];
    unsigned int len = 32;

    t_sha256_of(t_pki(rel), want);
    X509_digest(x, EVP_sha256(), got, &len);
    return memcmp(want, got, 32) == 0;
}

/* ---- the layout CAs ship ---- */

static void test_ca_layout_comes_back_root_first(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_pem(r.pool, t_pki("h/server.crt"));
    t_add_pem(r.pool, t_pki("h/ca-bundle.pem"));
    run_key(&r, "h/server.key");
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "Test Primary CA | Test Secondary CA | www.example.test");
    assert_int_equal(r.b->leaf_index, 2);
    assert_true(r.b->root_dropped);
    assert_non_null(r.b->key);
    assert_true(t_has_message(r.diag, CWMS_NOTE, CWMS_R_NONE, "left out the self-signed root"));
    assert_true(t_has_message(r.diag, CWMS_WARNING, CWMS_R_UNTRUSTED_ANCHOR, "Test Root CA"));
    run_free(&r);
}

static void test_ca_layout_comes_back_leaf_first_for_2_0(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_pem(r.pool, t_pki("h/server.crt"));
    t_add_pem(r.pool, t_pki("h/ca-bundle.pem"));
    run_key(&r, "h/server.key");
    assert_true(cwms_order_for_version("2.0", &r.o.order));
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "www.example.test | Test Secondary CA | Test Primary CA");
    assert_int_equal(r.b->leaf_index, 0);
    run_free(&r);
}

static void test_include_root_keeps_the_root(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_pem(r.pool, t_pki("h/ca-bundle.pem"));
    t_add_pem(r.pool, t_pki("h/server.crt"));
    run_key(&r, "h/server.key");
    r.o.include_root = 1;
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b),
                        "Test Root CA | Test Primary CA | Test Secondary CA | www.example.test");
    assert_false(r.b->root_dropped);
    run_free(&r);
}

static void test_reversed_shuffled_duplicated_inputs_give_the_same_chain(void **state)
{
    static const char *const orders[][6] = {
        { "root", "primary", "secondary", "server", NULL },
        { "primary", "server", "root", "secondary", NULL },
        { "secondary", "root", "secondary", "server", "primary", NULL },
    };
    (void)state;
    for (size_t k = 0; k < sizeof(orders) / sizeof(orders[0]); k++) {
        RUN r;

        run_init(&r, UNRELATED);
        for (size_t i = 0; orders[k][i] != NULL; i++) {
            char rel[64];

            snprintf(rel, sizeof(rel), "h/%s.crt", orders[k][i]);
            t_add_pem(r.pool, t_pki(rel));
        }
        run_key(&r, "h/server.key");
        r.o.order = CWMS_ORDER_LEAF_FIRST;
        run_expect_ok(&r);
        assert_string_equal(t_order(r.b), "www.example.test | Test Secondary CA | Test Primary CA");
        run_free(&r);
    }
}

static void test_root_in_trust_store_is_not_a_warning_and_strict_refuses_untrusted(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, "h/root.crt");
    t_add_pem(r.pool, t_pki("h/server.crt"));
    t_add_pem(r.pool, t_pki("h/ca-bundle.pem"));
    run_key(&r, "h/server.key");
    r.o.strict = 1;
    run_expect_ok(&r);
    assert_null(t_find(r.diag, CWMS_R_UNTRUSTED_ANCHOR));
    run_free(&r);

    run_init(&r, UNRELATED);
    t_add_pem(r.pool, t_pki("h/server.crt"));
    t_add_pem(r.pool, t_pki("h/ca-bundle.pem"));
    run_key(&r, "h/server.key");
    r.o.strict = 1;
    run_expect_error(&r, CWMS_R_UNTRUSTED_ANCHOR, "Test Root CA");
    run_free(&r);
}

static void test_without_a_key_a_server_certificate_the_inputs_cannot_chain_is_not_a_candidate(
    void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "h", "primary", "server", "secondary", "root", NULL);
    t_add_ids(r.pool, "constraints", "server2", NULL); /* its issuer is not among the inputs */
    r.o.no_key = 1;
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "Test Primary CA | Test Secondary CA | www.example.test");
    assert_true(t_has_message(r.diag, CWMS_NOTE, CWMS_R_NONE, "www2.example.test"));
    assert_null(r.b->key);
    run_free(&r);

    /* Two that both chain stay ambiguous. */
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "h", "primary", "server", "other", "secondary", "root", NULL);
    r.o.no_key = 1;
    run_expect_error(&r, CWMS_R_AMBIGUOUS_LEAF, "old.example.test");
    run_free(&r);
}

/* ---- cross-signs ---- */

static void test_complete_extends_past_the_trusted_root_through_the_cross_sign(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, "cross/new.crt");
    t_add_ids(r.pool, "cross", "server", "int", "newx", "old", NULL);
    run_key(&r, "cross/server.key");
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "New Root | Issuing CA | www.example.test");
    assert_true(same_cert(r.b->certs[0], "cross/newx.crt"));
    assert_true(r.b->root_dropped);
    run_free(&r);
}

static void test_shortest_stops_at_the_first_trusted_issuer(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, "cross/new.crt");
    t_add_ids(r.pool, "cross", "server", "int", "newx", "old", NULL);
    run_key(&r, "cross/server.key");
    r.o.path = CWMS_PATH_SHORTEST;
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "Issuing CA | www.example.test");
    assert_false(r.b->root_dropped);
    run_free(&r);

    /* Trusting only the old root, the shortest anchored path needs the cross-sign. */
    run_init(&r, "cross/old.crt");
    t_add_ids(r.pool, "cross", "server", "int", "newx", "old", NULL);
    run_key(&r, "cross/server.key");
    r.o.path = CWMS_PATH_SHORTEST;
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "New Root | Issuing CA | www.example.test");
    assert_true(same_cert(r.b->certs[0], "cross/newx.crt"));
    run_free(&r);
}

static void test_both_roots_supplied_complete_prefers_the_longer_anchored_path(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "cross", "server", "int", "new", "newx", "old", NULL);
    run_key(&r, "cross/server.key");
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "New Root | Issuing CA | www.example.test");
    assert_true(same_cert(r.b->certs[0], "cross/newx.crt"));
    run_free(&r);

    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "cross", "server", "int", "new", "newx", "old", NULL);
    run_key(&r, "cross/server.key");
    r.o.path = CWMS_PATH_SHORTEST;
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "Issuing CA | www.example.test");
    assert_true(r.b->root_dropped);
    run_free(&r);
}

/*
 * A root rollover with only the old root trusted: the path to it through
 * the cross-signed New Root beats the one to the untrusted self-signed New
 * Root, in either input order, and the anchor record says so.
 */
static void test_a_trusted_anchor_beats_an_untrusted_self_signed_root(void **state)
{
    static const char *const orders[2][4] = { { "server", "int", "new", "newx" },
                                              { "newx", "new", "int", "server" } };
    RUN r;

    (void)state;
    for (size_t k = 0; k < 2; k++) {
        const CWMS_ANCHOR_INFO *a;

        run_init(&r, "cross/old.crt");
        t_add_ids(r.pool, "cross", orders[k][0], orders[k][1], orders[k][2], orders[k][3], NULL);
        run_key(&r, "cross/server.key");
        run_expect_ok(&r);
        assert_string_equal(t_order(r.b), "New Root | Issuing CA | www.example.test");
        assert_true(same_cert(r.b->certs[0], "cross/newx.crt"));
        assert_int_equal(cwms_diag_count_level(r.diag, CWMS_WARNING), 0);
        a = cwms_bundle_get0_anchor(r.b);
        assert_non_null(a);
        assert_int_equal(a->source, CWMS_ANCHOR_TRUST_GIVEN);
        assert_true(same_cert(a->x509, "cross/old.crt"));
        assert_false(a->on_path);
        assert_string_equal(a->signs, "O=cwms-bundle tests, CN=New Root");
        assert_int_equal(a->n_variants, 1);
        assert_int_equal(a->variants[0].position, 2);
        assert_false(a->variants[0].chosen.self_signed);
        assert_int_equal(a->variants[0].n_others, 1);
        assert_true(a->variants[0].others[0].self_signed);
        assert_non_null(strstr(a->variants[0].others[0].why_not, "ends at a trust anchor"));
        run_free(&r);
    }
}

/* Neither root trusted: the self-signed root of the inputs anchors, found among the inputs only. */
static void test_an_untrusted_self_signed_root_is_found_among_the_inputs(void **state)
{
    RUN r;
    const CWMS_ANCHOR_INFO *a;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "cross", "server", "int", "newx", "new", NULL);
    run_key(&r, "cross/server.key");
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "Issuing CA | www.example.test");
    a = cwms_bundle_get0_anchor(r.b);
    assert_int_equal(a->source, CWMS_ANCHOR_INPUTS);
    assert_true(same_cert(a->x509, "cross/new.crt"));
    assert_true(a->on_path);
    assert_null(a->signs);
    assert_int_equal(a->n_variants, 1);
    assert_true(a->variants[0].chosen.self_signed);
    assert_non_null(strstr(a->variants[0].others[0].why_not, "it leads to no anchor"));
    run_free(&r);
}

static int keep_path(const CWMS_PATH *p, void *arg)
{
    *(CWMS_PATH *)arg = *p;
    return 1;
}

/* A chain that reaches no anchor: not found, naming the issuer its top names. */
static void test_an_unanchored_path_has_its_anchor_not_found(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    CWMS_DIAG *diag = cwms_diag_new();
    CWMS_GRAPH *g;
    CWMS_PATH p;
    CWMS_ANCHOR_INFO *a;

    (void)state;
    t_add_ids(pool, "cross", "server", "int", NULL);
    g = cwms_graph_new(pool, NULL, (int64_t)time(NULL), 0);
    assert_non_null(g);
    assert_int_equal(cwms_paths_enumerate(g, cwms_pool_get(pool, 0), CWMS_PATH_COMPLETE, keep_path,
                                          &p, diag),
                     1);
    assert_false(p.anchored);
    a = cwms_anchor_describe(g, NULL, 0, CWMS_PATH_COMPLETE, &p, NULL, 0, 0);
    assert_non_null(a);
    assert_int_equal(a->source, CWMS_ANCHOR_NOT_FOUND);
    assert_null(a->x509);
    assert_string_equal(a->wanted, "O=cwms-bundle tests, CN=New Root");
    assert_int_equal(a->n_variants, 0);
    cwms_anchor_info_free(a);
    cwms_graph_free(g);
    cwms_diag_free(diag);
    cwms_pool_free(pool);
}

typedef struct {
    size_t n, anchored;
} COUNT;

static int count_paths(const CWMS_PATH *p, void *arg)
{
    COUNT *c = arg;

    c->n++;
    c->anchored += p->anchored;
    return 1;
}

static void test_every_candidate_path_is_modelled(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    CWMS_DIAG *diag = cwms_diag_new();
    CWMS_GRAPH *g;
    COUNT c = { 0, 0 };
    CWMS_CERT *leaf;

    (void)state;
    t_add_ids(pool, "cross", "server", "int", "new", "newx", "old", NULL);
    leaf = cwms_pool_get(pool, 0);
    g = cwms_graph_new(pool, NULL, (int64_t)time(NULL), 0);
    assert_non_null(g);
    assert_int_equal(cwms_paths_enumerate(g, leaf, CWMS_PATH_COMPLETE, count_paths, &c, diag), 1);
    /* server-int-new, and server-int-newx-old */
    assert_int_equal(c.n, 2);
    assert_int_equal(c.anchored, 2);
    cwms_graph_free(g);
    cwms_diag_free(diag);
    cwms_pool_free(pool);
}

/* ---- rollover, loops, missing issuers ---- */

static void test_rollover_resolves_to_the_intermediate_that_signed(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "roll", "server", "int_a", "int_b", "root", NULL);
    run_key(&r, "roll/server.key");
    r.o.order = CWMS_ORDER_LEAF_FIRST;
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "www.example.test | Rolling CA");
    assert_true(same_cert(r.b->certs[1], "roll/int_b.crt"));
    run_free(&r);
}

static void test_rollover_with_key_identifiers_spends_no_check_on_the_other_key(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    CWMS_DIAG *diag = cwms_diag_new();
    CWMS_GRAPH *g;
    CWMS_PATH p;
    size_t n = 0;

    (void)state;
    t_add_ids(pool, "rollkid", "server", "int_a", "int_b", "root", NULL);
    g = cwms_graph_new(pool, NULL, (int64_t)time(NULL), 0);
    assert_non_null(g);
    assert_int_equal(cwms_rank_choose(g, cwms_pool_get(pool, 0), CWMS_PATH_COMPLETE, &p, &n, diag),
                     1);
    assert_int_equal(p.len, 3);
    assert_true(same_cert(cwms_cert_x509(p.certs[1]), "rollkid/int_b.crt"));
    /* server by int_b, int_b by root, root by itself: int_a's SKI ruled it out unchecked. */
    assert_int_equal(cwms_graph_checks(g), 3);
    assert_int_equal(n, 1);
    cwms_graph_free(g);
    cwms_diag_free(diag);
    cwms_pool_free(pool);
}

static void test_same_key_decoys_cost_one_signature_check(void **state)
{
    CWMS_POOL *pool = cwms_pool_new();
    CWMS_DIAG *diag = cwms_diag_new();
    CWMS_GRAPH *g;
    CWMS_PATH p;

    (void)state;
    t_add_ids(pool, "roll", "server", "int_a", "int_a2", "int_a3", "int_b", "root", NULL);
    g = cwms_graph_new(pool, NULL, (int64_t)time(NULL), 0);
    assert_non_null(g);
    assert_int_equal(cwms_rank_choose(g, cwms_pool_get(pool, 0), CWMS_PATH_COMPLETE, &p, NULL,
                                      diag),
                     1);
    assert_true(same_cert(cwms_cert_x509(p.certs[1]), "roll/int_b.crt"));
    /* server by one of the three int_a (no), by int_b (yes), int_b by root, root by itself. */
    assert_int_equal(cwms_graph_checks(g), 4);
    cwms_graph_free(g);
    cwms_diag_free(diag);
    cwms_pool_free(pool);
}

static void test_rollover_with_only_the_wrong_key_is_a_missing_intermediate(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "roll", "server", "int_a", "root", NULL);
    run_key(&r, "roll/server.key");
    run_expect_error(&r, CWMS_R_MISSING_INTERMEDIATE, "none of them signed it");
    run_free(&r);
}

static void test_work_budget_gives_up_with_a_count(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "roll", "server", "int_a", "int_b", "root", NULL);
    run_key(&r, "roll/server.key");
    r.o.work_budget = 1;
    run_expect_error(&r, CWMS_R_WORK_BUDGET, "gave up after 1 signature checks");
    run_free(&r);
}

static void test_loop_terminates_and_the_anchored_way_out_wins(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "loop", "server", "b", "a2", "a", "root", NULL);
    run_key(&r, "loop/server.key");
    r.o.order = CWMS_ORDER_LEAF_FIRST;
    run_expect_ok(&r);
    assert_string_equal(t_order(r.b), "www.example.test | Loop CA B | Loop CA A");
    assert_true(same_cert(r.b->certs[2], "loop/a.crt"));
    run_free(&r);
}

static void test_pure_loop_is_reported_as_such(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "loop", "server", "b", "a2", NULL);
    run_key(&r, "loop/server.key");
    run_expect_error(&r, CWMS_R_MISSING_INTERMEDIATE, "loop");
    run_free(&r);
}

static void test_missing_intermediate_names_the_issuer_and_the_child(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "h", "server", "secondary", "root", NULL);
    run_key(&r, "h/server.key");
    run_expect_error(&r, CWMS_R_MISSING_INTERMEDIATE,
                     "no certificate among the inputs is the issuer 'O=cwms-bundle tests, "
                     "CN=Test Primary CA' of 'O=cwms-bundle tests, CN=Test Secondary CA'");
    assert_non_null(strstr(cwms_diag_first_error(r.diag)->text, "--trust"));
    run_free(&r);
}

static void test_missing_intermediate_gives_the_aia_url(void **state)
{
    const char *dv = t_data("real-bundles/sectigo/SectigoRSADomainValidationSecureServerCA.crt");
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_pem(r.pool, dv);
    r.o.no_key = 1;
    t_sha256_of(dv, r.o.leaf_sha256);
    r.o.has_leaf_sha256 = 1;
    r.o.attime = 1577836800; /* 2020-01-01 */
    run_expect_error(&r, CWMS_R_MISSING_INTERMEDIATE, "http://crt.usertrust.com/");
    assert_non_null(
        strstr(cwms_diag_first_error(r.diag)->text, "USERTrust RSA Certification Authority"));
    run_free(&r);
}

/* ---- expiry ---- */

static void test_expired_intermediate_loses_to_a_valid_alternative(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "exp", "server", "short", "long", "root", NULL);
    run_key(&r, "exp/server.key");
    r.o.attime = (int64_t)time(NULL) + 30 * 86400;
    r.o.order = CWMS_ORDER_LEAF_FIRST;
    run_expect_ok(&r);
    assert_true(same_cert(r.b->certs[1], "exp/long.crt"));
    assert_null(t_find(r.diag, CWMS_R_EXPIRES_SOON));
    run_free(&r);
}

static void test_expired_intermediate_without_alternative_is_an_error(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "exp", "server", "short", "root", NULL);
    run_key(&r, "exp/server.key");
    r.o.attime = (int64_t)time(NULL) + 30 * 86400;
    run_expect_error(&r, CWMS_R_CERT_EXPIRED, "Issuing CA");
    assert_non_null(strstr(cwms_diag_first_error(r.diag)->text, "expired"));
    run_free(&r);
}

static void test_expiring_soon_is_a_warning_and_strict_makes_it_an_error(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, "exp/root.crt");
    t_add_ids(r.pool, "exp", "server", "short", "root", NULL);
    run_key(&r, "exp/server.key");
    r.o.attime = (int64_t)time(NULL) + 5 * 86400;
    run_expect_ok(&r);
    assert_true(t_has_message(r.diag, CWMS_WARNING, CWMS_R_EXPIRES_SOON, "Issuing CA"));
    r.o.strict = 1;
    run_expect_error(&r, CWMS_R_EXPIRES_SOON, "Issuing CA");
    run_free(&r);
}

/* ---- constraints, hosts, keys ---- */

static void test_path_length_constraint_is_enforced(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "constraints", "server", "sub", "p0", "root", NULL);
    run_key(&r, "constraints/server.key");
    run_expect_error(&r, CWMS_R_PATH_LENGTH, "Pathlen Zero CA");
    run_free(&r);
}

static void test_issuer_that_is_not_a_ca_is_refused(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "constraints", "server2", "notca", "root", NULL);
    run_key(&r, "constraints/server2.key");
    run_expect_error(&r, CWMS_R_NOT_A_CA, "Not A CA");
    run_free(&r);
}

static void test_host_names_must_be_covered_by_the_sans(void **state)
{
    static const char *const good[] = { "www.example.test", "example.test", "a.wild.example.test" };
    static const char *const deep[] = { "b.c.wild.example.test" };
    static const char *const other[] = { "www.example.test", "other.test" };
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "h", "hosts", "secondary", "primary", "root", NULL);
    run_key(&r, "h/hosts.key");
    r.o.hosts = good;
    r.o.n_hosts = 3;
    run_expect_ok(&r);
    r.o.hosts = deep;
    r.o.n_hosts = 1;
    run_expect_error(&r, CWMS_R_HOST_MISMATCH, "b.c.wild.example.test");
    r.o.hosts = other;
    r.o.n_hosts = 2;
    run_expect_error(&r, CWMS_R_HOST_MISMATCH, "'other.test'");
    assert_non_null(strstr(cwms_diag_first_error(r.diag)->text, "DNS:*.wild.example.test"));
    run_free(&r);
}

static void test_1024_bit_rsa_key_is_refused(void **state)
{
    RUN r;

    (void)state;
    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "h", "weak", "secondary", "primary", "root", NULL);
    run_key(&r, "h/weak.key");
    run_expect_error(&r, CWMS_R_WEAK_KEY, "CWMS refuses RSA keys under 2048 bits");
    run_free(&r);

    run_init(&r, UNRELATED);
    t_add_ids(r.pool, "h", "rsa", "secondary", "primary", "root", NULL);
    run_key(&r, "h/rsa.key");
    run_expect_ok(&r);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ca_layout_comes_back_root_first),
        cmocka_unit_test(test_ca_layout_comes_back_leaf_first_for_2_0),
        cmocka_unit_test(test_include_root_keeps_the_root),
        cmocka_unit_test(test_reversed_shuffled_duplicated_inputs_give_the_same_chain),
        cmocka_unit_test(test_root_in_trust_store_is_not_a_warning_and_strict_refuses_untrusted),
        cmocka_unit_test(
            test_without_a_key_a_server_certificate_the_inputs_cannot_chain_is_not_a_candidate),
        cmocka_unit_test(test_complete_extends_past_the_trusted_root_through_the_cross_sign),
        cmocka_unit_test(test_shortest_stops_at_the_first_trusted_issuer),
        cmocka_unit_test(test_both_roots_supplied_complete_prefers_the_longer_anchored_path),
        cmocka_unit_test(test_a_trusted_anchor_beats_an_untrusted_self_signed_root),
        cmocka_unit_test(test_an_untrusted_self_signed_root_is_found_among_the_inputs),
        cmocka_unit_test(test_an_unanchored_path_has_its_anchor_not_found),
        cmocka_unit_test(test_every_candidate_path_is_modelled),
        cmocka_unit_test(test_rollover_resolves_to_the_intermediate_that_signed),
        cmocka_unit_test(test_rollover_with_key_identifiers_spends_no_check_on_the_other_key),
        cmocka_unit_test(test_same_key_decoys_cost_one_signature_check),
        cmocka_unit_test(test_rollover_with_only_the_wrong_key_is_a_missing_intermediate),
        cmocka_unit_test(test_work_budget_gives_up_with_a_count),
        cmocka_unit_test(test_loop_terminates_and_the_anchored_way_out_wins),
        cmocka_unit_test(test_pure_loop_is_reported_as_such),
        cmocka_unit_test(test_missing_intermediate_names_the_issuer_and_the_child),
        cmocka_unit_test(test_missing_intermediate_gives_the_aia_url),
        cmocka_unit_test(test_expired_intermediate_loses_to_a_valid_alternative),
        cmocka_unit_test(test_expired_intermediate_without_alternative_is_an_error),
        cmocka_unit_test(test_expiring_soon_is_a_warning_and_strict_makes_it_an_error),
        cmocka_unit_test(test_path_length_constraint_is_enforced),
        cmocka_unit_test(test_issuer_that_is_not_a_ca_is_refused),
        cmocka_unit_test(test_host_names_must_be_covered_by_the_sans),
        cmocka_unit_test(test_1024_bit_rsa_key_is_refused),
    };

    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
