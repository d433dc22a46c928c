/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inputs: every format a CA or an admin hands over, recognised by content.
 * The files are made by tests/unit/fixtures/inputs.sh with the real
 * openssl; run through with-pki.sh, which sets $CWMS_TEST_PKI.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/provider.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "input/input.h"
#include "input/formats.h"
#include "testlib.h"

#define PASSPHRASE "secret"

static const char *pki_dir;

typedef struct {
    const char *answer;         /* what the passphrase source says; NULL = no source */
    const char *const *answers; /* or a different answer each time it is asked */
    int calls;
    char last_what[512];
} PASS_SOURCE;

typedef struct {
    CWMS_INPUTS *in;
    CWMS_DIAG *diag;
    CWMS_PASS *pass;
    PASS_SOURCE source;
    CWMS_READ_CTX rctx;
} FIX;

static int pass_cb(char *buf, size_t size, size_t *len, const char *what, void *arg)
{
    PASS_SOURCE *src = arg;

    src->calls++;
    snprintf(src->last_what, sizeof(src->last_what), "%s", what);
    if (src->answers != NULL)
        src->answer = src->answers[src->calls - 1];
    if (src->answer == NULL || strlen(src->answer) > size)
        return 0;
    memcpy(buf, src->answer, strlen(src->answer));
    *len = strlen(src->answer);
    return 1;
}

static int setup(void **state)
{
    FIX *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->source.answer = PASSPHRASE;
    f->in = cwms_inputs_new();
    f->diag = cwms_diag_new();
    f->pass = cwms_pass_new(pass_cb, &f->source);
    assert_non_null(f->in);
    assert_non_null(f->diag);
    assert_non_null(f->pass);
    f->rctx.pass = f->pass;
    f->rctx.max_threads = 1; /* large PEM files on two threads, as in the CLI */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    FIX *f = *state;

    cwms_inputs_free(f->in);
    cwms_diag_free(f->diag);
    cwms_pass_free(f->pass);
    free(f);
    /* Every test, passing or failing, must leave OpenSSL's error queue as it found it. */
    if (ERR_peek_error() != 0) {
        ERR_print_errors_fp(stderr);
        fail_msg("OpenSSL error queue not empty after the test");
    }
    return 0;
}

static int add(FIX *f, const char *name)
{
    return cwms_inputs_add_source(f->in, t_pki(name), &f->rctx, f->diag);
}

static void must_add_path(FIX *f, const char *path)
{
    if (!cwms_inputs_add_source(f->in, path, &f->rctx, f->diag)) {
        t_dump(f->diag);
        fail_msg("reading '%s' failed", path);
    }
}

static void must_add(FIX *f, const char *name)
{
    if (!add(f, name)) {
        t_dump(f->diag);
        fail_msg("reading '%s' failed", name);
    }
}

static void assert_no_errors(const FIX *f)
{
    if (cwms_diag_count_level(f->diag, CWMS_ERROR) != 0) {
        t_dump(f->diag);
        fail_msg("unexpected errors");
    }
}

/* The SHA-256 of the DER of the certificate in a PEM file of the fixture. */
static void cert_file_sha256(const char *name, unsigned char sha[32])
{
    FILE *fp = fopen(t_pki(name), "r");
    X509 *x;
    unsigned char *der = NULL;
    int len;

    assert_non_null(fp);
    x = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_non_null(x);
    len = i2d_X509(x, &der);
    assert_true(len > 0);
    assert_true(EVP_Digest(der, (size_t)len, sha, NULL, EVP_sha256(), NULL));
    OPENSSL_free(der);
    X509_free(x);
}

/* The pool entry of the certificate in a fixture .crt file, or NULL. */
static CWMS_CERT *pool_cert(const FIX *f, const char *crt)
{
    unsigned char sha[32];

    cert_file_sha256(crt, sha);
    return cwms_pool_find_sha256(f->in->pool, sha);
}

static void assert_pool_holds(const FIX *f, const char *crt, const char *origin)
{
    CWMS_CERT *c = pool_cert(f, crt);

    if (c == NULL)
        fail_msg("%s is not in the pool", crt);
    if (origin != NULL)
        assert_string_equal(c->origin, t_pki(origin));
}

/* 1 when key is the private key of the certificate in a fixture .crt file. */
static int key_matches(const EVP_PKEY *key, const char *crt)
{
    FILE *fp = fopen(t_pki(crt), "r");
    X509 *x;
    int eq;

    assert_non_null(fp);
    x = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_non_null(x);
    eq = EVP_PKEY_eq(X509_get0_pubkey(x), key) == 1;
    X509_free(x);
    return eq;
}

static void assert_one_key_of(const FIX *f, const char *crt, const char *origin)
{
    assert_int_equal(f->in->n_keys, 1);
    assert_true(key_matches(f->in->keys[0].pkey, crt));
    if (origin != NULL)
        assert_string_equal(f->in->keys[0].origin, t_pki(origin));
}

/*-
 * PEM
 */

