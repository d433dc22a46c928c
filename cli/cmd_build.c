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
#include "cwms_write_all.h"
#include "opt_table.h"
#include "passsrc.h"
#include "report.h"

#define PASS_SIZE (CWMS_PASS_MAX + 1)   /* and the NUL, like the core's cache */

enum {
    OPT_CWMS = 256, OPT_ORDER, OPT_KEY, OPT_NO_KEY, OPT_PASSIN, OPT_PASSOUT, OPT_FORMAT,
    OPT_KEY_FORMAT, OPT_PATH, OPT_TRUST, OPT_INCLUDE_ROOT, OPT_ATTIME, OPT_HOST, OPT_LEAF,
    OPT_STRICT
};

/* The options of `build`: getopt_long's arrays and --help both come from here. */
static const CLI_OPT build_options[] = {
    CLI_OPT_SECTION("Order:"),
    { .name = "cwms", .id = OPT_CWMS, .metavar = "VERSION",
      .help = "the CWMS release: 1.0 to 2.0 = leaf first; 2.5 and later = root first\n"
              "e.g. 2.0, 2.5, 2.5MR6, 4.0MR2 SP1, 2.8.1.1 (see cwms-bundle(1))" },
    { .name = "order", .id = OPT_ORDER, .metavar = "ORDER", .synopsis = "leaf-first|root-first",
      .flags = CLI_SYN_ALT,
      .help = "leaf-first or root-first (instead of --cwms); default root-first" },
    CLI_OPT_SECTION("Key:"),
    { .name = "key", .id = OPT_KEY, .metavar = "SOURCE",
      .help = "the private key (file or URI); default: the key among the inputs" },
    { .name = "no-key", .id = OPT_NO_KEY, .flags = CLI_SYN_ALT,
      .help = "certificates only" },
    { .name = "passin", .id = OPT_PASSIN, .metavar = "SRC",
      .help = "passphrase of encrypted inputs (PKCS#12, keys)" },
    { .name = "passout", .id = OPT_PASSOUT, .metavar = "SRC",
      .help = "encrypt the key in the output (AES-256, PBES2)\n"
              "SRC: pass:TEXT, env:VAR, file:PATH, fd:N, stdin" },
    CLI_OPT_SECTION("Output:"),
    { .name = "format", .id = OPT_FORMAT, .metavar = "FORMAT", .synopsis = "pem|pkcs12",
      .help = "pem (default) or pkcs12 (needs --passout)" },
    { .name = "key-format", .id = OPT_KEY_FORMAT, .metavar = "FORMAT",
      .synopsis = "pkcs8|traditional",
      .help = "pkcs8 (default, \"PRIVATE KEY\") or traditional (\"RSA PRIVATE KEY\")" },
    { .name = "output", .short_name = 'o', .id = 'o', .metavar = "FILE", .flags = CLI_SYN_SHORT,
      .help = "write to FILE (atomically; mode 0600 with a key); default stdout" },
    CLI_OPT_SECTION("Chain:"),
    { .name = "path", .id = OPT_PATH, .metavar = "POLICY", .synopsis = "complete|shortest",
      .help = "complete (default: as far as the inputs go) or shortest" },
    { .name = "trust", .id = OPT_TRUST, .metavar = "FILE",
      .help = "trust anchors (PEM); default: OpenSSL's default locations" },
    { .name = "include-root", .id = OPT_INCLUDE_ROOT,
      .help = "keep the self-signed root in the output" },
    { .name = "attime", .id = OPT_ATTIME, .metavar = "TIME",
      .help = "validate at TIME instead of now: seconds since 1970, a UTC date\n"
              "(2017-12-01) or date and time (2017-12-01T10:00:00Z)" },
    { .name = "host", .id = OPT_HOST, .metavar = "NAME", .flags = CLI_SYN_REPEAT,
      .help = "the server certificate's subjectAltName must cover NAME (repeatable)" },
    { .name = "leaf", .id = OPT_LEAF, .metavar = "FINGERPRINT", .synopsis = "SHA256-FINGERPRINT",
      .help = "the server certificate's SHA-256 (hex, colons optional)" },
    { .name = "strict", .id = OPT_STRICT,
      .help = "treat warnings as errors; RFC 5280 strict profile (see VALIDATION)" },
    { .name = "help", .short_name = 'h', .id = 'h', .flags = CLI_SYN_HIDE,
      .help = "show this help" },
    { .metavar = "INPUT", .synopsis = "INPUT...", .flags = CLI_LIST_HIDE },
    CLI_OPT_END
};

