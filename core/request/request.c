/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key and the CSR for the CA: see request.h.
 *
 * CWMS's rules, checked before anything goes to the CA (a CA issues
 * whatever it is sent, and a certificate CWMS then refuses costs a
 * re-issue): a fully qualified host name per --host (CWMS is reached by
 * its FQDNs; an IP address or a short name will not do), the first one
 * short enough to be a common name (64 characters, RFC 5280's
 * ub-common-name), RSA keys of 2048 bits at least (CWMS refuses smaller)
 * or EC on P-256/P-384, and SHA-256 signatures.
 */
#include "cwms/request.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/x509v3.h>

#include "cwms_p11.h"
#include "cwms/options.h"
#include "cwms/pkcs11.h"

#define CN_MAX 64

/*-
 * Key types and new keys
 */

int cwms_key_type_parse(const char *s, CWMS_KEY_TYPE *out)
{
    static const CWMS_KEY_TYPE types[] = {
        { 0, 2048, NULL },   { 0, 3072, NULL },   { 0, 4096, NULL },
        { 1, 256, "P-256" }, { 1, 384, "P-384" },
    };
    static const char *const names[] = { "rsa:2048", "rsa:3072", "rsa:4096", "ec:P-256",
                                         "ec:P-384" };

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcasecmp(s, names[i]) == 0) {
            *out = types[i];
            return 1;
        }
    }
    return 0;
}

EVP_PKEY *cwms_key_generate(const CWMS_KEY_TYPE *type, OSSL_LIB_CTX *libctx, const char *propq,
                            CWMS_DIAG *diag)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(libctx, type->ec ? "EC" : "RSA", propq);
    EVP_PKEY *pkey = NULL;
    int ok;

    ok = ctx != NULL && EVP_PKEY_keygen_init(ctx) > 0;
    if (ok && type->ec)
        ok = EVP_PKEY_CTX_set_group_name(ctx, type->curve) > 0;
    else if (ok)
        ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, type->bits) > 0;
    if (!ok || EVP_PKEY_generate(ctx, &pkey) <= 0) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_KEYGEN, "cannot generate the %s key",
                              type->ec ? type->curve : "RSA");
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/*-
 * CWMS's rules
 */

/* Characters (not bytes) of UTF-8 text. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/*
 * One TYPE=value of --subject against the rules before OpenSSL encodes it:
 * a type OpenSSL knows, no CN (the first --host is), a two-letter C, and a
 * length within the type's upper bound (RFC 5280's ub-*, as OpenSSL's
 * string table holds them: 64 for O, OU, L, ST). 0 with why set.
 */
static int attribute_ok(const char *type, const char *value, char *why, size_t why_size)
{
    int nid = OBJ_txt2nid(type);
    const ASN1_STRING_TABLE *t = nid != NID_undef ? ASN1_STRING_TABLE_get(nid) : NULL;
    size_t n = utf8_chars(value);

    if (nid == NID_undef) {
        snprintf(why, why_size,
                 "'%s' is not an attribute type OpenSSL knows (C, ST, L, O, OU, ...)", type);
        return 0;
    }
    if (nid == NID_commonName) {
        snprintf(why, why_size, "it holds a CN: the CN is the first --host (or the --site)");
        return 0;
    }
    if (nid == NID_countryName && strlen(value) != 2) {
        snprintf(why, why_size, "C=%s: a country is two letters (C=US)", value);
        return 0;
    }
    if (t != NULL && t->maxsize > 0 && n > (size_t)t->maxsize) {
        snprintf(why, why_size,
                 "%s= is too long: %zu characters, where a certificate allows at most %ld "
                 "(RFC 5280); shorten it",
                 type, n, t->maxsize);
        return 0;
    }
    return 1;
}

