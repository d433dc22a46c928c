/* SPDX-License-Identifier: Apache-2.0 */
/* The options build, check and request share: see shared_opts.h. */
#include "shared_opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cwms/diag.h"
#include "cwms/options.h"
#include "opt_suggest.h"
#include "opt_table.h"
#include "passsrc.h"
#include "report.h"

int cli_shared_init(CLI_SHARED_ARGS *a, int argc)
{
    memset(a, 0, sizeof(*a));
    a->order = CWMS_ORDER_ROOT_FIRST;
    return (a->hosts = calloc((size_t)argc + 1, sizeof(*a->hosts))) != NULL;
}

void cli_shared_clear(CLI_SHARED_ARGS *a)
{
    free(a->hosts);
    a->hosts = NULL;
}

/* --passin, --pin, --passout: where a passphrase comes from (read later, when needed). */
static int passphrase_source(const char *command, int c, CLI_SHARED_ARGS *a)
{
    const char *name = c == CLI_OPT_PASSIN ? "--passin" : c == CLI_OPT_PIN ? "--pin" : "--passout";

    if (!cli_passsrc_valid(optarg))
        return cli_usage_error(command, CLI_PASSSRC_INVALID, name);
    *(c == CLI_OPT_PASSIN ? &a->passin : c == CLI_OPT_PIN ? &a->pin : &a->passout) = optarg;
    return -1;
}

/* --host NAME and --site NAME: the names the server certificate must cover. */
static int host_name(const char *command, int c, CLI_SHARED_ARGS *a)
{
    int rc = -1;

    if (c == CLI_OPT_HOST) {
        if (*optarg == '\0' && !a->names_for_csr)
            return cli_usage_error(command, "--host needs a host name");
        a->hosts[a->n_hosts++] = optarg;
        return -1;
    }
    if (!cwms_parse_site(optarg, a->site))
        rc = cli_opt_bad_value(command, CWMS_OPTION_SITE, "--site", optarg);
    else if (a->site[0] == '*' && !a->names_for_csr)
        rc = cli_usage_error(command,
                             "--site '%s': the WebEx site URL names one host, not a "
                             "wildcard (the certificate may hold *.example.com: 'request "
                             "--site *.example.com' asks for one)",
                             optarg);
    a->site_before_host = a->n_hosts == 0;
    return rc;
}

/* What the run writes: -o FILE (or "-", standard output), --json, --graph dot, -q. */
static int output_option(const char *command, int c, CLI_SHARED_ARGS *a)
{
    switch (c) {
    case CLI_OPT_JSON:
        a->json = 1;
        return -1;
    case CLI_OPT_GRAPH:
        a->graph = 1;
        if (strcmp(optarg, "dot") != 0)
            return cli_usage_error(command, "--graph '%s': the one graph format is dot", optarg);
        return -1;
    case 'q':
        a->quiet = 1;
        return -1;
    default: /* -o */
        /* "-" is standard output, as for openssl's -out. */
        a->output_dash = strcmp(optarg, "-") == 0;
        a->output = a->output_dash ? NULL : optarg;
        if (*optarg == '\0')
            return cli_usage_error(command, "-o needs a file name");
        return -1;
    }
}

/* --cwms, --order, --attime, --verify-depth, --trust, --strict: how the chain is judged. */
static int chain_option(const char *command, int c, CLI_SHARED_ARGS *a)
{
    switch (c) {
    case CLI_OPT_CWMS:
        a->cwms_version = optarg;
        if (!cwms_order_for_version(optarg, &a->order))
            return cli_opt_bad_value(command, CWMS_OPTION_VERSION, "--cwms", optarg);
        return -1;
    case CLI_OPT_ORDER:
        a->order_name = optarg;
        if (!cwms_parse_order(optarg, &a->order))
            return cli_opt_bad_value(command, CWMS_OPTION_ORDER, "--order", optarg);
        return -1;
    case CLI_OPT_ATTIME:
        a->attime_given = 1;
        if (!cwms_parse_time(optarg, &a->attime))
            return cli_opt_bad_value(command, CWMS_OPTION_ATTIME, "--attime", optarg);
        return -1;
    case CLI_OPT_VERIFY_DEPTH:
        a->verify_depth_given = 1;
        if (!cwms_parse_verify_depth(optarg, &a->verify_depth))
            return cli_opt_bad_value(command, CWMS_OPTION_VERIFY_DEPTH, "--verify-depth", optarg);
        return -1;
    case CLI_OPT_TRUST:
        a->trust = optarg;
        return -1;
    default: /* --strict */
        a->strict = 1;
        return -1;
    }
}

/*
 * Takes getopt_long's result c (optarg) when it is a shared option:
 * returns 1 with *rc = -1, or with *rc = CWMS_EXIT_USAGE after printing
 * the usage error; returns 0 when c is the command's own.
 */
