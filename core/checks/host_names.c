/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host names of the server certificate (host_names.h).
 *
 * Two readers judge them. TLS clients look at subjectAltName only (never
 * the subject CN), a wildcard matching one whole leftmost label: every
 * --host and the site must be covered there, in every release. CWMS
 * itself, at import, checks the WebEx site URL by its own rules, which
 * changed in 2.5MR5 (cwms/options.h, the release table in options.c):
 * before, the SAN had to name the site, the administration URL and every
 * virtual machine; since, only the CN is compared with the site, so a
 * wildcard must be the CN.
 */
#include "checks/host_names.h"

#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/x509v3.h>

#include "cwms/options.h"
#include "cwms_bio_text.h"

/*
 * "DNS:a, DNS:b" of the leaf, for the messages (OPENSSL_free): the first
 * SAN_SHOWN names, then how many more (a certificate may carry 50,000 of
 * them).
 */
#define SAN_SHOWN 10
#define SAN_TEXT_MAX 1024

static char *san_list(X509 *x)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;

    if (b == NULL) {
        GENERAL_NAMES_free(names);
        return NULL;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);

        if (i >= SAN_SHOWN || BIO_pending(b) > SAN_TEXT_MAX) {
            BIO_printf(b, " \u2026 and %d more", sk_GENERAL_NAME_num(names) - i);
            break;
        }
        if (i > 0)
            BIO_puts(b, ", ");
        GENERAL_NAME_print(b, gn);
    }
    if (sk_GENERAL_NAME_num(names) <= 0)
        BIO_puts(b, "no subjectAltName");
    out = cwms_bio_text(b);
    BIO_free(b);
    GENERAL_NAMES_free(names);
    return out;
}

/*
 * 1 when a subjectAltName entry covers name; *by, when not NULL, gets the
 * entry that did (OPENSSL_free; NULL for an address). An address is
 * matched against iPAddress entries, a name per RFC 6125: subjectAltName
 * only (browsers no longer read the CN), a wildcard only as a whole
 * leftmost label ("*.example.com", never "ba*.example.com"), as browsers
 * and the CA/B rules have it.
 */
static int san_covers(X509 *leaf, const char *name, char **by)
{
    int r = X509_check_ip_asc(leaf, name, 0);

    if (by != NULL)
        *by = NULL;
    if (r == -2)
        r = X509_check_host(leaf, name, 0,
                            X509_CHECK_FLAG_NEVER_CHECK_SUBJECT
                                | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                            by);
    return r == 1;
}

/*
 * The subject's CN as text (OPENSSL_free); NULL when there is none. Of
 * several, the last: the most specific, as RFC 2818 reads the subject.
 */
static char *subject_cn(X509 *x)
{
    const X509_NAME *n = X509_get_subject_name(x);
    int i = -1, last = -1, len;
    unsigned char *utf8 = NULL;
    char *cn;

    while ((i = X509_NAME_get_index_by_NID(n, NID_commonName, i)) >= 0)
        last = i;
    if (last < 0)
        return NULL;
    len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, last)));
    if (len < 0)
        return NULL;
    /* A NUL inside the CN makes it no host name at all. */
    cn = memchr(utf8, '\0', (size_t)len) != NULL ? OPENSSL_strdup("(a CN holding a NUL byte)")
                                                 : OPENSSL_strndup((char *)utf8, (size_t)len);
    OPENSSL_free(utf8);
    return cn;
}

/*
 * 1 when the CN names host as CWMS 2.5MR5 and later compare them: the
 * same name (letters in any case), or a whole-label wildcard "*.REST"
 * over a host one label longer than REST (REST of two labels at least).
 */
static int cn_covers(const char *cn, const char *host)
{
    const char *dot;

    if (strcasecmp(cn, host) == 0)
        return 1;
    if (strncmp(cn, "*.", 2) != 0 || strchr(cn + 2, '.') == NULL)
        return 0;
    dot = strchr(host, '.');
    return dot != NULL && dot != host && strcasecmp(dot + 1, cn + 2) == 0;
}

