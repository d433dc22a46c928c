/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The explanation a build keeps (cwms/explain.h): roles and anchor, the
 * cross-sign variant chosen and why the other was left out, the candidate
 * paths with why the chosen one won, and issuer edges rejected on the
 * signature. Scenario PKIs from fixtures/chain.sh.
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
#include "cwms/explain.h"

typedef struct {
    CWMS_OPTIONS o;
    CWMS_POOL *pool;
    CWMS_KEY key;
    CWMS_DIAG *diag;
    CWMS_BUNDLE *b;
    const CWMS_EXPLAIN *e;
} RUN;

static void run(RUN *r, const char *dir, const char *key_rel, ...)
{
    va_list ap;
    const char *id;
    char path[512];

    memset(r, 0, sizeof(*r));
    t_options(&r->o, NULL);
    r->o.explain = 1;
    r->pool = cwms_pool_new();
    r->diag = cwms_diag_new();
    assert_non_null(r->pool);
    assert_non_null(r->diag);
    va_start(ap, key_rel);
    while ((id = va_arg(ap, const char *)) != NULL) {
        snprintf(path, sizeof(path), "%s/%s.crt", dir, id);
        t_add_pem(r->pool, t_pki(path));
    }
    va_end(ap);
    r->key = t_key(t_pki(key_rel));
    if (!cwms_chain_build(&r->o, r->pool, &r->key, 1, NULL, r->diag, &r->b)) {
        t_dump(r->diag);
        fail_msg("build failed");
    }
    r->e = cwms_bundle_get0_explain(r->b);
    assert_non_null(r->e);
}

static void run_free(RUN *r)
{
    cwms_bundle_free(r->b);
    t_key_free(&r->key);
    cwms_pool_free(r->pool);
    cwms_diag_free(r->diag);
}

/* The explanation's certificate with this CN whose issuer has issuer_cn; fails when none. */
static const CWMS_EXPLAIN_CERT *find(const CWMS_EXPLAIN *e, const char *cn, const char *issuer_cn)
{
    for (size_t i = 0; i < cwms_explain_cert_count(e); i++) {
        const CWMS_EXPLAIN_CERT *c = cwms_explain_get0_cert(e, i);

        if (strcmp(t_cn(c->x509), cn) == 0 && strcmp(t_issuer_cn(c->x509), issuer_cn) == 0)
            return c;
    }
    fail_msg("no certificate %s issued by %s in the explanation", cn, issuer_cn);
    return NULL;
}

static size_t index_of(const CWMS_EXPLAIN *e, const CWMS_EXPLAIN_CERT *c)
{
    for (size_t i = 0; i < cwms_explain_cert_count(e); i++)
        if (cwms_explain_get0_cert(e, i) == c)
            return i;
    return SIZE_MAX;
}

/* The index of the one certificate in the server's role (what the views draw as the server). */
static size_t only_server(const CWMS_EXPLAIN *e)
{
    size_t found = SIZE_MAX;

    for (size_t i = 0; i < cwms_explain_cert_count(e); i++)
        if (cwms_explain_get0_cert(e, i)->role == CWMS_ROLE_SERVER) {
            assert_int_equal(found, SIZE_MAX);
            found = i;
        }
    return found;
}

static void test_cross_sign_variant_and_left_out_reasons(void **state)
{
    RUN r;
    const CWMS_EXPLAIN_CERT *newx, *new_self, *old, *server;
    size_t chosen = 0, others = 0;

    (void)state;
    /* Complete path: server <- int <- New Root (cross-signed) <- Old Root. */
    run(&r, "cross", "cross/server.key", "server", "int", "new", "newx", "old", NULL);
    assert_string_equal(t_order(r.b), "New Root | Issuing CA | www.example.test");

    server = find(r.e, "www.example.test", "Issuing CA");
    assert_int_equal(server->role, CWMS_ROLE_SERVER);
    assert_true(server->in_bundle);
    assert_int_equal(server->bundle_index, 2);
    assert_int_equal(only_server(r.e), index_of(r.e, server));

    old = find(r.e, "Old Root", "Old Root");
    assert_int_equal(old->role, CWMS_ROLE_ROOT);
    assert_false(old->in_bundle);
    assert_true(old->self_signed);
    assert_non_null(strstr(old->left_out, "self-signed root"));
    assert_int_equal(cwms_explain_anchor(r.e), index_of(r.e, old));

    newx = find(r.e, "New Root", "Old Root");
    assert_int_equal(newx->role, CWMS_ROLE_INTERMEDIATE);
    assert_non_null(newx->variant);
    assert_non_null(strstr(newx->variant, "cross-signed by"));

    new_self = find(r.e, "New Root", "New Root");
    assert_int_equal(new_self->role, CWMS_ROLE_NONE);
    assert_false(new_self->in_bundle);
    assert_non_null(strstr(new_self->left_out, "another variant of"));
    assert_non_null(strstr(new_self->left_out, "(self-signed)"));
    assert_non_null(strstr(new_self->left_out, "it is longer"));

    /* Both candidates are listed; the losing one says why it lost. */
    assert_int_equal(cwms_explain_paths_seen(r.e), 2);
    for (size_t i = 0; i < cwms_explain_path_count(r.e); i++) {
        const CWMS_EXPLAIN_PATH *p = cwms_explain_get0_path(r.e, i);

        if (p->chosen) {
            chosen++;
            assert_null(p->why_not);
            assert_int_equal(p->len, 4);
            assert_int_equal(p->certs[0], index_of(r.e, server));
        } else {
            others++;
            assert_non_null(strstr(p->why_not, "the chosen path won"));
        }
    }
    assert_int_equal(chosen, 1);
    assert_int_equal(others, 1);
    run_free(&r);
}

