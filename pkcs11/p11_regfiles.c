/* SPDX-License-Identifier: Apache-2.0 */
/*
 * p11-kit's module files, read as p11-kit reads them (p11-kit/conf.c,
 * modules.c), so the libraries they name can be judged before p11-kit
 * loads them all at once (p11_modcheck.c says why).
 *
 * The registry is every file in the user's module directory (only when
 * p11-kit reads user configuration: not as root, not setuid, not with
 * P11_KIT_NO_USER_CONFIG, and as the user-config setting allows), then the
 * system's (/etc/pkcs11/modules) and the package directory
 * (/usr/share/p11-kit/modules); a module's name is its file's name without
 * .module, and for a name found in several places each setting comes from
 * the first place that has it. Modules with remote: (p11-kit's RPC) name
 * no library and are left to p11-kit; enable-in/disable-in are honoured
 * for this program's name. Sorted as p11-kit sorts: priority (highest
 * first), then name.
 */
#define _GNU_SOURCE /* program_invocation_short_name */
#include <ctype.h>
#include <dirent.h>
#include <errno.h> /* program_invocation_short_name */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "p11_internal.h"

#ifndef CWMS_P11_SYSCONF_DIR
#define CWMS_P11_SYSCONF_DIR "/etc/pkcs11"
#endif
#ifndef CWMS_P11_PACKAGE_MODULES
#define CWMS_P11_PACKAGE_MODULES "/usr/share/p11-kit/modules"
#endif

/* A module file or pkcs11.conf larger than this is not read (p11-kit's are a few lines). */
#define CONF_MAX 65536
/* Module files read from one directory at most. */
#define FILES_MAX 256

/* The settings a module file may give, in the order of the fields of P11_REGMOD below. */
enum { K_MODULE, K_RESERVED, K_REMOTE, K_ENABLE_IN, K_DISABLE_IN, K_PRIORITY, N_KEYS };
static const char *const keys[N_KEYS] = { "module",    "x-init-reserved", "remote",
                                          "enable-in", "disable-in",      "priority" };

typedef struct entry_st {
    char *name;
    char *v[N_KEYS];
} ENTRY;

typedef struct entries_st {
    ENTRY *e;
    size_t n;
} ENTRIES;

/* Calls found(key, value) for each "key: value" line of a file (trimmed); 0 when unreadable. */
static int read_settings(const char *path, void (*found)(void *, const char *, const char *),
                         void *arg)
{
    FILE *f = fopen(path, "re");
    char line[4096];
    size_t total = 0;

    if (f == NULL)
        return 0;
    while (total < CONF_MAX && fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *colon, *end;

        total += strlen(line);
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#' || (colon = strchr(p, ':')) == NULL)
            continue;
        for (end = colon; end > p && isspace((unsigned char)end[-1]); end--)
            ;
        *end = '\0';
        for (colon++; isspace((unsigned char)*colon); colon++)
            ;
        for (end = colon + strlen(colon); end > colon && isspace((unsigned char)end[-1]); end--)
            ;
        *end = '\0';
        found(arg, p, colon);
    }
    fclose(f);
    return 1;
}

static void set_if_unset(void *arg, const char *key, const char *value)
{
    ENTRY *e = arg;

    for (int k = 0; k < N_KEYS; k++)
        if (strcmp(key, keys[k]) == 0 && e->v[k] == NULL)
            e->v[k] = OPENSSL_strdup(value);
}

static ENTRY *entry_for(ENTRIES *all, const char *file)
{
    size_t len = strlen(file);
    ENTRY *grown;

    if (len > 7 && strcmp(file + len - 7, ".module") == 0)
        len -= 7;
    for (size_t i = 0; i < all->n; i++)
        if (strlen(all->e[i].name) == len && strncmp(all->e[i].name, file, len) == 0)
            return &all->e[i];
    if ((grown = OPENSSL_realloc(all->e, (all->n + 1) * sizeof(*grown))) == NULL)
        return NULL;
    all->e = grown;
    memset(&all->e[all->n], 0, sizeof(all->e[0]));
    if ((all->e[all->n].name = OPENSSL_strndup(file, len)) == NULL)
        return NULL;
    return &all->e[all->n++];
}

static void read_dir(ENTRIES *all, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t files = 0;

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL && files < FILES_MAX) {
        char path[4096];
        struct stat st;
        ENTRY *e;

        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &st) != 0 || S_ISDIR(st.st_mode))
            continue;
        files++;
        if ((e = entry_for(all, de->d_name)) != NULL)
            read_settings(path, set_if_unset, e);
    }
    closedir(d);
}

/*-
 * Which directories: p11-kit's user-config rules
 */

static void user_config_setting(void *arg, const char *key, const char *value)
{
    char *mode = arg;

    if (strcmp(key, "user-config") == 0)
        snprintf(mode, 16, "%s", value);
}

