/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cwms: store loader: the CWMS bundle (key, then chain in CWMS order)
 * through plain `openssl storeutl`, `pkey`, `x509` and `pkcs12 -export`.
 */
#include <string.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include "cwms/bundle.h"
#include "cwms_prov.h"
#include "cwms_uri.h"
#include "cwms/diag.h"
#include "cwms/options.h"
#include "cwms/pass.h"
#include "store_common.h"

static OSSL_FUNC_store_open_fn cwms_store_open;
static OSSL_FUNC_store_settable_ctx_params_fn cwms_store_settable_ctx_params;
static OSSL_FUNC_store_set_ctx_params_fn cwms_store_set_ctx_params;
static OSSL_FUNC_store_load_fn cwms_store_load;
static OSSL_FUNC_store_eof_fn cwms_store_eof;
static OSSL_FUNC_store_close_fn cwms_store_close;

/*
 * Design: open parses the URI and nothing else (a bad parameter fails
 * there, naming it). The first load runs the bundle core exactly as the
 * CLI does — fill a CWMS_OPTIONS, cwms_bundle_build — in the provider's
 * private library context, encodes every object it will hand out (key as
 * PKCS#8 DER, then the certificates as DER in the bundle's order) and
 * only then hands out the first: if anything fails, nothing of a
 * half-built bundle reaches the application. Each later load hands out
 * the next object.
 *
 * A failed build shows its error on that load and ends the stream on the
 * next (see CWMS_STORE_STATE in store_common.h for why not at once).
 *
 * Precedence of settings: URI parameter, then the provider's openssl.cnf
 * keys (cwms-version, cwms-path, cwms-trust, cwms-verify-depth), then the core's defaults
 * (root-first, complete, OpenSSL's default trust).
 */

struct cwms_store_ctx_st {
    CWMS_PROV_CTX *pc;
    char *uri_text; /* as given but PINs masked, for messages */
    CWMS_URI *uri;
    int expect;             /* OSSL_STORE_PARAM_EXPECT, 0 = anything */
    X509_NAME *subject;     /* OSSL_STORE_PARAM_SUBJECT: selects the leaf */
    CWMS_STORE_PW pw;       /* the passphrase callback of the current load */
    CWMS_PASS *pass;        /* answers cached for the life of this context */
    CWMS_STORE_QUEUE queue; /* what the build produced, and where the stream is */
};

static void store_ctx_free(struct cwms_store_ctx_st *ctx)
{
    if (ctx == NULL)
        return;
    cwms_store_queue_clear(&ctx->queue);
    cwms_pass_free(ctx->pass);
    X509_NAME_free(ctx->subject);
    cwms_uri_free(ctx->uri);
    OPENSSL_free(ctx->uri_text);
    OPENSSL_free(ctx);
}

/*- Opening --------------------------------------------------------------- */

static void *cwms_store_open(void *provctx, const char *uri)
{
    CWMS_PROV_CTX *pc = provctx;
    struct cwms_store_ctx_st *ctx;
    char *err = NULL;

    if ((ctx = OPENSSL_zalloc(sizeof(*ctx))) == NULL
        || (ctx->uri_text = cwms_uri_redact(uri)) == NULL
        || (ctx->pass = cwms_pass_new(cwms_store_pass_cb, &ctx->pw)) == NULL) {
        CWMS_PROV_RAISE(pc, CWMS_R_INTERNAL, "out of memory");
        store_ctx_free(ctx);
        return NULL;
    }
    ctx->pc = pc;
    if ((ctx->uri = cwms_uri_parse(uri, &err)) == NULL) {
        /*
         * Our error alone (not after OpenSSL's tries of the URI as a file and a
         * legacy scheme), naming the parameter, the URI not repeated: the user
         * has it, and it may be long.
         */
        cwms_prov_drop_tried_schemes(pc);
        CWMS_PROV_RAISE(pc, err != NULL ? CWMS_R_USAGE : CWMS_R_INTERNAL, "cwms: URI: %s",
                        err != NULL ? err : "out of memory");
        OPENSSL_free(err);
        store_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

/*- Setting parameters ---------------------------------------------------- */

static const OSSL_PARAM *cwms_store_settable_ctx_params(void *provctx)
{
    static const OSSL_PARAM known[] = {
        OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL),
        OSSL_PARAM_octet_string(OSSL_STORE_PARAM_SUBJECT, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_STORE_PARAM_PROPERTIES, NULL, 0), OSSL_PARAM_END
    };

    (void)provctx;
    return known;
}

static int cwms_store_set_ctx_params(void *loaderctx, const OSSL_PARAM params[])
{
    struct cwms_store_ctx_st *ctx = loaderctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    /*
     * OSSL_STORE_PARAM_PROPERTIES is the application's property query; it
     * means nothing in the private library context, so it is accepted and
     * left alone.
     */
    p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT);
    if (p != NULL && !OSSL_PARAM_get_int(p, &ctx->expect))
        return 0;
    p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_SUBJECT);
    if (p != NULL) {
        const void *der = NULL;
        size_t len = 0;
        const unsigned char *q;

        if (!OSSL_PARAM_get_octet_string_ptr(p, &der, &len))
            return 0;
        q = der;
        X509_NAME_free(ctx->subject);
        if ((ctx->subject = d2i_X509_NAME(NULL, &q, (long)len)) == NULL) {
            CWMS_PROV_RAISE(ctx->pc, CWMS_R_USAGE,
                            "'%s': the subject to search for "
                            "is not a DER name",
                            ctx->uri_text);
            return 0;
        }
    }
    return 1;
}

