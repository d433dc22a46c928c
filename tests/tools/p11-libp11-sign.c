/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool: an independent PKCS#11 client. Signs a file with a key on the
 * token through libp11 (SHA-256; RSA PKCS#1 v1.5 or ECDSA), so a test can
 * verify the signature with what cwms-bundle exported.
 *
 *   p11-libp11-sign MODULE TOKEN-LABEL PIN KEY-LABEL DATA SIG
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libp11.h>
#include <openssl/evp.h>

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = malloc(1 << 20);

    if (f == NULL || buf == NULL)
        return NULL;
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    PKCS11_CTX *ctx;
    PKCS11_SLOT *slots = NULL, *slot = NULL;
    PKCS11_KEY *keys = NULL;
    unsigned int n_slots = 0, n_keys = 0, i;
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *md = NULL;
    unsigned char *data, sig[1024];
    size_t data_len = 0, sig_len = sizeof(sig);
    FILE *out;
    int rc = 1;

    if (argc != 7) {
        fprintf(stderr, "usage: p11-libp11-sign MODULE TOKEN-LABEL PIN KEY-LABEL DATA SIG\n");
        return 2;
    }
    if ((data = slurp(argv[5], &data_len)) == NULL)
        return 1;
    ctx = PKCS11_CTX_new();
    if (PKCS11_CTX_load(ctx, argv[1]) != 0 || PKCS11_enumerate_slots(ctx, &slots, &n_slots) != 0) {
        fprintf(stderr, "libp11: cannot load %s\n", argv[1]);
        return 1;
    }
    for (i = 0; i < n_slots; i++)
        if (slots[i].token != NULL && strcmp(slots[i].token->label, argv[2]) == 0)
            slot = &slots[i];
    if (slot == NULL || PKCS11_login(slot, 0, argv[3]) != 0
        || PKCS11_enumerate_keys(slot->token, &keys, &n_keys) != 0) {
        fprintf(stderr, "libp11: no token '%s' or login failed\n", argv[2]);
        goto done;
    }
    for (i = 0; i < n_keys && pkey == NULL; i++)
        if (keys[i].label != NULL && strcmp(keys[i].label, argv[4]) == 0)
            pkey = PKCS11_get_private_key(&keys[i]);
    if (pkey == NULL) {
        fprintf(stderr, "libp11: no key '%s'\n", argv[4]);
        goto done;
    }
    md = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1
        || EVP_DigestSign(md, sig, &sig_len, data, data_len) != 1) {
        fprintf(stderr, "libp11: signing failed\n");
        goto done;
    }
    if ((out = fopen(argv[6], "wb")) == NULL || fwrite(sig, 1, sig_len, out) != sig_len)
        goto done;
    fclose(out);
    rc = 0;
done:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    if (slots != NULL)
        PKCS11_release_all_slots(ctx, slots, n_slots);
    PKCS11_CTX_unload(ctx);
    PKCS11_CTX_free(ctx);
    free(data);
    return rc;
}
