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

#include "input/formats.h"

static STACK_OF(X509) *pkcs7_certs(const PKCS7 *p7)
{
    if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
        return p7->d.sign->cert;
    if (PKCS7_type_is_signedAndEnveloped(p7) && p7->d.signed_and_enveloped != NULL)
        return p7->d.signed_and_enveloped->cert;
    return NULL;
}

/* One definite-length TLV at *p: its tag, class, content; *p moves past it. 0 otherwise. */
static int next_tlv(const unsigned char **p, const unsigned char *end, int *tag, int *cls,
                    const unsigned char **content, long *clen)
{
    const unsigned char *q = *p;
    int r;

    if (q >= end)
        return 0;
    ERR_set_mark();
    r = ASN1_get_object(&q, clen, tag, cls, (long)(end - q));
    ERR_pop_to_mark();
    if ((r & 0x80) != 0 || r == 0x21)
        return 0;
    *content = q;
    *p = q + *clen;
    return 1;
}

/*
 * The certificates of a DER signedData, or -1 when der is not one this walk
 * takes (the caller falls back to d2i_PKCS7).
 */
static int read_signed_data_der(CWMS_READ *r, const unsigned char *der, size_t len)
{
    static const unsigned char signed_data_oid[] = {
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
    };
    const unsigned char *p = der, *end = der + len, *c, *sd_end, *certs, *certs_end;
    int tag, cls, n = 0;
    long clen;

    if (!next_tlv(&p, end, &tag, &cls, &c, &clen) || tag != V_ASN1_SEQUENCE)
        return -1;
    end = p;
    p = c;
    if (!next_tlv(&p, end, &tag, &cls, &c, &clen) || tag != V_ASN1_OBJECT
        || clen != (long)sizeof(signed_data_oid) || memcmp(c, signed_data_oid, (size_t)clen) != 0)
        return -1;
    if (!next_tlv(&p, end, &tag, &cls, &c, &clen) || cls != V_ASN1_CONTEXT_SPECIFIC || tag != 0)
        return -1;
    p = c;
    if (!next_tlv(&p, end, &tag, &cls, &c, &clen) || tag != V_ASN1_SEQUENCE)
        return -1;
    sd_end = p;
    p = c;
    if (!next_tlv(&p, sd_end, &tag, &cls, &c, &clen) || tag != V_ASN1_INTEGER
        || !next_tlv(&p, sd_end, &tag, &cls, &c, &clen) || tag != V_ASN1_SET
        || !next_tlv(&p, sd_end, &tag, &cls, &c, &clen) || tag != V_ASN1_SEQUENCE)
        return -1;
    certs = p;
    if (!next_tlv(&p, sd_end, &tag, &cls, &c, &clen))
        return -1;
    if (cls != V_ASN1_CONTEXT_SPECIFIC || tag != 0) {
        certs = certs_end = NULL;      /* no certificates */
    } else {
        certs = c;
        certs_end = p;
    }
    /* Every element must be a certificate (SEQUENCE) before any is taken. */
    for (const unsigned char *q = certs; q != NULL && q < certs_end;)
        if (!next_tlv(&q, certs_end, &tag, &cls, &c, &clen) || tag != V_ASN1_SEQUENCE
            || cls != V_ASN1_UNIVERSAL)
            return -1;
    r->recognised = 1;
    if (certs == NULL || certs == certs_end)
        cwms_read_note(r, "'%s': the PKCS#7 holds no certificates", r->name);
    for (const unsigned char *q = certs; q != NULL && q < certs_end;) {
        const unsigned char *start = q;
        CWMS_CERT *cert;

        next_tlv(&q, certs_end, &tag, &cls, &c, &clen);
        n++;
        if ((cert = cwms_read_new_cert_der(start, (size_t)(q - start))) == NULL)
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
    STACK_OF(X509) *certs;
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
