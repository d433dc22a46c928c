/*
 * Signatures checked from the DER: Certificate ::= SEQUENCE { tbs,
 * signatureAlgorithm, signature BIT STRING }. The algorithms a digest and
 * a key type name (OBJ_find_sigid_algs: RSA PKCS#1 v1.5, ECDSA, DSA) are
 * done here; the rest are left to X509_verify. That the TBS repeats the
 * outer algorithm is checked by the DER walker (certinfo.c) already.
 */
#include "paths/sigcheck.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

static int tlv(const unsigned char **p, const unsigned char *end, int want_tag,
               const unsigned char **content, long *clen)
{
    int tag, cls, r;

    if (*p >= end)
        return 0;
    r = ASN1_get_object(p, clen, &tag, &cls, (long)(end - *p));
    if ((r & 0x80) != 0 || r == 0x21 || cls != V_ASN1_UNIVERSAL || tag != want_tag)
        return 0;
    *content = *p;
    return 1;
}

static int verify_der(const unsigned char *der, size_t len, EVP_PKEY *pkey)
{
    const unsigned char *p = der, *end = der + len, *c, *tbs, *alg_der, *sig;
    long clen, tbs_len, alg_len, sig_len;
    X509_ALGOR *alg = NULL;
    EVP_MD_CTX *mctx = NULL;
    int md_nid, pk_nid, ret = -1;

    if (!tlv(&p, end, V_ASN1_SEQUENCE, &c, &clen))
        return -1;
    end = c + clen;
    tbs = p;
    if (!tlv(&p, end, V_ASN1_SEQUENCE, &c, &clen))
        return -1;
    p += clen;
    tbs_len = (long)(p - tbs);
    alg_der = p;
    if (!tlv(&p, end, V_ASN1_SEQUENCE, &c, &clen))
        return -1;
    p += clen;
    alg_len = (long)(p - alg_der);
    if (!tlv(&p, end, V_ASN1_BIT_STRING, &sig, &sig_len) || sig_len < 1 || sig[0] != 0
        || sig + sig_len != end)
        return -1;
    if ((alg = d2i_X509_ALGOR(NULL, &alg_der, alg_len)) == NULL)
        return -1;
    if (OBJ_find_sigid_algs(OBJ_obj2nid(alg->algorithm), &md_nid, &pk_nid)
        && md_nid != NID_undef && (mctx = EVP_MD_CTX_new()) != NULL
        && EVP_DigestVerifyInit_ex(mctx, NULL, OBJ_nid2sn(md_nid), NULL, NULL, pkey, NULL) == 1)
        ret = EVP_DigestVerify(mctx, sig + 1, (size_t)sig_len - 1, tbs, (size_t)tbs_len) == 1;
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
