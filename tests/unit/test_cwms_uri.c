/* SPDX-License-Identifier: Apache-2.0 */
/* The cwms: URI grammar (provider/cwms_uri.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/crypto.h>

#include "cwms_uri.h"
#include "testlib.h"

/* Parses s, failing the test with the parser's message when it is refused. */
static CWMS_URI *parse_ok(const char *s)
{
    char *err = NULL;
    CWMS_URI *u = cwms_uri_parse(s, &err);

    if (u == NULL) {
        print_error("'%s' refused: %s\n", s, err != NULL ? err : "(no message)");
        OPENSSL_free(err);
        fail();
    }
    assert_null(err);
    return u;
}

/* s must be refused with a message containing needle. */
static void assert_refused(const char *s, const char *needle)
{
    char *err = NULL;
    CWMS_URI *u = cwms_uri_parse(s, &err);

    if (u != NULL) {
        cwms_uri_free(u);
        print_error("'%s' was accepted\n", s);
        fail();
    }
    assert_non_null(err);
    if (strstr(err, needle) == NULL) {
        print_error("'%s': message '%s' does not contain '%s'\n", s, err, needle);
        OPENSSL_free(err);
        fail();
    }
    OPENSSL_free(err);
}

static void test_absolute_path_alone_leaves_every_setting_unset(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv/ca-files");

    (void)state;
    assert_string_equal(u->path, "/srv/ca-files");
    assert_int_equal(u->n_in, 0);
    assert_null(u->key);
    assert_null(u->version);
    assert_false(u->has_order);
    assert_false(u->has_path_choice);
    assert_null(u->trust);
    assert_false(u->include_root);
    assert_false(u->has_leaf);
    assert_false(u->has_attime);
    assert_false(u->no_key);
    cwms_uri_free(u);
}

static void test_relative_path_is_kept_relative(void **state)
{
    CWMS_URI *u = parse_ok("cwms:ca-files/bundle.p7b");

    (void)state;
    assert_string_equal(u->path, "ca-files/bundle.p7b");
    cwms_uri_free(u);
}

static void test_scheme_is_case_insensitive(void **state)
{
    CWMS_URI *u = parse_ok("CWMS:/srv/x");

    (void)state;
    assert_string_equal(u->path, "/srv/x");
    cwms_uri_free(u);
}

static void test_other_schemes_are_refused(void **state)
{
    (void)state;
    assert_refused("file:/srv/x", "not a cwms: URI");
    assert_refused("/srv/x", "not a cwms: URI");
    assert_refused("cwm:/srv/x", "not a cwms: URI");
}

static void test_path_is_percent_decoded_and_plus_stays_plus(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv/my%20files/a+b%3Fc%25d%26e");

    (void)state;
    assert_string_equal(u->path, "/srv/my files/a+b?c%d&e");
    cwms_uri_free(u);
}

static void test_malformed_percent_escapes_are_refused(void **state)
{
    (void)state;
    assert_refused("cwms:/srv/%G1", "malformed percent-encoding");
    assert_refused("cwms:/srv/%4", "malformed percent-encoding");
    assert_refused("cwms:/srv/%", "malformed percent-encoding");
    assert_refused("cwms:/srv/x?key=a%zz", "parameter 'key': malformed percent-encoding");
    assert_refused("cwms:/srv/%4", "at character 6 of the path");
}

/* The place of a bad escape is named, never the value: a key= may carry a PIN. */
static void test_malformed_percent_error_shows_no_value(void **state)
{
    char *err = NULL;
    CWMS_URI *u =
        cwms_uri_parse("cwms:/srv?version=2.5&key=pkcs11:token=x%3Fpin-value=S3cretPin%zz", &err);

    (void)state;
    assert_null(u);
    assert_non_null(err);
    t_assert_contains(err, "parameter 'key': malformed percent-encoding at character 37");
    assert_null(strstr(err, "S3cret"));
    OPENSSL_free(err);
}

static void test_encoded_nul_is_refused(void **state)
{
    (void)state;
    assert_refused("cwms:/srv/a%00b", "malformed percent-encoding");
    assert_refused("cwms:/srv?in=a%00", "malformed percent-encoding");
}

