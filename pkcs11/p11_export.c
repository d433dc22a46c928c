/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private key export, in this order:
 *   1. not sensitive, extractable: read the components and build the key
 *      with EVP_PKEY_fromdata;
 *   2. sensitive, extractable: wrap it under a session AES-256 key with
 *      AES key-wrap-pad, unwrap in software, decode the PKCS#8;
 *   3. not extractable: refuse, naming the key and the token.
 * RSA and EC (P-256, P-384). Every secret buffer is cleansed: components
 * and the unwrapped PKCS#8 live in OpenSSL's secure allocations, BIGNUMs
 * are BN_secure_new, and the wrapping key is destroyed on the token.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "cwms_der_element.h"
#include "p11_internal.h"

CWMS_P11_EXPORT p11_export_kind(const P11_OBJECT *key)
{
    if (!key->extractable)
        return CWMS_P11_EXPORT_NONE;
    return key->sensitive ? CWMS_P11_EXPORT_WRAPPED : CWMS_P11_EXPORT_COMPONENTS;
}

static void openssl_error(CWMS_P11_ERROR *err, const char *what, const char *name)
{
    unsigned long e = ERR_peek_last_error();
    char buf[256] = "";

    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    p11_error(err, CWMS_P11_E_INTERNAL, "%s %s: %s", what, name, e != 0 ? buf : "OpenSSL failure");
}

/*-
 * 1. Components in the clear
 */

/* Reads one big-endian integer attribute into a secure BIGNUM; NULL on failure. */
static BIGNUM *attr_bn(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
    unsigned char *v;
    size_t len;
    BIGNUM *bn;

    if (p11_attr_read_secret(s, h, type, &v, &len) != CKR_OK)
        return NULL;
    bn = BN_secure_new();
    if (bn != NULL && BN_bin2bn(v, (int)len, bn) == NULL) {
        BN_clear_free(bn);
        bn = NULL;
    }
    OPENSSL_secure_clear_free(v, len + 1);
    return bn;
}

