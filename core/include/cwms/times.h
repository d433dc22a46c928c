/* SPDX-License-Identifier: Apache-2.0 */
/* Times: ASN1_TIME to seconds since the epoch, and seconds as text for messages. */
#ifndef CWMS_TIMES_H
#define CWMS_TIMES_H

#include <stdint.h>

#include <openssl/asn1.h>

/*
 * Converts an ASN1_TIME to seconds since the epoch (UTC); 1 on success, 0
 * when t is NULL or invalid.
 */
int cwms_asn1_time_to_epoch(const ASN1_TIME *t, int64_t *out);

/* Room for any text cwms_time_format writes, NUL included. */
#define CWMS_TIME_TEXT_SIZE 32

/*
 * Writes t (seconds since the epoch) as "2036-11-25 01:02:03 UTC" (four
 * year digits at least: "0950-01-01 ...") into out, or "@<seconds>" when
 * the C library cannot break it down. Returns out.
 */
char *cwms_time_format(int64_t t, char out[CWMS_TIME_TEXT_SIZE]);

/*
 * Writes t as RFC 3339 in UTC with four year digits, "0950-01-01T00:00:00Z"
 * (the time the --json document carries, docs/cwms-bundle.schema.json).
 * Returns out, or NULL with out "" when t is NULL or cannot be read.
 */
char *cwms_asn1_time_rfc3339(const ASN1_TIME *t, char out[CWMS_TIME_TEXT_SIZE]);

#endif
