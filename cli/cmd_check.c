/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cwms-bundle check: judges a bundle file that exists already (the core's
 * cwms_inspect_bundle), prints one finding per problem with its code and
 * what to do, "ready for CWMS VERSION" when the file is exactly what
 * build would write, and with --fix -o FILE writes the corrected file.
 *
 * The report goes to stdout (it is what the command is for); -q keeps
 * only the errors, on stderr. --json and --graph dot replace it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "chain_view.h"
#include "check_connect.h"
#include "commands.h"
#include "cwms/bundle.h"
#include "cwms/inspect.h"
#include "cwms/diag.h"
#include "cwms/emit.h"
#include "cwms/options.h"
#include "cwms/pass.h"
#include "json_out.h"
#include "opt_suggest.h"
#include "opt_table.h"
#include "passsrc.h"
#include "report.h"
#include "shared_opts.h"

enum { OPT_FIX = CLI_OPT_SHARED_END, OPT_FETCH, OPT_CONNECT, OPT_AGAINST, OPT_WARN_DAYS };

/* The options of `check`: getopt_long's arrays and --help both come from here. */
static const CLI_OPT check_options[] = {
    CLI_OPT_SECTION("Order:"),
    CLI_OPT_ENTRY_CWMS("the CWMS release the file is for: 1.0 to 2.0 = leaf first;\n"
                       "2.5 and later = root first, always with the dot: 2.0, not 20\n"
                       "(see cwms-bundle(1))"),
    CLI_OPT_ENTRY_ORDER,
    CLI_OPT_SECTION("Key:"),
    CLI_OPT_ENTRY_PASSIN("passphrase of an encrypted key: its match with the server\n"
                         "certificate is checked only then (never asked otherwise)"),
    CLI_OPT_SECTION("Chain:"),
    CLI_OPT_ENTRY_TRUST("trust anchors (PEM file or directory); default: OpenSSL's\n"
                        "default locations"),
    CLI_OPT_ENTRY_ATTIME,
    CLI_OPT_ENTRY_VERIFY_DEPTH,
    CLI_OPT_ENTRY_HOST("the server certificate must cover NAME (repeatable)"),
    CLI_OPT_ENTRY_SITE(CLI_SITE_HELP_RULES),
    { .name = "fetch",
      .id = OPT_FETCH,
      .help = "download a missing issuer from the URL its child names (AIA\n"
              "caIssuers, http: only), verify it, and judge the file with it" },
    CLI_OPT_ENTRY_STRICT("warnings (root included, expiring soon) fail too"),
    { .name = "warn-days",
      .id = OPT_WARN_DAYS,
      .metavar = "N",
      .help = "a certificate expiring within N days (default 30) is a warning\n"
              "with an exit code of its own, 8, for monitoring" },
    CLI_OPT_SECTION("Server:"),
    { .name = "connect",
      .id = OPT_CONNECT,
      .metavar = "HOST[:PORT]",
      .flags = CLI_SYN_HIDE,
      .help = "judge the chain a running server sends (TLS, port 443 by\n"
              "default, [IPv6]:PORT) instead of BUNDLE: server name (SNI) the\n"
              "first --host, else HOST; --host defaults to HOST; direct (no\n"
              "proxy), 10 s time-out (CWMS_CONNECT_TIMEOUT)" },
    { .name = "against",
      .id = OPT_AGAINST,
      .metavar = "BUNDLE",
      .flags = CLI_SYN_HIDE,
      .help = "with --connect: does the server send the certificates of BUNDLE\n"
              "(the file imported into CWMS)?" },
    CLI_OPT_SECTION("Output:"),
    CLI_OPT_ENTRY_JSON("one JSON document on stdout (schema:\n" CWMS_SCHEMA_FILE ")"),
    CLI_OPT_ENTRY_GRAPH("the candidate graph as Graphviz DOT on stdout; without a chain,\n"
                        "what is there and the issuers missing"),
    CLI_OPT_ENTRY_QUIET,
    { .name = "fix",
      .id = OPT_FIX,
      .help = "write the corrected bundle to -o FILE (atomically, mode 0600\n"
              "with a key; the key block is kept byte for byte)" },
    CLI_OPT_ENTRY_OUTPUT("where --fix writes (it may be BUNDLE itself)"),
    CLI_OPT_ENTRY_PASSOUT("with --fix: encrypt the key anew (needs --passin)\n"
                          "SRC: pass:TEXT, env:VAR, file:PATH, fd:N, stdin"),
    CLI_OPT_ENTRY_HELP,
    CLI_OPT_ENTRY_VERSION,
    { .metavar = "BUNDLE",
      .synopsis = "(BUNDLE | --connect HOST[:PORT] [--against BUNDLE])",
      .flags = CLI_LIST_HIDE },
    CLI_OPT_END
};

