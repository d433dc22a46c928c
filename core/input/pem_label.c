/* SPDX-License-Identifier: Apache-2.0 */
/* The PEM labels cwms-bundle knows (pem_label.h). */
#include <string.h>

#include <openssl/pem.h>

#include "input/pem_label.h"

static const struct {
    const char *name;
    CWMS_PEM_KIND kind;
} block_names[] = {
    { PEM_STRING_X509, CWMS_PEM_CERT },     /* CERTIFICATE */
    { PEM_STRING_X509_OLD, CWMS_PEM_CERT }, /* X509 CERTIFICATE */
    { PEM_STRING_X509_TRUSTED, CWMS_PEM_TRUSTED_CERT },
    { PEM_STRING_PKCS7, CWMS_PEM_PKCS7 },
    { PEM_STRING_PKCS7_SIGNED, CWMS_PEM_PKCS7 },
    { PEM_STRING_PKCS8INF, CWMS_PEM_KEY }, /* PRIVATE KEY */
    { PEM_STRING_RSA, CWMS_PEM_KEY },
    { PEM_STRING_ECPRIVATEKEY, CWMS_PEM_KEY },
    { PEM_STRING_DSA, CWMS_PEM_KEY },
    { PEM_STRING_PKCS8, CWMS_PEM_ENCRYPTED_KEY }, /* ENCRYPTED PRIVATE KEY */
    { PEM_STRING_X509_REQ, CWMS_PEM_CSR },
    { PEM_STRING_X509_REQ_OLD, CWMS_PEM_CSR },
    { PEM_STRING_PUBLIC, CWMS_PEM_PUBLIC_KEY },
    { PEM_STRING_RSA_PUBLIC, CWMS_PEM_PUBLIC_KEY },
    { PEM_STRING_X509_CRL, CWMS_PEM_CRL },
    { PEM_STRING_ECPARAMETERS, CWMS_PEM_PARAMETERS },
};

CWMS_PEM_KIND cwms_pem_kind(const char *label)
{
    for (size_t i = 0; i < sizeof(block_names) / sizeof(block_names[0]); i++)
        if (strcmp(label, block_names[i].name) == 0)
            return block_names[i].kind;
    return CWMS_PEM_OTHER;
}

int cwms_pem_label_worth_sniffing(const char *label)
{
    static const char *const hints[] = { "CERTIFICATE", "PKCS7", "PKCS #7", "CMS",
                                         "PKCS12",      "PFX",   "KEY" };

    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
        if (strstr(label, hints[i]) != NULL)
            return 1;
    return 0;
}
