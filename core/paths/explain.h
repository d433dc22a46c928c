/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building the explanation of a bundle (explain.c; the public side is
 * cwms/explain.h): called by the chain build once the path is chosen,
 * with the graph it chose on, so every verdict is the build's own.
 */
#ifndef CWMS_PATHS_EXPLAIN_H
#define CWMS_PATHS_EXPLAIN_H

#include "cwms/bundle.h"
#include "cwms/explain.h"
#include "paths/graph.h"
#include "paths/path.h"

/*
 * Fills bundle->explain from the graph g over pool, the chosen path and
 * the bundle made of it (for the positions). 1 on success, 0 on
 * allocation failure (bundle->explain stays NULL).
 */
int cwms_explain_attach(CWMS_BUNDLE *bundle, const CWMS_OPTIONS *opts, CWMS_GRAPH *g,
                        const CWMS_PATH *chosen);

/*
 * What a failed build found on g: every input certificate, the issuer
 * edges (signed or rejected, and why), the trust anchors that signed an
 * input, and the issuers nothing provides (cwms_explain_get0_missing);
 * leaf (may be NULL) is the server certificate. No path is chosen. Free
 * with cwms_explain_free; NULL on allocation failure.
 */
CWMS_EXPLAIN *cwms_explain_partial(CWMS_GRAPH *g, const CWMS_CERT *leaf);

#endif
