/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One certificate of the pool: its DER, what path building needs to know
 * about it, and the fully decoded X509 only once somebody asks for it.
 *
 * Decoding a certificate with d2i_X509 costs ~100 us in OpenSSL 3.0 (the
 * public key goes through the decoder framework); reading the names, key
 * identifiers and validity out of the DER costs a few. Path building looks
 * at every certificate of a pool but verifies signatures on a handful, so
 * the index is built from CWMS_CERTINFO and cwms_cert_x509() decodes lazily.
 *
 * Threads. The lazy fields (x509, subject_name, issuer_name, the pending
 * info fields, the SHA-256) are filled on first read without a lock, so a
 * CWMS_CERT belongs to one thread at a time, and the core's own threads
 * keep to that:
 *   - the PEM reading helper (input/pem_chunks.c) creates certificates
 *     into its own chunks and touches no other; the caller takes them
 *     only after joining it;
 *   - the trust file's reader (bundle.c) creates the trust store and its
 *     certificates; the caller reads them only after joining it, while it
 *     creates the inputs' certificates meanwhile;
 *   - everything after reading (pool, graph, paths, checks, emit) runs on
 *     the caller's thread.
 * The only state shared between those threads is OpenSSL's (thread-safe)
 * and the debug switch (atomic); the walker's memo (certinfo.c) is per
 * thread. A front that shares one CWMS_CERT between threads of its own
 * must serialise every call on it.
 */
#ifndef CWMS_CERT_H
#define CWMS_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "cwms/cert.h"

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
    uint64_t subject_key; /* cwms_name_key: canonically equal names have equal keys */
    uint64_t issuer_key;
    /*
     * The key identifiers and validity: decoded only when `pending` no
     * longer holds their bit (see below). Through a CWMS_CERT read them
     * with cwms_cert_ski / cwms_cert_aki / cwms_cert_not_before / _after.
     */
    unsigned char ski[CWMS_KEYID_MAX];
    size_t ski_len; /* 0 when absent (or longer than CWMS_KEYID_MAX) */
    unsigned char aki[CWMS_KEYID_MAX];
    size_t aki_len;     /* authorityKeyIdentifier keyIdentifier; 0 when absent */
    int64_t not_before; /* seconds since the epoch, UTC */
    int64_t not_after;
    /*
     * Path building reads validity and key identifiers of the few issuer
     * candidates it ranks, so the walker only records where they are
     * (offsets into the DER it read) and sets their CWMS_INFO_* bit here;
     * cwms_certinfo_decode_pending decodes them. Length 0: absent.
     */
    unsigned pending;
    size_t validity_offset; /* the Validity SEQUENCE TLV */
    size_t validity_len;
    size_t ski_value_offset; /* extnValue contents (the DER the extension's d2i reads) */
    size_t ski_value_len;
    size_t aki_value_offset;
    size_t aki_value_len;
    int is_ca;       /* basicConstraints cA: 1 true, 0 false or absent */
    int self_issued; /* subject equals issuer (canonically) */
    /*
     * Where the subjectPublicKeyInfo TLV is in the DER the info was read
     * from (CWMS_CERT.der), so a public key can be decoded (d2i_PUBKEY) or
     * compared without decoding the whole certificate. spki_len 0: not
     * known (the info came from an X509), use cwms_cert_x509.
     */
    size_t spki_offset;
    size_t spki_len;
} CWMS_CERTINFO;

#define CWMS_INFO_VALIDITY 1u /* not_before, not_after */
#define CWMS_INFO_SKI 2u      /* ski, ski_len */
#define CWMS_INFO_AKI 4u      /* aki, aki_len */

struct cwms_cert_st {
    unsigned char *der; /* owned */
    size_t der_len;
    uint64_t der_hash; /* cwms_der_hash(der): finds duplicates (confirmed by memcmp) */
    CWMS_CERTINFO info;
    X509 *x509;              /* NULL until cwms_cert_x509() */
    X509_NAME *subject_name; /* owned; decoded by cwms_cert_subject when x509 was not */
    X509_NAME *issuer_name;  /* owned; likewise cwms_cert_issuer */
    /*
     * 1 once the whole certificate is known not to decode (cwms_cert_x509
     * failed, or a field the walker left pending did not decode and
     * neither did the certificate): it is never valid, has no key
     * identifiers, and cwms_cert_x509 answers NULL, so it never verifies.
     */
    int malformed;
    char *origin;   /* where it came from: "ca.p7b", "ca.pem#3", owned */
    int from_trust; /* 1 when it came from the trust store, not the inputs */
    /*
     * SHA-256 of der, computed on first use by cwms_cert_sha256: only
     * --leaf and messages need a fingerprint, so indexing a pool never pays
     * for one. Private to cert.c; read it through cwms_cert_sha256.
     */
    int sha256_done;
    unsigned char sha256_cache[32];
};

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
/*
 * Decodes the fields of info->pending named by `fields` (CWMS_INFO_*)
 * from der, the DER info was read from, with OpenSSL's decoders (the
 * same verdicts as d2i_X509 + cwms_certinfo_from_x509), and clears their
 * bits. Returns 1 when every one decoded; 0 when one did not: its bit
 * stays set and its value zero (cwms_cert_* accessors then ask the full
 * decoder). Every offset is checked against len.
 */