/* Parses "/TYPE=value/TYPE=value" into name; 0 with *why set. Backslash escapes a '/'. */
static int parse_subject(const char *s, X509_NAME *name, char *why, size_t why_size)
{
    size_t len = strlen(s), i = 0;
    char *buf = OPENSSL_malloc(len + 1);
    int ok = 0;

    if (buf == NULL) {
        snprintf(why, why_size, "out of memory");
        return 0;
    }
    if (s[0] != '/') {
        snprintf(why, why_size, "it does not start with '/' (write it as /O=Example Inc/C=US)");
        goto end;
    }
    i = 1;
    while (i < len) {
        size_t o = 0;
        char *eq;

        while (i < len && s[i] != '/') {
            if (s[i] == '\\' && i + 1 < len)
                i++;
            buf[o++] = s[i++];
        }
        buf[o] = '\0';
        i++; /* the '/' */
        if (o == 0)
            continue;
        if ((eq = strchr(buf, '=')) == NULL || eq == buf || eq[1] == '\0') {
            snprintf(why, why_size, "'%s' is not TYPE=value", buf);
            goto end;
        }
        *eq = '\0';
        if (!attribute_ok(buf, eq + 1, why, why_size))
            goto end;
        ERR_set_mark();
        if (!X509_NAME_add_entry_by_txt(name, buf, MBSTRING_UTF8, (const unsigned char *)(eq + 1),
                                        -1, -1, 0)) {
            snprintf(why, why_size, "%s= cannot be encoded: %s", buf,
                     ERR_peek_last_error() != 0 ? ERR_reason_error_string(ERR_peek_last_error())
                                                : "OpenSSL refuses it");
            ERR_pop_to_mark();
            goto end;
        }
        ERR_pop_to_mark();
    }
    ok = 1;
end:
    OPENSSL_clear_free(buf, len + 1);
    return ok;
}

/* How the user gave the i-th name: "--site" or "--host". */
static const char *name_option(const CWMS_REQUEST *rq, size_t i)
{
    return rq->site && i == 0 ? "--site" : "--host";
}

int cwms_request_check(const CWMS_REQUEST *rq, CWMS_DIAG *diag)
{
    int ok = 1;
    const char *why;

    if (rq->n_hosts == 0) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_CSR,
                      "no --site or --host given: name the host CWMS is reached by (the site, or "
                      "the first --host, is the CN)");
        return 0;
    }
    for (size_t i = 0; i < rq->n_hosts; i++) {
        if (!cwms_host_name_check(rq->hosts[i], &why)) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_CSR, "%s '%s': %s", name_option(rq, i),
                          rq->hosts[i], why);
            ok = 0;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcasecmp(rq->hosts[i], rq->hosts[j]) == 0) {
                cwms_diag_add(diag, CWMS_ERROR, CWMS_R_CSR, "--host '%s' is given %s", rq->hosts[i],
                              j == 0 && rq->site ? "as --site already" : "twice");
                ok = 0;
                break;
            }
        }
    }
    if (strlen(rq->hosts[0]) > CN_MAX) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_CSR,
                      "%s '%s': the %s is the common name, which has at most %d characters; %s",
                      name_option(rq, 0), rq->hosts[0], rq->site ? "site" : "first host", CN_MAX,
                      rq->site ? "CWMS 2.5MR5 and later compare the CN with the site URL, so the "
                                 "site URL needs a shorter name"
                               : "give a shorter name first (the others go into the SAN only)");
        ok = 0;
    }
    if (rq->subject != NULL) {
        X509_NAME *name = X509_NAME_new();
        char text[256];

        if (name == NULL || !parse_subject(rq->subject, name, text, sizeof(text))) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_CSR, "--subject '%s': %s", rq->subject,
                          name == NULL ? "out of memory" : text);
            ok = 0;
        }
        X509_NAME_free(name);
    }
    return ok;
}

