/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Modules and tokens.
 *
 * module-path loads that one library; module-name picks one module from
 * p11-kit's registry; otherwise every registered module (Debian puts them
 * in /usr/share/p11-kit/modules/NAME.module) that starts is searched for
 * the token (p11_registry.c: one that does not is named and left out). The
 * modules are finalized by p11_modules_close, which callers run as soon as
 * they are done with the token: SoftHSM crashes when it is finalized after
 * its own destructors ran at process exit.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cwms_limits.h"
#include "p11_internal.h"

struct p11_modules_st {
    const P11_KIT_API *p11k; /* p11-kit's functions (p11_kit_dl.c) */
    P11_STARTED *mods;       /* the modules started: module-path's, or the registry's */
    size_t n_mods;
    P11_TOKEN *tokens; /* the tokens matching the URI */
    size_t n_tokens;
    char *present; /* every token seen, for "no token matches" messages */
};

/* The serial number without its blank padding, into out[17]. */
static void serial_of(const CK_TOKEN_INFO *t, char out[17])
{
    size_t n = sizeof(t->serialNumber);

    memcpy(out, t->serialNumber, n);
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
        n--;
    out[n] = '\0';
}

/* The slot's token, or 0 (noting why in mods->present when the module would not say). */
static int slot_token(P11_MODULES *mods, P11_STARTED *m, CK_SLOT_ID slot, CK_SLOT_INFO *sinfo,
                      CK_TOKEN_INFO *tinfo)
{
    CK_RV rv = P11_CALL(m->fl, C_GetSlotInfo, slot, sinfo);

    if (rv == CKR_OK)
        rv = P11_CALL(m->fl, C_GetTokenInfo, slot, tinfo);
    if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED)
        return 0; /* unplugged since the slot list: nothing to say */
    if (rv != CKR_OK) {
        p11_append(&mods->present, "%sslot %lu of module %s, which it listed: %s",
                   mods->present != NULL ? "; " : "", (unsigned long)slot, m->name,
                   p11_rv_string(rv));
        return 0;
    }
    p11_blank_pad_slot(sinfo, 0);
    p11_blank_pad_token(tinfo, 0);
    /* SoftHSM always offers one blank token to initialize: nothing to read there. */
    return (tinfo->flags & CKF_TOKEN_INITIALIZED) != 0;
}

/*
 * Looks at one slot of a module: notes its token in mods->present and adds
 * it to mods->tokens when it matches the URI. 0 only when memory ran out.
 */
static int scan_slot(P11_MODULES *mods, P11_STARTED *m, CK_SLOT_ID slot, const CWMS_P11_URI *uri)
{
    P11KitUri *kit = p11_uri_kit(uri);
    unsigned long want_slot;
    CK_SLOT_INFO sinfo;
    CK_TOKEN_INFO tinfo;
    P11_TOKEN *t, *grown;
    char *label, serial[17];

    if (!slot_token(mods, m, slot, &sinfo, &tinfo))
        return 1;
    if ((label = p11_strdup_padded(tinfo.label, sizeof(tinfo.label))) == NULL)
        return 0;
    serial_of(&tinfo, serial);
    p11_append(&mods->present, "%s'%s' (serial %s, slot %lu, module %s)",
               mods->present != NULL ? "; " : "", label, serial, (unsigned long)slot, m->name);
    if (!mods->p11k->uri_match_slot_info(kit, &sinfo)
        || !mods->p11k->uri_match_token_info(kit, &tinfo)
        || (cwms_p11_uri_slot_id(uri, &want_slot) && want_slot != (unsigned long)slot)) {
        OPENSSL_free(label);
        return 1;
    }
    if ((grown = OPENSSL_realloc(mods->tokens, (mods->n_tokens + 1) * sizeof(*grown))) == NULL) {
        OPENSSL_free(label);
        return 0;
    }
    mods->tokens = grown;
    t = &mods->tokens[mods->n_tokens++];
    memset(t, 0, sizeof(*t));
    t->fl = m->fl;
    t->started = m;
    t->slot = slot;
    t->info = tinfo;
    t->label = label;
    t->module = m->name;
    t->module_path = cwms_p11_uri_module_path(uri);
    cwms_debug(CWMS_DEBUG_PKCS11, "token '%s' in slot %lu of %s matches", label,
               (unsigned long)slot, m->name);
    return 1;
}

static CK_RV get_slots(void *ctx, CK_ULONG *list, CK_ULONG *n)
{
    CK_FUNCTION_LIST *fl = ctx;

    return P11_CALL(fl, C_GetSlotList, CK_TRUE, list, n);
}

