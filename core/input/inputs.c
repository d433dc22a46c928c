/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inputs object: the pool the certificates go into and the key list,
 * which every source (input.c for files, pkcs11.c for tokens) fills.
 * Kept apart from the sources so they all depend on it and not on each
 * other.
 */
#include "input/archive.h"
#include "input/input.h"
#include "util/secure_dup.h"

#include <string.h>

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
    in->unpack_left = CWMS_ARCHIVE_MAX_BYTES;
    return in;
}

void cwms_inputs_free(CWMS_INPUTS *in)
{
    if (in == NULL)
        return;
    cwms_pool_free(in->pool);
    for (size_t i = 0; i < in->n_keys; i++)
        cwms_key_clear(&in->keys[i]);
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

void cwms_key_clear(CWMS_KEY *k)
{
    EVP_PKEY_free(k->pkey);
    OPENSSL_free(k->origin);
    OPENSSL_secure_clear_free(k->pkcs8, k->pkcs8_len);
    memset(k, 0, sizeof(*k));
}

int cwms_key_set1_pkcs8(CWMS_KEY *k, const unsigned char *der, size_t len)
{
    unsigned char *copy = NULL;

    if (der != NULL && (copy = cwms_secure_dup(der, len)) == NULL)
        return 0;
    OPENSSL_secure_clear_free(k->pkcs8, k->pkcs8_len);
    k->pkcs8 = copy;
    k->pkcs8_len = copy != NULL ? len : 0;
    return 1;
}

int cwms_inputs_take_key(CWMS_INPUTS *in, CWMS_KEY *k, const char *origin)
{
    CWMS_KEY *keys;

    OPENSSL_free(k->origin);
    k->origin = NULL;
    if ((origin != NULL && (k->origin = OPENSSL_strdup(origin)) == NULL)
        || (keys = OPENSSL_realloc(in->keys, (in->n_keys + 1) * sizeof(*keys))) == NULL) {
        cwms_key_clear(k);
        return 0;
    }
    in->keys = keys;
    in->keys[in->n_keys++] = *k;
    memset(k, 0, sizeof(*k));
    return 1;
}

int cwms_inputs_add_key(CWMS_INPUTS *in, EVP_PKEY *pkey, const char *origin)
{
    CWMS_KEY k = { .pkey = pkey };

    return cwms_inputs_take_key(in, &k, origin);
}
