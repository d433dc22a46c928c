/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The options `build`, `check` and `request` share (--cwms, --order,
 * --passin, --pin, --passout, --trust, --attime, --verify-depth, --host,
 * --site, --strict, --json, --graph, -q, -o), as OpenSSL's apps share
 * OPT_V_OPTIONS: one block of entries below, one parser
 * (cli_parse_options) and one function that applies them to
 * CWMS_OPTIONS (cli_shared_apply, as opt_verify). A command puts the
 * entries it has in its own table, where its help wants them; an entry
 * whose description depends on the command takes it as an argument.
 */
#ifndef CWMS_CLI_SHARED_OPTS_H
#define CWMS_CLI_SHARED_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "cwms/bundle.h"
#include "cwms/diag.h"
#include "cwms/inputs.h"
#include "cwms/options.h"
#include "opt_table.h"
#include "secrets.h"

enum {
    CLI_OPT_CWMS = 256,
    CLI_OPT_ORDER,
    CLI_OPT_PASSIN,
    CLI_OPT_PASSOUT,
    CLI_OPT_TRUST,
    CLI_OPT_ATTIME,
    CLI_OPT_VERIFY_DEPTH,
    CLI_OPT_HOST,
    CLI_OPT_STRICT,
    CLI_OPT_JSON,
    CLI_OPT_GRAPH,
    CLI_OPT_SITE,
    CLI_OPT_PIN,
    CLI_OPT_SHARED_END /* a command's own ids start here */
};

/*-
 * The shared entries
 * ------------------
 */
#define CLI_OPT_ENTRY_CWMS(text)                                                                   \
    {                                                                                              \
        .name = "cwms", .id = CLI_OPT_CWMS, .metavar = "VERSION", .help = (text)                   \
    }
#define CLI_OPT_ENTRY_ORDER                                                                        \
    {                                                                                              \
        .name = "order", .id = CLI_OPT_ORDER, .metavar = "ORDER",                                  \
        .synopsis = "leaf-first|root-first", .flags = CLI_SYN_ALT,                                 \
        .help = "leaf-first or root-first (instead of --cwms); default root-first"                 \
    }
#define CLI_OPT_ENTRY_PASSIN(text)                                                                 \
    {                                                                                              \
        .name = "passin", .id = CLI_OPT_PASSIN, .metavar = "SRC", .help = (text)                   \
    }
#define CLI_OPT_ENTRY_PIN(text)                                                                    \
    {                                                                                              \
        .name = "pin", .id = CLI_OPT_PIN, .metavar = "SRC", .help = (text)                         \
    }
#define CLI_OPT_ENTRY_PASSOUT(text)                                                                \
    {                                                                                              \
        .name = "passout", .id = CLI_OPT_PASSOUT, .metavar = "SRC", .help = (text)                 \
    }
#define CLI_OPT_ENTRY_TRUST(text)                                                                  \
    {                                                                                              \
        .name = "trust", .id = CLI_OPT_TRUST, .metavar = "FILE", .synopsis = "FILE|DIR",           \
        .help = (text)                                                                             \
    }
#define CLI_OPT_ENTRY_ATTIME                                                                       \
    {                                                                                              \
        .name = "attime", .id = CLI_OPT_ATTIME, .metavar = "TIME",                                 \
        .help = "validate at TIME instead of now: seconds since 1970, a UTC date\n"                \
                "(2017-12-01) or date and time (2017-12-01T10:00:00Z)"                             \
    }
#define CLI_OPT_ENTRY_VERIFY_DEPTH                                                                 \
    {                                                                                              \
        .name = "verify-depth", .id = CLI_OPT_VERIFY_DEPTH, .metavar = "N",                        \
        .help = "refuse chains of more than N intermediate CA certificates (the\n"                 \
                "server certificate and trust anchor not counted), as openssl\n"                   \
                "verify -verify_depth N; a shorter valid chain wins; default: no limit"            \
    }
#define CLI_OPT_ENTRY_HOST(text)                                                                   \
    {                                                                                              \
        .name = "host", .id = CLI_OPT_HOST, .metavar = "NAME", .flags = CLI_SYN_REPEAT,            \
        .help = (text)                                                                             \
    }
#define CLI_OPT_ENTRY_SITE(text)                                                                   \
    {                                                                                              \
        .name = "site", .id = CLI_OPT_SITE, .metavar = "NAME", .help = (text)                      \
    }
/* --site's description where it is judged (build, check); request makes a CSR for it. */
#define CLI_SITE_HELP_RULES                                                                        \
    "the WebEx site URL's host (NAME or https://NAME/): CWMS's own\n"                              \
    "rules for it, per --cwms release (CN from 2.5MR5 on, SAN before;\n"                           \
    "both without --cwms), and a subjectAltName must cover it"
