/*
 * The option vocabulary both fronts share (options.h): CWMS releases and
 * orders, path choice, validation times and fingerprints, parsed the same
 * way for `cwms-bundle` options, cwms: URI parameters and openssl.cnf.
 *
 * CWMS 1.x and 2.0 import the server certificate first and its issuers
 * after it; CWMS 2.5 and every release since expect the reverse: the
 * intermediate nearest the root first and the server certificate last.
 */
#include "cwms/options.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "cwms/times.h"

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

int cwms_parse_sha256(const char *s, unsigned char out[32])
{
    size_t len = 0;
    int ok;

    /* Hex with or without colons, as `openssl x509 -fingerprint -sha256` prints it. */
    ERR_set_mark();
    ok = OPENSSL_hexstr2buf_ex(out, 32, &len, s, ':') && len == 32;
    ERR_pop_to_mark();
    return ok;
}

int cwms_parse_time(const char *s, int64_t *out)
{
    char digits[16];
    size_t n = 0;
    int zulu = 0, ok;
    ASN1_GENERALIZEDTIME *t;

    if (*s == '\0')
        return 0;
    if (strspn(s, "0123456789") == strlen(s)) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0')
            return 0;
        *out = (int64_t)v;
        return 1;
    }
    /* YYYY-MM-DD, optionally THH:MM:SS followed by Z (UTC only: no offsets). */
    for (const char *p = s; *p != '\0'; p++) {
        if (zulu)
            return 0;
        if (isdigit((unsigned char)*p)) {
            if (n == 14)
                return 0;
            digits[n++] = *p;
        } else if ((*p == '-' && (n == 4 || n == 6))
                   || (*p == 'T' && n == 8)
                   || (*p == ':' && (n == 10 || n == 12))) {
            continue;
        } else if (*p == 'Z' && n == 14) {
            zulu = 1;
        } else {
            return 0;
        }
    }
    if (n == 8 && strchr(s, 'T') == NULL) {
        memcpy(digits + 8, "000000", 6);
        n = 14;
        zulu = 1;
    }
    if (n != 14 || !zulu)
        return 0;
    digits[14] = 'Z';
    digits[15] = '\0';
    if ((t = ASN1_GENERALIZEDTIME_new()) == NULL)
        return 0;
    /* ASN1_GENERALIZEDTIME_set_string checks the calendar (no 2023-02-30). */
    ok = ASN1_GENERALIZEDTIME_set_string(t, digits)
         && cwms_asn1_time_to_epoch(t, out);
    ASN1_GENERALIZEDTIME_free(t);
    return ok;
}