int cwms_certinfo_decode_pending(const unsigned char *der, size_t len, CWMS_CERTINFO *info,
                                 unsigned fields);
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
/*
 * The same, taking ownership of der (an OPENSSL_malloc'ed buffer of at
 * least len bytes, shrunk to len, freed with the entry or on failure):
 * no copy.
 */
CWMS_CERT *cwms_cert_adopt_der(unsigned char *der, size_t len, const char *origin);
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
 * Validity (seconds since the epoch, UTC) and key identifiers, decoded on
 * first use from where the walker found them. When that slice does not
 * decode, the full decoder (cwms_cert_x509 + cwms_certinfo_from_x509)
 * answers; when it cannot either, the entry is marked malformed: never
 * valid (not_before INT64_MAX, not_after INT64_MIN), no key identifiers,
 * and no X509 (it never verifies). cwms_cert_ski / _aki return the bytes
 * (owned by the entry) and their length in *len, or NULL and 0 when
 * absent. Like cwms_cert_x509, not for one entry from two threads.
 */
int64_t cwms_cert_not_before(CWMS_CERT *cert);
int64_t cwms_cert_not_after(CWMS_CERT *cert);
const unsigned char *cwms_cert_ski(CWMS_CERT *cert, size_t *len);
const unsigned char *cwms_cert_aki(CWMS_CERT *cert, size_t *len);

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
int cwms_cert_name_is(CWMS_CERT *cert, CWMS_NAME_FIELD f, const X509_NAME *name, uint64_t name_key);

/* basicConstraints cA (1) and subject == issuer canonically (1), as the index read them. */
int cwms_cert_is_ca(const CWMS_CERT *cert);
int cwms_cert_self_issued(const CWMS_CERT *cert);
/* The name key (namekey.h) of the subject or the issuer. */
uint64_t cwms_cert_name_key(const CWMS_CERT *cert, CWMS_NAME_FIELD field);
/* cwms_der_hash of the DER: a hash-table slot, never proof of equality. */
uint64_t cwms_cert_der_hash(const CWMS_CERT *cert);
/*
 * The subjectPublicKeyInfo TLV inside the DER (borrowed) and its length,
 * where the walker found it; NULL and *len 0 when not known.
 */
const unsigned char *cwms_cert_get0_spki(const CWMS_CERT *cert, size_t *len);
/*
 * SHA-256 of the SubjectPublicKeyInfo: from the DER where the walker found
 * it, or re-encoded from an X509 decoded already. 0 when neither is at hand.
 */
int cwms_cert_spki_sha256(const CWMS_CERT *cert, unsigned char out[32]);
/* Sets the origin to a copy of origin (NULL clears it); 0 on allocation failure. */
int cwms_cert_set1_origin(CWMS_CERT *cert, const char *origin);
/* 1 when the certificate came from the trust store rather than the inputs. */
int cwms_cert_from_trust(const CWMS_CERT *cert);
void cwms_cert_set_from_trust(CWMS_CERT *cert);

/* 1 when a and b hold the same DER (the same certificate), else 0. */
int cwms_cert_same_der(const CWMS_CERT *a, const CWMS_CERT *b);

/*
 * A fast, non-cryptographic 64-bit hash of len bytes: spreads certificates
 * over hash tables. Never proof of equality: compare the bytes too.
 */
uint64_t cwms_der_hash(const unsigned char *p, size_t len);

/*
 * The decoded certificate, decoded on first use; owned by the entry (do
 * not free; X509_up_ref to keep it). NULL when decoding fails, or when
 * the entry is malformed (see cwms_cert_not_before).
 */
X509 *cwms_cert_x509(CWMS_CERT *cert);

/* The first caIssuers URL of the certificate's AIA extension (OPENSSL_free), or NULL. */
char *cwms_cert_ca_issuers_url(CWMS_CERT *cert);

#endif
