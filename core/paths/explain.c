/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The explanation of a bundle (cwms/explain.h, paths/explain.h).
 *
 * Everything here is asked of the graph the build chose on: the issuer
 * candidates and their signature verdicts come from cwms_graph_issuer_at
 * (cached, so mostly free after the choice), the candidate paths from
 * cwms_paths_enumerate, and "why not this one" from the ranking's own
 * rules (cwms_rank_compare_why). Nothing is decided twice.
 */
#include "paths/explain.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cwms_escape.h"
#include "paths/rank.h"
#include "util/format.h"

/* Bounds the edges kept: a pool of thousands of issuers draws nothing useful anyway. */
#define MAX_EDGES 4096

typedef struct {
    CWMS_EXPLAIN_CERT pub;
    char *origin; /* a copy: the pool's certificates go before the bundle does */
    char *left_out;
    char *variant;
    CWMS_CERT *cert;
} NODE;

typedef struct {
    CWMS_EXPLAIN_PATH pub;
    size_t *certs;
    char *why_not;
    CWMS_PATH path;
} XPATH;

struct cwms_explain_st {
    NODE *nodes;
    size_t n_nodes;
    CWMS_EXPLAIN_EDGE *edges;
    size_t n_edges;
    XPATH paths[CWMS_EXPLAIN_MAX_PATHS];
    size_t n_paths, paths_seen;
    size_t anchor, leaf;
};

/*-
 * Accessors
 * ---------
 */

const CWMS_EXPLAIN *cwms_bundle_get0_explain(const CWMS_BUNDLE *bundle)
{
    return bundle == NULL ? NULL : bundle->explain;
}

size_t cwms_explain_cert_count(const CWMS_EXPLAIN *e)
{
    return e == NULL ? 0 : e->n_nodes;
}

const CWMS_EXPLAIN_CERT *cwms_explain_get0_cert(const CWMS_EXPLAIN *e, size_t i)
{
    return e == NULL || i >= e->n_nodes ? NULL : &e->nodes[i].pub;
}

size_t cwms_explain_edge_count(const CWMS_EXPLAIN *e)
{
    return e == NULL ? 0 : e->n_edges;
}

const CWMS_EXPLAIN_EDGE *cwms_explain_get0_edge(const CWMS_EXPLAIN *e, size_t i)
{
    return e == NULL || i >= e->n_edges ? NULL : &e->edges[i];
}

size_t cwms_explain_path_count(const CWMS_EXPLAIN *e)
{
    return e == NULL ? 0 : e->n_paths;
}

const CWMS_EXPLAIN_PATH *cwms_explain_get0_path(const CWMS_EXPLAIN *e, size_t i)
{
    return e == NULL || i >= e->n_paths ? NULL : &e->paths[i].pub;
}

size_t cwms_explain_paths_seen(const CWMS_EXPLAIN *e)
{
    return e == NULL ? 0 : e->paths_seen;
}

size_t cwms_explain_anchor(const CWMS_EXPLAIN *e)
{
    return e == NULL ? SIZE_MAX : e->anchor;
}

size_t cwms_explain_leaf(const CWMS_EXPLAIN *e)
{
    return e == NULL ? SIZE_MAX : e->leaf;
}

void cwms_explain_free(CWMS_EXPLAIN *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n_nodes; i++) {
        X509_free(e->nodes[i].pub.x509);
        OPENSSL_free(e->nodes[i].origin);
        OPENSSL_free(e->nodes[i].left_out);
        OPENSSL_free(e->nodes[i].variant);
    }
    for (size_t i = 0; i < e->n_paths; i++) {
        OPENSSL_free(e->paths[i].certs);
        OPENSSL_free(e->paths[i].why_not);
    }
    OPENSSL_free(e->nodes);
    OPENSSL_free(e->edges);
    OPENSSL_free(e);
}

/*-
 * Building
 * --------
 */

static size_t node_of(const CWMS_EXPLAIN *e, const CWMS_CERT *c)
{
    for (size_t i = 0; i < e->n_nodes; i++)
        if (e->nodes[i].cert == c)
            return i;
    return SIZE_MAX;
}

