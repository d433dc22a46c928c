/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The secrets of a command: --passout (the output key's passphrase, read
 * up front) and the input secrets, --passin (passphrases of encrypted
 * inputs) and --pin (token PINs), as the two caches the core asks
 * (CWMS_OPTIONS / CWMS_READ_CTX pass and pin). --passin is read lazily,
 * only when an input needs it, or up front when it shares a stream with
 * --passout. Without --pin a token PIN is --passin's answer (one --passin
 * still serves a .pfx and a token), asked through the same cache and
 * reported, when it cannot be had, as a PIN problem naming --pin.
 */
#ifndef CWMS_CLI_SECRETS_H
#define CWMS_CLI_SECRETS_H

#include "cwms/diag.h"
#include "cwms/pass.h"

typedef struct cli_secrets_st CLI_SECRETS;

/* passin / pin / passout: the options' SRC, or NULL. Failures go to diag. NULL when out of memory. */
CLI_SECRETS *cli_secrets_new(const char *passin, const char *pin, const char *passout,
                             CWMS_DIAG *diag);
/* Cleanses and frees everything. */
void cli_secrets_free(CLI_SECRETS *s);

/* Reads --passin now (what names the objects for a prompt). 1, or 0 with an error in diag. */
int cli_secrets_preread_passin(CLI_SECRETS *s, const char *what);

/*
 * Reads --passout now, when given (asked twice on a terminal; file_line as
 * in CLI_PASSSRC; what names the key). 1, or 0 with an error in diag.
 */
int cli_secrets_read_passout(CLI_SECRETS *s, int file_line, const char *what);
/* The --passout passphrase read, its length in *len; NULL without --passout. Owned by s. */
const char *cli_secrets_passout(const CLI_SECRETS *s, size_t *len);

/* The caches, owned by s. */
CWMS_PASS *cli_secrets_pass(CLI_SECRETS *s);
CWMS_PASS *cli_secrets_pin(CLI_SECRETS *s);

#endif
