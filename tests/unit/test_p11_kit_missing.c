/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PKCS#11 helper without p11-kit: this test builds the helper with
 * CWMS_P11_KIT_SONAME naming a library that does not exist, so the real
 * dlopen fails the way it does on a machine without p11-kit. Every way
 * into the helper must then say so plainly, every time, and nothing else
 * may break.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cwms_p11.h"
#include "testlib.h"

static void assert_names_the_missing_library(const CWMS_P11_ERROR *err)
{
    assert_int_equal(err->kind, CWMS_P11_E_TOKEN);
    t_assert_contains(err->text, "cannot load p11-kit (" CWMS_P11_KIT_SONAME "): ");
    t_assert_contains(err->text,
                      CWMS_P11_KIT_SONAME ": cannot open shared object file"); /* dlerror */
    t_assert_contains(err->text, "install the p11-kit package");
}

static void test_parsing_a_uri_says_p11_kit_cannot_be_loaded(void **state)
{
    CWMS_P11_ERROR err = { 0 };

    (void)state;
    assert_null(cwms_p11_uri_parse("pkcs11:token=webex;object=server", &err));
    assert_names_the_missing_library(&err);
}

static void test_the_answer_is_the_same_on_every_call(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        CWMS_P11_ERROR err = { 0 };

        assert_null(cwms_p11_uri_parse("pkcs11:", &err));
        assert_names_the_missing_library(&err);
    }
}

static void test_loading_and_listing_say_it_too(void **state)
{
    CWMS_P11_ERROR err = { 0 };
    CWMS_P11_LOADED loaded;
    CWMS_P11_TOKENINFO *tokens = NULL;
    size_t n = 0;

    (void)state;
    memset(&loaded, 0, sizeof(loaded));
    assert_int_equal(cwms_p11_load("pkcs11:token=webex;type=private", NULL, &loaded, &err), 0);
    assert_names_the_missing_library(&err);
    assert_null(loaded.key);
    assert_int_equal(loaded.n_certs, 0);

    memset(&err, 0, sizeof(err));
    assert_int_equal(cwms_p11_list_tokens(NULL, NULL, &tokens, &n, &err), 0);
    assert_names_the_missing_library(&err);
}

/* What needs no p11-kit still works: a string that is not a pkcs11: URI is refused as such. */
static void test_a_non_pkcs11_string_is_still_refused_as_such(void **state)
{
    CWMS_P11_ERROR err = { 0 };

    (void)state;
    assert_null(cwms_p11_uri_parse("file:/tmp/key.pem", &err));
    assert_int_equal(err.kind, CWMS_P11_E_USAGE);
    t_assert_contains(err.text, "is not a pkcs11: URI");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parsing_a_uri_says_p11_kit_cannot_be_loaded),
        cmocka_unit_test(test_the_answer_is_the_same_on_every_call),
        cmocka_unit_test(test_loading_and_listing_say_it_too),
        cmocka_unit_test(test_a_non_pkcs11_string_is_still_refused_as_such),
    };

    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
