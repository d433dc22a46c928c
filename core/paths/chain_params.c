/* SPDX-License-Identifier: Apache-2.0 */
/* The chain build's parameters, from the front's options: see chain_params.h. */
#include "paths/chain_params.h"

#include <string.h>

#include "cwms/bundle.h"

void cwms_chain_params_init(CWMS_CHAIN_PARAMS *cp, const CWMS_OPTIONS *opts)
{
    memset(cp, 0, sizeof(*cp));
    cp->attime = opts->attime;
    cp->front = opts->front;
    cp->libctx = opts->libctx;
    cp->propq = opts->propq;
    cp->no_key = opts->no_key;
    cp->has_leaf_sha256 = opts->has_leaf_sha256;
    memcpy(cp->leaf_sha256, opts->leaf_sha256, sizeof(cp->leaf_sha256));
    cp->leaf_subject = opts->leaf_subject;
    cp->strict = opts->strict;
    cp->has_verify_depth = opts->has_verify_depth;
    cp->verify_depth = opts->verify_depth;
    cp->has_warn_days = opts->has_warn_days;
    cp->warn_days = opts->warn_days;
    cp->hosts = opts->hosts;
    cp->n_hosts = opts->n_hosts;
    cp->site = opts->site;
    cp->site_rules = opts->site_rules;
}
