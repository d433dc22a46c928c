/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whole files, capped and non-blocking: see file_read.h.
 *
 * Read with read(2) rather than stdio, whose buffer would keep a copy of a
 * key after fclose. A regular file of known size goes into a buffer of
 * that size; a large one into an anonymous mapping populated up front
 * (MAP_POPULATE), so the kernel fills it in one step instead of taking a
 * page fault for every 4 KiB read(2) copies into. A stream of unknown size
 * goes into a mapping of the whole cap reserved without populating: only
 * the pages written count, and it never grows by copying.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_POPULATE, MAP_NORESERVE */
#include "util/file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define MAP_MIN ((size_t)1024 * 1024)

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

static int read_fd(int fd, CWMS_FILE_BUF *b, int *err)
{
    struct stat st;
    ssize_t got;
    int known = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
        && (unsigned long long)st.st_size < CWMS_FILE_MAX_BYTES;

    b->len = 0;
    b->mapped = 0;
    /* +1: EOF is seen without growing; a stream gets the whole cap, reserved, not backed. */
    if (known ? !buf_alloc(b, (size_t)st.st_size + 1)
              : !buf_map(b, CWMS_FILE_MAX_BYTES + 1, 0) && !buf_alloc(b, 16384)) {
        *err = ENOMEM;
        return 0;
    }
    for (;;) {
        if (b->len == b->cap) {
            size_t ncap = b->cap * 2;

            if (b->cap > CWMS_FILE_MAX_BYTES) {
                *err = CWMS_FILE_TOO_LARGE;
                goto fail;
            }
            if (ncap > CWMS_FILE_MAX_BYTES + 1)
                ncap = CWMS_FILE_MAX_BYTES + 1;
            if (b->mapped) {
                /* A regular file that grew while read: copy once into a reservation. */
                CWMS_FILE_BUF nb = { NULL, 0, 0, 0, 0 };

                if (!buf_map(&nb, CWMS_FILE_MAX_BYTES + 1, 0)) {
                    *err = ENOMEM;
                    goto fail;
                }
                memcpy(nb.data, b->data, b->len);
                nb.len = b->len;
                cwms_file_buf_release(b);
                *b = nb;
            } else if (!buf_grow(b, ncap)) {
                *err = ENOMEM;
                goto fail;
            }
        }
        got = read(fd, b->data + b->len, b->cap - b->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            *err = errno;
            goto fail;
        }
        if (got == 0)
            break;
        b->len += (size_t)got;
    }
    return 1;
fail:
    cwms_file_buf_release(b);
    return 0;
}

int cwms_file_read(const char *path, CWMS_FILE_BUF *b, int *err)
{
    struct stat st;
    int fd, ok, flags;

    memset(b, 0, sizeof(*b));
    *err = 0;
    if (path == NULL)
        return read_fd(STDIN_FILENO, b, err);
    /* Non-blocking: opening a FIFO nobody writes to would wait for ever. */
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0) {
        *err = errno;
        b->open_failed = 1;
        return 0;
    }
    /* Reads block again: a writer that is there may be slow. With none, read says EOF. */
    if ((flags = fcntl(fd, F_GETFL)) >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    ok = read_fd(fd, b, err);
    if (ok && b->len == 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
        cwms_file_buf_release(b);
        *err = CWMS_FILE_NO_WRITER;
        ok = 0;
    }
    close(fd);
    return ok;
}

void cwms_file_read_report(CWMS_DIAG *diag, CWMS_REASON reason, const char *name,
                           const CWMS_FILE_BUF *b, int err)
{
    if (err == CWMS_FILE_TOO_LARGE)
        cwms_diag_add(diag, CWMS_ERROR, reason,
                      "'%s' is larger than %zu MiB: not a certificate or key file", name,
                      CWMS_FILE_MAX_BYTES >> 20);
    else if (err == CWMS_FILE_NO_WRITER)
        cwms_diag_add(diag, CWMS_ERROR, reason,
                      "'%s' is a named pipe (FIFO) nothing writes to: start its writer first, "
                      "or give a regular file",
                      name);
    else
        cwms_diag_add(diag, CWMS_ERROR, reason, "cannot %s '%s': %s",
                      b->open_failed ? "open" : "read", name, strerror(err));
}
