/* SPDX-License-Identifier: Apache-2.0 */
/* Option tables: getopt_long's arrays and --help from one CLI_OPT table (opt_table.h). */
#include "opt_table.h"

#include <string.h>

#include "cwms/diag.h"
#include "report.h"

/* Usage lines wrap before this column. */
#define USAGE_WIDTH 88

#ifndef CWMS_BUNDLE_VERSION
#define CWMS_BUNDLE_VERSION "unknown"
#endif

int cli_opt_is_end(const CLI_OPT *o)
{
    return o->section == NULL && o->name == NULL && o->metavar == NULL;
}

int cli_opt_is_operand(const CLI_OPT *o)
{
    return o->section == NULL && o->name == NULL && o->metavar != NULL;
}

/*-
 * Checking a table
 * ----------------
 */

#define CLI_FLAGS_ALL                                                                              \
    (CLI_SYN_ALT | CLI_SYN_REPEAT | CLI_SYN_HIDE | CLI_SYN_SHORT | CLI_SYN_REQUIRED | CLI_LIST_HIDE)
/* An operand is shown or not, on the Usage line and in the list; the rest is about options. */
#define CLI_FLAGS_OPERAND (CLI_SYN_HIDE | CLI_LIST_HIDE)

/* What an option entry must be on its own: -1, or 0 with why. */
static int check_option(const CLI_OPT *o, char *why, size_t size)
{
    if (o->name[0] == '\0' || o->name[0] == '-')
        snprintf(why, size, "option '%s': give its long name without dashes", o->name);
    else if (o->short_name != 0 && o->id != o->short_name)
        snprintf(why, size,
                 "option --%s: getopt_long returns its letter '%c', so its id must be it", o->name,
                 o->short_name);
    else if (o->short_name == 0 && o->id < 256)
        snprintf(why, size, "option --%s: an id below 256 is a short letter's; use 256 or more",
                 o->name);
    else if ((o->flags & CLI_SYN_SHORT) && o->short_name == 0)
        snprintf(why, size, "option --%s: CLI_SYN_SHORT needs a short letter", o->name);
    else if (o->flags & CLI_LIST_HIDE)
        snprintf(why, size, "option --%s: CLI_LIST_HIDE is for operands only", o->name);
    else
        return -1;
    return 0;
}

/* What one entry must be on its own (prev: the entry before it, or NULL): -1, or 0 with why. */
static int check_entry(const CLI_OPT *o, const CLI_OPT *prev, char *why, size_t size)
{
    if (o->flags & ~CLI_FLAGS_ALL) {
        snprintf(why, size, "entry '%s': unknown flag bits 0x%x",
                 o->name != NULL          ? o->name
                     : o->metavar != NULL ? o->metavar
                                          : o->section,
                 o->flags & ~CLI_FLAGS_ALL);
        return 0;
    }
    if (o->section != NULL) {
        if (o->name == NULL && o->metavar == NULL && o->id == 0 && o->short_name == 0
            && o->flags == 0)
            return -1;
        snprintf(why, size, "heading '%s' has an option's or operand's fields too", o->section);
        return 0;
    }
    if (cli_opt_is_operand(o)) {
        if (o->id == 0 && o->short_name == 0 && (o->flags & ~CLI_FLAGS_OPERAND) == 0)
            return -1;
        snprintf(why, size, "operand %s: an operand has no id, no letter and no option flags",
                 o->metavar);
        return 0;
    }
    if ((o->flags & CLI_SYN_ALT) && (prev == NULL || prev->name == NULL)) {
        snprintf(why, size, "option --%s: CLI_SYN_ALT follows the option it is an alternative to",
                 o->name);
        return 0;
    }
    return check_option(o, why, size);
}

/* A second entry of table before o with o's long name, letter or id: -1, or 0 with why. */
static int check_unique(const CLI_OPT *table, const CLI_OPT *o, char *why, size_t size)
{
    for (const CLI_OPT *p = table; p != o; p++) {
        if (p->name == NULL)
            continue;
        if (strcmp(p->name, o->name) == 0)
            snprintf(why, size, "option --%s is in the table twice", o->name);
        else if (o->short_name != 0 && p->short_name == o->short_name)
            snprintf(why, size, "options --%s and --%s have the same letter '%c'", p->name, o->name,
                     o->short_name);
        else if (p->id == o->id)
            snprintf(why, size, "options --%s and --%s have the same id %d", p->name, o->name,
                     o->id);
        else
            continue;
        return 0;
    }
    return -1;
}

int cli_opt_table_check(const CLI_OPT *table, char *why, size_t size)
{
    size_t n = 0;

    for (const CLI_OPT *o = table; !cli_opt_is_end(o); o++) {
        if (check_entry(o, o == table ? NULL : o - 1, why, size) == 0)
            return 0;
        if (o->name == NULL)
            continue;
        if (check_unique(table, o, why, size) == 0)
            return 0;
        if (++n > CLI_OPT_MAX) {
            snprintf(why, size, "more than %d options (CLI_OPT_MAX)", CLI_OPT_MAX);
            return 0;
        }
    }
    return 1;
}

int cli_print_version(void)
{
    printf(CLI_PROGRAM " %s\n", CWMS_BUNDLE_VERSION);
    return CWMS_EXIT_OK;
}

int cli_getopt_init(CLI_GETOPT *g, const CLI_OPT *table)
{
    size_t n = 0, s = 0;
    char why[160];

    memset(g, 0, sizeof(*g));
    if (!cli_opt_table_check(table, why, sizeof(why)))
        return 0;
    g->shortopts[s++] = ':'; /* a missing value is ':', not '?' */
    for (const CLI_OPT *o = table; !cli_opt_is_end(o); o++) {
        if (o->name == NULL)
            continue;
        g->longopts[n].name = o->name;
        g->longopts[n].has_arg = o->metavar != NULL ? required_argument : no_argument;
        g->longopts[n].flag = NULL;
        g->longopts[n].val = o->id;
        n++;
        if (o->short_name != 0) {
            g->shortopts[s++] = (char)o->short_name;
            if (o->metavar != NULL)
                g->shortopts[s++] = ':';
        }
    }
    g->shortopts[s] = '\0';
    return 1;
}

