/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Objects on a token, found with C_FindObjects templates.
 *
 * A URI naming an object becomes a template (class, label, id), so the
 * token does the search and the cost does not grow with the number of
 * objects on it. Each object found costs two C_GetAttributeValue calls:
 * one for the class and the lengths of label and id, one for the values.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cwms_limits.h"
#include "p11_internal.h"

/* Handles asked for per C_FindObjects. */
#define FIND_BATCH 64

static int is_key(CK_OBJECT_CLASS cls)
{
    return cls == CKO_PRIVATE_KEY || cls == CKO_PUBLIC_KEY || cls == CKO_SECRET_KEY;
}

static int available(const CK_ATTRIBUTE *a)
{
    return a->ulValueLen != CK_UNAVAILABLE_INFORMATION;
}

/*
 * C_GetAttributeValue, with every length the module says for a value it
 * wrote checked against the room it was given (p11_bounds.c). Returns the
 * module's CK_RV, or CKR_GENERAL_ERROR with err set when it says more.
 */
static CK_RV get_attrs(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE *a, CK_ULONG n,
                       CWMS_P11_ERROR *err)
{
    CK_ULONG room[8], i;
    CK_RV rv;

    for (i = 0; i < n && i < 8; i++)
        room[i] = a[i].ulValueLen;
    rv = P11_CALL(s->token->fl, C_GetAttributeValue, s->h, h, a, n);
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE)
        return rv;
    for (i = 0; i < n && i < 8; i++) {
        char what[160];

        if (a[i].pValue == NULL || !available(&a[i]))
            continue;
        snprintf(what, sizeof(what), "%s (an object of token '%s')", p11_attr_name(a[i].type),
                 s->token->label);
        if (!p11_len_fits(s->token->module, "C_GetAttributeValue", what, room[i], a[i].ulValueLen,
                          err))
            return CKR_GENERAL_ERROR;
    }
    return rv;
}

/* The longest value of an attribute believed: labels and ids are names, the rest values. */
static size_t longest(CK_ATTRIBUTE_TYPE type)
{
    return type == CKA_LABEL || type == CKA_ID ? CWMS_P11_NAME_MAX : CWMS_P11_VALUE_MAX;
}

/* 1 when a length the module announces for an attribute is believed; else 0 with err set. */
static int length_believed(P11_SESSION *s, const CK_ATTRIBUTE *a, CWMS_P11_ERROR *err)
{
    char what[160];

    if (!available(a) || a->ulValueLen <= longest(a->type))
        return 1;
    snprintf(what, sizeof(what), "%s of an object of token '%s'", p11_attr_name(a->type),
             s->token->label);
    return p11_len_within(s->token->module, what, a->ulValueLen, longest(a->type), err);
}

/* The failure of a read: the bounds' error when they set one, else rv's. */
static int read_failed(P11_SESSION *s, CK_RV rv, CWMS_P11_ERROR *err)
{
    p11_error(err, CWMS_P11_E_TOKEN, "cannot read an object of token '%s': %s", s->token->label,
              p11_rv_string(rv));
    return 0;
}

