/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shared option vocabulary (core/options.c): every parser with good
 * and bad values, and the one message every front shows for a bad value,
 * in the CLI's, the cwms: URI's and openssl.cnf's spelling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cwms/options.h"

static char msg[CWMS_OPTION_ERROR_SIZE];

/* The message for (kind, option, value) must contain every needle (NULL-ended). */
static void assert_message(CWMS_OPTION_KIND kind, const char *option, const char *value, ...)
{
    va_list ap;
    const char *needle;

    cwms_option_error(kind, option, value, msg, sizeof(msg));
    va_start(ap, value);
    while ((needle = va_arg(ap, const char *)) != NULL) {
        if (strstr(msg, needle) == NULL) {
            va_end(ap);
            fail_msg("message '%s' does not contain '%s'", msg, needle);
        }
    }
    va_end(ap);
}

static void test_order_names_both_orders(void **state)
{
    CWMS_ORDER o = CWMS_ORDER_ROOT_FIRST;
    static const char *const bad[] = { "",           "leaf",    "Leaf-First", "leaf-first ",
                                       "root_first", "sideways" };

    (void)state;
    assert_true(cwms_parse_order("leaf-first", &o));
    assert_int_equal(o, CWMS_ORDER_LEAF_FIRST);
    assert_true(cwms_parse_order("root-first", &o));
    assert_int_equal(o, CWMS_ORDER_ROOT_FIRST);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o = CWMS_ORDER_LEAF_FIRST;
        if (cwms_parse_order(bad[i], &o))
            fail_msg("order '%s' accepted", bad[i]);
        assert_int_equal(o, CWMS_ORDER_LEAF_FIRST);
    }
    assert_false(cwms_parse_order(NULL, &o));
}

static void test_path_choice_is_complete_or_shortest(void **state)
{
    CWMS_PATH_CHOICE p = CWMS_PATH_COMPLETE;

    (void)state;
    assert_true(cwms_parse_path_choice("shortest", &p));
    assert_int_equal(p, CWMS_PATH_SHORTEST);
    assert_true(cwms_parse_path_choice("complete", &p));
    assert_int_equal(p, CWMS_PATH_COMPLETE);
    assert_false(cwms_parse_path_choice("longest", &p));
    assert_false(cwms_parse_path_choice("", &p));
    assert_false(cwms_parse_path_choice("Shortest", &p));
    assert_false(cwms_parse_path_choice(NULL, &p));
    assert_int_equal(p, CWMS_PATH_COMPLETE);
}

static void test_root_handling_is_include_only(void **state)
{
    int include = 0;

    (void)state;
    assert_false(cwms_parse_root("exclude", &include));
    assert_false(cwms_parse_root("", &include));
    assert_false(cwms_parse_root("yes", &include));
    assert_false(cwms_parse_root(NULL, &include));
    assert_int_equal(include, 0);
    assert_true(cwms_parse_root("include", &include));
    assert_int_equal(include, 1);
}

static void test_verify_depth_takes_0_to_the_maximum(void **state)
{
    int d = -1;
    static const char *const bad[] = { "", "-1", "+2", "2 ", " 2", "two", "0x2", "10000", "1.5" };

    (void)state;
    assert_true(cwms_parse_verify_depth("0", &d));
    assert_int_equal(d, 0);
    assert_true(cwms_parse_verify_depth("2", &d));
    assert_int_equal(d, 2);
    assert_true(cwms_parse_verify_depth("255", &d));
    assert_int_equal(d, 255);
    assert_true(cwms_parse_verify_depth("9999", &d));
    assert_int_equal(d, CWMS_VERIFY_DEPTH_MAX);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        d = 7;
        if (cwms_parse_verify_depth(bad[i], &d))
            fail_msg("verify depth '%s' accepted", bad[i]);
        assert_int_equal(d, 7);
    }
    assert_false(cwms_parse_verify_depth(NULL, &d));
}

static void test_time_takes_seconds_dates_and_utc_times(void **state)
{
    int64_t t = -1;

    (void)state;
    assert_true(cwms_parse_time("0", &t));
    assert_int_equal(t, 0);
    assert_true(cwms_parse_time("1700000000", &t));
    assert_int_equal(t, 1700000000);
    assert_true(cwms_parse_time("2017-12-01", &t));
    assert_int_equal(t, 1512086400);
    assert_true(cwms_parse_time("2017-12-01T10:00:00Z", &t));
    assert_int_equal(t, 1512086400 + 10 * 3600);
    assert_true(cwms_parse_time("2017-12-01t10:00:00z", &t));
    assert_int_equal(t, 1512086400 + 10 * 3600);
    assert_true(cwms_parse_time("2024-02-29", &t));
    assert_int_equal(t, 1709164800);
    assert_true(cwms_parse_time("1970-01-01T00:00:00Z", &t));
    assert_int_equal(t, 0);
    assert_true(cwms_parse_time("9999-12-31T23:59:59Z", &t));
    assert_int_equal(t, 253402300799LL);
    assert_true(cwms_parse_time("253402300799", &t));
    assert_int_equal(t, 253402300799LL);
}

