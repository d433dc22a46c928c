/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cwms_emit: what lands in the file CWMS imports.
 * Run through with-pki.sh emit-pki.sh (keys and certificates in $CWMS_TEST_PKI).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "cwms/emit.h"
#include "testlib.h"

static X509 *load_cert(const char *file)
{
    BIO *b = BIO_new_file(t_pki(file), "r");
    X509 *x;

    assert_non_null(b);
    x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(x);
    return x;
}

static EVP_PKEY *load_key(const char *file)
{
    BIO *b = BIO_new_file(t_pki(file), "r");
    EVP_PKEY *k;

    assert_non_null(b);
    k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(k);
    return k;
}

/* A bundle of key (may be NULL) and the named certificates in the given order. */
static CWMS_BUNDLE *make_bundle(const char *key, size_t leaf_index, size_t n, ...)
{
    CWMS_BUNDLE *b = calloc(1, sizeof(*b));
    va_list ap;

    assert_non_null(b);
    b->key = key != NULL ? load_key(key) : NULL;
    b->certs = calloc(n, sizeof(X509 *));
    assert_non_null(b->certs);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        b->certs[i] = load_cert(va_arg(ap, const char *));
    va_end(ap);
    b->n_certs = n;
    b->leaf_index = leaf_index;
    return b;
}

static void free_bundle(CWMS_BUNDLE *b)
{
    EVP_PKEY_free(b->key);
    for (size_t i = 0; i < b->n_certs; i++)
        X509_free(b->certs[i]);
    free(b->certs);
    free(b);
}

/* Emits or fails the test with the core's messages. */
static void emit_ok(const CWMS_BUNDLE *b, const CWMS_EMIT_OPTIONS *eo, unsigned char **out,
                    size_t *len)
{
    CWMS_DIAG *diag = cwms_diag_new();
    int ok = cwms_emit(b, eo, out, len, diag);

    if (!ok)
        t_dump(diag);
    cwms_diag_free(diag);
    assert_true(ok);
}

/* The reason of the first error of a failing emit. */
static CWMS_REASON emit_fails(const CWMS_BUNDLE *b, const CWMS_EMIT_OPTIONS *eo)
{
    CWMS_DIAG *diag = cwms_diag_new();
    unsigned char *out = NULL;
    size_t len = 0;
    CWMS_REASON r;

    assert_false(cwms_emit(b, eo, &out, &len, diag));
    t_dump(diag);
    assert_null(out);
    assert_non_null(cwms_diag_first_error(diag));
    r = cwms_diag_first_error(diag)->reason;
    cwms_diag_free(diag);
    return r;
}

/* The n-th "-----BEGIN X-----" type of a PEM text, copied into type. */
static int nth_pem_type(const unsigned char *pem, size_t len, size_t n, char *type, size_t size)
{
    char *text = strndup((const char *)pem, len), *line, *save = NULL;
    size_t seen = 0;
    int found = 0;

    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        size_t l = strlen(line);

        if (strncmp(line, "-----BEGIN ", 11) == 0 && l > 16 && seen++ == n) {
            snprintf(type, size, "%.*s", (int)(l - 16), line + 11);
            found = 1;
            break;
        }
    }
    free(text);
    return found;
}

/* Every line is a BEGIN/END line or inside a block: nothing else in the file. */
static void assert_only_pem_blocks(const unsigned char *pem, size_t len)
{
    char *text = strndup((const char *)pem, len), *line, *save = NULL;
    int inside = 0;

    assert_true(len > 0 && pem[len - 1] == '\n');
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "-----BEGIN ", 11) == 0) {
            assert_false(inside);
            inside = 1;
        } else if (strncmp(line, "-----END ", 9) == 0) {
            assert_true(inside);
            inside = 0;
        } else if (!inside) {
            fail_msg("text outside a PEM block: '%s'", line);
        }
    }
    assert_false(inside);
    free(text);
}

/* Reads every certificate that follows the key and compares them with the bundle's. */
static void assert_certs_in_order(const unsigned char *pem, size_t len, const CWMS_BUNDLE *b)
{
    BIO *in = BIO_new_mem_buf(pem, (int)len);
    STACK_OF(X509_INFO) * infos;
    size_t certs = 0;

    infos = PEM_X509_INFO_read_bio(in, NULL, NULL, (void *)"unused");
    assert_non_null(infos);
    for (int i = 0; i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *xi = sk_X509_INFO_value(infos, i);

        if (xi->x509 == NULL)
            continue;
        assert_true(certs < b->n_certs);
        assert_int_equal(X509_cmp(xi->x509, b->certs[certs]), 0);
        certs++;
    }
    assert_int_equal(certs, b->n_certs);
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    BIO_free(in);
}

