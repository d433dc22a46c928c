/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting modules, and the modules of p11-kit's registry one by one.
 *
 * p11_kit_modules_load_and_initialize drops a registered module that fails
 * C_Initialize without a word (it only keeps a message nobody reads) and
 * unloads it. Here every module is started on its own, so one that fails
 * (tpm2-pkcs11 with no TPM present, a common desktop state) is named with
 * its CK_RV through the caller's module callback, once per process, and
 * the others are searched as usual. A module that writes on stderr while
 * it starts is named the same way (what it wrote is captured when the
 * process asked for it: p11_stderr.c).
 *
 * Every module started here stays mapped when p11-kit releases it, with
 * the libraries it loaded while starting (RTLD_NODELETE); C_Finalize still
 * ends each call, only the unmapping is skipped. A module is a library
 * with process-wide state that outlives its C_Finalize (fork and exit
 * handlers, thread-specific destructors, the state of the libraries it
 * loads itself), and several do not survive being unmapped and mapped
 * again within one process: opencryptoki 3.8 crashes in its software
 * token's next C_Initialize (in the same process or in a forked child),
 * and a module whose start failed may leave handlers pointing into it.
 * One mapping per module used, for the rest of the process, as for p11-kit
 * itself (p11_kit_dl.c); it also lets a leak checker name the module its
 * leaks come from (tests/lsan.supp).
 */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "p11_internal.h"

/*-
 * Once per process
 */

#define NOTED_MAX 32

static pthread_mutex_t noted_lock = PTHREAD_MUTEX_INITIALIZER;
static char noted[NOTED_MAX][256];
static size_t n_noted;

/* 1 the first time a module is seen here (past NOTED_MAX modules, always 1). */
static int first_note(const char *path)
{
    int first = 1;

    pthread_mutex_lock(&noted_lock);
    for (size_t i = 0; i < n_noted && first; i++)
        first = strncmp(noted[i], path, sizeof(noted[i]) - 1) != 0;
    if (first && n_noted < NOTED_MAX)
        snprintf(noted[n_noted++], sizeof(noted[0]), "%s", path);
    pthread_mutex_unlock(&noted_lock);
    return first;
}

/*-
 * One module
 */

static void report(const P11_KIT_API *p11k, CK_FUNCTION_LIST *fl, CK_RV rv,
                   const P11_PRINTED *printed, const CWMS_P11_OPTIONS *opts, char **present)
{
    char *name = p11k->module_get_name(fl), *path = p11k->module_get_filename(fl);
    const char *shown = name != NULL ? name : path != NULL ? path : "(unnamed module)";
    char hex[24];
    CWMS_P11_MODULE_NOTE note = {
        shown, path != NULL ? path : "", rv, p11_rv_name(rv), printed->last, printed->lines
    };

    if (note.rv_name == NULL) {
        snprintf(hex, sizeof(hex), "0x%lx", (unsigned long)rv);
        note.rv_name = hex;
    }
    if (rv != CKR_OK && present != NULL)
        p11_append(present, "%smodule %s failed to initialize (%s)", *present != NULL ? "; " : "",
                   shown, note.rv_name);
    cwms_debug(CWMS_DEBUG_PKCS11, "module %s (%s): %s, %zu line(s) on stderr", shown, note.path,
               note.rv_name, printed->lines);
    if (opts != NULL && opts->module_cb != NULL && first_note(note.path))
        opts->module_cb(&note, opts->module_arg);
    free(name);
    free(path);
}

/*-
 * Keeping modules mapped (see the top of the file)
 */

/* The libraries mapped at one moment, by name (bounded: past the cap, the rest count as new). */
#define MAPPED_MAX 1024

typedef struct mapped_st {
    char *names[MAPPED_MAX];
    size_t n;
} MAPPED;

static int add_mapped(struct dl_phdr_info *info, size_t size, void *arg)
{
    MAPPED *m = arg;

    (void)size;
    if (m->n < MAPPED_MAX && info->dlpi_name != NULL && info->dlpi_name[0] != '\0'
        && (m->names[m->n] = OPENSSL_strdup(info->dlpi_name)) != NULL)
        m->n++;
    return 0;
}

static int was_mapped(const MAPPED *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->names[i], name) == 0)
            return 1;
    return 0;
}

static void mapped_clear(MAPPED *m)
{
    for (size_t i = 0; i < m->n; i++)
        OPENSSL_free(m->names[i]);
    m->n = 0;
}

