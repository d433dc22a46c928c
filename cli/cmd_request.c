/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cwms-bundle request: the key and the CSR the CA needs, checked against
 * CWMS's rules (host names, key type and size) before anything goes to
 * the CA. A new file key is written atomically with mode 0600 (encrypted
 * with --passout); a new token key is generated on the token and the CSR
 * signed there, the key never leaving it. Then `build --key` the same key
 * with what the CA sends back.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "cwms_p11.h"
#include "cwms/bundle.h"
#include "cwms/diag.h"
#include "cwms/emit.h"
#include "cwms/inputs.h"
#include "cwms/options.h"
#include "cwms/request.h"
#include "opt_suggest.h"
#include "opt_table.h"
#include "output.h"
#include "passsrc.h"
#include "report.h"
#include "secrets.h"
#include "shared_opts.h"

enum { OPT_NEW_KEY = CLI_OPT_SHARED_END, OPT_KEY_TYPE, OPT_KEY, OPT_SUBJECT };

/* The options of `request`: getopt_long's arrays and --help both come from here. */
static const CLI_OPT request_options[] = {
    CLI_OPT_SECTION("Key:"),
    { .name = "new-key",
      .id = OPT_NEW_KEY,
      .metavar = "FILE",
      .synopsis = "FILE|pkcs11:URI",
      .flags = CLI_SYN_REQUIRED,
      .help = "make a new key: in FILE (mode 0600; FILE must not exist), or on\n"
              "the token the pkcs11: URI names (object= labels it; the CSR is\n"
              "signed on the token and the key never leaves it)" },
    { .name = "key",
      .id = OPT_KEY,
      .metavar = "SOURCE",
      .flags = CLI_SYN_ALT,
      .help = "an existing key instead: a file, or a pkcs11: URI (the CSR\n"
              "is then signed on the token)" },
    { .name = "key-type",
      .id = OPT_KEY_TYPE,
      .metavar = "TYPE",
      .synopsis = "rsa:2048|rsa:3072|rsa:4096|ec:P-256|ec:P-384",
      .help = "rsa:2048 (default), rsa:3072, rsa:4096, ec:P-256 or ec:P-384" },
    CLI_OPT_ENTRY_PASSIN("passphrase of an encrypted --key; the token PIN without --pin"),
    CLI_OPT_ENTRY_PIN("the token's PIN (when the URI has no pin-source=)"),
    CLI_OPT_ENTRY_PASSOUT("encrypt the new key file (AES-256, PBES2)\n"
                          "SRC: pass:TEXT, env:VAR, file:PATH, fd:N, stdin"),
    CLI_OPT_SECTION("Request:"),
    CLI_OPT_ENTRY_SITE("the WebEx site URL's host (NAME or https://NAME/): the CN and\n"
                       "the first subjectAltName (CWMS 2.5MR5 and later compare the CN\n"
                       "with it); *.example.com makes a wildcard CSR"),
    CLI_OPT_ENTRY_HOST("a host name CWMS is reached by (repeatable): administration URL,\n"
                       "each VM's FQDN; subjectAltName DNS entries (without --site the\n"
                       "first is the CN)"),
    { .name = "subject",
      .id = OPT_SUBJECT,
      .metavar = "DN",
      .help = "more of the subject, e.g. '/O=Example Inc/C=US'" },
    CLI_OPT_ENTRY_OUTPUT("write the CSR to FILE (atomically); default or -: stdout"),
    CLI_OPT_ENTRY_HELP,
    CLI_OPT_ENTRY_VERSION,
    CLI_OPT_END
};

const CLI_COMMAND_HELP cli_request_help = {
    .command = "request",
    .description =
        "Makes the private key and the certificate signing request (CSR) to send to the CA,\n"
        "checked against CWMS's rules first. Then, with what the CA sends back:\n"
        "  cwms-bundle build --cwms VERSION --key KEY -o webex.pem CA-FILES...\n",
    .opts = request_options,
    .help_column = 24,
    .epilogue = CLI_EXIT_CODES_HELP "A --host or --subject that breaks a rule of CWMS is a usage "
                                    "error (2),\nfound before any key is made.\n",
};

