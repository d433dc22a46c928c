/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pass phrase sources of the CLI (cli/passsrc.c): every form, line
 * handling, and the failures a user can hit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>

#include "passsrc.h"
#include "testlib.h"

static char dir[4096];

static int make_dir(void **state)
{
    (void)state;
    return t_tempdir_make(dir, sizeof(dir), "cwms-passsrc");
}

static int remove_dir(void **state)
{
    (void)state;
    return t_tempdir_remove(dir);
}

/* A file in the temp dir holding text; returns "file:PATH". */
static const char *file_spec(const char *name, const char *text)
{
    static char spec[4300];
    char path[4200];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    snprintf(spec, sizeof(spec), "file:%s", path);
    return spec;
}

/* A pipe whose read end holds text (then EOF); returns the read end. */
static int pipe_with(const char *text)
{
    int p[2];

    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
    close(p[1]);
    return p[0];
}

/* Reads spec; fails the test unless it gives want. */
static void read_ok_line(const char *spec, int file_line, const char *want)
{
    CWMS_DIAG *diag = cwms_diag_new();
    CLI_PASSSRC src = { 0 };
    char buf[64];
    size_t len = 99;

    src.spec = spec;
    src.option = "--passin";
    src.file_line = file_line;
    src.diag = diag;
    if (!cli_passsrc_read(&src, buf, sizeof(buf), &len, "the test")) {
        const CWMS_MSG *m = cwms_diag_first_error(diag);

        fail_msg("'%s' failed: %s", spec, m != NULL ? m->text : "(no message)");
    }
    assert_int_equal(len, strlen(want));
    assert_string_equal(buf, want);
    cwms_diag_free(diag);
}

static void read_ok(const char *spec, const char *want)
{
    read_ok_line(spec, 0, want);
}

/* Reads spec expecting failure; returns the first error (text copied into msg). */
static CWMS_REASON read_fails(const char *spec, const char *tty, char *msg, size_t msg_size)
{
    CWMS_DIAG *diag = cwms_diag_new();
    CLI_PASSSRC src = { 0 };
    char buf[16];
    size_t len = 99;
    const CWMS_MSG *m;
    CWMS_REASON r;

    src.spec = spec;
    src.option = "--passin";
    src.tty = tty;
    src.diag = diag;
    assert_false(cli_passsrc_read(&src, buf, sizeof(buf), &len, "key 'server.key'"));
    assert_int_equal(len, 0);
    m = cwms_diag_first_error(diag);
    assert_non_null(m);
    snprintf(msg, msg_size, "%s", m->text);
    r = m->reason;
    cwms_diag_free(diag);
    return r;
}

static void test_pass_gives_the_text_itself(void **state)
{
    (void)state;
    read_ok("pass:open sesame", "open sesame");
    read_ok("pass:", "");
    read_ok("pass:with:colons", "with:colons");
}

static void test_env_gives_the_variable_value(void **state)
{
    (void)state;
    setenv("CWMS_TEST_PASS", "from the environment", 1);
    read_ok("env:CWMS_TEST_PASS", "from the environment");
    unsetenv("CWMS_TEST_PASS");
}

static void test_missing_env_variable_is_an_error_naming_it(void **state)
{
    char msg[512];

    (void)state;
    unsetenv("CWMS_TEST_NO_SUCH_VAR");
    assert_int_equal(read_fails("env:CWMS_TEST_NO_SUCH_VAR", NULL, msg, sizeof(msg)),
                     CWMS_R_NO_PASSPHRASE);
    assert_non_null(strstr(msg, "CWMS_TEST_NO_SUCH_VAR"));
}

static void test_file_gives_the_first_line_without_its_newline(void **state)
{
    (void)state;
    read_ok(file_spec("lf", "first line\nsecond line\n"), "first line");
    read_ok(file_spec("crlf", "dos line\r\nsecond\r\n"), "dos line");
    read_ok(file_spec("nonl", "no newline at all"), "no newline at all");
    read_ok(file_spec("empty-line", "\nsecond\n"), "");
}

static void test_file_second_line_for_passout_from_the_same_file(void **state)
{
    (void)state;
    read_ok_line(file_spec("two", "in-pass\nout-pass\n"), 1, "out-pass");
}

static void test_missing_file_is_an_error_naming_it(void **state)
{
    char msg[512];

    (void)state;
    assert_int_equal(read_fails("file:/nonexistent/cwms-pass", NULL, msg, sizeof(msg)),
                     CWMS_R_NO_PASSPHRASE);
    assert_non_null(strstr(msg, "/nonexistent/cwms-pass"));
}

