/*
 * The option vocabulary of cwms-bundle, shared by the CLI's options, the
 * cwms: URI parameters and the provider's openssl.cnf settings, so that a
 * value means the same wherever it is written.
 */
#ifndef CWMS_OPTIONS_H
#define CWMS_OPTIONS_H

#include <stdint.h>

#include "cwms/bundle.h"

/* Parses a CWMS version ("2.0", "2.5", "3", "4.0.1") into its order; 1 on success. */
int cwms_order_for_version(const char *version, CWMS_ORDER *order);

/*
 * Parses a validation time: seconds since the epoch, or YYYY-MM-DD, or
 * YYYY-MM-DDTHH:MM:SSZ (UTC). Returns 1 and sets *out on success.
 */
int cwms_parse_time(const char *s, int64_t *out);

/* Parses a SHA-256 fingerprint (64 hex digits, ':' between bytes allowed). 1 on success. */
int cwms_parse_sha256(const char *s, unsigned char out[32]);

#endif
