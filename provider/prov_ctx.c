/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the store loaders share with the provider entry point: the one way
 * errors are raised, the debug output of a build, the threads a build may
 * start, and the private library context the bundle core runs in (see
 * cwms_prov.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER >= 0x30200000L
#include <stdint.h>
#include <openssl/thread.h> /* OSSL_get_max_threads */
#endif
#include <openssl/provider.h>

#include "cwms_debug.h"
#include "cwms_escape.h"
#include "cwms_prov.h"
#include "cwms/diag.h"

/*- Errors ------------------------------------------------------------- */

/* The most of a message raised: OpenSSL drops error data of 1,024 bytes or more whole. */
#define PROV_ERROR_TEXT_MAX 1000

/* The core's vset_error takes a va_list: this makes one from arguments. */
__attribute__((format(printf, 3, 4))) static void set_error_text(const CWMS_PROV_CTX *pc,
                                                                 CWMS_REASON reason,
                                                                 const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pc->vset_error(pc->handle, (uint32_t)reason, fmt, ap);
    va_end(ap);
}

void cwms_prov_raise(const CWMS_PROV_CTX *pc, const char *file, int line, const char *func,
                     CWMS_REASON reason, const char *fmt, ...)
{
    va_list ap;
    char text[4096], *escaped;
    size_t keep;

    if (pc == NULL || pc->new_error == NULL || pc->vset_error == NULL)
        return;
    pc->new_error(pc->handle);
    if (pc->set_error_debug != NULL)
        pc->set_error_debug(pc->handle, file, line, func);
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    /* A URI's parameter name or a file name is shown under the one escaping rule. */
    if ((escaped = cwms_escape_text(text)) == NULL) {
        set_error_text(pc, reason, "%s", "out of memory");
        return;
    }
    /* OpenSSL keeps no error data of 1 KB or more: cut it short rather than lose it all. */
    keep = cwms_utf8_cut(escaped, strlen(escaped), PROV_ERROR_TEXT_MAX);
    set_error_text(pc, reason, "%.*s%s", (int)keep, escaped, escaped[keep] != '\0' ? "..." : "");
    OPENSSL_free(escaped);
}

void cwms_prov_drop_tried_schemes(const CWMS_PROV_CTX *pc)
{
    /*
     * OSSL_STORE_open_ex set a mark before trying the schemes (none when
     * the queue was empty: then everything queued is from the tries) and
     * clears its last mark when the open fails: the mark popped here is
     * set again so that clear finds this one, not an application's.
     */
    if (pc == NULL || pc->pop_error_to_mark == NULL || pc->set_error_mark == NULL)
        return;
    pc->pop_error_to_mark(pc->handle);
    pc->set_error_mark(pc->handle);
}

/* FNV-1a over what, a NUL and text: which warning about which URI. */
static uint64_t warning_hash(const char *what, const char *text)
{
    uint64_t h = 14695981039346656037ULL;

    for (const char *s = what; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h *= 1099511628211ULL;
    for (const char *s = text; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* 1 the first time this warning about this URI is seen (and remembers it), 0 after. */
static int first_time(CWMS_PROV_CTX *pc, const char *what, const char *text)
{
    uint64_t h = warning_hash(what, text);
    int first = 1;

    if (pc == NULL || !CRYPTO_THREAD_write_lock(pc->lock))
        return 1;
    for (size_t i = 0; first && i < pc->n_warned; i++)
        first = pc->warned[i] != h;
    if (first && pc->n_warned < CWMS_PROV_MAX_WARNED)
        pc->warned[pc->n_warned++] = h;
    CRYPTO_THREAD_unlock(pc->lock);
    return first;
}

void cwms_prov_report_diag(CWMS_PROV_CTX *pc, const char *what, const CWMS_DIAG *diag)
{
    static const char *const level_names[] = { "note", "warning", "error" };
    int all = cwms_debug_on(CWMS_DEBUG_PROVIDER);

    for (size_t i = 0; i < cwms_diag_count(diag); i++) {
        const CWMS_MSG *m = cwms_diag_get(diag, i);

        if (all)
            cwms_debug(CWMS_DEBUG_PROVIDER, "%s: %s: %s", what,
                       m->level <= CWMS_ERROR ? level_names[m->level] : "?", m->text);
        else if (m->level == CWMS_WARNING && first_time(pc, what, m->text)) {
            fputs("cwms provider: ", stderr);
            cwms_escape_fputs(what, stderr);
            fputs(": warning: ", stderr);
            cwms_escape_fputs(m->text, stderr);
            fputc('\n', stderr);
        }
    }
}

void cwms_prov_raise_diag(const CWMS_PROV_CTX *pc, const char *file, int line, const char *func,
                          const CWMS_DIAG *diag)
{
    int raised = 0;

    for (size_t i = 0; i < cwms_diag_count(diag); i++) {
        const CWMS_MSG *m = cwms_diag_get(diag, i);

        if (m->level == CWMS_ERROR) {
            cwms_prov_raise(pc, file, line, func, m->reason, "%s", m->text);
            raised = 1;
        }
    }
    if (!raised)
        cwms_prov_raise(pc, file, line, func, CWMS_R_INTERNAL,
                        "the bundle core failed without saying why");
}

/*- Threads ---------------------------------------------------------------- */

int cwms_prov_max_threads(const CWMS_PROV_CTX *pc)
{
#if OPENSSL_VERSION_NUMBER >= 0x30200000L
    /* One libcrypto serves the application and this module: the core context is its libctx. */
    uint64_t n =
        pc->core_libctx != NULL ? OSSL_get_max_threads((OSSL_LIB_CTX *)pc->core_libctx) : 0;

    return n > 2 ? 2 : (int)n;
#else
    (void)pc;
    return 0;
#endif
}

/*- The private library context ----------------------------------------- */

OSSL_LIB_CTX *cwms_prov_libctx(CWMS_PROV_CTX *pc)
{
    OSSL_LIB_CTX *libctx;

    if (!CRYPTO_THREAD_write_lock(pc->lock)) {
        CWMS_PROV_RAISE(pc, CWMS_R_INTERNAL, "cannot take the provider lock");
        return NULL;
    }
    if (pc->libctx == NULL) {
        /*
         * A fresh context reads no configuration, so it cannot load this
         * provider again: the core's own OSSL_STORE and decoder calls can
         * never end up in the cwms: or pkcs11: loader.
         */
        OSSL_LIB_CTX *l = OSSL_LIB_CTX_new();
        OSSL_PROVIDER *dflt = l == NULL ? NULL : OSSL_PROVIDER_load(l, "default");

        if (dflt == NULL) {
            OSSL_LIB_CTX_free(l);
        } else {
            pc->libctx = l;
            pc->libctx_default = dflt;
        }
    }
    libctx = pc->libctx;
    CRYPTO_THREAD_unlock(pc->lock);
    if (libctx == NULL)
        CWMS_PROV_RAISE(pc, CWMS_R_INTERNAL,
                        "cannot create a library context with the default provider");
    return libctx;
}
