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
 * A module whose C_Initialize failed stays mapped when p11-kit releases
 * it (RTLD_NODELETE): a failed start may leave behind what points into the
 * module's code (atexit and fork handlers, thread-specific destructors,
 * allocations its own code frees), and unmapping it would turn those into
 * crashes later. One mapping per failing module for the rest of the
 * process, as for p11-kit itself (p11_kit_dl.c); it also lets a leak
 * checker name the module its leaks come from (tests/lsan.supp).
 */
#include <dlfcn.h>
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
    CWMS_P11_MODULE_NOTE note = { shown, path != NULL ? path : "", rv, p11_rv_name(rv),
                                  printed->last, printed->lines };

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

/* Keeps the module mapped after its release (see the top of the file). */
static void keep_mapped(const P11_KIT_API *p11k, CK_FUNCTION_LIST *fl)
{
    char *path = p11k->module_get_filename(fl);
    void *h = path != NULL ? dlopen(path, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE) : NULL;

    if (h != NULL)
        dlclose(h); /* drops the reference just taken; RTLD_NODELETE stays */
    free(path);
}

CK_RV p11_module_start(const P11_KIT_API *p11k, CK_FUNCTION_LIST *fl, const CWMS_P11_OPTIONS *opts,
                       char **present, P11_PRINTED *printed)
{
    P11_CAPTURE capture;
    CK_RV rv;

    p11_capture_begin(&capture);
    rv = p11k->module_initialize(fl);
    p11_capture_end(&capture, printed);
    p11_traced("C_Initialize", rv);
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) /* another user in the process started it */
        rv = CKR_OK;
    /* A module-path that fails is the caller's error (present NULL), not a note. */
    if ((rv != CKR_OK && present != NULL) || printed->lines > 0)
        report(p11k, fl, rv, printed, opts, present);
    if (rv != CKR_OK)
        keep_mapped(p11k, fl);
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
