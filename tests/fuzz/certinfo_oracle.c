/* SPDX-License-Identifier: Apache-2.0 */
/* See certinfo_oracle.h. */
#include "certinfo_oracle.h"

#include <string.h>

#include <openssl/x509.h>

#include "index/namekey.h"

static int same_name(const X509_NAME *a, const X509_NAME *b)
{
    unsigned char *da = NULL, *db = NULL;
    int la, lb, same;

    if (a == NULL || b == NULL)
        return a == b;
    if (X509_NAME_cmp(a, b) != 0)
        return 0;
    /* Equal canonically is not enough: the walker must keep the encoding too. */
    la = i2d_X509_NAME(a, &da);
    lb = i2d_X509_NAME(b, &db);
    same = la > 0 && la == lb && memcmp(da, db, (size_t)la) == 0;
    OPENSSL_free(da);
    OPENSSL_free(db);
    return same;
}

const char *certinfo_first_difference(const CWMS_CERTINFO *a, const CWMS_CERTINFO *b)
{
    if (a->subject_key != b->subject_key)
        return "subject name key";
    if (a->issuer_key != b->issuer_key)
        return "issuer name key";
    if (a->ski_len != b->ski_len || memcmp(a->ski, b->ski, a->ski_len) != 0)
        return "subjectKeyIdentifier";
    if (a->aki_len != b->aki_len || memcmp(a->aki, b->aki, a->aki_len) != 0)
        return "authorityKeyIdentifier";
    if (a->not_before != b->not_before)
        return "notBefore";
    if (a->not_after != b->not_after)
        return "notAfter";
    if (a->is_ca != b->is_ca)
        return "basicConstraints cA";
    if (a->self_issued != b->self_issued)
        return "self_issued";
    return NULL;
}

int certinfo_full_decoder_accepts(const unsigned char *der, size_t len, CWMS_CERTINFO *info)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    int ok = x != NULL && p == der + len && cwms_certinfo_from_x509(x, info);

    X509_free(x);
    return ok;
}

/* The Name the walker located at offset/len, decoded as cwms_cert_subject would; NULL if it does not. */
static X509_NAME *decode_slice(const unsigned char *der, size_t der_len, size_t offset, size_t len)
{
    const unsigned char *p;
    X509_NAME *name;

    if (len == 0 || offset > der_len || len > der_len - offset)
        return NULL;
    p = der + offset;
    name = d2i_X509_NAME(NULL, &p, (long)len);
    if (name != NULL && p != der + offset + len) {
        X509_NAME_free(name);
        name = NULL;
    }
    return name;
}

/* The walker's own answers about its names, against what the full decode says. */
static const char *compare_names(X509 *x, const X509_NAME *ws, const X509_NAME *wi,
                                 const CWMS_CERTINFO *walked)
{
    const X509_NAME *fs = X509_get_subject_name(x), *fi = X509_get_issuer_name(x);
    uint64_t ks, ki;

    if (ws == NULL || wi == NULL)
        return "a name the full decoder reads does not decode on its own";
    if (!same_name(ws, fs))
        return "subject";
    if (!same_name(wi, fi))
        return "issuer";
    /* Both key implementations, and the one property keys must have. */
    if (!cwms_name_key(ws, &ks) || !cwms_name_key(wi, &ki))
        return "cwms_name_key refuses a decoded name";
    if (ks != walked->subject_key || ki != walked->issuer_key)
        return "cwms_name_key and the walker's DER key differ";
    if (X509_NAME_cmp(ws, wi) == 0 && ks != ki)
        return "equal subject and issuer with different keys";
    return NULL;
}