static const CLI_COMMAND_HELP build_help = {
    .command = "build",
    .description =
        "Builds the file CWMS imports: the private key, then the certificate chain (without\n"
        "the self-signed root) in the order your CWMS version wants.\n"
        "\n"
        "INPUT: files in any format (PEM, DER, PKCS#7, PKCS#12, keys), directories (their\n"
        "regular files), '-' for standard input, file: and pkcs11: URIs.\n",
    .opts = build_options,
    .help_column = 24,
    .epilogue = "Exit codes: 0 ok, 1 internal error, 2 usage, 3 input, 4 chain, 5 key, 6 token, "
                "7 output.\n",
};

/* Everything the command line said, before it becomes CWMS_OPTIONS. */
typedef struct build_args_st {
    const char *cwms_version;
    const char *order_name;
    CWMS_ORDER order;
    int order_given;
    const char *key_source;
    int no_key;
    const char *passin;
    const char *passout;
    CWMS_FORMAT format;
    CWMS_KEY_FORMAT key_format;
    int key_format_given;
    CWMS_PATH_CHOICE path;
    const char *trust;
    int include_root;
    int64_t attime;
    int attime_given;
    const char **hosts;
    size_t n_hosts;
    unsigned char leaf[32];
    int leaf_given;
    int strict;
    const char *output;
} BUILD_ARGS;

/* --passin as the core's passphrase callback sees it: read lazily, or up front. */
typedef struct passin_st {
    CLI_PASSSRC src;
    int preread;
    char buf[PASS_SIZE];
    size_t len;
} PASSIN;

static int passin_cb(char *buf, size_t size, size_t *len, const char *what, void *arg)
{
    PASSIN *p = arg;

    if (!p->preread)
        return cli_passsrc_cb(buf, size, len, what, &p->src);
    if (p->len > size)
        return 0;
    memcpy(buf, p->buf, p->len);
    *len = p->len;
    return 1;
}

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

