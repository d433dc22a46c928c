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

#include "commands.h"
#include "cwms_p11.h"
#include "cwms/diag.h"
#include "cwms/pkcs11.h"
#include "opt_table.h"
#include "passsrc.h"
#include "report.h"

enum { OPT_PASSIN = 256, OPT_NO_LOGIN };

/* The options of `tokens`: getopt_long's arrays and --help both come from here. */
static const CLI_OPT tokens_options[] = {
    { .metavar = "URI", .synopsis = "[URI]",
      .help = "a pkcs11: URI (RFC 7512) to narrow the listing, e.g.\n"
              "'pkcs11:token=webex' or 'pkcs11:?module-path=/usr/lib/x.so'" },
    { .name = "passin", .id = OPT_PASSIN, .metavar = "SRC",
      .help = "the token's PIN (pass:, env:, file:, fd:, stdin); needed to\n"
              "see private keys unless the URI has pin-source= or pin-value=" },
    { .name = "no-login", .id = OPT_NO_LOGIN,
      .help = "never log in (public objects only)" },
    { .name = "help", .short_name = 'h', .id = 'h', .flags = CLI_SYN_HIDE,
      .help = "show this help" },
    CLI_OPT_END
};

static const CLI_COMMAND_HELP tokens_help = {
    .command = "tokens",
    .description =
        "Lists the PKCS#11 tokens of the modules registered with p11-kit (or of the\n"
        "module in the URI's module-path) and the keys and certificates on them, each\n"
        "with the pkcs11: URI to give to 'cwms-bundle build' as --key or INPUT. For\n"
        "private keys it says whether they can be exported into a bundle.\n",
    .opts = tokens_options,
    .help_column = 22,
    .epilogue =
        "A PIN is only used when the URI matches one token; without --passin it is asked\n"
        "on the terminal. Set CWMS_DEBUG=pkcs11 to trace the PKCS#11 calls (never PINs).\n"
        "Exit codes: 0 ok, 2 usage, 6 token or PIN.\n",
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
        printf("  (not logged in: private keys are not shown; give --passin, or pin-source= in the URI)\n");
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

int cmd_tokens(int argc, char **argv)
{
    CWMS_P11_OPTIONS opts = { NULL, NULL, NULL, NULL, 0 };
    CWMS_P11_ERROR err = { 0 };
    CWMS_P11_TOKENINFO *tokens = NULL;
    CLI_PASSSRC src = { NULL, "--passin", 0, 0, NULL, NULL };
    CWMS_DIAG *diag;
    CLI_GETOPT g;
    const char *passin = NULL, *uri = NULL;
    int c, no_login = 0, rc;
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
            if (!cli_passsrc_valid(optarg))
                return cli_usage_error("tokens", CLI_PASSSRC_INVALID, "--passin");
            passin = optarg;
            break;
        case OPT_NO_LOGIN:
            no_login = 1;
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
    if (!cwms_p11_list_tokens(uri, &opts, &tokens, &n, &err)) {
        cwms_diag_add(diag, CWMS_ERROR, cwms_pkcs11_reason(err.kind), "%s", err.text);
        cli_report_messages(diag);
        rc = cli_report_exit_code(diag);
        cwms_diag_free(diag);
        return rc;
    }
    for (i = 0; i < n; i++) {
        if (i > 0)
            putchar('\n');
        print_token(&tokens[i], n > 1);
    }
    if (n > 1 && !no_login)
        cli_note("%zu tokens listed without logging in: give one token's URI to see its private keys", n);
    cwms_p11_tokens_free(tokens, n);
    cwms_diag_free(diag);
    return fflush(stdout) == 0 ? CWMS_EXIT_OK : CWMS_EXIT_OUTPUT;
}
