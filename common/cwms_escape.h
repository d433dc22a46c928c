/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one escaping rule for every byte that reaches a person or a parser:
 * the terminal (messages, the summary, the tree, findings, `tokens`), the
 * --json document, DOT labels, the provider's error queue and stderr
 * lines, and the debug channels.
 *
 * Text from an input (a file name, a certificate's subject, a token's
 * label, a file's own bytes) is shown as it is, except that
 *
 *   - a C0 control (U+0000..U+001F), DEL (U+007F) or C1 control
 *     (U+0080..U+009F, in UTF-8 the two bytes C2 80..C2 9F) is written
 *     as \xNN, NN its code point in two lowercase hex digits;
 *   - a byte that is not part of well-formed UTF-8 (RFC 3629: no
 *     overlong forms, no surrogates, nothing above U+10FFFF, no sequence
 *     cut short) is written as \xNN, NN the byte.
 *
 * So the result is valid UTF-8 holding no control character: it cannot
 * move a terminal's cursor or start an escape sequence, it is a valid
 * JSON or DOT string once quoted, and a Latin-1 byte shows as what it is.
 * A backslash is left as it is, so escaping text twice changes nothing;
 * the result is for reading, not for undoing (\x41 may have been typed).
 */
#ifndef CWMS_ESCAPE_H
#define CWMS_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* len bytes under the rule, NUL-terminated (OPENSSL_free); NULL when memory ran out. */
char *cwms_escape_bytes(const void *data, size_t len);

/* text (NULL taken as "") under the rule (OPENSSL_free); NULL when memory ran out. */
char *cwms_escape_text(const char *text);

/* Writes text under the rule to out, without allocating; 1, or 0 on a write error. */
int cwms_escape_fputs(const char *text, FILE *out);

/*
 * How many of the first len bytes of data to keep so that at most max
 * remain and no well-formed UTF-8 character is cut in two (a label cut
 * to fit must not end in half a character).
 */
size_t cwms_utf8_cut(const void *data, size_t len, size_t max);

#endif
