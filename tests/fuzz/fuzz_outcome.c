/* SPDX-License-Identifier: Apache-2.0 */
/* A result or an error in the diag: see fuzz_outcome.h. */
#include "fuzz_outcome.h"

#include <stdio.h>
#include <stdlib.h>

void fuzz_expect_outcome(int ok, int have_result, const CWMS_DIAG *diag)
{
    const CWMS_MSG *e = cwms_diag_first_error(diag);

    if (!ok && e == NULL) {
        fprintf(stderr, "fuzz: the call failed without an error in the diag\n");
        abort();
    }
    if (ok && e != NULL) {
        fprintf(stderr, "fuzz: the call succeeded with an error in the diag: %s\n", e->text);
        abort();
    }
    if (ok && !have_result) {
        fprintf(stderr, "fuzz: the call succeeded and left nothing\n");
        for (size_t i = 0; i < cwms_diag_count(diag); i++)
            fprintf(stderr, "  %d %s\n", (int)cwms_diag_get(diag, i)->reason,
                    cwms_diag_get(diag, i)->text);
        abort();
    }
}
