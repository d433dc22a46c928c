/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 7512 pkcs11: URIs.
 *
 * p11-kit parses and percent-decodes the values, but it quietly skips
 * path attributes it does not know and keeps unknown query attributes as
 * "vendor" ones. A typo ("objet=server") would then widen the match to the
 * whole token, so the attribute names are checked here first against the
 * RFC's list and an unknown one is an error naming it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "cwms_file_io.h"
#include "cwms_limits.h"
#include "p11_internal.h"

struct cwms_p11_uri_st {
    const P11_KIT_API *p11k; /* p11-kit, opened by the parse */
    P11KitUri *kit;
    char *display; /* the text with pin-value (and anything that may be a PIN) masked */
    char *token;
    char *object;
    unsigned char *id;
    size_t id_len;
    int has_id;
    int has_class;
    CK_OBJECT_CLASS cls;
    int has_slot;
    CK_SLOT_ID slot;
    char *module_path;
    char *module_name;
    char *pin; /* cleansed on free */
    size_t pin_len;
    char *pin_source; /* the file pin-source names (file: stripped), NULL when none */
};

static const char *const path_names[] = { "token",
                                          "manufacturer",
                                          "serial",
                                          "model",
                                          "object",
                                          "id",
                                          "type",
                                          "slot-id",
                                          "slot-description",
                                          "slot-manufacturer",
                                          "library-manufacturer",
                                          "library-description",
                                          "library-version",
                                          NULL };
static const char *const query_names[] = { "module-path", "module-name", "pin-value", "pin-source",
                                           NULL };

static int name_known(const char *name, size_t len, const char *const *names)
{
    for (; *names != NULL; names++)
        if (strlen(*names) == len && strncmp(*names, name, len) == 0)
            return 1;
    return 0;
}

/*
 * Checks every attribute name of one part (path or query) of the URI.
 * Returns 1 when all are known, else 0 with err naming the unknown ones.
 */
static int check_names(const char *part, size_t part_len, char sep, const char *const *names,
                       const char *where, const char *display, CWMS_P11_ERROR *err)
{
    char unknown[512] = "";
    size_t pos = 0, n_unknown = 0;

    while (pos < part_len) {
        const char *attr = part + pos;
        size_t alen = 0, nlen;

        while (pos + alen < part_len && attr[alen] != sep)
            alen++;
        pos += alen + 1;
        if (alen == 0)
            continue;
        for (nlen = 0; nlen < alen && attr[nlen] != '='; nlen++)
            ;
        if (nlen == alen) {
            /* (not shown: text without its '=' may be a PIN typed wrong) */
            p11_error(err, CWMS_P11_E_USAGE,
                      "pkcs11: URI '%s': an attribute of its %s has no '=' (expected name=value)",
                      display, where);
            return 0;
        }
        if (!name_known(attr, nlen, names)) {
            size_t used = strlen(unknown);

            snprintf(unknown + used, sizeof(unknown) - used, "%s'%.*s'", n_unknown > 0 ? ", " : "",
                     (int)nlen, attr);
            n_unknown++;
        }
    }
    if (n_unknown > 0) {
        char known[256] = "";
        size_t i;

        for (i = 0; names[i] != NULL; i++) {
            size_t used = strlen(known);

            snprintf(known + used, sizeof(known) - used, "%s%s", i > 0 ? ", " : "", names[i]);
        }
        p11_error(err, CWMS_P11_E_USAGE, "pkcs11: URI '%s': unknown %s attribute%s %s (known: %s)",
                  display, where, n_unknown > 1 ? "s" : "", unknown, known);
        return 0;
    }
    return 1;
}

/*
 * Whether the value of the attribute called name (len bytes) may be shown:
 * one of a known name that holds no secret. pin-value never is, nor the
 * value of a name this does not know: a misspelt pin-value still holds a PIN.
 */
static int value_shown(const char *name, size_t len, int in_query)
{
    if (!in_query)
        return name_known(name, len, path_names);
    return name_known(name, len, query_names) && !(len == 9 && strncmp(name, "pin-value", 9) == 0);
}

/*
 * The text for messages: each attribute as given, but the value of
 * pin-value and of an unknown attribute, and an attribute without '=',
 * replaced by "***". Values end where p11-kit ends them: at ';' or '?' in
 * the path, at '&' in the query (a ';' is part of a PIN there).
 */
