/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The option vocabulary of cwms-bundle, shared by the CLI's options, the
 * cwms: URI parameters and the provider's openssl.cnf settings, so that a
 * value means the same, and a bad one is explained the same way, wherever
 * it is written.
 *
 * Every parser takes a NUL-terminated string, returns 1 and sets its
 * output on success, and returns 0 leaving the output alone otherwise
 * (NULL input included). None allocates. cwms_option_error() turns a
 * refused value into the message the user sees.
 */
#ifndef CWMS_OPTIONS_H
#define CWMS_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "cwms/bundle.h"

/* The kinds of value the vocabulary knows, for cwms_option_error(). */
typedef enum cwms_option_kind_en {
    CWMS_OPTION_VERSION,     /* --cwms, version=, cwms-version */
    CWMS_OPTION_ORDER,       /* --order, order= */
    CWMS_OPTION_PATH,        /* --path, path=, cwms-path */
    CWMS_OPTION_ATTIME,      /* --attime, attime= */
    CWMS_OPTION_SHA256,      /* --leaf, leaf= */
    CWMS_OPTION_ROOT,        /* root= (the CLI's --include-root takes no value) */
    CWMS_OPTION_VERIFY_DEPTH /* --verify-depth, verify-depth=, cwms-verify-depth */
} CWMS_OPTION_KIND;

/*
 * A CWMS version, mapped to the order that release imports:
 *
 *   VERSION = MAJOR                     a major whose releases all share one
 *           | MAJOR ".x"                order: 1, 3, 4, 5... (not 2: 2.0 and
 *                                       2.5 differ); a bare MAJOR is one digit
 *                                       (20, 25, 10 are releases typed without
 *                                       their dot, refused with "did you mean
 *                                       2.0?"; later majors take the dot: 10.0)
 *           | RELEASE [SUFFIX]
 *   RELEASE = MAJOR "." MINOR           a release that exists: 1.0 1.1 1.5 2.0
 *                                       2.5 2.6 2.7 2.8 3.0 4.0, or any release
 *                                       of a later major (5.0, ...)
 *   SUFFIX  = [" "] "MR" N [[" "] "SP" N]   maintenance release / service
 *                                       pack: 2.5MR6, 4.0MR2 SP1
 *           | "." N "." N               Cisco's four-part build number
 *                                       MAJOR.MINOR.PATCH.BUILD: 2.8.1.1
 *
 * Numbers are decimal without leading zeros; "MR"/"SP" in any case. So
 * 2.1 to 2.4 (never released), 2.0.1 (three parts: no such build),
 * 2 or 2.x (both orders) and 20 (no dot) are refused. 1.x and 2.0 are leaf-first, 2.5 and
 * everything after root-first.
 */
int cwms_order_for_version(const char *version, CWMS_ORDER *order);

/* "leaf-first" or "root-first". */
int cwms_parse_order(const char *s, CWMS_ORDER *order);

/* "complete" or "shortest". */
int cwms_parse_path_choice(const char *s, CWMS_PATH_CHOICE *path);

/*
 * A validation time: seconds since the epoch, or YYYY-MM-DD (midnight UTC),
 * or YYYY-MM-DDTHH:MM:SSZ (UTC only, no offsets). Calendar-checked; years
 * up to 9999.
 */
int cwms_parse_time(const char *s, int64_t *out);

/* A SHA-256 fingerprint: 64 hex digits, ':' between bytes allowed. */
int cwms_parse_sha256(const char *s, unsigned char out[32]);

/* Root handling: the only value is "include" (sets *include_root to 1). */
int cwms_parse_root(const char *s, int *include_root);

/*
 * The verifier's depth limit, as `openssl verify -verify_depth`: the most
 * intermediate CA certificates a chain may have (neither the server
 * certificate nor the trust anchor counts). A decimal number from 0 to
 * CWMS_VERIFY_DEPTH_MAX, digits only.
 */
#define CWMS_VERIFY_DEPTH_MAX 9999
int cwms_parse_verify_depth(const char *s, int *depth);

/* Room for any message cwms_option_error() writes. */
#define CWMS_OPTION_ERROR_SIZE 1024

/*
 * Writes to buf (size bytes, always NUL-terminated, truncated if short)
 * why value is not a valid value of kind, saying what to give instead, in
 * the spelling the user wrote the option in:
 *
 *   option "--cwms"         ->  --cwms '2.1' ...      e.g. --cwms 2.5
 *   option "version="       ->  version='2.1' ...     e.g. version=2.5
 *   option "cwms-version"   ->  cwms-version = '2.1' ...  (openssl.cnf)
 *
 * At most 64 bytes of value are quoted, control bytes shown as '?'.
 * Returns buf.
 */
const char *cwms_option_error(CWMS_OPTION_KIND kind, const char *option, const char *value,
                              char *buf, size_t size);

#endif
