/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading what the index needs straight from a certificate's DER.
 *
 * d2i_X509 spends most of its time decoding the public key (OpenSSL 3.0
 * sends it through the decoder framework). Path building only needs the
 * names, key identifiers, validity and cA of every certificate, so this
 * walks the TBSCertificate (cwms_der_element.h) and hands each small piece
 * to OpenSSL's own decoder for that type (d2i_ASN1_TIME, d2i_ASN1_OBJECT,
 * d2i_AUTHORITY_KEYID, ...). Using the same decoders as d2i_X509 makes
 * the fields agree with cwms_certinfo_from_x509 byte for byte; the
 * subjectPublicKeyInfo is checked for shape (algorithm + BIT STRING) but
 * its key is never decoded. The names, the dearest part, are not decoded
 * either: the walker records where they are and their keys (namekey.h),
 * and cwms_cert_subject / cwms_cert_issuer decode them on demand. So are
 * the validity and key identifiers, which path building reads only for
 * the issuer candidates it ranks: the walker records their place
 * (CWMS_CERTINFO.pending) and cwms_certinfo_decode_pending decodes them
 * when an accessor (cwms_cert_not_before, cwms_cert_ski, ...) first asks.
 * basicConstraints is decoded at once: leaf selection reads cA of all.
 *
 * The input is untrusted. Every length is checked against what is left of
 * its parent, every recorded offset again when it is decoded; anything this
 * walker does not expect (BER indefinite lengths, unique identifiers,
 * duplicate extensions, a basicConstraints that does not decode, trailing
 * bytes) returns 0 and cwms_cert_new_der lets the full decoder decide. A
 * pending field that does not decode is found on first use: the entry then
 * asks the full decoder, and is marked malformed when that fails too.
 */
#include "index/cert.h"
#include "index/namekey.h"
#include "cwms/times.h"
#include "cwms_der_element.h"

#include <limits.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

/* Like next_element, but the element must have this class, tag and form. */
static int expect_element(CWMS_DER_SLICE *r, int cls, int tag, int constructed, CWMS_DER_ELEMENT *e)
{
    return cwms_der_next(r, e) && e->cls == cls && e->tag == tag && e->constructed == constructed;
}

static int expect_sequence(CWMS_DER_SLICE *r, CWMS_DER_ELEMENT *e)
{
    return expect_element(r, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, 1, e);
}

/*
 * Runs a d2i_ function over exactly one element; 1 when it decodes and
 * consumes the whole element (the object is freed, only validity matters).
 */
#define DECODES_AS(type, e) decodes_as_##type(&(e)->whole)
#define DEFINE_DECODES_AS(type)                                                                    \
    static int decodes_as_##type(const CWMS_DER_SLICE *s)                                          \
    {                                                                                              \
        const unsigned char *q = s->p;                                                             \
        type *obj = d2i_##type(NULL, &q, (long)s->len);                                            \
        int ok = obj != NULL && q == s->p + s->len;                                                \
                                                                                                   \
        type##_free(obj);                                                                          \
        return ok;                                                                                 \
    }
DEFINE_DECODES_AS(ASN1_INTEGER)
DEFINE_DECODES_AS(X509_ALGOR)
DEFINE_DECODES_AS(ASN1_BIT_STRING)
DEFINE_DECODES_AS(ASN1_OBJECT)

/*
 * The algorithm OIDs certificates are signed with and keys are of, as DER
 * contents (each a valid encoding): recognised by memcmp, the same verdict
 * as d2i_ASN1_OBJECT at a tenth of the cost. Others go through it.
 */
