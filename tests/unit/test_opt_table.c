/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CLI's option tables (cli/opt_table.c): getopt_long's arrays and the
 * --help text generated from one table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cwms/diag.h"
#include "opt_suggest.h"
#include "opt_table.h"

enum { OPT_ALPHA = 256, OPT_BETA, OPT_GAMMA, OPT_DELTA };

static const CLI_OPT table[] = {
    CLI_OPT_SECTION("First:"),
    { .name = "alpha", .id = OPT_ALPHA, .metavar = "A", .help = "the alpha" },
    { .name = "beta",
      .id = OPT_BETA,
      .metavar = "B",
      .synopsis = "x|y",
      .flags = CLI_SYN_ALT,
      .help = "the beta\nsecond line" },
    CLI_OPT_SECTION("Second:"),
    { .name = "gamma", .id = OPT_GAMMA, .flags = CLI_SYN_REPEAT, .help = "no value" },
    { .name = "output",
      .short_name = 'o',
      .id = 'o',
      .metavar = "FILE",
      .flags = CLI_SYN_SHORT,
      .help = "where" },
    { .name = "a-very-long-option-name",
      .id = OPT_DELTA,
      .metavar = "VALUE",
      .help = "on its own line" },
    { .metavar = "THING", .synopsis = "THING...", .help = "an operand" },
    { .name = "help", .short_name = 'h', .id = 'h', .flags = CLI_SYN_HIDE, .help = "help" },
    { .metavar = "HIDDEN", .synopsis = "[HIDDEN]", .flags = CLI_LIST_HIDE },
    CLI_OPT_END
};

static void test_getopt_arrays_hold_every_option(void **state)
{
    CLI_GETOPT g;
    static const struct {
        const char *name;
        int has_arg, val;
    } want[] = {
        { "alpha", required_argument, OPT_ALPHA },
        { "beta", required_argument, OPT_BETA },
        { "gamma", no_argument, OPT_GAMMA },
        { "output", required_argument, 'o' },
        { "a-very-long-option-name", required_argument, OPT_DELTA },
        { "help", no_argument, 'h' },
    };
    size_t i;

    (void)state;
    assert_true(cli_getopt_init(&g, table));
    assert_string_equal(g.shortopts, ":o:h");
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_string_equal(g.longopts[i].name, want[i].name);
        assert_int_equal(g.longopts[i].has_arg, want[i].has_arg);
        assert_null(g.longopts[i].flag);
        assert_int_equal(g.longopts[i].val, want[i].val);
    }
    assert_null(g.longopts[i].name);
}

static void test_getopt_parses_with_the_generated_arrays(void **state)
{
    char *argv[] = { "cmd",     "--alpha",  "1",       "-o",     "f",
                     "--gamma", "--beta=x", "operand", "--nope", NULL };
    int argc = 9, c, seen = 0;
    CLI_GETOPT g;

    (void)state;
    assert_true(cli_getopt_init(&g, table));
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case OPT_ALPHA:
            assert_string_equal(optarg, "1");
            seen |= 1;
            break;
        case 'o':
            assert_string_equal(optarg, "f");
            seen |= 2;
            break;
        case OPT_GAMMA:
            seen |= 4;
            break;
        case OPT_BETA:
            assert_string_equal(optarg, "x");
            seen |= 8;
            break;
        case '?':
            assert_string_equal(argv[optind - 1], "--nope");
            seen |= 16;
            break;
        default:
            fail_msg("unexpected %d", c);
        }
    }
    assert_int_equal(seen, 31);
    assert_string_equal(argv[optind], "operand");

    /* A missing value is ':' (the leading ':'), for both spellings. */
    {
        char *argv2[] = { "cmd", "-o", NULL };
        char *argv3[] = { "cmd", "--alpha", NULL };

        optind = 1;
        assert_int_equal(getopt_long(2, argv2, g.shortopts, g.longopts, NULL), ':');
        optind = 1;
        assert_int_equal(getopt_long(2, argv3, g.shortopts, g.longopts, NULL), ':');
    }
}

static void test_too_many_options_are_a_programming_error(void **state)
{
    CLI_OPT *big = calloc(CLI_OPT_MAX + 2, sizeof(*big));
    char(*names)[8] = calloc(CLI_OPT_MAX, sizeof(*names));
    CLI_GETOPT g;

    (void)state;
    assert_non_null(big);
    assert_non_null(names);
    for (size_t i = 0; i < CLI_OPT_MAX; i++) {
        snprintf(names[i], sizeof(names[i]), "x%zu", i);
        big[i].name = names[i];
        big[i].id = 256 + (int)i;
    }
    assert_true(cli_getopt_init(&g, big));
    big[CLI_OPT_MAX].name = "one-too-many";
    big[CLI_OPT_MAX].id = 256 + CLI_OPT_MAX;
    assert_false(cli_getopt_init(&g, big));
    free(big);
    free(names);
}

