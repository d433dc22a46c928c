/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Archives among the inputs: the .zip a CA's download button gives, and
 * .tar / .tar.gz (.tgz, .tar.bz2, .tar.xz). Read through libarchive,
 * opened on the first archive (archive_dl.h); each regular member is then
 * read like a file of a folder (input.c): sniffed by content, skipped
 * with a note when it holds nothing usable.
 */
#ifndef CWMS_INPUT_ARCHIVE_H
#define CWMS_INPUT_ARCHIVE_H

#include <stddef.h>

#include "cwms/diag.h"

/* 1 when data starts like an archive (zip, tar, or gzip/bzip2/xz data). */
int cwms_archive_sniff(const unsigned char *data, size_t len);

/*
 * Reads one member called name ("ca.zip:certs/root.crt"). Sets *skipped
 * when it held nothing usable. Returns 1, or 0 after reporting an error.
 */
typedef int (*cwms_archive_member_fn)(void *arg, const unsigned char *data, size_t len,
                                      const char *name, int *skipped);

/*
 * The most an archive may unpack to, and all the archives of one run
 * together: every byte a decompressor produces counts (members skipped as
 * hidden or not regular, tar headers and padding included), so neither a
 * small .tgz hiding gigabytes nor a folder of small zip bombs unpacks more.
 */
#define CWMS_ARCHIVE_MAX_BYTES ((size_t)64 * 1024 * 1024)
/* The most entries (files, directories, links) one archive may hold. */
#define CWMS_ARCHIVE_MAX_ENTRIES 4096

/*
 * Hands every regular member of the archive data (called name) to fn, in
 * archive order, within bounds on entry count and unpacked size: *budget
 * is what the run may still unpack (start it at CWMS_ARCHIVE_MAX_BYTES
 * and pass the same one to every archive of the run); what this archive
 * unpacked is taken off it. Returns 1 with *members (regular files) and
 * *usable (not skipped) set, or 0 with a CWMS_R_ARCHIVE error naming the
 * archive (or the member) when libarchive cannot be loaded, the archive
 * cannot be read or the budget runs out. Every member is read even after
 * one fails, so all problems show at once.
 */
int cwms_archive_read(const unsigned char *data, size_t len, const char *name, size_t *budget,
                      CWMS_DIAG *diag, cwms_archive_member_fn fn, void *arg, size_t *members,
                      size_t *usable);

#endif
