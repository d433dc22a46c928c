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
 * Before p11-kit loads the registry, every library it names is judged
 * (p11_regfiles.c finds them, p11_modcheck.c judges them): p11-kit crashes
 * on a module whose C_GetFunctionList gives no list. When one is refused,
 * it is named the same way and the others are loaded one by one by their
 * library instead of through p11_kit_modules_load, which would load it too.
 * C_Initialize and C_Finalize run with a time-out (p11_bounded.c); a module
 * still inside one when the time runs out is left as it is.
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
 * Notes
 */

/* Names the module through opts->module_cb (once per process) and in *present (when given). */
void p11_module_note(const char *name, const char *path, CK_RV rv, const char *problem,
                     const P11_PRINTED *printed, const CWMS_P11_OPTIONS *opts, char **present)
{
    char hex[24];
    CWMS_P11_MODULE_NOTE note = { .name = name,
                                  .path = path,
                                  .rv = rv,
                                  .rv_name = p11_rv_name(rv),
                                  .printed = printed->last,
                                  .printed_lines = printed->lines,
                                  .problem = problem };

    if (note.rv_name == NULL) {
        snprintf(hex, sizeof(hex), "0x%lx", (unsigned long)rv);
        note.rv_name = hex;
    }
    if (present != NULL && problem != NULL)
        p11_append(present, "%smodule %s left out (%s)", *present != NULL ? "; " : "", name,
                   problem);
    else if (present != NULL && rv != CKR_OK)
        p11_append(present, "%smodule %s failed to initialize (%s)", *present != NULL ? "; " : "",
                   name, note.rv_name);
    cwms_debug(CWMS_DEBUG_PKCS11, "module %s (%s): %s, %zu line(s) on stderr%s%s", name, path,
               note.rv_name, printed->lines, problem != NULL ? "; left out: " : "",
               problem != NULL ? problem : "");
    if (opts != NULL && opts->module_cb != NULL && first_note(path))
        opts->module_cb(&note, opts->module_arg);
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

/*-
 * One module
 */

typedef struct init_job_st {
    const P11_KIT_API *p11k;
    CK_FUNCTION_LIST *fl;
    CK_C_INITIALIZE_ARGS args; /* with pReserved: a registered module loaded by its path */
    char *reserved;
} INIT_JOB;

static CK_RV run_initialize(void *arg)
{
    INIT_JOB *j = arg;

    if (j->reserved == NULL)
        return j->p11k->module_initialize(j->fl);
    /* What p11-kit passes a registered module, with its x-init-reserved (p11-kit's args). */
    j->args.flags = CKF_OS_LOCKING_OK;
    j->args.pReserved = j->reserved;
    return j->fl->C_Initialize(&j->args);
}

static void init_job_free(void *arg)
{
    INIT_JOB *j = arg;

    OPENSSL_free(j->reserved);
    OPENSSL_free(j);
}

/* C_Initialize on a helper thread, waited for at most the time-out; 0 when it did not return. */
static int initialize_bounded(const P11_KIT_API *p11k, CK_FUNCTION_LIST *fl, const char *reserved,
                              CK_RV *rv)
{
    INIT_JOB *j = OPENSSL_zalloc(sizeof(*j));

    if (j == NULL || (reserved != NULL && (j->reserved = OPENSSL_strdup(reserved)) == NULL)) {
        OPENSSL_free(j);
        *rv = CKR_HOST_MEMORY;
        return 1;
    }
    j->p11k = p11k;
    j->fl = fl;
    return p11_run_bounded(run_initialize, j, init_job_free, p11_timeout(0), rv);
}

CK_RV p11_module_start(const P11_KIT_API *p11k, P11_STARTED *m, const char *reserved,
                       const CWMS_P11_OPTIONS *opts, char **present, P11_PRINTED *printed)
{
    P11_CAPTURE capture;
    MAPPED *before = OPENSSL_zalloc(sizeof(*before));
    char why[160];
    CK_RV rv;
    int returned;

    if (m->path[0] != '\0')
        keep(m->path);
    if (before != NULL)
        dl_iterate_phdr(add_mapped, before);
    p11_capture_begin(&capture);
    returned = initialize_bounded(p11k, m->fl, reserved, &rv);
    p11_capture_end(&capture, printed);
    /* What the module loaded while starting (opencryptoki: its token library; tpm2: its TCTI). */
    if (before != NULL) {
        dl_iterate_phdr(keep_new, before);
        mapped_clear(before);
        OPENSSL_free(before);
    }
    if (!returned) {
        m->stuck = 1;
        snprintf(why, sizeof(why),
                 "its C_Initialize did not return within %d s (CWMS_PKCS11_TIMEOUT); it is left "
                 "running, blocked",
                 p11_timeout(0));
        p11_traced("C_Initialize", CKR_FUNCTION_FAILED);
        if (present != NULL)
            p11_module_note(m->name, m->path, CKR_FUNCTION_FAILED, why, printed, opts, present);
        return CKR_FUNCTION_FAILED;
    }
    p11_traced("C_Initialize", rv);
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) /* another user in the process started it */
        rv = CKR_OK;
    /* A module-path that fails is the caller's error (present NULL), not a note. */
    if ((rv != CKR_OK && present != NULL) || printed->lines > 0)
        p11_module_note(m->name, m->path, rv, NULL, printed, opts, present);
    return rv;
}

