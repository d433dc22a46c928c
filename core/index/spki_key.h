/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What identifies a public key inside a SubjectPublicKeyInfo, whatever the
 * encoding a certificate chose for it: the X coordinate of an EC point
 * (compressed, uncompressed or hybrid form alike), the modulus of an RSA
 * key (with or without the NULL parameters, with or without a leading zero
 * byte too many), the key bytes of any other kind. Equal keys have equal
 * identities; a byte comparison of identities screens a pool for a key
 * without decoding it (paths/leaf.c), and EVP_PKEY_eq decides on the hits.
 */
#ifndef CWMS_INDEX_SPKI_KEY_H
#define CWMS_INDEX_SPKI_KEY_H

#include <stddef.h>

#include "cwms_der_element.h"

/*
 * Points *id at the identity of the key in the DER SubjectPublicKeyInfo
 * spki (inside spki: nothing is allocated). 1, or 0 when spki is not one
 * this reader can take apart (the caller then compares decoded keys).
 */
int cwms_spki_key_id(const unsigned char *spki, size_t len, CWMS_DER_SLICE *id);

#endif
