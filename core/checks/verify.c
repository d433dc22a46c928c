/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The chosen path through OpenSSL's verifier (verify.h).
 *
 * The path builder picks the path; X509_verify_cert judges it. The
 * verifier is given exactly that path (so its greedy builder has nothing
 * to choose) and exactly one trusted certificate, the path's anchor, so
 * RFC 5280 — purpose and EKU chaining, name constraints, policy, critical
 * extensions, key and digest strength — is OpenSSL's and not ours. The
 * verify callback records every error and lets the verifier go on, so
 * the admin hears all that is wrong with the chain at once.
 */
#include "checks/verify.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

/*
 * OpenSSL's auth level 2 (112-bit security): RSA and DSA keys of 2048
 * bits or more, no SHA-1 or MD5 signatures — what TLS clients ask today.
 */
#define AUTH_LEVEL 2

static void record(CWMS_VERIFY_RESULT *r, int error, int depth, X509 *x, int is_anchor)
{
    CWMS_VERIFY_ERROR *e;

    for (size_t i = 0; i < r->n_errors; i++)
        if (r->errors[i].error == error && r->errors[i].depth == depth)
            return;
    if (r->n_errors == sizeof(r->errors) / sizeof(r->errors[0]))
        return;
    e = &r->errors[r->n_errors];
    e->error = error;
    e->depth = depth;
    e->is_anchor = is_anchor;
    e->subject = x != NULL ? cwms_name_oneline(X509_get_subject_name(x)) : NULL;
    if (e->subject != NULL && e->subject[0] == '\0') {
        OPENSSL_free(e->subject);
        e->subject = OPENSSL_strdup("(empty subject)");
    } else if (e->subject == NULL) {
        e->subject = OPENSSL_strdup("?");
    }
    if (e->subject == NULL) {
        r->internal = 1;
        return;
    }
    r->n_errors++;
}

static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
    CWMS_VERIFY_RESULT *r = X509_STORE_CTX_get_app_data(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    int top = sk_X509_num(chain) - 1;

    if (ok || r == NULL)
        return ok;
    record(r, X509_STORE_CTX_get_error(ctx), depth, X509_STORE_CTX_get_current_cert(ctx),
           top > 0 && depth == top && X509_STORE_CTX_get_num_untrusted(ctx) <= top);
    return 1; /* go on: collect everything */
}

static int carries_policy_constraints(X509 *x)
{
    return X509_get_ext_by_NID(x, NID_policy_constraints, -1) >= 0
        || X509_get_ext_by_NID(x, NID_inhibit_any_policy, -1) >= 0;
}

/* The store's copy of a self-signed root (with its trust settings), else the root itself. */
static X509 *anchor_x509(CWMS_TRUST *trust, CWMS_CERT *root)
{
    CWMS_CERT *named[8];
    size_t n;

    if (trust != NULL) {
        n = cwms_trust_find_subject(trust, cwms_cert_subject(root), named, 8, NULL);
        for (size_t i = 0; i < n && i < 8; i++)
            if (cwms_cert_same_der(named[i], root) && cwms_cert_x509(named[i]) != NULL)
                return cwms_cert_x509(named[i]);
    }
    return cwms_cert_x509(root);
}

/*
 * X509_verify_cert on leaf + path->certs[1..] with anchor as the only
 * trusted certificate; errors into result. 0 only when something could
 * not be allocated.
 */
