/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Archives: see archive.h.
 *
 * A member is unpacked into memory whole (it may hold a key: cleansed
 * when done), like a file is. Archives are bounded as a whole, so neither
 * a zip bomb nor a folder of them can make cwms-bundle unpack gigabytes:
 * at most CWMS_ARCHIVE_MAX_BYTES unpacked for the whole run (every byte a
 * decompressor produces counts) and CWMS_ARCHIVE_MAX_ENTRIES entries per
 * archive. Members are not themselves opened as archives: a CA's zip
 * holds certificates.
 */
#include "input/archive.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "input/archive_dl.h"

int cwms_archive_sniff(const unsigned char *data, size_t len)
{
    static const unsigned char xz[] = { 0xFD, '7', 'z', 'X', 'Z', 0x00 };

    if (len >= 4 && data[0] == 'P' && data[1] == 'K'
        && ((data[2] == 3 && data[3] == 4) || (data[2] == 5 && data[3] == 6)))
        return 1; /* zip (or an empty one) */
    if (len >= 512 && memcmp(data + 257, "ustar", 5) == 0)
        return 1; /* tar (POSIX or GNU) */
    if (len >= 3 && data[0] == 0x1F && data[1] == 0x8B && data[2] == 8)
        return 1; /* gzip */
    if (len >= 10 && memcmp(data, "BZh", 3) == 0 && data[3] >= '1' && data[3] <= '9'
        && memcmp(data + 4, "1AY&SY", 6) == 0)
        return 1; /* bzip2 */
    return len >= sizeof(xz) && memcmp(data, xz, sizeof(xz)) == 0;
}

/* The last path element. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

#define MSG_TOO_BIG                                                                                \
    "the archives of this run unpack to more than 64 MiB in all: not a CA's download"

/* One archive being unpacked, and what it has cost the run so far. */
typedef struct {
    const LIBARCHIVE_API *la;
    struct archive *a;
    size_t budget; /* what the run could still unpack when this archive began */
    uint64_t data; /* bytes the members' data unpacked to, skipped members included */
} UNPACK;

/*
 * What this archive has unpacked: the members' data, or all the
 * decompressor produced (tar headers and padding too), whichever is more.
 */
static uint64_t unpacked(const UNPACK *u)
{
    la_int64_t f = u->la->filter_bytes(u->a, 0);

    return f > 0 && (uint64_t)f > u->data ? (uint64_t)f : u->data;
}

/*
 * Unpacks the current member: into *out (OPENSSL_clear_free, *out_len)
 * when out is not NULL, else into nothing (a skipped member still costs
 * what it inflates to, and reading it here keeps each step within the
 * budget instead of leaving libarchive to skip it whole). 1, or 0 with
 * *why set and *too_big when the budget ran out.
 */
static int unpack_member(UNPACK *u, unsigned char **out, size_t *out_len, const char **why,
                         int *too_big)
{
    unsigned char scratch[16384], *buf = scratch, *nb;
    size_t cap = sizeof(scratch), len = 0;

    *why = NULL;
    *too_big = 0;
    if (out != NULL && (buf = OPENSSL_malloc(cap)) == NULL) {
        *why = "out of memory";
        return 0;
    }
    for (;;) {
        la_ssize_t got;

        if (out != NULL && len == cap) {
            if ((nb = OPENSSL_clear_realloc(buf, cap, cap * 2)) == NULL) {
                *why = "out of memory";
                goto err;
            }
            buf = nb;
            cap *= 2;
        }
        got = u->la->read_data(u->a, buf + len, cap - len);
        if (got < 0) {
            *why = u->la->error_string(u->a) != NULL ? u->la->error_string(u->a) : "damaged data";
            goto err;
        }
        if (got == 0)
            break;
        u->data += (uint64_t)got;
        if (unpacked(u) > u->budget) {
            *why = MSG_TOO_BIG;
            *too_big = 1;
            goto err;
        }
        if (out != NULL)
            len += (size_t)got;
    }
    if (out != NULL) {
        *out = buf;
        *out_len = len;
    }
    return 1;
err:
    if (out != NULL)
        OPENSSL_clear_free(buf, cap);
    return 0;
}

/* How an entry is taken: read, or passed over (silently, or with a note saying why). */
typedef enum { TAKE_READ, TAKE_DIRECTORY, TAKE_NOT_REGULAR, TAKE_HIDDEN } TAKE;

static TAKE take_entry(const LIBARCHIVE_API *la, struct archive_entry *e, const char *path)
{
    if (la->entry_filetype(e) == AE_IFDIR)
        return TAKE_DIRECTORY;
    if (la->entry_filetype(e) != AE_IFREG)
        return TAKE_NOT_REGULAR;
    /* macOS puts "._name" resource forks (and __MACOSX/) into the zips it makes. */
    if (base_name(path)[0] == '.' || strncmp(path, "__MACOSX/", 9) == 0)
        return TAKE_HIDDEN;
    return TAKE_READ;
}

