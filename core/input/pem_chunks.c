/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A large PEM file (an issuer pool of a thousand certificates) read on two
 * threads: base64 decoding is most of the work of indexing one.
 *
 * The file is cut into chunks, each starting at a "-----BEGIN" line whose
 * previous non-blank line is an "-----END" line. PEM_read_bio_ex always
 * ends a block at an END line, so a reader going through the whole file is
 * looking for the next BEGIN there, and reading from it gives the same
 * blocks. This thread and one helper take chunks in turn (the helper may
 * share its core with the trust file's reader, so a fixed half each would
 * leave one waiting for the other).
 *
 * Chunks yield only their leading run of plain certificate blocks, which
 * need no passphrase and print nothing. At anything else (a key, a
 * damaged block) a chunk stops, and pem.c reads the rest of it in
 * order on the caller's thread, so prompts, messages and block numbers are
 * those of a reading in one go.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "cwms_debug.h"
#include "input/formats.h"
#include "cwms_pem_block.h"
#include "cwms_pem_lines.h"
#include "input/pem_label.h"

/* Below this, one thread reads faster than two start. */
#define CHUNKED_MIN ((size_t)512 * 1024)
/* Enough to even out two threads of unequal speed, few enough to stay cheap. */
#define CHUNKS_MAX 8

size_t cwms_pem_split_after(const unsigned char *data, size_t len, size_t from)
{
    /* From the newline before `from`, so a line starting there counts. */
    const unsigned char *end = data + len, *p = data + (from > 0 ? from - 1 : 0), *nl;

    if (from >= len)
        return 0;
    while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        const unsigned char *line = nl + 1, *q = nl;

        p = line;
        if (!cwms_pem_starts(line, (size_t)(end - line), CWMS_PEM_BEGIN))
            continue;
        /* Back over blank lines to the start of the previous non-blank one. */
        while (q > data && (q[-1] == '\n' || q[-1] == '\r' || q[-1] == ' ' || q[-1] == '\t'))
            q--;
        while (q > data && q[-1] != '\n')
            q--;
        if (cwms_pem_starts(q, (size_t)(end - q), CWMS_PEM_END))
            return (size_t)(line - data);
    }
    return 0;
}

static int chunk_take(CWMS_PEM_CHUNK *c, CWMS_CERT *cert)
{
    if (c->n_certs == c->cap_certs) {
        size_t cap = c->cap_certs ? c->cap_certs * 2 : 64;
        CWMS_CERT **certs = OPENSSL_realloc(c->certs, cap * sizeof(*certs));

        if (certs == NULL)
            return 0;
        c->certs = certs;
        c->cap_certs = cap;
    }
    c->certs[c->n_certs++] = cert;
    return 1;
}

/* The chunk's leading certificate blocks; c->stop is where it stopped. */
static void read_chunk(CWMS_PEM_CHUNK *c)
{
    size_t pos = 0;

    ERR_set_mark();
    c->stop = 0;
    for (;;) {
        size_t at = pos;
        char *name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long der_len = 0;
        CWMS_CERT *cert = NULL;

        if (!cwms_pem_next_block(c->data, c->len, &pos, &name, &header, &der, &der_len)) {
            unsigned long e = ERR_peek_last_error();

            /* At the end every block was taken; otherwise the caller reads (and reports) this one. */
            c->stop = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE
                ? c->len
                : at;
            break;
        }
        if (cwms_pem_kind(name) == CWMS_PEM_CERT) {
            cert = cwms_read_adopt_cert_der(der, (size_t)der_len);
            der = NULL;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_clear_free(der, (size_t)der_len); /* another kind of block: maybe a key */
        if (cert == NULL || !chunk_take(c, cert)) {
            cwms_cert_free(cert);
            c->stop = at;
            break;
        }
        c->n_blocks++;
    }
    ERR_pop_to_mark();
}

typedef struct chunk_work_st {
    CWMS_PEM_CHUNK *chunks;
    size_t n;
    atomic_size_t next;
} CHUNK_WORK;

static void work(CHUNK_WORK *w)
{
    size_t i;

    while ((i = atomic_fetch_add(&w->next, 1)) < w->n)
        read_chunk(&w->chunks[i]);
}

static void *helper(void *arg)
{
    work(arg);
    OPENSSL_thread_stop();
    return NULL;
}

/*
 * Chunk boundaries at or after each CHUNKS_MAX-th of data (and always after
 * the last one, so no stretch of text is searched twice); the number of
 * chunks.
 */
static size_t cut(const unsigned char *data, size_t len, CWMS_PEM_CHUNK *chunks)
{
    size_t n = 0, start = 0;

    for (size_t i = 1; i <= CHUNKS_MAX; i++) {
        size_t from = i * (len / CHUNKS_MAX), next = 0;

        if (i < CHUNKS_MAX)
            next = cwms_pem_split_after(data, len, from > start ? from : start + 1);
        if (next == 0)
            next = len;
        memset(&chunks[n], 0, sizeof(chunks[n]));
        chunks[n].data = data + start;
        chunks[n].len = next - start;
        n++;
        if ((start = next) == len)
            break;
    }
    return n;
}

size_t cwms_pem_chunks_read(const unsigned char *data, size_t len, int max_threads,
                            CWMS_PEM_CHUNK **out)
{
    CHUNK_WORK w;
    pthread_t thread;
    int threaded;

    *out = NULL;
    if (max_threads < 1 || len < CHUNKED_MIN || len > INT_MAX || sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return 0;
    if ((w.chunks = OPENSSL_malloc(CHUNKS_MAX * sizeof(*w.chunks))) == NULL)
        return 0;
    if ((w.n = cut(data, len, w.chunks)) < 2) {
        OPENSSL_free(w.chunks);
        return 0;
    }
    atomic_init(&w.next, 0);
    threaded = pthread_create(&thread, NULL, helper, &w) == 0;
    cwms_debug(CWMS_DEBUG_INPUT, "%zu bytes of PEM in %zu chunks, read on %d threads", len, w.n,
               threaded ? 2 : 1);
    work(&w);
    if (threaded)
        pthread_join(thread, NULL);
    *out = w.chunks;
    return w.n;
}

void cwms_pem_chunks_free(CWMS_PEM_CHUNK *chunks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < chunks[i].n_certs; k++)
            cwms_cert_free(chunks[i].certs[k]);
        OPENSSL_free(chunks[i].certs);
    }
    OPENSSL_free(chunks);
}
