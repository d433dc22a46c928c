/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every command's option table (cli/cmd_*.c, listed in commands.h) passes
 * the check it gets when it is loaded, and the ids the shared parser
 * takes (shared_opts.h) mean the same option in every table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "commands.h"
#include "opt_table.h"
#include "shared_opts.h"

static void test_every_command_table_is_valid(void **state)
{
    size_t n = 0;

    (void)state;
    for (const CLI_COMMAND_HELP *const *h = cli_command_helps; *h != NULL; h++, n++) {
        char why[160] = "";
        CLI_GETOPT g;

        if (!cli_opt_table_check((*h)->opts, why, sizeof(why)))
            fail_msg("the %s table: %s", (*h)->command, why);
        assert_true(cli_getopt_init(&g, (*h)->opts));
    }
    assert_int_equal(n, 4);
}

/* The long name of a shared id, the same in every table that has it. */
static void test_shared_ids_have_one_name(void **state)
{
    const char *names[CLI_OPT_SHARED_END - CLI_OPT_CWMS] = { 0 };

    (void)state;
    for (const CLI_COMMAND_HELP *const *h = cli_command_helps; *h != NULL; h++)
        for (const CLI_OPT *o = (*h)->opts; !cli_opt_is_end(o); o++) {
            const char **seen;

            if (o->name == NULL || o->id < CLI_OPT_CWMS || o->id >= CLI_OPT_SHARED_END)
                continue;
            seen = &names[o->id - CLI_OPT_CWMS];
            if (*seen != NULL && strcmp(*seen, o->name) != 0)
                fail_msg("%s: id %d is --%s here, --%s elsewhere", (*h)->command, o->id, o->name,
                         *seen);
            *seen = o->name;
        }
}

/* The checker refuses a command table that went wrong the way tables do. */
static void test_a_command_table_with_a_copied_entry_is_refused(void **state)
{
    const CLI_OPT *build = cli_build_help.opts;
    CLI_OPT broken[CLI_OPT_MAX + 16];
    size_t n = 0, first = 0;
    char why[160] = "";

    (void)state;
    while (!cli_opt_is_end(&build[n]))
        n++;
    assert_true(n + 2 <= sizeof(broken) / sizeof(broken[0]));
    memcpy(broken, build, (n + 1) * sizeof(*build));
    while (broken[first].name == NULL)
        first++;
    /* The first option again at the end, as a paste gone wrong would leave it. */
    broken[n] = broken[first];
    broken[n + 1] = build[n];
    assert_false(cli_opt_table_check(broken, why, sizeof(why)));
    assert_non_null(strstr(why, "twice"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_command_table_is_valid),
        cmocka_unit_test(test_shared_ids_have_one_name),
        cmocka_unit_test(test_a_command_table_with_a_copied_entry_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
