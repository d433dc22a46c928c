/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Candidate paths: a depth-first walk over the issuer graph (path.h).
 *
 * The walk keeps the current path and, per depth, the position in the
 * tail's ranked issuer list, so it needs no recursion and no allocation.
 * A candidate joins the path only when it signed the tail and is not on
 * the path already — neither the same certificate nor the same CA (same
 * subject and key, as with a root and its cross-signed twin) — which is
 * what makes loops terminate. Every step counts against a bound tied to
 * the signature budget, since a dense graph can hold exponentially many
 * paths without a single new signature check.
 */
#include "paths/path.h"

#include <string.h>

#include <openssl/evp.h>

/*
 * Same-CA siblings (re-serialled or re-issued copies of one CA) lead to the
 * same paths but for themselves: once MAX_ANCHORED_TWINS of them gave an
 * anchored path from a frame, the rest are not walked (each would cost a
 * decode and a signature check, thousands of copies add up).
 */
#define MAX_ANCHORED_TWINS 2
/* Cross-signed copies may reach a trusted anchor the others missed: a few more are walked. */
#define MAX_UNTRUSTED_TWINS 16
#define MAX_TWIN_KEYS 4

typedef struct {
    size_t idx;    /* input index of the certificate at this depth */
    size_t next;   /* next candidate issuer to try */
    int extended;  /* some issuer was pushed from here */
    int sub_level; /* best path through here: 0 unanchored, 1 anchored, 2 trusted */
    size_t n_keys; /* issuers' keys that led to anchored paths from here */
    unsigned char keys[MAX_TWIN_KEYS][32];
    unsigned counts[MAX_TWIN_KEYS];  /* anchored paths through issuers of that key */
    unsigned trusted[MAX_TWIN_KEYS]; /* of them, those ending at a trusted anchor */
} FRAME;

static void frame_reset(FRAME *f, size_t idx)
{
    f->idx = idx;
    f->next = 0;
    f->extended = 0;
    f->sub_level = 0;
    f->n_keys = 0;
}

/*
 * An issuer whose key already gave MAX_ANCHORED_TWINS trusted paths from
 * f, or as many anchored ones when it is self-issued: another self-issued
 * copy of the same subject and key can only end where they did (the
 * store holds all of them or none), while a cross-signed copy may still
 * reach a trusted anchor the others do not (up to MAX_UNTRUSTED_TWINS).
 */
static int twin_exhausted(const FRAME *f, CWMS_CERT *c)
{
    unsigned char key[32];

    if (f->n_keys == 0 || !cwms_cert_spki_sha256(c, key))
        return 0;
    for (size_t k = 0; k < f->n_keys; k++)
        if (memcmp(f->keys[k], key, 32) == 0)
            return f->trusted[k] >= MAX_ANCHORED_TWINS
                || (f->counts[k] >= MAX_ANCHORED_TWINS && cwms_cert_self_issued(c))
                || f->counts[k] >= MAX_UNTRUSTED_TWINS;
    return 0;
}

static void note_anchored_issuer(FRAME *f, CWMS_CERT *c, int trusted)
{
    unsigned char key[32];

    if (!cwms_cert_spki_sha256(c, key))
        return;
    for (size_t k = 0; k < f->n_keys; k++)
        if (memcmp(f->keys[k], key, 32) == 0) {
            f->counts[k]++;
            f->trusted[k] += (unsigned)trusted;
            return;
        }
    if (f->n_keys < MAX_TWIN_KEYS) {
        memcpy(f->keys[f->n_keys], key, 32);
        f->trusted[f->n_keys] = (unsigned)trusted;
        f->counts[f->n_keys++] = 1;
    }
}

int cwms_path_same_ca(CWMS_CERT *a, CWMS_CERT *b)
{
    X509 *xa, *xb;
    const unsigned char *ska, *skb;
    size_t la, lb;

    if (!cwms_cert_names_equal(a, CWMS_NAME_SUBJECT, b, CWMS_NAME_SUBJECT))
        return 0;
    if ((ska = cwms_cert_ski(a, &la)) != NULL && (skb = cwms_cert_ski(b, &lb)) != NULL && la == lb
        && memcmp(ska, skb, la) == 0)
        return 1;
    xa = cwms_cert_x509(a);
    xb = cwms_cert_x509(b);
    return xa != NULL && xb != NULL && EVP_PKEY_eq(X509_get0_pubkey(xa), X509_get0_pubkey(xb)) == 1;
}

static int on_path(const CWMS_PATH *p, CWMS_CERT *c)
{
    for (size_t i = 0; i < p->len; i++)
        if (p->certs[i] == c || cwms_path_same_ca(p->certs[i], c))
            return 1;
    return 0;
}

static void budget_error(CWMS_GRAPH *g, CWMS_DIAG *diag, size_t steps)
{
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_WORK_BUDGET,
                  "gave up after %zu signature checks (%zu path steps): the inputs hold too "
                  "many candidate issuers; remove unrelated certificates (certificates of other "
                  "CAs, repeated copies) from the inputs",
                  cwms_graph_checks(g), steps);
}

/* What is known of the path up to each depth, set when the walk enters it. */
typedef struct {
    size_t anchored_at[CWMS_MAX_PATH]; /* first anchored depth up to d, or SIZE_MAX */
    CWMS_CERT *anchors[CWMS_MAX_PATH]; /* the trust anchor that anchored it, or NULL */
    int self_signed[CWMS_MAX_PATH];
    int trusted[CWMS_MAX_PATH]; /* the anchor up to d is one the trust store holds */
} DEPTHS;

/*
 * Entering depth d with tail: is it self-signed, and is the path anchored
 * here (self-signed, or signed by a trust anchor) and by whom. 1 when the
 * walk may go on past tail, 0 when it stops there, -1 when the budget is
 * spent.
 */
