/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The format readers: each reads one kind of content into a CWMS_READ
 * (read.h) and returns CWMS_READ_OK, CWMS_READ_NOT_MINE or
 * CWMS_READ_ERROR. input.c sniffs a buffer and calls the PEM or DER one.
 */
#ifndef CWMS_INPUT_FORMATS_H
#define CWMS_INPUT_FORMATS_H

#include <stddef.h>

#include "cwms/pass.h"
#include "input/read.h"

/* PEM text (blocks among any other text). CWMS_READ_NOT_MINE when it holds no PEM block. */
int cwms_read_pem(CWMS_READ *r, const unsigned char *data, size_t len);

/*
 * A large PEM buffer read in chunks on two threads (pem_chunks.c).
 * A chunk yields its leading plain certificate blocks; where it met
 * anything else (stop < len) the caller reads the rest of it in order.
 */
typedef struct cwms_pem_chunk_st {
    const unsigned char *data;
    size_t len;
    CWMS_CERT **certs; /* in file order, owned, origin not set */
    size_t n_certs, cap_certs;
    size_t n_blocks; /* blocks taken */
    size_t stop;     /* offset of the first block not taken; len when all were */
} CWMS_PEM_CHUNK;

/*
 * Reads data's chunks on this thread and one helper thread; returns their
 * number and sets *chunks (free with cwms_pem_chunks_free), or 0 when data
 * is to be read in one go (max_threads < 1: no thread allowed; small, one
 * CPU, no place to cut). Reports nothing (but a line on the input debug
 * channel), leaves no error queued.
 */
size_t cwms_pem_chunks_read(const unsigned char *data, size_t len, int max_threads,
                            CWMS_PEM_CHUNK **chunks);
/* Frees the chunks and the certificates still in them. */
void cwms_pem_chunks_free(CWMS_PEM_CHUNK *chunks, size_t n);
/*
 * Where a chunk may start: the first "-----BEGIN" line at or after `from`
 * whose previous non-blank line is an "-----END" line; 0 when there is none.
 */
size_t cwms_pem_split_after(const unsigned char *data, size_t len, size_t from);

/* A buffer of one or more concatenated DER objects. NOT_MINE when it is not DER. */
int cwms_read_der(CWMS_READ *r, const unsigned char *data, size_t len);
/* One DER object of any supported kind (also the content of an unknown PEM block). */
int cwms_read_der_object(CWMS_READ *r, const unsigned char *der, size_t len);

/* A PKCS#7 ContentInfo (signedData): its certificates. */
int cwms_read_pkcs7_der(CWMS_READ *r, const unsigned char *der, size_t len);

/* A PKCS#12 file: key, certificate and CA certificates. */
int cwms_read_pkcs12_der(CWMS_READ *r, const unsigned char *der, size_t len);

/* An unencrypted private key: PKCS#8 PrivateKeyInfo or a traditional RSA/EC/DSA key. */
int cwms_read_key_der(CWMS_READ *r, const unsigned char *der, size_t len);
/* An EncryptedPrivateKeyInfo (encrypted PKCS#8), decrypted with the cached passphrase. */
int cwms_read_encrypted_key_der(CWMS_READ *r, const unsigned char *der, size_t len);

/* How this reading's front calls --passin, for the passphrase messages. */
#define CWMS_READ_PASSIN(r) cwms_option_name((r)->rctx->front, CWMS_OPT_PASSIN)
/* Where the passphrase came from, for "check %s" (cwms_pass_source), else the option. */
#define CWMS_READ_PASS_SOURCE(r)                                                                   \
    (cwms_pass_source((r)->rctx->pass) != NULL ? cwms_pass_source((r)->rctx->pass)                 \
                                               : CWMS_READ_PASSIN(r))

/* Messages of the passphrase errors, shared so every format says it alike. */
#define CWMS_MSG_KEY_NO_PASS                                                                       \
    "the private key in '%s' is encrypted and no passphrase was given: use %s"
#define CWMS_MSG_KEY_BAD_PASS "wrong passphrase for the encrypted private key in '%s': check %s"

#endif
