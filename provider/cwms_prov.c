/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cwms provider module: registration, parameters, reason strings,
 * init and teardown. What the store loaders call back into (errors, the
 * private library context) is prov_ctx.c, so the loaders do not depend
 * on the file that lists them.
 */
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "cwms_prov.h"
#include "cwms/diag.h"

#ifndef CWMS_VERSION
#define CWMS_VERSION "unknown"
#endif

/* The only exported symbol (see cwms.map). */
__attribute__((visibility("default"))) OSSL_provider_init_fn OSSL_provider_init;

static OSSL_FUNC_provider_teardown_fn cwms_teardown;
static OSSL_FUNC_provider_gettable_params_fn cwms_gettable_params;
static OSSL_FUNC_provider_get_params_fn cwms_get_params;
static OSSL_FUNC_provider_query_operation_fn cwms_query;
static OSSL_FUNC_provider_get_reason_strings_fn cwms_get_reason_strings;

/*
 * Loading the provider must cost next to nothing: `openssl` loads it for
 * every command, most of which never open a cwms: or pkcs11: URI. So init
 * only keeps the core's upcalls, copies the three config keys (parsed
 * later, by the store that needs them) and builds the reason table; the
 * private library context, p11-kit, pools and trust stores all wait for
 * the first URI.
 *
 * Errors have one path: the core's new_error / set_error_debug /
 * vset_error upcalls (provider-base(7)) with a CWMS_REASON as the reason.
 * The core assigns this provider an error library and loads the strings
 * returned by get_reason_strings under it, so applications print the
 * core's short reason ("missing intermediate") followed by the diag text.
 */

/*- Parameters ---------------------------------------------------------- */

static const OSSL_PARAM cwms_param_types[] = {
    OSSL_PARAM_DEFN(OSSL_PROV_PARAM_NAME, OSSL_PARAM_UTF8_PTR, NULL, 0),
    OSSL_PARAM_DEFN(OSSL_PROV_PARAM_VERSION, OSSL_PARAM_UTF8_PTR, NULL, 0),
    OSSL_PARAM_DEFN(OSSL_PROV_PARAM_BUILDINFO, OSSL_PARAM_UTF8_PTR, NULL, 0),
    OSSL_PARAM_DEFN(OSSL_PROV_PARAM_STATUS, OSSL_PARAM_INTEGER, NULL, 0), OSSL_PARAM_END
};

static const OSSL_PARAM *cwms_gettable_params(void *provctx)
{
    (void)provctx;
    return cwms_param_types;
}

static int cwms_get_params(void *provctx, OSSL_PARAM params[])
{
    OSSL_PARAM *p;

    (void)provctx;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
    if (p != NULL
        && !OSSL_PARAM_set_utf8_ptr(p, "cwms-bundle provider (cwms: and pkcs11: store loaders)"))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, CWMS_VERSION))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
    if (p != NULL
        && !OSSL_PARAM_set_utf8_ptr(p,
                                    "cwms-bundle " CWMS_VERSION
                                    ", built with " OPENSSL_VERSION_TEXT))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
    if (p != NULL && !OSSL_PARAM_set_int(p, 1))
        return 0;
    return 1;
}

/*- Operations ---------------------------------------------------------- */

