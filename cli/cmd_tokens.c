/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cwms-bundle tokens: the PKCS#11 tokens the modules offer and the objects
 * on them, each with the exact URI to give to `build` (like
 * `p11tool --list-all`), and for private keys whether they can leave the
 * token. Listing goes to stdout; messages to stderr.
 *
 * Private keys only show after a login. A PIN is used only when the URI
 * matches a single token (the helper never sprays a PIN over tokens): from
 * the URI, --passin, or the terminal when there is one.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "cwms_p11.h"
#include "cwms/diag.h"
#include "cwms/pkcs11.h"
#include "cwms_escape.h"
#include "json_out.h"
#include "opt_table.h"
#include "passsrc.h"
#include "report.h"

enum { OPT_PASSIN = 256, OPT_NO_LOGIN, OPT_PIN, OPT_JSON };

/* The options of `tokens`: getopt_long's arrays and --help both come from here. */
static const CLI_OPT tokens_options[] = {
    { .metavar = "URI",
      .synopsis = "[URI]",
      .help = "a pkcs11: URI (RFC 7512) to narrow the listing, e.g.\n"
              "'pkcs11:token=webex' or 'pkcs11:?module-path=/usr/lib/x.so'" },
    { .name = "pin",
      .id = OPT_PIN,
      .metavar = "SRC",
      .help = "the token's PIN (pass:, env:, file:, fd:, stdin); needed to\n"
              "see private keys unless the URI has pin-source= or pin-value=" },
    { .name = "passin",
      .id = OPT_PASSIN,
      .metavar = "SRC",
      .flags = CLI_SYN_HIDE,
      .help = "the same as --pin (as in 'build', where it is the fallback)" },
    { .name = "no-login", .id = OPT_NO_LOGIN, .help = "never log in (public objects only)" },
    { .name = "json",
      .id = OPT_JSON,
      .help = "one JSON document on stdout (docs/cwms-bundle.schema.json)" },
    CLI_OPT_ENTRY_HELP,
    CLI_OPT_END
};

static const CLI_COMMAND_HELP tokens_help = {
    .command = "tokens",
    .description = "Lists the PKCS#11 tokens of the modules registered with p11-kit (or of the\n"
                   "module in the URI's module-path) and the keys and certificates on them, each\n"
                   "with the pkcs11: URI to give to 'cwms-bundle build' as --key or INPUT. For\n"
                   "private keys it says whether they can be exported into a bundle.\n",
    .opts = tokens_options,
    .help_column = 22,
    .epilogue = "A PIN is only used when the URI matches one token; without --pin it is asked\n"
                "on the terminal. Set CWMS_DEBUG=pkcs11 to trace the PKCS#11 calls (never PINs).\n"
                "Exit codes: 0 ok, 2 usage, 6 token or PIN, 7 the listing cannot be written\n"
                "(standard output closed early, as by '| head').\n",
};

static const char *kind_name(CWMS_P11_OBJKIND kind)
{
    switch (kind) {
    case CWMS_P11_OBJ_CERT:
        return "certificate";
    case CWMS_P11_OBJ_PRIVATE_KEY:
        return "private key";
    case CWMS_P11_OBJ_PUBLIC_KEY:
    default:
        return "public key";
    }
}

/* *s under the escaping rule, in place; 1, or 0 when memory ran out. */
static int escape_field(char **s)
{
    char *e;

    if (*s == NULL)
        return 1;
    if ((e = cwms_escape_text(*s)) == NULL)
        return 0;
    OPENSSL_free(*s);
    *s = e;
    return 1;
}

/*
 * Every string of the listing under the escaping rule (cwms_escape.h),
 * once, for the text and the JSON alike: a label or a model is whatever
 * bytes the token's maker chose (Latin-1, controls). 1, or 0 when memory
 * ran out.
 */
static int escape_listing(CWMS_P11_TOKENINFO *tokens, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        CWMS_P11_TOKENINFO *t = &tokens[i];

        if (!escape_field(&t->label) || !escape_field(&t->manufacturer) || !escape_field(&t->model)
            || !escape_field(&t->serial) || !escape_field(&t->module) || !escape_field(&t->uri))
            return 0;
        for (size_t j = 0; j < t->n_objects; j++) {
            CWMS_P11_OBJINFO *o = &t->objects[j];

            if (!escape_field(&o->label) || !escape_field(&o->id_hex) || !escape_field(&o->uri)
                || !escape_field(&o->detail))
                return 0;
        }
    }
    return 1;
}

