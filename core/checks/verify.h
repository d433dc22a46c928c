/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The chosen path through OpenSSL's own verifier (verify.c): RFC 5280 as
 * X509_verify_cert applies it, with exactly that path, its anchor, purpose
 * sslserver and the validation time.
 */
#ifndef CWMS_CHECKS_VERIFY_H
#define CWMS_CHECKS_VERIFY_H

#include <stddef.h>

#include "cwms/diag.h"
#include "index/trust.h"
#include "paths/chain_params.h"
#include "paths/path.h"

/* What the verifier said about one certificate. */
typedef struct {
    int error;     /* X509_V_ERR_* */
    int depth;     /* 0 = the server certificate */
    int is_anchor; /* the certificate is the trust anchor the verifier used */
    char *subject; /* owned */
} CWMS_VERIFY_ERROR;

typedef struct {
    CWMS_VERIFY_ERROR errors[16];
    size_t n_errors; /* distinct (error, depth) pairs, at most 16 kept */
    int internal;    /* the verifier could not be run (allocation failure) */
} CWMS_VERIFY_RESULT;

/*
 * Runs X509_verify_cert on path: the path's certificates above the leaf
 * as the untrusted set, the trust anchor (path->anchor, with the store's
 * trust settings, as a partial chain when it is not self-signed) or the
 * self-signed end of the path (the store's copy when it holds one) as
 * the only trusted certificate; purpose sslserver, auth level 2, time
 * cp->attime, policy processing when a certificate carries policy
 * constraints, X509_V_FLAG_X509_STRICT under cp->strict. Every error
 * is collected (the verifier goes on after each). Returns 1 when none
 * was found; 0 otherwise (result says which; result->internal on
 * allocation failure). Free result with cwms_verify_result_clear.
 */
int cwms_verify_path(const CWMS_CHAIN_PARAMS *cp, CWMS_TRUST *trust, const CWMS_PATH *path,
                     CWMS_VERIFY_RESULT *result);
void cwms_verify_result_clear(CWMS_VERIFY_RESULT *result);

/*
 * One line for a rejected candidate: the first error, naming the
 * certificate (OPENSSL_free; NULL on allocation failure).
 */
char *cwms_verify_summary(const CWMS_VERIFY_RESULT *result);

/*
 * Adds an error to diag for each verifier error, naming the certificate,
 * its position and what to do, with its reason (CWMS_R_*), unless diag
 * already holds an error of the same reason about the same certificate
 * (the hand-written checks said it in their words).
 */
void cwms_verify_report(const CWMS_VERIFY_RESULT *result, CWMS_DIAG *diag);

#endif
