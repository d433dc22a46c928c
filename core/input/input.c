/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inputs: sources (files, directories, stdin, file: and pkcs11: URIs), the
 * content sniffing that sends a buffer to the PEM or DER reader, and the
 * merge of what a file yielded into the inputs (the container itself is
 * inputs.c). See cwms/inputs.h.
 *
 * Formats are recognised by content only. A buffer holding "-----BEGIN "
 * is PEM (any text around the blocks is allowed, as CAs mail certificates
 * with `openssl x509 -text` output around them); anything else is tried
 * as DER. Whole files are read into memory: the largest realistic input,
 * a CA store of a few thousand certificates, is a few megabytes.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_POPULATE */
#include "input/input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "input/archive.h"
#include "cwms_debug.h"
#include "cwms_pem_lines.h"
#include "input/formats.h"
#include "util/file_read.h"
#include "cwms/percent.h"

/* Bigger than any certificate store; stops a mistaken disk image from being slurped. */

#define STDIN_NAME "(stdin)"

/* "name" for the only item of a file, "name#n" (n from 1) when there are several. */
static char *numbered_origin(const char *name, const char *sep, size_t i, size_t n)
{
    size_t size;
    char *s;

    if (n == 1)
        return OPENSSL_strdup(name);
    size = strlen(name) + strlen(sep) + 24;
    if ((s = OPENSSL_malloc(size)) != NULL)
        snprintf(s, size, "%s%s%zu", name, sep, i + 1);
    return s;
}

static int key_already_held(const CWMS_INPUTS *in, const EVP_PKEY *pkey)
{
    int held = 0;

    /* Comparing keys of different types raises an error: it only means "not equal". */
    ERR_set_mark();
    for (size_t i = 0; !held && i < in->n_keys; i++)
        held = EVP_PKEY_eq(in->keys[i].pkey, pkey) == 1;
    ERR_pop_to_mark();
    return held;
}

/*
 * Moves what the file yielded into the inputs and frees the rest. The
 * same key read twice (key.pem and inside server.p12) is kept once, like
 * certificates, so it does not look like two candidate keys.
 */
static int read_finish(CWMS_READ *r, CWMS_INPUTS *in)
{
    cwms_debug(CWMS_DEBUG_INPUT, "'%s': %zu certificate(s), %zu key(s)", r->name, r->n_certs,
               r->n_keys);
    for (size_t i = 0; i < r->n_certs; i++) {
        CWMS_CERT *cert = r->certs[i];

        r->certs[i] = NULL;
        char *origin = numbered_origin(r->name, "#", i, r->n_certs);

        if (origin == NULL || !cwms_cert_set1_origin(cert, origin)) {
            OPENSSL_free(origin);
            cwms_cert_free(cert);
            cwms_read_oom(r);
            continue;
        }
        OPENSSL_free(origin);
        if (!cwms_pool_add(in->pool, cert, NULL))
            cwms_read_oom(r);
    }
    for (size_t i = 0; i < r->n_keys; i++) {
        CWMS_KEY *k = &r->keys[i];
        char *origin;

        if (key_already_held(in, k->pkey)) {
            cwms_key_clear(k);
            continue;
        }
        k->protected = r->passphrase_used;
        origin = numbered_origin(r->name, "#key", i, r->n_keys);
        if (origin == NULL)
            cwms_key_clear(k);
        if (origin == NULL || !cwms_inputs_take_key(in, k, origin))
            cwms_read_oom(r);
        OPENSSL_free(origin);
    }
    OPENSSL_free(r->certs);
    OPENSSL_free(r->keys);
    r->certs = NULL;
    r->keys = NULL;
    r->n_certs = r->n_keys = 0;
    return !r->failed;
}

/*-
 * Sniffing: PEM or DER
 */

static int holds_pem_block(const unsigned char *data, size_t len)
{
    static const char begin[] = CWMS_PEM_BEGIN;
    const size_t blen = sizeof(begin) - 1;

    for (size_t i = 0; i + blen <= len; i++) {
        const unsigned char *p = memchr(data + i, '-', len - i);

        if (p == NULL)
            return 0;
        i = (size_t)(p - data);
        if (i + blen <= len && memcmp(p, begin, blen) == 0)
            return 1;
    }
    return 0;
}

