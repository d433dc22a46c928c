/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pass phrase sources, as OpenSSL's apps take them (openssl-passphrase-options(1)):
 *   pass:TEXT   the passphrase itself
 *   env:VAR     the value of an environment variable
 *   file:PATH   the first line of a file (a second read of the same file
 *               gives the second line, as `openssl` does for -passin/-passout)
 *   fd:N        a line read from file descriptor N
 *   stdin       a line read from standard input
 * With no source, the passphrase is asked on the terminal (/dev/tty, echo
 * off); without a terminal that fails with a message saying which option
 * to give. A line's trailing "\n" (and "\r\n") is not part of the passphrase.
 */
#ifndef CWMS_CLI_PASSSRC_H
#define CWMS_CLI_PASSSRC_H

#include <stddef.h>

#include "cwms/diag.h"

typedef struct cli_passsrc_st {
    const char *spec;   /* the option's argument; NULL = prompt on the terminal */
    const char *option; /* "--passin", "--passout": named in messages */
    int confirm;        /* prompt twice and compare (new passphrases) */
    int file_line;      /* file: line to read, 0-based (1 when --passin names the same file) */
    const char *tty;    /* terminal to prompt on; NULL = /dev/tty (tests point elsewhere) */
    CWMS_DIAG *diag;    /* failures are reported here */
    CWMS_REASON reason; /* their reason; CWMS_R_NONE = CWMS_R_NO_PASSPHRASE (CWMS_R_PIN for --pin) */
    int again;          /* the answer before was wrong: the prompt says so */
} CLI_PASSSRC;

/* 1 when spec is one of the forms above (syntax only; nothing is read). */
int cli_passsrc_valid(const char *spec);
/*
 * The message (one %s: the option) for a value that is no passphrase
 * source. The value is never shown: a forgotten "pass:" makes it the
 * passphrase itself.
 */
#define CLI_PASSSRC_INVALID                                                                        \
    "%s: the value is not a passphrase source (not shown, in case it is the passphrase "           \
    "itself): use pass:TEXT, env:VAR, file:PATH, fd:N or stdin"

/* 1 when spec reads standard input ("stdin" or "fd:0"). */
int cli_passsrc_uses_stdin(const char *spec);

/*
 * Reads the passphrase into buf (at most size - 1 bytes, NUL-terminated),
 * its length into *len. what names the object in the prompt. Returns 1 on
 * success; 0 with a CWMS_R_NO_PASSPHRASE (or CWMS_R_USAGE) error in
 * src->diag. buf is cleansed on failure; the caller cleanses it after use.
 */
int cli_passsrc_read(const CLI_PASSSRC *src, char *buf, size_t size, size_t *len, const char *what);

/*
 * cwms_pass_cb over a CLI_PASSSRC (arg): the core's passphrase cache asks
 * through this. A failure was reported in src->diag, so it returns -1
 * (the core then adds no second error for the same cause).
 */
int cli_passsrc_cb(char *buf, size_t size, size_t *len, const char *what, void *arg);

#endif
