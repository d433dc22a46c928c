/* SPDX-License-Identifier: Apache-2.0 */
/* The identity of a public key whatever its SPKI's encoding: see spki_key.h. */
#include "index/spki_key.h"

#include <string.h>

/* The DER of the algorithm OIDs whose keys have more than one encoding. */
static const unsigned char OID_EC[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const unsigned char OID_RSA[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
static const unsigned char OID_RSA_PSS[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a };

static int oid_is(const CWMS_DER_ELEMENT *oid, const unsigned char *der, size_t len)
{
    return oid->content.len == len && memcmp(oid->content.p, der, len) == 0;
}

/* An EC point: 02/03 X (compressed), 04 X Y (uncompressed), 06/07 X Y (hybrid): X. */
static int ec_point_x(CWMS_DER_SLICE key, CWMS_DER_SLICE *id)
{
    if (key.len < 2)
        return 0;
    if (key.p[0] == 0x02 || key.p[0] == 0x03) {
        id->p = key.p + 1;
        id->len = key.len - 1;
        return 1;
    }
    if ((key.p[0] == 0x04 || key.p[0] == 0x06 || key.p[0] == 0x07) && key.len % 2 == 1) {
        id->p = key.p + 1;
        id->len = (key.len - 1) / 2;
        return 1;
    }
    return 0;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }: the modulus's bytes. */
static int rsa_modulus(CWMS_DER_SLICE key, CWMS_DER_SLICE *id)
{
    CWMS_DER_ELEMENT seq, n;
    CWMS_DER_SLICE r;

    if (!cwms_der_next(&key, &seq) || !cwms_der_is_universal(&seq, V_ASN1_SEQUENCE, 1))
        return 0;
    r = seq.content;
    if (!cwms_der_next(&r, &n) || !cwms_der_is_universal(&n, V_ASN1_INTEGER, 0))
        return 0;
    *id = n.content;
    while (id->len > 1 && id->p[0] == 0) {
        id->p++;
        id->len--;
    }
    return id->len > 0;
}

int cwms_spki_key_id(const unsigned char *spki, size_t len, CWMS_DER_SLICE *id)
{
    CWMS_DER_SLICE r = { spki, len }, a;
    CWMS_DER_ELEMENT top, alg, oid, bits;
    CWMS_DER_SLICE key;

    if (!cwms_der_next(&r, &top) || !cwms_der_is_universal(&top, V_ASN1_SEQUENCE, 1))
        return 0;
    r = top.content;
    if (!cwms_der_next(&r, &alg) || !cwms_der_is_universal(&alg, V_ASN1_SEQUENCE, 1)
        || !cwms_der_next(&r, &bits) || !cwms_der_is_universal(&bits, V_ASN1_BIT_STRING, 0))
        return 0;
    a = alg.content;
    /* A BIT STRING of whole bytes: its first content byte says 0 bits are unused. */
    if (!cwms_der_next(&a, &oid) || !cwms_der_is_universal(&oid, V_ASN1_OBJECT, 0)
        || bits.content.len < 2 || bits.content.p[0] != 0)
        return 0;
    key.p = bits.content.p + 1;
    key.len = bits.content.len - 1;
    if (oid_is(&oid, OID_EC, sizeof(OID_EC)))
        return ec_point_x(key, id);
    if (oid_is(&oid, OID_RSA, sizeof(OID_RSA)) || oid_is(&oid, OID_RSA_PSS, sizeof(OID_RSA_PSS)))
        return rsa_modulus(key, id);
    *id = key;
    return 1;
}
