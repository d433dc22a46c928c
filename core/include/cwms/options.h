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

#include "cwms/types.h"

/* The kinds of value the vocabulary knows, for cwms_option_error(). */
typedef enum cwms_option_kind_en {
    CWMS_OPTION_VERSION,     /* --cwms, version=, cwms-version */
    CWMS_OPTION_ORDER,       /* --order, order= */
    CWMS_OPTION_PATH,        /* --path, path=, cwms-path */
    CWMS_OPTION_ATTIME,      /* --attime, attime= */
    CWMS_OPTION_SHA256,      /* --leaf, leaf= */
    CWMS_OPTION_ROOT,        /* root= (the CLI's --include-root takes no value) */
    CWMS_OPTION_SITE,        /* --site (the CLI's only: a store loader checks no host) */
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

/*
 * CWMS's own host-name rules for the WebEx site URL, per release (the
 * table in options.c, beside the releases' orders). Cisco's CWMS 2.5 and
 * 2.6 administration guides ("Importing an SSL certificate"): from 2.5MR5
 * on, only the certificate's CN is compared with the site URL, so a
 * wildcard must be the CN. Cisco's "TOI for CWMS SSL certificates":
 * before 2.5MR5 the subjectAltName had to name every virtual machine's
 * FQDN, the site URL and the administration URL. The clients' own rule
 * (the site covered by a subjectAltName entry) holds in every release
 * and is no part of this set.
 */
#define CWMS_SITE_RULE_SAN 0x1u /* before 2.5MR5: the SAN names the site and every --host */
#define CWMS_SITE_RULE_CN 0x2u  /* 2.5MR5 and later: the CN is the site or a wildcard over it */
#define CWMS_SITE_RULES_ALL (CWMS_SITE_RULE_SAN | CWMS_SITE_RULE_CN)

/*
 * The rules of version (a VERSION cwms_order_for_version accepts):
 * exactly one rule for a release on one side of 2.5MR5, and
 * CWMS_SITE_RULES_ALL, the strictest combination, when version does not
 * say which side: NULL (no release given), 2.5 without its maintenance
 * release, a four-part build of 2.5 (2.5.1.x: Cisco publishes no mapping
 * of builds to MRs), or a value that is no release.
 */
unsigned cwms_site_rules_for_version(const char *version);

/*
 * A host name as CWMS and its clients use one: a fully qualified DNS name
 * of letters, digits and hyphens (1 to 253 characters, labels of 1 to 63
 * not starting or ending with a hyphen, at least two labels, not an IPv4
 * address), "*." allowed as the whole first label. 1, or 0 with *why set
 * to the rule broken (static).
 */
int cwms_host_name_check(const char *host, const char **why);

/*
 * The WebEx site URL's host name (--site): NAME, https://NAME/ or
 * https://NAME/PATH ("https" in any case; no port, no user). NAME must
 * pass cwms_host_name_check. Writes NAME to host (NUL-terminated).
 */
#define CWMS_SITE_MAX 253
int cwms_parse_site(const char *s, char host[CWMS_SITE_MAX + 1]);

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
