/* SPDX-License-Identifier: Apache-2.0 */
/* The debug channels: see cwms_debug.h. */
#include "cwms_debug.h"
#include "cwms_escape.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static const struct {
    const char *name;
    CWMS_DEBUG_CHANNEL channel;
    const char *prefix;
} channels[] = {
    { "path", CWMS_DEBUG_PATH, "cwms-bundle: path: " },
    { "pkcs11", CWMS_DEBUG_PKCS11, "cwms-bundle: pkcs11: " },
    { "provider", CWMS_DEBUG_PROVIDER, "cwms provider: " },
    { "input", CWMS_DEBUG_INPUT, "cwms-bundle: input: " },
};

#define N_CHANNELS (sizeof(channels) / sizeof(channels[0]))

/* The channels on, or -1 before the environment was read; threads may race to read it alike. */
static atomic_int enabled = -1;

static int parse(const char *v)
{
    int on = 0;

    while (v != NULL && *v != '\0') {
        size_t n = strcspn(v, ",");

        if (n == 3 && strncmp(v, "all", 3) == 0)
            on = (1 << N_CHANNELS) - 1;
        for (size_t i = 0; i < N_CHANNELS; i++)
            if (strlen(channels[i].name) == n && strncmp(v, channels[i].name, n) == 0)
                on |= channels[i].channel;
        v += n;
        if (*v == ',')
            v++;
    }
    return on;
}

int cwms_debug_on(CWMS_DEBUG_CHANNEL channel)
{
    int on = atomic_load_explicit(&enabled, memory_order_relaxed);

    if (on < 0) {
        const char *legacy = getenv("CWMS_PROVIDER_DEBUG");

        on = parse(getenv("CWMS_DEBUG"));
        if (legacy != NULL && *legacy != '\0')
            on |= CWMS_DEBUG_PROVIDER;
        atomic_store_explicit(&enabled, on, memory_order_relaxed);
    }
    return (on & (int)channel) != 0;
}

void cwms_debug(CWMS_DEBUG_CHANNEL channel, const char *fmt, ...)
{
    const char *prefix = "cwms-bundle: ";
    char buf[1024], *line = buf;
    va_list ap;
    int n;

    if (!cwms_debug_on(channel))
        return;
    for (size_t i = 0; i < N_CHANNELS; i++)
        if (channels[i].channel == channel)
            prefix = channels[i].prefix;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(buf) && (line = OPENSSL_malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(line, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    /* A trace names files, subjects and token labels: shown under the one escaping rule. */
    flockfile(stderr);
    fputs(prefix, stderr);
    cwms_escape_fputs(line != NULL ? line : buf, stderr);
    fputc('\n', stderr);
    funlockfile(stderr);
    if (line != buf)
        OPENSSL_free(line);
}
