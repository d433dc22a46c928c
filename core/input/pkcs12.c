/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#12 (".p12", ".pfx"): every private key, certificate and CA
 * certificate it holds.
 *
 * The password is found the way OpenSSL's own store does it, except that
 * a passphrase the user gave (--passin) is tried first: an empty password
 * (both encodings: absent, and "" as an empty BMPString) is tried on the
 * MAC, so a file exported without a password needs no prompt; only then
 * is the passphrase cache asked. Iteration counts above the documented
 * limit (kdf_limit.h) are refused before any derivation. A MAC that verifies
 * proves the password, so a later decryption failure is reported as an
 * unsupported algorithm (old RC2 files need OpenSSL's legacy provider),
 * not as a wrong passphrase. A MAC that fails is not proof of a wrong
 * password: when that password still decrypts the safes and they parse,
 * the file is reported damaged instead.
 *
 * The safes are walked with the safebag API rather than PKCS12_parse so
 * that decryption uses the read context's library context, every key and
 * CA certificate is kept (PKCS12_parse keeps one key and one certificate)
 * and nested safeContents bags are followed. The MAC itself is checked in
 * the default context: OpenSSL 3.0 has no way to give a decoded PKCS12 one.
 *
 * Older Windows exports encrypt the certificates with RC2-40, which
 * OpenSSL 3 keeps in its legacy provider. When a proven password does not
 * decrypt, the safes are decrypted again in a library context of the
 * core's own, made for this file with the legacy and default providers
 * loaded, and a note says so. Only decryption happens there: the keys are
 * made in the read context, so the legacy context is freed before the
 * file is done, and the application's contexts never see the legacy
 * provider (which cwms.so must not load behind the application's back).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "input/formats.h"
#include "input/kdf_limit.h"
#include "input/pbe_decrypt.h"

/* safeContents inside safeContents: more than this is not a real file. */
#define BAG_DEPTH_MAX 8

#define MSG_P12_NO_PASS "PKCS#12 file '%s' is protected by a passphrase and none was given: use %s"
#define MSG_P12_BAD_PASS "wrong passphrase for PKCS#12 file '%s': check %s"
#define MSG_P12_DAMAGED                                                                            \
    "PKCS#12 file '%s' is damaged: the passphrase decrypts its contents but its integrity check "  \
    "(MAC) fails, so its MAC or data is corrupted: re-export it from the source"

/* The outcome of walking the safes with one password. */
typedef enum {
    WALK_OK,
    WALK_DECRYPT_FAILED, /* the password does not decrypt (nothing reported) */
    WALK_ERROR           /* reported */
} WALK;

/* One attempt at the safes: a password and the context that decrypts. */
typedef struct p12_walk_st {
    CWMS_READ *r;
    const char *pass;
    int pass_len;
    OSSL_LIB_CTX *decrypt_libctx;
    const char *decrypt_propq;
    int *n_decrypted; /* counts what this password decrypted */
} P12_WALK;

static WALK read_bags(const P12_WALK *pw, const STACK_OF(PKCS12_SAFEBAG) * bags, int depth);

static WALK read_key_bag(CWMS_READ *r, const PKCS8_PRIV_KEY_INFO *p8)
{
    EVP_PKEY *pkey = EVP_PKCS82PKEY_ex(p8, r->rctx->libctx, r->rctx->propq);

    if (pkey == NULL) {
        cwms_read_error_openssl(r, CWMS_R_INPUT_UNRECOGNISED,
                                "'%s': the private key in the PKCS#12 cannot be read", r->name);
        return WALK_ERROR;
    }
    return cwms_read_take_key(r, pkey) ? WALK_OK : WALK_ERROR;
}

static WALK read_bag(const P12_WALK *pw, const PKCS12_SAFEBAG *bag, int depth)
{
    CWMS_READ *r = pw->r;
    PKCS8_PRIV_KEY_INFO *p8;
    CWMS_CERT *cert;
    X509 *x;
    WALK w;

    switch (PKCS12_SAFEBAG_get_nid(bag)) {
    case NID_keyBag:
        return read_key_bag(r, PKCS12_SAFEBAG_get0_p8inf(bag));
    case NID_pkcs8ShroudedKeyBag:
        if (!cwms_read_check_sig_pbe(r, "the PKCS#12 key encryption",
                                     PKCS12_SAFEBAG_get0_pkcs8(bag)))
            return WALK_ERROR;
        ERR_set_mark();
        p8 = cwms_pkcs8_decrypt(PKCS12_SAFEBAG_get0_pkcs8(bag), pw->pass, pw->pass_len,
                                pw->decrypt_libctx, pw->decrypt_propq);
        ERR_pop_to_mark();
        if (p8 == NULL)
            return WALK_DECRYPT_FAILED;
        (*pw->n_decrypted)++;
        w = read_key_bag(r, p8);
        PKCS8_PRIV_KEY_INFO_free(p8);
        return w;
    case NID_certBag:
        if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate)
            return WALK_OK; /* SDSI certificates: nothing a bundle can use */
        ERR_set_mark();
        x = PKCS12_SAFEBAG_get1_cert(bag);
        ERR_pop_to_mark();
        cert = x != NULL ? cwms_read_new_cert_x509(x) : NULL;
        X509_free(x);
        if (cert == NULL) {
            cwms_read_error(r, CWMS_R_INPUT_UNRECOGNISED,
                            "'%s': a certificate in the PKCS#12 is damaged", r->name);
            return WALK_ERROR;
        }
        return cwms_read_take_cert(r, cert) ? WALK_OK : WALK_ERROR;
    case NID_safeContentsBag:
        if (depth >= BAG_DEPTH_MAX) {
            cwms_read_error(r, CWMS_R_INPUT_UNRECOGNISED,
                            "'%s': the PKCS#12 nests its contents too deeply", r->name);
            return WALK_ERROR;
        }
        return read_bags(pw, PKCS12_SAFEBAG_get0_safes(bag), depth + 1);
    default:
        return WALK_OK; /* CRL and secret bags */
    }
}

static WALK read_bags(const P12_WALK *pw, const STACK_OF(PKCS12_SAFEBAG) * bags, int depth)
{
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
        WALK w = read_bag(pw, sk_PKCS12_SAFEBAG_value(bags, i), depth);

        if (w != WALK_OK)
            return w;
    }
    return WALK_OK;
}

