/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check --connect HOST[:PORT]: the chain a running server sends, taken by
 * the core (cwms/connect.h) and handed to the check as a served chain
 * (CWMS_INSPECT_OPTIONS.served). What the check command adds for it: the
 * line saying what was connected to, the verdict line, and the JSON
 * "connect" and "against" members.
 */
#ifndef CWMS_CLI_CHECK_CONNECT_H
#define CWMS_CLI_CHECK_CONNECT_H

#include <stdio.h>

#include <json-c/json.h>

#include "cwms/inspect.h"
#include "cwms/connect.h"
#include "cwms/diag.h"

typedef struct cli_connect_st {
    CWMS_CONNECT_TARGET target;
    CWMS_TLS_PEER *peer;                    /* after cli_connect_fetch */
    char name[CWMS_CONNECT_HOST_SIZE + 16]; /* "host:443", "[::1]:8443": how messages name it */
    const char *against;                    /* --against BUNDLE, or NULL */
    int against_done;                       /* the comparison was made */
    int against_matches;
    int against_rc; /* the exit code when the comparison could not be made */
} CLI_CONNECT;

/* Parses --connect's value into cc; -1, or CWMS_EXIT_USAGE after printing the error. */
int cli_connect_parse(CLI_CONNECT *cc, const char *text);

/*
 * Connects and takes the chain; sni is the name to send (NULL: the host
 * when it is a name). 1, or 0 with the error in diag.
 */
int cli_connect_fetch(CLI_CONNECT *cc, const char *sni, CWMS_DIAG *diag);

/* "connected to HOST port N (ADDRESS), TLSv1.3, ...: N certificates sent" */
void cli_connect_print_intro(FILE *out, const CLI_CONNECT *cc);

/* The last line: what the server sends, judged. */
void cli_connect_print_verdict(FILE *out, const CLI_CONNECT *cc, const CWMS_INSPECTION *check,
                               int exit_code);

/* Adds "connect" (host, port, address, sni, protocol, cipher) and "against" to doc. 1, or 0. */
int cli_connect_json(json_object *doc, const CLI_CONNECT *cc);

/*
 * The JSON document of a run that reached no server (or whose --against
 * file could not be read): "connect" with what is known, no certificates,
 * the diagnostics. 1, or 0 when it cannot be written.
 */
int cli_connect_json_unreached(const CLI_CONNECT *cc, const CWMS_DIAG *diag, int exit_code);

void cli_connect_clear(CLI_CONNECT *cc);

#endif