#define CWMS_CN_RULE                                                                               \
    "from 2.5MR5 on CWMS compares the CN, and only the CN, with the WebEx site URL and refuses "   \
    "the import (\"the server domain in the certificate does not match the WebEx site URL\"; "     \
    "Cisco's CWMS 2.5 and 2.6 administration guides, \"Importing an SSL certificate\")"

/* CWMS 2.5MR5 and later: the CN is the site's host, or a wildcard over it. */
static void check_site_cn(const CWMS_CHAIN_PARAMS *cp, X509 *x, const char *leaf, CWMS_DIAG *diag,
                          int *ok)
{
    char *cn = subject_cn(x), *by = NULL;

    if (cn != NULL && cn_covers(cn, cp->site)) {
        OPENSSL_free(cn);
        return;
    }
    if (san_covers(x, cp->site, &by) && by != NULL && strncmp(by, "*.", 2) == 0)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_SITE_WILDCARD_SAN_ONLY,
                      "the wildcard '%s' that covers the WebEx site URL's host '%s' is in the "
                      "subjectAltName of the server certificate '%s' only, its CN is %s%s%s: " CWMS_CN_RULE
                      ", so a wildcard must be the CN (a wildcard in the SAN alone is refused); "
                      "have the certificate re-issued with CN=%s",
                      by, cp->site, leaf, cn != NULL ? "'" : "", cn != NULL ? cn : "missing",
                      cn != NULL ? "'" : "", by);
    else
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_SITE_CN_MISMATCH,
                      "the CN of the server certificate '%s' is %s%s%s, not the WebEx site URL's "
                      "host '%s': " CWMS_CN_RULE
                      "; have the certificate re-issued with CN=%s (or a wildcard CN over it)",
                      leaf, cn != NULL ? "'" : "", cn != NULL ? cn : "missing",
                      cn != NULL ? "'" : "", cp->site, cp->site);
    *ok = 0;
    OPENSSL_free(by);
    OPENSSL_free(cn);
}

/* name (the site, what = NULL, or a --host) in the subjectAltName: the clients' rule, and CWMS's before 2.5MR5. */
static void check_in_san(const CWMS_CHAIN_PARAMS *cp, X509 *x, const char *leaf, const char *name,
                         int site, CWMS_DIAG *diag, int *ok)
{
    char *sans;

    if (san_covers(x, name, NULL))
        return;
    sans = san_list(x);
    if (cp->site != NULL && (cp->site_rules & CWMS_SITE_RULE_SAN))
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_SAN_MISSING_NAME,
                      "%s '%s' is not in the subjectAltName of the server certificate '%s' (it "
                      "names %s): CWMS before 2.5MR5 refuses the import unless the "
                      "subjectAltName names the WebEx site URL, the administration URL and "
                      "every virtual machine's FQDN (Cisco, \"TOI for CWMS SSL certificates\"), "
                      "and TLS clients reaching that name refuse it too; have the certificate "
                      "re-issued with that name",
                      site ? "the WebEx site URL's host" : "--host", name, leaf,
                      sans != NULL ? sans : "?");
    else
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_HOST_MISMATCH,
                      "the server certificate '%s' does not cover the %shost name '%s' (it names "
                      "%s): have the certificate re-issued with that name",
                      leaf, site ? "WebEx site URL's " : "", name, sans != NULL ? sans : "?");
    OPENSSL_free(sans);
    *ok = 0;
}

void cwms_check_host_names(const CWMS_CHAIN_PARAMS *cp, CWMS_CERT *leaf, CWMS_DIAG *diag, int *ok)
{
    X509 *x = cwms_cert_x509(leaf);
    char *name;

    if (x == NULL || (cp->site == NULL && cp->n_hosts == 0))
        return;
    if ((name = cwms_name_oneline(cwms_cert_subject(leaf))) == NULL)
        name = OPENSSL_strdup("?");
    if (name == NULL)
        return;
    if (cp->site != NULL && (cp->site_rules & CWMS_SITE_RULE_CN))
        check_site_cn(cp, x, name, diag, ok);
    if (cp->site != NULL)
        check_in_san(cp, x, name, cp->site, 1, diag, ok);
    for (size_t i = 0; i < cp->n_hosts; i++)
        check_in_san(cp, x, name, cp->hosts[i], 0, diag, ok);
    OPENSSL_free(name);
}