/* cli_opt_table_check's verdict on table; the reason must name what is wrong (want). */
static void assert_refused(const CLI_OPT *broken, const char *want)
{
    char why[160] = "";
    CLI_GETOPT g;

    assert_false(cli_opt_table_check(broken, why, sizeof(why)));
    if (strstr(why, want) == NULL)
        fail_msg("refused with '%s', not for '%s'", why, want);
    assert_false(cli_getopt_init(&g, broken));
}

static void test_a_broken_table_is_refused_when_loaded(void **state)
{
    static const CLI_OPT same_name[] = {
        { .name = "alpha", .id = OPT_ALPHA, .help = "a" },
        { .name = "alpha", .id = OPT_BETA, .help = "b" },
        CLI_OPT_END,
    };
    static const CLI_OPT same_letter[] = {
        { .name = "output", .short_name = 'o', .id = 'o', .metavar = "FILE" },
        { .name = "other", .short_name = 'o', .id = 'o' },
        CLI_OPT_END,
    };
    static const CLI_OPT same_id[] = {
        { .name = "alpha", .id = OPT_ALPHA },
        { .name = "beta", .id = OPT_ALPHA },
        CLI_OPT_END,
    };
    static const CLI_OPT letter_not_id[] = {
        { .name = "quiet", .short_name = 'q', .id = OPT_ALPHA },
        CLI_OPT_END,
    };
    static const CLI_OPT low_id[] = { { .name = "alpha", .id = 'a' }, CLI_OPT_END };
    static const CLI_OPT short_without_letter[] = {
        { .name = "alpha", .id = OPT_ALPHA, .flags = CLI_SYN_SHORT },
        CLI_OPT_END,
    };
    static const CLI_OPT alt_first[] = {
        { .name = "alpha", .id = OPT_ALPHA, .flags = CLI_SYN_ALT },
        CLI_OPT_END,
    };
    static const CLI_OPT option_list_hidden[] = {
        { .name = "alpha", .id = OPT_ALPHA, .flags = CLI_LIST_HIDE },
        CLI_OPT_END,
    };
    static const CLI_OPT operand_with_id[] = { { .metavar = "IN", .id = OPT_ALPHA }, CLI_OPT_END };
    static const CLI_OPT operand_repeat[] = {
        { .metavar = "IN", .flags = CLI_SYN_REPEAT },
        CLI_OPT_END,
    };
    static const CLI_OPT heading_with_name[] = {
        { .section = "Key:", .name = "alpha", .id = OPT_ALPHA },
        CLI_OPT_END,
    };
    static const CLI_OPT unknown_flag[] = {
        { .name = "alpha", .id = OPT_ALPHA, .flags = 0x400u },
        CLI_OPT_END,
    };
    static const CLI_OPT dashes[] = { { .name = "--alpha", .id = OPT_ALPHA }, CLI_OPT_END };

    (void)state;
    assert_refused(same_name, "--alpha is in the table twice");
    assert_refused(same_letter, "same letter 'o'");
    assert_refused(same_id, "same id");
    assert_refused(letter_not_id, "its id must be it");
    assert_refused(low_id, "below 256");
    assert_refused(short_without_letter, "CLI_SYN_SHORT");
    assert_refused(alt_first, "CLI_SYN_ALT");
    assert_refused(option_list_hidden, "CLI_LIST_HIDE");
    assert_refused(operand_with_id, "operand IN");
    assert_refused(operand_repeat, "operand IN");
    assert_refused(heading_with_name, "heading 'Key:'");
    assert_refused(unknown_flag, "unknown flag bits 0x400");
    assert_refused(dashes, "without dashes");
}

static void test_operands_are_known_by_their_shape(void **state)
{
    static const CLI_OPT heading = CLI_OPT_SECTION("Key:");
    static const CLI_OPT option = { .name = "alpha", .id = OPT_ALPHA, .metavar = "A" };
    static const CLI_OPT listed = { .metavar = "IN", .help = "listed" };
    static const CLI_OPT hidden = { .metavar = "IN", .flags = CLI_LIST_HIDE };
    static const CLI_OPT end = CLI_OPT_END;
    char why[160];

    (void)state;
    assert_false(cli_opt_is_operand(&heading));
    assert_false(cli_opt_is_operand(&option));
    assert_false(cli_opt_is_operand(&end));
    assert_true(cli_opt_is_operand(&listed));
    assert_true(cli_opt_is_operand(&hidden));
    assert_true(cli_opt_table_check(table, why, sizeof(why)));
}

/* What cli_print_help writes for h (free it). */
static char *help_text(const CLI_COMMAND_HELP *h)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    cli_print_help(f, h);
    assert_int_equal(fclose(f), 0);
    return text;
}

