/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Why the bundle is what it is: the certificates the build saw, the
 * issuer edges between them (signed or rejected, and why), the candidate
 * paths it compared, the one it chose with its anchor, and why every
 * other certificate was left out. Filled by the build (chain.c) when
 * CWMS_OPTIONS.explain is set; the fronts draw it (tree, JSON, DOT)
 * through the accessors below. Every pointer is borrowed from the bundle
 * and lives until cwms_bundle_free.
 */
#ifndef CWMS_EXPLAIN_H
#define CWMS_EXPLAIN_H

#include <stddef.h>

#include <openssl/x509.h>

#include "cwms/types.h"

/* What a certificate is in the chosen chain. */
typedef enum {
    CWMS_ROLE_NONE = 0, /* not on the chosen path */
    CWMS_ROLE_SERVER,   /* the leaf */
    CWMS_ROLE_INTERMEDIATE,
    CWMS_ROLE_ROOT,  /* the self-signed end of the chosen path */
    CWMS_ROLE_ANCHOR /* the trust-store anchor that anchors the path (signed one of it) */
} CWMS_ROLE;

typedef struct cwms_explain_cert_st {
    X509 *x509;         /* owned by the explanation */
    const char *origin; /* "ca.pem#2", "trust store" (escaped: cwms_escape.h); never NULL */
    int from_trust;     /* from the trust store, not the inputs */
    int self_signed;
    CWMS_ROLE role;
    int in_bundle;       /* written to the bundle */
    size_t bundle_index; /* its position in CWMS_BUNDLE.certs when in_bundle */
    /* Why it is not in the bundle ("self-signed root: ..."); NULL when it is. */
    const char *left_out;
    /*
     * For a certificate of the chosen path that exists in several
     * variants among the inputs (self-signed and cross-signed): which
     * variant this is and why it was chosen; NULL otherwise.
     */
    const char *variant;
} CWMS_EXPLAIN_CERT;

typedef struct cwms_explain_edge_st {
    size_t child;  /* index of the certificate signed */
    size_t issuer; /* index of the candidate issuer (same name) */
    int on_path;   /* the edge the chosen path takes */
    /* NULL when issuer signed child and is usable; otherwise why the edge is rejected. */
    const char *rejected;
} CWMS_EXPLAIN_EDGE;

typedef struct cwms_explain_path_st {
    const size_t *certs; /* certificate indices, leaf first */
    size_t len;
    int anchored;
    /*
     * Anchored: the position in certs of the certificate the trust anchor
     * signed, or of the self-signed anchor itself; len when unknown.
     */
    size_t anchor_at;
    int chosen;
    /* For the others: why the chosen path won over this one; NULL for the chosen one. */
    const char *why_not;
} CWMS_EXPLAIN_PATH;

/* An issuer neither the inputs nor the trust store hold: the chain stops below it. */
typedef struct cwms_explain_missing_st {
    size_t child;       /* index of the certificate it issued */
    const char *issuer; /* its name, one line */
    const char *url;    /* where that certificate says it is published (AIA caIssuers), or NULL */
} CWMS_EXPLAIN_MISSING;

typedef struct cwms_explain_st CWMS_EXPLAIN;

/* The explanation of a bundle built with CWMS_OPTIONS.explain; NULL otherwise. */
const CWMS_EXPLAIN *cwms_bundle_get0_explain(const CWMS_BUNDLE *bundle);

size_t cwms_explain_cert_count(const CWMS_EXPLAIN *e);
const CWMS_EXPLAIN_CERT *cwms_explain_get0_cert(const CWMS_EXPLAIN *e, size_t i);
size_t cwms_explain_edge_count(const CWMS_EXPLAIN *e);
const CWMS_EXPLAIN_EDGE *cwms_explain_get0_edge(const CWMS_EXPLAIN *e, size_t i);
/* The candidate paths considered (at most CWMS_EXPLAIN_MAX_PATHS, the chosen one always kept). */
size_t cwms_explain_path_count(const CWMS_EXPLAIN *e);
const CWMS_EXPLAIN_PATH *cwms_explain_get0_path(const CWMS_EXPLAIN *e, size_t i);
/* How many candidate paths there were in all (may exceed those kept). */
size_t cwms_explain_paths_seen(const CWMS_EXPLAIN *e);
/* Index of the chosen path's anchor (ROOT or ANCHOR role), or (size_t)-1 when none. */
size_t cwms_explain_anchor(const CWMS_EXPLAIN *e);
/*
 * Index of the certificate equal to x (X509_cmp: the same DER), or
 * (size_t)-1 when none; a binary search, for views that look up every
 * certificate of a large file.
 */
size_t cwms_explain_find_cert(const CWMS_EXPLAIN *e, const X509 *x);

#define CWMS_EXPLAIN_MAX_PATHS 16

/*
 * 1 for the explanation of a bundle; 0 for what a build that failed found
 * (cwms_bundle_build_explained): certificates, edges and missing issuers,
 * no chosen path, no anchor, roles only for the server certificate.
 */
int cwms_explain_complete(const CWMS_EXPLAIN *e);
/* The issuers nothing provides; only a failed build's explanation has them. */
size_t cwms_explain_missing_count(const CWMS_EXPLAIN *e);
const CWMS_EXPLAIN_MISSING *cwms_explain_get0_missing(const CWMS_EXPLAIN *e, size_t i);
/* Frees an explanation a failed build handed over (a bundle's goes with the bundle). */
void cwms_explain_free(CWMS_EXPLAIN *e);

#endif
