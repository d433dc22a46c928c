/*
 * pkcs11: sources of the inputs, through the PKCS#11 helper in pkcs11/.
 *
 * Not wired yet: a pkcs11: URI is refused with a clear error.
 */
#include "input.h"

int cwms_inputs_add_pkcs11(CWMS_INPUTS *in, const char *uri,
                           const CWMS_READ_CTX *rctx, CWMS_DIAG *diag)
{
    (void)in;
    (void)rctx;
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_PKCS11,
                  "'%s': this build of cwms-bundle cannot read PKCS#11 tokens yet", uri);
    return 0;
}