static const struct {
    unsigned char len;
    unsigned char der[9];
} known_algorithms[] = {
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b } }, /* sha256WithRSAEncryption */
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 } }, /* rsaEncryption */
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c } }, /* sha384WithRSAEncryption */
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d } }, /* sha512WithRSAEncryption */
    { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05 } }, /* sha1WithRSAEncryption */
    { 7, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 } },             /* id-ecPublicKey */
    { 8, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 } },       /* ecdsa-with-SHA256 */
    { 8, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 } },       /* ecdsa-with-SHA384 */
    { 8, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 } },       /* prime256v1 */
    { 5, { 0x2b, 0x81, 0x04, 0x00, 0x22 } },                         /* secp384r1 */
    { 8, { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 } },       /* ecdsa-with-SHA512 */
    { 5, { 0x2b, 0x81, 0x04, 0x00, 0x23 } },                         /* secp521r1 */
    { 9,
      { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
        0x02 } }, /* md2WithRSAEncryption (old roots) */
};

/* 1 when the OBJECT element oid decodes as d2i_ASN1_OBJECT would decode it. */
static int oid_decodes(const CWMS_DER_ELEMENT *oid)
{
    for (size_t i = 0; i < sizeof(known_algorithms) / sizeof(known_algorithms[0]); i++)
        if (known_algorithms[i].len == oid->content.len
            && memcmp(known_algorithms[i].der, oid->content.p, oid->content.len) == 0)
            return 1;
    return DECODES_AS(ASN1_OBJECT, oid);
}

/*
 * AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }.
 * d2i_X509_ALGOR builds three objects to say yes; for the shapes real
 * certificates use — no parameters, NULL, or an OID (a named curve) — the
 * same verdict comes from d2i_ASN1_OBJECT on the OIDs (oid_decodes; an
 * empty NULL is always valid). Any other shape goes through d2i_X509_ALGOR.
 */
static int algorithm_decodes(const CWMS_DER_ELEMENT *alg)
{
    CWMS_DER_SLICE r = alg->content;
    CWMS_DER_ELEMENT oid, param;

    if (!expect_element(&r, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, 0, &oid))
        return DECODES_AS(X509_ALGOR, alg);
    if (r.len == 0)
        return oid_decodes(&oid);
    if (!cwms_der_next(&r, &param) || r.len != 0 || param.cls != V_ASN1_UNIVERSAL
        || param.constructed)
        return DECODES_AS(X509_ALGOR, alg);
    if (param.tag == V_ASN1_NULL && param.content.len == 0)
        return oid_decodes(&oid);
    if (param.tag == V_ASN1_OBJECT)
        return oid_decodes(&oid) && oid_decodes(&param);
    return DECODES_AS(X509_ALGOR, alg);
}

static int decode_time(const CWMS_DER_SLICE *s, int64_t *out)
{
    const unsigned char *q = s->p;
    ASN1_TIME *t = d2i_ASN1_TIME(NULL, &q, (long)s->len);
    int ok = t != NULL && q == s->p + s->len && cwms_asn1_time_to_epoch(t, out);

    ASN1_TIME_free(t);
    return ok;
}

static void copy_keyid(const ASN1_OCTET_STRING *id, unsigned char *buf, size_t *len)
{
    *len = 0;
    if (id != NULL && id->length > 0 && (size_t)id->length <= CWMS_KEYID_MAX) {
        memcpy(buf, id->data, (size_t)id->length);
        *len = (size_t)id->length;
    }
}

/* More than this many extensions is not a CA certificate we need to be quick on. */
#define MAX_EXTENSIONS 32

/* A slice of der, as an offset and length, checked against der_len; 0 when it falls outside. */
static int slice_at(const unsigned char *der, size_t der_len, size_t offset, size_t len,
                    CWMS_DER_SLICE *out)
{
    if (len == 0 || len > LONG_MAX || offset > der_len || len > der_len - offset)
        return 0;
    out->p = der + offset;
    out->len = len;
    return 1;
}

/*
 * d2i_BASIC_CONSTRAINTS is a pure function of the value's bytes, and a
 * pool repeats a handful of encodings (cA TRUE, with or without a path
 * length) over and over: the last few verdicts are remembered per thread,
 * so each distinct encoding is decoded once by OpenSSL, not hand-read.
 */
#define BC_MEMO_SLOTS 4
#define BC_MEMO_MAX 16

typedef struct {
    unsigned char der[BC_MEMO_MAX];
    unsigned char len; /* 0: empty slot */
    unsigned char is_ca;
} BC_MEMO;

