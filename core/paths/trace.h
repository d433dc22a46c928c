/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The path debug channel (CWMS_DEBUG=path, cwms_debug.h): why this chain
 * and not another, from the log alone. graph.c traces each candidate
 * issuer it ranks and each signature verdict (with the budget spent);
 * rank.c each candidate path with its rank key, the chosen one and the
 * total. Every line goes through cwms_debug; these helpers only name
 * certificates and paths the same way everywhere.
 */
#ifndef CWMS_PATHS_TRACE_H
#define CWMS_PATHS_TRACE_H

#include "cwms_debug.h"
#include "index/cert.h"
#include "paths/path.h"

/* 1 when the path channel is on: test it before building the text of a line. */
#define cwms_path_tracing() cwms_debug_on(CWMS_DEBUG_PATH)

#define CWMS_TRACE_LABEL_SIZE 256

/* "'O=Example, CN=Issuing CA' (ca.pem#2)" into buf, cut to fit. Returns buf. */
const char *cwms_trace_label(CWMS_CERT *c, char buf[CWMS_TRACE_LABEL_SIZE]);

/* One line: "<what>: 'leaf' (origin) <- 'issuer' (origin) <- ...<rest>"; rest may be "". */
void cwms_trace_path(const char *what, const CWMS_PATH *p, const char *rest);

#endif