int cwms_request_check_key(const EVP_PKEY *key, const char *what, CWMS_DIAG *diag)
{
    char group[64] = "";

    if (EVP_PKEY_is_a(key, "RSA")) {
        int bits = EVP_PKEY_get_bits(key);

        if (bits < 2048) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_WEAK_KEY,
                          "%s is a %d-bit RSA key: CWMS refuses RSA keys under 2048 bits; make a "
                          "new one (--new-key)",
                          what, bits);
            return 0;
        }
        if (bits > 4096) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_KEYGEN,
                          "%s is a %d-bit RSA key: use 2048 to 4096 bits, which CWMS and its "
                          "clients handle",
                          what, bits);
            return 0;
        }
        return 1;
    }
    if (EVP_PKEY_is_a(key, "EC")
        && EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), NULL)
        && (strcmp(group, "prime256v1") == 0 || strcmp(group, "secp384r1") == 0
            || strcmp(group, "P-256") == 0 || strcmp(group, "P-384") == 0))
        return 1;
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_KEYGEN,
                  "%s is a %s key%s%s: use RSA (2048 to 4096 bits) or EC on P-256 or P-384", what,
                  EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown",
                  group[0] ? " on " : "", group);
    return 0;
}

/*-
 * The CSR
 */

X509_REQ *cwms_request_new(const CWMS_REQUEST *rq, EVP_PKEY *key, CWMS_DIAG *diag)
{
    X509_REQ *req = X509_REQ_new_ex(rq->libctx, rq->propq);
    X509_NAME *name = X509_NAME_new();
    GENERAL_NAMES *sans = sk_GENERAL_NAME_new_null();
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    X509_EXTENSION *ext = NULL;
    char why[256];
    int ok = 0;

    if (req == NULL || name == NULL || sans == NULL || exts == NULL)
        goto end;
    if (rq->subject != NULL && !parse_subject(rq->subject, name, why, sizeof(why)))
        goto end;
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)rq->hosts[0],
                                    -1, -1, 0))
        goto end;
    for (size_t i = 0; i < rq->n_hosts; i++) {
        GENERAL_NAME *gn = GENERAL_NAME_new();
        ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

        if (gn == NULL || ia5 == NULL || !ASN1_STRING_set(ia5, rq->hosts[i], -1)) {
            GENERAL_NAME_free(gn);
            ASN1_IA5STRING_free(ia5);
            goto end;
        }
        GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
        if (!sk_GENERAL_NAME_push(sans, gn)) {
            GENERAL_NAME_free(gn);
            goto end;
        }
    }
    if ((ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, sans)) == NULL
        || !sk_X509_EXTENSION_push(exts, ext))
        goto end;
    ext = NULL;
    if (!X509_REQ_set_version(req, X509_REQ_VERSION_1) || !X509_REQ_set_subject_name(req, name)
        || !X509_REQ_set_pubkey(req, key) || !X509_REQ_add_extensions(req, exts))
        goto end;
    ok = 1;
end:
    if (!ok) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_CSR, "cannot make the CSR for '%s'",
                              rq->n_hosts > 0 ? rq->hosts[0] : "?");
        X509_REQ_free(req);
        req = NULL;
    }
    X509_EXTENSION_free(ext);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    GENERAL_NAMES_free(sans);
    X509_NAME_free(name);
    return req;
}

/* The finished CSR must verify under its own public key: a check of the whole path. */
static int verify(X509_REQ *req, EVP_PKEY *pub, const CWMS_REQUEST *rq, CWMS_DIAG *diag)
{
    if (X509_REQ_verify_ex(req, pub, rq->libctx, rq->propq) == 1)
        return 1;
    cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_CSR,
                          "the signed CSR does not verify under its public key");
    return 0;
}

