/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cwms-bundle: the command table and dispatch. Each subcommand lives in
 * its own file with its options and help text (cmd_*.c); main only picks
 * one. The library never exits: every command returns its exit code here.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "cwms_p11.h"
#include "cwms/diag.h"
#include "cwms/emit.h"
#include "opt_suggest.h"
#include "opt_table.h"
#include "report.h"

static int cmd_help(int argc, char **argv);

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "build", cmd_build,
      "build the key + chain file CWMS imports, in the order its version wants" },
    { "request", cmd_request,
      "make the key and the CSR the CA needs, checked against CWMS's rules" },
    { "check", cmd_check,
      "say what is wrong with a bundle file (and fix it), or with what a server sends" },
    { "tokens", cmd_tokens, "list PKCS#11 tokens and the keys and certificates on them" },
    { "help", cmd_help, "show this help, or a command's help (help COMMAND)" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* "'biuld' is not a command", with the command meant when it is a slip of the fingers. */
static int not_a_command(const char *name)
{
    const char *names[N_COMMANDS];
    const char *meant;

    for (size_t i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i].name;
    if ((meant = cli_closest(name, strlen(name), names, N_COMMANDS)) != NULL)
        return cli_usage_error(NULL, "'%s' is not a command: did you mean '%s'?", name, meant);
    return cli_usage_error(NULL, "'%s' is not a command", name);
}

static void print_help(FILE *out)
{
    fputs("Usage: " CLI_PROGRAM " COMMAND [OPTIONS] ...\n"
          "Turns the files a CA sent and your private key into the one PEM file Cisco\n"
          "WebEx Meetings Server (CWMS) accepts: key first, then the chain in the order\n"
          "your CWMS version wants.\n\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fputs("\nOptions:\n"
          "  -h, --help     show this help\n"
          "  -V, --version  show the version\n\n"
          "Environment:\n"
          "  CWMS_DEBUG=CHANNEL,...  trace to stderr; channels: path (candidate issuers,\n"
          "                          signature verdicts, ranked paths, the choice, the budget),\n"
          "                          pkcs11 (every PKCS#11 call, never a PIN), input, provider,\n"
          "                          all\n\n"
          "Run '" CLI_PROGRAM " COMMAND --help' for a command's options; see cwms-bundle(1).\n"
          "Example: " CLI_PROGRAM " build --cwms 2.5 -o webex.pem server.key ca-bundle/\n",
          out);
}

static int cmd_help(int argc, char **argv)
{
    const struct command *c;
    char help[] = "--help";
    char *sub_argv[3];

    if (argc < 2) {
        print_help(stdout);
        return CWMS_EXIT_OK;
    }
    if (argc > 2)
        return cli_usage_error(NULL, "'help' takes at most one command name");
    if ((c = find_command(argv[1])) == NULL)
        return not_a_command(argv[1]);
    if (c->run == cmd_help) {
        print_help(stdout);
        return CWMS_EXIT_OK;
    }
    /* Each command keeps its own help next to its options: ask it. */
    sub_argv[0] = argv[1];
    sub_argv[1] = help;
    sub_argv[2] = NULL;
    return c->run(2, sub_argv);
}

/* A key half written to a temporary file must not outlive an interrupted run. */
static void on_fatal_signal(int sig)
{
    cwms_atomic_write_abort();
    raise(sig); /* SA_RESETHAND: the default action, as if never caught */
}

static void remove_temp_on_signals(void)
{
    struct sigaction sa;
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        struct sigaction old;

        /* A signal the caller ignores (nohup) stays ignored. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

int main(int argc, char **argv)
{
    const struct command *c;

    remove_temp_on_signals();
    /* What PKCS#11 modules print while starting becomes their note, after our own output. */
    cwms_p11_capture_module_output(1);
    if (argc < 2) {
        print_help(stderr);
        return CWMS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_help(stdout);
        return CWMS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return cli_print_version();
    if ((c = find_command(argv[1])) == NULL) {
        if (argv[1][0] == '-')
            return cli_usage_error(NULL,
                                   "unknown option '%s' (options go after the command, "
                                   "e.g. '" CLI_PROGRAM " build %s')",
                                   argv[1], argv[1]);
        return not_a_command(argv[1]);
    }
    return c->run(argc - 1, argv + 1);
}
