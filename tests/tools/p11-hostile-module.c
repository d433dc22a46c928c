/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test PKCS#11 module that misbehaves on purpose: it forwards every call to
 * the real module named by CWMS_HOSTILE_REAL (SoftHSM in the tests), and
 * CWMS_HOSTILE_MODE says what it does wrong, the way HSM vendors' modules
 * and hot-plugged tokens have been seen to:
 *
 *   none               nothing: a faithful forwarder (the baseline)
 *   list_fails         C_GetFunctionList fails (CKR_GENERAL_ERROR)
 *   list_null          C_GetFunctionList says CKR_OK and gives no list
 *   list_version       the list says it is Cryptoki 1.0
 *   list_holes         C_Login and C_FindObjects are NULL in the list
 *   init_fails         C_Initialize fails (CKR_DEVICE_ERROR)
 *   init_blocks        C_Initialize never returns
 *   login_blocks       C_Login never returns
 *   slow               every call takes CWMS_HOSTILE_DELAY_MS (default 100) ms longer
 *   slots_grow         a token is plugged in between the count and the list: the
 *                      second C_GetSlotList says CKR_OK with more slots than it had room for
 *                      (the new one, the real module's second slot, not among those written)
 *   slots_plugged      the same, answered as PKCS#11 says (CKR_BUFFER_TOO_SMALL)
 *   slots_endless      every C_GetSlotList has one slot more than the one before
 *   slots_huge         C_GetSlotList counts 2^31 slots
 *   slots_inconsistent the slot list holds a slot twice and one that does not exist;
 *                      C_GetTokenInfo's counts contradict each other
 *   find_overflow      C_FindObjects reports one handle more than it was asked for
 *   find_endless       C_FindObjects never reports the end of a search
 *   label_huge         every CKA_LABEL is said to be 1 GiB long (and never fits)
 *   value_overlong     C_GetAttributeValue, C_Sign and C_WrapKey say CKR_OK with a length
 *                      1000 bytes longer than the buffer they were given
 *
 * Only the room it was given is ever written: what is tested is how the
 * caller treats the counts and lengths it is told, not memory corruption.
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#define PHANTOM_SLOT ((CK_SLOT_ID)0x7f000001)
#define HUGE_LABEL ((CK_ULONG)1 << 30)
#define OVERLONG 1000
#define FAKE_HANDLE_BASE ((CK_OBJECT_HANDLE)0x7e000000)

static CK_FUNCTION_LIST hostile;
static CK_FUNCTION_LIST_PTR real;
static const char *mode = "none";

static int is(const char *m)
{
    return strcmp(mode, m) == 0;
}

static void delay(void)
{
    const char *env = getenv("CWMS_HOSTILE_DELAY_MS");
    long ms = env != NULL ? atol(env) : 100;
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    if (is("slow"))
        nanosleep(&ts, NULL);
}

static void block_forever(void)
{
    for (;;)
        sleep(60);
}

static CK_RV h_initialize(CK_VOID_PTR args)
{
    delay();
    if (is("init_fails"))
        return CKR_DEVICE_ERROR;
    if (is("init_blocks"))
        block_forever();
    return real->C_Initialize(args);
}

static CK_RV h_finalize(CK_VOID_PTR reserved)
{
    delay();
    return real->C_Finalize(reserved);
}

static CK_RV h_get_info(CK_INFO_PTR info)
{
    delay();
    return real->C_GetInfo(info);
}

/*-
 * Slots
 */

/* The real module's slot list, in a buffer of its own: 0 when it cannot be had. */
static CK_RV real_slots(CK_BBOOL present, CK_SLOT_ID **slots, CK_ULONG *n)
{
    CK_RV rv = real->C_GetSlotList(present, NULL, n);

    *slots = NULL;
    if (rv != CKR_OK)
        return rv;
    if ((*slots = calloc(*n + 1, sizeof(**slots))) == NULL)
        return CKR_HOST_MEMORY;
    rv = real->C_GetSlotList(present, *slots, n);
    if (rv != CKR_OK) {
        free(*slots);
        *slots = NULL;
    }
    return rv;
}

/* Copies what fits of have[0..n) into the caller's room and says n, as the modes want. */
static CK_RV give_slots(const CK_SLOT_ID *have, CK_ULONG n, CK_SLOT_ID_PTR list, CK_ULONG_PTR count,
                        int spec_answer)
{
    CK_ULONG room = *count;

    *count = n;
    if (list == NULL)
        return CKR_OK;
    memcpy(list, have, (n < room ? n : room) * sizeof(*list));
    return n > room && spec_answer ? CKR_BUFFER_TOO_SMALL : CKR_OK;
}

static CK_RV h_get_slot_list(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
    static CK_ULONG calls;
    CK_SLOT_ID *have, with_more[64];
    CK_ULONG n, i;
    CK_RV rv;

    delay();
    calls++;
    if (is("slots_huge")) {
        *count = (CK_ULONG)1 << 31;
        return list == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
    }
    if (is("slots_endless")) {
        CK_ULONG room = *count;

        *count = 100 + calls; /* one more every time: the list never settles */
        if (list == NULL)
            return CKR_OK;
        if (room < *count)
            return CKR_BUFFER_TOO_SMALL;
        for (i = 0; i < *count; i++)
            list[i] = PHANTOM_SLOT + 1 + i;
        return CKR_OK;
    }
    if ((rv = real_slots(present, &have, &n)) != CKR_OK)
        return rv;
    if ((is("slots_grow") || is("slots_plugged")) && n > 2) {
        if (calls == 1 && list == NULL) {
            *count = n - 1; /* the second token is plugged in right after this answer */
            free(have);
            return CKR_OK;
        }
        if (list != NULL && *count < n) {
            /* The room is for the slots there were: the new one is not in what fits. */
            memmove(&have[1], &have[2], (n - 2) * sizeof(*have));
            rv = give_slots(have, n - 1, list, count, is("slots_plugged"));
            *count = n;
            free(have);
            return rv == CKR_OK && is("slots_plugged") ? CKR_BUFFER_TOO_SMALL : rv;
        }
    }
    if (is("slots_inconsistent") && n + 2 <= sizeof(with_more) / sizeof(with_more[0])) {
        for (i = 0; i < n; i++)
            with_more[i] = have[i];
        with_more[n] = have[0]; /* the first slot again */
        with_more[n + 1] = PHANTOM_SLOT;
        rv = give_slots(with_more, n + 2, list, count, 1);
    } else {
        rv = give_slots(have, n, list, count, !is("slots_grow"));
    }
    free(have);
    return rv;
}

static CK_RV h_get_slot_info(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
    delay();
    if (slot == PHANTOM_SLOT)
        return CKR_SLOT_ID_INVALID;
    return real->C_GetSlotInfo(slot, info);
}

static CK_RV h_get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
    CK_RV rv;

    delay();
    if (slot == PHANTOM_SLOT)
        return CKR_SLOT_ID_INVALID;
    rv = real->C_GetTokenInfo(slot, info);
    if (rv == CKR_OK && is("slots_inconsistent")) {
        info->ulMinPinLen = 64;
        info->ulMaxPinLen = 4;
        info->ulSessionCount = ULONG_MAX - 1;
        info->ulMaxSessionCount = 1;
    }
    return rv;
}

