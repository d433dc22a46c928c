/* SPDX-License-Identifier: Apache-2.0 */
/* The cwms: URI grammar: see cwms_uri.h. */
#include "cwms_uri.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "cwms/options.h"
#include "cwms/percent.h"

#define SCHEME "cwms:"

/* Length of a PIN value starting at s: up to '&', ';' or their encodings, or the end. */
static size_t pin_value_len(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0' && s[n] != '&' && s[n] != ';' && strncasecmp(s + n, "%26", 3) != 0
           && strncasecmp(s + n, "%3B", 3) != 0)
        n++;
    return n;
}

char *cwms_uri_redact(const char *uri)
{
    static const char *const names[] = { "pin-value=", "pin-value%3D" };
    /* "***" is never longer than what it replaces plus 3 bytes per occurrence. */
    size_t len = strlen(uri), cap = len + 1 + 3 * (len / 10 + 1);
    char *out = OPENSSL_malloc(cap);
    size_t o = 0;

    if (out == NULL)
        return NULL;
    for (const char *p = uri; *p != '\0';) {
        size_t nlen = 0;

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strncasecmp(p, names[i], strlen(names[i])) == 0)
                nlen = strlen(names[i]);
        if (nlen == 0) {
            out[o++] = *p++;
            continue;
        }
        memcpy(out + o, p, nlen);
        o += nlen;
        p += nlen;
        memcpy(out + o, "***", 3);
        o += 3;
        p += pin_value_len(p);
    }
    out[o] = '\0';
    return out;
}

/* Where the first malformed %XX escape (or %00) of s (len bytes) starts; len when none. */
static size_t bad_escape_at(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int ok;

        if (s[i] != '%')
            continue;
        ok = i + 2 < len && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])
            && !(s[i + 1] == '0' && s[i + 2] == '0');
        if (!ok)
            return i;
        i += 2;
    }
    return len;
}

/* Sets *err to a formatted message (best effort: NULL when memory ran out). */
static void set_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(char **err, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    *err = n < 0 ? NULL : OPENSSL_malloc((size_t)n + 1);
    if (*err != NULL)
        vsnprintf(*err, (size_t)n + 1, fmt, ap);
    va_end(ap);
}

/* 1 when name looks like a parameter name (letters, digits, '-', '_'; short): safe to show. */
static int name_shown(const char *name)
{
    size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    return name[n] == '\0' && n <= 40;
}

/* The shared vocabulary's message for a refused value, spelled "name=value"; returns 0. */
static int bad_value(char **err, CWMS_OPTION_KIND kind, const char *name, const char *value)
{
    char spelling[24], msg[CWMS_OPTION_ERROR_SIZE];

    snprintf(spelling, sizeof(spelling), "%s=", name);
    set_err(err, "%s", cwms_option_error(kind, spelling, value, msg, sizeof(msg)));
    return 0;
}

/* key= and in= may be pkcs11: URIs with a pin-value. */
static void free_secret(char *s)
{
    if (s != NULL)
        OPENSSL_clear_free(s, strlen(s));
}

void cwms_uri_free(CWMS_URI *uri)
{
    if (uri == NULL)
        return;
    OPENSSL_free(uri->path);
    for (size_t i = 0; i < uri->n_in; i++)
        free_secret(uri->in[i]);
    OPENSSL_free(uri->in);
    free_secret(uri->key);
    OPENSSL_free(uri->version);
    OPENSSL_free(uri->trust);
    OPENSSL_free(uri);
}

/*-
 * The parameters
 * --------------
 */

/* Sets one parameter from its percent-decoded value (NULL for a flag). 1, or 0 with *err. */
typedef int (*PARAM_SET)(CWMS_URI *u, const char *name, const char *value, char **err);

static int set_version(CWMS_URI *u, const char *name, const char *value, char **err)
{
    if (!cwms_order_for_version(value, &u->order))
        return bad_value(err, CWMS_OPTION_VERSION, name, value);
    u->has_order = 1;
    return (u->version = OPENSSL_strdup(value)) != NULL;
}

static int set_order(CWMS_URI *u, const char *name, const char *value, char **err)
{
    if (!cwms_parse_order(value, &u->order))
        return bad_value(err, CWMS_OPTION_ORDER, name, value);
    u->has_order = 1;
    return 1;
}

static int set_key(CWMS_URI *u, const char *name, const char *value, char **err)
{
    (void)name;
    (void)err;
    return (u->key = OPENSSL_strdup(value)) != NULL;
}