static int run_verifier(const CWMS_CHAIN_PARAMS *cp, const CWMS_PATH *path, X509 *leaf,
                        X509 *anchor, unsigned long flags, CWMS_VERIFY_RESULT *result)
{
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = NULL;
    X509_VERIFY_PARAM *param;
    int policy =
        carries_policy_constraints(leaf) || (anchor != NULL && carries_policy_constraints(anchor));
    int ok = 0;

    if (store == NULL || untrusted == NULL
        || (anchor != NULL && !X509_STORE_add_cert(store, anchor)))
        goto end;
    for (size_t i = 1; i < path->len; i++) {
        X509 *x = cwms_cert_x509(path->certs[i]);

        if (x == NULL)
            continue;
        if (!sk_X509_push(untrusted, x))
            goto end;
        policy |= carries_policy_constraints(x);
    }
    if ((ctx = X509_STORE_CTX_new_ex(cp->libctx, cp->propq)) == NULL
        || !X509_STORE_CTX_init(ctx, store, leaf, untrusted))
        goto end;
    param = X509_STORE_CTX_get0_param(ctx);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM_set_time(param, (time_t)cp->attime);
    X509_VERIFY_PARAM_set_auth_level(param, AUTH_LEVEL);
    if (cp->has_verify_depth)
        X509_VERIFY_PARAM_set_depth(param, cp->verify_depth);
    if (policy)
        flags |= X509_V_FLAG_POLICY_CHECK;
    if (cp->strict)
        flags |= X509_V_FLAG_X509_STRICT;
    X509_VERIFY_PARAM_set_flags(param, flags);
    X509_STORE_CTX_set_app_data(ctx, result);
    X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
    if (X509_verify_cert(ctx) <= 0 && result->n_errors == 0) {
        int err = X509_STORE_CTX_get_error(ctx);

        record(result, err != X509_V_OK ? err : X509_V_ERR_UNSPECIFIED,
               X509_STORE_CTX_get_error_depth(ctx), X509_STORE_CTX_get_current_cert(ctx), 0);
    }
    ok = 1;
end:
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    return ok;
}

int cwms_verify_path(const CWMS_CHAIN_PARAMS *cp, CWMS_TRUST *trust, const CWMS_PATH *path,
                     CWMS_VERIFY_RESULT *result)
{
    X509 *leaf = cwms_cert_x509(path->certs[0]), *anchor;
    unsigned long flags = 0;

    memset(result, 0, sizeof(*result));
    if (leaf == NULL) {
        record(result, X509_V_ERR_UNSPECIFIED, 0, NULL, 0);
        return 0;
    }
    if (path->anchor != NULL) {
        anchor = cwms_cert_x509(path->anchor);
        /*
         * An intermediate the store holds is an anchor only as a partial
         * chain; a root (self-issued) is judged in full, as clients do.
         */
        if (anchor != NULL
            && X509_NAME_cmp(X509_get_subject_name(anchor), X509_get_issuer_name(anchor)) != 0)
            flags |= X509_V_FLAG_PARTIAL_CHAIN;
    } else {
        anchor = anchor_x509(trust, path->certs[path->anchor_at]);
        /* A top whose issuer is unknown (unknown_anchor.h) is trusted as it is: a partial chain. */
        if (cwms_path_open_top(path))
            flags |= X509_V_FLAG_PARTIAL_CHAIN;
    }
    ERR_set_mark();
    if (!run_verifier(cp, path, leaf, anchor, flags, result))
        result->internal = 1;
    ERR_pop_to_mark();
    return result->n_errors == 0 && !result->internal;
}

void cwms_verify_result_clear(CWMS_VERIFY_RESULT *result)
{
    for (size_t i = 0; i < result->n_errors; i++)
        OPENSSL_free(result->errors[i].subject);
    memset(result, 0, sizeof(*result));
}

/*-
 * What each verifier error means for a CWMS admin
 */