static int parse_args(int argc, char **argv, BUILD_ARGS *a, int *help)
{
    CLI_GETOPT g;
    int c;
    size_t stdin_users = 0;

    *help = 0;
    opterr = 0;     /* our own messages, with a pointer to --help */
    optind = 1;
    if (!cli_getopt_init(&g, build_options)) {
        fputs(CLI_PROGRAM ": error: too many options in the build table\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case OPT_CWMS:
            a->cwms_version = optarg;
            if (!cwms_order_for_version(optarg, &a->order))
                return cli_opt_bad_value("build", CWMS_OPTION_VERSION, "--cwms", optarg);
            break;
        case OPT_ORDER:
            a->order_name = optarg;
            if (!cwms_parse_order(optarg, &a->order))
                return cli_opt_bad_value("build", CWMS_OPTION_ORDER, "--order", optarg);
            break;
        case OPT_KEY:
            a->key_source = optarg;
            break;
        case OPT_NO_KEY:
            a->no_key = 1;
            break;
        case OPT_PASSIN:
        case OPT_PASSOUT:
            if (!cli_passsrc_valid(optarg))
                return cli_usage_error("build", CLI_PASSSRC_INVALID, c == OPT_PASSIN ? "--passin" : "--passout");
            if (c == OPT_PASSIN)
                a->passin = optarg;
            else
                a->passout = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "pem") == 0)
                a->format = CWMS_FORMAT_PEM;
            else if (strcmp(optarg, "pkcs12") == 0)
                a->format = CWMS_FORMAT_PKCS12;
            else
                return cli_usage_error("build", "--format '%s': use pem or pkcs12", optarg);
            break;
        case OPT_KEY_FORMAT:
            a->key_format_given = 1;
            if (strcmp(optarg, "pkcs8") == 0)
                a->key_format = CWMS_KEYFMT_PKCS8;
            else if (strcmp(optarg, "traditional") == 0)
                a->key_format = CWMS_KEYFMT_TRADITIONAL;
            else
                return cli_usage_error("build", "--key-format '%s': use pkcs8 or traditional", optarg);
            break;
        case OPT_PATH:
            if (!cwms_parse_path_choice(optarg, &a->path))
                return cli_opt_bad_value("build", CWMS_OPTION_PATH, "--path", optarg);
            break;
        case OPT_TRUST:
            a->trust = optarg;
            break;
        case OPT_INCLUDE_ROOT:
            a->include_root = 1;
            break;
        case OPT_ATTIME:
            if (!cwms_parse_time(optarg, &a->attime))
                return cli_opt_bad_value("build", CWMS_OPTION_ATTIME, "--attime", optarg);
            a->attime_given = 1;
            break;
        case OPT_HOST:
            if (*optarg == '\0')
                return cli_usage_error("build", "--host needs a host name");
            a->hosts[a->n_hosts++] = optarg;
            break;
        case OPT_LEAF:
            if (!cwms_parse_sha256(optarg, a->leaf))
                return cli_opt_bad_value("build", CWMS_OPTION_SHA256, "--leaf", optarg);
            a->leaf_given = 1;
            break;
        case OPT_STRICT:
            a->strict = 1;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'h':
            *help = 1;
            return CWMS_EXIT_OK;
        default:
            return cli_opt_parse_error("build", c, argv);
        }
    }

    if (a->cwms_version != NULL && a->order_name != NULL)
        return cli_usage_error("build", "give --cwms or --order, not both");
    a->order_given = a->cwms_version != NULL || a->order_name != NULL;
    if (a->key_source != NULL && a->no_key)
        return cli_usage_error("build", "give --key or --no-key, not both");
    if (a->format == CWMS_FORMAT_PKCS12 && a->passout == NULL)
        return cli_usage_error("build", "--format pkcs12 needs --passout (a PKCS#12 file is "
                               "always protected by a passphrase)");
    if (a->format == CWMS_FORMAT_PKCS12 && a->key_format_given)
        return cli_usage_error("build", "--key-format applies to PEM output only");
    if (a->no_key && a->passout != NULL && a->format == CWMS_FORMAT_PEM)
        return cli_usage_error("build", "--passout encrypts the key, and --no-key leaves it out: "
                               "give one of them");
    if (optind >= argc)
        return cli_usage_error("build", "no INPUT given: name the files or directories the CA "
                               "sent, and your key");
    if (a->output != NULL && *a->output == '\0')
        return cli_usage_error("build", "-o needs a file name");

    /* Standard input can be read once: by one INPUT "-", --key -, or the passphrases. */
    for (int i = optind; i < argc; i++)
        stdin_users += strcmp(argv[i], "-") == 0;
    stdin_users += a->key_source != NULL && strcmp(a->key_source, "-") == 0;
    if (stdin_users > 1)
        return cli_usage_error("build", "standard input ('-') can be read only once");
    if (stdin_users > 0 && (cli_passsrc_uses_stdin(a->passin) || cli_passsrc_uses_stdin(a->passout)))
        return cli_usage_error("build", "standard input cannot hold both an input and a "
                               "passphrase: use --passin/--passout env:, file: or fd:");
    return -1;   /* parsed; go on */
}

