/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the user meant (opt_suggest.c): openssl's one-dash spellings
 * ("-out", "-passin", "-CAfile") caught before getopt_long splits them
 * into short options, "did you mean" for misspelt long options and
 * subcommands, and usage errors that name the option as it was typed.
 */
#ifndef CWMS_CLI_OPT_SUGGEST_H
#define CWMS_CLI_OPT_SUGGEST_H

#include <stddef.h>

#include "opt_table.h"

/*
 * The name of names[0..n) closest to typed[0..len) (edit distance with
 * transpositions), when it is close enough to be a slip of the fingers;
 * NULL otherwise.
 */
const char *cli_closest(const char *typed, size_t len, const char *const *names, size_t n);

/*
 * Looks at argv before getopt_long does: a single-dash word of two or more
 * letters ("-out", "-in", "-verify_hostname") is never taken apart into
 * short options (getopt would read "-out" as -o ut). The first one found
 * is a usage error naming it and the option meant ("-out: did you mean
 * -o/--output?"). Values of options that take one are skipped, and
 * nothing after "--" is looked at. Returns -1 when there is none, else
 * CWMS_EXIT_USAGE after printing the error.
 */
int cli_opt_check_words(const char *command, const CLI_OPT *table, int argc, char **argv);

/*
 * For getopt_long's ':' (missing value) and '?' (unknown or ambiguous
 * option) results: prints the usage error naming the option as the user
 * typed it, with the option of table meant when one is close. Returns
 * CWMS_EXIT_USAGE.
 */
int cli_opt_parse_error(const char *command, const CLI_OPT *table, int c, char **argv);

#endif
