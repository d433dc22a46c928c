/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check --connect HOST[:PORT] (core/inspect/connect.c): names, IPv4 and
 * IPv6 literals with and without a port, and the values refused, each
 * with a usage error that says what is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cwms/connect.h"
#include "cwms/diag.h"

static void expect_target(const char *text, const char *host, const char *port, int is_address)
{
    CWMS_DIAG *diag = cwms_diag_new();
    CWMS_CONNECT_TARGET t;

    assert_non_null(diag);
    if (!cwms_connect_parse_target(text, &t, diag))
        fail_msg("'%s' refused: %s", text, cwms_diag_first_error(diag)->text);
    assert_string_equal(t.host, host);
    assert_string_equal(t.port, port);
    assert_int_equal(t.is_address, is_address);
    assert_int_equal(cwms_diag_count(diag), 0);
    cwms_diag_free(diag);
}

static void expect_refused(const char *text, const char *why)
{
    CWMS_DIAG *diag = cwms_diag_new();
    CWMS_CONNECT_TARGET t;
    const CWMS_MSG *m;

    assert_non_null(diag);
    if (cwms_connect_parse_target(text, &t, diag))
        fail_msg("'%s' accepted as host '%s' port '%s'", text, t.host, t.port);
    m = cwms_diag_first_error(diag);
    assert_non_null(m);
    assert_int_equal(m->reason, CWMS_R_USAGE);
    if (strstr(m->text, why) == NULL)
        fail_msg("message '%s' does not say '%s'", m->text, why);
    cwms_diag_free(diag);
}

static void test_host_alone_is_port_443(void **state)
{
    (void)state;
    expect_target("webex.example.com", "webex.example.com", "443", 0);
    expect_target("webex.example.com:8443", "webex.example.com", "8443", 0);
    expect_target("10.0.0.5", "10.0.0.5", "443", 1);
    expect_target("127.0.0.1:1", "127.0.0.1", "1", 1);
    expect_target("localhost:65535", "localhost", "65535", 0);
}

static void test_ipv6_in_brackets_or_bare(void **state)
{
    (void)state;
    expect_target("[::1]:8443", "::1", "8443", 1);
    expect_target("[2001:db8::5]", "2001:db8::5", "443", 1);
    /* Two colons or more without brackets: an address, no port. */
    expect_target("2001:db8::5", "2001:db8::5", "443", 1);
    expect_target("::1", "::1", "443", 1);
}

static void test_bad_values_say_why(void **state)
{
    (void)state;
    expect_refused("", "the host is empty");
    expect_refused(":443", "the host is empty");
    expect_refused("webex.example.com:", "the port must be a number");
    expect_refused("webex.example.com:0", "the port must be a number");
    expect_refused("webex.example.com:65536", "the port must be a number");
    expect_refused("webex.example.com:https", "the port must be a number");
    expect_refused("webex.example.com:+443", "the port must be a number");
    expect_refused("[::1", "closing ']'");
    expect_refused("[::1]8443", "only ':PORT'");
    expect_refused("[webex.example.com]:443", "is not an IPv6 address");
    expect_refused("https://webex.example.com", "not a URL");
    expect_refused("webex.example.com/meet", "not a URL");
}

static void test_long_host_refused(void **state)
{
    char text[300];

    (void)state;
    memset(text, 'a', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    expect_refused(text, "longer than 255");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_alone_is_port_443),
        cmocka_unit_test(test_ipv6_in_brackets_or_bare),
        cmocka_unit_test(test_bad_values_say_why),
        cmocka_unit_test(test_long_host_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
