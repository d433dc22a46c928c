/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whole files, capped and never waited on for ever: see cwms_file_io.h.
 *
 * Read with read(2) rather than stdio, whose buffer would keep a copy of a
 * key after fclose. A regular file of known size goes into a buffer of
 * that size; a large one into an anonymous mapping populated up front
 * (MAP_POPULATE), so the kernel fills it in one step instead of taking a
 * page fault for every 4 KiB read(2) copies into. A stream of unknown size
 * goes into a mapping of the whole cap reserved without populating: only
 * the pages written count, and it never grows by copying.
 *
 * A FIFO stays non-blocking and every read waits in poll(2) with a
 * deadline. Linux reports a FIFO nobody has opened for writing yet as
 * neither readable nor hung up (only a writer that came and went is a
 * hang-up), so poll waits exactly for a writer, and read(2) then tells
 * data from end of file.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_POPULATE, MAP_NORESERVE, sigtimedwait */
#include "cwms_file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define MAP_MIN ((size_t)1024 * 1024)

/*-
 * Deadlines
 * ---------
 */

typedef struct {
    int64_t start, last; /* ms: when the transfer began, when it last moved */
} DEADLINE;

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void deadline_start(DEADLINE *d)
{
    d->start = d->last = now_ms();
}

/* Milliseconds left: until the idle wait or the whole transfer's time ends; 0 when over. */
static int deadline_left(const DEADLINE *d)
{
    int64_t t = now_ms(), idle = d->last + CWMS_FIFO_WAIT_MS - t,
            total = d->start + CWMS_FIFO_TOTAL_MS - t, left = idle < total ? idle : total;

    return left > 0 ? (int)left : 0;
}

/*
 * Waits until fd is ready for events; 1 when it is (or hung up: the
 * read or write that follows says how), 0 with *err set when the deadline
 * passed (CWMS_FILE_STALLED, or idle_err when nothing moved yet).
 */
static int wait_ready(int fd, short events, const DEADLINE *d, int moved, int idle_err, int *err)
{
    for (;;) {
        struct pollfd p = { fd, events, 0 };
        int left = deadline_left(d), r;

        if (left == 0) {
            *err = moved ? CWMS_FILE_STALLED : idle_err;
            return 0;
        }
        r = poll(&p, 1, left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR) {
            *err = errno;
            return 0;
        }
    }
}

/*-
 * Buffers
 * -------
 */

static int buf_map(CWMS_FILE_BUF *b, size_t cap, int populate)
{
#ifdef MAP_POPULATE
    void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : MAP_NORESERVE), -1, 0);

    if (p != MAP_FAILED) {
        b->data = p;
        b->cap = cap;
        b->mapped = 1;
        return 1;
    }
#else
    (void)b;
    (void)cap;
    (void)populate;
#endif
    return 0;
}

static int buf_alloc(CWMS_FILE_BUF *b, size_t cap)
{
    b->len = 0;
    b->cap = cap;
    b->mapped = 0;
    if (cap >= MAP_MIN && buf_map(b, cap, 1))
        return 1;
    return (b->data = OPENSSL_malloc(cap)) != NULL;
}

void cwms_file_buf_release(CWMS_FILE_BUF *b)
{
    if (b->data == NULL)
        return;
    if (b->mapped) {
        OPENSSL_cleanse(b->data, b->len);
        munmap(b->data, b->cap);
    } else {
        OPENSSL_clear_free(b->data, b->len);
    }
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Grows a malloc'd b to ncap bytes (no reservation could be had). */
static int buf_grow(CWMS_FILE_BUF *b, size_t ncap)
{
    unsigned char *p = OPENSSL_clear_realloc(b->data, b->cap, ncap);

    if (p == NULL)
        return 0;
    b->data = p;
    b->cap = ncap;
    return 1;
}

/* Room for more in b, which may hold max + 1 bytes at most. 0 with *err set. */
static int buf_make_room(CWMS_FILE_BUF *b, size_t max, int *err)
{
    size_t ncap = b->cap * 2;

    if (ncap > max + 1)
        ncap = max + 1;
    if (b->mapped) {
        /* A regular file that grew while read: copy once into a reservation. */
        CWMS_FILE_BUF nb = { NULL, 0, 0, 0, 0, 0 };

        if (!buf_map(&nb, max + 1, 0)) {
            *err = ENOMEM;
            return 0;
        }
        memcpy(nb.data, b->data, b->len);
        nb.len = b->len;
        cwms_file_buf_release(b);
        *b = nb;
        return 1;
    }
    if (!buf_grow(b, ncap)) {
        *err = ENOMEM;
        return 0;
    }
    return 1;
}

/*-
 * Reading
 * -------
 */

/*
 * Reads fd to its end into b, keeping at most max bytes: one more than
 * that is too large, or with upto a stop (b->truncated). fifo: wait in
 * poll with a deadline (fd is non-blocking).
 */
static int read_fd(int fd, CWMS_FILE_BUF *b, size_t max, int upto, int fifo, int *err)
{
    struct stat st;
    DEADLINE d;
    ssize_t got;
    int known = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
        && (unsigned long long)st.st_size < max;

    b->len = 0;
    b->mapped = 0;
    deadline_start(&d);
    /* +1: EOF is seen without growing; a stream gets the whole cap, reserved, not backed. */
    if (known ? !buf_alloc(b, (size_t)st.st_size + 1)
              : !(max >= MAP_MIN && buf_map(b, max + 1, 0))
                && !buf_alloc(b, max + 1 < 16384 ? max + 1 : 16384)) {
        *err = ENOMEM;
        return 0;
    }
    for (;;) {
        if (b->len == b->cap) {
            if (b->len > max) {
                if (!upto) {
                    *err = CWMS_FILE_TOO_LARGE;
                    goto fail;
                }
                b->len = max;
                b->truncated = 1;
                break;
            }
            if (!buf_make_room(b, max, err))
                goto fail;
        }
        if (fifo && !wait_ready(fd, POLLIN, &d, b->len > 0, CWMS_FILE_NO_WRITER, err))
            goto fail;
        got = read(fd, b->data + b->len, b->cap - b->len);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got < 0) {
            *err = errno;
            goto fail;
        }
        if (got == 0)
            break;
        b->len += (size_t)got;
        d.last = now_ms();
    }
    return 1;
fail:
    cwms_file_buf_release(b);
    return 0;
}

