/* Temporary directories for unit tests: see tempdir.h. */
#define _XOPEN_SOURCE 700
#include "tempdir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

int test_tempdir_make(char *buf, size_t size, const char *prefix)
{
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(buf, size, "%s/%s.XXXXXX", tmp != NULL ? tmp : "/tmp", prefix);

    return n < 0 || (size_t)n >= size || mkdtemp(buf) == NULL ? -1 : 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

int test_tempdir_remove(const char *dir)
{
    /* Depth first, not following symbolic links (tests make links and FIFOs). */
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}
