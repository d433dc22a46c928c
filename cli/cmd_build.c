/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cwms-bundle build: options -> CWMS_OPTIONS -> cwms_bundle_build ->
 * cwms_emit -> atomic file (or stdout) -> summary on stderr.
 *
 * The option names are a contract (users script against them); the option
 * table below gives both the parser and --help, and docs/cwms-bundle.1
 * describes the same list.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cwms/bundle.h"
#include "commands.h"
#include "cwms/diag.h"
#include "cwms/emit.h"
#include "cwms/inputs.h"
#include "cwms/options.h"
#include "cwms/pass.h"
#include "chain_view.h"
#include "json_out.h"
#include "opt_suggest.h"
#include "opt_table.h"
#include "output.h"
#include "passsrc.h"
#include "report.h"
#include "secrets.h"
#include "shared_opts.h"

enum {
    OPT_KEY = CLI_OPT_SHARED_END,
    OPT_NO_KEY,
    OPT_FORMAT,
    OPT_KEY_FORMAT,
    OPT_PATH,
    OPT_INCLUDE_ROOT,
    OPT_LEAF,
    OPT_FETCH
};

/* The options of `build`: getopt_long's arrays and --help both come from here. */
static const CLI_OPT build_options[] = {
    CLI_OPT_SECTION("Order:"),
    CLI_OPT_ENTRY_CWMS("the CWMS release: 1.0 to 2.0 = leaf first; 2.5 and later = root first\n"
                       "e.g. 2.0, 2.5, 2.5MR6, 4.0MR2 SP1, 2.8.1.1 (see cwms-bundle(1));\n"
                       "always with its dot: 20 is refused (did you mean 2.0?)"),
    CLI_OPT_ENTRY_ORDER,
    CLI_OPT_SECTION("Key:"),
    { .name = "key",
      .id = OPT_KEY,
      .metavar = "SOURCE",
      .help = "the private key (file or URI); default: the key among the inputs" },
    { .name = "no-key", .id = OPT_NO_KEY, .flags = CLI_SYN_ALT, .help = "certificates only" },
    CLI_OPT_ENTRY_PASSIN("passphrase of encrypted inputs (PKCS#12, keys); also the\n"
                         "token PIN when --pin is not given"),
    CLI_OPT_ENTRY_PIN("PIN of a PKCS#11 token (when the URI has no pin-source=)"),
    CLI_OPT_ENTRY_PASSOUT("encrypt the key in the output (AES-256, PBES2)\n"
                          "SRC: pass:TEXT, env:VAR, file:PATH, fd:N, stdin"),
    CLI_OPT_SECTION("Output:"),
    { .name = "format",
      .id = OPT_FORMAT,
      .metavar = "FORMAT",
      .synopsis = "pem|pkcs12",
      .help = "pem (default) or pkcs12 (needs --passout)" },
    { .name = "key-format",
      .id = OPT_KEY_FORMAT,
      .metavar = "FORMAT",
      .synopsis = "pkcs8|traditional",
      .help = "pkcs8 (default, \"PRIVATE KEY\") or traditional (\"RSA PRIVATE KEY\")" },
    CLI_OPT_ENTRY_OUTPUT("write to FILE (atomically; mode 0600 with a key); default or -: stdout"),
    CLI_OPT_ENTRY_JSON("a JSON document about the bundle on stdout (needs -o;\n"
                       "schema: " CWMS_SCHEMA_FILE ")"),
    CLI_OPT_ENTRY_GRAPH("the candidate graph as Graphviz DOT on stdout (needs -o); without\n"
                        "a chain, what is there and the issuers missing"),
    CLI_OPT_ENTRY_QUIET,
    CLI_OPT_SECTION("Chain:"),
    { .name = "path",
      .id = OPT_PATH,
      .metavar = "POLICY",
      .synopsis = "complete|shortest",
      .help = "complete (default: as far as the inputs go) or shortest" },
    CLI_OPT_ENTRY_TRUST("trust anchors: a PEM file, an OpenSSL hashed directory or a\n"
                        "folder of certificate files; default: OpenSSL's default locations"),
    { .name = "include-root",
      .id = OPT_INCLUDE_ROOT,
      .help = "keep the self-signed root in the output" },
    { .name = "fetch",
      .id = OPT_FETCH,
      .help = "download a missing issuer from the URL its child names (AIA\n"
              "caIssuers, http: only), verify it and use it; off by default" },
    CLI_OPT_ENTRY_ATTIME,
    CLI_OPT_ENTRY_VERIFY_DEPTH,
    CLI_OPT_ENTRY_HOST("the server certificate's subjectAltName must cover NAME (repeatable)"),
    CLI_OPT_ENTRY_SITE(CLI_SITE_HELP_RULES),
    { .name = "leaf",
      .id = OPT_LEAF,
      .metavar = "FINGERPRINT",
      .synopsis = "SHA256-FINGERPRINT",
      .help = "the server certificate's SHA-256 (hex, colons optional)" },
    CLI_OPT_ENTRY_STRICT("treat warnings as errors; RFC 5280 strict profile (see VALIDATION)"),
    CLI_OPT_ENTRY_HELP,
    CLI_OPT_ENTRY_VERSION,
    { .metavar = "INPUT", .synopsis = "INPUT...", .flags = CLI_LIST_HIDE },
    CLI_OPT_END
};

