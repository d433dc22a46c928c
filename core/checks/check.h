/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks of a chosen path before anything is written (check.c).
 */
#ifndef CWMS_CHECKS_CHECK_H
#define CWMS_CHECKS_CHECK_H

#include <stddef.h>

#include "cwms/diag.h"
#include "index/trust.h"
#include "input/input.h"
#include "paths/chain_params.h"
#include "paths/graph.h"
#include "paths/path.h"

/*
 * Checks before writing (check.c): signatures, CA flags, path length,
 * validity at cp->attime, key against leaf, RSA size, host names (host_names.h), the
 * --verify-depth limit, and
 * whether the trust store knows a self-signed root the path ends in.
 * Errors and warnings go to diag (promotion under --strict is the
 * caller's). Returns 1 when no error was added.
 */
int cwms_check_path(const CWMS_CHAIN_PARAMS *cp, CWMS_GRAPH *g, CWMS_TRUST *trust,
                    const CWMS_PATH *path, const CWMS_KEY *key, CWMS_DIAG *diag);

/*
 * What of cwms_check_path depends on the path and not on the server
 * certificate alone: the --verify-depth limit (first), signatures, CA
 * flags, path length, validity, and the anchor's trust. Used to compare
 * candidates, so --strict can pass over one that only warns. Returns 1
 * when no error was added.
 */
int cwms_check_candidate(const CWMS_CHAIN_PARAMS *cp, CWMS_GRAPH *g, CWMS_TRUST *trust,
                         const CWMS_PATH *path, CWMS_DIAG *diag);

/*
 * With cp->has_verify_depth: 1 when the anchored path has at most
 * cp->verify_depth intermediates (cwms_path_intermediates), else 0 with
 * a CWMS_R_VERIFY_DEPTH error in diag naming the server certificate.
 * Unanchored paths pass (what they lack is reported elsewhere).
 */
int cwms_check_verify_depth(const CWMS_CHAIN_PARAMS *cp, const CWMS_PATH *path, CWMS_DIAG *diag);

#endif
