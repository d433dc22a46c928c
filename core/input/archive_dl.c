/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening libarchive at run time: see archive_dl.h for why.
 *
 * As for p11-kit (pkcs11/p11_kit_dl.c): one CRYPTO_ONCE fills the table or
 * records why it could not; RTLD_NODELETE, because OpenSSL may dlclose
 * cwms.so while the process goes on, and libarchive (with the compression
 * libraries it pulls in) is not ours to unload from under other users.
 */
#include "input/archive_dl.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#define SYMBOL(member)                                                                             \
    {                                                                                              \
        "archive_" #member, offsetof(LIBARCHIVE_API, member)                                       \
    }
static const struct {
    const char *name;
    size_t offset;
} symbols[] = {
    SYMBOL(read_new),
    SYMBOL(read_free),
    SYMBOL(read_support_format_zip),
    SYMBOL(read_support_format_tar),
    SYMBOL(read_support_filter_gzip),
    SYMBOL(read_support_filter_bzip2),
    SYMBOL(read_support_filter_xz),
    SYMBOL(read_open_memory),
    SYMBOL(read_next_header),
    SYMBOL(read_data),
    SYMBOL(filter_bytes),
    SYMBOL(error_string),
    SYMBOL(entry_pathname),
    SYMBOL(entry_filetype),
    SYMBOL(entry_size),
    SYMBOL(entry_size_is_set),
};
#undef SYMBOL

typedef void (*any_function)(void);
_Static_assert(sizeof(void *) == sizeof(any_function),
               "dlsym results are copied into function pointers");
_Static_assert(sizeof(symbols) / sizeof(symbols[0]) * sizeof(any_function)
                   == sizeof(LIBARCHIVE_API),
               "every LIBARCHIVE_API member needs its line in symbols[]");

static CRYPTO_ONCE once = CRYPTO_ONCE_STATIC_INIT;
static LIBARCHIVE_API api;
static int loaded;
static char load_error[512];

static void open_libarchive(void)
{
    LIBARCHIVE_API table;
    void *lib = dlopen(CWMS_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);

    if (lib == NULL) {
        const char *why = dlerror();

        snprintf(load_error, sizeof(load_error),
                 "cannot load libarchive (%s): %s; install it (Debian: libarchive13) or unpack "
                 "the archive and give the folder",
                 CWMS_LIBARCHIVE_SONAME, why != NULL ? why : "not found");
        return;
    }
    for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
        void *sym;

        dlerror();
        if ((sym = dlsym(lib, symbols[i].name)) == NULL) {
            snprintf(load_error, sizeof(load_error),
                     "cannot load libarchive (%s): it has no %s; a newer libarchive is needed",
                     CWMS_LIBARCHIVE_SONAME, symbols[i].name);
            return;
        }
        /* ISO C has no object-to-function pointer cast; POSIX guarantees the bytes are the function's. */
        memcpy((char *)&table + symbols[i].offset, &sym, sizeof(sym));
    }
    api = table;
    loaded = 1;
}

const LIBARCHIVE_API *cwms_libarchive_api(const char **why)
{
    if (!CRYPTO_THREAD_run_once(&once, open_libarchive) || !loaded) {
        *why = load_error[0] != '\0' ? load_error : "cannot load libarchive: initialisation failed";
        return NULL;
    }
    return &api;
}
