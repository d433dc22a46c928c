/*
 * Who signed this certificate: the graph behind path building (path.h).
 *
 * Each pool certificate gets a node, found from its pointer through a
 * small open-addressing table. A node's candidate issuers are computed
 * once: the pool certificates named like its issuer (canonically, through
 * the pool's subject index), minus those whose SKI contradicts its AKI
 * (OpenSSL's own issuer check rejects those too, and it spares a decode
 * and a signature check each), ranked by keyid agreement, validity at
 * attime, later notAfter and input order. Signatures are verified lazily,
 * in that order, each pair once; every verification counts against the
 * work budget. Candidates carrying the same public key as one already
 * checked for the same child (decoys, re-issued CAs) reuse its answer:
 * neither a decode nor a check is spent on them.
 */
#include "paths/graph.h"
#include "paths/trace.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

enum { UNKNOWN = -1, NO = 0, YES = 1 };

typedef struct {
    size_t idx;              /* pool index */
    signed char verified;    /* UNKNOWN, NO, YES */
    signed char have_key_id; /* key_id is set (the SPKI was found in the DER) */
    unsigned char key_id[32]; /* SHA-256 of the candidate's SubjectPublicKeyInfo DER */
} CAND;

typedef struct {
    CAND *cands;
    size_t n_cands;
    int have_cands;
    signed char self_signed;
    signed char trust_state;
    CWMS_CERT *trust_anchor;
} NODE;

struct cwms_graph_st {
    const CWMS_POOL *pool;
    CWMS_TRUST *trust;
    int64_t attime;
    size_t budget, checks;
    NODE *nodes;             /* parallel to the pool */
    size_t n;
    size_t *by_ptr;          /* pointer -> pool index, SIZE_MAX when free */
    size_t table_size;
};

static size_t ptr_slot(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ULL >> 20);
}

CWMS_GRAPH *cwms_graph_new(const CWMS_POOL *pool, CWMS_TRUST *trust, int64_t attime,
                           size_t work_budget)
{
    CWMS_GRAPH *g = OPENSSL_zalloc(sizeof(*g));
    size_t n = cwms_pool_count(pool), size = 16;

    if (g == NULL)
        return NULL;
    g->pool = pool;
    g->trust = trust;
    g->attime = attime;
    g->budget = work_budget ? work_budget : CWMS_DEFAULT_WORK_BUDGET;
    g->n = n;
    while (size < 2 * n)
        size *= 2;
    g->table_size = size;
    g->nodes = OPENSSL_zalloc((n ? n : 1) * sizeof(*g->nodes));
    g->by_ptr = OPENSSL_malloc(size * sizeof(*g->by_ptr));
    if (g->nodes == NULL || g->by_ptr == NULL) {
        cwms_graph_free(g);
        return NULL;
    }
    memset(g->by_ptr, 0xff, size * sizeof(*g->by_ptr));
    for (size_t i = 0; i < n; i++) {
        size_t s = ptr_slot(cwms_pool_get(pool, i)) & (size - 1);

        while (g->by_ptr[s] != SIZE_MAX)
            s = (s + 1) & (size - 1);
        g->by_ptr[s] = i;
        g->nodes[i].self_signed = UNKNOWN;
        g->nodes[i].trust_state = UNKNOWN;
    }
    return g;
}

void cwms_graph_free(CWMS_GRAPH *g)
{
    if (g == NULL)
        return;
    if (g->nodes != NULL)
        for (size_t i = 0; i < g->n; i++)
            OPENSSL_free(g->nodes[i].cands);
    OPENSSL_free(g->nodes);
    OPENSSL_free(g->by_ptr);
    OPENSSL_free(g);
}

int64_t cwms_graph_attime(const CWMS_GRAPH *g)
{
    return g->attime;
}

const CWMS_POOL *cwms_graph_pool(const CWMS_GRAPH *g)
{
    return g->pool;
}

size_t cwms_graph_budget(const CWMS_GRAPH *g)
{
    return g->budget;
}

size_t cwms_graph_checks(const CWMS_GRAPH *g)
{
    return g->checks;
}

size_t cwms_graph_input_index(const CWMS_GRAPH *g, const CWMS_CERT *cert)
{
    size_t mask = g->table_size - 1, s = ptr_slot(cert) & mask;

    for (; g->by_ptr[s] != SIZE_MAX; s = (s + 1) & mask)
        if (cwms_pool_get(g->pool, g->by_ptr[s]) == cert)
            return g->by_ptr[s];
    return SIZE_MAX;
}

int cwms_cert_valid_at(CWMS_CERT *cert, int64_t t)
{
    return cwms_cert_not_before(cert) <= t && t <= cwms_cert_not_after(cert);
}

