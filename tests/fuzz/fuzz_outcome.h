/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every fuzz target of a reader asserts besides "no crash": the call
 * ended with a result or with an error in the diag, never with neither
 * (a silent failure) nor with both (fuzz_outcome.c).
 */
#ifndef CWMS_FUZZ_OUTCOME_H
#define CWMS_FUZZ_OUTCOME_H

#include "cwms/diag.h"

/*
 * Aborts unless ok (the call's 1 or 0) agrees with diag: 0 with an error
 * in it, 1 with none. have_result says the call left something (a
 * certificate, a key, a scan); with ok it must be set.
 */
void fuzz_expect_outcome(int ok, int have_result, const CWMS_DIAG *diag);

#endif
