/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the chain unit tests: pools and keys from the PEM files the
 * fixture made (or the real bundles of tests/data), and what came out, by name.
 * Part of the unit tests' library (with testlib.h, which it includes).
 */
#ifndef CWMS_CHAIN_TESTLIB_H
#define CWMS_CHAIN_TESTLIB_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cwms/bundle.h"
#include "chain.h"
#include "checks/check.h"
#include "cwms/options.h"
#include "order/order.h"
#include "paths/leaf.h"
#include "paths/rank.h"
#include "cwms/diag.h"
#include "input/input.h"
#include "index/pool.h"
#include "testlib.h"

/* Adds every certificate of a PEM file (in file order); fails the test when none. */
void t_add_pem(CWMS_POOL *pool, const char *path);
/*
 * The same through the DER walker (cwms_cert_new_der), as the input readers
 * add them: the pool then knows where each SPKI is (the key screen, paths/leaf.c).
 */
void t_add_pem_walked(CWMS_POOL *pool, const char *path);
/* Adds the certificates of "dir/id.crt" for each id in the NULL-terminated list. */
void t_add_ids(CWMS_POOL *pool, const char *dir, ...);
/* The private key of a PEM file, origin = path. Free with t_key_free. */
CWMS_KEY t_key(const char *path);
void t_key_free(CWMS_KEY *key);
/* SHA-256 of the certificate in a PEM file. */
void t_sha256_of(const char *path, unsigned char out[32]);

/* The commonName of a certificate (or its last RDN); static buffer. */
const char *t_cn(X509 *x);
/* The same of its issuer; another static buffer. */
const char *t_issuer_cn(X509 *x);
/* The CNs of the bundle, "a | b | c", in output order; static buffer. */
const char *t_order(const CWMS_BUNDLE *b);

/* Options for tests: defaults, trust = trust_file. */
void t_options(CWMS_OPTIONS *o, const char *trust_file);

#endif
