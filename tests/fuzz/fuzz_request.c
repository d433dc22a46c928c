/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for `cwms-bundle request`'s parsers of what the user
 * types (core/request/request.c): the --subject "/TYPE=value/..." and the
 * --host names checked against CWMS's rules, then the CSR made from them.
 * The input is lines: the first is the subject (empty: none), each other
 * one a host. Whatever they hold: accepted with no error, or refused with
 * an error in the diag (fuzz_outcome.h); an accepted request makes a CSR
 * whose subject holds the first host as its CN. tests/fuzz/replay.c runs
 * it over a corpus in the normal suite.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cwms/request.h"
#include "fuzz_outcome.h"
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_HOSTS 16

static EVP_PKEY *key;

/* The request's CSR has the first host as its CN, or making it failed with an error. */
static void make_csr(const CWMS_REQUEST *rq)
{
    CWMS_DIAG *diag = cwms_diag_new();
    X509_REQ *req;
    char cn[256] = "";

    if (diag == NULL)
        abort();
    req = cwms_request_new(rq, key, diag);
    fuzz_expect_outcome(req != NULL, 1, diag);
    if (req != NULL
        && (X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn,
                                      sizeof(cn))
                < 0
            || strcmp(cn, rq->hosts[0]) != 0))
        abort();
    X509_REQ_free(req);
    cwms_diag_free(diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text_dup(data, size, 4096), *line, *next;
    const char *hosts[FUZZ_MAX_HOSTS];
    CWMS_REQUEST rq;
    CWMS_DIAG *diag;
    int ok;

    if (text == NULL)
        return 0;
    if (key == NULL && (key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
        abort();
    memset(&rq, 0, sizeof(rq));
    rq.hosts = hosts;
    next = strchr(text, '\n');
    if (next != NULL)
        *next++ = '\0';
    rq.subject = text[0] != '\0' ? text : NULL;
    for (line = next; line != NULL && rq.n_hosts < FUZZ_MAX_HOSTS; line = next) {
        if ((next = strchr(line, '\n')) != NULL)
            *next++ = '\0';
        hosts[rq.n_hosts++] = line;
    }
    if ((diag = cwms_diag_new()) == NULL)
        abort();
    ok = cwms_request_check(&rq, diag);
    fuzz_expect_outcome(ok, 1, diag);
    if (ok)
        make_csr(&rq);
    cwms_diag_free(diag);
    free(text);
    return 0;
}
