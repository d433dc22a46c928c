/*
 * The input secrets of a command: --passin (passphrases of encrypted
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

/* passin / pin: the options' SRC, or NULL. Failures go to diag. NULL when out of memory. */
CLI_SECRETS *cli_secrets_new(const char *passin, const char *pin, CWMS_DIAG *diag);
/* Cleanses and frees everything. */
void cli_secrets_free(CLI_SECRETS *s);

/* Reads --passin now (what names the objects for a prompt). 1, or 0 with an error in diag. */
int cli_secrets_preread_passin(CLI_SECRETS *s, const char *what);

/* The caches, owned by s. */
CWMS_PASS *cli_secrets_pass(CLI_SECRETS *s);
CWMS_PASS *cli_secrets_pin(CLI_SECRETS *s);

#endif