typedef struct request_args_st {
    CLI_SHARED_ARGS sh; /* --passin, --pin, --passout, --site, --host, -o */
    const char *new_key;
    const char *key_type_name;
    CWMS_KEY_TYPE key_type;
    const char *key;
    const char **names; /* the CSR's: the site when there is one, then the --host names */
    size_t n_names;
    const char *subject;
} REQUEST_ARGS;

static int is_pkcs11(const char *s)
{
    return s != NULL && strncasecmp(s, "pkcs11:", 7) == 0;
}

/* request's own options (CLI_OWN_OPTION). */
static int request_option(void *args, int c)
{
    REQUEST_ARGS *a = args;

    switch (c) {
    case OPT_NEW_KEY:
        a->new_key = optarg;
        return -1;
    case OPT_KEY_TYPE:
        a->key_type_name = optarg;
        if (!cwms_key_type_parse(optarg, &a->key_type))
            return cli_usage_error("request", "--key-type '%s': use " CWMS_KEY_TYPES, optarg);
        return -1;
    case OPT_KEY:
        a->key = optarg;
        return -1;
    case OPT_SUBJECT:
        a->subject = optarg;
        return -1;
    default:
        return CLI_OPT_NOT_MINE;
    }
}

/* The options that do not go together, or need another: -1, or the usage error's code. */
static int check_combinations(const REQUEST_ARGS *a, int argc, char **argv)
{
    if (optind < argc)
        return cli_usage_error("request", "unexpected argument '%s' (request reads no INPUT)",
                               argv[optind]);
    if ((a->new_key == NULL) == (a->key == NULL))
        return cli_usage_error("request",
                               "give --new-key FILE|pkcs11:URI (a new key) or --key "
                               "SOURCE (an existing one), exactly one of them");
    if (a->key_type_name != NULL && a->new_key == NULL)
        return cli_usage_error("request", "--key-type applies to --new-key only");
    if (a->sh.passout != NULL && (a->new_key == NULL || is_pkcs11(a->new_key)))
        return cli_usage_error("request",
                               "--passout encrypts a new key file (--new-key FILE); "
                               "there is none to encrypt here");
    if (a->sh.n_hosts == 0 && a->sh.site[0] == '\0')
        return cli_usage_error("request",
                               "no --site or --host given: name the host CWMS is reached by "
                               "(e.g. --site webex.example.com)");
    if ((cli_passsrc_uses_stdin(a->sh.passin) + cli_passsrc_uses_stdin(a->sh.pin)
         + cli_passsrc_uses_stdin(a->sh.passout))
        > 1)
        return cli_usage_error("request",
                               "only one of --passin, --pin and --passout can read "
                               "standard input");
    return -1;
}

/* The CSR's names: the site first (the CN); without one, the first --host is. 1, or 0 (memory). */
static int csr_names(REQUEST_ARGS *a)
{
    if ((a->names = calloc(a->sh.n_hosts + 1, sizeof(*a->names))) == NULL)
        return 0;
    if (a->sh.site[0] != '\0')
        a->names[a->n_names++] = a->sh.site;
    for (size_t i = 0; i < a->sh.n_hosts; i++)
        a->names[a->n_names++] = a->sh.hosts[i];
    return 1;
}

/* -1 when the command line is complete and consistent, else the exit code. */
static int parse_args(int argc, char **argv, REQUEST_ARGS *a)
{
    int rc;

    a->sh.names_for_csr = 1;
    cwms_key_type_parse("rsa:2048", &a->key_type);
    if ((rc = cli_parse_options(&cli_request_help, argc, argv, &a->sh, request_option, a)) >= 0
        || (rc = check_combinations(a, argc, argv)) >= 0)
        return rc;
    if (!csr_names(a)) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    return -1;
}

