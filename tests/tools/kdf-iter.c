/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files that ask for huge key-derivation iteration counts, made without
 * running them: the structures are built with one iteration and the count
 * is then rewritten (the MAC or key no longer verifies, which does not
 * matter to a reader that must refuse the count first).
 *
 *   kdf-iter p12 KEY CERT PASS ITER > out.p12   PKCS#12 whose MAC names ITER
 *   kdf-iter p8 KEY PASS ITER > out.pem         encrypted PKCS#8, PBKDF2 ITER
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

static void die(const char *what)
{
    fprintf(stderr, "kdf-iter: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

    if (k == NULL)
        die(path);
    fclose(f);
    return k;
}

static int p12(char **argv)
{
    FILE *f = fopen(argv[3], "r");
    X509 *cert = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    EVP_PKEY *key = read_key(argv[2]);
    const ASN1_INTEGER *iter = NULL;
    PKCS12 *p;

    if (cert == NULL)
        die(argv[3]);
    fclose(f);
    p = PKCS12_create(argv[4], "server", key, cert, NULL, NID_aes_256_cbc, NID_aes_256_cbc, 2, 2,
                      0);
    if (p == NULL)
        die("PKCS12_create");
    PKCS12_get0_mac(NULL, NULL, NULL, &iter, p);
    if (iter == NULL || !ASN1_INTEGER_set_int64((ASN1_INTEGER *)iter, strtoll(argv[5], NULL, 0)))
        die("setting the MAC iterations");
    if (!i2d_PKCS12_fp(stdout, p))
        die("i2d_PKCS12");
    PKCS12_free(p);
    X509_free(cert);
    EVP_PKEY_free(key);
    return 0;
}

static int p8(char **argv)
{
    EVP_PKEY *key = read_key(argv[2]);
    PKCS8_PRIV_KEY_INFO *inf = EVP_PKEY2PKCS8(key);
    X509_SIG *sig;
    const X509_ALGOR *alg;
    PBE2PARAM *pbe2;
    PBKDF2PARAM *kdf;

    if (inf == NULL)
        die("EVP_PKEY2PKCS8");
    sig = PKCS8_encrypt(-1, EVP_aes_256_cbc(), argv[3], (int)strlen(argv[3]), NULL, 0, 2, inf);
    if (sig == NULL)
        die("PKCS8_encrypt");
    X509_SIG_get0(sig, &alg, NULL);
    pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    kdf = pbe2 != NULL
        ? ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter)
        : NULL;
    if (kdf == NULL || !ASN1_INTEGER_set_int64(kdf->iter, strtoll(argv[4], NULL, 0))
        || ASN1_TYPE_pack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), kdf, &pbe2->keyfunc->parameter)
            == NULL
        || ASN1_TYPE_pack_sequence(ASN1_ITEM_rptr(PBE2PARAM), pbe2, (ASN1_TYPE **)&alg->parameter)
            == NULL)
        die("setting the PBKDF2 iterations");
    if (!PEM_write_PKCS8(stdout, sig))
        die("PEM_write_PKCS8");
    PBKDF2PARAM_free(kdf);
    PBE2PARAM_free(pbe2);
    X509_SIG_free(sig);
    PKCS8_PRIV_KEY_INFO_free(inf);
    EVP_PKEY_free(key);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "p12") == 0)
        return p12(argv);
    if (argc == 5 && strcmp(argv[1], "p8") == 0)
        return p8(argv);
    fprintf(stderr, "usage: kdf-iter p12 KEY CERT PASS ITER | kdf-iter p8 KEY PASS ITER\n");
    return 2;
}