static _Thread_local BC_MEMO bc_memo[BC_MEMO_SLOTS];
static _Thread_local unsigned bc_memo_next;

/* 1 and *is_ca when value decodes as basicConstraints (as X509V3_EXT_d2i reads it), else 0. */
static int basic_constraints_ca(const CWMS_DER_SLICE *value, int *is_ca)
{
    const unsigned char *q = value->p;
    BASIC_CONSTRAINTS *bc;
    BC_MEMO *slot;

    for (size_t i = 0; i < BC_MEMO_SLOTS; i++) {
        if (bc_memo[i].len != 0 && bc_memo[i].len == value->len
            && memcmp(bc_memo[i].der, value->p, value->len) == 0) {
            *is_ca = bc_memo[i].is_ca;
            return 1;
        }
    }
    if ((bc = d2i_BASIC_CONSTRAINTS(NULL, &q, (long)value->len)) == NULL)
        return 0;
    *is_ca = bc->ca != 0;
    BASIC_CONSTRAINTS_free(bc);
    /* Only successes are remembered: a failure is rare and leaves the walk anyway. */
    if (value->len > 0 && value->len <= BC_MEMO_MAX) {
        slot = &bc_memo[bc_memo_next++ % BC_MEMO_SLOTS];
        memcpy(slot->der, value->p, value->len);
        slot->len = (unsigned char)value->len;
        slot->is_ca = (unsigned char)*is_ca;
    }
    return 1;
}

/*
 * The value of one extension the index uses. basicConstraints (cA picks
 * leaf candidates among all certificates) is decoded now; the key
 * identifiers are only located (CWMS_INFO_SKI / _AKI pending) and decoded
 * by cwms_certinfo_decode_pending. 0 when basicConstraints does not decode.
 */
static int read_known_extension(const unsigned char *der, int nid, const CWMS_DER_SLICE *value,
                                CWMS_CERTINFO *info)
{
    switch (nid) {
    case NID_subject_key_identifier:
        info->ski_value_offset = (size_t)(value->p - der);
        info->ski_value_len = value->len;
        info->pending |= CWMS_INFO_SKI;
        return 1;
    case NID_authority_key_identifier:
        info->aki_value_offset = (size_t)(value->p - der);
        info->aki_value_len = value->len;
        info->pending |= CWMS_INFO_AKI;
        return 1;
    case NID_basic_constraints:
        return basic_constraints_ca(value, &info->is_ca);
    default:
        return 1;
    }
}

/*
 * The key identifiers decoded the way X509V3_EXT_d2i does (the item
 * decoder over the OCTET STRING's content, bytes after the first element
 * ignored). 0 when the value does not decode.
 */
static int decode_ski(const CWMS_DER_SLICE *value, CWMS_CERTINFO *info)
{
    const unsigned char *q = value->p;
    ASN1_OCTET_STRING *ski = d2i_ASN1_OCTET_STRING(NULL, &q, (long)value->len);

    if (ski == NULL)
        return 0;
    copy_keyid(ski, info->ski, &info->ski_len);
    ASN1_OCTET_STRING_free(ski);
    return 1;
}

static int decode_aki(const CWMS_DER_SLICE *value, CWMS_CERTINFO *info)
{
    const unsigned char *q = value->p;
    AUTHORITY_KEYID *akid = d2i_AUTHORITY_KEYID(NULL, &q, (long)value->len);

    if (akid == NULL)
        return 0;
    copy_keyid(akid->keyid, info->aki, &info->aki_len);
    AUTHORITY_KEYID_free(akid);
    return 1;
}

/* Validity ::= SEQUENCE { notBefore Time, notAfter Time }, each as d2i_X509 reads it. */
static int decode_validity(const CWMS_DER_SLICE *tlv, CWMS_CERTINFO *info)
{
    CWMS_DER_SLICE r = *tlv, v;
    CWMS_DER_ELEMENT seq, t;

    if (!expect_sequence(&r, &seq) || r.len != 0)
        return 0;
    v = seq.content;
    return cwms_der_next(&v, &t) && decode_time(&t.whole, &info->not_before)
        && cwms_der_next(&v, &t) && decode_time(&t.whole, &info->not_after) && v.len == 0;
}