static void test_rollover_edge_rejected_on_the_signature(void **state)
{
    RUN r;
    const CWMS_EXPLAIN_CERT *server;
    size_t s, rejected = 0, on_path = 0;

    (void)state;
    run(&r, "roll", "roll/server.key", "server", "int_a", "int_b", "root", NULL);
    server = find(r.e, "www.example.test", "Rolling CA");
    s = index_of(r.e, server);
    for (size_t i = 0; i < cwms_explain_edge_count(r.e); i++) {
        const CWMS_EXPLAIN_EDGE *ed = cwms_explain_get0_edge(r.e, i);

        if (ed->child != s)
            continue;
        if (ed->on_path) {
            on_path++;
            assert_null(ed->rejected);
            assert_true(cwms_explain_get0_cert(r.e, ed->issuer)->in_bundle);
        } else {
            rejected++;
            assert_non_null(ed->rejected);
            assert_non_null(strstr(ed->rejected, "signature does not verify"));
            assert_false(cwms_explain_get0_cert(r.e, ed->issuer)->in_bundle);
        }
    }
    assert_int_equal(on_path, 1);
    assert_int_equal(rejected, 1);
    run_free(&r);
}

static void test_no_explanation_unless_asked(void **state)
{
    CWMS_OPTIONS o;
    CWMS_POOL *pool = cwms_pool_new();
    CWMS_DIAG *diag = cwms_diag_new();
    CWMS_KEY key = t_key(t_pki("cross/server.key"));
    CWMS_BUNDLE *b = NULL;

    (void)state;
    t_options(&o, NULL);
    t_add_ids(pool, "cross", "server", "int", "new", NULL);
    assert_true(cwms_chain_build(&o, pool, &key, 1, NULL, diag, &b));
    assert_null(cwms_bundle_get0_explain(b));
    assert_int_equal(cwms_explain_cert_count(cwms_bundle_get0_explain(b)), 0);
    cwms_bundle_free(b);
    t_key_free(&key);
    cwms_pool_free(pool);
    cwms_diag_free(diag);
}

static void test_failed_build_explains_what_is_there(void **state)
{
    CWMS_OPTIONS o;
    CWMS_POOL *pool = cwms_pool_new();
    CWMS_DIAG *diag = cwms_diag_new();
    CWMS_KEY key = t_key(t_pki("roll/server.key"));
    CWMS_BUNDLE *b = NULL;
    CWMS_EXPLAIN *part = NULL;
    const CWMS_EXPLAIN_MISSING *m;
    size_t server, decoy, root, signed_edges = 0, rejected = 0;

    (void)state;
    t_options(&o, NULL);
    o.explain = 1;
    /* The server's issuer (int_b) is missing; int_a has its name and another key. */
    t_add_ids(pool, "roll", "server", "int_a", "root", NULL);
    assert_false(cwms_chain_build_trusted(&o, pool,
                                          cwms_trust_new(NULL, CWMS_FRONT_CLI, NULL, NULL, diag),
                                          &key, 1, NULL, diag, &b, &part));
    assert_null(b);
    assert_non_null(part);
    assert_false(cwms_explain_complete(part));
    assert_int_equal(cwms_explain_cert_count(part), 3);
    server = index_of(part, find(part, "www.example.test", "Rolling CA"));
    decoy = index_of(part, find(part, "Rolling CA", "Roll Root"));
    root = index_of(part, find(part, "Roll Root", "Roll Root"));
    assert_int_equal(only_server(part), server);
    assert_int_equal(cwms_explain_get0_cert(part, server)->role, CWMS_ROLE_SERVER);
    assert_int_equal(cwms_explain_path_count(part), 0);
    for (size_t i = 0; i < cwms_explain_edge_count(part); i++) {
        const CWMS_EXPLAIN_EDGE *ed = cwms_explain_get0_edge(part, i);

        assert_false(ed->on_path);
        if (ed->child == server && ed->issuer == decoy) {
            assert_non_null(strstr(ed->rejected, "signature does not verify"));
            rejected++;
        }
        if (ed->child == decoy && ed->issuer == root && ed->rejected == NULL)
            signed_edges++;
    }
    assert_int_equal(rejected, 1);
    assert_int_equal(signed_edges, 1);
    /* The one issuer nothing provides, named for the certificate waiting for it. */
    assert_int_equal(cwms_explain_missing_count(part), 1);
    m = cwms_explain_get0_missing(part, 0);
    assert_int_equal(m->child, server);
    assert_non_null(strstr(m->issuer, "CN=Rolling CA"));
    assert_null(m->url);
    cwms_explain_free(part);

    /* Without explain, nothing is kept. */
    o.explain = 0;
    assert_false(cwms_chain_build_trusted(&o, pool,
                                          cwms_trust_new(NULL, CWMS_FRONT_CLI, NULL, NULL, diag),
                                          &key, 1, NULL, diag, &b, &part));
    assert_null(part);
    t_key_free(&key);
    cwms_pool_free(pool);
    cwms_diag_free(diag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cross_sign_variant_and_left_out_reasons),
        cmocka_unit_test(test_rollover_edge_rejected_on_the_signature),
        cmocka_unit_test(test_no_explanation_unless_asked),
        cmocka_unit_test(test_failed_build_explains_what_is_there),
    };

    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