/*-
 * The Usage line
 * --------------
 */

/* One entry as the Usage line shows it, without brackets: "--cwms VERSION", "-o FILE". */
static void synopsis_item(const CLI_OPT *o, char *buf, size_t size)
{
    const char *value = o->synopsis != NULL ? o->synopsis : o->metavar;

    if (o->name == NULL)
        snprintf(buf, size, "%s", value);
    else if ((o->flags & CLI_SYN_SHORT) && o->short_name != 0)
        snprintf(buf, size, "-%c%s%s", o->short_name, value != NULL ? " " : "",
                 value != NULL ? value : "");
    else
        snprintf(buf, size, "--%s%s%s", o->name, value != NULL ? " " : "",
                 value != NULL ? value : "");
}

/* Prints word after the Usage prefix, wrapping before USAGE_WIDTH; *col is the current column. */
static void usage_word(FILE *out, const char *word, size_t indent, size_t *col)
{
    size_t len = strlen(word);

    if (*col > indent && *col + 1 + len > USAGE_WIDTH) {
        fprintf(out, "\n%*s", (int)indent, "");
        *col = indent;
    } else if (*col > indent) {
        fputc(' ', out);
        (*col)++;
    }
    fputs(word, out);
    *col += len;
}

static void print_usage(FILE *out, const CLI_COMMAND_HELP *h)
{
    char word[512];
    size_t indent, col;
    int n = fprintf(out, "Usage: " CLI_PROGRAM " %s ", h->command);

    indent = n > 0 ? (size_t)n : 0;
    col = indent;
    /* Options, in table order; operands after them, wherever the table lists them. */
    for (const CLI_OPT *o = h->opts; !cli_opt_is_end(o); o++) {
        size_t len = 0;

        if (o->name == NULL || (o->flags & (CLI_SYN_HIDE | CLI_SYN_ALT)))
            continue;
        /* "[--a X | --b Y]..." : this entry and the alternatives right after it. */
        int required = (o->flags & CLI_SYN_REQUIRED) != 0,
            alternatives = !cli_opt_is_end(o + 1) && (o[1].flags & CLI_SYN_ALT);

        if (!required || alternatives)
            word[len++] = required ? '(' : '[';
        for (const CLI_OPT *a = o; !cli_opt_is_end(a) && (a == o || (a->flags & CLI_SYN_ALT));
             a++) {
            if (a != o)
                len += (size_t)snprintf(word + len, sizeof(word) - len, " | ");
            synopsis_item(a, word + len, sizeof(word) - len);
            len = strlen(word);
        }
        snprintf(word + len, sizeof(word) - len, "%s%s",
                 !required          ? "]"
                     : alternatives ? ")"
                                    : "",
                 (o->flags & CLI_SYN_REPEAT) ? "..." : "");
        usage_word(out, word, indent, &col);
    }
    for (const CLI_OPT *o = h->opts; !cli_opt_is_end(o); o++) {
        if (!cli_opt_is_operand(o) || (o->flags & CLI_SYN_HIDE))
            continue;
        synopsis_item(o, word, sizeof(word));
        usage_word(out, word, indent, &col);
    }
    fputc('\n', out);
}

/*-
 * The option list
 * ---------------
 */

static void print_entry(FILE *out, const CLI_OPT *o, int column)
{
    char label[128];
    const char *help = o->help != NULL ? o->help : "";
    int len;

    if (o->name == NULL)
        len = snprintf(label, sizeof(label), "  %s", o->metavar);
    else if (o->short_name != 0)
        len = snprintf(label, sizeof(label), "  -%c, --%s%s%s", o->short_name, o->name,
                       o->metavar != NULL ? " " : "", o->metavar != NULL ? o->metavar : "");
    else
        len = snprintf(label, sizeof(label), "  --%s%s%s", o->name, o->metavar != NULL ? " " : "",
                       o->metavar != NULL ? o->metavar : "");
    fputs(label, out);
    /* A label too long for its column puts the description on the next line. */
    if (len >= column)
        fprintf(out, "\n%*s", column, "");
    else
        fprintf(out, "%*s", column - len, "");
    for (;;) {
        size_t n = strcspn(help, "\n");

        fprintf(out, "%.*s\n", (int)n, help);
        if (help[n] == '\0')
            break;
        help += n + 1;
        fprintf(out, "%*s", column, "");
    }
}

void cli_print_help(FILE *out, const CLI_COMMAND_HELP *h)
{
    print_usage(out, h);
    if (h->description != NULL)
        fprintf(out, "\n%s", h->description);
    fputc('\n', out);
    for (const CLI_OPT *o = h->opts; !cli_opt_is_end(o); o++) {
        if (o->section != NULL)
            fprintf(out, "%s\n", o->section);
        else if (!(o->flags & CLI_LIST_HIDE))
            print_entry(out, o, h->help_column);
    }
    if (h->epilogue != NULL)
        fprintf(out, "\n%s", h->epilogue);
}

/*-
 * Errors
 * ------
 */

int cli_opt_bad_value(const char *command, CWMS_OPTION_KIND kind, const char *option,
                      const char *value)
{
    char msg[CWMS_OPTION_ERROR_SIZE];

    return cli_usage_error(command, "%s", cwms_option_error(kind, option, value, msg, sizeof(msg)));
}
