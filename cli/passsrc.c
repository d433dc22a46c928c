/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pass phrase sources: see passsrc.h.
 *
 * Lines are read a byte at a time with read(2), never through stdio: a
 * buffered FILE would swallow what follows the first line, so
 * `--passin stdin --passout stdin` could not take one line each, and stdio
 * buffers would keep copies of the secret we cannot cleanse.
 */
#include "passsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cwms_escape.h"
#include "cwms_file_io.h"

#define DEFAULT_TTY "/dev/tty"

/* The reason of a failure of src: a PIN source fails as a PIN problem (exit 6). */
static CWMS_REASON src_reason(const CLI_PASSSRC *src)
{
    return src->reason != CWMS_R_NONE ? src->reason : CWMS_R_NO_PASSPHRASE;
}

int cli_passsrc_valid(const char *spec)
{
    if (spec == NULL)
        return 0;
    return strncmp(spec, "pass:", 5) == 0 || (strncmp(spec, "env:", 4) == 0 && spec[4] != '\0')
        || (strncmp(spec, "file:", 5) == 0 && spec[5] != '\0')
        || (strncmp(spec, "fd:", 3) == 0 && spec[3] != '\0') || strcmp(spec, "stdin") == 0;
}

int cli_passsrc_uses_stdin(const char *spec)
{
    return spec != NULL && (strcmp(spec, "stdin") == 0 || strcmp(spec, "fd:0") == 0);
}

/* Copies text into buf, NUL-terminated; 0 when it does not fit. */
static int put(char *buf, size_t size, size_t *len, const char *text, size_t text_len)
{
    if (text_len >= size)
        return 0;
    memcpy(buf, text, text_len);
    buf[text_len] = '\0';
    *len = text_len;
    return 1;
}

typedef enum { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_ERROR } LINE_RESULT;

/*
 * Reads one line from fd into buf without its "\n" or "\r\n". LINE_EOF
 * only when nothing at all could be read; a last line without "\n" is fine.
 */
static LINE_RESULT read_line(int fd, char *buf, size_t size, size_t *len)
{
    size_t n = 0;
    int got_any = 0;

    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return LINE_ERROR;
        }
        if (r == 0) {
            if (!got_any)
                return LINE_EOF;
            break;
        }
        got_any = 1;
        if (c == '\n')
            break;
        if (n + 1 >= size) {
            OPENSSL_cleanse(buf, size);
            /* Drain the rest of the line so a second source on this fd stays aligned. */
            while ((r = read(fd, &c, 1)) > 0 && c != '\n')
                ;
            return LINE_TOO_LONG;
        }
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    *len = n;
    return LINE_OK;
}

static int line_failed(const CLI_PASSSRC *src, LINE_RESULT r, const char *from, size_t size)
{
    switch (r) {
    case LINE_EOF:
        cwms_diag_add(src->diag, CWMS_ERROR, src_reason(src),
                      "%s %s: nothing to read from %s; put the passphrase on its own line there",
                      src->option, src->spec, from);
        break;
    case LINE_TOO_LONG:
        cwms_diag_add(src->diag, CWMS_ERROR, src_reason(src),
                      "%s %s: the passphrase from %s is longer than %zu bytes", src->option,
                      src->spec, from, size - 1);
        break;
    default:
        cwms_diag_add(src->diag, CWMS_ERROR, src_reason(src), "%s %s: cannot read %s: %s",
                      src->option, src->spec, from, strerror(errno));
        break;
    }
    return 0;
}

static int read_fd(const CLI_PASSSRC *src, int fd, const char *from, char *buf, size_t size,
                   size_t *len)
{
    LINE_RESULT r = read_line(fd, buf, size, len);

    return r == LINE_OK ? 1 : line_failed(src, r, from, size);
}

/*
 * Line n (from 0) of a file read whole: LINE_OK with buf set, LINE_EOF
 * when the file has no such line, LINE_TOO_LONG when it does not fit (or
 * the read stopped inside it).
 */
