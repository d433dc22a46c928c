/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diagnostics of the bundle core.
 *
 * The core never prints and never exits: every note, warning and error it
 * has for the user goes into a CWMS_DIAG. The CLI prints the messages as
 * "cwms-bundle: error: ..." and maps the first error's reason to an exit
 * code; the provider raises the reason with ERR_raise_data so `openssl`
 * prints the reason string followed by the text.
 */
#ifndef CWMS_DIAG_H
#define CWMS_DIAG_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Reason codes. The numeric values are part of the provider's error
 * reason table (keep them stable; add new ones at the end of a group).
 */
typedef enum {
    CWMS_R_NONE = 0,

    /* usage */
    CWMS_R_USAGE = 1, /* bad option or URI parameter */

    /* inputs */
    CWMS_R_INPUT_UNREADABLE = 100,   /* cannot open/read a file or directory */
    CWMS_R_INPUT_UNRECOGNISED = 101, /* nothing recognisable in a file */
    CWMS_R_BAD_PASSPHRASE = 102,     /* wrong passphrase for a PKCS#12 or key */
    CWMS_R_NO_PASSPHRASE = 103,      /* a passphrase is needed, none available */
    CWMS_R_NO_CERTIFICATES = 104,    /* the inputs hold no certificate at all */
    CWMS_R_KDF_ITERATIONS = 110, /* a PKCS#12 MAC or key encryption asks for too many iterations */
    CWMS_R_ARCHIVE = 120,        /* a .zip/.tar archive that cannot be read */

    /* chain */
    CWMS_R_NO_LEAF = 200,        /* no end-entity certificate */
    CWMS_R_AMBIGUOUS_LEAF = 201, /* several candidates, no key / --leaf */
    CWMS_R_MISSING_INTERMEDIATE = 202,
    CWMS_R_CERT_EXPIRED = 203, /* expired or not yet valid at --attime */
    CWMS_R_NOT_A_CA = 204,     /* basicConstraints / keyCertSign */
    CWMS_R_PATH_LENGTH = 205,
    CWMS_R_BAD_SIGNATURE = 206,
    CWMS_R_HOST_MISMATCH = 207,
    CWMS_R_UNTRUSTED_ANCHOR = 208, /* warning: root not in the trust store */
    CWMS_R_EXPIRES_SOON = 209,     /* warning: within 30 days */
    CWMS_R_WORK_BUDGET = 210,      /* gave up after N signature checks */
    CWMS_R_TRUST_STORE = 211,      /* --trust file unusable */
    CWMS_R_VERIFY_FAILED = 220,    /* OpenSSL's verifier rejects the chain (other reasons) */
    CWMS_R_WRONG_PURPOSE = 221,    /* EKU/keyUsage do not allow TLS server authentication */
    CWMS_R_WEAK_SIGNATURE = 222,   /* SHA-1 or MD5 signature a client must check */
    CWMS_R_NAME_CONSTRAINTS = 223, /* a CA's nameConstraints exclude the server's names */
    CWMS_R_BAD_EXTENSION = 224,    /* unknown critical, repeated, or misplaced extension */
    CWMS_R_ANCHOR_REJECTED = 225,  /* the trust store does not trust the anchor for TLS servers */
    CWMS_R_POLICY = 226,           /* certificate policy processing fails */
    CWMS_R_LEAF_IS_CA = 227,       /* the server certificate is a CA certificate */
    CWMS_R_NO_SAN = 228,           /* the server certificate names no DNS/IP subjectAltName */
    CWMS_R_NO_EKU = 229,           /* warning: the server certificate has no extendedKeyUsage */
    CWMS_R_LONG_VALIDITY = 230,    /* warning: server certificate valid longer than clients allow */
    CWMS_R_WEAK_CA_KEY = 231,      /* a CA key clients refuse (RSA < 2048, curve) */
    CWMS_R_LEAF_KEY_USAGE = 232,   /* the server certificate's keyUsage does not allow TLS */
    CWMS_R_WEAK_SIGNATURE_ABOVE = 233, /* warning: weak signature above the trusted certificate */
    CWMS_R_VERIFY_DEPTH = 234,         /* more intermediates than --verify-depth allows */
    CWMS_R_ANCHOR_NO_AKI = 235,  /* warning: a cross-signed trust anchor without authorityKeyId */
    CWMS_R_PARTIAL_ANCHOR = 236, /* warning: the trust anchor is not a self-signed root */
    CWMS_R_FETCH = 290,          /* --fetch: the issuer could not be downloaded or used */
    /* CWMS's own host-name rules for the WebEx site URL (--site), per release */
    CWMS_R_SITE_CN_MISMATCH = 240,       /* 2.5MR5 and later: the CN is not the site's host */
    CWMS_R_SITE_WILDCARD_SAN_ONLY = 241, /* 2.5MR5 and later: the wildcard is in the SAN only */
    CWMS_R_SAN_MISSING_NAME = 242,       /* before 2.5MR5: a name CWMS needs is not in the SAN */
    /* warning (check): the issuer of the chain's top is neither in a trust store nor the file */
    CWMS_R_ANCHOR_UNKNOWN = 243,

    /* check: an existing bundle differs from what build would write */
    CWMS_R_ORDER_WRONG = 260,      /* certificates not in the order of the CWMS version */
    CWMS_R_KEY_NOT_FIRST = 261,    /* the private key is not the first block */
    CWMS_R_ROOT_INCLUDED = 262,    /* warning: the self-signed root is in the file */
    CWMS_R_UNRELATED_CERT = 263,   /* a certificate on no path of the chain */
    CWMS_R_DUPLICATE_CERT = 264,   /* the same certificate twice */
    CWMS_R_STRAY_TEXT = 265,       /* text outside the PEM blocks */
    CWMS_R_UNEXPECTED_BLOCK = 266, /* a PEM block that is neither key nor certificate */
    CWMS_R_NOT_PEM = 267,          /* the file is not PEM (DER, PKCS#7, PKCS#12) */
    CWMS_R_KEY_NOT_CHECKED = 268,  /* note: encrypted key, no passphrase: match not checked */

    /* check --connect: the chain a running server sends */
    CWMS_R_CONNECT = 280,         /* the name does not resolve, or no connection */
    CWMS_R_CONNECT_TIMEOUT = 281, /* no connection or handshake within the time-out */
    CWMS_R_TLS_HANDSHAKE = 282,   /* the peer does not speak TLS, or ends the handshake */
    CWMS_R_NOT_IN_BUNDLE = 283,   /* --against: the server sends a certificate not in BUNDLE */
    CWMS_R_NOT_SENT = 284,        /* --against: a certificate of BUNDLE the server does not send */
    CWMS_R_SENDS_BUNDLE = 285,    /* note: the server sends the certificates of BUNDLE */
    CWMS_R_EXPIRES_WITHIN = 286,  /* warning: a certificate expires within --warn-days */

    /* key */
    CWMS_R_NO_KEY = 300,       /* no private key among the inputs */
    CWMS_R_KEY_MISMATCH = 301, /* key matches no certificate */
    CWMS_R_WEAK_KEY = 302,     /* RSA < 2048 bits */
    CWMS_R_SEVERAL_KEYS = 303, /* several keys, none or many matching */
    CWMS_R_KEY_NOT_EXTRACTABLE = 304,
    CWMS_R_UNSUPPORTED_KEY = 320, /* server key: explicit EC parameters or a curve clients lack */
    CWMS_R_RISKY_KEY = 321,       /* warning: P-521, Ed25519/Ed448 or RSA-PSS server key */
    CWMS_R_KEY_UNENCRYPTED = 350, /* warning: an encrypted input key is written unencrypted */
    CWMS_R_KEYGEN = 351,          /* request: the new key cannot be made or written */
    CWMS_R_CSR = 352,             /* request: the CSR cannot be made or breaks CWMS's rules */

    /* tokens */
    CWMS_R_PKCS11 = 400,     /* module/token/object trouble */
    CWMS_R_PIN = 401,        /* wrong, locked or missing PIN */
    CWMS_R_P11_MODULE = 402, /* note: a registered module failed to start (left out) or printed */
    CWMS_R_TOKEN_KEEPS_KEYS = 403,   /* request: the token makes no key that can leave it (TPM) */
    CWMS_R_TOKEN_KEY_READABLE = 404, /* note: the new token key is extractable, not sensitive */
    CWMS_R_TOKEN_KEYGEN = 410,       /* request: the token cannot generate the key or sign */
    CWMS_R_P11_BROKEN = 420, /* a module breaks PKCS#11: malformed function list, count past room */
    CWMS_R_P11_TIMEOUT = 421, /* a PKCS#11 call that may block did not return in time */
    CWMS_R_P11_LIMIT = 422,   /* a module answers past a limit (cwms_limits.h) */

    /* output */
    CWMS_R_OUTPUT = 500,          /* cannot write the output */
    CWMS_R_OUTPUT_IS_INPUT = 501, /* the output is a file the run reads: refused before anything */
    CWMS_R_OUTPUT_EXISTS = 502,   /* a new file (--new-key) would replace an existing one */

    CWMS_R_INTERNAL = 900 /* out of memory, OpenSSL failure */
} CWMS_REASON;

