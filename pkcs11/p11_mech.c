/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mechanisms a token offers, and what for.
 *
 * Tokens differ in what they can do with a key: SoftHSM and NSS wrap with
 * AES key wrap, opencryptoki's software token only with AES-CBC-PAD, a
 * TPM wraps nothing; opencryptoki 3.8 signs RSA with CKM_RSA_PKCS but not
 * CKM_SHA256_RSA_PKCS. The helper asks the token (C_GetMechanismList once
 * per token and load, C_GetMechanismInfo per mechanism it considers) and
 * picks from what is there, instead of trying and reading the error.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "cwms_limits.h"
#include "p11_internal.h"

static CK_RV get_mechs(void *ctx, CK_ULONG *list, CK_ULONG *n)
{
    P11_TOKEN *t = ctx;

    return P11_CALL(t->fl, C_GetMechanismList, t->slot, list, n);
}

/*
 * Reads the token's mechanism list into token->mechs once; 0 when the
 * token would not say, or said past the bounds (p11_bounds.c: that is
 * traced, and the token then offers nothing).
 */
static int read_list(P11_SESSION *s)
{
    P11_TOKEN *t = s->token;
    P11_LIST_READ r = { get_mechs, t, t->module, "C_GetMechanismList", CWMS_P11_MECHS_MAX, "" };
    CWMS_P11_ERROR broken = { CWMS_P11_OK, "" };
    CK_ULONG *list = NULL, n = 0;

    if (t->mechs_read)
        return t->mechs != NULL;
    t->mechs_read = 1;
    if (p11_read_list(&r, &list, &n, &broken) != CKR_OK || n == 0) {
        OPENSSL_free(list);
        return 0;
    }
    t->mechs = list;
    t->n_mechs = n;
    return 1;
}

int p11_mech_offers(P11_SESSION *s, CK_MECHANISM_TYPE type, CK_FLAGS need)
{
    P11_TOKEN *t = s->token;
    CK_MECHANISM_INFO info;
    CK_ULONG i;

    if (!read_list(s))
        return 0;
    for (i = 0; i < t->n_mechs && t->mechs[i] != type; i++)
        ;
    if (i == t->n_mechs)
        return 0;
    if (need == 0)
        return 1;
    return P11_CALL(t->fl, C_GetMechanismInfo, t->slot, type, &info) == CKR_OK
        && (info.flags & need) == need;
}

void p11_token_clear_mechs(P11_TOKEN *t)
{
    OPENSSL_free(t->mechs);
    t->mechs = NULL;
    t->n_mechs = 0;
    t->mechs_read = 0;
}