static char *display_of(const char *text)
{
    size_t len = strlen(text), o = 7, i = 7;
    char *out = OPENSSL_malloc(4 * len + 16); /* "a" grows to "***": at most 3 bytes a byte */
    int in_query = 0;

    if (out == NULL)
        return NULL;
    memcpy(out, text, 7); /* "pkcs11:" */
    while (i < len) {
        const char *attr = text + i;
        size_t alen = strcspn(attr, in_query ? "&" : ";?"), nlen = 0;

        while (nlen < alen && attr[nlen] != '=')
            nlen++;
        if (nlen < alen && value_shown(attr, nlen, in_query)) {
            memcpy(out + o, attr, alen);
            o += alen;
        } else if (alen > 0) {
            memcpy(out + o, attr, nlen < alen ? nlen + 1 : 0);
            o += nlen < alen ? nlen + 1 : 0;
            memcpy(out + o, "***", 3);
            o += 3;
        }
        i += alen;
        if (i < len) {
            in_query |= text[i] == '?';
            out[o++] = text[i++];
        }
    }
    out[o] = '\0';
    return out;
}

char *cwms_p11_uri_mask(const char *text)
{
    if (text == NULL)
        return NULL;
    return strncasecmp(text, "pkcs11:", 7) == 0 ? display_of(text) : OPENSSL_strdup(text);
}

/* The file pin-source names: a path or a file: URI. */
static const char *pin_source_path(const char *source)
{
    if (strncmp(source, "file://", 7) == 0)
        return source + 7;
    if (strncmp(source, "file:", 5) == 0)
        return source + 5;
    return source;
}

/*
 * Reads the pin-source file (capped and never waited on for ever, as any
 * file: a FIFO's writer gets CWMS_FIFO_WAIT_MS); strips one trailing newline.
 */
static int read_pin_source(CWMS_P11_URI *u, CWMS_P11_ERROR *err)
{
    const char *path = u->pin_source;
    CWMS_FILE_BUF b;
    size_t len;
    int e;

    if (*path == '\0') {
        p11_error(err, CWMS_P11_E_USAGE, "pkcs11: URI '%s': pin-source names no file", u->display);
        return 0;
    }
    /* Room for the longest PIN and its "\r\n": anything more is too long. */
    if (!cwms_file_read_upto(path, CWMS_PASS_MAX + 2, &b, &e)) {
        p11_error(err, CWMS_P11_E_PIN_SOURCE, "pkcs11: URI '%s': cannot read pin-source '%s': %s",
                  u->display, path, cwms_file_strerror(e));
        return 0;
    }
    len = b.len;
    if (len > 0 && b.data[len - 1] == '\n' && --len > 0 && b.data[len - 1] == '\r')
        len--;
    if (b.truncated || len > CWMS_PASS_MAX) {
        cwms_file_buf_release(&b);
        p11_error(err, CWMS_P11_E_PIN_SOURCE,
                  "pkcs11: URI '%s': pin-source '%s' is longer than %d bytes; "
                  "it should hold the PIN only",
                  u->display, path, CWMS_PASS_MAX);
        return 0;
    }
    if ((u->pin = OPENSSL_malloc(len + 1)) == NULL) {
        cwms_file_buf_release(&b);
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return 0;
    }
    memcpy(u->pin, b.data, len);
    u->pin[len] = '\0';
    u->pin_len = len;
    cwms_file_buf_release(&b);
    return 1;
}

/*
 * The PIN: pin-value (taken out of p11-kit's copy), else, with read_source,
 * what pin-source holds. One over CWMS_PASS_MAX bytes is refused here,
 * before any C_Login: a value no token takes would only spend a PIN try.
 */
static int take_pin(CWMS_P11_URI *u, int read_source, CWMS_P11_ERROR *err)
{
    const P11_KIT_API *p11k = u->p11k;
    const char *v;

    if ((v = p11k->uri_get_pin_source(u->kit)) != NULL
        && (u->pin_source = OPENSSL_strdup(pin_source_path(v))) == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory parsing a pkcs11: URI");
        return 0;
    }
    if ((v = p11k->uri_get_pin_value(u->kit)) == NULL)
        return !read_source || u->pin_source == NULL || read_pin_source(u, err);
    if ((u->pin_len = strlen(v)) > CWMS_PASS_MAX) {
        p11k->uri_set_pin_value(u->kit, NULL);
        p11_error(err, CWMS_P11_E_PIN_SOURCE,
                  "pkcs11: URI '%s': its pin-value is longer than %d bytes, which is no PIN: "
                  "nothing was sent to the token",
                  u->display, CWMS_PASS_MAX);
        return 0;
    }
    if ((u->pin = OPENSSL_malloc(u->pin_len + 1)) == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory parsing a pkcs11: URI");
        return 0;
    }
    memcpy(u->pin, v, u->pin_len + 1);
    p11k->uri_set_pin_value(u->kit, NULL);
    return 1;
}

