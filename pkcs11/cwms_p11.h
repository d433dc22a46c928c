/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PKCS#11 helper of cwms-bundle: RFC 7512 pkcs11: URIs, modules found
 * through p11-kit, login, objects, and private key export.
 *
 * It knows nothing of the bundle core or of providers. It never prints
 * (except the opt-in trace, CWMS_DEBUG=pkcs11, to stderr, which never shows
 * a PIN) and never exits: failures come back as a CWMS_P11_ERROR whose kind
 * the caller maps to its own reason codes.
 *
 * Lifetime of modules: everything a call loads is finalized before the call
 * returns (SoftHSM crashes when finalized from its own destructors at
 * process exit), so no handle outlives a call; the libraries stay mapped
 * (p11_registry.c: some modules do not survive being loaded twice).
 */
#ifndef CWMS_P11_H
#define CWMS_P11_H

#include <stddef.h>

#include <openssl/evp.h>

/* What went wrong, for the caller's reason code. */
typedef enum {
    CWMS_P11_OK = 0,
    CWMS_P11_E_USAGE = 1,           /* malformed URI, unknown attribute */
    CWMS_P11_E_TOKEN = 2,           /* module, token or object trouble */
    CWMS_P11_E_PIN = 3,             /* wrong, locked, final-try or missing PIN */
    CWMS_P11_E_NOT_EXTRACTABLE = 4, /* the key may not leave the token */
    CWMS_P11_E_INTERNAL = 5,        /* out of memory, OpenSSL failure */
    CWMS_P11_E_PIN_SOURCE = 6,      /* pin-source unreadable or too long (a PIN problem) */
    CWMS_P11_E_KEEPS_KEYS = 7,      /* the token makes no key that can leave it (a TPM) */
    CWMS_P11_E_MODULE = 8,  /* the module breaks PKCS#11: a malformed function list, a count or
                               length past the room it was given */
    CWMS_P11_E_LIMIT = 9,   /* the module answers past a limit of cwms_limits.h */
    CWMS_P11_E_TIMEOUT = 10 /* a call that may block did not return in time (CWMS_PKCS11_TIMEOUT) */
} CWMS_P11_ERRKIND;

/* How a private key can leave its token. */
typedef enum {
    CWMS_P11_EXPORT_NONE = 0,       /* CKA_EXTRACTABLE false: stays on the token */
    CWMS_P11_EXPORT_COMPONENTS = 1, /* not sensitive: read in the clear */
    CWMS_P11_EXPORT_WRAPPED = 2, /* sensitive but extractable: wrapped under a one-time AES key */
    CWMS_P11_EXPORT_NO_WRAP = 3  /* sensitive, extractable, but the token lists no way to wrap */
} CWMS_P11_EXPORT;

/* The first error of a call: its kind and a message naming the token/object and what to do. */
typedef struct cwms_p11_error_st {
    CWMS_P11_ERRKIND kind;
    char text[1024];
} CWMS_P11_ERROR;

/*
 * Same shape as the core's cwms_pass_cb (kept separate so this library
 * stays independent): writes a PIN of at most size bytes to buf and its
 * length to *len; what names the token ("token 'webex'"). Returns 1 on
 * success; anything else (0, or -1 when the caller reported why itself)
 * means no PIN can be had.
 */
typedef int (*cwms_p11_pin_cb)(char *buf, size_t size, size_t *len, const char *what, void *arg);

/* Flags of CWMS_P11_OPTIONS. */
#define CWMS_P11_WANT_KEYS 0x01u    /* bring private keys */
#define CWMS_P11_WANT_CERTS 0x02u   /* bring certificates */
#define CWMS_P11_FINAL_TRY_OK 0x04u /* log in even when the token says one PIN try is left */
#define CWMS_P11_NO_LOGIN 0x08u     /* cwms_p11_list_tokens: public objects only, no PIN asked */

/*
 * A module of p11-kit's registry (or the URI's module-path) that failed
 * C_Initialize, or that wrote on standard error while it initialized; or
 * a registered module left out for what it did (problem: a function list
 * p11-kit could not take, a C_Initialize that did not return in time, a
 * slot list past the bounds). A registered module that fails is left out
 * and the others are searched. Strings are owned by the helper and valid
 * during the callback only.
 */
