/*
 * The bundle core's entry point (bundle.h): reading the inputs and handing
 * them to the chain build (build.c, which also holds cwms_options_init and
 * cwms_bundle_free so that code using only those does not pull in the
 * input readers).
 */
#include "bundle.h"

#include <string.h>

#include "chain.h"
#include "input.h"

int cwms_bundle_build(const CWMS_OPTIONS *opts, CWMS_DIAG *diag, CWMS_BUNDLE **out)
{
    CWMS_INPUTS *in = cwms_inputs_new();
    CWMS_READ_CTX rctx;
    size_t first_key = 0;
    int ok = 1;

    *out = NULL;
    if (in == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    rctx.libctx = opts->libctx;
    rctx.propq = opts->propq;
    rctx.pass = opts->pass;
    /* Read everything before failing, so one run names every unreadable input. */
    for (size_t i = 0; i < opts->n_inputs; i++)
        ok &= cwms_inputs_add_source(in, opts->inputs[i], &rctx, diag);
    if (ok && opts->key_source != NULL && !opts->no_key) {
        /* --key wins over keys among the inputs; certificates it holds join the pool. */
        first_key = in->n_keys;
        ok = cwms_inputs_add_source(in, opts->key_source, &rctx, diag);
        for (size_t k = 0; ok && k < first_key; k++)
            cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE,
                          "ignoring the private key from '%s': --key gives the key", in->keys[k].origin);
    }
    if (ok)
        ok = cwms_chain_build(opts, in->pool, in->keys + first_key, in->n_keys - first_key,
                              opts->no_key ? NULL : opts->key_source, diag, out);
    cwms_inputs_free(in);
    return ok;
}
