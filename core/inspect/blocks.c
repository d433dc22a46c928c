/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scanning a PEM file block by block (blocks.h).
 *
 * A line scanner rather than PEM_read_bio: PEM_read_bio skips whatever
 * precedes a BEGIN line, and that skipped text ("Bag Attributes",
 * "subject=", `openssl x509 -text` output) is exactly what CWMS chokes on.
 * Each block's own bytes are then handed to PEM_read_bio_ex, so the
 * labels, headers and base64 are judged by OpenSSL as the readers do.
 */
#include "inspect/blocks.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cwms/cert.h"
#include "cwms_pem_lines.h"
#include "input/pem_label.h"

static int blank(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n' && p[i] != '\f'
            && p[i] != '\v')
            return 0;
    return 1;
}

/* What the block holds: decoded with OpenSSL's PEM reader, certificates fingerprinted. */
static void classify(CWMS_SCAN_BLOCK *b, const unsigned char *data)
{
    BIO *mem = BIO_new_mem_buf(data + b->pub.offset, (int)b->pub.len);
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long der_len = 0;

    b->pub.kind = CWMS_BLOCK_OTHER;
    b->pub.sha256 = b->sha256;
    ERR_set_mark();
    if (mem != NULL && PEM_read_bio(mem, &name, &header, &der, &der_len) == 1) {
        switch (cwms_pem_kind(name)) {
        case CWMS_PEM_CERT:
        case CWMS_PEM_TRUSTED_CERT: {
            const unsigned char *p = der;
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned int md_len = 0;

            b->pub.kind = CWMS_BLOCK_CERT;
            if (EVP_Digest(der, (size_t)der_len, md, &md_len, EVP_sha256(), NULL) && md_len == 32)
                for (unsigned int i = 0; i < 32; i++)
                    snprintf(b->sha256 + 2 * i, 3, "%02X", md[i]);
            if ((b->x509 = d2i_X509(NULL, &p, der_len)) != NULL)
                b->subject = cwms_name_oneline(X509_get_subject_name(b->x509));
            b->pub.subject = b->subject;
            break;
        }
        case CWMS_PEM_KEY:
            b->pub.kind = header != NULL && strstr(header, "ENCRYPTED") != NULL
                ? CWMS_BLOCK_ENCRYPTED_KEY
                : CWMS_BLOCK_KEY;
            break;
        case CWMS_PEM_ENCRYPTED_KEY:
            b->pub.kind = CWMS_BLOCK_ENCRYPTED_KEY;
            break;
        default:
            break;
        }
    }
    ERR_pop_to_mark();
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_clear_free(der, der_len > 0 ? (size_t)der_len : 0);
    BIO_free(mem);
}

static int by_sha256(const void *a, const void *b)
{
    const CWMS_SCAN_BLOCK *x = *(CWMS_SCAN_BLOCK *const *)a, *y = *(CWMS_SCAN_BLOCK *const *)b;
    int c = strcmp(x->sha256, y->sha256);

    /* Then in file order: the blocks are one array, so their addresses order them. */
    return c != 0 ? c : x < y ? -1 : x > y;
}

/*
 * Sets each block's copy_of: sorted by fingerprint, every block of a run
 * after its first is a copy of that first one. n log n, so a file of
 * thousands of certificates is not compared pair by pair.
 */
static int mark_copies(CWMS_SCAN *s)
{
    CWMS_SCAN_BLOCK **order = OPENSSL_malloc((s->n_blocks + 1) * sizeof(*order));

    if (order == NULL)
        return 0;
    for (size_t i = 0; i < s->n_blocks; i++) {
        order[i] = &s->blocks[i];
        s->blocks[i].copy_of = SIZE_MAX;
    }
    qsort(order, s->n_blocks, sizeof(*order), by_sha256);
    for (size_t i = 1; i < s->n_blocks; i++)
        if (strcmp(order[i - 1]->sha256, order[i]->sha256) == 0)
            order[i]->copy_of = order[i - 1]->copy_of != SIZE_MAX
                ? order[i - 1]->copy_of
                : (size_t)(order[i - 1] - s->blocks);
    OPENSSL_free(order);
    return 1;
}

