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
 * Hands every regular member of the archive data (called name) to fn, in
 * archive order, within bounds on member count and total unpacked size.
 * Returns 1 with *members (regular files) and *usable (not skipped) set,
 * or 0 with a CWMS_R_ARCHIVE error naming the archive (or the member)
 * when libarchive cannot be loaded or the archive cannot be read. Every
 * member is read even after one fails, so all problems show at once.
 */
int cwms_archive_read(const unsigned char *data, size_t len, const char *name, CWMS_DIAG *diag,
                      cwms_archive_member_fn fn, void *arg, size_t *members, size_t *usable);

#endif