typedef enum { CWMS_NOTE = 0, CWMS_WARNING = 1, CWMS_ERROR = 2 } CWMS_LEVEL;

/*
 * What a message is about, for program logic: code reads these fields,
 * never the text (whose wording may change). Each is NULL when unknown.
 */
typedef struct {
    const char *subject; /* the certificate it is about: its subject as one line, raw */
    const char *url;     /* where the certificate it finds missing is published (caIssuers) */
    const char *finding; /* check --fix: the code of the finding it cannot correct */
} CWMS_MSG_FACTS;

typedef struct cwms_msg_st {
    CWMS_LEVEL level;
    CWMS_REASON reason;
    char *text; /* under the escaping rule of cwms_escape.h: valid UTF-8, no controls */
    /* The facts of CWMS_MSG_FACTS, owned by the message (not for display: not escaped). */
    char *subject, *url, *finding;
} CWMS_MSG;

typedef struct cwms_diag_st CWMS_DIAG;

/* Returns a new, empty sink, or NULL on allocation failure. Free with cwms_diag_free. */
CWMS_DIAG *cwms_diag_new(void);
void cwms_diag_free(CWMS_DIAG *diag);

/*
 * Adds a message. A NULL diag is allowed (the message is dropped). When
 * the OpenSSL error queue holds something and the level is CWMS_ERROR,
 * call cwms_diag_add_openssl instead so the library's reason is kept.
 */
