/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private keys in DER: PKCS#8 (plain or encrypted) and the traditional
 * per-algorithm forms (RSAPrivateKey, ECPrivateKey, DSA). Decoding goes
 * through OSSL_DECODER and cwms_pkcs8_decrypt with the library context and
 * property query of the read context, so the provider's private context
 * is the one that loads the key.
 */
#include <limits.h>
#include <stdio.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "input/formats.h"
#include "input/kdf_limit.h"
#include "input/pbe_decrypt.h"

static EVP_PKEY *decode_with(const CWMS_READ *r, const unsigned char *der, size_t len,
                             const char *structure, const char *keytype)
{
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx;
    const unsigned char *p = der;
    size_t left = len;

    /* Private key only: a public key file must not pass for a key. */
    dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", structure, keytype, EVP_PKEY_PRIVATE_KEY,
                                         r->rctx->libctx, r->rctx->propq);
    if (dctx == NULL || !OSSL_DECODER_from_data(dctx, &p, &left) || left != 0) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    OSSL_DECODER_CTX_free(dctx);
    return pkey;
}

/*
 * The element at *p (at most max bytes): 1 when it has the universal tag,
 * the form (constructed or not) and a definite length in the fewest
 * octets, as DER wants; *p is then at its contents and *len their length.
 */
static int der_element(const unsigned char **p, long max, int tag, int constructed, long *len)
{
    const unsigned char *start = *p;
    int got_tag, got_class, ret = ASN1_get_object(p, len, &got_tag, &got_class, max);

    return (ret & 0x80) == 0 && (ret & 0x01) == 0 && got_class == V_ASN1_UNIVERSAL && got_tag == tag
        && ((ret & V_ASN1_CONSTRUCTED) != 0) == constructed && *len <= INT_MAX
        && *p - start + *len == ASN1_object_size(constructed, (int)*len, tag);
}

/* A two-prime RSAPrivateKey in DER: version 0 and eight more non-negative, minimal INTEGERs. */
static int der_rsa_private_key(const unsigned char *der, long len)
{
    const unsigned char *p = der, *end;
    long n;

    if (!der_element(&p, len, V_ASN1_SEQUENCE, 1, &n) || p + n != der + len)
        return 0;
    end = p + n;
    for (int i = 0; i < 9; i++) {
        if (!der_element(&p, end - p, V_ASN1_INTEGER, 0, &n) || n < 1 || (p[0] & 0x80) != 0
            || (n > 1 && p[0] == 0 && (p[1] & 0x80) == 0) || (i == 0 && (n != 1 || p[0] != 0)))
            return 0;
        p += n;
    }
    return p == end;
}

/*
 * 1 when der, the PrivateKeyInfo p8 was decoded from, is byte for byte
 * what OpenSSL's encoder writes for the key: version 0, rsaEncryption with
 * NULL parameters, no attributes, a two-prime RSAPrivateKey, all in DER.
 * Those bytes follow from the key's numbers alone, so they can be written
 * again as they are. Walked with ASN1_get_object: the private numbers are
 * not copied. Other key types are left to the encoder: their inner
 * structures have optional parts tools fill differently.
 */
static int written_as_openssl_writes(const PKCS8_PRIV_KEY_INFO *p8, const unsigned char *der,
                                     size_t len)
{
    const ASN1_OBJECT *oid = NULL;
    const X509_ALGOR *alg = NULL;
    const unsigned char *pk = NULL, *p = der;
    unsigned char *again = NULL;
    int pk_len = 0, ptype = V_ASN1_UNDEF, again_len, same;
    long n;

    if (!PKCS8_pkey_get0(&oid, &pk, &pk_len, &alg, p8) || OBJ_obj2nid(oid) != NID_rsaEncryption
        || sk_X509_ATTRIBUTE_num(PKCS8_pkey_get0_attrs(p8)) > 0)
        return 0;
    X509_ALGOR_get0(NULL, &ptype, NULL, alg);
    /* SEQUENCE { INTEGER 0, ...: the version; the round trip below checks the rest's encoding. */
    if (ptype != V_ASN1_NULL || !der_element(&p, (long)len, V_ASN1_SEQUENCE, 1, &n)
        || !der_element(&p, n, V_ASN1_INTEGER, 0, &n) || n != 1 || p[0] != 0
        || !der_rsa_private_key(pk, pk_len))
        return 0;
    if ((again_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &again)) <= 0)
        return 0;
    same = (size_t)again_len == len && CRYPTO_memcmp(again, der, len) == 0;
    OPENSSL_clear_free(again, (size_t)again_len);
    return same;
}

/*
 * A plain PKCS#8 PrivateKeyInfo: the algorithm it names, as a dotted OID
 * (every key manager answers to its OID), and whether it may be written
 * out again as is (written_as_openssl_writes). 0 when der is not one.
 */