static char *attr_string(const CWMS_P11_URI *u, CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE *a = u->p11k->uri_get_attribute(u->kit, type);
    char *s;

    if (a == NULL)
        return NULL;
    s = OPENSSL_malloc(a->ulValueLen + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, a->pValue, a->ulValueLen);
    s[a->ulValueLen] = '\0';
    return s;
}

/*
 * Copies what the parsed URI names (token, object, id, class, slot,
 * module) out of p11-kit's structure, its token fields padded as modules
 * report theirs (p11_text.c). 0 when memory ran out.
 */
static int take_attributes(CWMS_P11_URI *u)
{
    const P11_KIT_API *p11k = u->p11k;
    CK_TOKEN_INFO *ti;
    CK_ATTRIBUTE *a;
    const char *v;

    p11_blank_pad_module(p11k->uri_get_module_info(u->kit), 1);
    p11_blank_pad_slot(p11k->uri_get_slot_info(u->kit), 1);
    ti = p11k->uri_get_token_info(u->kit);
    p11_blank_pad_token(ti, 1);
    if (ti->label[0] != 0 && (u->token = p11_strdup_padded(ti->label, sizeof(ti->label))) == NULL)
        return 0;
    if (p11k->uri_get_attribute(u->kit, CKA_LABEL) != NULL
        && (u->object = attr_string(u, CKA_LABEL)) == NULL)
        return 0;
    if ((a = p11k->uri_get_attribute(u->kit, CKA_ID)) != NULL) {
        u->has_id = 1;
        u->id_len = a->ulValueLen;
        if (a->ulValueLen > 0 && (u->id = OPENSSL_memdup(a->pValue, a->ulValueLen)) == NULL)
            return 0;
    }
    if ((a = p11k->uri_get_attribute(u->kit, CKA_CLASS)) != NULL
        && a->ulValueLen == sizeof(CK_OBJECT_CLASS)) {
        u->has_class = 1;
        memcpy(&u->cls, a->pValue, sizeof(u->cls));
    }
    u->slot = p11k->uri_get_slot_id(u->kit);
    u->has_slot = u->slot != (CK_SLOT_ID)-1;
    if ((v = p11k->uri_get_module_path(u->kit)) != NULL
        && (u->module_path = OPENSSL_strdup(v)) == NULL)
        return 0;
    return (v = p11k->uri_get_module_name(u->kit)) == NULL
        || (u->module_name = OPENSSL_strdup(v)) != NULL;
}

/* The parse; read_source 0 leaves a pin-source unopened (cwms_p11_uri_parse_syntax). */
static CWMS_P11_URI *uri_parse(const char *text, int read_source, CWMS_P11_ERROR *err)
{
    const P11_KIT_API *p11k;
    CWMS_P11_URI *u;
    const char *rest, *query;
    size_t path_len;
    int rc;

    if (text == NULL || strncmp(text, "pkcs11:", 7) != 0) {
        p11_error(err, CWMS_P11_E_USAGE, "'%s' is not a pkcs11: URI",
                  text != NULL ? text : "(null)");
        return NULL;
    }
    u = OPENSSL_zalloc(sizeof(*u));
    if (u == NULL || (u->display = display_of(text)) == NULL)
        goto oom;

    rest = text + 7;
    query = strchr(rest, '?');
    path_len = query != NULL ? (size_t)(query - rest) : strlen(rest);
    if (!check_names(rest, path_len, ';', path_names, "path", u->display, err))
        goto fail;
    if (query != NULL
        && !check_names(query + 1, strlen(query + 1), '&', query_names, "query", u->display, err))
        goto fail;

    /* The first pkcs11: URI of the process is what opens p11-kit (p11_kit_dl.c). */
    if ((u->p11k = p11k = p11_kit_api_open(err)) == NULL)
        goto fail;
    if ((u->kit = p11k->uri_new()) == NULL)
        goto oom;
    rc = p11k->uri_parse(text, P11_KIT_URI_FOR_ANY, u->kit);
    if (rc != P11_KIT_URI_OK) {
        p11_error(err, CWMS_P11_E_USAGE, "pkcs11: URI '%s': %s", u->display, p11k->uri_message(rc));
        goto fail;
    }
    if (p11k->uri_any_unrecognized(u->kit)) {
        /* The name check passed, so this is a value p11-kit could not take (type=bogus, ...). */
        p11_error(err, CWMS_P11_E_USAGE,
                  "pkcs11: URI '%s': an attribute value is not understood "
                  "(type is one of private, cert, public, secret-key, data)",
                  u->display);
        goto fail;
    }

    if (!take_attributes(u))
        goto oom;
    if (!take_pin(u, read_source, err))
        goto fail;
    return u;

oom:
    p11_error(err, CWMS_P11_E_INTERNAL, "out of memory parsing a pkcs11: URI");
fail:
    cwms_p11_uri_free(u);
    return NULL;
}

