/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics of the bundle core: see diag.h. */
#include "cwms/diag.h"
#include "cwms_escape.h"
#include "util/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

struct cwms_diag_st {
    CWMS_MSG *msgs;
    size_t count, cap;
};

CWMS_DIAG *cwms_diag_new(void)
{
    return OPENSSL_zalloc(sizeof(CWMS_DIAG));
}

void cwms_diag_free(CWMS_DIAG *diag)
{
    if (diag == NULL)
        return;
    for (size_t i = 0; i < diag->count; i++)
        OPENSSL_free(diag->msgs[i].text);
    OPENSSL_free(diag->msgs);
    OPENSSL_free(diag);
}

static void diag_push(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, char *text)
{
    char *escaped = cwms_escape_text(text);

    OPENSSL_free(text);
    if ((text = escaped) == NULL)
        return;
    if (diag->count == diag->cap) {
        size_t cap = diag->cap ? diag->cap * 2 : 8;
        CWMS_MSG *m = OPENSSL_realloc(diag->msgs, cap * sizeof(*m));

        if (m == NULL) {
            OPENSSL_free(text);
            return;
        }
        diag->msgs = m;
        diag->cap = cap;
    }
    diag->msgs[diag->count].level = level;
    diag->msgs[diag->count].reason = reason;
    diag->msgs[diag->count].text = text;
    diag->count++;
}

char *cwms_vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *buf;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || (buf = OPENSSL_malloc((size_t)n + 1)) == NULL)
        return NULL;
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    return buf;
}

char *cwms_format(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = cwms_vformat(fmt, ap);
    va_end(ap);
    return s;
}

void cwms_diag_vadd(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *fmt,
                    va_list ap)
{
    char *text;

    if (diag == NULL)
        return;
    if ((text = cwms_vformat(fmt, ap)) != NULL)
        diag_push(diag, level, reason, text);
}

void cwms_diag_add(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cwms_diag_vadd(diag, level, reason, fmt, ap);
    va_end(ap);
}

void cwms_diag_add_openssl(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *fmt,
                           ...)
{
    va_list ap;
    char *text, *full;
    char err[256] = "";
    unsigned long e = ERR_peek_error();
    size_t len;

    if (e != 0) {
        /* The reason alone reads better than the full error:xxxx:lib:func: line. */
        const char *r = ERR_reason_error_string(e);

        if (r != NULL)
            snprintf(err, sizeof(err), "%s", r);
        else
            ERR_error_string_n(e, err, sizeof(err));
    }
    ERR_clear_error();
    if (diag == NULL)
        return;
    va_start(ap, fmt);
    text = cwms_vformat(fmt, ap);
    va_end(ap);
    if (text == NULL)
        return;
    if (err[0] == '\0') {
        diag_push(diag, level, reason, text);
        return;
    }
    len = strlen(text) + strlen(err) + 3;
    if ((full = OPENSSL_malloc(len)) != NULL)
        snprintf(full, len, "%s: %s", text, err);
    OPENSSL_free(text);
    if (full != NULL)
        diag_push(diag, level, reason, full);
}

size_t cwms_diag_count(const CWMS_DIAG *diag)
{
    return diag == NULL ? 0 : diag->count;
}

const CWMS_MSG *cwms_diag_get(const CWMS_DIAG *diag, size_t i)
{
    return diag == NULL || i >= diag->count ? NULL : &diag->msgs[i];
}

const CWMS_MSG *cwms_diag_first_error(const CWMS_DIAG *diag)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++)
        if (diag->msgs[i].level == CWMS_ERROR)
            return &diag->msgs[i];
    return NULL;
}

size_t cwms_diag_count_level(const CWMS_DIAG *diag, CWMS_LEVEL level)
{
    size_t n = 0;

    for (size_t i = 0; i < cwms_diag_count(diag); i++)
        n += diag->msgs[i].level == level;
    return n;
}

void cwms_diag_append(CWMS_DIAG *dst, const CWMS_DIAG *src)
{
    for (size_t i = 0; i < cwms_diag_count(src); i++)
        cwms_diag_add(dst, src->msgs[i].level, src->msgs[i].reason, "%s", src->msgs[i].text);
}

void cwms_diag_promote_warnings(CWMS_DIAG *diag)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++)
        if (diag->msgs[i].level == CWMS_WARNING)
            diag->msgs[i].level = CWMS_ERROR;
}