const CLI_COMMAND_HELP cli_check_help = {
    .command = "check",
    .description =
        "Says what is wrong with a bundle file CWMS rejected (or is about to get): reads it\n"
        "the way CWMS does and reports one finding per problem, each with its code, the\n"
        "block it concerns and what to do. Prints \"ready for CWMS VERSION\" and exits 0 when\n"
        "the file is exactly what 'cwms-bundle build' would write for it.\n"
        "\n"
        "BUNDLE: one file, PEM (or DER, PKCS#7, PKCS#12 as build reads them: CWMS imports\n"
        "one PEM file or a PKCS#12), '-' for standard input.\n"
        "\n"
        "With --connect HOST[:PORT] it judges the chain a running server (the CWMS after the\n"
        "import) sends, by the same rules, in TLS order (server first, whatever the release):\n"
        "complete to a trusted root, no root sent, host names, expiry, key and signatures.\n",
    .opts = check_options,
    .help_column = 24,
    .epilogue =
        "Finding codes (cwms-bundle(1) says what to do about each): ORDER_WRONG, KEY_NOT_FIRST,\n"
        "KEY_MISSING, KEY_MISMATCH, KEY_SEVERAL, KEY_NOT_CHECKED, ROOT_INCLUDED,\n"
        "MISSING_INTERMEDIATE, UNRELATED_CERT, DUPLICATE, STRAY_TEXT, UNEXPECTED_BLOCK, NOT_PEM,\n"
        "EXPIRED, EXPIRES_SOON, UNREADABLE, PASSPHRASE and the build's own checks; with\n"
        "--against: NOT_IN_BUNDLE, NOT_SENT, SENDS_BUNDLE.\n"
        "A private root left out (as CWMS wants) is the warning ANCHOR_UNKNOWN, not an error:\n"
        "--trust ROOT.pem checks the chain up to it. --site: SITE_CN_MISMATCH,\n"
        "SITE_WILDCARD_SAN_ONLY, SAN_MISSING_NAME (HOST NAMES in cwms-bundle(1)).\n" CLI_EXIT_CODES_HELP
        "check exits 0 when the file is ready (or was fixed), else with its worst error\n"
        "finding's code: 3 (unreadable, not PEM) before 5 (key) before 4 (chain); 7 when --fix\n"
        "cannot write; 3 when --connect reaches no TLS server; 8 (--warn-days) when the worst\n"
        "is a certificate expiring within N days.\n",
};

typedef struct check_args_st {
    CLI_SHARED_ARGS sh; /* --cwms, --order, --passin, ..., -q, -o */
    int fix;
    int fetch;
    const char *bundle;
    const char *connect; /* --connect HOST[:PORT] */
    const char *against;
    int warn_days_given;
    int warn_days;
} CHECK_ARGS;

/* --warn-days N: 0 to 36500 days. */
static int parse_warn_days(const char *text, int *days)
{
    char *end;
    long v = strtol(text, &end, 10);

    if (*text < '0' || *text > '9' || *end != '\0' || v > 36500)
        return 0;
    *days = (int)v;
    return 1;
}

