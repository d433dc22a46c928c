/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading what a pkcs11: URI names: a private key (exported), its
 * certificates, or everything on a token.
 *
 * Keys and certificates pair by CKA_ID, as pkcs11-tool and p11tool write
 * them. The whole load is one open-search-export-close sequence: modules
 * are finalized before returning, so callers never hold a live module.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "p11_internal.h"

static int add_cert(CWMS_P11_LOADED *out, P11_SESSION *s, const P11_OBJECT *o, CWMS_P11_ERROR *err)
{
    CWMS_P11_CERT *grown, *c;
    unsigned char *der;
    size_t len;
    CK_RV rv;

    rv = p11_attr_read(s, o->h, CKA_VALUE, &der, &len, err);
    if (rv != CKR_OK) {
        char *name = p11_object_name(o, s->token);

        p11_error(err, CWMS_P11_E_TOKEN, "cannot read %s: %s",
                  name != NULL ? name : "a certificate", p11_rv_string(rv));
        OPENSSL_free(name);
        return 0;
    }
    grown = OPENSSL_realloc(out->certs, (out->n_certs + 1) * sizeof(*grown));
    if (grown == NULL) {
        OPENSSL_free(der);
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return 0;
    }
    out->certs = grown;
    c = &out->certs[out->n_certs++];
    c->der = der;
    c->der_len = len;
    c->uri = p11_uri_for_object(&s->token->info, s->token->module_path, CKO_CERTIFICATE, o->label,
                                o->id, o->id_len);
    if (c->uri == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return 0;
    }
    return 1;
}

/* Appends the URIs of objs to a message buffer. */
static void list_uris(char *buf, size_t size, P11_SESSION *s, const P11_OBJECTS *objs)
{
    size_t i;

    for (i = 0; i < objs->n; i++) {
        char *u = p11_uri_for_object(&s->token->info, s->token->module_path, objs->v[i].cls,
                                     objs->v[i].label, objs->v[i].id, objs->v[i].id_len);
        size_t used = strlen(buf);

        snprintf(buf + used, size - used, "%s%s", i > 0 ? ", " : "", u != NULL ? u : "?");
        OPENSSL_free(u);
    }
}

static int find_key(CWMS_P11_LOADED *out, P11_SESSION *s, const CWMS_P11_URI *uri,
                    const CWMS_P11_OPTIONS *opts, int must, P11_OBJECTS *keys, CWMS_P11_ERROR *err)
{
    size_t id_len = 0;
    const unsigned char *id = cwms_p11_uri_id(uri, &id_len);

    if (!p11_objects_find(s, 1, CKO_PRIVATE_KEY, cwms_p11_uri_object(uri), id, id_len, keys, err))
        return 0;
    if (keys->n == 0) {
        if (must)
            p11_error(err, CWMS_P11_E_TOKEN,
                      "no private key on token '%s' matches '%s'%s "
                      "(`cwms-bundle tokens` lists the objects with their URIs)",
                      s->token->label, cwms_p11_uri_display(uri),
                      s->logged_in || !p11_token_needs_login(s->token) ? "" : " (not logged in)");
        return !must;
    }
    if (keys->n > 1) {
        char uris[700] = "";

        list_uris(uris, sizeof(uris), s, keys);
        p11_error(err, CWMS_P11_E_TOKEN,
                  "'%s' matches %zu private keys on token '%s': %s; name one with object= or id=",
                  cwms_p11_uri_display(uri), keys->n, s->token->label, uris);
        return 0;
    }
    out->key = p11_export_key(s, &keys->v[0], opts, err);
    if (out->key == NULL)
        return 0;
    out->key_uri = p11_uri_for_object(&s->token->info, s->token->module_path, CKO_PRIVATE_KEY,
                                      keys->v[0].label, keys->v[0].id, keys->v[0].id_len);
    if (out->key_uri == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return 0;
    }
    return 1;
}

static int seen(const P11_OBJECTS *objs, size_t upto, CK_OBJECT_HANDLE h)
{
    size_t i;

    for (i = 0; i < upto; i++)
        if (objs->v[i].h == h)
            return 1;
    return 0;
}

