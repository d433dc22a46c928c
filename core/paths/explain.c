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
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cwms_escape.h"
#include "paths/anchor.h"
#include "paths/rank.h"
#include "util/format.h"

/* Bounds the edges kept: a pool of thousands of issuers draws nothing useful anyway. */
#define MAX_EDGES 4096
/* Trust anchors drawn for a failed build (one per input certificate they signed, at most). */
#define MAX_TRUST_NODES 32

typedef struct {
    CWMS_EXPLAIN_CERT pub;
    char *origin; /* a copy: the pool's certificates go before the bundle does */
    char *left_out;
    char *variant;
    CWMS_CERT *cert;
} NODE;

typedef struct {
    CWMS_EXPLAIN_MISSING pub;
    char *issuer;
    char *url;
} MISSING;

typedef struct {
    CWMS_EXPLAIN_PATH pub;
    size_t *certs;
    char *why_not;
    CWMS_PATH path;
} XPATH;

struct cwms_explain_st {
    NODE *nodes;
    size_t n_nodes, cap_nodes;
    int complete; /* a bundle's; 0: what a failed build found */
    MISSING *missing;
    size_t n_missing;
    CWMS_EXPLAIN_EDGE *edges;
    size_t n_edges;
    XPATH paths[CWMS_EXPLAIN_MAX_PATHS];
    size_t n_paths, paths_seen;
    size_t anchor;
    /* While it is built: the graph, and the node of each input (SIZE_MAX: none). */
    CWMS_GRAPH *g;
    size_t *node_by_input;
    struct cert_index_st *by_cert; /* the nodes sorted by certificate (X509_cmp) */
};

/* One node in the index by certificate. */
typedef struct cert_index_st {
    const X509 *x509;
    size_t node;
} CERT_INDEX;

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

int cwms_explain_complete(const CWMS_EXPLAIN *e)
{
    return e != NULL && e->complete;
}

size_t cwms_explain_missing_count(const CWMS_EXPLAIN *e)
{
    return e == NULL ? 0 : e->n_missing;
}

const CWMS_EXPLAIN_MISSING *cwms_explain_get0_missing(const CWMS_EXPLAIN *e, size_t i)
{
    return e == NULL || i >= e->n_missing ? NULL : &e->missing[i].pub;
}

static int index_order(const void *a, const void *b)
{
    return X509_cmp(((const CERT_INDEX *)a)->x509, ((const CERT_INDEX *)b)->x509);
}

size_t cwms_explain_find_cert(const CWMS_EXPLAIN *e, const X509 *x)
{
    CERT_INDEX key = { x, 0 }, *hit;

    if (e == NULL || e->by_cert == NULL)
        return SIZE_MAX;
    hit = bsearch(&key, e->by_cert, e->n_nodes, sizeof(key), index_order);
    return hit != NULL ? hit->node : SIZE_MAX;
}

/* The index of the nodes by certificate. 0 when out of memory. */
static int index_certs(CWMS_EXPLAIN *e)
{
    if ((e->by_cert = OPENSSL_malloc((e->n_nodes + 1) * sizeof(*e->by_cert))) == NULL)
        return 0;
    for (size_t i = 0; i < e->n_nodes; i++) {
        e->by_cert[i].x509 = e->nodes[i].pub.x509;
        e->by_cert[i].node = i;
    }
    qsort(e->by_cert, e->n_nodes, sizeof(*e->by_cert), index_order);
    return 1;
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
    for (size_t i = 0; i < e->n_missing; i++) {
        OPENSSL_free(e->missing[i].issuer);
        OPENSSL_free(e->missing[i].url);
    }
    OPENSSL_free(e->missing);
    OPENSSL_free(e->nodes);
    OPENSSL_free(e->edges);
    OPENSSL_free(e->node_by_input);
    OPENSSL_free(e->by_cert);
    OPENSSL_free(e);
}

/*-
 * Building
 * --------
 */

/*
 * The node of c: through the graph's index of the inputs (a hash table),
 * so that no lookup walks the nodes. The nodes not from the inputs are
 * trust-store anchors, added last.
 */
static size_t node_of(const CWMS_EXPLAIN *e, const CWMS_CERT *c)
{
    size_t k = cwms_graph_input_index(e->g, c);

    if (k != SIZE_MAX)
        return e->node_by_input[k];
    /* The trust-store nodes come after the inputs' (one, or MAX_TRUST_NODES at most). */
    for (size_t i = e->n_nodes; i-- > 0 && e->nodes[i].pub.from_trust;)
        if (e->nodes[i].cert == c)
            return i;
    return SIZE_MAX;
}

