/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signing on a token: see cwms_p11_sign. The key is found as for loading
 * (p11_load.c): one private key must match the URI.
 *
 * RSA PKCS#1 v1.5 with SHA-256 is signed by the token's CKM_SHA256_RSA_PKCS
 * when it offers it; otherwise the data is hashed here and the token signs
 * the DigestInfo with CKM_RSA_PKCS (opencryptoki 3.8's software token has
 * no hash-and-sign RSA mechanism with SHA-256). Both give the same bytes.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cwms_limits.h"
#include "p11_internal.h"

/* DER of DigestInfo { sha256, NULL } up to the 32 digest bytes (RFC 8017, 9.2 note 1). */
static const unsigned char sha256_info[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                             0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                             0x01, 0x05, 0x00, 0x04, 0x20 };

/* What the token is given to sign: mechanism and input (data itself, or buf). 0 with err set. */
static int choose_input(P11_OPEN_TOKEN *ot, const CWMS_P11_OPTIONS *opts, CWMS_P11_SIGN_MECH which,
                        const unsigned char **data, size_t *len, CK_MECHANISM *mech,
                        unsigned char buf[sizeof(sha256_info) + 32], CWMS_P11_ERROR *err)
{
    if (which == CWMS_P11_SIGN_ECDSA) {
        mech->mechanism = CKM_ECDSA;
        return 1;
    }
    if (p11_mech_offers(&ot->s, CKM_SHA256_RSA_PKCS, CKF_SIGN)) {
        mech->mechanism = CKM_SHA256_RSA_PKCS;
        return 1;
    }
    if (!p11_mech_offers(&ot->s, CKM_RSA_PKCS, CKF_SIGN)) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "token '%s' offers no RSA signature with SHA-256 (neither CKM_SHA256_RSA_PKCS nor "
                  "CKM_RSA_PKCS)",
                  ot->s.token->label);
        return 0;
    }
    memcpy(buf, sha256_info, sizeof(sha256_info));
    if (!EVP_Q_digest(opts->libctx, "SHA256", opts->propq, *data, *len, buf + sizeof(sha256_info),
                      NULL)) {
        p11_error(err, CWMS_P11_E_INTERNAL, "cannot hash the data to sign");
        return 0;
    }
    cwms_debug(CWMS_DEBUG_PKCS11, "no CKM_SHA256_RSA_PKCS: signing the SHA-256 DigestInfo");
    mech->mechanism = CKM_RSA_PKCS;
    *data = buf;
    *len = sizeof(sha256_info) + 32;
    return 1;
}

int cwms_p11_sign(const char *uri, const CWMS_P11_OPTIONS *opts_in, CWMS_P11_SIGN_MECH which,
                  const unsigned char *data, size_t len, unsigned char **sig, size_t *sig_len,
                  CWMS_P11_ERROR *err)
{
    CWMS_P11_OPTIONS opts = { NULL, NULL, NULL, NULL, 0, NULL };
    P11_OPEN_TOKEN ot;
    P11_OBJECTS keys = { NULL, 0 };
    CK_MECHANISM mech = { 0, NULL, 0 };
    unsigned char info[sizeof(sha256_info) + 32];
    CK_ULONG n = 0, room = 0;
    CK_RV rv;
    int ok = 0;

    *sig = NULL;
    *sig_len = 0;
    if (opts_in != NULL)
        opts = *opts_in;
    if (!p11_open_token(&ot, uri, &opts, 0, err))
        return 0;
    if (!p11_open_token_find_one(&ot, CKO_PRIVATE_KEY, "private key", &keys, err)
        || !choose_input(&ot, &opts, which, &data, &len, &mech, info, err))
        goto end;
    rv = P11_CALL(ot.s.token->fl, C_SignInit, ot.s.h, &mech, keys.v[0].h);
    if (rv == CKR_OK)
        rv = P11_CALL(ot.s.token->fl, C_Sign, ot.s.h, (CK_BYTE_PTR)data, (CK_ULONG)len, NULL, &n);
    if (rv == CKR_OK
        && !p11_len_within(ot.s.token->module, "a signature", n, CWMS_P11_VALUE_MAX, err))
        goto end;
    if (rv == CKR_OK && (*sig = OPENSSL_malloc((room = n) > 0 ? n : 1)) == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        goto end;
    }
    if (rv == CKR_OK)
        rv = P11_CALL(ot.s.token->fl, C_Sign, ot.s.h, (CK_BYTE_PTR)data, (CK_ULONG)len, *sig, &n);
    if (rv == CKR_OK && !p11_len_fits(ot.s.token->module, "C_Sign", "a signature", room, n, err))
        rv = CKR_GENERAL_ERROR;
    if (rv != CKR_OK) {
        p11_error(err, CWMS_P11_E_TOKEN, "token '%s' cannot sign with '%s': %s", ot.s.token->label,
                  cwms_p11_uri_display(ot.uri), p11_rv_string(rv));
        OPENSSL_free(*sig);
        *sig = NULL;
        goto end;
    }
    *sig_len = n;
    ok = 1;
end:
    OPENSSL_cleanse(info, sizeof(info));
    p11_objects_clear(&keys);
    p11_close_token(&ot);
    return ok;
}