/* What --connect does not go with: the options about a file. -1, or the usage error's code. */
static int check_connect_args(CHECK_ARGS *a, int argc, char **argv, int first)
{
    if (a->connect == NULL) {
        if (a->against != NULL)
            return cli_usage_error("check",
                                   "--against compares what a server sends with a bundle: "
                                   "give --connect HOST[:PORT] too");
        return -1;
    }
    if (first < argc)
        return cli_usage_error("check",
                               "--connect judges what the server sends: give no BUNDLE "
                               "('%s'); --against BUNDLE compares the two",
                               argv[first]);
    if (a->fix || a->sh.output != NULL || a->sh.output_dash)
        return cli_usage_error("check", "--fix and -o write a file: they do not go with --connect");
    if (a->sh.passin != NULL || a->sh.passout != NULL)
        return cli_usage_error("check",
                               "a server sends no private key: --passin and --passout do not "
                               "go with --connect");
    if (a->sh.order_name != NULL)
        return cli_usage_error("check",
                               "a server sends its chain in TLS order (server first) whatever the "
                               "CWMS release: --order does not go with --connect");
    return -1;
}

/* check's own options (CLI_OWN_OPTION). */
static int check_option(void *args, int c)
{
    CHECK_ARGS *a = args;

    switch (c) {
    case OPT_FIX:
        a->fix = 1;
        return -1;
    case OPT_FETCH:
        a->fetch = 1;
        return -1;
    case OPT_CONNECT:
        a->connect = optarg;
        return -1;
    case OPT_AGAINST:
        a->against = optarg;
        return -1;
    case OPT_WARN_DAYS:
        if (!parse_warn_days(optarg, &a->warn_days))
            return cli_usage_error("check",
                                   "--warn-days '%s': give a number of days from 0 to 36500",
                                   optarg);
        a->warn_days_given = 1;
        return -1;
    default:
        return CLI_OPT_NOT_MINE;
    }
}

/* --fix, -o and --passout: what they need and what they do not go with. -1, or the error's code. */
static int check_fix_args(const CHECK_ARGS *a)
{
    if (a->sh.output_dash)
        return cli_usage_error("check",
                               "-o - cannot be where --fix writes: standard output carries the "
                               "report; give a file name (it can be BUNDLE itself)");
    if (a->fix != (a->sh.output != NULL))
        return cli_usage_error("check",
                               a->fix ? "--fix needs -o FILE: where the corrected bundle "
                                        "goes (it can be BUNDLE itself)"
                                      : "-o is where --fix writes: give --fix too");
    if (a->sh.passout != NULL && !a->fix)
        return cli_usage_error("check",
                               "--passout encrypts the key of the file --fix writes: "
                               "give --fix -o FILE too");
    if (a->sh.passout != NULL && a->sh.passin == NULL)
        return cli_usage_error("check",
                               "--passout re-encrypts the key, which needs --passin "
                               "to decrypt it first");
    if (cli_passsrc_uses_stdin(a->sh.passin) && cli_passsrc_uses_stdin(a->sh.passout))
        return cli_usage_error("check", "--passin and --passout cannot both read standard input");
    return -1;
}

/* The one BUNDLE operand into a->bundle: -1, or the usage error's code. */
static int check_bundle_arg(CHECK_ARGS *a, int argc, char **argv)
{
    if (optind >= argc)
        return cli_usage_error("check", "no BUNDLE given: name the file to check");
    if (optind + 1 < argc)
        return cli_usage_error("check",
                               "check takes one BUNDLE file (CWMS imports one); "
                               "to assemble one from several files use 'cwms-bundle build'");
    a->bundle = argv[optind];
    if (strcmp(a->bundle, "-") == 0
        && (cli_passsrc_uses_stdin(a->sh.passin) || cli_passsrc_uses_stdin(a->sh.passout)))
        return cli_usage_error("check",
                               "standard input cannot hold both the bundle and a passphrase: "
                               "use --passin/--passout env:, file: or fd:");
    return -1;
}

/* -1 when the command line is complete and consistent, else the exit code. */
static int parse_args(int argc, char **argv, CHECK_ARGS *a)
{
    int rc = cli_parse_options(&cli_check_help, argc, argv, &a->sh, check_option, a);

    if (rc >= 0)
        return rc;
    if ((rc = check_connect_args(a, argc, argv, optind)) >= 0 || a->connect != NULL)
        return rc;
    if ((rc = check_fix_args(a)) >= 0)
        return rc;
    return check_bundle_arg(a, argc, argv);
}