/* The one private key of --key SOURCE (read as build reads inputs); NULL with an error. */
static EVP_PKEY *read_key(const char *source, const CWMS_READ_CTX *rctx, CWMS_DIAG *diag)
{
    CWMS_INPUTS *in = cwms_inputs_new();
    EVP_PKEY *key = NULL;

    if (in == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return NULL;
    }
    if (cwms_inputs_add_source(in, source, rctx, diag)) {
        if (cwms_inputs_key_count(in) == 1) {
            key = cwms_inputs_get0_key(in, 0);
            EVP_PKEY_up_ref(key);
        } else {
            cwms_diag_add(diag, CWMS_ERROR,
                          cwms_inputs_key_count(in) == 0 ? CWMS_R_NO_KEY : CWMS_R_SEVERAL_KEYS,
                          "'%s' holds %zu private keys: --key needs "
                          "exactly one",
                          source, cwms_inputs_key_count(in));
        }
    }
    cwms_inputs_free(in);
    return key;
}

/*
 * Nothing the run writes may replace what it reads, nor the CSR the new
 * key: checked before anything is done (exit 7).
 */
static int outputs_not_inputs(const REQUEST_ARGS *a, CWMS_DIAG *diag)
{
    CWMS_READS reads[2 + CLI_SHARED_READS] = {
        { a->key, CWMS_READS_SOURCE, "--key" },
        /* A token's --new-key reads its pin-source; a file one is made by the run. */
        { a->new_key, is_pkcs11(a->new_key) ? CWMS_READS_SOURCE : CWMS_READS_NEW, "--new-key" },
    };
    size_t n = 2 + cli_shared_reads(&a->sh, reads + 2);

    if (!cwms_output_check(a->sh.output, "-o", reads, n, diag))
        return 0;
    /* The new key file may replace none of them, --new-key itself aside. */
    reads[1] = reads[0];
    return a->new_key == NULL || is_pkcs11(a->new_key)
        || cwms_output_check(a->new_key, "--new-key", reads + 1, n - 1, diag);
}

/* The new key into a new file (never replacing one): 0600, encrypted with passout when given. */
static int write_new_key(const char *path, EVP_PKEY *key, const char *passout, size_t passout_len,
                         CWMS_DIAG *diag)
{
    CWMS_BUNDLE only_key = { 0 };
    CWMS_EMIT_OPTIONS eo = { 0 };
    unsigned char *data = NULL;
    size_t len = 0;
    int ok;

    only_key.key = key;
    eo.passout = passout;
    eo.passout_len = passout_len;
    ok = cwms_emit(&only_key, &eo, &data, &len, diag)
        && cwms_write_file_new(path, data, len, 1, diag);
    OPENSSL_clear_free(data, len);
    return ok;
}

/*
 * The build to run once the CA answers. An encrypted key needs its
 * passphrase there too, and without a terminal nobody is asked: the hint
 * names a source that works as it is (the same env: or file:), else stdin.
 * A pass: value is never printed.
 */
static void next_step_hint(const REQUEST_ARGS *a, const char *site, const char *key,
                           int key_was_encrypted)
{
    const char *src = a->new_key != NULL ? a->sh.passout : key_was_encrypted ? a->sh.passin : NULL;
    const char *shown = src == NULL                                     ? NULL
        : strncmp(src, "env:", 4) == 0 || strncmp(src, "file:", 5) == 0 ? src
                                                                        : "stdin";

    if (a->new_key != NULL && is_pkcs11(a->new_key))
        shown = NULL;
    if (key_was_encrypted && src == NULL)
        shown = "stdin";
    cli_note("send the CSR to your CA; then: cwms-bundle build --cwms VERSION%s%s --key '%s'%s%s "
             "-o webex.pem CA-FILES...",
             site != NULL ? " --site " : "", site != NULL ? site : "", key,
             shown != NULL ? " --passin " : "", shown != NULL ? shown : "");
}

