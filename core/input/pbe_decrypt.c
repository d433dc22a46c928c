/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Password-based decryption: see pbe_decrypt.h.
 *
 * PBES2 (RFC 8018, 6.2) with scrypt (RFC 7914, 7): the key is scrypt of
 * the passphrase with the salt, N, r and p of the key derivation
 * parameters and the key length of the cipher; the cipher (AES-CBC in
 * practice) takes its IV from its own parameters, as OpenSSL's
 * PKCS5_v2_PBE_keyivgen sets it: the cipher first, then the IV from the
 * ASN.1 parameters, then the key.
 */
#include "input/pbe_decrypt.h"

#include <limits.h>
#include <stdint.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pkcs12.h>

#include "input/kdf_limit.h"

/* The scrypt parameters of alg when it is PBES2 with scrypt (free both), else 0. */
static int pbes2_scrypt(const X509_ALGOR *alg, PBE2PARAM **pbe2, SCRYPT_PARAMS **sp)
{
    *pbe2 = NULL;
    *sp = NULL;
    if (alg == NULL || alg->parameter == NULL || OBJ_obj2nid(alg->algorithm) != NID_pbes2)
        return 0;
    ERR_set_mark();
    *pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    if (*pbe2 != NULL && (*pbe2)->keyfunc != NULL && (*pbe2)->encryption != NULL
        && OBJ_obj2nid((*pbe2)->keyfunc->algorithm) == NID_id_scrypt)
        *sp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS), (*pbe2)->keyfunc->parameter);
    ERR_pop_to_mark();
    return *sp != NULL;
}

/* scrypt(pass) into key[keylen], with the memory ceiling raised to the limit. */
static int derive(const SCRYPT_PARAMS *sp, const CWMS_KDF_COST *cost, const char *pass,
                  size_t pass_len, unsigned char *key, size_t keylen, OSSL_LIB_CTX *libctx,
                  const char *propq)
{
    EVP_KDF *kdf = EVP_KDF_fetch(libctx, "SCRYPT", propq);
    EVP_KDF_CTX *kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    uint64_t n = cost->n, maxmem = CWMS_SCRYPT_MAX_MEMORY;
    uint32_t r = (uint32_t)cost->r, p = (uint32_t)cost->p;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pass, pass_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, sp->salt->data,
                                          (size_t)sp->salt->length),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };
    int ok = kctx != NULL && EVP_KDF_derive(kctx, key, keylen, params) > 0;

    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return ok;
}

/* The cipher alg names, initialised to decrypt with key and the IV of its parameters. */
static EVP_CIPHER_CTX *cipher_for(const X509_ALGOR *enc, const EVP_CIPHER *cipher,
                                  const unsigned char *key)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

    if (ctx != NULL && EVP_CipherInit_ex2(ctx, cipher, NULL, NULL, 0, NULL)
        && EVP_CIPHER_asn1_to_param(ctx, enc->parameter) > 0
        && EVP_CipherInit_ex2(ctx, NULL, key, NULL, 0, NULL))
        return ctx;
    EVP_CIPHER_CTX_free(ctx);
    return NULL;
}