/* 1 when slots[0..i) holds slots[i] already (a module that lists a slot twice). */
static int listed_before(const CK_SLOT_ID *slots, CK_ULONG i)
{
    for (CK_ULONG j = 0; j < i; j++)
        if (slots[j] == slots[i])
            return 1;
    return 0;
}

/*
 * The slots of one module, bounded (p11_bounds.c). A module whose list
 * cannot be had is noted in mods->present; one whose list breaks the
 * bounds is the error with module-path (own = 1), else a note and left out
 * (a broken module must not hide the others). 1 with *slots / *n (maybe
 * none), or 0 with err set.
 */
static int module_slots(P11_MODULES *mods, P11_STARTED *m, int own, CK_SLOT_ID **slots, CK_ULONG *n,
                        const CWMS_P11_OPTIONS *opts, CWMS_P11_ERROR *err)
{
    static const P11_PRINTED none = { NULL, 0 };
    P11_LIST_READ r = { get_slots, m->fl, m->name, "C_GetSlotList", CWMS_P11_SLOTS_MAX, "" };
    char problem[256];
    CWMS_P11_ERROR broken = { CWMS_P11_OK, "" };
    CK_RV rv = p11_read_list(&r, slots, n, &broken);

    if (broken.kind == CWMS_P11_E_INTERNAL || (broken.kind != CWMS_P11_OK && own)) {
        p11_error(err, broken.kind, "%s", broken.text);
        return 0;
    }
    if (broken.kind != CWMS_P11_OK) {
        snprintf(problem, sizeof(problem), "it %s: %s",
                 broken.kind == CWMS_P11_E_LIMIT ? "answers past a limit" : "breaks PKCS#11",
                 r.said);
        p11_module_note(m->name, m->path, CKR_OK, problem, &none, opts, &mods->present);
    } else if (rv != CKR_OK) /* A broken module must not hide the others: note it and go on. */
        p11_append(&mods->present, "%smodule %s: cannot list slots (%s)",
                   mods->present != NULL ? "; " : "", m->name, p11_rv_string(rv));
    return 1;
}

/* Adds the tokens of one module that match the URI; notes every token in mods->present. */
static int scan_module(P11_MODULES *mods, P11_STARTED *m, int own, const CWMS_P11_URI *uri,
                       const CWMS_P11_OPTIONS *opts, CWMS_P11_ERROR *err)
{
    CK_SLOT_ID *slots = NULL;
    CK_ULONG n = 0, i;
    CK_INFO minfo;
    CK_RV rv;
    int ok = 1;

    rv = P11_CALL(m->fl, C_GetInfo, &minfo);
    if (rv == CKR_OK)
        p11_blank_pad_module(&minfo, 0);
    if (rv != CKR_OK || !mods->p11k->uri_match_module_info(p11_uri_kit(uri), &minfo))
        return 1; /* library-* attributes exclude this module */
    if (!module_slots(mods, m, own, &slots, &n, opts, err))
        return 0;
    for (i = 0; i < n && ok; i++)
        if (!listed_before(slots, i) && !scan_slot(mods, m, slots[i], uri)) {
            p11_error(err, CWMS_P11_E_INTERNAL, "out of memory listing PKCS#11 tokens");
            ok = 0;
        }
    OPENSSL_free(slots);
    return ok;
}

/* The error for the URI's module-path when its C_Initialize failed or did not return. */
static void start_failed(const P11_STARTED *m, CK_RV rv, const P11_PRINTED *printed,
                         CWMS_P11_ERROR *err)
{
    if (m->stuck)
        p11_error(err, CWMS_P11_E_TIMEOUT,
                  "the PKCS#11 module '%s' did not return from C_Initialize within %d s: it may "
                  "be waiting for a device or service that does not answer. PKCS#11 cannot cancel "
                  "a call, so cwms-bundle stops without waiting for it; the module is left blocked "
                  "(CWMS_PKCS11_TIMEOUT=SECONDS waits longer)",
                  m->path, p11_timeout(0));
    else
        p11_error(err, CWMS_P11_E_TOKEN, "the PKCS#11 module '%s' failed to initialize: %s%s%s%s",
                  m->path, p11_rv_string(rv), printed->last != NULL ? " (it printed: '" : "",
                  printed->last != NULL ? printed->last : "", printed->last != NULL ? "')" : "");
}

