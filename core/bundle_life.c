/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The life of a CWMS_BUNDLE (bundle_life.h): made from a chosen path,
 * freed with everything it owns.
 */
#include "bundle_life.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cwms/explain.h"
#include "order/order.h"
#include "paths/anchor.h"
#include "util/secure_dup.h"

void cwms_bundle_free(CWMS_BUNDLE *b)
{
    if (b == NULL)
        return;
    EVP_PKEY_free(b->key);
    OPENSSL_free(b->key_origin);
    OPENSSL_secure_clear_free(b->key_pkcs8, b->key_pkcs8_len);
    cwms_explain_free(b->explain);
    cwms_anchor_info_free(b->anchor);
    for (size_t i = 0; i < b->n_certs; i++)
        X509_free(b->certs[i]);
    OPENSSL_free(b->certs);
    OPENSSL_free(b);
}

CWMS_BUNDLE *cwms_bundle_from_path(const CWMS_OPTIONS *opts, const CWMS_PATH *path,
                                   const CWMS_KEY *key, CWMS_DIAG *diag)
{
    CWMS_BUNDLE *b = OPENSSL_zalloc(sizeof(*b));

    if (b == NULL)
        goto oom;
    b->order = opts->order;
    b->root_dropped = !opts->include_root && path->self_signed_end && path->len > 1;
    if (!cwms_order_path(path, !opts->include_root, opts->order, &b->certs, &b->n_certs,
                         &b->leaf_index))
        goto oom;
    if (key != NULL) {
        if (!EVP_PKEY_up_ref(key->pkey))
            goto oom;
        b->key = key->pkey;
        b->key_protected = key->protected;
        if (key->pkcs8 != NULL) {
            if ((b->key_pkcs8 = cwms_secure_dup(key->pkcs8, key->pkcs8_len)) == NULL)
                goto oom;
            b->key_pkcs8_len = key->pkcs8_len;
        }
        if (key->origin != NULL && (b->key_origin = OPENSSL_strdup(key->origin)) == NULL)
            goto oom;
    }
    return b;
oom:
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
    cwms_bundle_free(b);
    return NULL;
}
