/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Judging a bundle file that already exists (`cwms-bundle check`).
 *
 * The file is read the way CWMS reads it — its PEM blocks in order, and
 * the text between them — and its certificates and keys go through the
 * very build pipeline `cwms-bundle build` runs (cwms_chain_build), so
 * "what build would write" is computed once, by the same code. Each
 * difference between the file and that result, and each message of the
 * build's own checks, becomes a finding with a stable code (documented
 * in cwms-bundle(1)). A file that leaves a private root out, as CWMS
 * wants, is judged without the root: its top certificate's unknown issuer
 * is a warning (ANCHOR_UNKNOWN), a missing intermediate only on evidence
 * (paths/unknown_anchor.h). An encrypted key block is recognised without
 * decrypting it; its match with the server certificate is checked only
 * when a passphrase source is given.
 */
#ifndef CWMS_INSPECT_H
#define CWMS_INSPECT_H

#include <stddef.h>

#include "cwms/types.h"
#include "cwms/diag.h"
#include "cwms/emit.h"

typedef enum {
    CWMS_BLOCK_CERT = 0,
    CWMS_BLOCK_KEY,           /* a private key in the clear */
    CWMS_BLOCK_ENCRYPTED_KEY, /* ENCRYPTED PRIVATE KEY, or a traditional key with DEK-Info */
    CWMS_BLOCK_OTHER          /* CSR, CRL, public key, PKCS#7, ... */
} CWMS_BLOCK_KIND;

/* One PEM block of the file, in file order. */
typedef struct cwms_block_st {
    CWMS_BLOCK_KIND kind;
    const char *label;   /* "CERTIFICATE", "ENCRYPTED PRIVATE KEY" */
    size_t offset, len;  /* its bytes: the BEGIN line to the end of the END line */
    size_t line;         /* 1-based line of its BEGIN line */
    const char *subject; /* certificates: one-line subject (cwms_escape.h); NULL otherwise */
    const char *sha256;  /* certificates: uppercase hex SHA-256 of the DER; "" otherwise */
} CWMS_BLOCK;

/* One problem, or a note, about the file. */
typedef struct cwms_finding_st {
    CWMS_LEVEL level;    /* CWMS_ERROR decides the exit code; warnings only with --strict */
    const char *code;    /* stable: "ORDER_WRONG", "KEY_NOT_FIRST", ... */
    CWMS_REASON reason;  /* the exit code comes from it (cwms_reason_exit_code) */
    const char *message; /* what is wrong, under the escaping rule of cwms_escape.h */
    const char *action;  /* what to do */
    size_t block;        /* 1-based block it concerns; 0 = the file as a whole */
    const char *subject; /* that block's certificate subject, or NULL */
    const char *sha256;  /* that block's certificate SHA-256 (hex), or "" */
    int fixable;         /* cwms_inspect_fix corrects it */
} CWMS_FINDING;

typedef struct cwms_inspect_options_st {
    /*
     * What build would be given: order, trust_file, attime, hosts,
     * strict, pass, libctx. inputs, key_source, no_key, include_root and
     * explain are set by the check itself.
     */
    CWMS_OPTIONS build;
    const char *path; /* the bundle file; "-" for standard input */
    int decrypt_keys; /* a passphrase source was given: decrypt encrypted key blocks */
    /*
     * The chain a TLS server sent (cwms/connect.h), judged instead of the
     * file (path then only names it): in TLS order whatever build.order
     * says (the first certificate is the server's, the order of the rest
     * is not judged), no key expected, a root, a certificate on no path
     * or one sent twice a warning (clients pass over them), nothing
     * fixable. Blocks are its certificates written as PEM. NULL: the file.
     */
    STACK_OF(X509) * served;
} CWMS_INSPECT_OPTIONS;

typedef struct cwms_inspection_st CWMS_INSPECTION;

/*
 * Checks the file. Returns 1 with *out set (free with cwms_inspect_free)
 * when the file could be judged — the findings then say what is wrong,
 * also "unreadable" — and 0 with an error in diag only when memory ran
 * out. The build's own messages are appended to diag.
 */
int cwms_inspect_bundle(const CWMS_INSPECT_OPTIONS *o, CWMS_DIAG *diag, CWMS_INSPECTION **out);
void cwms_inspect_free(CWMS_INSPECTION *c);

size_t cwms_inspect_block_count(const CWMS_INSPECTION *c);
const CWMS_BLOCK *cwms_inspect_get0_block(const CWMS_INSPECTION *c, size_t i);
size_t cwms_inspect_finding_count(const CWMS_INSPECTION *c);
const CWMS_FINDING *cwms_inspect_get0_finding(const CWMS_INSPECTION *c, size_t i);

/* 1 when the file is exactly what build would write: the same blocks, in the same order. */
int cwms_inspect_ready(const CWMS_INSPECTION *c);
/*
 * The exit code: 0 when no finding is an error (warnings count with the
 * build's strict option), else that of the worst error: 3 (the file is
 * unreadable or not PEM) before 5 (key) before 4 (chain); 8 when the
 * worst is a certificate expiring within build.warn_days (a warning).
 */
int cwms_inspect_exit_code(const CWMS_INSPECTION *c);
/*
 * What build would write (key and chain, with its explanation), also when
 * the build found errors (then the chain as far as it goes, the file is
 * compared with it); NULL when no chain could be found at all.
 */
const CWMS_BUNDLE *cwms_inspect_get0_bundle(const CWMS_INSPECTION *c);
/*
 * The bundle's explanation, or when the build failed what it found
 * (cwms_explain_complete says which); NULL when it got no further than
 * reading. Owned by c.
 */
const struct cwms_explain_st *cwms_inspect_get0_explain(const CWMS_INSPECTION *c);

/*
 * --against: whether the served chain c judged holds the certificates of
 * the bundle file at path (read as check reads it; a self-signed root on
 * either side aside). Adds the error finding NOT_IN_BUNDLE for each
 * certificate sent that the file lacks and NOT_SENT for each of the file's
 * that is not sent, or the note SENDS_BUNDLE; *matches says which. Returns
 * 1, or 0 with an error in diag when the file holds no certificate to
 * compare (unreadable, not a bundle) or memory ran out.
 */
int cwms_inspect_against(CWMS_INSPECTION *c, const char *path, const CWMS_INSPECT_OPTIONS *o,
                         int *matches, CWMS_DIAG *diag);

/*
 * The corrected file: the key block kept byte for byte (an encrypted one
 * needs no passphrase) — or, with eo->passout, the key re-encrypted —
 * then the certificates build would write. Returns 1 with *out and *out_len
 * (free with OPENSSL_clear_free) when every error finding is fixable;
 * 0 with an error in diag naming the findings it cannot fix.
 */
int cwms_inspect_fix(const CWMS_INSPECTION *c, const CWMS_EMIT_OPTIONS *eo, unsigned char **out,
                     size_t *out_len, CWMS_DIAG *diag);

#endif
