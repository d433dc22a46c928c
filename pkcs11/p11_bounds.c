/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every count and length a module returns, checked before it is used.
 *
 * A PKCS#11 module is untrusted input: HSM vendors' modules and hot-plugged
 * tokens have answered with more slots than there was room for, more
 * handles than were asked for, a search that never ends, a 1 GiB label, a
 * value longer than the buffer it was written into. What a module writes
 * past the room it was given is memory corruption no caller can catch;
 * what it *says* is checked here: against the room it was given (else it
 * breaks PKCS#11: CWMS_P11_E_MODULE) and against the limits of
 * cwms_limits.h (CWMS_P11_E_LIMIT), before anything is allocated for it.
 */
#include <stdarg.h>
#include <stdio.h>

#include <openssl/crypto.h>

#include "cwms_limits.h"
#include "p11_internal.h"

void p11_broken(CWMS_P11_ERROR *err, CWMS_P11_ERRKIND kind, const char *module, const char *fmt,
                ...)
{
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (kind == CWMS_P11_E_LIMIT)
        p11_error(err, kind,
                  "the PKCS#11 module '%s' answers past a limit: %s; no real token needs that "
                  "much, so the answer is not believed (cwms-bundle(1), LIMITS)",
                  module, what);
    else
        p11_error(err, kind,
                  "the PKCS#11 module '%s' breaks PKCS#11: %s; cwms-bundle stops rather than read "
                  "past what it gave the module. Report it to the module's vendor",
                  module, what);
}

const char *p11_attr_name(CK_ATTRIBUTE_TYPE type)
{
    switch (type) {
    case CKA_CLASS:
        return "CKA_CLASS";
    case CKA_LABEL:
        return "CKA_LABEL";
    case CKA_ID:
        return "CKA_ID";
    case CKA_VALUE:
        return "CKA_VALUE";
    case CKA_KEY_TYPE:
        return "CKA_KEY_TYPE";
    case CKA_SENSITIVE:
        return "CKA_SENSITIVE";
    case CKA_EXTRACTABLE:
        return "CKA_EXTRACTABLE";
    case CKA_MODULUS:
        return "CKA_MODULUS";
    case CKA_PUBLIC_EXPONENT:
        return "CKA_PUBLIC_EXPONENT";
    case CKA_EC_PARAMS:
        return "CKA_EC_PARAMS";
    case CKA_EC_POINT:
        return "CKA_EC_POINT";
    default:
        return "an attribute";
    }
}

int p11_len_within(const char *module, const char *what, CK_ULONG len, size_t max,
                   CWMS_P11_ERROR *err)
{
    if (len <= max)
        return 1;
    p11_broken(err, CWMS_P11_E_LIMIT, module, "it says %s is %lu bytes long (at most %zu are read)",
               what, (unsigned long)len, max);
    return 0;
}

int p11_len_fits(const char *module, const char *call, const char *what, CK_ULONG room,
                 CK_ULONG said, CWMS_P11_ERROR *err)
{
    if (said <= room)
        return 1;
    p11_broken(err, CWMS_P11_E_MODULE, module,
               "%s said CKR_OK with %s of %lu bytes into a buffer of %lu", call, what,
               (unsigned long)said, (unsigned long)room);
    return 0;
}

/*
 * One round: the count, then the list into room for it. *grew is set when
 * the module says the list is longer than the room (CKR_BUFFER_TOO_SMALL,
 * as PKCS#11 says, or CKR_OK with the longer count, as some modules do).
 */
static CK_RV list_round(P11_LIST_READ *r, CK_ULONG **list, CK_ULONG *n, int *grew,
                        CWMS_P11_ERROR *err)
{
    CK_ULONG room = 0;
    CK_RV rv;

    *grew = 0;
    if ((rv = r->get(r->ctx, NULL, &room)) != CKR_OK)
        return rv;
    if (room > r->max) {
        snprintf(r->said, sizeof(r->said), "%s counts %lu entries (at most %zu are read)", r->what,
                 (unsigned long)room, r->max);
        p11_broken(err, CWMS_P11_E_LIMIT, r->module, "%s", r->said);
        return CKR_GENERAL_ERROR;
    }
    *n = room;
    if (room == 0)
        return CKR_OK;
    if ((*list = OPENSSL_malloc(room * sizeof(**list))) == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return CKR_HOST_MEMORY;
    }
    rv = r->get(r->ctx, *list, n);
    if (rv == CKR_BUFFER_TOO_SMALL || (rv == CKR_OK && *n > room)) {
        cwms_debug(CWMS_DEBUG_PKCS11, "%s: %lu, not %lu: asking again", r->what, (unsigned long)*n,
                   (unsigned long)room);
        *grew = 1;
        rv = CKR_OK;
    }
    if (rv != CKR_OK || *grew) {
        OPENSSL_free(*list);
        *list = NULL;
        *n = 0;
    }
    return rv;
}

CK_RV p11_read_list(P11_LIST_READ *r, CK_ULONG **list, CK_ULONG *n, CWMS_P11_ERROR *err)
{
    int grew = 0, round;
    CK_RV rv = CKR_OK;

    *list = NULL;
    *n = 0;
    for (round = 0; round < CWMS_P11_LIST_ROUNDS; round++) {
        rv = list_round(r, list, n, &grew, err);
        if (rv != CKR_OK || !grew)
            return rv;
    }
    snprintf(r->said, sizeof(r->said),
             "%s changed length %d times in a row (a list that never settles)", r->what,
             CWMS_P11_LIST_ROUNDS);
    p11_broken(err, CWMS_P11_E_MODULE, r->module, "%s", r->said);
    return CKR_GENERAL_ERROR;
}