/*- Loading ---------------------------------------------------------------- */

/* The inputs: PATH first (when not empty), then each in= in order. */
static const char **collect_inputs(const CWMS_URI *u, size_t *n)
{
    const char **inputs = OPENSSL_zalloc((u->n_in + 1) * sizeof(*inputs));

    *n = 0;
    if (inputs == NULL)
        return NULL;
    if (u->path[0] != '\0')
        inputs[(*n)++] = u->path;
    for (size_t i = 0; i < u->n_in; i++)
        inputs[(*n)++] = u->in[i];
    return inputs;
}

/* URI parameters over openssl.cnf keys over the core's defaults. 1, or 0 with an error raised. */
static int apply_settings(struct cwms_store_ctx_st *ctx, CWMS_OPTIONS *opts)
{
    const CWMS_PROV_CTX *pc = ctx->pc;
    const CWMS_URI *u = ctx->uri;
    char msg[CWMS_OPTION_ERROR_SIZE];

    if (u->has_order) {
        opts->order = u->order;
    } else if (pc->cfg_version != NULL && !cwms_order_for_version(pc->cfg_version, &opts->order)) {
        CWMS_PROV_RAISE(pc, CWMS_R_USAGE, "openssl.cnf, cwms provider section: %s",
                        cwms_option_error(CWMS_OPTION_VERSION, "cwms-version", pc->cfg_version, msg,
                                          sizeof(msg)));
        return 0;
    }
    if (u->has_path_choice) {
        opts->path = u->path_choice;
    } else if (pc->cfg_path != NULL && !cwms_parse_path_choice(pc->cfg_path, &opts->path)) {
        CWMS_PROV_RAISE(pc, CWMS_R_USAGE, "openssl.cnf, cwms provider section: %s",
                        cwms_option_error(CWMS_OPTION_PATH, "cwms-path", pc->cfg_path, msg,
                                          sizeof(msg)));
        return 0;
    }
    if (u->has_verify_depth) {
        opts->has_verify_depth = 1;
        opts->verify_depth = u->verify_depth;
    } else if (pc->cfg_verify_depth != NULL) {
        if (!cwms_parse_verify_depth(pc->cfg_verify_depth, &opts->verify_depth)) {
            CWMS_PROV_RAISE(pc, CWMS_R_USAGE, "openssl.cnf, cwms provider section: %s",
                            cwms_option_error(CWMS_OPTION_VERIFY_DEPTH, "cwms-verify-depth",
                                              pc->cfg_verify_depth, msg, sizeof(msg)));
            return 0;
        }
        opts->has_verify_depth = 1;
    }
    opts->trust_file = u->trust != NULL ? u->trust : pc->cfg_trust;
    opts->key_source = u->key;
    opts->no_key = u->no_key;
    opts->fetch = u->fetch;
    opts->include_root = u->include_root;
    if (u->has_attime)
        opts->attime = u->attime;
    if (u->has_leaf) {
        opts->has_leaf_sha256 = 1;
        memcpy(opts->leaf_sha256, u->leaf_sha256, sizeof(opts->leaf_sha256));
    }
    opts->leaf_subject = ctx->subject;
    opts->pass = ctx->pass;
    opts->front = CWMS_FRONT_URI;
    return 1;
}