const CLI_COMMAND_HELP cli_build_help = {
    .command = "build",
    .description =
        "Builds the file CWMS imports: the private key, then the certificate chain (without\n"
        "the self-signed root) in the order your CWMS version wants.\n"
        "\n"
        "INPUT: files in any format (PEM, DER, PKCS#7, PKCS#12, keys), directories (their\n"
        "regular files), archives (.zip, .tar, .tar.gz), '-' for standard input, file: and\n"
        "pkcs11: URIs. Files in a directory or archive that hold nothing usable are skipped.\n",
    .opts = build_options,
    .help_column = 24,
    .epilogue = CLI_EXIT_CODES_HELP,
};

/* Everything the command line said, before it becomes CWMS_OPTIONS. */
typedef struct build_args_st {
    CLI_SHARED_ARGS sh; /* --cwms, --order, --passin, ..., -q, -o */
    int order_given;
    const char *key_source;
    int no_key;
    CWMS_FORMAT format;
    CWMS_KEY_FORMAT key_format;
    int key_format_given;
    CWMS_PATH_CHOICE path;
    int include_root;
    int fetch;
    unsigned char leaf[32];
    int leaf_given;
} BUILD_ARGS;

/*-
 * Parsing
 * -------
 */

/* Same file descriptor (stdin, fd:N): one line each, --passin first, like openssl. */
static int same_stream(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return 0;
    if (cli_passsrc_uses_stdin(a) && cli_passsrc_uses_stdin(b))
        return 1;
    return strncmp(a, "fd:", 3) == 0 && strcmp(a, b) == 0;
}

