/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#7 (".p7b", "certs-only" signedData, as `openssl crl2pkcs7 -nocrl`
 * and Windows write them): the certificates it carries. Signatures and
 * content are of no interest. A plain DER signedData is walked and its
 * certificates enter the pool as DER, decoded lazily like any other
 * (d2i_PKCS7 would decode every public key: thousands of certificates in
 * one PKCS#7 cost seconds); anything else (BER, signedAndEnveloped) goes
 * through d2i_PKCS7, whose certificates enter with their X509 kept.
 */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>

#include "cwms_der_element.h"
#include "input/formats.h"

static STACK_OF(X509) * pkcs7_certs(const PKCS7 *p7)
{
    if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
        return p7->d.sign->cert;
    if (PKCS7_type_is_signedAndEnveloped(p7) && p7->d.signed_and_enveloped != NULL)
        return p7->d.signed_and_enveloped->cert;
    return NULL;
}

/*
 * The certificates of a DER signedData, or -1 when der is not one this walk
 * takes (the caller falls back to d2i_PKCS7).
 */
static int read_signed_data_der(CWMS_READ *r, const unsigned char *der, size_t len)
{
    static const unsigned char signed_data_oid[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                     0x0d, 0x01, 0x07, 0x02 };
    CWMS_DER_SLICE top = { der, len }, ci, sd, certs = { NULL, 0 }, scan;
    CWMS_DER_ELEMENT e;
    int n = 0, ok;

    ERR_set_mark();
    ok = cwms_der_next(&top, &e) && cwms_der_is_universal(&e, V_ASN1_SEQUENCE, 1)
        && (ci = e.content, cwms_der_next(&ci, &e)) && cwms_der_is_universal(&e, V_ASN1_OBJECT, 0)
        && e.content.len == sizeof(signed_data_oid)
        && memcmp(e.content.p, signed_data_oid, sizeof(signed_data_oid)) == 0
        && cwms_der_next(&ci, &e) && e.cls == V_ASN1_CONTEXT_SPECIFIC && e.tag == 0
        && (sd = e.content, cwms_der_next(&sd, &e)) && cwms_der_is_universal(&e, V_ASN1_SEQUENCE, 1)
        && (sd = e.content, cwms_der_next(&sd, &e)) /* version */
        && cwms_der_is_universal(&e, V_ASN1_INTEGER, 0) && cwms_der_next(&sd, &e)
        && cwms_der_is_universal(&e, V_ASN1_SET, 1) && cwms_der_next(&sd, &e)
        && cwms_der_is_universal(&e, V_ASN1_SEQUENCE, 1) && cwms_der_next(&sd, &e);
    if (ok && e.cls == V_ASN1_CONTEXT_SPECIFIC && e.tag == 0)
        certs = e.content;
    /* Every element must be a certificate (SEQUENCE) before any is taken. */
    for (scan = certs; ok && scan.len > 0;)
        ok = cwms_der_next(&scan, &e) && cwms_der_is_universal(&e, V_ASN1_SEQUENCE, 1);
    ERR_pop_to_mark();
    if (!ok)
        return -1;
    r->recognised = 1;
    if (certs.len == 0)
        cwms_read_note(r, "'%s': the PKCS#7 holds no certificates", r->name);
    while (certs.len > 0) {
        CWMS_CERT *cert;

        cwms_der_next(&certs, &e);
        n++;
        if ((cert = cwms_read_new_cert_der(e.whole.p, e.whole.len)) == NULL)
            return cwms_read_error(r, CWMS_R_INPUT_UNRECOGNISED,
                                   "'%s': certificate %d of the PKCS#7 is damaged", r->name, n);
        if (!cwms_read_take_cert(r, cert))
            return CWMS_READ_ERROR;
    }
    return CWMS_READ_OK;
}

int cwms_read_pkcs7_der(CWMS_READ *r, const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    STACK_OF(X509) * certs;
    PKCS7 *p7;
    int ret = read_signed_data_der(r, der, len);

    if (ret != -1)
        return ret;
    ret = CWMS_READ_OK;
    ERR_set_mark();
    p7 = d2i_PKCS7(NULL, &p, (long)len);
    ERR_pop_to_mark();
    if (p7 == NULL)
        return CWMS_READ_NOT_MINE;
    if (!PKCS7_type_is_signed(p7) && !PKCS7_type_is_signedAndEnveloped(p7)) {
        /* Data, enveloped, digested: a PKCS#7 that cannot hold certificates. */
        PKCS7_free(p7);
        return CWMS_READ_NOT_MINE;
    }
    r->recognised = 1;
    certs = pkcs7_certs(p7);
    if (sk_X509_num(certs) <= 0)
        cwms_read_note(r, "'%s': the PKCS#7 holds no certificates", r->name);
    for (int i = 0; i < sk_X509_num(certs); i++) {
        CWMS_CERT *cert = cwms_read_new_cert_x509(sk_X509_value(certs, i));

        if (cert == NULL) {
            ret = cwms_read_error(r, CWMS_R_INPUT_UNRECOGNISED,
                                  "'%s': certificate %d of the PKCS#7 is damaged", r->name, i + 1);
            break;
        }
        if (!cwms_read_take_cert(r, cert)) {
            ret = CWMS_READ_ERROR;
            break;
        }
    }
    PKCS7_free(p7);
    return ret;
}
