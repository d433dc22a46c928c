/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Generating a key pair on a token: see cwms_p11_generate_key.
 *
 * The private key is made sensitive (its value never shows in the clear)
 * but extractable, so that once the CA has issued the certificate the key
 * can be wrapped out into the bundle CWMS imports (p11_export.c); the
 * public key is a token object too, with the same label and CKA_ID, as
 * pkcs11-tool and p11tool pair them.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "p11_internal.h"

/* DER OIDs for CKA_EC_PARAMS (namedCurve). */
static const unsigned char oid_p256[] = {
    0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07
};
static const unsigned char oid_p384[] = { 0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22 };

#define NEW_ID_LEN 16

/* Fails when the token already holds an object with this label or id. */
static int name_is_free(P11_SESSION *s, const char *label, const unsigned char *id, size_t id_len,
                        CWMS_P11_ERROR *err)
{
    P11_OBJECTS found = { NULL, 0 };
    int ok = p11_objects_find(s, 0, 0, label, NULL, 0, &found, err)
        && p11_objects_find(s, 0, 0, NULL, id, id_len, &found, err);

    if (ok && found.n > 0) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "token '%s' already holds an object labelled '%s' or with that id: refusing to "
                  "make a second key under the same name; choose another object= (or remove the "
                  "old key once its certificate is retired)",
                  s->token->label, label);
        ok = 0;
    }
    p11_objects_clear(&found);
    return ok;
}

/* The public key of the new pair, as an EVP_PKEY in opts' library context. */
static EVP_PKEY *read_public(P11_SESSION *s, CK_OBJECT_HANDLE h, const CWMS_P11_KEYSPEC *spec,
                             const CWMS_P11_OPTIONS *opts, CWMS_P11_ERROR *err)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    BIGNUM *n = NULL, *e = NULL;
    ASN1_OCTET_STRING *point = NULL;

    if (bld == NULL)
        goto end;
    if (!spec->ec) {
        if (p11_attr_read(s, h, CKA_MODULUS, &a, &alen) != CKR_OK
            || p11_attr_read(s, h, CKA_PUBLIC_EXPONENT, &b, &blen) != CKR_OK
            || (n = BN_bin2bn(a, (int)alen, NULL)) == NULL
            || (e = BN_bin2bn(b, (int)blen, NULL)) == NULL
            || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
            || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
            goto end;
    } else {
        const unsigned char *p;

        /* CKA_EC_POINT is the point wrapped in a DER OCTET STRING. */
        if (p11_attr_read(s, h, CKA_EC_POINT, &a, &alen) != CKR_OK)
            goto end;
        p = a;
        if ((point = d2i_ASN1_OCTET_STRING(NULL, &p, (long)alen)) == NULL
            || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, spec->curve, 0)
            || !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                                 ASN1_STRING_get0_data(point),
                                                 (size_t)ASN1_STRING_length(point)))
            goto end;
    }
    if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL
        || (ctx = EVP_PKEY_CTX_new_from_name(opts->libctx, spec->ec ? "EC" : "RSA", opts->propq))
            == NULL
        || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
end:
    if (pkey == NULL)
        p11_error(err, CWMS_P11_E_TOKEN, "cannot read the public half of the new key on token '%s'",
                  s->token->label);
    ASN1_OCTET_STRING_free(point);
    BN_free(n);
    BN_free(e);
    OPENSSL_free(a);
    OPENSSL_free(b);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

