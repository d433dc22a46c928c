/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test PKCS#11 module: forwards every call to the real module named by
 * CWMS_SHIM_MODULE, but adds token flags SoftHSM never sets, from
 * CWMS_SHIM_TOKEN_FLAGS ("final-try", "locked", "count-low"), so the
 * login checks can be tested against a real token's objects; with
 * "no-wrap" there, no mechanism says it can wrap (CKF_WRAP), as on a token
 * that lets no sensitive key out.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST shim;
static CK_FUNCTION_LIST_PTR real;

static CK_RV shim_get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
    const char *flags = getenv("CWMS_SHIM_TOKEN_FLAGS");
    CK_RV rv = real->C_GetTokenInfo(slot, info);

    if (rv == CKR_OK && flags != NULL) {
        if (strstr(flags, "final-try") != NULL)
            info->flags |= CKF_USER_PIN_FINAL_TRY;
        if (strstr(flags, "locked") != NULL)
            info->flags |= CKF_USER_PIN_LOCKED;
        if (strstr(flags, "count-low") != NULL)
            info->flags |= CKF_USER_PIN_COUNT_LOW;
    }
    return rv;
}

static CK_RV shim_get_mechanism_info(CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
                                     CK_MECHANISM_INFO_PTR info)
{
    const char *flags = getenv("CWMS_SHIM_TOKEN_FLAGS");
    CK_RV rv = real->C_GetMechanismInfo(slot, type, info);

    if (rv == CKR_OK && flags != NULL && strstr(flags, "no-wrap") != NULL)
        info->flags &= ~(CK_FLAGS)(CKF_WRAP | CKF_UNWRAP);
    return rv;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) __attribute__((visibility("default")));
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    const char *path = getenv("CWMS_SHIM_MODULE");
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
    void *dl;

    if (real == NULL) {
        if (path == NULL || (dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
            return CKR_GENERAL_ERROR;
        *(void **)&get = dlsym(dl, "C_GetFunctionList");
        if (get == NULL || get(&real) != CKR_OK)
            return CKR_GENERAL_ERROR;
        shim = *real;
        shim.C_GetTokenInfo = shim_get_token_info;
        shim.C_GetMechanismInfo = shim_get_mechanism_info;
    }
    *list = &shim;
    return CKR_OK;
}
