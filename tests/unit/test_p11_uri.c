/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pkcs11: URI grammar of the PKCS#11 helper (RFC 7512 through p11-kit,
 * with unknown attribute names refused by name).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cwms_p11.h"
#include "p11_internal.h" /* the padding and URI formatting the listing uses */
#include "testlib.h"

/* Parses text, failing the test with the library's own message when it does not parse. */
static CWMS_P11_URI *parse_ok(const char *text)
{
    CWMS_P11_ERROR err = { 0 };
    CWMS_P11_URI *u = cwms_p11_uri_parse(text, &err);

    if (u == NULL)
        fail_msg("'%s' did not parse: %s", text, err.text);
    return u;
}

/* Parses text, which must fail with kind; returns the message. */
static void parse_fails(const char *text, CWMS_P11_ERRKIND kind, CWMS_P11_ERROR *err)
{
    CWMS_P11_URI *u;

    memset(err, 0, sizeof(*err));
    u = cwms_p11_uri_parse(text, err);
    if (u != NULL) {
        cwms_p11_uri_free(u);
        fail_msg("'%s' parsed but should not have", text);
    }
    assert_int_equal(err->kind, kind);
}

/* A temp file holding data; returns its path (static buffer). */
static const char *temp_file(const char *data, size_t len)
{
    static char path[256];
    int fd;

    snprintf(path, sizeof(path), "%s/cwms-p11-uri.XXXXXX", t_tmp_base());
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_token_object_and_type_are_decoded(void **state)
{
    CWMS_P11_URI *u = parse_ok("pkcs11:token=web%20ex;object=server;type=private");

    (void)state;
    assert_string_equal(cwms_p11_uri_token(u), "web ex");
    assert_string_equal(cwms_p11_uri_object(u), "server");
    assert_string_equal(cwms_p11_uri_type(u), "private");
    assert_null(cwms_p11_uri_pin(u, &(size_t){ 0 }));
    cwms_p11_uri_free(u);
}

static void test_token_only_uri_names_no_object(void **state)
{
    CWMS_P11_URI *u = parse_ok("pkcs11:token=webex");

    (void)state;
    assert_string_equal(cwms_p11_uri_token(u), "webex");
    assert_null(cwms_p11_uri_object(u));
    assert_null(cwms_p11_uri_id(u, &(size_t){ 0 }));
    assert_null(cwms_p11_uri_type(u));
    cwms_p11_uri_free(u);
}

static void test_empty_uri_matches_everything(void **state)
{
    CWMS_P11_URI *u = parse_ok("pkcs11:");

    (void)state;
    assert_null(cwms_p11_uri_token(u));
    assert_null(cwms_p11_uri_object(u));
    assert_null(cwms_p11_uri_id(u, &(size_t){ 0 }));
    assert_null(cwms_p11_uri_type(u));
    cwms_p11_uri_free(u);
}

static void test_id_is_percent_decoded_to_bytes(void **state)
{
    CWMS_P11_URI *u = parse_ok("pkcs11:token=t;id=%01%AB%ff");
    const unsigned char *id;
    size_t len = 0;

    (void)state;
    id = cwms_p11_uri_id(u, &len);
    assert_non_null(id);
    assert_int_equal(len, 3);
    assert_memory_equal(id, "\x01\xab\xff", 3);
    cwms_p11_uri_free(u);
}

static void test_cert_type_is_understood(void **state)
{
    CWMS_P11_URI *u = parse_ok("pkcs11:object=ca;type=cert");

    (void)state;
    assert_string_equal(cwms_p11_uri_type(u), "cert");
    cwms_p11_uri_free(u);
}

static void test_every_rfc7512_path_attribute_is_accepted(void **state)
{
    CWMS_P11_URI *u =
        parse_ok("pkcs11:token=a;manufacturer=SoftHSM%20project;serial=0123;model=SoftHSM%20v2;"
                 "slot-id=42;slot-description=d;slot-manufacturer=m;"
                 "library-manufacturer=x;library-description=y;library-version=2.6;"
                 "object=o;id=%01;type=private");
    unsigned long slot = 0;

    (void)state;
    assert_int_equal(cwms_p11_uri_slot_id(u, &slot), 1);
    assert_int_equal(slot, 42);
    cwms_p11_uri_free(u);
}

static void test_slot_id_absent_is_reported_absent(void **state)
{
    CWMS_P11_URI *u = parse_ok("pkcs11:token=a");
    unsigned long slot = 7;

    (void)state;
    assert_int_equal(cwms_p11_uri_slot_id(u, &slot), 0);
    cwms_p11_uri_free(u);
}

static void test_unknown_path_attribute_is_an_error_naming_it(void **state)
{
    CWMS_P11_ERROR err;

    (void)state;
    parse_fails("pkcs11:token=webex;objet=server;type=private", CWMS_P11_E_USAGE, &err);
    t_assert_contains(err.text, "'objet'");
    t_assert_contains(err.text, "unknown path attribute");
}

static void test_every_unknown_attribute_is_named(void **state)
{
    CWMS_P11_ERROR err;

    (void)state;
    parse_fails("pkcs11:tokn=webex;object=a;lable=x", CWMS_P11_E_USAGE, &err);
    t_assert_contains(err.text, "'tokn'");
    t_assert_contains(err.text, "'lable'");
}

static void test_unknown_query_attribute_is_an_error_naming_it(void **state)
{
    CWMS_P11_ERROR err;

    (void)state;
    parse_fails("pkcs11:token=webex?pin-vaule=1234", CWMS_P11_E_USAGE, &err);
    t_assert_contains(err.text, "'pin-vaule'");
    t_assert_contains(err.text, "unknown query attribute");
}

static void test_query_attribute_in_the_path_is_refused(void **state)
{
    CWMS_P11_ERROR err;

    (void)state;
    parse_fails("pkcs11:token=webex;pin-value=1234", CWMS_P11_E_USAGE, &err);
    t_assert_contains(err.text, "'pin-value'");
    /* ... and the PIN is not echoed in the message. */
    assert_null(strstr(err.text, "1234"));
}

static void test_bad_type_value_is_refused(void **state)
{
    CWMS_P11_ERROR err;

    (void)state;
    parse_fails("pkcs11:token=webex;type=privat", CWMS_P11_E_USAGE, &err);
    t_assert_contains(err.text, "type");
}

static void test_attribute_without_value_is_refused(void **state)
{
    CWMS_P11_ERROR err;

    (void)state;
    parse_fails("pkcs11:token", CWMS_P11_E_USAGE, &err);
    t_assert_contains(err.text, "an attribute of its path has no '='");
    /* Text without '=' may be a PIN typed wrong: never shown. */
    parse_fails("pkcs11:token=webex?pin-value%3DS3cretPin", CWMS_P11_E_USAGE, &err);
    t_assert_contains(err.text, "an attribute of its query has no '='");
    assert_null(strstr(err.text, "S3cretPin"));
}

/* A misspelt pin-value still holds a PIN: its value is masked too, the name shown. */
static void test_unknown_attribute_value_is_masked(void **state)
{
    CWMS_P11_ERROR err;
    char *shown;

    (void)state;
    parse_fails("pkcs11:token=webex?pin-valeu=S3cretPin&module-name=softhsm2", CWMS_P11_E_USAGE,
                &err);
    t_assert_contains(err.text, "'pin-valeu'");
    t_assert_contains(err.text, "pin-valeu=***&module-name=softhsm2");
    assert_null(strstr(err.text, "S3cretPin"));
    shown = cwms_p11_uri_mask("pkcs11:token=a;objet=S3cret;S3cretToo?pin-value=1;2&pin%2Dvalue=x");
    assert_string_equal(shown, "pkcs11:token=a;objet=***;***?pin-value=***&pin%2Dvalue=***");
    OPENSSL_free(shown);
    shown = cwms_p11_uri_mask("/srv/ca-files");
    assert_string_equal(shown, "/srv/ca-files");
    OPENSSL_free(shown);
}

static void test_bad_percent_encoding_is_refused(void **state)
{
    CWMS_P11_ERROR err;

    (void)state;
    parse_fails("pkcs11:token=web%zzex", CWMS_P11_E_USAGE, &err);
}

static void test_other_schemes_are_refused(void **state)
{
    CWMS_P11_ERROR err;

    (void)state;
    parse_fails("file:/etc/passwd", CWMS_P11_E_USAGE, &err);
    t_assert_contains(err.text, "not a pkcs11: URI");
}

static void test_pin_value_is_returned_and_masked_for_display(void **state)
{
    CWMS_P11_URI *u = parse_ok("pkcs11:token=webex?module-name=softhsm2&pin-value=s3cr%65t");
    size_t len = 0;
    const char *pin = cwms_p11_uri_pin(u, &len);

    (void)state;
    assert_non_null(pin);
    assert_int_equal(len, 6);
    assert_memory_equal(pin, "s3cret", 6);
    assert_null(strstr(cwms_p11_uri_display(u), "s3cr"));
    t_assert_contains(cwms_p11_uri_display(u), "pin-value=***");
    t_assert_contains(cwms_p11_uri_display(u), "module-name=softhsm2");
    cwms_p11_uri_free(u);
}

static void test_pin_value_with_a_semicolon_is_masked_whole(void **state)
{
    /* In the query only '&' separates attributes: the ';' and what follows are part of the PIN. */
    CWMS_P11_URI *u = parse_ok("pkcs11:token=webex?pin-value=12;34x&module-name=softhsm2");
    size_t len = 0;
    const char *pin = cwms_p11_uri_pin(u, &len);

    (void)state;
    assert_int_equal(len, 6);
    assert_memory_equal(pin, "12;34x", 6);
    assert_null(strstr(cwms_p11_uri_display(u), "34x"));
    assert_string_equal(cwms_p11_uri_display(u),
                        "pkcs11:token=webex?pin-value=***&module-name=softhsm2");
    cwms_p11_uri_free(u);
}

static void test_module_path_and_name_are_returned(void **state)
{
    CWMS_P11_URI *u =
        parse_ok("pkcs11:token=t?module-path=/usr/lib/softhsm/libsofthsm2.so&module-name=softhsm2");

    (void)state;
    assert_string_equal(cwms_p11_uri_module_path(u), "/usr/lib/softhsm/libsofthsm2.so");
    assert_string_equal(cwms_p11_uri_module_name(u), "softhsm2");
    cwms_p11_uri_free(u);
}

static void check_pin_source(const char *prefix, const char *content, size_t content_len,
                             const char *want, size_t want_len)
{
    const char *path = temp_file(content, content_len);
    char uri[512];
    CWMS_P11_URI *u;
    const char *pin;
    size_t len = 0;

    snprintf(uri, sizeof(uri), "pkcs11:token=t?pin-source=%s%s", prefix, path);
    u = parse_ok(uri);
    unlink(path);
    pin = cwms_p11_uri_pin(u, &len);
    assert_non_null(pin);
    assert_int_equal(len, want_len);
    assert_memory_equal(pin, want, want_len);
    cwms_p11_uri_free(u);
}

static void test_pin_source_path_strips_one_trailing_newline(void **state)
{
    (void)state;
    check_pin_source("", "1234\n", 5, "1234", 4);
    check_pin_source("", "1234", 4, "1234", 4);
    check_pin_source("", "12 34\n\n", 7, "12 34\n", 6);
    check_pin_source("", "1234\r\n", 6, "1234", 4);
}

static void test_pin_source_accepts_file_uris(void **state)
{
    (void)state;
    check_pin_source("file:", "9876\n", 5, "9876", 4);
    check_pin_source("file://", "9876\n", 5, "9876", 4);
}

static void test_missing_pin_source_names_the_file(void **state)
{
    CWMS_P11_ERROR err;

    (void)state;
    parse_fails("pkcs11:token=t?pin-source=/nonexistent/cwms-pin", CWMS_P11_E_PIN_SOURCE, &err);
    t_assert_contains(err.text, "/nonexistent/cwms-pin");
}

static void test_syntax_parse_never_reads_the_pin_source(void **state)
{
    const char *path = temp_file("1234\n", 5);
    char uri[512];
    CWMS_P11_ERROR err;
    CWMS_P11_URI *u;
    size_t len = 0;

    (void)state;
    snprintf(uri, sizeof(uri), "pkcs11:token=t?pin-source=%s", path);
    memset(&err, 0, sizeof(err));
    u = cwms_p11_uri_parse_syntax(uri, &err);
    unlink(path);
    assert_non_null(u);
    assert_null(cwms_p11_uri_pin(u, &len));
    assert_string_equal(cwms_p11_uri_token(u), "t");
    cwms_p11_uri_free(u);

    u = cwms_p11_uri_parse_syntax("pkcs11:token=t?pin-source=/nonexistent/cwms-pin", &err);
    assert_non_null(u);
    cwms_p11_uri_free(u);
    memset(&err, 0, sizeof(err));
    assert_null(cwms_p11_uri_parse_syntax("pkcs11:token=t?pin-sauce=x", &err));
    assert_int_equal(err.kind, CWMS_P11_E_USAGE);
}

/* A token as tpm2-pkcs11 reports it: the model padded with NUL bytes, the rest with blanks. */
static void nul_padded_token(CK_TOKEN_INFO *t)
{
    memset(t, ' ', sizeof(*t));
    memset(t->model, 0, sizeof(t->model));
    memcpy(t->model, "SW   TPM", 8);
    memcpy(t->label, "tpmtok", 6);
    memcpy(t->manufacturerID, "IBM", 3);
    memset(t->serialNumber, '0', sizeof(t->serialNumber));
}

static void test_uri_printed_for_a_nul_padded_token_has_no_nul(void **state)
{
    CK_TOKEN_INFO t;
    char *uri;

    (void)state;
    nul_padded_token(&t);
    p11_blank_pad_token(&t, 0);
    uri = p11_uri_for_object(&t, NULL, CKO_CERTIFICATE, "server", NULL, 0);
    assert_non_null(uri);
    if (strstr(uri, "model=SW%20%20%20TPM;") == NULL || strstr(uri, "%00") != NULL)
        fail_msg("unexpected URI %s", uri);
    OPENSSL_free(uri);
}

/* The model asked for with or without the NUL padding, or not at all, matches the token. */
static void test_uri_matches_a_nul_padded_token_either_way(void **state)
{
    static const char *const match[] = {
        "pkcs11:model=SW%20%20%20TPM%00%00%00%00%00%00%00%00;token=tpmtok",
        "pkcs11:model=SW%20%20%20TPM;token=tpmtok",
        "pkcs11:model=SW%20%20%20TPM%00%00;token=tpmtok",
        "pkcs11:token=tpmtok",
    };
    CK_TOKEN_INFO t;

    (void)state;
    nul_padded_token(&t);
    p11_blank_pad_token(&t, 0);
    for (size_t i = 0; i < sizeof(match) / sizeof(match[0]); i++) {
        CWMS_P11_URI *u = parse_ok(match[i]);

        if (!p11_kit_api()->uri_match_token_info(p11_uri_kit(u), &t))
            fail_msg("'%s' does not match the token", match[i]);
        cwms_p11_uri_free(u);
    }
    {
        CWMS_P11_URI *u = parse_ok("pkcs11:model=SW%20TPM;token=tpmtok");

        assert_false(p11_kit_api()->uri_match_token_info(p11_uri_kit(u), &t));
        cwms_p11_uri_free(u);
    }
}

static void test_rv_names_are_the_specs(void **state)
{
    (void)state;
    assert_string_equal(p11_rv_name(CKR_BUFFER_TOO_SMALL), "CKR_BUFFER_TOO_SMALL");
    assert_string_equal(p11_rv_name(CKR_GENERAL_ERROR), "CKR_GENERAL_ERROR");
    assert_null(p11_rv_name(0x7fffffffUL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_object_and_type_are_decoded),
        cmocka_unit_test(test_token_only_uri_names_no_object),
        cmocka_unit_test(test_empty_uri_matches_everything),
        cmocka_unit_test(test_id_is_percent_decoded_to_bytes),
        cmocka_unit_test(test_cert_type_is_understood),
        cmocka_unit_test(test_every_rfc7512_path_attribute_is_accepted),
        cmocka_unit_test(test_slot_id_absent_is_reported_absent),
        cmocka_unit_test(test_unknown_path_attribute_is_an_error_naming_it),
        cmocka_unit_test(test_every_unknown_attribute_is_named),
        cmocka_unit_test(test_unknown_query_attribute_is_an_error_naming_it),
        cmocka_unit_test(test_query_attribute_in_the_path_is_refused),
        cmocka_unit_test(test_bad_type_value_is_refused),
        cmocka_unit_test(test_attribute_without_value_is_refused),
        cmocka_unit_test(test_unknown_attribute_value_is_masked),
        cmocka_unit_test(test_bad_percent_encoding_is_refused),
        cmocka_unit_test(test_other_schemes_are_refused),
        cmocka_unit_test(test_pin_value_is_returned_and_masked_for_display),
        cmocka_unit_test(test_pin_value_with_a_semicolon_is_masked_whole),
        cmocka_unit_test(test_module_path_and_name_are_returned),
        cmocka_unit_test(test_pin_source_path_strips_one_trailing_newline),
        cmocka_unit_test(test_pin_source_accepts_file_uris),
        cmocka_unit_test(test_missing_pin_source_names_the_file),
        cmocka_unit_test(test_syntax_parse_never_reads_the_pin_source),
        cmocka_unit_test(test_uri_printed_for_a_nul_padded_token_has_no_nul),
        cmocka_unit_test(test_uri_matches_a_nul_padded_token_either_way),
        cmocka_unit_test(test_rv_names_are_the_specs),
    };

    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