static EVP_PKEY *read_key(const unsigned char *pem, size_t len, const char *pass)
{
    BIO *in = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(in, NULL, NULL, (void *)pass);

    BIO_free(in);
    ERR_clear_error();
    return k;
}

static void test_pem_is_key_first_then_certificates_in_bundle_order_and_nothing_else(void **state)
{
    /* Root-first: the leaf is last, so the output cannot be "leaf first by accident". */
    CWMS_BUNDLE *b = make_bundle("server.key", 2, 3, "primary.crt", "secondary.crt", "server.crt");
    CWMS_EMIT_OPTIONS eo = { 0 };
    unsigned char *out;
    size_t len;
    char type[64];
    EVP_PKEY *k;

    (void)state;
    emit_ok(b, &eo, &out, &len);
    assert_only_pem_blocks(out, len);
    assert_true(nth_pem_type(out, len, 0, type, sizeof(type)));
    assert_string_equal(type, "PRIVATE KEY");
    for (size_t i = 1; i <= 3; i++) {
        assert_true(nth_pem_type(out, len, i, type, sizeof(type)));
        assert_string_equal(type, "CERTIFICATE");
    }
    assert_false(nth_pem_type(out, len, 4, type, sizeof(type)));
    assert_certs_in_order(out, len, b);
    k = read_key(out, len, NULL);
    assert_non_null(k);
    assert_int_equal(EVP_PKEY_eq(k, b->key), 1);
    EVP_PKEY_free(k);
    OPENSSL_clear_free(out, len);
    free_bundle(b);
}

static void test_pem_key_block_is_what_pem_write_private_key_writes(void **state)
{
    /* The provider's storeutl output must be byte-identical: same call, same bytes. */
    CWMS_BUNDLE *b = make_bundle("server.key", 0, 1, "server.crt");
    CWMS_EMIT_OPTIONS eo = { 0 };
    unsigned char *out;
    size_t len;
    BIO *ref = BIO_new(BIO_s_mem());
    char *refdata;
    long reflen;

    (void)state;
    emit_ok(b, &eo, &out, &len);
    assert_true(PEM_write_bio_PrivateKey(ref, b->key, NULL, NULL, 0, NULL, NULL));
    assert_true(PEM_write_bio_X509(ref, b->certs[0]));
    reflen = BIO_get_mem_data(ref, &refdata);
    assert_int_equal((size_t)reflen, len);
    assert_memory_equal(refdata, out, len);
    BIO_free(ref);
    OPENSSL_clear_free(out, len);
    free_bundle(b);
}

static void test_no_key_bundle_holds_only_certificates(void **state)
{
    CWMS_BUNDLE *b = make_bundle(NULL, 0, 2, "server.crt", "secondary.crt");
    CWMS_EMIT_OPTIONS eo = { 0 };
    unsigned char *out;
    size_t len;
    char type[64];

    (void)state;
    emit_ok(b, &eo, &out, &len);
    assert_only_pem_blocks(out, len);
    assert_true(nth_pem_type(out, len, 0, type, sizeof(type)));
    assert_string_equal(type, "CERTIFICATE");
    assert_certs_in_order(out, len, b);
    OPENSSL_clear_free(out, len);
    free_bundle(b);
}

static void test_certs_only_leaves_the_bundles_key_out(void **state)
{
    CWMS_BUNDLE *b = make_bundle("server.key", 0, 2, "server.crt", "secondary.crt");
    CWMS_EMIT_OPTIONS eo = { 0 };
    unsigned char *out;
    size_t len;
    char type[64];

    (void)state;
    eo.certs_only = 1;
    emit_ok(b, &eo, &out, &len);
    assert_only_pem_blocks(out, len);
    for (size_t i = 0; i < 2; i++) {
        assert_true(nth_pem_type(out, len, i, type, sizeof(type)));
        assert_string_equal(type, "CERTIFICATE");
    }
    assert_false(nth_pem_type(out, len, 2, type, sizeof(type)));
    assert_null(read_key(out, len, NULL));
    assert_certs_in_order(out, len, b);
    OPENSSL_clear_free(out, len);
    free_bundle(b);
}

