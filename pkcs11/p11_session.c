/*
 * Sessions and login.
 *
 * One C_Login per load, never a retry: a wrong PIN retried by a tool is how
 * tokens get locked. Before logging in, the token's flags are read afresh:
 * a locked PIN is refused outright, and a PIN on its final try is refused
 * unless the caller insists (CWMS_P11_FINAL_TRY_OK, or the environment
 * variable CWMS_PKCS11_PIN_FINAL_TRY=1 for a user who checked the PIN).
 * PINs live in one stack buffer or in the URI object and are cleansed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cwms_limits.h"
#include "p11_internal.h"

int p11_session_open(P11_SESSION *s, P11_TOKEN *token, CWMS_P11_ERROR *err)
{
    CK_RV rv;

    memset(s, 0, sizeof(*s));
    s->token = token;
    /* Read-only is enough: session objects (the wrapping key) may be created in it. */
    rv = P11_CALL(token->fl, C_OpenSession, token->slot, CKF_SERIAL_SESSION, NULL, NULL, &s->h);
    if (rv != CKR_OK) {
        p11_error(err, CWMS_P11_E_TOKEN, "cannot open a session on token '%s': %s",
                  token->label, p11_rv_string(rv));
        return 0;
    }
    s->open = 1;
    return 1;
}

void p11_session_close(P11_SESSION *s)
{
    if (s == NULL || !s->open)
        return;
    if (s->logged_in)
        P11_CALL(s->token->fl, C_Logout, s->h);
    P11_CALL(s->token->fl, C_CloseSession, s->h);
    s->open = 0;
    s->logged_in = 0;
}

int p11_token_needs_login(const P11_TOKEN *token)
{
    return (token->info.flags & CKF_LOGIN_REQUIRED) != 0;
}

static int final_try_allowed(const CWMS_P11_OPTIONS *opts)
{
    const char *env = getenv("CWMS_PKCS11_PIN_FINAL_TRY");

    return (opts != NULL && (opts->flags & CWMS_P11_FINAL_TRY_OK) != 0)
        || (env != NULL && strcmp(env, "1") == 0);
}

/* After a rejected PIN: what the token says about the tries left. */
static const char *tries_hint(P11_SESSION *s)
{
    CK_TOKEN_INFO info;

    if (P11_CALL(s->token->fl, C_GetTokenInfo, s->token->slot, &info) != CKR_OK)
        return "";
    if (info.flags & CKF_USER_PIN_LOCKED)
        return "; the token has now locked the user PIN";
    if (info.flags & CKF_USER_PIN_FINAL_TRY)
        return "; one try is left before the token locks the PIN";
    if (info.flags & CKF_USER_PIN_COUNT_LOW)
        return "; few tries are left before the token locks the PIN";
    return "";
}

int p11_session_login(P11_SESSION *s, const CWMS_P11_URI *uri,
                      const CWMS_P11_OPTIONS *opts, CWMS_P11_ERROR *err)
{
    P11_TOKEN *t = s->token;
    CK_TOKEN_INFO info;
    char buf[CWMS_PASS_MAX], what[96];
    const char *pin;
    size_t pin_len = 0;
    CK_RV rv;

    if (!p11_token_needs_login(t))
        return 1;
    rv = P11_CALL(t->fl, C_GetTokenInfo, t->slot, &info);
    if (rv != CKR_OK) {
        p11_error(err, CWMS_P11_E_TOKEN, "cannot read the state of token '%s': %s",
                  t->label, p11_rv_string(rv));
        return 0;
    }
    if (info.flags & CKF_USER_PIN_LOCKED) {
        p11_error(err, CWMS_P11_E_PIN,
                  "the user PIN of token '%s' is locked (too many wrong PINs); not trying. "
                  "Have the security officer unlock it (e.g. pkcs11-tool --init-pin --login --login-type so)",
                  t->label);
        return 0;
    }
    if ((info.flags & CKF_USER_PIN_FINAL_TRY) && !final_try_allowed(opts)) {
        p11_error(err, CWMS_P11_E_PIN,
                  "token '%s' has one PIN try left: a wrong PIN now locks it, so cwms-bundle does not try. "
                  "Check the PIN, then set CWMS_PKCS11_PIN_FINAL_TRY=1 to insist", t->label);
        return 0;
    }

    if (info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) {
        cwms_debug(CWMS_DEBUG_PKCS11, "token '%s' has a protected authentication path (PIN pad)",
                   t->label);
        rv = P11_CALL(t->fl, C_Login, s->h, CKU_USER, NULL, 0);
    } else {
        pin = cwms_p11_uri_pin(uri, &pin_len);
        if (pin == NULL) {
            snprintf(what, sizeof(what), "token '%s'", t->label);
            if (opts == NULL || opts->pin_cb == NULL
                || !opts->pin_cb(buf, sizeof(buf), &pin_len, what, opts->pin_arg)
                || pin_len > sizeof(buf)) {
                OPENSSL_cleanse(buf, sizeof(buf));
                p11_error(err, CWMS_P11_E_PIN,
                          "token '%s' needs a PIN: add pin-source=FILE (or pin-value=) to the URI, "
                          "or give one with --passin", t->label);
                return -1;
            }
            pin = buf;
        }
        rv = P11_CALL(t->fl, C_Login, s->h, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)pin_len);
        OPENSSL_cleanse(buf, sizeof(buf));
    }

    switch (rv) {
    case CKR_OK:
        s->logged_in = 1;
        return 1;
    case CKR_USER_ALREADY_LOGGED_IN:
        return 1;
    case CKR_PIN_INCORRECT:
        p11_error(err, CWMS_P11_E_PIN, "wrong PIN for token '%s' (not retried%s)",
                  t->label, tries_hint(s));
        return 0;
    case CKR_PIN_LOCKED:
        p11_error(err, CWMS_P11_E_PIN,
                  "the user PIN of token '%s' is locked; have the security officer unlock it", t->label);
        return 0;
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
        p11_error(err, CWMS_P11_E_PIN, "token '%s' rejected the PIN: %s", t->label, p11_rv_string(rv));
        return 0;
    default:
        p11_error(err, CWMS_P11_E_TOKEN, "cannot log in to token '%s': %s", t->label, p11_rv_string(rv));
        return 0;
    }
}
