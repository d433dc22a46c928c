/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Candidate paths (paths.c): from the leaf up through the issuer graph,
 * every simple path (DFS, loops excluded) handed to a visitor; rank.h
 * picks one of them.
 */
#ifndef CWMS_PATHS_PATH_H
#define CWMS_PATHS_PATH_H

#include <stddef.h>

#include "cwms/bundle.h"
#include "cwms/diag.h"
#include "index/cert.h"
#include "paths/graph.h"

typedef struct cwms_path_st {
    CWMS_CERT *certs[CWMS_MAX_PATH]; /* leaf first, each signed by the next; owned by the pool */
    size_t len;
    int anchored;        /* some certificate of it is self-signed or issued by a trust anchor */
    size_t anchor_at;    /* the first such certificate (valid when anchored) */
    CWMS_CERT *anchor;   /* the trust anchor that signed certs[anchor_at]; NULL when self-signed */
    int self_signed_end; /* certs[len - 1] is self-signed */
    /*
     * The anchor is one a trust store (--trust, else the system store)
     * holds: a trust anchor signed certs[anchor_at], or the self-signed
     * certs[anchor_at] is in the store. 0 for an anchored path that ends
     * at a self-signed certificate of the inputs the store does not hold.
     */
    int trusted;
} CWMS_PATH;

/*
 * 1 when the path ends without a self-signed certificate of its own and
 * was anchored by a trust anchor (path->anchor): a verifier needs that
 * anchor, so its validity matters as much as the path's own certificates.
 */
int cwms_path_relies_on_anchor(const CWMS_PATH *p);

/*
 * 1 when the path is anchored at its own top certificate, whose issuer
 * nobody here holds (paths/unknown_anchor.h: check judging a file that
 * leaves a private root out): that unknown issuer is the real anchor.
 */
int cwms_path_open_top(const CWMS_PATH *p);

/*
 * The intermediate CA certificates a verifier counts against its depth
 * limit (openssl verify -verify_depth) on an anchored path: those between
 * the server certificate and the trust anchor, neither counted.
 */
size_t cwms_path_intermediates(const CWMS_PATH *p);

/*
 * The certificate a verifier trusts for an anchored path: the trust
 * anchor that signed certs[anchor_at], or certs[anchor_at] itself when it
 * is self-signed.
 */
CWMS_CERT *cwms_path_trust_anchor(const CWMS_PATH *p);

/*
 * 1 when a and b are the same CA: same subject and same public key (a
 * root and its cross-signed twin, a re-issued intermediate).
 */
int cwms_path_same_ca(CWMS_CERT *a, CWMS_CERT *b);

/* Called once per candidate path; return 1 to go on, 0 to abort (allocation failure). */
typedef int (*cwms_path_visit_fn)(const CWMS_PATH *path, void *arg);

/*
 * Visits every candidate path from leaf (which must be in the pool):
 * COMPLETE: every path that cannot be extended — past an anchor only
 * through certificates valid at attime, never past a self-signed one;
 * SHORTEST: every path that ends at its first anchor, and the unanchored
 * paths that cannot be extended. Returns 1 when all were visited; 0 with
 * CWMS_R_WORK_BUDGET (or CWMS_R_INTERNAL) in diag otherwise.
 */
int cwms_paths_enumerate(CWMS_GRAPH *g, CWMS_CERT *leaf, CWMS_PATH_CHOICE choice,
                         cwms_path_visit_fn visit, void *arg, CWMS_DIAG *diag);

#endif
