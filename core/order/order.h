/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The certificates of a path in the order a CWMS release wants (order.c).
 */
#ifndef CWMS_ORDER_ORDER_H
#define CWMS_ORDER_ORDER_H

#include <stddef.h>

#include "cwms/bundle.h"
#include "paths/path.h"

/*
 * The certificates of path in output order (order.c): leaf first or root
 * side first, the self-signed end left out when drop_root. *certs is a new
 * array of up-ref'd X509s (free each and the array); *leaf_index is where
 * the leaf landed. Returns 1, or 0 on allocation or decoding failure.
 */
int cwms_order_path(const CWMS_PATH *path, int drop_root, CWMS_ORDER order, X509 ***certs,
                    size_t *n_certs, size_t *leaf_index);

#endif