/* in decrypted with the scrypt-derived key into *out (OPENSSL_clear_free, *out_len). */
static int scrypt_decrypt(const PBE2PARAM *pbe2, const SCRYPT_PARAMS *sp, const char *pass,
                          size_t pass_len, const unsigned char *in, size_t in_len,
                          OSSL_LIB_CTX *libctx, const char *propq, unsigned char **out,
                          size_t *out_len)
{
    CWMS_KDF_COST cost = { 1, 0, 0, 0, 0 };
    EVP_CIPHER *cipher = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char key[EVP_MAX_KEY_LENGTH], *buf = NULL;
    size_t buf_size = in_len + EVP_MAX_BLOCK_LENGTH;
    uint64_t want_len;
    int keylen, n = 0, fin = 0, ok = 0;

    /* Never derive what the limits refuse, whoever asks. */
    if (!ASN1_INTEGER_get_uint64(&cost.n, sp->costParameter)
        || !ASN1_INTEGER_get_uint64(&cost.r, sp->blockSize)
        || !ASN1_INTEGER_get_uint64(&cost.p, sp->parallelizationParameter)
        || !cwms_kdf_cost_ok(&cost) || cost.r > UINT32_MAX || cost.p > UINT32_MAX
        || in_len > INT_MAX)
        return 0;
    cipher = EVP_CIPHER_fetch(libctx, OBJ_nid2sn(OBJ_obj2nid(pbe2->encryption->algorithm)), propq);
    if (cipher == NULL || (keylen = EVP_CIPHER_get_key_length(cipher)) <= 0
        || (size_t)keylen > sizeof(key)
        || (sp->keyLength != NULL
            && (!ASN1_INTEGER_get_uint64(&want_len, sp->keyLength) || want_len != (uint64_t)keylen))
        || !derive(sp, &cost, pass, pass_len, key, (size_t)keylen, libctx, propq)
        || (ctx = cipher_for(pbe2->encryption, cipher, key)) == NULL
        || (buf = OPENSSL_malloc(buf_size)) == NULL)
        goto end;
    ok =
        EVP_DecryptUpdate(ctx, buf, &n, in, (int)in_len) && EVP_DecryptFinal_ex(ctx, buf + n, &fin);
    if (ok) {
        *out = buf;
        *out_len = (size_t)n + (size_t)fin;
        buf = NULL;
    }
end:
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_clear_free(buf, buf_size);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return ok;
}

/* d2i of the it structure from a decryption of in, or NULL. Errors stay on the queue. */
static void *scrypt_item(const PBE2PARAM *pbe2, const SCRYPT_PARAMS *sp, const ASN1_ITEM *it,
                         const char *pass, int pass_len, const unsigned char *in, size_t in_len,
                         OSSL_LIB_CTX *libctx, const char *propq)
{
    unsigned char *plain = NULL;
    const unsigned char *p;
    size_t plain_len = 0;
    void *item = NULL;

    if (pass_len >= 0
        && scrypt_decrypt(pbe2, sp, pass, (size_t)pass_len, in, in_len, libctx, propq, &plain,
                          &plain_len)
        && plain_len <= LONG_MAX) {
        p = plain;
        item = ASN1_item_d2i(NULL, &p, (long)plain_len, it);
    }
    OPENSSL_clear_free(plain, plain_len);
    return item;
}

PKCS8_PRIV_KEY_INFO *cwms_pkcs8_decrypt(const X509_SIG *p8, const char *pass, int pass_len,
                                        OSSL_LIB_CTX *libctx, const char *propq)
{
    const X509_ALGOR *alg = NULL;
    const ASN1_OCTET_STRING *oct = NULL;
    PBE2PARAM *pbe2;
    SCRYPT_PARAMS *sp;
    PKCS8_PRIV_KEY_INFO *info;

    X509_SIG_get0(p8, &alg, &oct);
    if (!pbes2_scrypt(alg, &pbe2, &sp)) {
        PBE2PARAM_free(pbe2);
        return PKCS8_decrypt_ex(p8, pass, pass_len, libctx, propq);
    }
    info = scrypt_item(pbe2, sp, ASN1_ITEM_rptr(PKCS8_PRIV_KEY_INFO), pass, pass_len, oct->data,
                       (size_t)oct->length, libctx, propq);
    SCRYPT_PARAMS_free(sp);
    PBE2PARAM_free(pbe2);
    return info;
}

void *cwms_pbe_item_decrypt(const X509_ALGOR *alg, const ASN1_ITEM *it, const char *pass,
                            int pass_len, const ASN1_OCTET_STRING *oct, OSSL_LIB_CTX *libctx,
                            const char *propq)
{
    PBE2PARAM *pbe2;
    SCRYPT_PARAMS *sp;
    void *item;

    if (!pbes2_scrypt(alg, &pbe2, &sp)) {
        PBE2PARAM_free(pbe2);
        return PKCS12_item_decrypt_d2i_ex(alg, it, pass, pass_len, oct, 1, libctx, propq);
    }
    item = scrypt_item(pbe2, sp, it, pass, pass_len, oct->data, (size_t)oct->length, libctx, propq);
    SCRYPT_PARAMS_free(sp);
    PBE2PARAM_free(pbe2);
    return item;
}
