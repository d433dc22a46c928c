/* SPDX-License-Identifier: Apache-2.0 */
/* The chain as a tree and as a DOT graph: see chain_view.h. */
#include "chain_view.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cwms/cert.h"
#include "cwms_escape.h"
#include "report.h"

/*-
 * Certificate facts
 * -----------------
 */

int cli_cert_facts(X509 *x, CLI_CERT_FACTS *f)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    EVP_PKEY *pk = X509_get0_pubkey(x);

    memset(f, 0, sizeof(*f));
    f->subject = cwms_name_oneline(X509_get_subject_name(x));
    f->issuer = cwms_name_oneline(X509_get_issuer_name(x));
    f->serial = bn != NULL ? BN_bn2hex(bn) : NULL;
    BN_free(bn);
    if (X509_digest(x, EVP_sha256(), md, &md_len) && md_len == 32)
        for (unsigned int i = 0; i < 32; i++)
            snprintf(f->sha256 + 2 * i, 3, "%02X", md[i]);
    cwms_asn1_time_rfc3339(X509_get0_notBefore(x), f->not_before);
    cwms_asn1_time_rfc3339(X509_get0_notAfter(x), f->not_after);
    f->key_type =
        pk != NULL && EVP_PKEY_get0_type_name(pk) != NULL ? EVP_PKEY_get0_type_name(pk) : "unknown";
    f->key_bits = pk != NULL ? EVP_PKEY_get_bits(pk) : 0;
    if (f->subject == NULL || f->issuer == NULL || f->serial == NULL) {
        cli_cert_facts_clear(f);
        return 0;
    }
    return 1;
}

void cli_cert_facts_clear(CLI_CERT_FACTS *f)
{
    OPENSSL_free(f->subject);
    OPENSSL_free(f->issuer);
    OPENSSL_free(f->serial);
    memset(f, 0, sizeof(*f));
}

const char *cli_role_name(CWMS_ROLE role)
{
    switch (role) {
    case CWMS_ROLE_SERVER:
        return "server";
    case CWMS_ROLE_INTERMEDIATE:
        return "intermediate";
    case CWMS_ROLE_ROOT:
        return "root";
    case CWMS_ROLE_ANCHOR:
        return "anchor";
    default:
        return "";
    }
}

int cli_use_colour(int fd)
{
    const char *no = getenv("NO_COLOR");

    return isatty(fd) && (no == NULL || *no == '\0');
}

/* A time of the facts as shown on the terminal and in DOT: "?" when unreadable. */
static const char *shown_time(const char *t)
{
    return t[0] != '\0' ? t : "?";
}

/*-
 * Tree
 * ----
 */

typedef struct {
    FILE *out;
    int colour;
} PEN;

static const char *ansi(const PEN *p, const char *code)
{
    return p->colour ? code : "";
}

#define BOLD "\033[1m"
#define DIM "\033[2m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define RESET "\033[0m"

static const char *role_colour(CWMS_ROLE role)
{
    return role == CWMS_ROLE_SERVER ? GREEN : role == CWMS_ROLE_INTERMEDIATE ? CYAN : YELLOW;
}

static void tree_node(const PEN *p, const CWMS_EXPLAIN_CERT *c, size_t depth,
                      const CWMS_ANCHOR_INFO *anchor)
{
    CLI_CERT_FACTS f;
    char indent[160] = "";
    char where[64];

    for (size_t i = 0; i + 1 < depth && i < 30; i++)
        strcat(indent, "    ");
    if (!cli_cert_facts(c->x509, &f)) {
        fprintf(p->out, "%s(certificate not shown: out of memory)\n", indent);
        return;
    }
    if (c->in_bundle)
        snprintf(where, sizeof(where), "#%zu in the bundle", c->bundle_index + 1);
    else
        snprintf(where, sizeof(where), "left out");
    fprintf(p->out, "%s%s%s%s%s [%s%s%s, %s]\n", indent, depth > 0 ? "`-- " : "", ansi(p, BOLD),
            f.subject, ansi(p, RESET), ansi(p, role_colour(c->role)), cli_role_name(c->role),
            ansi(p, RESET), where);
    fprintf(p->out, "%s%s    issuer %s\n", indent, depth > 0 ? "    " : "", f.issuer);
    fprintf(p->out, "%s%s    %sSHA-256 %.16s...%s  valid %.10s to %.10s  key %s %d  from %s%s\n",
            indent, depth > 0 ? "    " : "", ansi(p, DIM), f.sha256, ansi(p, RESET),
            shown_time(f.not_before), shown_time(f.not_after), f.key_type, f.key_bits, c->origin,
            c->from_trust ? " (trust store)" : "");
    if (anchor != NULL) {
        fprintf(p->out, "%s%s    anchor: ", indent, depth > 0 ? "    " : "");
        cli_put_anchor_source(p->out, anchor);
    }
    if (c->variant != NULL)
        fprintf(p->out, "%s%s    cross-sign: %s\n", indent, depth > 0 ? "    " : "", c->variant);
    if (c->left_out != NULL)
        fprintf(p->out, "%s%s    %sleft out: %s%s\n", indent, depth > 0 ? "    " : "", ansi(p, DIM),
                c->left_out, ansi(p, RESET));
    cli_cert_facts_clear(&f);
}

