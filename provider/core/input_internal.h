/*
 * Internals of the inputs reader, shared by the per-format files:
 * input.c (sources, sniffing, commit), input_pem.c, input_der.c,
 * input_pkcs7.c, input_pkcs12.c and input_key.c.
 *
 * One CWMS_READ is the reading of one file or buffer. What it yields is
 * collected here first and merged into the inputs when the file is done,
 * so that certificates can be named "file#n" only when the file holds
 * several, and so a PKCS#12 read with a wrong password can be undone.
 */
#ifndef CWMS_INPUT_INTERNAL_H
#define CWMS_INPUT_INTERNAL_H

#include <stddef.h>

#include <openssl/evp.h>

#include "cert.h"
#include "diag.h"
#include "input.h"

/* The returns of every cwms_read_* format reader. */
enum {
    CWMS_READ_ERROR = -1,    /* it was this format but unusable; an error is in diag */
    CWMS_READ_NOT_MINE = 0,  /* not this format; nothing reported, error queue untouched */
    CWMS_READ_OK = 1         /* read (possibly with notes) */
};

typedef struct cwms_read_st {
    const CWMS_READ_CTX *rctx;   /* never NULL */
    CWMS_DIAG *diag;
    const char *name;            /* what messages call the file: "ca.pem", "(stdin)" */
    CWMS_CERT **certs;           /* owned, origin not set yet */
    size_t n_certs, cap_certs;
    EVP_PKEY **keys;             /* owned */
    size_t n_keys, cap_keys;
    int recognised;              /* something known was seen, even if ignored (a CSR) */
    int failed;                  /* an error was reported */
} CWMS_READ;

/*
 * cwms_cert_new_der / cwms_cert_new_x509 without leaving errors behind
 * (a damaged extension raises one even when the entry is made).
 */
CWMS_CERT *cwms_read_new_cert_der(const unsigned char *der, size_t len);
CWMS_CERT *cwms_read_new_cert_x509(X509 *x);
/* cwms_cert_adopt_der likewise: der is taken, also on failure. */
CWMS_CERT *cwms_read_adopt_cert_der(unsigned char *der, size_t len);

/* Keeps cert (ownership taken, also on failure). 1, or 0 after reporting out of memory. */
int cwms_read_take_cert(CWMS_READ *r, CWMS_CERT *cert);
/* Keeps pkey (ownership taken, also on failure). 1, or 0 after reporting out of memory. */
int cwms_read_take_key(CWMS_READ *r, EVP_PKEY *pkey);
/* Drops what was taken after the first n_certs certificates and n_keys keys. */
void cwms_read_rollback(CWMS_READ *r, size_t n_certs, size_t n_keys);

/*
 * The passphrase from the cache (asking its source once); what names the
 * object for a prompt. 1 with *pass / *len set, 0 when none is available.
 */
int cwms_read_passphrase(CWMS_READ *r, const char *what, const char **pass, size_t *len);

/* Reports an error for this file; sets r->failed. Returns CWMS_READ_ERROR. */
int cwms_read_error(CWMS_READ *r, CWMS_REASON reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, appending the first OpenSSL error and clearing the queue. */
int cwms_read_error_openssl(CWMS_READ *r, CWMS_REASON reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A note for the user (something recognised and skipped). */
void cwms_read_note(CWMS_READ *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* PEM text (blocks among any other text). CWMS_READ_NOT_MINE when it holds no PEM block. */
int cwms_read_pem(CWMS_READ *r, const unsigned char *data, size_t len);

/* 1 when a PEM block of this name is a plain certificate ("CERTIFICATE", "X509 CERTIFICATE"). */
int cwms_pem_names_certificate(const char *name);

/*
 * A large PEM buffer read in chunks on two threads (input_pem_chunks.c).
 * A chunk yields its leading plain certificate blocks; where it met
 * anything else (stop < len) the caller reads the rest of it in order.
 */
typedef struct cwms_pem_chunk_st {
    const unsigned char *data;
    size_t len;
    CWMS_CERT **certs;          /* in file order, owned, origin not set */
    size_t n_certs, cap_certs;
    size_t n_blocks;            /* blocks taken */
    size_t stop;                /* offset of the first block not taken; len when all were */
} CWMS_PEM_CHUNK;

/*
 * Reads data's chunks; returns their number and sets *chunks (free with
 * cwms_pem_chunks_free), or 0 when data is better read in one go (small,
 * one CPU, no place to cut). Reports nothing, leaves no error queued.
 */
size_t cwms_pem_chunks_read(const unsigned char *data, size_t len, CWMS_PEM_CHUNK **chunks);
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

/* Messages of the passphrase errors, shared so every format says it alike. */
#define CWMS_MSG_KEY_NO_PASS \
    "the private key in '%s' is encrypted and no passphrase was given: use --passin"
#define CWMS_MSG_KEY_BAD_PASS \
    "wrong passphrase for the encrypted private key in '%s': check --passin"

#endif
