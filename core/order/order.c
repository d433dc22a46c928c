/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output order (order.h): the certificates of the chosen path as the CWMS
 * release wants them (options.c maps a release to its order).
 */
#include "order/order.h"

#include <string.h>

int cwms_order_path(const CWMS_PATH *path, int drop_root, CWMS_ORDER order, X509 ***certs,
                    size_t *n_certs, size_t *leaf_index)
{
    size_t n = path->len;
    X509 **out;

    /* The leaf stays even when it is itself self-signed. */
    if (drop_root && path->self_signed_end && n > 1)
        n--;
    *certs = NULL;
    *n_certs = 0;
    if ((out = OPENSSL_zalloc(n * sizeof(*out))) == NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        X509 *x = cwms_cert_x509(path->certs[i]);
        size_t at = order == CWMS_ORDER_LEAF_FIRST ? i : n - 1 - i;

        if (x == NULL || !X509_up_ref(x)) {
            for (size_t j = 0; j < n; j++)
                X509_free(out[j]);
            OPENSSL_free(out);
            return 0;
        }
        out[at] = x;
    }
    *certs = out;
    *n_certs = n;
    *leaf_index = order == CWMS_ORDER_LEAF_FIRST ? 0 : n - 1;
    return 1;
}