static CK_RV h_get_mechanism_list(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
    delay();
    return real->C_GetMechanismList(slot, list, count);
}

static CK_RV h_get_mechanism_info(CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
                                  CK_MECHANISM_INFO_PTR info)
{
    delay();
    return real->C_GetMechanismInfo(slot, type, info);
}

/*-
 * Sessions and login
 */

static CK_RV h_open_session(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
                            CK_SESSION_HANDLE_PTR session)
{
    delay();
    return real->C_OpenSession(slot, flags, app, notify, session);
}

static CK_RV h_close_session(CK_SESSION_HANDLE session)
{
    delay();
    return real->C_CloseSession(session);
}

static CK_RV h_login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
                     CK_ULONG pin_len)
{
    delay();
    if (is("login_blocks"))
        block_forever();
    return real->C_Login(session, user, pin, pin_len);
}

/*-
 * Objects
 */

static CK_RV h_find_objects_init(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR tmpl, CK_ULONG n)
{
    delay();
    return real->C_FindObjectsInit(session, tmpl, n);
}

static CK_RV h_find_objects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE_PTR found, CK_ULONG max,
                            CK_ULONG_PTR count)
{
    static CK_OBJECT_HANDLE next_fake = FAKE_HANDLE_BASE;
    CK_RV rv;

    delay();
    if (is("find_endless")) {
        for (CK_ULONG i = 0; i < max; i++)
            found[i] = next_fake++;
        *count = max;
        return CKR_OK;
    }
    rv = real->C_FindObjects(session, found, max, count);
    if (rv == CKR_OK && is("find_overflow"))
        *count = max + 1;
    return rv;
}

static CK_RV h_find_objects_final(CK_SESSION_HANDLE session)
{
    delay();
    return real->C_FindObjectsFinal(session);
}

