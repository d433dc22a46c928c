/*
 * PKCS#7 (".p7b", "certs-only" signedData, as `openssl crl2pkcs7 -nocrl`
 * and Windows write them): the certificates it carries. Signatures and
 * content are of no interest; the certificates are already decoded by
 * d2i_PKCS7, so they enter the pool with their X509 kept.
 */
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

int cwms_read_pkcs7_der(CWMS_READ *r, const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    STACK_OF(X509) *certs;
    PKCS7 *p7;
    int ret = CWMS_READ_OK;

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
