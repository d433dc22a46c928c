/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust anchors: the certificates the appliance (or --trust) already
 * trusts, used to decide where a path is anchored.
 *
 * The store is lazy. A --trust file (or OpenSSL's default cert file) is
 * read as PEM blocks into a CWMS_POOL on the first question, so only the
 * certificates somebody asks about are ever fully decoded; a directory
 * (OpenSSL's default cert dir, or --trust DIR) is asked through
 * X509_LOOKUP_hash_dir only for the subject names path building needs.
 */
#ifndef CWMS_TRUST_H
#define CWMS_TRUST_H

#include <stddef.h>

#include <openssl/x509.h>

#include "index/cert.h"
#include "cwms/diag.h"
#include "cwms/option_names.h"

typedef struct cwms_trust_st CWMS_TRUST;

/*
 * A trust store over path: a PEM (or DER) file of certificates, a
 * hashed directory (asked by name), or a directory without hash links,
 * whose regular files are all read at once. NULL path = OpenSSL's default verify locations
 * (SSL_CERT_FILE / SSL_CERT_DIR when set, else X509_get_default_cert_file
 * and X509_get_default_cert_dir); missing default locations are simply
 * empty and read only when first asked. An explicit file is read at once.
 * Returns NULL with CWMS_R_TRUST_STORE in diag when an explicit path does
 * not exist, cannot be read or holds no certificate (CWMS_R_INTERNAL on
 * allocation failure); front says how messages name the option (--trust or
 * trust=). Free with cwms_trust_free.
 */
CWMS_TRUST *cwms_trust_new(const char *path, CWMS_FRONT front, OSSL_LIB_CTX *libctx,
                           const char *propq, CWMS_DIAG *diag);
void cwms_trust_free(CWMS_TRUST *trust);

/*
 * The trust certificates whose subject equals name canonically; at most
 * max written to out, the count of all matches returned (0 for a NULL
 * name). The entries are owned by the store (they stay valid until
 * cwms_trust_free). diag only hears of allocation failures.
 */
size_t cwms_trust_find_subject(CWMS_TRUST *trust, const X509_NAME *name, CWMS_CERT **out,
                               size_t max, CWMS_DIAG *diag);

/*
 * 1 when the store holds cert itself, or a certificate with the same
 * subject and public key (a re-issued root is the same anchor); else 0.
 */
int cwms_trust_holds(CWMS_TRUST *trust, CWMS_CERT *cert, CWMS_DIAG *diag);

/* A short description for messages: the --trust path or "the system trust store". */
const char *cwms_trust_describe(const CWMS_TRUST *trust);

#endif
