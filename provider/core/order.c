/*
 * Output order (bundle.h: cwms_order_for_version; chain.h: cwms_order_path).
 *
 * CWMS 1.x and 2.0 import the server certificate first and its issuers
 * after it; CWMS 2.5 and every release since expect the reverse: the
 * intermediate nearest the root first and the server certificate last.
 * Released versions were 1.0, 1.1, 1.5, 2.0, 2.5, 2.6, 2.7, 2.8, 3.0 and
 * 4.0; an unreleased 2.1-2.4 is taken by the same rule (below 2.5: leaf
 * first), so the cut is a comparison, not a list.
 */
#include "chain.h"

#include <ctype.h>
#include <string.h>

/* Reads 1 to 4 digits at *p; -1 when there are none or too many. */
static int number(const char **p)
{
    int n = 0, digits = 0;

    while (isdigit((unsigned char)**p)) {
        if (++digits > 4)
            return -1;
        n = n * 10 + (**p - '0');
        (*p)++;
    }
    return digits ? n : -1;
}

int cwms_order_for_version(const char *version, CWMS_ORDER *order)
{
    const char *p = version;
    int major, minor = -1;

    if (p == NULL || (major = number(&p)) < 1)
        return 0;
    if (*p == '.') {
        p++;
        if ((*p == 'x' || *p == 'X') && p[1] == '\0') {
            /* "1.x", "3.x": the major alone decides — but not for 2, which changed at 2.5. */
            if (major == 2)
                return 0;
            p++;
        } else if ((minor = number(&p)) < 0) {
            return 0;
        }
        /* Patch levels ("4.0.1") do not change the order. */
        while (*p == '.') {
            p++;
            if (number(&p) < 0)
                return 0;
        }
    }
    if (*p != '\0')
        return 0;
    if (major < 2 || (major == 2 && minor < 5))
        *order = CWMS_ORDER_LEAF_FIRST;
    else
        *order = CWMS_ORDER_ROOT_FIRST;
    return 1;
}

int cwms_order_path(const CWMS_PATH *path, int drop_root, CWMS_ORDER order,
                    X509 ***certs, size_t *n_certs, size_t *leaf_index)
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
