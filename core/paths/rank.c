/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Choosing a path among the candidates (path.h), and saying which issuer
 * is missing when none is anchored.
 *
 * The order is lexicographic so that every rule only breaks the ties of
 * the ones before it: a path ending at an anchor a trust store holds
 * beats one ending at a self-signed certificate of the inputs, which
 * beats one that reaches no anchor; a path without expired certificates
 * beats one with; then the choice's preference for length; then the
 * hints (AKI/SKI agreement, a cross-signed top over a self-signed one
 * for --path complete, later notAfter); the certificates' fingerprints
 * last, so the same certificates give the same output whatever the order
 * and names of the files they came in.
 */
#include "paths/rank.h"
#include "paths/trace.h"

#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

static size_t invalid_count(const CWMS_PATH *p, int64_t t)
{
    size_t n = 0;

    for (size_t i = 0; i < p->len; i++)
        n += !cwms_cert_valid_at(p->certs[i], t);
    /* The trust anchor counts when the path relies on it. */
    if (cwms_path_relies_on_anchor(p) && !cwms_cert_valid_at(p->anchor, t))
        n++;
    return n;
}

static int agreement(const CWMS_PATH *p)
{
    int n = 0;

    for (size_t i = 0; i + 1 < p->len; i++)
        n += cwms_keyid_agreement(p->certs[i], p->certs[i + 1]);
    return n;
}

int cwms_path_relies_on_anchor(const CWMS_PATH *p)
{
    return p->anchored && p->anchor != NULL && !p->self_signed_end;
}

int cwms_path_open_top(const CWMS_PATH *p)
{
    return p->anchored && p->anchor == NULL && !p->self_signed_end;
}

size_t cwms_path_intermediates(const CWMS_PATH *p)
{
    /* An anchor signed certs[anchor_at]: it and every certificate below but the server count. */
    if (p->anchor != NULL || cwms_path_open_top(p))
        return p->anchor_at;
    return p->anchor_at > 0 ? p->anchor_at - 1 : 0;
}

CWMS_CERT *cwms_path_trust_anchor(const CWMS_PATH *p)
{
    return p->anchor != NULL ? p->anchor : p->certs[p->anchor_at];
}

int cwms_rank_compare(CWMS_GRAPH *g, const CWMS_PATH *a, const CWMS_PATH *b,
                      CWMS_PATH_CHOICE choice)
{
    return cwms_rank_compare_why(g, a, b, choice, NULL);
}

/* 2: ends at an anchor a trust store holds; 1: at a self-signed certificate of the inputs; 0: none. */
static int trust_level(const CWMS_PATH *p)
{
    return !p->anchored ? 0 : p->trusted ? 2 : 1;
}

/* Certificate bytes decide the last ties: never the order or names of the inputs. */
static int compare_fingerprints(const CWMS_PATH *a, const CWMS_PATH *b)
{
    for (size_t i = 0; i < a->len && i < b->len; i++) {
        const unsigned char *ha = cwms_cert_sha256(a->certs[i]);
        const unsigned char *hb = cwms_cert_sha256(b->certs[i]);
        int c = ha != NULL && hb != NULL ? memcmp(ha, hb, 32) : (ha == NULL) - (hb == NULL);

        if (c != 0)
            return c < 0 ? -1 : 1;
    }
    return 0;
}

/* The rules about where the paths end: trust, validity, length. 0 when they tie. */
static int compare_ends(CWMS_GRAPH *g, const CWMS_PATH *a, const CWMS_PATH *b,
                        CWMS_PATH_CHOICE choice, const char **rule)
{
    int64_t t = cwms_graph_attime(g);
    int la = trust_level(a), lb = trust_level(b);
    size_t ia, ib;

    if (la != lb) {
        *rule = la > 0 && lb > 0
            ? "it ends at a trust anchor (--trust, else the system store); the other ends at a "
              "self-signed certificate of the inputs that no trust store here holds"
            : "it reaches a root or trust anchor, the other does not";
        return la > lb ? -1 : 1;
    }
    if ((ia = invalid_count(a, t)) != (ib = invalid_count(b, t))) {
        *rule = "it has fewer certificates that are not valid at the validation time";
        return ia < ib ? -1 : 1;
    }
    if (a->len != b->len) {
        int longer_first = choice == CWMS_PATH_COMPLETE ? -1 : 1;

        *rule = choice == CWMS_PATH_COMPLETE
            ? "it is longer (--path complete goes as far as the inputs allow)"
            : "it is shorter (--path shortest)";
        return a->len > b->len ? longer_first : -longer_first;
    }
    return 0;
}

