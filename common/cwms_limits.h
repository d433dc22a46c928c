/* SPDX-License-Identifier: Apache-2.0 */
/* Limits every part of cwms-bundle applies alike. */
#ifndef CWMS_LIMITS_H
#define CWMS_LIMITS_H

/*
 * The longest passphrase or PIN accepted, in bytes, from any source (the
 * passphrase cache, --passin/--passout, a PIN in a pkcs11: URI or its
 * pin-source file). Buffers hold CWMS_PASS_MAX + 1 for the NUL.
 */
#define CWMS_PASS_MAX 1024

/*
 * The largest file read whole (an input, a directory entry, --trust,
 * standard input, a cwms: path): a stream stops here (core/util/file_read.h).
 */
#define CWMS_FILE_MAX_BYTES ((size_t)256 * 1024 * 1024)

/*
 * A named pipe (FIFO) is waited on at most this long at a time: for its
 * writer (or, as an output, its reader) to appear and for each next chunk;
 * and CWMS_FIFO_TOTAL_MS for the whole transfer (common/cwms_file_io.h).
 * Long enough for a writer started with the command, short enough that a
 * FIFO nobody feeds is reported rather than hanging the run.
 */
#define CWMS_FIFO_WAIT_MS 5000
#define CWMS_FIFO_TOTAL_MS 60000

/*
 * The most key-derivation iterations a PKCS#12 MAC or encryption, or an
 * encrypted PKCS#8, may ask for (core/input/kdf_limit.h): 10 million is
 * already seconds of work but a legitimate choice; 2^31-1 would be minutes.
 */
#define CWMS_KDF_ITERATIONS_MAX 10000000

/*
 * The most an scrypt key derivation (PBES2 with scrypt, RFC 7914) may ask
 * for: CWMS_SCRYPT_MAX_MEMORY bytes (128 * r * (N + p + 2), what OpenSSL
 * allocates) and CWMS_SCRYPT_MAX_WORK for N * r * p. N = 2^18 with r = 8
 * and p = 1 fits both: seconds of work, like CWMS_KDF_ITERATIONS_MAX;
 * `openssl pkcs8 -topk8 -scrypt` writes N = 2^14, r = 8, p = 1.
 */
#define CWMS_SCRYPT_MAX_MEMORY ((unsigned long long)256 * 1024 * 1024 + 4096)
#define CWMS_SCRYPT_MAX_WORK ((unsigned long long)1 << 21)

/*-
 * What a PKCS#11 module may answer (pkcs11/p11_bounds.c). A module is
 * untrusted input: a count or length past what it was asked for, or past
 * these limits, is an error naming the module, found before anything is
 * allocated for it. Each is far above what any real token needs.
 */
/* Slots in one C_GetSlotList. */
#define CWMS_P11_SLOTS_MAX 1024
/* C_GetSlotList rounds when the list changes between the count and the list (hot plug). */
#define CWMS_P11_LIST_ROUNDS 4
/* Mechanisms in one C_GetMechanismList. */
#define CWMS_P11_MECHS_MAX 4096
/* Objects one search (C_FindObjectsInit ... C_FindObjectsFinal) may find. */
#define CWMS_P11_OBJECTS_MAX 100000
/* Bytes of a CKA_LABEL or CKA_ID. */
#define CWMS_P11_NAME_MAX 4096
/* Bytes of any other value read from a token: a certificate, a key component, a signature. */
#define CWMS_P11_VALUE_MAX ((size_t)1024 * 1024)

/*
 * Seconds a PKCS#11 call that may block (C_Initialize, C_Login,
 * C_Finalize) may take before it is given up (pkcs11/p11_bounded.c):
 * CWMS_PKCS11_TIMEOUT overrides, within 1 to the maximum. A C_Login on a
 * token with a PIN pad waits for a person, so it gets longer by default.
 */
#define CWMS_P11_TIMEOUT_DEFAULT 10
#define CWMS_P11_TIMEOUT_PINPAD 60
#define CWMS_P11_TIMEOUT_MAX 300

#endif