static const struct {
    int error;
    CWMS_REASON reason;
    const char *advice;
} advice[] = {
    { X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, CWMS_R_MISSING_INTERMEDIATE,
      "add its issuer's certificate to the inputs" },
    { X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, CWMS_R_MISSING_INTERMEDIATE,
      "add its issuer's certificate to the inputs" },
    { X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, CWMS_R_MISSING_INTERMEDIATE,
      "add its issuer's certificate to the inputs" },
    { X509_V_ERR_CERT_SIGNATURE_FAILURE, CWMS_R_BAD_SIGNATURE,
      "the certificate is damaged or was not issued by that CA; get it again from the CA" },
    { X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE, CWMS_R_BAD_SIGNATURE,
      "the certificate is damaged or was not issued by that CA; get it again from the CA" },
    { X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, CWMS_R_BAD_SIGNATURE,
      "its issuer's key cannot be read; get the CA's current bundle" },
    { X509_V_ERR_CERT_NOT_YET_VALID, CWMS_R_CERT_EXPIRED, "get a current certificate from the CA" },
    { X509_V_ERR_CERT_HAS_EXPIRED, CWMS_R_CERT_EXPIRED, "get a current certificate from the CA" },
    { X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, CWMS_R_CERT_EXPIRED,
      "its validity dates are malformed; ask the CA to reissue it" },
    { X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, CWMS_R_CERT_EXPIRED,
      "its validity dates are malformed; ask the CA to reissue it" },
    { X509_V_ERR_INVALID_CA, CWMS_R_NOT_A_CA,
      "it signs another certificate but is not a CA certificate; pick the bundle the CA "
      "offers for TLS servers" },
    { X509_V_ERR_KEYUSAGE_NO_CERTSIGN, CWMS_R_NOT_A_CA,
      "its keyUsage does not allow signing certificates; pick the bundle the CA offers for "
      "TLS servers" },
    { X509_V_ERR_PATH_LENGTH_EXCEEDED, CWMS_R_PATH_LENGTH,
      "a CA above allows fewer CAs below it; pick the shorter bundle the CA offers" },
    { X509_V_ERR_INVALID_PURPOSE, CWMS_R_WRONG_PURPOSE,
      "its extendedKeyUsage (or keyUsage) does not allow TLS server authentication; ask the "
      "CA to reissue it for TLS servers (serverAuth), or pick the other bundle the CA offers" },
    { X509_V_ERR_CERT_UNTRUSTED, CWMS_R_ANCHOR_REJECTED,
      "the trust store does not trust it for TLS servers; use a trust store that does, or "
      "the CA's other root" },
    { X509_V_ERR_CERT_REJECTED, CWMS_R_ANCHOR_REJECTED,
      "the trust store's settings reject it for TLS servers; use a trust store that trusts "
      "it, or the CA's other root" },
    { X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, CWMS_R_BAD_EXTENSION,
      "it carries a critical extension the verifier does not know, and RFC 5280 makes every "
      "client refuse such a certificate; ask the CA to reissue it" },
    { X509_V_ERR_INVALID_EXTENSION, CWMS_R_BAD_EXTENSION,
      "an extension is malformed or repeated; ask the CA to reissue it" },
    { X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3, CWMS_R_BAD_EXTENSION,
      "it has extensions but is not a version 3 certificate; ask the CA to reissue it" },
    { X509_V_ERR_INVALID_NON_CA, CWMS_R_BAD_EXTENSION,
      "it is not a CA but carries CA-only extensions (such as nameConstraints); ask the CA "
      "to reissue it" },
    { X509_V_ERR_PERMITTED_VIOLATION, CWMS_R_NAME_CONSTRAINTS,
      "a CA above may only issue for other names; ask the CA for a chain whose CAs may issue "
      "for these names" },
    { X509_V_ERR_EXCLUDED_VIOLATION, CWMS_R_NAME_CONSTRAINTS,
      "a CA above is forbidden to issue for these names; ask the CA for a chain whose CAs may "
      "issue for them" },
    { X509_V_ERR_SUBTREE_MINMAX, CWMS_R_NAME_CONSTRAINTS,
      "a CA above has nameConstraints clients cannot process; pick the other bundle the CA "
      "offers" },
    { X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE, CWMS_R_NAME_CONSTRAINTS,
      "a CA above has nameConstraints clients cannot process; pick the other bundle the CA "
      "offers" },
    { X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX, CWMS_R_NAME_CONSTRAINTS,
      "a CA above has nameConstraints clients cannot process; pick the other bundle the CA "
      "offers" },
    { X509_V_ERR_UNSUPPORTED_NAME_SYNTAX, CWMS_R_NAME_CONSTRAINTS,
      "its names cannot be checked against the CA's nameConstraints; ask the CA to reissue it" },
    { X509_V_ERR_INVALID_POLICY_EXTENSION, CWMS_R_POLICY,
      "a certificate policy extension is malformed; ask the CA to reissue it" },
    { X509_V_ERR_NO_EXPLICIT_POLICY, CWMS_R_POLICY,
      "the CAs' policy constraints require a certificate policy the chain does not carry; "
      "pick the other bundle the CA offers" },
    { X509_V_ERR_EE_KEY_TOO_SMALL, CWMS_R_WEAK_KEY,
      "OpenSSL-based clients (openssl, curl) refuse server keys this weak at their default "
      "security level; make a new key (RSA 2048 or more, or EC P-256) and have the certificate "
      "reissued" },
    { X509_V_ERR_CA_KEY_TOO_SMALL, CWMS_R_WEAK_CA_KEY,
      "OpenSSL-based clients (openssl, curl) refuse CA keys this weak at their default security "
      "level; pick the CA's current (2048-bit or EC) chain" },
    { X509_V_ERR_CA_MD_TOO_WEAK, CWMS_R_WEAK_SIGNATURE,
      "OpenSSL (openssl, curl), GnuTLS and the browsers refuse SHA-1 and MD5 signatures; ask "
      "the CA to reissue it with SHA-256, or pick the CA's SHA-256 bundle" },
    { X509_V_ERR_EC_KEY_EXPLICIT_PARAMS, CWMS_R_UNSUPPORTED_KEY,
      "its EC key spells out the curve parameters, which openssl, curl, GnuTLS and Java "
      "refuse; use a key on a named curve (P-256 or P-384)" },
    { X509_V_ERR_CERT_CHAIN_TOO_LONG, CWMS_R_VERIFY_FAILED,
      "the chain is longer than the verifier's depth limit; pick the shorter bundle the CA "
      "offers" },
};