/* The bags of one authenticated safe, decrypted if need be; NULL when it cannot be. */
static STACK_OF(PKCS12_SAFEBAG) * unpack_safe(const P12_WALK *pw, PKCS7 *p7, WALK *why)
{
    CWMS_READ *r = pw->r;
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    PKCS7_ENC_CONTENT *enc;

    if (OBJ_obj2nid(p7->type) == NID_pkcs7_encrypted && p7->d.encrypted != NULL
        && p7->d.encrypted->enc_data != NULL
        && !cwms_read_check_pbe(r, "the PKCS#12 certificate encryption",
                                p7->d.encrypted->enc_data->algorithm)) {
        *why = WALK_ERROR;
        return NULL;
    }
    ERR_set_mark();
    switch (OBJ_obj2nid(p7->type)) {
    case NID_pkcs7_data:
        bags = PKCS12_unpack_p7data(p7);
        break;
    case NID_pkcs7_encrypted:
        enc = p7->d.encrypted != NULL ? p7->d.encrypted->enc_data : NULL;
        if (enc != NULL && enc->enc_data != NULL)
            bags = cwms_pbe_item_decrypt(enc->algorithm, ASN1_ITEM_rptr(PKCS12_SAFEBAGS), pw->pass,
                                         pw->pass_len, enc->enc_data, pw->decrypt_libctx,
                                         pw->decrypt_propq);
        if (bags == NULL) {
            ERR_pop_to_mark();
            *why = WALK_DECRYPT_FAILED;
            return NULL;
        }
        (*pw->n_decrypted)++;
        break;
    default:
        break; /* public-key enveloped safes: not supported by OpenSSL either */
    }
    if (bags == NULL) {
        ERR_clear_last_mark();
        cwms_read_error_openssl(r, CWMS_R_INPUT_UNRECOGNISED,
                                "'%s': the PKCS#12 contents cannot be read", r->name);
        *why = WALK_ERROR;
        return NULL;
    }
    ERR_pop_to_mark();
    return bags;
}

