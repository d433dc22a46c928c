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
#include "opt_suggest.h"
#include "opt_table.h"
#include "passsrc.h"
#include "report.h"
#include "shared_opts.h"

/* Its own ids, above the shared ones (shared_opts.h) that mean one option everywhere. */
enum { OPT_PASSIN = CLI_OPT_SHARED_END, OPT_NO_LOGIN, OPT_PIN, OPT_JSON };

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
      .help = "one JSON document on stdout (schema:\n" CWMS_SCHEMA_FILE ")" },
    CLI_OPT_ENTRY_HELP,
    CLI_OPT_ENTRY_VERSION,
    CLI_OPT_END
};

const CLI_COMMAND_HELP cli_tokens_help = {
    .command = "tokens",
    .description = "Lists the PKCS#11 tokens of the modules registered with p11-kit (or of the\n"
                   "module in the URI's module-path) and the keys and certificates on them, each\n"
                   "with the pkcs11: URI to give to 'cwms-bundle build' as --key or INPUT. For\n"
                   "private keys it says whether they can be exported into a bundle.\n",
    .opts = tokens_options,
    .help_column = 22,
    .epilogue =
        "A PIN is only used when the URI matches one token; without --pin it is asked\n"
        "on the terminal. A registered module that fails to initialize is listed after\n"
        "the tokens with what C_Initialize returned, and its tokens are left out; so is\n"
        "one that breaks PKCS#11, with what it did. C_Initialize, C_Login and C_Finalize\n"
        "are given up after CWMS_PKCS11_TIMEOUT seconds (default 10; exit 6).\n"
        "Set CWMS_DEBUG=pkcs11 to trace the PKCS#11 calls (never PINs).\n" CLI_EXIT_CODES_HELP
        "7 also when standard output closes early (as by '| head').\n",
};

static json_object *string_or_empty(const char *s)
{
    return cli_json_text(s);
}

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

/*
 * The modules the helper named (one that failed to start, or wrote on
 * stderr while starting): listed after the tokens, or, when there is no
 * listing, given as notes.
 */
#define MAX_MODULE_NOTES 16

typedef struct module_notes_st {
    struct {
        char *name, *path, *rv_name, *printed, *text, *problem;
        unsigned long rv;
        size_t lines;
    } v[MAX_MODULE_NOTES];
    size_t n;
} MODULE_NOTES;

static void collect_module_note(const CWMS_P11_MODULE_NOTE *note, void *arg)
{
    MODULE_NOTES *notes = arg;

    if (notes->n == MAX_MODULE_NOTES)
        return;
    /* A module's name, path and what it printed are its own bytes: under the escaping rule. */
    notes->v[notes->n].name = cwms_escape_text(note->name);
    notes->v[notes->n].path = cwms_escape_text(note->path);
    notes->v[notes->n].rv_name = OPENSSL_strdup(note->rv_name);
    notes->v[notes->n].printed = note->printed != NULL ? cwms_escape_text(note->printed) : NULL;
    notes->v[notes->n].problem = note->problem != NULL ? cwms_escape_text(note->problem) : NULL;
    notes->v[notes->n].text = cwms_p11_module_note_text(note);
    notes->v[notes->n].rv = note->rv;
    notes->v[notes->n].lines = note->printed_lines;
    notes->n++;
}

static void module_notes_free(MODULE_NOTES *notes)
{
    for (size_t i = 0; i < notes->n; i++) {
        OPENSSL_free(notes->v[i].name);
        OPENSSL_free(notes->v[i].path);
        OPENSSL_free(notes->v[i].rv_name);
        OPENSSL_free(notes->v[i].printed);
        OPENSSL_free(notes->v[i].problem);
        OPENSSL_free(notes->v[i].text);
    }
    notes->n = 0;
}

static void module_notes_to_diag(const MODULE_NOTES *notes, CWMS_DIAG *diag)
{
    for (size_t i = 0; i < notes->n; i++)
        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_P11_MODULE, "%s",
                      notes->v[i].text != NULL ? notes->v[i].text : "a PKCS#11 module misbehaved");
}

