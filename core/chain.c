/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From inputs already read to a bundle (chain.h: cwms_chain_build):
 * leaf -> candidate paths -> ranking -> checks -> order; the bundle it
 * makes is bundle_life.c's.
 */
#include "chain.h"
#include "bundle_life.h"
#include "checks/check.h"
#include "checks/client_policy.h"
#include "checks/verify.h"
#include "cwms/options.h"
#include "input/fetch.h"
#include "paths/anchor.h"
#include "paths/explain.h"
#include "paths/leaf.h"
#include "paths/rank.h"
#include "paths/trace.h"
#include "paths/unknown_anchor.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

/*
 * Without a key, several end-entity certificates are ambiguous — unless
 * only one of them has an anchored path among the inputs: a certificate
 * the inputs cannot chain (a stray server certificate in a CA's issuer
 * pool) is not a candidate anyone means. Returns the one, or NULL to let
 * cwms_leaf_choose report the ambiguity.
 */
static CWMS_CERT *only_anchored_end_entity(const CWMS_CHAIN_PARAMS *cp, CWMS_PATH_CHOICE choice,
                                           const CWMS_POOL *pool, CWMS_GRAPH *g, CWMS_DIAG *diag)
{
    CWMS_CERT *cands[16], *found = NULL;
    size_t n = cwms_leaf_end_entities(cp, pool, cands, 16), anchored = 0;
    CWMS_PATH path;

    if (!cp->no_key || cp->has_leaf_sha256 || n < 2 || n > 16)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        /* Quietly: failures here only mean "not this one". */
        if (cwms_rank_choose(g, cands[i], choice, &path, NULL, NULL)) {
            anchored++;
            found = cands[i];
        }
    }
    if (anchored != 1)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (cands[i] != found)
            cwms_leaf_note_ignored(diag, cands[i],
                                   "no anchored chain among the inputs, "
                                   "so it is not the server certificate meant here");
    return found;
}

/* Candidates validation may try, best first; each costs one X509_verify_cert. */
#define MAX_CANDIDATES 16

/*
 * "the path of N certificate(s) up to 'X' (CA certificates SHA-256
 * 1a2b3c4d…, …)" for notes: alternatives often differ only in which copy
 * of a CA they carry, so each is named by its fingerprint (OPENSSL_free).
 */
static char *describe_path(const CWMS_PATH *p)
{
    char *top = cwms_name_oneline(cwms_cert_subject(p->certs[p->len - 1]));
    size_t len = (top != NULL ? strlen(top) : 1) + 96 + 12 * p->len, off;
    char *out = OPENSSL_malloc(len);

    if (out != NULL) {
        off = (size_t)snprintf(out, len,
                               "the path of %zu certificate(s) up to '%s' (CA "
                               "certificates SHA-256",
                               p->len, top != NULL ? top : "?");
        for (size_t i = 1; i < p->len && off < len; i++) {
            const unsigned char *h = cwms_cert_sha256(p->certs[i]);

            off +=
                (size_t)snprintf(out + off, len - off, "%s %02x%02x%02x%02x...", i > 1 ? "," : "",
                                 h ? h[0] : 0, h ? h[1] : 0, h ? h[2] : 0, h ? h[3] : 0);
        }
        if (off < len)
            snprintf(out + off, len - off, ")");
    }
    OPENSSL_free(top);
    return out;
}

/* Why a candidate was rejected: its first depth or client-policy error, else the verifier's. */
static char *rejection(const CWMS_DIAG *policy, const CWMS_VERIFY_RESULT *vr)
{
    const CWMS_MSG *m = cwms_diag_first_error(policy);

    return m != NULL ? OPENSSL_strdup(m->text) : cwms_verify_summary(vr);
}

/* A note for each of cands[from..to) saying why it was rejected. */
static void note_rejected(CWMS_DIAG *diag, const CWMS_PATH *cands, char *const *why, size_t from,
                          size_t to, const char *before, const char *after)
{
    for (size_t i = from; i < to; i++) {
        char *d = describe_path(&cands[i]);

        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE, "%s%s%s: %s", before, d ? d : "a path", after,
                      why[i] ? why[i] : "?");
        OPENSSL_free(d);
    }
}

