/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cwms provider: what its store loaders share with the provider
 * entry point (cwms_prov.c) — the provider context, the one way errors
 * are raised, and the private library context the bundle core runs in.
 */
#ifndef CWMS_PROV_H
#define CWMS_PROV_H

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/crypto.h>

#include <stdint.h>

#include "cwms/diag.h"

/* Warnings remembered to print once; past this many, later ones may repeat. */
#define CWMS_PROV_MAX_WARNED 256

typedef struct cwms_prov_ctx_st {
    const OSSL_CORE_HANDLE *handle;
    OPENSSL_CORE_CTX *core_libctx; /* the application's library context (get_libctx upcall) */
    OSSL_FUNC_core_new_error_fn *new_error;
    OSSL_FUNC_core_set_error_debug_fn *set_error_debug;
    OSSL_FUNC_core_vset_error_fn *vset_error;
    OSSL_FUNC_core_set_error_mark_fn *set_error_mark;
    OSSL_FUNC_core_pop_error_to_mark_fn *pop_error_to_mark;

    /* openssl.cnf keys of the provider section, as written; parsed when a store needs them */
    char *cfg_version;      /* cwms-version */
    char *cfg_path;         /* cwms-path */
    char *cfg_trust;        /* cwms-trust */
    char *cfg_verify_depth; /* cwms-verify-depth */

    OSSL_ITEM *reasons; /* reason strings handed to the core, id 0 terminated */

    CRYPTO_RWLOCK *lock;  /* guards the lazy creation of libctx, and warned */
    OSSL_LIB_CTX *libctx; /* private: the default provider only, created on first use */
    OSSL_PROVIDER *libctx_default;

    /* The warnings printed so far (hashes of URI and text): each is printed once per URI. */
    uint64_t warned[CWMS_PROV_MAX_WARNED];
    size_t n_warned;
} CWMS_PROV_CTX;

/*
 * Raises reason on the OpenSSL error queue through the core's error
 * upcalls, so the application prints "<reason string>:...:<text>". The
 * only way this provider reports errors.
 */
void cwms_prov_raise(const CWMS_PROV_CTX *pc, const char *file, int line, const char *func,
                     CWMS_REASON reason, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
#define CWMS_PROV_RAISE(pc, reason, ...)                                                           \
    cwms_prov_raise((pc), OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, (reason), __VA_ARGS__)

/*
 * Raises every error of diag, in order (CWMS_R_INTERNAL when it holds
 * none), recording the caller's file, line and function.
 */
void cwms_prov_raise_diag(const CWMS_PROV_CTX *pc, const char *file, int line, const char *func,
                          const CWMS_DIAG *diag);
#define CWMS_PROV_RAISE_DIAG(pc, diag)                                                             \
    cwms_prov_raise_diag((pc), OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, (diag))

/*
 * The provider's diagnostic channel for what is not an error: OpenSSL's
 * applications print the error queue only when a command fails, so a
 * warning raised there would be lost on success (or shown as an "error"
 * by the few that print it anyway). Warnings of a build (an untrusted
 * root, a certificate about to expire) therefore always go to stderr as
 * "cwms provider: URI: warning: ...", once per URI and process (an
 * application may open one URI several times: `openssl pkcs12 -export
 * -in cwms:X -inkey cwms:X`); notes, and the errors already raised, only
 * when the provider debug channel is on (CWMS_DEBUG=provider, or the
 * older CWMS_PROVIDER_DEBUG). what names the URI.
 */
void cwms_prov_report_diag(CWMS_PROV_CTX *pc, const char *what, const CWMS_DIAG *diag);

/*
 * Drops the errors raised since the OSSL_STORE_open that is calling a
 * loader's open: when this loader refuses its URI, OpenSSL has already
 * tried the URI as a file name and as a legacy scheme and queued those
 * failures ("unregistered scheme", "No such file"), which would come
 * before, and bury, the one error that says what is wrong. Call it right
 * before raising that error, from a loader's open only.
 */
void cwms_prov_drop_tried_schemes(const CWMS_PROV_CTX *pc);

/*
 * The private library context the core runs in: a new OSSL_LIB_CTX with
 * only the default provider, so nothing the core does can recurse into
 * this provider's loaders. Created on first use, freed at teardown; owned
 * by pc. NULL (with an error raised) when it cannot be created.
 */
OSSL_LIB_CTX *cwms_prov_libctx(CWMS_PROV_CTX *pc);

/*
 * Threads the bundle core may start for a build (CWMS_OPTIONS.max_threads):
 * as many as the application allowed on the library context that loaded
 * the provider (OSSL_set_max_threads, OpenSSL 3.2 and later; at most the
 * core's 2), and 0 when built against an OpenSSL without that call — the
 * provider then starts no thread at all.
 */
int cwms_prov_max_threads(const CWMS_PROV_CTX *pc);

/* The store loaders (store_cwms.c, store_pkcs11.c). */
extern const OSSL_DISPATCH cwms_store_cwms_functions[];
extern const OSSL_DISPATCH cwms_store_pkcs11_functions[];

#endif