static void print_module_notes(const MODULE_NOTES *notes)
{
    for (size_t i = 0; i < notes->n; i++) {
        const char *name = notes->v[i].name != NULL ? notes->v[i].name : "?";
        const char *path = notes->v[i].path != NULL ? notes->v[i].path : "?";

        printf("\n");
        if (notes->v[i].problem != NULL)
            printf("Module '%s' (%s): left out, its tokens are not listed: %s\n", name, path,
                   notes->v[i].problem);
        else if (notes->v[i].rv != 0)
            printf("Module '%s' (%s): failed to initialize (%s); its tokens are not listed\n", name,
                   path, notes->v[i].rv_name != NULL ? notes->v[i].rv_name : "?");
        else
            printf("Module '%s' (%s): wrote on standard error while initializing\n", name, path);
        if (notes->v[i].printed != NULL)
            printf("  it wrote %zu line%s on standard error, the last: '%s'\n", notes->v[i].lines,
                   notes->v[i].lines == 1 ? "" : "s", notes->v[i].printed);
    }
}

/* "module_notes": the same, for --json. 1, or 0 when memory ran out. */
static int json_module_notes(json_object *doc, const MODULE_NOTES *notes)
{
    json_object *arr = json_object_new_array();
    int ok = arr != NULL && json_object_object_add(doc, "module_notes", arr) == 0;

    if (!ok)
        json_object_put(arr);
    for (size_t i = 0; ok && i < notes->n; i++) {
        json_object *o = json_object_new_object();

        ok = o != NULL && json_object_array_add(arr, o) == 0
            && json_object_object_add(o, "name", string_or_empty(notes->v[i].name)) == 0
            && json_object_object_add(o, "path", string_or_empty(notes->v[i].path)) == 0
            && json_object_object_add(o, "left_out",
                                      json_object_new_boolean(notes->v[i].rv != 0
                                                              || notes->v[i].problem != NULL))
                == 0
            && json_object_object_add(o, "rv", string_or_empty(notes->v[i].rv_name)) == 0
            && json_object_object_add(o, "rv_code", json_object_new_int64((int64_t)notes->v[i].rv))
                == 0
            && json_object_object_add(o, "printed_lines",
                                      json_object_new_int64((int64_t)notes->v[i].lines))
                == 0
            && json_object_object_add(o, "printed_last",
                                      notes->v[i].printed != NULL
                                          ? cli_json_text(notes->v[i].printed)
                                          : NULL)
                == 0
            && json_object_object_add(o, "problem",
                                      notes->v[i].problem != NULL
                                          ? cli_json_text(notes->v[i].problem)
                                          : NULL)
                == 0;
    }
    return ok;
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

/* "none" also for a sensitive key the token cannot wrap out: it cannot leave either. */
static const char *export_name(CWMS_P11_EXPORT e)
{
    return e == CWMS_P11_EXPORT_COMPONENTS ? "components"
        : e == CWMS_P11_EXPORT_WRAPPED     ? "wrapped"
                                           : "none";
}

/* The listing as one JSON document (--json), every certificate and key with its URI. */
static int print_json(const CWMS_P11_TOKENINFO *tokens, size_t n, const MODULE_NOTES *notes,
                      const CWMS_DIAG *diag, int rc)
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
    ok = ok && json_module_notes(doc, notes)
        && json_object_object_add(doc, "exit_code", json_object_new_int(rc)) == 0
        && cli_json_add_diagnostics(doc, diag);
    if (!ok) {
        json_object_put(doc);
        fputs(CLI_PROGRAM ": error: out of memory writing the JSON document\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    return cli_json_write(doc) ? rc : CWMS_EXIT_OUTPUT;
}

/* What the command line asked for. */
typedef struct tokens_args_st {
    const char *passin, *pin_option, *uri;
    int no_login, json;
} TOKENS_ARGS;

/* Parses the options into *a: -1 to go on, else the exit code (help shown, usage error). */
static int parse_args(int argc, char **argv, TOKENS_ARGS *a)
{
    CLI_GETOPT g;
    int c;

    opterr = 0;
    optind = 1;
    if (!cli_getopt_init(&g, tokens_options)) {
        fputs(CLI_PROGRAM ": error: too many options in the tokens table\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    if ((c = cli_opt_check_words("tokens", tokens_options, argc, argv)) >= 0)
        return c;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            cli_print_help(stdout, &cli_tokens_help);
            return CWMS_EXIT_OK;
        case 'V':
            return cli_print_version();
        case OPT_PASSIN:
        case OPT_PIN:
            if (!cli_passsrc_valid(optarg))
                return cli_usage_error("tokens", CLI_PASSSRC_INVALID,
                                       c == OPT_PIN ? "--pin" : "--passin");
            if (a->passin != NULL)
                return cli_usage_error("tokens", "give the PIN once (--pin or --passin)");
            a->passin = optarg;
            a->pin_option = c == OPT_PIN ? "--pin" : "--passin";
            break;
        case OPT_NO_LOGIN:
            a->no_login = 1;
            break;
        case OPT_JSON:
            a->json = 1;
            break;
        default:
            return cli_opt_parse_error("tokens", tokens_options, c, argv);
        }
    }
    if (optind < argc)
        a->uri = argv[optind++];
    if (optind < argc)
        return cli_usage_error("tokens", "give at most one URI");
    if (a->uri != NULL && strncmp(a->uri, "pkcs11:", 7) != 0)
        return cli_usage_error("tokens", "'%s' is not a pkcs11: URI", a->uri);
    return -1;
}

/* Prints the listing (text or JSON) and returns the exit code. */
static int print_listing(const CWMS_P11_TOKENINFO *tokens, size_t n, const MODULE_NOTES *notes,
                         const TOKENS_ARGS *a, CWMS_DIAG *diag)
{
    int rc;

    if (a->json)
        return print_json(tokens, n, notes, diag, CWMS_EXIT_OK);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            putchar('\n');
        print_token(&tokens[i], n > 1);
    }
    print_module_notes(notes);
    if (n > 1 && !a->no_login)
        cli_note("%zu tokens listed without logging in: give one token's URI to see its private keys",
                 n);
    /* A PIN source that failed (an unset env: variable) left its error: the listing lacks the keys. */
    cli_report_messages(diag);
    rc = cwms_diag_first_error(diag) != NULL ? cli_report_exit_code(diag) : CWMS_EXIT_OK;
    /* Standard output closed early ('| head'): exit 7, documented, without a message. */
    return fflush(stdout) == 0 ? rc : CWMS_EXIT_OUTPUT;
}

int cmd_tokens(int argc, char **argv)
{
    TOKENS_ARGS a = { NULL, "--pin", NULL, 0, 0 };
    MODULE_NOTES notes = { .n = 0 };
    CWMS_P11_OPTIONS opts = { NULL, NULL, NULL, NULL, 0, "--pin", collect_module_note, &notes };
    CWMS_P11_ERROR err = { 0 };
    CWMS_P11_TOKENINFO *tokens = NULL;
    CLI_PASSSRC src = { NULL, "--pin", 0, 0, NULL, NULL, CWMS_R_PIN };
    CWMS_DIAG *diag;
    int rc;
    size_t n = 0;

    if ((rc = parse_args(argc, argv, &a)) >= 0)
        return rc;
    if ((diag = cwms_diag_new()) == NULL) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    src.spec = a.passin;
    src.option = a.pin_option;
    src.diag = diag;
    if (a.no_login) {
        opts.flags |= CWMS_P11_NO_LOGIN;
    } else if (a.passin != NULL || isatty(STDIN_FILENO)) {
        /* Without --passin, prompt only when somebody is there to answer. */
        opts.pin_cb = cli_passsrc_cb;
        opts.pin_arg = &src;
    }
    if (cwms_p11_list_tokens(a.uri, &opts, &tokens, &n, &err)) {
        if (!escape_listing(tokens, n)) {
            cwms_p11_tokens_free(tokens, n);
            module_notes_free(&notes);
            cwms_diag_free(diag);
            fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
            return CWMS_EXIT_FAILURE;
        }
        rc = print_listing(tokens, n, &notes, &a, diag);
        cwms_p11_tokens_free(tokens, n);
    } else {
        /* No listing to show them in: the modules are notes, before the error. */
        if (!a.json)
            module_notes_to_diag(&notes, diag);
        /* A PIN source that failed has said why already: one error per cause. */
        if (cwms_diag_first_error(diag) == NULL || err.kind != CWMS_P11_E_PIN)
            cwms_diag_add(diag, CWMS_ERROR, cwms_pkcs11_reason(err.kind), "%s", err.text);
        cli_report_messages(diag);
        rc = cli_report_exit_code(diag);
        if (a.json)
            rc = print_json(NULL, 0, &notes, diag, rc);
    }
    module_notes_free(&notes);
    cwms_diag_free(diag);
    return rc;
}
