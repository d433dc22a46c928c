/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key-derivation work a file may ask for (kdf_limit.c).
 *
 * A PKCS#12 MAC or a password-based encryption names its own cost, and a
 * hostile or broken file can name 2^31-1 PBKDF2 iterations, or scrypt with
 * p = 30000: minutes of CPU (or gigabytes) before the passphrase is even
 * known to be wrong. Iteration counts above CWMS_KDF_ITERATIONS_MAX, and
 * scrypt parameters above CWMS_SCRYPT_MAX_MEMORY or CWMS_SCRYPT_MAX_WORK,
 * are refused (CWMS_R_KDF_ITERATIONS) before any derivation runs.
 */
#ifndef CWMS_INPUT_KDF_LIMIT_H
#define CWMS_INPUT_KDF_LIMIT_H

#include <stdint.h>

#include <openssl/x509.h>

#include "cwms_limits.h"
#include "input/read.h"

/* The cost a password-based encryption algorithm names. */
typedef struct cwms_kdf_cost_st {
    int scrypt;       /* 1: PBES2 with scrypt (n, r, p); 0: iterations (iter) */
    uint64_t iter;    /* PBES1, PKCS#12 PBE, PBES2 with PBKDF2 */
    uint64_t n, r, p; /* scrypt's cost, block size and parallelism */
} CWMS_KDF_COST;

/*
 * The cost of a password-based encryption algorithm (PBES1, PKCS#12 PBE,
 * PBES2 with PBKDF2 or scrypt): 1 and *cost set, 0 when alg names none
 * this knows of (then nothing to limit; OpenSSL refuses what it cannot use).
 */
int cwms_pbe_cost(const X509_ALGOR *alg, CWMS_KDF_COST *cost);

/* 1 when cost is within the limits (CWMS_KDF_ITERATIONS_MAX, CWMS_SCRYPT_MAX_*). */
int cwms_kdf_cost_ok(const CWMS_KDF_COST *cost);

/*
 * 1 when iter is within the limit; else reports CWMS_R_KDF_ITERATIONS for
 * r's file ("the PKCS#12 MAC", what) and returns 0.
 */
int cwms_read_check_iterations(CWMS_READ *r, const char *what, uint64_t iter);
/* The same for the cost of a password-based encryption algorithm. */
int cwms_read_check_pbe(CWMS_READ *r, const char *what, const X509_ALGOR *alg);
/* The same for an encrypted PKCS#8 (its algorithm); NULL passes. */
int cwms_read_check_sig_pbe(CWMS_READ *r, const char *what, const X509_SIG *p8);

#endif
