/* SPDX-License-Identifier: Apache-2.0 */
/* Text printed into a memory BIO, as a string. */
#ifndef CWMS_BIO_TEXT_H
#define CWMS_BIO_TEXT_H

#include <openssl/bio.h>

/*
 * A NUL-terminated copy of what was written to the memory BIO b (freed
 * with OPENSSL_free), or NULL on allocation failure. b is left as it is.
 */
char *cwms_bio_text(BIO *b);

#endif
