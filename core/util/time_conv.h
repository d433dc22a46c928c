/* Times: ASN1_TIME to seconds since the epoch. */
#ifndef CWMS_UTIL_TIME_CONV_H
#define CWMS_UTIL_TIME_CONV_H

#include <stdint.h>

#include <openssl/asn1.h>

/* Converts an ASN1_TIME to seconds since the epoch (UTC); 1 on success, 0 when t is NULL or invalid. */
int cwms_asn1_time_to_epoch(const ASN1_TIME *t, int64_t *out);

#endif