/* Marks a mapped library RTLD_NODELETE; dlclose drops the reference taken, the flag stays. */
static void keep(const char *name)
{
    void *h = dlopen(name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);

    if (h != NULL)
        dlclose(h);
}

/* Keeps every library mapped now that was not in before (the module and what it loaded). */
static int keep_new(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    if (info->dlpi_name != NULL && info->dlpi_name[0] != '\0' && !was_mapped(arg, info->dlpi_name))
        keep(info->dlpi_name);
    return 0;
}

CK_RV p11_module_start(const P11_KIT_API *p11k, CK_FUNCTION_LIST *fl, const CWMS_P11_OPTIONS *opts,
                       char **present, P11_PRINTED *printed)
{
    P11_CAPTURE capture;
    MAPPED *before = OPENSSL_zalloc(sizeof(*before));
    char *path = p11k->module_get_filename(fl);
    CK_RV rv;

    if (path != NULL)
        keep(path);
    free(path);
    if (before != NULL)
        dl_iterate_phdr(add_mapped, before);
    p11_capture_begin(&capture);
    rv = p11k->module_initialize(fl);
    p11_capture_end(&capture, printed);
    /* What the module loaded while starting (opencryptoki: its token library; tpm2: its TCTI). */
    if (before != NULL) {
        dl_iterate_phdr(keep_new, before);
        mapped_clear(before);
        OPENSSL_free(before);
    }
    p11_traced("C_Initialize", rv);
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) /* another user in the process started it */
        rv = CKR_OK;
    /* A module-path that fails is the caller's error (present NULL), not a note. */
    if ((rv != CKR_OK && present != NULL) || printed->lines > 0)
        report(p11k, fl, rv, printed, opts, present);
    return rv;
}

/*-
 * The registry
 */

/* Keeps only the module called name in list (releasing the others); 0 with err when none is. */
static int keep_only(const P11_KIT_API *p11k, CK_FUNCTION_LIST **list, const char *name,
                     CWMS_P11_ERROR *err)
{
    CK_FUNCTION_LIST *want = p11k->module_for_name(list, name);
    char *names = NULL;
    size_t i;

    for (i = 0; list[i] != NULL; i++) {
        char *n = p11k->module_get_name(list[i]);

        p11_append(&names, "%s%s", names != NULL ? ", " : "", n != NULL ? n : "?");
        free(n);
        if (list[i] != want)
            p11k->module_release(list[i]);
    }
    list[0] = want;
    if (want != NULL)
        list[1] = NULL;
    else
        p11_error(err, CWMS_P11_E_TOKEN,
                  "no PKCS#11 module named '%s' is registered with p11-kit (registered: %s)", name,
                  names != NULL ? names : "none");
    OPENSSL_free(names);
    return want != NULL;
}

CK_FUNCTION_LIST **p11_registry_open(const P11_KIT_API *p11k, const char *name, const char *shown,
                                     const CWMS_P11_OPTIONS *opts, char **present,
                                     CWMS_P11_ERROR *err)
{
    CK_FUNCTION_LIST **list;
    size_t i, out = 0;

    cwms_debug(CWMS_DEBUG_PKCS11, "loading the modules registered with p11-kit");
    list = p11k->modules_load(NULL, 0);
    if (list == NULL || list[0] == NULL) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "no PKCS#11 module is registered with p11-kit (%s); add "
                  "module-path=/path/to/module.so to the URI '%s'",
                  p11k->message() != NULL ? p11k->message() : "none found", shown);
        if (list != NULL)
            p11k->modules_release(list);
        return NULL;
    }
    if (name != NULL && !keep_only(p11k, list, name, err)) {
        free(list); /* keep_only released every module in it */
        return NULL;
    }
    for (i = 0; list[i] != NULL; i++) {
        P11_PRINTED printed = { NULL, 0 };

        if (p11_module_start(p11k, list[i], opts, present, &printed) == CKR_OK)
            list[out++] = list[i];
        else
            p11k->module_release(list[i]);
        p11_printed_clear(&printed);
    }
    list[out] = NULL;
    return list;
}

void p11_registry_close(const P11_KIT_API *p11k, CK_FUNCTION_LIST **list)
{
    if (list == NULL)
        return;
    cwms_debug(CWMS_DEBUG_PKCS11, "finalizing the p11-kit modules");
    p11k->modules_finalize(list);
    p11k->modules_release(list);
}