static int add_in(CWMS_URI *u, const char *name, const char *value, char **err)
{
    char **in = OPENSSL_realloc(u->in, (u->n_in + 1) * sizeof(*in));

    (void)name;
    (void)err;
    if (in == NULL)
        return 0;
    u->in = in;
    if ((u->in[u->n_in] = OPENSSL_strdup(value)) == NULL)
        return 0;
    u->n_in++;
    return 1;
}

static int set_path(CWMS_URI *u, const char *name, const char *value, char **err)
{
    if (!cwms_parse_path_choice(value, &u->path_choice))
        return bad_value(err, CWMS_OPTION_PATH, name, value);
    u->has_path_choice = 1;
    return 1;
}

static int set_trust(CWMS_URI *u, const char *name, const char *value, char **err)
{
    (void)name;
    (void)err;
    return (u->trust = OPENSSL_strdup(value)) != NULL;
}

static int set_root(CWMS_URI *u, const char *name, const char *value, char **err)
{
    if (!cwms_parse_root(value, &u->include_root))
        return bad_value(err, CWMS_OPTION_ROOT, name, value);
    return 1;
}

static int set_leaf(CWMS_URI *u, const char *name, const char *value, char **err)
{
    if (!cwms_parse_sha256(value, u->leaf_sha256))
        return bad_value(err, CWMS_OPTION_SHA256, name, value);
    u->has_leaf = 1;
    return 1;
}

static int set_attime(CWMS_URI *u, const char *name, const char *value, char **err)
{
    if (!cwms_parse_time(value, &u->attime))
        return bad_value(err, CWMS_OPTION_ATTIME, name, value);
    u->has_attime = 1;
    return 1;
}

static int set_nokey(CWMS_URI *u, const char *name, const char *value, char **err)
{
    (void)name;
    (void)value;
    (void)err;
    u->no_key = 1;
    return 1;
}

static int set_fetch(CWMS_URI *u, const char *name, const char *value, char **err)
{
    (void)name;
    (void)value;
    (void)err;
    u->fetch = 1;
    return 1;
}

static int set_verify_depth(CWMS_URI *u, const char *name, const char *value, char **err)
{
    if (!cwms_parse_verify_depth(value, &u->verify_depth))
        return bad_value(err, CWMS_OPTION_VERIFY_DEPTH, name, value);
    u->has_verify_depth = 1;
    return 1;
}

typedef enum {
    PARAM_VALUE, /* name=value, once */
    PARAM_LIST,  /* name=value, repeatable */
    PARAM_FLAG   /* name alone, once */
} PARAM_KIND;

enum {
    P_VERSION,
    P_ORDER,
    P_KEY,
    P_IN,
    P_PATH,
    P_TRUST,
    P_ROOT,
    P_LEAF,
    P_ATTIME,
    P_NOKEY,
    P_FETCH,
    P_VERIFY_DEPTH,
    N_PARAMS
};

/* Every parameter of the URI (cwms_uri.h), in the order the messages list them. */
static const struct uri_param {
    const char *name;
    PARAM_KIND kind;
    PARAM_SET set;
} params[N_PARAMS] = {
    [P_VERSION] = { "version", PARAM_VALUE, set_version },
    [P_ORDER] = { "order", PARAM_VALUE, set_order },
    [P_KEY] = { "key", PARAM_VALUE, set_key },
    [P_IN] = { "in", PARAM_LIST, add_in },
    [P_PATH] = { "path", PARAM_VALUE, set_path },
    [P_TRUST] = { "trust", PARAM_VALUE, set_trust },
    [P_ROOT] = { "root", PARAM_VALUE, set_root },
    [P_LEAF] = { "leaf", PARAM_VALUE, set_leaf },
    [P_ATTIME] = { "attime", PARAM_VALUE, set_attime },
    [P_NOKEY] = { "nokey", PARAM_FLAG, set_nokey },
    [P_FETCH] = { "fetch", PARAM_FLAG, set_fetch },
    [P_VERIFY_DEPTH] = { "verify-depth", PARAM_VALUE, set_verify_depth },
};

/* A bit per parameter in the set of those seen. */
_Static_assert(N_PARAMS <= 32, "the parameters seen are bits of an unsigned");

/* "version, order, ..., verify-depth": the known names, for messages. */
static void known_params(char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < N_PARAMS && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i > 0 ? ", " : "", params[i].name);
}

/*
 * An unknown parameter. Its name is shown only when it looks like one: a
 * pkcs11: URI in key= whose '&' was not written %26 leaves its own
 * attributes here, and "pin-value%3D1234" would show a PIN.
 */