/* "CWMS 2.5", or the releases the order is for. */
static void version_words(const CHECK_ARGS *a, char *buf, size_t size)
{
    if (a->sh.cwms_version != NULL)
        snprintf(buf, size, "CWMS %s", a->sh.cwms_version);
    else if (a->sh.order == CWMS_ORDER_LEAF_FIRST)
        snprintf(buf, size, "CWMS 1.x and 2.0 (leaf-first)");
    else
        snprintf(buf, size, "CWMS 2.5 and later (root-first)");
}

/* unit: what a finding's position counts, "block" of a file or "certificate" a server sent. */
static void print_finding(FILE *out, const CWMS_FINDING *f, const char *unit)
{
    fprintf(out, CLI_PROGRAM ": %s: %s: ", cli_level_word(f->level), f->code);
    if (f->block > 0 && f->subject != NULL) {
        fprintf(out, "%s %zu ('", unit, f->block);
        cli_put_text(out, f->subject);
        fprintf(out, "', SHA-256 %.16s...): ", f->sha256);
    } else if (f->block > 0) {
        fprintf(out, "%s %zu: ", unit, f->block);
    }
    cli_put_text(out, f->message);
    fputc('\n', out);
    if (f->action[0] != '\0')
        fprintf(out, "    what to do: %s\n", f->action);
}

/* The key as the JSON document describes it, from the check's blocks and bundle. */
static void check_key(const CWMS_INSPECTION *c, const char *path, CLI_JSON_KEY *k, char *origin,
                      size_t size, int *have)
{
    const CWMS_BUNDLE *b = cwms_inspect_get0_bundle(c);

    *have = 0;
    memset(k, 0, sizeof(*k));
    k->pkey = b != NULL ? b->key : NULL;
    for (size_t i = 0; i < cwms_inspect_block_count(c); i++) {
        const CWMS_BLOCK *blk = cwms_inspect_get0_block(c, i);

        if (blk->kind == CWMS_BLOCK_KEY || blk->kind == CWMS_BLOCK_ENCRYPTED_KEY) {
            snprintf(origin, size, "%s block %zu", path, i + 1);
            k->origin = origin;
            k->encrypted = blk->kind == CWMS_BLOCK_ENCRYPTED_KEY;
            *have = 1;
            return;
        }
    }
    *have = k->pkey != NULL;
    k->origin = path;
}

static const char *block_kind_name(CWMS_BLOCK_KIND k)
{
    switch (k) {
    case CWMS_BLOCK_CERT:
        return "certificate";
    case CWMS_BLOCK_KEY:
        return "key";
    case CWMS_BLOCK_ENCRYPTED_KEY:
        return "encrypted-key";
    default:
        return "other";
    }
}

