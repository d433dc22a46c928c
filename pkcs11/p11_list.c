/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listing tokens and their objects, with the exact URI of each, for
 * `cwms-bundle tokens` (in the spirit of `p11tool --list-all`).
 *
 * Private keys only show after a login, and a PIN is only ever tried on a
 * single token: when the URI matches several tokens they are listed
 * without logging in, so one PIN is never sprayed across tokens.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "cwms_bio_text.h"
#include "p11_internal.h"

static char *strdup_or_empty(const char *s)
{
    return OPENSSL_strdup(s != NULL ? s : "");
}

/* What a key is ("RSA 2048"); what cannot be read stays out, unless the module broke the bounds (err). */
static char *key_detail(P11_SESSION *s, const P11_OBJECT *o, CWMS_P11_ERROR *err)
{
    char buf[64];
    unsigned char *v = NULL;
    size_t len = 0;

    if (o->key_type == CKK_RSA) {
        if (p11_attr_read(s, o->h, CKA_MODULUS, &v, &len, err) == CKR_OK) {
            size_t lead = 0;

            while (lead < len && v[lead] == 0)
                lead++;
            snprintf(buf, sizeof(buf), "RSA %zu", (len - lead) * 8);
        } else {
            snprintf(buf, sizeof(buf), "RSA");
        }
    } else if (o->key_type == CKK_EC) {
        const unsigned char *p;
        ASN1_OBJECT *oid = NULL;
        int nid = NID_undef;

        if (p11_attr_read(s, o->h, CKA_EC_PARAMS, &v, &len, err) == CKR_OK) {
            p = v;
            if ((oid = d2i_ASN1_OBJECT(NULL, &p, (long)len)) != NULL)
                nid = OBJ_obj2nid(oid);
            ASN1_OBJECT_free(oid);
        }
        snprintf(buf, sizeof(buf), "EC %s",
                 nid == NID_X9_62_prime256v1 ? "P-256"
                     : nid == NID_secp384r1  ? "P-384"
                     : nid != NID_undef      ? OBJ_nid2sn(nid)
                                             : "(unknown curve)");
    } else {
        snprintf(buf, sizeof(buf), "key type 0x%lx", (unsigned long)o->key_type);
    }
    OPENSSL_free(v);
    return OPENSSL_strdup(buf);
}

/* A certificate's subject; as key_detail. */
static char *cert_detail(P11_SESSION *s, const P11_OBJECT *o, CWMS_P11_ERROR *err)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    size_t len = 0;
    X509 *x = NULL;
    BIO *bio = NULL;
    char *out = NULL;

    if (p11_attr_read(s, o->h, CKA_VALUE, &der, &len, err) != CKR_OK)
        return OPENSSL_strdup("");
    p = der;
    x = d2i_X509(NULL, &p, (long)len);
    if (x != NULL && (bio = BIO_new(BIO_s_mem())) != NULL
        && X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_ONELINE) >= 0)
        out = cwms_bio_text(bio);
    BIO_free(bio);
    X509_free(x);
    OPENSSL_free(der);
    return out != NULL ? out : OPENSSL_strdup("(not a certificate OpenSSL can read)");
}

static int list_objects(CWMS_P11_TOKENINFO *ti, P11_SESSION *s, const CWMS_P11_URI *uri,
                        CWMS_P11_ERROR *err)
{
    CK_OBJECT_CLASS cls = 0;
    int has_class = p11_uri_class(uri, &cls);
    size_t id_len = 0, i;
    const unsigned char *id = cwms_p11_uri_id(uri, &id_len);
    P11_OBJECTS objs = { NULL, 0 };
    int ok = 0;

    if (!p11_objects_find(s, has_class, cls, cwms_p11_uri_object(uri), id, id_len, &objs, err))
        goto done; /* what it found before failing is in objs */
    ti->objects = OPENSSL_zalloc((objs.n + 1) * sizeof(*ti->objects));
    if (ti->objects == NULL)
        goto oom;
    for (i = 0; i < objs.n; i++) {
        const P11_OBJECT *o = &objs.v[i];
        CWMS_P11_OBJINFO *oi = &ti->objects[ti->n_objects++];

        oi->kind = o->cls == CKO_CERTIFICATE ? CWMS_P11_OBJ_CERT
            : o->cls == CKO_PRIVATE_KEY      ? CWMS_P11_OBJ_PRIVATE_KEY
            : o->cls == CKO_PUBLIC_KEY       ? CWMS_P11_OBJ_PUBLIC_KEY
                                             : CWMS_P11_OBJ_OTHER;
        oi->label = strdup_or_empty(o->label);
        oi->id_hex = o->id != NULL ? p11_hex(o->id, o->id_len) : strdup_or_empty(NULL);
        oi->uri = p11_uri_for_object(&s->token->info, s->token->module_path, o->cls, o->label,
                                     o->id, o->id_len);
        if (o->cls == CKO_CERTIFICATE)
            oi->detail = cert_detail(s, o, err);
        else if (o->cls == CKO_PRIVATE_KEY || o->cls == CKO_PUBLIC_KEY)
            oi->detail = key_detail(s, o, err);
        else
            oi->detail = strdup_or_empty(NULL);
        oi->export = o->cls == CKO_PRIVATE_KEY ? p11_export_kind(o) : CWMS_P11_EXPORT_NONE;
        if (oi->export == CWMS_P11_EXPORT_WRAPPED && !p11_token_can_wrap(s))
            oi->export = CWMS_P11_EXPORT_NO_WRAP;
        if (err->kind != CWMS_P11_OK) /* the module answered past the bounds */
            goto done;
        if (oi->label == NULL || oi->id_hex == NULL || oi->uri == NULL || oi->detail == NULL)
            goto oom;
    }
    ok = 1;
    goto done;
oom:
    p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
done:
    p11_objects_clear(&objs);
    return ok;
}

