/*
 * From inputs already read to a bundle (chain.h: cwms_chain_build):
 * leaf -> candidate paths -> ranking -> checks -> order; and the options
 * and result of bundle.h.
 */
#include "chain.h"
#include "checks/check.h"
#include "order/order.h"
#include "paths/explain.h"
#include "paths/leaf.h"
#include "paths/rank.h"

#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>

void cwms_options_init(CWMS_OPTIONS *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->order = CWMS_ORDER_ROOT_FIRST;   /* every CWMS since 2.5 */
    opts->path = CWMS_PATH_COMPLETE;
    opts->attime = (int64_t)time(NULL);
}

void cwms_bundle_free(CWMS_BUNDLE *b)
{
    if (b == NULL)
        return;
    EVP_PKEY_free(b->key);
    OPENSSL_free(b->key_origin);
    cwms_explain_free(b->explain);
    for (size_t i = 0; i < b->n_certs; i++)
        X509_free(b->certs[i]);
    OPENSSL_free(b->certs);
    OPENSSL_free(b);
}

static CWMS_BUNDLE *make_bundle(const CWMS_OPTIONS *opts, const CWMS_PATH *path,
                                const CWMS_KEY *key, CWMS_DIAG *diag)
{
    CWMS_BUNDLE *b = OPENSSL_zalloc(sizeof(*b));

    if (b == NULL)
        goto oom;
    b->order = opts->order;
    b->root_dropped = !opts->include_root && path->self_signed_end && path->len > 1;
    if (!cwms_order_path(path, !opts->include_root, opts->order, &b->certs, &b->n_certs,
                         &b->leaf_index))
        goto oom;
    if (key != NULL) {
        if (!EVP_PKEY_up_ref(key->pkey))
            goto oom;
        b->key = key->pkey;
        if (key->origin != NULL && (b->key_origin = OPENSSL_strdup(key->origin)) == NULL)
            goto oom;
    }
    return b;
 oom:
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
    cwms_bundle_free(b);
    return NULL;
}

/*
 * Without a key, several end-entity certificates are ambiguous — unless
 * only one of them has an anchored path among the inputs: a certificate
 * the inputs cannot chain (a stray server certificate in a CA's issuer
 * pool) is not a candidate anyone means. Returns the one, or NULL to let
 * cwms_leaf_choose report the ambiguity.
 */
static CWMS_CERT *only_anchored_end_entity(const CWMS_OPTIONS *opts, const CWMS_POOL *pool,
                                           CWMS_GRAPH *g, CWMS_DIAG *diag)
{
    CWMS_CERT *cands[16], *found = NULL;
    size_t n = cwms_leaf_end_entities(opts, pool, cands, 16), anchored = 0;
    CWMS_PATH path;

    if (!opts->no_key || opts->has_leaf_sha256 || n < 2 || n > 16)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        /* Quietly: failures here only mean "not this one". */
        if (cwms_rank_choose(g, cands[i], opts->path, &path, NULL, NULL)) {
            anchored++;
            found = cands[i];
        }
    }
    if (anchored != 1)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (cands[i] != found)
            cwms_leaf_note_ignored(diag, cands[i], "no anchored chain among the inputs, "
                                   "so it is not the server certificate meant here");
    return found;
}

int cwms_chain_build(const CWMS_OPTIONS *opts, const CWMS_POOL *pool,
                     const CWMS_KEY *keys, size_t n_keys, const char *key_source,
                     CWMS_DIAG *diag, CWMS_BUNDLE **out)
{
    CWMS_TRUST *trust;

    *out = NULL;
    ERR_set_mark();
    trust = cwms_trust_new(opts->trust_file, opts->libctx, opts->propq, diag);
    ERR_pop_to_mark();
    if (trust == NULL)
        return 0;
    return cwms_chain_build_trusted(opts, pool, trust, keys, n_keys, key_source, diag, out);
}

int cwms_chain_build_trusted(const CWMS_OPTIONS *opts, const CWMS_POOL *pool, CWMS_TRUST *trust,
                             const CWMS_KEY *keys, size_t n_keys, const char *key_source,
                             CWMS_DIAG *diag, CWMS_BUNDLE **out)
{
    CWMS_GRAPH *g = NULL;
    CWMS_CERT *leaf;
    const CWMS_KEY *key;
    CWMS_PATH path;
    int ok = 0;

    *out = NULL;
    /*
     * Lookups that may fail on the way (decoding, extensions, hashed
     * directories) must not leave errors behind: the diag is the report,
     * and the provider would print a stale queue after a success.
     */
    ERR_set_mark();
    if ((g = cwms_graph_new(pool, trust, opts->attime, opts->work_budget)) == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        goto end;
    }
    key = NULL;
    if ((leaf = only_anchored_end_entity(opts, pool, g, diag)) == NULL
        && !cwms_leaf_choose(opts, pool, keys, n_keys, key_source, diag, &leaf, &key))
        goto end;
    if (!cwms_rank_choose(g, leaf, opts->path, &path, NULL, diag))
        goto end;
    if (!cwms_check_path(opts, g, trust, &path, key, diag))
        goto end;
    if (!opts->include_root && path.self_signed_end && path.len > 1) {
        char *root = cwms_name_oneline(cwms_cert_subject(path.certs[path.len - 1]));

        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE,
                      "left out the self-signed root '%s': CWMS has its own copy "
                      "(--include-root keeps it)", root ? root : "?");
        OPENSSL_free(root);
    }
    if (opts->strict)
        cwms_diag_promote_warnings(diag);
    if (cwms_diag_first_error(diag) != NULL)
        goto end;
    if ((*out = make_bundle(opts, &path, key, diag)) == NULL)
        goto end;
    if (opts->explain && !cwms_explain_attach(*out, opts, g, &path)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        cwms_bundle_free(*out);
        *out = NULL;
        goto end;
    }
    ok = 1;
 end:
    cwms_graph_free(g);
    cwms_trust_free(trust);
    ERR_pop_to_mark();
    return ok;
}
