/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check --connect --against BUNDLE: does the server send the certificates
 * of that bundle (cwms/inspect.h, cwms_inspect_against)? The question after
 * an import: has CWMS taken the new bundle, or does it still send the
 * old chain?
 *
 * The bundle is read by the check itself (any format check reads), and
 * its certificates are its certificate blocks — for a binary file, those
 * of the chain build would write from it. A self-signed root counts on
 * neither side: CWMS may leave out of what it sends a root the bundle
 * holds, and a root sent is the check's ROOT_INCLUDED. Order does not
 * count either: the bundle is in the CWMS release's order, the server
 * sends TLS order.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cwms/cert.h"
#include "cwms/inspect.h"
#include "inspect/inspect_finding.h"

/* The certificates of one side, self-signed roots left out; borrowed. */
typedef struct {
    X509 **x;
    size_t *block; /* the block each came from (0-based), or SIZE_MAX */
    size_t n;
} CERT_LIST;

static int list_add(CERT_LIST *l, X509 *x, size_t block)
{
    if (x == NULL || X509_self_signed(x, 0) == 1)
        return 1;
    l->x[l->n] = x;
    l->block[l->n++] = block;
    return 1;
}

static int list_init(CERT_LIST *l, size_t cap)
{
    l->n = 0;
    l->x = OPENSSL_malloc((cap + 1) * sizeof(*l->x));
    l->block = OPENSSL_malloc((cap + 1) * sizeof(*l->block));
    return l->x != NULL && l->block != NULL;
}

static void list_clear(CERT_LIST *l)
{
    OPENSSL_free(l->x);
    OPENSSL_free(l->block);
}

/* The certificate blocks of a check, or the certificates of its bundle when it has no blocks. */
static int list_of_check(const CWMS_INSPECTION *c, CERT_LIST *l)
{
    const CWMS_BUNDLE *b = cwms_inspect_get0_bundle(c);
    size_t blocks = cwms_inspect_block_count(c);

    if (!list_init(l, blocks + (b != NULL ? b->n_certs : 0)))
        return 0;
    for (size_t i = 0; i < blocks; i++)
        list_add(l, cwms_inspect_get0_block_x509(c, i), i);
    for (size_t i = 0; blocks == 0 && b != NULL && i < b->n_certs; i++)
        list_add(l, b->certs[i], SIZE_MAX);
    return 1;
}

static int list_has(const CERT_LIST *l, X509 *x)
{
    for (size_t i = 0; i < l->n; i++)
        if (X509_cmp(l->x[i], x) == 0)
            return 1;
    return 0;
}

/* "'CN=x' (SHA-256 0123456789ABCDEF...)" into out. */
static void describe(X509 *x, char *out, size_t size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char hex[17] = "?";
    char *name = cwms_name_oneline(X509_get_subject_name(x));

    if (X509_digest(x, EVP_sha256(), md, &md_len) && md_len >= 8)
        for (size_t i = 0; i < 8; i++)
            snprintf(hex + 2 * i, 3, "%02X", md[i]);
    snprintf(out, size, "'%s' (SHA-256 %s...)", name != NULL ? name : "?", hex);
    OPENSSL_free(name);
}

/* The file's certificates, read as check reads them; 0 with an error in diag when there are none. */
static int read_file(const char *path, const CWMS_INSPECT_OPTIONS *o, CWMS_INSPECTION **file,
                     CERT_LIST *l, CWMS_DIAG *diag)
{
    CWMS_INSPECT_OPTIONS fo = *o;
    CWMS_DIAG *scratch = cwms_diag_new();
    const CWMS_FINDING *why = NULL;

    fo.served = NULL;
    fo.path = path;
    fo.decrypt_keys = 0;
    fo.build.hosts = NULL;
    fo.build.n_hosts = 0;
    fo.build.strict = 0;
    fo.build.has_warn_days = 0;
    if (scratch == NULL || !cwms_inspect_bundle(&fo, scratch, file) || !list_of_check(*file, l)) {
        cwms_diag_free(scratch);
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    cwms_diag_free(scratch);
    if (l->n > 0)
        return 1;
    for (size_t i = 0; i < cwms_inspect_finding_count(*file) && why == NULL; i++)
        if (cwms_inspect_get0_finding(*file, i)->level == CWMS_ERROR)
            why = cwms_inspect_get0_finding(*file, i);
    cwms_diag_add(diag, CWMS_ERROR, why != NULL ? why->reason : CWMS_R_NO_CERTIFICATES,
                  "--against '%s' gives no certificate to compare with%s%s", path,
                  why != NULL ? ": " : " (a self-signed root alone does not count)",
                  why != NULL ? why->message : "");
    return 0;
}

/* One finding per certificate of one side that the other lacks; *n counts them. */
static int add_missing(CWMS_INSPECTION *c, const CERT_LIST *from, const CERT_LIST *other,
                       const char *path, int sent_side, size_t *n)
{
    for (size_t i = 0; i < from->n; i++) {
        char who[1200], msg[1600];

        if (list_has(other, from->x[i]))
            continue;
        describe(from->x[i], who, sizeof(who));
        if (sent_side)
            snprintf(msg, sizeof(msg), "the server %ssends %s, which is not in '%s'%s",
                     from->block[i] == 0 ? "still " : "", who, path,
                     from->block[i] == 0 ? ": it is another server certificate than the "
                                           "bundle's (the old one?)"
                                         : "");
        else
            snprintf(msg, sizeof(msg), "%s of '%s' is not sent by the server", who, path);
        if (!cwms_inspect_add_finding(c, CWMS_ERROR,
                                      sent_side ? CWMS_R_NOT_IN_BUNDLE : CWMS_R_NOT_SENT,
                                      sent_side ? from->block[i] : SIZE_MAX, NULL, msg))
            return 0;
        (*n)++;
    }
    return 1;
}

int cwms_inspect_against(CWMS_INSPECTION *c, const char *path, const CWMS_INSPECT_OPTIONS *o,
                         int *matches, CWMS_DIAG *diag)
{
    CWMS_INSPECTION *file = NULL;
    CERT_LIST sent = { 0 }, wanted = { 0 };
    size_t differ = 0;
    char msg[4400];
    int ok = 0;

    *matches = 0;
    if (!read_file(path, o, &file, &wanted, diag))
        goto end;
    if (!list_of_check(c, &sent) || !add_missing(c, &sent, &wanted, path, 1, &differ)
        || !add_missing(c, &wanted, &sent, path, 0, &differ)) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        goto end;
    }
    *matches = differ == 0;
    snprintf(msg, sizeof(msg), "the server sends the %zu certificate%s of '%s'%s", wanted.n,
             wanted.n == 1 ? "" : "s", path, " (a self-signed root aside, in any order)");
    ok = differ > 0
        || cwms_inspect_add_finding(c, CWMS_NOTE, CWMS_R_SENDS_BUNDLE, SIZE_MAX, NULL, msg);
    if (!ok)
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
end:
    list_clear(&sent);
    list_clear(&wanted);
    cwms_inspect_free(file);
    return ok;
}
