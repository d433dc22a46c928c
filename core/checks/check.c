/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks before writing (chain.h: cwms_check_path).
 *
 * The chosen path is re-examined link by link the way a verifier will see
 * it, so the admin hears about a problem from this tool and not from the
 * appliance's import page: each problem is reported (not just the first),
 * naming the certificate and what to do.
 */
#include "checks/check.h"
#include "checks/host_names.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "cwms/times.h"

#define SOON_SECONDS (30 * 86400)

/* Subject for messages; never NULL (OPENSSL_free). */
static char *name_of(CWMS_CERT *c)
{
    char *s = cwms_name_oneline(cwms_cert_subject(c));

    return s != NULL ? s : OPENSSL_strdup("?");
}

static void check_link(CWMS_GRAPH *g, const CWMS_PATH *p, size_t i, CWMS_DIAG *diag, int *ok)
{
    CWMS_CERT *child = p->certs[i], *issuer = p->certs[i + 1];
    char *cn = name_of(child), *in = name_of(issuer);

    if (cwms_graph_signed_by(g, child, issuer) != 1) {
        cwms_diag_add_about(diag, CWMS_ERROR, CWMS_R_BAD_SIGNATURE, cn,
                            "the signature of '%s' does not verify with the key of its issuer '%s'",
                            cn, in);
        *ok = 0;
    }
    OPENSSL_free(cn);
    OPENSSL_free(in);
}

/* Issuer at position i of the path (i >= 1) must be allowed to sign certificates. */
static void check_ca(CWMS_GRAPH *g, const CWMS_PATH *p, size_t i, CWMS_DIAG *diag, int *ok)
{
    CWMS_CERT *c = p->certs[i];
    X509 *x = cwms_cert_x509(c);
    uint32_t flags;
    long pathlen;
    size_t below = 0;
    char *name;

    if (x == NULL)
        return;
    flags = X509_get_extension_flags(x);
    name = name_of(c);
    /* A version 1 self-signed root has no extensions at all and is a CA by tradition. */
    if (!(flags & EXFLAG_CA)
        && !(X509_get_version(x) == X509_VERSION_1 && cwms_graph_self_signed(g, c) == 1)) {
        cwms_diag_add_about(diag, CWMS_ERROR, CWMS_R_NOT_A_CA, name,
                            "'%s' signs the next certificate down but is not a CA certificate "
                            "(basicConstraints cA is not TRUE): a verifier will reject the chain",
                            name);
        *ok = 0;
    } else if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_KEY_CERT_SIGN)) {
        cwms_diag_add_about(diag, CWMS_ERROR, CWMS_R_NOT_A_CA, name,
                            "'%s' signs the next certificate down but its keyUsage lacks "
                            "keyCertSign",
                            name);
        *ok = 0;
    }
    /* pathLenConstraint counts the CA certificates below it, self-issued ones excepted. */
    for (size_t j = 1; j < i; j++)
        below += !cwms_cert_self_issued(p->certs[j]);
    if ((pathlen = X509_get_pathlen(x)) >= 0 && (size_t)pathlen < below) {
        cwms_diag_add_about(diag, CWMS_ERROR, CWMS_R_PATH_LENGTH, name,
                            "'%s' allows %ld CA certificate(s) below it (pathLenConstraint) but "
                            "the chain has %zu: a verifier will reject it",
                            name, pathlen, below);
        *ok = 0;
    }
    OPENSSL_free(name);
}

