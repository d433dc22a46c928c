/* SPDX-License-Identifier: Apache-2.0 */
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
#include <openssl/err.h>

#include "cwms_limits.h"
#include "p11_internal.h"

static int session_open(P11_SESSION *s, P11_TOKEN *token, CK_FLAGS flags, CWMS_P11_ERROR *err)
{
    CK_RV rv;

    memset(s, 0, sizeof(*s));
    s->token = token;
    rv = P11_CALL(token->fl, C_OpenSession, token->slot, CKF_SERIAL_SESSION | flags, NULL, NULL,
                  &s->h);
    if (rv != CKR_OK) {
        p11_error(err, CWMS_P11_E_TOKEN, "cannot open a session on token '%s': %s", token->label,
                  p11_rv_string(rv));
        return 0;
    }
    s->open = 1;
    return 1;
}

int p11_session_open(P11_SESSION *s, P11_TOKEN *token, CWMS_P11_ERROR *err)
{
    /* Read-only is enough: session objects (the wrapping key) may be created in it. */
    return session_open(s, token, 0, err);
}

int p11_session_open_rw(P11_SESSION *s, P11_TOKEN *token, CWMS_P11_ERROR *err)
{
    return session_open(s, token, CKF_RW_SESSION, err);
}

/*
 * No C_Logout: the login belongs to the application, not to the session, so
 * logging out here would log out every other thread (or library) of the
 * process mid-load. Closing the application's last session on the token
 * ends the login (PKCS#11 C_CloseSession), which is when it should end.
 */
