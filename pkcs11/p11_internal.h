/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the files of the PKCS#11 helper (not installed, not
 * included by the core).
 */
#ifndef CWMS_P11_INTERNAL_H
#define CWMS_P11_INTERNAL_H

#include <stddef.h>

#include "cwms_debug.h" /* the pkcs11 channel: cwms_debug(CWMS_DEBUG_PKCS11, ...) */
#include "cwms_p11.h"
#include "p11_kit_dl.h" /* p11-kit's types, and its functions through P11_KIT_API */

/* The current spec's CKM_AES_KEY_WRAP_KWP (SoftHSM 2.6 lists 0x210A as CKM_AES_KEY_WRAP_PAD). */
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x210BUL
#endif

/*-
 * Errors and texts (p11_text.c)
 */

/* Sets err (only the first error of a call is kept). */
void p11_error(CWMS_P11_ERROR *err, CWMS_P11_ERRKIND kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends a formatted piece (at most 511 bytes) to an OPENSSL_malloc'd string; *buf may be NULL. */
void p11_append(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "CKR_BUFFER_TOO_SMALL" and friends, or NULL for a code PKCS#11 does not define. */
const char *p11_rv_name(CK_RV rv);

/*-
 * Cryptoki calls (p11_call.c)
 */

/* Counts one PKCS#11 call and traces it; returns rv for chaining. */
CK_RV p11_traced(const char *fn, CK_RV rv);
/* Every Cryptoki call goes through this, so the trace and the counter see it. */
#define P11_CALL(fl, fn, ...) p11_traced(#fn, (fl)->fn(__VA_ARGS__))
/* "CKR_PIN_INCORRECT" and friends via p11-kit, never NULL. */
const char *p11_rv_string(CK_RV rv);

/* A fixed-size blank-padded Cryptoki string as a NUL-terminated copy (trailing blanks cut). */
char *p11_strdup_padded(const unsigned char *s, size_t len);
/*
 * Cryptoki pads its fixed-width strings with blanks; some modules pad with
 * NUL bytes (tpm2-pkcs11's token model). These make trailing NULs blanks,
 * applied to what a module reports and to what a URI asks for alike, so a
 * URI matches whichever padding either side used, and the URIs printed
 * carry no %00 (p11-kit percent-encodes NUL bytes as data). uri 1: the
 * structure is a parsed URI's, where a field starting with NUL is not given.
 */
void p11_blank_pad_module(CK_INFO *m, int uri);
void p11_blank_pad_slot(CK_SLOT_INFO *s, int uri);
void p11_blank_pad_token(CK_TOKEN_INFO *t, int uri);
/* Lower-case hex of bytes; caller frees. */
char *p11_hex(const unsigned char *b, size_t len);

/*-
 * URIs (p11_uri.c)
 */

P11KitUri *p11_uri_kit(const CWMS_P11_URI *uri);
/* 1 when the URI gives a class (type=), with it in *cls. */
int p11_uri_class(const CWMS_P11_URI *uri, CK_OBJECT_CLASS *cls);
/*
 * The URI naming one object on a token (token info + class + label + id),
 * with module-path when module_path is not NULL. Caller frees.
 */
char *p11_uri_for_object(const CK_TOKEN_INFO *token, const char *module_path, CK_OBJECT_CLASS cls,
                         const char *label, const unsigned char *id, size_t id_len);

/*-
 * What a module writes on stderr (p11_stderr.c)
 */

typedef struct p11_printed_st {
    char *last;   /* the end of the last line it wrote; NULL when it wrote nothing */
    size_t lines; /* how many lines it wrote */
} P11_PRINTED;

typedef struct p11_capture_st {
    int saved; /* the real stderr while capturing, else -1 */
    int file;
} P11_CAPTURE;

/*
 * Points stderr at a memory file until p11_capture_end, when the process
 * asked for it (cwms_p11_capture_module_output); else does nothing.
 */
void p11_capture_begin(P11_CAPTURE *c);
/* Puts stderr back; what was written is traced whole and summed up in *printed (zeroed first). */
void p11_capture_end(P11_CAPTURE *c, P11_PRINTED *printed);
void p11_printed_clear(P11_PRINTED *printed);

/*-
 * Bounds on what a module says (p11_bounds.c)
 */

/*
 * Sets err: the module (named) breaks PKCS#11 (kind CWMS_P11_E_MODULE) or
 * answers past a limit of cwms_limits.h (CWMS_P11_E_LIMIT); the format
 * says what it did ("C_FindObjects returned 65 handles ...").
 */
void p11_broken(CWMS_P11_ERROR *err, CWMS_P11_ERRKIND kind, const char *module, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));
/* "CKA_LABEL" and the others the helper reads; "an attribute" for the rest. */
const char *p11_attr_name(CK_ATTRIBUTE_TYPE type);
/* 1 when a length a module announces (what: "the label of ...") is at most max; else err. */
int p11_len_within(const char *module, const char *what, CK_ULONG len, size_t max,
                   CWMS_P11_ERROR *err);
/* 1 when a length a module returns with CKR_OK from call fits the room it was given; else err. */
int p11_len_fits(const char *module, const char *call, const char *what, CK_ULONG room,
                 CK_ULONG said, CWMS_P11_ERROR *err);

/* One list a module gives by PKCS#11's length convention (slots, mechanisms). */
typedef struct p11_list_read_st {
    CK_RV (*get)(void *ctx, CK_ULONG *list, CK_ULONG *n); /* one C_GetSlotList, ... */
    void *ctx;
    const char *module; /* for messages */
    const char *what;   /* "C_GetSlotList" */
    size_t max;         /* the longest list believed */
    char said[200];     /* out: what the module did, when it broke the bounds */
} P11_LIST_READ;

/*
 * Reads the list: count, room for it, list; when the module then says the
 * list is longer (CKR_BUFFER_TOO_SMALL, or CKR_OK with more than the room:
 * a token plugged in between) it is asked again, at most
 * CWMS_P11_LIST_ROUNDS times. A count past r->max is refused before
 * anything is allocated. Returns CKR_OK with *list (OPENSSL_free; NULL when
 * empty) and *n, the module's CK_RV when it fails, or CKR_GENERAL_ERROR
 * with err set (CWMS_P11_E_MODULE, CWMS_P11_E_LIMIT).
 */
CK_RV p11_read_list(P11_LIST_READ *r, CK_ULONG **list, CK_ULONG *n, CWMS_P11_ERROR *err);

/*-
 * Calls that may block (p11_bounded.c)
 */

/* Seconds a call that may block may take: CWMS_PKCS11_TIMEOUT, else the (PIN pad) default. */
int p11_timeout(int pinpad);

typedef CK_RV (*p11_blocking_fn)(void *arg);

/*
 * Runs fn(arg) on a helper thread and waits at most seconds for it.
 * Returns 1 with *rv when it returned in time; 0 when it did not: the call
 * goes on alone, and arg is its own from then on. done(arg) runs exactly
 * once, when the call has returned (here, or on its thread if it ever
 * returns), so arg must hold copies of everything the call touches.
 */
int p11_run_bounded(p11_blocking_fn fn, void *arg, void (*done)(void *arg), int seconds, CK_RV *rv);

/*-
 * Starting modules, and p11-kit's registry (p11_registry.c, p11_regfiles.c, p11_modcheck.c)
 */

/* One module loaded for a call. */
typedef struct p11_started_st {
    CK_FUNCTION_LIST *fl;
    char *name;      /* p11-kit's (or the registry's) name, else the library; for messages */
    char *path;      /* the library */
    int initialized; /* C_Initialize succeeded: C_Finalize is owed */
    int stuck;       /* a call did not return in time: never called again, never released */
} P11_STARTED;

/*
 * Judges the library a module file or module-path names before p11-kit
 * loads it: it loads, has C_GetFunctionList, and that gives a 2.x or 3.x
 * list with no NULL entry. 1, or 0 with why (a phrase: "its
 * C_GetFunctionList says CKR_OK but gives no function list ...").
 */
int p11_module_check(const char *path, char *why, size_t size);

/* A module of p11-kit's registry, as its module files say. */
typedef struct p11_regmod_st {
    char *name;     /* the module file's name without .module */
    char *library;  /* module: (relative ones are under p11-kit's module directory) */
    char *reserved; /* x-init-reserved, or NULL */
    long priority;
} P11_REGMOD;

/*
 * The registered modules that name a library, for this program (p11-kit's
 * configuration read as p11-kit reads it), in p11-kit's order. *n set;
 * NULL only when memory ran out. Free with p11_regmods_free.
 */
P11_REGMOD *p11_regmods_read(size_t *n);
void p11_regmods_free(P11_REGMOD *mods, size_t n);

/*
 * Names a module through opts->module_cb (once per process) and in
 * *present when present is not NULL: one whose C_Initialize failed (rv),
 * wrote on stderr (printed), or is left out for what it did (problem).
 */
void p11_module_note(const char *name, const char *path, CK_RV rv, const char *problem,
                     const P11_PRINTED *printed, const CWMS_P11_OPTIONS *opts, char **present);
/* Fills m for a module p11-kit loaded (name: the registry's, else p11-kit's); 0 when out of memory. */
int p11_module_started(const P11_KIT_API *p11k, CK_FUNCTION_LIST *fl, const char *name,
                       P11_STARTED *m);
/*
 * C_Initialize of m->fl (with pReserved = reserved when not NULL: a
 * registered module loaded by its library), within the time-out, its
 * stderr captured into *printed when asked (the caller clears it). A
 * module that wrote on stderr is noted (p11_module_note); so is one that
 * fails or does not return in time when present is not NULL (a registry
 * module: without present the caller makes the failure its error). m->stuck
 * is set when it did not return in time. Returns the CK_RV
 * (CKR_CRYPTOKI_ALREADY_INITIALIZED counts as CKR_OK; CKR_FUNCTION_FAILED
 * when stuck). The library stays mapped (see p11_registry.c).
 */
CK_RV p11_module_start(const P11_KIT_API *p11k, P11_STARTED *m, const char *reserved,
                       const CWMS_P11_OPTIONS *opts, char **present, P11_PRINTED *printed);
/* C_Finalize when owed (within the time-out) and release; a stuck module is left as it is. */
void p11_module_stop(const P11_KIT_API *p11k, P11_STARTED *m);
/*
 * The modules p11-kit has registered (only the one called name, when not
 * NULL), each judged and started; those that fail either are named and
 * left out. Returns 1 with *mods / *n (possibly none; free with
 * p11_registry_close), or 0 with err set (nothing registered, no module of
 * that name, that module refused); shown is the URI for messages.
 */
int p11_registry_open(const P11_KIT_API *p11k, const char *name, const char *shown,
                      const CWMS_P11_OPTIONS *opts, char **present, P11_STARTED **mods, size_t *n,
                      CWMS_P11_ERROR *err);
/* Stops every module of p11_registry_open and frees the array. */
void p11_registry_close(const P11_KIT_API *p11k, P11_STARTED *mods, size_t n);

/*-
 * Modules and tokens (p11_module.c)
 */

typedef struct p11_token_st {
    CK_FUNCTION_LIST *fl;
    P11_STARTED *started; /* its module (stuck when a call did not return) */
    CK_SLOT_ID slot;
    CK_TOKEN_INFO info;
    char *label;              /* trimmed CKA token label */
    const char *module;       /* module name (registry) or path: started->name */
    const char *module_path;  /* set when loaded by module-path (for the URIs we print) */
    CK_MECHANISM_TYPE *mechs; /* C_GetMechanismList, read on first need (p11_mech.c) */
    CK_ULONG n_mechs;
    int mechs_read;
} P11_TOKEN;

typedef struct p11_modules_st P11_MODULES;

/*
 * Loads and initializes the module the URI asks for (module-path,
 * module-name) or every module p11-kit has registered (those that fail to
 * initialize are reported through opts->module_cb and left out), and
 * enumerates the tokens matching the URI. Returns NULL with err set on
 * failure.
 */
P11_MODULES *p11_modules_open(const CWMS_P11_URI *uri, const CWMS_P11_OPTIONS *opts,
                              CWMS_P11_ERROR *err);
/* Finalizes and releases the modules; the tokens die with them. */
void p11_modules_close(P11_MODULES *mods);
size_t p11_modules_token_count(const P11_MODULES *mods);
P11_TOKEN *p11_modules_token(P11_MODULES *mods, size_t i);
/* The single matching token, or NULL with an error listing the tokens present. */
P11_TOKEN *p11_modules_one_token(P11_MODULES *mods, const CWMS_P11_URI *uri, CWMS_P11_ERROR *err);

/*-
 * Sessions and login (p11_session.c)
 */

typedef struct p11_session_st {
    P11_TOKEN *token;
    CK_SESSION_HANDLE h;
    int open;
    int logged_in;
} P11_SESSION;

int p11_session_open(P11_SESSION *s, P11_TOKEN *token, CWMS_P11_ERROR *err);
/* A read-write session, for creating token objects. */
int p11_session_open_rw(P11_SESSION *s, P11_TOKEN *token, CWMS_P11_ERROR *err);
void p11_session_close(P11_SESSION *s);
/*
 * Logs in as user when the token needs it: PIN from the URI, else the
 * callback, else an error. One C_Login only; a rejected PIN is never
 * retried. Returns 1 on success (or nothing to do), 0 with err set, -1
 * with err set when no PIN could be had at all (nothing was tried).
 */
int p11_session_login(P11_SESSION *s, const CWMS_P11_URI *uri, const CWMS_P11_OPTIONS *opts,
                      CWMS_P11_ERROR *err);
/*
 * One logged-in session on the one token a URI matches, for the calls
 * that act on it (generate, sign): parse, load the modules, pick the
 * token, open a session (read-write with rw), log in. p11_open_token
 * returns 1, or 0 with err set and nothing left open; p11_close_token
 * undoes it all (modules finalized). Errors modules leave on OpenSSL's
 * queue in between are dropped.
 */
typedef struct p11_open_token_st {
    CWMS_P11_URI *uri;
    P11_MODULES *mods;
    P11_SESSION s;
} P11_OPEN_TOKEN;

int p11_open_token(P11_OPEN_TOKEN *ot, const char *uri, const CWMS_P11_OPTIONS *opts, int rw,
                   CWMS_P11_ERROR *err);
void p11_close_token(P11_OPEN_TOKEN *ot);

/* 1 when the token wants a login before private objects show. */
int p11_token_needs_login(const P11_TOKEN *token);

/*-
 * Mechanisms (p11_mech.c)
 */

/* 1 when the token lists the mechanism and its C_GetMechanismInfo flags hold every flag of need. */
int p11_mech_offers(P11_SESSION *s, CK_MECHANISM_TYPE type, CK_FLAGS need);
void p11_token_clear_mechs(P11_TOKEN *t);

/*-
 * Objects (p11_objects.c)
 */

typedef struct p11_object_st {
    CK_OBJECT_HANDLE h;
    CK_OBJECT_CLASS cls;
    char *label;       /* "" when none */
    unsigned char *id; /* NULL when none */
    size_t id_len;
    CK_KEY_TYPE key_type; /* keys only */
    int sensitive;        /* private keys: CKA_SENSITIVE */
    int extractable;      /* private keys: CKA_EXTRACTABLE */
} P11_OBJECT;

typedef struct p11_objects_st {
    P11_OBJECT *v;
    size_t n;
    size_t cap; /* entries allocated (grows by doubling) */
} P11_OBJECTS;

/*
 * Finds the objects matching class (when has_class), label and id (when
 * not NULL) with C_FindObjects and reads their label, id, and for keys
 * key type, sensitive and extractable. Appends to *out. Returns 1, or 0
 * with err set (*out may then hold some of them: p11_objects_clear it in
 * any case).
 */
int p11_objects_find(P11_SESSION *s, int has_class, CK_OBJECT_CLASS cls, const char *label,
                     const unsigned char *id, size_t id_len, P11_OBJECTS *out, CWMS_P11_ERROR *err);
void p11_objects_clear(P11_OBJECTS *objs);
/*
 * The one object of class cls the open token's URI names (by its object=
 * and id=), in *found (p11_objects_clear it). 1, or 0 with err set saying
 * how many matched; what names the class in that message ("private key").
 */
int p11_open_token_find_one(P11_OPEN_TOKEN *ot, CK_OBJECT_CLASS cls, const char *what,
                            P11_OBJECTS *found, CWMS_P11_ERROR *err);
/*
 * Reads one attribute of any length (two calls): the length the module
 * announces is checked against the limits before anything is allocated,
 * the length it returns against the room it was given (p11_bounds.c).
 * *val is OPENSSL_malloc'd, caller frees. Returns the module's CK_RV, or
 * CKR_GENERAL_ERROR with err set when the module answered past the bounds
 * (err may be NULL: then the read only fails).
 */
CK_RV p11_attr_read(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, unsigned char **val,
                    size_t *len, CWMS_P11_ERROR *err);
/* Same into secure memory (OPENSSL_secure_clear_free with *len + 1). */
CK_RV p11_attr_read_secret(P11_SESSION *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
                           unsigned char **val, size_t *len, CWMS_P11_ERROR *err);
/* "the private key 'server' on token 'webex'", for messages. Caller frees. */
char *p11_object_name(const P11_OBJECT *o, const P11_TOKEN *t);

/*-
 * Export (p11_export.c)
 */

/* How this key can leave the token. */
CWMS_P11_EXPORT p11_export_kind(const P11_OBJECT *key);
/* 1 when the token offers a way to wrap a sensitive key out (what p11_export_key would use). */
int p11_token_can_wrap(P11_SESSION *s);
/*
 * Exports a private key: components when not sensitive, wrapped with a
 * mechanism the token lists when sensitive and extractable, refusal
 * otherwise. Returns the key or
 * NULL with err set.
 */
EVP_PKEY *p11_export_key(P11_SESSION *s, const P11_OBJECT *key, const CWMS_P11_OPTIONS *opts,
                         CWMS_P11_ERROR *err);

#endif
