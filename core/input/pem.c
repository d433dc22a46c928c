/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM text: every block of a file, whatever text surrounds them.
 *
 * PEM_read_bio_ex (through cwms_pem_next_block, which decodes plain
 * certificate blocks faster) finds each "-----BEGIN" line itself, skipping
 * any text before it, and copes with CRLF line ends; the block's name says what
 * its DER is. Names OpenSSL never writes but other tools do ("CERTIFICATE
 * CHAIN" around a PKCS#7, "CMS") are handled by sniffing their DER.
 * Blocks indented as a whole (pasted into YAML or a quoted mail) are read
 * from a copy with the leading blanks of every line removed.
 *
 * Traditional keys with DEK-Info ("Proc-Type: 4,ENCRYPTED") are decrypted
 * here rather than with PEM_do_header, which fetches its cipher and MD5
 * from the default library context; the provider reads with its own.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "input/formats.h"
#include "cwms_pem_block.h"
#include "cwms_pem_lines.h"
#include "input/pem_label.h"

/*
 * Decrypts a traditional key's DER in place per its DEK-Info header
 * (EVP_BytesToKey with MD5 and the IV's first 8 bytes as salt, as OpenSSL
 * writes them). Returns 1 when decrypted or not encrypted, otherwise an
 * error is reported and CWMS_READ_ERROR returned.
 */
static int decrypt_dek_info(CWMS_READ *r, char *header, unsigned char *der, long *der_len)
{
    EVP_CIPHER_INFO info;
    EVP_CIPHER *cipher = NULL;
    EVP_MD *md5 = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char key[EVP_MAX_KEY_LENGTH];
    const char *pass;
    size_t pass_len;
    int out_len = 0, final_len = 0, ret = CWMS_READ_ERROR;
    char what[512];

    ERR_set_mark();
    if (!PEM_get_EVP_CIPHER_INFO(header, &info)) {
        ERR_clear_last_mark();
        return cwms_read_error_openssl(r, CWMS_R_INPUT_UNRECOGNISED,
                                       "'%s': cannot read the encryption header of the private key",
                                       r->name);
    }
    ERR_pop_to_mark();
    if (info.cipher == NULL)
        return 1;
    snprintf(what, sizeof(what), "private key in '%s'", r->name);
    if (!cwms_read_passphrase(r, what, &pass, &pass_len))
        return cwms_read_no_passphrase(r, CWMS_MSG_KEY_NO_PASS, r->name, CWMS_READ_PASSIN(r));
    if (pass_len > INT_MAX || *der_len > INT_MAX)
        return cwms_read_error(r, CWMS_R_BAD_PASSPHRASE, CWMS_MSG_KEY_BAD_PASS, r->name,
                               CWMS_READ_PASS_SOURCE(r));
    cipher = EVP_CIPHER_fetch(r->rctx->libctx, EVP_CIPHER_get0_name(info.cipher), r->rctx->propq);
    md5 = EVP_MD_fetch(r->rctx->libctx, "MD5", r->rctx->propq);
    if (cipher == NULL || md5 == NULL) {
        cwms_read_error_openssl(r, CWMS_R_INPUT_UNRECOGNISED,
                                "'%s': the private key is encrypted with %s, which this OpenSSL "
                                "cannot decrypt: convert it with `openssl pkcs8 -topk8`",
                                r->name, EVP_CIPHER_get0_name(info.cipher));
        goto end;
    }
    ERR_set_mark();
    if (!EVP_BytesToKey(cipher, md5, info.iv, (const unsigned char *)pass, (int)pass_len, 1, key,
                        NULL)
        || (ctx = EVP_CIPHER_CTX_new()) == NULL
        || !EVP_DecryptInit_ex2(ctx, cipher, key, info.iv, NULL)
        || !EVP_DecryptUpdate(ctx, der, &out_len, der, (int)*der_len)
        || !EVP_DecryptFinal_ex(ctx, der + out_len, &final_len)) {
        /* A wrong passphrase shows as bad padding. */
        ERR_pop_to_mark();
        cwms_read_error(r, CWMS_R_BAD_PASSPHRASE, CWMS_MSG_KEY_BAD_PASS, r->name,
                        CWMS_READ_PASS_SOURCE(r));
        goto end;
    }
    ERR_pop_to_mark();
    *der_len = out_len + final_len;
    ret = 1;
end:
    OPENSSL_cleanse(key, sizeof(key));
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    EVP_MD_free(md5);
    return ret;
}

static int read_key_block(CWMS_READ *r, size_t n, const char *name, char *header,
                          unsigned char *der, long der_len)
{
    int encrypted = strstr(header, "ENCRYPTED") != NULL, ret;

    if ((ret = decrypt_dek_info(r, header, der, &der_len)) != 1)
        return ret;
    if ((ret = cwms_read_key_der(r, der, (size_t)der_len)) != CWMS_READ_NOT_MINE)
        return ret;
    /* One time in 256 a wrong passphrase still gives valid padding. */
    if (encrypted)
        return cwms_read_error(r, CWMS_R_BAD_PASSPHRASE, CWMS_MSG_KEY_BAD_PASS, r->name,
                               CWMS_READ_PASS_SOURCE(r));
    return cwms_read_error(r, CWMS_R_INPUT_UNRECOGNISED,
                           "'%s': PEM block %zu (%s) is not a private key cwms-bundle can read",
                           r->name, n, name);
}

static int damaged(CWMS_READ *r, size_t n, const char *name, const char *expected)
{
    return cwms_read_error(r, CWMS_R_INPUT_UNRECOGNISED,
                           "'%s': PEM block %zu (%s) is damaged: its content is not %s", r->name, n,
                           name, expected);
}

/* The certificate of a block, taking its DER (PEM_read_bio_ex's buffer: no copy). */
static CWMS_CERT *adopt_cert(unsigned char **der, long der_len)
{
    unsigned char *taken = *der;

    *der = NULL;
    return cwms_read_adopt_cert_der(taken, (size_t)der_len);
}

/* *der is taken (and set to NULL) when the block becomes a certificate entry. */
static int read_block(CWMS_READ *r, size_t n, const char *name, char *header, unsigned char **derp,
                      long der_len)
{
    unsigned char *der = *derp;
    const unsigned char *p = der;
    CWMS_CERT *cert;
    X509 *x;
    int ret;

    switch (cwms_pem_kind(name)) {
    case CWMS_PEM_CERT:
        if ((cert = adopt_cert(derp, der_len)) == NULL)
            return damaged(r, n, name, "a certificate");
        r->recognised = 1;
        return cwms_read_take_cert(r, cert) ? CWMS_READ_OK : CWMS_READ_ERROR;
    case CWMS_PEM_TRUSTED_CERT:
        /* A certificate followed by OpenSSL's trust settings: keep only the certificate. */
        ERR_set_mark();
        x = d2i_X509(NULL, &p, der_len);
        ERR_pop_to_mark();
        X509_free(x);
        if (x == NULL || (cert = cwms_read_new_cert_der(der, (size_t)(p - der))) == NULL)
            return damaged(r, n, name, "a certificate");
        r->recognised = 1;
        return cwms_read_take_cert(r, cert) ? CWMS_READ_OK : CWMS_READ_ERROR;
    case CWMS_PEM_PKCS7:
        if ((ret = cwms_read_pkcs7_der(r, der, (size_t)der_len)) == CWMS_READ_NOT_MINE)
            return damaged(r, n, name, "a PKCS#7 with certificates");
        return ret;
    case CWMS_PEM_KEY:
        r->recognised = 1;
        return read_key_block(r, n, name, header, der, der_len);
    case CWMS_PEM_ENCRYPTED_KEY:
        if ((ret = cwms_read_encrypted_key_der(r, der, (size_t)der_len)) == CWMS_READ_NOT_MINE)
            return damaged(r, n, name, "an encrypted private key");
        return ret;
    case CWMS_PEM_CSR:
        return cwms_read_skip_csr(r);
    case CWMS_PEM_PUBLIC_KEY:
        r->recognised = 1;
        cwms_read_note(r, "'%s': ignoring a public key: a bundle needs the private key", r->name);
        return CWMS_READ_OK;
    case CWMS_PEM_CRL:
        r->recognised = 1;
        cwms_read_note(r, "'%s': ignoring a certificate revocation list (CRL)", r->name);
        return CWMS_READ_OK;
    case CWMS_PEM_PARAMETERS:
        return CWMS_READ_OK;
    case CWMS_PEM_OTHER:
        break;
    }
    /* Every format read here is a DER SEQUENCE. */
    if (der_len > 0 && der[0] == 0x30 && cwms_pem_label_worth_sniffing(name)
        && (ret = cwms_read_der_object(r, der, (size_t)der_len)) != CWMS_READ_NOT_MINE)
        return ret;
    if (r->n_unknown++ == 0) {
        r->first_unknown = n;
        snprintf(r->first_unknown_label, sizeof(r->first_unknown_label), "%s", name);
    }
    return CWMS_READ_OK;
}

/* One note for all the blocks of unknown type a file held. */
static void note_unknown_blocks(CWMS_READ *r)
{
    if (r->n_unknown == 1)
        cwms_read_note(r, "'%s': skipping PEM block %zu of unknown type '%s'", r->name,
                       r->first_unknown, r->first_unknown_label);
    else if (r->n_unknown > 1)
        cwms_read_note(r,
                       "'%s': skipping %zu PEM blocks of unknown type (the first: block %zu, "
                       "'%s')",
                       r->name, r->n_unknown, r->first_unknown, r->first_unknown_label);
    r->n_unknown = 0;
}

/*
 * Reads the blocks of data in order, numbering them from *n (messages say
 * "PEM block N"); *n is the next number on return.
 */
static int read_run(CWMS_READ *r, const unsigned char *data, size_t len, size_t *n)
{
    size_t pos = 0;
    int ret = CWMS_READ_NOT_MINE;

    if (len > INT_MAX)
        return CWMS_READ_NOT_MINE;
    for (;; (*n)++) {
        char *name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long der_len = 0;
        unsigned long e;
        int block_ret;

        ERR_set_mark();
        if (!cwms_pem_next_block(data, len, &pos, &name, &header, &der, &der_len)) {
            e = ERR_peek_last_error();
            if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                /* No more blocks. */
                ERR_pop_to_mark();
                break;
            }
            ERR_clear_last_mark();
            ret = cwms_read_error_openssl(r, CWMS_R_INPUT_UNRECOGNISED,
                                          "'%s': PEM block %zu is damaged", r->name, *n);
            break;
        }
        ERR_pop_to_mark();
        block_ret = read_block(r, *n, name, header, &der, der_len);
        OPENSSL_free(name);
        OPENSSL_free(header);
        /* Key blocks hold the key in the clear once decoded (and decrypted in place). */
        OPENSSL_clear_free(der, (size_t)der_len);
        if (block_ret == CWMS_READ_ERROR) {
            ret = CWMS_READ_ERROR;
            break;
        }
        ret = CWMS_READ_OK;
    }
    return ret;
}

