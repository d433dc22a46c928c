/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A certificate as the core holds it (CWMS_CERT, opaque): what the fronts
 * may read of one. Every pointer returned is borrowed (get0): it belongs
 * to the certificate and lives as long as whatever holds the certificate
 * (the inputs, a pool, a bundle).
 */
#ifndef CWMS_CERT_PUBLIC_H
#define CWMS_CERT_PUBLIC_H

#include <stddef.h>

#include <openssl/x509.h>

typedef struct cwms_cert_st CWMS_CERT;

/* The certificate's DER encoding and its length in *len. */
const unsigned char *cwms_cert_get0_der(const CWMS_CERT *cert, size_t *len);

/* Where it came from ("ca.p7b", "ca.pem#3", "pkcs11:..."), or NULL when unknown. */
const char *cwms_cert_get0_origin(const CWMS_CERT *cert);

/*
 * A printable one-line name ("CN=x, O=y") under the escaping rule of
 * cwms_escape.h, for messages and every view; the caller frees it with
 * OPENSSL_free. NULL when name is NULL or memory ran out.
 */
char *cwms_name_oneline(const X509_NAME *name);

#endif