static void test_help_is_generated_from_the_table(void **state)
{
    static const CLI_COMMAND_HELP help = {
        .command = "demo",
        .description = "Does things.\n",
        .opts = table,
        .help_column = 20,
        .epilogue = "Bye.\n",
    };
    static const char want[] =
        "Usage: cwms-bundle demo [--alpha A | --beta x|y] [--gamma]... [-o FILE]\n"
        "                        [--a-very-long-option-name VALUE] THING... [HIDDEN]\n"
        "\n"
        "Does things.\n"
        "\n"
        "First:\n"
        "  --alpha A         the alpha\n"
        "  --beta B          the beta\n"
        "                    second line\n"
        "Second:\n"
        "  --gamma           no value\n"
        "  -o, --output FILE where\n"
        "  --a-very-long-option-name VALUE\n"
        "                    on its own line\n"
        "  THING             an operand\n"
        "  -h, --help        help\n"
        "\n"
        "Bye.\n";
    char *text = help_text(&help);

    (void)state;
    assert_string_equal(text, want);
    free(text);
}

static void test_required_options_have_no_brackets(void **state)
{
    static const CLI_OPT required[] = {
        { .name = "alpha", .id = OPT_ALPHA, .metavar = "A", .flags = CLI_SYN_REQUIRED, .help = "a" },
        { .name = "beta", .id = OPT_BETA, .metavar = "B", .flags = CLI_SYN_ALT, .help = "b" },
        { .name = "gamma",
          .id = OPT_GAMMA,
          .metavar = "G",
          .flags = CLI_SYN_REQUIRED | CLI_SYN_REPEAT,
          .help = "g" },
        { .name = "delta", .id = OPT_DELTA, .metavar = "D", .help = "d" },
        CLI_OPT_END
    };
    static const CLI_COMMAND_HELP help = { .command = "demo", .opts = required, .help_column = 12 };
    char *text = help_text(&help);

    (void)state;
    assert_non_null(
        strstr(text, "Usage: cwms-bundle demo (--alpha A | --beta B) --gamma G... [--delta D]\n"));
    free(text);
}

static void test_request_lists_its_required_options(void **state)
{
    /* A required option is still listed: the flags are distinct bits. */
    static const CLI_OPT required[] = {
        { .name = "alpha", .id = OPT_ALPHA, .metavar = "A", .flags = CLI_SYN_REQUIRED, .help = "a" },
        { .metavar = "X", .flags = CLI_LIST_HIDE },
        CLI_OPT_END
    };
    static const CLI_COMMAND_HELP help = { .command = "demo", .opts = required, .help_column = 12 };
    char *text = help_text(&help);

    (void)state;
    assert_non_null(strstr(text, "  --alpha A a\n"));
    assert_null(strstr(text, "  X"));
    free(text);
}

static void test_closest_name_is_a_slip_of_the_fingers(void **state)
{
    static const char *const names[] = { "build", "check", "request", "tokens", "help" };

    (void)state;
    assert_string_equal(cli_closest("biuld", 5, names, 5), "build");
    assert_string_equal(cli_closest("chekc", 5, names, 5), "check");
    assert_string_equal(cli_closest("tokenz", 6, names, 6 - 1), "tokens");
    assert_string_equal(cli_closest("reqest", 6, names, 5), "request");
    assert_null(cli_closest("frobnicate", 10, names, 5));
    assert_null(cli_closest("x", 1, names, 5));
    assert_null(cli_closest("", 0, names, 5));
}

/* cli_opt_check_words on the words of argv (NULL-terminated), stderr to /dev/null. */
static int check_words(char **argv)
{
    int argc = 0, rc;
    FILE *saved = stderr;

    while (argv[argc] != NULL)
        argc++;
    stderr = fopen("/dev/null", "w");
    assert_non_null(stderr);
    rc = cli_opt_check_words("demo", table, argc, argv);
    fclose(stderr);
    stderr = saved;
    return rc;
}

static void test_one_dash_words_are_never_split(void **state)
{
    char *words[][6] = {
        { "demo", "-out", "x", NULL },        { "demo", "-alpha", "1", NULL },
        { "demo", "-ofile", NULL },           { "demo", "--gamma", "-in", NULL },
        { "demo", "-verify_hostname", NULL },
    };
    char *fine[][6] = {
        { "demo", "-o", "-x", NULL },        /* a value is not looked at */
        { "demo", "--alpha", "-abc", NULL }, /* nor a long option's */
        { "demo", "-o/tmp/x.pem", "-o", "-", NULL },
        { "demo", "--", "-out", NULL }, /* operands after "--" */
        { "demo", "--alpha=-xyz", "THING", NULL },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        assert_int_equal(check_words(words[i]), CWMS_EXIT_USAGE);
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
        assert_int_equal(check_words(fine[i]), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getopt_arrays_hold_every_option),
        cmocka_unit_test(test_getopt_parses_with_the_generated_arrays),
        cmocka_unit_test(test_too_many_options_are_a_programming_error),
        cmocka_unit_test(test_a_broken_table_is_refused_when_loaded),
        cmocka_unit_test(test_operands_are_known_by_their_shape),
        cmocka_unit_test(test_help_is_generated_from_the_table),
        cmocka_unit_test(test_required_options_have_no_brackets),
        cmocka_unit_test(test_request_lists_its_required_options),
        cmocka_unit_test(test_closest_name_is_a_slip_of_the_fingers),
        cmocka_unit_test(test_one_dash_words_are_never_split),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
