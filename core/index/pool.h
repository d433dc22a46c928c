/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pool: every distinct certificate of the inputs (identical DER kept
 * once) with an index by canonical subject name (its key, namekey.h),
 * which is what issuer lookup asks for.
 */
#ifndef CWMS_POOL_H
#define CWMS_POOL_H

#include <stddef.h>

#include "index/cert.h"

typedef struct cwms_pool_st CWMS_POOL;

/* A new, empty pool; NULL on allocation failure. Free with cwms_pool_free. */
CWMS_POOL *cwms_pool_new(void);
/* Frees the pool and every certificate it holds. */
void cwms_pool_free(CWMS_POOL *pool);

/*
 * Adds cert, taking ownership (also on failure). Returns 1 when the pool
 * holds it: added, or an identical certificate was already there (then
 * cert is freed); *kept, if not NULL, is set to the one the pool holds.
 * Returns 0 on allocation failure (cert is freed).
 */
int cwms_pool_add(CWMS_POOL *pool, CWMS_CERT *cert, CWMS_CERT **kept);

size_t cwms_pool_count(const CWMS_POOL *pool);
/* The i-th certificate in the order added; owned by the pool. */
CWMS_CERT *cwms_pool_get(const CWMS_POOL *pool, size_t i);
/*
 * The certificate with this SHA-256 of its DER, or NULL. Computes the
 * fingerprints it needs (cwms_cert_sha256), end-entity certificates first:
 * meant for the one lookup of --leaf, not for loops.
 */
CWMS_CERT *cwms_pool_find_sha256(const CWMS_POOL *pool, const unsigned char sha256[32]);

/*
 * The certificates whose subject equals name canonically (X509_NAME_cmp),
 * in the order added. Writes at most max pointers to out and returns how
 * many match in all (which may exceed max); 0 when name is NULL. Looks up
 * by name key, so only the few entries whose keys agree and whose subject
 * DER differs from name's have their subject decoded.
 */
size_t cwms_pool_find_subject(const CWMS_POOL *pool, const X509_NAME *name, CWMS_CERT **out,
                              size_t max);

/*
 * 1 when some other entry's issuer equals cert's subject (canonically):
 * cert issued a certificate of the pool. Looks up by name key.
 */
int cwms_pool_issues_another(const CWMS_POOL *pool, CWMS_CERT *cert);

#endif
