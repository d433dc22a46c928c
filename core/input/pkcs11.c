/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkcs11: sources of the inputs, through the PKCS#11 helper in pkcs11/.
 *
 * The helper opens the token, logs in (PIN from the URI, else the
 * passphrase cache asked for "token 'LABEL'"), exports the key and reads
 * the certificates, and finalizes the module before returning; here the
 * results go into the pool and the key list, with the object's own
 * pkcs11: URI (never a PIN) as their origin.
 */
#include <string.h>

#include "cwms_p11.h"
#include "input/input.h"
#include "cwms/pkcs11.h"

/* The helper's PIN callback over the core's passphrase cache. */
static int pin_from_pass(char *buf, size_t size, size_t *len, const char *what, void *arg)
{
    CWMS_PASS *pass = arg;
    const char *pin;
    size_t pin_len;

    if (pass == NULL || !cwms_pass_get(pass, what, &pin, &pin_len) || pin_len > size)
        return 0;
    memcpy(buf, pin, pin_len);
    *len = pin_len;
    return 1;
}

CWMS_REASON cwms_pkcs11_reason(CWMS_P11_ERRKIND kind)
{
    switch (kind) {
    case CWMS_P11_E_USAGE:
        return CWMS_R_USAGE;
    case CWMS_P11_E_PIN:
        return CWMS_R_PIN;
    case CWMS_P11_E_PIN_SOURCE:
        return CWMS_R_PIN; /* like any PIN that cannot be had: exit 6 */
    case CWMS_P11_E_NOT_EXTRACTABLE:
        return CWMS_R_KEY_NOT_EXTRACTABLE;
    case CWMS_P11_E_TOKEN:
        return CWMS_R_PKCS11;
    case CWMS_P11_E_KEEPS_KEYS:
        return CWMS_R_TOKEN_KEEPS_KEYS;
    case CWMS_P11_E_MODULE:
        return CWMS_R_P11_BROKEN;
    case CWMS_P11_E_TIMEOUT:
        return CWMS_R_P11_TIMEOUT;
    case CWMS_P11_E_LIMIT:
        return CWMS_R_P11_LIMIT;
    default:
        return CWMS_R_INTERNAL;
    }
}

void cwms_pkcs11_module_note(const CWMS_P11_MODULE_NOTE *note, void *diag)
{
    char *text = cwms_p11_module_note_text(note);

    cwms_diag_add(diag, CWMS_NOTE, CWMS_R_P11_MODULE, "%s",
                  text != NULL ? text : "a PKCS#11 module failed to initialize");
    OPENSSL_free(text);
}

int cwms_inputs_add_pkcs11(CWMS_INPUTS *in, const char *uri, const CWMS_READ_CTX *rctx,
                           CWMS_DIAG *diag)
{
    CWMS_P11_OPTIONS opts = { .flags = CWMS_P11_WANT_KEYS | CWMS_P11_WANT_CERTS,
                              .module_cb = cwms_pkcs11_module_note,
                              .module_arg = diag };
    CWMS_PASS *pin = NULL;
    CWMS_P11_LOADED loaded;
    CWMS_P11_ERROR err = { 0 };
    size_t i;
    int ok = 1;

    if (rctx != NULL) {
        opts.libctx = rctx->libctx;
        opts.propq = rctx->propq;
        /* --pin when given, else --passin: one source may serve a token and a .pfx. */
        pin = rctx->pin != NULL ? rctx->pin : rctx->pass;
        if (pin != NULL) {
            opts.pin_cb = pin_from_pass;
            opts.pin_arg = pin;
        }
        opts.pin_option = cwms_option_name(rctx->front, CWMS_OPT_PIN);
    }
    if (!cwms_p11_load(uri, &opts, &loaded, &err)) {
        /* A PIN source that failed has said why already: one error per cause. */
        if (!(err.kind == CWMS_P11_E_PIN && cwms_pass_reported(pin)))
            cwms_diag_add(diag, CWMS_ERROR, cwms_pkcs11_reason(err.kind), "%s", err.text);
        return 0;
    }
    for (i = 0; i < loaded.n_certs; i++) {
        CWMS_CERT *cert =
            cwms_cert_new_der(loaded.certs[i].der, loaded.certs[i].der_len, loaded.certs[i].uri);

        if (cert == NULL) {
            cwms_diag_add(
                diag, CWMS_ERROR, CWMS_R_PKCS11,
                "'%s': the certificate object on token '%s' holds no certificate OpenSSL can read",
                loaded.certs[i].uri, loaded.token_label);
            ok = 0;
            break;
        }
        if (!cwms_pool_add(in->pool, cert, NULL)) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory adding '%s'",
                          loaded.certs[i].uri);
            ok = 0;
            break;
        }
    }
    if (ok && loaded.key != NULL) {
        EVP_PKEY *key = loaded.key;

        loaded.key = NULL; /* cwms_inputs_add_key takes it, also on failure */
        if (!cwms_inputs_add_key(in, key, loaded.key_uri)) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory adding the key '%s'",
                          loaded.key_uri);
            ok = 0;
        }
    }
    cwms_p11_loaded_clear(&loaded);
    return ok;
}