void p11_session_close(P11_SESSION *s)
{
    if (s == NULL || !s->open)
        return;
    /* A module still inside a call is not called again (p11_bounded.c). */
    if (!s->token->started->stuck)
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

/* 1 when the token's PIN state allows a try (read afresh); else 0 with err set. */
static int may_try(P11_TOKEN *t, const CWMS_P11_OPTIONS *opts, CK_FLAGS *flags, CWMS_P11_ERROR *err)
{
    CK_TOKEN_INFO info;
    CK_RV rv = P11_CALL(t->fl, C_GetTokenInfo, t->slot, &info);

    if (rv != CKR_OK) {
        p11_error(err, CWMS_P11_E_TOKEN, "cannot read the state of token '%s': %s", t->label,
                  p11_rv_string(rv));
        return 0;
    }
    *flags = info.flags;
    if (info.flags & CKF_USER_PIN_LOCKED) {
        p11_error(
            err, CWMS_P11_E_PIN,
            "the user PIN of token '%s' is locked (too many wrong PINs); not trying. "
            "Have the security officer unlock it (e.g. pkcs11-tool --init-pin --login --login-type so)",
            t->label);
        return 0;
    }
    if ((info.flags & CKF_USER_PIN_FINAL_TRY) && !final_try_allowed(opts)) {
        p11_error(err, CWMS_P11_E_PIN,
                  "token '%s' has one PIN try left: a wrong PIN now locks it, so cwms-bundle does not try. "
                  "Check the PIN, then set CWMS_PKCS11_PIN_FINAL_TRY=1 to insist",
                  t->label);
        return 0;
    }
    return 1;
}

/* The PIN: the URI's, else the callback's into buf. NULL with err set when none can be had. */
static const char *pin_for(P11_TOKEN *t, const CWMS_P11_URI *uri, const CWMS_P11_OPTIONS *opts,
                           char *buf, size_t size, size_t *len, CWMS_P11_ERROR *err)
{
    const char *pin = cwms_p11_uri_pin(uri, len);
    char what[96];

    if (pin != NULL)
        return pin;
    snprintf(what, sizeof(what), "token '%s'", t->label);
    if (opts != NULL && opts->pin_cb != NULL
        && opts->pin_cb(buf, size, len, what, opts->pin_arg) == 1 && *len <= size)
        return buf;
    OPENSSL_cleanse(buf, size);
    if (opts != NULL && opts->pin_option != NULL)
        p11_error(err, CWMS_P11_E_PIN,
                  "token '%s' needs a PIN: add pin-source=FILE (or pin-value=) to the URI, or give "
                  "one with %s",
                  t->label, opts->pin_option);
    else
        p11_error(err, CWMS_P11_E_PIN,
                  "token '%s' needs a PIN: add pin-source=FILE (or pin-value=) to the URI",
                  t->label);
    return NULL;
}

/*-
 * C_Login on a helper thread (p11_bounded.c), with its own copy of the PIN
 */

typedef struct login_job_st {
    CK_FUNCTION_LIST *fl;
    CK_SESSION_HANDLE h;
    CK_UTF8CHAR *pin; /* NULL: the token's PIN pad */
    CK_ULONG pin_len;
} LOGIN_JOB;

static CK_RV run_login(void *arg)
{
    LOGIN_JOB *j = arg;

    return P11_CALL(j->fl, C_Login, j->h, CKU_USER, j->pin, j->pin_len);
}

static void login_job_free(void *arg)
{
    LOGIN_JOB *j = arg;

    if (j->pin != NULL)
        OPENSSL_secure_clear_free(j->pin, j->pin_len + 1);
    OPENSSL_free(j);
}

/* 0 when C_Login did not return in time: the token's module is then stuck (never called again). */
static int login_bounded(P11_SESSION *s, const char *pin, size_t pin_len, CK_RV *rv)
{
    LOGIN_JOB *j = OPENSSL_zalloc(sizeof(*j));

    *rv = CKR_HOST_MEMORY;
    if (j == NULL || (pin != NULL && (j->pin = OPENSSL_secure_malloc(pin_len + 1)) == NULL)) {
        OPENSSL_free(j);
        return 1;
    }
    j->fl = s->token->fl;
    j->h = s->h;
    if (pin != NULL) {
        memcpy(j->pin, pin, pin_len);
        j->pin_len = (CK_ULONG)pin_len;
    }
    if (p11_run_bounded(run_login, j, login_job_free, p11_timeout(pin == NULL), rv))
        return 1;
    cwms_debug(CWMS_DEBUG_PKCS11, "C_Login: no answer within %d s", p11_timeout(pin == NULL));
    s->token->started->stuck = 1;
    return 0;
}

/* What C_Login's answer means, as 1 or 0 with err set. */
static int login_result(P11_SESSION *s, CK_RV rv, CWMS_P11_ERROR *err)
{
    P11_TOKEN *t = s->token;

    switch (rv) {
    case CKR_OK:
    case CKR_USER_ALREADY_LOGGED_IN: /* another session of this process logged in */
        s->logged_in = 1;
        return 1;
    case CKR_PIN_INCORRECT:
        p11_error(err, CWMS_P11_E_PIN, "wrong PIN for token '%s' (not retried%s)", t->label,
                  tries_hint(s));
        return 0;
    case CKR_PIN_LOCKED:
        p11_error(err, CWMS_P11_E_PIN,
                  "the user PIN of token '%s' is locked; have the security officer unlock it",
                  t->label);
        return 0;
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
        p11_error(err, CWMS_P11_E_PIN, "token '%s' rejected the PIN: %s", t->label,
                  p11_rv_string(rv));
        return 0;
    default:
        p11_error(err, CWMS_P11_E_TOKEN, "cannot log in to token '%s': %s", t->label,
                  p11_rv_string(rv));
        return 0;
    }
}

int p11_session_login(P11_SESSION *s, const CWMS_P11_URI *uri, const CWMS_P11_OPTIONS *opts,
                      CWMS_P11_ERROR *err)
{
    P11_TOKEN *t = s->token;
    char buf[CWMS_PASS_MAX];
    const char *pin = NULL;
    size_t pin_len = 0;
    CK_FLAGS flags = 0;
    CK_RV rv;
    int returned;

    if (!p11_token_needs_login(t))
        return 1;
    if (!may_try(t, opts, &flags, err))
        return 0;
    if (flags & CKF_PROTECTED_AUTHENTICATION_PATH)
        cwms_debug(CWMS_DEBUG_PKCS11, "token '%s' has a protected authentication path (PIN pad)",
                   t->label);
    else if ((pin = pin_for(t, uri, opts, buf, sizeof(buf), &pin_len, err)) == NULL)
        return -1;
    returned = login_bounded(s, pin, pin_len, &rv);
    OPENSSL_cleanse(buf, sizeof(buf));
    if (returned)
        return login_result(s, rv, err);
    p11_error(err, CWMS_P11_E_TIMEOUT,
              "token '%s' (PKCS#11 module %s) did not return from C_Login within %d s%s. PKCS#11 "
              "cannot cancel a call, so cwms-bundle stops without waiting for it; the module is "
              "left blocked (CWMS_PKCS11_TIMEOUT=SECONDS waits longer)",
              t->label, t->module, p11_timeout(pin == NULL),
              pin == NULL ? " (its PIN pad waits for the PIN to be typed there)" : "");
    return 0;
}

int p11_open_token(P11_OPEN_TOKEN *ot, const char *text, const CWMS_P11_OPTIONS *opts, int rw,
                   CWMS_P11_ERROR *err)
{
    P11_TOKEN *token;

    memset(ot, 0, sizeof(*ot));
    if ((ot->uri = cwms_p11_uri_parse(text, err)) == NULL)
        return 0;
    ERR_set_mark();
    if ((ot->mods = p11_modules_open(ot->uri, opts, err)) == NULL
        || (token = p11_modules_one_token(ot->mods, ot->uri, err)) == NULL
        || !(rw ? p11_session_open_rw(&ot->s, token, err) : p11_session_open(&ot->s, token, err))
        || p11_session_login(&ot->s, ot->uri, opts, err) <= 0) {
        p11_close_token(ot);
        return 0;
    }
    return 1;
}

void p11_close_token(P11_OPEN_TOKEN *ot)
{
    if (ot->uri == NULL)
        return;
    p11_session_close(&ot->s);
    p11_modules_close(ot->mods);
    ERR_pop_to_mark();
    cwms_p11_uri_free(ot->uri);
    memset(ot, 0, sizeof(*ot));
}

int p11_open_token_find_one(P11_OPEN_TOKEN *ot, CK_OBJECT_CLASS cls, const char *what,
                            P11_OBJECTS *found, CWMS_P11_ERROR *err)
{
    size_t id_len = 0;
    const unsigned char *id = cwms_p11_uri_id(ot->uri, &id_len);

    if (!p11_objects_find(&ot->s, 1, cls, cwms_p11_uri_object(ot->uri), id, id_len, found, err))
        return 0;
    if (found->n != 1) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "'%s' matches %zu %ss on token '%s': name exactly one "
                  "with object= or id=",
                  cwms_p11_uri_display(ot->uri), found->n, what, ot->s.token->label);
        return 0;
    }
    return 1;
}
