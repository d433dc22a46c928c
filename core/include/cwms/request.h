/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key and the certificate signing request (CSR) a CA needs before it
 * can issue the server certificate, made so that what comes back from the
 * CA is a certificate CWMS accepts: checked against CWMS's rules (host
 * names, key type and size) before anything goes to the CA.
 *
 * The first host is the subject's common name; every host (the first
 * too) is a subjectAltName DNS entry, as browsers read only the SAN.
 * With a WebEx site URL (--site) the site is that first host: CWMS 2.5MR5
 * and later compare the CN with the site URL, and a wildcard site
 * ("*.example.com") makes a wildcard CN and SAN entry.
 * The CSR is signed with SHA-256: by a key in memory
 * (cwms_request_sign), or by a signer that holds the key elsewhere, a
 * PKCS#11 token (cwms_request_sign_on_token), which never exports it.
 */
#ifndef CWMS_REQUEST_H
#define CWMS_REQUEST_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cwms/diag.h"
#include "cwms/inputs.h"

/* A key type of --key-type: "rsa:2048", "rsa:3072", "rsa:4096", "ec:P-256", "ec:P-384". */
typedef struct cwms_key_type_st {
    int ec;            /* 0 = RSA */
    int bits;          /* RSA modulus bits; the curve's bits for EC */
    const char *curve; /* "P-256", "P-384" (static); NULL for RSA */
} CWMS_KEY_TYPE;

/* Parses a --key-type value; 1 on success. The list for messages: CWMS_KEY_TYPES. */
int cwms_key_type_parse(const char *s, CWMS_KEY_TYPE *out);
#define CWMS_KEY_TYPES "rsa:2048, rsa:3072, rsa:4096, ec:P-256 or ec:P-384"

/* A new key pair of that type; NULL with a CWMS_R_KEYGEN error. */
EVP_PKEY *cwms_key_generate(const CWMS_KEY_TYPE *type, OSSL_LIB_CTX *libctx, const char *propq,
                            CWMS_DIAG *diag);

typedef struct cwms_request_st {
    OSSL_LIB_CTX *libctx; /* NULL = default */
    const char *propq;
    const char *const *hosts; /* the names, in order; at least one; hosts[0] is the CN */
    size_t n_hosts;
    const char *subject; /* more of the subject, "/O=Example Inc/C=US"; NULL = CN only */
    int site;            /* hosts[0] is the WebEx site URL's host (--site), the rest --host */
} CWMS_REQUEST;

/*
 * Checks the host names and the subject against CWMS's rules: fully
 * qualified DNS names (letters, digits, hyphens; a "*." wildcard only as
 * the first label), the first at most 64 characters (it is the CN), no
 * name twice, a subject in /TYPE=value form without a CN of its own.
 * 1, or 0 with a CWMS_R_CSR error for each problem.
 */
int cwms_request_check(const CWMS_REQUEST *rq, CWMS_DIAG *diag);

/*
 * Checks a key (public half suffices) against CWMS's rules: RSA of 2048
 * to 4096 bits, or EC on P-256 or P-384. what names it in messages.
 * 1, or 0 with a CWMS_R_WEAK_KEY or CWMS_R_KEYGEN error.
 */
int cwms_request_check_key(const EVP_PKEY *key, const char *what, CWMS_DIAG *diag);

/*
 * A new unsigned CSR for rq with the public key of key (version 1,
 * subject, the SAN extension). NULL with an error. Free with X509_REQ_free.
 */
X509_REQ *cwms_request_new(const CWMS_REQUEST *rq, EVP_PKEY *key, CWMS_DIAG *diag);

/* Signs req with a private key in memory (SHA-256) and verifies it. 1, or 0 with an error. */
int cwms_request_sign(X509_REQ *req, EVP_PKEY *key, const CWMS_REQUEST *rq, CWMS_DIAG *diag);

/*
 * Signs req on the token holding the private key named by key_uri (a
 * pkcs11: URI naming one private key), with C_Sign: RSA PKCS#1 v1.5 with
 * SHA-256, or ECDSA over a SHA-256 digest computed here; the key never
 * leaves the token. pub is its public half, for the algorithm and the
 * final verification. The PIN comes as for inputs (rctx). 1, or 0 with
 * an error (CWMS_R_PIN, CWMS_R_PKCS11, CWMS_R_TOKEN_KEYGEN).
 */
int cwms_request_sign_on_token(X509_REQ *req, EVP_PKEY *pub, const char *key_uri,
                               const CWMS_REQUEST *rq, const CWMS_READ_CTX *rctx, CWMS_DIAG *diag);

/*
 * Generates a key pair of that type on the token the pkcs11: URI names
 * (object= labels the new key; see cwms_p11_generate_key: private,
 * extractable, sensitive when the token can wrap it out, else a note says
 * it is not; CKA_ID shared with the public key). The PIN comes as for
 * inputs (rctx). 1 with *pub (its public half) and *key_uri (the private
 * key's URI, OPENSSL_free), or 0 with an error (reason 403 when the token
 * makes no key that can leave it).
 */
int cwms_request_new_token_key(const char *uri, const CWMS_KEY_TYPE *type, const CWMS_REQUEST *rq,
                               const CWMS_READ_CTX *rctx, EVP_PKEY **pub, char **key_uri,
                               CWMS_DIAG *diag);

/*
 * The public half of an existing key on a token (its public key object),
 * for a CSR signed there with cwms_request_sign_on_token. 1 with *pub, or
 * 0 with an error.
 */
int cwms_request_token_public_key(const char *uri, const CWMS_REQUEST *rq,
                                  const CWMS_READ_CTX *rctx, EVP_PKEY **pub, CWMS_DIAG *diag);

/* The CSR as PEM ("CERTIFICATE REQUEST") in a new buffer (OPENSSL_free). 1, or 0 with an error. */
int cwms_request_to_pem(X509_REQ *req, unsigned char **out, size_t *out_len, CWMS_DIAG *diag);

#endif
