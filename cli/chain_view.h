/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Showing the chain a build chose (the core's explanation, cwms/explain.h):
 * a tree from the anchor down for the terminal, and the candidate graph
 * as Graphviz DOT. The certificate facts both share (and the JSON output
 * uses) are here too.
 */
#ifndef CWMS_CLI_CHAIN_VIEW_H
#define CWMS_CLI_CHAIN_VIEW_H

#include <stddef.h>
#include <stdio.h>

#include <openssl/x509.h>

#include "cwms/bundle.h"
#include "cwms/explain.h"
#include "cwms/times.h"

/*
 * What is shown of a certificate; strings OPENSSL_free'd by
 * cli_cert_facts_clear. Subject and issuer are under the escaping rule
 * (cwms_escape.h), like every name the core gives.
 */
typedef struct cli_cert_facts_st {
    char *subject;
    char *issuer;
    char *serial;    /* hex */
    char sha256[65]; /* uppercase hex */
    /* RFC 3339, UTC, four year digits: 0950-01-02T03:04:05Z; "" when unreadable */
    char not_before[CWMS_TIME_TEXT_SIZE];
    char not_after[CWMS_TIME_TEXT_SIZE];
    const char *key_type; /* "RSA", "EC", "ED25519", ... */
    int key_bits;
} CLI_CERT_FACTS;

/* Fills f from x; 1 on success, 0 when memory ran out. */
int cli_cert_facts(X509 *x, CLI_CERT_FACTS *f);
void cli_cert_facts_clear(CLI_CERT_FACTS *f);

/* "server", "intermediate", "root", "anchor", "" for CWMS_ROLE_NONE. */
const char *cli_role_name(CWMS_ROLE role);

/* 1 when fd is a terminal and NO_COLOR is unset or empty. */
int cli_use_colour(int fd);

/*
 * The chosen chain as a tree from the anchor down (subject, issuer,
 * SHA-256, validity, key, role, cross-sign variant), then the
 * certificates left out and why, and the other candidate paths. Colour
 * (ANSI) when colour is set.
 */
void cli_tree_print(FILE *out, const CWMS_BUNDLE *bundle, int colour);

/*
 * The candidate graph of e in DOT: every certificate, an edge from each
 * certificate to each candidate issuer, the chosen path in bold, rejected
 * edges dashed and labelled with why. For a failed build's explanation
 * (cwms_explain_complete 0) the certificates and edges found, and each
 * missing issuer as a dashed node with its name and the URL its child
 * names for it.
 */
void cli_graph_dot(FILE *out, const CWMS_EXPLAIN *e);

#endif
