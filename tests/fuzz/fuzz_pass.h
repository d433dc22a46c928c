/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The passphrase source of the fuzz targets that read encrypted inputs: it
 * always answers "secret", the passphrase of the seeds seeds.sh makes, so
 * encrypted inputs are decrypted too (under the key-derivation limits).
 */
#ifndef CWMS_FUZZ_PASS_H
#define CWMS_FUZZ_PASS_H

#include <stddef.h>
#include <string.h>

static inline int fuzz_pass_secret(char *buf, size_t size, size_t *len, const char *what, void *arg)
{
    (void)what;
    (void)arg;
    if (size < 6)
        return 0;
    memcpy(buf, "secret", 6);
    *len = 6;
    return 1;
}

#endif
