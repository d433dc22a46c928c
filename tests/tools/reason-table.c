/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prints the core's reason table as TSV, one row a line: number, name,
 * reason string, exit code, finding code, fix (no, yes, held), advice.
 * tests/integration/docs.sh reasons_agree compares it with the header
 * and the docs.
 */
#include <stdio.h>

#include "cwms/diag.h"

int main(void)
{
    static const char *const fix[] = { "no", "yes", "held" };
    const CWMS_REASON_ROW *row;

    for (size_t i = 0; (row = cwms_reason_row_at(i)) != NULL; i++)
        if (printf("%d\t%s\t%s\t%d\t%s\t%s\t%s\n", (int)row->reason, row->name, row->text,
                   row->exit_code, row->finding, fix[row->fix], row->advice)
            < 0)
            return 1;
    return fflush(stdout) == 0 ? 0 : 1;
}
