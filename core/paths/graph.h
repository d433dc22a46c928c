/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer graph over a pool (graph.c).
 *
 * CWMS_GRAPH answers "who signed this certificate?" over a pool: issuers
 * by canonical subject name (the pool's index), ranked by AKI/SKI
 * agreement and validity, accepted only when the signature verifies. Each
 * (child, issuer) signature is checked at most once and every check
 * counts against a work budget, so a pathological pool (thousands of
 * same-name issuers, loops) ends with CWMS_R_WORK_BUDGET instead of
 * running for ever. Candidate paths through it: path.h.
 */
#ifndef CWMS_PATHS_GRAPH_H
#define CWMS_PATHS_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "cwms/bundle.h"
#include "index/cert.h"
#include "cwms/diag.h"
#include "index/pool.h"
#include "index/trust.h"

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
CWMS_CERT *cwms_graph_issuer_at(CWMS_GRAPH *g, size_t idx, size_t i, int only_valid, int *signed_it,
                                int *oom);

/* 1 when issuer's key verifies child's signature, 0 when not, -1 when the budget is spent. Cached. */
int cwms_graph_signed_by(CWMS_GRAPH *g, CWMS_CERT *child, CWMS_CERT *issuer);
/* 1 when cert is self-issued and its own key verifies it, 0 when not, -1 budget spent. Cached. */
int cwms_graph_self_signed(CWMS_GRAPH *g, CWMS_CERT *cert);
/*
 * 1 and *anchor (owned by the trust store) when a trust anchor signed
 * cert; 0 when none did; -1 budget spent. Cached.
 */
int cwms_graph_trust_issuer(CWMS_GRAPH *g, CWMS_CERT *cert, CWMS_CERT **anchor, CWMS_DIAG *diag);

/*
 * 1 when the trust store holds cert or a certificate of the same subject
 * and key (a self-signed root of the inputs the store trusts); 0 when it
 * does not or there is no store. Cached.
 */
int cwms_graph_trust_holds(CWMS_GRAPH *g, CWMS_CERT *cert, CWMS_DIAG *diag);

/* 1 when cert is valid at t (notBefore <= t <= notAfter). */
int cwms_cert_valid_at(CWMS_CERT *cert, int64_t t);
/* AKI of child against SKI of issuer: 1 equal, -1 different, 0 when either is absent. */
int cwms_keyid_agreement(CWMS_CERT *child, CWMS_CERT *issuer);

#endif
