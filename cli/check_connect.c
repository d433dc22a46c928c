/* SPDX-License-Identifier: Apache-2.0 */
/* check --connect: see check_connect.h. */
#include "check_connect.h"

#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "report.h"

int cli_connect_parse(CLI_CONNECT *cc, const char *text)
{
    CWMS_DIAG *diag = cwms_diag_new();
    const CWMS_MSG *m;
    int rc = -1;

    if (diag == NULL) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    if (!cwms_connect_parse_target(text, &cc->target, diag)) {
        m = cwms_diag_first_error(diag);
        rc = cli_usage_error("check", "%s", m != NULL ? m->text : "bad --connect value");
    } else if (strchr(cc->target.host, ':') != NULL) {
        snprintf(cc->name, sizeof(cc->name), "[%s]:%s", cc->target.host, cc->target.port);
    } else {
        snprintf(cc->name, sizeof(cc->name), "%s:%s", cc->target.host, cc->target.port);
    }
    cwms_diag_free(diag);
    return rc;
}

int cli_connect_fetch(CLI_CONNECT *cc, const char *sni, CWMS_DIAG *diag)
{
    CWMS_CONNECT_OPTIONS o;

    memset(&o, 0, sizeof(o));
    o.target = &cc->target;
    o.sni = sni;
    return cwms_connect_get_peer(&o, &cc->peer, diag);
}

void cli_connect_print_intro(FILE *out, const CLI_CONNECT *cc)
{
    int n = sk_X509_num(cc->peer->chain);

    fprintf(out,
            CLI_PROGRAM ": note: connected to %s (%s), %s, %s; server name (SNI) %s%s%s: %d "
                        "certificate%s sent, judged in TLS order (server first)\n",
            cc->name, cc->peer->address, cc->peer->protocol, cc->peer->cipher,
            cc->peer->sni[0] != '\0' ? "'" : "none", cc->peer->sni,
            cc->peer->sni[0] != '\0' ? "'" : "", n, n == 1 ? "" : "s");
}

void cli_connect_print_verdict(FILE *out, const CLI_CONNECT *cc, const CWMS_INSPECTION *check,
                               int exit_code)
{
    size_t n = cwms_inspect_finding_count(check), warnings = 0;

    for (size_t i = 0; i < n; i++)
        warnings += cwms_inspect_get0_finding(check, i)->level == CWMS_WARNING;
    if (cwms_inspect_ready(check))
        fprintf(out, "%s sends a chain clients accept%s%s%s\n", cc->name,
                cc->against_matches ? ", the certificates of " : "",
                cc->against_matches ? cc->against : "",
                warnings > 0 ? " (see the warnings above)" : "");
    else
        fprintf(out,
                CLI_PROGRAM ": %s does not send what it should: %zu finding%s (exit %d); "
                            "what to do is under each\n",
                cc->name, n, n == 1 ? "" : "s", exit_code);
}

/* A string member, or null for "". 1, or 0 when memory ran out. */
static int put_peer_string(json_object *o, const char *key, const char *s)
{
    json_object *v = s[0] != '\0' ? cli_json_text(s) : NULL;

    if (s[0] != '\0' && v == NULL)
        return 0;
    if (json_object_object_add(o, key, v) != 0) {
        json_object_put(v);
        return 0;
    }
    return 1;
}

int cli_connect_json(json_object *doc, const CLI_CONNECT *cc)
{
    json_object *c = json_object_new_object(), *a = NULL;
    const CWMS_TLS_PEER *p = cc->peer;
    int ok;

    ok = c != NULL && json_object_object_add(doc, "connect", c) == 0;
    if (!ok) {
        json_object_put(c);
        return 0;
    }
    /* Before a handshake (the server was not reached) what it would have told is null. */
    ok = json_object_object_add(c, "host", json_object_new_string(cc->target.host)) == 0
        && json_object_object_add(c, "port", json_object_new_int(atoi(cc->target.port))) == 0
        && put_peer_string(c, "address", p != NULL ? p->address : "")
        && put_peer_string(c, "sni", p != NULL ? p->sni : "")
        && put_peer_string(c, "protocol", p != NULL ? p->protocol : "")
        && put_peer_string(c, "cipher", p != NULL ? p->cipher : "");
    if (ok && cc->against != NULL && cc->against_done) {
        ok = (a = json_object_new_object()) != NULL
            && json_object_object_add(doc, "against", a) == 0
            && json_object_object_add(a, "file", json_object_new_string(cc->against)) == 0
            && json_object_object_add(a, "matches", json_object_new_boolean(cc->against_matches))
                == 0;
    } else if (ok) {
        ok = json_object_object_add(doc, "against", NULL) == 0;
    }
    return ok;
}

void cli_connect_clear(CLI_CONNECT *cc)
{
    cwms_tls_peer_free(cc->peer);
    cc->peer = NULL;
}

int cli_connect_json_unreached(const CLI_CONNECT *cc, const CWMS_DIAG *diag, int exit_code)
{
    json_object *doc = cli_json_new("check");
    int ok = doc != NULL && cli_connect_json(doc, cc)
        && json_object_object_add(doc, "ready", json_object_new_boolean(0)) == 0
        && json_object_object_add(doc, "exit_code", json_object_new_int(exit_code)) == 0
        && json_object_object_add(doc, "fixed", NULL) == 0
        && json_object_object_add(doc, "blocks", json_object_new_array()) == 0
        && json_object_object_add(doc, "findings", json_object_new_array()) == 0
        && json_object_object_add(doc, "certificates", json_object_new_array()) == 0
        && cli_json_add_diagnostics(doc, diag);

    if (!ok) {
        json_object_put(doc);
        fputs(CLI_PROGRAM ": error: out of memory writing the JSON document\n", stderr);
        return 0;
    }
    return cli_json_write(doc);
}
