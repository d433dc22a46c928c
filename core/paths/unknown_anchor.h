/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A chain that ends below an issuer nobody here holds (unknown_anchor.c):
 * how `check` judges a file that leaves a private root out, as CWMS
 * wants it.
 */
#ifndef CWMS_PATHS_UNKNOWN_ANCHOR_H
#define CWMS_PATHS_UNKNOWN_ANCHOR_H

#include "cwms/bundle.h"
#include "cwms/diag.h"
#include "index/cert.h"
#include "index/trust.h"
#include "paths/graph.h"
#include "paths/path.h"

/*
 * For CWMS_OPTIONS.unknown_anchor, when no candidate path from leaf is
 * anchored: the path to judge the file by, the best unanchored candidate
 * (cwms_rank_compare as for --path complete: the longest), anchored at
 * its top certificate, whose issuer neither the inputs nor trust hold.
 *
 * What that issuer is, diag says. With no evidence of a missing CA it is
 * taken for the private root CWMS holds: a CWMS_R_ANCHOR_UNKNOWN warning
 * naming it, and how to check the whole chain (--trust). With evidence —
 * CA certificates among the inputs the chain does not reach, a trust
 * store the user named that holds no issuer, certificates of the issuer's
 * name that did not sign it, Certificate Transparency timestamps on the
 * server certificate (a public CA, whose roots the system store holds) —
 * a CWMS_R_MISSING_INTERMEDIATE error saying what is known and what is
 * guessed. Either way the path is set, so the rest of the chain is still
 * checked.
 *
 * Returns 1 with *out set; 0 with an error in diag when the candidates
 * could not be enumerated (work budget, memory).
 */
int cwms_unknown_anchor_path(const CWMS_OPTIONS *opts, CWMS_GRAPH *g, CWMS_TRUST *trust,
                             CWMS_CERT *leaf, CWMS_PATH *out, CWMS_DIAG *diag);

#endif
