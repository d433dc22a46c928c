/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the bundle reader of `cwms-bundle check`
 * (core/inspect/blocks.c): the line scanner that splits a file into its
 * PEM blocks and the text between them, and OpenSSL's decode of each
 * block. Whatever the bytes: a scan, never a crash, a read out of bounds
 * or a leak, and a scan that describes the file: blocks in file order,
 * inside the data, each starting at its BEGIN line, texts between them.
 * tests/fuzz/replay.c runs it over a corpus in the normal test suite.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/blocks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A bundle is a key and a handful of certificates: a few KiB. */
#define FUZZ_BUNDLE_MAX (256 * 1024)

static void check_scan(const unsigned char *data, size_t size, const CWMS_SCAN *s)
{
    size_t done = 0, line = 0;

    for (size_t i = 0; i < s->n_blocks; i++) {
        const CWMS_BLOCK *b = &s->blocks[i].pub;
        size_t ll;

        if (b->offset < done || b->len > size - b->offset || b->line <= line || b->label == NULL)
            abort();
        ll = strlen(b->label);
        if (b->len < 11 + ll || memcmp(data + b->offset, "-----BEGIN ", 11) != 0
            || memcmp(data + b->offset + 11, b->label, ll) != 0)
            abort();
        if (b->kind == CWMS_BLOCK_CERT ? strlen(b->sha256) != 64 && b->sha256[0] != '\0'
                                       : b->subject != NULL)
            abort();
        done = b->offset + b->len;
        line = b->line;
    }
    done = 0;
    for (size_t i = 0; i < s->n_texts; i++) {
        const CWMS_SCAN_TEXT *t = &s->texts[i];

        if (t->offset < done || t->len > size - t->offset || t->before_block > s->n_blocks
            || (i > 0 && t->before_block < s->texts[i - 1].before_block))
            abort();
        /* Text lies outside every block: before the one it precedes, after the one before. */
        if (t->before_block < s->n_blocks
            && t->offset + t->len > s->blocks[t->before_block].pub.offset)
            abort();
        if (t->before_block > 0) {
            const CWMS_BLOCK *prev = &s->blocks[t->before_block - 1].pub;

            if (t->offset < prev->offset + prev->len)
                abort();
        }
        done = t->offset + t->len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CWMS_SCAN scan;

    if (size > FUZZ_BUNDLE_MAX)
        return 0;
    if (cwms_scan_pem(data, size, &scan)) {
        check_scan(data, size, &scan);
        cwms_scan_clear(&scan);
    }
    return 0;
}