static CK_RV run_finalize(void *arg)
{
    INIT_JOB *j = arg;

    return j->p11k->module_finalize(j->fl);
}

void p11_module_stop(const P11_KIT_API *p11k, P11_STARTED *m)
{
    INIT_JOB *j;
    CK_RV rv = CKR_OK;

    if (m->initialized && !m->stuck && (j = OPENSSL_zalloc(sizeof(*j))) != NULL) {
        j->p11k = p11k;
        j->fl = m->fl;
        if (p11_run_bounded(run_finalize, j, init_job_free, p11_timeout(0), &rv)) {
            p11_traced("C_Finalize", rv);
        } else {
            cwms_debug(CWMS_DEBUG_PKCS11, "module %s: no answer from C_Finalize within %d s",
                       m->name, p11_timeout(0));
            m->stuck = 1;
        }
    }
    /* A module still inside a call is neither released nor unloaded: p11_bounded.c. */
    if (m->fl != NULL && !m->stuck)
        p11k->module_release(m->fl);
    OPENSSL_free(m->name);
    OPENSSL_free(m->path);
    memset(m, 0, sizeof(*m));
}

int p11_module_started(const P11_KIT_API *p11k, CK_FUNCTION_LIST *fl, const char *name_if_known,
                       P11_STARTED *m)
{
    char *kit_name = name_if_known == NULL ? p11k->module_get_name(fl) : NULL;
    char *path = p11k->module_get_filename(fl);
    const char *name = name_if_known != NULL ? name_if_known : kit_name != NULL ? kit_name : path;

    memset(m, 0, sizeof(*m));
    m->fl = fl;
    m->name = OPENSSL_strdup(name != NULL ? name : "(unnamed module)");
    m->path = OPENSSL_strdup(path != NULL ? path : "");
    free(kit_name);
    free(path);
    return m->name != NULL && m->path != NULL;
}

/*-
 * The registry
 */

/* Starts fl as out[*n] (counted when it starts; else named, and released); 0 when memory ran out. */
static int start_one(const P11_KIT_API *p11k, CK_FUNCTION_LIST *fl, const P11_REGMOD *reg,
                     const CWMS_P11_OPTIONS *opts, char **present, P11_STARTED *out, size_t *n)
{
    P11_PRINTED printed = { NULL, 0 };
    P11_STARTED *m = &out[*n];

    if (!p11_module_started(p11k, fl, reg != NULL ? reg->name : NULL, m)) {
        p11_module_stop(p11k, m);
        return 0;
    }
    if (p11_module_start(p11k, m, reg != NULL ? reg->reserved : NULL, opts, present, &printed)
        == CKR_OK) {
        m->initialized = 1;
        (*n)++;
    } else {
        p11_module_stop(p11k, m); /* released, unless it is stuck in C_Initialize */
    }
    p11_printed_clear(&printed);
    return 1;
}

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

/* Every registered module judged fit: p11-kit loads them all, as it likes to. */
static int open_through_kit(const P11_KIT_API *p11k, const char *name, const char *shown,
                            const CWMS_P11_OPTIONS *opts, char **present, P11_STARTED **mods,
                            size_t *n, CWMS_P11_ERROR *err)
{
    CK_FUNCTION_LIST **list = p11k->modules_load(NULL, 0);
    size_t count = 0, i;
    int ok = 1;

    if (list == NULL || list[0] == NULL) {
        p11_error(err, CWMS_P11_E_TOKEN,
                  "no PKCS#11 module is registered with p11-kit (%s); add "
                  "module-path=/path/to/module.so to the URI '%s'",
                  p11k->message() != NULL ? p11k->message() : "none found", shown);
        if (list != NULL)
            p11k->modules_release(list);
        return 0;
    }
    if (name != NULL && !keep_only(p11k, list, name, err)) {
        free(list); /* keep_only released every module in it */
        return 0;
    }
    while (list[count] != NULL)
        count++;
    if ((*mods = OPENSSL_zalloc((count + 1) * sizeof(**mods))) == NULL) {
        p11k->modules_release(list);
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return 0;
    }
    for (i = 0; i < count; i++) {
        if (!ok)
            p11k->module_release(list[i]);
        else if (!start_one(p11k, list[i], NULL, opts, present, *mods, n))
            ok = 0; /* start_one released it */
    }
    free(list); /* p11-kit's array: every module in it is now one of *mods, or released */
    if (!ok)
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
    return ok;
}

