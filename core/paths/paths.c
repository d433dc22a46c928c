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
#define MAX_TWIN_KEYS 4

typedef struct {
    size_t idx;       /* input index of the certificate at this depth */
    size_t next;      /* next candidate issuer to try */
    int extended;     /* some issuer was pushed from here */
    int sub_anchored; /* some path through here was anchored */
    size_t n_keys;    /* issuers' keys that led to anchored paths from here */
    unsigned char keys[MAX_TWIN_KEYS][32];
    unsigned counts[MAX_TWIN_KEYS];
} FRAME;

static void frame_reset(FRAME *f, size_t idx)
{
    f->idx = idx;
    f->next = 0;
    f->extended = 0;
    f->sub_anchored = 0;
    f->n_keys = 0;
}

/* An issuer whose key already gave MAX_ANCHORED_TWINS anchored paths from f. */
static int twin_exhausted(const FRAME *f, CWMS_CERT *c)
{
    unsigned char key[32];

    if (f->n_keys == 0 || !cwms_cert_spki_sha256(c, key))
        return 0;
    for (size_t k = 0; k < f->n_keys; k++)
        if (memcmp(f->keys[k], key, 32) == 0)
            return f->counts[k] >= MAX_ANCHORED_TWINS;
    return 0;
}

static void note_anchored_issuer(FRAME *f, CWMS_CERT *c)
{
    unsigned char key[32];

    if (!cwms_cert_spki_sha256(c, key))
        return;
    for (size_t k = 0; k < f->n_keys; k++)
        if (memcmp(f->keys[k], key, 32) == 0) {
            f->counts[k]++;
            return;
        }
    if (f->n_keys < MAX_TWIN_KEYS) {
        memcpy(f->keys[f->n_keys], key, 32);
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

int cwms_paths_enumerate(CWMS_GRAPH *g, CWMS_CERT *leaf, CWMS_PATH_CHOICE choice,
                         cwms_path_visit_fn visit, void *arg, CWMS_DIAG *diag)
{
    FRAME frames[CWMS_MAX_PATH];
    /* anchored_at[d]: first anchored depth of the path up to d, or SIZE_MAX. */
    size_t anchored_at[CWMS_MAX_PATH];
    CWMS_CERT *anchors[CWMS_MAX_PATH];
    int self_signed[CWMS_MAX_PATH];
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
        CWMS_CERT *tail = path.certs[depth];
        int stop = 0, r;

        if (entering) {
            CWMS_CERT *anchor = NULL;

            entering = 0;
            if (++steps > max_steps) {
                budget_error(g, diag, steps);
                return 0;
            }
            if ((r = cwms_graph_self_signed(g, tail)) < 0) {
                budget_error(g, diag, steps);
                return 0;
            }
            self_signed[depth] = r;
            anchored_at[depth] = depth > 0 ? anchored_at[depth - 1] : SIZE_MAX;
            anchors[depth] = depth > 0 ? anchors[depth - 1] : NULL;
            if (anchored_at[depth] == SIZE_MAX) {
                if (r == 1) {
                    anchored_at[depth] = depth;
                } else {
                    r = cwms_graph_trust_issuer(g, tail, &anchor, diag);
                    if (r < 0) {
                        budget_error(g, diag, steps);
                        return 0;
                    }
                    if (r == 1) {
                        anchored_at[depth] = depth;
                        anchors[depth] = anchor;
                    }
                }
            }
            /* Nothing signs past a self-signed certificate; shortest stops at its anchor. */
            stop = self_signed[depth]
                || (choice == CWMS_PATH_SHORTEST && anchored_at[depth] != SIZE_MAX)
                || depth + 1 == CWMS_MAX_PATH;
        }
        if (!stop) {
            CWMS_CERT *next = NULL;
            int oom = 0, signed_it = 0;

            for (;;) {
                /* Past an anchor the path grows only through certificates valid at attime. */
                CWMS_CERT *c =
                    cwms_graph_issuer_at(g, f->idx, f->next, anchored_at[depth] != SIZE_MAX,
                                         &signed_it, &oom);

                if (c == NULL)
                    break;
                f->next++;
                if (signed_it < 0) {
                    budget_error(g, diag, steps);
                    return 0;
                }
                if (signed_it == 1 && !on_path(&path, c) && !twin_exhausted(f, c)) {
                    next = c;
                    break;
                }
            }
            if (oom) {
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
        if (stop || !f->extended) {
            path.len = depth + 1;
            path.anchored = anchored_at[depth] != SIZE_MAX;
            path.anchor_at = path.anchored ? anchored_at[depth] : 0;
            path.anchor = path.anchored ? anchors[depth] : NULL;
            path.self_signed_end = self_signed[depth];
            if (!visit(&path, arg)) {
                cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
                return 0;
            }
            f->sub_anchored |= path.anchored;
        }
        if (depth == 0)
            return 1;
        if (f->sub_anchored) {
            frames[depth - 1].sub_anchored = 1;
            note_anchored_issuer(&frames[depth - 1], path.certs[depth]);
        }
        path.certs[depth] = NULL;
        depth--;
        path.len = depth + 1;
    }
}
