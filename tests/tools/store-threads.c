/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The provider in somebody else's threads: opens the same cwms: or pkcs11:
 * URI from N threads at once in one process, each with its own store
 * context, and checks every thread got the same PEM bytes as EXPECTED
 * (what `cwms-bundle build` wrote). Meant to run under ThreadSanitizer
 * (ci/build.sh tsan) as well as plain.
 *
 *   store-threads MODULE_DIR URI EXPECTED.pem [THREADS]   (exit 0: all equal)
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
    if (out != NULL && (j->pem_len = BIO_get_mem_data(out, &data)) > 0
        && (j->pem = malloc((size_t)j->pem_len)) != NULL)
        memcpy(j->pem, data, (size_t)j->pem_len);
    BIO_free(out);
    return NULL;
}

int main(int argc, char **argv)
{
    JOB jobs[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    OSSL_PROVIDER *cwms, *dflt;
    OSSL_LIB_CTX *libctx;
    int n = argc > 4 ? atoi(argv[4]) : 8, bad = 0;
    FILE *f;
    char expected[1 << 16];
    size_t expected_len;

    if (argc < 4 || n < 1 || n > MAX_THREADS) {
        fprintf(stderr, "usage: store-threads MODULE_DIR URI EXPECTED.pem [THREADS]\n");
        return 2;
    }
    if ((f = fopen(argv[3], "rb")) == NULL)
        return 2;
    expected_len = fread(expected, 1, sizeof(expected), f);
    fclose(f);
    libctx = OSSL_LIB_CTX_new();
    if (libctx == NULL || !OSSL_PROVIDER_set_default_search_path(libctx, argv[1])
        || (dflt = OSSL_PROVIDER_load(libctx, "default")) == NULL
        || (cwms = OSSL_PROVIDER_load(libctx, "cwms")) == NULL) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        jobs[i] = (JOB){ libctx, argv[2], NULL, 0 };
        if (pthread_create(&tids[i], NULL, load_all, &jobs[i]) != 0)
            return 1;
    }
    for (int i = 0; i < n; i++) {
        pthread_join(tids[i], NULL);
        if (jobs[i].pem == NULL || (size_t)jobs[i].pem_len != expected_len
            || memcmp(jobs[i].pem, expected, expected_len) != 0) {
            fprintf(stderr, "store-threads: thread %d got %ld bytes, not the %zu expected\n", i,
                    jobs[i].pem_len, expected_len);
            bad = 1;
        }
        free(jobs[i].pem);
    }
    ERR_print_errors_fp(stderr);
    OSSL_PROVIDER_unload(cwms);
    OSSL_PROVIDER_unload(dflt);
    OSSL_LIB_CTX_free(libctx);
    return bad;
}
