/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DER: a binary file of one or more concatenated DER objects (some tools
 * append DER certificates to one file), each tried as every format in
 * turn, cheapest and most common first. Each trial that fails leaves no
 * error behind.
 */
#include <limits.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "input/formats.h"
#include "cwms_der_element.h"

static int read_certificate(CWMS_READ *r, const unsigned char *der, size_t len)
{
    CWMS_CERT *cert;

    if ((cert = cwms_read_new_cert_der(der, len)) == NULL)
        return CWMS_READ_NOT_MINE;
    r->recognised = 1;
    return cwms_read_take_cert(r, cert) ? CWMS_READ_OK : CWMS_READ_ERROR;
}

/* Things that are recognised but of no use for a bundle: a note each. */
static int read_ignored(CWMS_READ *r, const unsigned char *der, size_t len)
{
    const unsigned char *p;
    X509_REQ *req;
    X509_PUBKEY *pub;
    X509_CRL *crl;

    ERR_set_mark();
    p = der;
    if ((req = d2i_X509_REQ(NULL, &p, (long)len)) != NULL) {
        X509_REQ_free(req);
        ERR_pop_to_mark();
        return cwms_read_skip_csr(r);
    }
    p = der;
    if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) != NULL) {
        X509_CRL_free(crl);
        ERR_pop_to_mark();
        r->recognised = 1;
        cwms_read_note(r, "'%s': ignoring a certificate revocation list (CRL)", r->name);
        return CWMS_READ_OK;
    }
    p = der;
    if ((pub = d2i_X509_PUBKEY(NULL, &p, (long)len)) != NULL) {
        X509_PUBKEY_free(pub);
        ERR_pop_to_mark();
        r->recognised = 1;
        cwms_read_note(r, "'%s': ignoring a public key: a bundle needs the private key", r->name);
        return CWMS_READ_OK;
    }
    ERR_pop_to_mark();
    return CWMS_READ_NOT_MINE;
}

int cwms_read_der_object(CWMS_READ *r, const unsigned char *der, size_t len)
{
    int ret;

    if (len > LONG_MAX)
        return CWMS_READ_NOT_MINE;
    if ((ret = read_certificate(r, der, len)) != CWMS_READ_NOT_MINE
        || (ret = cwms_read_pkcs12_der(r, der, len)) != CWMS_READ_NOT_MINE
        || (ret = cwms_read_pkcs7_der(r, der, len)) != CWMS_READ_NOT_MINE
        || (ret = cwms_read_encrypted_key_der(r, der, len)) != CWMS_READ_NOT_MINE
        || (ret = cwms_read_key_der(r, der, len)) != CWMS_READ_NOT_MINE)
        return ret;
    return read_ignored(r, der, len);
}

/*
 * Length of the DER object at der (at most len bytes), or 0 when it is
 * not one. An indefinite length (BER, as some PKCS#7 writers use) takes
 * the rest of the buffer: the decoders find its end themselves.
 */
static size_t object_length(const unsigned char *der, size_t len)
{
    CWMS_DER_ELEMENT e;
    int ret;

    ERR_set_mark();
    ret = cwms_der_header(der, len, &e);
    ERR_pop_to_mark();
    /* Every format read here is a SEQUENCE at the top. */
    if (ret == 0 || !cwms_der_is_universal(&e, V_ASN1_SEQUENCE, 1))
        return 0;
    return e.whole.len;
}

static int only_padding(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != '\n' && p[i] != '\r' && p[i] != ' ' && p[i] != '\t' && p[i] != '\0')
            return 0;
    return 1;
}

int cwms_read_der(CWMS_READ *r, const unsigned char *data, size_t len)
{
    size_t off, end = len, n = 0, count = 0, obj_len;
    int ret, any = 0;

    if (len > LONG_MAX)
        return CWMS_READ_NOT_MINE;
    /*
     * First make sure the whole buffer is DER objects, so text is never
     * half-read; newlines or padding after the last object are tolerated.
     * Both passes measure each object against the same bytes (up to len),
     * so they agree on every length.
     */
    for (off = 0; off < len; off += obj_len, count++) {
        obj_len = object_length(data + off, len - off);
        if (obj_len == 0 || obj_len > len - off) {
            if (count == 0 || !only_padding(data + off, len - off))
                return CWMS_READ_NOT_MINE;
            end = off;
            break;
        }
    }
    if (count == 0)
        return CWMS_READ_NOT_MINE;
    for (off = 0; off < end; off += obj_len) {
        obj_len = object_length(data + off, len - off);
        if (obj_len == 0 || obj_len > end - off)
            break;
        n++;
        ret = cwms_read_der_object(r, data + off, obj_len);
        if (ret == CWMS_READ_ERROR)
            return ret;
        if (ret == CWMS_READ_OK) {
            any = 1;
        } else if (count > 1) {
            cwms_read_note(r,
                           "'%s': skipping DER object %zu of %zu: not a certificate, key, "
                           "PKCS#7 or PKCS#12",
                           r->name, n, count);
        }
    }
    return any ? CWMS_READ_OK : CWMS_READ_NOT_MINE;
}