int cwms_rank_compare_why(CWMS_GRAPH *g, const CWMS_PATH *a, const CWMS_PATH *b,
                          CWMS_PATH_CHOICE choice, const char **rule)
{
    int ga, gb, c;
    const char *dummy;

    if (rule == NULL)
        rule = &dummy;
    *rule = "the same path";
    if ((c = compare_ends(g, a, b, choice, rule)) != 0)
        return c;
    if ((ga = agreement(a)) != (gb = agreement(b))) {
        *rule = "more of its key identifiers (AKI/SKI) agree";
        return ga > gb ? -1 : 1;
    }
    if (choice == CWMS_PATH_COMPLETE && a->self_signed_end != b->self_signed_end) {
        *rule = "its top certificate is cross-signed, so clients that trust only the "
                "cross-signing CA can build it too (--path complete); the other ends at a "
                "self-signed root";
        return a->self_signed_end ? 1 : -1;
    }
    for (size_t i = 1; i < a->len; i++)
        if (cwms_cert_not_after(a->certs[i]) != cwms_cert_not_after(b->certs[i])) {
            *rule = "its issuers expire later";
            return cwms_cert_not_after(a->certs[i]) > cwms_cert_not_after(b->certs[i]) ? -1 : 1;
        }
    if ((c = compare_fingerprints(a, b)) != 0) {
        *rule = "otherwise equal, its certificates' SHA-256 fingerprints sort first (a fixed "
                "rule: never the order or names of the inputs)";
        return c;
    }
    return 0;
}

typedef struct {
    CWMS_GRAPH *g;
    CWMS_PATH_CHOICE choice;
    CWMS_PATH *best; /* the anchored candidates, best first */
    size_t n_best, max_best;
    CWMS_PATH unanchored;
    int have_unanchored;
    size_t n;
} CHOICE;

/* Insertion into the ranked list: the list is short and most candidates rank last. */
static void keep_ranked(CHOICE *c, const CWMS_PATH *p)
{
    size_t at = c->n_best;

    while (at > 0 && cwms_rank_compare(c->g, p, &c->best[at - 1], c->choice) < 0)
        at--;
    if (at == c->max_best)
        return;
    if (c->n_best < c->max_best)
        c->n_best++;
    memmove(&c->best[at + 1], &c->best[at], (c->n_best - 1 - at) * sizeof(*p));
    c->best[at] = *p;
}

/* A candidate and the keys it is ranked by, on the path channel. */
static void trace_candidate(const CHOICE *c, const CWMS_PATH *p)
{
    char what[48], rest[160];

    snprintf(what, sizeof(what), "candidate path %zu", c->n);
    snprintf(rest, sizeof(rest),
             "; rank key: %s, %zu invalid at the validation time, "
             "length %zu, key id agreement %d",
             p->trusted        ? "trusted anchor"
                 : p->anchored ? "untrusted self-signed end"
                               : "not anchored",
             invalid_count(p, cwms_graph_attime(c->g)), p->len, agreement(p));
    cwms_trace_path(what, p, rest);
}

static int keep_best(const CWMS_PATH *p, void *arg)
{
    CHOICE *c = arg;

    c->n++;
    if (cwms_path_tracing())
        trace_candidate(c, p);
    if (p->anchored) {
        keep_ranked(c, p);
    } else if (!c->have_unanchored
               /* The longest unanchored path gets closest to the missing issuer. */
               || cwms_rank_compare(c->g, p, &c->unanchored, CWMS_PATH_COMPLETE) < 0) {
        c->unanchored = *p;
        c->have_unanchored = 1;
    }
    return 1;
}

/*
 * How many candidate issuers of the tail of an unanchored path did sign
 * it: the walk left them out only because they are on the path (a loop).
 */
static size_t signers_on_path(CWMS_GRAPH *g, const CWMS_PATH *p)
{
    size_t idx = cwms_graph_input_index(g, p->certs[p->len - 1]), n = 0;
    int oom = 0, signed_it = 0;

    for (size_t i = 0; cwms_graph_issuer_at(g, idx, i, 0, &signed_it, &oom) != NULL; i++)
        n += signed_it == 1;
    return n;
}