static void unknown_param(char **err, const char *name)
{
    static const char *const p11[] = { "pin-value", "pin-source", "module-path", "module-name" };
    const char *hint = "";
    char known[160];

    for (size_t i = 0; i < sizeof(p11) / sizeof(p11[0]); i++)
        if (strncmp(name, p11[i], strlen(p11[i])) == 0)
            hint = "; a pkcs11: URI in key= or in= writes its '&' as %26";
    known_params(known, sizeof(known));
    if (name_shown(name))
        set_err(err, "unknown parameter '%s' (known: %s)%s", name, known, hint);
    else
        set_err(err,
                "an unknown parameter (its name is not shown: it is not one of letters, digits "
                "and '-'; known: %s)%s",
                known, hint);
}

/* One name=value parameter; value is percent-decoded, NULL when there is no '='. */
static int apply_param(CWMS_URI *u, const char *name, const char *value, unsigned *seen, char **err)
{
    size_t i = 0;

    while (i < N_PARAMS && strcmp(name, params[i].name) != 0)
        i++;
    if (i == N_PARAMS) {
        unknown_param(err, name);
        return 0;
    }
    if (params[i].kind != PARAM_LIST && (*seen & (1u << i))) {
        set_err(err, "parameter '%s' given twice", name);
        return 0;
    }
    *seen |= 1u << i;
    if (params[i].kind == PARAM_FLAG && value != NULL) {
        set_err(err, "parameter '%s' takes no value (write '&%s')", name, name);
        return 0;
    }
    if (params[i].kind != PARAM_FLAG && (value == NULL || *value == '\0')) {
        set_err(err, "parameter '%s' needs a value ('%s=...')", name, name);
        return 0;
    }
    return params[i].set(u, name, value, err);
}

/* Parses the '&'-separated PARAMS (s up to its NUL). */
static int parse_params(CWMS_URI *u, const char *s, char **err)
{
    unsigned seen = 0;

    while (*s != '\0') {
        size_t len = strcspn(s, "&"), nlen = strcspn(s, "=&");
        char *name = NULL, *value = NULL;
        int bad = 0, ok;

        if (len == 0) { /* tolerate "&&" and a trailing '&' */
            s++;
            continue;
        }
        name = OPENSSL_strndup(s, nlen);
        if (name == NULL)
            return 0;
        if (nlen < len) {
            value = cwms_percent_decode(s + nlen + 1, len - nlen - 1, &bad);
            if (value == NULL) {
                /* Where, not what: a key= or in= value may hold a PIN. */
                if (bad)
                    set_err(err,
                            "parameter '%s': malformed percent-encoding at character %zu of its "
                            "value (a '%%' takes two hex digits, not %%00; write '%%' as %%25)",
                            name, bad_escape_at(s + nlen + 1, len - nlen - 1) + 1);
                OPENSSL_free(name);
                return 0;
            }
        }
        ok = apply_param(u, name, value, &seen, err);
        OPENSSL_free(name);
        OPENSSL_free(value);
        if (!ok)
            return 0;
        s += len;
        if (*s == '&')
            s++;
    }
    if ((seen & (1u << P_VERSION)) && (seen & (1u << P_ORDER))) {
        set_err(err, "give either version= or order=, not both");
        return 0;
    }
    return 1;
}

CWMS_URI *cwms_uri_parse(const char *uri, char **err)
{
    CWMS_URI *u;
    const char *p, *q;
    size_t plen;
    int bad = 0;

    *err = NULL;
    if (uri == NULL || strncasecmp(uri, SCHEME, strlen(SCHEME)) != 0) {
        set_err(err, "'%s' is not a cwms: URI", uri == NULL ? "(null)" : uri);
        return NULL;
    }
    if ((u = OPENSSL_zalloc(sizeof(*u))) == NULL)
        return NULL;
    p = uri + strlen(SCHEME);
    q = strchr(p, '?');
    plen = q == NULL ? strlen(p) : (size_t)(q - p);
    if ((u->path = cwms_percent_decode(p, plen, &bad)) == NULL) {
        if (bad)
            set_err(err,
                    "malformed percent-encoding at character %zu of the path (a '%%' takes two "
                    "hex digits, not %%00; write '%%' as %%25)",
                    bad_escape_at(p, plen) + 1);
        goto err;
    }
    if (q != NULL && !parse_params(u, q + 1, err))
        goto err;
    if (u->path[0] == '\0' && u->n_in == 0) {
        set_err(err,
                "no inputs: give a file or directory (cwms:/path/to/ca-files) "
                "or in= parameters");
        goto err;
    }
    return u;
err:
    cwms_uri_free(u);
    return NULL;
}
