/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one DER element (tag-length-value) reader: the core's DER walker
 * (certinfo.c), name keys (namekey.c) and DER file reader, and the PKCS#11
 * helper's key export all split their bytes with it. Inline, as the walker
 * runs it a few dozen times per certificate. ASN1_get_object does the
 * header; what it leaves open (a length past the buffer, BER's indefinite
 * length) is decided here once.
 */
#ifndef CWMS_DER_ELEMENT_H
#define CWMS_DER_ELEMENT_H

#include <limits.h>
#include <stddef.h>

#include <openssl/asn1.h>

/* A window into DER: the bytes not yet read of one element's content, or of a buffer. */
typedef struct {
    const unsigned char *p;
    size_t len;
} CWMS_DER_SLICE;

/* One element read by cwms_der_next. */
typedef struct {
    int tag, cls, constructed;
    CWMS_DER_SLICE whole; /* header + content: what a d2i_ function wants */
    CWMS_DER_SLICE content;
} CWMS_DER_ELEMENT;

/*
 * Reads the header of the element at p (len bytes available) into e.
 * Returns 1 for a definite length inside len (e->whole and e->content
 * set), 2 for a constructed element with BER's indefinite length
 * (e->content runs to the end of the buffer: its end is for a decoder to
 * find), 0 when the header is malformed or the length runs past len.
 * ASN1_get_object may leave an error on the queue for 0.
 */
static inline int cwms_der_header(const unsigned char *p, size_t len, CWMS_DER_ELEMENT *e)
{
    const unsigned char *q = p;
    long clen;
    int ret;
    size_t hdr;

    if (len == 0 || len > LONG_MAX)
        return 0;
    ret = ASN1_get_object(&q, &clen, &e->tag, &e->cls, (long)len);
    /* 0x80: error, or too long for the buffer. */
    if ((ret & 0x80) != 0 || clen < 0)
        return 0;
    hdr = (size_t)(q - p);
    e->constructed = (ret & V_ASN1_CONSTRUCTED) != 0;
    e->whole.p = p;
    e->content.p = q;
    /* 0x21: constructed with an indefinite length. */
    if ((ret & 0x21) == 0x21) {
        e->whole.len = len;
        e->content.len = len - hdr;
        return 2;
    }
    if (hdr > len || (size_t)clen > len - hdr)
        return 0;
    e->whole.len = hdr + (size_t)clen;
    e->content.len = (size_t)clen;
    return 1;
}

/*
 * Reads the element at the front of r and moves r past it. Only definite
 * DER lengths that fit inside r are accepted. Returns 1, or 0 when r is
 * empty or the header is malformed.
 */
static inline int cwms_der_next(CWMS_DER_SLICE *r, CWMS_DER_ELEMENT *e)
{
    if (cwms_der_header(r->p, r->len, e) != 1)
        return 0;
    r->p += e->whole.len;
    r->len -= e->whole.len;
    return 1;
}

/* 1 when e is the universal tag in the given form (constructed 1, primitive 0). */
static inline int cwms_der_is_universal(const CWMS_DER_ELEMENT *e, int tag, int constructed)
{
    return e->cls == V_ASN1_UNIVERSAL && e->tag == tag && e->constructed == constructed;
}

#endif