static int check_json(const CHECK_ARGS *a, const CLI_CONNECT *cc, const CWMS_INSPECTION *c,
                      const CWMS_DIAG *diag, int fixed)
{
    json_object *doc = cli_json_new("check"), *blocks, *findings;
    const CWMS_BUNDLE *b = cwms_inspect_get0_bundle(c);
    CLI_JSON_KEY key;
    char origin[4200];
    int have_key, ok;

    check_key(c, a->bundle, &key, origin, sizeof(origin), &have_key);
    ok = doc != NULL
        && (cc != NULL ? cli_connect_json(doc, cc)
                       : json_object_object_add(doc, "file", cli_json_text(a->bundle)) == 0)
        && json_object_object_add(doc, "ready", json_object_new_boolean(cwms_inspect_ready(c))) == 0
        && json_object_object_add(doc, "exit_code", json_object_new_int(cwms_inspect_exit_code(c)))
            == 0
        && json_object_object_add(doc, "fixed", fixed ? cli_json_text(a->sh.output) : NULL) == 0
        && json_object_object_add(doc, "blocks", blocks = json_object_new_array()) == 0
        && json_object_object_add(doc, "findings", findings = json_object_new_array()) == 0;
    for (size_t i = 0; ok && i < cwms_inspect_block_count(c); i++) {
        const CWMS_BLOCK *blk = cwms_inspect_get0_block(c, i);
        json_object *o = json_object_new_object();

        ok = o != NULL && json_object_array_add(blocks, o) == 0
            && json_object_object_add(o, "position", json_object_new_int64((int64_t)i + 1)) == 0
            && json_object_object_add(o, "kind", json_object_new_string(block_kind_name(blk->kind)))
                == 0
            && json_object_object_add(o, "label", cli_json_text(blk->label)) == 0
            && json_object_object_add(o, "line", json_object_new_int64((int64_t)blk->line)) == 0
            && json_object_object_add(o, "subject",
                                      blk->subject != NULL ? cli_json_text(blk->subject) : NULL)
                == 0
            && json_object_object_add(o, "sha256",
                                      blk->sha256[0] != '\0' ? json_object_new_string(blk->sha256)
                                                             : NULL)
                == 0;
    }
    for (size_t i = 0; ok && i < cwms_inspect_finding_count(c); i++) {
        const CWMS_FINDING *f = cwms_inspect_get0_finding(c, i);
        json_object *o = json_object_new_object();

        ok = o != NULL && json_object_array_add(findings, o) == 0
            && json_object_object_add(o, "level", json_object_new_string(cli_level_word(f->level)))
                == 0
            && json_object_object_add(o, "code", json_object_new_string(f->code)) == 0
            && json_object_object_add(o, "message", cli_json_text(f->message)) == 0
            && json_object_object_add(o, "action", cli_json_text(f->action)) == 0
            && json_object_object_add(o, "block",
                                      f->block > 0 ? json_object_new_int64((int64_t)f->block)
                                                   : NULL)
                == 0
            && json_object_object_add(o, "subject",
                                      f->subject != NULL ? cli_json_text(f->subject) : NULL)
                == 0
            && json_object_object_add(o, "sha256",
                                      f->sha256[0] != '\0' ? json_object_new_string(f->sha256)
                                                           : NULL)
                == 0
            && json_object_object_add(o, "fixable", json_object_new_boolean(f->fixable)) == 0;
    }
    if (ok && b != NULL)
        ok = cli_json_add_bundle(doc, b, a->sh.cwms_version, have_key ? &key : NULL);
    else if (ok)
        ok = json_object_object_add(doc, "certificates", json_object_new_array()) == 0;
    ok = ok && cli_json_add_diagnostics(doc, diag);
    if (!ok) {
        json_object_put(doc);
        fputs(CLI_PROGRAM ": error: out of memory writing the JSON document\n", stderr);
        return 0;
    }
    return cli_json_write(doc);
}

/* --fix: the corrected file, written atomically; lists what changed. Returns the exit code. */
static int check_fix(const CHECK_ARGS *a, const CWMS_INSPECTION *c, const char *passout,
                     size_t passout_len, CWMS_DIAG *diag, int *fixed)
{
    CWMS_EMIT_OPTIONS eo = { 0 };
    unsigned char *data = NULL;
    size_t len = 0;
    int secret = 0, rc;

    *fixed = 0;
    if (a->sh.passout != NULL) {
        eo.passout = passout;
        eo.passout_len = passout_len;
    }
    if (!cwms_inspect_fix(c, &eo, &data, &len, diag))
        return cli_report_exit_code(diag);
    for (size_t i = 0; i < cwms_inspect_block_count(c); i++)
        secret |= cwms_inspect_get0_block(c, i)->kind == CWMS_BLOCK_KEY
            || cwms_inspect_get0_block(c, i)->kind == CWMS_BLOCK_ENCRYPTED_KEY;
    secret |= cwms_inspect_get0_bundle(c)->key != NULL;
    rc = cwms_write_file_atomic(a->sh.output, data, len, secret, diag) ? CWMS_EXIT_OK
                                                                       : cli_report_exit_code(diag);
    OPENSSL_clear_free(data, len);
    if (rc != CWMS_EXIT_OK)
        return rc;
    *fixed = 1;
    if (!a->sh.json && !a->sh.graph && !a->sh.quiet) {
        size_t changes = 0;

        for (size_t i = 0; i < cwms_inspect_finding_count(c); i++) {
            const CWMS_FINDING *f = cwms_inspect_get0_finding(c, i);

            if (f->fixable) {
                printf(CLI_PROGRAM ": fixed %s: %s\n", f->code, f->message);
                changes++;
            }
        }
        if (a->sh.passout != NULL) {
            printf(CLI_PROGRAM ": fixed: the key is encrypted with the --passout passphrase\n");
            changes++;
        }
        fputs(CLI_PROGRAM ": wrote '", stdout);
        cli_put_text(stdout, a->sh.output);
        printf("'%s%s\n", secret ? " (mode 0600: it holds the private key)" : "",
               changes == 0 ? ": it already was what build writes" : "");
    }
    return CWMS_EXIT_OK;
}

