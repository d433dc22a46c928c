/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private key export, in this order:
 *   1. not sensitive, extractable: read the components and build the key
 *      with EVP_PKEY_fromdata;
 *   2. sensitive, extractable: wrap it under a session AES-256 key with
 *      the best wrapping mechanism the token lists (AES key wrap with
 *      padding, else AES-CBC-PAD), unwrap in software, decode the PKCS#8;
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
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "cwms_der_element.h"
#include "p11_internal.h"

/* C_WrapKey: how often a token may say "too small", and the largest wrapped key taken. */
#define WRAP_TRIES 4
#define WRAP_MAX (64 * 1024)

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
static BIGNUM *attr_bn(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
                       CWMS_P11_ERROR *err)
{
    unsigned char *v;
    size_t len;
    BIGNUM *bn;

    if (p11_attr_read_secret(s, h, type, &v, &len, err) != CKR_OK)
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
        bn[i] = attr_bn(s, key->h, parts[i].type, err);
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
static int ec_curve(P11_SESSION *s, CK_OBJECT_HANDLE h, CWMS_P11_ERROR *err)
{
    unsigned char *v;
    const unsigned char *p;
    size_t len;
    ASN1_OBJECT *oid;
    int nid = NID_undef;

    if (p11_attr_read(s, h, CKA_EC_PARAMS, &v, &len, err) != CKR_OK)
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
    int nid = ec_curve(s, key->h, err);
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
    if ((priv = attr_bn(s, key->h, CKA_VALUE, err)) == NULL) {
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

/* A way to wrap on the token and unwrap here, in order of preference. */
typedef struct wrap_mech_st {
    CK_MECHANISM_TYPE type;
    const char *cipher; /* OpenSSL's name for the unwrap */
    int iv;             /* 1: the mechanism takes a 16-byte IV */
} WRAP_MECH;

static const WRAP_MECH wrap_mechs[] = {
    { CKM_AES_KEY_WRAP_KWP, "AES-256-WRAP-PAD", 0 }, /* RFC 5649, PKCS#11 3.0 */
    { CKM_AES_KEY_WRAP_PAD, "AES-256-WRAP-PAD", 0 }, /* RFC 5649 as SoftHSM 2.6 numbers it */
    { CKM_AES_CBC_PAD, "AES-256-CBC", 1 },           /* opencryptoki's software token */
};

/* The first wrapping mechanism the token lists with CKF_WRAP, when it lists AES key generation. */
static const WRAP_MECH *choose_wrap(P11_SESSION *s)
{
    if (!p11_mech_offers(s, CKM_AES_KEY_GEN, 0))
        return NULL;
    for (size_t i = 0; i < sizeof(wrap_mechs) / sizeof(wrap_mechs[0]); i++)
        if (p11_mech_offers(s, wrap_mechs[i].type, CKF_WRAP))
            return &wrap_mechs[i];
    return NULL;
}

int p11_token_can_wrap(P11_SESSION *s)
{
    return choose_wrap(s) != NULL;
}

/* Software unwrap; returns the plaintext (secure, caller clear-frees *cap bytes). */
static unsigned char *unwrap(const WRAP_MECH *m, const unsigned char *kek, const unsigned char *iv,
                             const unsigned char *wrapped, size_t wlen,
                             const CWMS_P11_OPTIONS *opts, size_t *outlen, size_t *cap)
{
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(opts->libctx, m->cipher, opts->propq);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    unsigned char *out = NULL;
    int l1 = 0, l2 = 0;

    *cap = wlen + 32;
    if (cipher == NULL || ctx == NULL || (out = OPENSSL_secure_zalloc(*cap)) == NULL)
        goto fail;
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    if (!EVP_DecryptInit_ex2(ctx, cipher, kek, m->iv ? iv : NULL, NULL)
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

/* A one-time AES-256 key on the token (a session object) and its value, read back. */
static int session_kek(P11_SESSION *s, CK_OBJECT_HANDLE *h, unsigned char **kek,
                       CWMS_P11_ERROR *err)
{
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_KEY_TYPE aes = CKK_AES;
    CK_ULONG aes_len = 32;
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
    size_t len = 0;
    CK_RV rv;

    *kek = NULL;
    rv = P11_CALL(s->token->fl, C_GenerateKey, s->h, &gen, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), h);
    if (rv != CKR_OK) {
        *h = CK_INVALID_HANDLE;
        p11_error(err, CWMS_P11_E_TOKEN, "cannot create a session AES key on token '%s': %s",
                  s->token->label, p11_rv_string(rv));
        return 0;
    }
    rv = p11_attr_read_secret(s, *h, CKA_VALUE, kek, &len, err);
    if (rv != CKR_OK || len != 32) {
        if (*kek != NULL)
            OPENSSL_secure_clear_free(*kek, len + 1);
        *kek = NULL;
        p11_error(err, CWMS_P11_E_TOKEN, "cannot read the session AES key on token '%s': %s",
                  s->token->label, rv != CKR_OK ? p11_rv_string(rv) : "it is not 32 bytes");
        return 0;
    }
    return 1;
}

/*
 * C_WrapKey by PKCS#11's length convention: ask for the size, allocate,
 * and when the token then says the buffer is too small (NSS softokn's
 * first answer is an estimate), retry with the size it returned.
 */
static CK_RV wrap_key(P11_SESSION *s, CK_MECHANISM *mech, CK_OBJECT_HANDLE kek_h,
                      CK_OBJECT_HANDLE key_h, unsigned char **blob, size_t *len,
                      CWMS_P11_ERROR *err)
{
    CK_FUNCTION_LIST *fl = s->token->fl;
    CK_ULONG want = 0, got;
    CK_RV rv;
    int tries;

    *blob = NULL;
    *len = 0;
    rv = P11_CALL(fl, C_WrapKey, s->h, mech, kek_h, key_h, NULL, &want);
    for (tries = 0; rv == CKR_OK && tries < WRAP_TRIES; tries++) {
        if (want == 0 || want > WRAP_MAX)
            return CKR_WRAPPED_KEY_LEN_RANGE;
        if ((*blob = OPENSSL_secure_zalloc(want + 1)) == NULL)
            return CKR_HOST_MEMORY;
        got = want;
        rv = P11_CALL(fl, C_WrapKey, s->h, mech, kek_h, key_h, *blob, &got);
        if (rv == CKR_OK
            && !p11_len_fits(s->token->module, "C_WrapKey", "the wrapped key", want, got, err))
            rv = CKR_GENERAL_ERROR; /* the unwrap would read past the buffer */
        if (rv == CKR_OK) {
            *len = got;
            return CKR_OK;
        }
        OPENSSL_secure_clear_free(*blob, want + 1);
        *blob = NULL;
        if (rv != CKR_BUFFER_TOO_SMALL)
            return rv;
        cwms_debug(CWMS_DEBUG_PKCS11, "C_WrapKey wants %lu bytes, not %lu: asking again",
                   (unsigned long)got, (unsigned long)want);
        want = got > want ? got : 2 * want; /* a token that names no larger size gets twice */
        rv = CKR_OK;
    }
    return rv == CKR_OK ? CKR_BUFFER_TOO_SMALL : rv;
}

static EVP_PKEY *wrapped(P11_SESSION *s, const P11_OBJECT *key, const CWMS_P11_OPTIONS *opts,
                         const char *name, CWMS_P11_ERROR *err)
{
    const WRAP_MECH *m = choose_wrap(s);
    unsigned char iv[16];
    CK_MECHANISM mech = { 0, NULL, 0 };
    CK_OBJECT_HANDLE kek_h = CK_INVALID_HANDLE;
    unsigned char *kek = NULL, *blob = NULL, *plain = NULL;
    size_t blob_len = 0, plain_len = 0, plain_cap = 0;
    EVP_PKEY *pkey = NULL;
    CK_RV rv;

    if (m == NULL) {
        p11_error(err, CWMS_P11_E_NOT_EXTRACTABLE,
                  "%s is sensitive, and token '%s' lists no mechanism to wrap it with "
                  "(AES key wrap CKM_AES_KEY_WRAP_KWP/PAD or CKM_AES_CBC_PAD, with CKF_WRAP): it "
                  "cannot leave the token. Export it with the token's own tools if they can, or "
                  "make a new key in a file (cwms-bundle request --new-key FILE)",
                  name, s->token->label);
        return NULL;
    }
    mech.mechanism = m->type;
    if (m->iv && RAND_bytes(iv, sizeof(iv)) == 1) {
        mech.pParameter = iv;
        mech.ulParameterLen = sizeof(iv);
    }
    cwms_debug(CWMS_DEBUG_PKCS11, "wrapping with mechanism 0x%lx", (unsigned long)m->type);
    if (!session_kek(s, &kek_h, &kek, err))
        goto done;
    if (m->iv && mech.pParameter == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "cannot make a random IV to wrap %s", name);
        goto done;
    }
    if ((rv = wrap_key(s, &mech, kek_h, key->h, &blob, &blob_len, err)) != CKR_OK) {
        p11_error(err, CWMS_P11_E_TOKEN, "token '%s' refused to wrap %s: %s (%s)", s->token->label,
                  name, p11_rv_string(rv), p11_rv_name(rv) != NULL ? p11_rv_name(rv) : "?");
        goto done;
    }
    if ((plain = unwrap(m, kek, iv, blob, blob_len, opts, &plain_len, &plain_cap)) == NULL) {
        openssl_error(err, "cannot unwrap", name);
        goto done;
    }
    if ((pkey = decode_pkcs8(plain, plain_len, opts)) == NULL)
        openssl_error(err, "the token's wrapped PKCS#8 is not a key we can decode for", name);
done:
    if (kek_h != CK_INVALID_HANDLE)
        P11_CALL(s->token->fl, C_DestroyObject, s->h, kek_h);
    OPENSSL_secure_clear_free(kek, 33);
    OPENSSL_secure_clear_free(blob, blob_len + 1);
    OPENSSL_secure_clear_free(plain, plain_cap);
    return pkey;
}

/*
 * A key marked not sensitive is read in the clear; when the token will not
 * show its components all the same (NSS softokn keeps database keys
 * encrypted whatever CKA_SENSITIVE says), it is wrapped like a sensitive one.
 */
static EVP_PKEY *clear_or_wrapped(P11_SESSION *s, const P11_OBJECT *key,
                                  const CWMS_P11_OPTIONS *opts, const char *name,
                                  CWMS_P11_ERROR *err)
{
    CWMS_P11_ERROR clear = { CWMS_P11_OK, "" };
    EVP_PKEY *pkey;

    cwms_debug(CWMS_DEBUG_PKCS11, "exporting %s from its components", name);
    pkey = key->key_type == CKK_RSA ? rsa_from_components(s, key, opts, name, &clear)
                                    : ec_from_components(s, key, opts, name, &clear);
    if (pkey != NULL)
        return pkey;
    if (clear.kind == CWMS_P11_E_TOKEN && p11_token_can_wrap(s)) {
        cwms_debug(CWMS_DEBUG_PKCS11, "the token does not show them: exporting %s wrapped", name);
        return wrapped(s, key, opts, name, err);
    }
    p11_error(err, clear.kind, "%s", clear.text);
    return NULL;
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
        pkey = clear_or_wrapped(s, key, opts, name, err);
        break;
    case CWMS_P11_EXPORT_WRAPPED:
    case CWMS_P11_EXPORT_NO_WRAP: /* p11_export_kind never says it; wrapped() explains it */
        cwms_debug(CWMS_DEBUG_PKCS11, "exporting %s wrapped", name);
        pkey = wrapped(s, key, opts, name, err);
        break;
    }
done:
    OPENSSL_free(name);
    return pkey;
}