/* Encodes the bundle into q: the key first, then the certificates in order. */
static int queue_bundle(struct cwms_store_ctx_st *ctx, CWMS_STORE_QUEUE *q, const CWMS_BUNDLE *b)
{
    if (b->key != NULL && !cwms_store_queue_key(q, ctx->pc, b->key, ctx->expect, b->key_origin))
        return 0;
    for (size_t i = 0; i < b->n_certs; i++) {
        unsigned char *der = NULL;
        int len = i2d_X509(b->certs[i], &der);
        int ok;

        if (len <= 0) {
            CWMS_PROV_RAISE(ctx->pc, CWMS_R_INTERNAL,
                            "cannot encode certificate %zu of "
                            "the bundle",
                            i + 1);
            return 0;
        }
        ok = cwms_store_queue_cert(q, ctx->pc, der, (size_t)len, ctx->expect);
        OPENSSL_free(der);
        if (!ok)
            return 0;
    }
    return 1;
}

/* Runs the core once (a cwms_store_build_fn). */
static int build(void *loaderctx, CWMS_STORE_QUEUE *q)
{
    struct cwms_store_ctx_st *ctx = loaderctx;
    CWMS_OPTIONS opts;
    CWMS_DIAG *diag = NULL;
    CWMS_BUNDLE *bundle = NULL;
    const char **inputs = NULL;
    size_t n_inputs = 0;
    int built, ok = 0;

    cwms_options_init(&opts);
    if ((opts.libctx = cwms_prov_libctx(ctx->pc)) == NULL)
        return 0;
    opts.max_threads = cwms_prov_max_threads(ctx->pc);
    if (!apply_settings(ctx, &opts))
        return 0;
    if ((inputs = collect_inputs(ctx->uri, &n_inputs)) == NULL
        || (diag = cwms_diag_new()) == NULL) {
        CWMS_PROV_RAISE(ctx->pc, CWMS_R_INTERNAL, "out of memory");
        goto end;
    }
    opts.inputs = inputs;
    opts.n_inputs = n_inputs;

    /*
     * The core reports into diag; whatever libcrypto or a PKCS#11 module
     * (SoftHSM probing for engines, a failed decrypt) leaves on the error
     * queue meanwhile is noise that would bury the real message.
     */
    ERR_set_mark();
    built = cwms_bundle_build(&opts, diag, &bundle);
    ERR_pop_to_mark();
    if (!built) {
        cwms_prov_report_diag(ctx->pc, ctx->uri_text, diag);
        CWMS_PROV_RAISE_DIAG(ctx->pc, diag);
        goto end;
    }
    cwms_prov_report_diag(ctx->pc, ctx->uri_text, diag);
    ok = queue_bundle(ctx, q, bundle);
end:
    cwms_bundle_free(bundle);
    cwms_diag_free(diag);
    OPENSSL_free(inputs);
    return ok;
}

static int cwms_store_load(void *loaderctx, OSSL_CALLBACK *object_cb, void *object_cbarg,
                           OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    struct cwms_store_ctx_st *ctx = loaderctx;

    /* The core asks through ctx->pass, which reaches OpenSSL's callback through ctx->pw. */
    ctx->pw.cb = pw_cb;
    ctx->pw.cbarg = pw_cbarg;
    return cwms_store_queue_load(&ctx->queue, build, ctx, object_cb, object_cbarg);
}

/*- eof and close ---------------------------------------------------------- */

static int cwms_store_eof(void *loaderctx)
{
    return cwms_store_queue_eof(&((struct cwms_store_ctx_st *)loaderctx)->queue);
}

static int cwms_store_close(void *loaderctx)
{
    store_ctx_free(loaderctx);
    return 1;
}

const OSSL_DISPATCH cwms_store_cwms_functions[] = {
    { OSSL_FUNC_STORE_OPEN, (void (*)(void))cwms_store_open },
    { OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS, (void (*)(void))cwms_store_settable_ctx_params },
    { OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))cwms_store_set_ctx_params },
    { OSSL_FUNC_STORE_LOAD, (void (*)(void))cwms_store_load },
    { OSSL_FUNC_STORE_EOF, (void (*)(void))cwms_store_eof },
    { OSSL_FUNC_STORE_CLOSE, (void (*)(void))cwms_store_close },
    { 0, NULL }
};
