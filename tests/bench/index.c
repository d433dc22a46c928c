/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the time of indexing a pool goes, phase by phase, inside one
 * process (no CLI needed): reading + base64 of the PEM, the pool built from
 * the DER walker (cwms_cert_new_der), and for comparison d2i_X509 of every
 * certificate. Best of ROUNDS rounds each.
 *   bench-index [-r ROUNDS] [-w] FILE...     (-w: skip the d2i_X509 phase, for profiling)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "index/pool.h"

typedef struct {
    unsigned char **der;
    long *len;
    size_t n, cap;
} BLOCKS;

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void read_all(int nfiles, char **files, BLOCKS *b)
{
    for (int i = 0; i < nfiles; i++) {
        BIO *in = BIO_new_file(files[i], "r");
        char *name, *header;
        unsigned char *data;
        long len;

        if (in == NULL) {
            fprintf(stderr, "bench-index: cannot read %s\n", files[i]);
            exit(1);
        }
        while (PEM_read_bio(in, &name, &header, &data, &len)) {
            if (b->n == b->cap) {
                b->cap = b->cap ? 2 * b->cap : 1024;
                b->der = realloc(b->der, b->cap * sizeof(*b->der));
                b->len = realloc(b->len, b->cap * sizeof(*b->len));
                if (b->der == NULL || b->len == NULL)
                    exit(1);
            }
            b->der[b->n] = data;
            b->len[b->n++] = len;
            OPENSSL_free(name);
            OPENSSL_free(header);
        }
        ERR_clear_error();
        BIO_free(in);
    }
}

static void free_blocks(BLOCKS *b)
{
    for (size_t i = 0; i < b->n; i++)
        OPENSSL_free(b->der[i]);
    free(b->der);
    free(b->len);
    memset(b, 0, sizeof(*b));
}

int main(int argc, char **argv)
{
    int rounds = 5, first = 1, walker_only = 0;
    double best_read = 1e9, best_pool = 1e9, best_d2i = 1e9;
    size_t n = 0, walked = 0;

    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "-r") == 0 && first + 1 < argc)
            rounds = atoi(argv[++first]);
        else if (strcmp(argv[first], "-w") == 0)
            walker_only = 1;
        else
            break;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: bench-index [-r ROUNDS] [-w] FILE...\n");
        return 2;
    }
    for (int r = 0; r < rounds; r++) {
        BLOCKS b = { 0 };
        CWMS_POOL *pool = cwms_pool_new();
        double t0 = now_ms(), t1, t2, t3;

        read_all(argc - first, argv + first, &b);
        t1 = now_ms();
        walked = 0;
        for (size_t i = 0; i < b.n; i++) {
            CWMS_CERT *c = cwms_cert_new_der(b.der[i], (size_t)b.len[i], NULL);

            if (c != NULL && c->x509 == NULL)
                walked++;
            if (c != NULL)
                cwms_pool_add(pool, c, NULL);
        }
        t2 = now_ms();
        for (size_t i = 0; i < b.n && !walker_only; i++) {
            const unsigned char *p = b.der[i];

            X509_free(d2i_X509(NULL, &p, b.len[i]));
        }
        t3 = now_ms();
        n = b.n;
        best_read = t1 - t0 < best_read ? t1 - t0 : best_read;
        best_pool = t2 - t1 < best_pool ? t2 - t1 : best_pool;
        best_d2i = t3 - t2 < best_d2i ? t3 - t2 : best_d2i;
        cwms_pool_free(pool);
        free_blocks(&b);
    }
    printf("%zu certificates (%zu by the walker, %zu by fallback): read+base64 %.1f ms, "
           "pool from the walker %.1f ms (%.1f us each), d2i_X509 of all %.1f ms (%.1f us each)\n",
           n, walked, n - walked, best_read, best_pool, best_pool * 1e3 / (double)(n ? n : 1),
           best_d2i, best_d2i * 1e3 / (double)(n ? n : 1));
    return 0;
}
