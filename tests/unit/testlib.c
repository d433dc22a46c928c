/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests: see testlib.h. */
#define _XOPEN_SOURCE 700
#include "testlib.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

/* ---- temporary directories ---- */

const char *t_tmp_base(void)
{
    const char *tmp = getenv("TMPDIR");

    return tmp != NULL ? tmp : "/tmp";
}

int t_tempdir_make(char *buf, size_t size, const char *prefix)
{
    int n = snprintf(buf, size, "%s/%s.XXXXXX", t_tmp_base(), prefix);

    return n < 0 || (size_t)n >= size || mkdtemp(buf) == NULL ? -1 : 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

int t_tempdir_remove(const char *dir)
{
    /* Depth first, not following symbolic links (tests make links and FIFOs). */
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* ---- files ---- */

unsigned char *t_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf;
    long size;

    if (fp == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    size = ftell(fp);
    assert_true(size > 0);
    rewind(fp);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

/* ---- fixture paths ---- */

/* "dir/rel" in the next of four buffers. */
static const char *joined(char (*bufs)[4096], int *next, const char *dir, const char *rel)
{
    char *b = bufs[(*next)++ % 4];

    snprintf(b, 4096, "%s/%s", dir, rel);
    return b;
}

const char *t_pki(const char *rel)
{
    static char bufs[4][4096];
    static int next;
    const char *dir = getenv("CWMS_TEST_PKI");

    assert_non_null(dir);
    return joined(bufs, &next, dir, rel);
}

const char *t_data(const char *rel)
{
    static char bufs[4][4096];
    static int next;
    const char *dir = getenv("CWMS_TEST_DATA");
    const char *path;
    struct stat st;

    if (dir == NULL)
        fail_msg("CWMS_TEST_DATA is not set (meson test sets it to tests/data)");
    path = joined(bufs, &next, dir, rel);
    if (stat(path, &st) != 0)
        fail_msg("%s is missing: the test data under tests/data is part of the tree", path);
    return path;
}

/* ---- skipping ---- */

static int skipped;

void t_skip(const char *why)
{
    print_message("cannot run here: %s\n", why);
    skipped++;
    skip();
}

int t_exit(int failed)
{
    if (failed != 0)
        return 1;
    if (skipped != 0) {
        fprintf(stderr, "%d test(s) could not run here: exit 77 (skipped)\n", skipped);
        return 77;
    }
    return 0;
}

/* ---- certificates ---- */

X509_NAME *t_name(int string_type, const char *org, const char *cn)
{
    X509_NAME *name = X509_NAME_new();

    assert_non_null(name);
    assert_true(
        X509_NAME_add_entry_by_txt(name, "O", string_type, (const unsigned char *)org, -1, -1, 0));
    assert_true(
        X509_NAME_add_entry_by_txt(name, "CN", string_type, (const unsigned char *)cn, -1, -1, 0));
    return name;
}

/* ---- messages ---- */

void t_assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("'%s' does not contain '%s'", haystack, needle);
}
