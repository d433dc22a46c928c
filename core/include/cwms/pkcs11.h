/* SPDX-License-Identifier: Apache-2.0 */
/* What the core makes of the PKCS#11 helper's errors (input/pkcs11.c). */
#ifndef CWMS_PKCS11_H
#define CWMS_PKCS11_H

#include "cwms_p11.h"
#include "cwms/diag.h"

/* The core's reason for an error kind of the PKCS#11 helper (shared with `cwms-bundle tokens`). */
CWMS_REASON cwms_pkcs11_reason(CWMS_P11_ERRKIND kind);

#endif
