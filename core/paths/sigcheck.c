/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signatures checked from the DER: Certificate ::= SEQUENCE { tbs,
 * signatureAlgorithm, signature BIT STRING }. The algorithms a digest and
 * a key type name (OBJ_find_sigid_algs: RSA PKCS#1 v1.5, ECDSA, DSA) are
 * done here; the rest are left to X509_verify. That the TBS repeats the
 * outer algorithm is checked by the DER walker (certinfo.c) already.
 */
#include "paths/sigcheck.h"

#include "cwms_der_element.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

static int verify_der(const unsigned char *der, size_t len, EVP_PKEY *pkey)
{
    CWMS_DER_SLICE top = { der, len }, cert;
    CWMS_DER_ELEMENT tbs, alg_e, sig;
    const unsigned char *alg_der;
    X509_ALGOR *alg = NULL;
    EVP_MD_CTX *mctx = NULL;
    int md_nid, pk_nid, ret = -1;

    if (!cwms_der_next(&top, &tbs) || !cwms_der_is_universal(&tbs, V_ASN1_SEQUENCE, 1))
        return -1;
    cert = tbs.content;
    if (!cwms_der_next(&cert, &tbs) || !cwms_der_is_universal(&tbs, V_ASN1_SEQUENCE, 1)
        || !cwms_der_next(&cert, &alg_e) || !cwms_der_is_universal(&alg_e, V_ASN1_SEQUENCE, 1)
        || !cwms_der_next(&cert, &sig) || !cwms_der_is_universal(&sig, V_ASN1_BIT_STRING, 0)
        || cert.len != 0 || sig.content.len < 1 || sig.content.p[0] != 0)
        return -1;
    alg_der = alg_e.whole.p;
    if ((alg = d2i_X509_ALGOR(NULL, &alg_der, (long)alg_e.whole.len)) == NULL)
        return -1;
    if (OBJ_find_sigid_algs(OBJ_obj2nid(alg->algorithm), &md_nid, &pk_nid) && md_nid != NID_undef
        && (mctx = EVP_MD_CTX_new()) != NULL
        && EVP_DigestVerifyInit_ex(mctx, NULL, OBJ_nid2sn(md_nid), NULL, NULL, pkey, NULL) == 1)
        ret = EVP_DigestVerify(mctx, sig.content.p + 1, sig.content.len - 1, tbs.whole.p,
                               tbs.whole.len)
            == 1;
    EVP_MD_CTX_free(mctx);
    X509_ALGOR_free(alg);
    return ret;
}

int cwms_sig_verify_der(const unsigned char *der, size_t len, EVP_PKEY *pkey)
{
    int r;

    ERR_set_mark();
    r = verify_der(der, len, pkey);
    ERR_pop_to_mark();
    return r;
}

EVP_PKEY *cwms_key_cache_get0(CWMS_KEY_CACHE *c, const CWMS_CERT *cert)
{
    unsigned char id[32];
    const unsigned char *spki, *p;
    size_t spki_len;
    EVP_PKEY *pkey;
    unsigned s;

    if ((spki = cwms_cert_get0_spki(cert, &spki_len)) == NULL || !cwms_cert_spki_sha256(cert, id))
        return NULL;
    for (unsigned i = 0; i < CWMS_KEY_CACHE_SIZE; i++)
        if (c->slot[i].pkey != NULL && memcmp(c->slot[i].id, id, 32) == 0)
            return c->slot[i].pkey;
    p = spki;
    ERR_set_mark();
    pkey = d2i_PUBKEY(NULL, &p, (long)spki_len);
    ERR_pop_to_mark();
    if (pkey == NULL)
        return NULL;
    s = c->next++ % CWMS_KEY_CACHE_SIZE;
    EVP_PKEY_free(c->slot[s].pkey);
    c->slot[s].pkey = pkey;
    memcpy(c->slot[s].id, id, 32);
    return pkey;
}

void cwms_key_cache_clear(CWMS_KEY_CACHE *c)
{
    for (unsigned i = 0; i < CWMS_KEY_CACHE_SIZE; i++)
        EVP_PKEY_free(c->slot[i].pkey);
    memset(c, 0, sizeof(*c));
}