/* Past this many objects, a listing of several tokens shows a count (the trust store has hundreds). */
#define MANY_OBJECTS 25

static void print_token(const CWMS_P11_TOKENINFO *t, int several)
{
    size_t i, shown = 0;

    /* Certificates and keys are what a bundle is made of; trust records and data objects are not. */
    for (i = 0; i < t->n_objects; i++)
        shown += t->objects[i].kind != CWMS_P11_OBJ_OTHER;

    printf("Token '%s' (%s %s, serial %s, slot %lu, module %s)\n", t->label, t->manufacturer,
           t->model, t->serial, t->slot_id, t->module);
    printf("  URI: %s\n", t->uri);
    if (!t->logged_in)
        printf(
            "  (not logged in: private keys are not shown; give --pin, or pin-source= in the URI)\n");
    if (shown == 0)
        printf("  (no keys or certificates%s)\n", t->logged_in ? "" : " visible without a login");
    if (several && shown > MANY_OBJECTS) {
        printf("  (%zu keys and certificates; give the token's URI to list them)\n", shown);
        return;
    }
    for (i = 0; i < t->n_objects; i++) {
        const CWMS_P11_OBJINFO *o = &t->objects[i];

        if (o->kind == CWMS_P11_OBJ_OTHER)
            continue;

        printf("  %s '%s'", kind_name(o->kind), o->label);
        if (o->id_hex[0] != '\0')
            printf(" (id %s)", o->id_hex);
        if (o->detail[0] != '\0')
            printf(": %s", o->detail);
        if (o->kind == CWMS_P11_OBJ_PRIVATE_KEY)
            printf("; %s", cwms_p11_export_string(o->export));
        printf("\n    %s\n", o->uri);
    }
}

static const char *export_name(CWMS_P11_EXPORT e)
{
    return e == CWMS_P11_EXPORT_COMPONENTS ? "components"
        : e == CWMS_P11_EXPORT_WRAPPED     ? "wrapped"
                                           : "none";
}

static json_object *string_or_empty(const char *s)
{
    return cli_json_text(s);
}

