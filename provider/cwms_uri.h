/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cwms: URI of the provider's store loader.
 *
 *   cwms:PATH[?PARAMS]
 *
 * PATH is a file or a directory of inputs, absolute or relative, and
 * percent-decoded; it may be empty when in= names the inputs. PARAMS are
 * '&'-separated, each value percent-decoded ('+' is a plus, not a space):
 *
 *   version=V                  CWMS version, as cwms-bundle --cwms
 *   order=leaf-first|root-first
 *   key=SOURCE                 the private key: a path or a URI (pkcs11:...)
 *   in=SOURCE                  another input; repeatable
 *   path=complete|shortest
 *   trust=FILE                 trust anchors (PEM)
 *   root=include               keep the self-signed root in the bundle
 *   leaf=SHA256                fingerprint of the server certificate (64 hex
 *                              digits, colons allowed)
 *   attime=T                   validation time: seconds since the epoch, or
 *                              YYYY-MM-DD[THH:MM:SS]Z
 *   nokey                      certificate-only bundle
 *   fetch                      download missing issuers (AIA caIssuers, http:)
 *   verify-depth=N             at most N intermediate CA certificates, as
 *                              cwms-bundle --verify-depth
 *
 * Unknown parameters, repeated ones (but in=) and bad values are errors
 * whose message names the parameter. The parser only checks the grammar;
 * files are read when the store loads.
 */
#ifndef CWMS_URI_H
#define CWMS_URI_H

#include <stddef.h>
#include <stdint.h>

#include "cwms/bundle.h"

typedef struct cwms_uri_st {
    char *path; /* percent-decoded PATH; "" when empty */
    char **in;  /* in= values in the order given */
    size_t n_in;
    char *key;     /* key=, or NULL */
    char *version; /* version= as given, or NULL */
    int has_order; /* order= or version= given */
    CWMS_ORDER order;
    int has_path_choice;
    CWMS_PATH_CHOICE path_choice;
    char *trust;      /* trust=, or NULL */
    int include_root; /* root=include */
    int has_leaf;
    unsigned char leaf_sha256[32];
    int has_attime;
    int64_t attime;
    int has_verify_depth; /* verify-depth= */
    int verify_depth;
    int no_key; /* nokey */
    int fetch;  /* fetch */
} CWMS_URI;

/*
 * Parses a cwms: URI. Returns a new CWMS_URI (free with cwms_uri_free), or
 * NULL with *err set to a message for the user (free with OPENSSL_free;
 * NULL when memory ran out).
 */
CWMS_URI *cwms_uri_parse(const char *uri, char **err);
void cwms_uri_free(CWMS_URI *uri);

/*
 * A copy of uri for messages, with every pin-value (plain, or
 * percent-encoded inside key= / in=) replaced by "***". Free with
 * OPENSSL_free; NULL on allocation failure.
 */
char *cwms_uri_redact(const char *uri);

#endif