/* The entry's lazy accessors against want (malformed: never valid, no key ids, no X509). */
static const char *entry_difference(const unsigned char *der, size_t len, const CWMS_CERTINFO *want,
                                    int want_malformed)
{
    CWMS_CERT *cert = cwms_cert_new_der(der, len, "oracle");
    const unsigned char *ski, *aki;
    size_t ski_len, aki_len;
    const char *why = NULL;

    if (cert == NULL)
        return "the walker accepts but cwms_cert_new_der does not";
    (void)cwms_cert_not_before(cert);
    ski = cwms_cert_ski(cert, &ski_len);
    aki = cwms_cert_aki(cert, &aki_len);
    if (want_malformed) {
        /* Asked again: once malformed, every answer is the safe one. */
        if (!cert->malformed || cwms_cert_x509(cert) != NULL
            || cwms_cert_not_before(cert) <= cwms_cert_not_after(cert)
            || cwms_cert_ski(cert, &ski_len) != NULL || cwms_cert_aki(cert, &aki_len) != NULL)
            why = "a pending field fails but the entry is not malformed";
    } else if (cert->malformed) {
        why = "the entry is malformed though the full decoder reads it";
    } else if (ski_len != want->ski_len || (ski_len > 0 && memcmp(ski, want->ski, ski_len) != 0)) {
        why = "cwms_cert_ski";
    } else if (aki_len != want->aki_len || (aki_len > 0 && memcmp(aki, want->aki, aki_len) != 0)) {
        why = "cwms_cert_aki";
    } else if (cwms_cert_not_before(cert) != want->not_before) {
        why = "cwms_cert_not_before";
    } else if (cwms_cert_not_after(cert) != want->not_after) {
        why = "cwms_cert_not_after";
    } else if (cert->info.pending != 0) {
        why = "fields still pending after every accessor";
    }
    cwms_cert_free(cert);
    return why;
}

ORACLE_RESULT certinfo_oracle(const unsigned char *der, size_t len, const char **why)
{
    CWMS_CERTINFO walked, full;
    ORACLE_RESULT res;
    X509_NAME *ws, *wi;
    const unsigned char *p = der;
    X509 *x;
    int pending_ok;

    *why = NULL;
    if (!cwms_certinfo_from_der(der, len, &walked)) {
        if (walked.subject_len != 0 || walked.issuer_len != 0 || walked.ski_len != 0
            || walked.pending != 0) {
            *why = "refused but left fields set";
            return ORACLE_DIFFERS;
        }
        return ORACLE_REFUSED;
    }
    if ((walked.pending & CWMS_INFO_VALIDITY) == 0) {
        *why = "validity not left pending";
        return ORACLE_DIFFERS;
    }
    pending_ok = cwms_certinfo_decode_pending(der, len, &walked, ~0u);
    if (pending_ok != (walked.pending == 0)) {
        *why = "cwms_certinfo_decode_pending answers other than what it left pending";
        return ORACLE_DIFFERS;
    }
    ws = decode_slice(der, len, walked.subject_offset, walked.subject_len);
    wi = decode_slice(der, len, walked.issuer_offset, walked.issuer_len);
    x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL || p != der + len || !cwms_certinfo_from_x509(x, &full)) {
        /*
         * Names are not validated by the walker: a certificate whose name
         * OpenSSL refuses is accepted, and the name decodes to NULL later;
         * likewise a pending field, which then makes the entry malformed.
         * Anything else the full decoder refuses, the walker must refuse.
         */
        if (ws == NULL || wi == NULL) {
            res = ORACLE_NAME_DEFERRED;
        } else if (!pending_ok) {
            *why = entry_difference(der, len, NULL, 1);
            res = *why == NULL ? ORACLE_FIELD_DEFERRED : ORACLE_DIFFERS;
        } else {
            *why = "walker accepts what the full decoder refuses";
            res = ORACLE_DIFFERS;
        }
    } else {
        /* What did not decode from its slice, the entry takes from the full decoder. */
        if ((walked.pending & CWMS_INFO_VALIDITY) != 0) {
            walked.not_before = full.not_before;
            walked.not_after = full.not_after;
        }
        if ((walked.pending & CWMS_INFO_SKI) != 0) {
            memcpy(walked.ski, full.ski, full.ski_len);
            walked.ski_len = full.ski_len;
        }
        if ((walked.pending & CWMS_INFO_AKI) != 0) {
            memcpy(walked.aki, full.aki, full.aki_len);
            walked.aki_len = full.aki_len;
        }
        if ((*why = compare_names(x, ws, wi, &walked)) == NULL)
            *why = certinfo_first_difference(&walked, &full);
        if (*why == NULL)
            *why = entry_difference(der, len, &full, 0);
        res = *why != NULL ? ORACLE_DIFFERS : pending_ok ? ORACLE_AGREES : ORACLE_FALLBACK;
    }
    X509_free(x);
    X509_NAME_free(ws);
    X509_NAME_free(wi);
    return res;
}
