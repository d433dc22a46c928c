/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the DER walker: never crash, never read out of
 * bounds (build with -fsanitize=fuzzer,address), never accept a
 * certificate the full decoder reads differently, and decode names,
 * validity and key identifiers lazily to what the full decoder says of
 * them (or, when neither reads them, to a malformed entry). Built with
 * -Dfuzzing=true under clang; tests/fuzz/replay.c runs the same entry
 * point over a corpus in the normal test suite.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/x509.h>

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
    if (cert != NULL) {
        /* Lazily decoded names: NULL for a malformed one, else they agree with the index. */
        const X509_NAME *subject = cwms_cert_subject(cert), *issuer = cwms_cert_issuer(cert);
        int equal = cwms_cert_names_equal(cert, CWMS_NAME_SUBJECT, cert, CWMS_NAME_ISSUER);

        if (subject != NULL && issuer != NULL
            && (equal != (X509_NAME_cmp(subject, issuer) == 0)
                || equal != cert->info.self_issued)) {
            fprintf(stderr, "fuzz_certinfo: self_issued %d, names_equal %d, X509_NAME_cmp %d\n",
                    cert->info.self_issued, equal, X509_NAME_cmp(subject, issuer));
            abort();
        }
    }
    cwms_cert_free(cert);
    return 0;
}