static LINE_RESULT line_of(const CWMS_FILE_BUF *b, int n, char *buf, size_t size, size_t *len)
{
    const unsigned char *nl;
    size_t at = 0, l;

    for (int i = 0; i < n; i++) {
        if ((nl = memchr(b->data + at, '\n', b->len - at)) == NULL)
            return b->truncated ? LINE_TOO_LONG : LINE_EOF;
        at = (size_t)(nl - b->data) + 1;
    }
    if (at >= b->len)
        return b->truncated ? LINE_TOO_LONG : LINE_EOF;
    nl = memchr(b->data + at, '\n', b->len - at);
    if (nl == NULL && b->truncated)
        return LINE_TOO_LONG;
    l = (nl != NULL ? (size_t)(nl - b->data) : b->len) - at;
    if (l > 0 && b->data[at + l - 1] == '\r')
        l--;
    if (l + 1 > size)
        return LINE_TOO_LONG;
    memcpy(buf, b->data + at, l);
    buf[l] = '\0';
    *len = l;
    return LINE_OK;
}

/*
 * A file: source, read through the core's capped, non-blocking reader (a
 * FIFO's writer is waited for within bounds, never for ever): only as much
 * as the lines wanted can hold.
 */
static int read_file(const CLI_PASSSRC *src, const char *path, char *buf, size_t size, size_t *len)
{
    CWMS_FILE_BUF b;
    LINE_RESULT r;
    char what[PATH_MAX + 16];
    int err;

    snprintf(what, sizeof(what), "'%s'", path);
    if (!cwms_file_read_upto(path, (size_t)(src->file_line + 1) * (size + 1), &b, &err)) {
        cwms_diag_add(src->diag, CWMS_ERROR, src_reason(src), "%s file:%s: cannot %s '%s': %s",
                      src->option, path, b.open_failed ? "open" : "read", path,
                      cwms_file_strerror(err));
        return 0;
    }
    r = line_of(&b, src->file_line, buf, size, len);
    cwms_file_buf_release(&b);
    return r == LINE_OK ? 1 : line_failed(src, r, what, size);
}

static int parse_fd(const CLI_PASSSRC *src, const char *text, int *fd)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < 0 || v > INT_MAX) {
        cwms_diag_add(src->diag, CWMS_ERROR, CWMS_R_USAGE,
                      "%s fd:...: not a file descriptor number (the value is not shown)",
                      src->option);
        return 0;
    }
    *fd = (int)v;
    return 1;
}

/*-
 * Terminal prompt
 * ---------------
 */

static int prompt_once(int tty, const char *prompt, char *buf, size_t size, size_t *len,
                       LINE_RESULT *r)
{
    struct termios saved, quiet;
    int have_termios = tcgetattr(tty, &saved) == 0;

    if (write(tty, prompt, strlen(prompt)) < 0)
        return 0;
    if (have_termios) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(tty, TCSAFLUSH, &quiet);
    }
    *r = read_line(tty, buf, size, len);
    if (have_termios)
        tcsetattr(tty, TCSAFLUSH, &saved);
    if (write(tty, "\n", 1) < 0)
        return 0;
    return *r == LINE_OK;
}