static int load_from_token(CWMS_P11_LOADED *out, P11_SESSION *s, const CWMS_P11_URI *uri,
                           const CWMS_P11_OPTIONS *opts, CWMS_P11_ERROR *err)
{
    CK_OBJECT_CLASS cls = 0;
    int has_class = p11_uri_class(uri, &cls);
    int want_keys = (opts->flags & CWMS_P11_WANT_KEYS) && (!has_class || cls == CKO_PRIVATE_KEY);
    int want_certs = (opts->flags & CWMS_P11_WANT_CERTS) != 0;
    P11_OBJECTS keys = { NULL, 0 }, certs = { NULL, 0 };
    size_t id_len = 0, i;
    const unsigned char *id = cwms_p11_uri_id(uri, &id_len);
    int ok = 0;

    if (has_class && cls != CKO_PRIVATE_KEY && cls != CKO_CERTIFICATE) {
        p11_error(err, CWMS_P11_E_USAGE,
                  "'%s': cwms-bundle reads private keys (type=private) and certificates (type=cert), "
                  "not type=%s",
                  cwms_p11_uri_display(uri), cwms_p11_uri_type(uri));
        return 0;
    }
    if (want_keys && p11_session_login(s, uri, opts, err) <= 0)
        return 0;
    if (want_keys && !find_key(out, s, uri, opts, has_class && cls == CKO_PRIVATE_KEY, &keys, err))
        goto done;

    if (want_certs) {
        /* The certificates the URI names itself (all of them for a token-only URI). */
        if (!has_class || cls == CKO_CERTIFICATE) {
            if (!p11_objects_find(s, 1, CKO_CERTIFICATE, cwms_p11_uri_object(uri), id, id_len,
                                  &certs, err))
                goto done;
            /* Some tokens keep certificates private (CKA_PRIVATE): log in and look again. */
            if (certs.n == 0 && !want_keys && !s->logged_in && p11_token_needs_login(s->token)) {
                size_t pin_len;

                if (cwms_p11_uri_pin(uri, &pin_len) != NULL || opts->pin_cb != NULL) {
                    if (p11_session_login(s, uri, opts, err) <= 0
                        || !p11_objects_find(s, 1, CKO_CERTIFICATE, cwms_p11_uri_object(uri), id,
                                             id_len, &certs, err))
                        goto done;
                }
            }
        }
        /* And the key's own, paired by CKA_ID. */
        if (out->key != NULL && keys.v[0].id != NULL && keys.v[0].id_len > 0) {
            size_t before = certs.n;

            if (!p11_objects_find(s, 1, CKO_CERTIFICATE, NULL, keys.v[0].id, keys.v[0].id_len,
                                  &certs, err))
                goto done;
            /* Drop the ones found twice. */
            for (i = before; i < certs.n; i++)
                if (seen(&certs, before, certs.v[i].h))
                    certs.v[i].cls = (CK_OBJECT_CLASS)-1;
        }
        for (i = 0; i < certs.n; i++)
            if (certs.v[i].cls == CKO_CERTIFICATE && !add_cert(out, s, &certs.v[i], err))
                goto done;
    }
    if (out->key == NULL && out->n_certs == 0) {
        p11_error(
            err, CWMS_P11_E_TOKEN,
            "nothing on token '%s' matches '%s'%s (`cwms-bundle tokens` lists the objects with their URIs)",
            s->token->label, cwms_p11_uri_display(uri),
            s->logged_in || !p11_token_needs_login(s->token) ? "" : " (not logged in)");
        goto done;
    }
    ok = 1;
done:
    p11_objects_clear(&keys);
    p11_objects_clear(&certs);
    return ok;
}

int cwms_p11_load(const char *text, const CWMS_P11_OPTIONS *opts_in, CWMS_P11_LOADED *out,
                  CWMS_P11_ERROR *err)
{
    CWMS_P11_OPTIONS opts = { NULL, NULL, NULL, NULL, 0 };
    CWMS_P11_URI *uri;
    P11_MODULES *mods = NULL;
    P11_TOKEN *token;
    P11_SESSION s = { 0 };
    int ok = 0;

    memset(out, 0, sizeof(*out));
    if (opts_in != NULL)
        opts = *opts_in;
    if ((opts.flags & (CWMS_P11_WANT_KEYS | CWMS_P11_WANT_CERTS)) == 0)
        opts.flags |= CWMS_P11_WANT_KEYS | CWMS_P11_WANT_CERTS;

    if ((uri = cwms_p11_uri_parse(text, err)) == NULL)
        return 0;
    /*
     * Modules share our libcrypto and leave errors on its queue (SoftHSM
     * tries to load the rdrand engine): everything they push is dropped.
     */
    ERR_set_mark();
    if ((mods = p11_modules_open(uri, &opts, err)) == NULL)
        goto done;
    if ((token = p11_modules_one_token(mods, uri, err)) == NULL)
        goto done;
    if ((out->token_label = OPENSSL_strdup(token->label)) == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        goto done;
    }
    if (!p11_session_open(&s, token, err))
        goto done;
    ok = load_from_token(out, &s, uri, &opts, err);
    p11_session_close(&s);
done:
    p11_modules_close(mods);
    ERR_pop_to_mark();
    cwms_p11_uri_free(uri);
    if (!ok)
        cwms_p11_loaded_clear(out);
    return ok;
}

void cwms_p11_loaded_clear(CWMS_P11_LOADED *loaded)
{
    size_t i;

    for (i = 0; i < loaded->n_certs; i++) {
        OPENSSL_free(loaded->certs[i].der);
        OPENSSL_free(loaded->certs[i].uri);
    }
    OPENSSL_free(loaded->certs);
    EVP_PKEY_free(loaded->key);
    OPENSSL_free(loaded->key_uri);
    OPENSSL_free(loaded->token_label);
    memset(loaded, 0, sizeof(*loaded));
}