static void test_version_2_0_means_leaf_first(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?version=2.0");

    (void)state;
    assert_true(u->has_order);
    assert_int_equal(u->order, CWMS_ORDER_LEAF_FIRST);
    assert_string_equal(u->version, "2.0");
    cwms_uri_free(u);
}

static void test_version_2_5_means_root_first(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?version=2.5");

    (void)state;
    assert_true(u->has_order);
    assert_int_equal(u->order, CWMS_ORDER_ROOT_FIRST);
    cwms_uri_free(u);
}

static void test_bad_version_is_named(void **state)
{
    (void)state;
    assert_refused("cwms:/srv?version=banana", "version='banana' is not a CWMS release");
    assert_refused("cwms:/srv?version=2", "version='2' is not one CWMS release");
    assert_refused("cwms:/srv?version=2.1", "known releases: 1.0, 1.1, 1.5, 2.0");
    assert_refused("cwms:/srv?version=20",
                   "version='20' is not a CWMS release: did you mean 2.0 "
                   "(version=2.0, leaf-first");
}

static void test_order_takes_both_orders(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?order=leaf-first");

    (void)state;
    assert_true(u->has_order);
    assert_int_equal(u->order, CWMS_ORDER_LEAF_FIRST);
    cwms_uri_free(u);
    u = parse_ok("cwms:/srv?order=root-first");
    assert_int_equal(u->order, CWMS_ORDER_ROOT_FIRST);
    cwms_uri_free(u);
    assert_refused("cwms:/srv?order=sideways", "order='sideways'");
}

static void test_version_and_order_together_are_refused(void **state)
{
    (void)state;
    assert_refused("cwms:/srv?version=2.5&order=root-first", "either version= or order=");
}

static void test_key_is_percent_decoded_pkcs11_uri(void **state)
{
    CWMS_URI *u =
        parse_ok("cwms:/srv?key=pkcs11%3Atoken%3Dwebex%3Bobject%3Dserver%3Ftype%3Dprivate");

    (void)state;
    assert_string_equal(u->key, "pkcs11:token=webex;object=server?type=private");
    cwms_uri_free(u);
}

static void test_value_keeps_equals_signs_after_the_first(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?key=pkcs11:token=webex;object=server");

    (void)state;
    assert_string_equal(u->key, "pkcs11:token=webex;object=server");
    cwms_uri_free(u);
}

static void test_in_is_repeatable_and_keeps_its_order(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?in=extra.pem&in=more%26less.p7b&in=pkcs11%3Atoken%3Dwebex");

    (void)state;
    assert_int_equal(u->n_in, 3);
    assert_string_equal(u->in[0], "extra.pem");
    assert_string_equal(u->in[1], "more&less.p7b");
    assert_string_equal(u->in[2], "pkcs11:token=webex");
    cwms_uri_free(u);
}

static void test_empty_path_with_in_is_accepted(void **state)
{
    CWMS_URI *u = parse_ok("cwms:?in=/srv/a.pem&in=/srv/b.pem");

    (void)state;
    assert_string_equal(u->path, "");
    assert_int_equal(u->n_in, 2);
    cwms_uri_free(u);
}

static void test_empty_path_without_in_is_refused(void **state)
{
    (void)state;
    assert_refused("cwms:", "no inputs");
    assert_refused("cwms:?version=2.5", "no inputs");
    assert_refused("cwms:?key=server.key", "no inputs");
}

static void test_path_choice_takes_complete_and_shortest(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?path=shortest");

    (void)state;
    assert_true(u->has_path_choice);
    assert_int_equal(u->path_choice, CWMS_PATH_SHORTEST);
    cwms_uri_free(u);
    u = parse_ok("cwms:/srv?path=complete");
    assert_int_equal(u->path_choice, CWMS_PATH_COMPLETE);
    cwms_uri_free(u);
    assert_refused("cwms:/srv?path=longest", "path='longest'");
}

static void test_trust_is_percent_decoded(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?trust=/etc/ssl/my%20roots.pem");

    (void)state;
    assert_string_equal(u->trust, "/etc/ssl/my roots.pem");
    cwms_uri_free(u);
}

