/* SPDX-License-Identifier: Apache-2.0 */
/* What the core makes of the PKCS#11 helper's errors (input/pkcs11.c). */
#ifndef CWMS_PKCS11_H
#define CWMS_PKCS11_H

#include "cwms_p11.h"
#include "cwms/diag.h"

/* The core's reason for an error kind of the PKCS#11 helper (shared with `cwms-bundle tokens`). */
CWMS_REASON cwms_pkcs11_reason(CWMS_P11_ERRKIND kind);

/*
 * A cwms_p11_module_cb adding the module's note to the CWMS_DIAG given as
 * arg (reason CWMS_R_P11_MODULE). The helper calls it once per module and
 * process.
 */
void cwms_pkcs11_module_note(const CWMS_P11_MODULE_NOTE *note, void *diag);

#endif