/*
 * A large buffer is read in chunks on two threads (input_pem_chunks.c),
 * then merged here in file order: a chunk's certificates, then the rest
 * of the chunk read in one go where it stopped. After an error nothing
 * more counts, as in a reading of the whole buffer in one go.
 */
static int read_blocks(CWMS_READ *r, const unsigned char *data, size_t len)
{
    CWMS_PEM_CHUNK *chunks;
    size_t n_chunks = cwms_pem_chunks_read(data, len, r->rctx->max_threads, &chunks), n = 1;
    int ret = CWMS_READ_NOT_MINE;

    if (n_chunks == 0)
        return read_run(r, data, len, &n);
    for (size_t i = 0; i < n_chunks && ret != CWMS_READ_ERROR; i++) {
        CWMS_PEM_CHUNK *c = &chunks[i];

        for (size_t k = 0; k < c->n_certs; k++) {
            CWMS_CERT *cert = c->certs[k];

            c->certs[k] = NULL;
            if (!cwms_read_take_cert(r, cert)) {
                ret = CWMS_READ_ERROR;
                break;
            }
            r->recognised = 1;
            ret = CWMS_READ_OK;
        }
        n += c->n_blocks;
        if (ret != CWMS_READ_ERROR && c->stop < c->len) {
            int rest = read_run(r, c->data + c->stop, c->len - c->stop, &n);

            if (rest != CWMS_READ_NOT_MINE)
                ret = rest;
        }
    }
    cwms_pem_chunks_free(chunks, n_chunks);
    return ret;
}