/* One run, from the parsed command line to the CSR written. */
typedef struct request_run_st {
    REQUEST_ARGS a;
    CWMS_REQUEST rq;
    CWMS_READ_CTX rctx;
    CWMS_DIAG *diag;
    CLI_SECRETS *secrets;
    const char *passout; /* --passout's passphrase, read before the work */
    size_t passout_len;
    int on_token;        /* the key is on a token: the CSR is signed there */
    EVP_PKEY *key;       /* the key, or its public half when on a token */
    char *token_key_uri; /* the token key's URI */
    char *what;          /* the key as messages name it (never a pin-value) */
    X509_REQ *req;
    unsigned char *csr;
    size_t csr_len;
} REQUEST_RUN;

/* A phase's result: the run failed, and diag says why (the other results are exit codes, or -1 to go on). */
#define REQUEST_FAILED (-2)

/* Set-up: everything the user can get wrong, checked before a key is made or a token touched. */
static int request_setup(REQUEST_RUN *r)
{
    const REQUEST_ARGS *a = &r->a;
    struct stat st;

    if ((r->diag = cwms_diag_new()) == NULL
        || (r->secrets = cli_secrets_new(a->sh.passin, a->sh.pin, a->sh.passout, r->diag))
            == NULL) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    r->rq.hosts = a->names;
    r->rq.n_hosts = a->n_names;
    r->rq.site = a->sh.site[0] != '\0';
    r->rq.subject = a->subject;
    r->rctx.pass = cli_secrets_pass(r->secrets);
    r->rctx.pin = cli_secrets_pin(r->secrets);
    if (!outputs_not_inputs(a, r->diag) || !cwms_request_check(&r->rq, r->diag))
        return REQUEST_FAILED;
    if (a->new_key != NULL && !is_pkcs11(a->new_key) && lstat(a->new_key, &st) == 0) {
        cwms_diag_add(r->diag, CWMS_ERROR, CWMS_R_OUTPUT_EXISTS,
                      "'%s' exists: refusing to overwrite a key (a certificate may be pending for "
                      "it); choose another file, or make a CSR from it with --key '%s'",
                      a->new_key, a->new_key);
        return REQUEST_FAILED;
    }
    if (a->sh.passout == NULL)
        return -1;
    if (!cli_secrets_read_passout(r->secrets, 0, "the new key"))
        return REQUEST_FAILED;
    r->passout = cli_secrets_passout(r->secrets, &r->passout_len);
    if (r->passout_len == 0)
        return cli_usage_error("request",
                               "--passout %s gives an empty passphrase: give a "
                               "non-empty one",
                               a->sh.passout);
    return -1;
}