#define CLI_OPT_ENTRY_STRICT(text)                                                                 \
    {                                                                                              \
        .name = "strict", .id = CLI_OPT_STRICT, .help = (text)                                     \
    }
#define CLI_OPT_ENTRY_JSON(text)                                                                   \
    {                                                                                              \
        .name = "json", .id = CLI_OPT_JSON, .help = (text)                                         \
    }
#define CLI_OPT_ENTRY_GRAPH(text)                                                                  \
    {                                                                                              \
        .name = "graph", .id = CLI_OPT_GRAPH, .metavar = "FORMAT", .synopsis = "dot",              \
        .flags = CLI_SYN_ALT, .help = (text)                                                       \
    }
#define CLI_OPT_ENTRY_QUIET                                                                        \
    {                                                                                              \
        .name = "quiet", .short_name = 'q', .id = 'q', .flags = CLI_SYN_SHORT,                     \
        .help = "print errors only"                                                                \
    }
#define CLI_OPT_ENTRY_OUTPUT(text)                                                                 \
    {                                                                                              \
        .name = "output", .short_name = 'o', .id = 'o', .metavar = "FILE", .flags = CLI_SYN_SHORT, \
        .help = (text)                                                                             \
    }

typedef struct cli_shared_args_st {
    const char *cwms_version;
    const char *order_name;
    CWMS_ORDER order; /* root-first unless --cwms/--order said otherwise */
    const char *passin;
    const char *pin;
    const char *passout;
    const char *trust;
    int64_t attime;
    int attime_given;
    int verify_depth;
    int verify_depth_given;
    const char **hosts; /* room for argc names (cli_shared_init) */
    size_t n_hosts;
    char site[CWMS_SITE_MAX + 1]; /* --site's host name; "" when not given */
    int site_before_host; /* --site came before any --host (the name check --connect sends) */
    /*
     * Set before parsing when the --site and --host names go into a CSR
     * (request), whose checks judge them: a wildcard --site is what the
     * CSR asks for, and an empty --host is refused there.
     */
    int names_for_csr;
    int strict, json, graph, quiet;
    const char *output;
    int output_dash; /* -o - was given: output is NULL, standard output */
} CLI_SHARED_ARGS;

/* Zeroes a and makes room for the --host names; 1, or 0 when memory ran out. */
int cli_shared_init(CLI_SHARED_ARGS *a, int argc);
void cli_shared_clear(CLI_SHARED_ARGS *a);

/*
 * A command's own options: takes getopt_long's result c (optarg) into
 * args. Returns -1 when taken, an exit code after printing a usage error,
 * or CLI_OPT_NOT_MINE for a c that is not its option.
 */
#define CLI_OPT_NOT_MINE (-2)
typedef int (*CLI_OWN_OPTION)(void *args, int c);

/*
 * Parses argv with h's option table (checked as it is loaded): openssl's
 * one-dash words first, then -h (the help on stdout) and -V, the shared
 * options into sh and the command's own through own; then the checks
 * across shared options (--cwms with --order, --json with --graph).
 * Returns -1 when the command goes on (optind at the first operand),
 * else the exit code.
 */
int cli_parse_options(const CLI_COMMAND_HELP *h, int argc, char **argv, CLI_SHARED_ARGS *sh,
                      CLI_OWN_OPTION own, void *args);

/*
 * Applies the shared options to o, as opt_verify applies OpenSSL's to a
 * X509_VERIFY_PARAM: order, trust anchors, time, depth, host names, the
 * site and its rules (cli_shared_site_rules, which may note on stderr),
 * strictness.
 */
void cli_shared_apply(const CLI_SHARED_ARGS *a, CWMS_OPTIONS *o);

/*
 * Appends to reads (room for CLI_SHARED_READS more) the files the shared
 * options read: --trust, and --passin/--pin/--passout when they are file:
 * sources. Returns how many were appended.
 */
#define CLI_SHARED_READS 4
size_t cli_shared_reads(const CLI_SHARED_ARGS *a, CWMS_READS *reads);

/*
 * CWMS's host-name rules for --site (cwms_site_rules_for_version of
 * --cwms); with --site, and unless -q/--json/--graph, a note on stderr
 * when they are the strictest combination because --cwms did not say
 * which release.
 */
unsigned cli_shared_site_rules(const CLI_SHARED_ARGS *a);

/*
 * Reads the --passout passphrase into secrets (asked twice on a terminal)
 * for what ("the output key"). Returns -1 when read (cli_secrets_passout
 * has it); CWMS_EXIT_USAGE after printing the error when it is empty; 0
 * with the reason in diag when it cannot be read.
 */
int cli_shared_read_passout(const char *command, const CLI_SHARED_ARGS *a, CLI_SECRETS *secrets,
                            const char *what);

#endif
