/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Generating a key pair on a token: see cwms_p11_generate_key.
 *
 * The private key must be able to leave the token once the CA has issued
 * the certificate: the bundle CWMS imports carries it (p11_export.c). It
 * is made sensitive (its value never shows in the clear) and extractable,
 * to be wrapped out; a token that refuses that, or lists no way to wrap,
 * gets one extractable but not sensitive, and the caller is told; a token
 * that makes no key that can leave it (a TPM) gets an error saying so, and
 * whatever it made is destroyed. The public key is a token object too,
 * with the same label and CKA_ID, as pkcs11-tool and p11tool pair them.
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
        if (p11_attr_read(s, h, CKA_MODULUS, &a, &alen, err) != CKR_OK
            || p11_attr_read(s, h, CKA_PUBLIC_EXPONENT, &b, &blen, err) != CKR_OK
            || (n = BN_bin2bn(a, (int)alen, NULL)) == NULL
            || (e = BN_bin2bn(b, (int)blen, NULL)) == NULL
            || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
            || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
            goto end;
    } else {
        const unsigned char *p;

        /* CKA_EC_POINT is the point wrapped in a DER OCTET STRING. */
        if (p11_attr_read(s, h, CKA_EC_POINT, &a, &alen, err) != CKR_OK)
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

/* CKA_EC_PARAMS for the spec (NULL for RSA); 0 with err set for a curve not supported. */
static int ec_params(const CWMS_P11_KEYSPEC *spec, const unsigned char **params, size_t *len,
                     CWMS_P11_ERROR *err)
{
    *params = NULL;
    *len = 0;
    if (!spec->ec)
        return 1;
    if (strcmp(spec->curve, "P-256") == 0) {
        *params = oid_p256;
        *len = sizeof(oid_p256);
    } else if (strcmp(spec->curve, "P-384") == 0) {
        *params = oid_p384;
        *len = sizeof(oid_p384);
    } else {
        p11_error(err, CWMS_P11_E_USAGE, "curve %s: only P-256 and P-384 are supported",
                  spec->curve);
        return 0;
    }
    return 1;
}

/* The new pair's name and shape: what every attempt asks the token for. */
typedef struct new_pair_st {
    const CWMS_P11_KEYSPEC *spec;
    const char *label;
    const unsigned char *id;
    size_t id_len;
    const unsigned char *params; /* CKA_EC_PARAMS, EC only */
    size_t params_len;
} NEW_PAIR;

/*
 * C_GenerateKeyPair with the private key sensitive or not (always
 * extractable); what the module prints meanwhile is captured (tpm2-pkcs11
 * explains a refusal on stderr). Returns the CK_RV.
 */
static CK_RV generate_pair(P11_SESSION *s, const NEW_PAIR *np, CK_BBOOL sensitive,
                           CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv)
{
    CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY, priv_class = CKO_PRIVATE_KEY;
    CK_KEY_TYPE key_type = np->spec->ec ? CKK_EC : CKK_RSA;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG bits = np->spec->rsa_bits;
    CK_BYTE exponent[] = { 0x01, 0x00, 0x01 };
    CK_MECHANISM mech = { np->spec->ec ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
    CK_ATTRIBUTE pub_tmpl[] = {
        { CKA_CLASS, &pub_class, sizeof(pub_class) },
        { CKA_KEY_TYPE, &key_type, sizeof(key_type) },
        { CKA_TOKEN, &yes, sizeof(yes) },
        { CKA_PRIVATE, &no, sizeof(no) },
        { CKA_VERIFY, &yes, sizeof(yes) },
        { CKA_LABEL, (void *)np->label, strlen(np->label) },
        { CKA_ID, (void *)np->id, np->id_len },
        /* the last two are the type's own parameters */
        { np->spec->ec ? CKA_EC_PARAMS : CKA_MODULUS_BITS,
          np->spec->ec ? (void *)np->params : (void *)&bits,
          np->spec->ec ? np->params_len : sizeof(bits) },
        { CKA_PUBLIC_EXPONENT, exponent, sizeof(exponent) },
    };
    CK_ATTRIBUTE priv_tmpl[] = {
        { CKA_CLASS, &priv_class, sizeof(priv_class) },
        { CKA_KEY_TYPE, &key_type, sizeof(key_type) },
        { CKA_TOKEN, &yes, sizeof(yes) },
        { CKA_PRIVATE, &yes, sizeof(yes) },
        { CKA_SENSITIVE, &sensitive, sizeof(sensitive) },
        { CKA_EXTRACTABLE, &yes, sizeof(yes) },
        { CKA_SIGN, &yes, sizeof(yes) },
        { CKA_LABEL, (void *)np->label, strlen(np->label) },
        { CKA_ID, (void *)np->id, np->id_len },
    };
    CK_ULONG n_pub = sizeof(pub_tmpl) / sizeof(pub_tmpl[0]) - (np->spec->ec ? 1 : 0);
    P11_CAPTURE capture;
    P11_PRINTED printed = { NULL, 0 };
    CK_RV rv;

    *hpub = *hpriv = CK_INVALID_HANDLE;
    cwms_debug(CWMS_DEBUG_PKCS11, "generating a key pair, private key %ssensitive, extractable",
               sensitive ? "" : "not ");
    p11_capture_begin(&capture);
    rv = P11_CALL(s->token->fl, C_GenerateKeyPair, s->h, &mech, pub_tmpl, n_pub, priv_tmpl,
                  sizeof(priv_tmpl) / sizeof(priv_tmpl[0]), hpub, hpriv);
    p11_capture_end(&capture, &printed);
    p11_printed_clear(&printed);
    return rv;
}

static void destroy_pair(P11_SESSION *s, CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv)
{
    if (*hpriv != CK_INVALID_HANDLE)
        P11_CALL(s->token->fl, C_DestroyObject, s->h, *hpriv);
    if (*hpub != CK_INVALID_HANDLE)
        P11_CALL(s->token->fl, C_DestroyObject, s->h, *hpub);
    *hpub = *hpriv = CK_INVALID_HANDLE;
}

/*
 * How the new private key can leave the token, from what the token says
 * it made (a token may quietly make another key than asked): wrapped when
 * sensitive and the token can wrap, in the clear when its private value
 * shows, else CWMS_P11_EXPORT_NONE.
 */
static CWMS_P11_EXPORT made_export(P11_SESSION *s, CK_OBJECT_HANDLE h, int ec)
{
    CK_BBOOL sensitive = CK_TRUE, extractable = CK_FALSE;
    CK_ATTRIBUTE flags[] = {
        { CKA_SENSITIVE, &sensitive, sizeof(sensitive) },
        { CKA_EXTRACTABLE, &extractable, sizeof(extractable) },
    };
    CK_ATTRIBUTE value = { ec ? CKA_VALUE : CKA_PRIVATE_EXPONENT, NULL, 0 };

    if (P11_CALL(s->token->fl, C_GetAttributeValue, s->h, h, flags, 2) != CKR_OK
        || extractable != CK_TRUE)
        return CWMS_P11_EXPORT_NONE;
    if (sensitive == CK_TRUE)
        return p11_token_can_wrap(s) ? CWMS_P11_EXPORT_WRAPPED : CWMS_P11_EXPORT_NONE;
    if (P11_CALL(s->token->fl, C_GetAttributeValue, s->h, h, &value, 1) == CKR_OK
        && value.ulValueLen != CK_UNAVAILABLE_INFORMATION && value.ulValueLen > 0)
        return CWMS_P11_EXPORT_COMPONENTS;
    return p11_token_can_wrap(s) ? CWMS_P11_EXPORT_WRAPPED : CWMS_P11_EXPORT_NONE;
}

/*
 * Tries the templates in turn: sensitive + extractable (wrapped out later;
 * only when the token can wrap at all), then extractable but not
 * sensitive. A pair that cannot leave the token is destroyed. 1 with the
 * handles and *made, or 0 with err set (nothing left on the token).
 */
static int make_exportable_pair(P11_SESSION *s, const NEW_PAIR *np, CK_OBJECT_HANDLE *hpub,
                                CK_OBJECT_HANDLE *hpriv, CWMS_P11_NEW_KEY *made,
                                CWMS_P11_ERROR *err)
{
    static const CK_BBOOL sensitivity[] = { CK_TRUE, CK_FALSE };
    char tried[400] = "";
    size_t used;
    CK_RV rv;

    for (size_t i = 0; i < 2; i++) {
        const char *what =
            sensitivity[i] ? "sensitive + extractable" : "extractable, not sensitive";

        used = strlen(tried);
        if (sensitivity[i] && !p11_token_can_wrap(s)) {
            snprintf(tried + used, sizeof(tried) - used,
                     "%s: not tried, the token lists no mechanism to wrap a key out", what);
            continue;
        }
        rv = generate_pair(s, np, sensitivity[i], hpub, hpriv);
        if (rv == CKR_OK
            && (made->export = made_export(s, *hpriv, np->spec->ec)) != CWMS_P11_EXPORT_NONE) {
            if (i > 0)
                snprintf(made->note, sizeof(made->note),
                         "token '%s' made the key extractable but not sensitive (%s): anyone "
                         "logged in to the token can read it; keep the PIN to the people who may",
                         s->token->label, tried);
            return 1;
        }
        snprintf(tried + used, sizeof(tried) - used, "%s%s: %s%s%s", used > 0 ? "; " : "", what,
                 rv != CKR_OK ? "refused (" : "the key it made cannot leave it",
                 rv != CKR_OK ? (p11_rv_name(rv) != NULL ? p11_rv_name(rv) : "error") : "",
                 rv != CKR_OK ? ")" : "");
        destroy_pair(s, hpub, hpriv);
    }
    p11_error(err, CWMS_P11_E_KEEPS_KEYS,
              "token '%s' keeps its keys inside: it made no %s key that can leave it (%s). A CWMS "
              "bundle carries the private key, so that key must be one that can be exported: make "
              "it in a file instead (cwms-bundle request --new-key FILE, and keep the file safe), "
              "or on a token that lets keys out (SoftHSM, an NSS database, an HSM allowing "
              "extractable keys). Nothing was left on the token",
              s->token->label, np->spec->ec ? "EC" : "RSA", tried);
    return 0;
}

/* The new pair's label (the URI's object=) and CKA_ID (id=, else random); 0 with err set. */
static int name_pair(P11_OPEN_TOKEN *ot, NEW_PAIR *np, unsigned char new_id[NEW_ID_LEN],
                     CWMS_P11_ERROR *err)
{
    np->label = cwms_p11_uri_object(ot->uri);
    if (np->label == NULL || *np->label == '\0') {
        p11_error(err, CWMS_P11_E_USAGE,
                  "'%s' does not name the new key: add object=LABEL to the URI",
                  cwms_p11_uri_display(ot->uri));
        return 0;
    }
    if ((np->id = cwms_p11_uri_id(ot->uri, &np->id_len)) == NULL) {
        if (RAND_bytes(new_id, NEW_ID_LEN) != 1) {
            p11_error(err, CWMS_P11_E_INTERNAL, "cannot make a random CKA_ID");
            return 0;
        }
        np->id = new_id;
        np->id_len = NEW_ID_LEN;
    }
    return name_is_free(&ot->s, np->label, np->id, np->id_len, err);
}

int cwms_p11_generate_key(const char *uri, const CWMS_P11_OPTIONS *opts_in,
                          const CWMS_P11_KEYSPEC *spec, CWMS_P11_NEW_KEY *made, CWMS_P11_ERROR *err)
{
    CWMS_P11_OPTIONS opts = { NULL, NULL, NULL, NULL, 0, NULL };
    P11_OPEN_TOKEN ot;
    NEW_PAIR np = { spec, NULL, NULL, 0, NULL, 0 };
    CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
    unsigned char new_id[NEW_ID_LEN];
    int ok = 0;

    memset(made, 0, sizeof(*made));
    if (opts_in != NULL)
        opts = *opts_in;
    if (!ec_params(spec, &np.params, &np.params_len, err)
        || !p11_open_token(&ot, uri, &opts, 1, err))
        return 0;
    if (!name_pair(&ot, &np, new_id, err)
        || !make_exportable_pair(&ot.s, &np, &hpub, &hpriv, made, err)
        || (made->pub = read_public(&ot.s, hpub, spec, &opts, err)) == NULL)
        goto end;
    if ((made->uri = p11_uri_for_object(&ot.s.token->info, ot.s.token->module_path, CKO_PRIVATE_KEY,
                                        np.label, np.id, np.id_len))
        == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        goto end;
    }
    ok = 1;
end:
    if (!ok) {
        cwms_p11_new_key_clear(made);
        /* A pair the caller will never hear of is not left behind. */
        destroy_pair(&ot.s, &hpub, &hpriv);
    }
    p11_close_token(&ot);
    return ok;
}

void cwms_p11_new_key_clear(CWMS_P11_NEW_KEY *made)
{
    EVP_PKEY_free(made->pub);
    OPENSSL_free(made->uri);
    memset(made, 0, sizeof(*made));
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
        if (p11_attr_read(&ot.s, found.v[0].h, CKA_EC_PARAMS, &params, &params_len, err)
            == CKR_OK) {
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
