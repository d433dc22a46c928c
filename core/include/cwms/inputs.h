/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inputs: everything a CA or an admin hands over, recognised by content.
 *
 * A source is a file, a directory (its regular files, not recursive), "-"
 * for standard input, a file: URI or a pkcs11: URI. Certificates go into
 * the pool (identical ones kept once); private keys into the key list;
 * CSRs are noted and ignored. A file with nothing recognisable is an
 * error naming it when it was named directly; in a directory it is
 * skipped with a note, and the directory is an error only when none of
 * its files could be used.
 *
 * Origins name the file as given ("certs/ca.pem"; "(stdin)" for "-"),
 * with "#n" for the n-th certificate when a file holds several
 * ("ca.pem#2") and "#keyn" for the n-th of several keys. Directories are
 * read in name order, skipping hidden files and subdirectories (a note
 * each). The same key read twice (key.pem and server.p12) is kept once.
 */
#ifndef CWMS_INPUTS_H
#define CWMS_INPUTS_H

#include <stddef.h>

#include <openssl/evp.h>

#include "cwms/diag.h"
#include "cwms/option_names.h"
#include "cwms/pass.h"
#include "cwms/cert.h"

typedef struct cwms_inputs_st CWMS_INPUTS;

/* How to read: library context for decoders, passphrase cache, threads allowed. */
typedef struct cwms_read_ctx_st {
    OSSL_LIB_CTX *libctx; /* NULL = default */
    const char *propq;
    CWMS_PASS *pass; /* for PKCS#12 and encrypted keys, and token PINs without pin; may be NULL */
    /*
     * Threads the reading may start besides the caller's: 0 (the default
     * of a zeroed context) reads everything on the calling thread; 1 or
     * more lets a large PEM file (512 KiB and up) be read by a helper
     * thread and the caller together.
     */
    int max_threads;
    CWMS_FRONT front; /* how messages name options (zero: the CLI's flags) */
    CWMS_PASS *pin;   /* token PINs (--pin); NULL = pass */
} CWMS_READ_CTX;

/* New empty inputs; NULL on allocation failure. */
CWMS_INPUTS *cwms_inputs_new(void);
void cwms_inputs_free(CWMS_INPUTS *in);

/*
 * Reads one source. Returns 1 on success, 0 on failure with an error in
 * diag naming the source (the inputs keep what was read before).
 */
int cwms_inputs_add_source(CWMS_INPUTS *in, const char *source, const CWMS_READ_CTX *rctx,
                           CWMS_DIAG *diag);

/* Reads one buffer as if it were the content of a file called name. Same returns. */
int cwms_inputs_add_buffer(CWMS_INPUTS *in, const unsigned char *data, size_t len, const char *name,
                           const CWMS_READ_CTX *rctx, CWMS_DIAG *diag);

/* Takes ownership of pkey (also on failure). Returns 1, or 0 on allocation failure. */
int cwms_inputs_add_key(CWMS_INPUTS *in, EVP_PKEY *pkey, const char *origin);

/*
 * Reads a source through the PKCS#11 helper: a pkcs11:
 * URI naming a key, certificates or a whole token. Same returns.
 */
int cwms_inputs_add_pkcs11(CWMS_INPUTS *in, const char *uri, const CWMS_READ_CTX *rctx,
                           CWMS_DIAG *diag);

/* The keys read so far, in the order read; the key and its origin are owned by in. */
size_t cwms_inputs_key_count(const CWMS_INPUTS *in);
EVP_PKEY *cwms_inputs_get0_key(const CWMS_INPUTS *in, size_t i);
const char *cwms_inputs_get0_key_origin(const CWMS_INPUTS *in, size_t i);

/* The certificates read so far, duplicates kept once, in the order read; owned by in. */
size_t cwms_inputs_cert_count(const CWMS_INPUTS *in);
const CWMS_CERT *cwms_inputs_get0_cert(const CWMS_INPUTS *in, size_t i);

/*-
 * Outputs that would replace what the run reads
 */

/* How a file the run reads was named. */
typedef enum {
    CWMS_READS_SOURCE,  /* an INPUT, --key or --trust: path, directory, file: or pkcs11: URI, "-" */
    CWMS_READS_PASSSRC, /* a passphrase or PIN source: only "file:PATH" names a file */
    CWMS_READS_NEW      /* a file the run creates (--new-key FILE): maybe not there yet */
} CWMS_READS_KIND;

/* One file (or directory, or URI naming files) the run reads, as the user gave it. */
typedef struct cwms_reads_st {
    const char *given; /* as the user gave it; NULL entries are skipped */
    CWMS_READS_KIND kind;
    const char *option; /* how messages call it: "INPUT", "--trust", "--passin", ... */
} CWMS_READS;

/*
 * Refuses an output (called out_option in messages, "-o") that would
 * replace something the run reads, before anything is done: 1 when out is
 * none of them, else 0 with a CWMS_R_OUTPUT_IS_INPUT error (exit 7) naming
 * both. Compared by device and inode, so "./ca.pem", "dir/../ca.pem", a
 * hard link and a symbolic link all count: out is refused when it is a file
 * read (an INPUT, --key, --trust; a pkcs11: URI's pin-source or
 * module-path; a file: passphrase or PIN source), a file directly inside a
 * directory read, or the same name as a file the run creates (even before
 * either exists). out NULL (standard output), a device and a FIFO (written
 * into, never replaced) pass. `check --fix` may rewrite BUNDLE in place on
 * purpose: it does not list BUNDLE.
 */
int cwms_output_check(const char *out, const char *out_option, const CWMS_READS *reads, size_t n,
                      CWMS_DIAG *diag);

#endif
