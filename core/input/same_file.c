/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Is the output one of the inputs? (cwms/inputs.h). Device and inode, so
 * "./ca.pem", "dir/../ca.pem", a hard link and a symbolic link to it all
 * count as the same file.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "cwms/inputs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "input/input.h"

static int same_inode(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The directory the file out really lives in (links resolved), stat'ed. */
static int real_parent(const char *out, struct stat *st)
{
    char *real = realpath(out, NULL), *slash;
    int ok;

    if (real == NULL)
        return 0;
    slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    ok = stat(real, st) == 0;
    free(real);
    return ok;
}

int cwms_output_is_source(const char *out, const char *const *sources, size_t n, const char **which)
{
    struct stat os, ps, st;
    int have_parent;

    if (out == NULL || stat(out, &os) != 0 || !S_ISREG(os.st_mode))
        return 0;
    have_parent = real_parent(out, &ps);
    for (size_t i = 0; i < n; i++) {
        const char *src = sources[i];
        char *path = NULL;
        int hit;

        if (src == NULL || strcmp(src, "-") == 0 || strncasecmp(src, "pkcs11:", 7) == 0)
            continue;
        if (strncasecmp(src, "file:", 5) == 0 && (path = cwms_file_uri_path(src, NULL)) == NULL)
            continue;
        hit = stat(path != NULL ? path : src, &st) != 0 ? 0
            : same_inode(&st, &os)                                       ? 1
            : S_ISDIR(st.st_mode) && have_parent && same_inode(&st, &ps) ? 2
                                                                         : 0;
        OPENSSL_free(path);
        if (hit) {
            *which = src;
            return hit;
        }
    }
    return 0;
}
