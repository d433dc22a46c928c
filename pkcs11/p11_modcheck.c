/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A module's function list, judged before p11-kit loads the module.
 *
 * p11-kit takes what C_GetFunctionList gives on trust (0.24 and 0.26
 * alike, p11-kit/modules.c dlopen_and_get_function_list): a module that
 * says CKR_OK and gives no list crashes it inside its loader (the proxy
 * check reads the list's C_GetFunctionStatus), and a NULL entry crashes it
 * on the first call through that entry; nothing there checks the version
 * either. So the library is opened here first (kept mapped, as every
 * module is: p11_registry.c), its C_GetFunctionList called, and the list
 * judged: CKR_OK, a list, Cryptoki 2.x or 3.x, and every entry of the 2.x
 * list present (PKCS#11 wants every function there, if only to answer
 * CKR_FUNCTION_NOT_SUPPORTED). What cannot be judged from outside: a
 * C_GetFunctionList that crashes or never returns, or one that answers
 * differently when p11-kit asks next (p11-kit 0.25 and later ask
 * C_GetInterface first when the module has it; this p11-kit does not).
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "p11_internal.h"

/* Where p11-kit looks for a module named by a relative path (its P11_MODULE_PATH). */
#ifndef CWMS_P11_MODULE_DIR
#define CWMS_P11_MODULE_DIR "/usr/lib/pkcs11"
#endif

#define F(fn)                                                                                      \
    {                                                                                              \
        offsetof(CK_FUNCTION_LIST, fn), #fn                                                        \
    }
static const struct {
    size_t offset;
    const char *name;
} entries[] = {
    F(C_Initialize),
    F(C_Finalize),
    F(C_GetInfo),
    F(C_GetFunctionList),
    F(C_GetSlotList),
    F(C_GetSlotInfo),
    F(C_GetTokenInfo),
    F(C_GetMechanismList),
    F(C_GetMechanismInfo),
    F(C_InitToken),
    F(C_InitPIN),
    F(C_SetPIN),
    F(C_OpenSession),
    F(C_CloseSession),
    F(C_CloseAllSessions),
    F(C_GetSessionInfo),
    F(C_GetOperationState),
    F(C_SetOperationState),
    F(C_Login),
    F(C_Logout),
    F(C_CreateObject),
    F(C_CopyObject),
    F(C_DestroyObject),
    F(C_GetObjectSize),
    F(C_GetAttributeValue),
    F(C_SetAttributeValue),
    F(C_FindObjectsInit),
    F(C_FindObjects),
    F(C_FindObjectsFinal),
    F(C_EncryptInit),
    F(C_Encrypt),
    F(C_EncryptUpdate),
    F(C_EncryptFinal),
    F(C_DecryptInit),
    F(C_Decrypt),
    F(C_DecryptUpdate),
    F(C_DecryptFinal),
    F(C_DigestInit),
    F(C_Digest),
    F(C_DigestUpdate),
    F(C_DigestKey),
    F(C_DigestFinal),
    F(C_SignInit),
    F(C_Sign),
    F(C_SignUpdate),
    F(C_SignFinal),
    F(C_SignRecoverInit),
    F(C_SignRecover),
    F(C_VerifyInit),
    F(C_Verify),
    F(C_VerifyUpdate),
    F(C_VerifyFinal),
    F(C_VerifyRecoverInit),
    F(C_VerifyRecover),
    F(C_DigestEncryptUpdate),
    F(C_DecryptDigestUpdate),
    F(C_SignEncryptUpdate),
    F(C_DecryptVerifyUpdate),
    F(C_GenerateKey),
    F(C_GenerateKeyPair),
    F(C_WrapKey),
    F(C_UnwrapKey),
    F(C_DeriveKey),
    F(C_SeedRandom),
    F(C_GenerateRandom),
    F(C_GetFunctionStatus),
    F(C_CancelFunction),
    F(C_WaitForSlotEvent),
};
#undef F

/* Every function of the 2.x list, and nothing else, is in the table above. */
_Static_assert(sizeof(entries) / sizeof(entries[0]) * sizeof(CK_C_Initialize)
                   == sizeof(CK_FUNCTION_LIST) - offsetof(CK_FUNCTION_LIST, C_Initialize),
               "entries[] must name every function of CK_FUNCTION_LIST");

#define EVERY_ENTRY                                                                                \
    "PKCS#11 wants every function there, if only to answer CKR_FUNCTION_NOT_SUPPORTED"

/* The first missing entry of the list in why, with how many others are missing; 1 when none is. */
static int entries_present(const CK_FUNCTION_LIST *fl, char *why, size_t size)
{
    const char *first = NULL;
    size_t missing = 0, i;

    for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
        void *fn;

        memcpy(&fn, (const char *)fl + entries[i].offset, sizeof(fn));
        if (fn == NULL && missing++ == 0)
            first = entries[i].name;
    }
    if (missing == 0)
        return 1;
    if (missing == 1)
        snprintf(why, size, "its function list has no %s (a NULL entry): %s", first, EVERY_ENTRY);
    else
        snprintf(why, size,
                 "its function list has no %s, nor %zu other functions (NULL entries): %s", first,
                 missing - 1, EVERY_ENTRY);
    return 0;
}

static int list_usable(CK_C_GetFunctionList get, char *why, size_t size)
{
    CK_FUNCTION_LIST *fl = NULL;
    CK_RV rv = get(&fl);

    if (rv != CKR_OK) {
        const char *name = p11_rv_name(rv);

        if (name != NULL)
            snprintf(why, size, "its C_GetFunctionList fails (%s)", name);
        else
            snprintf(why, size, "its C_GetFunctionList fails (0x%lx)", (unsigned long)rv);
        return 0;
    }
    if (fl == NULL) {
        snprintf(why, size,
                 "its C_GetFunctionList says CKR_OK but gives no function list (p11-kit would "
                 "crash on it)");
        return 0;
    }
    if (fl->version.major != 2 && fl->version.major != 3) {
        snprintf(why, size, "its function list says it is Cryptoki %u.%u, not 2.x or 3.x",
                 fl->version.major, fl->version.minor);
        return 0;
    }
    return entries_present(fl, why, size);
}

int p11_module_check(const char *path, char *why, size_t size)
{
    char full[4096];
    void *lib, *sym;
    CK_C_GetFunctionList get;

    /* As p11-kit: a path that is not absolute is under its module directory. */
    if (path[0] == '/')
        snprintf(full, sizeof(full), "%s", path);
    else
        snprintf(full, sizeof(full), "%s/%s", CWMS_P11_MODULE_DIR, path);
    dlerror();
    if ((lib = dlopen(full, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) == NULL) {
        const char *e = dlerror();

        snprintf(why, size, "it cannot be loaded: %s", e != NULL ? e : "dlopen failed");
        return 0;
    }
    sym = dlsym(lib, "C_GetFunctionList");
    if (sym == NULL) {
        dlclose(lib); /* RTLD_NODELETE: stays mapped */
        snprintf(why, size, "it has no C_GetFunctionList: it is not a PKCS#11 module");
        return 0;
    }
    /* ISO C has no object-to-function pointer cast; POSIX guarantees the bytes are the function's. */
    memcpy(&get, &sym, sizeof(get));
    if (!list_usable(get, why, size)) {
        dlclose(lib);
        cwms_debug(CWMS_DEBUG_PKCS11, "module %s refused: %s", full, why);
        return 0;
    }
    dlclose(lib);
    return 1;
}