/* The listing as one JSON document (--json), every certificate and key with its URI. */
static int print_json(const CWMS_P11_TOKENINFO *tokens, size_t n, const CWMS_DIAG *diag, int rc)
{
    json_object *doc = cli_json_new("tokens"), *arr = json_object_new_array();
    int ok = doc != NULL && arr != NULL && json_object_object_add(doc, "tokens", arr) == 0;

    if (!ok)
        json_object_put(arr);
    for (size_t i = 0; ok && i < n; i++) {
        const CWMS_P11_TOKENINFO *t = &tokens[i];
        json_object *o = json_object_new_object(), *objs = json_object_new_array();

        ok = o != NULL && objs != NULL && json_object_array_add(arr, o) == 0;
        if (!ok) {
            json_object_put(o);
            json_object_put(objs);
            break;
        }
        ok = json_object_object_add(o, "objects", objs) == 0
            && json_object_object_add(o, "label", string_or_empty(t->label)) == 0
            && json_object_object_add(o, "manufacturer", string_or_empty(t->manufacturer)) == 0
            && json_object_object_add(o, "model", string_or_empty(t->model)) == 0
            && json_object_object_add(o, "serial", string_or_empty(t->serial)) == 0
            && json_object_object_add(o, "module", string_or_empty(t->module)) == 0
            && json_object_object_add(o, "slot", json_object_new_int64((int64_t)t->slot_id)) == 0
            && json_object_object_add(o, "uri", string_or_empty(t->uri)) == 0
            && json_object_object_add(o, "logged_in", json_object_new_boolean(t->logged_in)) == 0;
        for (size_t j = 0; ok && j < t->n_objects; j++) {
            const CWMS_P11_OBJINFO *ob = &t->objects[j];
            json_object *jo;

            if (ob->kind == CWMS_P11_OBJ_OTHER)
                continue;
            ok = (jo = json_object_new_object()) != NULL && json_object_array_add(objs, jo) == 0
                && json_object_object_add(jo, "kind", json_object_new_string(kind_name(ob->kind)))
                    == 0
                && json_object_object_add(jo, "label", string_or_empty(ob->label)) == 0
                && json_object_object_add(jo, "id", string_or_empty(ob->id_hex)) == 0
                && json_object_object_add(jo, "uri", string_or_empty(ob->uri)) == 0
                && json_object_object_add(jo, "detail", string_or_empty(ob->detail)) == 0
                && json_object_object_add(jo, "export",
                                          ob->kind == CWMS_P11_OBJ_PRIVATE_KEY
                                              ? json_object_new_string(export_name(ob->export))
                                              : NULL)
                    == 0;
        }
    }
    ok = ok && json_object_object_add(doc, "exit_code", json_object_new_int(rc)) == 0
        && cli_json_add_diagnostics(doc, diag);
    if (!ok) {
        json_object_put(doc);
        fputs(CLI_PROGRAM ": error: out of memory writing the JSON document\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    return cli_json_write(doc) ? rc : CWMS_EXIT_OUTPUT;
}

int cmd_tokens(int argc, char **argv)
{
    CWMS_P11_OPTIONS opts = { NULL, NULL, NULL, NULL, 0 };
    CWMS_P11_ERROR err = { 0 };
    CWMS_P11_TOKENINFO *tokens = NULL;
    CLI_PASSSRC src = { NULL, "--pin", 0, 0, NULL, NULL, CWMS_R_PIN };
    CWMS_DIAG *diag;
    CLI_GETOPT g;
    const char *passin = NULL, *uri = NULL;
    int c, no_login = 0, json = 0, rc;
    size_t n = 0, i;

    opterr = 0;
    optind = 1;
    if (!cli_getopt_init(&g, tokens_options)) {
        fputs(CLI_PROGRAM ": error: too many options in the tokens table\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            cli_print_help(stdout, &tokens_help);
            return CWMS_EXIT_OK;
        case OPT_PASSIN:
        case OPT_PIN:
            if (!cli_passsrc_valid(optarg))
                return cli_usage_error("tokens", CLI_PASSSRC_INVALID,
                                       c == OPT_PIN ? "--pin" : "--passin");
            if (passin != NULL)
                return cli_usage_error("tokens", "give the PIN once (--pin or --passin)");
            passin = optarg;
            src.option = c == OPT_PIN ? "--pin" : "--passin";
            break;
        case OPT_NO_LOGIN:
            no_login = 1;
            break;
        case OPT_JSON:
            json = 1;
            break;
        default:
            return cli_opt_parse_error("tokens", c, argv);
        }
    }
    if (optind < argc)
        uri = argv[optind++];
    if (optind < argc)
        return cli_usage_error("tokens", "give at most one URI");
    if (uri != NULL && strncmp(uri, "pkcs11:", 7) != 0)
        return cli_usage_error("tokens", "'%s' is not a pkcs11: URI", uri);

    if ((diag = cwms_diag_new()) == NULL) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    src.spec = passin;
    src.diag = diag;
    if (no_login) {
        opts.flags |= CWMS_P11_NO_LOGIN;
    } else if (passin != NULL || isatty(STDIN_FILENO)) {
        /* Without --passin, prompt only when somebody is there to answer. */
        opts.pin_cb = cli_passsrc_cb;
        opts.pin_arg = &src;
    }
    opts.pin_option = "--pin";
    if (!cwms_p11_list_tokens(uri, &opts, &tokens, &n, &err)) {
        /* A PIN source that failed has said why already: one error per cause. */
        if (cwms_diag_first_error(diag) == NULL || err.kind != CWMS_P11_E_PIN)
            cwms_diag_add(diag, CWMS_ERROR, cwms_pkcs11_reason(err.kind), "%s", err.text);
        cli_report_messages(diag);
        rc = cli_report_exit_code(diag);
        if (json)
            rc = print_json(NULL, 0, diag, rc);
        cwms_diag_free(diag);
        return rc;
    }
    if (!escape_listing(tokens, n)) {
        cwms_p11_tokens_free(tokens, n);
        cwms_diag_free(diag);
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    if (json) {
        rc = print_json(tokens, n, diag, CWMS_EXIT_OK);
        cwms_p11_tokens_free(tokens, n);
        cwms_diag_free(diag);
        return rc;
    }
    for (i = 0; i < n; i++) {
        if (i > 0)
            putchar('\n');
        print_token(&tokens[i], n > 1);
    }
    if (n > 1 && !no_login)
        cli_note("%zu tokens listed without logging in: give one token's URI to see its private keys",
                 n);
    cwms_p11_tokens_free(tokens, n);
    /* A PIN source that failed (an unset env: variable) left its error: the listing lacks the keys. */
    cli_report_messages(diag);
    rc = cwms_diag_first_error(diag) != NULL ? cli_report_exit_code(diag) : CWMS_EXIT_OK;
    cwms_diag_free(diag);
    /* Standard output closed early ('| head'): exit 7, documented, without a message. */
    return fflush(stdout) == 0 ? rc : CWMS_EXIT_OUTPUT;
}
