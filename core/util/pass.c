/* SPDX-License-Identifier: Apache-2.0 */
/* Passphrase cache: see pass.h. */
#include "cwms/pass.h"

#include <stdio.h>

#include <openssl/crypto.h>

struct cwms_pass_st {
    cwms_pass_cb cb;
    void *arg;
    int known;
    int asked;            /* cb was called (and failed): do not ask again */
    int reported;         /* ... and said why itself */
    int given;            /* the source is the user's --passin: asking it prompts nobody */
    int max_tries, tries; /* answers the source may give, and has given */
    char source[160];     /* where the passphrase comes from, for messages; "" unknown */
    size_t len;
    char buf[CWMS_PASS_MAX + 1];
};

CWMS_PASS *cwms_pass_new(cwms_pass_cb cb, void *arg)
{
    CWMS_PASS *pass = OPENSSL_zalloc(sizeof(*pass));

    if (pass != NULL) {
        pass->cb = cb;
        pass->arg = arg;
        pass->max_tries = 1;
    }
    return pass;
}

void cwms_pass_free(CWMS_PASS *pass)
{
    if (pass == NULL)
        return;
    OPENSSL_cleanse(pass->buf, sizeof(pass->buf));
    OPENSSL_free(pass);
}

int cwms_pass_get(CWMS_PASS *pass, const char *what, const char **out, size_t *len)
{
    if (pass == NULL)
        return 0;
    if (!pass->known && !pass->asked && pass->cb != NULL) {
        pass->asked = 1;
        int got = pass->cb(pass->buf, CWMS_PASS_MAX, &pass->len, what, pass->arg);

        if (got == 1 && pass->len <= CWMS_PASS_MAX) {
            pass->buf[pass->len] = '\0';
            pass->known = 1;
            pass->tries++;
        } else {
            pass->reported = got < 0;
            OPENSSL_cleanse(pass->buf, sizeof(pass->buf));
            pass->len = 0;
        }
    }
    if (!pass->known)
        return 0;
    *out = pass->buf;
    *len = pass->len;
    return 1;
}

int cwms_pass_known(const CWMS_PASS *pass)
{
    return pass != NULL && pass->known;
}

int cwms_pass_reported(const CWMS_PASS *pass)
{
    return pass != NULL && pass->reported;
}

void cwms_pass_set_given(CWMS_PASS *pass)
{
    if (pass != NULL)
        pass->given = 1;
}

int cwms_pass_given(const CWMS_PASS *pass)
{
    return pass != NULL && (pass->known || (pass->given && !pass->asked));
}

void cwms_pass_set_source(CWMS_PASS *pass, const char *source, int max_tries)
{
    if (pass == NULL)
        return;
    snprintf(pass->source, sizeof(pass->source), "%s", source != NULL ? source : "");
    pass->max_tries = max_tries > 1 ? max_tries : 1;
}

const char *cwms_pass_source(const CWMS_PASS *pass)
{
    return pass != NULL && pass->source[0] != '\0' ? pass->source : NULL;
}

int cwms_pass_may_retry(const CWMS_PASS *pass)
{
    return pass != NULL && pass->max_tries > 1;
}

int cwms_pass_retry(CWMS_PASS *pass)
{
    if (pass == NULL || !pass->known || pass->tries >= pass->max_tries)
        return 0;
    OPENSSL_cleanse(pass->buf, sizeof(pass->buf));
    pass->len = 0;
    pass->known = pass->asked = 0;
    return 1;
}
