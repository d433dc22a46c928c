/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which certificate is the server certificate (leaf.c).
 */
#ifndef CWMS_PATHS_LEAF_H
#define CWMS_PATHS_LEAF_H

#include <stddef.h>

#include "cwms/diag.h"
#include "index/cert.h"
#include "index/pool.h"
#include "input/input.h"
#include "paths/chain_params.h"

/*
 * The server certificate (leaf.c). With keys (and not cp->no_key): the
 * certificate whose public key matches one of keys, *key set to that key;
 * without: the one end-entity certificate, or the one cp->leaf_sha256 /
 * cp->leaf_subject select, *key = NULL. key_source names where the keys
 * came from for messages (NULL = "the inputs"). Notes for the certificates
 * and keys left out. Returns 1, or 0 with CWMS_R_NO_CERTIFICATES, NO_LEAF,
 * AMBIGUOUS_LEAF, NO_KEY, KEY_MISMATCH or SEVERAL_KEYS in diag.
 */
int cwms_leaf_choose(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool, const CWMS_KEY *keys,
                     size_t n_keys, const char *key_source, CWMS_DIAG *diag, CWMS_CERT **leaf,
                     const CWMS_KEY **key);

/*
 * The end-entity certificates of pool that cp->leaf_subject and leaf_sha256
 * allow (not a CA, not self-issued, not the issuer of another input): the
 * candidates for the server certificate without a key. At most max written to out;
 * returns how many there are.
 */
size_t cwms_leaf_end_entities(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool, CWMS_CERT **out,
                              size_t max);
/*
 * The other certificates for key that cp->leaf_sha256 / leaf_subject allow,
 * best first (end-entity, valid at attime, later notAfter, lower SHA-256):
 * where the chosen server certificate has no valid chain (a damaged
 * duplicate listed first, the same key certified by a CA whose chain is
 * absent), these are tried in turn. At most max written to out; returns
 * how many were written.
 */
size_t cwms_leaf_alternatives(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool,
                              const CWMS_KEY *key, const CWMS_CERT *chosen, CWMS_CERT **out,
                              size_t max);
/*
 * The certificates that may become the server certificate, for work done
 * before the choice (--fetch): with keys (and not cp->no_key) those
 * holding one of their public keys, else the one cp->leaf_sha256 names or the
 * end-entity certificates; as cp->leaf_sha256 / leaf_subject allow, and the
 * end-entity ones when no key matches (a key encoded another way is
 * matched later). At most max written to out; returns how many were written.
 */
size_t cwms_leaf_candidates(const CWMS_CHAIN_PARAMS *cp, const CWMS_POOL *pool,
                            const CWMS_KEY *keys, size_t n_keys, CWMS_CERT **out, size_t max);

/* Notes "ignoring <cert>: why". */
void cwms_leaf_note_ignored(CWMS_DIAG *diag, CWMS_CERT *c, const char *why);

/* "C1A2..." uppercase hex of a SHA-256, written to out[65]. */
void cwms_sha256_hex(const unsigned char sha256[32], char out[65]);

#endif