/*
 * The first candidate, in rank order, that the path checks (--verify-depth
 * limit, links, dates, the anchor's trust), OpenSSL's verifier and the
 * client policy accept — under --strict without warnings either, so that
 * --strict takes a clean candidate rather than refuse a warning of a
 * better-ranked one; the best-ranked one when none is. Its verifier result goes to *vr. Notes
 * say which better-ranked candidates were passed over, or, when none
 * passes, what was wrong with each alternative.
 */
static size_t choose_valid(const CWMS_CHAIN_PARAMS *cp, CWMS_GRAPH *g, CWMS_TRUST *trust,
                           const CWMS_PATH *cands, size_t n, CWMS_DIAG *diag,
                           CWMS_VERIFY_RESULT *vr)
{
    char *why[MAX_CANDIDATES] = { NULL };
    size_t chosen = SIZE_MAX;
    CWMS_VERIFY_RESULT best;

    memset(&best, 0, sizeof(best));
    for (size_t i = 0; i < n && chosen == SIZE_MAX; i++) {
        CWMS_DIAG *policy = cwms_diag_new();
        CWMS_VERIFY_RESULT r;
        int ok = cwms_check_candidate(cp, g, trust, &cands[i], policy);

        ok &= cwms_client_policy_check(cp, g, &cands[i], policy);

        ok &= !cp->strict || cwms_diag_count_level(policy, CWMS_WARNING) == 0;
        ok &= cwms_verify_path(cp, trust, &cands[i], &r);
        if (policy == NULL)
            r.internal = 1, ok = 0;
        if (ok || r.internal) {
            chosen = i;
            *vr = r;
        } else {
            why[i] = rejection(policy, &r);
            if (i == 0)
                best = r;
            else
                cwms_verify_result_clear(&r);
        }
        cwms_diag_free(policy);
    }
    if (chosen != SIZE_MAX && chosen > 0) {
        char *d = describe_path(&cands[chosen]);

        note_rejected(diag, cands, why, 0, chosen, "passed over ", "");
        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE, "chose %s, which validates",
                      d ? d : "another path");
        OPENSSL_free(d);
        cwms_verify_result_clear(&best);
    } else if (chosen == SIZE_MAX) {
        note_rejected(diag, cands, why, 1, n, "the alternative ", " was rejected too");
        chosen = 0;
        *vr = best;
    } else {
        cwms_verify_result_clear(&best);
    }
    for (size_t i = 0; i < n; i++)
        OPENSSL_free(why[i]);
    return chosen;
}

int cwms_chain_build(const CWMS_OPTIONS *opts, const CWMS_POOL *pool, const CWMS_KEY *keys,
                     size_t n_keys, const char *key_source, CWMS_DIAG *diag, CWMS_BUNDLE **out)
{
    CWMS_TRUST *trust;

    *out = NULL;
    ERR_set_mark();
    trust = cwms_trust_new(opts->trust_file, opts->front, opts->libctx, opts->propq, diag);
    ERR_pop_to_mark();
    if (trust == NULL)
        return 0;
    return cwms_chain_build_trusted(opts, pool, trust, keys, n_keys, key_source, diag, out, NULL);
}

/*
 * The anchored candidates, best first; for `check` (opts->unknown_anchor),
 * when none is anchored because an issuer is missing, the one path
 * unknown_anchor.h judges the file by, its verdict replacing rank's.
 */
