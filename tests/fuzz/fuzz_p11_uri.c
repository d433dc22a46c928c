/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the RFC 7512 pkcs11: URI parser of the PKCS#11
 * helper (pkcs11/p11_uri.c: the attribute-name check, p11-kit's parse and
 * what is taken from it, the pin-value mask): whatever the text, a URI or
 * an error, never a crash, a read out of bounds or a leak. It parses with
 * cwms_p11_uri_parse_syntax, which never opens a pin-source, so the fuzzer
 * cannot make it read arbitrary paths. tests/fuzz/replay.c runs it over a
 * corpus in the normal test suite.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cwms_p11.h"
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A URI is one line of a command or a config file; longer adds nothing. */
#define FUZZ_URI_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CWMS_P11_ERROR err;
    CWMS_P11_URI *uri;
    char *text;

    if ((text = fuzz_text_dup(data, size, FUZZ_URI_MAX)) == NULL)
        return 0;

    memset(&err, 0, sizeof(err));
    uri = cwms_p11_uri_parse_syntax(text, &err);
    if (uri == NULL) {
        if (err.kind == CWMS_P11_OK || memchr(err.text, '\0', sizeof(err.text)) == NULL)
            abort(); /* a failure always says why */
    } else {
        const char *display = cwms_p11_uri_display(uri), *pin;
        size_t len = 0;
        unsigned long slot;

        /* The display is what messages show: a PIN the URI holds is masked there. */
        if (display == NULL)
            abort();
        pin = cwms_p11_uri_pin(uri, &len);
        if (pin != NULL && strstr(display, "pin-value=***") == NULL)
            abort();
        (void)cwms_p11_uri_token(uri);
        (void)cwms_p11_uri_object(uri);
        (void)cwms_p11_uri_id(uri, &len);
        (void)cwms_p11_uri_type(uri);
        (void)cwms_p11_uri_module_path(uri);
        (void)cwms_p11_uri_module_name(uri);
        (void)cwms_p11_uri_slot_id(uri, &slot);
        cwms_p11_uri_free(uri);
    }
    free(text);
    return 0;
}