static void check_traditional(const char *key, const char *cert, const char *want_type)
{
    CWMS_BUNDLE *b = make_bundle(key, 0, 1, cert);
    CWMS_EMIT_OPTIONS eo = { 0 };
    unsigned char *out;
    size_t len;
    char type[64];
    EVP_PKEY *k;

    eo.key_format = CWMS_KEYFMT_TRADITIONAL;
    emit_ok(b, &eo, &out, &len);
    assert_only_pem_blocks(out, len);
    assert_true(nth_pem_type(out, len, 0, type, sizeof(type)));
    assert_string_equal(type, want_type);
    k = read_key(out, len, NULL);
    assert_non_null(k);
    assert_int_equal(EVP_PKEY_eq(k, b->key), 1);
    EVP_PKEY_free(k);
    assert_certs_in_order(out, len, b);
    OPENSSL_clear_free(out, len);
    free_bundle(b);
}

static void test_traditional_rsa_key_is_an_rsa_private_key_block(void **state)
{
    (void)state;
    check_traditional("server.key", "server.crt", "RSA PRIVATE KEY");
}

static void test_traditional_ec_key_is_an_ec_private_key_block(void **state)
{
    (void)state;
    check_traditional("ecserver.key", "ecserver.crt", "EC PRIVATE KEY");
}

static void test_traditional_format_of_an_ed25519_key_is_refused(void **state)
{
    CWMS_BUNDLE *b = make_bundle("ed25519.key", 0, 1, "server.crt");
    CWMS_EMIT_OPTIONS eo = { 0 };

    (void)state;
    eo.key_format = CWMS_KEYFMT_TRADITIONAL;
    assert_int_equal(emit_fails(b, &eo), CWMS_R_USAGE);
    free_bundle(b);
}

static void test_passout_key_is_pbes2_aes256_pkcs8_that_opens_with_the_passphrase_only(void **state)
{
    CWMS_BUNDLE *b = make_bundle("server.key", 0, 2, "server.crt", "secondary.crt");
    CWMS_EMIT_OPTIONS eo = { 0 };
    unsigned char *out;
    size_t len;
    char type[64];
    EVP_PKEY *k;
    BIO *in;
    X509_SIG *p8;
    const X509_ALGOR *alg;
    const ASN1_OBJECT *oid;
    const void *param;
    int ptype;
    PBE2PARAM *pbe2;

    (void)state;
    eo.passout = "correct horse";
    eo.passout_len = strlen(eo.passout);
    emit_ok(b, &eo, &out, &len);
    assert_only_pem_blocks(out, len);
    assert_true(nth_pem_type(out, len, 0, type, sizeof(type)));
    assert_string_equal(type, "ENCRYPTED PRIVATE KEY");
    assert_certs_in_order(out, len, b);

    assert_null(read_key(out, len, "wrong horse"));
    k = read_key(out, len, "correct horse");
    assert_non_null(k);
    assert_int_equal(EVP_PKEY_eq(k, b->key), 1);
    EVP_PKEY_free(k);

    /* PBES2 with AES-256-CBC, not a PKCS#12 PBE or 3DES. */
    in = BIO_new_mem_buf(out, (int)len);
    p8 = PEM_read_bio_PKCS8(in, NULL, NULL, NULL);
    assert_non_null(p8);
    X509_SIG_get0(p8, &alg, NULL);
    X509_ALGOR_get0(&oid, &ptype, &param, alg);
    assert_int_equal(OBJ_obj2nid(oid), NID_pbes2);
    assert_int_equal(ptype, V_ASN1_SEQUENCE);
    pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    assert_non_null(pbe2);
    assert_int_equal(OBJ_obj2nid(pbe2->encryption->algorithm), NID_aes_256_cbc);
    PBE2PARAM_free(pbe2);
    X509_SIG_free(p8);
    BIO_free(in);
    OPENSSL_clear_free(out, len);
    free_bundle(b);
}

static void test_traditional_key_with_passout_is_encrypted_with_aes256(void **state)
{
    CWMS_BUNDLE *b = make_bundle("server.key", 0, 1, "server.crt");
    CWMS_EMIT_OPTIONS eo = { 0 };
    unsigned char *out;
    size_t len;
    char type[64];
    EVP_PKEY *k;

    (void)state;
    eo.key_format = CWMS_KEYFMT_TRADITIONAL;
    eo.passout = "s3cret";
    eo.passout_len = 6;
    emit_ok(b, &eo, &out, &len);
    assert_true(nth_pem_type(out, len, 0, type, sizeof(type)));
    assert_string_equal(type, "RSA PRIVATE KEY");
    assert_non_null(strstr((const char *)out, "DEK-Info: AES-256-CBC,"));
    assert_null(read_key(out, len, "wrong"));
    k = read_key(out, len, "s3cret");
    assert_non_null(k);
    assert_int_equal(EVP_PKEY_eq(k, b->key), 1);
    EVP_PKEY_free(k);
    OPENSSL_clear_free(out, len);
    free_bundle(b);
}