void cwms_diag_add(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cwms_diag_vadd(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *fmt,
                    va_list ap) __attribute__((format(printf, 4, 0)));

/* Like cwms_diag_add, the message carrying facts (copied; NULL for none). */
void cwms_diag_add_facts(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason,
                         const CWMS_MSG_FACTS *facts, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Like cwms_diag_add, about the certificate whose subject (one line) is given. */
void cwms_diag_add_about(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *subject,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Appends a copy of one message, its facts with it. */
void cwms_diag_add_msg(CWMS_DIAG *diag, const CWMS_MSG *m);

/* Like cwms_diag_add, appending ": <first OpenSSL error>" and clearing the queue. */
void cwms_diag_add_openssl(CWMS_DIAG *diag, CWMS_LEVEL level, CWMS_REASON reason, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));

size_t cwms_diag_count(const CWMS_DIAG *diag);
/* The i-th message, owned by the sink. */
const CWMS_MSG *cwms_diag_get(const CWMS_DIAG *diag, size_t i);
/* The first message of level CWMS_ERROR, or NULL. */
const CWMS_MSG *cwms_diag_first_error(const CWMS_DIAG *diag);
size_t cwms_diag_count_level(const CWMS_DIAG *diag, CWMS_LEVEL level);
/* Turns every warning into an error (--strict). */
void cwms_diag_promote_warnings(CWMS_DIAG *diag);
/* Appends copies of every message of src to dst, in order (src is unchanged). */
void cwms_diag_append(CWMS_DIAG *dst, const CWMS_DIAG *src);

/*
 * The reason table (core/util/reasons.c): one row per CWMS_R_* reason,
 * every fact about a reason that is not a message. A new reason gets its
 * row there; `meson test docs-reasons_agree` fails on a reason without one.
 */
typedef enum {
    CWMS_FIX_NO = 0, /* check --fix cannot mend it: a new certificate, key or CA is needed */
    CWMS_FIX_YES,    /* the file's layout: check --fix rewrites it */
    /* when the check holds what is needed (the key it chose, a certificate --fetch downloaded) */
    CWMS_FIX_IF_HELD
} CWMS_FIX;

typedef struct {
    CWMS_REASON reason;
    const char *name;    /* "CWMS_R_MISSING_INTERMEDIATE" */
    const char *text;    /* the short reason string, the provider's: "missing intermediate" */
    int exit_code;       /* the CLI's exit code for it (docs/cwms-bundle.1, EXIT STATUS) */
    const char *finding; /* check's finding code (FINDING CODES): "MISSING_INTERMEDIATE" */
    CWMS_FIX fix;        /* whether check --fix can mend a finding of it */
    const char *advice;  /* what to do, for a finding of it that names nothing better */
} CWMS_REASON_ROW;

/* The row of a reason (static), or NULL for a value that is no reason. */
const CWMS_REASON_ROW *cwms_reason_row(CWMS_REASON reason);
/* The i-th row of the table (static), or NULL past the end. */
const CWMS_REASON_ROW *cwms_reason_row_at(size_t i);

/* The short reason string ("missing intermediate"), never NULL. */
const char *cwms_reason_string(CWMS_REASON reason);
/*
 * The i-th entry of the reason table, for the provider's reason strings:
 * 1 with *reason and *text set (text is static), 0 past the end.
 */
int cwms_reason_at(size_t i, CWMS_REASON *reason, const char **text);
/* The documented CLI exit code of a reason (see docs/cwms-bundle.1). */
int cwms_reason_exit_code(CWMS_REASON reason);

/* Exit codes of cwms-bundle. */
enum {
    CWMS_EXIT_OK = 0,
    CWMS_EXIT_FAILURE = 1, /* internal error */
    CWMS_EXIT_USAGE = 2,
    CWMS_EXIT_INPUT = 3,  /* unreadable or unrecognised input, passphrase */
    CWMS_EXIT_CHAIN = 4,  /* no valid chain, checks failed */
    CWMS_EXIT_KEY = 5,    /* key missing, mismatched, weak, not extractable */
    CWMS_EXIT_TOKEN = 6,  /* PKCS#11 module, token or PIN */
    CWMS_EXIT_OUTPUT = 7, /* cannot write the output */
    /* check --warn-days: a certificate expires within N days (and nothing worse) */
    CWMS_EXIT_EXPIRING = 8
};

#endif