static const CWMS_EXPLAIN_PATH *chosen_path(const CWMS_EXPLAIN *e)
{
    for (size_t i = 0; i < cwms_explain_path_count(e); i++)
        if (cwms_explain_get0_path(e, i)->chosen)
            return cwms_explain_get0_path(e, i);
    return NULL;
}

/* c is the anchor the record describes (the tree prints where it was found under it). */
static int is_anchor(const CWMS_EXPLAIN_CERT *c, const CWMS_ANCHOR_INFO *a)
{
    return a != NULL && a->x509 != NULL && X509_cmp(c->x509, a->x509) == 0;
}

/* The tree will draw the anchor (so its "anchor:" line goes under it). */
static int anchor_drawn(const CWMS_EXPLAIN *e, const CWMS_EXPLAIN_PATH *chosen,
                        const CWMS_ANCHOR_INFO *a)
{
    size_t anchor = cwms_explain_anchor(e);

    if (anchor != SIZE_MAX && cwms_explain_get0_cert(e, anchor)->role == CWMS_ROLE_ANCHOR
        && chosen->anchor_at < chosen->len)
        return is_anchor(cwms_explain_get0_cert(e, anchor), a);
    for (size_t j = 0; j < chosen->len; j++)
        if (is_anchor(cwms_explain_get0_cert(e, chosen->certs[j]), a))
            return 1;
    return 0;
}

static char *short_name(const CWMS_EXPLAIN *e, size_t i)
{
    return cwms_name_oneline(X509_get_subject_name(cwms_explain_get0_cert(e, i)->x509));
}

void cli_tree_print(FILE *out, const CWMS_BUNDLE *bundle, int colour)
{
    const CWMS_EXPLAIN *e = cwms_bundle_get0_explain(bundle);
    const CWMS_EXPLAIN_PATH *chosen = chosen_path(e);
    const CWMS_ANCHOR_INFO *a = cwms_bundle_get0_anchor(bundle);
    size_t anchor = cwms_explain_anchor(e), depth = 0, left = 0;
    PEN p = { out, colour };

    if (e == NULL || chosen == NULL)
        return;
    fprintf(out, "%schain%s, from the %s down:\n", ansi(&p, BOLD), ansi(&p, RESET),
            anchor == SIZE_MAX ? "top (no anchor)" : "anchor");
    if (!anchor_drawn(e, chosen, a))
        cli_report_anchor(out, "", bundle);
    /*
     * A trust-store anchor is not on the path of input certificates: it is
     * drawn above the certificate it signed, which heads the tree unless
     * the chain goes on past it (--path complete through a cross-sign).
     */
    for (size_t j = chosen->len; j-- > 0;) {
        const CWMS_EXPLAIN_CERT *c = cwms_explain_get0_cert(e, chosen->certs[j]);

        if (j == chosen->anchor_at && anchor != SIZE_MAX
            && cwms_explain_get0_cert(e, anchor)->role == CWMS_ROLE_ANCHOR)
            tree_node(&p, cwms_explain_get0_cert(e, anchor), depth++, a);
        tree_node(&p, c, depth++, is_anchor(c, a) ? a : NULL);
    }

    for (size_t i = 0; i < cwms_explain_cert_count(e); i++) {
        const CWMS_EXPLAIN_CERT *c = cwms_explain_get0_cert(e, i);
        char *name;

        if (c->role != CWMS_ROLE_NONE || c->left_out == NULL)
            continue;
        if (left++ == 0)
            fprintf(out, "%sleft out%s:\n", ansi(&p, BOLD), ansi(&p, RESET));
        name = short_name(e, i);
        fprintf(out, "  - %s (%s): %s\n", name != NULL ? name : "?", c->origin, c->left_out);
        OPENSSL_free(name);
    }
    if (cwms_explain_path_count(e) > 1) {
        fprintf(out, "%scandidate paths%s (%zu considered):\n", ansi(&p, BOLD), ansi(&p, RESET),
                cwms_explain_paths_seen(e));
        for (size_t i = 0; i < cwms_explain_path_count(e); i++) {
            const CWMS_EXPLAIN_PATH *cp = cwms_explain_get0_path(e, i);

            fprintf(out, "  %s ", cp->chosen ? "*" : "-");
            for (size_t j = 0; j < cp->len; j++) {
                char *name = short_name(e, cp->certs[j]);

                fprintf(out, "%s%s", j > 0 ? " <- " : "", name != NULL ? name : "?");
                OPENSSL_free(name);
            }
            fprintf(out, "%s%s%s\n", cp->anchored ? "" : " (not anchored)",
                    cp->chosen ? "  [chosen]" : "\n      ", cp->chosen ? "" : cp->why_not);
        }
    }
}

