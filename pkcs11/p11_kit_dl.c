/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening p11-kit at run time: see p11_kit_dl.h for why.
 *
 * One CRYPTO_ONCE (a pthread_once_t: nothing allocated, nothing to free
 * when OpenSSL dlcloses cwms.so) runs open_p11_kit, which fills `api` and
 * sets `loaded`, or leaves `loaded` 0 and writes why into `load_error`.
 * After the once all three are only read, by any thread.
 *
 * p11-kit is never closed, and is opened RTLD_NODELETE so that nothing
 * can unmap it: it has its own library constructor and destructor, a fork
 * handler and process-wide state (the module registry, its lock, the
 * libffi closures of the modules it manages). OpenSSL dlcloses cwms.so
 * while the process goes on and may load it again; unloading p11-kit with
 * it would run p11-kit's destructor while another user in the process
 * (GnuTLS, pkcs11-provider, a second cwms.so load) may still be inside it,
 * and re-run its initialisation on the next load. Keeping it costs one
 * mapping for the rest of the process, and only in processes that did use
 * a pkcs11: URI.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "p11_internal.h"

/* Every member of P11_KIT_API and the p11-kit symbol it comes from. */
#define SYMBOL(member)                                                                             \
    {                                                                                              \
        "p11_kit_" #member, offsetof(P11_KIT_API, member)                                          \
    }
static const struct {
    const char *name;
    size_t offset;
} symbols[] = {
    SYMBOL(strerror),
    SYMBOL(message),
    SYMBOL(uri_new),
    SYMBOL(uri_free),
    SYMBOL(uri_parse),
    SYMBOL(uri_format),
    SYMBOL(uri_message),
    SYMBOL(uri_any_unrecognized),
    SYMBOL(uri_get_attribute),
    SYMBOL(uri_set_attribute),
    SYMBOL(uri_get_module_info),
    SYMBOL(uri_get_slot_info),
    SYMBOL(uri_get_token_info),
    SYMBOL(uri_get_slot_id),
    SYMBOL(uri_get_module_path),
    SYMBOL(uri_set_module_path),
    SYMBOL(uri_get_module_name),
    SYMBOL(uri_get_pin_value),
    SYMBOL(uri_set_pin_value),
    SYMBOL(uri_get_pin_source),
    SYMBOL(uri_match_module_info),
    SYMBOL(uri_match_slot_info),
    SYMBOL(uri_match_token_info),
    SYMBOL(module_load),
    SYMBOL(module_initialize),
    SYMBOL(module_finalize),
    SYMBOL(module_release),
    SYMBOL(module_get_name),
    SYMBOL(module_get_filename),
    SYMBOL(module_for_name),
    SYMBOL(modules_load),
    SYMBOL(modules_finalize),
    SYMBOL(modules_release),
};
#undef SYMBOL

/* A member added to the struct but not to the list above would stay NULL: refuse to build. */
typedef void (*any_function)(void);
_Static_assert(sizeof(void *) == sizeof(any_function),
               "dlsym results are copied into function pointers");
_Static_assert(sizeof(symbols) / sizeof(symbols[0]) * sizeof(any_function) == sizeof(P11_KIT_API),
               "every P11_KIT_API member needs its line in symbols[]");

static CRYPTO_ONCE once = CRYPTO_ONCE_STATIC_INIT;
static P11_KIT_API api;
static int loaded;
static char load_error[512];

static void open_p11_kit(void)
{
    P11_KIT_API table;
    void *lib;
    size_t i;

    lib = dlopen(CWMS_P11_KIT_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (lib == NULL) {
        const char *why = dlerror();

        snprintf(load_error, sizeof(load_error),
                 "cannot load p11-kit (%s): %s; install the p11-kit package (Debian: libp11-kit0)",
                 CWMS_P11_KIT_SONAME, why != NULL ? why : "not found");
        return;
    }
    for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
        void *sym;

        dlerror();
        sym = dlsym(lib, symbols[i].name);
        if (sym == NULL) {
            snprintf(load_error, sizeof(load_error),
                     "cannot load p11-kit (%s): it has no %s; a newer p11-kit is needed",
                     CWMS_P11_KIT_SONAME, symbols[i].name);
            return; /* lib stays: RTLD_NODELETE, and one failed open is not worth a dlclose */
        }
        /* ISO C has no object-to-function pointer cast; POSIX guarantees the bytes are the function's. */
        memcpy((char *)&table + symbols[i].offset, &sym, sizeof(sym));
    }
    api = table;
    loaded = 1;
}

const P11_KIT_API *p11_kit_api(void)
{
    if (!CRYPTO_THREAD_run_once(&once, open_p11_kit) || !loaded)
        return NULL;
    return &api;
}

const P11_KIT_API *p11_kit_api_open(CWMS_P11_ERROR *err)
{
    const P11_KIT_API *kit = p11_kit_api();

    if (kit == NULL)
        p11_error(err, CWMS_P11_E_TOKEN, "%s",
                  load_error[0] != '\0' ? load_error
                                        : "cannot load p11-kit: initialisation failed");
    return kit;
}
