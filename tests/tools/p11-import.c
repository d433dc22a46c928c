/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool: puts objects on a token with exactly the attributes a test
 * needs, which pkcs11-tool cannot (it always sets CKA_SENSITIVE on keys and
 * ignores --private for certificates).
 *
 *   p11-import [--sensitive] [--not-extractable] URI KEY.pem LABEL ID-HEX
 *       a private key (RSA or EC) by value: not sensitive and extractable
 *       unless told otherwise
 *   p11-import --fill URI CERT.der N
 *       adds N certificate objects (labels filler-0..., distinct ids) in one
 *       session, to make a crowded token for the benchmark
 *   p11-import --private-cert URI CERT.der LABEL
 *       adds one certificate with CKA_PRIVATE true
 *
 * URI names the token and carries its PIN (pkcs11:token=X?pin-value=P, with
 * module-path= or through p11-kit's registry): the token is opened by the
 * PKCS#11 helper itself, as cwms-bundle opens it (registered modules with
 * their init arguments, such as NSS's database).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "p11_internal.h"

#define MAX_ATTRS 20

static CK_ATTRIBUTE attrs[MAX_ATTRS];
static CK_ULONG n_attrs;

static void add(CK_ATTRIBUTE_TYPE t, const void *v, size_t len)
{
    void *copy = malloc(len > 0 ? len : 1);

    memcpy(copy, v, len);
    attrs[n_attrs++] = (CK_ATTRIBUTE){ t, copy, len };
}

static void add_bn(EVP_PKEY *pkey, const char *param, CK_ATTRIBUTE_TYPE t)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int len;

    if (!EVP_PKEY_get_bn_param(pkey, param, &bn)) {
        fprintf(stderr, "p11-import: no %s in the key\n", param);
        exit(1);
    }
    len = BN_bn2bin(bn, buf);
    add(t, buf, (size_t)len);
    BN_clear_free(bn);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* A logged-in read-write session on the one token the URI names, or exit(1). */
static void open_token(P11_OPEN_TOKEN *ot, const char *uri)
{
    CWMS_P11_ERROR err = { 0 };

    if (!p11_open_token(ot, uri, NULL, 1, &err)) {
        fprintf(stderr, "p11-import: %s\n", err.text);
        exit(1);
    }
}

static int fill(char **argv, int private_cert)
{
    P11_OPEN_TOKEN ot;
    CK_FUNCTION_LIST *fl;
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE ct = CKC_X_509;
    CK_BBOOL yes = CK_TRUE;
    static unsigned char der[16384], subject[4096];
    int subject_len = 0;
    size_t der_len;
    long i, count = private_cert ? 1 : atol(argv[4]);
    CK_BBOOL priv = private_cert ? CK_TRUE : CK_FALSE;
    FILE *f = fopen(argv[3], "rb");

    if (f == NULL) {
        fprintf(stderr, "p11-import: cannot open %s\n", argv[3]);
        return 1;
    }
    der_len = fread(der, 1, sizeof(der), f);
    fclose(f);
    {
        const unsigned char *p = der;
        X509 *x = d2i_X509(NULL, &p, (long)der_len);
        unsigned char *q = subject;

        if (x == NULL || (subject_len = i2d_X509_NAME(X509_get_subject_name(x), &q)) <= 0) {
            fprintf(stderr, "p11-import: %s is not a DER certificate\n", argv[3]);
            return 1;
        }
        X509_free(x);
    }
    open_token(&ot, argv[2]);
    fl = ot.s.token->fl;
    for (i = 0; i < count; i++) {
        char label[32];
        unsigned char id[4] = { 0xf0, (unsigned char)(i >> 16), (unsigned char)(i >> 8),
                                (unsigned char)i };
        CK_ATTRIBUTE t[] = {
            { CKA_CLASS, &cls, sizeof(cls) },
            { CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
            { CKA_TOKEN, &yes, sizeof(yes) },
            { CKA_LABEL, label, 0 },
            { CKA_ID, id, sizeof(id) },
            { CKA_VALUE, der, der_len },
            { CKA_SUBJECT, subject, (CK_ULONG)subject_len },
            { CKA_PRIVATE, &priv, sizeof(priv) },
        };
        CK_OBJECT_HANDLE o;

        if (private_cert)
            t[3].ulValueLen = (CK_ULONG)snprintf(label, sizeof(label), "%s", argv[4]);
        else
            t[3].ulValueLen = (CK_ULONG)snprintf(label, sizeof(label), "filler-%ld", i);
        if (fl->C_CreateObject(ot.s.h, t, 8, &o) != CKR_OK) {
            fprintf(stderr, "p11-import: creating object %ld failed\n", i);
            return 1;
        }
    }
    p11_close_token(&ot);
    return 0;
}

/* The key's own attributes (type, value, parameters) into attrs. */
static void add_key_value(EVP_PKEY *pkey)
{
    CK_KEY_TYPE kt;

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        kt = CKK_RSA;
        add(CKA_KEY_TYPE, &kt, sizeof(kt));
        add_bn(pkey, OSSL_PKEY_PARAM_RSA_N, CKA_MODULUS);
        add_bn(pkey, OSSL_PKEY_PARAM_RSA_E, CKA_PUBLIC_EXPONENT);
        add_bn(pkey, OSSL_PKEY_PARAM_RSA_D, CKA_PRIVATE_EXPONENT);
        add_bn(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, CKA_PRIME_1);
        add_bn(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2, CKA_PRIME_2);
        add_bn(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1, CKA_EXPONENT_1);
        add_bn(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2, CKA_EXPONENT_2);
        add_bn(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, CKA_COEFFICIENT);
    } else {
        char group[64];
        unsigned char der[64], *p = der;
        ASN1_OBJECT *oid;
        int len;

        kt = CKK_EC;
        add(CKA_KEY_TYPE, &kt, sizeof(kt));
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       NULL);
        oid = OBJ_nid2obj(OBJ_sn2nid(group));
        len = i2d_ASN1_OBJECT(oid, &p);
        add(CKA_EC_PARAMS, der, (size_t)len);
        add_bn(pkey, OSSL_PKEY_PARAM_PRIV_KEY, CKA_VALUE);
    }
}