static EVP_PKEY *fromdata(const char *alg, OSSL_PARAM_BLD *bld, const CWMS_P11_OPTIONS *opts,
                          const char *name, CWMS_P11_ERROR *err)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(opts->libctx, alg, opts->propq);
    EVP_PKEY *pkey = NULL;

    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
        openssl_error(err, "cannot build", name);
    }
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static EVP_PKEY *rsa_from_components(P11_SESSION *s, const P11_OBJECT *key,
                                     const CWMS_P11_OPTIONS *opts, const char *name,
                                     CWMS_P11_ERROR *err)
{
    static const struct {
        CK_ATTRIBUTE_TYPE type;
        const char *param;
    } parts[] = {
        { CKA_MODULUS, OSSL_PKEY_PARAM_RSA_N },
        { CKA_PUBLIC_EXPONENT, OSSL_PKEY_PARAM_RSA_E },
        { CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D },
        { CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1 },
        { CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2 },
        { CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1 },
        { CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2 },
        { CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1 },
    };
    BIGNUM *bn[8] = { NULL };
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;
    size_t i;

    if (bld == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return NULL;
    }
    for (i = 0; i < 8; i++) {
        bn[i] = attr_bn(s, key->h, parts[i].type);
        if (bn[i] == NULL) {
            p11_error(err, CWMS_P11_E_TOKEN,
                      "cannot read the RSA components of %s although it is marked not sensitive",
                      name);
            goto done;
        }
        if (!OSSL_PARAM_BLD_push_BN(bld, parts[i].param, bn[i])) {
            openssl_error(err, "cannot build", name);
            goto done;
        }
    }
    pkey = fromdata("RSA", bld, opts, name, err);
done:
    for (i = 0; i < 8; i++)
        BN_clear_free(bn[i]);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

/* The curve of CKA_EC_PARAMS (a DER namedCurve OID): its NID when supported, else NID_undef. */
static int ec_curve(P11_SESSION *s, CK_OBJECT_HANDLE h)
{
    unsigned char *v;
    const unsigned char *p;
    size_t len;
    ASN1_OBJECT *oid;
    int nid = NID_undef;

    if (p11_attr_read(s, h, CKA_EC_PARAMS, &v, &len) != CKR_OK)
        return NID_undef;
    p = v;
    oid = d2i_ASN1_OBJECT(NULL, &p, (long)len);
    if (oid != NULL)
        nid = OBJ_obj2nid(oid);
    ASN1_OBJECT_free(oid);
    OPENSSL_free(v);
    ERR_clear_error();
    return nid == NID_X9_62_prime256v1 || nid == NID_secp384r1 ? nid : NID_undef;
}

static EVP_PKEY *ec_from_components(P11_SESSION *s, const P11_OBJECT *key,
                                    const CWMS_P11_OPTIONS *opts, const char *name,
                                    CWMS_P11_ERROR *err)
{
    int nid = ec_curve(s, key->h);
    BIGNUM *priv = NULL;
    EC_GROUP *group = NULL;
    EC_POINT *pub = NULL;
    unsigned char pubbuf[133];
    size_t publen;
    OSSL_PARAM_BLD *bld = NULL;
    EVP_PKEY *pkey = NULL;

    if (nid == NID_undef) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "%s is on a curve cwms-bundle does not take; CWMS takes P-256 and P-384 keys",
                  name);
        return NULL;
    }
    if ((priv = attr_bn(s, key->h, CKA_VALUE)) == NULL) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "cannot read the EC private value of %s although it is marked not sensitive",
                  name);
        return NULL;
    }
    /* The private key object has no public point: compute it, so the key pairs with its certificate. */
    group = EC_GROUP_new_by_curve_name_ex(opts->libctx, opts->propq, nid);
    pub = group != NULL ? EC_POINT_new(group) : NULL;
    bld = OSSL_PARAM_BLD_new();
    if (pub == NULL || bld == NULL || !EC_POINT_mul(group, pub, priv, NULL, NULL, NULL)
        || (publen = EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, pubbuf,
                                        sizeof(pubbuf), NULL))
            == 0
        || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, OBJ_nid2sn(nid), 0)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)
        || !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pubbuf, publen)) {
        openssl_error(err, "cannot build", name);
        goto done;
    }
    pkey = fromdata("EC", bld, opts, name, err);
done:
    BN_clear_free(priv);
    EC_POINT_free(pub);
    EC_GROUP_free(group);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

/*-
 * 2. Wrapped under a session AES key
 */

/* The key-wrap-pad mechanism the token offers: the current spec's value first, then SoftHSM's. */
static CK_MECHANISM_TYPE wrap_mechanism(P11_SESSION *s)
{
    CK_FUNCTION_LIST *fl = s->token->fl;
    CK_MECHANISM_TYPE *mechs, found = CK_UNAVAILABLE_INFORMATION;
    CK_ULONG n = 0, i;

    if (P11_CALL(fl, C_GetMechanismList, s->token->slot, NULL, &n) != CKR_OK || n == 0)
        return found;
    if ((mechs = OPENSSL_malloc(n * sizeof(*mechs))) == NULL)
        return found;
    if (P11_CALL(fl, C_GetMechanismList, s->token->slot, mechs, &n) == CKR_OK) {
        for (i = 0; i < n; i++)
            if (mechs[i] == CKM_AES_KEY_WRAP_KWP)
                found = CKM_AES_KEY_WRAP_KWP;
        for (i = 0; i < n && found == CK_UNAVAILABLE_INFORMATION; i++)
            if (mechs[i] == CKM_AES_KEY_WRAP_PAD)
                found = CKM_AES_KEY_WRAP_PAD;
    }
    OPENSSL_free(mechs);
    return found;
}