/* build's own options (CLI_OWN_OPTION). */
static int build_option(void *args, int c)
{
    BUILD_ARGS *a = args;

    switch (c) {
    case OPT_KEY:
        a->key_source = optarg;
        return -1;
    case OPT_NO_KEY:
        a->no_key = 1;
        return -1;
    case OPT_FORMAT:
        if (strcmp(optarg, "pem") == 0)
            a->format = CWMS_FORMAT_PEM;
        else if (strcmp(optarg, "pkcs12") == 0)
            a->format = CWMS_FORMAT_PKCS12;
        else
            return cli_usage_error("build", "--format '%s': use pem or pkcs12", optarg);
        return -1;
    case OPT_KEY_FORMAT:
        a->key_format_given = 1;
        if (strcmp(optarg, "pkcs8") == 0)
            a->key_format = CWMS_KEYFMT_PKCS8;
        else if (strcmp(optarg, "traditional") == 0)
            a->key_format = CWMS_KEYFMT_TRADITIONAL;
        else
            return cli_usage_error("build", "--key-format '%s': use pkcs8 or traditional", optarg);
        return -1;
    case OPT_PATH:
        if (!cwms_parse_path_choice(optarg, &a->path))
            return cli_opt_bad_value("build", CWMS_OPTION_PATH, "--path", optarg);
        return -1;
    case OPT_INCLUDE_ROOT:
        a->include_root = 1;
        return -1;
    case OPT_FETCH:
        a->fetch = 1;
        return -1;
    case OPT_LEAF:
        if (!cwms_parse_sha256(optarg, a->leaf))
            return cli_opt_bad_value("build", CWMS_OPTION_SHA256, "--leaf", optarg);
        a->leaf_given = 1;
        return -1;
    default:
        return CLI_OPT_NOT_MINE;
    }
}

/* The options that do not go together, or need another: -1, or the usage error's code. */
static int check_combinations(const BUILD_ARGS *a, int argc)
{
    if (a->key_source != NULL && a->no_key)
        return cli_usage_error("build", "give --key or --no-key, not both");
    if (a->format == CWMS_FORMAT_PKCS12 && a->sh.passout == NULL)
        return cli_usage_error("build",
                               "--format pkcs12 needs --passout (a PKCS#12 file is "
                               "always protected by a passphrase)");
    if (a->format == CWMS_FORMAT_PKCS12 && a->key_format_given)
        return cli_usage_error("build", "--key-format applies to PEM output only");
    if (a->no_key && a->sh.passout != NULL && a->format == CWMS_FORMAT_PEM)
        return cli_usage_error("build",
                               "--passout encrypts the key, and --no-key leaves it out: "
                               "give one of them");
    if (optind >= argc)
        return cli_usage_error("build",
                               "no INPUT given: name the files or directories the CA "
                               "sent, and your key");
    if ((a->sh.json || a->sh.graph) && a->sh.output == NULL)
        return cli_usage_error("build", "%s writes to standard output, so the bundle needs -o FILE",
                               a->sh.json ? "--json" : "--graph dot");
    return -1;
}

/* Standard input can be read once: by one INPUT "-", --key -, or the passphrases. */
static int check_stdin(const BUILD_ARGS *a, int argc, char **argv)
{
    size_t stdin_users = 0;

    for (int i = optind; i < argc; i++)
        stdin_users += strcmp(argv[i], "-") == 0;
    stdin_users += a->key_source != NULL && strcmp(a->key_source, "-") == 0;
    if (stdin_users > 1)
        return cli_usage_error("build", "standard input ('-') can be read only once");
    if (stdin_users > 0
        && (cli_passsrc_uses_stdin(a->sh.passin) || cli_passsrc_uses_stdin(a->sh.passout)
            || cli_passsrc_uses_stdin(a->sh.pin)))
        return cli_usage_error("build",
                               "standard input cannot hold both an input and a "
                               "passphrase: use --passin/--pin/--passout env:, file: or fd:");
    if (cli_passsrc_uses_stdin(a->sh.pin)
        && (cli_passsrc_uses_stdin(a->sh.passin) || cli_passsrc_uses_stdin(a->sh.passout)))
        return cli_usage_error("build",
                               "--pin and --passin/--passout cannot all read standard "
                               "input: give the PIN with env:, file: or fd:");
    return -1;
}

/* -1 when the command line is complete and consistent (optind at the first INPUT), else the exit code. */
static int parse_args(int argc, char **argv, BUILD_ARGS *a)
{
    int rc = cli_parse_options(&cli_build_help, argc, argv, &a->sh, build_option, a);

    if (rc >= 0 || (rc = check_combinations(a, argc)) >= 0)
        return rc;
    a->order_given = a->sh.cwms_version != NULL || a->sh.order_name != NULL;
    return check_stdin(a, argc, argv);
}

