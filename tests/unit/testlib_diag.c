/* SPDX-License-Identifier: Apache-2.0 */
/* The unit tests' matchers over the core's messages: see testlib.h. */
#include "testlib.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

const CWMS_MSG *t_find(const CWMS_DIAG *diag, CWMS_REASON reason)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++)
        if (cwms_diag_get(diag, i)->reason == reason)
            return cwms_diag_get(diag, i);
    return NULL;
}

const CWMS_MSG *t_find_text(const CWMS_DIAG *diag, CWMS_LEVEL level, const char *n1, const char *n2)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++) {
        const CWMS_MSG *m = cwms_diag_get(diag, i);

        if (m->level == level && strstr(m->text, n1) != NULL && (n2 == NULL || strstr(m->text, n2)))
            return m;
    }
    return NULL;
}

int t_has_message(const CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *want)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++) {
        const CWMS_MSG *m = cwms_diag_get(diag, i);

        if (m->level == level && m->reason == reason && strstr(m->text, want) != NULL)
            return 1;
    }
    return 0;
}

void t_assert_msg(const CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *n1,
                  const char *n2)
{
    const CWMS_MSG *m = t_find_text(diag, level, n1, n2);

    if (m == NULL || m->reason != reason) {
        t_dump(diag);
        fail_msg("no message of level %d, reason %d containing '%s'%s%s", (int)level, (int)reason,
                 n1, n2 ? " and " : "", n2 ? n2 : "");
    }
}

void t_assert_first_error(const CWMS_DIAG *diag, CWMS_REASON reason, const char *want)
{
    const CWMS_MSG *m = cwms_diag_first_error(diag);

    assert_non_null(m);
    if (m->reason != reason || (want != NULL && strstr(m->text, want) == NULL)) {
        t_dump(diag);
        fail_msg("expected [%s] containing '%s'", cwms_reason_string(reason), want ? want : "");
    }
}

void t_dump(const CWMS_DIAG *diag)
{
    static const char *lv[] = { "note", "warning", "error" };

    for (size_t i = 0; i < cwms_diag_count(diag); i++) {
        const CWMS_MSG *m = cwms_diag_get(diag, i);

        print_message("  %s [%s]: %s\n", lv[m->level], cwms_reason_string(m->reason), m->text);
    }
}
