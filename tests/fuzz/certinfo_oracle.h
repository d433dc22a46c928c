/*
 * The oracle for the DER walker (provider/core/certinfo.c), shared by the
 * unit test and the fuzz target: whatever the walker accepts, the full
 * decoder (d2i_X509 + cwms_certinfo_from_x509) must accept too and read
 * the very same fields from it (the names decoded from where the walker
 * found them, and their keys) — unless one of those names does not decode
 * at all, which lazy name decoding reports later.
 */
#ifndef CWMS_CERTINFO_ORACLE_H
#define CWMS_CERTINFO_ORACLE_H

#include <stddef.h>

#include "cert.h"

typedef enum {
    ORACLE_REFUSED = 0,   /* the walker returned 0 (the full decoder will decide) */
    ORACLE_AGREES = 1,    /* both accept, every field and name equal */
    ORACLE_DIFFERS = 2,   /* a bug: *why says which field */
    /*
     * The walker accepted, the full decoder refuses, and a name the walker
     * located does not decode: names are decoded lazily, so this is where
     * cwms_cert_subject / cwms_cert_issuer answer NULL. Not a bug.
     */
    ORACLE_NAME_DEFERRED = 3
} ORACLE_RESULT;

/* Compares two infos field by field; NULL when equal, else the first differing field. */
const char *certinfo_first_difference(const CWMS_CERTINFO *a, const CWMS_CERTINFO *b);

/* Runs the walker on der and checks it against the full decoder; *why is a static string. */
ORACLE_RESULT certinfo_oracle(const unsigned char *der, size_t len, const char **why);

/* 1 when d2i_X509 accepts der exactly (no trailing bytes) and cwms_certinfo_from_x509 reads it. */
int certinfo_full_decoder_accepts(const unsigned char *der, size_t len, CWMS_CERTINFO *info);

#endif