static int list_token(CWMS_P11_TOKENINFO *ti, P11_TOKEN *t, const CWMS_P11_URI *uri,
                      const CWMS_P11_OPTIONS *opts, int may_login, CWMS_P11_ERROR *err)
{
    P11_SESSION s;
    size_t pin_len;
    int ok = 0;

    ti->label = OPENSSL_strdup(t->label);
    ti->manufacturer = p11_strdup_padded(t->info.manufacturerID, sizeof(t->info.manufacturerID));
    ti->model = p11_strdup_padded(t->info.model, sizeof(t->info.model));
    ti->serial = p11_strdup_padded(t->info.serialNumber, sizeof(t->info.serialNumber));
    ti->module = OPENSSL_strdup(t->module);
    ti->slot_id = (unsigned long)t->slot;
    ti->uri = p11_uri_for_object(&t->info, t->module_path, (CK_OBJECT_CLASS)-1, NULL, NULL, 0);
    if (ti->label == NULL || ti->manufacturer == NULL || ti->model == NULL || ti->serial == NULL
        || ti->module == NULL || ti->uri == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return 0;
    }
    if (!p11_session_open(&s, t, err))
        return 0;
    if (may_login && p11_token_needs_login(t)
        && (cwms_p11_uri_pin(uri, &pin_len) != NULL || opts->pin_cb != NULL)) {
        int rc = p11_session_login(&s, uri, opts, err);

        if (rc < 0) {
            /* No PIN to be had (no terminal, nothing typed): list what shows without one. */
            memset(err, 0, sizeof(*err));
            ti->logged_in = 0;
        } else if (rc == 0) {
            goto done;
        } else {
            ti->logged_in = 1;
        }
    } else {
        ti->logged_in = !p11_token_needs_login(t);
    }
    ok = list_objects(ti, &s, uri, err);
done:
    p11_session_close(&s);
    return ok;
}

int cwms_p11_list_tokens(const char *text, const CWMS_P11_OPTIONS *opts_in,
                         CWMS_P11_TOKENINFO **tokens, size_t *n, CWMS_P11_ERROR *err)
{
    CWMS_P11_OPTIONS opts = { NULL, NULL, NULL, NULL, 0 };
    CWMS_P11_URI *uri;
    P11_MODULES *mods = NULL;
    CWMS_P11_TOKENINFO *out = NULL;
    size_t count = 0, i;
    int ok = 0;

    *tokens = NULL;
    *n = 0;
    if (opts_in != NULL)
        opts = *opts_in;
    if ((uri = cwms_p11_uri_parse(text != NULL ? text : "pkcs11:", err)) == NULL)
        return 0;
    ERR_set_mark(); /* the modules' own OpenSSL errors (see p11_load.c) are dropped */
    if ((mods = p11_modules_open(uri, &opts, err)) == NULL)
        goto done;
    count = p11_modules_token_count(mods);
    if (count == 0) {
        p11_modules_one_token(mods, uri, err); /* the "no token matches; present: ..." message */
        goto done;
    }
    if ((out = OPENSSL_zalloc(count * sizeof(*out))) == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        goto done;
    }
    for (i = 0; i < count; i++) {
        if (!list_token(&out[i], p11_modules_token(mods, i), uri, &opts,
                        count == 1 && !(opts.flags & CWMS_P11_NO_LOGIN), err))
            goto done;
    }
    ok = 1;
done:
    p11_modules_close(mods);
    ERR_pop_to_mark();
    cwms_p11_uri_free(uri);
    if (ok) {
        *tokens = out;
        *n = count;
    } else {
        cwms_p11_tokens_free(out, count);
    }
    return ok;
}

void cwms_p11_tokens_free(CWMS_P11_TOKENINFO *tokens, size_t n)
{
    size_t i, j;

    if (tokens == NULL)
        return;
    for (i = 0; i < n; i++) {
        CWMS_P11_TOKENINFO *t = &tokens[i];

        for (j = 0; j < t->n_objects; j++) {
            OPENSSL_free(t->objects[j].label);
            OPENSSL_free(t->objects[j].id_hex);
            OPENSSL_free(t->objects[j].uri);
            OPENSSL_free(t->objects[j].detail);
        }
        OPENSSL_free(t->objects);
        OPENSSL_free(t->label);
        OPENSSL_free(t->manufacturer);
        OPENSSL_free(t->model);
        OPENSSL_free(t->serial);
        OPENSSL_free(t->module);
        OPENSSL_free(t->uri);
    }
    OPENSSL_free(tokens);
}