/* Reads class, label, id and, for keys, type and the export flags of o->h. */
static int describe(P11_SESSION *s, P11_OBJECT *o, CWMS_P11_ERROR *err)
{
    CK_BBOOL sensitive = CK_TRUE, extractable = CK_FALSE;
    CK_ATTRIBUTE first[] = {
        { CKA_CLASS, &o->cls, sizeof(o->cls) },
        { CKA_LABEL, NULL, 0 },
        { CKA_ID, NULL, 0 },
    };
    CK_ATTRIBUTE second[5];
    CK_ULONG n = 0, label_len, id_len;
    CK_RV rv;

    rv = get_attrs(s, o->h, first, 3, err);
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE)
        return read_failed(s, rv, err);
    if (!available(&first[0]))
        o->cls = (CK_OBJECT_CLASS)-1;
    /* Before anything is allocated for them: a module may claim a label of 1 GiB. */
    if (!length_believed(s, &first[1], err) || !length_believed(s, &first[2], err))
        return 0;
    label_len = available(&first[1]) ? first[1].ulValueLen : 0;
    id_len = available(&first[2]) ? first[2].ulValueLen : 0;
    o->label = OPENSSL_zalloc(label_len + 1);
    o->id = available(&first[2]) ? OPENSSL_zalloc(id_len + 1) : NULL;
    if (o->label == NULL || (available(&first[2]) && o->id == NULL)) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return 0;
    }
    o->id_len = id_len;
    second[n++] = (CK_ATTRIBUTE){ CKA_LABEL, o->label, label_len };
    if (o->id != NULL)
        second[n++] = (CK_ATTRIBUTE){ CKA_ID, o->id, id_len };
    if (is_key(o->cls))
        second[n++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &o->key_type, sizeof(o->key_type) };
    if (o->cls == CKO_PRIVATE_KEY) {
        second[n++] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &sensitive, sizeof(sensitive) };
        second[n++] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &extractable, sizeof(extractable) };
    }
    rv = get_attrs(s, o->h, second, n, err);
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE)
        return read_failed(s, rv, err);
    /* A missing CKA_SENSITIVE/CKA_EXTRACTABLE keeps the safe defaults (sensitive, not extractable). */
    o->sensitive = sensitive == CK_TRUE;
    o->extractable = extractable == CK_TRUE;
    return 1;
}

/*
 * Handles one C_FindObjects answer: at most what was asked, and the
 * search at most CWMS_P11_OBJECTS_MAX long (a module that never says
 * "no more" is stopped here). 1, or 0 with err set.
 */
static int take_handles(P11_SESSION *s, const CK_OBJECT_HANDLE *found, CK_ULONG got,
                        size_t first_new, P11_OBJECTS *out, CWMS_P11_ERROR *err)
{
    P11_OBJECT *grown;
    CK_ULONG i;

    if (got > FIND_BATCH) {
        p11_broken(err, CWMS_P11_E_MODULE, s->token->module,
                   "C_FindObjects returned %lu handles where %d were asked for (token '%s')",
                   (unsigned long)got, FIND_BATCH, s->token->label);
        return 0;
    }
    if (out->n - first_new + got > CWMS_P11_OBJECTS_MAX) {
        p11_broken(err, CWMS_P11_E_LIMIT, s->token->module,
                   "C_FindObjects found more than %d objects in one search of token '%s' (a "
                   "search that never ends)",
                   CWMS_P11_OBJECTS_MAX, s->token->label);
        return 0;
    }
    if (got == 0)
        return 1;
    if (out->n + got > out->cap) {
        size_t cap = out->cap > 0 ? 2 * out->cap : FIND_BATCH;

        while (cap < out->n + got)
            cap *= 2;
        if ((grown = OPENSSL_realloc(out->v, cap * sizeof(*grown))) == NULL) {
            p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
            return 0;
        }
        out->v = grown;
        out->cap = cap;
    }
    for (i = 0; i < got; i++) {
        memset(&out->v[out->n], 0, sizeof(out->v[0]));
        out->v[out->n++].h = found[i];
    }
    return 1;
}