/*
 * --connect: takes the chain the server sends into co (served, and the
 * host names to check: --host, else HOST when it is a name) and says what
 * it connected to. 1, or 0 with the error in diag.
 */
static int connect_server(CHECK_ARGS *a, CLI_CONNECT *cc, CWMS_INSPECT_OPTIONS *co, CWMS_DIAG *diag)
{
    /*
     * The name sent as SNI: the first of --host/--site given, else HOST;
     * HOST joins the names checked only when neither is given.
     */
    int site = a->sh.site[0] != '\0';
    const char *sni = a->sh.n_hosts > 0 ? a->sh.hosts[0] : NULL;

    if (site && (a->sh.site_before_host || sni == NULL))
        sni = a->sh.site;
    if (!cli_connect_fetch(cc, sni, diag))
        return 0;
    if (a->sh.n_hosts == 0 && !site && !cc->target.is_address)
        a->sh.hosts[a->sh.n_hosts++] = cc->target.host;
    co->build.hosts = a->sh.hosts;
    co->build.n_hosts = a->sh.n_hosts;
    co->build.order = CWMS_ORDER_LEAF_FIRST;
    co->served = cc->peer->chain;
    co->path = cc->name;
    if (!a->sh.quiet && !a->sh.json && !a->sh.graph) {
        cli_connect_print_intro(stdout, cc);
        if (a->sh.n_hosts == 0 && !site)
            cli_note("connected by address: no host name is checked; give --host NAME for the "
                     "names clients use");
    }
    return 1;
}

/* No server reached, or no --against file: the messages (or the JSON document); the exit code. */
static int connect_failed(const CHECK_ARGS *a, const CLI_CONNECT *cc, const CWMS_DIAG *diag)
{
    int rc = cli_report_exit_code(diag);

    if (!a->sh.json)
        cli_report_errors(diag);
    else if (!cli_connect_json_unreached(cc, diag, rc) && rc == CWMS_EXIT_OK)
        rc = CWMS_EXIT_OUTPUT;
    return rc;
}

/*
 * --against: adds its findings to check. 1, or 0 after reporting why the file cannot be
 * compared (its own messages, apart from the check's).
 */
static int against(const CHECK_ARGS *a, CLI_CONNECT *cc, CWMS_INSPECTION *check,
                   const CWMS_INSPECT_OPTIONS *co)
{
    CWMS_DIAG *adiag = cwms_diag_new();

    if (adiag == NULL) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return 0;
    }
    cc->against_done = cwms_inspect_against(check, a->against, co, &cc->against_matches, adiag);
    if (!cc->against_done)
        cc->against_rc = connect_failed(a, cc, adiag);
    cwms_diag_free(adiag);
    return cc->against_done;
}

/* One run, from the parsed command line to the report. */
typedef struct check_run_st {
    CHECK_ARGS a;
    CLI_CONNECT cc;
    CWMS_INSPECT_OPTIONS co;
    CWMS_DIAG *diag;
    CWMS_INSPECTION *check;
    CLI_SECRETS *secrets;
    const char *passout; /* --passout's passphrase, read before the work */
    size_t passout_len;
    const char *unit; /* what a finding's position counts: "block", or "certificate" sent */
    int fixed;        /* --fix wrote the corrected file */
} CHECK_RUN;

/* The messages of a run that stopped, and its exit code. */
static int check_stopped(const CHECK_RUN *r)
{
    cli_report_messages(r->diag);
    return cli_report_exit_code(r->diag);
}

