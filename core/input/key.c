/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private keys in DER: PKCS#8 (plain or encrypted) and the traditional
 * per-algorithm forms (RSAPrivateKey, ECPrivateKey, DSA). Decoding goes
 * through OSSL_DECODER and PKCS8_decrypt_ex with the library context and
 * property query of the read context, so the provider's private context
 * is the one that loads the key.
 */
#include <limits.h>
#include <stdio.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "input/formats.h"
#include "input/kdf_limit.h"

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
 * A plain PKCS#8 PrivateKeyInfo: the algorithm it names, as a dotted OID
 * (every key manager answers to its OID), and whether der is its one
 * canonical encoding without attributes (what OpenSSL itself writes), so
 * it can be written out again as is. 0 when der is not one.
 */
static int pkcs8_keytype(const unsigned char *der, size_t len, char *keytype, size_t size,
                         int *canonical)
{
    const unsigned char *p = der;
    PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
    const ASN1_OBJECT *oid = NULL;
    unsigned char *again = NULL;
    int again_len,
        ok = p8 != NULL && p == der + len && PKCS8_pkey_get0(&oid, NULL, NULL, NULL, p8)
        && OBJ_obj2txt(keytype, (int)size, oid, 1) > 0;

    *canonical = 0;
    if (ok && sk_X509_ATTRIBUTE_num(PKCS8_pkey_get0_attrs(p8)) <= 0
        && (again_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &again)) > 0) {
        *canonical = (size_t)again_len == len && CRYPTO_memcmp(again, der, len) == 0;
        OPENSSL_clear_free(again, (size_t)again_len);
    }
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
        p8 = PKCS8_decrypt_ex(sig, pass, (int)pass_len, r->rctx->libctx, r->rctx->propq);
    ERR_pop_to_mark();
    if (p8 == NULL) {
        cwms_read_error(r, CWMS_R_BAD_PASSPHRASE, CWMS_MSG_KEY_BAD_PASS, r->name,
                        CWMS_READ_PASSIN(r));
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
