/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MurmurHash3's 64-bit finaliser: every input bit flips each output bit
 * with probability about one half, so the low bits of a mixed value serve
 * as hash-table slots. Inline: it runs once per certificate and name.
 */
#ifndef CWMS_UTIL_FMIX64_H
#define CWMS_UTIL_FMIX64_H

#include <stdint.h>

static inline uint64_t cwms_fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return h;
}

#endif