int cwms_p11_generate_key(const char *uri, const CWMS_P11_OPTIONS *opts_in,
                          const CWMS_P11_KEYSPEC *spec, EVP_PKEY **pub, char **key_uri,
                          CWMS_P11_ERROR *err)
{
    CWMS_P11_OPTIONS opts = { NULL, NULL, NULL, NULL, 0, NULL };
    P11_OPEN_TOKEN ot;
    CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY, priv_class = CKO_PRIVATE_KEY;
    CK_KEY_TYPE key_type = spec->ec ? CKK_EC : CKK_RSA;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG bits = spec->rsa_bits;
    CK_BYTE exponent[] = { 0x01, 0x00, 0x01 };
    CK_MECHANISM mech = { spec->ec ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
    CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
    unsigned char new_id[NEW_ID_LEN];
    const unsigned char *id, *params;
    size_t id_len = 0, params_len;
    const char *label;
    CK_RV rv;
    int ok = 0;

    *pub = NULL;
    *key_uri = NULL;
    if (opts_in != NULL)
        opts = *opts_in;
    if (spec->ec && strcmp(spec->curve, "P-256") == 0) {
        params = oid_p256;
        params_len = sizeof(oid_p256);
    } else if (spec->ec && strcmp(spec->curve, "P-384") == 0) {
        params = oid_p384;
        params_len = sizeof(oid_p384);
    } else if (spec->ec) {
        p11_error(err, CWMS_P11_E_USAGE, "curve %s: only P-256 and P-384 are supported",
                  spec->curve);
        return 0;
    } else {
        params = NULL;
        params_len = 0;
    }
    if (!p11_open_token(&ot, uri, &opts, 1, err))
        return 0;
    label = cwms_p11_uri_object(ot.uri);
    if (label == NULL || *label == '\0') {
        p11_error(err, CWMS_P11_E_USAGE,
                  "'%s' does not name the new key: add object=LABEL to the URI",
                  cwms_p11_uri_display(ot.uri));
        goto end;
    }
    if ((id = cwms_p11_uri_id(ot.uri, &id_len)) == NULL) {
        if (RAND_bytes(new_id, sizeof(new_id)) != 1) {
            p11_error(err, CWMS_P11_E_INTERNAL, "cannot make a random CKA_ID");
            goto end;
        }
        id = new_id;
        id_len = sizeof(new_id);
    }
    if (!name_is_free(&ot.s, label, id, id_len, err))
        goto end;
    {
        CK_ATTRIBUTE pub_tmpl[] = {
            { CKA_CLASS, &pub_class, sizeof(pub_class) },
            { CKA_KEY_TYPE, &key_type, sizeof(key_type) },
            { CKA_TOKEN, &yes, sizeof(yes) },
            { CKA_PRIVATE, &no, sizeof(no) },
            { CKA_VERIFY, &yes, sizeof(yes) },
            { CKA_LABEL, (void *)label, strlen(label) },
            { CKA_ID, (void *)id, id_len },
            /* the last two are the type's own parameters */
            { spec->ec ? CKA_EC_PARAMS : CKA_MODULUS_BITS,
              spec->ec ? (void *)params : (void *)&bits, spec->ec ? params_len : sizeof(bits) },
            { CKA_PUBLIC_EXPONENT, exponent, sizeof(exponent) },
        };
        CK_ATTRIBUTE priv_tmpl[] = {
            { CKA_CLASS, &priv_class, sizeof(priv_class) },
            { CKA_KEY_TYPE, &key_type, sizeof(key_type) },
            { CKA_TOKEN, &yes, sizeof(yes) },
            { CKA_PRIVATE, &yes, sizeof(yes) },
            { CKA_SENSITIVE, &yes, sizeof(yes) },
            { CKA_EXTRACTABLE, &yes, sizeof(yes) },
            { CKA_SIGN, &yes, sizeof(yes) },
            { CKA_LABEL, (void *)label, strlen(label) },
            { CKA_ID, (void *)id, id_len },
        };
        CK_ULONG n_pub = sizeof(pub_tmpl) / sizeof(pub_tmpl[0]) - (spec->ec ? 1 : 0);

        rv = P11_CALL(ot.s.token->fl, C_GenerateKeyPair, ot.s.h, &mech, pub_tmpl, n_pub, priv_tmpl,
                      sizeof(priv_tmpl) / sizeof(priv_tmpl[0]), &hpub, &hpriv);
    }
    if (rv != CKR_OK) {
        p11_error(err, CWMS_P11_E_TOKEN, "token '%s' cannot generate a%s key pair: %s",
                  ot.s.token->label, spec->ec ? "n EC" : "n RSA", p11_rv_string(rv));
        goto end;
    }
    if ((*pub = read_public(&ot.s, hpub, spec, &opts, err)) == NULL)
        goto end;
    if ((*key_uri = p11_uri_for_object(&ot.s.token->info, ot.s.token->module_path, CKO_PRIVATE_KEY,
                                       label, id, id_len))
        == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        goto end;
    }
    ok = 1;
end:
    if (!ok) {
        EVP_PKEY_free(*pub);
        *pub = NULL;
        /* A pair the caller will never hear of is not left behind. */
        if (hpriv != CK_INVALID_HANDLE)
            P11_CALL(ot.s.token->fl, C_DestroyObject, ot.s.h, hpriv);
        if (hpub != CK_INVALID_HANDLE)
            P11_CALL(ot.s.token->fl, C_DestroyObject, ot.s.h, hpub);
    }
    p11_close_token(&ot);
    return ok;
}

int cwms_p11_public_key(const char *uri, const CWMS_P11_OPTIONS *opts_in, EVP_PKEY **pub,
                        CWMS_P11_ERROR *err)
{
    CWMS_P11_OPTIONS opts = { NULL, NULL, NULL, NULL, 0, NULL };
    CWMS_P11_KEYSPEC spec = { 0, 0, NULL };
    P11_OPEN_TOKEN ot;
    P11_OBJECTS found = { NULL, 0 };
    unsigned char *params = NULL;
    size_t params_len = 0;
    int ok = 0;

    *pub = NULL;
    if (opts_in != NULL)
        opts = *opts_in;
    if (!p11_open_token(&ot, uri, &opts, 0, err))
        return 0;
    /* The key's public half (same label and id) is what the CSR carries. */
    if (!p11_open_token_find_one(&ot, CKO_PUBLIC_KEY, "public key", &found, err))
        goto end;
    if (found.v[0].key_type == CKK_EC) {
        spec.ec = 1;
        if (p11_attr_read(&ot.s, found.v[0].h, CKA_EC_PARAMS, &params, &params_len) == CKR_OK) {
            if (params_len == sizeof(oid_p256) && memcmp(params, oid_p256, params_len) == 0)
                spec.curve = "P-256";
            else if (params_len == sizeof(oid_p384) && memcmp(params, oid_p384, params_len) == 0)
                spec.curve = "P-384";
        }
    }
    if ((spec.ec && spec.curve == NULL) || (!spec.ec && found.v[0].key_type != CKK_RSA)) {
        p11_error(err, CWMS_P11_E_TOKEN, "'%s' on token '%s' is neither RSA nor EC on P-256/P-384",
                  cwms_p11_uri_display(ot.uri), ot.s.token->label);
        goto end;
    }
    ok = (*pub = read_public(&ot.s, found.v[0].h, &spec, &opts, err)) != NULL;
end:
    OPENSSL_free(params);
    p11_objects_clear(&found);
    p11_close_token(&ot);
    return ok;
}
