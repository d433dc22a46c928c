/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The helper's texts: the error a call reports (also traced on the pkcs11
 * debug channel), Cryptoki's blank-padded strings and bytes in hex, and
 * the words for a key's exportability.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "p11_internal.h"

void p11_error(CWMS_P11_ERROR *err, CWMS_P11_ERRKIND kind, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err->kind != CWMS_P11_OK)
        return;
    err->kind = kind;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
    cwms_debug(CWMS_DEBUG_PKCS11, "error: %s", err->text);
}

char *p11_strdup_padded(const unsigned char *s, size_t len)
{
    char *out;

    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\0'))
        len--;
    out = OPENSSL_malloc(len + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

/*
 * Trailing NUL bytes and blanks of a fixed-width Cryptoki string become
 * blanks. In a URI's fields a first NUL byte means "not given" (p11-kit
 * matches anything there): such a field stays as it is.
 */
static void blank_pad(unsigned char *s, size_t len, int uri)
{
    size_t end = len;

    if (uri && s[0] == '\0')
        return;
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\0'))
        end--;
    memset(s + end, ' ', len - end);
}

void p11_blank_pad_module(CK_INFO *m, int uri)
{
    blank_pad(m->manufacturerID, sizeof(m->manufacturerID), uri);
    blank_pad(m->libraryDescription, sizeof(m->libraryDescription), uri);
}

void p11_blank_pad_slot(CK_SLOT_INFO *s, int uri)
{
    blank_pad(s->slotDescription, sizeof(s->slotDescription), uri);
    blank_pad(s->manufacturerID, sizeof(s->manufacturerID), uri);
}

void p11_blank_pad_token(CK_TOKEN_INFO *t, int uri)
{
    blank_pad(t->label, sizeof(t->label), uri);
    blank_pad(t->manufacturerID, sizeof(t->manufacturerID), uri);
    blank_pad(t->model, sizeof(t->model), uri);
    blank_pad(t->serialNumber, sizeof(t->serialNumber), uri);
}

char *p11_hex(const unsigned char *b, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *out = OPENSSL_malloc(2 * len + 1);
    size_t i;

    if (out == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 0xf];
    }
    out[2 * len] = '\0';
    return out;
}

const char *cwms_p11_export_string(CWMS_P11_EXPORT e)
{
    switch (e) {
    case CWMS_P11_EXPORT_COMPONENTS:
        return "exportable (not sensitive: read in the clear)";
    case CWMS_P11_EXPORT_WRAPPED:
        return "exportable (sensitive: wrapped on the token under a one-time AES key)";
    case CWMS_P11_EXPORT_NO_WRAP:
        return "not exportable (sensitive, and the token lists no mechanism to wrap it out)";
    case CWMS_P11_EXPORT_NONE:
    default:
        return "not exportable (CKA_EXTRACTABLE=false)";
    }
}

/* Every CK_RV of PKCS#11 3.0 by name, for messages that name the code a token returned. */
#define RV(code)                                                                                   \
    {                                                                                              \
        code, #code                                                                                \
    }
static const struct {
    CK_RV rv;
    const char *name;
} rv_names[] = {
    RV(CKR_OK),
    RV(CKR_CANCEL),
    RV(CKR_HOST_MEMORY),
    RV(CKR_SLOT_ID_INVALID),
    RV(CKR_GENERAL_ERROR),
    RV(CKR_FUNCTION_FAILED),
    RV(CKR_ARGUMENTS_BAD),
    RV(CKR_NO_EVENT),
    RV(CKR_NEED_TO_CREATE_THREADS),
    RV(CKR_CANT_LOCK),
    RV(CKR_ATTRIBUTE_READ_ONLY),
    RV(CKR_ATTRIBUTE_SENSITIVE),
    RV(CKR_ATTRIBUTE_TYPE_INVALID),
    RV(CKR_ATTRIBUTE_VALUE_INVALID),
    RV(CKR_ACTION_PROHIBITED),
    RV(CKR_DATA_INVALID),
    RV(CKR_DATA_LEN_RANGE),
    RV(CKR_DEVICE_ERROR),
    RV(CKR_DEVICE_MEMORY),
    RV(CKR_DEVICE_REMOVED),
    RV(CKR_ENCRYPTED_DATA_INVALID),
    RV(CKR_ENCRYPTED_DATA_LEN_RANGE),
    RV(CKR_FUNCTION_CANCELED),
    RV(CKR_FUNCTION_NOT_PARALLEL),
    RV(CKR_FUNCTION_NOT_SUPPORTED),
    RV(CKR_KEY_HANDLE_INVALID),
    RV(CKR_KEY_SIZE_RANGE),
    RV(CKR_KEY_TYPE_INCONSISTENT),
    RV(CKR_KEY_NOT_NEEDED),
    RV(CKR_KEY_CHANGED),
    RV(CKR_KEY_NEEDED),
    RV(CKR_KEY_INDIGESTIBLE),
    RV(CKR_KEY_FUNCTION_NOT_PERMITTED),
    RV(CKR_KEY_NOT_WRAPPABLE),
    RV(CKR_KEY_UNEXTRACTABLE),
    RV(CKR_MECHANISM_INVALID),
    RV(CKR_MECHANISM_PARAM_INVALID),
    RV(CKR_OBJECT_HANDLE_INVALID),
    RV(CKR_OPERATION_ACTIVE),
    RV(CKR_OPERATION_NOT_INITIALIZED),
    RV(CKR_PIN_INCORRECT),
    RV(CKR_PIN_INVALID),
    RV(CKR_PIN_LEN_RANGE),
    RV(CKR_PIN_EXPIRED),
    RV(CKR_PIN_LOCKED),
    RV(CKR_SESSION_CLOSED),
    RV(CKR_SESSION_COUNT),
    RV(CKR_SESSION_HANDLE_INVALID),
    RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    RV(CKR_SESSION_READ_ONLY),
    RV(CKR_SESSION_EXISTS),
    RV(CKR_SESSION_READ_ONLY_EXISTS),
    RV(CKR_SESSION_READ_WRITE_SO_EXISTS),
    RV(CKR_SIGNATURE_INVALID),
    RV(CKR_SIGNATURE_LEN_RANGE),
    RV(CKR_TEMPLATE_INCOMPLETE),
    RV(CKR_TEMPLATE_INCONSISTENT),
    RV(CKR_TOKEN_NOT_PRESENT),
    RV(CKR_TOKEN_NOT_RECOGNIZED),
    RV(CKR_TOKEN_WRITE_PROTECTED),
    RV(CKR_UNWRAPPING_KEY_SIZE_RANGE),
    RV(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT),
    RV(CKR_USER_ALREADY_LOGGED_IN),
    RV(CKR_USER_NOT_LOGGED_IN),
    RV(CKR_USER_PIN_NOT_INITIALIZED),
    RV(CKR_USER_TYPE_INVALID),
    RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
    RV(CKR_USER_TOO_MANY_TYPES),
    RV(CKR_WRAPPED_KEY_INVALID),
    RV(CKR_WRAPPED_KEY_LEN_RANGE),
    RV(CKR_WRAPPING_KEY_HANDLE_INVALID),
    RV(CKR_WRAPPING_KEY_SIZE_RANGE),
    RV(CKR_WRAPPING_KEY_TYPE_INCONSISTENT),
    RV(CKR_RANDOM_SEED_NOT_SUPPORTED),
    RV(CKR_RANDOM_NO_RNG),
    RV(CKR_DOMAIN_PARAMS_INVALID),
    RV(CKR_CURVE_NOT_SUPPORTED),
    RV(CKR_BUFFER_TOO_SMALL),
    RV(CKR_SAVED_STATE_INVALID),
    RV(CKR_INFORMATION_SENSITIVE),
    RV(CKR_STATE_UNSAVEABLE),
    RV(CKR_CRYPTOKI_NOT_INITIALIZED),
    RV(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    RV(CKR_MUTEX_BAD),
    RV(CKR_MUTEX_NOT_LOCKED),
    RV(CKR_NEW_PIN_MODE),
    RV(CKR_NEXT_OTP),
    RV(CKR_EXCEEDED_MAX_ITERATIONS),
    RV(CKR_FIPS_SELF_TEST_FAILED),
    RV(CKR_LIBRARY_LOAD_FAILED),
    RV(CKR_PIN_TOO_WEAK),
    RV(CKR_PUBLIC_KEY_INVALID),
    RV(CKR_FUNCTION_REJECTED),
};
#undef RV

const char *p11_rv_name(CK_RV rv)
{
    for (size_t i = 0; i < sizeof(rv_names) / sizeof(rv_names[0]); i++)
        if (rv_names[i].rv == rv)
            return rv_names[i].name;
    return NULL;
}

void p11_append(char **buf, const char *fmt, ...)
{
    char piece[512], *grown;
    size_t old = *buf != NULL ? strlen(*buf) : 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(piece, sizeof(piece), fmt, ap);
    va_end(ap);
    grown = OPENSSL_realloc(*buf, old + strlen(piece) + 1);
    if (grown == NULL)
        return;
    memcpy(grown + old, piece, strlen(piece) + 1);
    *buf = grown;
}

char *cwms_p11_module_note_text(const CWMS_P11_MODULE_NOTE *n)
{
    char *text = NULL;

    if (n->problem != NULL)
        p11_append(&text, "PKCS#11 module '%s' (%s) is left out: %s", n->name, n->path, n->problem);
    else if (n->rv != CKR_OK)
        p11_append(&text,
                   "PKCS#11 module '%s' (%s) failed to initialize (%s) and is left out: its tokens "
                   "are not searched",
                   n->name, n->path, n->rv_name);
    else
        p11_append(&text, "PKCS#11 module '%s' (%s) wrote on standard error while initializing",
                   n->name, n->path);
    if (n->printed != NULL)
        p11_append(&text, "; it wrote %zu line%s, the last: '%s' (CWMS_DEBUG=pkcs11 shows %s)",
                   n->printed_lines, n->printed_lines == 1 ? "" : "s", n->printed,
                   n->printed_lines == 1 ? "it" : "them all");
    if (n->rv != CKR_OK || n->problem != NULL)
        p11_append(&text,
                   ". Nothing to do if you do not use it; module-name= or module-path= in "
                   "the URI loads only the module you mean");
    return text;
}
