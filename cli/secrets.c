/* SPDX-License-Identifier: Apache-2.0 */
/* The input secrets of a command: see secrets.h. */
#include "secrets.h"

#include <string.h>

#include <openssl/crypto.h>

#include "cwms_limits.h"
#include "passsrc.h"

#define PASS_SIZE (CWMS_PASS_MAX + 1) /* and the NUL, like the core's cache */

/* One source as the core's passphrase callback sees it: read lazily, or up front. */
typedef struct source_st {
    CLI_PASSSRC src;
    int asked; /* answers asked for so far: a second one means the first was wrong */
    int preread;
    char buf[PASS_SIZE];
    size_t len;
} SOURCE;

struct cli_secrets_st {
    SOURCE passin;
    SOURCE pin;
    SOURCE passout;      /* read at once, never through a cache */
    CWMS_PASS *pass;     /* over passin */
    CWMS_PASS *pin_pass; /* over pin, else over pass */
};

static int source_cb(char *buf, size_t size, size_t *len, const char *what, void *arg)
{
    SOURCE *p = arg;

    if (!p->preread) {
        p->src.again = p->asked++ > 0;
        return cli_passsrc_cb(buf, size, len, what, &p->src);
    }
    if (p->len > size)
        return 0;
    memcpy(buf, p->buf, p->len);
    *len = p->len;
    return 1;
}

static int pin_cb(char *buf, size_t size, size_t *len, const char *what, void *arg)
{
    CLI_SECRETS *s = arg;
    const char *pin;
    size_t pin_len;
    int ok;

    if (s->pin.src.spec != NULL)
        return source_cb(buf, size, len, what, &s->pin);
    s->passin.src.reason = CWMS_R_PIN;
    s->passin.src.option = "--pin";
    ok = cwms_pass_get(s->pass, what, &pin, &pin_len) && pin_len <= size;
    s->passin.src.reason = CWMS_R_NONE;
    s->passin.src.option = "--passin";
    if (!ok)
        return cwms_pass_reported(s->pass) ? -1 : 0;
    memcpy(buf, pin, pin_len);
    *len = pin_len;
    return 1;
}

/* Tries at the terminal before a wrong passphrase is an error: ssh-keygen's 3. */
#define TERMINAL_TRIES 3

/*
 * Tells the cache where --passin's answer comes from, for messages:
 * "--passin env:PW" (the value of pass: never shown), or the terminal,
 * which is asked again when the answer was wrong.
 */
static void describe_passin(CWMS_PASS *pass, const char *passin)
{
    char text[160];

    if (passin == NULL) {
        cwms_pass_set_source(pass, "the pass phrase typed at the terminal (3 tries)",
                             TERMINAL_TRIES);
        return;
    }
    snprintf(text, sizeof(text), "--passin %s",
             strncmp(passin, "pass:", 5) == 0 ? "pass:..." : passin);
    cwms_pass_set_source(pass, text, 1);
}

CLI_SECRETS *cli_secrets_new(const char *passin, const char *pin, const char *passout,
                             CWMS_DIAG *diag)
{
    CLI_SECRETS *s = OPENSSL_secure_zalloc(sizeof(*s));

    if (s == NULL)
        return NULL;
    s->passin.src.spec = passin;
    s->passin.src.option = "--passin";
    s->passin.src.diag = diag;
    s->pin.src.spec = pin;
    s->pin.src.option = "--pin";
    s->pin.src.reason = CWMS_R_PIN;
    s->pin.src.diag = diag;
    s->passout.src.spec = passout;
    s->passout.src.option = "--passout";
    s->passout.src.confirm = 1;
    s->passout.src.diag = diag;
    if ((s->pass = cwms_pass_new(source_cb, &s->passin)) == NULL
        || (s->pin_pass = cwms_pass_new(pin_cb, s)) == NULL) {
        cli_secrets_free(s);
        return NULL;
    }
    describe_passin(s->pass, passin);
    return s;
}

void cli_secrets_free(CLI_SECRETS *s)
{
    if (s == NULL)
        return;
    cwms_pass_free(s->pin_pass);
    cwms_pass_free(s->pass);
    OPENSSL_secure_clear_free(s, sizeof(*s));
}

int cli_secrets_preread_passin(CLI_SECRETS *s, const char *what)
{
    if (!cli_passsrc_read(&s->passin.src, s->passin.buf, sizeof(s->passin.buf), &s->passin.len,
                          what))
        return 0;
    s->passin.preread = 1;
    return 1;
}

int cli_secrets_read_passout(CLI_SECRETS *s, int file_line, const char *what)
{
    if (s->passout.src.spec == NULL)
        return 1;
    s->passout.src.file_line = file_line;
    if (!cli_passsrc_read(&s->passout.src, s->passout.buf, sizeof(s->passout.buf), &s->passout.len,
                          what))
        return 0;
    s->passout.preread = 1;
    return 1;
}

const char *cli_secrets_passout(const CLI_SECRETS *s, size_t *len)
{
    *len = s->passout.len;
    return s->passout.preread ? s->passout.buf : NULL;
}

CWMS_PASS *cli_secrets_pass(CLI_SECRETS *s)
{
    return s->pass;
}

CWMS_PASS *cli_secrets_pin(CLI_SECRETS *s)
{
    return s->pin_pass;
}