/* What reading one entry did to the whole: go on, stop (budget or count), or a failed member. */
typedef enum { ENTRY_OK, ENTRY_FAILED, ENTRY_STOP } ENTRY_RESULT;

static ENTRY_RESULT read_entry(UNPACK *u, struct archive_entry *e, const char *name,
                               CWMS_DIAG *diag, cwms_archive_member_fn fn, void *arg,
                               size_t *members, size_t *usable)
{
    const char *path = u->la->entry_pathname(e) != NULL ? u->la->entry_pathname(e) : "?";
    TAKE take = take_entry(u->la, e, path);
    const char *why;
    size_t nsize = strlen(name) + strlen(path) + 2, blen = 0;
    unsigned char *buf = NULL;
    char *member = OPENSSL_malloc(nsize);
    int skipped = 0, too_big = 0;
    ENTRY_RESULT res = ENTRY_OK;

    if (member == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory reading '%s'", name);
        return ENTRY_STOP;
    }
    snprintf(member, nsize, "%s:%s", name, path);
    if (take == TAKE_READ)
        ++*members;
    else if (take == TAKE_NOT_REGULAR)
        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE, "skipping '%s': not a regular file", member);
    else if (take == TAKE_HIDDEN)
        cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE, "skipping hidden file '%s'", member);
    if (!unpack_member(u, take == TAKE_READ ? &buf : NULL, &blen, &why, &too_big)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_ARCHIVE, "cannot unpack '%s': %s", member, why);
        res = too_big ? ENTRY_STOP : ENTRY_FAILED;
    } else if (buf != NULL) {
        if (!fn(arg, buf, blen, member, &skipped))
            res = ENTRY_FAILED;
        else if (!skipped)
            ++*usable;
        OPENSSL_clear_free(buf, blen);
    }
    OPENSSL_free(member);
    return res;
}

static struct archive *open_archive(const LIBARCHIVE_API *la, const unsigned char *data, size_t len,
                                    const char *name, CWMS_DIAG *diag)
{
    struct archive *a = la->read_new();

    if (a == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory reading '%s'", name);
        return NULL;
    }
    la->read_support_format_zip(a);
    la->read_support_format_tar(a);
    la->read_support_filter_gzip(a);
    la->read_support_filter_bzip2(a);
    la->read_support_filter_xz(a);
    if (la->read_open_memory(a, data, len) != ARCHIVE_OK) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_ARCHIVE,
                      "cannot read the archive '%s': %s (cwms-bundle reads .zip, .tar and "
                      ".tar.gz/.tgz)",
                      name, la->error_string(a) ? la->error_string(a) : "?");
        la->read_free(a);
        return NULL;
    }
    return a;
}

int cwms_archive_read(const unsigned char *data, size_t len, const char *name, size_t *budget,
                      CWMS_DIAG *diag, cwms_archive_member_fn fn, void *arg, size_t *members,
                      size_t *usable)
{
    const char *why = NULL;
    UNPACK u = { cwms_libarchive_api(&why), NULL, *budget, 0 };
    struct archive_entry *e;
    size_t entries = 0;
    int ok = 1, r = ARCHIVE_EOF;

    *members = *usable = 0;
    if (u.la == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_ARCHIVE, "cannot read the archive '%s': %s", name,
                      why);
        return 0;
    }
    if ((u.a = open_archive(u.la, data, len, name, diag)) == NULL)
        return 0;
    while (unpacked(&u) <= u.budget
           && ((r = u.la->read_next_header(u.a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
        ENTRY_RESULT res;

        if (++entries > CWMS_ARCHIVE_MAX_ENTRIES) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_ARCHIVE,
                          "the archive '%s' holds more than %d entries: not a CA's download", name,
                          CWMS_ARCHIVE_MAX_ENTRIES);
            ok = 0;
            break;
        }
        if ((res = read_entry(&u, e, name, diag, fn, arg, members, usable)) != ENTRY_OK)
            ok = 0;
        if (res == ENTRY_STOP)
            break;
    }
    if (ok && unpacked(&u) > u.budget) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_ARCHIVE, "cannot read the archive '%s': %s", name,
                      MSG_TOO_BIG);
        ok = 0;
    } else if (ok && r != ARCHIVE_EOF) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_ARCHIVE, "cannot read the archive '%s': %s", name,
                      u.la->error_string(u.a) ? u.la->error_string(u.a) : "damaged");
        ok = 0;
    }
    *budget -= unpacked(&u) < u.budget ? (size_t)unpacked(&u) : u.budget;
    u.la->read_free(u.a);
    return ok;
}
