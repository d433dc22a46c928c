/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool: a pkcs11: URI loaded through the cwms provider, then again in
 * a forked child and in the parent after the fork.
 *
 *   CWMS_PIN=PIN p11-fork PROVIDER-DIR URI
 *
 * Prints "parent before fork: loaded SHA256", then "child: same" (or
 * "child: error: ..." with OpenSSL's errors, or "child: DIFFERENT"), then
 * "parent after fork: same". The first key (else certificate) the URI
 * yields is what is compared: the SHA-256 of its public key (of its DER).
 * Exit 0 only when both loads after the fork give what the first gave;
 * the child and the wait for it are bounded by alarm(), so a load that
 * hangs fails instead of hanging the test.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#define LIMIT_SECONDS 60

static int pin_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pin = getenv("CWMS_PIN");

    (void)rwflag;
    (void)u;
    if (pin == NULL || (int)strlen(pin) >= size)
        return -1;
    memcpy(buf, pin, strlen(pin));
    return (int)strlen(pin);
}

/* SHA-256 (hex) of the first key's public half, else of the first certificate; 0 on failure. */
static int load(const char *uri, char hex[65])
{
    UI_METHOD *ui = UI_UTIL_wrap_read_pem_callback(pin_cb, 0);
    OSSL_STORE_CTX *st = OSSL_STORE_open_ex(uri, NULL, "provider=cwms", ui, NULL, NULL, NULL, NULL);
    unsigned char *der = NULL, md[32];
    int len = -1, key_seen = 0;

    while (st != NULL && !OSSL_STORE_eof(st) && !key_seen) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(st);
        int type = info != NULL ? OSSL_STORE_INFO_get_type(info) : 0;

        if (type == OSSL_STORE_INFO_PKEY) {
            OPENSSL_free(der);
            der = NULL;
            len = i2d_PUBKEY(OSSL_STORE_INFO_get0_PKEY(info), &der);
            key_seen = 1;
        } else if (type == OSSL_STORE_INFO_CERT && der == NULL) {
            len = i2d_X509(OSSL_STORE_INFO_get0_CERT(info), &der);
        }
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(st);
    UI_destroy_method(ui);
    if (der == NULL || len <= 0
        || !EVP_Q_digest(NULL, "SHA256", NULL, der, (size_t)len, md, NULL)) {
        OPENSSL_free(der);
        return 0;
    }
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    OPENSSL_free(der);
    return 1;
}

/* Loads again as who; prints and returns 1 when it gave what first was. */
static int again(const char *who, const char *uri, const char *first)
{
    char hex[65];

    if (!load(uri, hex)) {
        printf("%s: error: the load failed:\n", who);
        fflush(stdout);
        ERR_print_errors_fp(stdout);
        return 0;
    }
    printf("%s: %s\n", who, strcmp(hex, first) == 0 ? "same" : "DIFFERENT");
    fflush(stdout);
    return strcmp(hex, first) == 0;
}

/* Loads, forks, loads in both; the exit code of main. */
static int run(const char *uri)
{
    char first[65];
    pid_t child;
    int status = 0;

    if (!load(uri, first)) {
        ERR_print_errors_fp(stderr);
        fprintf(stderr, "p11-fork: the first load failed\n");
        return 1;
    }
    printf("parent before fork: loaded %s\n", first);
    fflush(stdout);
    if ((child = fork()) < 0) {
        perror("fork");
        return 1;
    }
    if (child == 0) {
        alarm(LIMIT_SECONDS);
        _exit(again("child", uri, first) ? 0 : 1);
    }
    alarm(LIMIT_SECONDS);
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
        fprintf(stderr, "p11-fork: the child did not end by itself (status 0x%x)\n", status);
        return 1;
    }
    alarm(0);
    return again("parent after fork", uri, first) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    OSSL_PROVIDER *cwms = NULL, *dflt = NULL;
    int rc = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: CWMS_PIN=PIN p11-fork PROVIDER-DIR URI\n");
        return 2;
    }
    if (OSSL_PROVIDER_set_default_search_path(NULL, argv[1])
        && (cwms = OSSL_PROVIDER_load(NULL, "cwms")) != NULL
        && (dflt = OSSL_PROVIDER_load(NULL, "default")) != NULL)
        rc = run(argv[2]);
    else
        ERR_print_errors_fp(stderr);
    OSSL_PROVIDER_unload(dflt);
    OSSL_PROVIDER_unload(cwms);
    return rc;
}
