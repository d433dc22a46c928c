/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzz input as the C string a text parser takes (fuzz_text.c).
 */
#ifndef CWMS_FUZZ_TEXT_H
#define CWMS_FUZZ_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * A NUL-terminated copy of data (free with free()), or NULL when size is
 * over max (the parsers take one line of a command or a config file, so
 * longer inputs add nothing but time) or memory ran out. A NUL inside
 * data ends the string there, as it would for the parser's callers.
 */
char *fuzz_text_dup(const uint8_t *data, size_t size, size_t max);

#endif
