/* See certinfo_oracle.h. */
#include "certinfo_oracle.h"

#include <string.h>

#include <openssl/x509.h>

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
    if (!same_name(a->subject, b->subject))
        return "subject";
    if (!same_name(a->issuer, b->issuer))
        return "issuer";
    if (a->subject_hash != b->subject_hash)
        return "subject_hash";
    if (a->issuer_hash != b->issuer_hash)
        return "issuer_hash";
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

ORACLE_RESULT certinfo_oracle(const unsigned char *der, size_t len, const char **why)
{
    CWMS_CERTINFO walked, full;
    ORACLE_RESULT res;

    *why = NULL;
    if (!cwms_certinfo_from_der(der, len, &walked)) {
        if (walked.subject != NULL || walked.issuer != NULL || walked.ski_len != 0) {
            *why = "refused but left fields set";
            return ORACLE_DIFFERS;
        }
        return ORACLE_REFUSED;
    }
    if (!certinfo_full_decoder_accepts(der, len, &full)) {
        *why = "walker accepts what the full decoder refuses";
        res = ORACLE_DIFFERS;
    } else {
        *why = certinfo_first_difference(&walked, &full);
        res = *why == NULL ? ORACLE_AGREES : ORACLE_DIFFERS;
        cwms_certinfo_clear(&full);
    }
    cwms_certinfo_clear(&walked);
    return res;
}
