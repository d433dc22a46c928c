/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pkcs11: store loader: private keys (by value, PKCS#8 DER) and
 * certificates (DER) from PKCS#11 tokens, for `openssl pkey`, `x509` and
 * `storeutl` with -keys / -certs / -passin.
 */
#include <string.h>
#include <strings.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/store.h>

#include "cwms_p11.h"
#include "cwms_prov.h"
#include "cwms/diag.h"
#include "cwms/inputs.h"
#include "cwms/pass.h"
#include "store_common.h"

static OSSL_FUNC_store_open_fn p11_store_open;
static OSSL_FUNC_store_settable_ctx_params_fn p11_store_settable_ctx_params;
static OSSL_FUNC_store_set_ctx_params_fn p11_store_set_ctx_params;
static OSSL_FUNC_store_load_fn p11_store_load;
static OSSL_FUNC_store_eof_fn p11_store_eof;
static OSSL_FUNC_store_close_fn p11_store_close;

/*
 * Design: a thin loader over the core's inputs, which read tokens through
 * the PKCS#11 helper (cwms_inputs_add_pkcs11: RFC 7512 URI, p11-kit
 * module registry, login, key export). Open only checks the scheme — the
 * token is not touched until the first load, which reads everything the
 * URI names, encodes it, and hands out the keys first, then the
 * certificates in the order the token listed them. PINs come from the
 * URI or through OpenSSL's passphrase callback (-passin), asked for once
 * per store context. A key that may not leave the token is an error
 * ("not extractable"), never silently skipped.
 *
 * pkcs11-provider also registers a pkcs11: loader; with both loaded,
 * `-propquery provider=cwms` picks this one.
 */

struct p11_store_ctx_st {
    CWMS_PROV_CTX *pc;
    char *uri;
    char *shown; /* uri with any pin-value masked, for messages */
    int expect;  /* OSSL_STORE_PARAM_EXPECT, 0 = anything */
    CWMS_STORE_PW pw;
    CWMS_PASS *pass;
    CWMS_STORE_QUEUE queue;
};

static void p11_ctx_free(struct p11_store_ctx_st *ctx)
{
    if (ctx == NULL)
        return;
    cwms_store_queue_clear(&ctx->queue);
    cwms_pass_free(ctx->pass);
    if (ctx->uri != NULL) /* may hold a pin-value */
        OPENSSL_clear_free(ctx->uri, strlen(ctx->uri));
    OPENSSL_free(ctx->shown);
    OPENSSL_free(ctx);
}

/*- Opening --------------------------------------------------------------- */

static void *p11_store_open(void *provctx, const char *uri)
{
    CWMS_PROV_CTX *pc = provctx;
    struct p11_store_ctx_st *ctx;

    if (strncasecmp(uri, "pkcs11:", 7) != 0) {
        CWMS_PROV_RAISE(pc, CWMS_R_USAGE, "not a pkcs11: URI");
        return NULL;
    }
    if ((ctx = OPENSSL_zalloc(sizeof(*ctx))) == NULL || (ctx->uri = OPENSSL_strdup(uri)) == NULL
        || (ctx->shown = cwms_p11_uri_mask(uri)) == NULL /* no pin-value, misspelt or not */
        || (ctx->pass = cwms_pass_new(cwms_store_pass_cb, &ctx->pw)) == NULL) {
        CWMS_PROV_RAISE(pc, CWMS_R_INTERNAL, "out of memory");
        p11_ctx_free(ctx);
        return NULL;
    }
    ctx->pc = pc;
    return ctx;
}

/*- Setting parameters ---------------------------------------------------- */

static const OSSL_PARAM *p11_store_settable_ctx_params(void *provctx)
{
    static const OSSL_PARAM known[] = {
        OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL),
        OSSL_PARAM_utf8_string(OSSL_STORE_PARAM_PROPERTIES, NULL, 0), OSSL_PARAM_END
    };

    (void)provctx;
    return known;
}

