/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reason table (cwms/diag.h): for each CWMS_R_* reason its short
 * string (the provider's reason string), the CLI's exit code, check's
 * finding code, whether check --fix mends it and what to do about it.
 * docs/cwms-bundle.1 and docs/cwms-bundle.schema.json are compared with
 * it by `meson test docs-reasons_agree`, which also fails on a reason
 * without a row.
 */
#include "cwms/diag.h"

#include <stddef.h>

#define ROW(reason, text, exit_code, finding, fix, advice)                                         \
    {                                                                                              \
        reason, #reason, text, exit_code, finding, fix, advice                                     \
    }

/* A build verdict with no finding code of its own: its message says it all. */
#define OTHER "VALIDATION"
#define SEE_MESSAGE "see the message; build reports the same"
/* The validation's verdicts: what to do about each is in cwms-bundle(1), VALIDATION. */
#define SEE_VALIDATION "see the message, and VALIDATION in cwms-bundle(1) for this check's fix"
#define NO CWMS_FIX_NO
#define YES CWMS_FIX_YES
#define HELD CWMS_FIX_IF_HELD

static const CWMS_REASON_ROW rows[] = {
    ROW(CWMS_R_NONE, "no error", CWMS_EXIT_OK, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_USAGE, "invalid usage", CWMS_EXIT_USAGE, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_INPUT_UNREADABLE, "cannot read input", CWMS_EXIT_INPUT, "UNREADABLE", NO,
        "check the file name and its permissions"),
    ROW(CWMS_R_INPUT_UNRECOGNISED, "unrecognised input", CWMS_EXIT_INPUT, "UNREADABLE", NO,
        "give a PEM file (or DER, PKCS#7, PKCS#12) holding the key and certificates"),
    ROW(CWMS_R_BAD_PASSPHRASE, "wrong passphrase", CWMS_EXIT_INPUT, "PASSPHRASE", NO,
        "give the right passphrase with --passin"),
    ROW(CWMS_R_NO_PASSPHRASE, "passphrase needed", CWMS_EXIT_INPUT, "PASSPHRASE", NO,
        "give the passphrase with --passin"),
    ROW(CWMS_R_NO_CERTIFICATES, "no certificates", CWMS_EXIT_INPUT, "NO_CERTIFICATES", NO,
        "add the server certificate and its chain"),
    ROW(CWMS_R_KDF_ITERATIONS, "too many key-derivation iterations", CWMS_EXIT_INPUT, OTHER, NO,
        SEE_MESSAGE),
    ROW(CWMS_R_ARCHIVE, "unreadable archive", CWMS_EXIT_INPUT, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_NO_LEAF, "no server certificate", CWMS_EXIT_CHAIN, "NO_SERVER_CERT", NO,
        "add the server certificate the CA issued"),
    ROW(CWMS_R_AMBIGUOUS_LEAF, "several server certificates", CWMS_EXIT_CHAIN,
        "SEVERAL_SERVER_CERTS", NO,
        "keep only the server certificate CWMS should use (--passin lets the key decide)"),
    /* With --fetch, one downloaded and verified is held: --fix writes it into the file. */
    ROW(CWMS_R_MISSING_INTERMEDIATE, "missing intermediate", CWMS_EXIT_CHAIN,
        "MISSING_INTERMEDIATE", HELD,
        "get the issuing CA certificate named here (from the CA, or the URL shown), add it to the "
        "file, and run check --fix"),
    ROW(CWMS_R_CERT_EXPIRED, "certificate not valid at the validation time", CWMS_EXIT_CHAIN,
        "EXPIRED", NO, "renew the certificate (for an intermediate: get the CA's current one)"),
    ROW(CWMS_R_NOT_A_CA, "issuer is not a CA", CWMS_EXIT_CHAIN, "NOT_A_CA", NO,
        "replace the issuer with the CA's real intermediate"),
    ROW(CWMS_R_PATH_LENGTH, "path length constraint exceeded", CWMS_EXIT_CHAIN, "PATH_LENGTH", NO,
        "ask the CA for a chain its path length allows"),
    ROW(CWMS_R_BAD_SIGNATURE, "bad signature", CWMS_EXIT_CHAIN, "BAD_SIGNATURE", NO,
        "replace the damaged certificate with the CA's copy"),
    ROW(CWMS_R_HOST_MISMATCH, "host name not covered", CWMS_EXIT_CHAIN, "HOST_MISMATCH", NO,
        "get a certificate that names the host (subjectAltName), or check --host"),
    ROW(CWMS_R_UNTRUSTED_ANCHOR, "root not in the trust store", CWMS_EXIT_CHAIN, "UNTRUSTED_ROOT",
        NO, "make sure CWMS trusts that root (--trust FILE names the roots to check against)"),
    ROW(CWMS_R_EXPIRES_SOON, "certificate expires soon", CWMS_EXIT_CHAIN, "EXPIRES_SOON", NO,
        "renew it before it expires"),
    ROW(CWMS_R_WORK_BUDGET, "path building gave up", CWMS_EXIT_CHAIN, "WORK_BUDGET", NO,
        "remove unrelated certificates from the file"),
    ROW(CWMS_R_TRUST_STORE, "unusable trust store", CWMS_EXIT_INPUT, "TRUST_STORE", NO,
        "give a readable PEM file of roots to --trust"),
    ROW(CWMS_R_VERIFY_FAILED, "chain fails validation", CWMS_EXIT_CHAIN, "VERIFY_FAILED", NO,
        SEE_VALIDATION),
    ROW(CWMS_R_WRONG_PURPOSE, "not allowed for TLS servers", CWMS_EXIT_CHAIN, "WRONG_PURPOSE", NO,
        SEE_VALIDATION),
    ROW(CWMS_R_WEAK_SIGNATURE, "weak signature", CWMS_EXIT_CHAIN, "WEAK_SIGNATURE", NO,
        SEE_VALIDATION),
    ROW(CWMS_R_NAME_CONSTRAINTS, "name constraints violated", CWMS_EXIT_CHAIN, "NAME_CONSTRAINTS",
        NO, SEE_VALIDATION),
    ROW(CWMS_R_BAD_EXTENSION, "bad certificate extension", CWMS_EXIT_CHAIN, "BAD_EXTENSION", NO,
        SEE_VALIDATION),
    ROW(CWMS_R_ANCHOR_REJECTED, "trust anchor not trusted for TLS servers", CWMS_EXIT_CHAIN,
        "ANCHOR_REJECTED", NO, SEE_VALIDATION),
    ROW(CWMS_R_POLICY, "certificate policy check failed", CWMS_EXIT_CHAIN, "POLICY", NO,
        SEE_VALIDATION),
    ROW(CWMS_R_LEAF_IS_CA, "server certificate is a CA", CWMS_EXIT_CHAIN, "LEAF_IS_CA", NO,
        SEE_VALIDATION),
    ROW(CWMS_R_NO_SAN, "server certificate has no subjectAltName", CWMS_EXIT_CHAIN, "NO_SAN", NO,
        SEE_VALIDATION),
    ROW(CWMS_R_NO_EKU, "server certificate has no extendedKeyUsage", CWMS_EXIT_CHAIN, "NO_EKU", NO,
        SEE_VALIDATION),
    ROW(CWMS_R_LONG_VALIDITY, "server certificate validity too long", CWMS_EXIT_CHAIN,
        "LONG_VALIDITY", NO, SEE_VALIDATION),
    ROW(CWMS_R_WEAK_CA_KEY, "CA key too weak", CWMS_EXIT_CHAIN, "WEAK_CA_KEY", NO, SEE_VALIDATION),
    ROW(CWMS_R_LEAF_KEY_USAGE, "server certificate keyUsage does not allow TLS", CWMS_EXIT_CHAIN,
        "LEAF_KEY_USAGE", NO, SEE_VALIDATION),
    ROW(CWMS_R_WEAK_SIGNATURE_ABOVE, "weak signature above the trusted certificate",
        CWMS_EXIT_CHAIN, "WEAK_SIGNATURE_ABOVE", NO, SEE_VALIDATION),
    ROW(CWMS_R_VERIFY_DEPTH, "chain longer than --verify-depth allows", CWMS_EXIT_CHAIN,
        "VERIFY_DEPTH", NO, SEE_VALIDATION),
    ROW(CWMS_R_ANCHOR_NO_AKI, "trust anchor without authorityKeyIdentifier", CWMS_EXIT_CHAIN,
        "ANCHOR_NO_AKI", NO, SEE_VALIDATION),
    ROW(CWMS_R_PARTIAL_ANCHOR, "trust anchor is not a self-signed root", CWMS_EXIT_CHAIN,
        "PARTIAL_ANCHOR", NO, SEE_VALIDATION),
    ROW(CWMS_R_SITE_CN_MISMATCH, "certificate CN is not the WebEx site URL's host", CWMS_EXIT_CHAIN,
        "SITE_CN_MISMATCH", NO,
        "have the certificate re-issued with the site URL's host (or a wildcard over it) as its "
        "CN, or check --site and --cwms"),
    ROW(CWMS_R_SITE_WILDCARD_SAN_ONLY, "wildcard for the WebEx site URL only in the SAN",
        CWMS_EXIT_CHAIN, "SITE_WILDCARD_SAN_ONLY", NO,
        "have the certificate re-issued with the wildcard as its CN"),
    ROW(CWMS_R_SAN_MISSING_NAME, "a name CWMS needs is not in the SAN", CWMS_EXIT_CHAIN,
        "SAN_MISSING_NAME", NO,
        "have the certificate re-issued with every name in its subjectAltName, or check --host, "
        "--site and --cwms"),
    ROW(CWMS_R_ANCHOR_UNKNOWN, "the chain's top issuer is in no trust store", CWMS_EXIT_CHAIN,
        "ANCHOR_UNKNOWN", NO,
        "make sure CWMS holds the issuer named here as a trusted root; --trust ROOT.pem checks "
        "the chain up to it"),
    ROW(CWMS_R_FETCH, "cannot fetch issuer", CWMS_EXIT_CHAIN, OTHER, NO, SEE_MESSAGE),
    /* The file's layout: --fix rewrites it (not a chain a server sends). */
    ROW(CWMS_R_ORDER_WRONG, "certificates in the wrong order", CWMS_EXIT_CHAIN, "ORDER_WRONG", YES,
        "reorder the certificates (check --fix does), or check with the --cwms version you import "
        "into"),
    ROW(CWMS_R_KEY_NOT_FIRST, "private key not the first block", CWMS_EXIT_KEY, "KEY_NOT_FIRST",
        YES, "move the private key to the top of the file (check --fix does)"),
    ROW(CWMS_R_ROOT_INCLUDED, "root certificate included", CWMS_EXIT_CHAIN, "ROOT_INCLUDED", YES,
        "remove it: CWMS has its own copy of the root (check --fix does)"),
    ROW(CWMS_R_UNRELATED_CERT, "certificate not part of the chain", CWMS_EXIT_CHAIN,
        "UNRELATED_CERT", YES,
        "remove it: CWMS rejects certificates that are not part of the chain (check --fix does)"),
    ROW(CWMS_R_DUPLICATE_CERT, "duplicate certificate", CWMS_EXIT_CHAIN, "DUPLICATE", YES,
        "remove the second copy (check --fix does)"),
    ROW(CWMS_R_STRAY_TEXT, "text outside the PEM blocks", CWMS_EXIT_CHAIN, "STRAY_TEXT", YES,
        "remove everything outside the BEGIN/END lines (check --fix does)"),
    ROW(CWMS_R_UNEXPECTED_BLOCK, "unexpected PEM block", CWMS_EXIT_CHAIN, "UNEXPECTED_BLOCK", YES,
        "remove it: CWMS wants the key and certificates only (check --fix does)"),
    ROW(CWMS_R_NOT_PEM, "not a PEM file", CWMS_EXIT_INPUT, "NOT_PEM", YES,
        "CWMS imports one PEM file (or a PKCS#12): write it with check --fix -o FILE"),
    ROW(CWMS_R_KEY_NOT_CHECKED, "private key match not checked", CWMS_EXIT_KEY, "KEY_NOT_CHECKED",
        NO, "give --passin to check the key against the server certificate"),
    ROW(CWMS_R_CONNECT, "cannot connect", CWMS_EXIT_INPUT, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_CONNECT_TIMEOUT, "connection timed out", CWMS_EXIT_INPUT, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_TLS_HANDSHAKE, "TLS handshake failed", CWMS_EXIT_INPUT, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_NOT_IN_BUNDLE, "server sends a certificate not in the bundle", CWMS_EXIT_CHAIN,
        "NOT_IN_BUNDLE", NO,
        "import the bundle into CWMS (and restart the services it asks for), or name the bundle "
        "that was imported with --against"),
    ROW(CWMS_R_NOT_SENT, "server does not send a certificate of the bundle", CWMS_EXIT_CHAIN,
        "NOT_SENT", NO,
        "import the bundle into CWMS (and restart the services it asks for), or name the bundle "
        "that was imported with --against"),
    ROW(CWMS_R_SENDS_BUNDLE, "server sends the bundle's certificates", CWMS_EXIT_OK, "SENDS_BUNDLE",
        NO, ""),
    ROW(CWMS_R_EXPIRES_WITHIN, "certificate expires within --warn-days", CWMS_EXIT_EXPIRING,
        "EXPIRES_SOON", NO, "renew it before it expires"),
    ROW(CWMS_R_NO_KEY, "no private key", CWMS_EXIT_KEY, "KEY_MISSING", NO,
        "build the file with the key: cwms-bundle build --cwms VERSION -o FILE KEY BUNDLE"),
    ROW(CWMS_R_KEY_MISMATCH, "private key does not match", CWMS_EXIT_KEY, "KEY_MISMATCH", NO,
        "put in the private key the server certificate was requested with (the CSR's key)"),
    ROW(CWMS_R_WEAK_KEY, "key too small", CWMS_EXIT_KEY, "WEAK_KEY", NO,
        "make a new key of at least 2048 bits and a new certificate"),
    /* When the check can tell the server certificate's key, --fix keeps that one. */
    ROW(CWMS_R_SEVERAL_KEYS, "several private keys", CWMS_EXIT_KEY, "KEY_SEVERAL", HELD,
        "keep only the key of the server certificate"),
    ROW(CWMS_R_KEY_NOT_EXTRACTABLE, "private key not extractable", CWMS_EXIT_KEY, OTHER, NO,
        SEE_MESSAGE),
    ROW(CWMS_R_UNSUPPORTED_KEY, "server key clients do not support", CWMS_EXIT_KEY, OTHER, NO,
        SEE_MESSAGE),
    ROW(CWMS_R_RISKY_KEY, "server key some clients refuse", CWMS_EXIT_KEY, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_KEY_UNENCRYPTED, "private key written unencrypted", CWMS_EXIT_KEY, OTHER, NO,
        SEE_MESSAGE),
    ROW(CWMS_R_KEYGEN, "cannot make the key", CWMS_EXIT_KEY, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_CSR, "the CSR breaks a rule of CWMS", CWMS_EXIT_USAGE, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_PKCS11, "PKCS#11 error", CWMS_EXIT_TOKEN, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_PIN, "PIN rejected", CWMS_EXIT_TOKEN, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_P11_MODULE, "PKCS#11 module left out", CWMS_EXIT_TOKEN, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_TOKEN_KEEPS_KEYS, "token keeps its keys inside", CWMS_EXIT_TOKEN, OTHER, NO,
        SEE_MESSAGE),
    ROW(CWMS_R_TOKEN_KEY_READABLE, "new token key is not sensitive", CWMS_EXIT_TOKEN, OTHER, NO,
        SEE_MESSAGE),
    ROW(CWMS_R_TOKEN_KEYGEN, "token cannot make the key", CWMS_EXIT_TOKEN, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_P11_BROKEN, "PKCS#11 module breaks the standard", CWMS_EXIT_TOKEN, OTHER, NO,
        SEE_MESSAGE),
    ROW(CWMS_R_P11_TIMEOUT, "PKCS#11 module did not answer in time", CWMS_EXIT_TOKEN, OTHER, NO,
        SEE_MESSAGE),
    ROW(CWMS_R_P11_LIMIT, "PKCS#11 answer past a limit", CWMS_EXIT_TOKEN, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_OUTPUT, "cannot write output", CWMS_EXIT_OUTPUT, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_OUTPUT_IS_INPUT, "output would replace an input", CWMS_EXIT_OUTPUT, OTHER, NO,
        SEE_MESSAGE),
    ROW(CWMS_R_OUTPUT_EXISTS, "output file exists", CWMS_EXIT_OUTPUT, OTHER, NO, SEE_MESSAGE),
    ROW(CWMS_R_INTERNAL, "internal error", CWMS_EXIT_FAILURE, OTHER, NO, SEE_MESSAGE),
};

const CWMS_REASON_ROW *cwms_reason_row(CWMS_REASON reason)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (rows[i].reason == reason)
            return &rows[i];
    return NULL;
}

const CWMS_REASON_ROW *cwms_reason_row_at(size_t i)
{
    return i < sizeof(rows) / sizeof(rows[0]) ? &rows[i] : NULL;
}

const char *cwms_reason_string(CWMS_REASON reason)
{
    const CWMS_REASON_ROW *row = cwms_reason_row(reason);

    return row != NULL ? row->text : "unknown error";
}

int cwms_reason_at(size_t i, CWMS_REASON *reason, const char **text)
{
    const CWMS_REASON_ROW *row = cwms_reason_row_at(i);

    if (row == NULL)
        return 0;
    *reason = row->reason;
    *text = row->text;
    return 1;
}

int cwms_reason_exit_code(CWMS_REASON reason)
{
    const CWMS_REASON_ROW *row = cwms_reason_row(reason);

    return row != NULL ? row->exit_code : CWMS_EXIT_FAILURE;
}
