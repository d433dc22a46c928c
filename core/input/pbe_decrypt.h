/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Password-based decryption of keys and PKCS#12 safes (pbe_decrypt.c).
 *
 * OpenSSL decrypts PBES2 with scrypt under its own fixed memory ceiling
 * (32 MiB: EVP_PBE_scrypt's default maxmem, which PKCS8_decrypt_ex and the
 * PKCS#12 functions cannot raise), so a valid key made with N = 2^16 and
 * r = 8 (64 MiB) fails exactly like a wrong passphrase. Here scrypt is
 * derived through EVP_KDF with the ceiling set to CWMS_SCRYPT_MAX_MEMORY,
 * after the cost was checked against kdf_limit.h's limits; every other
 * scheme goes to OpenSSL's own functions. Library context and property
 * query are the caller's.
 */
#ifndef CWMS_INPUT_PBE_DECRYPT_H
#define CWMS_INPUT_PBE_DECRYPT_H

#include <openssl/asn1.h>
#include <openssl/x509.h>

/*
 * The PrivateKeyInfo inside the encrypted PKCS#8 p8 (free it), or NULL
 * when pass does not decrypt it (or its cost is over the limits).
 */
PKCS8_PRIV_KEY_INFO *cwms_pkcs8_decrypt(const X509_SIG *p8, const char *pass, int pass_len,
                                        OSSL_LIB_CTX *libctx, const char *propq);

/*
 * The it structure encrypted in oct with alg (a PKCS#12 safe), or NULL
 * when pass does not decrypt it. As PKCS12_item_decrypt_d2i_ex.
 */
void *cwms_pbe_item_decrypt(const X509_ALGOR *alg, const ASN1_ITEM *it, const char *pass,
                            int pass_len, const ASN1_OCTET_STRING *oct, OSSL_LIB_CTX *libctx,
                            const char *propq);

#endif