static const struct {
    CWMS_REASON reason;
    const char *text;
    int exit_code;
} reasons[] = {
    { CWMS_R_NONE, "no error", CWMS_EXIT_OK },
    { CWMS_R_USAGE, "invalid usage", CWMS_EXIT_USAGE },
    { CWMS_R_INPUT_UNREADABLE, "cannot read input", CWMS_EXIT_INPUT },
    { CWMS_R_INPUT_UNRECOGNISED, "unrecognised input", CWMS_EXIT_INPUT },
    { CWMS_R_BAD_PASSPHRASE, "wrong passphrase", CWMS_EXIT_INPUT },
    { CWMS_R_NO_PASSPHRASE, "passphrase needed", CWMS_EXIT_INPUT },
    { CWMS_R_NO_CERTIFICATES, "no certificates", CWMS_EXIT_INPUT },
    { CWMS_R_KDF_ITERATIONS, "too many key-derivation iterations", CWMS_EXIT_INPUT },
    { CWMS_R_ARCHIVE, "unreadable archive", CWMS_EXIT_INPUT },
    { CWMS_R_NO_LEAF, "no server certificate", CWMS_EXIT_CHAIN },
    { CWMS_R_AMBIGUOUS_LEAF, "several server certificates", CWMS_EXIT_CHAIN },
    { CWMS_R_MISSING_INTERMEDIATE, "missing intermediate", CWMS_EXIT_CHAIN },
    { CWMS_R_CERT_EXPIRED, "certificate not valid at the validation time", CWMS_EXIT_CHAIN },
    { CWMS_R_NOT_A_CA, "issuer is not a CA", CWMS_EXIT_CHAIN },
    { CWMS_R_PATH_LENGTH, "path length constraint exceeded", CWMS_EXIT_CHAIN },
    { CWMS_R_BAD_SIGNATURE, "bad signature", CWMS_EXIT_CHAIN },
    { CWMS_R_HOST_MISMATCH, "host name not covered", CWMS_EXIT_CHAIN },
    { CWMS_R_UNTRUSTED_ANCHOR, "root not in the trust store", CWMS_EXIT_CHAIN },
    { CWMS_R_EXPIRES_SOON, "certificate expires soon", CWMS_EXIT_CHAIN },
    { CWMS_R_WORK_BUDGET, "path building gave up", CWMS_EXIT_CHAIN },
    { CWMS_R_TRUST_STORE, "unusable trust store", CWMS_EXIT_INPUT },
    { CWMS_R_VERIFY_FAILED, "chain fails validation", CWMS_EXIT_CHAIN },
    { CWMS_R_WRONG_PURPOSE, "not allowed for TLS servers", CWMS_EXIT_CHAIN },
    { CWMS_R_WEAK_SIGNATURE, "weak signature", CWMS_EXIT_CHAIN },
    { CWMS_R_NAME_CONSTRAINTS, "name constraints violated", CWMS_EXIT_CHAIN },
    { CWMS_R_BAD_EXTENSION, "bad certificate extension", CWMS_EXIT_CHAIN },
    { CWMS_R_ANCHOR_REJECTED, "trust anchor not trusted for TLS servers", CWMS_EXIT_CHAIN },
    { CWMS_R_POLICY, "certificate policy check failed", CWMS_EXIT_CHAIN },
    { CWMS_R_LEAF_IS_CA, "server certificate is a CA", CWMS_EXIT_CHAIN },
    { CWMS_R_NO_SAN, "server certificate has no subjectAltName", CWMS_EXIT_CHAIN },
    { CWMS_R_NO_EKU, "server certificate has no extendedKeyUsage", CWMS_EXIT_CHAIN },
    { CWMS_R_LONG_VALIDITY, "server certificate validity too long", CWMS_EXIT_CHAIN },
    { CWMS_R_WEAK_CA_KEY, "CA key too weak", CWMS_EXIT_CHAIN },
    { CWMS_R_LEAF_KEY_USAGE, "server certificate keyUsage does not allow TLS", CWMS_EXIT_CHAIN },
    { CWMS_R_WEAK_SIGNATURE_ABOVE, "weak signature above the trusted certificate",
      CWMS_EXIT_CHAIN },
    { CWMS_R_VERIFY_DEPTH, "chain longer than --verify-depth allows", CWMS_EXIT_CHAIN },
    { CWMS_R_ANCHOR_NO_AKI, "trust anchor without authorityKeyIdentifier", CWMS_EXIT_CHAIN },
    { CWMS_R_PARTIAL_ANCHOR, "trust anchor is not a self-signed root", CWMS_EXIT_CHAIN },
    { CWMS_R_SITE_CN_MISMATCH, "certificate CN is not the WebEx site URL's host", CWMS_EXIT_CHAIN },
    { CWMS_R_SITE_WILDCARD_SAN_ONLY, "wildcard for the WebEx site URL only in the SAN",
      CWMS_EXIT_CHAIN },
    { CWMS_R_SAN_MISSING_NAME, "a name CWMS needs is not in the SAN", CWMS_EXIT_CHAIN },
    { CWMS_R_ANCHOR_UNKNOWN, "the chain's top issuer is in no trust store", CWMS_EXIT_CHAIN },
    { CWMS_R_FETCH, "cannot fetch issuer", CWMS_EXIT_CHAIN },
    { CWMS_R_ORDER_WRONG, "certificates in the wrong order", CWMS_EXIT_CHAIN },
    { CWMS_R_KEY_NOT_FIRST, "private key not the first block", CWMS_EXIT_KEY },
    { CWMS_R_ROOT_INCLUDED, "root certificate included", CWMS_EXIT_CHAIN },
    { CWMS_R_UNRELATED_CERT, "certificate not part of the chain", CWMS_EXIT_CHAIN },
    { CWMS_R_DUPLICATE_CERT, "duplicate certificate", CWMS_EXIT_CHAIN },
    { CWMS_R_STRAY_TEXT, "text outside the PEM blocks", CWMS_EXIT_CHAIN },
    { CWMS_R_UNEXPECTED_BLOCK, "unexpected PEM block", CWMS_EXIT_CHAIN },
    { CWMS_R_NOT_PEM, "not a PEM file", CWMS_EXIT_INPUT },
    { CWMS_R_KEY_NOT_CHECKED, "private key match not checked", CWMS_EXIT_KEY },
    { CWMS_R_CONNECT, "cannot connect", CWMS_EXIT_INPUT },
    { CWMS_R_CONNECT_TIMEOUT, "connection timed out", CWMS_EXIT_INPUT },
    { CWMS_R_TLS_HANDSHAKE, "TLS handshake failed", CWMS_EXIT_INPUT },
    { CWMS_R_NOT_IN_BUNDLE, "server sends a certificate not in the bundle", CWMS_EXIT_CHAIN },
    { CWMS_R_NOT_SENT, "server does not send a certificate of the bundle", CWMS_EXIT_CHAIN },
    { CWMS_R_SENDS_BUNDLE, "server sends the bundle's certificates", CWMS_EXIT_OK },
    { CWMS_R_EXPIRES_WITHIN, "certificate expires within --warn-days", CWMS_EXIT_EXPIRING },
    { CWMS_R_NO_KEY, "no private key", CWMS_EXIT_KEY },
    { CWMS_R_KEY_MISMATCH, "private key does not match", CWMS_EXIT_KEY },
    { CWMS_R_WEAK_KEY, "key too small", CWMS_EXIT_KEY },
    { CWMS_R_SEVERAL_KEYS, "several private keys", CWMS_EXIT_KEY },
    { CWMS_R_KEY_NOT_EXTRACTABLE, "private key not extractable", CWMS_EXIT_KEY },
    { CWMS_R_UNSUPPORTED_KEY, "server key clients do not support", CWMS_EXIT_KEY },
    { CWMS_R_RISKY_KEY, "server key some clients refuse", CWMS_EXIT_KEY },
    { CWMS_R_KEY_UNENCRYPTED, "private key written unencrypted", CWMS_EXIT_KEY },
    { CWMS_R_KEYGEN, "cannot make the key", CWMS_EXIT_KEY },
    { CWMS_R_CSR, "the CSR breaks a rule of CWMS", CWMS_EXIT_USAGE },
    { CWMS_R_PKCS11, "PKCS#11 error", CWMS_EXIT_TOKEN },
    { CWMS_R_PIN, "PIN rejected", CWMS_EXIT_TOKEN },
    { CWMS_R_P11_MODULE, "PKCS#11 module left out", CWMS_EXIT_TOKEN },
    { CWMS_R_TOKEN_KEEPS_KEYS, "token keeps its keys inside", CWMS_EXIT_TOKEN },
    { CWMS_R_TOKEN_KEY_READABLE, "new token key is not sensitive", CWMS_EXIT_TOKEN },
    { CWMS_R_TOKEN_KEYGEN, "token cannot make the key", CWMS_EXIT_TOKEN },
    { CWMS_R_P11_BROKEN, "PKCS#11 module breaks the standard", CWMS_EXIT_TOKEN },
    { CWMS_R_P11_TIMEOUT, "PKCS#11 module did not answer in time", CWMS_EXIT_TOKEN },
    { CWMS_R_P11_LIMIT, "PKCS#11 answer past a limit", CWMS_EXIT_TOKEN },
    { CWMS_R_OUTPUT, "cannot write output", CWMS_EXIT_OUTPUT },
    { CWMS_R_OUTPUT_IS_INPUT, "output would replace an input", CWMS_EXIT_OUTPUT },
    { CWMS_R_OUTPUT_EXISTS, "output file exists", CWMS_EXIT_OUTPUT },
    { CWMS_R_INTERNAL, "internal error", CWMS_EXIT_FAILURE },
};

const char *cwms_reason_string(CWMS_REASON reason)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].reason == reason)
            return reasons[i].text;
    return "unknown error";
}

int cwms_reason_at(size_t i, CWMS_REASON *reason, const char **text)
{
    if (i >= sizeof(reasons) / sizeof(reasons[0]))
        return 0;
    *reason = reasons[i].reason;
    *text = reasons[i].text;
    return 1;
}

int cwms_reason_exit_code(CWMS_REASON reason)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].reason == reason)
            return reasons[i].exit_code;
    return CWMS_EXIT_FAILURE;
}
