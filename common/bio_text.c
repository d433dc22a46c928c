/* SPDX-License-Identifier: Apache-2.0 */
/* Text printed into a memory BIO: see cwms_bio_text.h. */
#include "cwms_bio_text.h"

#include <string.h>

#include <openssl/crypto.h>

char *cwms_bio_text(BIO *b)
{
    char *data, *out;
    long len = BIO_get_mem_data(b, &data);

    if (len < 0 || (out = OPENSSL_malloc((size_t)len + 1)) == NULL)
        return NULL;
    /* Nothing printed (an empty name): the BIO has no buffer to copy from. */
    if (len > 0)
        memcpy(out, data, (size_t)len);
    out[len] = '\0';
    return out;
}
