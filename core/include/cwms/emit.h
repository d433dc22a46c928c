/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a bundle: PEM (key first, then the certificates in order,
 * nothing else) or PKCS#12, and the atomic file write both use.
 */
#ifndef CWMS_EMIT_H
#define CWMS_EMIT_H

#include <stddef.h>

#include "cwms/types.h"
#include "cwms/diag.h"

typedef enum { CWMS_FORMAT_PEM = 0, CWMS_FORMAT_PKCS12 = 1 } CWMS_FORMAT;
typedef enum { CWMS_KEYFMT_PKCS8 = 0, CWMS_KEYFMT_TRADITIONAL = 1 } CWMS_KEY_FORMAT;

typedef struct cwms_emit_options_st {
    OSSL_LIB_CTX *libctx;
    const char *propq;
    CWMS_FORMAT format;
    CWMS_KEY_FORMAT key_format;
    const char *passout; /* encrypts the key (AES-256, PBES2); required for PKCS#12 */
    size_t passout_len;
    int certs_only; /* the certificates without the bundle's key */
} CWMS_EMIT_OPTIONS;

/*
 * Serialises the bundle into a new buffer (*out, *out_len; free with
 * OPENSSL_clear_free since it may hold a key). 1 on success, 0 with an
 * error in diag.
 */
int cwms_emit(const CWMS_BUNDLE *bundle, const CWMS_EMIT_OPTIONS *eo, unsigned char **out,
              size_t *out_len, CWMS_DIAG *diag);

/*
 * Writes data to path atomically: a temporary file in the same directory
 * (unnamed, O_TMPFILE, until complete where the file system has it),
 * fsync, rename. Mode 0600 when secret, else 0644 (less the umask). On
 * failure nothing is created and an existing file is untouched. A symbolic
 * link is followed (the file it names is replaced, the link kept), except
 * one owned by another user in a sticky world-writable directory (the
 * kernel's protected_symlinks rule: refused); a device, FIFO or socket
 * (/dev/null, /dev/stdout) is written in place, never replaced (a FIFO's
 * reader waited for within the bounds of common/cwms_file_io.h). 1 on
 * success, 0 with a CWMS_R_OUTPUT error naming path. Not thread-safe with
 * itself (one pending temporary name per process).
 */
int cwms_write_file_atomic(const char *path, const unsigned char *data, size_t len, int secret,
                           CWMS_DIAG *diag);

/*
 * Creates path with data, never replacing anything: path must not exist
 * (not even as a dangling symbolic link) when the run begins nor when the
 * file gets its name. The bytes go to an unnamed file (O_TMPFILE, or a
 * temporary name) in path's directory, synced, then linked as path, which
 * fails if anything took the name meanwhile: of two runs racing for one
 * name exactly one succeeds. Mode 0600 when secret. 1 on success, 0 with a
 * CWMS_R_OUTPUT_EXISTS (or CWMS_R_OUTPUT) error naming path; on failure
 * nothing is left behind. For a new key file.
 */
int cwms_write_file_new(const char *path, const unsigned char *data, size_t len, int secret,
                        CWMS_DIAG *diag);

/*
 * Unlinks the temporary file of a cwms_write_file_atomic in progress, if
 * it has a name. Async-signal-safe: for a program's SIGINT/SIGTERM/SIGHUP
 * handler, before it dies.
 */
void cwms_atomic_write_abort(void);

#endif
