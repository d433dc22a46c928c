/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Archives: see archive.h.
 *
 * A member is unpacked into memory whole (it may hold a key: cleansed
 * when done), like a file is. An archive is bounded as a whole, so a zip
 * bomb cannot make cwms-bundle unpack gigabytes: at most ARCHIVE_MAX_BYTES
 * unpacked in all and ARCHIVE_MAX_MEMBERS members. Members are not
 * themselves opened as archives: a CA's zip holds certificates.
 */
#include "input/archive.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "input/archive_dl.h"

#define ARCHIVE_MAX_BYTES ((size_t)64 * 1024 * 1024)
#define ARCHIVE_MAX_MEMBERS 4096

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

#define MSG_TOO_BIG "the archive unpacks to more than 64 MiB: not a CA's download"

/*
 * Unpacks the current member; NULL with *why set when it cannot be read,
 * and *too_big set when that is because the archive's budget ran out.
 */
static unsigned char *unpack_member(const LIBARCHIVE_API *la, struct archive *a, size_t budget,
                                    size_t *out_len, const char **why, int *too_big)
{
    size_t cap = 16384, len = 0;
    unsigned char *buf = OPENSSL_malloc(cap), *nb;

    *why = NULL;
    *too_big = 0;
    if (buf == NULL) {
        *why = "out of memory";
        return NULL;
    }
    for (;;) {
        la_ssize_t got;

        if (len == cap) {
            if (cap >= budget) {
                *why = MSG_TOO_BIG;
                *too_big = 1;
                goto err;
            }
            if ((nb = OPENSSL_clear_realloc(buf, cap, cap * 2)) == NULL) {
                *why = "out of memory";
                goto err;
            }
            buf = nb;
            cap *= 2;
        }
        got = la->read_data(a, buf + len, cap - len);
        if (got < 0) {
            *why = la->error_string(a);
            if (*why == NULL)
                *why = "damaged data";
            goto err;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len > budget) {
            *why = MSG_TOO_BIG;
            *too_big = 1;
            goto err;
        }
    }
    *out_len = len;
    return buf;
err:
    OPENSSL_clear_free(buf, cap);
    return NULL;
}

int cwms_archive_read(const unsigned char *data, size_t len, const char *name, CWMS_DIAG *diag,
                      cwms_archive_member_fn fn, void *arg, size_t *members, size_t *usable)
{
    const char *why = NULL;
    const LIBARCHIVE_API *la = cwms_libarchive_api(&why);
    struct archive *a;
    struct archive_entry *e;
    size_t unpacked = 0;
    int ok = 1, r;

    *members = *usable = 0;
    if (la == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_ARCHIVE, "cannot read the archive '%s': %s", name,
                      why);
        return 0;
    }
    if ((a = la->read_new()) == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory reading '%s'", name);
        return 0;
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
        return 0;
    }
    while ((r = la->read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *path = la->entry_pathname(e);
        size_t nsize;
        char *member;
        unsigned char *buf;
        size_t blen = 0;
        int skipped = 0, too_big = 0;

        if (path == NULL)
            path = "?";
        if (la->entry_filetype(e) == AE_IFDIR)
            continue;
        nsize = strlen(name) + strlen(path) + 2;
        if ((member = OPENSSL_malloc(nsize)) == NULL) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory reading '%s'", name);
            ok = 0;
            break;
        }
        snprintf(member, nsize, "%s:%s", name, path);
        if (la->entry_filetype(e) != AE_IFREG) {
            cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE, "skipping '%s': not a regular file",
                          member);
        } else if (base_name(path)[0] == '.' || strncmp(path, "__MACOSX/", 9) == 0) {
            /* macOS puts "._name" resource forks (and __MACOSX/) into the zips it makes. */
            cwms_diag_add(diag, CWMS_NOTE, CWMS_R_NONE, "skipping hidden file '%s'", member);
        } else if (++*members > ARCHIVE_MAX_MEMBERS) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_ARCHIVE,
                          "the archive '%s' holds more than %d files: not a CA's download", name,
                          ARCHIVE_MAX_MEMBERS);
            OPENSSL_free(member);
            ok = 0;
            break;
        } else if ((buf = unpack_member(la, a, ARCHIVE_MAX_BYTES - unpacked, &blen, &why, &too_big))
                   == NULL) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_ARCHIVE, "cannot unpack '%s': %s", member, why);
            OPENSSL_free(member);
            ok = 0;
            if (too_big)
                break;
            continue;
        } else {
            unpacked += blen;
            if (!fn(arg, buf, blen, member, &skipped))
                ok = 0;
            else if (!skipped)
                ++*usable;
            OPENSSL_clear_free(buf, blen);
        }
        OPENSSL_free(member);
    }
    if (ok && r != ARCHIVE_EOF) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_ARCHIVE, "cannot read the archive '%s': %s", name,
                      la->error_string(a) ? la->error_string(a) : "damaged");
        ok = 0;
    }
    la->read_free(a);
    return ok;
}