/* Nothing usable in the file: an error, or a note when it is one of many (a folder, an archive). */
static void nothing_usable(CWMS_READ *r, const char *why)
{
    if (r->skip_unusable) {
        cwms_read_note(r, "skipping '%s': %s", r->name, why);
        r->skipped = 1;
    } else {
        cwms_read_error(r, CWMS_R_INPUT_UNRECOGNISED, "'%s' %s", r->name, why);
    }
}

static void read_content(CWMS_READ *r, const unsigned char *data, size_t len)
{
    static const unsigned char bom[] = { 0xEF, 0xBB, 0xBF };
    int ret;

    if (len == 0) {
        nothing_usable(r, "is empty: it holds no certificate, key, PKCS#7 or PKCS#12");
        return;
    }
    /* Editors on Windows start UTF-8 text with a byte order mark; PEM does not expect one. */
    if (len >= sizeof(bom) && memcmp(data, bom, sizeof(bom)) == 0) {
        data += sizeof(bom);
        len -= sizeof(bom);
    }
    if (holds_pem_block(data, len))
        ret = cwms_read_pem(r, data, len);
    else
        ret = cwms_read_der(r, data, len);
    if (ret == CWMS_READ_NOT_MINE || (!r->recognised && !r->failed))
        nothing_usable(r, "holds no certificate, key, PKCS#7 or PKCS#12 that cwms-bundle can read");
}

/*
 * Reads one file's content called name. With skipped non-NULL it is one
 * of many: holding nothing usable is a note and sets *skipped, not an error.
 */
static int read_one(CWMS_INPUTS *in, const unsigned char *data, size_t len, const char *name,
                    const CWMS_READ_CTX *rctx, CWMS_DIAG *diag, int *skipped)
{
    CWMS_PASS *pass = rctx != NULL ? rctx->pass : NULL;
    CWMS_READ r;

    for (;;) {
        /* A person may mistype: the reading's messages wait until the passphrase was right. */
        CWMS_DIAG *attempt = cwms_pass_may_retry(pass) ? cwms_diag_new() : NULL;
        const CWMS_MSG *m;

        cwms_read_init(&r, name != NULL ? name : "(buffer)", rctx,
                       attempt != NULL ? attempt : diag);
        r.skip_unusable = skipped != NULL;
        read_content(&r, data, len);
        if (attempt == NULL)
            break;
        m = cwms_diag_first_error(attempt);
        if (m != NULL && m->reason == CWMS_R_BAD_PASSPHRASE && cwms_pass_retry(pass)) {
            cwms_read_rollback(&r, 0, 0);
            OPENSSL_free(r.certs);
            OPENSSL_free(r.keys);
            cwms_diag_free(attempt);
            continue;
        }
        cwms_diag_append(diag, attempt);
        cwms_diag_free(attempt);
        r.diag = diag;
        break;
    }
    if (skipped != NULL)
        *skipped = r.skipped;
    return read_finish(&r, in);
}

/* What an archive's members are read into. */
typedef struct archive_target_st {
    CWMS_INPUTS *in;
    const CWMS_READ_CTX *rctx;
    CWMS_DIAG *diag;
} ARCHIVE_TARGET;

static int read_member(void *arg, const unsigned char *data, size_t len, const char *name,
                       int *skipped)
{
    ARCHIVE_TARGET *t = arg;

    return read_one(t->in, data, len, name, t->rctx, t->diag, skipped);
}

/*
 * An archive is read like a folder: each member on its own, those with
 * nothing usable skipped with a note, an error only when none is usable
 * (or, inside a folder, the archive itself skipped with a note).
 */
