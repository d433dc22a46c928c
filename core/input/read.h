/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collector of one reading (read.c), shared by input.c (sources,
 * sniffing, the merge into the inputs) and the format readers
 * (formats.h: pem.c, der.c, pkcs7.c, pkcs12.c, key.c).
 *
 * One CWMS_READ is the reading of one file or buffer. What it yields is
 * collected here first and merged into the inputs when the file is done,
 * so that certificates can be named "file#n" only when the file holds
 * several, and so a PKCS#12 read with a wrong password can be undone.
 */
#ifndef CWMS_INPUT_READ_H
#define CWMS_INPUT_READ_H

#include <stddef.h>

#include <openssl/evp.h>

#include "index/cert.h"
#include "cwms/diag.h"
#include "input/input.h"

/* The returns of every cwms_read_* format reader. */
enum {
    CWMS_READ_ERROR = -1,   /* it was this format but unusable; an error is in diag */
    CWMS_READ_NOT_MINE = 0, /* not this format; nothing reported, error queue untouched */
    CWMS_READ_OK = 1        /* read (possibly with notes) */
};

typedef struct cwms_read_st {
    const CWMS_READ_CTX *rctx; /* never NULL */
    CWMS_DIAG *diag;
    const char *name;  /* what messages call the file: "ca.pem", "(stdin)" */
    CWMS_CERT **certs; /* owned, origin not set yet */
    size_t n_certs, cap_certs;
    CWMS_KEY *keys; /* owned; origin not set yet */
    size_t n_keys, cap_keys;
    int recognised;       /* something known was seen, even if ignored (a CSR) */
    size_t n_unknown;     /* PEM blocks of unknown type skipped: one note says so */
    size_t first_unknown; /* the first one's number and label */
    char first_unknown_label[64];
    int failed;          /* an error was reported */
    int passphrase_used; /* something in it was decrypted with the passphrase */
    int skip_unusable;   /* one of many (a folder, an archive): nothing usable is a note */
    int skipped;         /* it held nothing usable and was skipped with a note */
} CWMS_READ;

/* Starts reading the file called name; rctx NULL = defaults. */
void cwms_read_init(CWMS_READ *r, const char *name, const CWMS_READ_CTX *rctx, CWMS_DIAG *diag);
/* Reports running out of memory while reading this file. */
void cwms_read_oom(CWMS_READ *r);

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
/* Likewise, with the canonical plain PKCS#8 DER it came from (copied; see CWMS_KEY). */
int cwms_read_take_key_pkcs8(CWMS_READ *r, EVP_PKEY *pkey, const unsigned char *der, size_t len);
/* Drops what was taken after the first n_certs certificates and n_keys keys. */
void cwms_read_rollback(CWMS_READ *r, size_t n_certs, size_t n_keys);

/*
 * The passphrase from the cache (asking its source once); what names the
 * object for a prompt. 1 with *pass / *len set, 0 when none is available.
 */
int cwms_read_passphrase(CWMS_READ *r, const char *what, const char **pass, size_t *len);
/* 1 when the passphrase can be had without prompting (cwms_pass_given): try it first. */
int cwms_read_passphrase_given(const CWMS_READ *r);

/*
 * Reports that no passphrase could be had (CWMS_R_NO_PASSPHRASE), unless
 * the passphrase source already said why (cwms_pass_reported): one error
 * per cause. Sets r->failed either way; returns CWMS_READ_ERROR.
 */
int cwms_read_no_passphrase(CWMS_READ *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reports an error for this file; sets r->failed. Returns CWMS_READ_ERROR. */
int cwms_read_error(CWMS_READ *r, CWMS_REASON reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, appending the first OpenSSL error and clearing the queue. */
int cwms_read_error_openssl(CWMS_READ *r, CWMS_REASON reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A note for the user (something recognised and skipped). */
void cwms_read_note(CWMS_READ *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A CSR among the inputs: recognised, noted as ignored. Returns CWMS_READ_OK. */
int cwms_read_skip_csr(CWMS_READ *r);

#endif
