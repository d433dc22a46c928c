/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the reply parser of --fetch (core/input/fetch.c):
 * what an HTTP server sends back for a caIssuers URL, a DER certificate
 * or a PKCS#7 of them, is untrusted bytes from the network. Whatever they
 * are: NULL, or certificates (at least one, none NULL), never a crash, a
 * read out of bounds or a leak. tests/fuzz/replay.c runs it over
 * generated seeds in the normal suite.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include "input/fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STACK_OF(X509) *certs = cwms_fetch_parse_reply(data, size);

    if (certs != NULL) {
        if (sk_X509_num(certs) < 1)
            abort();
        for (int i = 0; i < sk_X509_num(certs); i++)
            if (sk_X509_value(certs, i) == NULL
                || X509_get_subject_name(sk_X509_value(certs, i)) == NULL)
                abort();
    }
    sk_X509_pop_free(certs, X509_free);
    return 0;
}
