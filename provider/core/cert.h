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

/*
 * What the index needs, read from the DER (certinfo.c) or from an X509.
 *
 * Names are not decoded here (d2i_X509_NAME is the most expensive part of
 * reading a certificate): the info keeps where each Name is in the DER
 * and its key (namekey.h), and cwms_cert_subject / cwms_cert_issuer decode
 * a name when somebody needs it.
 */
typedef struct cwms_certinfo_st {
    /*
     * Where the subject and issuer Name TLVs are in the DER the info was
     * read from (CWMS_CERT.der). Length 0: not known (the info came from
     * an X509, whose decoded names serve instead).
     */
    size_t subject_offset;
    size_t subject_len;
    size_t issuer_offset;
    size_t issuer_len;
    uint64_t subject_key;          /* cwms_name_key: canonically equal names have equal keys */
    uint64_t issuer_key;
    unsigned char ski[CWMS_KEYID_MAX];
    size_t ski_len;                /* 0 when absent (or longer than CWMS_KEYID_MAX) */
    unsigned char aki[CWMS_KEYID_MAX];
    size_t aki_len;                /* authorityKeyIdentifier keyIdentifier; 0 when absent */
    int64_t not_before;            /* seconds since the epoch, UTC */
    int64_t not_after;
    int is_ca;                     /* basicConstraints cA: 1 true, 0 false or absent */
    int self_issued;               /* subject equals issuer (canonically) */
    /*
     * Where the subjectPublicKeyInfo TLV is in the DER the info was read
     * from (CWMS_CERT.der), so a public key can be decoded (d2i_PUBKEY) or
     * compared without decoding the whole certificate. spki_len 0: not
     * known (the info came from an X509), use cwms_cert_x509.
     */
    size_t spki_offset;
    size_t spki_len;
} CWMS_CERTINFO;

typedef struct cwms_cert_st {
    unsigned char *der;            /* owned */
    size_t der_len;
    uint64_t der_hash;             /* cwms_der_hash(der): finds duplicates (confirmed by memcmp) */
    CWMS_CERTINFO info;
    X509 *x509;                    /* NULL until cwms_cert_x509() */
    X509_NAME *subject_name;       /* owned; decoded by cwms_cert_subject when x509 was not */
    X509_NAME *issuer_name;        /* owned; likewise cwms_cert_issuer */
    char *origin;                  /* where it came from: "ca.p7b", "ca.pem#3", owned */
    int from_trust;                /* 1 when it came from the trust store, not the inputs */
    /*
     * SHA-256 of der, computed on first use by cwms_cert_sha256: only
     * --leaf and messages need a fingerprint, so indexing a pool never pays
     * for one. Private to cert.c; read it through cwms_cert_sha256.
     */
    int sha256_done;
    unsigned char sha256_cache[32];
} CWMS_CERT;

/*
 * Fills info from a DER certificate without decoding the public key or
 * the names. Returns 1 on success, 0 when the DER is not a certificate it
 * can walk (the caller falls back to cwms_certinfo_from_x509 on a full
 * decode); on failure info is left zeroed. The names are only walked for
 * their keys, not validated: a name OpenSSL refuses shows up when it is
 * decoded (cwms_cert_subject / cwms_cert_issuer answer NULL), and such a
 * certificate never decodes (cwms_cert_x509), so it never verifies.
 */
int cwms_certinfo_from_der(const unsigned char *der, size_t len, CWMS_CERTINFO *info);
/* Fills info from a decoded certificate. Returns 1 on success, 0 on failure. */
int cwms_certinfo_from_x509(X509 *x, CWMS_CERTINFO *info);
/* Zeroes info (it owns nothing). */
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
 * The SHA-256 fingerprint of the certificate's DER (32 bytes, owned by
 * the entry), computed on first use. NULL only when the digest cannot be
 * computed (no SHA-256 available). Like cwms_cert_x509, it fills a cache
 * in the entry: do not call it on one entry from two threads at once.
 */
const unsigned char *cwms_cert_sha256(CWMS_CERT *cert);

/*
 * The subject and issuer names, decoded on first use (from the DER slice,
 * or taken from the decoded X509); owned by the entry, valid until
 * cwms_cert_free. NULL when the name does not decode: the certificate is
 * malformed. Like cwms_cert_x509, not for one entry from two threads.
 */
const X509_NAME *cwms_cert_subject(CWMS_CERT *cert);
const X509_NAME *cwms_cert_issuer(CWMS_CERT *cert);

typedef enum { CWMS_NAME_SUBJECT, CWMS_NAME_ISSUER } CWMS_NAME_FIELD;

/*
 * 1 when name fa of a equals name fb of b canonically (X509_NAME_cmp),
 * else 0 (also when either does not decode). Different keys answer at
 * once, identical DER too; only the rest decode the names.
 */
int cwms_cert_names_equal(CWMS_CERT *a, CWMS_NAME_FIELD fa, CWMS_CERT *b, CWMS_NAME_FIELD fb);

/*
 * 1 when name f of cert equals name canonically, name_key being its
 * cwms_name_key; else 0. Decodes cert's name only when the keys agree and
 * the DER differs.
 */
int cwms_cert_name_is(CWMS_CERT *cert, CWMS_NAME_FIELD f, const X509_NAME *name,
                      uint64_t name_key);

/* 1 when a and b hold the same DER (the same certificate), else 0. */
int cwms_cert_same_der(const CWMS_CERT *a, const CWMS_CERT *b);

/*
 * A fast, non-cryptographic 64-bit hash of len bytes: spreads certificates
 * over hash tables. Never proof of equality: compare the bytes too.
 */
uint64_t cwms_der_hash(const unsigned char *p, size_t len);

/*
 * The decoded certificate, decoded on first use; owned by the entry (do
 * not free; X509_up_ref to keep it). NULL when decoding fails.
 */
X509 *cwms_cert_x509(CWMS_CERT *cert);

/*
 * A printable one-line name ("CN=x, O=y"), for messages; caller frees with
 * OPENSSL_free. NULL when name is NULL (a name that does not decode).
 */
char *cwms_name_oneline(const X509_NAME *name);

/* Converts an ASN1_TIME to seconds since the epoch; 1 on success. */
int cwms_asn1_time_to_epoch(const ASN1_TIME *t, int64_t *out);

#endif
