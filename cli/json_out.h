/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --json: one JSON document on stdout per run, for build, check and
 * tokens (json-c). The schema is docs/cwms-bundle.schema.json; its
 * version is CLI_JSON_SCHEMA_VERSION, raised on any incompatible change.
 */
#ifndef CWMS_CLI_JSON_OUT_H
#define CWMS_CLI_JSON_OUT_H

#include <json-c/json.h>

#include "cwms/bundle.h"
#include "cwms/diag.h"

#define CLI_JSON_SCHEMA_VERSION 1

/* The schema's installed path (meson: DATADIR/cwms-bundle), for --help. */
#ifndef CWMS_SCHEMA_FILE
#define CWMS_SCHEMA_FILE "docs/cwms-bundle.schema.json"
#endif

/*
 * A JSON string of text (NULL taken as "") under the escaping rule of
 * cwms_escape.h, so the document is valid UTF-8 whatever a file name, a
 * subject, a label or a file's bytes hold, and says what the terminal
 * says. Every string that is not a constant of the program is made here.
 * NULL when memory ran out.
 */
json_object *cli_json_text(const char *text);

/* A new document: {"schema_version": 1, "command": command}; NULL when memory ran out. */
json_object *cli_json_new(const char *command);

/* The key as the document describes it; NULL (JSON null) without one. */
typedef struct cli_json_key_st {
    EVP_PKEY *pkey; /* may be NULL when the key was not decrypted */
    const char *origin;
    int encrypted;
} CLI_JSON_KEY;

/*
 * Adds the bundle: "order", "cwms", "key", "certificates" (output order),
 * "anchor", "left_out", "alternatives" (from the core's explanation).
 * cwms_version may be NULL. 1, or 0 when memory ran out.
 */
int cli_json_add_bundle(json_object *doc, const CWMS_BUNDLE *b, const char *cwms_version,
                        const CLI_JSON_KEY *key);

/* Adds "diagnostics": every message with level, code (the reason number), reason and message. */
int cli_json_add_diagnostics(json_object *doc, const CWMS_DIAG *diag);

/* Writes doc to stdout (pretty, one trailing newline) and frees it. 1, or 0 on a write error. */
int cli_json_write(json_object *doc);

#endif