/*
 * A registered module p11-kit cannot take: the others are loaded one by
 * one by their library, started with their x-init-reserved as p11-kit
 * would, so one broken module file does not hide every token.
 */
static int open_by_path(const P11_KIT_API *p11k, const P11_REGMOD *reg, size_t n_reg,
                        const unsigned char *refused, const char *name,
                        const CWMS_P11_OPTIONS *opts, char **present, P11_STARTED **mods, size_t *n,
                        CWMS_P11_ERROR *err)
{
    static const P11_PRINTED none = { NULL, 0 };
    size_t i;

    if ((*mods = OPENSSL_zalloc((n_reg + 1) * sizeof(**mods))) == NULL) {
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
        return 0;
    }
    for (i = 0; i < n_reg; i++) {
        CK_FUNCTION_LIST *fl;

        if (refused[i] || (name != NULL && strcmp(name, reg[i].name) != 0))
            continue;
        cwms_debug(CWMS_DEBUG_PKCS11, "loading module %s by its library %s", reg[i].name,
                   reg[i].library);
        if ((fl = p11k->module_load(reg[i].library, 0)) == NULL) {
            p11_module_note(reg[i].name, reg[i].library, CKR_OK,
                            p11k->message() != NULL ? p11k->message() : "p11-kit cannot load it",
                            &none, opts, present);
            continue;
        }
        if (!start_one(p11k, fl, &reg[i], opts, present, *mods, n)) {
            p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
            return 0;
        }
    }
    return 1;
}

/*
 * Judges every registered module's function list, setting refused[i] for
 * those p11-kit cannot take (named when they are searched: name is NULL).
 * Returns how many were refused; -1 with err set when it is the module
 * named by module-name=.
 */
static int judge_registered(const P11_REGMOD *reg, size_t n_reg, const char *name,
                            const CWMS_P11_OPTIONS *opts, char **present, unsigned char *refused,
                            CWMS_P11_ERROR *err)
{
    static const P11_PRINTED none = { NULL, 0 };
    int count = 0;

    for (size_t i = 0; i < n_reg; i++) {
        char why[512];

        if (p11_module_check(reg[i].library, why, sizeof(why)))
            continue;
        refused[i] = 1;
        count++;
        if (name != NULL && strcmp(name, reg[i].name) == 0) {
            p11_broken(err, CWMS_P11_E_MODULE, reg[i].name, "%s (%s)", why, reg[i].library);
            return -1;
        }
        if (name == NULL)
            p11_module_note(reg[i].name, reg[i].library, CKR_OK, why, &none, opts, present);
    }
    return count;
}

int p11_registry_open(const P11_KIT_API *p11k, const char *name, const char *shown,
                      const CWMS_P11_OPTIONS *opts, char **present, P11_STARTED **mods, size_t *n,
                      CWMS_P11_ERROR *err)
{
    size_t n_reg = 0;
    P11_REGMOD *reg = p11_regmods_read(&n_reg);
    unsigned char *refused = OPENSSL_zalloc(n_reg + 1);
    int ok = 0, refusals;

    *mods = NULL;
    *n = 0;
    cwms_debug(CWMS_DEBUG_PKCS11, "loading the modules registered with p11-kit");
    if (reg == NULL || refused == NULL)
        p11_error(err, CWMS_P11_E_INTERNAL, "out of memory");
    else if ((refusals = judge_registered(reg, n_reg, name, opts, present, refused, err)) == 0)
        ok = open_through_kit(p11k, name, shown, opts, present, mods, n, err);
    else if (refusals > 0)
        ok = open_by_path(p11k, reg, n_reg, refused, name, opts, present, mods, n, err);
    OPENSSL_free(refused);
    p11_regmods_free(reg, n_reg);
    if (!ok) {
        p11_registry_close(p11k, *mods, *n);
        *mods = NULL;
        *n = 0;
    }
    return ok;
}

void p11_registry_close(const P11_KIT_API *p11k, P11_STARTED *mods, size_t n)
{
    if (mods == NULL)
        return;
    cwms_debug(CWMS_DEBUG_PKCS11, "finalizing the p11-kit modules");
    for (size_t i = 0; i < n; i++)
        p11_module_stop(p11k, &mods[i]);
    OPENSSL_free(mods);
}