static void test_bad_times_are_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "yesterday",
        "-1",
        "+5",
        " 1700000000",
        "1700000000 ",
        "0x10",
        "99999999999999999999",
        "253402300800", /* past 9999-12-31 */
        "2023-02-29",
        "2024-13-01",
        "2024-00-10",
        "2024-01-32",
        "2024-01-31T25:00:00Z",
        "2024-01-31T10:60:00Z",
        "2024-01-31T10:00:00",
        "2024-01-31T10:00:00+01:00",
        "2024-01-31T10:00Z",
        "2024-01-31T10:00:00ZZ",
        "2024-01-31 10:00:00Z",
        "2024-1-31",
        "2024-0131",
        "2024--01-01",
        "20240131T100000Z",
        "24-01-31",
        "2024/01/31",
        "2024-01-31T",
    };
    int64_t t = 42;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (cwms_parse_time(bad[i], &t))
            fail_msg("time '%s' accepted", bad[i]);
    assert_false(cwms_parse_time(NULL, &t));
    assert_int_equal(t, 42);
}

static void test_sha256_takes_hex_with_or_without_colons(void **state)
{
    static const char hex[] = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
    static const char colons[] = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                                 "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";
    unsigned char a[32], b[32];

    (void)state;
    assert_true(cwms_parse_sha256(hex, a));
    assert_true(cwms_parse_sha256(colons, b));
    assert_memory_equal(a, b, 32);
    assert_int_equal(a[0], 0x00);
    assert_int_equal(a[10], 0xaa);
    assert_int_equal(a[31], 0xff);
}

static void test_bad_sha256_is_refused_and_leaves_the_output(void **state)
{
    static const char *const bad[] = {
        "",
        "abc",
        "0123abcd",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",    /* 63 */
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",  /* 65 */
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01", /* 33 bytes */
        "zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "SHA256 Fingerprint=00:11",
    };
    unsigned char out[32];

    (void)state;
    memset(out, 0x5a, sizeof(out));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (cwms_parse_sha256(bad[i], out))
            fail_msg("fingerprint '%s' accepted", bad[i]);
        for (size_t j = 0; j < sizeof(out); j++)
            if (out[j] != 0x5a)
                fail_msg("fingerprint '%s' changed the output", bad[i]);
    }
    assert_false(cwms_parse_sha256(NULL, out));
}

/*-
 * Messages
 */

static void test_version_message_lists_the_known_releases_in_each_spelling(void **state)
{
    static const char known[] = "known releases: 1.0, 1.1, 1.5, 2.0 (leaf-first: server "
                                "certificate first); 2.5, 2.6, 2.7, 2.8, 3.0, 4.0 and any later "
                                "major (root-first: root-side intermediate first); each may end "
                                "in MRn, MRn SPn or a four-part build number (2.5MR6, 4.0MR2 SP1, "
                                "2.8.1.1)";

    (void)state;
    assert_message(CWMS_OPTION_VERSION, "--cwms", "2.1", "--cwms '2.1' is not a CWMS release; ",
                   known, NULL);
    assert_message(CWMS_OPTION_VERSION, "version=", "2.0.1",
                   "version='2.0.1' is not a CWMS release; ", known, NULL);
    assert_message(CWMS_OPTION_VERSION, "cwms-version", "banana",
                   "cwms-version = 'banana' is not a CWMS release; ", known, NULL);
}

static void test_version_message_for_2_says_it_has_two_orders(void **state)
{
    (void)state;
    assert_message(CWMS_OPTION_VERSION, "--cwms", "2",
                   "--cwms '2' is not one CWMS release: 2.0 is leaf-first: server certificate "
                   "first, 2.5 and later are root-first",
                   "give the release, e.g. --cwms 2.0 or --cwms 2.5; known releases: 1.0", NULL);
    assert_message(CWMS_OPTION_VERSION, "version=", "2.x", "version='2.x' is not one CWMS release",
                   "e.g. version=2.0 or version=2.5;", NULL);
    assert_message(CWMS_OPTION_VERSION, "cwms-version", "2",
                   "e.g. cwms-version = 2.0 or cwms-version = 2.5;", NULL);
}