/* Reads every safe in one attempt. On anything but WALK_OK, nothing is kept. */
static WALK read_safes_in(const P12_WALK *pw, const PKCS12 *p12)
{
    CWMS_READ *r = pw->r;
    size_t n_certs = r->n_certs, n_keys = r->n_keys;
    STACK_OF(PKCS7) * safes;
    WALK w = WALK_OK;

    ERR_set_mark();
    safes = PKCS12_unpack_authsafes(p12);
    if (safes == NULL) {
        ERR_clear_last_mark();
        cwms_read_error_openssl(r, CWMS_R_INPUT_UNRECOGNISED,
                                "'%s': the PKCS#12 contents cannot be read", r->name);
        return WALK_ERROR;
    }
    ERR_pop_to_mark();
    for (int i = 0; w == WALK_OK && i < sk_PKCS7_num(safes); i++) {
        STACK_OF(PKCS12_SAFEBAG) *bags = unpack_safe(pw, sk_PKCS7_value(safes, i), &w);

        if (bags != NULL) {
            w = read_bags(pw, bags, 0);
            sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
        }
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    if (w != WALK_OK)
        cwms_read_rollback(r, n_certs, n_keys);
    return w;
}

/* A context of the core's own with the legacy provider (RC2, RC4, DES) and the default one. */
typedef struct legacy_ctx_st {
    OSSL_LIB_CTX *libctx;
    OSSL_PROVIDER *legacy, *dflt;
} LEGACY_CTX;

static void legacy_ctx_free(LEGACY_CTX *l)
{
    /* Unloaded first: a provider still loaded keeps its module and store alive past the context. */
    OSSL_PROVIDER_unload(l->dflt);
    OSSL_PROVIDER_unload(l->legacy);
    OSSL_LIB_CTX_free(l->libctx);
    memset(l, 0, sizeof(*l));
}

/* 1 with l filled, 0 when the legacy provider cannot be had. */
static int legacy_ctx_new(LEGACY_CTX *l)
{
    memset(l, 0, sizeof(*l));
    ERR_set_mark();
    if ((l->libctx = OSSL_LIB_CTX_new()) == NULL
        || (l->legacy = OSSL_PROVIDER_load(l->libctx, "legacy")) == NULL
        || (l->dflt = OSSL_PROVIDER_load(l->libctx, "default")) == NULL)
        legacy_ctx_free(l);
    ERR_pop_to_mark();
    return l->libctx != NULL;
}

/*
 * Reads every safe with one password: in the read context, then, when
 * that does not decrypt, with the legacy provider. *legacy_missing is set
 * when the legacy provider was needed and could not be loaded.
 */
static WALK read_safes_counted(CWMS_READ *r, const PKCS12 *p12, const char *pass, int pass_len,
                               int *legacy_missing, int *n_decrypted)
{
    P12_WALK pw = { r, pass, pass_len, r->rctx->libctx, r->rctx->propq, n_decrypted };
    LEGACY_CTX legacy;
    WALK w = read_safes_in(&pw, p12);

    if (w != WALK_DECRYPT_FAILED)
        return w;
    if (!legacy_ctx_new(&legacy)) {
        *legacy_missing = 1;
        return w;
    }
    pw.decrypt_libctx = legacy.libctx;
    pw.decrypt_propq = NULL;
    if ((w = read_safes_in(&pw, p12)) == WALK_OK)
        cwms_read_note(r,
                       "'%s' is a legacy PKCS#12 (RC2 or 3DES, as older Windows exports it): "
                       "decrypted with OpenSSL's legacy provider in cwms-bundle's own library "
                       "context",
                       r->name);
    legacy_ctx_free(&legacy);
    return w;
}

static WALK read_safes(CWMS_READ *r, const PKCS12 *p12, const char *pass, int pass_len,
                       int *legacy_missing)
{
    int n_decrypted = 0;

    return read_safes_counted(r, p12, pass, pass_len, legacy_missing, &n_decrypted);
}

/*
 * The MAC failed with pass. When pass still decrypts something and every
 * safe parses, the passphrase is right and the file is damaged; otherwise
 * it is the passphrase. Nothing read here is kept.
 */
static int mac_failed(CWMS_READ *r, const PKCS12 *p12, const char *pass, size_t pass_len)
{
    size_t n_certs = r->n_certs, n_keys = r->n_keys;
    int legacy_missing = 0, n_decrypted = 0;
    WALK w;

    if (pass_len > INT_MAX)
        return cwms_read_error(r, CWMS_R_BAD_PASSPHRASE, MSG_P12_BAD_PASS, r->name,
                               CWMS_READ_PASS_SOURCE(r));
    w = read_safes_counted(r, p12, pass, (int)pass_len, &legacy_missing, &n_decrypted);
    if (w == WALK_ERROR)
        return CWMS_READ_ERROR;
    cwms_read_rollback(r, n_certs, n_keys);
    /* Nothing encrypted (or nothing decrypted): the contents cannot vouch for the passphrase. */
    if (w == WALK_OK && n_decrypted > 0)
        return cwms_read_error(r, CWMS_R_INPUT_UNRECOGNISED, MSG_P12_DAMAGED, r->name);
    return cwms_read_error(r, CWMS_R_BAD_PASSPHRASE, MSG_P12_BAD_PASS, r->name,
                           CWMS_READ_PASS_SOURCE(r));
}

static int verify_mac(const PKCS12 *p12, const char *pass, int pass_len)
{
    int ok;

    ERR_set_mark();
    ok = PKCS12_verify_mac((PKCS12 *)p12, pass, pass_len);
    ERR_pop_to_mark();
    return ok;
}

static int unsupported_encryption(CWMS_READ *r, int legacy_missing)
{
    if (legacy_missing)
        return cwms_read_error(r, CWMS_R_INPUT_UNRECOGNISED,
                               "'%s': the PKCS#12 is encrypted with a legacy algorithm (RC2, as "
                               "older Windows exports it) and OpenSSL's legacy provider cannot "
                               "be loaded: install it (legacy.so in OpenSSL's modules directory, "
                               "see `openssl version -m`)",
                               r->name);
    return cwms_read_error(r, CWMS_R_INPUT_UNRECOGNISED,
                           "'%s': the PKCS#12 is encrypted with an algorithm neither OpenSSL's "
                           "default nor its legacy provider offers",
                           r->name);
}

static int walk_result(CWMS_READ *r, WALK w, int legacy_missing)
{
    if (w == WALK_DECRYPT_FAILED)
        return unsupported_encryption(r, legacy_missing);
    return w == WALK_OK ? CWMS_READ_OK : CWMS_READ_ERROR;
}

/* Reads p12 with the cached passphrase, asking its source when needed. */
static int read_with_passphrase(CWMS_READ *r, const PKCS12 *p12, int has_mac)
{
    const char *pass;
    size_t len;
    char what[512];
    int legacy_missing = 0;
    WALK w;

    snprintf(what, sizeof(what), "PKCS#12 file '%s'", r->name);
    if (!cwms_read_passphrase(r, what, &pass, &len))
        return cwms_read_no_passphrase(r, MSG_P12_NO_PASS, r->name, CWMS_READ_PASSIN(r));
    if (len > INT_MAX || (has_mac && !verify_mac(p12, pass, (int)len)))
        return has_mac ? mac_failed(r, p12, pass, len)
                       : cwms_read_error(r, CWMS_R_BAD_PASSPHRASE, MSG_P12_BAD_PASS, r->name,
                                         CWMS_READ_PASS_SOURCE(r));
    w = read_safes(r, p12, pass, (int)len, &legacy_missing);
    /* Without a MAC, failing to decrypt is all that tells a wrong passphrase. */
    if (w == WALK_DECRYPT_FAILED && !has_mac)
        return cwms_read_error(r, CWMS_R_BAD_PASSPHRASE, MSG_P12_BAD_PASS, r->name,
                               CWMS_READ_PASS_SOURCE(r));
    return walk_result(r, w, legacy_missing);
}

/* The MAC's iteration count within the limit (1), or 0 after reporting. */
static int mac_iterations_ok(CWMS_READ *r, const PKCS12 *p12)
{
    const ASN1_INTEGER *iter = NULL;
    int64_t v = 1;

    PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
    if (iter != NULL && (!ASN1_INTEGER_get_int64(&v, iter) || v < 0))
        v = INT64_MAX;
    return cwms_read_check_iterations(r, "the PKCS#12 MAC", (uint64_t)v);
}

/*
 * The passphrase given on the command line first (a wrong guess at the
 * MAC costs as much as the right one), then the two encodings of "no
 * password" (absent, and an empty string), then asking for one.
 */
int cwms_read_pkcs12_der(CWMS_READ *r, const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    const char *pass = NULL;
    size_t pass_len = 0;
    int given = 0, ret;
    char what[512];
    PKCS12 *p12;
    int legacy_missing = 0;
    WALK w;

    ERR_set_mark();
    p12 = d2i_PKCS12(NULL, &p, (long)len);
    ERR_pop_to_mark();
    if (p12 == NULL)
        return CWMS_READ_NOT_MINE;
    r->recognised = 1;
    snprintf(what, sizeof(what), "PKCS#12 file '%s'", r->name);
    if (cwms_read_passphrase_given(r) && cwms_read_passphrase(r, what, &pass, &pass_len)
        && pass_len <= INT_MAX)
        given = 1;
    if (PKCS12_mac_present(p12)) {
        if (!mac_iterations_ok(r, p12))
            ret = CWMS_READ_ERROR;
        else if (given && verify_mac(p12, pass, (int)pass_len))
            ret = walk_result(r, read_safes(r, p12, pass, (int)pass_len, &legacy_missing),
                              legacy_missing);
        else if (verify_mac(p12, NULL, 0))
            ret = walk_result(r, read_safes(r, p12, NULL, 0, &legacy_missing), legacy_missing);
        else if (verify_mac(p12, "", 0))
            ret = walk_result(r, read_safes(r, p12, "", 0, &legacy_missing), legacy_missing);
        else if (given)
            ret = mac_failed(r, p12, pass, pass_len);
        else
            ret = read_with_passphrase(r, p12, 1);
    } else {
        w = given ? read_safes(r, p12, pass, (int)pass_len, &legacy_missing) : WALK_DECRYPT_FAILED;
        if (w == WALK_DECRYPT_FAILED)
            w = read_safes(r, p12, NULL, 0, &legacy_missing);
        if (w == WALK_DECRYPT_FAILED)
            w = read_safes(r, p12, "", 0, &legacy_missing);
        if (w == WALK_DECRYPT_FAILED && given)
            ret = cwms_read_error(r, CWMS_R_BAD_PASSPHRASE, MSG_P12_BAD_PASS, r->name,
                                  CWMS_READ_PASS_SOURCE(r));
        else if (w == WALK_DECRYPT_FAILED)
            ret = read_with_passphrase(r, p12, 0);
        else
            ret = w == WALK_OK ? CWMS_READ_OK : CWMS_READ_ERROR;
    }
    PKCS12_free(p12);
    return ret;
}
