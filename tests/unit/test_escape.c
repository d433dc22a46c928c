/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The escaping rule (common/escape.c): text shown as it is unless it
 * holds a control (C0, DEL, C1) or a byte that is not well-formed UTF-8,
 * each written as \xNN; the result is valid UTF-8 (checked here with an
 * independent decoder: iconv); cutting text keeps whole characters. And
 * the times every view writes: four year digits, RFC 3339.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <iconv.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>

#include "cwms/times.h"
#include "cwms_escape.h"

/* Escapes len bytes of in and checks the result is want. */
static void expect(const char *in, size_t len, const char *want)
{
    char *got = cwms_escape_bytes(in, len);

    assert_non_null(got);
    assert_string_equal(got, want);
    OPENSSL_free(got);
}

#define EXPECT(lit, want) expect(lit, sizeof(lit) - 1, want)

/* 1 when iconv, knowing nothing of our code, takes s as UTF-8. */
static int iconv_says_utf8(const char *s)
{
    iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
    size_t in_left = strlen(s), out_left = 4 * in_left + 4;
    char *out = malloc(out_left), *in = (char *)s, *o = out;
    int ok;

    assert_true(cd != (iconv_t)-1 && out != NULL);
    ok = iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1 && in_left == 0;
    iconv_close(cd);
    free(out);
    return ok;
}

