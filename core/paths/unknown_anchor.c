/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A chain whose top certificate's issuer nobody here holds
 * (unknown_anchor.h).
 *
 * A bundle for a private root leaves the root out, as CWMS wants; its
 * top certificate's issuer is then in no store this tool can see, which
 * alone says nothing about whether a CA is missing. So the issuer is
 * taken for the root CWMS holds unless something known points the other
 * way, and the message keeps the two apart: what was seen (a CA of the
 * file off the chain, the user's own trust store, a certificate of the
 * issuer's name with another key, CT timestamps of a public CA) and what
 * that makes likely.
 */
#include "paths/unknown_anchor.h"

#include <string.h>

#include <openssl/x509v3.h>

#include "paths/rank.h"
#include "util/format.h"

/*-
 * The path
 * --------
 */

typedef struct {
    CWMS_GRAPH *g;
    CWMS_PATH best;
    int have;
} LONGEST;

static int keep_longest(const CWMS_PATH *p, void *arg)
{
    LONGEST *l = arg;

    if (!l->have || cwms_rank_compare(l->g, p, &l->best, CWMS_PATH_COMPLETE) < 0) {
        l->best = *p;
        l->have = 1;
    }
    return 1;
}

/*-
 * The evidence
 * ------------
 */

typedef struct {
    char *known;   /* what was seen, "; "-separated (OPENSSL_free) */
    char *guessed; /* what the first thing seen makes likely (static) */
    int oom;
} EVIDENCE;

static void add_known(EVIDENCE *e, const char *guess, char *fact)
{
    char *joined;

    if (fact == NULL) {
        e->oom = 1;
        return;
    }
    joined = e->known == NULL ? fact : cwms_format("%s; %s", e->known, fact);
    if (joined != fact)
        OPENSSL_free(fact);
    if (joined == NULL) {
        e->oom = 1;
        return;
    }
    OPENSSL_free(e->known);
    e->known = joined;
    if (e->guessed == NULL)
        e->guessed = (char *)guess;
}

static char *subject_of(CWMS_CERT *c)
{
    char *s = cwms_name_oneline(cwms_cert_subject(c));

    return s != NULL ? s : OPENSSL_strdup("?");
}

static int on_path(const CWMS_PATH *p, CWMS_CERT *c)
{
    for (size_t i = 0; i < p->len; i++)
        if (p->certs[i] == c || cwms_path_same_ca(p->certs[i], c))
            return 1;
    return 0;
}

/* Certificates carrying the top's issuer name, among the inputs or in the store: none signed it. */
static void named_elsewhere(CWMS_GRAPH *g, CWMS_TRUST *trust, CWMS_CERT *top, const char *issuer,
                            EVIDENCE *e)
{
    const X509_NAME *name = cwms_cert_issuer(top);
    size_t n = cwms_pool_find_subject(cwms_graph_pool(g), name, NULL, 0)
        + cwms_trust_find_subject(trust, name, NULL, 0, NULL);

    /* A self-issued top names itself: that is no other certificate. */
    if (cwms_cert_self_issued(top) && n > 0)
        n--;
    if (n == 0)
        return;
    add_known(e,
              "the certificate of that name for the key that signed it (a newer one, or a "
              "cross-signed one) is missing",
              cwms_format("%zu certificate(s) named '%s' are at hand (in the file or the trust "
                          "store), but none of them signed it: another key, as after a CA key "
                          "rollover, or a damaged copy",
                          n, issuer));
}

/* CA certificates among the inputs that the chain does not reach. */
static void cas_off_the_chain(CWMS_GRAPH *g, const CWMS_PATH *p, EVIDENCE *e)
{
    const CWMS_POOL *pool = cwms_graph_pool(g);
    CWMS_CERT *first = NULL;
    size_t n = 0;

    for (size_t i = 0; i < cwms_pool_count(pool); i++) {
        CWMS_CERT *c = cwms_pool_get(pool, i);

        if (cwms_cert_is_ca(c) && !on_path(p, c) && n++ == 0)
            first = c;
    }
    if (n > 0) {
        char *s = subject_of(first);

        add_known(e,
                  "a CA certificate between the top of the chain and them is missing (or they "
                  "do not belong in the file)",
                  s == NULL ? NULL
                            : cwms_format("the file holds %zu CA certificate(s) the chain does "
                                          "not reach ('%s'%s)",
                                          n, s, n > 1 ? ", ..." : ""));
        OPENSSL_free(s);
    }
}

/* The user named the roots CWMS holds; none issued the top. */
static void trust_given(const CWMS_OPTIONS *opts, CWMS_TRUST *trust, EVIDENCE *e)
{
    if (opts->trust_file == NULL)
        return;
    add_known(e,
              "a CA certificate between the top of the chain and your root is missing (or the "
              "trust store names another root)",
              cwms_format("the trust store given (%s, %s) holds no issuer of it",
                          cwms_option_name(opts->front, CWMS_OPT_TRUST),
                          cwms_trust_describe(trust)));
}

/* Embedded SCTs: a publicly trusted CA, whose roots the system store holds. */
static void public_ca(const CWMS_OPTIONS *opts, CWMS_CERT *leaf, EVIDENCE *e)
{
    X509 *x = cwms_cert_x509(leaf);

    if (opts->trust_file != NULL || x == NULL
        || X509_get_ext_by_NID(x, NID_ct_precert_scts, -1) < 0)
        return;
    add_known(e,
              "the public CA's intermediate certificate is missing (or this machine's trust "
              "store is older than the CA's root)",
              cwms_format("the server certificate carries Certificate Transparency timestamps, "
                          "which publicly trusted CAs embed, and the chain reaches no root of "
                          "the system trust store"));
}

/*-
 * The verdict
 * -----------
 */

static void report(const CWMS_OPTIONS *opts, const EVIDENCE *e, CWMS_CERT *top, const char *issuer,
                   CWMS_DIAG *diag)
{
    char *subject = subject_of(top), *url = cwms_cert_ca_issuers_url(top);
    const char *trust = cwms_option_name(opts->front, CWMS_OPT_TRUST);

    if (e->known != NULL)
        cwms_diag_add_facts(diag, CWMS_ERROR, CWMS_R_MISSING_INTERMEDIATE,
                            &(CWMS_MSG_FACTS){ .subject = subject, .url = url },
                            "no certificate in the file or the trust store is the issuer '%s' of "
                            "'%s', and a CA certificate looks missing. Known: %s. Guessed: %s%s%s; "
                            "add the missing certificate to the file",
                            issuer, subject ? subject : "?", e->known, e->guessed,
                            url != NULL ? "; the CA publishes it at " : "", url != NULL ? url : "");
    else
        cwms_diag_add(diag, CWMS_WARNING, CWMS_R_ANCHOR_UNKNOWN,
                      "the chain ends at '%s', whose issuer '%s' is neither in the file nor in a "
                      "trust store here: what CWMS wants for a private root, which the file "
                      "leaves out and CWMS holds. If '%s' is your root, CWMS must hold it as a "
                      "trusted CA; give %s ROOT.pem to check the whole chain up to it%s%s%s",
                      subject ? subject : "?", issuer, issuer, trust,
                      url != NULL ? ". The certificate says its issuer is published at " : "",
                      url != NULL ? url : "",
                      url != NULL ? ": a self-signed certificate there is the root, any other "
                                    "an intermediate CA the file lacks"
                                  : "");
    OPENSSL_free(subject);
    OPENSSL_free(url);
}

int cwms_unknown_anchor_path(const CWMS_OPTIONS *opts, CWMS_GRAPH *g, CWMS_TRUST *trust,
                             CWMS_CERT *leaf, CWMS_PATH *out, CWMS_DIAG *diag)
{
    LONGEST l;
    EVIDENCE e = { NULL, NULL, 0 };
    CWMS_CERT *top;
    char *issuer;

    memset(&l, 0, sizeof(l));
    l.g = g;
    if (!cwms_paths_enumerate(g, leaf, CWMS_PATH_COMPLETE, keep_longest, &l, diag))
        return 0;
    if (!l.have) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "no candidate path from the leaf");
        return 0;
    }
    top = l.best.certs[l.best.len - 1];
    if ((issuer = cwms_name_oneline(cwms_cert_issuer(top))) == NULL)
        issuer = OPENSSL_strdup("?");
    named_elsewhere(g, trust, top, issuer != NULL ? issuer : "?", &e);
    cas_off_the_chain(g, &l.best, &e);
    trust_given(opts, trust, &e);
    public_ca(opts, leaf, &e);
    if (e.oom || issuer == NULL)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
    else
        report(opts, &e, top, issuer, diag);
    OPENSSL_free(e.known);
    OPENSSL_free(issuer);
    if (e.oom)
        return 0;
    *out = l.best;
    /* Anchored at its own top: the verifier trusts that certificate as a partial chain. */
    out->anchored = 1;
    out->anchor_at = out->len - 1;
    out->anchor = NULL;
    out->self_signed_end = 0;
    return 1;
}