CWMS_P11_URI *cwms_p11_uri_parse(const char *text, CWMS_P11_ERROR *err)
{
    return uri_parse(text, 1, err);
}

CWMS_P11_URI *cwms_p11_uri_parse_syntax(const char *text, CWMS_P11_ERROR *err)
{
    return uri_parse(text, 0, err);
}

void cwms_p11_uri_free(CWMS_P11_URI *u)
{
    if (u == NULL)
        return;
    if (u->kit != NULL)
        u->p11k->uri_free(u->kit);
    if (u->pin != NULL)
        OPENSSL_clear_free(u->pin, u->pin_len + 1);
    OPENSSL_free(u->display);
    OPENSSL_free(u->token);
    OPENSSL_free(u->object);
    OPENSSL_free(u->id);
    OPENSSL_free(u->module_path);
    OPENSSL_free(u->module_name);
    OPENSSL_free(u->pin_source);
    OPENSSL_free(u);
}

const char *cwms_p11_uri_display(const CWMS_P11_URI *u)
{
    return u->display;
}

const char *cwms_p11_uri_token(const CWMS_P11_URI *u)
{
    return u->token;
}

const char *cwms_p11_uri_object(const CWMS_P11_URI *u)
{
    return u->object;
}

const unsigned char *cwms_p11_uri_id(const CWMS_P11_URI *u, size_t *len)
{
    if (!u->has_id)
        return NULL;
    *len = u->id_len;
    /* An empty id= is still an id: return a non-NULL pointer for it. */
    return u->id != NULL ? u->id : (const unsigned char *)"";
}

const char *cwms_p11_uri_type(const CWMS_P11_URI *u)
{
    if (!u->has_class)
        return NULL;
    switch (u->cls) {
    case CKO_PRIVATE_KEY:
        return "private";
    case CKO_CERTIFICATE:
        return "cert";
    case CKO_PUBLIC_KEY:
        return "public";
    case CKO_SECRET_KEY:
        return "secret-key";
    case CKO_DATA:
        return "data";
    default:
        return "other";
    }
}

const char *cwms_p11_uri_module_path(const CWMS_P11_URI *u)
{
    return u->module_path;
}

const char *cwms_p11_uri_module_name(const CWMS_P11_URI *u)
{
    return u->module_name;
}

int cwms_p11_uri_slot_id(const CWMS_P11_URI *u, unsigned long *slot_id)
{
    if (!u->has_slot)
        return 0;
    *slot_id = (unsigned long)u->slot;
    return 1;
}

const char *cwms_p11_uri_pin_source(const CWMS_P11_URI *u)
{
    return u->pin_source;
}

const char *cwms_p11_uri_pin(const CWMS_P11_URI *u, size_t *len)
{
    if (u->pin == NULL)
        return NULL;
    *len = u->pin_len;
    return u->pin;
}

P11KitUri *p11_uri_kit(const CWMS_P11_URI *u)
{
    return u->kit;
}

int p11_uri_class(const CWMS_P11_URI *u, CK_OBJECT_CLASS *cls)
{
    if (!u->has_class)
        return 0;
    *cls = u->cls;
    return 1;
}

char *p11_uri_for_object(const CK_TOKEN_INFO *token, const char *module_path, CK_OBJECT_CLASS cls,
                         const char *label, const unsigned char *id, size_t id_len)
{
    const P11_KIT_API *p11k = p11_kit_api();
    P11KitUri *k = p11k != NULL ? p11k->uri_new() : NULL;
    char *s = NULL, *out = NULL;
    int type = P11_KIT_URI_FOR_TOKEN;

    if (k == NULL)
        return NULL;
    memcpy(p11k->uri_get_token_info(k), token, sizeof(*token));
    if (cls != (CK_OBJECT_CLASS)-1) {
        CK_ATTRIBUTE a = { CKA_CLASS, &cls, sizeof(cls) };

        p11k->uri_set_attribute(k, &a);
        type = P11_KIT_URI_FOR_OBJECT_ON_TOKEN;
    }
    if (label != NULL && *label != '\0') {
        CK_ATTRIBUTE a = { CKA_LABEL, (void *)label, strlen(label) };

        p11k->uri_set_attribute(k, &a);
    }
    if (id != NULL && id_len > 0) {
        CK_ATTRIBUTE a = { CKA_ID, (void *)id, id_len };

        p11k->uri_set_attribute(k, &a);
    }
    if (module_path != NULL)
        p11k->uri_set_module_path(k, module_path);
    if (p11k->uri_format(k, type, &s) == P11_KIT_URI_OK) {
        out = OPENSSL_strdup(s);
        free(s);
    }
    p11k->uri_free(k);
    return out;
}
