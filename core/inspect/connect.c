/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One TLS handshake to take the chain a server sends (cwms/connect.h).
 *
 * 1. HOST[:PORT] is split and resolved (getaddrinfo); each address is
 *    tried in turn with a non-blocking connect, all within one deadline.
 * 2. libssl shakes hands over that socket: verification off (a broken
 *    chain must still be seen), security level 0 and TLS 1.0 and up (a
 *    weak key or an old server must still be judged, not refused by the
 *    handshake), SNI when there is a name to send. Each want-read or
 *    want-write waits in poll() for what is left of the deadline, so a
 *    peer that accepts and never speaks costs the time-out, no more.
 * 3. SSL_get_peer_cert_chain is what the server sent, server first.
 *
 * SIGPIPE is blocked while libssl writes to the socket (a peer that
 * closes early would otherwise kill the process) and a pending one is
 * taken back before it is unblocked.
 */
#include "cwms/connect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/*-
 * The target
 * ----------
 */

static int valid_port(const char *p)
{
    unsigned long v = 0;
    size_t n = 0;

    for (; p[n] >= '0' && p[n] <= '9' && n < 6; n++)
        v = v * 10 + (unsigned long)(p[n] - '0');
    return n > 0 && p[n] == '\0' && v >= 1 && v <= 65535;
}

static int is_address(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* Splits text into host and port text; 1, or 0 with *why set. */
static int split_target(const char *text, const char **host, size_t *host_len, const char **port,
                        const char **why)
{
    const char *colon = strrchr(text, ':');

    *port = NULL;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');

        if (close == NULL) {
            *why = "an IPv6 address in brackets needs its closing ']'";
            return 0;
        }
        if (close[1] != '\0' && close[1] != ':') {
            *why = "after ']' only ':PORT' may follow";
            return 0;
        }
        *host = text + 1;
        *host_len = (size_t)(close - text - 1);
        *port = close[1] == ':' ? close + 2 : NULL;
        return 1;
    }
    *host = text;
    /* Two colons or more without brackets: an IPv6 address without a port. */
    if (colon != NULL && strchr(text, ':') == colon) {
        *host_len = (size_t)(colon - text);
        *port = colon + 1;
    } else {
        *host_len = strlen(text);
    }
    return 1;
}

int cwms_connect_parse_target(const char *text, CWMS_CONNECT_TARGET *t, CWMS_DIAG *diag)
{
    const char *host = NULL, *port = NULL, *why = NULL;
    size_t host_len = 0;

    memset(t, 0, sizeof(*t));
    if (strchr(text, '/') != NULL)
        why = "give a host name or address, not a URL (no scheme, no path)";
    else if (split_target(text, &host, &host_len, &port, &why)) {
        if (host_len == 0)
            why = "the host is empty";
        else if (host_len >= sizeof(t->host))
            why = "the host is longer than 255 characters";
        else if (port != NULL && !valid_port(port))
            why = "the port must be a number from 1 to 65535";
    }
    if (why != NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_USAGE,
                      "--connect '%s': %s; give HOST, HOST:PORT or [IPv6]:PORT", text, why);
        return 0;
    }
    memcpy(t->host, host, host_len);
    t->host[host_len] = '\0';
    snprintf(t->port, sizeof(t->port), "%s", port != NULL ? port : "443");
    if (text[0] == '[' && inet_pton(AF_INET6, t->host, (unsigned char[16]){ 0 }) != 1) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_USAGE,
                      "--connect '%s': '%s' in brackets is not an IPv6 address", text, t->host);
        return 0;
    }
    t->is_address = is_address(t->host);
    return 1;
}

/*-
 * Time
 * ----
 */

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        int64_t left = deadline - now_ms();
        int r;

        if (left <= 0)
            return 0;
        r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
        if (r > 0)
            return 1;
        if (r == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* CWMS_CONNECT_TIMEOUT seconds (1 to 300), else the default; as CWMS_FETCH_TIMEOUT for --fetch. */
static int timeout_from_environment(void)
{
    const char *env = getenv("CWMS_CONNECT_TIMEOUT");
    int t = env != NULL ? atoi(env) : 0;

    return t > 0 && t <= CWMS_CONNECT_TIMEOUT_MAX ? t : CWMS_CONNECT_TIMEOUT_DEFAULT;
}

/*-
 * Connecting
 * ----------
 */

static void format_address(const struct sockaddr *sa, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
        port = ntohs(in->sin_port);
        snprintf(out, size, "%s:%u", ip, port);
    } else {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
        port = ntohs(in6->sin6_port);
        snprintf(out, size, "[%s]:%u", ip, port);
    }
}

