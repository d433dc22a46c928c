/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a PEM block's label says its DER is. One table for the PEM reader
 * and the chunked reader, so they agree on which blocks are certificates.
 */
#ifndef CWMS_INPUT_PEM_LABEL_H
#define CWMS_INPUT_PEM_LABEL_H

typedef enum {
    CWMS_PEM_CERT,
    CWMS_PEM_TRUSTED_CERT,
    CWMS_PEM_PKCS7,
    CWMS_PEM_KEY,           /* PKCS#8, or a traditional key possibly with DEK-Info */
    CWMS_PEM_ENCRYPTED_KEY, /* encrypted PKCS#8 */
    CWMS_PEM_CSR,
    CWMS_PEM_PUBLIC_KEY,
    CWMS_PEM_CRL,
    CWMS_PEM_PARAMETERS, /* "EC PARAMETERS" before an EC key: part of a key file */
    CWMS_PEM_OTHER
} CWMS_PEM_KIND;

/* The kind of block a label ("CERTIFICATE", "RSA PRIVATE KEY") names; CWMS_PEM_OTHER when unknown. */
CWMS_PEM_KIND cwms_pem_kind(const char *label);

/*
 * 1 when an unknown label may still wrap something readable ("CERTIFICATE
 * CHAIN" around a PKCS#7, "CMS", "PKCS12", "NEW CERTIFICATE", "OPENSSH
 * PRIVATE KEY" to be refused): its DER is worth sniffing. Other labels are
 * skipped without decoding: a file of 80,000 foreign blocks costs a read.
 */
int cwms_pem_label_worth_sniffing(const char *label);

#endif
