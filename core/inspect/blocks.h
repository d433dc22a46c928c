/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A PEM file as CWMS sees it (blocks.c): its blocks in file order, each
 * with its label, byte range and what it holds, and every run of text
 * between them that is not blank. Nothing is decrypted: an encrypted key
 * is recognised by its label or its Proc-Type header.
 */
#ifndef CWMS_INSPECT_BLOCKS_H
#define CWMS_INSPECT_BLOCKS_H

#include <stddef.h>

#include <openssl/x509.h>

#include "cwms/inspect.h"

typedef struct cwms_scan_block_st {
    CWMS_BLOCK pub;
    char *label;   /* owned */
    char *subject; /* owned; certificates */
    char sha256[65];
    X509 *x509;     /* certificates that decode; owned */
    size_t copy_of; /* the first block with the same sha256 (also ""), SIZE_MAX when none */
} CWMS_SCAN_BLOCK;

/* Text outside the blocks that is not blank. */
typedef struct cwms_scan_text_st {
    size_t offset, len;
    size_t line;         /* 1-based line where it starts */
    size_t before_block; /* 0-based index of the block that follows; n_blocks at the end */
} CWMS_SCAN_TEXT;

typedef struct cwms_scan_st {
    CWMS_SCAN_BLOCK *blocks;
    size_t n_blocks;
    CWMS_SCAN_TEXT *texts;
    size_t n_texts;
    int unterminated; /* a BEGIN line without its END line (counted as text) */
} CWMS_SCAN;

/* Scans data; 1 on success, 0 on allocation failure. Free with cwms_scan_clear. */
int cwms_scan_pem(const unsigned char *data, size_t len, CWMS_SCAN *scan);
void cwms_scan_clear(CWMS_SCAN *scan);

#endif