static int import_key(char **argv, CK_BBOOL sensitive, CK_BBOOL extractable)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_BBOOL yes = CK_TRUE;
    P11_OPEN_TOKEN ot;
    CK_OBJECT_HANDLE obj;
    unsigned char id[64];
    size_t id_len = 0, i;
    EVP_PKEY *pkey;
    FILE *f;
    CK_RV rv;

    if ((f = fopen(argv[1], "r")) == NULL
        || (pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
        fprintf(stderr, "p11-import: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    for (i = 0; argv[3][2 * i] != '\0' && argv[3][2 * i + 1] != '\0' && i < sizeof(id); i++)
        id[id_len++] = (unsigned char)(hexval(argv[3][2 * i]) << 4 | hexval(argv[3][2 * i + 1]));
    add(CKA_CLASS, &cls, sizeof(cls));
    add(CKA_TOKEN, &yes, sizeof(yes));
    add(CKA_PRIVATE, &yes, sizeof(yes));
    add(CKA_SENSITIVE, &sensitive, sizeof(sensitive));
    add(CKA_EXTRACTABLE, &extractable, sizeof(extractable));
    add(CKA_SIGN, &yes, sizeof(yes));
    add(CKA_LABEL, argv[2], strlen(argv[2]));
    add(CKA_ID, id, id_len);
    add_key_value(pkey);

    open_token(&ot, argv[0]);
    if ((rv = ot.s.token->fl->C_CreateObject(ot.s.h, attrs, n_attrs, &obj)) != CKR_OK) {
        fprintf(stderr, "p11-import: the token refused the key: 0x%lx\n", rv);
        return 1;
    }
    p11_close_token(&ot);
    for (i = 0; i < n_attrs; i++)
        free(attrs[i].pValue);
    EVP_PKEY_free(pkey);
    return 0;
}

int main(int argc, char **argv)
{
    CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE;
    int i = 1;

    if (argc == 5 && strcmp(argv[1], "--fill") == 0)
        return fill(argv, 0);
    if (argc == 5 && strcmp(argv[1], "--private-cert") == 0)
        return fill(argv, 1);
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--sensitive") == 0)
            sensitive = CK_TRUE;
        else if (strcmp(argv[i], "--not-extractable") == 0)
            extractable = CK_FALSE;
        else
            break;
    }
    if (argc - i != 4) {
        fprintf(stderr,
                "usage: p11-import [--sensitive] [--not-extractable] URI KEY.pem LABEL ID-HEX\n");
        return 2;
    }
    return import_key(argv + i, sensitive, extractable);
}
