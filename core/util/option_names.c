/* SPDX-License-Identifier: Apache-2.0 */
/* Option names per front: see option_names.h. */
#include "cwms/option_names.h"

#include <stddef.h>

static const struct {
    const char *cli, *uri;
} names[] = {
    [CWMS_OPT_KEY] = { "--key", "key=" },
    [CWMS_OPT_NO_KEY] = { "--no-key", "nokey" },
    [CWMS_OPT_LEAF] = { "--leaf", "leaf=" },
    [CWMS_OPT_TRUST] = { "--trust", "trust=" },
    [CWMS_OPT_INCLUDE_ROOT] = { "--include-root", "root=include" },
    [CWMS_OPT_PASSIN] = { "--passin", "openssl's -passin" },
    [CWMS_OPT_PIN] = { "--pin", "openssl's -passin" },
    [CWMS_OPT_FETCH] = { "--fetch", "fetch" },
    [CWMS_OPT_VERIFY_DEPTH] = { "--verify-depth", "verify-depth=" },
    [CWMS_OPT_PATH] = { "--path", "path=" },
};

const char *cwms_option_name(CWMS_FRONT front, CWMS_OPTION opt)
{
    if ((size_t)opt >= sizeof(names) / sizeof(names[0]) || names[opt].cli == NULL)
        return "?";
    return front == CWMS_FRONT_URI ? names[opt].uri : names[opt].cli;
}

const char *cwms_option_value_sep(CWMS_FRONT front)
{
    return front == CWMS_FRONT_URI ? "" : " ";
}
