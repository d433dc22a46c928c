/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for `cwms-bundle check`'s reading of a bundle file
 * (core/inspect/inspect.c): the file as CWMS sees it, its blocks through the
 * input readers, what build would write, the findings, and --fix's
 * corrected file. The input is written to a file and checked through the
 * real entry point, cwms_inspect_bundle, at a pinned time against a trust
 * store of one root made here, with the passphrase "secret" for encrypted
 * keys. Whatever the bytes: the file is judged (the findings say what is
 * wrong, "unreadable" too), or, only when memory ran out, an error is in
 * the diag; findings and exit code agree (an error finding means a code
 * other than 0, ready means 0); --fix writes a file or says why not, never
 * both or neither (fuzz_outcome.h). tests/fuzz/replay.c runs it over
 * generated seeds in the normal suite.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cwms/inspect.h"
#include "cwms/emit.h"
#include "cwms/pass.h"
#include "fuzz_outcome.h"
#include "fuzz_pass.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A bundle is a key and a handful of certificates: a few KiB. */
#define FUZZ_BUNDLE_MAX (256 * 1024)

static char bundle_path[64] = "", trust_path[64] = "";

/* A self-signed P-256 root, the whole trust store of the run, written to path. */
static void write_trust(const char *path)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    FILE *f = fopen(path, "w");

    if (key == NULL || x == NULL || n == NULL || f == NULL || !X509_set_version(x, X509_VERSION_3)
        || !ASN1_INTEGER_set(X509_get_serialNumber(x), 1)
        || !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"Fuzz Root",
                                       -1, -1, 0)
        || !X509_set_subject_name(x, n) || !X509_set_issuer_name(x, n)
        || X509_gmtime_adj(X509_getm_notBefore(x), -86400L * 365 * 30) == NULL
        || X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365 * 30) == NULL
        || !X509_set_pubkey(x, key) || !X509_sign(x, key, EVP_sha256()) || !PEM_write_X509(f, x))
        abort();
    fclose(f);
    X509_NAME_free(n);
    X509_free(x);
    EVP_PKEY_free(key);
}

static void remove_files(void)
{
    unlink(bundle_path);
    unlink(trust_path);
}

static void setup(void)
{
    int fd;

    snprintf(bundle_path, sizeof(bundle_path), "/tmp/cwms-fuzz-bundle.XXXXXX");
    snprintf(trust_path, sizeof(trust_path), "/tmp/cwms-fuzz-trust.XXXXXX");
    if ((fd = mkstemp(bundle_path)) < 0)
        abort();
    close(fd);
    if ((fd = mkstemp(trust_path)) < 0)
        abort();
    close(fd);
    atexit(remove_files);
    write_trust(trust_path);
}

static void write_bundle(const uint8_t *data, size_t size)
{
    FILE *f = fopen(bundle_path, "wb");

    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
}

/* Findings and exit code agree; --fix writes the file or says why not. */
static void judge(const CWMS_INSPECTION *c)
{
    CWMS_EMIT_OPTIONS eo = { 0 };
    CWMS_DIAG *fdiag = cwms_diag_new();
    unsigned char *out = NULL;
    size_t out_len = 0, errors = 0;
    int code = cwms_inspect_exit_code(c), ok;

    for (size_t i = 0; i < cwms_inspect_finding_count(c); i++)
        errors += cwms_inspect_get0_finding(c, i)->level == CWMS_ERROR;
    if (code < 0 || code > 7 || (errors > 0) != (code != 0) || (cwms_inspect_ready(c) && code != 0))
        abort();
    if (fdiag == NULL)
        abort();
    ok = cwms_inspect_fix(c, &eo, &out, &out_len, fdiag);
    fuzz_expect_outcome(ok, out != NULL && out_len > 0, fdiag);
    OPENSSL_clear_free(out, out_len);
    cwms_diag_free(fdiag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CWMS_INSPECT_OPTIONS co;
    CWMS_DIAG *diag;
    CWMS_PASS *pass;
    CWMS_INSPECTION *c = NULL;
    int ok;

    if (size > FUZZ_BUNDLE_MAX)
        return 0;
    if (bundle_path[0] == '\0')
        setup();
    write_bundle(data, size);
    diag = cwms_diag_new();
    pass = cwms_pass_new(fuzz_pass_secret, NULL);
    if (diag == NULL || pass == NULL)
        abort();
    memset(&co, 0, sizeof(co));
    cwms_options_init(&co.build);
    co.build.trust_file = trust_path;
    co.build.attime = 1700000000; /* 2023-11-14: the same verdicts on every day */
    co.build.pass = pass;
    co.path = bundle_path;
    co.decrypt_keys = 1;
    ok = cwms_inspect_bundle(&co, diag, &c);
    /* The file is judged, or memory ran out with an error said. */
    if (ok != (c != NULL))
        abort();
    if (!ok && cwms_diag_first_error(diag) == NULL)
        abort();
    if (c != NULL)
        judge(c);
    cwms_inspect_free(c);
    cwms_pass_free(pass);
    cwms_diag_free(diag);
    return 0;
}
