/* Certificate entries of the pool: see cert.h. */
#include "cert.h"
#include "names.h"

#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

/* "C=US, O=Example, CN=www.example.com", UTF-8 kept as is. */
#define NAME_FLAGS ((XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT)

void cwms_certinfo_clear(CWMS_CERTINFO *info)
{
    cwms_name_release(info->subject);
    cwms_name_release(info->issuer);
    memset(info, 0, sizeof(*info));
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int cwms_asn1_time_to_epoch(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;

    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    *out = days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400
           + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 1;
}

static void copy_keyid(const ASN1_OCTET_STRING *id, unsigned char *buf, size_t *len)
{
    *len = 0;
    if (id != NULL && id->length > 0 && (size_t)id->length <= CWMS_KEYID_MAX) {
        memcpy(buf, id->data, (size_t)id->length);
        *len = (size_t)id->length;
    }
}

int cwms_certinfo_from_x509(X509 *x, CWMS_CERTINFO *info)
{
    ASN1_OCTET_STRING *ski;
    AUTHORITY_KEYID *akid;
    BASIC_CONSTRAINTS *bc;

    memset(info, 0, sizeof(*info));
    info->subject = cwms_name_intern(X509_get_subject_name(x), &info->subject_hash);
    info->issuer = cwms_name_intern(X509_get_issuer_name(x), &info->issuer_hash);
    if (info->subject == NULL || info->issuer == NULL)
        goto err;
    if (!cwms_asn1_time_to_epoch(X509_get0_notBefore(x), &info->not_before)
        || !cwms_asn1_time_to_epoch(X509_get0_notAfter(x), &info->not_after))
        goto err;
    /*
     * Not X509_get0_subject_key_id: it answers NULL when any other extension
     * is invalid, and the DER walker (certinfo.c) must agree with this.
     */
    ski = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
    copy_keyid(ski, info->ski, &info->ski_len);
    ASN1_OCTET_STRING_free(ski);
    akid = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
    if (akid != NULL) {
        copy_keyid(akid->keyid, info->aki, &info->aki_len);
        AUTHORITY_KEYID_free(akid);
    }
    bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
    if (bc != NULL) {
        info->is_ca = bc->ca != 0;
        BASIC_CONSTRAINTS_free(bc);
    }
    info->self_issued = X509_NAME_cmp(info->subject, info->issuer) == 0;
    return 1;
 err:
    cwms_certinfo_clear(info);
    return 0;
}

static CWMS_CERT *cert_alloc(const unsigned char *der, size_t len, const char *origin)
{
    CWMS_CERT *cert = OPENSSL_zalloc(sizeof(*cert));

    if (cert == NULL)
        return NULL;
    if ((cert->der = OPENSSL_memdup(der, len)) == NULL
        || (origin != NULL && (cert->origin = OPENSSL_strdup(origin)) == NULL)
        || !EVP_Digest(der, len, cert->sha256, NULL, EVP_sha256(), NULL)) {
        cwms_cert_free(cert);
        return NULL;
    }
    cert->der_len = len;
    return cert;
}

CWMS_CERT *cwms_cert_new_der(const unsigned char *der, size_t len, const char *origin)
{
    CWMS_CERT *cert = cert_alloc(der, len, origin);

    if (cert == NULL)
        return NULL;
    if (cwms_certinfo_from_der(cert->der, cert->der_len, &cert->info))
        return cert;
    /* The walker did not understand it: let the full decoder decide. */
    if (cwms_cert_x509(cert) != NULL && cwms_certinfo_from_x509(cert->x509, &cert->info))
        return cert;
    cwms_cert_free(cert);
    return NULL;
}

CWMS_CERT *cwms_cert_new_x509(X509 *x, const char *origin)
{
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    CWMS_CERT *cert;

    if (len <= 0)
        return NULL;
    cert = cert_alloc(der, (size_t)len, origin);
    OPENSSL_free(der);
    if (cert == NULL)
        return NULL;
    if (!X509_up_ref(x) || (cert->x509 = x, !cwms_certinfo_from_x509(x, &cert->info))) {
        cwms_cert_free(cert);
        return NULL;
    }
    return cert;
}

void cwms_cert_free(CWMS_CERT *cert)
{
    if (cert == NULL)
        return;
    cwms_certinfo_clear(&cert->info);
    X509_free(cert->x509);
    OPENSSL_free(cert->der);
    OPENSSL_free(cert->origin);
    OPENSSL_free(cert);
}

X509 *cwms_cert_x509(CWMS_CERT *cert)
{
    if (cert->x509 == NULL) {
        const unsigned char *p = cert->der;

        cert->x509 = d2i_X509(NULL, &p, (long)cert->der_len);
        if (cert->x509 != NULL && p != cert->der + cert->der_len) {
            /* Trailing bytes: not the certificate the DER claims to be. */
            X509_free(cert->x509);
            cert->x509 = NULL;
        }
    }
    return cert->x509;
}

char *cwms_name_oneline(const X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL, *data;
    long len;

    if (b == NULL)
        return NULL;
    if (X509_NAME_print_ex(b, name, 0, NAME_FLAGS) >= 0
        && (len = BIO_get_mem_data(b, &data)) >= 0
        && (out = OPENSSL_malloc((size_t)len + 1)) != NULL) {
        memcpy(out, data, (size_t)len);
        out[len] = '\0';
    }
    BIO_free(b);
    return out;
}
