/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who signed this certificate: the graph behind path building (path.h).
 *
 * Each pool certificate gets a node, found from its pointer through a
 * small open-addressing table. A node's candidate issuers are computed
 * once per issuer name and shared: the pool certificates named like the
 * issuer (canonically, through the pool's subject index), ranked by
 * validity at attime, later notAfter and input order; each node walks
 * them by keyid agreement, skipping those whose SKI contradicts its AKI
 * (OpenSSL's own issuer check rejects those too, and it spares a decode
 * and a signature check each). Signatures are verified lazily, in that
 * order; every verification counts against the work budget. Candidates
 * carrying the same public key as one already checked for the same child
 * (decoys, re-issued CAs, re-serialled copies) reuse its answer, kept per
 * key group: neither a decode nor a check is spent on them, and thousands
 * of same-name copies cost memory and time linear in their number.
 */
#include "paths/graph.h"
#include "paths/sigcheck.h"
#include "paths/trace.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

enum { UNKNOWN = -1, NO = 0, YES = 1 };

/*
 * The certificates named like an issuer, ranked, shared by every node
 * whose issuer has that name: thousands of same-name certificates cost
 * one list, not one per node (which grew quadratically). Entries carrying
 * the same public key form a group; a node's verdict is kept per group.
 */
typedef struct {
    size_t owner;              /* pool index of the node the list was made for */
    size_t *idx;               /* pool indexes, ranked by validity, later notAfter, input order */
    CWMS_CERT **cert;          /* the certificates at those indexes */
    uint32_t *group;           /* key group of each entry */
    unsigned char (*keys)[32]; /* SHA-256 of each group's SubjectPublicKeyInfo */
    signed char *have_key;     /* 0: the SPKI was not found, the group is the entry alone */
    size_t n, n_groups;
} CANDLIST;

typedef struct {
    size_t list;          /* index into g->lists, SIZE_MAX until computed */
    signed char *verdict; /* per group of the list: UNKNOWN, NO, YES; allocated on first use */
    signed char self_signed;
    signed char trust_state;
    signed char held_by_trust; /* the store holds this certificate (same subject and key) */
    uint32_t own_group; /* the node's key group in its list (self-issued), UINT32_MAX: none */
    CWMS_CERT *trust_anchor;
} NODE;

struct cwms_graph_st {
    const CWMS_POOL *pool;
    CWMS_TRUST *trust;
    int64_t attime;
    size_t budget, checks;
    NODE *nodes; /* parallel to the pool */
    size_t n;
    size_t *by_ptr; /* pointer -> pool index, SIZE_MAX when free */
    size_t table_size;
    CANDLIST *lists;
    size_t n_lists;
    size_t *by_issuer;   /* issuer name key -> index into lists, SIZE_MAX when free */
    CWMS_KEY_CACHE keys; /* issuer keys for checks from the DER */
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
    g->by_issuer = OPENSSL_malloc(size * sizeof(*g->by_issuer));
    g->lists = OPENSSL_zalloc((n ? n : 1) * sizeof(*g->lists));
    if (g->nodes == NULL || g->by_ptr == NULL || g->by_issuer == NULL || g->lists == NULL) {
        cwms_graph_free(g);
        return NULL;
    }
    memset(g->by_ptr, 0xff, size * sizeof(*g->by_ptr));
    memset(g->by_issuer, 0xff, size * sizeof(*g->by_issuer));
    for (size_t i = 0; i < n; i++) {
        size_t s = ptr_slot(cwms_pool_get(pool, i)) & (size - 1);

        while (g->by_ptr[s] != SIZE_MAX)
            s = (s + 1) & (size - 1);
        g->by_ptr[s] = i;
        g->nodes[i].list = SIZE_MAX;
        g->nodes[i].own_group = UINT32_MAX;
        g->nodes[i].self_signed = UNKNOWN;
        g->nodes[i].trust_state = UNKNOWN;
        g->nodes[i].held_by_trust = UNKNOWN;
    }
    return g;
}

void cwms_graph_free(CWMS_GRAPH *g)
{
    if (g == NULL)
        return;
    if (g->nodes != NULL)
        for (size_t i = 0; i < g->n; i++)
            OPENSSL_free(g->nodes[i].verdict);
    if (g->lists != NULL)
        for (size_t i = 0; i < g->n_lists; i++) {
            OPENSSL_free(g->lists[i].idx);
            OPENSSL_free(g->lists[i].cert);
            OPENSSL_free(g->lists[i].group);
            OPENSSL_free(g->lists[i].keys);
            OPENSSL_free(g->lists[i].have_key);
        }
    OPENSSL_free(g->lists);
    OPENSSL_free(g->nodes);
    OPENSSL_free(g->by_ptr);
    OPENSSL_free(g->by_issuer);
    cwms_key_cache_clear(&g->keys);
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
    const unsigned char *der;
    size_t der_len;
    int ok;

    if (g->checks >= g->budget) {
        cwms_debug(CWMS_DEBUG_PATH, "the budget of %zu signature checks is spent", g->budget);
        return UNKNOWN;
    }
    g->checks++;
    /* A signature that does not verify needs no decode of the child; one that does, its decode. */
    if ((pk = cwms_key_cache_get0(&g->keys, issuer)) != NULL
        && (der = cwms_cert_get0_der(child, &der_len)) != NULL
        && (ok = cwms_sig_verify_der(der, der_len, pk)) >= 0) {
        ok = ok && cwms_cert_x509(child) != NULL;
    } else {
        ERR_set_mark();
        cx = cwms_cert_x509(child);
        ix = cwms_cert_x509(issuer);
        pk = ix != NULL ? X509_get0_pubkey(ix) : NULL;
        ok = cx != NULL && pk != NULL && X509_verify(cx, pk) == 1;
        ERR_pop_to_mark();
    }
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
    int valid;
    int64_t not_after;
} RANKED;

static int rank_cmp(const void *pa, const void *pb)
{
    const RANKED *a = pa, *b = pb;

    if (a->valid != b->valid)
        return b->valid - a->valid;
    if (a->not_after != b->not_after)
        return a->not_after > b->not_after ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

typedef struct {
    size_t pos;
    unsigned char key[32];
} KEYED;

static int key_cmp(const void *pa, const void *pb)
{
    const KEYED *a = pa, *b = pb;
    int c = memcmp(a->key, b->key, 32);

    return c != 0 ? c : a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Numbers the key groups of a ranked list: entries with the same SPKI share one. 0 on allocation failure. */
static int group_by_key(CANDLIST *l)
{
    KEYED *keyed = OPENSSL_malloc((l->n ? l->n : 1) * sizeof(*keyed));
    size_t n_keyed = 0;

    l->group = OPENSSL_malloc((l->n ? l->n : 1) * sizeof(*l->group));
    l->keys = OPENSSL_malloc((l->n ? l->n : 1) * sizeof(*l->keys));
    l->have_key = OPENSSL_malloc(l->n ? l->n : 1);
    if (keyed == NULL || l->group == NULL || l->keys == NULL || l->have_key == NULL) {
        OPENSSL_free(keyed);
        return 0;
    }
    for (size_t i = 0; i < l->n; i++) {
        keyed[n_keyed].pos = i;
        if (cwms_cert_spki_sha256(l->cert[i], keyed[n_keyed].key))
            n_keyed++;
        else
            l->group[i] = UINT32_MAX;
    }
    qsort(keyed, n_keyed, sizeof(*keyed), key_cmp);
    l->n_groups = 0;
    for (size_t k = 0; k < n_keyed; k++) {
        if (k == 0 || memcmp(keyed[k].key, keyed[k - 1].key, 32) != 0) {
            memcpy(l->keys[l->n_groups], keyed[k].key, 32);
            l->have_key[l->n_groups] = 1;
            l->n_groups++;
        }
        l->group[keyed[k].pos] = (uint32_t)(l->n_groups - 1);
    }
    for (size_t i = 0; i < l->n; i++)
        if (l->group[i] == UINT32_MAX) {
            l->have_key[l->n_groups] = 0;
            l->group[i] = (uint32_t)l->n_groups++;
        }
    OPENSSL_free(keyed);
    return 1;
}

/* The candidate issuers of child in its list, one line each, on the path channel. */
static void trace_candidates(CWMS_CERT *child, const CANDLIST *l, int64_t attime)
{
    char a[CWMS_TRACE_LABEL_SIZE], b[CWMS_TRACE_LABEL_SIZE];
    size_t n = 0, k = 0;

    for (size_t i = 0; i < l->n; i++)
        n += l->cert[i] != child && cwms_keyid_agreement(child, l->cert[i]) >= 0;
    cwms_debug(CWMS_DEBUG_PATH, "issuers of %s: %zu candidate(s) of %zu named like its issuer",
               cwms_trace_label(child, a), n, l->n);
    for (int pass = 1; pass >= 0; pass--)
        for (size_t i = 0; i < l->n; i++)
            if (l->cert[i] != child && cwms_keyid_agreement(child, l->cert[i]) == pass)
                cwms_debug(CWMS_DEBUG_PATH,
                           "  candidate %zu: %s (key id %s, %s at the validation "
                           "time)",
                           ++k, cwms_trace_label(l->cert[i], b), pass > 0 ? "matches" : "absent",
                           cwms_cert_valid_at(l->cert[i], attime) ? "valid" : "not valid");
}

/* The ranked list of the certificates named like the issuer of pool certificate idx; 0 on allocation failure. */
static int find_candidates(CWMS_GRAPH *g, size_t idx)
{
    NODE *node = &g->nodes[idx];
    CWMS_CERT *child = cwms_pool_get(g->pool, idx), **named = NULL;
    uint64_t key = cwms_cert_name_key(child, CWMS_NAME_ISSUER);
    size_t mask = g->table_size - 1, s = (size_t)(key * 0x9E3779B97F4A7C15ULL >> 20) & mask;
    RANKED *ranked = NULL;
    CANDLIST *l;
    size_t total;

    for (; g->by_issuer[s] != SIZE_MAX; s = (s + 1) & mask) {
        CWMS_CERT *owner = cwms_pool_get(g->pool, g->lists[g->by_issuer[s]].owner);

        if (cwms_cert_names_equal(owner, CWMS_NAME_ISSUER, child, CWMS_NAME_ISSUER)) {
            node->list = g->by_issuer[s];
            return 1;
        }
    }
    l = &g->lists[g->n_lists];
    l->owner = idx;
    total = cwms_pool_find_subject(g->pool, cwms_cert_issuer(child), NULL, 0);
    if (total > 0) {
        named = OPENSSL_malloc(total * sizeof(*named));
        ranked = OPENSSL_malloc(total * sizeof(*ranked));
        l->idx = OPENSSL_malloc(total * sizeof(*l->idx));
        l->cert = OPENSSL_malloc(total * sizeof(*l->cert));
        if (named == NULL || ranked == NULL || l->idx == NULL || l->cert == NULL) {
            OPENSSL_free(named);
            OPENSSL_free(ranked);
            OPENSSL_free(l->idx);
            OPENSSL_free(l->cert);
            l->idx = NULL;
            l->cert = NULL;
            return 0;
        }
        cwms_pool_find_subject(g->pool, cwms_cert_issuer(child), named, total);
        for (size_t i = 0; i < total; i++) {
            ranked[i].idx = cwms_graph_input_index(g, named[i]);
            ranked[i].valid = cwms_cert_valid_at(named[i], g->attime);
            ranked[i].not_after = cwms_cert_not_after(named[i]);
        }
        qsort(ranked, total, sizeof(*ranked), rank_cmp);
        for (size_t i = 0; i < total; i++) {
            l->idx[i] = ranked[i].idx;
            l->cert[i] = cwms_pool_get(g->pool, ranked[i].idx);
        }
        l->n = total;
    }
    OPENSSL_free(named);
    OPENSSL_free(ranked);
    if (!group_by_key(l)) {
        OPENSSL_free(l->idx);
        OPENSSL_free(l->cert);
        OPENSSL_free(l->group);
        OPENSSL_free(l->keys);
        OPENSSL_free(l->have_key);
        memset(l, 0, sizeof(*l));
        return 0;
    }
    g->by_issuer[s] = g->n_lists;
    node->list = g->n_lists++;
    return 1;
}

/* The list for node idx, and its own key group in it (a self-issued node is in its list). */
static int node_list(CWMS_GRAPH *g, size_t idx)
{
    NODE *node = &g->nodes[idx];
    const CANDLIST *l;

    if (node->list != SIZE_MAX)
        return 1;
    if (!find_candidates(g, idx))
        return 0;
    l = &g->lists[node->list];
    if (cwms_path_tracing())
        trace_candidates(cwms_pool_get(g->pool, idx), l, g->attime);
    node->own_group = UINT32_MAX;
    if (cwms_cert_self_issued(cwms_pool_get(g->pool, idx)))
        for (size_t i = 0; i < l->n; i++)
            if (l->idx[i] == idx) {
                node->own_group = l->have_key[l->group[i]] ? l->group[i] : UINT32_MAX;
                break;
            }
    return 1;
}

/*
 * The verdict of key group grp of node idx's list on node idx's signature,
 * checking it on first use. A candidate with the certificate's own key
 * signed it exactly when it is self-signed: that answer is shared.
 */
static int group_verdict(CWMS_GRAPH *g, size_t idx, size_t grp, CWMS_CERT *issuer)
{
    NODE *node = &g->nodes[idx];
    const CANDLIST *l = &g->lists[node->list];
    CWMS_CERT *child = cwms_pool_get(g->pool, idx);

    if (node->verdict == NULL) {
        if ((node->verdict = OPENSSL_malloc(l->n_groups ? l->n_groups : 1)) == NULL)
            return UNKNOWN - 1;
        memset(node->verdict, UNKNOWN, l->n_groups);
    }
    if (node->verdict[grp] != UNKNOWN)
        return node->verdict[grp];
    if (grp == node->own_group)
        node->verdict[grp] = (signed char)cwms_graph_self_signed(g, child);
    else
        node->verdict[grp] = (signed char)verify(g, child, issuer);
    return node->verdict[grp];
}

/*
 * Candidates are walked twice over the shared list: first those whose SKI
 * matches the child's AKI, then those with no verdict either way; a
 * contradicting SKI is another key (OpenSSL's own issuer check rejects it
 * too) and the child itself is the self-signed case. Entries a pass does
 * not take are answered "did not sign" without any work.
 */
CWMS_CERT *cwms_graph_issuer_at(CWMS_GRAPH *g, size_t idx, size_t i, int only_valid, int *signed_it,
                                int *oom)
{
    NODE *node = &g->nodes[idx];
    CWMS_CERT *issuer, *child = cwms_pool_get(g->pool, idx);
    const CANDLIST *l;
    size_t pos;
    int agree, r;

    *oom = 0;
    if (!node_list(g, idx)) {
        *oom = 1;
        return NULL;
    }
    l = &g->lists[node->list];
    if (i >= 2 * l->n)
        return NULL;
    pos = i % l->n;
    issuer = l->cert[pos];
    *signed_it = NO;
    /* The certificate itself and its own key's twins: only the self-signed answer, once. */
    if (issuer == child || (l->group[pos] == node->own_group && i >= l->n))
        return issuer;
    if (l->group[pos] == node->own_group) {
        if ((r = cwms_graph_self_signed(g, child)) == UNKNOWN
            || (r == YES && cwms_keyid_agreement(child, issuer) >= 0))
            *signed_it = r;
        return issuer;
    }
    agree = cwms_keyid_agreement(child, issuer);
    if (agree != (i < l->n ? 1 : 0))
        return issuer;
    if (only_valid && !cwms_cert_valid_at(issuer, g->attime))
        return issuer;
    r = group_verdict(g, idx, l->group[pos], issuer);
    if (r < UNKNOWN) {
        *oom = 1;
        return NULL;
    }
    *signed_it = r;
    return issuer;
}

int cwms_graph_signed_by(CWMS_GRAPH *g, CWMS_CERT *child, CWMS_CERT *issuer)
{
    size_t ci = cwms_graph_input_index(g, child), ii = cwms_graph_input_index(g, issuer);

    if (ci != SIZE_MAX && ii != SIZE_MAX && g->nodes[ci].list != SIZE_MAX && child != issuer) {
        const CANDLIST *l = &g->lists[g->nodes[ci].list];

        for (size_t i = 0; i < l->n; i++) {
            int r;

            if (l->idx[i] != ii)
                continue;
            if ((r = group_verdict(g, ci, l->group[i], issuer)) >= UNKNOWN)
                return r;
            break;
        }
    }
    if (child == issuer)
        return cwms_graph_self_signed(g, child) == YES ? YES
            : cwms_cert_self_issued(child)             ? NO
                                                       : verify(g, child, issuer);
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

int cwms_graph_trust_issuer(CWMS_GRAPH *g, CWMS_CERT *cert, CWMS_CERT **anchor, CWMS_DIAG *diag)
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
                return UNKNOWN; /* not cached: the build stops here anyway */
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

int cwms_graph_trust_holds(CWMS_GRAPH *g, CWMS_CERT *cert, CWMS_DIAG *diag)
{
    size_t i = cwms_graph_input_index(g, cert);

    if (g->trust == NULL)
        return NO;
    if (i == SIZE_MAX)
        return cwms_trust_holds(g->trust, cert, diag);
    if (g->nodes[i].held_by_trust == UNKNOWN)
        g->nodes[i].held_by_trust = (signed char)cwms_trust_holds(g->trust, cert, diag);
    return g->nodes[i].held_by_trust;
}