static const OSSL_ALGORITHM cwms_stores[] = {
    { "cwms", "provider=cwms", cwms_store_cwms_functions,
      "server key and certificate chain in the order CWMS expects" },
    { "pkcs11", "provider=cwms", cwms_store_pkcs11_functions,
      "keys (by value) and certificates on PKCS#11 tokens" },
    { NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *cwms_query(void *provctx, int operation_id, int *no_cache)
{
    (void)provctx;
    *no_cache = 0;
    return operation_id == OSSL_OP_STORE ? cwms_stores : NULL;
}

/*- Reason strings ------------------------------------------------------ */

/* The core's reason table as OSSL_ITEMs; id 0 ends the list, so CWMS_R_NONE stays out. */
static OSSL_ITEM *build_reasons(void)
{
    CWMS_REASON reason;
    const char *text;
    size_t n = 0, o = 0;
    OSSL_ITEM *items;

    while (cwms_reason_at(n, &reason, &text))
        n++;
    if ((items = OPENSSL_zalloc((n + 1) * sizeof(*items))) == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (cwms_reason_at(i, &reason, &text) && reason != CWMS_R_NONE) {
            items[o].id = (unsigned int)reason;
            items[o].ptr = (void *)text;
            o++;
        }
    }
    return items;
}

static const OSSL_ITEM *cwms_get_reason_strings(void *provctx)
{
    return ((CWMS_PROV_CTX *)provctx)->reasons;
}

/*- Init and teardown ----------------------------------------------------- */

static void cwms_teardown(void *provctx)
{
    CWMS_PROV_CTX *pc = provctx;

    if (pc == NULL)
        return;
    OSSL_PROVIDER_unload(pc->libctx_default);
    OSSL_LIB_CTX_free(pc->libctx);
    CRYPTO_THREAD_lock_free(pc->lock);
    OPENSSL_free(pc->cfg_version);
    OPENSSL_free(pc->cfg_path);
    OPENSSL_free(pc->cfg_trust);
    OPENSSL_free(pc->cfg_verify_depth);
    OPENSSL_free(pc->reasons);
    OPENSSL_free(pc);
}

/* Copies the provider section's cwms-* keys; values are checked when a store uses them. */
static int read_config(CWMS_PROV_CTX *pc, OSSL_FUNC_core_get_params_fn *get_params)
{
    char *version = NULL, *path = NULL, *trust = NULL, *depth = NULL;
    OSSL_PARAM req[] = { OSSL_PARAM_utf8_ptr("cwms-version", &version, 0),
                         OSSL_PARAM_utf8_ptr("cwms-path", &path, 0),
                         OSSL_PARAM_utf8_ptr("cwms-trust", &trust, 0),
                         OSSL_PARAM_utf8_ptr("cwms-verify-depth", &depth, 0), OSSL_PARAM_END };

    if (get_params == NULL || !get_params(pc->handle, req))
        return 1; /* no configuration: built-in defaults */
    if ((version != NULL && (pc->cfg_version = OPENSSL_strdup(version)) == NULL)
        || (path != NULL && (pc->cfg_path = OPENSSL_strdup(path)) == NULL)
        || (trust != NULL && (pc->cfg_trust = OPENSSL_strdup(trust)) == NULL)
        || (depth != NULL && (pc->cfg_verify_depth = OPENSSL_strdup(depth)) == NULL))
        return 0;
    return 1;
}

static const OSSL_DISPATCH cwms_dispatch[] = {
    { OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))cwms_teardown },
    { OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, (void (*)(void))cwms_gettable_params },
    { OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))cwms_get_params },
    { OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))cwms_query },
    { OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, (void (*)(void))cwms_get_reason_strings },
    { 0, NULL }
};

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                       const OSSL_DISPATCH **out, void **provctx)
{
    OSSL_FUNC_core_get_params_fn *get_params = NULL;
    OSSL_FUNC_core_get_libctx_fn *get_libctx = NULL;
    CWMS_PROV_CTX *pc = OPENSSL_zalloc(sizeof(*pc));

    if (pc == NULL)
        return 0;
    pc->handle = handle;
    for (; in->function_id != 0; in++) {
        switch (in->function_id) {
        case OSSL_FUNC_CORE_GET_PARAMS:
            get_params = OSSL_FUNC_core_get_params(in);
            break;
        case OSSL_FUNC_CORE_GET_LIBCTX:
            get_libctx = OSSL_FUNC_core_get_libctx(in);
            break;
        case OSSL_FUNC_CORE_NEW_ERROR:
            pc->new_error = OSSL_FUNC_core_new_error(in);
            break;
        case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
            pc->set_error_debug = OSSL_FUNC_core_set_error_debug(in);
            break;
        case OSSL_FUNC_CORE_VSET_ERROR:
            pc->vset_error = OSSL_FUNC_core_vset_error(in);
            break;
        case OSSL_FUNC_CORE_SET_ERROR_MARK:
            pc->set_error_mark = OSSL_FUNC_core_set_error_mark(in);
            break;
        case OSSL_FUNC_CORE_POP_ERROR_TO_MARK:
            pc->pop_error_to_mark = OSSL_FUNC_core_pop_error_to_mark(in);
            break;
        default:
            break;
        }
    }
    if (get_libctx != NULL)
        pc->core_libctx = get_libctx(handle);
    if ((pc->lock = CRYPTO_THREAD_lock_new()) == NULL || (pc->reasons = build_reasons()) == NULL
        || !read_config(pc, get_params)) {
        cwms_teardown(pc);
        return 0;
    }
    *out = cwms_dispatch;
    *provctx = pc;
    return 1;
}
