/*
 * cwms-bundle build: options -> CWMS_OPTIONS -> cwms_bundle_build ->
 * cwms_emit -> atomic file (or stdout) -> summary on stderr.
 *
 * The option names are a contract (users script against them); the help
 * text below and docs/cwms-bundle.1 describe the same list.
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
#include "passsrc.h"
#include "report.h"

#define PASS_SIZE 1025   /* 1024 bytes and the NUL, like the core's cache */

static const char build_usage[] =
    "Usage: cwms-bundle build [--cwms VERSION | --order leaf-first|root-first]\n"
    "                         [--key SOURCE | --no-key] [--passin SRC] [--passout SRC]\n"
    "                         [--format pem|pkcs12] [--key-format pkcs8|traditional]\n"
    "                         [--path complete|shortest] [--trust FILE] [--include-root]\n"
    "                         [--attime SECONDS] [--host NAME]... [--leaf SHA256-FINGERPRINT]\n"
    "                         [--strict] [-o FILE] INPUT...\n"
    "\n"
    "Builds the file CWMS imports: the private key, then the certificate chain (without\n"
    "the self-signed root) in the order your CWMS version wants.\n"
    "\n"
    "INPUT: files in any format (PEM, DER, PKCS#7, PKCS#12, keys), directories (their\n"
    "regular files), '-' for standard input, file: and pkcs11: URIs.\n"
    "\n"
    "Order:\n"
    "  --cwms VERSION        the CWMS release: 1.0 to 2.0 = leaf first; 2.5 and later = root first\n"
    "  --order ORDER         leaf-first or root-first (instead of --cwms); default root-first\n"
    "Key:\n"
    "  --key SOURCE          the private key (file or URI); default: the key among the inputs\n"
    "  --no-key              certificates only\n"
    "  --passin SRC          passphrase of encrypted inputs (PKCS#12, keys)\n"
    "  --passout SRC         encrypt the key in the output (AES-256, PBES2)\n"
    "                        SRC: pass:TEXT, env:VAR, file:PATH, fd:N, stdin\n"
    "Output:\n"
    "  --format FORMAT       pem (default) or pkcs12 (needs --passout)\n"
    "  --key-format FORMAT   pkcs8 (default, \"PRIVATE KEY\") or traditional (\"RSA PRIVATE KEY\")\n"
    "  -o, --output FILE     write to FILE (atomically; mode 0600 with a key); default stdout\n"
    "Chain:\n"
    "  --path POLICY         complete (default: as far as the inputs go) or shortest\n"
    "  --trust FILE          trust anchors (PEM); default: OpenSSL's default locations\n"
    "  --include-root        keep the self-signed root in the output\n"
    "  --attime SECONDS      validate at this time (seconds since 1970) instead of now\n"
    "  --host NAME           the server certificate must cover NAME (repeatable)\n"
    "  --leaf FINGERPRINT    the server certificate's SHA-256 (hex, colons optional)\n"
    "  --strict              treat warnings as errors\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit codes: 0 ok, 1 internal error, 2 usage, 3 input, 4 chain, 5 key, 6 token, 7 output.\n";

enum {
    OPT_CWMS = 256, OPT_ORDER, OPT_KEY, OPT_NO_KEY, OPT_PASSIN, OPT_PASSOUT, OPT_FORMAT,
    OPT_KEY_FORMAT, OPT_PATH, OPT_TRUST, OPT_INCLUDE_ROOT, OPT_ATTIME, OPT_HOST, OPT_LEAF,
    OPT_STRICT
};

static const struct option long_options[] = {
    { "cwms", required_argument, NULL, OPT_CWMS },
    { "order", required_argument, NULL, OPT_ORDER },
    { "key", required_argument, NULL, OPT_KEY },
    { "no-key", no_argument, NULL, OPT_NO_KEY },
    { "passin", required_argument, NULL, OPT_PASSIN },
    { "passout", required_argument, NULL, OPT_PASSOUT },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "key-format", required_argument, NULL, OPT_KEY_FORMAT },
    { "path", required_argument, NULL, OPT_PATH },
    { "trust", required_argument, NULL, OPT_TRUST },
    { "include-root", no_argument, NULL, OPT_INCLUDE_ROOT },
    { "attime", required_argument, NULL, OPT_ATTIME },
    { "host", required_argument, NULL, OPT_HOST },
    { "leaf", required_argument, NULL, OPT_LEAF },
    { "strict", no_argument, NULL, OPT_STRICT },
    { "output", required_argument, NULL, 'o' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
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
    int c;
    size_t stdin_users = 0;

    *help = 0;
    opterr = 0;     /* our own messages, with a pointer to --help */
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_CWMS:
            a->cwms_version = optarg;
            if (!cwms_order_for_version(optarg, &a->order))
                return cli_usage_error("build", "--cwms '%s' is not a CWMS release: give 1.0 to 2.0 "
                                       "(server certificate first) or 2.5 and later (root side "
                                       "first), e.g. --cwms 2.0 or --cwms 2.5", optarg);
            break;
        case OPT_ORDER:
            a->order_name = optarg;
            if (strcmp(optarg, "leaf-first") == 0)
                a->order = CWMS_ORDER_LEAF_FIRST;
            else if (strcmp(optarg, "root-first") == 0)
                a->order = CWMS_ORDER_ROOT_FIRST;
            else
                return cli_usage_error("build", "--order '%s': use leaf-first or root-first", optarg);
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
            if (strcmp(optarg, "complete") == 0)
                a->path = CWMS_PATH_COMPLETE;
            else if (strcmp(optarg, "shortest") == 0)
                a->path = CWMS_PATH_SHORTEST;
            else
                return cli_usage_error("build", "--path '%s': use complete or shortest", optarg);
            break;
        case OPT_TRUST:
            a->trust = optarg;
            break;
        case OPT_INCLUDE_ROOT:
            a->include_root = 1;
            break;
        case OPT_ATTIME:
            if (!cwms_parse_time(optarg, &a->attime))
                return cli_usage_error("build", "--attime '%s': give seconds since 1970-01-01 UTC or a UTC date, "
                                       "e.g. --attime 2024-06-01 or --attime 2024-06-01T12:00:00Z", optarg);
            a->attime_given = 1;
            break;
        case OPT_HOST:
            if (*optarg == '\0')
                return cli_usage_error("build", "--host needs a host name");
            a->hosts[a->n_hosts++] = optarg;
            break;
        case OPT_LEAF:
            if (!cwms_parse_sha256(optarg, a->leaf))
                return cli_usage_error("build", "--leaf '%s' is not a SHA-256 fingerprint: give 64 hex "
                                       "digits, colons allowed (openssl x509 -noout -fingerprint "
                                       "-sha256 prints it)", optarg);
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
        case ':':
            return cli_usage_error("build", "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("build", "unknown option '%s'", argv[optind - 1]);
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
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT,
                          "cannot write to standard output: %s; use -o FILE", strerror(errno));
            return 0;
        }
        data += n;
        len -= (size_t)n;
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
            fputs(build_usage, stdout);
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
