/* SPDX-License-Identifier: Apache-2.0 */
/* The options build and check share: see shared_opts.h. */
#include "shared_opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cwms/diag.h"
#include "cwms/options.h"
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

int cli_shared_option(const char *command, int c, CLI_SHARED_ARGS *a, int *rc)
{
    *rc = -1;
    switch (c) {
    case CLI_OPT_CWMS:
        a->cwms_version = optarg;
        if (!cwms_order_for_version(optarg, &a->order))
            *rc = cli_opt_bad_value(command, CWMS_OPTION_VERSION, "--cwms", optarg);
        return 1;
    case CLI_OPT_ORDER:
        a->order_name = optarg;
        if (!cwms_parse_order(optarg, &a->order))
            *rc = cli_opt_bad_value(command, CWMS_OPTION_ORDER, "--order", optarg);
        return 1;
    case CLI_OPT_PASSIN:
    case CLI_OPT_PASSOUT:
        if (!cli_passsrc_valid(optarg))
            *rc = cli_usage_error(command, CLI_PASSSRC_INVALID,
                                  c == CLI_OPT_PASSIN ? "--passin" : "--passout");
        else
            *(c == CLI_OPT_PASSIN ? &a->passin : &a->passout) = optarg;
        return 1;
    case CLI_OPT_TRUST:
        a->trust = optarg;
        return 1;
    case CLI_OPT_ATTIME:
        if (!cwms_parse_time(optarg, &a->attime))
            *rc = cli_opt_bad_value(command, CWMS_OPTION_ATTIME, "--attime", optarg);
        a->attime_given = 1;
        return 1;
    case CLI_OPT_VERIFY_DEPTH:
        if (!cwms_parse_verify_depth(optarg, &a->verify_depth))
            *rc = cli_opt_bad_value(command, CWMS_OPTION_VERIFY_DEPTH, "--verify-depth", optarg);
        a->verify_depth_given = 1;
        return 1;
    case CLI_OPT_HOST:
        if (*optarg == '\0')
            *rc = cli_usage_error(command, "--host needs a host name");
        else
            a->hosts[a->n_hosts++] = optarg;
        return 1;
    case CLI_OPT_SITE:
        if (!cwms_parse_site(optarg, a->site))
            *rc = cli_opt_bad_value(command, CWMS_OPTION_SITE, "--site", optarg);
        else if (a->site[0] == '*')
            *rc = cli_usage_error(command,
                                  "--site '%s': the WebEx site URL names one host, not a "
                                  "wildcard (the certificate may hold *.example.com: 'request "
                                  "--site *.example.com' asks for one)",
                                  optarg);
        a->site_before_host = a->n_hosts == 0;
        return 1;
    case CLI_OPT_STRICT:
        a->strict = 1;
        return 1;
    case CLI_OPT_JSON:
        a->json = 1;
        return 1;
    case CLI_OPT_GRAPH:
        if (strcmp(optarg, "dot") != 0)
            *rc = cli_usage_error(command, "--graph '%s': the one graph format is dot", optarg);
        a->graph = 1;
        return 1;
    case 'q':
        a->quiet = 1;
        return 1;
    case 'o':
        /* "-" is standard output, as for openssl's -out. */
        a->output_dash = strcmp(optarg, "-") == 0;
        a->output = a->output_dash ? NULL : optarg;
        if (*optarg == '\0')
            *rc = cli_usage_error(command, "-o needs a file name");
        return 1;
    default:
        return 0;
    }
}

size_t cli_shared_reads(const CLI_SHARED_ARGS *a, CWMS_READS *reads)
{
    reads[0] = (CWMS_READS){ a->trust, CWMS_READS_SOURCE, "--trust" };
    reads[1] = (CWMS_READS){ a->passin, CWMS_READS_PASSSRC, "--passin" };
    reads[2] = (CWMS_READS){ a->passout, CWMS_READS_PASSSRC, "--passout" };
    return CLI_SHARED_READS;
}

int cli_shared_check(const char *command, const CLI_SHARED_ARGS *a)
{
    if (a->cwms_version != NULL && a->order_name != NULL)
        return cli_usage_error(command, "give --cwms or --order, not both");
    if (a->json && a->graph)
        return cli_usage_error(command,
                               "give --json or --graph dot, not both: each is a document "
                               "on standard output");
    return -1;
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
