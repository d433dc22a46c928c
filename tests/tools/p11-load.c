/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test driver of the PKCS#11 helper library, without the CLI:
 *
 *   p11-load [--keys|--certs] [--pin PIN] [--final-try] [--calls] URI
 *       writes the exported key (PKCS#8 PEM) then the certificates (PEM)
 *       to stdout; with --calls prints "calls N" and "pin-asked N" to stderr
 *   p11-load --list [--pin PIN] [URI]
 *       prints the tokens and objects, one object per line
 *
 * Errors go to stderr as "p11-load: KIND: text"; exit codes 2 usage,
 * 5 not extractable, 6 token or PIN, 1 other.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cwms_p11.h"

static const char *pin_value;
static int pin_asked;

static int pin_cb(char *buf, size_t size, size_t *len, const char *what, void *arg)
{
    (void)arg;
    pin_asked++;
    fprintf(stderr, "p11-load: PIN asked for %s\n", what);
    if (pin_value == NULL || strlen(pin_value) > size)
        return 0;
    *len = strlen(pin_value);
    memcpy(buf, pin_value, *len);
    return 1;
}

static const char *kind_name(CWMS_P11_ERRKIND k)
{
    switch (k) {
    case CWMS_P11_E_USAGE:
        return "usage";
    case CWMS_P11_E_TOKEN:
        return "token";
    case CWMS_P11_E_PIN:
        return "pin";
    case CWMS_P11_E_NOT_EXTRACTABLE:
        return "not-extractable";
    case CWMS_P11_E_PIN_SOURCE:
        return "pin-source";
    default:
        return "internal";
    }
}

static int fail(const CWMS_P11_ERROR *err)
{
    fprintf(stderr, "p11-load: %s: %s\n", kind_name(err->kind), err->text);
    switch (err->kind) {
    case CWMS_P11_E_USAGE:
        return 2;
    case CWMS_P11_E_PIN_SOURCE:
        return 3; /* as cwms-bundle: like an unreadable --passin file */
    case CWMS_P11_E_NOT_EXTRACTABLE:
        return 5;
    case CWMS_P11_E_TOKEN:
    case CWMS_P11_E_PIN:
        return 6;
    default:
        return 1;
    }
}

static int list(const char *uri, const CWMS_P11_OPTIONS *opts)
{
    CWMS_P11_TOKENINFO *t;
    CWMS_P11_ERROR err = { 0 };
    size_t n, i, j;

    if (!cwms_p11_list_tokens(uri, opts, &t, &n, &err))
        return fail(&err);
    for (i = 0; i < n; i++) {
        printf("token '%s' %s logged_in=%d\n", t[i].label, t[i].uri, t[i].logged_in);
        for (j = 0; j < t[i].n_objects; j++) {
            const CWMS_P11_OBJINFO *o = &t[i].objects[j];

            printf("  kind=%d label=%s id=%s detail=%s export=%d uri=%s\n", (int)o->kind, o->label,
                   o->id_hex, o->detail, (int)o->export, o->uri);
        }
    }
    cwms_p11_tokens_free(t, n);
    return 0;
}

int main(int argc, char **argv)
{
    CWMS_P11_OPTIONS opts = { pin_cb, NULL, NULL, NULL, 0 };
    CWMS_P11_LOADED loaded;
    CWMS_P11_ERROR err = { 0 };
    int i, calls = 0, do_list = 0, rc = 0;
    const char *uri = NULL;
    size_t c;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--keys") == 0)
            opts.flags |= CWMS_P11_WANT_KEYS;
        else if (strcmp(argv[i], "--certs") == 0)
            opts.flags |= CWMS_P11_WANT_CERTS;
        else if (strcmp(argv[i], "--final-try") == 0)
            opts.flags |= CWMS_P11_FINAL_TRY_OK;
        else if (strcmp(argv[i], "--calls") == 0)
            calls = 1;
        else if (strcmp(argv[i], "--list") == 0)
            do_list = 1;
        else if (strcmp(argv[i], "--pin") == 0 && i + 1 < argc)
            pin_value = argv[++i];
        else
            uri = argv[i];
    }
    if (do_list) {
        rc = list(uri, &opts);
        if (ERR_peek_error() != 0) {
            fprintf(stderr, "p11-load: OpenSSL error queue not empty after the listing:\n");
            ERR_print_errors_fp(stderr);
            return 1;
        }
        return rc;
    }
    if (uri == NULL) {
        fprintf(stderr,
                "usage: p11-load [--keys|--certs] [--pin PIN] [--final-try] [--calls] URI\n");
        return 2;
    }
    if (!cwms_p11_load(uri, &opts, &loaded, &err)) {
        rc = fail(&err);
    } else {
        if (loaded.key != NULL) {
            PEM_write_PrivateKey(stdout, loaded.key, NULL, NULL, 0, NULL, NULL);
            fprintf(stderr, "p11-load: key %s\n", loaded.key_uri);
        }
        for (c = 0; c < loaded.n_certs; c++) {
            const unsigned char *p = loaded.certs[c].der;
            X509 *x = d2i_X509(NULL, &p, (long)loaded.certs[c].der_len);

            if (x != NULL)
                PEM_write_X509(stdout, x);
            X509_free(x);
            fprintf(stderr, "p11-load: cert %s\n", loaded.certs[c].uri);
        }
        cwms_p11_loaded_clear(&loaded);
    }
    if (calls)
        fprintf(stderr, "calls %lu\npin-asked %d\n", cwms_p11_call_count(), pin_asked);
    /* The helper leaves nothing on OpenSSL's queue, success or failure (modules push their own). */
    if (ERR_peek_error() != 0) {
        fprintf(stderr, "p11-load: OpenSSL error queue not empty after the call:\n");
        ERR_print_errors_fp(stderr);
        return 1;
    }
    return rc;
}