static void check_validity(const CWMS_CHAIN_PARAMS *cp, CWMS_CERT *c, CWMS_DIAG *diag, int *ok)
{
    int64_t t = cp->attime;
    int64_t soon = cp->has_warn_days ? (int64_t)cp->warn_days * 86400 : SOON_SECONDS;
    const char *role = cwms_cert_from_trust(c) ? "the trust anchor " : "";

    char nb[CWMS_TIME_TEXT_SIZE], na[CWMS_TIME_TEXT_SIZE], at[CWMS_TIME_TEXT_SIZE];
    char *name;

    cwms_time_format(cwms_cert_not_before(c), nb);
    cwms_time_format(cwms_cert_not_after(c), na);
    cwms_time_format(t, at);
    if (t < cwms_cert_not_before(c) || t > cwms_cert_not_after(c)) {
        name = name_of(c);
        cwms_diag_add_about(diag, CWMS_ERROR, CWMS_R_CERT_EXPIRED, name,
                            "%s'%s'%s%s%s is %s at %s: it is valid from %s to %s; get a current "
                            "certificate from the CA",
                            role, name, cwms_cert_get0_origin(c) != NULL ? " (from " : "",
                            cwms_cert_get0_origin(c) != NULL ? cwms_cert_get0_origin(c) : "",
                            cwms_cert_get0_origin(c) != NULL ? ")" : "",
                            t < cwms_cert_not_before(c) ? "not yet valid" : "expired", at, nb, na);
        OPENSSL_free(name);
        *ok = 0;
    } else if (cwms_cert_not_after(c) - t < soon) {
        name = name_of(c);
        cwms_diag_add(diag, CWMS_WARNING,
                      cp->has_warn_days ? CWMS_R_EXPIRES_WITHIN : CWMS_R_EXPIRES_SOON,
                      "%s'%s' expires on %s, in %lld day(s)", role, name, na,
                      (long long)((cwms_cert_not_after(c) - t) / 86400));
        OPENSSL_free(name);
    }
}

static void check_key(const CWMS_PATH *p, const CWMS_KEY *key, CWMS_DIAG *diag, int *ok)
{
    X509 *leaf = cwms_cert_x509(p->certs[0]);
    EVP_PKEY *pub = leaf != NULL ? X509_get0_pubkey(leaf) : NULL;
    EVP_PKEY *pk = key != NULL ? key->pkey : pub;
    char *name = name_of(p->certs[0]);

    if (key != NULL && (pub == NULL || EVP_PKEY_eq(pub, key->pkey) != 1)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_KEY_MISMATCH,
                      "the private key from '%s' does not match the server certificate '%s'",
                      key->origin, name);
        *ok = 0;
    }
    if (pk != NULL && (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS"))
        && EVP_PKEY_get_bits(pk) < 2048) {
        cwms_diag_add_about(diag, CWMS_ERROR, CWMS_R_WEAK_KEY, name,
                            "'%s' has a %d-bit RSA key: CWMS refuses RSA keys under 2048 bits; "
                            "make a new key of 2048 bits or more and have the certificate "
                            "re-issued",
                            name, EVP_PKEY_get_bits(pk));
        *ok = 0;
    }
    OPENSSL_free(name);
}

static void check_anchor(CWMS_TRUST *trust, const CWMS_PATH *p, CWMS_DIAG *diag)
{
    CWMS_CERT *root = p->certs[p->len - 1];
    char *name;

    /* Anchored through the trust store already, or not ending in a self-signed root. */
    if (trust == NULL || !p->self_signed_end || p->anchor != NULL || p->anchor_at != p->len - 1
        || p->trusted)
        return;
    name = name_of(root);
    cwms_diag_add(diag, CWMS_WARNING, CWMS_R_UNTRUSTED_ANCHOR,
                  "the chain ends at the self-signed root '%s', which %s does not hold: make "
                  "sure the CWMS appliance trusts it (its store may differ from this one)",
                  name, cwms_trust_describe(trust));
    OPENSSL_free(name);
}

/*
 * 1 when the store holds a self-signed root that cert chains up to
 * through the store's own certificates (a few steps at most): what a
 * verifier that insists on a root (no partial chain) needs to find.
 */
#define ROOT_SEARCH_DEPTH 4

static int store_reaches_root(CWMS_TRUST *trust, CWMS_CERT *cert)
{
    for (int depth = 0; depth < ROOT_SEARCH_DEPTH; depth++) {
        CWMS_CERT *named[8], *next = NULL;
        X509 *x = cwms_cert_x509(cert);
        size_t n;

        if (cwms_cert_self_issued(cert))
            return 1;
        n = cwms_trust_find_subject(trust, cwms_cert_issuer(cert), named, 8, NULL);
        for (size_t i = 0; i < n && i < 8 && next == NULL; i++) {
            X509 *issuer = cwms_cert_x509(named[i]);

            if (x != NULL && issuer != NULL && X509_check_issued(issuer, x) == X509_V_OK
                && X509_verify(x, X509_get0_pubkey(issuer)) == 1)
                next = named[i];
        }
        if (next == NULL)
            return 0;
        cert = next;
    }
    return 0;
}