static int read_path(const char *path, size_t max, int upto, CWMS_FILE_BUF *b, int *err)
{
    struct stat st;
    int fd, ok, flags, fifo;

    memset(b, 0, sizeof(*b));
    *err = 0;
    if (max > CWMS_FILE_MAX_BYTES)
        max = CWMS_FILE_MAX_BYTES;
    if (path == NULL)
        return read_fd(STDIN_FILENO, b, max, upto, 0, err);
    /* Non-blocking: opening a FIFO nobody writes to would wait for ever. */
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0) {
        *err = errno;
        b->open_failed = 1;
        return 0;
    }
    fifo = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
    /* Anything else blocks again: a terminal or a device answers when it has something. */
    if (!fifo && (flags = fcntl(fd, F_GETFL)) >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    ok = read_fd(fd, b, max, upto, fifo, err);
    close(fd);
    return ok;
}

int cwms_file_read(const char *path, CWMS_FILE_BUF *b, int *err)
{
    return read_path(path, CWMS_FILE_MAX_BYTES, 0, b, err);
}

int cwms_file_read_upto(const char *path, size_t max, CWMS_FILE_BUF *b, int *err)
{
    return read_path(path, max, 1, b, err);
}

/*-
 * Writing in place
 * ----------------
 */

/* Opens path for writing; a FIFO without a reader yet (ENXIO) is tried again until the deadline. */
static int open_for_writing(const char *path, const DEADLINE *d, int *err)
{
    struct stat st;
    int fifo = stat(path, &st) == 0 && S_ISFIFO(st.st_mode);

    for (;;) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        struct timespec pause = { 0, 20 * 1000 * 1000 };

        if (fd >= 0)
            return fd;
        if (errno == EINTR)
            continue;
        if (!fifo || errno != ENXIO) {
            *err = errno;
            return -1;
        }
        if (deadline_left(d) == 0) {
            *err = CWMS_FILE_NO_READER;
            return -1;
        }
        nanosleep(&pause, NULL);
    }
}

/* Writes all of data to the non-blocking fd, waiting in poll with the deadline. */
static int write_fd(int fd, const unsigned char *data, size_t len, DEADLINE *d, int *err)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            if (!wait_ready(fd, POLLOUT, d, 1, CWMS_FILE_STALLED, err))
                return 0;
            continue;
        }
        if (n < 0) {
            *err = errno;
            return 0;
        }
        data += n;
        len -= (size_t)n;
        d->last = now_ms();
    }
    return 1;
}

/*
 * A reader that went away makes write(2) fail with EPIPE and raise
 * SIGPIPE, whose default kills the process: it is blocked while writing,
 * and one it raised is taken off again, so the failure is an error to
 * report (exit 7), not a silent death.
 */
static int write_without_sigpipe(int fd, const unsigned char *data, size_t len, DEADLINE *d,
                                 int *err)
{
    sigset_t pipe_only, old, pending;
    int had_pending, ok;

    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigemptyset(&pending);
    if (pthread_sigmask(SIG_BLOCK, &pipe_only, &old) != 0)
        return write_fd(fd, data, len, d, err);
    had_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
    ok = write_fd(fd, data, len, d, err);
    if (!ok && *err == EPIPE && !had_pending) {
        struct timespec none = { 0, 0 };

        while (sigtimedwait(&pipe_only, NULL, &none) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

int cwms_file_write_in_place(const char *path, const unsigned char *data, size_t len, int *err,
                             const char **doing)
{
    DEADLINE d;
    int fd;

    *err = 0;
    deadline_start(&d);
    *doing = "cannot open it";
    if ((fd = open_for_writing(path, &d, err)) < 0)
        return 0;
    *doing = "writing failed";
    if (!write_without_sigpipe(fd, data, len, &d, err)) {
        close(fd);
        return 0;
    }
    *doing = "closing failed";
    if (close(fd) != 0) {
        *err = errno;
        return 0;
    }
    return 1;
}

const char *cwms_file_strerror(int err)
{
    switch (err) {
    case CWMS_FILE_TOO_LARGE:
        return "it is larger than the limit";
    case CWMS_FILE_NO_WRITER:
        return "it is a named pipe (FIFO) nothing wrote to in time";
    case CWMS_FILE_STALLED:
        return "it is a named pipe (FIFO) that stalled";
    case CWMS_FILE_NO_READER:
        return "it is a named pipe (FIFO) nothing read from in time";
    default:
        return strerror(err);
    }
}
