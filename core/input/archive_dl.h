/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libarchive, opened at run time (private to the input stage).
 *
 * Archives are rare among the inputs, and cwms.so is loaded by every
 * `openssl` command that names the provider: linking libarchive (and, via
 * it, its compression libraries) would make each of them pay for mapping
 * and relocating it. The first archive opens libarchive.so.13 and fills
 * this table, in the manner of pkcs11/p11_kit_dl.c; libarchive's headers
 * give every member exactly the type libarchive declares.
 */
#ifndef CWMS_INPUT_ARCHIVE_DL_H
#define CWMS_INPUT_ARCHIVE_DL_H

#include <archive.h>
#include <archive_entry.h>

#ifndef CWMS_LIBARCHIVE_SONAME
#define CWMS_LIBARCHIVE_SONAME "libarchive.so.13"
#endif

/* Member NAME is archive_NAME (archive_dl.c resolves each by that symbol). */
typedef struct libarchive_api_st {
    __typeof__(archive_read_new) *read_new;
    __typeof__(archive_read_free) *read_free;
    __typeof__(archive_read_support_format_zip) *read_support_format_zip;
    __typeof__(archive_read_support_format_tar) *read_support_format_tar;
    __typeof__(archive_read_support_filter_gzip) *read_support_filter_gzip;
    __typeof__(archive_read_support_filter_bzip2) *read_support_filter_bzip2;
    __typeof__(archive_read_support_filter_xz) *read_support_filter_xz;
    __typeof__(archive_read_open_memory) *read_open_memory;
    __typeof__(archive_read_next_header) *read_next_header;
    __typeof__(archive_read_data) *read_data;
    __typeof__(archive_filter_bytes) *filter_bytes;
    __typeof__(archive_error_string) *error_string;
    __typeof__(archive_entry_pathname) *entry_pathname;
    __typeof__(archive_entry_filetype) *entry_filetype;
    __typeof__(archive_entry_size) *entry_size;
    __typeof__(archive_entry_size_is_set) *entry_size_is_set;
} LIBARCHIVE_API;

/*
 * Opens libarchive on the first call in this process (thread-safe, once;
 * never closed). Returns the table, or NULL with *why pointing at a
 * static "cannot load libarchive (libarchive.so.13): ...; install ..." text.
 */
const LIBARCHIVE_API *cwms_libarchive_api(const char **why);

#endif
