/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the cwms: URI grammar of the provider's store
 * loader (provider/cwms_uri.c): whatever the text, cwms_uri_parse ends
 * with a URI or a message, and cwms_uri_redact with a copy that holds no
 * pin-value, never a crash, a read out of bounds or a leak. The parser
 * only checks the grammar, so no file is opened. tests/fuzz/replay.c runs
 * it over a corpus in the normal test suite.
 */
#define _GNU_SOURCE /* strcasestr */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cwms_uri.h"
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A URI is one line of a command or a config file; longer adds nothing. */
#define FUZZ_URI_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text, *err = NULL, *redacted;
    CWMS_URI *uri;

    if ((text = fuzz_text_dup(data, size, FUZZ_URI_MAX)) == NULL)
        return 0;

    uri = cwms_uri_parse(text, &err);
    if (uri != NULL && err != NULL)
        abort(); /* a URI, or a message (neither only when memory ran out) */
    if (uri != NULL) {
        if (uri->path == NULL || (uri->n_in > 0 && uri->in == NULL))
            abort();
        for (size_t i = 0; i < uri->n_in; i++)
            if (uri->in[i] == NULL)
                abort();
    }
    cwms_uri_free(uri);
    OPENSSL_free(err);

    /* Text without "pin-value" in any case or encoding has nothing to mask. */
    redacted = cwms_uri_redact(text);
    if (redacted != NULL && strcasestr(text, "pin-value") == NULL && strcmp(redacted, text) != 0)
        abort();
    OPENSSL_free(redacted);
    free(text);
    return 0;
}
