/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One option table per subcommand, from which both getopt_long's arrays
 * and the command's --help are generated, so the parser and the help
 * cannot drift apart (the way OpenSSL's apps keep an OPTIONS table with
 * OPT_SECTION headings).
 *
 * A table is an array of CLI_OPT ended by CLI_OPT_END. Each entry is one
 * of:
 *   CLI_OPT_SECTION("Order:")  a heading in the help;
 *   an option                  .name set (long name, no "--"), .id what
 *                              getopt_long returns for it (the short
 *                              letter when .short_name is set), .metavar
 *                              the value's name (NULL: takes no value);
 *   an operand                 .name NULL, .metavar set ("INPUT", "URI"):
 *                              described in the help, never parsed.
 * .help is the description; each '\n' in it starts a continuation line.
 */
#ifndef CWMS_CLI_OPT_TABLE_H
#define CWMS_CLI_OPT_TABLE_H

#include <getopt.h>
#include <stdio.h>

#include "cwms/options.h"

/* How an entry appears on the Usage line. */
#define CLI_SYN_ALT 0x1u       /* an alternative to the entry before: [--a X | --b Y] */
#define CLI_SYN_REPEAT 0x2u    /* may be given several times: [--host NAME]... */
#define CLI_SYN_HIDE 0x4u      /* not on the Usage line (--help) */
#define CLI_SYN_SHORT 0x8u     /* shown by its short name: [-o FILE] */
#define CLI_SYN_REQUIRED 0x10u /* not optional: --host NAME, (--a X | --b Y) */
/* Left out of the option list (an operand the description explains). */
#define CLI_LIST_HIDE 0x20u

/* Each flag its own bit: two sharing one would hide options or brackets unnoticed. */
_Static_assert((CLI_SYN_ALT | CLI_SYN_REPEAT | CLI_SYN_HIDE | CLI_SYN_SHORT | CLI_SYN_REQUIRED
                | CLI_LIST_HIDE)
                   == (CLI_SYN_ALT + CLI_SYN_REPEAT + CLI_SYN_HIDE + CLI_SYN_SHORT
                       + CLI_SYN_REQUIRED + CLI_LIST_HIDE),
               "the CLI_SYN_* and CLI_LIST_* flags must be distinct bits");

typedef struct cli_opt_st {
    const char *section;  /* a heading, for CLI_OPT_SECTION */
    const char *name;     /* long name; NULL for headings and operands */
    int short_name;       /* 'o', or 0 */
    int id;               /* getopt_long's return value */
    const char *metavar;  /* "VERSION"; for an operand its name */
    const char *synopsis; /* the value on the Usage line when not metavar
                                  ("leaf-first|root-first"); for an operand the
                                  whole of it ("INPUT...", "[URI]") */
    unsigned flags;       /* CLI_SYN_*, CLI_LIST_HIDE */
    const char *help;
} CLI_OPT;

#define CLI_OPT_SECTION(title)                                                                     \
    {                                                                                              \
        .section = (title)                                                                         \
    }
#define CLI_OPT_END                                                                                \
    {                                                                                              \
        .section = NULL                                                                            \
    }
/* -h, --help: every command has it. */
#define CLI_OPT_ENTRY_HELP                                                                         \
    {                                                                                              \
        .name = "help", .short_name = 'h', .id = 'h', .flags = CLI_SYN_HIDE,                       \
        .help = "show this help"                                                                   \
    }

/* -V, --version: every command has it too. */
#define CLI_OPT_ENTRY_VERSION                                                                      \
    {                                                                                              \
        .name = "version", .short_name = 'V', .id = 'V', .flags = CLI_SYN_HIDE,                    \
        .help = "show the version"                                                                 \
    }

/* A command's help: the Usage line comes from the table, the prose around it from here. */
typedef struct cli_command_help_st {
    const char *command;     /* "build" */
    const char *description; /* between the Usage line and the options */
    const CLI_OPT *opts;
    int help_column;      /* where descriptions start */
    const char *epilogue; /* after the options */
} CLI_COMMAND_HELP;

/* Most options one table may hold (getopt arrays are fixed-size). */
#define CLI_OPT_MAX 40

/* getopt_long's arguments for one table. */
typedef struct cli_getopt_st {
    struct option longopts[CLI_OPT_MAX + 1];
    char shortopts[2 * CLI_OPT_MAX + 2];
} CLI_GETOPT;

/* 1 for the CLI_OPT_END entry that ends a table. */
int cli_opt_is_end(const CLI_OPT *o);

/* An operand is known by its shape: no heading, no name, a metavar ("INPUT"). */
int cli_opt_is_operand(const CLI_OPT *o);

/*
 * Checks that table is what the parser and the help take it for: each
 * entry a heading, an option or an operand by its shape, with only the
 * flags that fit it; no long name, short letter or id twice; an option
 * with a letter returns that letter, one without returns an id of 256 or
 * more; CLI_SYN_ALT after an option; at most CLI_OPT_MAX options. Returns
 * 1, or 0 with a sentence naming the entry in why.
 */
int cli_opt_table_check(const CLI_OPT *table, char *why, size_t size);

/*
 * Fills g from table: a long option per named entry, and the short
 * letters (with ':' for a value) behind a leading ':' so that a missing
 * value is reported as ':'. Returns 0 when cli_opt_table_check refuses
 * the table (a programming error).
 */
int cli_getopt_init(CLI_GETOPT *g, const CLI_OPT *table);

/* Writes the command's help (Usage line, description, options, epilogue). */
void cli_print_help(FILE *out, const CLI_COMMAND_HELP *h);

/* Prints "cwms-bundle VERSION" on stdout (-V, --version). Returns CWMS_EXIT_OK. */
int cli_print_version(void);

/*
 * The exit codes, worded once for every command's help (each may add what
 * is its own after it).
 */
#define CLI_EXIT_CODES_HELP                                                                        \
    "Exit codes: 0 ok, 1 internal error, 2 usage (a bad option or value), 3 input, 4 chain,\n"     \
    "5 key, 6 token, 7 output.\n"

/*
 * The usage error for a value of the shared vocabulary that its parser
 * refused: cwms_option_error's message for option (e.g. "--cwms").
 * Returns CWMS_EXIT_USAGE.
 */
int cli_opt_bad_value(const char *command, CWMS_OPTION_KIND kind, const char *option,
                      const char *value);

#endif