/* The key: made (in memory or on the token) or read. 1, or 0 with the reason in diag. */
static int request_key(REQUEST_RUN *r)
{
    REQUEST_ARGS *a = &r->a;

    r->on_token = is_pkcs11(a->new_key) || is_pkcs11(a->key);
    if (is_pkcs11(a->new_key)) {
        if (!cwms_request_new_token_key(a->new_key, &a->key_type, &r->rq, &r->rctx, &r->key,
                                        &r->token_key_uri, r->diag))
            return 0;
        r->what = OPENSSL_strdup(r->token_key_uri);
    } else if (is_pkcs11(a->key)) {
        /* An existing token key signs on the token too: only its public half is read. */
        if (!cwms_request_token_public_key(a->key, &r->rq, &r->rctx, &r->key, r->diag))
            return 0;
        r->token_key_uri = OPENSSL_strdup(a->key);
        r->what = cwms_p11_uri_mask(a->key); /* for messages: never its pin-value */
    } else if (a->new_key != NULL) {
        r->key = cwms_key_generate(&a->key_type, NULL, NULL, r->diag);
        r->what = OPENSSL_strdup("the new key");
    } else {
        r->key = read_key(a->key, &r->rctx, r->diag);
        r->what = OPENSSL_strdup(a->key);
    }
    if (r->key == NULL || r->what == NULL || (r->on_token && r->token_key_uri == NULL)) {
        if (r->key != NULL)
            cwms_diag_add(r->diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    return cwms_request_check_key(r->key, r->what, r->diag);
}

/* The CSR made and signed; then the new key file and the CSR written. 1, or 0 with the reason. */
static int request_csr(REQUEST_RUN *r)
{
    const REQUEST_ARGS *a = &r->a;

    if ((r->req = cwms_request_new(&r->rq, r->key, r->diag)) == NULL)
        return 0;
    if (r->on_token ? !cwms_request_sign_on_token(r->req, r->key, r->token_key_uri, &r->rq,
                                                  &r->rctx, r->diag)
                    : !cwms_request_sign(r->req, r->key, &r->rq, r->diag))
        return 0;
    if (!cwms_request_to_pem(r->req, &r->csr, &r->csr_len, r->diag))
        return 0;
    /* The key first: a CSR whose key was lost is worthless, a key without its CSR is not. */
    if (a->new_key != NULL && !r->on_token
        && !write_new_key(a->new_key, r->key, r->passout, r->passout_len, r->diag))
        return 0;
    return cli_write_output(a->sh.output, r->csr, r->csr_len, 0, r->diag);
}

/* The report: the messages, where the key and the CSR are, and the build to run next. */
static int request_report(const REQUEST_RUN *r)
{
    const REQUEST_ARGS *a = &r->a;
    const char *key_type = a->key_type_name != NULL ? a->key_type_name : "rsa:2048";

    cli_report_messages(r->diag);
    if (r->on_token && a->key != NULL)
        cli_note("key: %s (the CSR was signed on the token)", r->what);
    else if (r->on_token)
        cli_note("key: new %s key generated on the token: %s (extractable, to go into the "
                 "bundle later; the CSR was signed on the token)",
                 key_type, r->token_key_uri);
    else if (a->new_key != NULL)
        cli_note("key: new %s key written to '%s' (mode 0600%s)", key_type, a->new_key,
                 a->sh.passout != NULL ? ", AES-256 encrypted" : ", unencrypted: keep it safe");
    cli_note("CSR for CN=%s with %zu DNS name%s, SHA-256, written to %s", a->names[0], a->n_names,
             a->n_names == 1 ? "" : "s", a->sh.output != NULL ? a->sh.output : "standard output");
    next_step_hint(a, r->rq.site && a->sh.site[0] != '*' ? a->sh.site : NULL,
                   r->on_token && a->key != NULL ? r->what
                       : r->on_token             ? r->token_key_uri
                       : a->new_key != NULL      ? a->new_key
                                                 : a->key,
                   a->new_key == NULL && cwms_pass_known(r->rctx.pass));
    return CWMS_EXIT_OK;
}

int cmd_request(int argc, char **argv)
{
    REQUEST_RUN r = { 0 };
    int rc;

    if (!cli_shared_init(&r.a.sh, argc)) {
        fputs(CLI_PROGRAM ": error: out of memory\n", stderr);
        return CWMS_EXIT_FAILURE;
    }
    if ((rc = parse_args(argc, argv, &r.a)) == -1 && (rc = request_setup(&r)) == -1)
        rc = request_key(&r) && request_csr(&r) ? request_report(&r) : REQUEST_FAILED;
    if (rc == REQUEST_FAILED) {
        cli_report_messages(r.diag);
        rc = cli_report_exit_code(r.diag);
    }
    OPENSSL_free(r.csr);
    X509_REQ_free(r.req);
    EVP_PKEY_free(r.key);
    OPENSSL_free(r.token_key_uri);
    OPENSSL_free(r.what);
    cli_secrets_free(r.secrets);
    cwms_diag_free(r.diag);
    free(r.a.names);
    cli_shared_clear(&r.a.sh);
    return rc;
}