/*
 * 1 when some "-----" line is indented (pasted from YAML, a quoted mail, a
 * web form). Line by line with memchr: only a line's first bytes matter,
 * and a byte-by-byte scan of a 3 MB issuer pool costs as much as indexing it.
 */
static int has_indented_boundary(const unsigned char *data, size_t len)
{
    const unsigned char *p = data, *end = data + len, *next;

    for (; p < end; p = next) {
        size_t n = cwms_pem_line(p, end, &next), blanks = 0;

        while (blanks < n && (p[blanks] == ' ' || p[blanks] == '\t'))
            blanks++;
        if (blanks > 0 && cwms_pem_starts(p + blanks, n - blanks, CWMS_PEM_DASHES))
            return 1;
    }
    return 0;
}

/* A copy without leading blanks on any line; free with OPENSSL_clear_free (it may hold a key). */
static unsigned char *unindent(const unsigned char *data, size_t len, size_t *out_len)
{
    unsigned char *out = OPENSSL_malloc(len > 0 ? len : 1);
    size_t o = 0;
    int line_start = 1;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (line_start && (data[i] == ' ' || data[i] == '\t'))
            continue;
        line_start = data[i] == '\n';
        out[o++] = data[i];
    }
    *out_len = o;
    return out;
}

int cwms_read_pem(CWMS_READ *r, const unsigned char *data, size_t len)
{
    unsigned char *copy;
    size_t copy_len = 0;
    int ret;

    /* PEM_read_bio_ex only sees boundaries at the start of a line. */
    if (!has_indented_boundary(data, len)) {
        ret = read_blocks(r, data, len);
    } else {
        if ((copy = unindent(data, len, &copy_len)) == NULL)
            return cwms_read_error(r, CWMS_R_INTERNAL, "out of memory reading '%s'", r->name);
        ret = read_blocks(r, copy, copy_len);
        OPENSSL_clear_free(copy, len);
    }
    note_unknown_blocks(r);
    return ret;
}