static int shared_option(const char *command, int c, CLI_SHARED_ARGS *a, int *rc)
{
    switch (c) {
    case CLI_OPT_PASSIN:
    case CLI_OPT_PIN:
    case CLI_OPT_PASSOUT:
        *rc = passphrase_source(command, c, a);
        return 1;
    case CLI_OPT_HOST:
    case CLI_OPT_SITE:
        *rc = host_name(command, c, a);
        return 1;
    case CLI_OPT_JSON:
    case CLI_OPT_GRAPH:
    case 'q':
    case 'o':
        *rc = output_option(command, c, a);
        return 1;
    case CLI_OPT_CWMS:
    case CLI_OPT_ORDER:
    case CLI_OPT_ATTIME:
    case CLI_OPT_VERIFY_DEPTH:
    case CLI_OPT_TRUST:
    case CLI_OPT_STRICT:
        *rc = chain_option(command, c, a);
        return 1;
    default:
        *rc = -1;
        return 0;
    }
}

/* The checks across shared options: -1, or the usage error's code. */
static int shared_check(const char *command, const CLI_SHARED_ARGS *a)
{
    if (a->cwms_version != NULL && a->order_name != NULL)
        return cli_usage_error(command, "give --cwms or --order, not both");
    if (a->json && a->graph)
        return cli_usage_error(command,
                               "give --json or --graph dot, not both: each is a document "
                               "on standard output");
    return -1;
}

int cli_parse_options(const CLI_COMMAND_HELP *h, int argc, char **argv, CLI_SHARED_ARGS *sh,
                      CLI_OWN_OPTION own, void *args)
{
    CLI_GETOPT g;
    int c, rc;

    opterr = 0; /* our own messages, with a pointer to --help */
    optind = 1;
    if (!cli_getopt_init(&g, h->opts)) {
        char why[160];

        (void)cli_opt_table_check(h->opts, why, sizeof(why));
        fprintf(stderr, CLI_PROGRAM ": error: the %s option table is broken: %s\n", h->command,
                why);
        return CWMS_EXIT_FAILURE;
    }
    if ((rc = cli_opt_check_words(h->command, h->opts, argc, argv)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_help(stdout, h);
            return CWMS_EXIT_OK;
        }
        if (c == 'V')
            return cli_print_version();
        if (!shared_option(h->command, c, sh, &rc))
            rc = c == ':' || c == '?' ? CLI_OPT_NOT_MINE : own(args, c);
        if (rc == CLI_OPT_NOT_MINE)
            return cli_opt_parse_error(h->command, h->opts, c, argv);
        if (rc >= 0)
            return rc;
    }
    return shared_check(h->command, sh);
}

void cli_shared_apply(const CLI_SHARED_ARGS *a, CWMS_OPTIONS *o)
{
    o->order = a->order;
    o->trust_file = a->trust;
    if (a->attime_given)
        o->attime = a->attime;
    o->has_verify_depth = a->verify_depth_given;
    o->verify_depth = a->verify_depth;
    o->hosts = a->hosts;
    o->n_hosts = a->n_hosts;
    o->site = a->site[0] != '\0' ? a->site : NULL;
    o->site_rules = cli_shared_site_rules(a);
    o->strict = a->strict;
}

size_t cli_shared_reads(const CLI_SHARED_ARGS *a, CWMS_READS *reads)
{
    reads[0] = (CWMS_READS){ a->trust, CWMS_READS_SOURCE, "--trust" };
    reads[1] = (CWMS_READS){ a->passin, CWMS_READS_PASSSRC, "--passin" };
    reads[2] = (CWMS_READS){ a->pin, CWMS_READS_PASSSRC, "--pin" };
    reads[3] = (CWMS_READS){ a->passout, CWMS_READS_PASSSRC, "--passout" };
    return CLI_SHARED_READS;
}

unsigned cli_shared_site_rules(const CLI_SHARED_ARGS *a)
{
    unsigned rules = cwms_site_rules_for_version(a->cwms_version);

    if (a->site[0] == '\0' || rules != CWMS_SITE_RULES_ALL || a->quiet || a->json || a->graph)
        return rules;
    if (a->cwms_version == NULL)
        cli_note("no --cwms given: --site is held to the host-name rules of every CWMS release "
                 "(the CN rule of 2.5MR5 and later, the subjectAltName rule before it); give "
                 "--cwms VERSION for one release's");
    else
        cli_note("--cwms %s does not say whether the CN rule of 2.5MR5 and later or the "
                 "subjectAltName rule before it applies to --site: both are checked; give the "
                 "maintenance release (--cwms 2.5MR4, --cwms 2.5MR5) for one",
                 a->cwms_version);
    return rules;
}

int cli_shared_read_passout(const char *command, const CLI_SHARED_ARGS *a, CLI_SECRETS *secrets,
                            const char *what)
{
    /* `-passin file:X -passout file:X` means line 1 and line 2 in openssl. */
    int file_line = a->passin != NULL && strncmp(a->passout, "file:", 5) == 0
        && strcmp(a->passin, a->passout) == 0;
    size_t len = 0;

    if (!cli_secrets_read_passout(secrets, file_line, what))
        return 0;
    (void)cli_secrets_passout(secrets, &len);
    if (len == 0)
        return cli_usage_error(command,
                               "--passout %s gives an empty passphrase: the key would "
                               "be protected by nothing; give a non-empty one",
                               a->passout);
    return -1;
}
