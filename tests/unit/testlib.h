/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the unit tests (one library, built once, linked by
 * every test): temporary directories, whole files, the paths of the
 * generated PKI and of tests/data, and matchers over the core's messages.
 * testlib.c needs only libc, OpenSSL and cmocka; the diagnostics helpers
 * (testlib_diag.c) need the core's diag.c.
 */
#ifndef CWMS_TESTLIB_H
#define CWMS_TESTLIB_H

#include <stddef.h>

#include <openssl/x509.h>

#include "cwms/diag.h"

/* ---- temporary directories ---- */

/* Creates $TMPDIR/PREFIX.XXXXXX (default /tmp) into buf; 0 on success, -1 on failure. */
int t_tempdir_make(char *buf, size_t size, const char *prefix);
/* Removes the directory and everything below it; 0 on success. */
int t_tempdir_remove(const char *dir);
/* Where temporary files go: $TMPDIR, or /tmp. */
const char *t_tmp_base(void);

/* ---- files ---- */

/* The whole file, NUL-terminated (not counted in *len); fails the test when it cannot be read
 * or is empty. free() it. */
unsigned char *t_slurp(const char *path, size_t *len);

/* ---- fixture paths ---- */

/* "$CWMS_TEST_PKI/<rel>" (the PKI with-pki.sh generated), in one of a few rotating buffers:
 * valid for the next three calls. */
const char *t_pki(const char *rel);
/* "$CWMS_TEST_DATA/<rel>" (tests/data), in rotating buffers like t_pki. The data is part of the
 * tree: when the file is not there, the test fails. */
const char *t_data(const char *rel);

/* ---- skipping ---- */

/*
 * A test that cannot run here (a missing tool, a missing privilege):
 * says why and skips it. main() returns t_exit(failed) so that the whole
 * executable then exits 77, which meson shows as SKIP, not as a pass.
 * Missing test data is not a reason to skip: the data is in the tree.
 */
void t_skip(const char *why);
/* The exit status for main: 1 when any test failed, else 77 when any was skipped, else 0. */
int t_exit(int failed);

/* ---- certificates ---- */

/* The name O=org, CN=cn in the given string type (MBSTRING_ASC, V_ASN1_UTF8STRING, ...). */
X509_NAME *t_name(int string_type, const char *org, const char *cn);

/* ---- messages ---- */

/* Fails the test unless haystack contains needle. */
void t_assert_contains(const char *haystack, const char *needle);

/* The first message with this reason, or NULL. */
const CWMS_MSG *t_find(const CWMS_DIAG *diag, CWMS_REASON reason);
/* The first message of this level whose text holds n1 and (unless NULL) n2, or NULL. */
const CWMS_MSG *t_find_text(const CWMS_DIAG *diag, CWMS_LEVEL level, const char *n1,
                            const char *n2);
/* 1 when some message has this level and reason and its text holds want. */
int t_has_message(const CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *want);
/* Fails (printing every message) unless the first message of this level holding n1 and n2
 * (see t_find_text) has this reason. */
void t_assert_msg(const CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *n1,
                  const char *n2);
/* Fails (printing every message) unless the first error has this reason and its text holds
 * want (any text when want is NULL). */
void t_assert_first_error(const CWMS_DIAG *diag, CWMS_REASON reason, const char *want);
/* Prints every message (for failing tests). */
void t_dump(const CWMS_DIAG *diag);

#endif
