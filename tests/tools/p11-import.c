/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool: imports a PEM private key into a token as a NOT sensitive,
 * extractable object, which pkcs11-tool cannot do (it always sets
 * CKA_SENSITIVE). Sensitive keys are imported with pkcs11-tool itself.
 *
 *   p11-import MODULE TOKEN-LABEL PIN KEY.pem LABEL ID-HEX
 *   p11-import --fill MODULE TOKEN-LABEL PIN CERT.der N
 *       adds N certificate objects (labels filler-0..., distinct ids) in one
 *       session, to make a crowded token for the benchmark
 *   p11-import --private-cert MODULE TOKEN-LABEL PIN CERT.der LABEL
 *       adds one certificate with CKA_PRIVATE true (pkcs11-tool ignores
 *       --private for certificates)
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
#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>

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

static CK_FUNCTION_LIST *open_token(const char *module, const char *label, const char *pin,
                                    CK_SESSION_HANDLE *h)
{
    CK_FUNCTION_LIST *fl;
    CK_SLOT_ID slots[64];
    CK_ULONG n = 64, i;
    size_t l = strlen(label);

    if ((fl = p11_kit_module_load(module, 0)) == NULL || p11_kit_module_initialize(fl) != CKR_OK)
        return NULL;
    fl->C_GetSlotList(CK_TRUE, slots, &n);
    for (i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;

        fl->C_GetTokenInfo(slots[i], &ti);
        if (l <= 32 && memcmp(ti.label, label, l) == 0 && (l == 32 || ti.label[l] == ' ')
            && fl->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, h)
                == CKR_OK
            && fl->C_Login(*h, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)) == CKR_OK)
            return fl;
    }
    return NULL;
}

static int fill(char **argv, int private_cert)
{
    CK_SESSION_HANDLE h;
    CK_FUNCTION_LIST *fl = open_token(argv[2], argv[3], argv[4], &h);
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE ct = CKC_X_509;
    CK_BBOOL yes = CK_TRUE;
    static unsigned char der[16384], subject[4096];
    int subject_len = 0;
    size_t der_len;
    long i, count = private_cert ? 1 : atol(argv[6]);
    CK_BBOOL priv = private_cert ? CK_TRUE : CK_FALSE;
    FILE *f = fopen(argv[5], "rb");

    if (fl == NULL || f == NULL) {
        fprintf(stderr, "p11-import: cannot open the token or %s\n", argv[5]);
        return 1;
    }
    der_len = fread(der, 1, sizeof(der), f);
    fclose(f);
    {
        const unsigned char *p = der;
        X509 *x = d2i_X509(NULL, &p, (long)der_len);
        unsigned char *q = subject;

        if (x == NULL || (subject_len = i2d_X509_NAME(X509_get_subject_name(x), &q)) <= 0) {
            fprintf(stderr, "p11-import: %s is not a DER certificate\n", argv[5]);
            return 1;
        }
        X509_free(x);
    }
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
            t[3].ulValueLen = (CK_ULONG)snprintf(label, sizeof(label), "%s", argv[6]);
        else
            t[3].ulValueLen = (CK_ULONG)snprintf(label, sizeof(label), "filler-%ld", i);
        if (fl->C_CreateObject(h, t, 8, &o) != CKR_OK) {
            fprintf(stderr, "p11-import: creating object %ld failed\n", i);
            return 1;
        }
    }
    fl->C_CloseSession(h);
    p11_kit_module_finalize(fl);
    p11_kit_module_release(fl);
    return 0;
}

int main(int argc, char **argv)
{
    CK_FUNCTION_LIST *fl;
    CK_SLOT_ID slots[64];
    CK_ULONG n = 64, i;
    CK_SESSION_HANDLE h = 0;
    CK_OBJECT_HANDLE obj;
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    unsigned char id[64];
    size_t id_len = 0;
    EVP_PKEY *pkey;
    FILE *f;
    CK_RV rv;
    int found = 0;

    if (argc == 7 && strcmp(argv[1], "--fill") == 0)
        return fill(argv, 0);
    if (argc == 7 && strcmp(argv[1], "--private-cert") == 0)
        return fill(argv, 1);
    if (argc != 7) {
        fprintf(stderr, "usage: p11-import MODULE TOKEN-LABEL PIN KEY.pem LABEL ID-HEX\n");
        return 2;
    }
    if ((f = fopen(argv[4], "r")) == NULL
        || (pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
        fprintf(stderr, "p11-import: cannot read %s\n", argv[4]);
        return 1;
    }
    fclose(f);
    for (i = 0; argv[6][2 * i] != '\0' && argv[6][2 * i + 1] != '\0' && i < sizeof(id); i++)
        id[id_len++] = (unsigned char)(hexval(argv[6][2 * i]) << 4 | hexval(argv[6][2 * i + 1]));

    add(CKA_CLASS, &cls, sizeof(cls));
    add(CKA_TOKEN, &yes, sizeof(yes));
    add(CKA_PRIVATE, &yes, sizeof(yes));
    add(CKA_SENSITIVE, &no, sizeof(no));
    add(CKA_EXTRACTABLE, &yes, sizeof(yes));
    add(CKA_SIGN, &yes, sizeof(yes));
    add(CKA_LABEL, argv[5], strlen(argv[5]));
    add(CKA_ID, id, id_len);
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

    if ((fl = p11_kit_module_load(argv[1], 0)) == NULL || p11_kit_module_initialize(fl) != CKR_OK) {
        fprintf(stderr, "p11-import: cannot load %s\n", argv[1]);
        return 1;
    }
    fl->C_GetSlotList(CK_TRUE, slots, &n);
    for (i = 0; i < n && !found; i++) {
        CK_TOKEN_INFO ti;
        size_t l = strlen(argv[2]);

        fl->C_GetTokenInfo(slots[i], &ti);
        if (l <= 32 && memcmp(ti.label, argv[2], l) == 0 && (l == 32 || ti.label[l] == ' ')) {
            found = 1;
            rv = fl->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h);
            if (rv == CKR_OK)
                rv = fl->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)argv[3], strlen(argv[3]));
            if (rv == CKR_OK)
                rv = fl->C_CreateObject(h, attrs, n_attrs, &obj);
            if (rv != CKR_OK) {
                fprintf(stderr, "p11-import: %s\n", p11_kit_strerror(rv));
                return 1;
            }
            fl->C_CloseSession(h);
        }
    }
    p11_kit_module_finalize(fl);
    p11_kit_module_release(fl);
    for (i = 0; i < n_attrs; i++)
        free(attrs[i].pValue);
    EVP_PKEY_free(pkey);
    if (!found) {
        fprintf(stderr, "p11-import: no token '%s'\n", argv[2]);
        return 1;
    }
    return 0;
}