int cwms_keyid_agreement(CWMS_CERT *child, CWMS_CERT *issuer)
{
    size_t aki_len, ski_len;
    const unsigned char *aki = cwms_cert_aki(child, &aki_len);
    const unsigned char *ski;

    if (aki == NULL || (ski = cwms_cert_ski(issuer, &ski_len)) == NULL)
        return 0;
    return aki_len == ski_len && memcmp(aki, ski, aki_len) == 0 ? 1 : -1;
}

/* One signature check, counted against the budget. */
static int verify(CWMS_GRAPH *g, CWMS_CERT *child, CWMS_CERT *issuer)
{
    X509 *cx, *ix;
    EVP_PKEY *pk;
    int ok;

    if (g->checks >= g->budget) {
        cwms_debug(CWMS_DEBUG_PATH, "the budget of %zu signature checks is spent", g->budget);
        return UNKNOWN;
    }
    g->checks++;
    ERR_set_mark();
    cx = cwms_cert_x509(child);
    ix = cwms_cert_x509(issuer);
    pk = ix != NULL ? X509_get0_pubkey(ix) : NULL;
    ok = cx != NULL && pk != NULL && X509_verify(cx, pk) == 1;
    ERR_pop_to_mark();
    if (cwms_path_tracing()) {
        char a[CWMS_TRACE_LABEL_SIZE], b[CWMS_TRACE_LABEL_SIZE];

        cwms_debug(CWMS_DEBUG_PATH, "signature of %s by %s: %s (check %zu of %zu)",
                   cwms_trace_label(child, a), cwms_trace_label(issuer, b),
                   ok ? "verifies" : "does not verify", g->checks, g->budget);
    }
    return ok ? YES : NO;
}

typedef struct {
    size_t idx;
    int agree, valid;
    int64_t not_after;
} RANKED;

