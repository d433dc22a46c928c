/*
 * One certificate of the pool: its DER, what path building needs to know
 * about it, and the fully decoded X509 only once somebody asks for it.
 *
 * Decoding a certificate with d2i_X509 costs ~100 us in OpenSSL 3.0 (the
 * public key goes through the decoder framework); reading the names, key
 * identifiers and validity out of the DER costs a few. Path building looks
 * at every certificate of a pool but verifies signatures on a handful, so
 * the index is built from CWMS_CERTINFO and cwms_cert_x509() decodes lazily.
 */
#ifndef CWMS_CERT_H
#define CWMS_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#define CWMS_KEYID_MAX 64

/* What the index needs, read from the DER (certinfo.c) or from an X509. */
typedef struct cwms_certinfo_st {
    X509_NAME *subject;            /* shared (names.h): read only, released by cwms_certinfo_clear;
                                      canonical comparison via X509_NAME_cmp */
    X509_NAME *issuer;             /* shared, like subject */
    unsigned long subject_hash;    /* X509_NAME_hash_ex of the subject (canonical form) */
    unsigned long issuer_hash;
    unsigned char ski[CWMS_KEYID_MAX];
    size_t ski_len;                /* 0 when absent (or longer than CWMS_KEYID_MAX) */
    unsigned char aki[CWMS_KEYID_MAX];
    size_t aki_len;                /* authorityKeyIdentifier keyIdentifier; 0 when absent */
    int64_t not_before;            /* seconds since the epoch, UTC */
    int64_t not_after;
    int is_ca;                     /* basicConstraints cA: 1 true, 0 false or absent */
    int self_issued;               /* subject equals issuer (canonically) */
} CWMS_CERTINFO;

typedef struct cwms_cert_st {
    unsigned char *der;            /* owned */
    size_t der_len;
    unsigned char sha256[32];      /* of der: identity, duplicates, --leaf */
    CWMS_CERTINFO info;
    X509 *x509;                    /* NULL until cwms_cert_x509() */
    char *origin;                  /* where it came from: "ca.p7b", "ca.pem#3", owned */
    int from_trust;                /* 1 when it came from the trust store, not the inputs */
} CWMS_CERT;

/*
 * Fills info from a DER certificate without decoding the public key.
 * Returns 1 on success, 0 when the DER is not a certificate it can walk
 * (the caller falls back to cwms_certinfo_from_x509 on a full decode).
 * On failure info is left zeroed. Release the names with cwms_certinfo_clear
 * (never X509_NAME_free: they are shared, see names.h).
 */
int cwms_certinfo_from_der(const unsigned char *der, size_t len, CWMS_CERTINFO *info);
/* Fills info from a decoded certificate. Returns 1 on success, 0 on failure. */
int cwms_certinfo_from_x509(X509 *x, CWMS_CERTINFO *info);
void cwms_certinfo_clear(CWMS_CERTINFO *info);

/*
 * A new certificate entry holding a copy of der. Returns NULL when the DER
 * is not a certificate (neither the walker nor d2i_X509 accept it).
 * origin may be NULL. Free with cwms_cert_free.
 */
CWMS_CERT *cwms_cert_new_der(const unsigned char *der, size_t len, const char *origin);
/* Same from a decoded certificate; x is up-ref'd, not consumed. */
CWMS_CERT *cwms_cert_new_x509(X509 *x, const char *origin);
void cwms_cert_free(CWMS_CERT *cert);

/*
 * The decoded certificate, decoded on first use; owned by the entry (do
 * not free; X509_up_ref to keep it). NULL when decoding fails.
 */
X509 *cwms_cert_x509(CWMS_CERT *cert);

/* A printable one-line subject ("CN=x, O=y"), for messages; caller frees with OPENSSL_free. */
char *cwms_name_oneline(const X509_NAME *name);

/* Converts an ASN1_TIME to seconds since the epoch; 1 on success. */
int cwms_asn1_time_to_epoch(const ASN1_TIME *t, int64_t *out);

#endif