/* Adds the node of c, the input at index k (SIZE_MAX: the trust-store anchor). */
static int add_node(CWMS_EXPLAIN *e, CWMS_CERT *c, size_t k, CWMS_GRAPH *g)
{
    X509 *x = cwms_cert_x509(c);
    int from_trust = k == SIZE_MAX;
    NODE *n;

    /* A certificate that does not decode cannot be drawn; the build said so already. */
    if (x == NULL || e->n_nodes == e->cap_nodes)
        return 1;
    if (!X509_up_ref(x))
        return 0;
    if (!from_trust)
        e->node_by_input[k] = e->n_nodes;
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
        xp->pub.anchor_at = xp->path.anchored && n == xp->path.len ? xp->path.anchor_at : n;
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
 * one, never the other way round. edge_of[issuer] is the edge (+ 1) the
 * current child already has to issuer, 0 when none.
 */
static void set_edge(CWMS_EXPLAIN *e, size_t *edge_of, size_t child, size_t issuer, int verdict,
                     int on_path, const char *rejected)
{
    if (edge_of[issuer] != 0) {
        CWMS_EXPLAIN_EDGE *ed = &e->edges[edge_of[issuer] - 1];

        if (verdict != 0) {
            ed->on_path = on_path;
            ed->rejected = rejected;
        }
        return;
    }
    if (e->n_edges == MAX_EDGES)
        return;
    add_edge(e, child, issuer, on_path, rejected);
    edge_of[issuer] = e->n_edges;
}

/*
 * The issuer of child (node from) that neither the inputs nor, as far as
 * the graph can tell, the trust store hold: a trust anchor that signed it
 * becomes a node with its edge; otherwise the issuer is recorded as
 * missing, with the URL child names for it. 1, or 0 when memory ran out.
 */
static int anchor_or_missing(CWMS_EXPLAIN *e, CWMS_GRAPH *g, CWMS_CERT *child, size_t from)
{
    CWMS_CERT *anchor = NULL;
    MISSING *m;

    if (cwms_cert_self_issued(child))
        return 1;
    if (cwms_graph_trust_issuer(g, child, &anchor, NULL) == 1 && anchor != NULL) {
        size_t to = node_of(e, anchor);

        if (to == SIZE_MAX && !add_node(e, anchor, SIZE_MAX, g))
            return 0;
        if ((to = node_of(e, anchor)) != SIZE_MAX)
            add_edge(e, from, to, 0, NULL);
        return 1;
    }
    m = &e->missing[e->n_missing];
    memset(m, 0, sizeof(*m));
    if ((m->issuer = cwms_name_oneline(cwms_cert_issuer(child))) == NULL)
        return 0;
    m->url = cwms_cert_ca_issuers_url(child);
    m->pub.child = from;
    m->pub.issuer = m->issuer;
    m->pub.url = m->url;
    e->n_missing++;
    return 1;
}

/*
 * Every issuer candidate of the input at index k, with the graph's verdict.
 * Without a chosen path (a failed build), an issuer nothing provides is
 * recorded as missing, and an anchor that signed the input joins the
 * nodes. 0 when out of memory.
 */
static int child_edges(CWMS_EXPLAIN *e, size_t k, const CWMS_PATH *chosen, size_t *edge_of)
{
    CWMS_CERT *child = cwms_pool_get(cwms_graph_pool(e->g), k), *issuer;
    size_t from = e->node_by_input[k], first = e->n_edges;
    int64_t t = cwms_graph_attime(e->g);
    int signed_it = 0, oom = 0, signed_any = 0;

    for (size_t i = 0; (issuer = cwms_graph_issuer_at(e->g, k, i, 0, &signed_it, &oom)) != NULL;
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
        signed_any |= signed_it > 0;
        set_edge(e, edge_of, from, to, signed_it,
                 chosen != NULL && chosen_edge(chosen, child, issuer), why);
    }
    for (size_t i = first; i < e->n_edges; i++)
        edge_of[e->edges[i].issuer] = 0;
    if (oom)
        return 0;
    return chosen != NULL || signed_any || anchor_or_missing(e, e->g, child, from);
}

static int on_chosen_path(const CWMS_PATH *chosen, const CWMS_CERT *c)
{
    for (size_t j = 0; chosen != NULL && j < chosen->len; j++)
        if (chosen->certs[j] == c)
            return 1;
    return 0;
}

static int edge_order(const void *a, const void *b)
{
    const CWMS_EXPLAIN_EDGE *x = *(CWMS_EXPLAIN_EDGE *const *)a,
                            *y = *(CWMS_EXPLAIN_EDGE *const *)b;

    /* By child, then as made (the table is contiguous: addresses order it). */
    if (x->child != y->child)
        return x->child < y->child ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* The edges in input order of their child, each child's as made. 0 when out of memory. */
static int sort_edges(CWMS_EXPLAIN *e)
{
    CWMS_EXPLAIN_EDGE **order = OPENSSL_malloc(e->n_edges * sizeof(*order) + 1), *sorted;

    if (order == NULL || (sorted = OPENSSL_malloc(MAX_EDGES * sizeof(*sorted))) == NULL) {
        OPENSSL_free(order);
        return 0;
    }
    for (size_t i = 0; i < e->n_edges; i++)
        order[i] = &e->edges[i];
    qsort(order, e->n_edges, sizeof(*order), edge_order);
    for (size_t i = 0; i < e->n_edges; i++)
        sorted[i] = *order[i];
    OPENSSL_free(order);
    OPENSSL_free(e->edges);
    e->edges = sorted;
    return 1;
}

/*
 * Every issuer candidate of every input certificate, with the graph's
 * verdict, up to MAX_EDGES: the chosen path's certificates first, so the
 * cap never drops its edges, then the others in input order until the
 * table is full (a pool of thousands of same-name issuers fills it at
 * once; each lookup is a hash, so the whole is linear in the pool).
 * chosen is NULL for a failed build (child_edges says what that adds).
 */
static int explain_edges(CWMS_EXPLAIN *e, const CWMS_PATH *chosen)
{
    const CWMS_POOL *pool = cwms_graph_pool(e->g);
    size_t *edge_of = OPENSSL_zalloc((e->cap_nodes + 1) * sizeof(*edge_of));
    int ok = edge_of != NULL;

    if (!ok || (e->edges = OPENSSL_zalloc(MAX_EDGES * sizeof(*e->edges))) == NULL) {
        OPENSSL_free(edge_of);
        return 0;
    }
    for (size_t j = 0; ok && chosen != NULL && j < chosen->len; j++) {
        size_t k = cwms_graph_input_index(e->g, chosen->certs[j]);

        if (k != SIZE_MAX && e->node_by_input[k] != SIZE_MAX)
            ok = child_edges(e, k, chosen, edge_of);
    }
    for (size_t k = 0; ok && k < cwms_pool_count(pool) && e->n_edges < MAX_EDGES; k++)
        if (e->node_by_input[k] != SIZE_MAX && !on_chosen_path(chosen, cwms_pool_get(pool, k)))
            ok = child_edges(e, k, chosen, edge_of);
    OPENSSL_free(edge_of);
    if (!ok || !sort_edges(e))
        return 0;
    if (chosen != NULL && cwms_path_relies_on_anchor(chosen) && e->anchor != SIZE_MAX)
        add_edge(e, node_of(e, chosen->certs[chosen->len - 1]), e->anchor, 1, NULL);
    return 1;
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

static size_t node_of_x509(const CWMS_EXPLAIN *e, const X509 *x)
{
    for (size_t i = 0; i < e->n_nodes; i++)
        if (e->nodes[i].pub.x509 == x)
            return i;
    return SIZE_MAX;
}

/*
 * Which variant a certificate of the chosen path is, and why the others
 * were left out: the anchor's variant sets (anchor.c), in the tree's words.
 */
static int explain_variants(CWMS_EXPLAIN *e, const CWMS_ANCHOR_INFO *a)
{
    for (size_t s = 0; a != NULL && s < a->n_variants; s++) {
        const CWMS_VARIANT_SET *set = &a->variants[s];
        size_t on = node_of_x509(e, set->chosen.x509);
        char *mine = cwms_variant_words(&set->chosen);
        char *subj = cwms_name_oneline(X509_get_subject_name(set->chosen.x509));
        int ok = mine != NULL && subj != NULL && on != SIZE_MAX;

        for (size_t k = 0; ok && k < set->n_others; k++) {
            size_t i = node_of_x509(e, set->others[k].x509);
            char *theirs;

            if (i == SIZE_MAX || e->nodes[i].pub.role != CWMS_ROLE_NONE
                || e->nodes[i].left_out != NULL)
                continue;
            theirs = cwms_variant_words(&set->others[k]);
            e->nodes[i].left_out =
                cwms_format("another variant of '%s' (%s); the chain uses the one %s: %s", subj,
                            theirs != NULL ? theirs : "?", mine, set->others[k].why_not);
            OPENSSL_free(theirs);
            ok = e->nodes[i].left_out != NULL;
        }
        if (ok)
            ok =
                (e->nodes[on].variant =
                     cwms_format("the variant %s, chosen over %zu other%s of the same CA (same subject and "
                                 "key)",
                                 mine, set->n_others, set->n_others == 1 ? "" : "s"))
                != NULL;
        OPENSSL_free(mine);
        OPENSSL_free(subj);
        if (!ok && on != SIZE_MAX)
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
        return cwms_format(
            "trust anchor from the trust store: it signed a certificate of the chain, "
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

/*
 * An explanation with a node for every certificate of the pool, room for
 * extra nodes more (trust-store anchors), and, with missing, room for the
 * issuers not found; NULL when out of memory.
 */
static CWMS_EXPLAIN *explain_new(CWMS_GRAPH *g, size_t extra, int missing)
{
    const CWMS_POOL *pool = cwms_graph_pool(g);
    size_t n_pool = cwms_pool_count(pool);
    CWMS_EXPLAIN *e = OPENSSL_zalloc(sizeof(*e));

    if (e == NULL || (e->nodes = OPENSSL_zalloc((n_pool + extra) * sizeof(*e->nodes))) == NULL
        || (e->node_by_input = OPENSSL_malloc((n_pool + 1) * sizeof(size_t))) == NULL
        || (missing && (e->missing = OPENSSL_zalloc((n_pool + 1) * sizeof(*e->missing))) == NULL))
        goto oom;
    e->cap_nodes = n_pool + extra;
    e->g = g;
    e->anchor = SIZE_MAX;
    for (size_t k = 0; k < n_pool; k++) {
        e->node_by_input[k] = SIZE_MAX;
        if (!add_node(e, cwms_pool_get(pool, k), k, g))
            goto oom;
    }
    return e;
oom:
    cwms_explain_free(e);
    return NULL;
}

int cwms_explain_attach(CWMS_BUNDLE *b, const CWMS_OPTIONS *opts, CWMS_GRAPH *g,
                        const CWMS_PATH *chosen)
{
    CWMS_EXPLAIN *e = explain_new(g, 1, 0);

    if (e == NULL)
        return 0;
    e->complete = 1;
    /* A trust-store anchor is drawn only when the chain relies on it (no root of its own). */
    if (cwms_path_relies_on_anchor(chosen) && !add_node(e, chosen->anchor, SIZE_MAX, g))
        goto oom;

    /* Roles along the chosen path, positions in the bundle. */
    for (size_t j = 0; j < chosen->len; j++) {
        size_t i = node_of(e, chosen->certs[j]);

        if (i == SIZE_MAX)
            continue;
        e->nodes[i].pub.role = j == 0                         ? CWMS_ROLE_SERVER
            : j + 1 == chosen->len && chosen->self_signed_end ? CWMS_ROLE_ROOT
                                                              : CWMS_ROLE_INTERMEDIATE;
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

    if (!explain_paths(e, opts, g, chosen) || !explain_edges(e, chosen)
        || !explain_variants(e, b->anchor) || !index_certs(e))
        goto oom;
    for (size_t i = 0; i < e->n_nodes; i++) {
        NODE *n = &e->nodes[i];

        if (!n->pub.in_bundle && n->left_out == NULL
            && (n->left_out = left_out_reason(e, i)) == NULL)
            goto oom;
        n->pub.left_out = n->left_out;
        n->pub.variant = n->variant;
    }
    OPENSSL_free(e->node_by_input);
    e->node_by_input = NULL;
    e->g = NULL;
    b->explain = e;
    return 1;
oom:
    cwms_explain_free(e);
    return 0;
}

CWMS_EXPLAIN *cwms_explain_partial(CWMS_GRAPH *g, const CWMS_CERT *leaf)
{
    CWMS_EXPLAIN *e = explain_new(g, MAX_TRUST_NODES, 1);
    size_t at;

    if (e == NULL)
        return NULL;
    if (leaf != NULL && (at = node_of(e, leaf)) != SIZE_MAX)
        e->nodes[at].pub.role = CWMS_ROLE_SERVER;
    if (!explain_edges(e, NULL) || !index_certs(e))
        goto oom;
    OPENSSL_free(e->node_by_input);
    e->node_by_input = NULL;
    e->g = NULL;
    return e;
oom:
    cwms_explain_free(e);
    return NULL;
}