int cwms_certinfo_decode_pending(const unsigned char *der, size_t len, CWMS_CERTINFO *info,
                                 unsigned fields)
{
    CWMS_DER_SLICE s;
    int ok = 1;

    fields &= info->pending;
    if (fields == 0)
        return 1;
    /* A field that does not decode is an answer (0), not an error to queue. */
    ERR_set_mark();
    if ((fields & CWMS_INFO_VALIDITY) != 0) {
        if (der != NULL && slice_at(der, len, info->validity_offset, info->validity_len, &s)
            && decode_validity(&s, info)) {
            info->pending &= ~CWMS_INFO_VALIDITY;
        } else {
            info->not_before = info->not_after = 0;
            ok = 0;
        }
    }
    if ((fields & CWMS_INFO_SKI) != 0) {
        if (der != NULL && slice_at(der, len, info->ski_value_offset, info->ski_value_len, &s)
            && decode_ski(&s, info)) {
            info->pending &= ~CWMS_INFO_SKI;
        } else {
            info->ski_len = 0;
            ok = 0;
        }
    }
    if ((fields & CWMS_INFO_AKI) != 0) {
        if (der != NULL && slice_at(der, len, info->aki_value_offset, info->aki_value_len, &s)
            && decode_aki(&s, info)) {
            info->pending &= ~CWMS_INFO_AKI;
        } else {
            info->aki_len = 0;
            ok = 0;
        }
    }
    ERR_pop_to_mark();
    return ok;
}

/*
 * The extension OIDs CA certificates carry, as DER contents (each a valid
 * encoding): recognised by memcmp, which is the same verdict as
 * d2i_ASN1_OBJECT + OBJ_obj2nid at a tenth of the cost. Others go through
 * d2i_ASN1_OBJECT. NID_undef: valid, but nothing the index reads.
 */
static const struct {
    unsigned char len;
    unsigned char der[10];
    int nid;
} known_oids[] = {
    { 3, { 0x55, 0x1d, 0x0e }, NID_subject_key_identifier },
    { 3, { 0x55, 0x1d, 0x23 }, NID_authority_key_identifier },
    { 3, { 0x55, 0x1d, 0x13 }, NID_basic_constraints },
    { 3, { 0x55, 0x1d, 0x0f }, NID_undef }, /* keyUsage */
    { 3, { 0x55, 0x1d, 0x25 }, NID_undef }, /* extKeyUsage */
    { 3, { 0x55, 0x1d, 0x1f }, NID_undef }, /* cRLDistributionPoints */
    { 3, { 0x55, 0x1d, 0x20 }, NID_undef }, /* certificatePolicies */
    { 3, { 0x55, 0x1d, 0x11 }, NID_undef }, /* subjectAltName */
    { 3, { 0x55, 0x1d, 0x1e }, NID_undef }, /* nameConstraints */
    { 3, { 0x55, 0x1d, 0x24 }, NID_undef }, /* policyConstraints */
    { 3, { 0x55, 0x1d, 0x36 }, NID_undef }, /* inhibitAnyPolicy */
    { 8, { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01 }, NID_undef }, /* authorityInfoAccess */
    { 10, { 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02 }, NID_undef }, /* CT SCTs */
    { 9, { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x15, 0x01 }, NID_undef }, /* MS CA version */
    { 9, { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02 }, NID_undef }, /* MS template */
    { 9, { 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x01, 0x01 }, NID_undef }, /* nsCertType */
    { 9, { 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x01, 0x0d }, NID_undef }, /* nsComment */
    { 8, { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x03 }, NID_undef },       /* qcStatements */
    { 8, { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0c }, NID_undef },       /* logotype */
    { 9,
      { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x15, 0x02 },
      NID_undef }, /* MS previous CA hash */
};

