/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Serialising a bundle: see emit.h.
 *
 * PEM output is exactly what `openssl storeutl -out` writes for the same
 * objects (PEM_write_bio_PrivateKey_ex for the key, PEM_write_bio_X509 for
 * each certificate), so the provider's output and the CLI's are
 * byte-identical. An RSA key read as exactly the PKCS#8 bytes OpenSSL's
 * encoder writes for it (input/key.c checks) is written as read: starting
 * the encoders costs a third of an everyday build. Encrypted and
 * traditional keys go through OSSL_ENCODER, the 3.0 way of choosing an
 * output structure and a cipher.
 *
 * Everything is written into a secure-heap memory BIO (cleared when freed)
 * and copied into one buffer the caller frees with OPENSSL_clear_free.
 */
#include "cwms/emit.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

/* The cipher of every encrypted output: PBES2 with AES-256-CBC. */
#define EMIT_CIPHER "AES-256-CBC"

/*-
 * Keys
 * ----
 */

static const char *key_type_name(const EVP_PKEY *key)
{
    const char *name = EVP_PKEY_get0_type_name(key);

    return name != NULL ? name : "unknown";
}

/* Writes key as structure ("PrivateKeyInfo" or "type-specific"), encrypted when pass is set. */
static int encode_key(BIO *out, const EVP_PKEY *key, const char *structure, const char *pass,
                      size_t pass_len, const char *propq, CWMS_DIAG *diag)
{
    OSSL_ENCODER_CTX *ectx;
    int ok = 0;

    ectx = OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "PEM", structure, propq);
    if (ectx == NULL) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL, "cannot set up the key encoder");
        return 0;
    }
    if (OSSL_ENCODER_CTX_get_num_encoders(ectx) == 0) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_KEY_NOT_EXTRACTABLE,
                      "the %s private key cannot be written as %s (is it held by a token "
                      "that does not let it go?)",
                      key_type_name(key), structure);
        goto end;
    }
    if (pass != NULL
        && (!OSSL_ENCODER_CTX_set_cipher(ectx, EMIT_CIPHER, propq)
            || !OSSL_ENCODER_CTX_set_passphrase(ectx, (const unsigned char *)pass, pass_len))) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL,
                              "cannot set up " EMIT_CIPHER " encryption of the private key");
        goto end;
    }
    if (!OSSL_ENCODER_to_bio(ectx, out)) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL, "cannot write the %s private key",
                              key_type_name(key));
        goto end;
    }
    ok = 1;
end:
    OSSL_ENCODER_CTX_free(ectx);
    return ok;
}

static int write_key_pem(BIO *out, EVP_PKEY *key, const unsigned char *key_pkcs8,
                         size_t key_pkcs8_len, const CWMS_EMIT_OPTIONS *eo, CWMS_DIAG *diag)
{
    if (eo->key_format == CWMS_KEYFMT_TRADITIONAL) {
        /* Only these have an "XXX PRIVATE KEY" form; asking the encoder about others fails late. */
        if (!EVP_PKEY_is_a(key, "RSA") && !EVP_PKEY_is_a(key, "EC") && !EVP_PKEY_is_a(key, "DSA")) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_USAGE,
                          "a %s key has no traditional format: use --key-format pkcs8",
                          key_type_name(key));
            return 0;
        }
        return encode_key(out, key, "type-specific", eo->passout, eo->passout_len, eo->propq, diag);
    }
    if (eo->passout != NULL)
        return encode_key(out, key, "PrivateKeyInfo", eo->passout, eo->passout_len, eo->propq,
                          diag);
    /* The bytes the encoder would make, read with the key (input/key.c): no encoder needed. */
    if (key_pkcs8 != NULL) {
        if (!PEM_write_bio(out, PEM_STRING_PKCS8INF, "", key_pkcs8, (long)key_pkcs8_len)) {
            cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL,
                                  "cannot write the %s private key", key_type_name(key));
            return 0;
        }
        return 1;
    }
    /* The very call `openssl storeutl -out` and `openssl pkey` make. */
    if (!PEM_write_bio_PrivateKey_ex(out, key, NULL, NULL, 0, NULL, NULL, eo->libctx, eo->propq)) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_KEY_NOT_EXTRACTABLE,
                              "cannot write the %s private key (a key held by a token "
                              "may refuse to leave it)",
                              key_type_name(key));
        return 0;
    }
    return 1;
}

/*-
 * PEM
 * ---
 */

static int emit_pem(BIO *out, const CWMS_BUNDLE *bundle, const CWMS_EMIT_OPTIONS *eo,
                    CWMS_DIAG *diag)
{
    if (bundle->key != NULL && !eo->certs_only
        && !write_key_pem(out, bundle->key, bundle->key_pkcs8, bundle->key_pkcs8_len, eo, diag))
        return 0;
    for (size_t i = 0; i < bundle->n_certs; i++) {
        if (!PEM_write_bio_X509(out, bundle->certs[i])) {
            cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL,
                                  "cannot write certificate %zu of the bundle", i + 1);
            return 0;
        }
    }
    return 1;
}

