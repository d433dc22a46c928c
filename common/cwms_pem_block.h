/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The next PEM block of a buffer: PEM_read_bio_ex's answer, faster for the
 * blocks issuer pools and trust stores are made of. Shared by the input
 * readers (core/input/) and the trust store (core/index/trust.c).
 */
#ifndef CWMS_PEM_BLOCK_H
#define CWMS_PEM_BLOCK_H

#include <stddef.h>

/*
 * Reads the block at or after data[*pos] and moves *pos past it. Returns
 * and sets what PEM_read_bio_ex(PEM_FLAG_EAY_COMPATIBLE) does on the same
 * bytes: 1 with name, header and der (free each with OPENSSL_free; der
 * may hold a key: OPENSSL_clear_free), 0 with OpenSSL's error queued
 * (PEM_R_NO_START_LINE when no block is left).
 */
int cwms_pem_next_block(const unsigned char *data, size_t len, size_t *pos, char **name,
                        char **header, unsigned char **der, long *der_len);

#endif