/* RFC 5649 unwrap in software; returns the plaintext (secure, caller clear-frees *cap bytes). */
static unsigned char *unwrap(const unsigned char *kek, const unsigned char *wrapped, size_t wlen,
                             const CWMS_P11_OPTIONS *opts, size_t *outlen, size_t *cap)
{
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(opts->libctx, "AES-256-WRAP-PAD", opts->propq);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    unsigned char *out = NULL;
    int l1 = 0, l2 = 0;

    *cap = wlen + 16;
    if (cipher == NULL || ctx == NULL || (out = OPENSSL_secure_zalloc(*cap)) == NULL)
        goto fail;
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    if (!EVP_DecryptInit_ex2(ctx, cipher, kek, NULL, NULL)
        || !EVP_DecryptUpdate(ctx, out, &l1, wrapped, (int)wlen)
        || !EVP_DecryptFinal_ex(ctx, out + l1, &l2))
        goto fail;
    *outlen = (size_t)l1 + (size_t)l2;
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return out;
fail:
    OPENSSL_secure_clear_free(out, *cap);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return NULL;
}

/* The PKCS#8 in buf, trimmed to its outer DER length (SoftHSM 2.6 pads with zero bytes). */
static EVP_PKEY *decode_pkcs8(const unsigned char *buf, size_t len, const CWMS_P11_OPTIONS *opts)
{
    const unsigned char *p = buf;
    CWMS_DER_ELEMENT e;
    PKCS8_PRIV_KEY_INFO *p8;
    EVP_PKEY *pkey;

    if (cwms_der_header(buf, len, &e) != 1 || !cwms_der_is_universal(&e, V_ASN1_SEQUENCE, 1))
        return NULL;
    p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)e.whole.len);
    if (p8 == NULL)
        return NULL;
    pkey = EVP_PKCS82PKEY_ex(p8, opts->libctx, opts->propq);
    PKCS8_PRIV_KEY_INFO_free(p8);
    /*
     * SoftHSM's EC PKCS#8 carries no public key; OpenSSL derives it but would
     * write the key without it. The bundle's key should pair with its
     * certificate for any reader, so have the public key encoded too.
     */
    if (pkey != NULL && EVP_PKEY_is_a(pkey, "EC")
        && !EVP_PKEY_set_int_param(pkey, OSSL_PKEY_PARAM_EC_INCLUDE_PUBLIC, 1)) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    return pkey;
}

