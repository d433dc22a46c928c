/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bundle core's entry point: inputs -> pool/index -> leaf -> candidate
 * paths -> ranking -> checks -> order. The CLI and the provider fill a
 * CWMS_OPTIONS (cwms/types.h, cwms_options_init), call cwms_bundle_build
 * and then emit the result their own way.
 */
#ifndef CWMS_BUNDLE_H
#define CWMS_BUNDLE_H

#include "cwms/diag.h"
#include "cwms/types.h"

/*
 * Builds the bundle. Returns 1 and sets *out (free with cwms_bundle_free)
 * on success, with notes and warnings in diag; returns 0 with at least one
 * CWMS_ERROR in diag on failure. With opts->strict, warnings fail it.
 */
int cwms_bundle_build(const CWMS_OPTIONS *opts, CWMS_DIAG *diag, CWMS_BUNDLE **out);
/*
 * The same; when the build fails with opts->explain set, *partial (partial
 * may be NULL) gets what it found — certificates, issuer edges, the
 * issuers missing — for a picture of the incomplete chain (cwms/explain.h;
 * free with cwms_explain_free), or NULL when it got no further than
 * reading the inputs.
 */
int cwms_bundle_build_explained(const CWMS_OPTIONS *opts, CWMS_DIAG *diag, CWMS_BUNDLE **out,
                                struct cwms_explain_st **partial);

#endif