static int pkcs8_keytype(const unsigned char *der, size_t len, char *keytype, size_t size,
                         int *canonical)
{
    const unsigned char *p = der;
    PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
    const ASN1_OBJECT *oid = NULL;
    int ok = p8 != NULL && p == der + len && PKCS8_pkey_get0(&oid, NULL, NULL, NULL, p8)
        && OBJ_obj2txt(keytype, (int)size, oid, 1) > 0;

    *canonical = ok && written_as_openssl_writes(p8, der, len);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return ok;
}

/*
 * Any unencrypted private key structure; NULL (and no error left) when it
 * is none. *canonical as pkcs8_keytype's.
 */
static EVP_PKEY *decode_private_key(const CWMS_READ *r, const unsigned char *der, size_t len,
                                    int *canonical)
{
    EVP_PKEY *pkey = NULL;
    char keytype[80];

    ERR_set_mark();
    /* Naming structure and algorithm spares the decoder trying all of them (3x faster). */
    if (len <= LONG_MAX && pkcs8_keytype(der, len, keytype, sizeof(keytype), canonical))
        pkey = decode_with(r, der, len, "PrivateKeyInfo", keytype);
    if (pkey == NULL) {
        *canonical = 0;
        pkey = decode_with(r, der, len, NULL, NULL);
    }
    ERR_pop_to_mark();
    return pkey;
}

int cwms_read_key_der(CWMS_READ *r, const unsigned char *der, size_t len)
{
    int canonical = 0;
    EVP_PKEY *pkey = decode_private_key(r, der, len, &canonical);

    if (pkey == NULL)
        return CWMS_READ_NOT_MINE;
    r->recognised = 1;
    return cwms_read_take_key_pkcs8(r, pkey, canonical ? der : NULL, len) ? CWMS_READ_OK
                                                                          : CWMS_READ_ERROR;
}

/* An X509_SIG whose algorithm is a password-based encryption: an encrypted PKCS#8. */
static X509_SIG *decode_encrypted_pkcs8(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    const X509_ALGOR *alg;
    X509_SIG *sig;

    ERR_set_mark();
    sig = d2i_X509_SIG(NULL, &p, (long)len);
    if (sig != NULL) {
        X509_SIG_get0(sig, &alg, NULL);
        /* The same ASN.1 is a DigestInfo: only a PBE algorithm makes it a key. */
        if (p != der + len
            || !EVP_PBE_find(EVP_PBE_TYPE_OUTER, OBJ_obj2nid(alg->algorithm), NULL, NULL, NULL)) {
            X509_SIG_free(sig);
            sig = NULL;
        }
    }
    ERR_pop_to_mark();
    return sig;
}

int cwms_read_encrypted_key_der(CWMS_READ *r, const unsigned char *der, size_t len)
{
    X509_SIG *sig = decode_encrypted_pkcs8(der, len);
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    EVP_PKEY *pkey = NULL;
    unsigned char *plain = NULL;
    int plain_len = 0, canonical = 0;
    const char *pass;
    size_t pass_len;
    char what[512];
    int ret = CWMS_READ_ERROR;

    if (sig == NULL)
        return CWMS_READ_NOT_MINE;
    r->recognised = 1;
    if (!cwms_read_check_sig_pbe(r, "the key encryption", sig))
        goto end;
    snprintf(what, sizeof(what), "private key in '%s'", r->name);
    if (!cwms_read_passphrase(r, what, &pass, &pass_len)) {
        cwms_read_no_passphrase(r, CWMS_MSG_KEY_NO_PASS, r->name, CWMS_READ_PASSIN(r));
        goto end;
    }
    ERR_set_mark();
    if (pass_len <= INT_MAX)
        p8 = cwms_pkcs8_decrypt(sig, pass, (int)pass_len, r->rctx->libctx, r->rctx->propq);
    ERR_pop_to_mark();
    if (p8 == NULL) {
        cwms_read_error(r, CWMS_R_BAD_PASSPHRASE, CWMS_MSG_KEY_BAD_PASS, r->name,
                        CWMS_READ_PASS_SOURCE(r));
        goto end;
    }
    /* The decrypted PrivateKeyInfo is read like a plain one (and may be written as is). */
    if ((plain_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &plain)) <= 0
        || (pkey = decode_private_key(r, plain, (size_t)plain_len, &canonical)) == NULL) {
        cwms_read_error_openssl(r, CWMS_R_INPUT_UNRECOGNISED,
                                "'%s': the decrypted private key cannot be read", r->name);
        goto end;
    }
    ret = cwms_read_take_key_pkcs8(r, pkey, canonical ? plain : NULL, (size_t)plain_len)
        ? CWMS_READ_OK
        : CWMS_READ_ERROR;
end:
    if (plain != NULL)
        OPENSSL_clear_free(plain, (size_t)plain_len);
    PKCS8_PRIV_KEY_INFO_free(p8);
    X509_SIG_free(sig);
    return ret;
}
