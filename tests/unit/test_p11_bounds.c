/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a PKCS#11 module says, bounded: lists read by the length
 * convention (a list that grows is asked again, one that never settles or
 * counts past the limit is refused before anything is allocated), lengths
 * checked against the room given, and calls that may block waited for a
 * bounded time (pkcs11/p11_bounds.c, pkcs11/p11_bounded.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cwms_limits.h"
#include "p11_internal.h"
#include "testlib.h"

/*-
 * A module's list, as the tests want it to answer
 */

typedef struct fake_list_st {
    CK_ULONG have;    /* entries the list has at the first call */
    CK_ULONG grow_at; /* the call after which it has one more (0: never) */
    int every_call;   /* it has one more at every call: it never settles */
    int spec;         /* a list longer than the room: CKR_BUFFER_TOO_SMALL (else CKR_OK) */
    unsigned calls;   /* calls made */
    unsigned filled;  /* calls with a list */
} FAKE_LIST;

static CK_RV fake_get(void *ctx, CK_ULONG *list, CK_ULONG *n)
{
    FAKE_LIST *f = ctx;
    CK_ULONG room = *n, i;

    f->calls++;
    if (f->every_call || (f->grow_at != 0 && f->calls == f->grow_at + 1))
        f->have++;
    *n = f->have;
    if (list == NULL)
        return CKR_OK;
    f->filled++;
    for (i = 0; i < room && i < f->have; i++)
        list[i] = 100 + i;
    return f->have > room && f->spec ? CKR_BUFFER_TOO_SMALL : CKR_OK;
}

static CK_RV read_fake(FAKE_LIST *f, size_t max, CK_ULONG **list, CK_ULONG *n, CWMS_P11_ERROR *err)
{
    P11_LIST_READ r = { fake_get, f, "fake.so", "C_GetSlotList", max, "" };

    memset(err, 0, sizeof(*err));
    return p11_read_list(&r, list, n, err);
}

static void test_a_list_that_stays_is_read_in_two_calls(void **state)
{
    FAKE_LIST f = { .have = 3 };
    CWMS_P11_ERROR err;
    CK_ULONG *list, n;

    (void)state;
    assert_int_equal(read_fake(&f, 10, &list, &n, &err), CKR_OK);
    assert_int_equal(n, 3);
    assert_int_equal(list[2], 102);
    assert_int_equal(f.calls, 2);
    OPENSSL_free(list);
}

/* A token plugged in between the count and the list: asked again, never read past the room. */
static void grown_list_is_asked_again(int spec)
{
    FAKE_LIST f = { .have = 2, .grow_at = 1, .spec = spec };
    CWMS_P11_ERROR err;
    CK_ULONG *list, n;

    assert_int_equal(read_fake(&f, 10, &list, &n, &err), CKR_OK);
    assert_int_equal(err.kind, CWMS_P11_OK);
    assert_int_equal(n, 3);
    assert_int_equal(list[2], 102);
    assert_int_equal(f.calls, 4);
    OPENSSL_free(list);
}

static void test_grown_list_said_ok_is_asked_again(void **state)
{
    (void)state;
    grown_list_is_asked_again(0);
}

static void test_grown_list_said_too_small_is_asked_again(void **state)
{
    (void)state;
    grown_list_is_asked_again(1);
}

static void test_a_list_that_never_settles_is_refused(void **state)
{
    FAKE_LIST f = { .have = 1, .every_call = 1 };
    CWMS_P11_ERROR err;
    CK_ULONG *list, n;

    (void)state;
    assert_int_not_equal(read_fake(&f, 1000, &list, &n, &err), CKR_OK);
    assert_null(list);
    assert_int_equal(err.kind, CWMS_P11_E_MODULE);
    assert_non_null(strstr(err.text, "'fake.so' breaks PKCS#11: C_GetSlotList changed length"));
    assert_int_equal(f.calls, 2 * CWMS_P11_LIST_ROUNDS);
}

static void test_a_count_past_the_limit_is_refused_before_the_list(void **state)
{
    FAKE_LIST f = { .have = CWMS_P11_SLOTS_MAX + 1 };
    CWMS_P11_ERROR err;
    CK_ULONG *list, n;

    (void)state;
    assert_int_not_equal(read_fake(&f, CWMS_P11_SLOTS_MAX, &list, &n, &err), CKR_OK);
    assert_int_equal(err.kind, CWMS_P11_E_LIMIT);
    assert_non_null(strstr(err.text, "C_GetSlotList counts 1025 entries (at most 1024 are read)"));
    assert_int_equal(f.filled, 0);
}

static void test_an_empty_list_is_no_list(void **state)
{
    FAKE_LIST f = { .have = 0 };
    CWMS_P11_ERROR err;
    CK_ULONG *list, n;

    (void)state;
    assert_int_equal(read_fake(&f, 10, &list, &n, &err), CKR_OK);
    assert_null(list);
    assert_int_equal(n, 0);
}

static void test_lengths_past_the_room_or_the_limit_are_errors(void **state)
{
    CWMS_P11_ERROR err = { 0 };

    (void)state;
    assert_true(p11_len_fits("m.so", "C_Sign", "a signature", 256, 256, &err));
    assert_false(p11_len_fits("m.so", "C_Sign", "a signature", 256, 257, &err));
    assert_int_equal(err.kind, CWMS_P11_E_MODULE);
    assert_non_null(
        strstr(err.text, "C_Sign said CKR_OK with a signature of 257 bytes into a buffer of 256"));
    memset(&err, 0, sizeof(err));
    assert_true(p11_len_within("m.so", "a label", CWMS_P11_NAME_MAX, CWMS_P11_NAME_MAX, &err));
    assert_false(p11_len_within("m.so", "a label", (CK_ULONG)1 << 30, CWMS_P11_NAME_MAX, &err));
    assert_int_equal(err.kind, CWMS_P11_E_LIMIT);
    assert_non_null(strstr(err.text, "a label is 1073741824 bytes long (at most 4096 are read)"));
}

/*-
 * Calls that may block
 */

typedef struct call_st {
    unsigned sleep_ms;
    int done; /* set by done_call: exactly once */
} CALL;

static CK_RV sleepy(void *arg)
{
    CALL *c = arg;
    struct timespec ts = { c->sleep_ms / 1000, (long)(c->sleep_ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
    return CKR_PIN_INCORRECT;
}

static void done_call(void *arg)
{
    __atomic_add_fetch(&((CALL *)arg)->done, 1, __ATOMIC_SEQ_CST);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_a_call_that_returns_in_time_gives_its_answer(void **state)
{
    static CALL c = { 10, 0 };
    CK_RV rv = CKR_OK;

    (void)state;
    assert_int_equal(p11_run_bounded(sleepy, &c, done_call, 5, &rv), 1);
    assert_int_equal(rv, CKR_PIN_INCORRECT);
    assert_int_equal(__atomic_load_n(&c.done, __ATOMIC_SEQ_CST), 1);
}

/* Past the time-out the caller goes on; the call cleans up after itself when it returns. */
static void test_a_call_that_blocks_is_left_behind(void **state)
{
    static CALL c = { 1500, 0 };
    CK_RV rv = CKR_OK;
    double start = now();

    (void)state;
    assert_int_equal(p11_run_bounded(sleepy, &c, done_call, 1, &rv), 0);
    assert_true(now() - start < 1.4);
    assert_int_equal(__atomic_load_n(&c.done, __ATOMIC_SEQ_CST), 0);
    for (int i = 0; i < 100 && __atomic_load_n(&c.done, __ATOMIC_SEQ_CST) == 0; i++)
        nanosleep(&(struct timespec){ 0, 20000000L }, NULL);
    assert_int_equal(__atomic_load_n(&c.done, __ATOMIC_SEQ_CST), 1);
}

static void test_the_time_out_comes_from_the_environment(void **state)
{
    (void)state;
    unsetenv("CWMS_PKCS11_TIMEOUT");
    assert_int_equal(p11_timeout(0), CWMS_P11_TIMEOUT_DEFAULT);
    assert_int_equal(p11_timeout(1), CWMS_P11_TIMEOUT_PINPAD);
    setenv("CWMS_PKCS11_TIMEOUT", "3", 1);
    assert_int_equal(p11_timeout(0), 3);
    assert_int_equal(p11_timeout(1), 3);
    setenv("CWMS_PKCS11_TIMEOUT", "301", 1); /* past the maximum: the default */
    assert_int_equal(p11_timeout(0), CWMS_P11_TIMEOUT_DEFAULT);
    setenv("CWMS_PKCS11_TIMEOUT", "soon", 1);
    assert_int_equal(p11_timeout(0), CWMS_P11_TIMEOUT_DEFAULT);
    unsetenv("CWMS_PKCS11_TIMEOUT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_list_that_stays_is_read_in_two_calls),
        cmocka_unit_test(test_grown_list_said_ok_is_asked_again),
        cmocka_unit_test(test_grown_list_said_too_small_is_asked_again),
        cmocka_unit_test(test_a_list_that_never_settles_is_refused),
        cmocka_unit_test(test_a_count_past_the_limit_is_refused_before_the_list),
        cmocka_unit_test(test_an_empty_list_is_no_list),
        cmocka_unit_test(test_lengths_past_the_room_or_the_limit_are_errors),
        cmocka_unit_test(test_a_call_that_returns_in_time_gives_its_answer),
        cmocka_unit_test(test_a_call_that_blocks_is_left_behind),
        cmocka_unit_test(test_the_time_out_comes_from_the_environment),
    };

    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