int p11_objects_find(P11_SESSION *s, int has_class, CK_OBJECT_CLASS cls, const char *label,
                     const unsigned char *id, size_t id_len, P11_OBJECTS *out, CWMS_P11_ERROR *err)
{
    CK_FUNCTION_LIST *fl = s->token->fl;
    CK_ATTRIBUTE tmpl[3];
    CK_OBJECT_HANDLE found[FIND_BATCH];
    CK_ULONG n_tmpl = 0, got = 0;
    size_t first_new = out->n;
    CK_RV rv;

    if (has_class)
        tmpl[n_tmpl++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
    if (label != NULL)
        tmpl[n_tmpl++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
    if (id != NULL)
        tmpl[n_tmpl++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };

    rv = P11_CALL(fl, C_FindObjectsInit, s->h, n_tmpl > 0 ? tmpl : NULL, n_tmpl);
    if (rv != CKR_OK) {
        p11_error(err, CWMS_P11_E_TOKEN, "cannot search token '%s': %s", s->token->label,
                  p11_rv_string(rv));
        return 0;
    }
    do {
        rv = P11_CALL(fl, C_FindObjects, s->h, found, FIND_BATCH, &got);
        if (rv != CKR_OK) {
            P11_CALL(fl, C_FindObjectsFinal, s->h);
            p11_error(err, CWMS_P11_E_TOKEN, "cannot search token '%s': %s", s->token->label,
                      p11_rv_string(rv));
            return 0;
        }
        if (!take_handles(s, found, got, first_new, out, err)) {
            P11_CALL(fl, C_FindObjectsFinal, s->h);
            return 0;
        }
    } while (got == FIND_BATCH);
    P11_CALL(fl, C_FindObjectsFinal, s->h);

    for (; first_new < out->n; first_new++)
        if (!describe(s, &out->v[first_new], err))
            return 0;
    return 1;
}

void p11_objects_clear(P11_OBJECTS *objs)
{
    size_t i;

    for (i = 0; i < objs->n; i++) {
        OPENSSL_free(objs->v[i].label);
        OPENSSL_free(objs->v[i].id);
    }
    OPENSSL_free(objs->v);
    objs->v = NULL;
    objs->n = 0;
    objs->cap = 0;
}

static CK_RV attr_read(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
                       unsigned char **val, size_t *len, int secret, CWMS_P11_ERROR *err)
{
    CK_ATTRIBUTE a = { type, NULL, 0 };
    CK_ULONG room;
    CK_RV rv;

    *val = NULL;
    *len = 0;
    rv = P11_CALL(s->token->fl, C_GetAttributeValue, s->h, h, &a, 1);
    if (rv != CKR_OK)
        return rv;
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return CKR_ATTRIBUTE_TYPE_INVALID;
    if (!length_believed(s, &a, err))
        return CKR_GENERAL_ERROR;
    /* One spare byte so a zero-length value still gets a buffer. */
    room = a.ulValueLen;
    a.pValue = secret ? OPENSSL_secure_zalloc(room + 1) : OPENSSL_zalloc(room + 1);
    if (a.pValue == NULL)
        return CKR_HOST_MEMORY;
    rv = get_attrs(s, h, &a, 1, err);
    if (rv != CKR_OK) {
        if (secret)
            OPENSSL_secure_clear_free(a.pValue, room + 1);
        else
            OPENSSL_free(a.pValue);
        return rv;
    }
    *val = a.pValue;
    *len = a.ulValueLen;
    return CKR_OK;
}

CK_RV p11_attr_read(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, unsigned char **val,
                    size_t *len, CWMS_P11_ERROR *err)
{
    return attr_read(s, h, type, val, len, 0, err);
}

CK_RV p11_attr_read_secret(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
                           unsigned char **val, size_t *len, CWMS_P11_ERROR *err)
{
    return attr_read(s, h, type, val, len, 1, err);
}

char *p11_object_name(const P11_OBJECT *o, const P11_TOKEN *t)
{
    const char *what = o->cls == CKO_PRIVATE_KEY ? "private key"
        : o->cls == CKO_CERTIFICATE              ? "certificate"
                                                 : "object";
    char buf[512];

    if (o->label != NULL && o->label[0] != '\0') {
        snprintf(buf, sizeof(buf), "the %s '%s' on token '%s'", what, o->label, t->label);
    } else {
        char *hex = o->id != NULL ? p11_hex(o->id, o->id_len) : NULL;

        snprintf(buf, sizeof(buf), "the %s with id %s on token '%s'", what,
                 hex != NULL ? hex : "(none)", t->label);
        OPENSSL_free(hex);
    }
    return OPENSSL_strdup(buf);
}
