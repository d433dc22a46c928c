/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The oracle for the DER walker (core/index/certinfo.c), shared by the
 * unit test and the fuzz target: whatever the walker accepts, the full
 * decoder (d2i_X509 + cwms_certinfo_from_x509) must accept too and read
 * the very same fields from it (the names decoded from where the walker
 * found them, and their keys, and the fields it left pending decoded by
 * cwms_certinfo_decode_pending) — unless one of those does not decode at
 * all, which lazy decoding reports later. Every accepted certificate is
 * also checked through a CWMS_CERT entry and its accessors.
 */
#ifndef CWMS_CERTINFO_ORACLE_H
#define CWMS_CERTINFO_ORACLE_H

#include <stddef.h>

#include "index/cert.h"

typedef enum {
    ORACLE_REFUSED = 0, /* the walker returned 0 (the full decoder will decide) */
    ORACLE_AGREES = 1,  /* both accept, every field and name equal */
    ORACLE_DIFFERS = 2, /* a bug: *why says which field */
    /*
     * The walker accepted, the full decoder refuses, and a name the walker
     * located does not decode: names are decoded lazily, so this is where
     * cwms_cert_subject / cwms_cert_issuer answer NULL. Not a bug.
     */
    ORACLE_NAME_DEFERRED = 3,
    /*
     * The walker accepted, a field it left pending (validity, key
     * identifiers) does not decode from its slice, and the full decoder
     * refuses the certificate: the entry (cwms_cert_new_der) is then
     * malformed, never valid, without key identifiers and without X509.
     * Not a bug; checked on the entry.
     */
    ORACLE_FIELD_DEFERRED = 4,
    /*
     * The walker accepted, a pending field does not decode from its slice,
     * the full decoder reads the certificate (an undecodable extension
     * counts as absent), and the entry's accessors answer what it reads.
     */
    ORACLE_FALLBACK = 5
} ORACLE_RESULT;

/* Compares two infos field by field; NULL when equal, else the first differing field. */
const char *certinfo_first_difference(const CWMS_CERTINFO *a, const CWMS_CERTINFO *b);

/* Runs the walker on der and checks it against the full decoder; *why is a static string. */
ORACLE_RESULT certinfo_oracle(const unsigned char *der, size_t len, const char **why);

/* 1 when d2i_X509 accepts der exactly (no trailing bytes) and cwms_certinfo_from_x509 reads it. */
int certinfo_full_decoder_accepts(const unsigned char *der, size_t len, CWMS_CERTINFO *info);

#endif
