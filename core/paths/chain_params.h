/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What choosing the server certificate and validating its path need of
 * the front's options, and nothing more (chain_params.c): the validation
 * time, which certificate is the server's, the depth limit, strictness,
 * the names the server must answer to, and how messages name an option.
 * Built once from CWMS_OPTIONS by the chain build, as BoringSSL's path
 * builder takes a time, a purpose and a policy rather than its caller's
 * settings; the inputs, passphrase callbacks and threads stay behind. The
 * purpose is always TLS server authentication; the trust store is passed
 * on its own (CWMS_TRUST).
 */
#ifndef CWMS_PATHS_CHAIN_PARAMS_H
#define CWMS_PATHS_CHAIN_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "cwms/option_names.h"

struct cwms_options_st; /* CWMS_OPTIONS (cwms/bundle.h): only cwms_chain_params_init reads it */

typedef struct {
    int64_t attime;   /* validation time, seconds since the epoch */
    CWMS_FRONT front; /* how messages name an option: CLI flag or URI parameter */
    OSSL_LIB_CTX *libctx;
    const char *propq;

    /* which certificate is the server's (leaf.c) */
    int no_key; /* choose it without a private key */
    int has_leaf_sha256;
    unsigned char leaf_sha256[32];
    const X509_NAME *leaf_subject; /* NULL = any */

    /* validation (checks/) */
    int strict;           /* warnings are errors */
    int has_verify_depth; /* at most verify_depth intermediate CAs */
    int verify_depth;
    int has_warn_days; /* expiring within warn_days days: CWMS_R_EXPIRES_WITHIN */
    int warn_days;
    const char *const *hosts; /* host names the server certificate must cover */
    size_t n_hosts;
    const char *site;    /* the WebEx site URL's host; NULL = none */
    unsigned site_rules; /* CWMS_SITE_RULE_* for site */
} CWMS_CHAIN_PARAMS;

/* Fills *cp from opts; the pointers it copies are borrowed from opts. */
void cwms_chain_params_init(CWMS_CHAIN_PARAMS *cp, const struct cwms_options_st *opts);

#endif
