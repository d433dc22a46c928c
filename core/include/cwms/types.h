/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The types every stage of the bundle core and both fronts share: the
 * output order, the path choice, the options a front fills (CWMS_OPTIONS)
 * and the bundle the core returns (CWMS_BUNDLE). The entry point that
 * takes the one and gives the other is cwms/bundle.h; the vocabulary that
 * parses the options' values is cwms/options.h.
 */
#ifndef CWMS_TYPES_H
#define CWMS_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cwms/option_names.h"
#include "cwms/pass.h"

typedef enum {
    CWMS_ORDER_ROOT_FIRST = 0, /* CWMS 2.5 and later: root-side intermediate first, server last */
    CWMS_ORDER_LEAF_FIRST = 1  /* CWMS 1.x and 2.0: server first */
} CWMS_ORDER;

typedef enum {
    CWMS_PATH_COMPLETE = 0, /* extend as far as the supplied certificates allow */
    CWMS_PATH_SHORTEST = 1  /* stop at the first certificate issued by a trust anchor */
} CWMS_PATH_CHOICE;

typedef struct cwms_options_st {
    OSSL_LIB_CTX *libctx; /* NULL = default; the provider passes a private one */
    const char *propq;

    const char *const *inputs; /* files, directories, "-", file: and pkcs11: URIs */
    size_t n_inputs;
    const char *key_source; /* --key: file or URI; NULL = a key found among the inputs */
    int no_key;             /* --no-key: certificate-only bundle */

    CWMS_ORDER order;
    CWMS_PATH_CHOICE path;
    const char *trust_file;   /* --trust; NULL = OpenSSL's default verify locations */
    int include_root;         /* --include-root: keep the self-signed root */
    int64_t attime;           /* validation time, seconds since the epoch */
    const char *const *hosts; /* --host names the leaf must cover */
    size_t n_hosts;
    const char *site;    /* --site: the WebEx site URL's host name; NULL = none */
    unsigned site_rules; /* CWMS's rules for site: CWMS_SITE_RULE_* (cwms/options.h) */
    int has_leaf_sha256; /* --leaf given */
    unsigned char leaf_sha256[32];
    const X509_NAME *leaf_subject; /* storeutl -subject; NULL = any */
    int strict;                    /* warnings are errors */
    /*
     * --verify-depth: with has_verify_depth, a path with more than
     * verify_depth intermediate CA certificates (server certificate and
     * trust anchor not counted, as openssl verify -verify_depth) is refused.
     */
    int has_verify_depth;
    int verify_depth;
    /*
     * check --warn-days: with has_warn_days, a certificate expiring within
     * warn_days days is the warning CWMS_R_EXPIRES_WITHIN (else
     * CWMS_R_EXPIRES_SOON within 30 days).
     */
    int has_warn_days;
    int warn_days;
    int fetch;          /* --fetch: download missing issuers (AIA caIssuers, http:) */
    size_t work_budget; /* signature checks before giving up; 0 = default */
    /*
     * Threads cwms_bundle_build may start besides the caller's (at most 2
     * are used: one reading --trust while the inputs are read, one helping
     * to read a large PEM file). 0, the default, starts none: a provider
     * must not start threads the application did not allow
     * (OSSL_set_max_threads); the CLI allows 2.
     */
    int max_threads;
    int explain; /* keep why the bundle is what it is (explain.h) */
    /*
     * `check` (cwms/inspect.h) judging a file that leaves the root out:
     * unknown_anchor lets a chain end at a certificate whose issuer is
     * neither among the inputs nor in the trust store (a private root
     * CWMS holds), with a CWMS_R_ANCHOR_UNKNOWN warning, unless the
     * evidence says a CA certificate is missing (then
     * CWMS_R_MISSING_INTERMEDIATE, and the chain is still checked as far
     * as it goes); bundle_on_error sets *out even when the build fails,
     * so that the file can be compared with it.
     */
    int unknown_anchor;
    int bundle_on_error;

    CWMS_PASS *pass;  /* passphrases, and PINs when pin is NULL; may be NULL */
    CWMS_PASS *pin;   /* token PINs (--pin); NULL = pass */
    CWMS_FRONT front; /* how messages name options: CLI flags or URI parameters */
} CWMS_OPTIONS;

/*
 * Sets the defaults: root-first, complete, now, default trust, no threads
 * (core/options.c).
 */
void cwms_options_init(CWMS_OPTIONS *opts);

typedef struct cwms_bundle_st {
    EVP_PKEY *key; /* NULL with no_key */
    char *key_origin;
    int key_protected; /* the key was read from an input protected by a passphrase */
    /* key's PKCS#8 DER as read, when it is what OpenSSL writes (secure heap); NULL: encode */
    unsigned char *key_pkcs8;
    size_t key_pkcs8_len;
    X509 **certs; /* in output order, each owned (up-ref'd) */
    size_t n_certs;
    CWMS_ORDER order;
    size_t leaf_index;               /* index of the server certificate in certs */
    int root_dropped;                /* a self-signed root was left out */
    struct cwms_explain_st *explain; /* with CWMS_OPTIONS.explain; read it through explain.h */
    /* The chain's anchor and the variants of its CAs: read it through cwms/anchor.h. */
    struct cwms_anchor_info_st *anchor;
} CWMS_BUNDLE;

/* Frees a bundle cwms_bundle_build returned (core/bundle_life.c); NULL is a no-op. */
void cwms_bundle_free(CWMS_BUNDLE *bundle);

#endif
