/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key-derivation work a file may ask for (kdf_limit.c).
 *
 * A PKCS#12 MAC or a password-based encryption names its own iteration
 * count, and a hostile or broken file can name 2^31-1: minutes of CPU
 * before the passphrase is even known to be wrong. Counts above
 * CWMS_KDF_ITERATIONS_MAX are refused (CWMS_R_KDF_ITERATIONS) before any
 * derivation runs. Real files use 1 to a few million; 10 million is an
 * already slow (seconds) but legitimate choice.
 */
#ifndef CWMS_INPUT_KDF_LIMIT_H
#define CWMS_INPUT_KDF_LIMIT_H

#include <stdint.h>

#include <openssl/x509.h>

#include "cwms_limits.h"
#include "input/read.h"

/*
 * The iteration count of a password-based encryption algorithm (PBES1,
 * PKCS#12 PBE or PBES2 with PBKDF2): 1 and *iter set, 0 when alg has none
 * this knows of (then nothing to limit; OpenSSL refuses what it cannot use).
 */
int cwms_pbe_iterations(const X509_ALGOR *alg, uint64_t *iter);

/* 1 when iter is within CWMS_KDF_ITERATIONS_MAX. */
int cwms_kdf_iterations_ok(uint64_t iter);

/*
 * 1 when iter is within the limit; else reports CWMS_R_KDF_ITERATIONS for
 * r's file ("the PKCS#12 MAC", what) and returns 0.
 */
int cwms_read_check_iterations(CWMS_READ *r, const char *what, uint64_t iter);
/* The same for the iteration count of a password-based encryption algorithm. */
int cwms_read_check_pbe(CWMS_READ *r, const char *what, const X509_ALGOR *alg);
/* The same for an encrypted PKCS#8 (its algorithm); NULL passes. */
int cwms_read_check_sig_pbe(CWMS_READ *r, const char *what, const X509_SIG *p8);

#endif
