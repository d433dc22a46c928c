/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inside of CWMS_INPUTS (cwms/inputs.h): the pool the certificates go
 * into and the keys, for the pipeline (bundle.c) and the readers.
 */
#ifndef CWMS_INPUT_H
#define CWMS_INPUT_H

#include <stddef.h>

#include <openssl/evp.h>

#include "cwms/inputs.h"
#include "index/pool.h"

typedef struct cwms_key_st {
    EVP_PKEY *pkey; /* owned */
    char *origin;   /* "server.key", "pkcs11:token=webex;object=server", owned */
    int protected;  /* read from an input protected by a passphrase */
    /*
     * The plain PKCS#8 DER the key was decoded from, when it is byte for
     * byte what OpenSSL's encoder writes for the key (secure heap, owned):
     * written out as is, which spares starting the encoders.
     */
    unsigned char *pkcs8;
    size_t pkcs8_len;
} CWMS_KEY;

/* Frees what k owns (cleansing the key bytes) and zeroes it. */
void cwms_key_clear(CWMS_KEY *k);
/*
 * Sets k's key bytes to a copy of der on the secure heap (der NULL: none).
 * 1, or 0 when out of memory (k unchanged).
 */
int cwms_key_set1_pkcs8(CWMS_KEY *k, const unsigned char *der, size_t len);
/*
 * Moves *k into the inputs under a copy of origin (which may be NULL) and
 * zeroes *k; on allocation failure clears *k and returns 0.
 */
int cwms_inputs_take_key(CWMS_INPUTS *in, CWMS_KEY *k, const char *origin);

struct cwms_inputs_st {
    CWMS_POOL *pool;
    CWMS_KEY *keys;
    size_t n_keys;
    size_t unpack_left; /* what archives may still unpack in this run (archive.h) */
};

/*
 * The path of a file: URI (file:///abs, file://localhost/abs, file:/abs,
 * file:relative), percent-decoded; OPENSSL_free. NULL with an error in
 * diag (which may be NULL) when it names another host or holds a bad escape.
 */
char *cwms_file_uri_path(const char *uri, CWMS_DIAG *diag);

#endif