typedef struct cwms_p11_module_note_st {
    const char *name;     /* p11-kit's name ("tpm2_pkcs11"), else the library */
    const char *path;     /* the library file */
    unsigned long rv;     /* C_Initialize's CK_RV; 0 (CKR_OK) when it only wrote on stderr */
    const char *rv_name;  /* "CKR_GENERAL_ERROR"; "0x..." for a code PKCS#11 does not define */
    const char *printed;  /* the end of the last line it wrote, when captured; else NULL */
    size_t printed_lines; /* how many lines it wrote (0 when not captured) */
    const char *problem;  /* why it is left out when not for C_Initialize's rv; else NULL */
} CWMS_P11_MODULE_NOTE;

/* Called once per module and process (a second load of the same module says nothing). */
typedef void (*cwms_p11_module_cb)(const CWMS_P11_MODULE_NOTE *note, void *arg);

typedef struct cwms_p11_options_st {
    cwms_p11_pin_cb pin_cb; /* may be NULL: the URI's PIN or nothing */
    void *pin_arg;
    OSSL_LIB_CTX *libctx; /* for the exported key; NULL = default */
    const char *propq;
    unsigned int flags;     /* CWMS_P11_*; 0 means WANT_KEYS | WANT_CERTS */
    const char *pin_option; /* the caller's PIN option, named in messages ("--pin"); NULL = none */
    cwms_p11_module_cb module_cb; /* may be NULL: misbehaving modules are only traced */
    void *module_arg;
} CWMS_P11_OPTIONS;

/*
 * The words for a module note, for a person: what failed, what it printed,
 * and what to do. OPENSSL_free; NULL on allocation failure.
 */
char *cwms_p11_module_note_text(const CWMS_P11_MODULE_NOTE *note);

/*
 * on = 1: while a module initializes, standard error (fd 2) points at a
 * memory file, and what the module writes there goes into its note (and
 * the CWMS_DEBUG=pkcs11 trace) instead of the terminal. Only for a process
 * that owns its stderr and runs no other thread meanwhile (the CLI); a
 * library inside someone else's process (the provider) leaves it off.
 */
void cwms_p11_capture_module_output(int on);

/*-
 * URIs (p11_uri.c)
 */

typedef struct cwms_p11_uri_st CWMS_P11_URI;

/*
 * Parses an RFC 7512 URI: path attributes token, manufacturer, serial,
 * model, slot-id, slot-description, slot-manufacturer, library-*,
 * object, id, type; query attributes module-path, module-name, pin-value,
 * pin-source (a file path or file: URI, read now, capped and never waited on
 * for ever; one trailing newline is stripped). A PIN longer than
 * CWMS_PASS_MAX bytes, from either, is refused here, before any C_Login.
 * Any other attribute is an error naming it. Returns the URI (free with
 * cwms_p11_uri_free, which cleanses the PIN) or NULL with err set.
 * The first URI of the process opens p11-kit (libp11-kit.so.0, not linked);
 * when it cannot be loaded every call fails with CWMS_P11_E_TOKEN and
 * "cannot load p11-kit (libp11-kit.so.0): <why>; install the p11-kit package".
 */
CWMS_P11_URI *cwms_p11_uri_parse(const char *text, CWMS_P11_ERROR *err);
/*
 * The grammar only: as cwms_p11_uri_parse (p11-kit is opened the same
 * way), but a pin-source is never opened or read, so no file is touched
 * whatever the text says; such a URI holds a PIN only from pin-value.
 * For judging untrusted URI text (the fuzz target); loading a token needs
 * cwms_p11_uri_parse.
 */
CWMS_P11_URI *cwms_p11_uri_parse_syntax(const char *text, CWMS_P11_ERROR *err);
void cwms_p11_uri_free(CWMS_P11_URI *uri);

/*
 * The URI as given with any pin-value masked ("pin-value=***"), and the
 * value of an unknown attribute too (a misspelt pin-value); owned by uri.
 */
