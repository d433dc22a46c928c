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

#include "p11_internal.h"

#define FIND_BATCH 64

static int is_key(CK_OBJECT_CLASS cls)
{
    return cls == CKO_PRIVATE_KEY || cls == CKO_PUBLIC_KEY || cls == CKO_SECRET_KEY;
}

static int available(const CK_ATTRIBUTE *a)
{
    return a->ulValueLen != CK_UNAVAILABLE_INFORMATION;
}

/* Reads class, label, id and, for keys, type and the export flags of o->h. */
static int describe(P11_SESSION *s, P11_OBJECT *o, CWMS_P11_ERROR *err)
{
    CK_FUNCTION_LIST *fl = s->token->fl;
    CK_BBOOL sensitive = CK_TRUE, extractable = CK_FALSE;
    CK_ATTRIBUTE first[] = {
        { CKA_CLASS, &o->cls, sizeof(o->cls) },
        { CKA_LABEL, NULL, 0 },
        { CKA_ID, NULL, 0 },
    };
    CK_ATTRIBUTE second[5];
    CK_ULONG n = 0, label_len, id_len;
    CK_RV rv;

    rv = P11_CALL(fl, C_GetAttributeValue, s->h, o->h, first, 3);
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE) {
        p11_error(err, CWMS_P11_E_TOKEN, "cannot read an object of token '%s': %s", s->token->label,
                  p11_rv_string(rv));
        return 0;
    }
    if (!available(&first[0]))
        o->cls = (CK_OBJECT_CLASS)-1;
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
    rv = P11_CALL(fl, C_GetAttributeValue, s->h, o->h, second, n);
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE) {
        p11_error(err, CWMS_P11_E_TOKEN, "cannot read an object of token '%s': %s", s->token->label,
                  p11_rv_string(rv));
        return 0;
    }
    /* A missing CKA_SENSITIVE/CKA_EXTRACTABLE keeps the safe defaults (sensitive, not extractable). */
    o->sensitive = sensitive == CK_TRUE;
    o->extractable = extractable == CK_TRUE;
    return 1;
}

int p11_objects_find(P11_SESSION *s, int has_class, CK_OBJECT_CLASS cls, const char *label,
                     const unsigned char *id, size_t id_len, P11_OBJECTS *out, CWMS_P11_ERROR *err)
{
    CK_FUNCTION_LIST *fl = s->token->fl;
    CK_ATTRIBUTE tmpl[3];
    CK_OBJECT_HANDLE found[FIND_BATCH];
    CK_ULONG n_tmpl = 0, got, i;
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
        P11_OBJECT *grown;

        rv = P11_CALL(fl, C_FindObjects, s->h, found, FIND_BATCH, &got);
        if (rv != CKR_OK) {
            P11_CALL(fl, C_FindObjectsFinal, s->h);
            p11_error(err, CWMS_P11_E_TOKEN, "cannot search token '%s': %s", s->token->label,
                      p11_rv_string(rv));
            return 0;
        }
        if (got == 0)
            break;
        grown = OPENSSL_realloc(out->v, (out->n + got) * sizeof(*grown));
        if (grown == NULL) {
            P11_CALL(fl, C_FindObjectsFinal, s->h);
            p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
            return 0;
        }
        out->v = grown;
        for (i = 0; i < got; i++) {
            memset(&out->v[out->n], 0, sizeof(out->v[0]));
            out->v[out->n++].h = found[i];
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
}

static CK_RV attr_read(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
                       unsigned char **val, size_t *len, int secret)
{
    CK_ATTRIBUTE a = { type, NULL, 0 };
    CK_RV rv;

    *val = NULL;
    *len = 0;
    rv = P11_CALL(s->token->fl, C_GetAttributeValue, s->h, h, &a, 1);
    if (rv != CKR_OK)
        return rv;
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return CKR_ATTRIBUTE_TYPE_INVALID;
    /* One spare byte so a zero-length value still gets a buffer. */
    a.pValue = secret ? OPENSSL_secure_zalloc(a.ulValueLen + 1) : OPENSSL_zalloc(a.ulValueLen + 1);
    if (a.pValue == NULL)
        return CKR_HOST_MEMORY;
    rv = P11_CALL(s->token->fl, C_GetAttributeValue, s->h, h, &a, 1);
    if (rv != CKR_OK) {
        if (secret)
            OPENSSL_secure_clear_free(a.pValue, a.ulValueLen + 1);
        else
            OPENSSL_free(a.pValue);
        return rv;
    }
    *val = a.pValue;
    *len = a.ulValueLen;
    return CKR_OK;
}

CK_RV p11_attr_read(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, unsigned char **val,
                    size_t *len)
{
    return attr_read(s, h, type, val, len, 0);
}

CK_RV p11_attr_read_secret(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
                           unsigned char **val, size_t *len)
{
    return attr_read(s, h, type, val, len, 1);
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
