/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What cwms-bundle tells the user on stderr: the core's messages as
 * "cwms-bundle: error: ...", usage errors, and the success summary.
 * Nothing here writes to stdout (stdout may be the bundle itself).
 */
#ifndef CWMS_CLI_REPORT_H
#define CWMS_CLI_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "cwms/anchor.h"
#include "cwms/bundle.h"
#include "cwms/diag.h"

#define CLI_PROGRAM "cwms-bundle"

/*
 * Writes text to out under the escaping rule of cwms_escape.h (controls
 * and bytes that are not UTF-8 as \xNN): the one way a string that came
 * from outside (a file name, a subject, a label, a message) is printed.
 * The JSON document's strings have theirs in json_out.h.
 */
void cli_put_text(FILE *out, const char *text);

/* "error", "warning" or "note": how messages, findings and the JSON name a level. */
const char *cli_level_word(CWMS_LEVEL level);

/* Prints every message of diag in order: "cwms-bundle: error|warning|note: TEXT". */
void cli_report_messages(const CWMS_DIAG *diag);

/* Prints only the errors of diag (-q). */
void cli_report_errors(const CWMS_DIAG *diag);

/*
 * The exit code for a failed run: the first error's reason through
 * cwms_reason_exit_code; CWMS_EXIT_FAILURE when diag holds no error.
 */
int cli_report_exit_code(const CWMS_DIAG *diag);

/* "cwms-bundle: note: ..." on stderr, the text under the escaping rule. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Prints "cwms-bundle: error: ..." (under the escaping rule) and a pointer
 * to `cwms-bundle COMMAND --help` on stderr. Returns CWMS_EXIT_USAGE for `return cli_usage_error(...)`.
 */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What the summary says about where the bundle went and in which format. */
typedef struct cli_summary_st {
    const char *output;     /* file name; NULL = standard output */
    const char *format;     /* "PEM", "PKCS#12" */
    const char *key_format; /* "PKCS#8", "encrypted PKCS#8", "traditional", ... */
    int secret;             /* the file holds a key: mode 0600 */
    size_t warnings;
} CLI_SUMMARY;

/*
 * Where the anchor was found ("found in --trust 'FILE'; it signed 'X'"),
 * one line (cli_report_anchor's words, also the tree's).
 */
void cli_put_anchor_source(FILE *out, const CWMS_ANCHOR_INFO *anchor);

/*
 * The chain's anchor (cwms/anchor.h) as lines starting with lead: the
 * anchor's subject, short SHA-256 and where it was found (or that none
 * was), then each CA the chain uses one variant of, with why the others
 * lost. Nothing when the bundle has no anchor record.
 */
void cli_report_anchor(FILE *out, const char *lead, const CWMS_BUNDLE *bundle);

/*
 * The success summary on stderr: order, key, each certificate (subject,
 * notAfter) in output order, the anchor (cli_report_anchor), where it went. (What was left out, such as
 * the root, is the core's note in diag, printed before.)
 */
void cli_report_summary(const CWMS_BUNDLE *bundle, const CLI_SUMMARY *s);

#endif