static void test_root_include_is_the_only_root_setting(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?root=include");

    (void)state;
    assert_true(u->include_root);
    cwms_uri_free(u);
    assert_refused("cwms:/srv?root=exclude", "root='exclude'");
}

static void test_leaf_fingerprint_with_or_without_colons(void **state)
{
    static const char hex[] = "0123456789abcdef0123456789ABCDEF00112233445566778899aabbccddeeff";
    static const char colons[] = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
                                 "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
    char uri[256];
    CWMS_URI *a, *b;

    (void)state;
    snprintf(uri, sizeof(uri), "cwms:/srv?leaf=%s", hex);
    a = parse_ok(uri);
    snprintf(uri, sizeof(uri), "cwms:/srv?leaf=%s", colons);
    b = parse_ok(uri);
    assert_true(a->has_leaf);
    assert_int_equal(a->leaf_sha256[0], 0x01);
    assert_int_equal(a->leaf_sha256[31], 0xff);
    assert_memory_equal(a->leaf_sha256, b->leaf_sha256, 32);
    cwms_uri_free(a);
    cwms_uri_free(b);
}

static void test_bad_leaf_fingerprints_are_refused(void **state)
{
    (void)state;
    assert_refused("cwms:/srv?leaf=abc", "leaf='abc' is not a SHA-256 fingerprint");
    /* 63 hex digits, then 65 */
    assert_refused("cwms:/srv?leaf=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
                   "not a SHA-256 fingerprint");
    assert_refused("cwms:/srv?leaf=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
                   "not a SHA-256 fingerprint");
    assert_refused("cwms:/srv?leaf=zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                   "not a SHA-256 fingerprint");
}

static void test_attime_takes_epoch_seconds_and_dates(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?attime=1700000000");

    (void)state;
    assert_true(u->has_attime);
    assert_int_equal(u->attime, 1700000000);
    cwms_uri_free(u);
    u = parse_ok("cwms:/srv?attime=2024-02-29");
    assert_int_equal(u->attime, 1709164800);
    cwms_uri_free(u);
    u = parse_ok("cwms:/srv?attime=2024-02-29T12:30:15Z");
    assert_int_equal(u->attime, 1709164800 + 12 * 3600 + 30 * 60 + 15);
    cwms_uri_free(u);
}

static void test_bad_attimes_are_refused(void **state)
{
    (void)state;
    assert_refused("cwms:/srv?attime=yesterday", "attime='yesterday' is not a time");
    assert_refused("cwms:/srv?attime=2023-02-29", "is not a time");
    assert_refused("cwms:/srv?attime=2024-01-31T25:00:00Z", "is not a time");
    assert_refused("cwms:/srv?attime=2024-01-31T10:00:00", "is not a time");
    assert_refused("cwms:/srv?attime=2024-01-31T10:00:00%2B01:00", "is not a time");
    assert_refused("cwms:/srv?attime=99999999999999999999", "is not a time");
}

static void test_verify_depth_is_unset_unless_given(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?verify-depth=1");

    (void)state;
    assert_true(u->has_verify_depth);
    assert_int_equal(u->verify_depth, 1);
    cwms_uri_free(u);
    u = parse_ok("cwms:/srv");
    assert_false(u->has_verify_depth);
    cwms_uri_free(u);
    assert_refused("cwms:/srv?verify-depth=-1", "verify-depth='-1' is not a chain depth");
    assert_refused("cwms:/srv?verify-depth", "parameter 'verify-depth' needs a value");
    assert_refused("cwms:/srv?verify-depth=1&verify-depth=2",
                   "parameter 'verify-depth' given twice");
}

static void test_fetch_is_off_unless_given_and_takes_no_value(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?fetch");

    (void)state;
    assert_int_equal(u->fetch, 1);
    cwms_uri_free(u);
    u = parse_ok("cwms:/srv?nokey");
    assert_int_equal(u->fetch, 0);
    cwms_uri_free(u);
    assert_refused("cwms:/srv?fetch=yes", "'fetch' takes no value");
    assert_refused("cwms:/srv?fetch&fetch", "parameter 'fetch' given twice");
}

static void test_nokey_takes_no_value(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?nokey");

    (void)state;
    assert_true(u->no_key);
    cwms_uri_free(u);
    assert_refused("cwms:/srv?nokey=1", "'nokey' takes no value");
}

static void test_every_parameter_together(void **state)
{
    CWMS_URI *u =
        parse_ok("cwms:/srv/ca?version=2.0&key=k.pem&in=a.pem&in=b.pem&path=shortest"
                 "&trust=t.pem&root=include&attime=0&nokey"
                 "&leaf=0000000000000000000000000000000000000000000000000000000000000000");

    (void)state;
    assert_string_equal(u->path, "/srv/ca");
    assert_int_equal(u->order, CWMS_ORDER_LEAF_FIRST);
    assert_string_equal(u->key, "k.pem");
    assert_int_equal(u->n_in, 2);
    assert_int_equal(u->path_choice, CWMS_PATH_SHORTEST);
    assert_string_equal(u->trust, "t.pem");
    assert_true(u->include_root);
    assert_true(u->has_attime);
    assert_int_equal(u->attime, 0);
    assert_true(u->no_key);
    assert_true(u->has_leaf);
    cwms_uri_free(u);
}

static void test_unknown_parameter_is_named(void **state)
{
    (void)state;
    assert_refused("cwms:/srv?version=2.5&colour=blue", "unknown parameter 'colour'");
    assert_refused("cwms:/srv?Version=2.5", "unknown parameter 'Version'");
    assert_refused("cwms:/srv?include-root", "unknown parameter 'include-root'");
    /* A pkcs11: URI's '&' not written %26: its attributes land here, never shown with a PIN. */
    assert_refused("cwms:/srv?key=pkcs11:token=x?module-name=a&pin-value%3DS3cret",
                   "an unknown parameter (its name is not shown");
    assert_refused("cwms:/srv?key=pkcs11:token=x?module-name=a&pin-value%3DS3cret",
                   "writes its '&' as %26");
    assert_refused("cwms:/srv?key=pkcs11:token=x&pin-value=S3cret",
                   "unknown parameter 'pin-value'");
}

/* The names the message lists are the names the parser takes: one list serves both. */
static void test_unknown_parameter_lists_every_parameter(void **state)
{
    static const char want[] =
        "version, order, key, in, path, trust, root, leaf, attime, nokey, fetch, verify-depth";
    char *err = NULL, *list, *name, *save = NULL;
    size_t n = 0;

    (void)state;
    assert_null(cwms_uri_parse("cwms:/srv?bogus", &err));
    assert_non_null(err);
    assert_non_null(list = strstr(err, "(known: "));
    list += strlen("(known: ");
    assert_int_equal(strncmp(list, want, strlen(want)), 0);
    assert_string_equal(list + strlen(want), ")");
    list[strlen(want)] = '\0';
    for (name = strtok_r(list, ", ", &save); name != NULL; name = strtok_r(NULL, ", ", &save)) {
        char uri[64], *e = NULL;
        CWMS_URI *u;

        /* Known: refused for its value at most, never as unknown. */
        snprintf(uri, sizeof(uri), "cwms:/srv?%s", name);
        u = cwms_uri_parse(uri, &e);
        if (e != NULL && strstr(e, "unknown parameter") != NULL)
            fail_msg("'%s' is listed but refused as unknown: %s", name, e);
        cwms_uri_free(u);
        OPENSSL_free(e);
        n++;
    }
    assert_int_equal(n, 12);
    OPENSSL_free(err);
}

static void test_repeated_parameters_other_than_in_are_refused(void **state)
{
    (void)state;
    assert_refused("cwms:/srv?key=a.pem&key=b.pem", "parameter 'key' given twice");
    assert_refused("cwms:/srv?nokey&nokey", "parameter 'nokey' given twice");
}

static void test_parameters_need_values(void **state)
{
    (void)state;
    assert_refused("cwms:/srv?key=", "parameter 'key' needs a value");
    assert_refused("cwms:/srv?in", "parameter 'in' needs a value");
    assert_refused("cwms:/srv?version", "parameter 'version' needs a value");
}

static void test_empty_segments_are_ignored(void **state)
{
    CWMS_URI *u = parse_ok("cwms:/srv?&in=a.pem&&nokey&");

    (void)state;
    assert_int_equal(u->n_in, 1);
    assert_true(u->no_key);
    cwms_uri_free(u);
}

static void assert_redacted(const char *uri, const char *want)
{
    char *r = cwms_uri_redact(uri);

    assert_non_null(r);
    assert_string_equal(r, want);
    OPENSSL_free(r);
}

static void test_redact_masks_plain_and_encoded_pin_values(void **state)
{
    (void)state;
    assert_redacted("pkcs11:token=webex?pin-value=1234&module-path=/m.so",
                    "pkcs11:token=webex?pin-value=***&module-path=/m.so");
    assert_redacted("pkcs11:token=webex?module-path=/m.so&PIN-VALUE=secret",
                    "pkcs11:token=webex?module-path=/m.so&PIN-VALUE=***");
    assert_redacted("cwms:/srv?key=pkcs11%3Atoken%3Dw%3Fpin-value%3D1234%26module-path%3D%2Fm&nokey",
                    "cwms:/srv?key=pkcs11%3Atoken%3Dw%3Fpin-value%3D***%26module-path%3D%2Fm&nokey");
    assert_redacted("cwms:/srv?key=pkcs11%3Atoken%3Dw%3Fpin-value%3D1234",
                    "cwms:/srv?key=pkcs11%3Atoken%3Dw%3Fpin-value%3D***");
    assert_redacted("cwms:/srv?in=a&in=b", "cwms:/srv?in=a&in=b");
    assert_redacted("pin-value=", "pin-value=***");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absolute_path_alone_leaves_every_setting_unset),
        cmocka_unit_test(test_relative_path_is_kept_relative),
        cmocka_unit_test(test_scheme_is_case_insensitive),
        cmocka_unit_test(test_other_schemes_are_refused),
        cmocka_unit_test(test_path_is_percent_decoded_and_plus_stays_plus),
        cmocka_unit_test(test_malformed_percent_escapes_are_refused),
        cmocka_unit_test(test_malformed_percent_error_shows_no_value),
        cmocka_unit_test(test_encoded_nul_is_refused),
        cmocka_unit_test(test_version_2_0_means_leaf_first),
        cmocka_unit_test(test_version_2_5_means_root_first),
        cmocka_unit_test(test_bad_version_is_named),
        cmocka_unit_test(test_order_takes_both_orders),
        cmocka_unit_test(test_version_and_order_together_are_refused),
        cmocka_unit_test(test_key_is_percent_decoded_pkcs11_uri),
        cmocka_unit_test(test_value_keeps_equals_signs_after_the_first),
        cmocka_unit_test(test_in_is_repeatable_and_keeps_its_order),
        cmocka_unit_test(test_empty_path_with_in_is_accepted),
        cmocka_unit_test(test_empty_path_without_in_is_refused),
        cmocka_unit_test(test_path_choice_takes_complete_and_shortest),
        cmocka_unit_test(test_trust_is_percent_decoded),
        cmocka_unit_test(test_root_include_is_the_only_root_setting),
        cmocka_unit_test(test_leaf_fingerprint_with_or_without_colons),
        cmocka_unit_test(test_bad_leaf_fingerprints_are_refused),
        cmocka_unit_test(test_attime_takes_epoch_seconds_and_dates),
        cmocka_unit_test(test_bad_attimes_are_refused),
        cmocka_unit_test(test_nokey_takes_no_value),
        cmocka_unit_test(test_verify_depth_is_unset_unless_given),
        cmocka_unit_test(test_fetch_is_off_unless_given_and_takes_no_value),
        cmocka_unit_test(test_every_parameter_together),
        cmocka_unit_test(test_unknown_parameter_is_named),
        cmocka_unit_test(test_unknown_parameter_lists_every_parameter),
        cmocka_unit_test(test_repeated_parameters_other_than_in_are_refused),
        cmocka_unit_test(test_parameters_need_values),
        cmocka_unit_test(test_empty_segments_are_ignored),
        cmocka_unit_test(test_redact_masks_plain_and_encoded_pin_values),
    };

    return t_exit(cmocka_run_group_tests_name("cwms_uri", tests, NULL, NULL));
}
