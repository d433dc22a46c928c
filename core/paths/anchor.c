/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The anchor of the chosen path (paths/anchor.h, cwms/anchor.h).
 *
 * Where the anchor was found follows from how the path was anchored: a
 * trust anchor signed it (the store's), or it ends at a self-signed
 * certificate of the inputs that the store holds (the store's too) or
 * does not (the inputs'). The variants of each CA on the path are the
 * inputs with its subject and key; why one lost is the ranking's rule
 * between the chosen candidate and the best candidate through it, so the
 * words are the choice's own and nothing is decided twice.
 */
#include "paths/anchor.h"

#include <string.h>

#include <openssl/crypto.h>

#include "paths/rank.h"
#include "util/format.h"

/* Variants of one CA reported; more copies than that are no rollover. */
#define MAX_VARIANTS 16

typedef struct {
    CWMS_ANCHOR_INFO pub; /* first: the public pointer is this one */
    char *store;
    char *wanted;
    char *signs;
    CWMS_VARIANT_SET *sets;
    size_t n_sets;
} ANCHOR;

const CWMS_ANCHOR_INFO *cwms_bundle_get0_anchor(const CWMS_BUNDLE *bundle)
{
    return bundle == NULL ? NULL : bundle->anchor;
}

char *cwms_variant_words(const CWMS_VARIANT *v)
{
    return v->self_signed
        ? cwms_format("self-signed")
        : cwms_format("cross-signed by '%s'", v->issuer != NULL ? v->issuer : "?");
}

static void variant_clear(CWMS_VARIANT *v)
{
    X509_free(v->x509);
    OPENSSL_free((char *)v->issuer);
    OPENSSL_free((char *)v->why_not);
}

void cwms_anchor_info_free(CWMS_ANCHOR_INFO *pub)
{
    ANCHOR *a = (ANCHOR *)pub;

    if (a == NULL)
        return;
    X509_free(a->pub.x509);
    for (size_t i = 0; i < a->n_sets; i++) {
        variant_clear(&a->sets[i].chosen);
        for (size_t k = 0; k < a->sets[i].n_others; k++)
            variant_clear((CWMS_VARIANT *)&a->sets[i].others[k]);
        OPENSSL_free((CWMS_VARIANT *)a->sets[i].others);
    }
    OPENSSL_free(a->sets);
    OPENSSL_free(a->store);
    OPENSSL_free(a->wanted);
    OPENSSL_free(a->signs);
    OPENSSL_free(a);
}

/* X509 of c, up-ref'd, and its issuer's name; 0 on failure. */
static int variant_init(CWMS_GRAPH *g, CWMS_CERT *c, CWMS_VARIANT *v)
{
    X509 *x = cwms_cert_x509(c);

    memset(v, 0, sizeof(*v));
    if (x == NULL || !X509_up_ref(x))
        return 0;
    v->x509 = x;
    v->self_signed = cwms_graph_self_signed(g, c) == 1;
    v->issuer = cwms_name_oneline(X509_get_issuer_name(x));
    return v->issuer != NULL;
}

static int path_holds(const CWMS_PATH *p, const CWMS_CERT *c)
{
    for (size_t i = 0; i < p->len; i++)
        if (p->certs[i] == c)
            return 1;
    return 0;
}

/* Why no candidate goes through variant c (OPENSSL_free). */
static char *why_on_no_candidate(CWMS_GRAPH *g, CWMS_TRUST *trust, CWMS_CERT *c)
{
    CWMS_CERT *anchor = NULL;
    char *issuer, *why;

    if (cwms_graph_self_signed(g, c) == 1 || cwms_graph_trust_issuer(g, c, &anchor, NULL) == 1
        || cwms_pool_find_subject(cwms_graph_pool(g), cwms_cert_issuer(c), NULL, 0) > 0)
        return cwms_format("the paths through it rank below the candidates validated");
    issuer = cwms_name_oneline(cwms_cert_issuer(c));
    why = cwms_format("it leads to no anchor: its issuer '%s' is neither among the inputs nor in "
                      "%s",
                      issuer != NULL ? issuer : "?",
                      trust != NULL ? cwms_trust_describe(trust) : "a trust store");
    OPENSSL_free(issuer);
    return why;
}

/* Why the chain does not use variant c (OPENSSL_free). */
static char *why_not_variant(CWMS_GRAPH *g, CWMS_TRUST *trust, CWMS_PATH_CHOICE choice,
                             const CWMS_PATH *cands, size_t n_cands, size_t chosen_at, CWMS_CERT *c)
{
    const char *rule = NULL;

    for (size_t k = 0; k < n_cands; k++) {
        if (k == chosen_at || !path_holds(&cands[k], c))
            continue;
        if (k < chosen_at)
            return cwms_format("the path through it ranks higher but fails validation (see "
                               "the notes on the paths passed over)");
        (void)cwms_rank_compare_why(g, &cands[chosen_at], &cands[k], choice, &rule);
        return cwms_format("the chosen path won: %s", rule);
    }
    return why_on_no_candidate(g, trust, c);
}

typedef struct {
    CWMS_GRAPH *g;
    CWMS_TRUST *trust;
    CWMS_PATH_CHOICE choice;
    const CWMS_PATH *cands;
    size_t n_cands, chosen_at;
} CHOICE_CTX;

/*
 * The variants of the CA at position j of the chosen path into a new set
 * of a; nothing when it has none. 0 on allocation failure.
 */
static int add_variants(ANCHOR *a, const CHOICE_CTX *x, const CWMS_PATH *chosen, size_t j)
{
    CWMS_CERT *named[MAX_VARIANTS * 4], *c = chosen->certs[j];
    size_t n = cwms_pool_find_subject(cwms_graph_pool(x->g), cwms_cert_subject(c), named,
                                      MAX_VARIANTS * 4);
    CWMS_VARIANT_SET *set = &a->sets[a->n_sets];
    CWMS_VARIANT *others = NULL;
    unsigned char key[32], other[32];

    if (n > MAX_VARIANTS * 4)
        n = MAX_VARIANTS * 4;
    memset(set, 0, sizeof(*set));
    /* The same key, not merely the same key identifier: a decoy may copy the SKI. */
    if (!cwms_cert_spki_sha256(c, key))
        return 1;
    for (size_t i = 0; i < n; i++) {
        CWMS_VARIANT *v;

        /* One that does not decode is no usable variant (its reader said so already). */
        if (named[i] == c || !cwms_cert_spki_sha256(named[i], other) || memcmp(key, other, 32) != 0
            || set->n_others == MAX_VARIANTS || cwms_cert_x509(named[i]) == NULL)
            continue;
        if (others == NULL && (others = OPENSSL_zalloc(MAX_VARIANTS * sizeof(*others))) == NULL)
            return 0;
        set->others = others;
        v = &others[set->n_others++];
        if (!variant_init(x->g, named[i], v))
            return 0;
        v->why_not = why_not_variant(x->g, x->trust, x->choice, x->cands, x->n_cands, x->chosen_at,
                                     named[i]);
        if (v->why_not == NULL)
            return 0;
    }
    if (set->n_others == 0)
        return 1;
    a->n_sets++;
    set->position = j;
    return variant_init(x->g, c, &set->chosen);
}

/* Where the anchor of p was found, and which certificate it is. */
static int locate(ANCHOR *a, int trust_given, const CWMS_PATH *p)
{
    CWMS_CERT *top = p->certs[p->len - 1];
    X509 *x;

    if (!p->anchored) {
        a->pub.source = CWMS_ANCHOR_NOT_FOUND;
        a->wanted = cwms_name_oneline(cwms_cert_issuer(top));
        return a->wanted != NULL;
    }
    x = cwms_cert_x509(cwms_path_trust_anchor(p));
    if (x == NULL || !X509_up_ref(x))
        return 0;
    a->pub.x509 = x;
    a->pub.on_path = p->anchor == NULL;
    if (!a->pub.on_path
        && (a->signs = cwms_name_oneline(cwms_cert_subject(p->certs[p->anchor_at]))) == NULL)
        return 0;
    a->pub.source = !p->trusted ? CWMS_ANCHOR_INPUTS
        : trust_given           ? CWMS_ANCHOR_TRUST_GIVEN
                                : CWMS_ANCHOR_SYSTEM;
    return 1;
}

CWMS_ANCHOR_INFO *cwms_anchor_describe(CWMS_GRAPH *g, CWMS_TRUST *trust, int trust_given,
                                       CWMS_PATH_CHOICE choice, const CWMS_PATH *chosen,
                                       const CWMS_PATH *cands, size_t n_cands, size_t chosen_at)
{
    ANCHOR *a = OPENSSL_zalloc(sizeof(*a));
    CHOICE_CTX x = { g, trust, choice, cands, n_cands, chosen_at };

    if (a == NULL || !locate(a, trust_given, chosen))
        goto oom;
    if (trust != NULL && (a->store = OPENSSL_strdup(cwms_trust_describe(trust))) == NULL)
        goto oom;
    if (chosen->len > 1 && (a->sets = OPENSSL_zalloc(chosen->len * sizeof(*a->sets))) == NULL)
        goto oom;
    if (n_cands == 0)
        x.chosen_at = SIZE_MAX;
    for (size_t j = 1; j < chosen->len; j++)
        if (!add_variants(a, &x, chosen, j))
            goto oom;
    a->pub.store = a->store;
    a->pub.wanted = a->wanted;
    a->pub.signs = a->signs;
    a->pub.variants = a->sets;
    a->pub.n_variants = a->n_sets;
    return &a->pub;
oom:
    if (a != NULL && a->sets != NULL && a->sets[a->n_sets].others != NULL)
        a->n_sets++; /* the set being filled: free what it holds */
    cwms_anchor_info_free(a != NULL ? &a->pub : NULL);
    return NULL;
}