/* Set-up: the messages, the passphrase sources, --fix -o against what is read, --passout. */
static int check_setup(CHECK_RUN *r)
{
    const CHECK_ARGS *a = &r->a;

    /* Without --passin nothing is ever asked: an encrypted key is then judged by its place only. */
    if ((r->diag = cwms_diag_new()) == NULL
        || (r->secrets = cli_secrets_new(a->sh.passin, NULL, a->sh.passout, r->diag)) == NULL) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    /* --fix -o may be BUNDLE itself, never a file read beside it (--trust, a passphrase file). */
    if (a->fix) {
        CWMS_READS reads[CLI_SHARED_READS];

        if (!cwms_output_check(a->sh.output, "-o", reads, cli_shared_reads(&a->sh, reads), r->diag))
            return check_stopped(r);
    }
    if (a->sh.passout != NULL) {
        int prc = cli_shared_read_passout("check", &a->sh, r->secrets, "the fixed bundle's key");

        if (prc >= 0)
            return prc == 0 ? check_stopped(r) : prc;
        r->passout = cli_secrets_passout(r->secrets, &r->passout_len);
    }
    return -1;
}

/* The work: the file (or what the server sends) inspected, --against compared. -1, or the exit code. */
static int check_inspect(CHECK_RUN *r)
{
    CHECK_ARGS *a = &r->a;

    memset(&r->co, 0, sizeof(r->co));
    cwms_options_init(&r->co.build);
    cli_shared_apply(&a->sh, &r->co.build);
    r->co.build.has_warn_days = a->warn_days_given;
    r->co.build.warn_days = a->warn_days;
    r->co.build.pass = a->sh.passin != NULL ? cli_secrets_pass(r->secrets) : NULL;
    r->co.build.fetch = a->fetch;
    r->co.path = a->bundle;
    r->co.decrypt_keys = a->sh.passin != NULL;
    if (a->connect != NULL && !connect_server(a, &r->cc, &r->co, r->diag))
        return connect_failed(a, &r->cc, r->diag);
    if (a->sh.cwms_version == NULL && a->sh.order_name == NULL && !a->sh.quiet && !a->sh.json
        && !a->sh.graph && a->connect == NULL)
        cli_note("no --cwms given: checking against the CWMS 2.5+ order (root-side intermediate "
                 "first, server last); pass --cwms 2.0 for older releases");
    if (!cwms_inspect_bundle(&r->co, r->diag, &r->check))
        return check_stopped(r);
    if (a->against != NULL && !against(a, &r->cc, r->check, &r->co))
        return r->cc.against_rc;
    return -1;
}

/* --fix on a file judged rc: writes it; the run's exit code. */
static int check_fix_run(CHECK_RUN *r, int rc)
{
    const CHECK_ARGS *a = &r->a;
    int frc = check_fix(a, r->check, r->passout, r->passout_len, r->diag, &r->fixed);

    /* A file that cannot be fixed keeps the findings' exit code; one written exits 0. */
    if (frc != CWMS_EXIT_OK && !a->sh.json) {
        for (size_t i = 0; i < cwms_diag_count(r->diag); i++) {
            const CWMS_MSG *m = cwms_diag_get(r->diag, i);

            if (m->level == CWMS_ERROR && m->finding != NULL)
                fprintf(stderr, CLI_PROGRAM ": error: %s\n", m->text);
        }
        if (frc == CWMS_EXIT_OUTPUT)
            cli_report_messages(r->diag);
    }
    /* ... and one that cannot be written exits 7, whatever the findings. */
    return frc == CWMS_EXIT_OK || frc == CWMS_EXIT_OUTPUT ? frc : rc != CWMS_EXIT_OK ? rc : frc;
}

/* The findings (stdout; with -q the errors on stderr), then --fix: the exit code. */
static int check_findings(CHECK_RUN *r)
{
    const CHECK_ARGS *a = &r->a;
    int rc = cwms_inspect_exit_code(r->check);

    for (size_t i = 0; !a->sh.json && !a->sh.graph && i < cwms_inspect_finding_count(r->check);
         i++) {
        const CWMS_FINDING *f = cwms_inspect_get0_finding(r->check, i);

        if (!a->sh.quiet)
            print_finding(stdout, f, r->unit);
        else if (f->level == CWMS_ERROR)
            print_finding(stderr, f, r->unit);
    }
    return a->fix ? check_fix_run(r, rc) : rc;
}

