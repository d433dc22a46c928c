/* SPDX-License-Identifier: Apache-2.0 */
/*
 * printf into a new buffer (diag.c keeps it beside the messages it formats):
 * the one helper the core's stages use for text they keep.
 */
#ifndef CWMS_UTIL_FORMAT_H
#define CWMS_UTIL_FORMAT_H

#include <stdarg.h>

/* A new NUL-terminated string (OPENSSL_free), or NULL when memory ran out. */
char *cwms_vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
char *cwms_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