static int prompt(const CLI_PASSSRC *src, char *buf, size_t size, size_t *len, const char *what)
{
    const char *path = src->tty != NULL ? src->tty : DEFAULT_TTY;
    char text[512];
    char *again = NULL, *shown = NULL;
    size_t again_len = 0;
    LINE_RESULT r = LINE_ERROR;
    int tty, ok = 0;

    if ((tty = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        cwms_diag_add(src->diag, CWMS_ERROR, src_reason(src),
                      "a %s is needed for %s and there is no terminal to ask on: "
                      "give %s pass:TEXT, env:VAR, file:PATH, fd:N or stdin",
                      src->reason == CWMS_R_PIN ? "PIN" : "passphrase", what, src->option);
        return 0;
    }
    /* what names a file or a token label: on the terminal under the one escaping rule. */
    if ((shown = cwms_escape_text(what)) == NULL)
        goto end;
    snprintf(text, sizeof(text), "%s pass phrase for %s: ",
             src->again ? "Wrong pass phrase, try again. Enter the" : "Enter", shown);
    if (!prompt_once(tty, text, buf, size, len, &r)) {
        line_failed(src, r, "the terminal", size);
        goto end;
    }
    if (src->confirm) {
        if ((again = OPENSSL_malloc(size)) == NULL)
            goto end;
        snprintf(text, sizeof(text), "Verifying - Enter pass phrase for %s: ", shown);
        if (!prompt_once(tty, text, again, size, &again_len, &r)) {
            line_failed(src, r, "the terminal", size);
            goto end;
        }
        if (again_len != *len || CRYPTO_memcmp(again, buf, *len) != 0) {
            cwms_diag_add(src->diag, CWMS_ERROR, src_reason(src),
                          "%s: the two passphrases typed differ; nothing was written", src->option);
            goto end;
        }
    }
    ok = 1;
end:
    if (!ok)
        OPENSSL_cleanse(buf, size);
    OPENSSL_clear_free(again, size);
    OPENSSL_free(shown);
    close(tty);
    return ok;
}

/*-
 * Entry points
 * ------------
 */

int cli_passsrc_read(const CLI_PASSSRC *src, char *buf, size_t size, size_t *len, const char *what)
{
    const char *spec = src->spec;
    int fd, ok = 0;

    *len = 0;
    if (size == 0)
        return 0;
    if (spec == NULL) {
        ok = prompt(src, buf, size, len, what);
    } else if (strncmp(spec, "pass:", 5) == 0) {
        ok = put(buf, size, len, spec + 5, strlen(spec + 5));
        if (!ok)
            cwms_diag_add(src->diag, CWMS_ERROR, src_reason(src),
                          "%s pass:...: the passphrase is longer than %zu bytes", src->option,
                          size - 1);
    } else if (strncmp(spec, "env:", 4) == 0 && spec[4] != '\0') {
        const char *value = getenv(spec + 4);

        if (value == NULL)
            cwms_diag_add(src->diag, CWMS_ERROR, src_reason(src),
                          "%s %s: the environment variable %s is not set; export it first",
                          src->option, spec, spec + 4);
        else if (!(ok = put(buf, size, len, value, strlen(value))))
            cwms_diag_add(src->diag, CWMS_ERROR, src_reason(src),
                          "%s %s: the passphrase is longer than %zu bytes", src->option, spec,
                          size - 1);
    } else if (strncmp(spec, "file:", 5) == 0 && spec[5] != '\0') {
        ok = read_file(src, spec + 5, buf, size, len);
    } else if (strncmp(spec, "fd:", 3) == 0 && spec[3] != '\0') {
        if (parse_fd(src, spec + 3, &fd)) {
            char from[32];

            snprintf(from, sizeof(from), "file descriptor %d", fd);
            ok = read_fd(src, fd, from, buf, size, len);
        }
    } else if (strcmp(spec, "stdin") == 0) {
        ok = read_fd(src, STDIN_FILENO, "standard input", buf, size, len);
    } else {
        cwms_diag_add(src->diag, CWMS_ERROR, CWMS_R_USAGE, CLI_PASSSRC_INVALID, src->option);
    }
    if (!ok) {
        OPENSSL_cleanse(buf, size);
        *len = 0;
    }
    return ok;
}

int cli_passsrc_cb(char *buf, size_t size, size_t *len, const char *what, void *arg)
{
    /* The cache hands us room for size bytes; our reader wants room for the NUL too. */
    char *tmp = OPENSSL_malloc(size + 1);
    int ok;

    if (tmp == NULL)
        return 0;
    ok = cli_passsrc_read(arg, tmp, size + 1, len, what);
    if (ok)
        memcpy(buf, tmp, *len);
    OPENSSL_clear_free(tmp, size + 1);
    return ok ? 1 : -1;
}
