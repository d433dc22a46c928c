/* SPDX-License-Identifier: Apache-2.0 */
/* One-dash words, did-you-mean and usage errors about options: see opt_suggest.h. */
#include "opt_suggest.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cwms/diag.h"
#include "report.h"

/* Long enough for every option and command name; longer words are no slip of the fingers. */
#define NAME_MAX_LEN 48

/*-
 * Closest name
 * ------------
 */

/* Optimal string alignment distance: insertions, deletions, substitutions, swaps of two. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1];

    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + cost;

            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
                && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *cli_closest(const char *typed, size_t len, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    /* One slip in a short name, two in a longer one: more is another word. */
    size_t allowed = len <= 4 ? 1 : 2;

    if (len == 0 || len > NAME_MAX_LEN)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(names[i]), d;

        if (l > NAME_MAX_LEN)
            continue;
        d = edit_distance(typed, len, names[i], l);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best_d <= allowed && best_d < len ? best : NULL;
}

/*-
 * The table
 * ---------
 */

static const CLI_OPT *find_long(const CLI_OPT *table, const char *name, size_t len)
{
    for (const CLI_OPT *o = table; !cli_opt_is_end(o); o++)
        if (o->name != NULL && strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const CLI_OPT *find_short(const CLI_OPT *table, int c)
{
    for (const CLI_OPT *o = table; !cli_opt_is_end(o); o++)
        if (o->name != NULL && o->short_name == c)
            return o;
    return NULL;
}

/* The entry getopt_long takes "--name" (or an abbreviation of it) for; NULL when none or several. */
static const CLI_OPT *match_long(const CLI_OPT *table, const char *name, size_t len, size_t *n)
{
    const CLI_OPT *found = find_long(table, name, len);

    *n = found != NULL;
    if (found != NULL)
        return found;
    for (const CLI_OPT *o = table; !cli_opt_is_end(o); o++)
        if (o->name != NULL && strncmp(o->name, name, len) == 0 && (*n)++ == 0)
            found = o;
    return *n == 1 ? found : NULL;
}

/* The operand of table ("INPUT", "BUNDLE"), or NULL when the command takes none. */
static const CLI_OPT *operand(const CLI_OPT *table)
{
    for (const CLI_OPT *o = table; !cli_opt_is_end(o); o++)
        if (cli_opt_is_operand(o))
            return o;
    return NULL;
}

/* The closest long option of table to name[0..len), or NULL. */
static const CLI_OPT *closest_long(const CLI_OPT *table, const char *name, size_t len)
{
    const char *names[CLI_OPT_MAX];
    const char *best;
    size_t n = 0;

    for (const CLI_OPT *o = table; !cli_opt_is_end(o) && n < CLI_OPT_MAX; o++)
        if (o->name != NULL)
            names[n++] = o->name;
    best = cli_closest(name, len, names, n);
    return best != NULL ? find_long(table, best, strlen(best)) : NULL;
}

/* "-o/--output" or "--passin": how the help names o. */
static void spelling(const CLI_OPT *o, char *buf, size_t size)
{
    if (o->short_name != 0)
        snprintf(buf, size, "-%c/--%s", o->short_name, o->name);
    else
        snprintf(buf, size, "--%s", o->name);
}

/*-
 * openssl's one-dash words
 * ------------------------
 */

/* openssl's spelling, and the long option of ours that does the same (NULL: the operand). */
static const struct {
    const char *openssl;
    const char *ours;
} openssl_words[] = {
    { "out", "output" },
    { "in", NULL },
    { "certfile", NULL },
    { "untrusted", NULL },
    { "inform", NULL },
    { "passin", "passin" },
    { "passout", "passout" },
    { "CAfile", "trust" },
    { "CApath", "trust" },
    { "CAstore", "trust" },
    { "trusted", "trust" },
    { "attime", "attime" },
    { "verify_hostname", "host" },
    { "verify_depth", "verify-depth" },
    { "x509_strict", "strict" },
    { "inkey", "key" },
    { "key", "key" },
    { "newkey", "new-key" },
    { "subj", "subject" },
    { "nokeys", "no-key" },
    { "outform", "format" },
    { "quiet", "quiet" },
    { "help", "help" },
    { "version", "version" },
};

/* A single dash and then two or more letters, digits or '_': a word, not a cluster of letters. */
static int is_word(const char *arg)
{
    size_t n = 0;

    if (arg[0] != '-' || !isalpha((unsigned char)arg[1]))
        return 0;
    for (const char *p = arg + 1; *p != '\0'; p++, n++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return 0;
    return n >= 2;
}

/* The usage error for the one-dash word arg ("-out"). Returns CWMS_EXIT_USAGE. */
static int word_error(const char *command, const CLI_OPT *table, const char *arg)
{
    const char *word = arg + 1;
    const CLI_OPT *o, *first = find_short(table, (unsigned char)word[0]);
    char meant[96];

    for (size_t i = 0; i < sizeof(openssl_words) / sizeof(openssl_words[0]); i++) {
        if (strcmp(openssl_words[i].openssl, word) != 0)
            continue;
        if (openssl_words[i].ours == NULL) {
            const CLI_OPT *op = operand(table);

            if (op == NULL)
                return cli_usage_error(command, "%s: '%s' reads no input file", arg, command);
            return cli_usage_error(command,
                                   "%s: give the file itself, without %s: it is the %s operand "
                                   "('" CLI_PROGRAM " %s [OPTIONS] %s')",
                                   arg, arg, op->metavar, command,
                                   op->synopsis != NULL ? op->synopsis : op->metavar);
        }
        if ((o = find_long(table, openssl_words[i].ours, strlen(openssl_words[i].ours))) != NULL) {
            spelling(o, meant, sizeof(meant));
            return cli_usage_error(command, "%s: did you mean %s?", arg, meant);
        }
    }
    if ((o = find_long(table, word, strlen(word))) != NULL
        || (o = closest_long(table, word, strlen(word))) != NULL) {
        spelling(o, meant, sizeof(meant));
        return cli_usage_error(command, "%s: did you mean %s? (long options take two dashes)", arg,
                               meant);
    }
    if (first != NULL && first->metavar != NULL)
        return cli_usage_error(command, "%s: did you mean -%c %s? (a value goes after a space)",
                               arg, first->short_name, word + 1);
    return cli_usage_error(command,
                           "%s is not an option of '%s': options are --name or one dash and "
                           "one letter (see --help)",
                           arg, command);
}

int cli_opt_check_words(const char *command, const CLI_OPT *table, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const CLI_OPT *o = NULL;
        size_t n;

        if (strcmp(arg, "--") == 0)
            break;
        if (strncmp(arg, "--", 2) == 0) {
            size_t len = strcspn(arg + 2, "=");

            o = arg[2 + len] == '=' ? NULL : match_long(table, arg + 2, len, &n);
        } else if (is_word(arg)) {
            return word_error(command, table, arg);
        } else if (arg[0] == '-' && arg[1] != '\0' && arg[2] == '\0') {
            o = find_short(table, (unsigned char)arg[1]);
        }
        /* An option's value is not looked at: "--subject -x" is the subject "-x". */
        if (o != NULL && o->metavar != NULL)
            i++;
    }
    return -1;
}

/*-
 * getopt_long's errors
 * --------------------
 */

/* The usage error for "--name" (or "--name=value") getopt_long did not take. */
static int long_error(const char *command, const CLI_OPT *table, const char *arg)
{
    const char *name = arg + 2;
    size_t len = strcspn(name, "="), n = 0;
    char list[512] = "";
    const CLI_OPT *o;

    for (o = table; !cli_opt_is_end(o); o++)
        if (o->name != NULL && strncmp(o->name, name, len) == 0 && n++ < 8) {
            size_t used = strlen(list);

            snprintf(list + used, sizeof(list) - used, "%s--%s", used > 0 ? ", " : "", o->name);
        }
    if (n > 1)
        return cli_usage_error(command, "'%.*s' is ambiguous: it begins %s; give more of it",
                               (int)(len + 2), arg, list);
    if ((o = closest_long(table, name, len)) != NULL) {
        char meant[96];

        spelling(o, meant, sizeof(meant));
        return cli_usage_error(command, "unknown option '%.*s': did you mean %s?", (int)(len + 2),
                               arg, meant);
    }
    return cli_usage_error(command, "unknown option '%.*s'", (int)(len + 2), arg);
}

int cli_opt_parse_error(const char *command, const CLI_OPT *table, int c, char **argv)
{
    const char *given = optind > 0 ? argv[optind - 1] : "?";

    if (c == ':')
        return cli_usage_error(command, "%s needs a value", given);
    /* An unknown letter sets optopt; an unknown or ambiguous long option leaves it 0. */
    if (optopt != 0)
        return cli_usage_error(command, "unknown option '-%c'", optopt);
    if (strncmp(given, "--", 2) == 0)
        return long_error(command, table, given);
    return cli_usage_error(command, "unknown option '%s'", given);
}
