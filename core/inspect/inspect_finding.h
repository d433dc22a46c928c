/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the parts of the check outside check.c (against.c) need of a
 * CWMS_INSPECTION: adding a finding, and the certificate a block holds.
 */
#ifndef CWMS_INSPECT_CHECK_FINDING_H
#define CWMS_INSPECT_CHECK_FINDING_H

#include <stddef.h>

#include <openssl/x509.h>

#include "cwms/inspect.h"

/*
 * Adds a finding about block (0-based; SIZE_MAX = the whole file or
 * chain): its code and whether --fix mends it from the reason table;
 * action NULL for the table's advice. message and action are copied. 1,
 * or 0 when memory ran out.
 */
int cwms_inspect_add_finding(CWMS_INSPECTION *c, CWMS_LEVEL level, CWMS_REASON reason, size_t block,
                             const char *action, const char *message);

/* The certificate of block i (0-based), borrowed; NULL for other blocks and ones that do not decode. */
X509 *cwms_inspect_get0_block_x509(const CWMS_INSPECTION *c, size_t i);

#endif