static int enter(CWMS_GRAPH *g, DEPTHS *s, size_t d, CWMS_CERT *tail, CWMS_PATH_CHOICE choice,
                 CWMS_DIAG *diag)
{
    CWMS_CERT *anchor = NULL;
    int r;

    if ((r = cwms_graph_self_signed(g, tail)) < 0)
        return -1;
    s->self_signed[d] = r;
    s->anchored_at[d] = d > 0 ? s->anchored_at[d - 1] : SIZE_MAX;
    s->anchors[d] = d > 0 ? s->anchors[d - 1] : NULL;
    s->trusted[d] = d > 0 ? s->trusted[d - 1] : 0;
    if (s->anchored_at[d] == SIZE_MAX) {
        if (r == 1) {
            s->anchored_at[d] = d;
            s->trusted[d] = cwms_graph_trust_holds(g, tail, diag) == 1;
        } else if ((r = cwms_graph_trust_issuer(g, tail, &anchor, diag)) < 0) {
            return -1;
        } else if (r == 1) {
            s->anchored_at[d] = d;
            s->anchors[d] = anchor;
            s->trusted[d] = 1;
        }
    }
    /* Nothing signs past a self-signed certificate; shortest stops at its anchor. */
    return !(s->self_signed[d] || (choice == CWMS_PATH_SHORTEST && s->anchored_at[d] != SIZE_MAX)
             || d + 1 == CWMS_MAX_PATH);
}

/*
 * The next issuer of the tail at depth d to walk to from frame f, or NULL
 * when none is left. *err: 0, 1 budget spent, 2 out of memory.
 */
static CWMS_CERT *next_issuer(CWMS_GRAPH *g, FRAME *f, const CWMS_PATH *path, int past_anchor,
                              int *err)
{
    int oom = 0, signed_it = 0;

    *err = 0;
    for (;;) {
        /* Past an anchor the path grows only through certificates valid at attime. */
        CWMS_CERT *c = cwms_graph_issuer_at(g, f->idx, f->next, past_anchor, &signed_it, &oom);

        if (c == NULL) {
            *err = oom ? 2 : 0;
            return NULL;
        }
        f->next++;
        if (signed_it < 0) {
            *err = 1;
            return NULL;
        }
        if (signed_it == 1 && !on_path(path, c) && !twin_exhausted(f, c))
            return c;
    }
}

/* The path up to depth d as a candidate, handed to visit. */
static int visit_path(CWMS_PATH *path, const DEPTHS *s, size_t d, cwms_path_visit_fn visit,
                      void *arg)
{
    path->len = d + 1;
    path->anchored = s->anchored_at[d] != SIZE_MAX;
    path->anchor_at = path->anchored ? s->anchored_at[d] : 0;
    path->anchor = path->anchored ? s->anchors[d] : NULL;
    path->self_signed_end = s->self_signed[d];
    path->trusted = path->anchored && s->trusted[d];
    return visit(path, arg);
}

int cwms_paths_enumerate(CWMS_GRAPH *g, CWMS_CERT *leaf, CWMS_PATH_CHOICE choice,
                         cwms_path_visit_fn visit, void *arg, CWMS_DIAG *diag)
{
    FRAME frames[CWMS_MAX_PATH];
    DEPTHS s;
    CWMS_PATH path;
    size_t depth = 0, steps = 0, max_steps;
    size_t leaf_idx = cwms_graph_input_index(g, leaf);
    int entering = 1;

    if (leaf_idx == SIZE_MAX) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "the leaf is not among the inputs");
        return 0;
    }
    /* A generous multiple of the signature budget: only pathological pools come near it. */
    max_steps = cwms_graph_budget(g) > CWMS_DEFAULT_WORK_BUDGET ? cwms_graph_budget(g)
                                                                : CWMS_DEFAULT_WORK_BUDGET;
    max_steps *= 16;
    memset(&path, 0, sizeof(path));
    path.certs[0] = leaf;
    path.len = 1;
    frame_reset(&frames[0], leaf_idx);

    for (;;) {
        FRAME *f = &frames[depth];
        int go_on = 1, err;

        if (entering) {
            entering = 0;
            if (++steps > max_steps
                || (go_on = enter(g, &s, depth, path.certs[depth], choice, diag)) < 0) {
                budget_error(g, diag, steps);
                return 0;
            }
        }
        if (go_on) {
            CWMS_CERT *next = next_issuer(g, f, &path, s.anchored_at[depth] != SIZE_MAX, &err);

            if (err != 0) {
                if (err == 1)
                    budget_error(g, diag, steps);
                else
                    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
                return 0;
            }
            if (next != NULL) {
                f->extended = 1;
                depth++;
                path.certs[depth] = next;
                path.len = depth + 1;
                frame_reset(&frames[depth], cwms_graph_input_index(g, next));
                entering = 1;
                continue;
            }
        }
        /* Done with this depth: a path that went no further is a candidate. */
        if (!go_on || !f->extended) {
            if (!visit_path(&path, &s, depth, visit, arg)) {
                cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
                return 0;
            }
            if (path.anchored)
                f->sub_level = f->sub_level > 1 + path.trusted ? f->sub_level : 1 + path.trusted;
        }
        if (depth == 0)
            return 1;
        if (f->sub_level > 0) {
            FRAME *up = &frames[depth - 1];

            up->sub_level = up->sub_level > f->sub_level ? up->sub_level : f->sub_level;
            note_anchored_issuer(up, path.certs[depth], f->sub_level == 2);
        }
        path.certs[depth] = NULL;
        depth--;
        path.len = depth + 1;
    }
}
