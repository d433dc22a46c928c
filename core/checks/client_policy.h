/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client policy (client_policy.c): what Chrome, Apple and Android
 * enforce for TLS servers on top of RFC 5280, applied to the chain that
 * will be sent.
 */
#ifndef CWMS_CHECKS_CLIENT_POLICY_H
#define CWMS_CHECKS_CLIENT_POLICY_H

#include "cwms/bundle.h"
#include "cwms/diag.h"
#include "paths/chain_params.h"
#include "paths/graph.h"
#include "paths/path.h"

/*
 * Errors: SHA-1/MD5 signatures a client must check (those up to the
 * certificate the trust anchor signed; a self-signed certificate's own
 * signature never counts; above the anchor they are warnings), CA RSA
 * keys under 2048 bits, EC keys with explicit parameters or on curves
 * other than P-256/P-384/P-521, a server certificate whose EKU excludes
 * serverAuth, whose keyUsage does not allow TLS for its key type, that
 * is a CA, or that names no DNS/IP subjectAltName; a repeated or
 * malformed extension, extensions in a v1/v2 certificate, nameConstraints
 * in a certificate that is not a CA. Warnings: no EKU
 * (issued since 2019-07-01), a P-521/Ed25519/Ed448 server key, validity
 * over 398 days (issued since 2020-09-01; 825 days since 2018-03-01).
 * The leaf's RSA size, expiry and the untrusted root are check.c's.
 * Returns 1 when no error was added.
 */
int cwms_client_policy_check(const CWMS_CHAIN_PARAMS *cp, CWMS_GRAPH *g, const CWMS_PATH *path,
                             CWMS_DIAG *diag);

#endif
