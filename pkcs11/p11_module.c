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

#include "p11_internal.h"

struct p11_modules_st {
    const P11_KIT_API *p11k;  /* p11-kit's functions (p11_kit_dl.c) */
    CK_FUNCTION_LIST **list;  /* from p11-kit's registry, NULL-terminated */
    CK_FUNCTION_LIST *single; /* loaded by module-path */
    P11_TOKEN *tokens;        /* the tokens matching the URI */
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

static char *module_label(const P11_KIT_API *p11k, CK_FUNCTION_LIST *fl, const char *path)
{
    char *name, *out;

    if (path != NULL)
        return OPENSSL_strdup(path);
    name = p11k->module_get_name(fl);
    if (name == NULL)
        name = p11k->module_get_filename(fl);
    out = OPENSSL_strdup(name != NULL ? name : "(unnamed module)");
    free(name);
    return out;
}

/*
 * Looks at one slot of a module: notes its token in mods->present and adds
 * it to mods->tokens when it matches the URI. 0 only when memory ran out.
 */
static int scan_slot(P11_MODULES *mods, CK_FUNCTION_LIST *fl, CK_SLOT_ID slot, const char *mname,
                     const CWMS_P11_URI *uri)
{
    P11KitUri *kit = p11_uri_kit(uri);
    unsigned long want_slot;
    CK_SLOT_INFO sinfo;
    CK_TOKEN_INFO tinfo;
    P11_TOKEN *t, *grown;
    char *label, serial[17];

    if (P11_CALL(fl, C_GetSlotInfo, slot, &sinfo) != CKR_OK
        || P11_CALL(fl, C_GetTokenInfo, slot, &tinfo) != CKR_OK)
        return 1;
    p11_blank_pad_slot(&sinfo, 0);
    p11_blank_pad_token(&tinfo, 0);
    /* SoftHSM always offers one blank token to initialize: nothing to read there. */
    if (!(tinfo.flags & CKF_TOKEN_INITIALIZED))
        return 1;
    if ((label = p11_strdup_padded(tinfo.label, sizeof(tinfo.label))) == NULL)
        return 0;
    serial_of(&tinfo, serial);
    p11_append(&mods->present, "%s'%s' (serial %s, slot %lu, module %s)",
               mods->present != NULL ? "; " : "", label, serial, (unsigned long)slot, mname);
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
    t->fl = fl;
    t->slot = slot;
    t->info = tinfo;
    t->label = label;
    t->module_path = cwms_p11_uri_module_path(uri);
    if ((t->module = OPENSSL_strdup(mname)) == NULL)
        return 0;
    cwms_debug(CWMS_DEBUG_PKCS11, "token '%s' in slot %lu of %s matches", label,
               (unsigned long)slot, mname);
    return 1;
}

/* Adds the tokens of one module that match the URI; notes every token in mods->present. */
static int scan_module(P11_MODULES *mods, CK_FUNCTION_LIST *fl, const char *path,
                       const CWMS_P11_URI *uri, CWMS_P11_ERROR *err)
{
    CK_SLOT_ID *slots = NULL;
    CK_ULONG n = 0, i;
    CK_INFO minfo;
    char *mname = module_label(mods->p11k, fl, path);
    CK_RV rv;
    int ok = 0;

    if (mname == NULL)
        goto oom;
    rv = P11_CALL(fl, C_GetInfo, &minfo);
    if (rv == CKR_OK)
        p11_blank_pad_module(&minfo, 0);
    if (rv != CKR_OK || !mods->p11k->uri_match_module_info(p11_uri_kit(uri), &minfo)) {
        ok = 1; /* library-* attributes exclude this module */
        goto done;
    }
    rv = P11_CALL(fl, C_GetSlotList, CK_TRUE, NULL, &n);
    if (rv == CKR_OK && n > 0) {
        slots = OPENSSL_malloc(n * sizeof(*slots));
        if (slots == NULL)
            goto oom;
        rv = P11_CALL(fl, C_GetSlotList, CK_TRUE, slots, &n);
    }
    if (rv != CKR_OK) {
        /* A broken module must not hide the others: note it and go on. */
        p11_append(&mods->present, "%smodule %s: cannot list slots (%s)",
                   mods->present != NULL ? "; " : "", mname, p11_rv_string(rv));
        ok = 1;
        goto done;
    }
    for (i = 0; i < n; i++)
        if (!scan_slot(mods, fl, slots[i], mname, uri))
            goto oom;
    ok = 1;
    goto done;
oom:
    p11_error(err, CWMS_P11_E_INTERNAL, "out of memory listing PKCS#11 tokens");
done:
    OPENSSL_free(slots);
    OPENSSL_free(mname);
    return ok;
}

/* The one module of the URI's module-path, started; 0 with err set when it cannot be. */
static int open_path(P11_MODULES *mods, const CWMS_P11_URI *uri, const CWMS_P11_OPTIONS *opts,
                     CWMS_P11_ERROR *err)
{
    const char *path = cwms_p11_uri_module_path(uri);
    P11_PRINTED printed = { NULL, 0 };
    CK_RV rv;

    cwms_debug(CWMS_DEBUG_PKCS11, "loading module %s", path);
    mods->single = mods->p11k->module_load(path, 0);
    if (mods->single == NULL) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "cannot load the PKCS#11 module '%s' (module-path of '%s'): %s", path,
                  cwms_p11_uri_display(uri),
                  mods->p11k->message() != NULL ? mods->p11k->message() : "not found");
        return 0;
    }
    rv = p11_module_start(mods->p11k, mods->single, opts, NULL, &printed);
    if (rv != CKR_OK) {
        mods->p11k->module_release(mods->single);
        mods->single = NULL;
        p11_error(err, CWMS_P11_E_TOKEN, "the PKCS#11 module '%s' failed to initialize: %s%s%s%s",
                  path, p11_rv_string(rv), printed.last != NULL ? " (it printed: '" : "",
                  printed.last != NULL ? printed.last : "", printed.last != NULL ? "')" : "");
    }
    p11_printed_clear(&printed);
    return rv == CKR_OK && scan_module(mods, mods->single, path, uri, err);
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
    mods->list = p11_registry_open(p11k, cwms_p11_uri_module_name(uri), cwms_p11_uri_display(uri),
                                   opts, &mods->present, err);
    if (mods->list == NULL)
        goto fail;
    for (i = 0; mods->list[i] != NULL; i++)
        if (!scan_module(mods, mods->list[i], NULL, uri, err))
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
        OPENSSL_free(mods->tokens[i].module);
        p11_token_clear_mechs(&mods->tokens[i]);
    }
    OPENSSL_free(mods->tokens);
    OPENSSL_free(mods->present);
    if (mods->single != NULL) {
        p11_traced("C_Finalize", mods->p11k->module_finalize(mods->single));
        mods->p11k->module_release(mods->single);
    }
    p11_registry_close(mods->p11k, mods->list);
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
