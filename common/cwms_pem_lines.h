/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one PEM line scanner: PEM text a line at a time, and what its
 * boundary lines say. The block reader (pem_block.c), the PEM file reader
 * and its chunking (core/input/pem.c, pem_chunks.c) and check's block
 * scanner (core/inspect/blocks.c) all see lines, BEGIN and END lines and
 * labels through it; what each does with a line that is not a boundary
 * (skip it, count it as stray text, hand the block to OpenSSL) stays
 * theirs. Inline, as the block reader runs it on every line of an issuer
 * pool or a trust store.
 *
 * A line ends at "\n" or "\r\n" (a lone "\r" is part of the line, as for
 * PEM_read_bio_ex), or at the end of the buffer. A boundary is the whole
 * line: "-----BEGIN LABEL-----" or "-----END LABEL-----", LABEL at least
 * one byte, taken as it is (OpenSSL judges what it may hold).
 */
#ifndef CWMS_PEM_LINES_H
#define CWMS_PEM_LINES_H

#include <stddef.h>
#include <string.h>

#define CWMS_PEM_BEGIN "-----BEGIN "
#define CWMS_PEM_END "-----END "
#define CWMS_PEM_DASHES "-----"

/*
 * The line at p (p < end, or p == end for an empty last line): its length
 * without the line break; *next is where the following line starts (end
 * after the last).
 */
static inline size_t cwms_pem_line(const unsigned char *p, const unsigned char *end,
                                   const unsigned char **next)
{
    const unsigned char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;

    *next = nl ? nl + 1 : end;
    if (stop > p && stop[-1] == '\r')
        stop--;
    return (size_t)(stop - p);
}

/* 1 when the len bytes at p start with the string s. */
static inline int cwms_pem_starts(const unsigned char *p, size_t len, const char *s)
{
    size_t n = strlen(s);

    return len >= n && memcmp(p, s, n) == 0;
}

/*
 * 1 when the line (p, len) is mark LABEL "-----" (mark CWMS_PEM_BEGIN or
 * CWMS_PEM_END), with *label and *label_len set to LABEL's bytes in it.
 */
static inline int cwms_pem_boundary(const unsigned char *p, size_t len, const char *mark,
                                    const unsigned char **label, size_t *label_len)
{
    size_t ml = strlen(mark), dl = sizeof(CWMS_PEM_DASHES) - 1;

    if (len <= ml + dl || memcmp(p, mark, ml) != 0
        || memcmp(p + len - dl, CWMS_PEM_DASHES, dl) != 0)
        return 0;
    *label = p + ml;
    *label_len = len - ml - dl;
    return 1;
}

/* 1 when the line (p, len) is exactly mark label "-----". */
static inline int cwms_pem_boundary_of(const unsigned char *p, size_t len, const char *mark,
                                       const char *label, size_t label_len)
{
    size_t ml = strlen(mark), dl = sizeof(CWMS_PEM_DASHES) - 1;

    return len == ml + label_len + dl && memcmp(p, mark, ml) == 0
        && memcmp(p + ml, label, label_len) == 0
        && memcmp(p + ml + label_len, CWMS_PEM_DASHES, dl) == 0;
}

#endif