/*-
 * Running
 * -------
 */

/*
 * -o naming an input (a CA bundle, the encrypted key, a passphrase file)
 * would silently replace it with the bundle: refused as a usage error.
 */
static int output_not_an_input(const BUILD_ARGS *a, int n_inputs, char **inputs, CWMS_DIAG *diag)
{
    const char **sources;
    const char *which = NULL;
    size_t n = 0;
    int clash;

    if (a->output == NULL)
        return 1;
    if ((sources = calloc((size_t)n_inputs + 4, sizeof(*sources))) == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    for (int i = 0; i < n_inputs; i++)
        sources[n++] = inputs[i];
    sources[n++] = a->key_source;
    sources[n++] = a->trust;
    if (a->passin != NULL && strncmp(a->passin, "file:", 5) == 0)
        sources[n++] = a->passin + 5;
    if (a->passout != NULL && strncmp(a->passout, "file:", 5) == 0)
        sources[n++] = a->passout + 5;
    clash = cwms_output_is_source(a->output, sources, n, &which);
    if (clash)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_USAGE,
                      "-o '%s' is %s '%s': writing the bundle would replace an input; choose "
                      "another output file", a->output,
                      clash == 2 ? "a file of the input directory" : "the input", which);
    free(sources);
    return !clash;
}

static const char *key_format_text(const BUILD_ARGS *a)
{
    if (a->format == CWMS_FORMAT_PKCS12)
        return "a PKCS#12 key bag (AES-256)";
    if (a->key_format == CWMS_KEYFMT_TRADITIONAL)
        return a->passout != NULL ? "traditional PEM, AES-256 encrypted" : "traditional PEM";
    return a->passout != NULL ? "PKCS#8, AES-256 encrypted (PBES2)" : "PKCS#8";
}

/* write(2), not stdio: no libc buffer keeps a copy of the key we could not cleanse. */
static int write_stdout(const unsigned char *data, size_t len, CWMS_DIAG *diag)
{
    if (!cwms_write_all(STDOUT_FILENO, data, len)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT,
                      "cannot write to standard output: %s; use -o FILE", strerror(errno));
        return 0;
    }
    return 1;
}