/*-
 * Running
 * -------
 */

/*
 * -o naming something the run reads (a CA bundle, the encrypted key, a
 * passphrase file, a token's pin-source) would silently replace it with
 * the bundle: refused (exit 7) before anything is read.
 */
static int output_not_an_input(const BUILD_ARGS *a, int n_inputs, char **inputs, CWMS_DIAG *diag)
{
    CWMS_READS *reads;
    size_t n = 0;
    int ok;

    if (a->sh.output == NULL)
        return 1;
    if ((reads = calloc((size_t)n_inputs + 1 + CLI_SHARED_READS, sizeof(*reads))) == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    for (int i = 0; i < n_inputs; i++)
        reads[n++] = (CWMS_READS){ inputs[i], CWMS_READS_SOURCE, "input" };
    reads[n++] = (CWMS_READS){ a->key_source, CWMS_READS_SOURCE, "--key" };
    n += cli_shared_reads(&a->sh, reads + n);
    ok = cwms_output_check(a->sh.output, "-o", reads, n, diag);
    free(reads);
    return ok;
}

static const char *key_format_text(const BUILD_ARGS *a)
{
    if (a->format == CWMS_FORMAT_PKCS12)
        return "a PKCS#12 key bag (AES-256)";
    if (a->key_format == CWMS_KEYFMT_TRADITIONAL)
        return a->sh.passout != NULL ? "traditional PEM, AES-256 encrypted" : "traditional PEM";
    return a->sh.passout != NULL ? "PKCS#8, AES-256 encrypted (PBES2)" : "PKCS#8";
}

/* One run, from the parsed command line to the bundle written. */
typedef struct build_run_st {
    BUILD_ARGS a;
    CWMS_DIAG *diag;
    CLI_SECRETS *secrets;
    const char *passout; /* --passout's passphrase, read before the work */
    size_t passout_len;
    CWMS_BUNDLE *bundle;
    CWMS_EXPLAIN *partial; /* what a failed build found, for --graph dot */
    unsigned char *data;   /* the bundle as written */
    size_t data_len;
} BUILD_RUN;

/* A phase's result: the run failed, and diag says why (the other results are exit codes, or -1 to go on). */
#define BUILD_FAILED (-2)

/*
 * Set-up: the messages, the passphrase sources, -o against what is read,
 * --passout read now (--passin lazily, only if an input is encrypted).
 */
static int build_setup(BUILD_RUN *r, int argc, char **argv)
{
    const BUILD_ARGS *a = &r->a;

    if ((r->diag = cwms_diag_new()) == NULL
        || (r->secrets = cli_secrets_new(a->sh.passin, a->sh.pin, a->sh.passout, r->diag))
            == NULL) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    if (!output_not_an_input(a, argc - optind, argv + optind, r->diag))
        return BUILD_FAILED;
    if (same_stream(a->sh.passin, a->sh.passout)
        && !cli_secrets_preread_passin(r->secrets, "the inputs"))
        return BUILD_FAILED;
    if (a->sh.passout != NULL) {
        int prc = cli_shared_read_passout("build", &a->sh, r->secrets, "the output key");

        if (prc >= 0)
            return prc == 0 ? BUILD_FAILED : prc;
        r->passout = cli_secrets_passout(r->secrets, &r->passout_len);
    }
    if (a->sh.passin != NULL)
        cwms_pass_set_given(cli_secrets_pass(r->secrets));
    return -1;
}

/* The core's options for this run. */
static void build_options_for(const BUILD_RUN *r, int argc, char **argv, CWMS_OPTIONS *opts)
{
    const BUILD_ARGS *a = &r->a;

    cwms_options_init(opts);
    opts->inputs = (const char *const *)(argv + optind);
    opts->n_inputs = (size_t)(argc - optind);
    opts->key_source = a->key_source;
    opts->no_key = a->no_key;
    cli_shared_apply(&a->sh, opts);
    opts->path = a->path;
    opts->include_root = a->include_root;
    opts->fetch = a->fetch;
    opts->has_leaf_sha256 = a->leaf_given;
    memcpy(opts->leaf_sha256, a->leaf, sizeof(opts->leaf_sha256));
    opts->pass = cli_secrets_pass(r->secrets);
    opts->pin = cli_secrets_pin(r->secrets);
    /* The tree on a terminal, the JSON and the graph draw the core's explanation. */
    opts->explain = a->sh.json || a->sh.graph || (!a->sh.quiet && isatty(STDERR_FILENO));
    opts->max_threads = 2; /* the tool's own process: --trust and a large PEM file in parallel */
}

/* The work: the bundle built, encoded and written. 1, or 0 with the reason in diag. */
static int build_and_write(BUILD_RUN *r, const CWMS_OPTIONS *opts)
{
    const BUILD_ARGS *a = &r->a;
    CWMS_EMIT_OPTIONS eo = { 0 };

    if (!a->order_given && !a->sh.quiet && !a->sh.json)
        cli_note("no --cwms given: using the CWMS 2.5+ order (root-side intermediate first, "
                 "server last); pass --cwms 2.0 for older releases");
    if (!cwms_bundle_build_explained(opts, r->diag, &r->bundle, a->sh.graph ? &r->partial : NULL))
        return 0;
    /* An unencrypted key or a binary PKCS#12 scrolling past on a terminal helps nobody. */
    if (a->sh.output == NULL && a->format == CWMS_FORMAT_PKCS12 && isatty(STDOUT_FILENO)) {
        cwms_diag_add(r->diag, CWMS_ERROR, CWMS_R_USAGE,
                      "refusing to write a binary PKCS#12 to the terminal: give -o FILE");
        return 0;
    }
    if (r->bundle->key != NULL && r->bundle->key_protected && a->sh.passout == NULL) {
        cwms_diag_add(r->diag, a->sh.strict ? CWMS_ERROR : CWMS_WARNING, CWMS_R_KEY_UNENCRYPTED,
                      "the private key from '%s' was encrypted, but the bundle will hold it "
                      "unencrypted: add --passout SRC to keep it encrypted (AES-256)",
                      r->bundle->key_origin != NULL ? r->bundle->key_origin : "the inputs");
        if (a->sh.strict)
            return 0;
    }
    eo.format = a->format;
    eo.key_format = a->key_format;
    if (a->sh.passout != NULL) {
        eo.passout = r->passout;
        eo.passout_len = r->passout_len;
    }
    return cwms_emit(r->bundle, &eo, &r->data, &r->data_len, r->diag)
        && cli_write_output(a->sh.output, r->data, r->data_len, r->bundle->key != NULL, r->diag);
}

/* --json: the document about the bundle on stdout. 1, or 0 with the reason in diag. */
static int build_json(const BUILD_RUN *r)
{
    const BUILD_ARGS *a = &r->a;
    const CWMS_BUNDLE *bundle = r->bundle;
    CLI_JSON_KEY key = { bundle->key, bundle->key_origin, a->sh.passout != NULL };
    json_object *doc = cli_json_new("build");

    if (doc == NULL
        || !cli_json_add_bundle(doc, bundle, a->sh.cwms_version, bundle->key != NULL ? &key : NULL)
        || json_object_object_add(doc, "output", cli_json_text(a->sh.output)) != 0
        || json_object_object_add(doc, "exit_code", json_object_new_int(CWMS_EXIT_OK)) != 0
        || !cli_json_add_diagnostics(doc, r->diag)) {
        json_object_put(doc);
        cwms_diag_add(r->diag, CWMS_ERROR, CWMS_R_INTERNAL,
                      "out of memory writing the JSON document");
        return 0;
    }
    if (!cli_json_write(doc)) {
        cwms_diag_add(r->diag, CWMS_ERROR, CWMS_R_OUTPUT,
                      "cannot write the JSON document to standard output");
        return 0;
    }
    return 1;
}

/* --graph dot: the chain's graph on stdout. 1, or 0 with the reason in diag. */
static int build_graph(const BUILD_RUN *r)
{
    cli_graph_dot(stdout, cwms_bundle_get0_explain(r->bundle));
    if (fflush(stdout) != 0) {
        cwms_diag_add(r->diag, CWMS_ERROR, CWMS_R_OUTPUT,
                      "cannot write the graph to standard output");
        return 0;
    }
    return 1;
}

/* The report of a bundle written: the messages, the summary and (on a terminal) the tree. */
static int build_report(const BUILD_RUN *r)
{
    const BUILD_ARGS *a = &r->a;
    CLI_SUMMARY summary = { 0 };

    if (a->sh.quiet || a->sh.json) {
        if (!a->sh.json)
            cli_report_errors(r->diag);
        return CWMS_EXIT_OK;
    }
    cli_report_messages(r->diag);
    summary.output = a->sh.output;
    summary.format = a->format == CWMS_FORMAT_PKCS12 ? "PKCS#12" : "PEM";
    summary.key_format = key_format_text(a);
    summary.secret = r->bundle->key != NULL;
    summary.warnings = cwms_diag_count_level(r->diag, CWMS_WARNING);
    cli_report_summary(r->bundle, &summary);
    if (isatty(STDERR_FILENO) && cwms_bundle_get0_explain(r->bundle) != NULL)
        cli_tree_print(stderr, r->bundle, cli_use_colour(STDERR_FILENO));
    return CWMS_EXIT_OK;
}

/* The report of a run that failed: its messages (and --graph, --json documents); the exit code. */
static int build_report_failure(const BUILD_RUN *r)
{
    const BUILD_ARGS *a = &r->a;
    int rc = cli_report_exit_code(r->diag);

    /* No bundle, but a picture of what is there: the certificates and the issuers missing. */
    if (r->partial != NULL)
        cli_graph_dot(stdout, r->partial);
    if (a->sh.json) {
        /* A failed run is one document too: what went wrong, and the exit code. */
        json_object *doc = cli_json_new("build");

        if (doc != NULL && json_object_object_add(doc, "exit_code", json_object_new_int(rc)) == 0
            && cli_json_add_diagnostics(doc, r->diag))
            (void)cli_json_write(doc);
        else
            json_object_put(doc);
    }
    if (a->sh.quiet || a->sh.json)
        cli_report_errors(r->diag);
    else
        cli_report_messages(r->diag);
    return rc;
}

static void build_run_clear(BUILD_RUN *r)
{
    OPENSSL_clear_free(r->data, r->data_len);
    cwms_bundle_free(r->bundle);
    cwms_explain_free(r->partial);
    cli_secrets_free(r->secrets);
    cwms_diag_free(r->diag);
    cli_shared_clear(&r->a.sh);
}

int cmd_build(int argc, char **argv)
{
    BUILD_RUN r = { 0 };
    CWMS_OPTIONS opts;
    int rc;

    if (!cli_shared_init(&r.a.sh, argc)) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    if ((rc = parse_args(argc, argv, &r.a)) == -1 && (rc = build_setup(&r, argc, argv)) == -1) {
        build_options_for(&r, argc, argv, &opts);
        if (!build_and_write(&r, &opts) || (r.a.sh.json && !build_json(&r))
            || (!r.a.sh.json && r.a.sh.graph && !build_graph(&r)))
            rc = BUILD_FAILED;
        else
            rc = build_report(&r);
    }
    if (rc == BUILD_FAILED)
        rc = build_report_failure(&r);
    build_run_clear(&r);
    return rc;
}
