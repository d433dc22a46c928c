/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the archive reader (core/input/archive.c: zip,
 * tar, gzip/bzip2/xz through libarchive, opened at run time): whatever
 * the bytes, cwms_archive_read hands over members that lie in memory it
 * owns (each byte is read here, so ASan sees any overrun), counts no more
 * usable members than members, and ends with a result or an error in the
 * diag (fuzz_outcome.h), never a crash, a leak or an unbounded unpacking.
 * tests/fuzz/replay.c runs it over generated seeds in the normal suite.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_outcome.h"
#include "input/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    size_t members;
    unsigned sum;
} SEEN;

/* Reads every byte of the member, and skips every third, as a reader of no use would. */
static int member(void *arg, const unsigned char *data, size_t len, const char *name, int *skipped)
{
    SEEN *s = arg;

    if (name == NULL || (len > 0 && data == NULL))
        abort();
    for (size_t i = 0; i < len; i++)
        s->sum += data[i];
    s->sum += (unsigned)strlen(name);
    *skipped = s->members++ % 3 == 2;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CWMS_DIAG *diag = cwms_diag_new();
    SEEN seen = { 0, 0 };
    size_t members = 0, usable = 0, budget = CWMS_ARCHIVE_MAX_BYTES;
    int ok;

    if (diag == NULL || !cwms_archive_sniff(data, size)) {
        cwms_diag_free(diag);
        return 0;
    }
    ok = cwms_archive_read(data, size, "fuzz.zip", &budget, diag, member, &seen, &members, &usable);
    if (ok && (members != seen.members || usable > members))
        abort();
    fuzz_expect_outcome(ok, 1, diag);
    cwms_diag_free(diag);
    return 0;
}