/* --graph dot: the graph on stdout; without a valid chain, the findings say why on stderr. */
static void check_graph(const CHECK_RUN *r)
{
    if (!cwms_inspect_ready(r->check))
        for (size_t i = 0; i < cwms_inspect_finding_count(r->check); i++)
            print_finding(stderr, cwms_inspect_get0_finding(r->check, i), r->unit);
    if (cwms_inspect_get0_explain(r->check) != NULL)
        cli_graph_dot(stdout, cwms_inspect_get0_explain(r->check));
    else
        fputs(CLI_PROGRAM ": error: no chain to draw: fix the errors above first\n", stderr);
}

/* The verdict after the findings: the tree on a terminal, then ready, or not and why. */
static void check_verdict(const CHECK_RUN *r, int rc)
{
    const CHECK_ARGS *a = &r->a;
    const CWMS_INSPECTION *check = r->check;
    char version[128];

    if (cwms_inspect_get0_bundle(check) != NULL && isatty(STDOUT_FILENO)) {
        fputs("\n", stdout);
        cli_tree_print(stdout, cwms_inspect_get0_bundle(check), cli_use_colour(STDOUT_FILENO));
    }
    version_words(a, version, sizeof(version));
    if (a->connect != NULL)
        cli_connect_print_verdict(stdout, &r->cc, check, rc);
    else if (cwms_inspect_ready(check))
        printf("ready for %s\n", version);
    else if (!r->fixed) {
        size_t n = cwms_inspect_finding_count(check), fixable = 0;

        for (size_t i = 0; i < n; i++)
            fixable += cwms_inspect_get0_finding(check, i)->fixable;
        fputs(CLI_PROGRAM ": '", stdout);
        cli_put_text(stdout, strcmp(a->bundle, "-") == 0 ? "(stdin)" : a->bundle);
        printf("' is not ready for %s: %zu finding%s, %zu of them fixable "
               "with 'check --fix -o FILE'%s\n",
               version, n, n == 1 ? "" : "s", fixable,
               rc == CWMS_EXIT_OK ? " (warnings only)" : "");
    }
}

/* The report of an inspection whose exit code is rc: the JSON document, the graph or the verdict. */
static void check_report(const CHECK_RUN *r, int rc)
{
    if (r->a.sh.json)
        /* a write that failed shows when stdout is flushed */
        (void)check_json(&r->a, r->a.connect != NULL ? &r->cc : NULL, r->check, r->diag, r->fixed);
    else if (r->a.sh.graph)
        check_graph(r);
    else if (!r->a.sh.quiet)
        check_verdict(r, rc);
}

int cmd_check(int argc, char **argv)
{
    CHECK_RUN r = { 0 };
    int rc;

    if (!cli_shared_init(&r.a.sh, argc)) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    if ((rc = parse_args(argc, argv, &r.a)) >= 0
        || (r.a.connect != NULL && (rc = cli_connect_parse(&r.cc, r.a.connect)) >= 0)) {
        cli_shared_clear(&r.a.sh);
        return rc;
    }
    r.cc.against = r.a.against;
    r.unit = r.a.connect != NULL ? "certificate" : "block";
    if ((rc = check_setup(&r)) == -1 && (rc = check_inspect(&r)) == -1) {
        rc = check_findings(&r);
        check_report(&r, rc);
    }
    /* The report is what check makes: one that cannot be written exits 7, whatever it says. */
    if ((fflush(stdout) != 0 || ferror(stdout)) && r.check != NULL) {
        fprintf(stderr, CLI_PROGRAM ": error: cannot write the report to standard output: %s\n",
                strerror(errno));
        rc = CWMS_EXIT_OUTPUT;
    }
    cli_connect_clear(&r.cc);
    cwms_inspect_free(r.check);
    cli_secrets_free(r.secrets);
    cwms_diag_free(r.diag);
    cli_shared_clear(&r.a.sh);
    return rc;
}