/* One address: a connected non-blocking socket, or -1 with *err (errno, or ETIMEDOUT). */
static int connect_one(const struct addrinfo *ai, int64_t deadline, int *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    socklen_t len = sizeof(*err);
    int r;

    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        *err = errno;
        close(fd);
        return -1;
    }
    r = wait_fd(fd, POLLOUT, deadline);
    if (r <= 0) {
        *err = r == 0 ? ETIMEDOUT : errno;
        close(fd);
        return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) != 0)
        *err = errno;
    if (*err != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void timeout_error(CWMS_DIAG *diag, const char *what, const CWMS_CONNECT_TARGET *t,
                          int seconds)
{
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_CONNECT_TIMEOUT,
                  "%s %s port %s within %d s: check the host, port and firewall (the time-out "
                  "is CWMS_CONNECT_TIMEOUT)",
                  what, t->host, t->port, seconds);
}

/* The first address of the target that accepts; -1 with the error in diag. */
static int connect_target(const CWMS_CONNECT_TARGET *t, int64_t deadline, int seconds,
                          char *address, size_t address_size, CWMS_DIAG *diag)
{
    struct addrinfo hints, *res = NULL;
    int fd = -1, err = 0, r;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (t->is_address ? AI_NUMERICHOST : 0);
    if ((r = getaddrinfo(t->host, t->port, &hints, &res)) != 0) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_CONNECT, "cannot resolve '%s': %s", t->host,
                      r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
        return -1;
    }
    for (const struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        format_address(ai->ai_addr, address, address_size);
        if (now_ms() >= deadline) {
            err = ETIMEDOUT;
            break;
        }
        fd = connect_one(ai, deadline, &err);
    }
    freeaddrinfo(res);
    if (fd >= 0)
        return fd;
    if (err == ETIMEDOUT)
        timeout_error(diag, "no connection to", t, seconds);
    else
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_CONNECT, "cannot connect to %s port %s (%s): %s",
                      t->host, t->port, address, strerror(err));
    return -1;
}

/*-
 * The handshake
 * -------------
 */

static SSL_CTX *client_ctx(const CWMS_CONNECT_OPTIONS *o)
{
    SSL_CTX *ctx = SSL_CTX_new_ex(o->libctx, o->propq, TLS_client_method());

    if (ctx == NULL)
        return NULL;
    /* The chain is judged afterwards, by the check's rules: take whatever is sent. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_security_level(ctx, 0);
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* SSL_connect until done or the deadline; 1, or 0 with the error in diag. */
static int handshake(SSL *ssl, int fd, int64_t deadline, const CWMS_CONNECT_OPTIONS *o,
                     const char *address, CWMS_DIAG *diag)
{
    const CWMS_CONNECT_TARGET *t = o->target;
    int seconds = o->timeout_seconds;

    for (;;) {
        int r, e, w;

        ERR_clear_error();
        errno = 0;
        if ((r = SSL_connect(ssl)) == 1)
            return 1;
        e = SSL_get_error(ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            w = wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
            if (w > 0)
                continue;
            if (w == 0)
                timeout_error(diag, "no TLS handshake answer from", t, seconds);
            else
                cwms_diag_add(diag, CWMS_ERROR, CWMS_R_TLS_HANDSHAKE, "waiting for %s (%s): %s",
                              t->host, address, strerror(errno));
            return 0;
        }
        if (e == SSL_ERROR_SSL)
            cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_TLS_HANDSHAKE,
                                  "the TLS handshake with %s port %s (%s) failed (is it a TLS "
                                  "port?)",
                                  t->host, t->port, address);
        else
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_TLS_HANDSHAKE,
                          "%s port %s (%s) closed the connection during the TLS handshake%s%s "
                          "(is it a TLS port?)",
                          t->host, t->port, address, errno != 0 ? ": " : "",
                          errno != 0 ? strerror(errno) : "");
        ERR_clear_error();
        return 0;
    }
}