static void test_pkcs12_holds_key_leaf_and_chain_under_a_sha256_mac(void **state)
{
    CWMS_BUNDLE *b = make_bundle("server.key", 2, 3, "primary.crt", "secondary.crt", "server.crt");
    CWMS_EMIT_OPTIONS eo = { 0 };
    unsigned char *out;
    size_t len;
    const unsigned char *p;
    PKCS12 *p12;
    EVP_PKEY *k = NULL;
    X509 *leaf = NULL;
    STACK_OF(X509) *ca = NULL;
    const X509_ALGOR *macalg;
    const ASN1_OBJECT *macoid;
    const char *alias;

    (void)state;
    eo.format = CWMS_FORMAT_PKCS12;
    eo.passout = "p12pass";
    eo.passout_len = 7;
    emit_ok(b, &eo, &out, &len);
    p = out;
    p12 = d2i_PKCS12(NULL, &p, (long)len);
    assert_non_null(p12);
    assert_true(PKCS12_verify_mac(p12, "p12pass", 7));
    assert_false(PKCS12_verify_mac(p12, "wrong", 5));
    PKCS12_get0_mac(NULL, &macalg, NULL, NULL, p12);
    X509_ALGOR_get0(&macoid, NULL, NULL, macalg);
    assert_int_equal(OBJ_obj2nid(macoid), NID_sha256);

    assert_true(PKCS12_parse(p12, "p12pass", &k, &leaf, &ca));
    assert_non_null(k);
    assert_int_equal(EVP_PKEY_eq(k, b->key), 1);
    assert_non_null(leaf);
    assert_int_equal(X509_cmp(leaf, b->certs[2]), 0);
    alias = (const char *)X509_alias_get0(leaf, NULL);
    assert_non_null(alias);
    assert_string_equal(alias, "www.example.test");
    assert_non_null(ca);
    assert_int_equal(sk_X509_num(ca), 2);
    /* The chain is the bundle minus the leaf, whatever order PKCS12_parse hands it back in. */
    for (int i = 0; i < 2; i++) {
        X509 *c = sk_X509_value(ca, i);

        assert_true(X509_cmp(c, b->certs[0]) == 0 || X509_cmp(c, b->certs[1]) == 0);
    }
    EVP_PKEY_free(k);
    X509_free(leaf);
    sk_X509_pop_free(ca, X509_free);
    PKCS12_free(p12);
    OPENSSL_clear_free(out, len);
    free_bundle(b);
}

static void test_pkcs12_without_passout_is_refused(void **state)
{
    CWMS_BUNDLE *b = make_bundle("server.key", 0, 1, "server.crt");
    CWMS_EMIT_OPTIONS eo = { 0 };

    (void)state;
    eo.format = CWMS_FORMAT_PKCS12;
    assert_int_equal(emit_fails(b, &eo), CWMS_R_USAGE);
    free_bundle(b);
}

static void test_empty_passout_is_refused(void **state)
{
    CWMS_BUNDLE *b = make_bundle("server.key", 0, 1, "server.crt");
    CWMS_EMIT_OPTIONS eo = { 0 };

    (void)state;
    eo.passout = "";
    eo.passout_len = 0;
    assert_int_equal(emit_fails(b, &eo), CWMS_R_USAGE);
    free_bundle(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pem_is_key_first_then_certificates_in_bundle_order_and_nothing_else),
        cmocka_unit_test(test_pem_key_block_is_what_pem_write_private_key_writes),
        cmocka_unit_test(test_no_key_bundle_holds_only_certificates),
        cmocka_unit_test(test_certs_only_leaves_the_bundles_key_out),
        cmocka_unit_test(test_traditional_rsa_key_is_an_rsa_private_key_block),
        cmocka_unit_test(test_traditional_ec_key_is_an_ec_private_key_block),
        cmocka_unit_test(test_traditional_format_of_an_ed25519_key_is_refused),
        cmocka_unit_test(
            test_passout_key_is_pbes2_aes256_pkcs8_that_opens_with_the_passphrase_only),
        cmocka_unit_test(test_traditional_key_with_passout_is_encrypted_with_aes256),
        cmocka_unit_test(test_pkcs12_holds_key_leaf_and_chain_under_a_sha256_mac),
        cmocka_unit_test(test_pkcs12_without_passout_is_refused),
        cmocka_unit_test(test_empty_passout_is_refused),
    };

    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
