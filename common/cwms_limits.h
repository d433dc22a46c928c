/* Limits every part of cwms-bundle applies alike. */
#ifndef CWMS_LIMITS_H
#define CWMS_LIMITS_H

/*
 * The longest passphrase or PIN accepted, in bytes, from any source (the
 * passphrase cache, --passin/--passout, a PIN in a pkcs11: URI or its
 * pin-source file). Buffers hold CWMS_PASS_MAX + 1 for the NUL.
 */
#define CWMS_PASS_MAX 1024

#endif
