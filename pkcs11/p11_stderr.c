/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a module writes to standard error while it initializes.
 *
 * Some modules talk on stderr from inside C_Initialize: tpm2-pkcs11 with no
 * TPM present prints a dozen TSS loader errors on every load, before the
 * tool has said anything. A process that owns its stderr and runs no other
 * thread at that moment (the CLI: cwms_p11_capture_module_output) has fd 2
 * pointed at an anonymous memory file for the duration of the call, and
 * what the module wrote goes into its note instead (p11_registry.c) and,
 * whole, into the pkcs11 trace. The provider runs inside someone else's
 * process, where fd 2 is not ours to move: there modules speak as they do.
 */
#define _GNU_SOURCE /* memfd_create */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "p11_internal.h"

/* The note keeps the end of the last line; the trace shows the first TRACE_MAX bytes. */
#define LAST_LINE_MAX 200
#define TRACE_MAX 65536

static atomic_int capture_wanted;

void cwms_p11_capture_module_output(int on)
{
    atomic_store(&capture_wanted, on != 0);
}

void p11_capture_begin(P11_CAPTURE *c)
{
    c->saved = c->file = -1;
    if (!atomic_load(&capture_wanted))
        return;
    fflush(stderr);
    if ((c->file = memfd_create("cwms-p11-module-stderr", MFD_CLOEXEC)) < 0)
        return;
    if ((c->saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0
        || dup2(c->file, STDERR_FILENO) < 0) {
        if (c->saved >= 0)
            close(c->saved);
        close(c->file);
        c->saved = c->file = -1;
    }
}

/* The last non-empty line of text[0..len) (its last LAST_LINE_MAX bytes), as a new string. */
static char *last_line(const char *text, size_t len)
{
    const char *end = text + len, *start;

    while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    for (start = end; start > text && start[-1] != '\n'; start--)
        ;
    if (end - start > LAST_LINE_MAX)
        start = end - LAST_LINE_MAX;
    return OPENSSL_strndup(start, (size_t)(end - start));
}

void p11_capture_end(P11_CAPTURE *c, P11_PRINTED *printed)
{
    char *all;
    ssize_t got;
    size_t len = 0, i;

    if (c->saved < 0)
        return;
    fflush(stderr);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    if ((all = OPENSSL_malloc(TRACE_MAX + 1)) != NULL) {
        while (len < TRACE_MAX
               && (got = pread(c->file, all + len, TRACE_MAX - len, (off_t)len)) > 0)
            len += (size_t)got;
        all[len] = '\0';
    }
    close(c->file);
    if (all != NULL && len > 0) {
        for (i = 0; i < len; i++)
            printed->lines += all[i] == '\n';
        printed->lines += all[len - 1] != '\n';
        printed->last = last_line(all, len);
        cwms_debug(CWMS_DEBUG_PKCS11, "the module wrote %zu line(s) on stderr:\n%s", printed->lines,
                   all);
    }
    OPENSSL_free(all);
}

void p11_printed_clear(P11_PRINTED *printed)
{
    OPENSSL_free(printed->last);
    memset(printed, 0, sizeof(*printed));
}