/* The chain as sent, each certificate up-referenced; 1, or 0 with the error in diag. */
static int take_chain(SSL *ssl, CWMS_TLS_PEER *p, const CWMS_CONNECT_TARGET *t, CWMS_DIAG *diag)
{
    STACK_OF(X509) *sent = SSL_get_peer_cert_chain(ssl);

    if (sent == NULL || sk_X509_num(sent) == 0) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_TLS_HANDSHAKE,
                      "%s port %s (%s) sent no certificate (an anonymous cipher suite?)", t->host,
                      t->port, p->address);
        return 0;
    }
    if ((p->chain = X509_chain_up_ref(sent)) == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    snprintf(p->protocol, sizeof(p->protocol), "%s", SSL_get_version(ssl));
    snprintf(p->cipher, sizeof(p->cipher), "%s", SSL_get_cipher_name(ssl));
    return 1;
}

/* The TLS part, over a connected socket: 1 with p->chain, or 0 with the error in diag. */
static int tls_exchange(const CWMS_CONNECT_OPTIONS *o, int fd, int64_t deadline, CWMS_TLS_PEER *p,
                        CWMS_DIAG *diag)
{
    SSL_CTX *ctx = client_ctx(o);
    SSL *ssl = ctx != NULL ? SSL_new(ctx) : NULL;
    int ok = 0;

    if (ssl == NULL || !SSL_set_fd(ssl, fd)) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_INTERNAL, "cannot set up TLS");
        goto end;
    }
    if (p->sni[0] != '\0' && !SSL_set_tlsext_host_name(ssl, p->sni)) {
        cwms_diag_add_openssl(diag, CWMS_ERROR, CWMS_R_USAGE,
                              "'%s' cannot be sent as the server name (SNI)", p->sni);
        goto end;
    }
    if (handshake(ssl, fd, deadline, o, p->address, diag) && take_chain(ssl, p, o->target, diag)) {
        ok = 1;
        /* A polite close_notify, not waited for. */
        (void)SSL_shutdown(ssl);
    }
end:
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ok;
}

int cwms_connect_get_peer(const CWMS_CONNECT_OPTIONS *o, CWMS_TLS_PEER **out, CWMS_DIAG *diag)
{
    CWMS_CONNECT_OPTIONS opts = *o;
    CWMS_TLS_PEER *p = OPENSSL_zalloc(sizeof(*p));
    sigset_t pipe_set, old;
    int64_t deadline;
    int fd, ok = 0;

    *out = NULL;
    if (p == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    if (opts.timeout_seconds <= 0)
        opts.timeout_seconds = timeout_from_environment();
    deadline = now_ms() + (int64_t)opts.timeout_seconds * 1000;
    /* SNI names a host: an address literal is never sent (RFC 6066, section 3). */
    if (o->sni != NULL && !is_address(o->sni))
        snprintf(p->sni, sizeof(p->sni), "%s", o->sni);
    else if (o->sni == NULL && !o->target->is_address)
        snprintf(p->sni, sizeof(p->sni), "%s", o->target->host);
    fd = connect_target(o->target, deadline, opts.timeout_seconds, p->address, sizeof(p->address),
                        diag);
    if (fd >= 0) {
        struct timespec zero = { 0, 0 };

        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        ok = tls_exchange(&opts, fd, deadline, p, diag);
        /* A SIGPIPE raised by a write above is ours: take it before unblocking. */
        if (!sigismember(&old, SIGPIPE)) {
            while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
                ;
            pthread_sigmask(SIG_SETMASK, &old, NULL);
        }
        close(fd);
    }
    if (!ok) {
        cwms_tls_peer_free(p);
        return 0;
    }
    *out = p;
    return 1;
}

void cwms_tls_peer_free(CWMS_TLS_PEER *p)
{
    if (p == NULL)
        return;
    sk_X509_pop_free(p->chain, X509_free);
    OPENSSL_free(p);
}