static void test_printable_text_is_shown_as_it_is(void **state)
{
    (void)state;
    EXPECT("CN=www.example.test, O=M\xc3\xbcller \\ Co",
           "CN=www.example.test, O=M\xc3\xbcller \\ Co");
    /* Two, three and four bytes, at the edges of their ranges. */
    EXPECT("\xc2\xa0\xdf\xbf", "\xc2\xa0\xdf\xbf");
    EXPECT("\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd",
           "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd");
    EXPECT("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
    EXPECT("", "");
}

static void test_controls_are_escaped(void **state)
{
    (void)state;
    EXPECT("a\x1b[31mb\x07\x7f\t\n\r", "a\\x1b[31mb\\x07\\x7f\\x09\\x0a\\x0d");
    /* C1 controls as UTF-8: CSI and OSC, which some terminals act on. */
    EXPECT("x\xc2\x9b"
           "2J\xc2\x9d"
           "0;t\xc2\x80\xc2\x9f",
           "x\\x9b2J\\x9d0;t\\x80\\x9f");
    /* A NUL among the bytes does not end the text. */
    EXPECT("a\0b", "a\\x00b");
}

static void test_bytes_that_are_not_utf8_are_escaped(void **state)
{
    (void)state;
    /* Latin-1, as token labels and old file names hold it. */
    EXPECT("M\xfcller \x9b", "M\\xfcller \\x9b");
    /* A continuation byte alone, a lead byte cut short, at the end and in the middle. */
    EXPECT("\x80", "\\x80");
    EXPECT("ab\xe2\x82", "ab\\xe2\\x82");
    EXPECT("\xe2\x82x", "\\xe2\\x82x");
    EXPECT("\xf0\x9f\x98", "\\xf0\\x9f\\x98");
    /* Overlong forms of '/' and of NUL. */
    EXPECT("\xc0\xaf\xc1\xbf", "\\xc0\\xaf\\xc1\\xbf");
    EXPECT("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
    EXPECT("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
    EXPECT("\xc0\x80", "\\xc0\\x80");
    /* UTF-16 surrogates, and past U+10FFFF. */
    EXPECT("\xed\xa0\x80\xed\xbf\xbf", "\\xed\\xa0\\x80\\xed\\xbf\\xbf");
    EXPECT("\xf4\x90\x80\x80\xf5\xff\xfe", "\\xf4\\x90\\x80\\x80\\xf5\\xff\\xfe");
}

static void test_the_result_is_valid_utf8_and_escaping_twice_changes_nothing(void **state)
{
    unsigned char bytes[4096];
    unsigned seed = 1;

    (void)state;
    for (int round = 0; round < 200; round++) {
        size_t len = (size_t)(round * 37 % (int)sizeof(bytes));
        char *once, *twice;

        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            bytes[i] = (unsigned char)(seed >> 16);
        }
        once = cwms_escape_bytes(bytes, len);
        assert_non_null(once);
        assert_true(iconv_says_utf8(once));
        for (const unsigned char *p = (const unsigned char *)once; *p != '\0'; p++)
            assert_true(*p >= 0x20 && *p != 0x7f
                        && !(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f));
        twice = cwms_escape_text(once);
        assert_non_null(twice);
        assert_string_equal(once, twice);
        OPENSSL_free(once);
        OPENSSL_free(twice);
    }
}

static void test_fputs_writes_what_escape_returns(void **state)
{
    static const char in[] = "f\xc3\xa9\x1b]0;\xff\xc2\x9b.pem";
    char *want = cwms_escape_text(in), got[128] = "";
    FILE *f = tmpfile();

    (void)state;
    assert_non_null(want);
    assert_non_null(f);
    assert_int_equal(cwms_escape_fputs(in, f), 1);
    rewind(f);
    assert_non_null(fgets(got, sizeof(got), f));
    assert_string_equal(got, want);
    fclose(f);
    OPENSSL_free(want);
}

static void test_a_cut_keeps_whole_characters(void **state)
{
    /* "é" is two bytes, "€" three, the emoji four. */
    static const char s[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";

    (void)state;
    assert_int_equal(cwms_utf8_cut(s, strlen(s), 100), strlen(s));
    assert_int_equal(cwms_utf8_cut(s, strlen(s), 1), 1);
    assert_int_equal(cwms_utf8_cut(s, strlen(s), 2), 1);
    assert_int_equal(cwms_utf8_cut(s, strlen(s), 3), 3);
    assert_int_equal(cwms_utf8_cut(s, strlen(s), 5), 3);
    assert_int_equal(cwms_utf8_cut(s, strlen(s), 6), 6);
    assert_int_equal(cwms_utf8_cut(s, strlen(s), 9), 6);
    assert_int_equal(cwms_utf8_cut(s, strlen(s), 10), 10);
    /* Bytes that are not UTF-8 count one by one. */
    assert_int_equal(cwms_utf8_cut("\xff\xfe\xfd", 3, 2), 2);
    assert_int_equal(cwms_utf8_cut("ab\xe2\x82", 4, 3), 3);
}

/* t as the GeneralizedTime text, written the way every view writes times. */
static void expect_time(const char *generalized, const char *want)
{
    ASN1_TIME *t = ASN1_TIME_new();
    char out[CWMS_TIME_TEXT_SIZE];

    assert_non_null(t);
    assert_int_equal(ASN1_TIME_set_string(t, generalized), 1);
    if (want == NULL) {
        assert_null(cwms_asn1_time_rfc3339(t, out));
        assert_string_equal(out, "");
    } else {
        assert_non_null(cwms_asn1_time_rfc3339(t, out));
        assert_string_equal(out, want);
    }
    ASN1_TIME_free(t);
}

static void test_times_have_four_year_digits(void **state)
{
    char out[CWMS_TIME_TEXT_SIZE];

    (void)state;
    expect_time("09500101000000Z", "0950-01-01T00:00:00Z");
    expect_time("00010203040506Z", "0001-02-03T04:05:06Z");
    expect_time("99991231235959Z", "9999-12-31T23:59:59Z");
    expect_time("20260102030405Z", "2026-01-02T03:04:05Z");
    expect_time("260102030405Z", "2026-01-02T03:04:05Z");
    assert_null(cwms_asn1_time_rfc3339(NULL, out));
    /* The messages' form: the year 950 (-32,188,060,800 s) as "0950". */
    assert_string_equal(cwms_time_format(-32188060800LL, out), "0950-01-01 00:00:00 UTC");
    assert_string_equal(cwms_time_format(0, out), "1970-01-01 00:00:00 UTC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printable_text_is_shown_as_it_is),
        cmocka_unit_test(test_controls_are_escaped),
        cmocka_unit_test(test_bytes_that_are_not_utf8_are_escaped),
        cmocka_unit_test(test_the_result_is_valid_utf8_and_escaping_twice_changes_nothing),
        cmocka_unit_test(test_fputs_writes_what_escape_returns),
        cmocka_unit_test(test_a_cut_keeps_whole_characters),
        cmocka_unit_test(test_times_have_four_year_digits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
