/* SPDX-License-Identifier: Apache-2.0 */
#include "fuzz_text.h"

#include <stdlib.h>
#include <string.h>

char *fuzz_text_dup(const uint8_t *data, size_t size, size_t max)
{
    char *text;

    if (size > max || (text = malloc(size + 1)) == NULL)
        return NULL;
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}
