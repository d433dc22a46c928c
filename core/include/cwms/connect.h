/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a running TLS server sends (`cwms-bundle check --connect`): one
 * TLS handshake with OpenSSL's libssl, the server name sent as SNI, the
 * certificate chain taken as the server sent it — the handshake does not
 * verify it, so a broken chain is seen and can be judged by the check
 * (cwms/inspect.h, CWMS_INSPECT_OPTIONS.served).
 *
 * The connection is direct: no proxy variable is read. Connecting and the
 * handshake together take at most the time-out; name resolution is the
 * system resolver's. This part of the core links libssl, so it is a
 * library of its own (cwmsconnect) that only the command line tool links;
 * the provider module never loads libssl for it.
 */
#ifndef CWMS_CONNECT_H
#define CWMS_CONNECT_H

#include <stddef.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#include "cwms/diag.h"

/* Seconds connecting and the handshake may take together, by default and at most. */
#define CWMS_CONNECT_TIMEOUT_DEFAULT 10
#define CWMS_CONNECT_TIMEOUT_MAX 300

/* Room for a host name or address literal, and for a port, NUL included. */
#define CWMS_CONNECT_HOST_SIZE 256
#define CWMS_CONNECT_PORT_SIZE 8

/* HOST[:PORT] split: "webex.example.com", "10.0.0.5:8443", "[::1]:8443", "::1". */
typedef struct cwms_connect_target_st {
    char host[CWMS_CONNECT_HOST_SIZE]; /* without brackets */
    char port[CWMS_CONNECT_PORT_SIZE]; /* "443" unless given */
    int is_address;                    /* host is an IPv4 or IPv6 literal, not a name */
} CWMS_CONNECT_TARGET;

/*
 * Parses text as HOST[:PORT] (an IPv6 literal with a port in brackets;
 * the port a number from 1 to 65535). Returns 1, or 0 with a CWMS_R_USAGE
 * error in diag naming what is wrong.
 */
int cwms_connect_parse_target(const char *text, CWMS_CONNECT_TARGET *t, CWMS_DIAG *diag);

typedef struct cwms_connect_options_st {
    OSSL_LIB_CTX *libctx; /* NULL = default */
    const char *propq;
    const CWMS_CONNECT_TARGET *target;
    /* The name sent as SNI; NULL = the target's host when it is a name (none for an address). */
    const char *sni;
    /* 0 = CWMS_CONNECT_TIMEOUT from the environment (1 to 300), else the default */
    int timeout_seconds;
} CWMS_CONNECT_OPTIONS;

/* What the server sent, and over what. */
typedef struct cwms_tls_peer_st {
    STACK_OF(X509) * chain;           /* as sent, the server's certificate first; owned */
    char address[80];                 /* the address connected to: "127.0.0.1:8443", "[::1]:443" */
    char protocol[16];                /* "TLSv1.3" */
    char cipher[64];                  /* "TLS_AES_256_GCM_SHA384" */
    char sni[CWMS_CONNECT_HOST_SIZE]; /* the SNI sent; "" for none */
} CWMS_TLS_PEER;

/*
 * Connects, shakes hands and takes the chain. Returns 1 with *out set
 * (free with cwms_tls_peer_free), or 0 with an error in diag: reason
 * CWMS_R_CONNECT (the name does not resolve, the connection is refused or
 * unreachable), CWMS_R_CONNECT_TIMEOUT, or CWMS_R_TLS_HANDSHAKE (the peer
 * does not speak TLS, sends an alert, or sends no certificate).
 */
int cwms_connect_get_peer(const CWMS_CONNECT_OPTIONS *o, CWMS_TLS_PEER **out, CWMS_DIAG *diag);
void cwms_tls_peer_free(CWMS_TLS_PEER *p);

#endif