/* Attributes whose length is the value's own (not a CK_ULONG or a CK_BBOOL). */
static int variable_length(CK_ATTRIBUTE_TYPE type)
{
    switch (type) {
    case CKA_LABEL:
    case CKA_ID:
    case CKA_VALUE:
    case CKA_SUBJECT:
    case CKA_ISSUER:
    case CKA_SERIAL_NUMBER:
    case CKA_MODULUS:
    case CKA_PUBLIC_EXPONENT:
    case CKA_PRIVATE_EXPONENT:
    case CKA_PRIME_1:
    case CKA_PRIME_2:
    case CKA_EXPONENT_1:
    case CKA_EXPONENT_2:
    case CKA_COEFFICIENT:
    case CKA_EC_PARAMS:
    case CKA_EC_POINT:
        return 1;
    default:
        return 0;
    }
}

static CK_RV h_get_attribute_value(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                                   CK_ATTRIBUTE_PTR tmpl, CK_ULONG n)
{
    CK_RV rv;
    CK_ULONG i;

    delay();
    rv = real->C_GetAttributeValue(session, object, tmpl, n);
    for (i = 0; i < n; i++) {
        if (is("label_huge") && tmpl[i].type == CKA_LABEL) {
            if (tmpl[i].pValue != NULL)
                rv = CKR_BUFFER_TOO_SMALL;
            tmpl[i].ulValueLen = HUGE_LABEL;
        } else if (is("value_overlong") && rv == CKR_OK && tmpl[i].pValue != NULL
                   && tmpl[i].ulValueLen != CK_UNAVAILABLE_INFORMATION
                   && variable_length(tmpl[i].type)) {
            tmpl[i].ulValueLen += OVERLONG;
        }
    }
    return rv;
}

/*-
 * Keys
 */

static CK_RV h_sign_init(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key)
{
    delay();
    return real->C_SignInit(session, mech, key);
}

static CK_RV h_sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
                    CK_ULONG_PTR sig_len)
{
    CK_RV rv;

    delay();
    rv = real->C_Sign(session, data, len, sig, sig_len);
    if (rv == CKR_OK && sig != NULL && is("value_overlong"))
        *sig_len += OVERLONG;
    return rv;
}

static CK_RV h_wrap_key(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE wrapping,
                        CK_OBJECT_HANDLE key, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
    CK_RV rv;

    delay();
    rv = real->C_WrapKey(session, mech, wrapping, key, out, out_len);
    if (rv == CKR_OK && out != NULL && is("value_overlong"))
        *out_len += OVERLONG;
    return rv;
}

/*-
 * The list
 */

/* The real module's list, with every function above in its place (and the mode's damage). */
static CK_RV make_list(void)
{
    const char *path = getenv("CWMS_HOSTILE_REAL");
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
    void *dl;

    if (path == NULL || (dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
        return CKR_GENERAL_ERROR;
    *(void **)&get = dlsym(dl, "C_GetFunctionList");
    if (get == NULL || get(&real) != CKR_OK || real == NULL)
        return CKR_GENERAL_ERROR;
    hostile = *real;
    hostile.C_Initialize = h_initialize;
    hostile.C_Finalize = h_finalize;
    hostile.C_GetInfo = h_get_info;
    hostile.C_GetSlotList = h_get_slot_list;
    hostile.C_GetSlotInfo = h_get_slot_info;
    hostile.C_GetTokenInfo = h_get_token_info;
    hostile.C_GetMechanismList = h_get_mechanism_list;
    hostile.C_GetMechanismInfo = h_get_mechanism_info;
    hostile.C_OpenSession = h_open_session;
    hostile.C_CloseSession = h_close_session;
    hostile.C_Login = h_login;
    hostile.C_FindObjectsInit = h_find_objects_init;
    hostile.C_FindObjects = h_find_objects;
    hostile.C_FindObjectsFinal = h_find_objects_final;
    hostile.C_GetAttributeValue = h_get_attribute_value;
    hostile.C_SignInit = h_sign_init;
    hostile.C_Sign = h_sign;
    hostile.C_WrapKey = h_wrap_key;
    if (is("list_version")) {
        hostile.version.major = 1;
        hostile.version.minor = 0;
    }
    if (is("list_holes")) {
        hostile.C_Login = NULL;
        hostile.C_FindObjects = NULL;
    }
    return CKR_OK;
}

/* The mode, read once: calls left running on other threads read it too. */
static void read_mode(void)
{
    const char *env = getenv("CWMS_HOSTILE_MODE");

    if (env != NULL)
        mode = env;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) __attribute__((visibility("default")));
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    CK_RV rv;

    pthread_once(&once, read_mode);
    if (is("list_fails"))
        return CKR_GENERAL_ERROR;
    if (is("list_null")) {
        *list = NULL;
        return CKR_OK;
    }
    if (real == NULL && (rv = make_list()) != CKR_OK)
        return rv;
    *list = &hostile;
    return CKR_OK;
}
