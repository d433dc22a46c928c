/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A certificate's signature checked from its DER (sigcheck.c).
 *
 * X509_verify needs the certificate decoded, and decoding costs ~100 us
 * (its own public key goes through the decoder framework) where the
 * signature check costs a few: thousands of re-serialled copies of a CA
 * would spend seconds on decodes alone. This checks the TBS bytes against
 * an already decoded issuer key, and keeps the few issuer keys in use.
 */
#ifndef CWMS_PATHS_SIGCHECK_H
#define CWMS_PATHS_SIGCHECK_H

#include <stddef.h>

#include <openssl/evp.h>

#include "index/cert.h"

/*
 * 1 when pkey verifies the signature of the certificate DER, 0 when it
 * does not, -1 when this cannot tell (an algorithm with parameters such as
 * RSA-PSS, or DER it does not take): use X509_verify then. Leaves no error
 * on the queue.
 */
int cwms_sig_verify_der(const unsigned char *der, size_t len, EVP_PKEY *pkey);

/* The few most recently used issuer keys, by SPKI. */
#define CWMS_KEY_CACHE_SIZE 16
typedef struct {
    struct {
        unsigned char id[32];
        EVP_PKEY *pkey;
    } slot[CWMS_KEY_CACHE_SIZE];
    unsigned next;
} CWMS_KEY_CACHE;

/* cert's public key, decoded from its SPKI once (borrowed from the cache); NULL when unknown. */
EVP_PKEY *cwms_key_cache_get0(CWMS_KEY_CACHE *c, const CWMS_CERT *cert);
void cwms_key_cache_clear(CWMS_KEY_CACHE *c);

#endif
