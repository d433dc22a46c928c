/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The provider in somebody else's threads: opens cwms: and pkcs11: URIs
 * from N threads at once in one process, each with its own store context,
 * and checks every thread got the same PEM bytes as its URI's EXPECTED
 * (what `cwms-bundle build` or a single-threaded load wrote). With more
 * than one URI, thread i opens URI number i modulo their count, so the
 * loaders run side by side. Meant to run under ThreadSanitizer
 * (ci/build.sh tsan) as well as plain.
 *
 *   store-threads MODULE_DIR URI EXPECTED.pem [THREADS [URI EXPECTED.pem]...]
 *   (exit 0: all equal)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>

#define MAX_THREADS 64
#define MAX_URIS 8
#define MAX_EXPECTED (1 << 16)

typedef struct {
    const char *uri;
    char bytes[MAX_EXPECTED];
    size_t len;
} EXPECTED;

typedef struct {
    OSSL_LIB_CTX *libctx;
    const char *uri;
    char *pem;
    long pem_len;
} JOB;

static void *load_all(void *arg)
{
    JOB *j = arg;
    OSSL_STORE_CTX *s = OSSL_STORE_open_ex(j->uri, j->libctx, NULL, NULL, NULL, NULL, NULL, NULL);
    BIO *out = BIO_new(BIO_s_mem());
    char *data;

    while (s != NULL && out != NULL && !OSSL_STORE_eof(s)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(s);

        if (info == NULL)
            continue;
        switch (OSSL_STORE_INFO_get_type(info)) {
        case OSSL_STORE_INFO_PKEY:
            PEM_write_bio_PrivateKey(out, OSSL_STORE_INFO_get0_PKEY(info), NULL, NULL, 0, NULL,
                                     NULL);
            break;
        case OSSL_STORE_INFO_CERT:
            PEM_write_bio_X509(out, OSSL_STORE_INFO_get0_CERT(info));
            break;
        default:
            break;
        }
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(s);
    /* The error queue is per thread: print this thread's before it ends. */
    ERR_print_errors_fp(stderr);
    if (out != NULL && (j->pem_len = BIO_get_mem_data(out, &data)) > 0
        && (j->pem = malloc((size_t)j->pem_len)) != NULL)
        memcpy(j->pem, data, (size_t)j->pem_len);
    BIO_free(out);
    return NULL;
}

int main(int argc, char **argv)
{
    static EXPECTED expected[MAX_URIS];
    JOB jobs[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    OSSL_PROVIDER *cwms, *dflt;
    OSSL_LIB_CTX *libctx;
    int n = argc > 4 ? atoi(argv[4]) : 8, n_uris = 0, bad = 0;

    if (argc < 4 || n < 1 || n > MAX_THREADS || (argc > 5 && argc % 2 != 1)
        || (argc > 5 ? (argc - 3) / 2 : 1) > MAX_URIS) {
        fprintf(stderr,
                "usage: store-threads MODULE_DIR URI EXPECTED.pem [THREADS [URI "
                "EXPECTED.pem]...]\n");
        return 2;
    }
    for (int a = 2; a < argc; a += a == 2 ? 3 : 2) {
        EXPECTED *e = &expected[n_uris++];
        FILE *f = fopen(argv[a + 1], "rb");

        if (f == NULL) {
            perror(argv[a + 1]);
            return 2;
        }
        e->uri = argv[a];
        e->len = fread(e->bytes, 1, sizeof(e->bytes), f);
        fclose(f);
        if (e->len == 0 || e->len == sizeof(e->bytes)) {
            fprintf(stderr, "store-threads: %s: empty or too large\n", argv[a + 1]);
            return 2;
        }
    }
    libctx = OSSL_LIB_CTX_new();
    if (libctx == NULL || !OSSL_PROVIDER_set_default_search_path(libctx, argv[1])
        || (dflt = OSSL_PROVIDER_load(libctx, "default")) == NULL
        || (cwms = OSSL_PROVIDER_load(libctx, "cwms")) == NULL) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        jobs[i] = (JOB){ libctx, expected[i % n_uris].uri, NULL, 0 };
        if (pthread_create(&tids[i], NULL, load_all, &jobs[i]) != 0)
            return 1;
    }
    for (int i = 0; i < n; i++) {
        const EXPECTED *e = &expected[i % n_uris];

        pthread_join(tids[i], NULL);
        if (jobs[i].pem == NULL || (size_t)jobs[i].pem_len != e->len
            || memcmp(jobs[i].pem, e->bytes, e->len) != 0) {
            fprintf(stderr,
                    "store-threads: thread %d got %ld bytes from %s, not the %zu expected\n", i,
                    jobs[i].pem_len, e->uri, e->len);
            bad = 1;
        }
        free(jobs[i].pem);
    }
    if (!bad)
        fprintf(stderr, "store-threads: %d threads over %d URI(s) all got the expected bytes\n", n,
                n_uris);
    ERR_print_errors_fp(stderr);
    OSSL_PROVIDER_unload(cwms);
    OSSL_PROVIDER_unload(dflt);
    OSSL_LIB_CTX_free(libctx);
    return bad;
}