/* 1 and the NID (NID_undef if none) when oid (an OBJECT element) decodes; 0 when it does not. */
static int extension_nid(const CWMS_DER_ELEMENT *oid, int *nid)
{
    const unsigned char *q = oid->whole.p;
    ASN1_OBJECT *obj;

    for (size_t i = 0; i < sizeof(known_oids) / sizeof(known_oids[0]); i++) {
        /* Compared from the last byte: most share the id-ce prefix 55 1d. */
        if (known_oids[i].len == oid->content.len
            && known_oids[i].der[known_oids[i].len - 1] == oid->content.p[oid->content.len - 1]
            && memcmp(known_oids[i].der, oid->content.p, oid->content.len) == 0) {
            *nid = known_oids[i].nid;
            return 1;
        }
    }
    if ((obj = d2i_ASN1_OBJECT(NULL, &q, (long)oid->whole.len)) == NULL)
        return 0;
    *nid = OBJ_obj2nid(obj);
    ASN1_OBJECT_free(obj);
    return 1;
}

/*
 * Extensions ::= SEQUENCE OF Extension, Extension ::= SEQUENCE { extnID,
 * critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. Every extnID
 * is checked as d2i_ASN1_OBJECT would (so the walker refuses what d2i_X509
 * refuses), but only the three values the index uses are decoded, which
 * is most of what d2i_X509_EXTENSIONS + X509V3_get_d2i would spend.
 * Duplicate extensions and an undecodable known value fail.
 */
static int read_extensions(const unsigned char *der, const CWMS_DER_SLICE *content,
                           CWMS_CERTINFO *info)
{
    CWMS_DER_SLICE r = *content, seen[MAX_EXTENSIONS];
    size_t n = 0;

    while (r.len > 0) {
        CWMS_DER_ELEMENT ext, oid, e;
        CWMS_DER_SLICE x;
        int nid;

        if (n == MAX_EXTENSIONS || !expect_sequence(&r, &ext))
            return 0;
        x = ext.content;
        if (!expect_element(&x, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, 0, &oid))
            return 0;
        if (!extension_nid(&oid, &nid))
            return 0;
        /* The last byte tells most OIDs apart before a memcmp (an OID is never empty here). */
        for (size_t i = 0; i < n; i++)
            if (seen[i].len == oid.content.len
                && seen[i].p[seen[i].len - 1] == oid.content.p[oid.content.len - 1]
                && memcmp(seen[i].p, oid.content.p, oid.content.len) == 0)
                return 0;
        seen[n++] = oid.content;
        if (!cwms_der_next(&x, &e))
            return 0;
        if (e.cls == V_ASN1_UNIVERSAL && e.tag == V_ASN1_BOOLEAN) {
            /* OpenSSL takes any one-byte BOOLEAN, an explicit FALSE too. */
            if (e.constructed || e.content.len != 1 || !cwms_der_next(&x, &e))
                return 0;
        }
        /* A constructed (BER) OCTET STRING is left to the full decoder. */
        if (e.cls != V_ASN1_UNIVERSAL || e.tag != V_ASN1_OCTET_STRING || e.constructed
            || x.len != 0)
            return 0;
        if (!read_known_extension(der, nid, &e.content, info))
            return 0;
    }
    return 1;
}

/* subjectPublicKeyInfo: SEQUENCE { AlgorithmIdentifier, BIT STRING }, key left encoded. */
static int check_spki(const CWMS_DER_SLICE *content)
{
    CWMS_DER_SLICE r = *content;
    CWMS_DER_ELEMENT alg, key;

    return expect_sequence(&r, &alg) && algorithm_decodes(&alg)
        && expect_element(&r, V_ASN1_UNIVERSAL, V_ASN1_BIT_STRING, 0, &key)
        && DECODES_AS(ASN1_BIT_STRING, &key) && r.len == 0;
}

/* Records where the Name element e is in der and its key; 0 when it cannot be keyed. */
static int read_name(const unsigned char *der, const CWMS_DER_ELEMENT *e, size_t *offset,
                     size_t *len, uint64_t *key)
{
    *offset = (size_t)(e->whole.p - der);
    *len = e->whole.len;
    return cwms_name_key_der(e->whole.p, e->whole.len, key);
}

