/*
 * The chain part of the core, inside: leaf choice, checks before writing,
 * output order, and the build from inputs already read. bundle.c reads
 * the inputs and calls cwms_chain_build; unit tests call it (or the
 * steps) on pools they fill themselves.
 */
#ifndef CWMS_CHAIN_H
#define CWMS_CHAIN_H

#include <stddef.h>

#include "bundle.h"
#include "diag.h"
#include "input.h"
#include "path.h"
#include "pool.h"
#include "trust.h"

/*
 * The server certificate (leaf.c). With keys (and not opts->no_key): the
 * certificate whose public key matches one of keys, *key set to that key;
 * without: the one end-entity certificate, or the one opts->leaf_sha256 /
 * opts->leaf_subject select, *key = NULL. key_source names where the keys
 * came from for messages (NULL = "the inputs"). Notes for the certificates
 * and keys left out. Returns 1, or 0 with CWMS_R_NO_CERTIFICATES, NO_LEAF,
 * AMBIGUOUS_LEAF, NO_KEY, KEY_MISMATCH or SEVERAL_KEYS in diag.
 */
int cwms_leaf_choose(const CWMS_OPTIONS *opts, const CWMS_POOL *pool,
                     const CWMS_KEY *keys, size_t n_keys, const char *key_source,
                     CWMS_DIAG *diag, CWMS_CERT **leaf, const CWMS_KEY **key);

/*
 * The end-entity certificates of pool that opts->leaf_subject and --leaf
 * allow (not a CA, not self-issued, not the issuer of another input): the
 * candidates for the server certificate without a key. At most max written to out;
 * returns how many there are.
 */
size_t cwms_leaf_end_entities(const CWMS_OPTIONS *opts, const CWMS_POOL *pool,
                              CWMS_CERT **out, size_t max);
/* Notes "ignoring <cert>: why". */
void cwms_leaf_note_ignored(CWMS_DIAG *diag, CWMS_CERT *c, const char *why);

/* "C1A2..." uppercase hex of a SHA-256, written to out[65]. */
void cwms_sha256_hex(const unsigned char sha256[32], char out[65]);

/*
 * Checks before writing (check.c): signatures, CA flags, path length,
 * validity at opts->attime, key against leaf, RSA size, opts->hosts, and
 * whether the trust store knows a self-signed root the path ends in.
 * Errors and warnings go to diag (promotion under --strict is the
 * caller's). Returns 1 when no error was added.
 */
int cwms_check_path(const CWMS_OPTIONS *opts, CWMS_GRAPH *g, CWMS_TRUST *trust,
                    const CWMS_PATH *path, const CWMS_KEY *key, CWMS_DIAG *diag);

/*
 * The certificates of path in output order (order.c): leaf first or root
 * side first, the self-signed end left out when drop_root. *certs is a new
 * array of up-ref'd X509s (free each and the array); *leaf_index is where
 * the leaf landed. Returns 1, or 0 on allocation or decoding failure.
 */
int cwms_order_path(const CWMS_PATH *path, int drop_root, CWMS_ORDER order,
                    X509 ***certs, size_t *n_certs, size_t *leaf_index);

/*
 * Everything after reading (build.c): leaf, paths, policy, checks, order.
 * keys are the candidates for the private key (those of --key when given,
 * key_source naming it). Without a key, when several end-entity
 * certificates are candidates but only one has an anchored path, that one
 * is the leaf (the others are noted). Same returns as cwms_bundle_build.
 */
int cwms_chain_build(const CWMS_OPTIONS *opts, const CWMS_POOL *pool,
                     const CWMS_KEY *keys, size_t n_keys, const char *key_source,
                     CWMS_DIAG *diag, CWMS_BUNDLE **out);

/*
 * The same with the trust store already opened (cwms_trust_new of
 * opts->trust_file), which it takes over and frees, also on failure.
 */
int cwms_chain_build_trusted(const CWMS_OPTIONS *opts, const CWMS_POOL *pool, CWMS_TRUST *trust,
                             const CWMS_KEY *keys, size_t n_keys, const char *key_source,
                             CWMS_DIAG *diag, CWMS_BUNDLE **out);

#endif
