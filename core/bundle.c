/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bundle core's entry point (bundle.h): reading the inputs and handing
 * them to the chain build (chain.c). The options' defaults are options.c's
 * (cwms_options_init), the bundle's making and freeing bundle_life.c's, so
 * that code using only those does not pull in the input readers.
 */
#include "cwms/bundle.h"

#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "chain.h"
#include "input/input.h"
#include "index/trust.h"
#include "input/fetch.h"
#include "paths/leaf.h"

/*
 * An explicit trust file is read on a second thread while the inputs are
 * read: the two are independent, and with a root bundle beside an issuer
 * pool (the benchmark's: 340 roots, 1,265 intermediates) the trust
 * file is about a fifth of the work. The default trust store is lazy and
 * opens in no time, so it stays on this thread. The thread reports into
 * its own diag, appended after the inputs' messages. Only when the caller
 * allows threads (opts->max_threads) and the file is big enough to pay for
 * a thread: a few roots read faster here than a thread starts (and the two
 * threads' first OpenSSL calls contend for the same locks).
 */
#define TRUST_THREAD_MIN ((off_t)64 * 1024)

typedef struct trust_load_st {
    const CWMS_OPTIONS *opts;
    CWMS_DIAG *diag;
    CWMS_TRUST *trust;
} TRUST_LOAD;

static void *trust_load(void *arg)
{
    TRUST_LOAD *tl = arg;

    tl->trust = cwms_trust_new(tl->opts->trust_file, tl->opts->front, tl->opts->libctx,
                               tl->opts->propq, tl->diag);
    /* Whatever the lookups left on this thread's queue is reported in tl->diag already. */
    ERR_clear_error();
    OPENSSL_thread_stop();
    return NULL;
}

/*
 * Starts reading the trust file; 1 when a thread runs it, 0 when the
 * caller must (no file, no thread allowed, or none could be started).
 */
static int trust_load_start(TRUST_LOAD *tl, pthread_t *thread)
{
    struct stat st;

    if (tl->opts->trust_file == NULL || tl->opts->max_threads < 1
        || stat(tl->opts->trust_file, &st) != 0 || !S_ISREG(st.st_mode)
        || st.st_size < TRUST_THREAD_MIN || (tl->diag = cwms_diag_new()) == NULL)
        return 0;
    if (pthread_create(thread, NULL, trust_load, tl) != 0) {
        cwms_diag_free(tl->diag);
        tl->diag = NULL;
        return 0;
    }
    return 1;
}

/* The trust store, from the thread or opened here; NULL with an error in diag. */
static CWMS_TRUST *trust_load_finish(TRUST_LOAD *tl, int started, pthread_t thread, CWMS_DIAG *diag)
{
    if (!started) {
        CWMS_TRUST *trust;

        ERR_set_mark();
        trust = cwms_trust_new(tl->opts->trust_file, tl->opts->front, tl->opts->libctx,
                               tl->opts->propq, diag);
        ERR_pop_to_mark();
        return trust;
    }
    pthread_join(thread, NULL);
    cwms_diag_append(diag, tl->diag);
    cwms_diag_free(tl->diag);
    tl->diag = NULL;
    return tl->trust;
}

/* A missing issuer whose URL the certificate gives: say that --fetch would download it. */
static void fetch_hint(const CWMS_OPTIONS *opts, CWMS_DIAG *diag)
{
    const CWMS_MSG *m = cwms_diag_first_error(diag);

    /* --fetch downloads over http: only (fetch.c). */
    if (opts->fetch || m == NULL || m->reason != CWMS_R_MISSING_INTERMEDIATE || m->url == NULL
        || strncmp(m->url, "http:", 5) != 0)
        return;
    cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE,
                  "%s downloads it from there, checks that it "
                  "issued the certificate and uses it",
                  cwms_option_name(opts->front, CWMS_OPT_FETCH));
}

int cwms_bundle_build(const CWMS_OPTIONS *opts, CWMS_DIAG *diag, CWMS_BUNDLE **out)
{
    return cwms_bundle_build_explained(opts, diag, out, NULL);
}

int cwms_bundle_build_explained(const CWMS_OPTIONS *opts, CWMS_DIAG *diag, CWMS_BUNDLE **out,
                                CWMS_EXPLAIN **partial)
{
    CWMS_INPUTS *in = cwms_inputs_new();
    CWMS_READ_CTX rctx;
    TRUST_LOAD tl = { opts, NULL, NULL };
    CWMS_TRUST *trust;
    pthread_t thread;
    size_t first_key = 0;
    int ok = 1, threaded;

    *out = NULL;
    if (partial != NULL)
        *partial = NULL;
    if (in == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    threaded = trust_load_start(&tl, &thread);
    rctx.libctx = opts->libctx;
    rctx.propq = opts->propq;
    rctx.pass = opts->pass;
    rctx.front = opts->front;
    rctx.pin = opts->pin;
    /* The trust file's reader counts against the threads allowed. */
    rctx.max_threads = opts->max_threads - threaded;
    /* Read everything before failing, so one run names every unreadable input. */
    for (size_t i = 0; i < opts->n_inputs; i++)
        ok &= cwms_inputs_add_source(in, opts->inputs[i], &rctx, diag);
    if (ok && opts->key_source != NULL && !opts->no_key) {
        /* --key wins over keys among the inputs; certificates it holds join the pool. */
        first_key = in->n_keys;
        ok = cwms_inputs_add_source(in, opts->key_source, &rctx, diag);
        for (size_t k = 0; ok && k < first_key; k++)
            cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE,
                          "ignoring the private key from '%s': %s gives the key",
                          in->keys[k].origin, cwms_option_name(opts->front, CWMS_OPT_KEY));
    }
    trust = trust_load_finish(&tl, threaded, thread, diag);
    if (ok && trust != NULL && opts->fetch)
        ok = cwms_chain_fetch_issuers(opts, in->pool, in->keys + first_key, in->n_keys - first_key,
                                      trust, diag);
    if (ok && trust != NULL)
        ok = cwms_chain_build_trusted(opts, in->pool, trust, in->keys + first_key,
                                      in->n_keys - first_key,
                                      opts->no_key ? NULL : opts->key_source, diag, out, partial);
    else
        cwms_trust_free(trust);
    ok = ok && *out != NULL;
    fetch_hint(opts, diag);
    cwms_inputs_free(in);
    return ok;
}