/*-
 * DOT
 * ---
 */

/* The most of a subject or a file name a node's label shows: two and the rest fit in 2 KB. */
#define DOT_NAME_MAX 960

/* A DOT string: quotes and backslashes escaped. */
static void dot_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s != NULL && *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

/* A certificate's node: bold and filled on the chosen path, dashed when passed over. */
static void dot_cert(FILE *out, const CWMS_EXPLAIN *e, size_t i)
{
    const CWMS_EXPLAIN_CERT *c = cwms_explain_get0_cert(e, i);
    const char *role = c->role != CWMS_ROLE_NONE ? cli_role_name(c->role)
        : cwms_explain_complete(e)               ? "not chosen"
        : c->from_trust                          ? "trust anchor"
                                                 : "certificate";
    CLI_CERT_FACTS f;
    char label[2048];

    if (!cli_cert_facts(c->x509, &f))
        return;
    /* A 4 KB subject or file name is cut to fit, between characters (dot reads UTF-8). */
    snprintf(label, sizeof(label), "%.*s\n%s%s%s\nSHA-256 %.16s\nnot after %s\n%.*s",
             (int)cwms_utf8_cut(f.subject, strlen(f.subject), DOT_NAME_MAX), f.subject, role,
             c->in_bundle ? ", in the bundle" : "", c->self_signed ? ", self-signed" : "", f.sha256,
             shown_time(f.not_after),
             (int)cwms_utf8_cut(c->origin, strlen(c->origin), DOT_NAME_MAX), c->origin);
    fprintf(out, "  c%zu [label=", i);
    dot_string(out, label);
    if (c->role != CWMS_ROLE_NONE)
        fputs(", penwidth=2.5, style=filled, fillcolor=\"#e8f4e8\"", out);
    else if (cwms_explain_complete(e))
        fputs(", style=dashed, color=gray40", out);
    fputs("];\n", out);
    cli_cert_facts_clear(&f);
}

/*
 * The issuers nothing provides, one dashed node per name (several
 * certificates may name the same one), each with an edge from the
 * certificates waiting for it.
 */
static void dot_missing(FILE *out, const CWMS_EXPLAIN *e)
{
    for (size_t i = 0; i < cwms_explain_missing_count(e); i++) {
        const CWMS_EXPLAIN_MISSING *m = cwms_explain_get0_missing(e, i);
        size_t node = i;
        char label[2048];

        for (size_t j = 0; j < i; j++)
            if (strcmp(cwms_explain_get0_missing(e, j)->issuer, m->issuer) == 0) {
                node = j;
                break;
            }
        if (node == i) {
            /* The URL is the certificate's own bytes: under the escaping rule, like the name. */
            char *url = m->url != NULL ? cwms_escape_text(m->url) : NULL;

            snprintf(label, sizeof(label),
                     "%.*s\nmissing issuer: in no input and no trust store%s%.*s",
                     (int)cwms_utf8_cut(m->issuer, strlen(m->issuer), DOT_NAME_MAX), m->issuer,
                     url != NULL ? "\npublished at " : "",
                     url != NULL ? (int)cwms_utf8_cut(url, strlen(url), DOT_NAME_MAX) : 0,
                     url != NULL ? url : "");
            OPENSSL_free(url);
            fprintf(out, "  m%zu [label=", i);
            dot_string(out, label);
            fputs(", style=dashed, color=red3, fontcolor=red3];\n", out);
        }
        fprintf(out,
                "  c%zu -> m%zu [style=dashed, color=red3, fontcolor=red3, "
                "label=\"issuer missing\"];\n",
                m->child, node);
    }
}

void cli_graph_dot(FILE *out, const CWMS_EXPLAIN *e)
{
    fputs("digraph cwms_bundle {\n"
          "  rankdir=BT;\n"
          "  node [shape=box, fontname=\"Helvetica\"];\n"
          "  edge [fontname=\"Helvetica\", fontsize=10];\n",
          out);
    if (!cwms_explain_complete(e))
        fputs("  label=\"no complete chain: what the inputs hold\";\n  labelloc=t;\n", out);
    for (size_t i = 0; i < cwms_explain_cert_count(e); i++)
        dot_cert(out, e, i);
    for (size_t i = 0; i < cwms_explain_edge_count(e); i++) {
        const CWMS_EXPLAIN_EDGE *ed = cwms_explain_get0_edge(e, i);

        fprintf(out, "  c%zu -> c%zu [", ed->child, ed->issuer);
        if (ed->on_path) {
            fputs("penwidth=2.5, color=darkgreen, label=\"chosen\"", out);
        } else if (ed->rejected != NULL) {
            fputs("style=dashed, color=red3, fontcolor=red3, label=", out);
            dot_string(out, ed->rejected);
        } else {
            fprintf(out, "color=gray40, label=\"%s\"",
                    cwms_explain_complete(e) ? "signed, not chosen" : "signed");
        }
        fputs("];\n", out);
    }
    dot_missing(out, e);
    fputs("}\n", out);
}
