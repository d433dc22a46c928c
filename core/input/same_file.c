/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Is the output something the run reads? (cwms/inputs.h). Device and
 * inode, so "./ca.pem", "dir/../ca.pem", a hard link and a symbolic link
 * to it all count as the same file; a file that does not exist yet is
 * known by its directory (device and inode) and its name.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "cwms/inputs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "cwms_p11.h"
#include "input/input.h"

/* What a path is: the file itself when it exists, else its directory and name. */
typedef struct {
    int exists;
    struct stat st;     /* the file, or (exists 0) its directory */
    const char *name;   /* the last path element (exists 0) */
    int have_parent;    /* parent is the directory the file really lives in */
    struct stat parent; /* (exists 1) */
} IDENTITY;

static int same_inode(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The directory the file path names lives in, links resolved when it exists; stat'ed. */
static int parent_of(const char *path, int exists, struct stat *st)
{
    char *copy = exists ? realpath(path, NULL) : strdup(path), *slash;
    int ok;

    if (copy == NULL)
        return 0;
    slash = strrchr(copy, '/');
    if (slash == NULL)
        ok = stat(".", st) == 0;
    else if (slash == copy)
        ok = stat("/", st) == 0;
    else {
        *slash = '\0';
        ok = stat(copy, st) == 0;
    }
    free(copy);
    return ok;
}

static int identify(const char *path, IDENTITY *id)
{
    const char *slash = strrchr(path, '/');

    memset(id, 0, sizeof(*id));
    if (stat(path, &id->st) == 0) {
        id->exists = 1;
        id->have_parent = parent_of(path, 1, &id->parent);
        return 1;
    }
    id->name = slash != NULL ? slash + 1 : path;
    return *id->name != '\0' && parent_of(path, 0, &id->st);
}

/* 1: path is out; 2: out is a file directly inside the directory path; 0: neither. */
static int compare(const IDENTITY *out, const char *path)
{
    IDENTITY src;

    if (!identify(path, &src))
        return 0;
    if (out->exists != src.exists)
        return 0;
    if (!out->exists) {
        const char *slash = strrchr(path, '/');

        return same_inode(&out->st, &src.st)
            && strcmp(out->name, slash != NULL ? slash + 1 : path) == 0;
    }
    if (same_inode(&out->st, &src.st))
        return 1;
    return S_ISDIR(src.st.st_mode) && S_ISREG(out->st.st_mode) && out->have_parent
            && same_inode(&src.st, &out->parent)
        ? 2
        : 0;
}

/* The files a pkcs11: URI reads: its pin-source and its module. Quietly none when it does not parse. */
static int compare_pkcs11(const IDENTITY *out, const char *uri, const char **which)
{
    CWMS_P11_ERROR err;
    CWMS_P11_URI *u;
    int hit = 0;

    ERR_set_mark();
    u = cwms_p11_uri_parse_syntax(uri, &err);
    ERR_pop_to_mark();
    if (u == NULL)
        return 0;
    if (cwms_p11_uri_pin_source(u) != NULL && compare(out, cwms_p11_uri_pin_source(u)) == 1)
        *which = "pin-source";
    else if (cwms_p11_uri_module_path(u) != NULL && compare(out, cwms_p11_uri_module_path(u)) == 1)
        *which = "module-path";
    hit = *which != NULL;
    cwms_p11_uri_free(u);
    return hit;
}

/* 1 or 2 (as compare) when out is what r names; *which says which part of a URI. */
static int compare_reads(const IDENTITY *out, const CWMS_READS *r, const char **which)
{
    char *path = NULL;
    int hit;

    *which = NULL;
    if (r->kind == CWMS_READS_PASSSRC)
        return strncmp(r->given, "file:", 5) == 0 && compare(out, r->given + 5) == 1;
    if (r->kind == CWMS_READS_NEW)
        return compare(out, r->given) == 1;
    if (strcmp(r->given, "-") == 0)
        return 0;
    if (strncasecmp(r->given, "pkcs11:", 7) == 0)
        return compare_pkcs11(out, r->given, which);
    if (strncasecmp(r->given, "file:", 5) == 0
        && (path = cwms_file_uri_path(r->given, NULL)) == NULL)
        return 0;
    hit = compare(out, path != NULL ? path : r->given);
    OPENSSL_free(path);
    return hit;
}

static void refuse(CWMS_DIAG *diag, const char *out, const char *out_option, const CWMS_READS *r,
                   int hit, const char *which)
{
    const char *text = r->kind == CWMS_READS_PASSSRC ? r->given + 5 : r->given;

    if (hit == 2)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT_IS_INPUT,
                      "%s '%s' is a file of the %s directory '%s', which this run reads: writing "
                      "it would replace an input; choose another output file",
                      out_option, out, r->option, text);
    else if (r->kind == CWMS_READS_NEW)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT_IS_INPUT,
                      "%s '%s' is the %s file '%s': one would replace the other; choose two "
                      "different files",
                      out_option, out, r->option, text);
    else if (which != NULL) /* the URI itself may hold a pin-value: not shown */
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT_IS_INPUT,
                      "%s '%s' is the %s of the %s pkcs11: URI, which this run reads: writing it "
                      "would replace an input; choose another output file",
                      out_option, out, which, r->option);
    else
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_OUTPUT_IS_INPUT,
                      "%s '%s' is the %s file '%s', which this run reads: writing it would replace "
                      "an input; choose another output file",
                      out_option, out, r->option, text);
}

int cwms_output_check(const char *out, const char *out_option, const CWMS_READS *reads, size_t n,
                      CWMS_DIAG *diag)
{
    IDENTITY id;

    /* A device or a FIFO is written into, never replaced: /dev/null may be read and written. */
    if (out == NULL || !identify(out, &id) || (id.exists && !S_ISREG(id.st.st_mode)))
        return 1;
    for (size_t i = 0; i < n; i++) {
        const char *which = NULL;
        int hit;

        if (reads[i].given == NULL || (hit = compare_reads(&id, &reads[i], &which)) == 0)
            continue;
        refuse(diag, out, out_option, &reads[i], hit, which);
        return 0;
    }
    return 1;
}
