/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Name keys: a 64-bit digest of a distinguished name that every two
 * canonically equal names share, computed without decoding the name.
 *
 * OpenSSL compares names (X509_NAME_cmp) on a canonical encoding that
 * d2i_X509_NAME builds for every name it decodes: string values converted
 * to UTF-8, outer whitespace stripped, inner runs of whitespace collapsed
 * to one space, ASCII lowercased, and the attributes of a multi-valued RDN
 * compared as a set. That costs ~25,000 instructions a name, the largest
 * part of indexing a certificate pool. A key costs a few hundred.
 *
 * A key keeps less than the canonical form, only what survives
 * canonicalisation unchanged: per attribute its type OID and the ASCII
 * letters and digits (lowercased) of a string value; nothing of a value
 * that is not one of the strings OpenSSL canonicalises. The attributes of
 * one RDN are summed (order-free, like a SET), the RDNs chained in order.
 * So X509_NAME_cmp(a, b) == 0 implies equal keys, but equal keys do not
 * prove equal names: confirm with X509_NAME_cmp.
 */
#ifndef CWMS_NAMEKEY_H
#define CWMS_NAMEKEY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/*
 * The key of a Name's DER encoding (the whole SEQUENCE TLV and nothing
 * after it). Returns 1, or 0 when der is not a DER Name it can read
 * (malformed, BER, a constructed string value): then let OpenSSL decode
 * the name and use cwms_name_key. A 1 does not prove that d2i_X509_NAME
 * accepts der (string contents and OIDs are not validated).
 */
int cwms_name_key_der(const unsigned char *der, size_t len, uint64_t *key);

/*
 * The key of a decoded (or built) name; the same as cwms_name_key_der of
 * its DER encoding whenever both can be computed. Returns 1, or 0 when
 * name is NULL or a string value is not a whole number of characters.
 */
int cwms_name_key(const X509_NAME *name, uint64_t *key);

#endif