static void test_version_message_for_a_number_without_its_dot_suggests_the_release(void **state)
{
    (void)state;
    assert_message(CWMS_OPTION_VERSION, "--cwms", "20",
                   "--cwms '20' is not a CWMS release: did you mean 2.0 (--cwms 2.0, leaf-first: "
                   "server certificate first)? Releases are written with a dot, later majors "
                   "too (5.0); known releases: 1.0",
                   NULL);
    assert_message(CWMS_OPTION_VERSION, "version=", "25",
                   "version='25' is not a CWMS release: did you mean 2.5 (version=2.5, "
                   "root-first",
                   NULL);
    assert_message(CWMS_OPTION_VERSION, "cwms-version", "10",
                   "cwms-version = '10' is not a CWMS release: did you mean 1.0 (cwms-version = "
                   "1.0, leaf-first",
                   NULL);
    /* No release to suggest: the rule and the list. */
    assert_message(CWMS_OPTION_VERSION, "--cwms", "21",
                   "--cwms '21' is not a CWMS release: releases are written with a dot, later "
                   "majors too (5.0); known releases: 1.0",
                   NULL);
    cwms_option_error(CWMS_OPTION_VERSION, "--cwms", "250", msg, sizeof(msg));
    assert_null(strstr(msg, "did you mean"));
}

static void test_every_kind_has_its_message(void **state)
{
    (void)state;
    assert_message(CWMS_OPTION_ORDER, "--order", "sideways",
                   "--order 'sideways' is not an order: use leaf-first (CWMS 1.x and 2.0) or "
                   "root-first (CWMS 2.5 and later)",
                   NULL);
    assert_message(CWMS_OPTION_PATH, "cwms-path", "longest",
                   "cwms-path = 'longest' is not a path choice: use complete", "or shortest", NULL);
    assert_message(CWMS_OPTION_ATTIME, "--attime", "yesterday",
                   "--attime 'yesterday' is not a time: give seconds since 1970-01-01 UTC",
                   "e.g. --attime 2017-12-01 or --attime 2017-12-01T10:00:00Z", NULL);
    assert_message(CWMS_OPTION_ATTIME, "attime=", "x",
                   "e.g. attime=2017-12-01 or attime=2017-12-01T10:00:00Z", NULL);
    assert_message(CWMS_OPTION_SHA256, "leaf=", "abc",
                   "leaf='abc' is not a SHA-256 fingerprint: give 64 hex digits, colons allowed",
                   "openssl x509 -noout -fingerprint -sha256", NULL);
    assert_message(CWMS_OPTION_ROOT, "root=", "exclude",
                   "root='exclude': the only setting is root=include", NULL);
    assert_message(CWMS_OPTION_VERIFY_DEPTH, "--verify-depth", "-1",
                   "--verify-depth '-1' is not a chain depth: give the most intermediate CA "
                   "certificates the chain may have, a whole number from 0 to 9999",
                   "e.g. --verify-depth 2", NULL);
    assert_message(CWMS_OPTION_VERIFY_DEPTH, "cwms-verify-depth", "x",
                   "cwms-verify-depth = 'x' is not a chain depth", "e.g. cwms-verify-depth = 2",
                   NULL);
}

