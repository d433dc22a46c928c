/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inputs object: the pool the certificates go into and the key list,
 * which every source (input.c for files, pkcs11.c for tokens) fills.
 * Kept apart from the sources so they all depend on it and not on each
 * other.
 */
#include "input/input.h"

#include <openssl/crypto.h>

CWMS_INPUTS *cwms_inputs_new(void)
{
    CWMS_INPUTS *in = OPENSSL_zalloc(sizeof(*in));

    if (in == NULL)
        return NULL;
    if ((in->pool = cwms_pool_new()) == NULL) {
        OPENSSL_free(in);
        return NULL;
    }
    return in;
}

void cwms_inputs_free(CWMS_INPUTS *in)
{
    if (in == NULL)
        return;
    cwms_pool_free(in->pool);
    for (size_t i = 0; i < in->n_keys; i++) {
        EVP_PKEY_free(in->keys[i].pkey);
        OPENSSL_free(in->keys[i].origin);
        OPENSSL_secure_clear_free(in->keys[i].pkcs8, in->keys[i].pkcs8_len);
    }
    OPENSSL_free(in->keys);
    OPENSSL_free(in);
}

size_t cwms_inputs_key_count(const CWMS_INPUTS *in)
{
    return in->n_keys;
}

EVP_PKEY *cwms_inputs_get0_key(const CWMS_INPUTS *in, size_t i)
{
    return i < in->n_keys ? in->keys[i].pkey : NULL;
}

const char *cwms_inputs_get0_key_origin(const CWMS_INPUTS *in, size_t i)
{
    return i < in->n_keys ? in->keys[i].origin : NULL;
}

size_t cwms_inputs_cert_count(const CWMS_INPUTS *in)
{
    return cwms_pool_count(in->pool);
}

const CWMS_CERT *cwms_inputs_get0_cert(const CWMS_INPUTS *in, size_t i)
{
    return cwms_pool_get(in->pool, i);
}

int cwms_inputs_add_key(CWMS_INPUTS *in, EVP_PKEY *pkey, const char *origin)
{
    CWMS_KEY *keys;
    char *o = NULL;

    if (origin != NULL && (o = OPENSSL_strdup(origin)) == NULL)
        goto err;
    keys = OPENSSL_realloc(in->keys, (in->n_keys + 1) * sizeof(*keys));
    if (keys == NULL)
        goto err;
    in->keys = keys;
    in->keys[in->n_keys].pkey = pkey;
    in->keys[in->n_keys].origin = o;
    in->keys[in->n_keys].protected = 0;
    in->keys[in->n_keys].pkcs8 = NULL;
    in->keys[in->n_keys].pkcs8_len = 0;
    in->n_keys++;
    return 1;
err:
    OPENSSL_free(o);
    EVP_PKEY_free(pkey);
    return 0;
}
