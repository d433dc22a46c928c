/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cwms-bundle check`: an existing bundle against what build would write
 * (cwms/inspect.h).
 *
 * 1. The file's blocks and the text between them (blocks.c).
 * 2. Its certificates and keys, block by block, through the input
 *    readers into a pool, then cwms_chain_build with the caller's
 *    options: the build's verdicts (missing intermediate, expiry, key
 *    match, host names, everything its checks look at) become findings
 *    as they are, and its bundle is "what build would write" -- also
 *    when the build fails, and for a file whose root is left out
 *    (CWMS_OPTIONS.unknown_anchor, bundle_on_error).
 * 3. The file against that bundle, block by block: key position and
 *    count, order, root, certificates on no path, duplicates, stray text.
 */
#include "cwms/inspect.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "chain.h"
#include "cwms_escape.h"
#include "cwms/explain.h"
#include "inspect/blocks.h"
#include "inspect/inspect_finding.h"
#include "input/fetch.h"
#include "input/input.h"
#include "util/file_read.h"
#include "util/format.h"

/* A bundle is a few kilobytes; anything this large is not one. */
#define CHECK_MAX_BYTES ((size_t)16 * 1024 * 1024)

typedef struct {
    CWMS_FINDING pub;
    char *message;
    char *action;
} FINDING;

struct cwms_inspection_st {
    CWMS_FILE_BUF buf;   /* the file as read (it may hold a key in the clear) */
    unsigned char *data; /* buf's bytes */
    size_t len;
    CWMS_SCAN scan;
    FINDING *findings;
    size_t n_findings, cap_findings;
    CWMS_BUNDLE *bundle;   /* what build would write; NULL when it failed */
    CWMS_EXPLAIN *partial; /* when it failed: what it found (certificates, missing issuers) */
    size_t key_block;      /* 0-based block of the key the bundle carries; SIZE_MAX none */
    int not_pem;
    int strict;
    int gap;    /* the build found an issuer missing: CAs off the chain may sit above the gap */
    int served; /* a chain a TLS server sent (CWMS_INSPECT_OPTIONS.served) */
};

/*-
 * Findings
 * --------
 */

/*
 * Adds a finding about block (0-based; SIZE_MAX = the file): its code and
 * whether --fix mends it come from the reason table; action NULL for the
 * table's advice. held: the check holds what --fix needs for a reason the
 * table marks CWMS_FIX_IF_HELD. 1, or 0 when memory ran out.
 */
__attribute__((format(printf, 7, 0))) static int vadd_finding(CWMS_INSPECTION *c, CWMS_LEVEL level,
                                                              CWMS_REASON reason, size_t block,
                                                              int held, const char *action,
                                                              const char *fmt, va_list ap)
{
    const CWMS_REASON_ROW *row = cwms_reason_row(reason);
    FINDING *f;
    char *text;

    /* Every reason has a row (docs-reasons_agree); internal's stands in for none. */
    if (row == NULL)
        row = cwms_reason_row(CWMS_R_INTERNAL);
    if (c->n_findings == c->cap_findings) {
        size_t ncap = c->cap_findings ? c->cap_findings * 2 : 8;
        FINDING *nf = OPENSSL_realloc(c->findings, ncap * sizeof(*nf));

        if (nf == NULL)
            return 0;
        c->findings = nf;
        c->cap_findings = ncap;
    }
    f = &c->findings[c->n_findings];
    memset(f, 0, sizeof(*f));
    text = cwms_vformat(fmt, ap);
    /* A message may quote the file's own bytes (STRAY_TEXT): shown under the one rule. */
    f->message = text != NULL ? cwms_escape_text(text) : NULL;
    OPENSSL_free(text);
    f->action = OPENSSL_strdup(action != NULL ? action : row->advice);
    if (f->message == NULL || f->action == NULL) {
        OPENSSL_free(f->message);
        OPENSSL_free(f->action);
        return 0;
    }
    c->n_findings++;
    f->pub.level = level;
    f->pub.code = row->finding;
    f->pub.reason = reason;
    f->pub.message = f->message;
    f->pub.action = f->action;
    f->pub.sha256 = "";
    if (block != SIZE_MAX && block < c->scan.n_blocks) {
        f->pub.block = block + 1;
        f->pub.subject = c->scan.blocks[block].pub.subject;
        f->pub.sha256 = c->scan.blocks[block].pub.sha256;
    }
    /* The layout of a chain a server sends is not rewritten: it is fixed in CWMS. */
    f->pub.fixable = row->fix == CWMS_FIX_IF_HELD ? held : row->fix == CWMS_FIX_YES && !c->served;
    return 1;
}

__attribute__((format(printf, 6, 7))) static int add_finding(CWMS_INSPECTION *c, CWMS_LEVEL level,
                                                             CWMS_REASON reason, size_t block,
                                                             const char *action, const char *fmt,
                                                             ...)
{
    va_list ap;
    int ok;

    va_start(ap, fmt);
    ok = vadd_finding(c, level, reason, block, 0, action, fmt, ap);
    va_end(ap);
    return ok;
}

/* A finding --fix can mend from what the check holds (CWMS_FIX_IF_HELD). */
__attribute__((format(printf, 6, 7))) static int add_held_finding(CWMS_INSPECTION *c,
                                                                  CWMS_LEVEL level,
                                                                  CWMS_REASON reason, size_t block,
                                                                  const char *action,
                                                                  const char *fmt, ...)
{
    va_list ap;
    int ok;

    va_start(ap, fmt);
    ok = vadd_finding(c, level, reason, block, 1, action, fmt, ap);
    va_end(ap);
    return ok;
}

int cwms_inspect_add_finding(CWMS_INSPECTION *c, CWMS_LEVEL level, CWMS_REASON reason, size_t block,
                             const char *action, const char *message)
{
    return add_finding(c, level, reason, block, action, "%s", message);
}

/* Every error and warning of the build as a finding; notes only when they carry a reason. */
static int add_build_findings(CWMS_INSPECTION *c, const CWMS_DIAG *bdiag)
{
    for (size_t i = 0; i < cwms_diag_count(bdiag); i++) {
        const CWMS_MSG *m = cwms_diag_get(bdiag, i);
        const char *action = NULL;

        if (m->reason == CWMS_R_NONE || m->reason == CWMS_R_INTERNAL)
            continue;
        c->gap |= m->level == CWMS_ERROR && m->reason == CWMS_R_MISSING_INTERMEDIATE;
        /* A missing intermediate of a server: what is imported into CWMS needs it. */
        if (c->served && m->reason == CWMS_R_MISSING_INTERMEDIATE)
            action = "the server does not send it: build the bundle again with it (build "
                     "--fetch downloads it from the URL shown), import that into CWMS, and "
                     "check --connect again";
        if (!add_finding(c, m->level, m->reason, SIZE_MAX, action, "%s", m->text))
            return 0;
    }
    return 1;
}

/*-
 * Reading
 * -------
 */

/* How findings name the file: standard input as the input readers name it. */
static const char *file_name(const CWMS_INSPECT_OPTIONS *o)
{
    return strcmp(o->path, "-") == 0 ? "(stdin)" : o->path;
}

/*
 * The file through the inputs' one capped, non-blocking reader ("-":
 * standard input), so a FIFO with a writer is read and one without is
 * reported instead of waited on. 1, or 0 with the UNREADABLE finding's text in err.
 */
static int read_file(CWMS_INSPECTION *c, const CWMS_INSPECT_OPTIONS *o, char *err, size_t err_size)
{
    const char *name = file_name(o);
    CWMS_DIAG *why;
    struct stat st;
    int code;

    if (strcmp(o->path, "-") != 0 && stat(o->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "'%s' is a directory: check takes the one bundle file", name);
        return 0;
    }
    if (cwms_file_read(strcmp(o->path, "-") == 0 ? NULL : o->path, &c->buf, &code)) {
        c->data = c->buf.data;
        c->len = c->buf.len;
        if (c->len <= CHECK_MAX_BYTES)
            return 1;
        snprintf(err, err_size, "'%s' is larger than %zu MiB: not a CWMS bundle", name,
                 CHECK_MAX_BYTES >> 20);
        return 0;
    }
    if ((why = cwms_diag_new()) == NULL) {
        snprintf(err, err_size, "out of memory reading '%s'", name);
        return 0;
    }
    cwms_file_read_report(why, CWMS_R_INPUT_UNREADABLE, name, &c->buf, code);
    snprintf(err, err_size, "%s", cwms_diag_count(why) > 0 ? cwms_diag_get(why, 0)->text : "?");
    cwms_diag_free(why);
    return 0;
}

/* The served chain as PEM text in c->buf, in the order sent: the blocks the check then reads. */
static int served_pem(CWMS_INSPECTION *c, STACK_OF(X509) * chain, char *err, size_t err_size)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *p = NULL;
    long n;
    int ok = mem != NULL;

    for (int i = 0; ok && i < sk_X509_num(chain); i++)
        ok = PEM_write_bio_X509(mem, sk_X509_value(chain, i));
    if (ok && (n = BIO_get_mem_data(mem, &p)) > 0
        && (c->buf.data = OPENSSL_memdup(p, (size_t)n)) != NULL) {
        c->data = c->buf.data;
        c->len = c->buf.len = c->buf.cap = (size_t)n;
    } else {
        snprintf(err, err_size, "out of memory writing the chain the server sent as PEM");
    }
    BIO_free(mem);
    return c->data != NULL;
}

/* "Bag Attributes", "subject=", `openssl x509 -text`: what left the text there, and the fix. */
static const char *stray_kind(const unsigned char *p, size_t len)
{
    static const struct {
        const char *start;
        const char *what;
    } kinds[] = {
        { "Bag Attributes", "PKCS#12 bag attributes (openssl pkcs12 output)" },
        { "subject=", "subject/issuer lines (openssl x509 -subject or pkcs12 output)" },
        { "issuer=", "subject/issuer lines (openssl x509 -issuer or pkcs12 output)" },
        { "Certificate:", "a certificate printed as text (openssl x509 -text)" },
        { "Key Attributes", "PKCS#12 key attributes (openssl pkcs12 output)" },
    };
    size_t skip = 0;

    while (skip < len && (p[skip] == ' ' || p[skip] == '\t'))
        skip++;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        size_t l = strlen(kinds[i].start);

        if (len - skip >= l && memcmp(p + skip, kinds[i].start, l) == 0)
            return kinds[i].what;
    }
    return "text";
}

/*
 * 1 when the bytes are binary data (a DER or PKCS#12 blob pasted in): a NUL,
 * which no text has, or C0 controls and DEL making up a third of them. Text
 * with a few odd bytes is quoted instead, under the escaping rule.
 */
static int binary(const unsigned char *p, size_t len)
{
    size_t controls = 0;

    for (size_t i = 0; i < len; i++) {
        if (p[i] == 0)
            return 1;
        controls += (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f')
            || p[i] == 0x7f;
    }
    return controls * 3 > len;
}

static int add_stray_text(CWMS_INSPECTION *c)
{
    for (size_t i = 0; i < c->scan.n_texts; i++) {
        const CWMS_SCAN_TEXT *t = &c->scan.texts[i];
        const unsigned char *p = c->data + t->offset;
        size_t first = 0;

        /* Binary data is counted, never quoted: a page of \xNN helps nobody. */
        if (binary(p, t->len)) {
            if (!add_finding(c, CWMS_ERROR, CWMS_R_STRAY_TEXT,
                             t->before_block < c->scan.n_blocks ? t->before_block : SIZE_MAX, NULL,
                             "line %zu: %zu bytes of binary data outside the PEM blocks%s", t->line,
                             t->len,
                             t->before_block < c->scan.n_blocks ? ", before this block"
                                                                : ", after the last block"))
                return 0;
            continue;
        }
        while (first < t->len && p[first] != '\n' && p[first] != '\r')
            first++;
        /* The first line, at most 60 bytes of it and no character cut in two. */
        first = cwms_utf8_cut(p, first, 60);
        if (!add_finding(c, CWMS_ERROR, CWMS_R_STRAY_TEXT,
                         t->before_block < c->scan.n_blocks ? t->before_block : SIZE_MAX, NULL,
                         "line %zu: %s outside the PEM blocks (\"%.*s%s\", %zu bytes)%s", t->line,
                         stray_kind(p, t->len), (int)first, (const char *)p,
                         first < t->len ? "..." : "", t->len,
                         t->before_block < c->scan.n_blocks ? ", before this block"
                                                            : ", after the last block"))
            return 0;
    }
    if (c->scan.unterminated
        && !add_finding(c, CWMS_ERROR, CWMS_R_STRAY_TEXT, SIZE_MAX,
                        "restore the block's END line, or take the block again from its source",
                        "a BEGIN line has no matching END line: that block is cut short"))
        return 0;
    return 1;
}

static int add_duplicates(CWMS_INSPECTION *c)
{
    for (size_t i = 0; i < c->scan.n_blocks; i++) {
        const CWMS_SCAN_BLOCK *b = &c->scan.blocks[i];

        if (b->pub.kind != CWMS_BLOCK_CERT || b->sha256[0] == '\0' || b->copy_of == SIZE_MAX)
            continue;
        if (!add_finding(c, c->served ? CWMS_WARNING : CWMS_ERROR, CWMS_R_DUPLICATE_CERT, i,
                         c->served ? "import a bundle without the copy into CWMS"
                                   : "remove the second copy (check --fix does)",
                         "the same certificate as %s %zu%s", c->served ? "certificate" : "block",
                         b->copy_of + 1, c->served ? " again: clients pass over it" : ""))
            return 0;
    }
    return 1;
}

/* Index of the first block holding the same certificate; SIZE_MAX when none. */
static size_t first_copy(const CWMS_INSPECTION *c, size_t i)
{
    return c->scan.blocks[i].copy_of;
}

/*-
 * The file against the bundle build would write
 * ----------------------------------------------
 */

static const char *order_words(CWMS_ORDER o)
{
    return o == CWMS_ORDER_LEAF_FIRST ? "leaf-first (CWMS 1.x and 2.0: server certificate first)"
                                      : "root-first (CWMS 2.5 and later: server certificate last)";
}

/* Why an input certificate is not in the bundle, as the build's explanation says. */
static const char *left_out_reason(const CWMS_BUNDLE *b, X509 *x, CWMS_ROLE *role)
{
    const CWMS_EXPLAIN *e = cwms_bundle_get0_explain(b);

    size_t i = x != NULL ? cwms_explain_find_cert(e, x) : SIZE_MAX;

    *role = CWMS_ROLE_NONE;
    if (i == SIZE_MAX)
        return NULL;
    *role = cwms_explain_get0_cert(e, i)->role;
    return cwms_explain_get0_cert(e, i)->left_out;
}

/* A certificate the server sends that its chain does not need: clients pass over it. */
static int add_served_extra(CWMS_INSPECTION *c, size_t i, CWMS_ROLE role, const char *why)
{
    if (role == CWMS_ROLE_ROOT)
        return add_finding(c, CWMS_WARNING, CWMS_R_ROOT_INCLUDED, i,
                           "import a bundle without the root into CWMS (build leaves it out)",
                           "the server sends the self-signed root of its chain: clients use "
                           "their own copy, so it only adds bytes to every handshake");
    return add_finding(c, CWMS_WARNING, CWMS_R_UNRELATED_CERT, i,
                       "import a bundle without it into CWMS (check --fix on the bundle "
                       "writes one)",
                       "the server sends a certificate on no path of its chain: %s; clients "
                       "pass over it",
                       why != NULL ? why : "it is not on the chain build chose");
}

static int compare_certs(CWMS_INSPECTION *c, CWMS_ORDER order)
{
    const CWMS_BUNDLE *b = c->bundle;
    size_t *pos = NULL, n_pos = 0, first_bad = SIZE_MAX;
    int increasing = 1, decreasing = 1, ok = 0;

    if ((pos = OPENSSL_malloc((c->scan.n_blocks + 1) * sizeof(*pos))) == NULL)
        return 0;
    for (size_t i = 0; i < c->scan.n_blocks; i++) {
        const CWMS_SCAN_BLOCK *blk = &c->scan.blocks[i];
        size_t at = SIZE_MAX;

        if (blk->pub.kind != CWMS_BLOCK_CERT || first_copy(c, i) != SIZE_MAX)
            continue;
        for (size_t j = 0; blk->x509 != NULL && j < b->n_certs; j++)
            if (X509_cmp(b->certs[j], blk->x509) == 0)
                at = j;
        if (at != SIZE_MAX) {
            if (n_pos > 0) {
                if (at < pos[n_pos - 1] && first_bad == SIZE_MAX)
                    first_bad = i;
                increasing &= at > pos[n_pos - 1];
                decreasing &= at < pos[n_pos - 1];
            }
            pos[n_pos++] = at;
            continue;
        }
        {
            CWMS_ROLE role;
            const char *why = left_out_reason(b, blk->x509, &role);

            if (c->served) {
                if (!add_served_extra(c, i, role, why))
                    goto end;
            } else if (role == CWMS_ROLE_ROOT) {
                if (!add_finding(c, CWMS_WARNING, CWMS_R_ROOT_INCLUDED, i, NULL,
                                 "the self-signed root of the chain"))
                    goto end;
            } else if (c->gap && blk->x509 != NULL && X509_check_ca(blk->x509) != 0) {
                /* Above the missing issuer, not unrelated: MISSING_INTERMEDIATE names them. */
                continue;
            } else if (!add_finding(c, CWMS_ERROR, CWMS_R_UNRELATED_CERT, i, NULL,
                                    "on no path of the server certificate's chain: %s",
                                    why != NULL ? why : "it is not on the chain build chose")) {
                goto end;
            }
        }
    }
    /* A served chain is in TLS order: the server's first (pinned), the rest in any order. */
    if (!increasing && !c->served) {
        int reversed = decreasing && n_pos > 1;

        if (!add_finding(c, CWMS_ERROR, CWMS_R_ORDER_WRONG, first_bad, NULL,
                         reversed
                             ? "the certificates are in the %s order, the reverse of the "
                               "%s order checked for"
                             : "the certificates are out of order%.0s; checked for the %s order",
                         order_words(order == CWMS_ORDER_LEAF_FIRST ? CWMS_ORDER_ROOT_FIRST
                                                                    : CWMS_ORDER_LEAF_FIRST),
                         order_words(order)))
            goto end;
    }
    ok = 1;
end:
    OPENSSL_free(pos);
    return ok;
}

static int compare_keys(CWMS_INSPECTION *c, const size_t *key_blocks, size_t n_key_blocks)
{
    size_t first_key = n_key_blocks > 0 ? key_blocks[0] : SIZE_MAX;
    size_t chosen = c->key_block;

    if (n_key_blocks == 0)
        return 1;
    if (chosen == SIZE_MAX && n_key_blocks == 1)
        chosen = c->key_block = first_key;
    if (n_key_blocks > 1 && c->bundle != NULL) {
        if (chosen != SIZE_MAX) {
            /* The one thing --fix can do about several keys: keep the right one. */
            if (!add_held_finding(c, CWMS_ERROR, CWMS_R_SEVERAL_KEYS, chosen,
                                  "keep only the key of the server certificate (check --fix does)",
                                  "the file holds %zu private keys; block %zu is the server "
                                  "certificate's",
                                  n_key_blocks, chosen + 1))
                return 0;
        } else if (!add_finding(c, CWMS_ERROR, CWMS_R_SEVERAL_KEYS, key_blocks[1],
                                "keep only the key of the server certificate (--passin lets "
                                "check tell which one it is)",
                                "the file holds %zu private keys, encrypted: which one belongs "
                                "to the server certificate was not checked",
                                n_key_blocks)) {
            return 0;
        }
    }
    if (first_key != 0 || (chosen != SIZE_MAX && chosen != 0)) {
        size_t k = chosen != SIZE_MAX ? chosen : first_key;

        if (!add_finding(c, CWMS_ERROR, CWMS_R_KEY_NOT_FIRST, k, NULL,
                         "CWMS wants the private key as the first block; here it is block %zu",
                         k + 1))
            return 0;
    }
    return 1;
}

/*
 * The certificates of what build would write that --fetch downloaded (the
 * pool's from index fetched on): the file lacks them, and --fix can add them.
 */
static int add_fetched(CWMS_INSPECTION *c, const CWMS_INPUTS *in, size_t fetched)
{
    for (size_t k = fetched; k < cwms_pool_count(in->pool); k++) {
        CWMS_CERT *cert = cwms_pool_get(in->pool, k);
        X509 *x = cwms_cert_x509(cert);
        char *subject;
        size_t j;
        int ok;

        for (j = 0; x != NULL && j < c->bundle->n_certs; j++)
            if (X509_cmp(c->bundle->certs[j], x) == 0)
                break;
        if (x == NULL || j == c->bundle->n_certs)
            continue;
        subject = cwms_name_oneline(X509_get_subject_name(x));
        /* Downloaded and verified: --fix can write it. */
        ok = add_held_finding(c, CWMS_ERROR, CWMS_R_MISSING_INTERMEDIATE, SIZE_MAX,
                              "add it: check --fetch --fix -o FILE writes it into the file",
                              "'%s' is not in the file; --fetch downloaded it from %s",
                              subject != NULL ? subject : "?", cwms_cert_get0_origin(cert));
        OPENSSL_free(subject);
        if (!ok)
            return 0;
    }
    return 1;
}

/*-
 * The check
 * ---------
 */

/* The build's options for a served chain: TLS order, the first certificate the server's. */
static void served_options(CWMS_OPTIONS *opts, STACK_OF(X509) * chain)
{
    unsigned int len = sizeof(opts->leaf_sha256);

    opts->order = CWMS_ORDER_LEAF_FIRST;
    opts->no_key = 1;
    opts->has_leaf_sha256 =
        X509_digest(sk_X509_value(chain, 0), EVP_sha256(), opts->leaf_sha256, &len)
        && len == sizeof(opts->leaf_sha256);
}

/*
 * What build would write from the file's certificates and keys, and with
 * --fetch what it downloads (the pool's certificates from *fetched on):
 * into c->bundle, or, when that fails, what it found into c->partial. 0
 * only when memory ran out.
 */
static int build_from_file(CWMS_INSPECTION *c, const CWMS_INSPECT_OPTIONS *o, CWMS_INPUTS *in,
                           CWMS_DIAG *bdiag, size_t *fetched)
{
    CWMS_OPTIONS opts = o->build;
    CWMS_TRUST *trust;

    opts.inputs = NULL;
    opts.n_inputs = 0;
    opts.key_source = NULL;
    opts.no_key = in->n_keys == 0;
    opts.include_root = 0;
    opts.explain = 1;
    /* The file leaves the root out, as CWMS wants: judge it also when its issuer is unknown. */
    opts.unknown_anchor = 1;
    opts.bundle_on_error = 1;
    if (c->served)
        served_options(&opts, o->served);
    ERR_set_mark();
    trust = cwms_trust_new(opts.trust_file, opts.front, opts.libctx, opts.propq, bdiag);
    ERR_pop_to_mark();
    if (trust == NULL)
        return 1;
    *fetched = cwms_pool_count(in->pool);
    if (opts.fetch
        && !cwms_chain_fetch_issuers(&opts, in->pool, in->keys, in->n_keys, trust, bdiag)) {
        cwms_trust_free(trust);
        return 0;
    }
    (void)cwms_chain_build_trusted(&opts, in->pool, trust, in->keys, in->n_keys, NULL, bdiag,
                                   &c->bundle, &c->partial);
    return 1;
}

/* 1 when the file is a PKCS#12 (CWMS imports one as it is). */
static int is_pkcs12(const unsigned char *data, size_t len)
{
    const unsigned char *p = data;
    PKCS12 *p12;

    ERR_set_mark();
    p12 = len <= LONG_MAX ? d2i_PKCS12(NULL, &p, (long)len) : NULL;
    ERR_pop_to_mark();
    PKCS12_free(p12);
    return p12 != NULL;
}

/*
 * A file that is not PEM, read as build reads it: its contents are judged
 * like a PEM file's. CWMS's import takes a PKCS#12 (.p12/.pfx) as well as
 * one PEM file (a warning: the layout CWMS documents is the PEM one, which
 * --fix writes); DER and PKCS#7 it does not take for a key and chain. 1 to
 * go on judging, 0 when nothing could be read (the findings say why), -1
 * when memory ran out.
 */
static int read_not_pem(CWMS_INSPECTION *c, const CWMS_INSPECT_OPTIONS *o, CWMS_INPUTS *in,
                        const CWMS_READ_CTX *rctx, CWMS_DIAG *bdiag)
{
    int p12 = is_pkcs12(c->data, c->len);

    c->not_pem = 1;
    if (!cwms_inputs_add_buffer(in, c->data, c->len, file_name(o), rctx, bdiag))
        return add_build_findings(c, bdiag) ? 0 : -1;
    if (p12)
        return add_finding(c, CWMS_WARNING, CWMS_R_NOT_PEM, SIZE_MAX,
                           "CWMS imports it as it is, or write the one PEM file its guide "
                           "describes with check --fix -o FILE",
                           "'%s' is a PKCS#12 file (binary): CWMS imports a PKCS#12 (.p12/.pfx) "
                           "or one PEM file; its contents are judged below",
                           file_name(o))
            ? 1
            : -1;
    return add_finding(c, CWMS_ERROR, CWMS_R_NOT_PEM, SIZE_MAX, NULL,
                       "'%s' is not a PEM file (binary DER or PKCS#7): CWMS takes a key and its "
                       "chain as one PEM file or a PKCS#12 (.p12/.pfx)",
                       file_name(o))
        ? 1
        : -1;
}

static int read_blocks(CWMS_INSPECTION *c, const CWMS_INSPECT_OPTIONS *o, CWMS_INPUTS *in,
                       const CWMS_READ_CTX *rctx, CWMS_DIAG *bdiag, size_t *key_block_of,
                       size_t *key_blocks, size_t *n_key_blocks, size_t *undecrypted)
{
    for (size_t i = 0; i < c->scan.n_blocks; i++) {
        const CWMS_SCAN_BLOCK *blk = &c->scan.blocks[i];
        size_t before = in->n_keys;
        char name[4096];

        if (blk->pub.kind == CWMS_BLOCK_OTHER) {
            /* A PKCS#7 block holds certificates the chain may need: --fix writes them out. */
            int pkcs7 = strcmp(blk->pub.label, "PKCS7") == 0;

            if (!add_finding(c, CWMS_ERROR, CWMS_R_UNEXPECTED_BLOCK, i,
                             pkcs7 ? "write its certificates as CERTIFICATE blocks (check --fix "
                                     "does)"
                                   : "remove it: CWMS wants the key and certificates only "
                                     "(check --fix does)",
                             "a '%s' block, neither a key nor a certificate", blk->pub.label))
                return 0;
            if (!pkcs7)
                continue;
        }
        if (blk->pub.kind == CWMS_BLOCK_KEY || blk->pub.kind == CWMS_BLOCK_ENCRYPTED_KEY)
            key_blocks[(*n_key_blocks)++] = i;
        if (blk->pub.kind == CWMS_BLOCK_ENCRYPTED_KEY && !o->decrypt_keys) {
            (*undecrypted)++;
            continue;
        }
        snprintf(name, sizeof(name), "%s %s %zu", file_name(o), c->served ? "certificate" : "block",
                 i + 1);
        /* A block that does not read is reported by the reader; the others still count. */
        (void)cwms_inputs_add_buffer(in, c->data + blk->pub.offset, blk->pub.len, name, rctx,
                                     bdiag);
        for (size_t k = before; k < in->n_keys; k++)
            key_block_of[k] = i;
    }
    return 1;
}

/* What reading the file found, for the findings after it. */
typedef struct {
    CWMS_INPUTS *in;
    CWMS_DIAG *bdiag; /* the readers' and the build's messages */
    CWMS_READ_CTX rctx;
    size_t *key_block_of;             /* for each key of in, the block it was read from */
    size_t *key_blocks, n_key_blocks; /* the blocks holding a key */
    size_t undecrypted;               /* encrypted key blocks not decrypted */
    size_t fetched;                   /* the pool's certificates from here on were downloaded */
} READING;

/*
 * The file's certificates and keys into r: block by block, or a file that
 * is not PEM as a whole. 1 to go on judging, 0 when nothing could be read
 * (the findings say why), -1 when memory ran out.
 */
static int read_contents(CWMS_INSPECTION *c, const CWMS_INSPECT_OPTIONS *o, READING *r)
{
    if (!cwms_scan_pem(c->data, c->len, &c->scan))
        return -1;
    r->rctx.libctx = o->build.libctx;
    r->rctx.propq = o->build.propq;
    r->rctx.pass = o->decrypt_keys ? o->build.pass : NULL;
    /* Not PEM: what build reads (DER, PKCS#7, PKCS#12) it reads here too. */
    if (c->scan.n_blocks == 0)
        return read_not_pem(c, o, r->in, &r->rctx, r->bdiag);
    if ((r->key_block_of = OPENSSL_malloc(c->scan.n_blocks * 4 * sizeof(size_t) + 1)) == NULL
        || (r->key_blocks = OPENSSL_malloc(c->scan.n_blocks * sizeof(size_t) + 1)) == NULL
        || !read_blocks(c, o, r->in, &r->rctx, r->bdiag, r->key_block_of, r->key_blocks,
                        &r->n_key_blocks, &r->undecrypted))
        return -1;
    return 1;
}

/* The file's layout on its own: stray text, copies, the key's presence. 0 when memory ran out. */
static int add_layout_findings(CWMS_INSPECTION *c, const READING *r)
{
    /* The bytes of a binary file are no stray text: it was read as what it is. */
    if ((!c->not_pem && !add_stray_text(c)) || !add_duplicates(c))
        return 0;
    if (r->undecrypted > 0
        && !add_finding(c, CWMS_NOTE, CWMS_R_KEY_NOT_CHECKED, r->key_blocks[0], NULL,
                        "the private key is encrypted: its position was checked, "
                        "its match with the server certificate was not"))
        return 0;
    if (r->n_key_blocks == 0 && r->in->n_keys == 0 && !c->served
        && !add_finding(c, CWMS_ERROR, CWMS_R_NO_KEY, SIZE_MAX, NULL,
                        "the file holds no private key; CWMS wants it as the "
                        "first block"))
        return 0;
    return 1;
}

/* What build would write, its verdicts, and the file against it. 0 when memory ran out. */
static int judge_against_build(CWMS_INSPECTION *c, const CWMS_INSPECT_OPTIONS *o, READING *r)
{
    if (cwms_diag_first_error(r->bdiag) == NULL && cwms_pool_count(r->in->pool) > 0) {
        if (!build_from_file(c, o, r->in, r->bdiag, &r->fetched))
            return 0;
    } else if (cwms_diag_first_error(r->bdiag) == NULL
               && !add_finding(c, CWMS_ERROR, CWMS_R_NO_CERTIFICATES, SIZE_MAX, NULL,
                               "the file holds no certificate")) {
        return 0;
    }
    if (!add_build_findings(c, r->bdiag))
        return 0;
    if (c->bundle != NULL)
        for (size_t k = 0; c->bundle->key != NULL && k < r->in->n_keys && r->key_block_of != NULL;
             k++)
            if (r->in->keys[k].pkey == c->bundle->key)
                c->key_block = r->key_block_of[k];
    /* Where the key is needs no chain; which certificates are wrong does. */
    return compare_keys(c, r->key_blocks, r->n_key_blocks)
        && (c->bundle == NULL || compare_certs(c, o->build.order))
        && (c->bundle == NULL || add_fetched(c, r->in, r->fetched));
}

int cwms_inspect_bundle(const CWMS_INSPECT_OPTIONS *o, CWMS_DIAG *diag, CWMS_INSPECTION **out)
{
    CWMS_INSPECTION *c = OPENSSL_zalloc(sizeof(*c));
    READING r = { .fetched = SIZE_MAX };
    char err[4200];
    int ok = 0, read;

    *out = NULL;
    if (c == NULL || (r.in = cwms_inputs_new()) == NULL || (r.bdiag = cwms_diag_new()) == NULL)
        goto oom;
    c->key_block = SIZE_MAX;
    c->strict = o->build.strict;
    c->served = o->served != NULL;
    if (!(c->served ? served_pem(c, o->served, err, sizeof(err))
                    : read_file(c, o, err, sizeof(err)))) {
        if (!add_finding(c, CWMS_ERROR, CWMS_R_INPUT_UNREADABLE, SIZE_MAX, NULL, "%s", err))
            goto oom;
        goto done;
    }
    if ((read = read_contents(c, o, &r)) < 0)
        goto oom;
    if (read == 0)
        goto done;
    if (!add_layout_findings(c, &r) || !judge_against_build(c, o, &r))
        goto oom;
done:
    if (c->strict)
        for (size_t i = 0; i < c->n_findings; i++)
            if (c->findings[i].pub.level == CWMS_WARNING)
                c->findings[i].pub.level = CWMS_ERROR;
    cwms_diag_append(diag, r.bdiag);
    *out = c;
    c = NULL;
    ok = 1;
    goto end;
oom:
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
end:
    OPENSSL_free(r.key_block_of);
    OPENSSL_free(r.key_blocks);
    cwms_diag_free(r.bdiag);
    cwms_inputs_free(r.in);
    cwms_inspect_free(c);
    return ok;
}

void cwms_inspect_free(CWMS_INSPECTION *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_findings; i++) {
        OPENSSL_free(c->findings[i].message);
        OPENSSL_free(c->findings[i].action);
    }
    OPENSSL_free(c->findings);
    cwms_scan_clear(&c->scan);
    cwms_bundle_free(c->bundle);
    cwms_explain_free(c->partial);
    cwms_file_buf_release(&c->buf);
    OPENSSL_free(c);
}

size_t cwms_inspect_block_count(const CWMS_INSPECTION *c)
{
    return c->scan.n_blocks;
}

const CWMS_BLOCK *cwms_inspect_get0_block(const CWMS_INSPECTION *c, size_t i)
{
    return i < c->scan.n_blocks ? &c->scan.blocks[i].pub : NULL;
}

size_t cwms_inspect_finding_count(const CWMS_INSPECTION *c)
{
    return c->n_findings;
}

const CWMS_FINDING *cwms_inspect_get0_finding(const CWMS_INSPECTION *c, size_t i)
{
    return i < c->n_findings ? &c->findings[i].pub : NULL;
}

const CWMS_BUNDLE *cwms_inspect_get0_bundle(const CWMS_INSPECTION *c)
{
    return c->bundle;
}

X509 *cwms_inspect_get0_block_x509(const CWMS_INSPECTION *c, size_t i)
{
    return i < c->scan.n_blocks ? c->scan.blocks[i].x509 : NULL;
}

const CWMS_EXPLAIN *cwms_inspect_get0_explain(const CWMS_INSPECTION *c)
{
    /* A build that failed (its bundle kept for the findings) is drawn as far as it got. */
    if (c->partial != NULL || c->bundle == NULL)
        return c->partial;
    return cwms_bundle_get0_explain(c->bundle);
}

int cwms_inspect_ready(const CWMS_INSPECTION *c)
{
    if (c->bundle == NULL)
        return 0;
    for (size_t i = 0; i < c->n_findings; i++)
        if (c->findings[i].pub.level == CWMS_ERROR || c->findings[i].pub.fixable)
            return 0;
    return 1;
}

/* Worst first: a file CWMS cannot read at all, then a key problem, then a chain problem. */
static int severity(int exit_code)
{
    switch (exit_code) {
    case CWMS_EXIT_INPUT:
        return 4;
    case CWMS_EXIT_KEY:
        return 3;
    case CWMS_EXIT_CHAIN:
        return 2;
    case CWMS_EXIT_OK:
        return 0;
    default:
        return 1;
    }
}

int cwms_inspect_exit_code(const CWMS_INSPECTION *c)
{
    int worst = CWMS_EXIT_OK;

    for (size_t i = 0; i < c->n_findings; i++) {
        int code;

        if (c->findings[i].pub.level == CWMS_WARNING
            && c->findings[i].pub.reason == CWMS_R_EXPIRES_WITHIN && worst == CWMS_EXIT_OK)
            worst = CWMS_EXIT_EXPIRING;
        if (c->findings[i].pub.level != CWMS_ERROR)
            continue;
        code = cwms_reason_exit_code(c->findings[i].pub.reason);
        if (severity(code) > severity(worst))
            worst = code;
    }
    return worst;
}

/*-
 * The fix
 * -------
 */

int cwms_inspect_fix(const CWMS_INSPECTION *c, const CWMS_EMIT_OPTIONS *eo, unsigned char **out,
                     size_t *out_len, CWMS_DIAG *diag)
{
    CWMS_EMIT_OPTIONS certs_only;
    unsigned char *chain = NULL, *buf;
    size_t chain_len = 0, key_len = 0;
    const unsigned char *key = NULL;
    CWMS_EMIT_OPTIONS plain = { 0 };
    int blocked = 0;

    if (eo == NULL)
        eo = &plain;
    *out = NULL;
    *out_len = 0;
    for (size_t i = 0; i < c->n_findings; i++) {
        const CWMS_FINDING *f = &c->findings[i].pub;

        if (f->level == CWMS_ERROR && !f->fixable) {
            cwms_diag_add_facts(diag, CWMS_ERROR, f->reason,
                                &(CWMS_MSG_FACTS){ .finding = f->code },
                                "--fix cannot correct %s: %s", f->code, f->action);
            blocked = 1;
        }
    }
    if (blocked)
        return 0;
    if (c->bundle == NULL) {
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "nothing to fix from");
        return 0;
    }
    /* A new passphrase, or a key read from a binary file: the key is written anew. */
    if (eo->passout != NULL || c->not_pem) {
        if (c->key_block != SIZE_MAX && c->bundle->key == NULL) {
            cwms_diag_add(diag, CWMS_ERROR, CWMS_R_NO_PASSPHRASE,
                          "--passout re-encrypts the key, which needs it decrypted first: give "
                          "--passin too");
            return 0;
        }
        return cwms_emit(c->bundle, eo, out, out_len, diag);
    }
    /* Otherwise the key block goes over byte for byte: an encrypted one stays as it is. */
    certs_only = *eo;
    certs_only.certs_only = 1;
    if (!cwms_emit(c->bundle, &certs_only, &chain, &chain_len, diag))
        return 0;
    if (c->key_block != SIZE_MAX) {
        key = c->data + c->scan.blocks[c->key_block].pub.offset;
        key_len = c->scan.blocks[c->key_block].pub.len;
    }
    /* The END line of a last block may lack its line break; the key is followed by more. */
    if ((buf = OPENSSL_malloc(key_len + 1 + chain_len)) == NULL) {
        OPENSSL_clear_free(chain, chain_len);
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_INTERNAL, "out of memory");
        return 0;
    }
    if (key_len > 0)
        memcpy(buf, key, key_len);
    if (key_len > 0 && key[key_len - 1] != '\n')
        buf[key_len++] = '\n';
    memcpy(buf + key_len, chain, chain_len);
    *out = buf;
    *out_len = key_len + chain_len;
    OPENSSL_clear_free(chain, chain_len);
    return 1;
}
