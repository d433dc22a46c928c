/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the cwms: and pkcs11: store loaders share: the queue of objects
 * they hand to libcrypto one per load, and the bridge from OpenSSL's
 * passphrase callback to the core's cwms_pass_cb.
 */
#ifndef CWMS_STORE_COMMON_H
#define CWMS_STORE_COMMON_H

#include <stddef.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cwms_prov.h"

/* One object, encoded: DER by value, as provider-object(7) describes. */
typedef struct cwms_store_obj_st {
    int type;                   /* OSSL_OBJECT_PKEY or OSSL_OBJECT_CERT */
    char data_type[32];         /* key type name ("RSA", "EC"), "" for certificates */
    const char *data_structure; /* "PrivateKeyInfo", "SubjectPublicKeyInfo" or NULL */
    unsigned char *der;         /* owned; cleansed on free when secret */
    size_t der_len;
    int secret;
} CWMS_STORE_OBJ;

/*
 * Errors and eof: OSSL_STORE_load() flags an error only when the loader
 * is not at eof right after a failed load, and storeutl and the apps'
 * loaders loop until eof. So a failed build leaves eof false for that one
 * load (the application sees and prints the error) and the next load ends
 * the stream: eof is true from then on, and nothing is built twice.
 */
typedef enum {
    CWMS_STORE_READY = 0, /* nothing built yet */
    CWMS_STORE_LOADED,    /* built; handing out the queue */
    CWMS_STORE_FAILED,    /* the build failed and said so; the next load ends it */
    CWMS_STORE_DONE       /* eof */
} CWMS_STORE_STATE;

typedef struct cwms_store_queue_st {
    CWMS_STORE_STATE state;
    CWMS_STORE_OBJ *objs;
    size_t n, cap;
    size_t next; /* index of the next object to hand out */
} CWMS_STORE_QUEUE;

/*
 * Fills the queue (cwms_store_queue_key / _cert) from whatever the loader
 * reads. Returns 1, or 0 with the errors raised (the queue is then
 * cleared: nothing half-built is handed out).
 */
typedef int (*cwms_store_build_fn)(void *loaderctx, CWMS_STORE_QUEUE *q);

/*
 * One store load: builds on the first call, then hands out the next
 * object. The body of both loaders' load functions.
 */
int cwms_store_queue_load(CWMS_STORE_QUEUE *q, cwms_store_build_fn build, void *loaderctx,
                          OSSL_CALLBACK *object_cb, void *object_cbarg);

/* The store's eof, following the state above. */
int cwms_store_queue_eof(const CWMS_STORE_QUEUE *q);

/*
 * expect below is what OSSL_STORE_PARAM_EXPECT asked for: 0 = anything,
 * else an OSSL_STORE_INFO_* type.
 *
 * Queues pkey encoded for expect: the private key as PKCS#8 DER
 * (PrivateKeyInfo) for 0 or OSSL_STORE_INFO_PKEY, its public half
 * (SubjectPublicKeyInfo) for OSSL_STORE_INFO_PUBKEY, nothing otherwise.
 * origin names the key in messages. Returns 1, or 0 with an error raised.
 */
int cwms_store_queue_key(CWMS_STORE_QUEUE *q, const CWMS_PROV_CTX *pc, EVP_PKEY *pkey, int expect,
                         const char *origin);

/* Queues a certificate (DER) when expect is 0 or OSSL_STORE_INFO_CERT. Same returns. */
int cwms_store_queue_cert(CWMS_STORE_QUEUE *q, const CWMS_PROV_CTX *pc, const unsigned char *der,
                          size_t len, int expect);

/* Cleanses and frees everything queued. */
void cwms_store_queue_clear(CWMS_STORE_QUEUE *q);

/* The OpenSSL passphrase callback of the current load, as the core's cwms_pass_cb sees it. */
typedef struct cwms_store_pw_st {
    OSSL_PASSPHRASE_CALLBACK *cb;
    void *cbarg;
} CWMS_STORE_PW;

/*
 * A cwms_pass_cb over a CWMS_STORE_PW (arg): asks OpenSSL's callback,
 * passing what as the prompt info. 0 when there is no callback or it fails.
 */
int cwms_store_pass_cb(char *buf, size_t size, size_t *len, const char *what, void *arg);

#endif