/*
 * 1 when an input named like tail's issuer has the SKI tail's AKI names:
 * the key that should have signed is there, so a signature that does not
 * verify is damage, not a CA key rollover.
 */
static int names_its_key(const CWMS_POOL *pool, CWMS_CERT *tail)
{
    CWMS_CERT *named[64];
    size_t n = cwms_pool_find_subject(pool, cwms_cert_issuer(tail), named, 64);

    for (size_t i = 0; i < n && i < 64; i++)
        if (named[i] != tail && cwms_keyid_agreement(tail, named[i]) == 1)
            return 1;
    return 0;
}

static void missing_intermediate(CWMS_GRAPH *g, const CWMS_POOL *pool, const CWMS_PATH *p,
                                 CWMS_DIAG *diag)
{
    CWMS_CERT *tail = p->certs[p->len - 1];
    char *issuer = cwms_name_oneline(cwms_cert_issuer(tail));
    char *subject = cwms_name_oneline(cwms_cert_subject(tail));
    char *url = cwms_cert_ca_issuers_url(tail);
    size_t named = cwms_pool_find_subject(pool, cwms_cert_issuer(tail), NULL, 0);
    size_t looping = signers_on_path(g, p);
    char why[256] = "", where[1024] = "";

    if (named > 0 && looping > 0)
        snprintf(why, sizeof(why),
                 " (the %zu certificate(s) of that name among the inputs are "
                 "already in the chain: they form a loop)",
                 named);
    else if (named > 0 && names_its_key(pool, tail))
        snprintf(why, sizeof(why),
                 " (a certificate of that name among the inputs holds the key "
                 "its authority key identifier names, yet its signature does not verify: the "
                 "certificate is damaged — get a fresh copy)");
    else if (named > 0)
        snprintf(why, sizeof(why),
                 " (%zu certificate(s) among the inputs carry that name but "
                 "none of them signed it: another key, as after a CA key rollover)",
                 named);
    if (url != NULL)
        snprintf(where, sizeof(where), "; the CA publishes it at %s", url);
    cwms_diag_add_facts(diag, CWMS_ERROR, CWMS_R_MISSING_INTERMEDIATE,
                        &(CWMS_MSG_FACTS){ .subject = subject, .url = url },
                        "no certificate among the inputs is the issuer '%s' of '%s'%s%s; add "
                        "that certificate to the inputs — or, for a private root the appliance "
                        "trusts, the root itself or a trust store (--trust FILE, trust= in a "
                        "cwms: URI)",
                        issuer ? issuer : "?", subject ? subject : "?", why, where);
    OPENSSL_free(issuer);
    OPENSSL_free(subject);
    OPENSSL_free(url);
}

size_t cwms_rank_list(CWMS_GRAPH *g, CWMS_CERT *leaf, CWMS_PATH_CHOICE choice, CWMS_PATH *out,
                      size_t max, size_t *n_paths, CWMS_DIAG *diag)
{
    CHOICE c;

    memset(&c, 0, sizeof(c));
    c.g = g;
    c.choice = choice;
    c.best = out;
    c.max_best = max;
    cwms_debug(CWMS_DEBUG_PATH, "building the %s path",
               choice == CWMS_PATH_SHORTEST ? "shortest" : "complete");
    if (max == 0 || !cwms_paths_enumerate(g, leaf, choice, keep_best, &c, diag)) {
        cwms_debug(CWMS_DEBUG_PATH,
                   "gave up after %zu candidate path(s) and %zu of %zu "
                   "signature checks",
                   c.n, cwms_graph_checks(g), cwms_graph_budget(g));
        return 0;
    }
    cwms_debug(CWMS_DEBUG_PATH,
               "%zu candidate path(s), %zu anchored kept in rank order, "
               "%zu of %zu signature checks spent",
               c.n, c.n_best, cwms_graph_checks(g), cwms_graph_budget(g));
    if (n_paths != NULL)
        *n_paths = c.n;
    if (c.n_best == 0) {
        cwms_debug(CWMS_DEBUG_PATH, "no candidate path is anchored");
        missing_intermediate(g, cwms_graph_pool(g), &c.unanchored, diag);
    }
    return c.n_best;
}

int cwms_rank_choose(CWMS_GRAPH *g, CWMS_CERT *leaf, CWMS_PATH_CHOICE choice, CWMS_PATH *out,
                     size_t *n_paths, CWMS_DIAG *diag)
{
    return cwms_rank_list(g, leaf, choice, out, 1, n_paths, diag) == 1;
}