/* The one module of the URI's module-path, judged and started; 0 with err set when it cannot be. */
static int open_path(P11_MODULES *mods, const CWMS_P11_URI *uri, const CWMS_P11_OPTIONS *opts,
                     CWMS_P11_ERROR *err)
{
    const char *path = cwms_p11_uri_module_path(uri);
    P11_PRINTED printed = { NULL, 0 };
    CK_FUNCTION_LIST *fl;
    char why[512];
    CK_RV rv;

    cwms_debug(CWMS_DEBUG_PKCS11, "loading module %s", path);
    if (!p11_module_check(path, why, sizeof(why))) {
        p11_error(err, CWMS_P11_E_MODULE,
                  "the PKCS#11 module '%s' (module-path of '%s') cannot be used: %s", path,
                  cwms_p11_uri_display(uri), why);
        return 0;
    }
    if ((fl = mods->p11k->module_load(path, 0)) == NULL) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "cannot load the PKCS#11 module '%s' (module-path of '%s'): %s", path,
                  cwms_p11_uri_display(uri),
                  mods->p11k->message() != NULL ? mods->p11k->message() : "not found");
        return 0;
    }
    if ((mods->mods = OPENSSL_zalloc(sizeof(*mods->mods))) == NULL
        || !p11_module_started(mods->p11k, fl, path, &mods->mods[0])) {
        if (mods->mods != NULL)
            p11_module_stop(mods->p11k, &mods->mods[0]);
        else
            mods->p11k->module_release(fl);
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return 0;
    }
    mods->n_mods = 1;
    rv = p11_module_start(mods->p11k, &mods->mods[0], NULL, opts, NULL, &printed);
    if (rv == CKR_OK)
        mods->mods[0].initialized = 1;
    else
        start_failed(&mods->mods[0], rv, &printed, err);
    p11_printed_clear(&printed);
    return rv == CKR_OK && scan_module(mods, &mods->mods[0], 1, uri, opts, err);
}

P11_MODULES *p11_modules_open(const CWMS_P11_URI *uri, const CWMS_P11_OPTIONS *opts,
                              CWMS_P11_ERROR *err)
{
    const P11_KIT_API *p11k = p11_kit_api_open(err);
    P11_MODULES *mods;
    size_t i;

    if (p11k == NULL)
        return NULL;
    if ((mods = OPENSSL_zalloc(sizeof(*mods))) == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return NULL;
    }
    mods->p11k = p11k;
    if (cwms_p11_uri_module_path(uri) != NULL) {
        if (!open_path(mods, uri, opts, err))
            goto fail;
        return mods;
    }
    if (!p11_registry_open(p11k, cwms_p11_uri_module_name(uri), cwms_p11_uri_display(uri), opts,
                           &mods->present, &mods->mods, &mods->n_mods, err))
        goto fail;
    for (i = 0; i < mods->n_mods; i++)
        if (!scan_module(mods, &mods->mods[i], 0, uri, opts, err))
            goto fail;
    return mods;

fail:
    p11_modules_close(mods);
    return NULL;
}

void p11_modules_close(P11_MODULES *mods)
{
    size_t i;

    if (mods == NULL)
        return;
    for (i = 0; i < mods->n_tokens; i++) {
        OPENSSL_free(mods->tokens[i].label);
        p11_token_clear_mechs(&mods->tokens[i]);
    }
    OPENSSL_free(mods->tokens);
    OPENSSL_free(mods->present);
    p11_registry_close(mods->p11k, mods->mods, mods->n_mods);
    OPENSSL_free(mods);
}

size_t p11_modules_token_count(const P11_MODULES *mods)
{
    return mods->n_tokens;
}

P11_TOKEN *p11_modules_token(P11_MODULES *mods, size_t i)
{
    return i < mods->n_tokens ? &mods->tokens[i] : NULL;
}

P11_TOKEN *p11_modules_one_token(P11_MODULES *mods, const CWMS_P11_URI *uri, CWMS_P11_ERROR *err)
{
    if (mods->n_tokens == 1)
        return &mods->tokens[0];
    if (mods->n_tokens == 0) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "no PKCS#11 token matches '%s'; tokens present: %s "
                  "(`cwms-bundle tokens` lists them with their URIs)",
                  cwms_p11_uri_display(uri), mods->present != NULL ? mods->present : "none");
    } else {
        char *which = NULL;
        size_t i;

        for (i = 0; i < mods->n_tokens; i++) {
            char serial[17];

            serial_of(&mods->tokens[i].info, serial);
            p11_append(&which, "%s'%s' (serial %s, slot %lu, module %s)", i > 0 ? "; " : "",
                       mods->tokens[i].label, serial, (unsigned long)mods->tokens[i].slot,
                       mods->tokens[i].module);
        }
        p11_error(err, CWMS_P11_E_TOKEN,
                  "'%s' matches %zu PKCS#11 tokens: %s; add token=, serial= or slot-id= to choose one",
                  cwms_p11_uri_display(uri), mods->n_tokens, which != NULL ? which : "");
        OPENSSL_free(which);
    }
    return NULL;
}