int cwms_request_sign(X509_REQ *req, EVP_PKEY *key, const CWMS_REQUEST *rq, CWMS_DIAG *diag)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    int ok = mctx != NULL
        && EVP_DigestSignInit_ex(mctx, NULL, "SHA256", rq->libctx, rq->propq, key, NULL) > 0
        && X509_REQ_sign_ctx(req, mctx) > 0;

    EVP_MD_CTX_free(mctx);
    if (!ok) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_CSR, "cannot sign the CSR");
        return 0;
    }
    return verify(req, key, rq, diag);
}

/* The token's PIN callback over the core's passphrase cache (as for inputs). */
static int pin_from_pass(char *buf, size_t size, size_t *len, const char *what, void *arg)
{
    const char *pin;
    size_t pin_len;

    if (!cwms_pass_get(arg, what, &pin, &pin_len) || pin_len > size)
        return 0;
    memcpy(buf, pin, pin_len);
    *len = pin_len;
    return 1;
}

/*
 * The helper's options for a token call: library context, PIN callback, how
 * --pin is called, and diag for the notes about modules.
 */
static CWMS_P11_OPTIONS token_options(const CWMS_REQUEST *rq, const CWMS_READ_CTX *rctx,
                                      CWMS_DIAG *diag)
{
    CWMS_P11_OPTIONS opts = { .libctx = rq->libctx,
                              .propq = rq->propq,
                              .module_cb = cwms_pkcs11_module_note,
                              .module_arg = diag };
    CWMS_PASS *pin = rctx->pin != NULL ? rctx->pin : rctx->pass;

    if (pin != NULL) {
        opts.pin_cb = pin_from_pass;
        opts.pin_arg = pin;
    }
    opts.pin_option = cwms_option_name(rctx->front, CWMS_OPT_PIN);
    return opts;
}

/* A token call failed: its error, unless the PIN source already said why (one error per cause). */
static void token_error(const CWMS_P11_ERROR *err, const CWMS_P11_OPTIONS *opts, CWMS_DIAG *diag)
{
    if (err->kind == CWMS_P11_E_PIN && cwms_pass_reported(opts->pin_arg))
        return;
    cwms_diag_add(diag, CWMS_ERROR,
                  err->kind == CWMS_P11_E_TOKEN ? CWMS_R_TOKEN_KEYGEN
                                                : cwms_pkcs11_reason(err->kind),
                  "%s", err->text);
}

int cwms_request_new_token_key(const char *uri, const CWMS_KEY_TYPE *type, const CWMS_REQUEST *rq,
                               const CWMS_READ_CTX *rctx, EVP_PKEY **pub, char **key_uri,
                               CWMS_DIAG *diag)
{
    CWMS_P11_OPTIONS opts = token_options(rq, rctx, diag);
    CWMS_P11_KEYSPEC spec = { type->ec, (unsigned long)type->bits, type->curve };
    CWMS_P11_ERROR err = { 0 };
    CWMS_P11_NEW_KEY made;

    if (!cwms_p11_generate_key(uri, &opts, &spec, &made, &err)) {
        token_error(&err, &opts, diag);
        return 0;
    }
    if (made.note[0] != '\0')
        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_TOKEN_KEY_READABLE, "%s", made.note);
    *pub = made.pub;
    *key_uri = made.uri;
    made.pub = NULL;
    made.uri = NULL;
    cwms_p11_new_key_clear(&made);
    return 1;
}

int cwms_request_token_public_key(const char *uri, const CWMS_REQUEST *rq,
                                  const CWMS_READ_CTX *rctx, EVP_PKEY **pub, CWMS_DIAG *diag)
{
    CWMS_P11_OPTIONS opts = token_options(rq, rctx, diag);
    CWMS_P11_ERROR err = { 0 };

    if (!cwms_p11_public_key(uri, &opts, pub, &err)) {
        token_error(&err, &opts, diag);
        return 0;
    }
    return 1;
}

