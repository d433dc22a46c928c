/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The chain from inputs already read (chain.c): leaf choice, candidate
 * paths and their ranking, checks before writing, output order. bundle.c
 * reads the inputs and calls cwms_chain_build; unit tests call it (or the
 * steps: paths/, checks/, order/) on pools they fill themselves.
 */
#ifndef CWMS_CHAIN_H
#define CWMS_CHAIN_H

#include <stddef.h>

#include "cwms/bundle.h"
#include "cwms/diag.h"
#include "cwms/explain.h"
#include "input/input.h"
#include "paths/path.h"
#include "index/pool.h"
#include "index/trust.h"

/*
 * Everything after reading (chain.c): leaf, paths, ranking, checks, order.
 * keys are the candidates for the private key (those of --key when given,
 * key_source naming it). Without a key, when several end-entity
 * certificates are candidates but only one has an anchored path, that one
 * is the leaf (the others are noted). Same returns as cwms_bundle_build.
 */
int cwms_chain_build(const CWMS_OPTIONS *opts, const CWMS_POOL *pool, const CWMS_KEY *keys,
                     size_t n_keys, const char *key_source, CWMS_DIAG *diag, CWMS_BUNDLE **out);

/*
 * The same with the trust store already opened (cwms_trust_new of
 * opts->trust_file), which it takes over and frees, also on failure. When
 * the build fails and opts->explain is set, *partial (partial may be NULL)
 * gets what it found (cwms_explain_partial; free with cwms_explain_free),
 * or NULL when it got no further than reading.
 */
/*
 * --fetch: downloads the issuers missing on the paths up from the
 * candidates for the server certificate (cwms_leaf_candidates of keys)
 * into pool, and only those (cwms_fetch_missing_issuers). 0 only when out
 * of memory.
 */
int cwms_chain_fetch_issuers(const CWMS_OPTIONS *opts, CWMS_POOL *pool, const CWMS_KEY *keys,
                             size_t n_keys, CWMS_TRUST *trust, CWMS_DIAG *diag);

int cwms_chain_build_trusted(const CWMS_OPTIONS *opts, const CWMS_POOL *pool, CWMS_TRUST *trust,
                             const CWMS_KEY *keys, size_t n_keys, const char *key_source,
                             CWMS_DIAG *diag, CWMS_BUNDLE **out, CWMS_EXPLAIN **partial);

#endif