static EVP_PKEY *wrapped(P11_SESSION *s, const P11_OBJECT *key, const CWMS_P11_OPTIONS *opts,
                         const char *name, CWMS_P11_ERROR *err)
{
    CK_FUNCTION_LIST *fl = s->token->fl;
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_KEY_TYPE aes = CKK_AES;
    CK_ULONG aes_len = 32, wlen = 0;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &secret, sizeof(secret) },
        { CKA_KEY_TYPE, &aes, sizeof(aes) },
        { CKA_VALUE_LEN, &aes_len, sizeof(aes_len) },
        { CKA_TOKEN, &no, sizeof(no) }, /* a session object: gone with the session */
        { CKA_WRAP, &yes, sizeof(yes) },
        { CKA_SENSITIVE, &no, sizeof(no) }, /* readable: the unwrap happens here */
        { CKA_EXTRACTABLE, &yes, sizeof(yes) },
    };
    CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
    CK_MECHANISM wrap = { 0, NULL, 0 };
    CK_OBJECT_HANDLE kek_h = CK_INVALID_HANDLE;
    unsigned char *kek = NULL, *blob = NULL, *plain = NULL;
    size_t kek_len = 0, plain_len = 0, plain_cap = 0;
    EVP_PKEY *pkey = NULL;
    CK_RV rv;

    wrap.mechanism = wrap_mechanism(s);
    if (wrap.mechanism == CK_UNAVAILABLE_INFORMATION) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "%s is sensitive and token '%s' offers no AES key-wrap-pad mechanism "
                  "(CKM_AES_KEY_WRAP_PAD 0x210A or CKM_AES_KEY_WRAP_KWP 0x210B) to export it with",
                  name, s->token->label);
        return NULL;
    }
    cwms_debug(CWMS_DEBUG_PKCS11, "wrapping with mechanism 0x%lx", (unsigned long)wrap.mechanism);
    rv = P11_CALL(fl, C_GenerateKey, s->h, &gen, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), &kek_h);
    if (rv != CKR_OK) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "cannot create a session AES key on token '%s' to wrap %s: %s", s->token->label,
                  name, p11_rv_string(rv));
        return NULL;
    }
    rv = p11_attr_read_secret(s, kek_h, CKA_VALUE, &kek, &kek_len);
    if (rv != CKR_OK || kek_len != 32) {
        p11_error(err, CWMS_P11_E_TOKEN, "cannot read the session AES key on token '%s': %s",
                  s->token->label, p11_rv_string(rv));
        goto done;
    }
    rv = P11_CALL(fl, C_WrapKey, s->h, &wrap, kek_h, key->h, NULL, &wlen);
    if (rv == CKR_OK && (blob = OPENSSL_secure_zalloc(wlen + 1)) == NULL)
        rv = CKR_HOST_MEMORY;
    if (rv == CKR_OK)
        rv = P11_CALL(fl, C_WrapKey, s->h, &wrap, kek_h, key->h, blob, &wlen);
    if (rv != CKR_OK) {
        p11_error(err, CWMS_P11_E_TOKEN, "token '%s' refused to wrap %s: %s", s->token->label, name,
                  p11_rv_string(rv));
        goto done;
    }
    plain = unwrap(kek, blob, wlen, opts, &plain_len, &plain_cap);
    if (plain == NULL) {
        openssl_error(err, "cannot unwrap", name);
        goto done;
    }
    pkey = decode_pkcs8(plain, plain_len, opts);
    if (pkey == NULL)
        openssl_error(err, "the token's wrapped PKCS#8 is not a key we can decode for", name);
done:
    P11_CALL(fl, C_DestroyObject, s->h, kek_h);
    OPENSSL_secure_clear_free(kek, kek_len + 1);
    OPENSSL_secure_clear_free(blob, wlen + 1);
    OPENSSL_secure_clear_free(plain, plain_cap);
    return pkey;
}

EVP_PKEY *p11_export_key(P11_SESSION *s, const P11_OBJECT *key, const CWMS_P11_OPTIONS *opts,
                         CWMS_P11_ERROR *err)
{
    char *name = p11_object_name(key, s->token);
    EVP_PKEY *pkey = NULL;

    if (name == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return NULL;
    }
    if (key->key_type != CKK_RSA && key->key_type != CKK_EC) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "%s is neither an RSA nor an EC key (CKA_KEY_TYPE 0x%lx); CWMS takes RSA and EC keys",
                  name, (unsigned long)key->key_type);
        goto done;
    }
    switch (p11_export_kind(key)) {
    case CWMS_P11_EXPORT_NONE:
        p11_error(err, CWMS_P11_E_NOT_EXTRACTABLE,
                  "%s is not extractable (CKA_EXTRACTABLE=false); CWMS needs the key inside the bundle: "
                  "generate the CSR on CWMS, or create the key as extractable",
                  name);
        break;
    case CWMS_P11_EXPORT_COMPONENTS:
        cwms_debug(CWMS_DEBUG_PKCS11, "exporting %s from its components", name);
        pkey = key->key_type == CKK_RSA ? rsa_from_components(s, key, opts, name, err)
                                        : ec_from_components(s, key, opts, name, err);
        break;
    case CWMS_P11_EXPORT_WRAPPED:
        cwms_debug(CWMS_DEBUG_PKCS11, "exporting %s wrapped", name);
        pkey = wrapped(s, key, opts, name, err);
        break;
    }
done:
    OPENSSL_free(name);
    return pkey;
}