static void test_message_quotes_a_bounded_printable_value(void **state)
{
    char value[300];

    (void)state;
    memset(value, 'A', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    value[3] = '\033';
    value[4] = '\n';
    cwms_option_error(CWMS_OPTION_ORDER, "--order", value, msg, sizeof(msg));
    assert_non_null(strstr(msg, "--order 'AAA??AAA"));
    assert_non_null(strstr(msg, "AAA...' is not an order"));
    assert_null(strchr(msg, '\033'));
    assert_null(strchr(msg, '\n'));
    assert_true(strlen(msg) < 64 + 150);
}

static void test_message_fits_any_buffer(void **state)
{
    char small[24];

    (void)state;
    memset(small, 'x', sizeof(small));
    cwms_option_error(CWMS_OPTION_VERSION, "--cwms", "2.1", small, sizeof(small));
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_string_equal(small, "--cwms '2.1' is not a C");
    /* The longest message fits the advertised size. */
    cwms_option_error(CWMS_OPTION_VERSION, "cwms-version",
                      "2222222222222222222222222222222222222222222222222222222222222222222", msg,
                      sizeof(msg));
    assert_true(strlen(msg) + 1 < sizeof(msg));
    assert_non_null(strstr(msg, "2.8.1.1)"));
    small[0] = 'y';
    cwms_option_error(CWMS_OPTION_PATH, "--path", "x", small, 0);
    assert_int_equal(small[0], 'y');
}

static void test_site_rules_follow_the_release_table(void **state)
{
    static const struct {
        const char *version;
        unsigned rules;
    } cases[] = {
        { "1.0", CWMS_SITE_RULE_SAN },
        { "1.5MR3", CWMS_SITE_RULE_SAN },
        { "2.0", CWMS_SITE_RULE_SAN },
        { "2.0.1.3", CWMS_SITE_RULE_SAN },
        { "1", CWMS_SITE_RULE_SAN },
        { "2.5MR4", CWMS_SITE_RULE_SAN },
        { "2.5 MR4 SP2", CWMS_SITE_RULE_SAN },
        { "2.5MR1", CWMS_SITE_RULE_SAN },
        { "2.5MR5", CWMS_SITE_RULE_CN },
        { "2.5 MR5 SP1", CWMS_SITE_RULE_CN },
        { "2.5mr6", CWMS_SITE_RULE_CN },
        { "2.6", CWMS_SITE_RULE_CN },
        { "2.8.1.1", CWMS_SITE_RULE_CN },
        { "3.0", CWMS_SITE_RULE_CN },
        { "4.0MR2 SP1", CWMS_SITE_RULE_CN },
        { "3", CWMS_SITE_RULE_CN },
        { "5.0", CWMS_SITE_RULE_CN },
        /* Which side of 2.5MR5 is not said: the strictest combination. */
        { "2.5", CWMS_SITE_RULES_ALL },
        { "2.5.1.29", CWMS_SITE_RULES_ALL },
        { NULL, CWMS_SITE_RULES_ALL },
        { "2.1", CWMS_SITE_RULES_ALL },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (cwms_site_rules_for_version(cases[i].version) != cases[i].rules)
            fail_msg("--cwms %s: rules %u, expected %u",
                     cases[i].version ? cases[i].version : "(none)",
                     cwms_site_rules_for_version(cases[i].version), cases[i].rules);
}

static void test_site_takes_a_name_or_its_https_url(void **state)
{
    static const char *const good[][2] = {
        { "meet.example.com", "meet.example.com" },
        { "https://meet.example.com/", "meet.example.com" },
        { "HTTPS://Meet.Example.com/orion/login", "Meet.Example.com" },
        { "https://meet.example.com", "meet.example.com" },
        { "*.example.com", "*.example.com" },
    };
    static const char *const bad[] = { "",
                                       "meet",
                                       "http://meet.example.com/",
                                       "ftp://meet.example.com/",
                                       "https://meet.example.com:443/",
                                       "https://user@meet.example.com/",
                                       "https://meet.example.com?x=1",
                                       "https:///path",
                                       "meet.example.com/path",
                                       "10.0.0.1",
                                       "https://10.0.0.1/",
                                       "meet_1.example.com",
                                       "ww*.example.com",
                                       "meet.example.com." };
    char host[CWMS_SITE_MAX + 1];

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!cwms_parse_site(good[i][0], host))
            fail_msg("--site '%s' refused", good[i][0]);
        assert_string_equal(host, good[i][1]);
    }
    strcpy(host, "unchanged");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (cwms_parse_site(bad[i], host))
            fail_msg("--site '%s' accepted as '%s'", bad[i], host);
    assert_string_equal(host, "unchanged");
    assert_false(cwms_parse_site(NULL, host));
    assert_message(CWMS_OPTION_SITE, "--site", "https://meet.example.com:8443/",
                   "--site 'https://meet.example.com:8443/' is not the WebEx site URL's host name",
                   "no port", "give the name (meet.example.com) or the site URL", NULL);
    assert_message(CWMS_OPTION_SITE, "--site", "http://meet.example.com/", "an https:// URL", NULL);
    assert_message(CWMS_OPTION_SITE, "--site", "meet", "fully qualified", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_names_both_orders),
        cmocka_unit_test(test_path_choice_is_complete_or_shortest),
        cmocka_unit_test(test_root_handling_is_include_only),
        cmocka_unit_test(test_verify_depth_takes_0_to_the_maximum),
        cmocka_unit_test(test_time_takes_seconds_dates_and_utc_times),
        cmocka_unit_test(test_bad_times_are_refused),
        cmocka_unit_test(test_sha256_takes_hex_with_or_without_colons),
        cmocka_unit_test(test_bad_sha256_is_refused_and_leaves_the_output),
        cmocka_unit_test(test_version_message_lists_the_known_releases_in_each_spelling),
        cmocka_unit_test(test_version_message_for_2_says_it_has_two_orders),
        cmocka_unit_test(test_version_message_for_a_number_without_its_dot_suggests_the_release),
        cmocka_unit_test(test_every_kind_has_its_message),
        cmocka_unit_test(test_message_quotes_a_bounded_printable_value),
        cmocka_unit_test(test_message_fits_any_buffer),
        cmocka_unit_test(test_site_rules_follow_the_release_table),
        cmocka_unit_test(test_site_takes_a_name_or_its_https_url),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
