/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The anchor of a bundle's chain: the certificate a client has to trust
 * for it, where the build found that certificate, and — for each CA of
 * the chain that exists in several variants among the inputs (a root
 * self-signed and cross-signed, a re-issued intermediate) — which variant
 * the chain uses and why the others lost. Set by every successful build
 * (chain.c); every pointer is borrowed from the bundle and lives until
 * cwms_bundle_free.
 */
#ifndef CWMS_ANCHOR_H
#define CWMS_ANCHOR_H

#include <stddef.h>

#include <openssl/x509.h>

#include "cwms/types.h"

/* Where the anchor was found. */
typedef enum {
    CWMS_ANCHOR_NOT_FOUND = 0,   /* the chain reaches no anchor */
    CWMS_ANCHOR_TRUST_GIVEN = 1, /* the trust store given (--trust, trust= in a cwms: URI) */
    CWMS_ANCHOR_SYSTEM = 2,      /* OpenSSL's default verify locations (the system store) */
    CWMS_ANCHOR_INPUTS = 3       /* a self-signed certificate of the inputs no store holds */
} CWMS_ANCHOR_SOURCE;

/* One variant of a CA: the same subject and key, another issuer. */
typedef struct cwms_variant_st {
    X509 *x509;
    int self_signed;
    const char *issuer;  /* its issuer's name (one line); the subject itself when self-signed */
    const char *why_not; /* for a variant the chain does not use: why; NULL for the chosen one */
} CWMS_VARIANT;

/* A CA of the chain with other variants among the inputs. */
typedef struct cwms_variant_set_st {
    size_t position;     /* on the chain, 0 = the server certificate */
    CWMS_VARIANT chosen; /* the one the chain uses */
    const CWMS_VARIANT *others;
    size_t n_others;
} CWMS_VARIANT_SET;

typedef struct cwms_anchor_info_st {
    CWMS_ANCHOR_SOURCE source;
    X509 *x509;        /* the anchor; NULL when NOT_FOUND */
    int on_path;       /* it is the chain's own self-signed root (not a trust anchor above it) */
    const char *signs; /* not on_path: the chain's certificate it signed (subject); else NULL */
    const char *store; /* the trust store's description (a --trust path, "the system trust store") */
    const char *wanted; /* NOT_FOUND: the issuer the top of the chain names; NULL otherwise */
    const CWMS_VARIANT_SET *variants;
    size_t n_variants;
} CWMS_ANCHOR_INFO;

/* "self-signed" or "cross-signed by 'ISSUER'" (OPENSSL_free; NULL when memory ran out). */
char *cwms_variant_words(const CWMS_VARIANT *variant);

/* The anchor of a built bundle; NULL for NULL. */
const CWMS_ANCHOR_INFO *cwms_bundle_get0_anchor(const CWMS_BUNDLE *bundle);

#endif