/* The Name TLV at offset/len of der, decoded; NULL when it does not decode exactly. */
static X509_NAME *decode_name(const unsigned char *der, size_t offset, size_t len)
{
    const unsigned char *p = der + offset;
    X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);

    if (name != NULL && p != der + offset + len) {
        X509_NAME_free(name);
        name = NULL;
    }
    return name;
}

/*
 * Subject equals issuer canonically: the same bytes (every root), or, when
 * the keys agree but the bytes do not, X509_NAME_cmp on both decoded.
 * -1 when one of them does not decode (leave the certificate to d2i_X509).
 */
static int self_issued(const unsigned char *der, const CWMS_CERTINFO *info)
{
    X509_NAME *s, *i;
    int same;

    if (info->subject_len == info->issuer_len
        && memcmp(der + info->subject_offset, der + info->issuer_offset, info->subject_len) == 0)
        return 1;
    if (info->subject_key != info->issuer_key)
        return 0;
    s = decode_name(der, info->subject_offset, info->subject_len);
    i = decode_name(der, info->issuer_offset, info->issuer_len);
    same = s == NULL || i == NULL ? -1 : X509_NAME_cmp(s, i) == 0;
    X509_NAME_free(s);
    X509_NAME_free(i);
    return same;
}

/*
 * The version INTEGER: v1, v2 and v3 in DER (02 01 00..02) are valid
 * INTEGERs by memcmp, the same verdict as d2i_ASN1_INTEGER; anything else
 * goes through it.
 */
static int version_decodes(const CWMS_DER_ELEMENT *e)
{
    if (e->whole.len == 3 && e->whole.p[0] == V_ASN1_INTEGER && e->whole.p[1] == 1
        && e->whole.p[2] <= 2)
        return 1;
    return DECODES_AS(ASN1_INTEGER, e);
}

/* sig_alg: where the TBS signature AlgorithmIdentifier is (walk_certificate compares). */
static int walk_tbs(const unsigned char *der, const CWMS_DER_SLICE *tbs_content,
                    CWMS_CERTINFO *info, CWMS_DER_SLICE *sig_alg)
{
    CWMS_DER_SLICE r = *tbs_content, v;
    CWMS_DER_ELEMENT e, inner;

    /* version [0] EXPLICIT INTEGER DEFAULT v1, read once: absent, it is the serial */
    if (!cwms_der_next(&r, &e))
        return 0;
    if (e.cls == V_ASN1_CONTEXT_SPECIFIC && e.tag == 0) {
        if (!e.constructed)
            return 0;
        v = e.content;
        if (!cwms_der_next(&v, &inner) || v.len != 0 || !version_decodes(&inner)
            || !cwms_der_next(&r, &e))
            return 0;
    }
    /* serialNumber, signature */
    if (!DECODES_AS(ASN1_INTEGER, &e) || !expect_sequence(&r, &e) || !algorithm_decodes(&e))
        return 0;
    *sig_alg = e.whole;
    /* issuer */
    if (!expect_sequence(&r, &e)
        || !read_name(der, &e, &info->issuer_offset, &info->issuer_len, &info->issuer_key))
        return 0;
    /* validity SEQUENCE { notBefore, notAfter }: decoded when somebody asks */
    if (!expect_sequence(&r, &e))
        return 0;
    info->validity_offset = (size_t)(e.whole.p - der);
    info->validity_len = e.whole.len;
    info->pending |= CWMS_INFO_VALIDITY;
    /* subject, subjectPublicKeyInfo */
    if (!expect_sequence(&r, &e))
        return 0;
    /* A root's subject is its issuer byte for byte: the same bytes, the same key. */
    if (e.whole.len == info->issuer_len
        && memcmp(e.whole.p, der + info->issuer_offset, e.whole.len) == 0) {
        info->subject_offset = (size_t)(e.whole.p - der);
        info->subject_len = e.whole.len;
        info->subject_key = info->issuer_key;
    } else if (!read_name(der, &e, &info->subject_offset, &info->subject_len, &info->subject_key)) {
        return 0;
    }
    if (!expect_sequence(&r, &e) || !check_spki(&e.content))
        return 0;
    info->spki_offset = (size_t)(e.whole.p - der);
    info->spki_len = e.whole.len;
    if (r.len == 0)
        return 1;
    /*
     * issuerUniqueID [1] / subjectUniqueID [2] are obsolete and rare:
     * anything other than extensions is left to the full decoder.
     */
    if (!expect_element(&r, V_ASN1_CONTEXT_SPECIFIC, 3, 1, &e) || r.len != 0)
        return 0;
    v = e.content;
    if (!expect_sequence(&v, &inner) || v.len != 0)
        return 0;
    return read_extensions(der, &inner.content, info);
}

