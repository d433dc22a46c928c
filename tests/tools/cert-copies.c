/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Re-serialled copies of a certificate, for hostile-input tests: the same
 * subject, issuer, key and extensions, each with a fresh serial number and
 * signed again by KEY, written as PEM (or as one PKCS#7 with --p7).
 * --damaged keeps the original signature, which then no longer verifies.
 *
 *   cert-copies CERT KEY COUNT [--p7] [--damaged] > copies.pem
 *
 * An EC key signs thousands in well under a second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

static void die(const char *what)
{
    fprintf(stderr, "cert-copies: %s failed\n", what);
    exit(1);
}

int main(int argc, char **argv)
{
    FILE *f;
    X509 *orig;
    EVP_PKEY *key;
    long count;
    int p7 = 0, damaged = 0;
    PKCS7 *pk7 = NULL;

    if (argc < 4 || (count = strtol(argv[3], NULL, 10)) <= 0) {
        fprintf(stderr, "usage: cert-copies CERT KEY COUNT [--p7] [--damaged]\n");
        return 2;
    }
    for (int a = 4; a < argc; a++) {
        p7 |= strcmp(argv[a], "--p7") == 0;
        damaged |= strcmp(argv[a], "--damaged") == 0;
    }
    if ((f = fopen(argv[1], "r")) == NULL || (orig = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
        die(argv[1]);
    fclose(f);
    if ((f = fopen(argv[2], "r")) == NULL
        || (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
        die(argv[2]);
    fclose(f);
    if (p7) {
        if ((pk7 = PKCS7_new()) == NULL || !PKCS7_set_type(pk7, NID_pkcs7_signed)
            || !PKCS7_content_new(pk7, NID_pkcs7_data))
            die("PKCS7_new");
    }
    for (long i = 0; i < count; i++) {
        X509 *x = X509_dup(orig);
        ASN1_INTEGER *serial = ASN1_INTEGER_new();

        if (x == NULL || serial == NULL || !ASN1_INTEGER_set_int64(serial, 0x10000 + i)
            || !X509_set_serialNumber(x, serial)
            /* re-encodes the TBS with the new serial, keeping the old signature */
            || i2d_re_X509_tbs(x, NULL) <= 0 || (!damaged && X509_sign(x, key, EVP_sha256()) <= 0))
            die("X509_sign");
        ASN1_INTEGER_free(serial);
        if (p7) {
            if (!PKCS7_add_certificate(pk7, x))
                die("PKCS7_add_certificate");
        } else if (!PEM_write_X509(stdout, x)) {
            die("PEM_write_X509");
        }
        X509_free(x);
    }
    if (p7 && !PEM_write_PKCS7(stdout, pk7))
        die("PEM_write_PKCS7");
    PKCS7_free(pk7);
    X509_free(orig);
    EVP_PKEY_free(key);
    return 0;
}
