/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PEM block scanner of `check` (core/inspect/blocks.c): block order,
 * byte ranges and lines, text between blocks, encrypted keys recognised
 * without a passphrase, CRLF files, blocks cut short.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "inspect/blocks.h"

/* A self-signed EC certificate and its key, as PEM text (OPENSSL_free). */
static void make_pem(char **cert_pem, char **key_pem, char **enc_key_pem)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    BIO *b;
    char *p;
    long len;

    assert_non_null(pk);
    assert_non_null(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"blocks test", -1, -1,
                               0);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, n);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pk);
    assert_true(X509_sign(x, pk, EVP_sha256()) > 0);

    b = BIO_new(BIO_s_mem());
    assert_true(PEM_write_bio_X509(b, x));
    len = BIO_get_mem_data(b, &p);
    *cert_pem = OPENSSL_strndup(p, (size_t)len);
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    assert_true(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL));
    len = BIO_get_mem_data(b, &p);
    *key_pem = OPENSSL_strndup(p, (size_t)len);
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    assert_true(PEM_write_bio_PKCS8PrivateKey(b, pk, EVP_aes_256_cbc(), "pw", 2, NULL, NULL));
    len = BIO_get_mem_data(b, &p);
    *enc_key_pem = OPENSSL_strndup(p, (size_t)len);
    BIO_free(b);
    X509_NAME_free(n);
    X509_free(x);
    EVP_PKEY_free(pk);
}

static size_t lines_in(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

static void blocks_in_order_with_text_between(void **state)
{
    char *cert, *key, *enc, buf[16384];
    CWMS_SCAN s;
    int n;

    (void)state;
    make_pem(&cert, &key, &enc);
    n = snprintf(buf, sizeof(buf),
                 "Bag Attributes\n    localKeyID: 01\n%s\n\n%ssubject=CN = x\n%s   \n", enc, cert,
                 key);
    assert_true(n > 0 && (size_t)n < sizeof(buf));
    assert_true(cwms_scan_pem((const unsigned char *)buf, (size_t)n, &s));

    assert_int_equal(s.n_blocks, 3);
    assert_int_equal(s.blocks[0].pub.kind, CWMS_BLOCK_ENCRYPTED_KEY);
    assert_string_equal(s.blocks[0].pub.label, "ENCRYPTED PRIVATE KEY");
    assert_int_equal(s.blocks[0].pub.line, 3);
    assert_int_equal(s.blocks[1].pub.kind, CWMS_BLOCK_CERT);
    assert_string_equal(s.blocks[1].pub.subject, "CN=blocks test");
    assert_int_equal(strlen(s.blocks[1].pub.sha256), 64);
    assert_int_equal(s.blocks[2].pub.kind, CWMS_BLOCK_KEY);
    /* The byte ranges are the blocks themselves. */
    assert_memory_equal(buf + s.blocks[1].pub.offset, cert, strlen(cert));
    assert_int_equal(s.blocks[1].pub.len, strlen(cert));
    assert_int_equal(s.blocks[1].pub.line, 3 + lines_in(enc) + 2);

    /* Two runs of text (blank lines are not text): before block 1 and before block 3. */
    assert_int_equal(s.n_texts, 2);
    assert_int_equal(s.texts[0].line, 1);
    assert_int_equal(s.texts[0].before_block, 0);
    assert_memory_equal(buf + s.texts[0].offset, "Bag Attributes\n    localKeyID: 01",
                        s.texts[0].len);
    assert_int_equal(s.texts[1].before_block, 2);
    assert_memory_equal(buf + s.texts[1].offset, "subject=CN = x", s.texts[1].len);
    assert_false(s.unterminated);
    cwms_scan_clear(&s);
    OPENSSL_free(cert);
    OPENSSL_free(key);
    OPENSSL_free(enc);
}

static void crlf_file_and_traditional_encrypted_key(void **state)
{
    const char *trad = "-----BEGIN RSA PRIVATE KEY-----\r\n"
                       "Proc-Type: 4,ENCRYPTED\r\n"
                       "DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\r\n"
                       "\r\n"
                       "AAAAAAAAAAAAAAAAAAAAAA==\r\n"
                       "-----END RSA PRIVATE KEY-----\r\n";
    CWMS_SCAN s;

    (void)state;
    assert_true(cwms_scan_pem((const unsigned char *)trad, strlen(trad), &s));
    assert_int_equal(s.n_blocks, 1);
    assert_int_equal(s.blocks[0].pub.kind, CWMS_BLOCK_ENCRYPTED_KEY);
    assert_int_equal(s.blocks[0].pub.len, strlen(trad));
    assert_int_equal(s.n_texts, 0);
    cwms_scan_clear(&s);
}

static void block_cut_short_is_text(void **state)
{
    char *cert, *key, *enc, buf[16384];
    size_t half;
    CWMS_SCAN s;
    int n;

    (void)state;
    make_pem(&cert, &key, &enc);
    half = strlen(cert) / 2;
    n = snprintf(buf, sizeof(buf), "%.*s\n%s", (int)half, cert, key);
    assert_true(n > 0 && (size_t)n < sizeof(buf));
    assert_true(cwms_scan_pem((const unsigned char *)buf, (size_t)n, &s));
    /* The key after it is still a block; the half certificate is text, flagged unterminated. */
    assert_int_equal(s.n_blocks, 1);
    assert_int_equal(s.blocks[0].pub.kind, CWMS_BLOCK_KEY);
    assert_true(s.unterminated);
    assert_true(s.n_texts >= 1);
    assert_int_equal(s.texts[0].offset, 0);
    cwms_scan_clear(&s);
    OPENSSL_free(cert);
    OPENSSL_free(key);
    OPENSSL_free(enc);
}

static void other_blocks_and_no_blocks(void **state)
{
    const char *csr =
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
    const unsigned char der[] = { 0x30, 0x82, 0x01, 0x00, 0x02, 0x01 };
    CWMS_SCAN s;

    (void)state;
    assert_true(cwms_scan_pem((const unsigned char *)csr, strlen(csr), &s));
    assert_int_equal(s.n_blocks, 1);
    assert_int_equal(s.blocks[0].pub.kind, CWMS_BLOCK_OTHER);
    assert_string_equal(s.blocks[0].pub.label, "CERTIFICATE REQUEST");
    cwms_scan_clear(&s);
    assert_true(cwms_scan_pem(der, sizeof(der), &s));
    assert_int_equal(s.n_blocks, 0);
    assert_int_equal(s.n_texts, 1);
    cwms_scan_clear(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_in_order_with_text_between),
        cmocka_unit_test(crlf_file_and_traditional_encrypted_key),
        cmocka_unit_test(block_cut_short_is_text),
        cmocka_unit_test(other_blocks_and_no_blocks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