static int walk_certificate(const unsigned char *der, size_t len, CWMS_CERTINFO *info)
{
    CWMS_DER_SLICE r = { der, len }, c, tbs_alg = { NULL, 0 };
    CWMS_DER_ELEMENT cert, alg, e, tbs;

    /* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } */
    if (!expect_sequence(&r, &cert) || r.len != 0)
        return 0;
    c = cert.content;
    if (!expect_sequence(&c, &tbs) || !expect_sequence(&c, &alg)
        || !expect_element(&c, V_ASN1_UNIVERSAL, V_ASN1_BIT_STRING, 0, &e)
        || !DECODES_AS(ASN1_BIT_STRING, &e) || c.len != 0)
        return 0;
    if (!walk_tbs(der, &tbs.content, info, &tbs_alg))
        return 0;
    /*
     * The outer signatureAlgorithm must equal the TBS one (X509_verify
     * checks that) and usually does byte for byte: the same bytes have the
     * verdict the TBS walk gave them, so only different ones are decoded.
     */
    if ((tbs_alg.len != alg.whole.len || memcmp(tbs_alg.p, alg.whole.p, alg.whole.len) != 0)
        && !algorithm_decodes(&alg))
        return 0;
    return (info->self_issued = self_issued(der, info)) >= 0;
}

int cwms_certinfo_from_der(const unsigned char *der, size_t len, CWMS_CERTINFO *info)
{
    int ok;

    memset(info, 0, sizeof(*info));
    if (der == NULL)
        return 0;
    /* A walk that fails is not an error yet: leave no trace in the queue. */
    ERR_set_mark();
    ok = walk_certificate(der, len, info);
    ERR_pop_to_mark();
    if (!ok)
        cwms_certinfo_clear(info);
    return ok;
}

void cwms_certinfo_clear(CWMS_CERTINFO *info)
{
    memset(info, 0, sizeof(*info));
}

int cwms_certinfo_from_x509(X509 *x, CWMS_CERTINFO *info)
{
    ASN1_OCTET_STRING *ski;
    AUTHORITY_KEYID *akid;
    BASIC_CONSTRAINTS *bc;

    memset(info, 0, sizeof(*info));
    /* The names' places in the DER stay unknown (0): the decoded names serve. */
    if (!cwms_name_key(X509_get_subject_name(x), &info->subject_key)
        || !cwms_name_key(X509_get_issuer_name(x), &info->issuer_key))
        goto err;
    if (!cwms_asn1_time_to_epoch(X509_get0_notBefore(x), &info->not_before)
        || !cwms_asn1_time_to_epoch(X509_get0_notAfter(x), &info->not_after))
        goto err;
    /*
     * Not X509_get0_subject_key_id: it answers NULL when any other extension
     * is invalid, and the DER walker (certinfo.c) must agree with this.
     */
    ski = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
    copy_keyid(ski, info->ski, &info->ski_len);
    ASN1_OCTET_STRING_free(ski);
    akid = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
    if (akid != NULL) {
        copy_keyid(akid->keyid, info->aki, &info->aki_len);
        AUTHORITY_KEYID_free(akid);
    }
    bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
    if (bc != NULL) {
        info->is_ca = bc->ca != 0;
        BASIC_CONSTRAINTS_free(bc);
    }
    info->self_issued = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
    return 1;
err:
    cwms_certinfo_clear(info);
    return 0;
}