static const char *position(const CWMS_VERIFY_ERROR *e, char buf[96])
{
    if (e->depth == 0)
        return "the server certificate";
    snprintf(buf, 96, "%s (certificate %d of the chain, 1 = server)",
             e->is_anchor ? "the trust anchor" : "the CA certificate", e->depth + 1);
    return buf;
}

static CWMS_REASON reason_of(int error, const char **what)
{
    for (size_t i = 0; i < sizeof(advice) / sizeof(advice[0]); i++)
        if (advice[i].error == error) {
            *what = advice[i].advice;
            return advice[i].reason;
        }
    *what = "ask the CA to reissue it, or pick the other bundle the CA offers";
    return CWMS_R_VERIFY_FAILED;
}

char *cwms_verify_summary(const CWMS_VERIFY_RESULT *result)
{
    const CWMS_VERIFY_ERROR *e = &result->errors[0];
    char pos[96], *out;
    size_t len;

    if (result->n_errors == 0)
        return OPENSSL_strdup(result->internal ? "the verifier could not run" : "no error");
    position(e, pos);
    len = strlen(pos) + strlen(e->subject) + 256;
    if ((out = OPENSSL_malloc(len)) != NULL)
        snprintf(out, len, "%s '%s': %s", position(e, pos), e->subject,
                 X509_verify_cert_error_string(e->error));
    return out;
}

/* 1 when diag already has an error of reason about the certificate named subject. */
static int said_already(const CWMS_DIAG *diag, CWMS_REASON reason, const char *subject)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++) {
        const CWMS_MSG *m = cwms_diag_get(diag, i);

        if (m->level == CWMS_ERROR && m->reason == reason && m->subject != NULL
            && strcmp(m->subject, subject) == 0)
            return 1;
    }
    return 0;
}

/* 1 when diag has an error of reason, about any certificate. */
static int has_error(const CWMS_DIAG *diag, CWMS_REASON reason)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++) {
        const CWMS_MSG *m = cwms_diag_get(diag, i);

        if (m->level == CWMS_ERROR && m->reason == reason)
            return 1;
    }
    return 0;
}

void cwms_verify_report(const CWMS_VERIFY_RESULT *result, CWMS_DIAG *diag)
{
    if (result->internal)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL,
                      "could not run OpenSSL's verifier on the chain (out of memory)");
    for (size_t i = 0; i < result->n_errors; i++) {
        const CWMS_VERIFY_ERROR *e = &result->errors[i];
        const char *what;
        CWMS_REASON reason = reason_of(e->error, &what);
        char pos[96];

        if (said_already(diag, reason, e->subject))
            continue;
        /*
         * The depth check names the server certificate and both numbers
         * already; the verifier, stopped at the limit, also reports the
         * issuer it did not look for as missing.
         */
        if (has_error(diag, CWMS_R_VERIFY_DEPTH)
            && (e->error == X509_V_ERR_CERT_CHAIN_TOO_LONG
                || e->error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
                || e->error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY))
            continue;
        cwms_diag_add(diag, CWMS_ERROR, reason,
                      "%s '%s' fails validation (%s, as `openssl verify -purpose sslserver` "
                      "sees it): %s",
                      position(e, pos), e->subject, X509_verify_cert_error_string(e->error), what);
    }
}