static int rank_cmp(const void *pa, const void *pb)
{
    const RANKED *a = pa, *b = pb;

    if (a->agree != b->agree)
        return b->agree - a->agree;
    if (a->valid != b->valid)
        return b->valid - a->valid;
    if (a->not_after != b->not_after)
        return a->not_after > b->not_after ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The ranked candidate issuers of child, one line each, on the path channel. */
static void trace_candidates(CWMS_GRAPH *g, CWMS_CERT *child, const RANKED *ranked, size_t n,
                             size_t named)
{
    char a[CWMS_TRACE_LABEL_SIZE], b[CWMS_TRACE_LABEL_SIZE];

    cwms_debug(CWMS_DEBUG_PATH, "issuers of %s: %zu candidate(s) of %zu named like its issuer",
               cwms_trace_label(child, a), n, named);
    for (size_t i = 0; i < n; i++)
        cwms_debug(CWMS_DEBUG_PATH, "  candidate %zu: %s (key id %s, %s at the validation time)",
                   i + 1, cwms_trace_label(cwms_pool_get(g->pool, ranked[i].idx), b),
                   ranked[i].agree > 0 ? "matches" : "absent",
                   ranked[i].valid ? "valid" : "not valid");
}

/* Fills node->cands for the pool certificate at idx; 0 on allocation failure. */
static int find_candidates(CWMS_GRAPH *g, size_t idx)
{
    NODE *node = &g->nodes[idx];
    CWMS_CERT *child = cwms_pool_get(g->pool, idx), **named = NULL;
    RANKED *ranked = NULL;
    size_t total, n = 0;

    total = cwms_pool_find_subject(g->pool, cwms_cert_issuer(child), NULL, 0);
    if (total > 0) {
        named = OPENSSL_malloc(total * sizeof(*named));
        ranked = OPENSSL_malloc(total * sizeof(*ranked));
        node->cands = OPENSSL_malloc(total * sizeof(*node->cands));
        if (named == NULL || ranked == NULL || node->cands == NULL) {
            OPENSSL_free(named);
            OPENSSL_free(ranked);
            return 0;
        }
        cwms_pool_find_subject(g->pool, cwms_cert_issuer(child), named, total);
        for (size_t i = 0; i < total; i++) {
            int agree = cwms_keyid_agreement(child, named[i]);

            /* Itself is the self-signed case, not an issuer edge; a contradicting SKI is another key. */
            if (named[i] == child || agree < 0)
                continue;
            ranked[n].idx = cwms_graph_input_index(g, named[i]);
            ranked[n].agree = agree;
            ranked[n].valid = cwms_cert_valid_at(named[i], g->attime);
            ranked[n].not_after = cwms_cert_not_after(named[i]);
            n++;
        }
        qsort(ranked, n, sizeof(*ranked), rank_cmp);
        for (size_t i = 0; i < n; i++) {
            node->cands[i].idx = ranked[i].idx;
            node->cands[i].verified = UNKNOWN;
            node->cands[i].have_key_id = 0;
        }
    }
    if (cwms_path_tracing())
        trace_candidates(g, child, ranked, n, total);
    OPENSSL_free(named);
    OPENSSL_free(ranked);
    node->n_cands = n;
    node->have_cands = 1;
    return 1;
}

CWMS_CERT *cwms_graph_issuer_at(CWMS_GRAPH *g, size_t idx, size_t i, int only_valid,
                                int *signed_it, int *oom)
{
    NODE *node = &g->nodes[idx];
    CWMS_CERT *issuer;
    CAND *c;

    *oom = 0;
    if (!node->have_cands && !find_candidates(g, idx)) {
        *oom = 1;
        return NULL;
    }
    if (i >= node->n_cands)
        return NULL;
    c = &node->cands[i];
    issuer = cwms_pool_get(g->pool, c->idx);
    if (only_valid && !cwms_cert_valid_at(issuer, g->attime)) {
        *signed_it = NO;
        return issuer;
    }
    if (c->verified == UNKNOWN) {
        if (!c->have_key_id)
            c->have_key_id = (signed char)cwms_cert_spki_sha256(issuer, c->key_id);
        for (size_t j = 0; c->have_key_id && j < node->n_cands; j++) {
            const CAND *o = &node->cands[j];

            if (j != i && o->verified != UNKNOWN && o->have_key_id
                && memcmp(o->key_id, c->key_id, 32) == 0) {
                c->verified = o->verified;
                if (cwms_path_tracing()) {
                    char a[CWMS_TRACE_LABEL_SIZE], b[CWMS_TRACE_LABEL_SIZE];

                    cwms_debug(CWMS_DEBUG_PATH, "signature of %s by %s: %s (same key as "
                               "candidate %zu, no check spent)",
                               cwms_trace_label(cwms_pool_get(g->pool, idx), a),
                               cwms_trace_label(issuer, b),
                               c->verified == YES ? "verifies" : "does not verify", j + 1);
                }
                break;
            }
        }
        if (c->verified == UNKNOWN)
            c->verified = (signed char)verify(g, cwms_pool_get(g->pool, idx), issuer);
    }
    *signed_it = c->verified;
    return issuer;
}

int cwms_graph_signed_by(CWMS_GRAPH *g, CWMS_CERT *child, CWMS_CERT *issuer)
{
    size_t ci = cwms_graph_input_index(g, child), ii = cwms_graph_input_index(g, issuer);

    if (ci != SIZE_MAX && ii != SIZE_MAX && g->nodes[ci].have_cands) {
        NODE *node = &g->nodes[ci];

        for (size_t i = 0; i < node->n_cands; i++) {
            if (node->cands[i].idx != ii)
                continue;
            if (node->cands[i].verified == UNKNOWN)
                node->cands[i].verified = (signed char)verify(g, child, issuer);
            return node->cands[i].verified;
        }
    }
    if (child == issuer)
        return cwms_graph_self_signed(g, child) == YES ? YES
               : cwms_cert_self_issued(child) ? NO : verify(g, child, issuer);
    return verify(g, child, issuer);
}

int cwms_graph_self_signed(CWMS_GRAPH *g, CWMS_CERT *cert)
{
    size_t i = cwms_graph_input_index(g, cert);

    if (!cwms_cert_self_issued(cert))
        return NO;
    if (i == SIZE_MAX)
        return verify(g, cert, cert);
    if (g->nodes[i].self_signed == UNKNOWN)
        g->nodes[i].self_signed = (signed char)verify(g, cert, cert);
    return g->nodes[i].self_signed;
}

int cwms_graph_trust_issuer(CWMS_GRAPH *g, CWMS_CERT *cert, CWMS_CERT **anchor,
                            CWMS_DIAG *diag)
{
    size_t i = cwms_graph_input_index(g, cert), n;
    CWMS_CERT *named[64];
    int best = NO;

    *anchor = NULL;
    if (g->trust == NULL)
        return NO;
    if (i != SIZE_MAX && g->nodes[i].trust_state != UNKNOWN) {
        *anchor = g->nodes[i].trust_anchor;
        return g->nodes[i].trust_state;
    }
    n = cwms_trust_find_subject(g->trust, cwms_cert_issuer(cert), named, 64, diag);
    if (n > 64)
        n = 64;
    /*
     * Anchors valid at attime before expired ones (a store may keep both),
     * and within each, those whose SKI matches the AKI: usually the one and
     * only check.
     */
    for (int pass = 0; pass < 4 && best == NO; pass++) {
        int want_agree = pass % 2 == 0, want_valid = pass < 2;

        for (size_t k = 0; k < n; k++) {
            int r;

            if (cwms_keyid_agreement(cert, named[k]) != want_agree
                || cwms_cert_valid_at(named[k], g->attime) != want_valid)
                continue;
            r = verify(g, cert, named[k]);
            if (r == UNKNOWN)
                return UNKNOWN;   /* not cached: the build stops here anyway */
            if (r == YES) {
                *anchor = named[k];
                best = YES;
                break;
            }
        }
    }
    if (i != SIZE_MAX) {
        g->nodes[i].trust_state = (signed char)best;
        g->nodes[i].trust_anchor = *anchor;
    }
    return best;
}