static int add_node(CWMS_EXPLAIN *e, CWMS_CERT *c, int from_trust, CWMS_GRAPH *g)
{
    X509 *x = cwms_cert_x509(c);
    NODE *n;

    /* A certificate that does not decode cannot be drawn; the build said so already. */
    if (x == NULL)
        return 1;
    if (!X509_up_ref(x))
        return 0;
    n = &e->nodes[e->n_nodes++];
    memset(n, 0, sizeof(*n));
    n->cert = c;
    n->pub.x509 = x;
    n->pub.from_trust = from_trust;
    /* A file name: escaped once here, for the tree, the JSON and the DOT alike. */
    n->origin = cwms_escape_text(cwms_cert_get0_origin(c) != NULL ? cwms_cert_get0_origin(c)
                                     : from_trust                 ? "trust store"
                                                                  : "input");
    n->pub.origin = n->origin;
    n->pub.self_signed = cwms_graph_self_signed(g, c) == 1;
    return n->origin != NULL;
}

typedef struct {
    CWMS_EXPLAIN *e;
    int oom;
} COLLECT;

static int same_path(const CWMS_PATH *a, const CWMS_PATH *b)
{
    return a->len == b->len && memcmp(a->certs, b->certs, a->len * sizeof(a->certs[0])) == 0;
}

static int collect_path(const CWMS_PATH *p, void *arg)
{
    COLLECT *c = arg;

    c->e->paths_seen++;
    if (c->e->n_paths < CWMS_EXPLAIN_MAX_PATHS)
        c->e->paths[c->e->n_paths++].path = *p;
    return 1;
}

/* The candidate paths, the chosen one always among them, each with why it lost. */
static int explain_paths(CWMS_EXPLAIN *e, const CWMS_OPTIONS *opts, CWMS_GRAPH *g,
                         const CWMS_PATH *chosen)
{
    COLLECT c = { e, 0 };
    CWMS_DIAG *quiet = cwms_diag_new();
    int found = 0;

    if (quiet == NULL)
        return 0;
    /* The choice succeeded on this graph: a budget stop now only shortens the list. */
    (void)cwms_paths_enumerate(g, chosen->certs[0], opts->path, collect_path, &c, quiet);
    cwms_diag_free(quiet);
    for (size_t i = 0; i < e->n_paths; i++)
        found |= same_path(&e->paths[i].path, chosen);
    if (!found) {
        if (e->n_paths == CWMS_EXPLAIN_MAX_PATHS)
            e->n_paths--;
        e->paths[e->n_paths++].path = *chosen;
    }
    for (size_t i = 0; i < e->n_paths; i++) {
        XPATH *xp = &e->paths[i];
        const char *rule = NULL;
        size_t n = 0;

        if ((xp->certs = OPENSSL_malloc(xp->path.len * sizeof(size_t))) == NULL)
            return 0;
        for (size_t j = 0; j < xp->path.len; j++) {
            size_t k = node_of(e, xp->path.certs[j]);

            if (k != SIZE_MAX)
                xp->certs[n++] = k;
        }
        xp->pub.certs = xp->certs;
        xp->pub.len = n;
        xp->pub.anchored = xp->path.anchored;
        xp->pub.chosen = same_path(&xp->path, chosen);
        if (!xp->pub.chosen) {
            /* A better-ranked path loses only to the validation, which says why in its notes. */
            if (cwms_rank_compare_why(g, chosen, &xp->path, opts->path, &rule) > 0)
                xp->why_not = cwms_format("it ranks higher (%s) but failed validation: see the "
                                          "notes on the paths passed over",
                                          rule);
            else
                xp->why_not = cwms_format("the chosen path won: %s", rule);
            if (xp->why_not == NULL)
                return 0;
            xp->pub.why_not = xp->why_not;
        }
    }
    return 1;
}

static int add_edge(CWMS_EXPLAIN *e, size_t child, size_t issuer, int on_path, const char *rejected)
{
    CWMS_EXPLAIN_EDGE *ed;

    if (e->n_edges == MAX_EDGES)
        return 1;
    ed = &e->edges[e->n_edges++];
    ed->child = child;
    ed->issuer = issuer;
    ed->on_path = on_path;
    ed->rejected = rejected;
    return 1;
}

static int chosen_edge(const CWMS_PATH *p, const CWMS_CERT *child, const CWMS_CERT *issuer)
{
    for (size_t i = 0; i + 1 < p->len; i++)
        if (p->certs[i] == child && p->certs[i + 1] == issuer)
            return 1;
    return 0;
}

/*
 * The edge child -> issuer, made once: the graph hands each candidate out
 * once per ranking pass (key identifiers agreeing, then absent) and only
 * one pass checks it, so a later answer replaces an earlier "not signed"
 * one, never the other way round. The child's edges are those from first on.
 */
