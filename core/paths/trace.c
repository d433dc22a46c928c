/* SPDX-License-Identifier: Apache-2.0 */
/* Naming certificates and paths on the path debug channel: see trace.h. */
#include "paths/trace.h"

#include <stdio.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>

#include "cwms_bio_text.h"

const char *cwms_trace_label(CWMS_CERT *c, char buf[CWMS_TRACE_LABEL_SIZE])
{
    char *subject = cwms_name_oneline(cwms_cert_subject(c));
    const char *origin = cwms_cert_get0_origin(c);

    snprintf(buf, CWMS_TRACE_LABEL_SIZE, "'%s' (%s)", subject != NULL ? subject : "?",
             origin != NULL                ? origin
                 : cwms_cert_from_trust(c) ? "trust store"
                                           : "?");
    OPENSSL_free(subject);
    return buf;
}

void cwms_trace_path(const char *what, const CWMS_PATH *p, const char *rest)
{
    BIO *b;
    char *text = NULL;

    if (!cwms_path_tracing() || (b = BIO_new(BIO_s_mem())) == NULL)
        return;
    for (size_t i = 0; i < p->len; i++) {
        char label[CWMS_TRACE_LABEL_SIZE];

        BIO_printf(b, "%s%s", i > 0 ? " <- " : "", cwms_trace_label(p->certs[i], label));
    }
    if ((text = cwms_bio_text(b)) != NULL)
        cwms_debug(CWMS_DEBUG_PATH, "%s: %s%s", what, text, rest);
    OPENSSL_free(text);
    BIO_free(b);
}
