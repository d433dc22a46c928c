/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signing on a token: see cwms_p11_sign. The key is found as for loading
 * (p11_load.c): one private key must match the URI.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "p11_internal.h"

int cwms_p11_sign(const char *uri, const CWMS_P11_OPTIONS *opts_in, CWMS_P11_SIGN_MECH which,
                  const unsigned char *data, size_t len, unsigned char **sig, size_t *sig_len,
                  CWMS_P11_ERROR *err)
{
    CWMS_P11_OPTIONS opts = { NULL, NULL, NULL, NULL, 0, NULL };
    P11_OPEN_TOKEN ot;
    P11_OBJECTS keys = { NULL, 0 };
    CK_MECHANISM mech = { which == CWMS_P11_SIGN_ECDSA ? CKM_ECDSA : CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_ULONG n = 0;
    CK_RV rv;
    int ok = 0;

    *sig = NULL;
    *sig_len = 0;
    if (opts_in != NULL)
        opts = *opts_in;
    if (!p11_open_token(&ot, uri, &opts, 0, err))
        return 0;
    if (!p11_open_token_find_one(&ot, CKO_PRIVATE_KEY, "private key", &keys, err))
        goto end;
    rv = P11_CALL(ot.s.token->fl, C_SignInit, ot.s.h, &mech, keys.v[0].h);
    if (rv == CKR_OK)
        rv = P11_CALL(ot.s.token->fl, C_Sign, ot.s.h, (CK_BYTE_PTR)data, (CK_ULONG)len, NULL, &n);
    if (rv == CKR_OK && (*sig = OPENSSL_malloc(n > 0 ? n : 1)) == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        goto end;
    }
    if (rv == CKR_OK)
        rv = P11_CALL(ot.s.token->fl, C_Sign, ot.s.h, (CK_BYTE_PTR)data, (CK_ULONG)len, *sig, &n);
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
    p11_objects_clear(&keys);
    p11_close_token(&ot);
    return ok;
}