static int read_archive(CWMS_INPUTS *in, const unsigned char *data, size_t len, const char *name,
                        const CWMS_READ_CTX *rctx, CWMS_DIAG *diag, int *skipped)
{
    ARCHIVE_TARGET t = { in, rctx, diag };
    size_t members, usable;

    if (!cwms_archive_read(data, len, name, &in->unpack_left, diag, read_member, &t, &members,
                           &usable))
        return 0;
    if (usable > 0)
        return 1;
    if (skipped != NULL) {
        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE,
                      "skipping the archive '%s': none of its %zu "
                      "file%s holds a certificate, key, PKCS#7 or PKCS#12",
                      name, members, members == 1 ? "" : "s");
        *skipped = 1;
        return 1;
    }
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED,
                  "the archive '%s' holds no certificate, key, PKCS#7 or PKCS#12: none of its "
                  "%zu file%s could be used",
                  name, members, members == 1 ? "" : "s");
    return 0;
}

/* A buffer: an archive's members, or the content of one file. skipped as for read_one. */
static int read_buffer(CWMS_INPUTS *in, const unsigned char *data, size_t len, const char *name,
                       const CWMS_READ_CTX *rctx, CWMS_DIAG *diag, int *skipped)
{
    if (skipped != NULL)
        *skipped = 0;
    if (cwms_archive_sniff(data, len))
        return read_archive(in, data, len, name != NULL ? name : "(buffer)", rctx, diag, skipped);
    return read_one(in, data, len, name, rctx, diag, skipped);
}

int cwms_inputs_add_buffer(CWMS_INPUTS *in, const unsigned char *data, size_t len, const char *name,
                           const CWMS_READ_CTX *rctx, CWMS_DIAG *diag)
{
    return read_buffer(in, data, len, name, rctx, diag, NULL);
}

/*-
 * Files, directories and standard input
 */

static int read_file(CWMS_INPUTS *in, const char *path, const char *name, const CWMS_READ_CTX *rctx,
                     CWMS_DIAG *diag, int *skipped)
{
    CWMS_FILE_BUF b;
    int ok, err;

    if (!cwms_file_read(strcmp(path, "-") == 0 ? NULL : path, &b, &err)) {
        cwms_file_read_report(diag,
                              err == CWMS_FILE_TOO_LARGE ? CWMS_R_INPUT_UNRECOGNISED
                                                         : CWMS_R_INPUT_UNREADABLE,
                              name, &b, err);
        return 0;
    }
    ok = read_buffer(in, b.data, b.len, name, rctx, diag, skipped);
    cwms_file_buf_release(&b);
    return ok;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_path(const char *dir, const char *entry)
{
    size_t dlen = strlen(dir), size = dlen + strlen(entry) + 2;
    char *s = OPENSSL_malloc(size);

    if (s != NULL)
        snprintf(s, size, "%s%s%s", dir, dlen > 0 && dir[dlen - 1] == '/' ? "" : "/", entry);
    return s;
}

/* The entry names of a directory except . and .., sorted. NULL with errno on failure. */
static char **list_directory(const char *path, size_t *count)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL, **nn;
    size_t n = 0, cap = 0;
    int saved;

    *count = 0;
    if (d == NULL)
        return NULL;
    for (;;) {
        errno = 0;
        if ((e = readdir(d)) == NULL)
            break;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            if ((nn = OPENSSL_realloc(names, cap * sizeof(*names))) == NULL) {
                errno = ENOMEM;
                break;
            }
            names = nn;
        }
        if ((names[n] = OPENSSL_strdup(e->d_name)) == NULL) {
            errno = ENOMEM;
            break;
        }
        n++;
    }
    saved = errno;
    closedir(d);
    if (saved != 0) {
        while (n > 0)
            OPENSSL_free(names[--n]);
        OPENSSL_free(names);
        errno = saved;
        return NULL;
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), compare_names);
    *count = n;
    /* An empty directory still needs a non-NULL answer. */
    return names != NULL ? names : OPENSSL_zalloc(sizeof(*names));
}

/*
 * A directory: its regular files in name order (so results do not depend
 * on the file system), not recursive. Hidden files are left out: archives
 * unpacked from macOS carry "._name" and ".DS_Store" files that are not
 * certificates. A file that holds nothing usable (the README.txt of a
 * CA's download folder) is skipped with a note; the folder is an error
 * only when nothing usable is left. Every file is read even after one
 * fails, so the user sees all the problems at once.
 */
