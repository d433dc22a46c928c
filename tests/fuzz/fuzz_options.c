/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the option vocabulary (core/options.c): every
 * parser (the site's too), and the message for a refused value, on the same text. Each
 * parser returns 1 or 0, leaves its output alone when it refuses, and
 * cwms_option_error always writes a NUL-terminated message into the
 * buffer it is given (here also one too short), never a crash or a read
 * out of bounds. tests/fuzz/replay.c runs it over a corpus in the normal
 * test suite.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cwms/options.h"
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An option value is one word of a command line; longer adds nothing. */
#define FUZZ_VALUE_MAX 1024

static void check_message(CWMS_OPTION_KIND kind, const char *option, const char *value)
{
    char buf[CWMS_OPTION_ERROR_SIZE], small[24];

    if (cwms_option_error(kind, option, value, buf, sizeof(buf)) != buf
        || memchr(buf, '\0', sizeof(buf)) == NULL || buf[0] == '\0')
        abort();
    /* Only 64 bytes of the value are quoted: the message always fits. */
    if (strlen(buf) + 1 >= sizeof(buf))
        abort();
    cwms_option_error(kind, option, value, small, sizeof(small));
    if (memchr(small, '\0', sizeof(small)) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const spellings[] = { "--cwms", "version=", "cwms-version" };
    CWMS_ORDER order = (CWMS_ORDER)-1, order2 = (CWMS_ORDER)-1;
    CWMS_PATH_CHOICE path = (CWMS_PATH_CHOICE)-1;
    int64_t t = -42;
    unsigned char sha[32];
    int root = -1;
    char *value, site[CWMS_SITE_MAX + 1] = "-";
    const char *why;

    if ((value = fuzz_text_dup(data, size, FUZZ_VALUE_MAX)) == NULL)
        return 0;
    memset(sha, 0xA5, sizeof(sha));

    /* A refusal leaves the output as it was; a success sets a value in range. */
    if (cwms_order_for_version(value, &order)) {
        if (order != CWMS_ORDER_LEAF_FIRST && order != CWMS_ORDER_ROOT_FIRST)
            abort();
    } else if (order != (CWMS_ORDER)-1) {
        abort();
    }
    if (cwms_parse_order(value, &order2)) {
        if (order2 != CWMS_ORDER_LEAF_FIRST && order2 != CWMS_ORDER_ROOT_FIRST)
            abort();
    } else if (order2 != (CWMS_ORDER)-1) {
        abort();
    }
    if (!cwms_parse_path_choice(value, &path) && path != (CWMS_PATH_CHOICE)-1)
        abort();
    if (!cwms_parse_time(value, &t) && t != -42)
        abort();
    if (!cwms_parse_sha256(value, sha)) {
        for (size_t i = 0; i < sizeof(sha); i++)
            if (sha[i] != 0xA5)
                abort();
    }
    if (cwms_parse_root(value, &root) ? root != 1 : root != -1)
        abort();

    /* The site's rules are one rule or both; a site parsed is a host name that passes the check. */
    if ((cwms_site_rules_for_version(value) & ~CWMS_SITE_RULES_ALL) != 0
        || cwms_site_rules_for_version(value) == 0)
        abort();
    if (cwms_parse_site(value, site) ? !cwms_host_name_check(site, &why) : strcmp(site, "-") != 0)
        abort();

    for (int kind = CWMS_OPTION_VERSION; kind <= CWMS_OPTION_ROOT; kind++)
        check_message((CWMS_OPTION_KIND)kind, spellings[kind % 3], value);
    check_message(CWMS_OPTION_SITE, "--site", value);
    free(value);
    return 0;
}