/* "~/.config/pkcs11" as p11-kit expands it ($XDG_CONFIG_HOME, else $HOME/.config); 0 when none. */
static int user_dir(char *out, size_t size, const char *below)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

    if (xdg != NULL && xdg[0] != '\0')
        snprintf(out, size, "%s/pkcs11/%s", xdg, below);
    else if (home != NULL && home[0] != '\0')
        snprintf(out, size, "%s/.config/pkcs11/%s", home, below);
    else
        return 0;
    return 1;
}

/* "none", "merge" or "only" ("override" is "only"): whose module files p11-kit reads. */
static void user_mode(char mode[16])
{
    char path[4096];

    snprintf(mode, 16, "merge");
    read_settings(CWMS_P11_SYSCONF_DIR "/pkcs11.conf", user_config_setting, mode);
    if (strcmp(mode, "none") == 0 || getuid() == 0 || getauxval(AT_SECURE)
        || getenv("P11_KIT_NO_USER_CONFIG") != NULL) {
        snprintf(mode, 16, "none");
        return;
    }
    if (user_dir(path, sizeof(path), "pkcs11.conf"))
        read_settings(path, user_config_setting, mode);
    if (strcmp(mode, "override") == 0)
        snprintf(mode, 16, "only");
}

/*-
 * enable-in / disable-in, as p11-kit judges them
 */

static int in_list(const char *list, const char *word)
{
    size_t len = strlen(word);

    for (const char *p = list; (p = strstr(p, word)) != NULL; p += len) {
        int before = p == list || isspace((unsigned char)p[-1]) || p[-1] == ',';
        int after = p[len] == '\0' || isspace((unsigned char)p[len]) || p[len] == ',';

        if (before && after)
            return 1;
    }
    return 0;
}

static int enabled_here(const ENTRY *e)
{
    const char *prog = program_invocation_short_name;

    if (strncmp(prog, "lt-", 3) == 0)
        prog += 3;
    if (e->v[K_ENABLE_IN] != NULL)
        return in_list(e->v[K_ENABLE_IN], prog);
    if (e->v[K_DISABLE_IN] != NULL)
        return !in_list(e->v[K_DISABLE_IN], prog);
    return 1;
}

/*-
 * The list
 */

static int by_priority(const void *a, const void *b)
{
    const P11_REGMOD *m1 = a, *m2 = b;

    if (m1->priority != m2->priority)
        return m1->priority > m2->priority ? -1 : 1;
    return strcmp(m1->name, m2->name);
}

static void entries_clear(ENTRIES *all)
{
    for (size_t i = 0; i < all->n; i++) {
        OPENSSL_free(all->e[i].name);
        for (int k = 0; k < N_KEYS; k++)
            OPENSSL_free(all->e[i].v[k]);
    }
    OPENSSL_free(all->e);
}

/* Moves the loadable entries into a P11_REGMOD array (entries lose what moved). */
static P11_REGMOD *take_loadable(ENTRIES *all, size_t *n)
{
    P11_REGMOD *out = OPENSSL_zalloc((all->n + 1) * sizeof(*out));

    *n = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < all->n; i++) {
        ENTRY *e = &all->e[i];

        if (e->v[K_MODULE] == NULL || e->v[K_REMOTE] != NULL || !enabled_here(e))
            continue;
        out[*n].name = e->name;
        out[*n].library = e->v[K_MODULE];
        out[*n].reserved = e->v[K_RESERVED];
        out[*n].priority = e->v[K_PRIORITY] != NULL ? atol(e->v[K_PRIORITY]) : 0;
        e->name = e->v[K_MODULE] = e->v[K_RESERVED] = NULL;
        (*n)++;
    }
    qsort(out, *n, sizeof(*out), by_priority);
    return out;
}

P11_REGMOD *p11_regmods_read(size_t *n)
{
    ENTRIES all = { NULL, 0 };
    P11_REGMOD *out;
    char mode[16], dir[4096];

    user_mode(mode);
    if (strcmp(mode, "none") != 0 && user_dir(dir, sizeof(dir), "modules"))
        read_dir(&all, dir);
    if (strcmp(mode, "only") != 0) {
        read_dir(&all, CWMS_P11_SYSCONF_DIR "/modules");
        read_dir(&all, CWMS_P11_PACKAGE_MODULES);
    }
    out = take_loadable(&all, n);
    entries_clear(&all);
    return out;
}

void p11_regmods_free(P11_REGMOD *mods, size_t n)
{
    if (mods == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        OPENSSL_free(mods[i].name);
        OPENSSL_free(mods[i].library);
        OPENSSL_free(mods[i].reserved);
    }
    OPENSSL_free(mods);
}