static void set_edge(CWMS_EXPLAIN *e, size_t first, size_t child, size_t issuer, int verdict,
                     int on_path, const char *rejected)
{
    for (size_t i = first; i < e->n_edges; i++) {
        CWMS_EXPLAIN_EDGE *ed = &e->edges[i];

        if (ed->child == child && ed->issuer == issuer) {
            if (verdict != 0) {
                ed->on_path = on_path;
                ed->rejected = rejected;
            }
            return;
        }
    }
    add_edge(e, child, issuer, on_path, rejected);
}

/* Every issuer candidate of every input certificate, with the graph's verdict. */
static int explain_edges(CWMS_EXPLAIN *e, CWMS_GRAPH *g, const CWMS_PATH *chosen)
{
    const CWMS_POOL *pool = cwms_graph_pool(g);
    int64_t t = cwms_graph_attime(g);

    if ((e->edges = OPENSSL_zalloc(MAX_EDGES * sizeof(*e->edges))) == NULL)
        return 0;
    for (size_t k = 0; k < cwms_pool_count(pool); k++) {
        CWMS_CERT *child = cwms_pool_get(pool, k), *issuer;
        size_t from = node_of(e, child), first = e->n_edges;
        int signed_it = 0, oom = 0;

        if (from == SIZE_MAX)
            continue;
        for (size_t i = 0; (issuer = cwms_graph_issuer_at(g, k, i, 0, &signed_it, &oom)) != NULL;
             i++) {
            size_t to = node_of(e, issuer);
            const char *why = NULL;

            if (to == SIZE_MAX || to == from)
                continue;
            if (signed_it < 0)
                why = "not checked: the work budget was spent";
            else if (signed_it == 0)
                why = "signature does not verify: same name, another key";
            else if (!cwms_cert_valid_at(issuer, t))
                why = "not valid at the validation time";
            set_edge(e, first, from, to, signed_it, chosen_edge(chosen, child, issuer), why);
        }
        if (oom)
            return 0;
    }
    if (cwms_path_relies_on_anchor(chosen) && e->anchor != SIZE_MAX)
        add_edge(e, node_of(e, chosen->certs[chosen->len - 1]), e->anchor, 1, NULL);
    return 1;
}

/* "self-signed" or "issued by 'X'" (OPENSSL_free). */
static char *issued_by(CWMS_EXPLAIN *e, size_t i)
{
    char *iss, *s;

    if (e->nodes[i].pub.self_signed)
        return cwms_format("self-signed");
    iss = cwms_name_oneline(X509_get_issuer_name(e->nodes[i].pub.x509));
    s = cwms_format("issued by '%s'", iss != NULL ? iss : "?");
    OPENSSL_free(iss);
    return s;
}

/* A path's why_not without its "the chosen path won: " lead, to follow a "because". */
static const char *won_because(const char *why_not)
{
    static const char lead[] = "the chosen path won: ";

    return strncmp(why_not, lead, sizeof(lead) - 1) == 0 ? why_not + sizeof(lead) - 1 : why_not;
}

static const XPATH *first_path_with(const CWMS_EXPLAIN *e, const CWMS_CERT *c)
{
    for (size_t i = 0; i < e->n_paths; i++)
        if (!e->paths[i].pub.chosen)
            for (size_t j = 0; j < e->paths[i].path.len; j++)
                if (e->paths[i].path.certs[j] == c)
                    return &e->paths[i];
    return NULL;
}

/* Which variant a certificate of the chosen path is, and why the others were left out. */
static int explain_variants(CWMS_EXPLAIN *e, const CWMS_PATH *chosen)
{
    for (size_t j = 1; j < chosen->len; j++) {
        size_t on = node_of(e, chosen->certs[j]), others = 0;
        char *mine, *subj;

        if (on == SIZE_MAX)
            continue;
        if ((mine = issued_by(e, on)) == NULL)
            return 0;
        subj = cwms_name_oneline(X509_get_subject_name(e->nodes[on].pub.x509));
        for (size_t i = 0; i < e->n_nodes; i++) {
            const XPATH *alt;
            char *theirs;

            if (i == on || e->nodes[i].pub.role != CWMS_ROLE_NONE || e->nodes[i].left_out != NULL
                || !cwms_path_same_ca(e->nodes[i].cert, chosen->certs[j]))
                continue;
            others++;
            if ((theirs = issued_by(e, i)) == NULL)
                break;
            alt = first_path_with(e, e->nodes[i].cert);
            e->nodes[i].left_out =
                cwms_format("another variant of '%s' (%s); the chain uses the one %s%s%s",
                            subj ? subj : "?", theirs, mine,
                            alt != NULL ? ": " : ": this one is on no complete path",
                            alt != NULL ? won_because(alt->why_not) : "");
            OPENSSL_free(theirs);
            if (e->nodes[i].left_out == NULL)
                break;
        }
        if (others > 0)
            e->nodes[on].variant =
                cwms_format("the variant %s, chosen over %zu other%s of the same "
                            "CA (same subject and key)",
                            mine, others, others == 1 ? "" : "s");
        OPENSSL_free(subj);
        OPENSSL_free(mine);
        if (others > 0 && e->nodes[on].variant == NULL)
            return 0;
    }
    return 1;
}