static int push_block(CWMS_SCAN *s, size_t *cap)
{
    if (s->n_blocks == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        CWMS_SCAN_BLOCK *nb = OPENSSL_realloc(s->blocks, ncap * sizeof(*nb));

        if (nb == NULL)
            return 0;
        /* pub.sha256 points into its own block, which has just moved. */
        for (size_t i = 0; i < s->n_blocks; i++)
            nb[i].pub.sha256 = nb[i].sha256;
        s->blocks = nb;
        *cap = ncap;
    }
    memset(&s->blocks[s->n_blocks], 0, sizeof(s->blocks[0]));
    s->n_blocks++;
    return 1;
}

static int push_text(CWMS_SCAN *s, size_t *cap, size_t offset, size_t len, size_t line)
{
    CWMS_SCAN_TEXT *t;

    /* Consecutive lines of text are one run. */
    if (s->n_texts > 0) {
        t = &s->texts[s->n_texts - 1];
        if (t->before_block == s->n_blocks && t->offset + t->len <= offset) {
            t->len = offset + len - t->offset;
            return 1;
        }
    }
    if (s->n_texts == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        CWMS_SCAN_TEXT *nt = OPENSSL_realloc(s->texts, ncap * sizeof(*nt));

        if (nt == NULL)
            return 0;
        s->texts = nt;
        *cap = ncap;
    }
    t = &s->texts[s->n_texts++];
    t->offset = offset;
    t->len = len;
    t->line = line;
    t->before_block = s->n_blocks;
    return 1;
}

int cwms_scan_pem(const unsigned char *data, size_t len, CWMS_SCAN *s)
{
    const unsigned char *p = data, *end = data + len, *next;
    size_t line = 1, block_cap = 0, text_cap = 0;

    memset(s, 0, sizeof(*s));
    while (p < end) {
        size_t l = cwms_pem_line(p, end, &next), label_len;
        const unsigned char *in_line;
        char *label = NULL;

        if (cwms_pem_boundary(p, l, CWMS_PEM_BEGIN, &in_line, &label_len)
            && (label = OPENSSL_strndup((const char *)in_line, label_len)) == NULL)
            goto oom;
        if (label != NULL) {
            const unsigned char *q = next, *qnext;
            size_t qline = line + 1;
            int found = 0;

            while (q < end) {
                size_t ql = cwms_pem_line(q, end, &qnext);

                if (cwms_pem_boundary_of(q, ql, CWMS_PEM_END, label, strlen(label))) {
                    found = 1;
                    break;
                }
                /* A second BEGIN before the END: the first block is cut short. */
                if (cwms_pem_starts(q, ql, CWMS_PEM_BEGIN))
                    break;
                q = qnext;
                qline++;
            }
            if (found) {
                CWMS_SCAN_BLOCK *b;

                if (!push_block(s, &block_cap)) {
                    OPENSSL_free(label);
                    goto oom;
                }
                b = &s->blocks[s->n_blocks - 1];
                b->label = label;
                b->pub.label = label;
                b->pub.offset = (size_t)(p - data);
                b->pub.len = (size_t)(qnext - p);
                b->pub.line = line;
                classify(b, data);
                line = qline + 1;
                p = qnext;
                continue;
            }
            OPENSSL_free(label);
            s->unterminated = 1;
        }
        if (!blank(p, l) && !push_text(s, &text_cap, (size_t)(p - data), l, line))
            goto oom;
        line++;
        p = next;
    }
    if (!mark_copies(s))
        goto oom;
    return 1;
oom:
    cwms_scan_clear(s);
    return 0;
}

void cwms_scan_clear(CWMS_SCAN *s)
{
    for (size_t i = 0; i < s->n_blocks; i++) {
        OPENSSL_free(s->blocks[i].label);
        OPENSSL_free(s->blocks[i].subject);
        X509_free(s->blocks[i].x509);
    }
    OPENSSL_free(s->blocks);
    OPENSSL_free(s->texts);
    memset(s, 0, sizeof(*s));
}
