/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --fetch: issuers missing from the inputs, downloaded from the URL their
 * children name (AIA caIssuers, RFC 5280 4.2.2.1), verified, and added to
 * the inputs as if the user had given them.
 */
#ifndef CWMS_INPUT_FETCH_H
#define CWMS_INPUT_FETCH_H

#include <openssl/x509.h>

#include "cwms/diag.h"
#include "index/pool.h"
#include "index/trust.h"

/*
 * For every certificate on a candidate path whose issuer is neither in the
 * pool nor in trust (and which is not self-issued), fetches its caIssuers
 * URL through OpenSSL's HTTP client, reads a DER certificate or a PKCS#7
 * (.p7c) reply, keeps what verifiably issued it (name and signature), and
 * repeats for what was fetched, within FETCH_MAX_ROUNDS rounds and
 * FETCH_MAX_URLS downloads, each URL once. The candidate paths start at
 * starts (the candidates for the server certificate, cwms_leaf_candidates)
 * and go up through the pool by issuer name: a certificate on none of them
 * is never fetched for. A URL is checked first (RFC 3986 characters only:
 * no CR, LF, space or control; http: with a host and a valid port), so
 * nothing a certificate says can add to the request. Each certificate kept
 * is a note naming it and its URL (its origin is the URL); a URL refused
 * or a download that fails is a CWMS_R_FETCH warning saying why (path
 * building then names the issuer still missing). Returns 0 only when out
 * of memory.
 */
int cwms_fetch_missing_issuers(CWMS_POOL *pool, CWMS_TRUST *trust, CWMS_CERT *const *starts,
                               size_t n_starts, CWMS_DIAG *diag);

/*
 * The certificates of a reply to a caIssuers URL: one DER certificate or
 * a DER PKCS#7 of them (free with sk_X509_pop_free(..., X509_free)).
 * NULL when it is neither or holds none. The bytes come from the network.
 */
STACK_OF(X509) * cwms_fetch_parse_reply(const unsigned char *data, size_t len);

#endif
