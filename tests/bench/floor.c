/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The floor of the benchmark: what any tool must at least do with the
 * inputs — read the same PEM files and base64-decode every block (with
 * OpenSSL's PEM reader, as cwms-bundle does). Prints the number of blocks
 * and decoded bytes so the work cannot be optimised away.
 *   bench-floor FILE...
 */
#include <stdio.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

int main(int argc, char **argv)
{
    unsigned long blocks = 0, bytes = 0;

    for (int i = 1; i < argc; i++) {
        BIO *in = BIO_new_file(argv[i], "r");
        char *name, *header;
        unsigned char *data;
        long len;

        if (in == NULL) {
            fprintf(stderr, "bench-floor: cannot read %s\n", argv[i]);
            return 1;
        }
        while (PEM_read_bio(in, &name, &header, &data, &len)) {
            blocks++;
            bytes += (unsigned long)len;
            OPENSSL_free(name);
            OPENSSL_free(header);
            OPENSSL_free(data);
        }
        ERR_clear_error(); /* the end of a file reads as "no start line" */
        BIO_free(in);
    }
    printf("%lu blocks, %lu bytes\n", blocks, bytes);
    return blocks > 0 ? 0 : 1;
}
