/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every Cryptoki call of the helper goes through P11_CALL: counted, and
 * traced with its result (CWMS_DEBUG=pkcs11). The counter lets benchmarks
 * and tests show how many calls a load takes, whatever the size of the
 * token. Result names come from p11-kit. The provider's pkcs11: loader
 * runs in the application's threads, so the counter is atomic (relaxed:
 * it orders nothing, it only counts).
 */
#include <stdatomic.h>

#include "p11_internal.h"

static atomic_ulong call_count;

CK_RV p11_traced(const char *fn, CK_RV rv)
{
    atomic_fetch_add_explicit(&call_count, 1, memory_order_relaxed);
    if (cwms_debug_on(CWMS_DEBUG_PKCS11)) {
        if (rv == CKR_OK)
            cwms_debug(CWMS_DEBUG_PKCS11, "%s: CKR_OK", fn);
        else
            cwms_debug(CWMS_DEBUG_PKCS11, "%s: 0x%lx (%s)", fn, (unsigned long)rv,
                       p11_rv_string(rv));
    }
    return rv;
}

unsigned long cwms_p11_call_count(void)
{
    return atomic_load_explicit(&call_count, memory_order_relaxed);
}

const char *p11_rv_string(CK_RV rv)
{
    const P11_KIT_API *p11k = p11_kit_api();
    const char *s = p11k != NULL ? p11k->strerror(rv) : NULL;

    return s != NULL ? s : "unknown PKCS#11 error";
}