const char *cwms_p11_uri_display(const CWMS_P11_URI *uri);
/*
 * The same masking of any text, parsed or not (OPENSSL_free; NULL when out
 * of memory): a pkcs11: URI as cwms_p11_uri_display shows it, anything
 * else copied. For messages that name a source the user gave.
 */
char *cwms_p11_uri_mask(const char *text);
/* Getters; strings are owned by uri, NULL when the attribute is absent. */
const char *cwms_p11_uri_token(const CWMS_P11_URI *uri);
const char *cwms_p11_uri_object(const CWMS_P11_URI *uri);
/* The id bytes; NULL when absent. */
const unsigned char *cwms_p11_uri_id(const CWMS_P11_URI *uri, size_t *len);
/* "private", "cert", "public", "secret-key", "data" or NULL. */
const char *cwms_p11_uri_type(const CWMS_P11_URI *uri);
const char *cwms_p11_uri_module_path(const CWMS_P11_URI *uri);
const char *cwms_p11_uri_module_name(const CWMS_P11_URI *uri);
/* 1 and the slot id when slot-id is given, else 0. */
int cwms_p11_uri_slot_id(const CWMS_P11_URI *uri, unsigned long *slot_id);
/* The file pin-source names ("file:" stripped; owned by uri), or NULL: also after a syntax parse. */
const char *cwms_p11_uri_pin_source(const CWMS_P11_URI *uri);
/* The PIN from pin-value or pin-source (owned by uri), or NULL. */
const char *cwms_p11_uri_pin(const CWMS_P11_URI *uri, size_t *len);

/*-
 * Loading what a URI names (p11_load.c)
 */

typedef struct cwms_p11_cert_st {
    unsigned char *der; /* CKA_VALUE */
    size_t der_len;
    char *uri; /* the object's own pkcs11: URI (no PIN) */
} CWMS_P11_CERT;

typedef struct cwms_p11_loaded_st {
    CWMS_P11_CERT *certs;
    size_t n_certs;
    EVP_PKEY *key; /* NULL when none was asked for or named */
    char *key_uri; /* the key object's pkcs11: URI (no PIN) */
    char *token_label;
} CWMS_P11_LOADED;

/*
 * Opens the one token the URI matches and brings what it names:
 * - a URI naming a private key (type=private, or object/id matching one):
 *   that key, exported, plus the certificates with the same CKA_ID;
 * - a URI naming certificates: those certificates;
 * - a URI naming only a token: every certificate and its private key (an
 *   error when the token holds several keys: the message lists their URIs).
 * Returns 1 and fills *out (free with cwms_p11_loaded_clear), or 0 with err
 * set and *out empty. The modules are finalized before returning.
 */
int cwms_p11_load(const char *uri, const CWMS_P11_OPTIONS *opts, CWMS_P11_LOADED *out,
                  CWMS_P11_ERROR *err);
/* Frees everything in *loaded (the key too) and zeroes it. */
void cwms_p11_loaded_clear(CWMS_P11_LOADED *loaded);

/*-
 * Generating a key pair and signing on the token (p11_keygen.c, p11_sign.c)
 */

/* What to generate: RSA with bits, or EC on a NIST curve ("P-256", "P-384"). */
typedef struct cwms_p11_keyspec_st {
    int ec;
    unsigned long rsa_bits;
    const char *curve;
} CWMS_P11_KEYSPEC;

/* What cwms_p11_generate_key made; free with cwms_p11_new_key_clear. */
typedef struct cwms_p11_new_key_st {
    EVP_PKEY *pub;          /* the public half, in opts->libctx */
    char *uri;              /* the new private key's URI (no PIN) */
    CWMS_P11_EXPORT export; /* how it will leave the token: wrapped, or in the clear */
    char note[512];         /* "" or what the token refused and what was made instead */
} CWMS_P11_NEW_KEY;

/*
 * Generates a key pair on the one token the URI matches (C_GenerateKeyPair,
 * after a login): a private token object allowed to sign, labelled with
 * the URI's object= (required) and with a CKA_ID (the URI's id=, or 16
 * random bytes) shared with its public key, and one that can later leave
 * the token into a bundle: sensitive and extractable when the token can
 * wrap it out, else extractable but not sensitive (made->note says so).
 * Refuses when an object with that label or id is already there. Returns
 * 1 with *made filled, or 0 with err set (CWMS_P11_E_KEEPS_KEYS when the
 * token makes no key that can leave it) and nothing left on the token.
 */