/*
 * A trust anchor that is no self-signed root (an intermediate the store
 * holds) verifies as a partial chain: curl, GnuTLS and Java accept that;
 * openssl s_client and other OpenSSL-based clients that do not set
 * X509_V_FLAG_PARTIAL_CHAIN look on for a root and refuse when the store
 * holds none above it.
 */
static void check_partial_anchor(CWMS_TRUST *trust, const CWMS_PATH *p, CWMS_DIAG *diag)
{
    char *name, *issuer;

    if (trust == NULL || p->anchor == NULL || cwms_cert_self_issued(p->anchor))
        return;
    ERR_set_mark();
    if (store_reaches_root(trust, p->anchor)) {
        ERR_pop_to_mark();
        return;
    }
    ERR_pop_to_mark();
    name = name_of(p->anchor);
    issuer = cwms_name_oneline(cwms_cert_issuer(p->anchor));
    cwms_diag_add(diag, CWMS_WARNING, CWMS_R_PARTIAL_ANCHOR,
                  "the chain is trusted only through '%s', a CA certificate %s holds that is "
                  "not a self-signed root (issued by '%s'): curl, GnuTLS and Java accept such a "
                  "partial chain, openssl s_client and other OpenSSL-based clients refuse it; "
                  "put the root '%s' in the trust store, as the clients' stores hold roots",
                  name, cwms_trust_describe(trust), issuer != NULL ? issuer : "?",
                  issuer != NULL ? issuer : "?");
    OPENSSL_free(name);
    OPENSSL_free(issuer);
}

int cwms_check_verify_depth(const CWMS_CHAIN_PARAMS *cp, const CWMS_PATH *path, CWMS_DIAG *diag)
{
    size_t need = cwms_path_intermediates(path);
    const char *option = cwms_option_name(cp->front, CWMS_OPT_VERIFY_DEPTH);
    char *server, *anchor;

    if (!cp->has_verify_depth || !path->anchored || need <= (size_t)cp->verify_depth)
        return 1;
    server = name_of(path->certs[0]);
    anchor = name_of(cwms_path_trust_anchor(path));
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_VERIFY_DEPTH,
                  "the server certificate '%s' needs a chain of %zu intermediate CA "
                  "certificate(s) up to the trust anchor %s'%s', but %s allows %d: ask the CA "
                  "for a shorter chain (or trust an intermediate nearer the server), or give "
                  "%s%s%zu if the clients allow that depth",
                  server, need, cwms_path_open_top(path) ? "that issued " : "", anchor, option,
                  cp->verify_depth, option, cwms_option_value_sep(cp->front), need);
    OPENSSL_free(server);
    OPENSSL_free(anchor);
    return 0;
}

/* The links and dates of the path and of the anchor it relies on. */
static int check_links_and_dates(const CWMS_CHAIN_PARAMS *cp, CWMS_GRAPH *g, const CWMS_PATH *path,
                                 CWMS_DIAG *diag)
{
    int ok = 1;

    for (size_t i = 0; i + 1 < path->len; i++)
        check_link(g, path, i, diag, &ok);
    for (size_t i = 1; i < path->len; i++)
        check_ca(g, path, i, diag, &ok);
    for (size_t i = 0; i < path->len; i++)
        check_validity(cp, path->certs[i], diag, &ok);
    if (cwms_path_relies_on_anchor(path))
        check_validity(cp, path->anchor, diag, &ok);
    return ok;
}

int cwms_check_candidate(const CWMS_CHAIN_PARAMS *cp, CWMS_GRAPH *g, CWMS_TRUST *trust,
                         const CWMS_PATH *path, CWMS_DIAG *diag)
{
    /* The depth limit first: it is the reason to give when it is one. */
    int ok = cwms_check_verify_depth(cp, path, diag);

    ok &= check_links_and_dates(cp, g, path, diag);
    check_anchor(trust, path, diag);
    check_partial_anchor(trust, path, diag);
    return ok;
}

int cwms_check_path(const CWMS_CHAIN_PARAMS *cp, CWMS_GRAPH *g, CWMS_TRUST *trust,
                    const CWMS_PATH *path, const CWMS_KEY *key, CWMS_DIAG *diag)
{
    int ok = check_links_and_dates(cp, g, path, diag);

    check_key(path, key, diag, &ok);
    cwms_check_host_names(cp, path->certs[0], diag, &ok);
    ok &= cwms_check_verify_depth(cp, path, diag);
    check_anchor(trust, path, diag);
    check_partial_anchor(trust, path, diag);
    return ok;
}