int cmd_build(int argc, char **argv)
{
    BUILD_ARGS a = { 0 };
    CWMS_OPTIONS opts;
    CWMS_EMIT_OPTIONS eo = { 0 };
    CWMS_DIAG *diag = NULL;
    CWMS_PASS *pass = NULL;
    CWMS_BUNDLE *bundle = NULL;
    PASSIN *passin = NULL;
    char *passout = NULL;
    size_t passout_len = 0;
    unsigned char *data = NULL;
    size_t data_len = 0;
    CLI_SUMMARY summary = { 0 };
    int help, rc;

    if ((a.hosts = calloc((size_t)argc + 1, sizeof(*a.hosts))) == NULL) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    a.order = CWMS_ORDER_ROOT_FIRST;
    if ((rc = parse_args(argc, argv, &a, &help)) >= 0) {
        if (help)
            cli_print_help(stdout, &build_help);
        free(a.hosts);
        return rc;
    }

    rc = CWMS_EXIT_FAILURE;
    passin = OPENSSL_secure_zalloc(sizeof(*passin));
    passout = OPENSSL_secure_zalloc(PASS_SIZE);
    if ((diag = cwms_diag_new()) == NULL || passin == NULL || passout == NULL) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        goto end;
    }

    if (!output_not_an_input(&a, argc - optind, argv + optind, diag))
        goto failed;

    /* Passphrases: --passin lazily (only if an input is encrypted), --passout now. */
    passin->src.spec = a.passin;
    passin->src.option = "--passin";
    passin->src.diag = diag;
    if (same_stream(a.passin, a.passout)) {
        if (!cli_passsrc_read(&passin->src, passin->buf, sizeof(passin->buf), &passin->len,
                              "the inputs"))
            goto failed;
        passin->preread = 1;
    }
    if (a.passout != NULL) {
        CLI_PASSSRC out_src = { 0 };

        out_src.spec = a.passout;
        out_src.option = "--passout";
        out_src.confirm = 1;
        out_src.diag = diag;
        /* `-passin file:X -passout file:X` means line 1 and line 2 in openssl. */
        out_src.file_line = a.passin != NULL && strncmp(a.passout, "file:", 5) == 0
                            && strcmp(a.passin, a.passout) == 0;
        if (!cli_passsrc_read(&out_src, passout, PASS_SIZE, &passout_len, "the output key"))
            goto failed;
        if (passout_len == 0) {
            rc = cli_usage_error("build", "--passout %s gives an empty passphrase: the key would "
                                 "be protected by nothing; give a non-empty one", a.passout);
            goto end;
        }
    }
    if ((pass = cwms_pass_new(passin_cb, passin)) == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        goto failed;
    }
    if (a.passin != NULL)
        cwms_pass_set_given(pass);

    cwms_options_init(&opts);
    opts.inputs = (const char *const *)(argv + optind);
    opts.n_inputs = (size_t)(argc - optind);
    opts.key_source = a.key_source;
    opts.no_key = a.no_key;
    opts.order = a.order;
    opts.path = a.path;
    opts.trust_file = a.trust;
    opts.include_root = a.include_root;
    if (a.attime_given)
        opts.attime = a.attime;
    opts.hosts = a.hosts;
    opts.n_hosts = a.n_hosts;
    opts.has_leaf_sha256 = a.leaf_given;
    memcpy(opts.leaf_sha256, a.leaf, sizeof(opts.leaf_sha256));
    opts.strict = a.strict;
    opts.pass = pass;
    opts.max_threads = 2;   /* the tool's own process: --trust and a large PEM file in parallel */

    if (!a.order_given)
        cli_note("no --cwms given: using the CWMS 2.5+ order (root-side intermediate first, "
                 "server last); pass --cwms 2.0 for older releases");
    if (!cwms_bundle_build(&opts, diag, &bundle))
        goto failed;
    /* An unencrypted key or a binary PKCS#12 scrolling past on a terminal helps nobody. */
    if (a.output == NULL && a.format == CWMS_FORMAT_PKCS12 && isatty(STDOUT_FILENO)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_USAGE,
                      "refusing to write a binary PKCS#12 to the terminal: give -o FILE");
        goto failed;
    }

    eo.format = a.format;
    eo.key_format = a.key_format;
    if (a.passout != NULL) {
        eo.passout = passout;
        eo.passout_len = passout_len;
    }
    if (!cwms_emit(bundle, &eo, &data, &data_len, diag))
        goto failed;
    if (a.output != NULL) {
        if (!cwms_write_file_atomic(a.output, data, data_len, bundle->key != NULL, diag))
            goto failed;
    } else if (!write_stdout(data, data_len, diag)) {
        goto failed;
    }

    cli_report_messages(diag);
    summary.output = a.output;
    summary.format = a.format == CWMS_FORMAT_PKCS12 ? "PKCS#12" : "PEM";
    summary.key_format = key_format_text(&a);
    summary.secret = bundle->key != NULL;
    summary.warnings = cwms_diag_count_level(diag, CWMS_WARNING);
    cli_report_summary(bundle, &summary);
    rc = CWMS_EXIT_OK;
    goto end;

 failed:
    cli_report_messages(diag);
    rc = cli_report_exit_code(diag);
 end:
    OPENSSL_clear_free(data, data_len);
    cwms_bundle_free(bundle);
    cwms_pass_free(pass);
    OPENSSL_secure_clear_free(passout, PASS_SIZE);
    OPENSSL_secure_clear_free(passin, sizeof(*passin));
    cwms_diag_free(diag);
    free(a.hosts);
    return rc;
}
