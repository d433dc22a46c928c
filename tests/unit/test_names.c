/*
 * The shared name table (provider/core/names.c): one decoded name per
 * distinct encoding, counted references, names freed with their last
 * reference (ASan would see a leak or a use after free), safe across
 * threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include <openssl/x509.h>

#include "names.h"

static X509_NAME *make_name(int type, const char *cn)
{
    X509_NAME *name = X509_NAME_new();

    assert_non_null(name);
    assert_true(X509_NAME_add_entry_by_txt(name, "O", type, (const unsigned char *)"cwms-bundle tests",
                                           -1, -1, 0));
    assert_true(X509_NAME_add_entry_by_txt(name, "CN", type, (const unsigned char *)cn, -1, -1, 0));
    return name;
}

static void der_of(X509_NAME *name, const unsigned char **der, size_t *len)
{
    assert_true(X509_NAME_get0_der(name, der, len));
}

static void test_same_encoding_is_decoded_once_and_shared(void **state)
{
    X509_NAME *src = make_name(MBSTRING_ASC, "Shared CA");
    const unsigned char *der;
    size_t len, before = cwms_name_count();
    unsigned long h1 = 0, h2 = 0;
    X509_NAME *a, *b;
    int ok = 0;

    (void)state;
    der_of(src, &der, &len);
    a = cwms_name_intern_der(der, len, &h1);
    b = cwms_name_intern(src, &h2);
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, src);
    assert_int_equal(cwms_name_count(), before + 1);
    assert_int_equal(h1, X509_NAME_hash_ex(src, NULL, NULL, &ok));
    assert_true(ok);
    assert_int_equal(h2, h1);
    assert_int_equal(X509_NAME_cmp(a, src), 0);
    cwms_name_release(a);
    /* Still held by b. */
    assert_int_equal(cwms_name_count(), before + 1);
    assert_int_equal(X509_NAME_cmp(b, src), 0);
    cwms_name_release(b);
    assert_int_equal(cwms_name_count(), before);
    X509_NAME_free(src);
}

static void test_other_encoding_of_an_equal_name_is_another_entry(void **state)
{
    X509_NAME *printable = make_name(V_ASN1_PRINTABLESTRING, "Example CA");
    X509_NAME *utf8 = make_name(V_ASN1_UTF8STRING, "EXAMPLE ca");
    unsigned long hp, hu;
    X509_NAME *a = cwms_name_intern(printable, &hp), *b = cwms_name_intern(utf8, &hu);

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    /* Shared by bytes, yet canonically equal with the same hash. */
    assert_ptr_not_equal(a, b);
    assert_int_equal(X509_NAME_cmp(a, b), 0);
    assert_int_equal(hp, hu);
    cwms_name_release(a);
    cwms_name_release(b);
    X509_NAME_free(printable);
    X509_NAME_free(utf8);
}

static void test_what_is_not_a_name_is_refused(void **state)
{
    static const unsigned char not_a_name[] = { 0x04, 0x02, 0x41, 0x42 };
    static const unsigned char truncated[] = { 0x30, 0x10, 0x31, 0x0e };
    X509_NAME *src = make_name(MBSTRING_ASC, "Trailing");
    const unsigned char *der;
    size_t len, before = cwms_name_count();
    unsigned char longer[512];
    unsigned long h;

    (void)state;
    assert_null(cwms_name_intern_der(not_a_name, sizeof(not_a_name), &h));
    assert_null(cwms_name_intern_der(truncated, sizeof(truncated), &h));
    der_of(src, &der, &len);
    assert_true(len < sizeof(longer));
    memcpy(longer, der, len);
    longer[len] = 0;
    assert_null(cwms_name_intern_der(longer, len + 1, &h));
    assert_int_equal(cwms_name_count(), before);
    cwms_name_release(NULL);
    X509_NAME_free(src);
}

static void test_table_grows_and_empties(void **state)
{
    enum { N = 2000 };
    static X509_NAME *held[N];
    size_t before = cwms_name_count();

    (void)state;
    for (int i = 0; i < N; i++) {
        char cn[32];
        X509_NAME *src;
        unsigned long h;

        snprintf(cn, sizeof(cn), "Name %d", i);
        src = make_name(MBSTRING_ASC, cn);
        held[i] = cwms_name_intern(src, &h);
        assert_non_null(held[i]);
        X509_NAME_free(src);
    }
    assert_int_equal(cwms_name_count(), before + N);
    for (int i = 0; i < N; i++) {
        char cn[32];
        X509_NAME *src;
        unsigned long h;

        snprintf(cn, sizeof(cn), "Name %d", i);
        src = make_name(MBSTRING_ASC, cn);
        assert_ptr_equal(cwms_name_intern(src, &h), held[i]);
        cwms_name_release(held[i]);
        X509_NAME_free(src);
    }
    for (int i = 0; i < N; i++)
        cwms_name_release(held[i]);
    assert_int_equal(cwms_name_count(), before);
}

static X509_NAME *thread_names[8];

static void *intern_and_release(void *arg)
{
    (void)arg;
    for (int round = 0; round < 500; round++) {
        X509_NAME *got[8];
        unsigned long h;

        for (int i = 0; i < 8; i++)
            if ((got[i] = cwms_name_intern(thread_names[i], &h)) == NULL)
                return "intern failed";
        for (int i = 0; i < 8; i++)
            cwms_name_release(got[i]);
    }
    return NULL;
}

static void test_threads_share_the_table(void **state)
{
    pthread_t t[4];
    size_t before = cwms_name_count();

    (void)state;
    for (int i = 0; i < 8; i++) {
        char cn[32];

        snprintf(cn, sizeof(cn), "Thread Name %d", i);
        thread_names[i] = make_name(MBSTRING_ASC, cn);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, intern_and_release, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *res;

        assert_int_equal(pthread_join(t[i], &res), 0);
        assert_null(res);
    }
    assert_int_equal(cwms_name_count(), before);
    for (int i = 0; i < 8; i++)
        X509_NAME_free(thread_names[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_encoding_is_decoded_once_and_shared),
        cmocka_unit_test(test_other_encoding_of_an_equal_name_is_another_entry),
        cmocka_unit_test(test_what_is_not_a_name_is_refused),
        cmocka_unit_test(test_table_grows_and_empties),
        cmocka_unit_test(test_threads_share_the_table),
    };

    return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