static size_t candidates(const CWMS_OPTIONS *opts, CWMS_GRAPH *g, CWMS_TRUST *trust,
                         CWMS_CERT *leaf, CWMS_PATH *cands, CWMS_DIAG *diag)
{
    CWMS_DIAG *rank;
    const CWMS_MSG *m;
    size_t n;

    if (!opts->unknown_anchor)
        return cwms_rank_list(g, leaf, opts->path, cands, MAX_CANDIDATES, NULL, diag);
    if ((rank = cwms_diag_new()) == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    n = cwms_rank_list(g, leaf, opts->path, cands, MAX_CANDIDATES, NULL, rank);
    m = cwms_diag_first_error(rank);
    if (n == 0 && m != NULL && m->reason == CWMS_R_MISSING_INTERMEDIATE) {
        for (size_t i = 0; i < cwms_diag_count(rank); i++)
            if (cwms_diag_get(rank, i) != m)
                cwms_diag_add_msg(diag, cwms_diag_get(rank, i));
        n = cwms_unknown_anchor_path(opts, g, trust, leaf, &cands[0], diag);
    } else {
        cwms_diag_append(diag, rank);
    }
    cwms_diag_free(rank);
    return n;
}

/*
 * The path of one server certificate: ranked, validated, checked, and its
 * anchor described into *anchor (replacing what it held). 1, or 0 with
 * errors in diag.
 */
static int build_for_leaf(const CWMS_OPTIONS *opts, const CWMS_CHAIN_PARAMS *cp, CWMS_GRAPH *g,
                          CWMS_TRUST *trust, CWMS_CERT *leaf, const CWMS_KEY *key, CWMS_PATH *path,
                          CWMS_ANCHOR_INFO **anchor, CWMS_DIAG *diag)
{
    CWMS_PATH *cands = OPENSSL_malloc(MAX_CANDIDATES * sizeof(*cands));
    CWMS_VERIFY_RESULT vr;
    size_t n, chosen;

    if (cands == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    if ((n = candidates(opts, g, trust, leaf, cands, diag)) == 0) {
        OPENSSL_free(cands);
        return 0;
    }
    chosen = choose_valid(cp, g, trust, cands, n, diag, &vr);
    *path = cands[chosen];
    cwms_anchor_info_free(*anchor);
    *anchor = cwms_anchor_describe(g, trust, opts->trust_file != NULL, opts->path, path, cands, n,
                                   chosen);
    OPENSSL_free(cands);
    if (*anchor == NULL)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
    cwms_trace_path("chosen", path, "");
    /* The hand-written checks speak first; the verifier adds what they did not say. */
    cwms_check_path(cp, g, trust, path, key, diag);
    cwms_client_policy_check(cp, g, path, diag);
    cwms_verify_report(&vr, diag);
    cwms_verify_result_clear(&vr);
    return cwms_diag_first_error(diag) == NULL;
}

/*
 * The first certificate for the key may have no valid chain where another
 * one for the same key has (a damaged duplicate listed first, the key
 * certified again by a CA whose chain is absent): each is tried, best
 * first, with its own messages; the first that passes wins. When none
 * does, the first one's messages are reported, with the others named.
 */
#define MAX_LEAF_TRIES 8

static int build_for_key(const CWMS_OPTIONS *opts, const CWMS_CHAIN_PARAMS *cp,
                         const CWMS_POOL *pool, CWMS_GRAPH *g, CWMS_TRUST *trust, CWMS_CERT **leaf,
                         const CWMS_KEY *key, CWMS_PATH *path, CWMS_ANCHOR_INFO **anchor,
                         CWMS_DIAG *diag)
{
    CWMS_CERT *alt[MAX_LEAF_TRIES];
    size_t n_alt = cwms_leaf_alternatives(cp, pool, key, *leaf, alt, MAX_LEAF_TRIES);
    CWMS_DIAG *first = cwms_diag_new(), *d = NULL;
    const CWMS_MSG *why;
    CWMS_PATH first_path;

    if (n_alt == 0 || first == NULL) {
        cwms_diag_free(first);
        return build_for_leaf(opts, cp, g, trust, *leaf, key, path, anchor, diag);
    }
    if (build_for_leaf(opts, cp, g, trust, *leaf, key, path, anchor, first)) {
        cwms_diag_append(diag, first);
        cwms_diag_free(first);
        return 1;
    }
    why = cwms_diag_first_error(first);
    first_path = *path;
    for (size_t i = 0; i < n_alt; i++) {
        cwms_diag_free(d);
        if ((d = cwms_diag_new()) == NULL)
            break;
        if (build_for_leaf(opts, cp, g, trust, alt[i], key, path, anchor, d)) {
            cwms_leaf_note_ignored(diag, *leaf, why != NULL ? why->text : "no valid chain");
            cwms_diag_append(diag, d);
            cwms_diag_free(d);
            cwms_diag_free(first);
            *leaf = alt[i];
            return 1;
        }
    }
    cwms_diag_free(d);
    cwms_diag_append(diag, first);
    cwms_diag_free(first);
    *path = first_path; /* the messages are the first's: so is the path */
    for (size_t i = 0; i < n_alt; i++) {
        char hex[65];

        cwms_sha256_hex(cwms_cert_sha256(alt[i]), hex);
        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE,
                      "another certificate for the same key ('%s', %s%s%s) has no valid "
                      "chain either",
                      cwms_cert_get0_origin(alt[i]), cwms_option_name(cp->front, CWMS_OPT_LEAF),
                      cwms_option_value_sep(cp->front), hex);
    }
    return 0;
}

/* Most candidates for the server certificate whose paths --fetch completes. */
#define FETCH_MAX_CANDIDATES 64

int cwms_chain_fetch_issuers(const CWMS_OPTIONS *opts, CWMS_POOL *pool, const CWMS_KEY *keys,
                             size_t n_keys, CWMS_TRUST *trust, CWMS_DIAG *diag)
{
    CWMS_CERT *starts[FETCH_MAX_CANDIDATES];
    CWMS_CHAIN_PARAMS cp;
    size_t n;

    cwms_chain_params_init(&cp, opts);
    n = cwms_leaf_candidates(&cp, pool, keys, n_keys, starts, FETCH_MAX_CANDIDATES);

    return cwms_fetch_missing_issuers(pool, trust, starts, n, diag);
}

int cwms_chain_build_trusted(const CWMS_OPTIONS *opts, const CWMS_POOL *pool, CWMS_TRUST *trust,
                             const CWMS_KEY *keys, size_t n_keys, const char *key_source,
                             CWMS_DIAG *diag, CWMS_BUNDLE **out, CWMS_EXPLAIN **partial)
{
    CWMS_GRAPH *g = NULL;
    CWMS_CERT *leaf = NULL;
    const CWMS_KEY *key;
    CWMS_PATH path;
    CWMS_ANCHOR_INFO *anchor = NULL;
    CWMS_CHAIN_PARAMS cp;
    int ok = 0;

    *out = NULL;
    cwms_chain_params_init(&cp, opts);
    if (partial != NULL)
        *partial = NULL;
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
    if ((leaf = only_anchored_end_entity(&cp, opts->path, pool, g, diag)) == NULL
        && !cwms_leaf_choose(&cp, pool, keys, n_keys, key_source, diag, &leaf, &key))
        goto end;
    path.len = 0;
    if (!build_for_key(opts, &cp, pool, g, trust, &leaf, key, &path, &anchor, diag)
        && !(opts->bundle_on_error && path.len > 0))
        goto end;
    if (!opts->include_root && path.self_signed_end && path.len > 1) {
        char *root = cwms_name_oneline(cwms_cert_subject(path.certs[path.len - 1]));

        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE,
                      "left out the self-signed root '%s': CWMS has its own copy "
                      "(%s keeps it)",
                      root ? root : "?", cwms_option_name(opts->front, CWMS_OPT_INCLUDE_ROOT));
        OPENSSL_free(root);
    }
    if (opts->strict)
        cwms_diag_promote_warnings(diag);
    if (cwms_diag_first_error(diag) != NULL && !opts->bundle_on_error)
        goto end;
    if ((*out = cwms_bundle_from_path(opts, &path, key, diag)) == NULL)
        goto end;
    (*out)->anchor = anchor;
    anchor = NULL;
    if (opts->explain && !cwms_explain_attach(*out, opts, g, &path)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        cwms_bundle_free(*out);
        *out = NULL;
        goto end;
    }
    ok = cwms_diag_first_error(diag) == NULL;
end:
    cwms_anchor_info_free(anchor);
    /* What a failed build found, for a picture of the chain that is not there. */
    if (!ok && partial != NULL && opts->explain && g != NULL)
        *partial = cwms_explain_partial(g, leaf);
    cwms_graph_free(g);
    cwms_trust_free(trust);
    ERR_pop_to_mark();
    return ok;
}