static void test_empty_file_is_an_error(void **state)
{
    char msg[512];

    (void)state;
    assert_int_equal(read_fails(file_spec("empty", ""), NULL, msg, sizeof(msg)),
                     CWMS_R_NO_PASSPHRASE);
}

static void test_fd_gives_one_line_per_read(void **state)
{
    int fd = pipe_with("line one\nline two\n");
    char spec[32];

    (void)state;
    snprintf(spec, sizeof(spec), "fd:%d", fd);
    read_ok(spec, "line one");
    read_ok(spec, "line two");
    close(fd);
}

static void test_stdin_gives_a_line_of_standard_input(void **state)
{
    int saved = dup(STDIN_FILENO);
    int fd = pipe_with("typed on stdin\n");

    (void)state;
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    read_ok("stdin", "typed on stdin");
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
}

static void test_bad_fd_number_is_a_usage_error(void **state)
{
    char msg[512];

    (void)state;
    assert_int_equal(read_fails("fd:seven", NULL, msg, sizeof(msg)), CWMS_R_USAGE);
    assert_false(cli_passsrc_valid("fd:"));
}

static void test_unknown_form_is_rejected(void **state)
{
    char msg[512];

    (void)state;
    assert_false(cli_passsrc_valid("secret"));
    assert_false(cli_passsrc_valid("env:"));
    assert_false(cli_passsrc_valid("file:"));
    assert_true(cli_passsrc_valid("pass:"));
    assert_true(cli_passsrc_valid("stdin"));
    assert_int_equal(read_fails("secret", NULL, msg, sizeof(msg)), CWMS_R_USAGE);
    assert_non_null(strstr(msg, "not a passphrase source"));
}

static void test_too_long_passphrase_is_an_error(void **state)
{
    char msg[512];

    (void)state;
    /* read_fails' buffer holds 15 bytes. */
    assert_int_equal(read_fails("pass:0123456789abcdef", NULL, msg, sizeof(msg)),
                     CWMS_R_NO_PASSPHRASE);
    assert_non_null(strstr(msg, "longer than 15 bytes"));
}

static void test_no_source_and_no_terminal_says_which_option_to_give(void **state)
{
    char msg[512];

    (void)state;
    assert_int_equal(read_fails(NULL, "/nonexistent/tty", msg, sizeof(msg)), CWMS_R_NO_PASSPHRASE);
    assert_non_null(strstr(msg, "no terminal"));
    assert_non_null(strstr(msg, "--passin"));
    assert_non_null(strstr(msg, "key 'server.key'"));
}

static void test_callback_fills_the_core_cache_buffer(void **state)
{
    CWMS_DIAG *diag = cwms_diag_new();
    CLI_PASSSRC src = { 0 };
    char buf[8];
    size_t len = 0;

    (void)state;
    src.spec = "pass:1234567";
    src.option = "--passin";
    src.diag = diag;
    /* The cache promises size bytes (no room for a NUL needed). */
    assert_int_equal(cli_passsrc_cb(buf, 7, &len, "x", &src), 1);
    assert_int_equal(len, 7);
    assert_memory_equal(buf, "1234567", 7);
    /* A failure is reported in diag, and -1 tells the core it was. */
    src.spec = "pass:12345678";
    assert_int_equal(cli_passsrc_cb(buf, 7, &len, "x", &src), -1);
    assert_non_null(cwms_diag_first_error(diag));
    cwms_diag_free(diag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_gives_the_text_itself),
        cmocka_unit_test(test_env_gives_the_variable_value),
        cmocka_unit_test(test_missing_env_variable_is_an_error_naming_it),
        cmocka_unit_test(test_file_gives_the_first_line_without_its_newline),
        cmocka_unit_test(test_file_second_line_for_passout_from_the_same_file),
        cmocka_unit_test(test_missing_file_is_an_error_naming_it),
        cmocka_unit_test(test_empty_file_is_an_error),
        cmocka_unit_test(test_fd_gives_one_line_per_read),
        cmocka_unit_test(test_stdin_gives_a_line_of_standard_input),
        cmocka_unit_test(test_bad_fd_number_is_a_usage_error),
        cmocka_unit_test(test_unknown_form_is_rejected),
        cmocka_unit_test(test_too_long_passphrase_is_an_error),
        cmocka_unit_test(test_no_source_and_no_terminal_says_which_option_to_give),
        cmocka_unit_test(test_callback_fills_the_core_cache_buffer),
    };

    return t_exit(cmocka_run_group_tests(tests, make_dir, remove_dir));
}
