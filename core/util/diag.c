/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics of the bundle core: see diag.h. */
#include "cwms/diag.h"
#include "cwms_escape.h"
#include "util/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

struct cwms_diag_st {
    CWMS_MSG *msgs;
    size_t count, cap;
};

CWMS_DIAG *cwms_diag_new(void)
{
    return OPENSSL_zalloc(sizeof(CWMS_DIAG));
}

void cwms_diag_free(CWMS_DIAG *diag)
{
    if (diag == NULL)
        return;
    for (size_t i = 0; i < diag->count; i++) {
        OPENSSL_free(diag->msgs[i].text);
        OPENSSL_free(diag->msgs[i].subject);
        OPENSSL_free(diag->msgs[i].url);
        OPENSSL_free(diag->msgs[i].finding);
    }
    OPENSSL_free(diag->msgs);
    OPENSSL_free(diag);
}

/* A copy of s, NULL for NULL; *failed set when the copy could not be made. */
static char *dup_fact(const char *s, int *failed)
{
    char *d = s != NULL ? OPENSSL_strdup(s) : NULL;

    *failed |= s != NULL && d == NULL;
    return d;
}

/* Takes text (escaped here); copies the facts. A message that does not fit is dropped. */
static void diag_push(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, char *text,
                      const CWMS_MSG_FACTS *facts)
{
    static const CWMS_MSG_FACTS none = { 0 };
    char *escaped = cwms_escape_text(text);
    CWMS_MSG msg = { level, reason, escaped, NULL, NULL, NULL };
    int failed = escaped == NULL;

    OPENSSL_free(text);
    if (facts == NULL)
        facts = &none;
    msg.subject = dup_fact(facts->subject, &failed);
    msg.url = dup_fact(facts->url, &failed);
    msg.finding = dup_fact(facts->finding, &failed);
    if (!failed && diag->count == diag->cap) {
        size_t cap = diag->cap ? diag->cap * 2 : 8;
        CWMS_MSG *m = OPENSSL_realloc(diag->msgs, cap * sizeof(*m));

        failed = m == NULL;
        if (m != NULL) {
            diag->msgs = m;
            diag->cap = cap;
        }
    }
    if (failed) {
        OPENSSL_free(msg.text);
        OPENSSL_free(msg.subject);
        OPENSSL_free(msg.url);
        OPENSSL_free(msg.finding);
        return;
    }
    diag->msgs[diag->count++] = msg;
}

char *cwms_vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *buf;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || (buf = OPENSSL_malloc((size_t)n + 1)) == NULL)
        return NULL;
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    return buf;
}

char *cwms_format(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = cwms_vformat(fmt, ap);
    va_end(ap);
    return s;
}

__attribute__((format(printf, 5, 0))) static void vadd_facts(CWMS_DIAG *diag, CWMS_LEVEL level,
                                                             CWMS_REASON reason,
                                                             const CWMS_MSG_FACTS *facts,
                                                             const char *fmt, va_list ap)
{
    char *text;

    if (diag == NULL)
        return;
    if ((text = cwms_vformat(fmt, ap)) != NULL)
        diag_push(diag, level, reason, text, facts);
}

void cwms_diag_vadd(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *fmt,
                    va_list ap)
{
    vadd_facts(diag, level, reason, NULL, fmt, ap);
}

void cwms_diag_add_facts(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason,
                         const CWMS_MSG_FACTS *facts, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vadd_facts(diag, level, reason, facts, fmt, ap);
    va_end(ap);
}

void cwms_diag_add_about(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *subject,
                         const char *fmt, ...)
{
    CWMS_MSG_FACTS facts = { .subject = subject };
    va_list ap;

    va_start(ap, fmt);
    vadd_facts(diag, level, reason, &facts, fmt, ap);
    va_end(ap);
}

void cwms_diag_add_msg(CWMS_DIAG *diag, const CWMS_MSG *m)
{
    CWMS_MSG_FACTS facts = { m->subject, m->url, m->finding };

    cwms_diag_add_facts(diag, m->level, m->reason, &facts, "%s", m->text);
}

void cwms_diag_add(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cwms_diag_vadd(diag, level, reason, fmt, ap);
    va_end(ap);
}

void cwms_diag_add_openssl(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *fmt,
                           ...)
{
    va_list ap;
    char *text, *full;
    char err[256] = "";
    unsigned long e = ERR_peek_error();
    size_t len;

    if (e != 0) {
        /* The reason alone reads better than the full error:xxxx:lib:func: line. */
        const char *r = ERR_reason_error_string(e);

        if (r != NULL)
            snprintf(err, sizeof(err), "%s", r);
        else
            ERR_error_string_n(e, err, sizeof(err));
    }
    ERR_clear_error();
    if (diag == NULL)
        return;
    va_start(ap, fmt);
    text = cwms_vformat(fmt, ap);
    va_end(ap);
    if (text == NULL)
        return;
    if (err[0] == '\0') {
        diag_push(diag, level, reason, text, NULL);
        return;
    }
    len = strlen(text) + strlen(err) + 3;
    if ((full = OPENSSL_malloc(len)) != NULL)
        snprintf(full, len, "%s: %s", text, err);
    OPENSSL_free(text);
    if (full != NULL)
        diag_push(diag, level, reason, full, NULL);
}

size_t cwms_diag_count(const CWMS_DIAG *diag)
{
    return diag == NULL ? 0 : diag->count;
}

const CWMS_MSG *cwms_diag_get(const CWMS_DIAG *diag, size_t i)
{
    return diag == NULL || i >= diag->count ? NULL : &diag->msgs[i];
}

const CWMS_MSG *cwms_diag_first_error(const CWMS_DIAG *diag)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++)
        if (diag->msgs[i].level == CWMS_ERROR)
            return &diag->msgs[i];
    return NULL;
}

size_t cwms_diag_count_level(const CWMS_DIAG *diag, CWMS_LEVEL level)
{
    size_t n = 0;

    for (size_t i = 0; i < cwms_diag_count(diag); i++)
        n += diag->msgs[i].level == level;
    return n;
}

void cwms_diag_append(CWMS_DIAG *dst, const CWMS_DIAG *src)
{
    for (size_t i = 0; i < cwms_diag_count(src); i++)
        cwms_diag_add_msg(dst, &src->msgs[i]);
}

void cwms_diag_promote_warnings(CWMS_DIAG *diag)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++)
        if (diag->msgs[i].level == CWMS_WARNING)
            diag->msgs[i].level = CWMS_ERROR;
}