static int read_directory(CWMS_INPUTS *in, const char *path, const CWMS_READ_CTX *rctx,
                          CWMS_DIAG *diag)
{
    size_t n, files = 0, skipped_files = 0;
    int skipped;
    char **names = list_directory(path, &n);
    int ok = 1;

    if (names == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INPUT_UNREADABLE, "cannot read directory '%s': %s",
                      path, strerror(errno));
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char *full = join_path(path, names[i]);
        struct stat st;

        if (full == NULL) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory reading '%s'", path);
            ok = 0;
        } else if (names[i][0] == '.') {
            cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE, "skipping hidden file '%s'", full);
        } else if (stat(full, &st) != 0) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INPUT_UNREADABLE, "cannot read '%s': %s", full,
                          strerror(errno));
            ok = 0;
        } else if (S_ISDIR(st.st_mode)) {
            cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE,
                          "skipping directory '%s': directories are not read recursively", full);
        } else if (!S_ISREG(st.st_mode)) {
            cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE, "skipping '%s': not a regular file", full);
        } else {
            files++;
            if (!read_file(in, full, full, rctx, diag, &skipped))
                ok = 0;
            else if (skipped)
                skipped_files++;
        }
        OPENSSL_free(full);
        OPENSSL_free(names[i]);
    }
    OPENSSL_free(names);
    if (ok && files == 0) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED,
                      "directory '%s' holds no files to read%s", path,
                      n == 0 ? " (it is empty)" : "");
        ok = 0;
    } else if (ok && skipped_files == files) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INPUT_UNRECOGNISED,
                      "directory '%s' holds no certificate, key, PKCS#7 or PKCS#12: "
                      "none of its %zu file%s could be used",
                      path, files, files == 1 ? "" : "s");
        ok = 0;
    }
    return ok;
}

static int read_path(CWMS_INPUTS *in, const char *path, const CWMS_READ_CTX *rctx, CWMS_DIAG *diag)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INPUT_UNREADABLE, "cannot open '%s': %s", path,
                      strerror(errno));
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return read_directory(in, path, rctx, diag);
    return read_file(in, path, path, rctx, diag, NULL);
}

/*-
 * URIs
 */

/*
 * The path of a file: URI (RFC 8089): file:///abs, file://localhost/abs,
 * file:/abs and file:relative, percent-decoded. NULL with an error in
 * diag when the URI names another host or holds a bad escape.
 */
char *cwms_file_uri_path(const char *uri, CWMS_DIAG *diag)
{
    const char *p = uri + 5; /* after "file:" */
    char *path;
    int bad;

    if (strncmp(p, "//", 2) == 0) {
        const char *host = p + 2, *slash = strchr(host, '/');
        size_t hlen = slash != NULL ? (size_t)(slash - host) : strlen(host);

        if (slash == NULL
            || (hlen != 0 && !(hlen == 9 && strncasecmp(host, "localhost", 9) == 0))) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_USAGE,
                          "'%s': only local file: URIs can be read (file:///path or file:path)",
                          uri);
            return NULL;
        }
        p = slash;
    }
    if (*p == '\0') {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_USAGE, "'%s': the file: URI names no file", uri);
        return NULL;
    }
    if ((path = cwms_percent_decode(p, strlen(p), &bad)) == NULL) {
        if (bad)
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_USAGE,
                          "'%s': bad percent escape in the file: URI", uri);
        else
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory reading '%s'", uri);
        return NULL;
    }
    return path;
}

int cwms_inputs_add_source(CWMS_INPUTS *in, const char *source, const CWMS_READ_CTX *rctx,
                           CWMS_DIAG *diag)
{
    char *path;
    int ok;

    if (strcmp(source, "-") == 0)
        return read_file(in, "-", STDIN_NAME, rctx, diag, NULL);
    if (strncasecmp(source, "pkcs11:", 7) == 0)
        return cwms_inputs_add_pkcs11(in, source, rctx, diag);
    if (strncasecmp(source, "file:", 5) != 0)
        return read_path(in, source, rctx, diag);
    if ((path = cwms_file_uri_path(source, diag)) == NULL)
        return 0;
    ok = read_path(in, path, rctx, diag);
    OPENSSL_free(path);
    return ok;
}