/*-
 * PKCS#12
 * -------
 */

/* The leaf's first commonName as UTF-8 (OPENSSL_free), or NULL when it has none. */
static char *leaf_friendly_name(X509 *leaf)
{
    const X509_NAME *name = X509_get_subject_name(leaf);
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    unsigned char *utf8 = NULL;
    int len;

    if (i < 0)
        return NULL;
    len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (len < 0)
        return NULL;
    return (char *)utf8;
}

static int emit_pkcs12(BIO *out, const CWMS_BUNDLE *bundle, const CWMS_EMIT_OPTIONS *eo,
                       CWMS_DIAG *diag)
{
    STACK_OF(X509) *chain = NULL;
    X509 *leaf = NULL;
    PKCS12 *p12 = NULL;
    char *pass = NULL, *name = NULL;
    EVP_MD *sha256 = NULL;
    int ok = 0;

    if (bundle->n_certs > 0 && bundle->leaf_index < bundle->n_certs)
        leaf = bundle->certs[bundle->leaf_index];
    if ((chain = sk_X509_new_null()) == NULL)
        goto oom;
    for (size_t i = 0; i < bundle->n_certs; i++)
        if (bundle->certs[i] != leaf && !sk_X509_push(chain, bundle->certs[i]))
            goto oom;
    /* PKCS12_create_ex wants a C string; the option carries a length. */
    if ((pass = OPENSSL_malloc(eo->passout_len + 1)) == NULL)
        goto oom;
    memcpy(pass, eo->passout, eo->passout_len);
    pass[eo->passout_len] = '\0';
    if (leaf != NULL)
        name = leaf_friendly_name(leaf);

    /* mac_iter -1: no MAC yet; PKCS12_create_ex would use SHA-1, we want SHA-256. */
    p12 = PKCS12_create_ex(pass, name, eo->certs_only ? NULL : bundle->key, leaf, chain,
                           NID_aes_256_cbc, NID_aes_256_cbc, PKCS12_DEFAULT_ITER, -1, 0, eo->libctx,
                           eo->propq);
    if (p12 == NULL) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL, "cannot create the PKCS#12");
        goto end;
    }
    if ((sha256 = EVP_MD_fetch(eo->libctx, "SHA256", eo->propq)) == NULL
        || !PKCS12_set_mac(p12, pass, (int)eo->passout_len, NULL, 0, PKCS12_DEFAULT_ITER, sha256)) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL,
                              "cannot add the SHA-256 MAC to the PKCS#12");
        goto end;
    }
    if (!i2d_PKCS12_bio(out, p12)) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL, "cannot encode the PKCS#12");
        goto end;
    }
    ok = 1;
    goto end;
oom:
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory writing the PKCS#12");
end:
    EVP_MD_free(sha256);
    PKCS12_free(p12);
    OPENSSL_free(name);
    OPENSSL_clear_free(pass, eo->passout_len + 1);
    sk_X509_free(chain);
    return ok;
}

/*-
 * Entry point
 * -----------
 */

int cwms_emit(const CWMS_BUNDLE *bundle, const CWMS_EMIT_OPTIONS *eo, unsigned char **out,
              size_t *out_len, CWMS_DIAG *diag)
{
    BIO *mem = NULL;
    char *data;
    long len;
    int ok = 0;

    *out = NULL;
    *out_len = 0;
    if (eo->passout != NULL && eo->passout_len == 0) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_USAGE,
                      "the output passphrase is empty: give a non-empty --passout "
                      "(or leave --passout out for an unencrypted PEM key)");
        return 0;
    }
    if (eo->format == CWMS_FORMAT_PKCS12 && eo->passout == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_USAGE,
                      "a PKCS#12 file needs a passphrase: give --passout");
        return 0;
    }
    if (bundle->n_certs == 0 && (bundle->key == NULL || eo->certs_only)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "the bundle is empty: nothing to write");
        return 0;
    }
    /* Secure heap when there is one; either way freed with the bytes cleared. */
    if ((mem = BIO_new(BIO_s_secmem())) == NULL) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    if (eo->format == CWMS_FORMAT_PKCS12)
        ok = emit_pkcs12(mem, bundle, eo, diag);
    else
        ok = emit_pem(mem, bundle, eo, diag);
    if (!ok)
        goto end;
    ok = 0;
    len = BIO_get_mem_data(mem, &data);
    if (len <= 0 || (*out = OPENSSL_malloc((size_t)len)) == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        goto end;
    }
    memcpy(*out, data, (size_t)len);
    *out_len = (size_t)len;
    ok = 1;
end:
    BIO_free(mem);
    return ok;
}
