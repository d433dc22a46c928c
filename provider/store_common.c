/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the store loaders: see store_common.h. */
#include "store_common.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/encoder.h>
#include <openssl/params.h>
#include <openssl/store.h>
#include <openssl/x509.h>

/* Takes ownership of der (also on failure). */
static int queue_push(CWMS_STORE_QUEUE *q, const CWMS_PROV_CTX *pc, int type, const char *data_type,
                      const char *data_structure, unsigned char *der, size_t len, int secret)
{
    CWMS_STORE_OBJ *o;

    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 8;
        CWMS_STORE_OBJ *objs = OPENSSL_realloc(q->objs, cap * sizeof(*objs));

        if (objs == NULL) {
            if (secret)
                OPENSSL_clear_free(der, len);
            else
                OPENSSL_free(der);
            CWMS_PROV_RAISE(pc, CWMS_R_INTERNAL, "out of memory");
            return 0;
        }
        q->objs = objs;
        q->cap = cap;
    }
    o = &q->objs[q->n++];
    memset(o, 0, sizeof(*o));
    o->type = type;
    if (data_type != NULL)
        OPENSSL_strlcpy(o->data_type, data_type, sizeof(o->data_type));
    o->data_structure = data_structure;
    o->der = der;
    o->der_len = len;
    o->secret = secret;
    return 1;
}

int cwms_store_queue_key(CWMS_STORE_QUEUE *q, const CWMS_PROV_CTX *pc, EVP_PKEY *pkey, int expect,
                         const char *origin)
{
    const char *type = EVP_PKEY_get0_type_name(pkey);
    unsigned char *der = NULL;
    size_t len = 0;

    if (origin == NULL)
        origin = "the private key";
    if (type == NULL || strlen(type) >= sizeof(((CWMS_STORE_OBJ *)0)->data_type)) {
        CWMS_PROV_RAISE(pc, CWMS_R_INTERNAL, "%s: unknown key type", origin);
        return 0;
    }
    if (expect == OSSL_STORE_INFO_PUBKEY) {
        int n = i2d_PUBKEY(pkey, &der);

        if (n <= 0) {
            CWMS_PROV_RAISE(pc, CWMS_R_INTERNAL, "%s: cannot encode the public key", origin);
            return 0;
        }
        return queue_push(q, pc, OSSL_OBJECT_PKEY, type, "SubjectPublicKeyInfo", der, (size_t)n, 0);
    }
    if (expect != 0 && expect != OSSL_STORE_INFO_PKEY)
        return 1;

    /*
     * By value as PKCS#8: the application's default provider decodes it,
     * whatever provider made the key, and storeutl / pkey re-encode the
     * same bytes `cwms-bundle build` writes. The encoder comes from the
     * key's own (private) library context.
     */
    {
        OSSL_ENCODER_CTX *ectx =
            OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", NULL);
        int ok = ectx != NULL && OSSL_ENCODER_CTX_get_num_encoders(ectx) > 0
            && OSSL_ENCODER_to_data(ectx, &der, &len);

        OSSL_ENCODER_CTX_free(ectx);
        if (!ok) {
            CWMS_PROV_RAISE(pc, CWMS_R_INTERNAL, "%s: cannot encode the %s key as PKCS#8", origin,
                            type);
            return 0;
        }
    }
    return queue_push(q, pc, OSSL_OBJECT_PKEY, type, "PrivateKeyInfo", der, len, 1);
}

int cwms_store_queue_cert(CWMS_STORE_QUEUE *q, const CWMS_PROV_CTX *pc, const unsigned char *der,
                          size_t len, int expect)
{
    unsigned char *copy;

    if (expect != 0 && expect != OSSL_STORE_INFO_CERT)
        return 1;
    if ((copy = OPENSSL_memdup(der, len)) == NULL) {
        CWMS_PROV_RAISE(pc, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    return queue_push(q, pc, OSSL_OBJECT_CERT, NULL, NULL, copy, len, 0);
}

static int queue_done(const CWMS_STORE_QUEUE *q)
{
    return q->next >= q->n;
}

static void obj_clear(CWMS_STORE_OBJ *o)
{
    if (o->secret)
        OPENSSL_clear_free(o->der, o->der_len);
    else
        OPENSSL_free(o->der);
    o->der = NULL;
    o->der_len = 0;
}

/* Hands the next object to object_cb and forgets it. Returns what object_cb returned. */
static int queue_send(CWMS_STORE_QUEUE *q, OSSL_CALLBACK *object_cb, void *object_cbarg)
{
    CWMS_STORE_OBJ *o;
    OSSL_PARAM params[5], *p = params;
    int ok;

    o = &q->objs[q->next++];
    *p++ = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &o->type);
    if (o->data_type[0] != '\0')
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, o->data_type, 0);
    if (o->data_structure != NULL)
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_STRUCTURE,
                                                (char *)o->data_structure, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA, o->der, o->der_len);
    *p = OSSL_PARAM_construct_end();
    ok = object_cb(params, object_cbarg);
    obj_clear(o);
    return ok;
}

void cwms_store_queue_clear(CWMS_STORE_QUEUE *q)
{
    CWMS_STORE_STATE state = q->state;

    for (size_t i = 0; i < q->n; i++)
        obj_clear(&q->objs[i]);
    OPENSSL_free(q->objs);
    memset(q, 0, sizeof(*q));
    q->state = state;
}

int cwms_store_queue_load(CWMS_STORE_QUEUE *q, cwms_store_build_fn build, void *loaderctx,
                          OSSL_CALLBACK *object_cb, void *object_cbarg)
{
    switch (q->state) {
    case CWMS_STORE_READY:
        if (!build(loaderctx, q)) {
            cwms_store_queue_clear(q);
            q->state = CWMS_STORE_FAILED;
            return 0;
        }
        q->state = CWMS_STORE_LOADED;
        break;
    case CWMS_STORE_FAILED:
    case CWMS_STORE_DONE:
        q->state = CWMS_STORE_DONE;
        return 1;
    case CWMS_STORE_LOADED:
        break;
    }
    if (queue_done(q)) { /* nothing (more) to hand out, e.g. -keys with nokey */
        q->state = CWMS_STORE_DONE;
        return 1;
    }
    return queue_send(q, object_cb, object_cbarg);
}

int cwms_store_queue_eof(const CWMS_STORE_QUEUE *q)
{
    switch (q->state) {
    case CWMS_STORE_READY:
    case CWMS_STORE_FAILED:
        return 0;
    case CWMS_STORE_LOADED:
        return queue_done(q);
    case CWMS_STORE_DONE:
        break;
    }
    return 1;
}

int cwms_store_pass_cb(char *buf, size_t size, size_t *len, const char *what, void *arg)
{
    CWMS_STORE_PW *pw = arg;
    OSSL_PARAM info[2];

    if (pw == NULL || pw->cb == NULL)
        return 0;
    info[0] = OSSL_PARAM_construct_utf8_string(OSSL_PASSPHRASE_PARAM_INFO,
                                               (char *)(what != NULL ? what : ""), 0);
    info[1] = OSSL_PARAM_construct_end();
    return pw->cb(buf, size, len, info, pw->cbarg);
}