static int p11_store_set_ctx_params(void *loaderctx, const OSSL_PARAM params[])
{
    struct p11_store_ctx_st *ctx = loaderctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    /* The application's property query means nothing in the private library context. */
    p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT);
    if (p != NULL && !OSSL_PARAM_get_int(p, &ctx->expect))
        return 0;
    return 1;
}

/*- Loading ---------------------------------------------------------------- */

/* Reads the token objects once and queues them (a cwms_store_build_fn). */
static int p11_build(void *loaderctx, CWMS_STORE_QUEUE *q)
{
    struct p11_store_ctx_st *ctx = loaderctx;
    CWMS_READ_CTX rctx = { NULL, NULL, ctx->pass, CWMS_FRONT_URI };
    CWMS_INPUTS *in = NULL;
    CWMS_DIAG *diag = NULL;
    int read, ok = 0;

    if ((rctx.libctx = cwms_prov_libctx(ctx->pc)) == NULL)
        return 0;
    if ((in = cwms_inputs_new()) == NULL || (diag = cwms_diag_new()) == NULL) {
        CWMS_PROV_RAISE(ctx->pc, CWMS_R_INTERNAL, "out of memory");
        goto end;
    }
    /* Only diag speaks: modules leave unrelated errors on the queue (store_cwms.c). */
    ERR_set_mark();
    read = cwms_inputs_add_pkcs11(in, ctx->uri, &rctx, diag);
    ERR_pop_to_mark();
    if (!read) {
        cwms_prov_report_diag(ctx->pc, ctx->shown, diag);
        CWMS_PROV_RAISE_DIAG(ctx->pc, diag);
        goto end;
    }
    cwms_prov_report_diag(ctx->pc, ctx->shown, diag);
    for (size_t i = 0; i < cwms_inputs_key_count(in); i++)
        if (!cwms_store_queue_key(q, ctx->pc, cwms_inputs_get0_key(in, i), ctx->expect,
                                  cwms_inputs_get0_key_origin(in, i)))
            goto end;
    for (size_t i = 0; i < cwms_inputs_cert_count(in); i++) {
        size_t der_len;
        const unsigned char *der = cwms_cert_get0_der(cwms_inputs_get0_cert(in, i), &der_len);

        if (!cwms_store_queue_cert(q, ctx->pc, der, der_len, ctx->expect))
            goto end;
    }
    ok = 1;
end:
    cwms_diag_free(diag);
    cwms_inputs_free(in);
    return ok;
}

static int p11_store_load(void *loaderctx, OSSL_CALLBACK *object_cb, void *object_cbarg,
                          OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    struct p11_store_ctx_st *ctx = loaderctx;

    /* PINs asked through ctx->pass reach OpenSSL's callback through ctx->pw. */
    ctx->pw.cb = pw_cb;
    ctx->pw.cbarg = pw_cbarg;
    return cwms_store_queue_load(&ctx->queue, p11_build, ctx, object_cb, object_cbarg);
}

/*- eof and close ---------------------------------------------------------- */

static int p11_store_eof(void *loaderctx)
{
    return cwms_store_queue_eof(&((struct p11_store_ctx_st *)loaderctx)->queue);
}

static int p11_store_close(void *loaderctx)
{
    p11_ctx_free(loaderctx);
    return 1;
}

const OSSL_DISPATCH cwms_store_pkcs11_functions[] = {
    { OSSL_FUNC_STORE_OPEN, (void (*)(void))p11_store_open },
    { OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS, (void (*)(void))p11_store_settable_ctx_params },
    { OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))p11_store_set_ctx_params },
    { OSSL_FUNC_STORE_LOAD, (void (*)(void))p11_store_load },
    { OSSL_FUNC_STORE_EOF, (void (*)(void))p11_store_eof },
    { OSSL_FUNC_STORE_CLOSE, (void (*)(void))p11_store_close },
    { 0, NULL }
};
