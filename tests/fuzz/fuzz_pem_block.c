/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the PEM block reader (common/pem_block.c), a
 * differential one: block after block, cwms_pem_next_block must give what
 * PEM_read_bio_ex gives on the same bytes (success, name, header, DER,
 * and where the next block starts), including where PEM_read_bio_ex fails.
 * tests/fuzz/replay.c runs it over a corpus in the normal test suite.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "cwms_pem_block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An issuer pool is a few MiB; a few hundred KiB find the same paths. */
#define FUZZ_PEM_MAX (256 * 1024)

static int same_block(int ok_a, int ok_b, const char *name_a, const char *name_b,
                      const char *header_a, const char *header_b, const unsigned char *der_a,
                      const unsigned char *der_b, long len_a, long len_b)
{
    if (ok_a != ok_b)
        return 0;
    if (!ok_a)
        return 1;
    return strcmp(name_a, name_b) == 0 && strcmp(header_a, header_b) == 0 && len_a == len_b
        && memcmp(der_a, der_b, (size_t)len_a) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    BIO *bio;
    size_t pos = 0;

    if (size > FUZZ_PEM_MAX || (bio = BIO_new_mem_buf(data, (int)size)) == NULL)
        return 0;
    for (;;) {
        char *name_a = NULL, *header_a = NULL, *name_b = NULL, *header_b = NULL;
        unsigned char *der_a = NULL, *der_b = NULL;
        long len_a = 0, len_b = 0;
        int ok_a, ok_b, same;

        ok_a = PEM_read_bio_ex(bio, &name_a, &header_a, &der_a, &len_a, PEM_FLAG_EAY_COMPATIBLE);
        ok_b = cwms_pem_next_block(data, size, &pos, &name_b, &header_b, &der_b, &len_b);
        same =
            same_block(ok_a, ok_b, name_a, name_b, header_a, header_b, der_a, der_b, len_a, len_b)
            && (!ok_a || pos == size - (size_t)BIO_pending(bio));
        OPENSSL_free(name_a);
        OPENSSL_free(header_a);
        OPENSSL_free(der_a);
        OPENSSL_free(name_b);
        OPENSSL_free(header_b);
        OPENSSL_free(der_b);
        if (!same)
            abort();
        if (!ok_a)
            break;
    }
    BIO_free(bio);
    ERR_clear_error();
    return 0;
}