static char *left_out_reason(CWMS_EXPLAIN *e, size_t i)
{
    NODE *n = &e->nodes[i];
    const XPATH *alt;

    switch (n->pub.role) {
    case CWMS_ROLE_ROOT:
        return cwms_format("self-signed root: CWMS has its own copy (--include-root keeps it)");
    case CWMS_ROLE_ANCHOR:
        return cwms_format("trust anchor from the trust store: it signed the top of the chain, "
                           "and CWMS has its own copy");
    default:
        break;
    }
    if ((alt = first_path_with(e, n->cert)) != NULL)
        return cwms_format("on an alternative path that was not chosen (%s)", alt->why_not);
    if (!cwms_cert_is_ca(n->cert))
        return cwms_format(
            "another end-entity certificate: not the server certificate of this bundle");
    return cwms_format("unrelated: it issues no certificate on a path from the server certificate");
}

int cwms_explain_attach(CWMS_BUNDLE *b, const CWMS_OPTIONS *opts, CWMS_GRAPH *g,
                        const CWMS_PATH *chosen)
{
    const CWMS_POOL *pool = cwms_graph_pool(g);
    size_t n_pool = cwms_pool_count(pool);
    CWMS_EXPLAIN *e = OPENSSL_zalloc(sizeof(*e));

    if (e == NULL || (e->nodes = OPENSSL_zalloc((n_pool + 1) * sizeof(*e->nodes))) == NULL)
        goto oom;
    e->anchor = SIZE_MAX;
    for (size_t k = 0; k < n_pool; k++)
        if (!add_node(e, cwms_pool_get(pool, k), 0, g))
            goto oom;
    /* A trust-store anchor is drawn only when the chain relies on it (no root of its own). */
    if (cwms_path_relies_on_anchor(chosen) && !add_node(e, chosen->anchor, 1, g))
        goto oom;

    /* Roles along the chosen path, positions in the bundle. */
    for (size_t j = 0; j < chosen->len; j++) {
        size_t i = node_of(e, chosen->certs[j]);

        if (i == SIZE_MAX)
            continue;
        e->nodes[i].pub.role = j == 0                         ? CWMS_ROLE_SERVER
            : j + 1 == chosen->len && chosen->self_signed_end ? CWMS_ROLE_ROOT
                                                              : CWMS_ROLE_INTERMEDIATE;
        if (j == 0)
            e->leaf = i;
        if (j + 1 == chosen->len && chosen->self_signed_end)
            e->anchor = i;
    }
    if (cwms_path_relies_on_anchor(chosen) && (e->anchor = node_of(e, chosen->anchor)) != SIZE_MAX)
        e->nodes[e->anchor].pub.role = CWMS_ROLE_ANCHOR;
    for (size_t i = 0; i < e->n_nodes; i++)
        for (size_t j = 0; j < b->n_certs; j++)
            if (b->certs[j] == e->nodes[i].pub.x509) {
                e->nodes[i].pub.in_bundle = 1;
                e->nodes[i].pub.bundle_index = j;
            }

    if (!explain_paths(e, opts, g, chosen) || !explain_edges(e, g, chosen)
        || !explain_variants(e, chosen))
        goto oom;
    for (size_t i = 0; i < e->n_nodes; i++) {
        NODE *n = &e->nodes[i];

        if (!n->pub.in_bundle && n->left_out == NULL
            && (n->left_out = left_out_reason(e, i)) == NULL)
            goto oom;
        n->pub.left_out = n->left_out;
        n->pub.variant = n->variant;
    }
    b->explain = e;
    return 1;
oom:
    cwms_explain_free(e);
    return 0;
}
