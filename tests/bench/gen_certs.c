/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Makes benchmark certificates fast: CA certificates with realistic
 * shapes (RSA-2048 subject keys, SKI/AKI, basicConstraints, keyUsage)
 * signed by a few EC issuer keys, written as PEM to stdout. Keys are made
 * once and reused, so thousands of certificates take a second.
 *
 *   bench-gen-certs COUNT [--subject-from CERT.pem] [--ski-from CERT.pem EVERY]
 *
 * Without options every certificate has its own subject ("Bench
 * Intermediate n"). --subject-from gives all of them the subject of CERT
 * (decoys for one issuer name); --ski-from copies CERT's subject key
 * identifier into every EVERY-th one (decoys that even claim its key).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define N_SUBJECT_KEYS 4
#define N_ISSUERS 4

static void die(const char *what)
{
    fprintf(stderr, "bench-gen-certs: %s failed\n", what);
    exit(1);
}

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *x;

    if (f == NULL)
        die(path);
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (x == NULL)
        die(path);
    return x;
}

/* "O=cwms-bundle bench, CN=<what> <n>" */
static X509_NAME *bench_name(const char *what, long n)
{
    X509_NAME *name = X509_NAME_new();
    char cn[64];

    snprintf(cn, sizeof(cn), "%s %ld", what, n);
    if (name == NULL
        || !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                       (const unsigned char *)"cwms-bundle bench", -1, -1, 0)
        || !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                       0))
        die("X509_NAME");
    return name;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL || !X509_add_ext(x, ext, -1))
        die("extension");
    X509_EXTENSION_free(ext);
}

int main(int argc, char **argv)
{
    long count, every = 0;
    X509 *subject_from = NULL, *ski_from = NULL;
    EVP_PKEY *subject_keys[N_SUBJECT_KEYS], *issuer_keys[N_ISSUERS];
    X509 *issuers[N_ISSUERS];

    if (argc < 2 || (count = strtol(argv[1], NULL, 10)) <= 0) {
        fprintf(stderr,
                "usage: bench-gen-certs COUNT [--subject-from CERT.pem] "
                "[--ski-from CERT.pem EVERY]\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--subject-from") == 0 && i + 1 < argc) {
            subject_from = read_cert(argv[++i]);
        } else if (strcmp(argv[i], "--ski-from") == 0 && i + 2 < argc) {
            ski_from = read_cert(argv[++i]);
            every = strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "bench-gen-certs: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    for (int k = 0; k < N_SUBJECT_KEYS; k++)
        if ((subject_keys[k] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)) == NULL)
            die("RSA keygen");
    /* Self-signed issuers, only so AKI has a key to name; they are not written out. */
    for (int k = 0; k < N_ISSUERS; k++) {
        X509_NAME *name = bench_name("Bench Issuer", k);

        if ((issuer_keys[k] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL
            || (issuers[k] = X509_new()) == NULL || !X509_set_version(issuers[k], X509_VERSION_3)
            || !X509_set_subject_name(issuers[k], name) || !X509_set_issuer_name(issuers[k], name)
            || !X509_set_pubkey(issuers[k], issuer_keys[k]))
            die("issuer");
        add_ext(issuers[k], issuers[k], NID_subject_key_identifier, "hash");
        X509_NAME_free(name);
    }
    for (long i = 0; i < count; i++) {
        X509 *x = X509_new();
        int k = (int)(i % N_ISSUERS);
        X509_NAME *subject = subject_from != NULL
            ? X509_NAME_dup(X509_get_subject_name(subject_from))
            : bench_name("Bench Intermediate", i);

        if (x == NULL || subject == NULL || !X509_set_version(x, X509_VERSION_3)
            || !ASN1_INTEGER_set(X509_get_serialNumber(x), i + 1)
            || !X509_set_subject_name(x, subject)
            || !X509_set_issuer_name(x, X509_get_subject_name(issuers[k]))
            || X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL
            || X509_gmtime_adj(X509_getm_notAfter(x), 5L * 365 * 86400) == NULL
            || !X509_set_pubkey(x, subject_keys[i % N_SUBJECT_KEYS]))
            die("certificate");
        add_ext(x, issuers[k], NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, issuers[k], NID_key_usage, "critical,keyCertSign,cRLSign");
        if (ski_from != NULL && every > 0 && i % every == 0) {
            const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ski_from);

            if (ski == NULL
                || !X509_add1_ext_i2d(x, NID_subject_key_identifier, (void *)ski, 0,
                                      X509V3_ADD_DEFAULT))
                die("copied SKI");
        } else {
            add_ext(x, issuers[k], NID_subject_key_identifier, "hash");
        }
        add_ext(x, issuers[k], NID_authority_key_identifier, "keyid:always");
        if (X509_sign(x, issuer_keys[k], EVP_sha256()) <= 0 || !PEM_write_X509(stdout, x))
            die("sign/write");
        X509_NAME_free(subject);
        X509_free(x);
    }
    for (int k = 0; k < N_SUBJECT_KEYS; k++)
        EVP_PKEY_free(subject_keys[k]);
    for (int k = 0; k < N_ISSUERS; k++) {
        EVP_PKEY_free(issuer_keys[k]);
        X509_free(issuers[k]);
    }
    X509_free(subject_from);
    X509_free(ski_from);
    return fflush(stdout) == 0 ? 0 : 1;
}
