/*
 * Candidate paths: from the leaf up through the issuers among the inputs.
 *
 * CWMS_GRAPH answers "who signed this certificate?" over a pool: issuers
 * by canonical subject name (the pool's index), ranked by AKI/SKI
 * agreement and validity, accepted only when the signature verifies. Each
 * (child, issuer) signature is checked at most once and every check
 * counts against a work budget, so a pathological pool (thousands of
 * same-name issuers, loops) ends with CWMS_R_WORK_BUDGET instead of
 * running for ever. cwms_paths_enumerate walks every simple path (DFS,
 * loops excluded) and hands the candidates to a visitor; policy.c picks
 * one of them.
 */
#ifndef CWMS_PATH_H
#define CWMS_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "cert.h"
#include "diag.h"
#include "pool.h"
#include "trust.h"

/* Signature checks before giving up when CWMS_OPTIONS.work_budget is 0. */
#define CWMS_DEFAULT_WORK_BUDGET 10000
/* Longest path considered; real chains have 2 to 6 certificates. */
#define CWMS_MAX_PATH 32

typedef struct cwms_graph_st CWMS_GRAPH;

/*
 * A graph over pool (not owned; it must outlive the graph). trust may be
 * NULL (no anchors but self-signed certificates among the inputs).
 * work_budget 0 = CWMS_DEFAULT_WORK_BUDGET. NULL on allocation failure.
 */
CWMS_GRAPH *cwms_graph_new(const CWMS_POOL *pool, CWMS_TRUST *trust, int64_t attime,
                           size_t work_budget);
void cwms_graph_free(CWMS_GRAPH *g);

int64_t cwms_graph_attime(const CWMS_GRAPH *g);
const CWMS_POOL *cwms_graph_pool(const CWMS_GRAPH *g);
/* The signature checks allowed in all. */
size_t cwms_graph_budget(const CWMS_GRAPH *g);
/* Signature checks done so far. */
size_t cwms_graph_checks(const CWMS_GRAPH *g);
/* Position of cert in the pool (input order), or SIZE_MAX when it is not from the pool. */
size_t cwms_graph_input_index(const CWMS_GRAPH *g, const CWMS_CERT *cert);

/*
 * The i-th ranked candidate issuer of the pool certificate at input index
 * idx, or NULL past the end. *signed_it is 1 when it signed, 0 when not
 * (or, with only_valid, when it is not valid at attime: no check spent),
 * -1 when the budget is spent; *oom is set on allocation failure.
 */
CWMS_CERT *cwms_graph_issuer_at(CWMS_GRAPH *g, size_t idx, size_t i, int only_valid,
                                int *signed_it, int *oom);

/* 1 when issuer's key verifies child's signature, 0 when not, -1 when the budget is spent. Cached. */
int cwms_graph_signed_by(CWMS_GRAPH *g, CWMS_CERT *child, CWMS_CERT *issuer);
/* 1 when cert is self-issued and its own key verifies it, 0 when not, -1 budget spent. Cached. */
int cwms_graph_self_signed(CWMS_GRAPH *g, CWMS_CERT *cert);
/*
 * 1 and *anchor (owned by the trust store) when a trust anchor signed
 * cert; 0 when none did; -1 budget spent. Cached.
 */
int cwms_graph_trust_issuer(CWMS_GRAPH *g, CWMS_CERT *cert, CWMS_CERT **anchor,
                            CWMS_DIAG *diag);

/* 1 when cert is valid at t (notBefore <= t <= notAfter). */
int cwms_cert_valid_at(CWMS_CERT *cert, int64_t t);
/* AKI of child against SKI of issuer: 1 equal, -1 different, 0 when either is absent. */
int cwms_keyid_agreement(CWMS_CERT *child, CWMS_CERT *issuer);

typedef struct cwms_path_st {
    CWMS_CERT *certs[CWMS_MAX_PATH];  /* leaf first, each signed by the next; owned by the pool */
    size_t len;
    int anchored;            /* some certificate of it is self-signed or issued by a trust anchor */
    size_t anchor_at;        /* the first such certificate (valid when anchored) */
    CWMS_CERT *anchor;       /* the trust anchor that signed certs[anchor_at]; NULL when self-signed */
    int self_signed_end;     /* certs[len - 1] is self-signed */
} CWMS_PATH;

/*
 * 1 when the path ends without a self-signed certificate of its own and
 * was anchored by a trust anchor (path->anchor): a verifier needs that
 * anchor, so its validity matters as much as the path's own certificates.
 */
int cwms_path_relies_on_anchor(const CWMS_PATH *p);

/* Called once per candidate path; return 1 to go on, 0 to abort (allocation failure). */
typedef int (*cwms_path_visit_fn)(const CWMS_PATH *path, void *arg);

/*
 * Visits every candidate path from leaf (which must be in the pool):
 * COMPLETE: every path that cannot be extended — past an anchor only
 * through certificates valid at attime, never past a self-signed one;
 * SHORTEST: every path that ends at its first anchor, and the unanchored
 * paths that cannot be extended. Returns 1 when all were visited; 0 with
 * CWMS_R_WORK_BUDGET (or CWMS_R_INTERNAL) in diag otherwise.
 */
int cwms_paths_enumerate(CWMS_GRAPH *g, CWMS_CERT *leaf, CWMS_PATH_POLICY policy,
                         cwms_path_visit_fn visit, void *arg, CWMS_DIAG *diag);

/*
 * Orders two candidates: < 0 when a is better, > 0 when b is, 0 only for
 * the same path. Anchored first, then fewest certificates invalid at
 * attime, then length (COMPLETE: longer, SHORTEST: shorter), AKI/SKI
 * agreement, later notAfter, earlier input.
 */
int cwms_policy_compare(CWMS_GRAPH *g, const CWMS_PATH *a, const CWMS_PATH *b,
                        CWMS_PATH_POLICY policy);

/*
 * Enumerates the candidates and writes the best anchored one to *out.
 * Returns 1 on success; 0 with an error in diag: CWMS_R_MISSING_INTERMEDIATE
 * naming the issuer that is needed, or CWMS_R_WORK_BUDGET. *n_paths, when
 * not NULL, receives the number of candidates seen.
 */
int cwms_policy_choose(CWMS_GRAPH *g, CWMS_CERT *leaf, CWMS_PATH_POLICY policy,
                       CWMS_PATH *out, size_t *n_paths, CWMS_DIAG *diag);

#endif
