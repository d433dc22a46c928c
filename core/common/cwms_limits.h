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
 * and CWMS_FIFO_TOTAL_MS for the whole transfer (core/common/cwms_file_io.h).
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

#endif