int cwms_p11_generate_key(const char *uri, const CWMS_P11_OPTIONS *opts,
                          const CWMS_P11_KEYSPEC *spec, CWMS_P11_NEW_KEY *made,
                          CWMS_P11_ERROR *err);
void cwms_p11_new_key_clear(CWMS_P11_NEW_KEY *made);

/*
 * The public half of the one key pair the URI names, read from its public
 * key object (same label / id; the URI's type= is ignored): RSA, or EC on
 * P-256/P-384. Returns 1 with *pub (in opts->libctx; free it), or 0 with
 * err set.
 */
int cwms_p11_public_key(const char *uri, const CWMS_P11_OPTIONS *opts, EVP_PKEY **pub,
                        CWMS_P11_ERROR *err);

typedef enum {
    CWMS_P11_SIGN_RSA_PKCS1_SHA256, /* CKM_SHA256_RSA_PKCS over the data */
    CWMS_P11_SIGN_ECDSA             /* CKM_ECDSA over data = a digest; r || s comes back */
} CWMS_P11_SIGN_MECH;

/*
 * Signs data with the one private key the URI names (C_SignInit, C_Sign;
 * the key stays on the token). Returns 1 with *sig / *sig_len (free with
 * OPENSSL_free), or 0 with err set.
 */
int cwms_p11_sign(const char *uri, const CWMS_P11_OPTIONS *opts, CWMS_P11_SIGN_MECH mech,
                  const unsigned char *data, size_t len, unsigned char **sig, size_t *sig_len,
                  CWMS_P11_ERROR *err);

/*-
 * Listing tokens (p11_list.c), for `cwms-bundle tokens`
 */

typedef enum {
    CWMS_P11_OBJ_CERT,
    CWMS_P11_OBJ_PRIVATE_KEY,
    CWMS_P11_OBJ_PUBLIC_KEY,
    CWMS_P11_OBJ_OTHER
} CWMS_P11_OBJKIND;

typedef struct cwms_p11_objinfo_st {
    CWMS_P11_OBJKIND kind;
    char *label;            /* may be "" */
    char *id_hex;           /* "01a2"; "" when no CKA_ID */
    char *uri;              /* the exact URI that names this object */
    char *detail;           /* "RSA 2048", "EC P-256", a certificate's subject; may be "" */
    CWMS_P11_EXPORT export; /* private keys only */
} CWMS_P11_OBJINFO;

typedef struct cwms_p11_tokeninfo_st {
    char *label;
    char *manufacturer;
    char *model;
    char *serial;
    char *module; /* module name or path */
    unsigned long slot_id;
    char *uri;     /* the URI naming the token */
    int logged_in; /* 1 when private objects are listed too */
    CWMS_P11_OBJINFO *objects;
    size_t n_objects;
} CWMS_P11_TOKENINFO;

/*
 * Lists the tokens the URI matches (uri NULL or "pkcs11:" = every token
 * of every registered module) with their objects. Logs in when a PIN is
 * available (URI, else the callback, unless CWMS_P11_NO_LOGIN) so private
 * keys show; a token needing a PIN that cannot be had lists its public
 * objects only. Returns 1 and *tokens / *n (free with
 * cwms_p11_tokens_free), or 0 with err set.
 */
int cwms_p11_list_tokens(const char *uri, const CWMS_P11_OPTIONS *opts, CWMS_P11_TOKENINFO **tokens,
                         size_t *n, CWMS_P11_ERROR *err);
void cwms_p11_tokens_free(CWMS_P11_TOKENINFO *tokens, size_t n);

/* "exportable (components)", "exportable (wrapped)", "not exportable". */
const char *cwms_p11_export_string(CWMS_P11_EXPORT e);

/*-
 * Call counter (p11_call.c)
 */

/* Number of PKCS#11 calls this process made through the helper (for benchmarks and tests). */
unsigned long cwms_p11_call_count(void);

#endif
