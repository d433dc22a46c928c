/*
 * libFuzzer target for the DER walker: never crash, never read out of
 * bounds (build with -fsanitize=fuzzer,address), and never accept a
 * certificate the full decoder reads differently. Built with
 * -Dfuzzing=true under clang; tests/fuzz/replay.c runs the same entry
 * point over a corpus in the normal test suite.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "certinfo_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why;
    CWMS_CERT *cert;

    if (certinfo_oracle(data, size, &why) == ORACLE_DIFFERS) {
        fprintf(stderr, "fuzz_certinfo: walker and full decoder disagree: %s\n", why);
        abort();
    }
    /* The entry point the pool uses, walker then fallback, must be as robust. */
    cert = cwms_cert_new_der(data, size, "fuzz");
    cwms_cert_free(cert);
    return 0;
}