/* ECDSA's raw r || s from a token as the DER Ecdsa-Sig-Value X.509 wants. */
static int ecdsa_der(const unsigned char *rs, size_t len, unsigned char **der, int *der_len)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, (int)(len / 2), NULL),
           *s = BN_bin2bn(rs + len / 2, (int)(len / 2), NULL);
    int ok = sig != NULL && r != NULL && s != NULL && len % 2 == 0 && ECDSA_SIG_set0(sig, r, s);

    if (!ok) {
        BN_free(r);
        BN_free(s);
    }
    *der = NULL;
    ok = ok && (*der_len = i2d_ECDSA_SIG(sig, der)) > 0;
    ECDSA_SIG_free(sig);
    return ok;
}

int cwms_request_sign_on_token(X509_REQ *req, EVP_PKEY *pub, const char *key_uri,
                               const CWMS_REQUEST *rq, const CWMS_READ_CTX *rctx, CWMS_DIAG *diag)
{
    CWMS_P11_OPTIONS opts = token_options(rq, rctx, diag);
    CWMS_P11_ERROR err = { 0 };
    int ec = EVP_PKEY_is_a(pub, "EC");
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_BIT_STRING *bits = ASN1_BIT_STRING_new();
    unsigned char *tbs = NULL, *sig = NULL, *der = NULL;
    unsigned char digest[32];
    int tbs_len, der_len = 0, ok = 0;
    size_t sig_len = 0;

    if (alg == NULL || bits == NULL
        || !X509_ALGOR_set0(alg,
                            OBJ_nid2obj(ec ? NID_ecdsa_with_SHA256 : NID_sha256WithRSAEncryption),
                            ec ? V_ASN1_UNDEF : V_ASN1_NULL, NULL)
        || !X509_REQ_set1_signature_algo(req, alg)
        || (tbs_len = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_CSR, "cannot encode the CSR for signing");
        goto end;
    }
    /* RSA: the token hashes (CKM_SHA256_RSA_PKCS). ECDSA: CKM_ECDSA signs a digest we compute. */
    if (ec && !EVP_Q_digest(rq->libctx, "SHA256", rq->propq, tbs, (size_t)tbs_len, digest, NULL)) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL, "cannot hash the CSR");
        goto end;
    }
    if (!cwms_p11_sign(key_uri, &opts, ec ? CWMS_P11_SIGN_ECDSA : CWMS_P11_SIGN_RSA_PKCS1_SHA256,
                       ec ? digest : tbs, ec ? sizeof(digest) : (size_t)tbs_len, &sig, &sig_len,
                       &err)) {
        token_error(&err, &opts, diag);
        goto end;
    }
    if (ec && !ecdsa_der(sig, sig_len, &der, &der_len)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_TOKEN_KEYGEN,
                      "the token's ECDSA signature (%zu bytes) is not r || s", sig_len);
        goto end;
    }
    if (ec)
        ASN1_BIT_STRING_set(bits, der, der_len);
    else
        ASN1_BIT_STRING_set(bits, sig, (int)sig_len);
    /* No unused bits: the whole octets are the signature (as X509_sign marks it). */
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    X509_REQ_set0_signature(req, bits);
    bits = NULL;
    ok = verify(req, pub, rq, diag);
end:
    OPENSSL_free(tbs);
    OPENSSL_free(sig);
    OPENSSL_free(der);
    ASN1_BIT_STRING_free(bits);
    X509_ALGOR_free(alg);
    return ok;
}

int cwms_request_to_pem(X509_REQ *req, unsigned char **out, size_t *out_len, CWMS_DIAG *diag)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *data;
    long len;

    *out = NULL;
    *out_len = 0;
    if (mem == NULL || !PEM_write_bio_X509_REQ(mem, req)
        || (len = BIO_get_mem_data(mem, &data)) <= 0
        || (*out = OPENSSL_memdup(data, (size_t)len)) == NULL) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL, "cannot write the CSR");
        BIO_free(mem);
        return 0;
    }
    *out_len = (size_t)len;
    BIO_free(mem);
    return 1;
}