static void test_pem_bundle_yields_every_certificate_numbered_by_position(void **state)
{
    FIX *f = *state;

    must_add(f, "ca-bundle.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 3);
    assert_pool_holds(f, "secondary.crt", "ca-bundle.pem#1");
    assert_pool_holds(f, "primary.crt", "ca-bundle.pem#2");
    assert_pool_holds(f, "root.crt", "ca-bundle.pem#3");
    assert_int_equal(f->in->n_keys, 0);
    assert_int_equal(cwms_diag_count(f->diag), 0);
}

static void test_single_certificate_file_is_named_without_number(void **state)
{
    FIX *f = *state;

    must_add(f, "server.crt");
    assert_int_equal(cwms_pool_count(f->in->pool), 1);
    assert_pool_holds(f, "server.crt", "server.crt");
}

static void test_crlf_line_ends_are_read(void **state)
{
    FIX *f = *state;

    must_add(f, "chain-crlf.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 3);
    assert_pool_holds(f, "server.crt", "chain-crlf.pem#1");
    assert_pool_holds(f, "primary.crt", "chain-crlf.pem#3");
}

static void test_utf8_bom_is_skipped(void **state)
{
    FIX *f = *state;

    must_add(f, "chain-bom.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 2);
    assert_pool_holds(f, "server.crt", "chain-bom.pem#1");
    assert_pool_holds(f, "secondary.crt", "chain-bom.pem#2");
}

static void test_text_around_and_between_blocks_is_ignored(void **state)
{
    FIX *f = *state;

    must_add(f, "chain-text.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 2);
    assert_pool_holds(f, "server.crt", "chain-text.pem#1");
    assert_pool_holds(f, "secondary.crt", "chain-text.pem#2");
    assert_int_equal(cwms_diag_count(f->diag), 0);
}

static void test_indented_blocks_are_read(void **state)
{
    FIX *f = *state;

    must_add(f, "indented.yaml");
    assert_int_equal(cwms_pool_count(f->in->pool), 3);
    assert_pool_holds(f, "secondary.crt", "indented.yaml#1");
    assert_one_key_of(f, "server.crt", "indented.yaml");
}

static void test_unwrapped_base64_line_is_read(void **state)
{
    FIX *f = *state;

    must_add(f, "oneline.pem");
    assert_pool_holds(f, "server.crt", "oneline.pem");
}

static void test_trusted_certificate_keeps_the_certificate_without_trust_settings(void **state)
{
    FIX *f = *state;

    must_add(f, "root-trusted.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 1);
    /* Same SHA-256 as the plain certificate: the aux trust block was dropped. */
    assert_pool_holds(f, "root.crt", "root-trusted.pem");
}

static void test_x509_certificate_block_name_is_read(void **state)
{
    FIX *f = *state;

    must_add(f, "root-x509.pem");
    assert_pool_holds(f, "root.crt", "root-x509.pem");
}

static void test_pem_pkcs7_yields_its_certificates(void **state)
{
    FIX *f = *state;

    must_add(f, "chain-p7.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 3);
    assert_pool_holds(f, "secondary.crt", "chain-p7.pem#1");
    assert_pool_holds(f, "root.crt", "chain-p7.pem#3");
}

static void test_pkcs7_under_another_block_name_is_recognised_by_content(void **state)
{
    FIX *f = *state;

    must_add(f, "chain-p7-named.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 3);
    assert_pool_holds(f, "primary.crt", "chain-p7-named.pem#2");
}

static void test_key_and_certificate_in_one_file_are_both_read(void **state)
{
    FIX *f = *state;

    must_add(f, "server-combined.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 1);
    assert_pool_holds(f, "server.crt", "server-combined.pem");
    assert_one_key_of(f, "server.crt", "server-combined.pem");
}

/*-
 * DER and PKCS#7
 */

static void test_der_certificate_is_read(void **state)
{
    FIX *f = *state;

    must_add(f, "server.der");
    assert_int_equal(cwms_pool_count(f->in->pool), 1);
    assert_pool_holds(f, "server.crt", "server.der");
    assert_int_equal(cwms_diag_count(f->diag), 0);
}

static void test_concatenated_der_certificates_are_all_read(void **state)
{
    FIX *f = *state;

    must_add(f, "two.der");
    assert_int_equal(cwms_pool_count(f->in->pool), 2);
    assert_pool_holds(f, "secondary.crt", "two.der#1");
    assert_pool_holds(f, "primary.crt", "two.der#2");
}

static void test_der_pkcs7_yields_its_certificates(void **state)
{
    FIX *f = *state;

    must_add(f, "chain.p7b");
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_pool_holds(f, "secondary.crt", "chain.p7b#1");
    assert_pool_holds(f, "server.crt", "chain.p7b#4");
    assert_int_equal(f->in->n_keys, 0);
}

static void test_ber_indefinite_length_pkcs7_is_read(void **state)
{
    FIX *f = *state;

    must_add(f, "chain-ber.p7");
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_non_null(pool_cert(f, "server.crt"));
    assert_non_null(pool_cert(f, "primary.crt"));
}

/*-
 * PKCS#12
 */

static void test_p12_with_passphrase_yields_key_certificate_and_chain(void **state)
{
    FIX *f = *state;

    must_add(f, "server.p12");
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_non_null(pool_cert(f, "server.crt"));
    assert_non_null(pool_cert(f, "secondary.crt"));
    assert_non_null(pool_cert(f, "primary.crt"));
    assert_non_null(pool_cert(f, "root.crt"));
    assert_true(strncmp(pool_cert(f, "root.crt")->origin, t_pki("server.p12#"),
                        strlen(t_pki("server.p12#")))
                == 0);
    assert_one_key_of(f, "server.crt", "server.p12");
    assert_int_equal(f->source.calls, 1);
    assert_non_null(strstr(f->source.last_what, "server.p12"));
}

static void test_p12_without_password_needs_no_prompt(void **state)
{
    FIX *f = *state;

    must_add(f, "server-nopass.p12");
    must_add(f, "server-plain.p12");
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_one_key_of(f, "server.crt", "server-nopass.p12");
    assert_int_equal(f->source.calls, 0);
}

static void test_wrong_p12_passphrase_names_the_file(void **state)
{
    FIX *f = *state;

    f->source.answer = "not-the-passphrase";
    assert_false(add(f, "server.p12"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_BAD_PASSPHRASE, "wrong passphrase for PKCS#12 file",
                 "server.p12");
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_BAD_PASSPHRASE, "--passin", NULL);
    assert_int_equal(cwms_pool_count(f->in->pool), 0);
    assert_int_equal(f->in->n_keys, 0);
}

static void test_p12_without_passphrase_source_says_use_passin(void **state)
{
    FIX *f = *state;

    f->source.answer = NULL;
    assert_false(add(f, "server.p12"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_NO_PASSPHRASE, "server.p12", "use --passin");
}

static void test_legacy_rc2_p12_is_read_with_the_legacy_provider(void **state)
{
    FIX *f = *state;

    if (access(t_pki("server-legacy.p12"), R_OK) != 0)
        t_skip("openssl without the legacy provider could not make server-legacy.p12");
    must_add(f, "server-legacy.p12");
    t_assert_msg(f->diag, CWMS_NOTE, CWMS_R_NONE, "server-legacy.p12", "legacy provider");
    assert_one_key_of(f, "server.crt", "server-legacy.p12");
    /* Only the core's own context saw the legacy provider. */
    assert_int_equal(OSSL_PROVIDER_available(NULL, "legacy"), 0);
}

/*-
 * Keys
 */

static void test_pkcs8_keys_are_read_in_pem_and_der(void **state)
{
    FIX *f = *state;

    must_add(f, "server-pk8.pem");
    assert_one_key_of(f, "server.crt", "server-pk8.pem");
    cwms_inputs_free(f->in);
    f->in = cwms_inputs_new();
    must_add(f, "server-pk8.der");
    assert_one_key_of(f, "server.crt", "server-pk8.der");
    assert_int_equal(cwms_pool_count(f->in->pool), 0);
    assert_int_equal(f->source.calls, 0);
}

static void test_encrypted_pkcs8_keys_are_read_with_the_passphrase(void **state)
{
    FIX *f = *state;

    must_add(f, "server-enc.pem");
    assert_one_key_of(f, "server.crt", "server-enc.pem");
    assert_non_null(strstr(f->source.last_what, "server-enc.pem"));
    cwms_inputs_free(f->in);
    f->in = cwms_inputs_new();
    must_add(f, "server-enc.der");
    assert_one_key_of(f, "server.crt", "server-enc.der");
    /* The cache asked its source once for both. */
    assert_int_equal(f->source.calls, 1);
}

static void test_traditional_rsa_and_ec_keys_are_read_with_and_without_dek_info(void **state)
{
    FIX *f = *state;
    static const struct {
        const char *file, *crt, *type;
    } cases[] = {
        { "server-rsa.pem", "server.crt", "RSA" },
        { "server-rsa.der", "server.crt", "RSA" },
        { "server-rsa-dek.pem", "server.crt", "RSA" },
        { "ecserver-ec.pem", "ecserver.crt", "EC" },
        { "ecserver-ec-dek.pem", "ecserver.crt", "EC" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cwms_inputs_free(f->in);
        f->in = cwms_inputs_new();
        must_add(f, cases[i].file);
        assert_one_key_of(f, cases[i].crt, cases[i].file);
        assert_true(EVP_PKEY_is_a(f->in->keys[0].pkey, cases[i].type));
    }
    assert_no_errors(f);
}

static void test_wrong_passphrase_for_encrypted_keys_names_the_file(void **state)
{
    FIX *f = *state;

    f->source.answer = "not-the-passphrase";
    assert_false(add(f, "server-enc.pem"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_BAD_PASSPHRASE, "wrong passphrase", "server-enc.pem");
    assert_false(add(f, "server-rsa-dek.pem"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_BAD_PASSPHRASE, "wrong passphrase",
                 "server-rsa-dek.pem");
    assert_false(add(f, "ecserver-ec-dek.pem"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_BAD_PASSPHRASE, "wrong passphrase",
                 "ecserver-ec-dek.pem");
    assert_int_equal(f->in->n_keys, 0);
}

static void test_encrypted_key_without_passphrase_source_says_use_passin(void **state)
{
    FIX *f = *state;

    f->source.answer = NULL;
    assert_false(add(f, "server-rsa-dek.pem"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_NO_PASSPHRASE, "server-rsa-dek.pem", "use --passin");
    assert_false(add(f, "server-enc.der"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_NO_PASSPHRASE, "server-enc.der", "use --passin");
}

static void test_a_person_is_asked_again_after_a_wrong_passphrase(void **state)
{
    FIX *f = *state;
    static const char *const typo_then_right[] = { "typo", PASSPHRASE, NULL };

    cwms_pass_set_source(f->pass, "the pass phrase typed at the terminal", 3);
    f->source.answers = typo_then_right;
    must_add(f, "server.p12");
    assert_int_equal(f->source.calls, 2);
    /* The wrong try leaves nothing behind: no error, the file read once. */
    assert_no_errors(f);
    assert_int_equal(f->in->n_keys, 1);
    /* An encrypted key read after it gets the right passphrase from the cache. */
    must_add(f, "server-enc.pem");
    assert_int_equal(f->source.calls, 2);
}

static void test_three_wrong_passphrases_name_the_terminal(void **state)
{
    FIX *f = *state;
    static const char *const wrong[] = { "a", "b", "c", "d", NULL };

    cwms_pass_set_source(f->pass, "the pass phrase typed at the terminal", 3);
    f->source.answers = wrong;
    assert_false(add(f, "server-enc.pem"));
    assert_int_equal(f->source.calls, 3);
    assert_int_equal(cwms_diag_count_level(f->diag, CWMS_ERROR), 1);
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_BAD_PASSPHRASE, "server-enc.pem",
                 "check the pass phrase typed at the terminal");
}

static void test_a_given_passphrase_is_tried_once_and_named(void **state)
{
    FIX *f = *state;

    cwms_pass_set_source(f->pass, "--passin env:PW", 1);
    f->source.answer = "not-the-passphrase";
    assert_false(add(f, "server.p12"));
    assert_int_equal(f->source.calls, 1);
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_BAD_PASSPHRASE, "server.p12", "check --passin env:PW");
}

static void test_one_passphrase_is_asked_once_for_p12_and_keys(void **state)
{
    FIX *f = *state;

    must_add(f, "server.p12");
    must_add(f, "server-enc.pem");
    must_add(f, "server-rsa-dek.pem");
    assert_int_equal(f->source.calls, 1);
}

static void test_key_decryption_uses_the_read_context_property_query(void **state)
{
    FIX *f = *state;

    /* No provider is called "nowhere": a reader that ignored propq would still decrypt. */
    f->rctx.propq = "provider=nowhere";
    assert_false(add(f, "server-rsa-dek.pem"));
    assert_false(add(f, "server-enc.pem"));
    assert_int_equal(f->in->n_keys, 0);
    f->rctx.propq = "provider=default";
    must_add(f, "server-rsa-dek.pem");
    must_add(f, "server-enc.pem");
    assert_one_key_of(f, "server.crt", NULL);
}

static void test_key_decoding_uses_the_read_context_library_context(void **state)
{
    FIX *f = *state;
    OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();
    CWMS_INPUTS *in_default = cwms_inputs_new();
    CWMS_READ_CTX rctx_default = { NULL, NULL, f->pass };

    assert_non_null(libctx);
    assert_non_null(in_default);
    f->rctx.libctx = libctx;
    must_add(f, "server-enc.pem");
    must_add(f, "ecserver-ec-dek.pem");
    assert_int_equal(f->in->n_keys, 2);
    assert_true(
        cwms_inputs_add_source(in_default, t_pki("server-enc.pem"), &rctx_default, f->diag));
    assert_int_equal(in_default->n_keys, 1);
    /* Each library context loads its own default provider: the keys come from the private one. */
    assert_ptr_not_equal(EVP_PKEY_get0_provider(f->in->keys[0].pkey),
                         EVP_PKEY_get0_provider(in_default->keys[0].pkey));
    assert_ptr_equal(EVP_PKEY_get0_provider(f->in->keys[0].pkey),
                     EVP_PKEY_get0_provider(f->in->keys[1].pkey));
    cwms_inputs_free(in_default);
    cwms_inputs_free(f->in);
    OSSL_LIB_CTX_free(libctx);
    f->in = cwms_inputs_new();
}

/*-
 * Duplicates
 */

static void test_duplicates_are_kept_once_across_formats(void **state)
{
    FIX *f = *state;

    must_add(f, "ca-bundle.pem");
    must_add(f, "chain.p7b");
    must_add(f, "primary.der");
    must_add(f, "chain-crlf.pem");
    must_add(f, "server.p12");
    must_add(f, "server-pk8.pem");
    must_add(f, "server-rsa-dek.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    /* The first file that had a certificate names it. */
    assert_pool_holds(f, "root.crt", "ca-bundle.pem#3");
    assert_pool_holds(f, "server.crt", "chain.p7b#4");
    /* The same key from the p12, a PKCS#8 file and a traditional file: one key. */
    assert_one_key_of(f, "server.crt", "server.p12");
}

/*-
 * Things recognised and ignored
 */

static void test_csr_is_noted_and_ignored(void **state)
{
    FIX *f = *state;

    must_add(f, "server.csr");
    assert_int_equal(cwms_pool_count(f->in->pool), 0);
    assert_int_equal(f->in->n_keys, 0);
    t_assert_msg(f->diag, CWMS_NOTE, CWMS_R_NONE, "certificate signing request", "server.csr");
    assert_no_errors(f);
}

static void test_public_key_is_noted_and_skipped(void **state)
{
    FIX *f = *state;

    must_add(f, "server-pub.pem");
    assert_int_equal(f->in->n_keys, 0);
    t_assert_msg(f->diag, CWMS_NOTE, CWMS_R_NONE, "public key", "server-pub.pem");
}

static void test_unknown_block_is_noted_and_the_rest_read(void **state)
{
    FIX *f = *state;

    must_add(f, "unknown-and-cert.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 1);
    t_assert_msg(f->diag, CWMS_NOTE, CWMS_R_NONE, "SOMETHING ELSE", "unknown-and-cert.pem");
}

static void test_file_of_only_an_unknown_block_is_an_error(void **state)
{
    FIX *f = *state;

    assert_false(add(f, "unknown.pem"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED, "unknown.pem",
                 "holds no certificate");
}

/*-
 * Large PEM files (read by two threads): the same as a reading in one go
 */

static void test_large_pem_file_keeps_the_file_order_of_its_certificates(void **state)
{
    FIX *f = *state;

    must_add(f, "big-chain.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_pool_holds(f, "server.crt", "big-chain.pem#1");
    assert_pool_holds(f, "secondary.crt", "big-chain.pem#2");
    assert_pool_holds(f, "primary.crt", "big-chain.pem#3");
    assert_pool_holds(f, "root.crt", "big-chain.pem#4");
    assert_int_equal(cwms_diag_count(f->diag), 0);
}

static void test_large_pem_file_without_threads_allowed_reads_the_same(void **state)
{
    FIX *f = *state;

    f->rctx.max_threads = 0; /* as in the provider when the application allows no threads */
    must_add(f, "big-key-late.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_pool_holds(f, "server.crt", "big-key-late.pem#1");
    assert_pool_holds(f, "root.crt", "big-key-late.pem#4");
    assert_one_key_of(f, "server.crt", "big-key-late.pem");
    assert_int_equal(f->source.calls, 1);
}

static void test_large_pem_file_with_crlf_and_blank_lines_between_blocks_is_read(void **state)
{
    FIX *f = *state;

    must_add(f, "big-crlf.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_pool_holds(f, "primary.crt", "big-crlf.pem#3");
    assert_pool_holds(f, "root.crt", "big-crlf.pem#4");
}

static void test_encrypted_key_late_in_a_large_pem_file_is_read_with_the_passphrase(void **state)
{
    FIX *f = *state;

    must_add(f, "big-key-late.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_pool_holds(f, "root.crt", "big-key-late.pem#4");
    assert_one_key_of(f, "server.crt", "big-key-late.pem");
    assert_int_equal(f->source.calls, 1);
}

static void test_damaged_block_late_in_a_large_pem_file_is_named_by_its_number(void **state)
{
    FIX *f = *state;

    assert_false(add(f, "big-damaged-late.pem"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED, "big-damaged-late.pem",
                 "PEM block 4 is damaged");
    assert_int_equal(cwms_diag_count_level(f->diag, CWMS_ERROR), 1);
}

static void test_damaged_first_block_of_a_large_pem_file_stops_the_reading_there(void **state)
{
    FIX *f = *state;

    assert_false(add(f, "big-damaged-early.pem"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED, "big-damaged-early.pem",
                 "PEM block 1 is damaged");
    /* As in one go: nothing after the damaged block is read. */
    assert_int_equal(cwms_pool_count(f->in->pool), 0);
}

static void test_unknown_block_late_in_a_large_pem_file_is_noted_by_its_number(void **state)
{
    FIX *f = *state;

    must_add(f, "big-unknown-late.pem");
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    t_assert_msg(f->diag, CWMS_NOTE, CWMS_R_NONE, "big-unknown-late.pem",
                 "PEM block 4 of unknown type");
    assert_pool_holds(f, "root.crt", "big-unknown-late.pem#4");
}

/* The real issuer pool of the benchmark (1,263 certificates, read in chunks). */
#define REAL_POOL "cfssl_trust/int-bundle.crt"

/* The pool entry of the first certificate in PEM text, or NULL. */
static CWMS_CERT *pool_cert_of_pem(const FIX *f, const unsigned char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    unsigned char *der = NULL, sha[32];
    int dlen = i2d_X509(x, &der);

    assert_true(dlen > 0 && EVP_Digest(der, (size_t)dlen, sha, NULL, EVP_sha256(), NULL));
    OPENSSL_free(der);
    X509_free(x);
    BIO_free(b);
    return cwms_pool_find_sha256(f->in->pool, sha);
}

/* The number of "-----BEGIN " lines in data[0, len). */
static size_t blocks_before(const unsigned char *data, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i + 11 <= len; i++)
        if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, "-----BEGIN ", 11) == 0)
            n++;
    return n;
}

/* data with text inserted at `at`; free() it. */
static unsigned char *insert_at(const unsigned char *data, size_t len, size_t at, const char *text,
                                size_t *out_len)
{
    size_t tlen = strlen(text);
    unsigned char *out = malloc(len + tlen);

    assert_non_null(out);
    memcpy(out, data, at);
    memcpy(out + at, text, tlen);
    memcpy(out + at + tlen, data + at, len - at);
    *out_len = len + tlen;
    return out;
}

static void test_real_issuer_pool_is_numbered_as_read_in_one_go(void **state)
{
    FIX *f = *state;
    const char *path = t_data(REAL_POOL);
    BIO *bio = BIO_new_file(path, "r");
    unsigned char(*sha)[32] = NULL;
    size_t n = 0, distinct = 0;
    X509 *x;
    char want[4200];

    must_add_path(f, path);
    assert_non_null(bio);
    /* OpenSSL's own reading, one certificate after the other. */
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        unsigned char *der = NULL;
        int len = i2d_X509(x, &der);
        size_t first;
        CWMS_CERT *c;

        sha = realloc(sha, (n + 1) * sizeof(*sha));
        assert_non_null(sha);
        assert_true(len > 0 && EVP_Digest(der, (size_t)len, sha[n], NULL, EVP_sha256(), NULL));
        OPENSSL_free(der);
        X509_free(x);
        /* A duplicate keeps the name of its first copy. */
        for (first = 0; memcmp(sha[first], sha[n], 32) != 0; first++)
            continue;
        distinct += first == n;
        c = cwms_pool_find_sha256(f->in->pool, sha[n]);
        assert_non_null(c);
        snprintf(want, sizeof(want), "%s#%zu", path, first + 1);
        assert_string_equal(c->origin, want);
        n++;
    }
    ERR_clear_error(); /* the end of the file */
    BIO_free(bio);
    free(sha);
    assert_true(n > 1000);
    assert_int_equal(cwms_pool_count(f->in->pool), distinct);
    assert_int_equal(cwms_diag_count(f->diag), 0);
}

static void test_damaged_block_in_a_real_issuer_pool_is_named_by_its_number(void **state)
{
    FIX *f = *state;
    size_t len, big_len, at;
    unsigned char *data = t_slurp(t_data(REAL_POOL), &len), *big;
    char want[64];

    /* Where a later chunk may start: the block there is damaged. */
    at = cwms_pem_split_after(data, len, len / 10 * 7);
    assert_true(at > 0);
    big = insert_at(data, len, at,
                    "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n", &big_len);
    assert_false(cwms_inputs_add_buffer(f->in, big, big_len, "pool.pem", &f->rctx, f->diag));
    snprintf(want, sizeof(want), "PEM block %zu is damaged", blocks_before(big, at) + 1);
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED, "pool.pem", want);
    assert_int_equal(cwms_diag_count_level(f->diag, CWMS_ERROR), 1);
    free(big);
    free(data);
}

static void test_encrypted_key_in_a_real_issuer_pool_is_read_once_in_place(void **state)
{
    FIX *f = *state;
    size_t len, big_len, at, key_len, plain;
    unsigned char *data = t_slurp(t_data(REAL_POOL), &len), *big;
    unsigned char *key = t_slurp(t_pki("server-enc.pem"), &key_len);
    char *key_text = strndup((const char *)key, key_len);
    char want[64];
    const CWMS_CERT *after;

    /* The pool alone, then with an encrypted key among its blocks. */
    assert_true(cwms_inputs_add_buffer(f->in, data, len, "plain.pem", &f->rctx, f->diag));
    plain = cwms_pool_count(f->in->pool);
    cwms_inputs_free(f->in);
    f->in = cwms_inputs_new();
    at = cwms_pem_split_after(data, len, len / 10 * 4);
    assert_true(at > 0);
    big = insert_at(data, len, at, key_text, &big_len);
    if (!cwms_inputs_add_buffer(f->in, big, big_len, "pool.pem", &f->rctx, f->diag)) {
        t_dump(f->diag);
        fail_msg("reading the pool with a key in it failed");
    }
    assert_int_equal(cwms_pool_count(f->in->pool), plain);
    assert_int_equal(f->in->n_keys, 1);
    assert_true(key_matches(f->in->keys[0].pkey, "server.crt"));
    assert_int_equal(f->source.calls, 1);
    /* The certificate after the key is numbered as if the key were not there. */
    after = pool_cert_of_pem(f, big + at + strlen(key_text), big_len - at - strlen(key_text));
    assert_non_null(after);
    snprintf(want, sizeof(want), "pool.pem#%zu", blocks_before(big, at) + 1);
    /* (unless it repeats an earlier certificate, whose name it keeps) */
    if (strcmp(after->origin, want) != 0)
        assert_true(strtoul(strrchr(after->origin, '#') + 1, NULL, 10) <= blocks_before(big, at));
    free(key_text);
    free(key);
    free(big);
    free(data);
}

/* Where a chunk may start in text, looking from its middle. */
static size_t split_of(const char *text)
{
    return cwms_pem_split_after((const unsigned char *)text, strlen(text), strlen(text) / 2);
}

static void test_pem_split_point_is_a_begin_line_right_after_an_end_line(void **state)
{
    static const char two[] =
        "-----BEGIN A-----\nAAAA\n-----END A-----\n-----BEGIN B-----\nBBBB\n-----END B-----\n";
    static const char gap[] =
        "-----BEGIN A-----\r\nAAAA\r\n-----END A-----\r\n \r\n\r\n-----BEGIN B-----\r\n";

    (void)state;
    assert_int_equal(split_of(two), strstr(two, "-----BEGIN B") - two);
    /* Blank lines (with CR, with blanks) may separate the END and the BEGIN. */
    assert_int_equal(split_of(gap), strstr(gap, "-----BEGIN B") - gap);
}

static void test_pem_split_point_is_never_inside_a_block_or_after_text(void **state)
{
    (void)state;
    /* A BEGIN line after text (or inside a block) is no place to start reading. */
    assert_int_equal(split_of(
                         "-----BEGIN A-----\nAAAA\nnotes\n-----BEGIN B-----\nBBBB\n-----END B-----\n"),
                     0);
    assert_int_equal(split_of(
                         "-----BEGIN A-----\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                         "-----BEGIN B-----\nBBBB\n-----END B-----\n"),
                     0);
    /* Before the middle it is not looked for; none at all: 0. */
    assert_int_equal(
        split_of("-----END A-----\n-----BEGIN B-----\nBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n"),
        0);
    assert_int_equal(split_of("no PEM here\n"), 0);
}

/*-
 * Errors
 */

static void test_garbage_file_is_an_error_naming_it(void **state)
{
    FIX *f = *state;

    assert_false(add(f, "garbage.txt"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED, "garbage.txt",
                 "holds no certificate, key, PKCS#7 or PKCS#12 that cwms-bundle can read");
    assert_false(add(f, "random.bin"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED, "random.bin",
                 "holds no certificate");
}

static void test_empty_file_is_an_error_naming_it(void **state)
{
    FIX *f = *state;

    assert_false(add(f, "empty.pem"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED, "empty.pem", "is empty");
}

static void test_damaged_pem_block_is_an_error_naming_the_file(void **state)
{
    FIX *f = *state;

    assert_false(add(f, "damaged.pem"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED, "damaged.pem", "damaged");
}

static void test_missing_file_is_unreadable_with_the_system_reason(void **state)
{
    FIX *f = *state;

    assert_false(add(f, "no-such-file.pem"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNREADABLE, "no-such-file.pem",
                 "No such file or directory");
}

static void test_inputs_read_before_a_failure_are_kept(void **state)
{
    FIX *f = *state;

    must_add(f, "ca-bundle.pem");
    assert_false(add(f, "garbage.txt"));
    assert_int_equal(cwms_pool_count(f->in->pool), 3);
}

/*-
 * Directories
 */

static void test_directory_is_read_non_recursively_in_name_order(void **state)
{
    FIX *f = *state;

    must_add(f, "dir");
    /* a-secondary.pem, b-primary.der, c-server.key; not sub/root.pem, not .hidden.pem */
    assert_int_equal(cwms_pool_count(f->in->pool), 2);
    assert_ptr_equal(cwms_pool_get(f->in->pool, 0), pool_cert(f, "secondary.crt"));
    assert_ptr_equal(cwms_pool_get(f->in->pool, 1), pool_cert(f, "primary.crt"));
    assert_pool_holds(f, "secondary.crt", "dir/a-secondary.pem");
    assert_pool_holds(f, "primary.crt", "dir/b-primary.der");
    assert_null(pool_cert(f, "root.crt"));
    assert_one_key_of(f, "server.crt", "dir/c-server.key");
    t_assert_msg(f->diag, CWMS_NOTE, CWMS_R_NONE, "dir/sub", "not read recursively");
    t_assert_msg(f->diag, CWMS_NOTE, CWMS_R_NONE, "dir/.hidden.pem", "hidden");
}

static void test_directory_skips_a_file_with_nothing_usable_with_a_note(void **state)
{
    FIX *f = *state;

    must_add(f, "garbagedir");
    t_assert_msg(f->diag, CWMS_NOTE, CWMS_R_NONE, "garbagedir/notes.txt", "skipping");
    assert_null(cwms_diag_first_error(f->diag));
    /* The good file next to it was read. */
    assert_pool_holds(f, "secondary.crt", "garbagedir/a.pem");
}

static void test_empty_directory_is_an_error(void **state)
{
    FIX *f = *state;

    assert_false(add(f, "emptydir"));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED, "emptydir", "empty");
}

/*-
 * URIs, buffers and standard input
 */

static void test_file_uri_is_percent_decoded(void **state)
{
    FIX *f = *state;
    char uri[4096];

    snprintf(uri, sizeof(uri), "file://%s/with%%20space/my%%20chain%%25.pem", pki_dir);
    if (!cwms_inputs_add_source(f->in, uri, &f->rctx, f->diag)) {
        t_dump(f->diag);
        fail_msg("reading %s failed", uri);
    }
    assert_int_equal(cwms_pool_count(f->in->pool), 3);
    assert_pool_holds(f, "root.crt", "with space/my chain%.pem#3");
}

static void test_file_uri_forms_without_authority_and_with_localhost_are_read(void **state)
{
    FIX *f = *state;
    char uri[4096];

    snprintf(uri, sizeof(uri), "file:%s/server.der", pki_dir);
    assert_true(cwms_inputs_add_source(f->in, uri, &f->rctx, f->diag));
    snprintf(uri, sizeof(uri), "FILE://localhost%s/primary.der", pki_dir);
    assert_true(cwms_inputs_add_source(f->in, uri, &f->rctx, f->diag));
    assert_int_equal(cwms_pool_count(f->in->pool), 2);
}

static void test_relative_file_uri_is_read_from_the_working_directory(void **state)
{
    FIX *f = *state;
    char cwd[4096];

    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(pki_dir), 0);
    assert_true(cwms_inputs_add_source(f->in, "file:server.der", &f->rctx, f->diag));
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(cwms_pool_count(f->in->pool), 1);
    assert_string_equal(cwms_pool_get(f->in->pool, 0)->origin, "server.der");
}

static void test_file_uri_of_another_host_is_refused(void **state)
{
    FIX *f = *state;

    assert_false(
        cwms_inputs_add_source(f->in, "file://ca.example.com/etc/ca.pem", &f->rctx, f->diag));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_USAGE, "file://ca.example.com/etc/ca.pem", "local");
}

static void test_pkcs11_uri_is_not_read_as_a_file(void **state)
{
    FIX *f = *state;
    const CWMS_MSG *m;

    /* Dispatched to the PKCS#11 reader, whatever it answers; never "cannot open 'pkcs11:...'". */
    cwms_inputs_add_source(f->in, "pkcs11:token=no-such-token-cwms-test", &f->rctx, f->diag);
    m = cwms_diag_first_error(f->diag);
    if (m != NULL) {
        assert_int_not_equal(m->reason, CWMS_R_INPUT_UNREADABLE);
        assert_int_not_equal(m->reason, CWMS_R_INPUT_UNRECOGNISED);
    }
}

static void test_buffer_is_read_like_a_file(void **state)
{
    FIX *f = *state;
    size_t len;
    unsigned char *buf = t_slurp(t_pki("chain.p7b"), &len);

    assert_true(cwms_inputs_add_buffer(f->in, buf, len, "pasted", &f->rctx, f->diag));
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_string_equal(cwms_pool_get(f->in->pool, 0)->origin, "pasted#1");
    assert_false(cwms_inputs_add_buffer(f->in, (const unsigned char *)"hello", 5, "pasted2",
                                        &f->rctx, f->diag));
    t_assert_msg(f->diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED, "'pasted2' holds no certificate",
                 NULL);
    free(buf);
}

static void test_dash_reads_standard_input(void **state)
{
    FIX *f = *state;
    int saved = dup(0), fd = open(t_pki("server.p12"), O_RDONLY);

    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, 0), 0);
    close(fd);
    assert_true(cwms_inputs_add_source(f->in, "-", &f->rctx, f->diag));
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_int_equal(f->in->n_keys, 1);
    assert_string_equal(f->in->keys[0].origin, "(stdin)");
    assert_non_null(strstr(f->source.last_what, "(stdin)"));
}

static void test_large_pool_through_a_pipe_is_read_like_the_file(void **state)
{
    FIX *f = *state;
    const char *path = t_data(REAL_POOL);
    size_t len, from_file;
    unsigned char *data = t_slurp(path, &len);
    int fds[2], saved, status;
    pid_t child;

    must_add_path(f, path);
    from_file = cwms_pool_count(f->in->pool);
    cwms_inputs_free(f->in);
    f->in = cwms_inputs_new();
    /* A pipe has no size to read ahead of: the buffer grows as the data comes. */
    assert_int_equal(pipe(fds), 0);
    if ((child = fork()) == 0) {
        size_t off = 0;

        close(fds[0]);
        while (off < len) {
            ssize_t w = write(fds[1], data + off, len - off);

            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    assert_true(child > 0);
    close(fds[1]);
    saved = dup(0);
    assert_int_equal(dup2(fds[0], 0), 0);
    close(fds[0]);
    assert_true(cwms_inputs_add_source(f->in, "-", &f->rctx, f->diag));
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(cwms_pool_count(f->in->pool), from_file);
    assert_string_equal(cwms_pool_get(f->in->pool, 0)->origin, "(stdin)#1");
    free(data);
}

static void test_error_queue_is_clean_after_reading_every_format(void **state)
{
    FIX *f = *state;
    static const char *files[] = {
        "ca-bundle.pem",       "chain-crlf.pem",
        "chain-bom.pem",       "chain-text.pem",
        "root-trusted.pem",    "root-x509.pem",
        "server.der",          "two.der",
        "chain.p7b",           "chain-p7.pem",
        "chain-p7-named.pem",  "server.p12",
        "server-nopass.p12",   "server-plain.p12",
        "server-pk8.pem",      "server-pk8.der",
        "server-enc.pem",      "server-enc.der",
        "server-rsa.pem",      "server-rsa.der",
        "server-rsa-dek.pem",  "ecserver-ec.pem",
        "ecserver-ec-dek.pem", "server.csr",
        "server-pub.pem",      "dir",
    };

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        must_add(f, files[i]);
        if (ERR_peek_error() != 0) {
            ERR_print_errors_fp(stderr);
            fail_msg("reading %s left errors on the OpenSSL queue", files[i]);
        }
    }
    assert_no_errors(f);
    /* secondary, primary, root, server; the RSA and the EC key */
    assert_int_equal(cwms_pool_count(f->in->pool), 4);
    assert_int_equal(f->in->n_keys, 2);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_pem_bundle_yields_every_certificate_numbered_by_position),
        T(test_single_certificate_file_is_named_without_number),
        T(test_crlf_line_ends_are_read),
        T(test_utf8_bom_is_skipped),
        T(test_text_around_and_between_blocks_is_ignored),
        T(test_indented_blocks_are_read),
        T(test_unwrapped_base64_line_is_read),
        T(test_trusted_certificate_keeps_the_certificate_without_trust_settings),
        T(test_x509_certificate_block_name_is_read),
        T(test_pem_pkcs7_yields_its_certificates),
        T(test_pkcs7_under_another_block_name_is_recognised_by_content),
        T(test_key_and_certificate_in_one_file_are_both_read),
        T(test_der_certificate_is_read),
        T(test_concatenated_der_certificates_are_all_read),
        T(test_der_pkcs7_yields_its_certificates),
        T(test_ber_indefinite_length_pkcs7_is_read),
        T(test_p12_with_passphrase_yields_key_certificate_and_chain),
        T(test_p12_without_password_needs_no_prompt),
        T(test_wrong_p12_passphrase_names_the_file),
        T(test_p12_without_passphrase_source_says_use_passin),
        T(test_legacy_rc2_p12_is_read_with_the_legacy_provider),
        T(test_pkcs8_keys_are_read_in_pem_and_der),
        T(test_encrypted_pkcs8_keys_are_read_with_the_passphrase),
        T(test_traditional_rsa_and_ec_keys_are_read_with_and_without_dek_info),
        T(test_wrong_passphrase_for_encrypted_keys_names_the_file),
        T(test_encrypted_key_without_passphrase_source_says_use_passin),
        T(test_one_passphrase_is_asked_once_for_p12_and_keys),
        T(test_a_person_is_asked_again_after_a_wrong_passphrase),
        T(test_three_wrong_passphrases_name_the_terminal),
        T(test_a_given_passphrase_is_tried_once_and_named),
        T(test_key_decryption_uses_the_read_context_property_query),
        T(test_key_decoding_uses_the_read_context_library_context),
        T(test_duplicates_are_kept_once_across_formats),
        T(test_csr_is_noted_and_ignored),
        T(test_public_key_is_noted_and_skipped),
        T(test_unknown_block_is_noted_and_the_rest_read),
        T(test_file_of_only_an_unknown_block_is_an_error),
        T(test_garbage_file_is_an_error_naming_it),
        T(test_empty_file_is_an_error_naming_it),
        T(test_damaged_pem_block_is_an_error_naming_the_file),
        T(test_large_pem_file_keeps_the_file_order_of_its_certificates),
        T(test_large_pem_file_without_threads_allowed_reads_the_same),
        T(test_large_pem_file_with_crlf_and_blank_lines_between_blocks_is_read),
        T(test_encrypted_key_late_in_a_large_pem_file_is_read_with_the_passphrase),
        T(test_damaged_block_late_in_a_large_pem_file_is_named_by_its_number),
        T(test_damaged_first_block_of_a_large_pem_file_stops_the_reading_there),
        T(test_unknown_block_late_in_a_large_pem_file_is_noted_by_its_number),
        T(test_real_issuer_pool_is_numbered_as_read_in_one_go),
        T(test_damaged_block_in_a_real_issuer_pool_is_named_by_its_number),
        T(test_encrypted_key_in_a_real_issuer_pool_is_read_once_in_place),
        cmocka_unit_test(test_pem_split_point_is_a_begin_line_right_after_an_end_line),
        cmocka_unit_test(test_pem_split_point_is_never_inside_a_block_or_after_text),
        T(test_missing_file_is_unreadable_with_the_system_reason),
        T(test_inputs_read_before_a_failure_are_kept),
        T(test_directory_is_read_non_recursively_in_name_order),
        T(test_directory_skips_a_file_with_nothing_usable_with_a_note),
        T(test_empty_directory_is_an_error),
        T(test_file_uri_is_percent_decoded),
        T(test_file_uri_forms_without_authority_and_with_localhost_are_read),
        T(test_relative_file_uri_is_read_from_the_working_directory),
        T(test_file_uri_of_another_host_is_refused),
        T(test_pkcs11_uri_is_not_read_as_a_file),
        T(test_buffer_is_read_like_a_file),
        T(test_dash_reads_standard_input),
        T(test_large_pool_through_a_pipe_is_read_like_the_file),
        T(test_error_queue_is_clean_after_reading_every_format),
    };

    pki_dir = getenv("CWMS_TEST_PKI");
    if (pki_dir == NULL) {
        fprintf(stderr, "CWMS_TEST_PKI is not set: run through tests/unit/with-pki.sh\n");
        return 77;
    }
    return t_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
