/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ranking the candidate paths (rank.c): which one the bundle carries, and
 * what to say when none is anchored.
 */
#ifndef CWMS_PATHS_RANK_H
#define CWMS_PATHS_RANK_H

#include <stddef.h>

#include "cwms/bundle.h"
#include "cwms/diag.h"
#include "index/cert.h"
#include "paths/graph.h"
#include "paths/path.h"

/*
 * Orders two candidates: < 0 when a is better, > 0 when b is, 0 only for
 * the same path. Ending at a trusted anchor, then at a self-signed
 * certificate of the inputs, then unanchored; then fewest certificates
 * invalid at attime, length (COMPLETE: longer, SHORTEST: shorter),
 * AKI/SKI agreement, (COMPLETE) a cross-signed top over a self-signed
 * one, later notAfter, and the SHA-256 fingerprints last: never the
 * input order.
 */
int cwms_rank_compare(CWMS_GRAPH *g, const CWMS_PATH *a, const CWMS_PATH *b,
                      CWMS_PATH_CHOICE choice);
/*
 * The same, setting *rule (when not NULL) to the rule that decided, as
 * words that complete "chosen because ..." for the better path (static).
 */
int cwms_rank_compare_why(CWMS_GRAPH *g, const CWMS_PATH *a, const CWMS_PATH *b,
                          CWMS_PATH_CHOICE choice, const char **rule);

/*
 * Enumerates the candidates and writes the best anchored one to *out.
 * Returns 1 on success; 0 with an error in diag: CWMS_R_MISSING_INTERMEDIATE
 * naming the issuer that is needed, or CWMS_R_WORK_BUDGET. *n_paths, when
 * not NULL, receives the number of candidates seen.
 */
int cwms_rank_choose(CWMS_GRAPH *g, CWMS_CERT *leaf, CWMS_PATH_CHOICE choice, CWMS_PATH *out,
                     size_t *n_paths, CWMS_DIAG *diag);

/*
 * Like cwms_rank_choose, keeping the max best anchored candidates in out,
 * best first (validation may reject the first: chain.c tries the next).
 * Returns how many were written; 0 with an error in diag when none is
 * anchored (or on CWMS_R_WORK_BUDGET).
 */
size_t cwms_rank_list(CWMS_GRAPH *g, CWMS_CERT *leaf, CWMS_PATH_CHOICE choice, CWMS_PATH *out,
                      size_t max, size_t *n_paths, CWMS_DIAG *diag);

#endif
