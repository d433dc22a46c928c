/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Name keys: see namekey.h.
 *
 * Both entry points feed the same accumulator one attribute at a time:
 * cwms_name_key_der walks the DER (cwms_der_element.h), cwms_name_key
 * reads the entries of an X509_NAME. Each attribute is hashed (FNV-1a)
 * over its OID bytes and the surviving characters of its value, then
 * avalanched so that summing the attributes of an RDN stays a good hash.
 */
#include "index/namekey.h"
#include "cwms_der_element.h"
#include "util/fmix64.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

typedef struct {
    uint64_t name; /* the RDNs so far */
    uint64_t rdn;  /* sum of the attributes of the open RDN */
    int rdn_open;  /* the open RDN has at least one attribute */
} KEY;

/*
 * Bytes per character of the string types OpenSSL canonicalises
 * (ASN1_MASK_CANON in crypto/x509/x_name.c), 0 for every other type: their
 * values are compared as they are, and the key keeps nothing of them.
 */
static size_t char_width(int type)
{
    switch (type) {
    case V_ASN1_UTF8STRING: /* ASCII is exactly the bytes below 0x80 */
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_T61STRING: /* read as Latin-1 */
    case V_ASN1_IA5STRING:
    case V_ASN1_VISIBLESTRING:
        return 1;
    case V_ASN1_BMPSTRING:
        return 2;
    case V_ASN1_UNIVERSALSTRING:
        return 4;
    default:
        return 0;
    }
}

static int ascii_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Adds one attribute to the open RDN. Only ASCII letters and digits of a
 * string are kept: canonicalisation changes nothing of them but their case,
 * and only spaces are dropped or merged. 0 when a 2- or 4-byte string is
 * not a whole number of characters (OpenSSL refuses to convert it too).
 */
static int add_attribute(KEY *k, const unsigned char *oid, size_t oid_len, int type,
                         const unsigned char *value, size_t value_len)
{
    size_t width = char_width(type);
    uint64_t h = FNV_OFFSET;

    h = (h ^ (uint64_t)oid_len) * FNV_PRIME;
    for (size_t i = 0; i < oid_len; i++)
        h = (h ^ oid[i]) * FNV_PRIME;
    if (width == 1) {
        /* The common case, kept to a tight loop. */
        for (size_t i = 0; i < value_len; i++)
            if (ascii_alnum(value[i]))
                h = (h ^ (value[i] | 0x20u)) * FNV_PRIME;
    } else if (width > 0) {
        if (value_len % width != 0)
            return 0;
        for (size_t i = 0; i < value_len; i += width) {
            uint32_t c = 0;

            for (size_t j = 0; j < width; j++)
                c = c << 8 | value[i + j];
            if (ascii_alnum(c))
                h = (h ^ (c | 0x20)) * FNV_PRIME; /* | 0x20: lowercase, digits unchanged */
        }
    }
    k->rdn += cwms_fmix64(h);
    k->rdn_open = 1;
    return 1;
}

/* An RDN without attributes is no RDN at all to OpenSSL's canonical form. */
static void close_rdn(KEY *k)
{
    if (!k->rdn_open)
        return;
    k->name = cwms_fmix64(k->name * 0x9E3779B97F4A7C15ULL ^ k->rdn);
    k->rdn = 0;
    k->rdn_open = 0;
}

/* AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY } */
static int read_attribute(KEY *k, const CWMS_DER_ELEMENT *ava)
{
    CWMS_DER_SLICE r = ava->content;
    CWMS_DER_ELEMENT oid, value;

    if (!cwms_der_is_universal(ava, V_ASN1_SEQUENCE, 1) || !cwms_der_next(&r, &oid)
        || !cwms_der_is_universal(&oid, V_ASN1_OBJECT, 0) || oid.content.len == 0
        || !cwms_der_next(&r, &value) || r.len != 0 || value.cls != V_ASN1_UNIVERSAL)
        return 0;
    /* A constructed (BER) string would have to be reassembled: leave it to OpenSSL. */
    if (value.constructed && char_width(value.tag) > 0)
        return 0;
    return add_attribute(k, oid.content.p, oid.content.len,
                         value.constructed ? V_ASN1_SEQUENCE : value.tag, value.content.p,
                         value.content.len);
}

int cwms_name_key_der(const unsigned char *der, size_t len, uint64_t *key)
{
    CWMS_DER_SLICE r = { der, len }, rdns;
    KEY k = { 0, 0, 0 };
    CWMS_DER_ELEMENT name;

    /* Name ::= SEQUENCE OF RelativeDistinguishedName */
    if (der == NULL || !cwms_der_next(&r, &name) || r.len != 0
        || !cwms_der_is_universal(&name, V_ASN1_SEQUENCE, 1))
        return 0;
    rdns = name.content;
    while (rdns.len > 0) {
        CWMS_DER_ELEMENT rdn, ava;
        CWMS_DER_SLICE avas;

        /* RelativeDistinguishedName ::= SET OF AttributeTypeAndValue */
        if (!cwms_der_next(&rdns, &rdn) || !cwms_der_is_universal(&rdn, V_ASN1_SET, 1))
            return 0;
        avas = rdn.content;
        while (avas.len > 0)
            if (!cwms_der_next(&avas, &ava) || !read_attribute(&k, &ava))
                return 0;
        close_rdn(&k);
    }
    *key = k.name;
    return 1;
}

int cwms_name_key(const X509_NAME *name, uint64_t *key)
{
    KEY k = { 0, 0, 0 };
    int n, set = -1;

    if (name == NULL)
        return 0;
    n = X509_NAME_entry_count(name);
    for (int i = 0; i < n; i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
        const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
        const unsigned char *oid = OBJ_get0_data(obj);
        size_t oid_len = OBJ_length(obj);

        /* Entries of one RDN are adjacent and share a set number (as x509_name_canon reads them). */
        if (X509_NAME_ENTRY_set(e) != set) {
            close_rdn(&k);
            set = X509_NAME_ENTRY_set(e);
        }
        if (oid == NULL || v == NULL || ASN1_STRING_length(v) < 0
            || !add_attribute(&k, oid, oid_len, ASN1_STRING_type(v), ASN1_STRING_get0_data(v),
                              (size_t)ASN1_STRING_length(v)))
            return 0;
    }
    close_rdn(&k);
    *key = k.name;
    return 1;
}
