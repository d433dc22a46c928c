/* SPDX-License-Identifier: Apache-2.0 */
/* Messages and the success summary of cwms-bundle: see report.h. */
#include "report.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cwms/anchor.h"
#include "cwms/cert.h"
#include "cwms/times.h"
#include "cwms_escape.h"

void cli_put_text(FILE *out, const char *text)
{
    cwms_escape_fputs(text, out);
}

const char *cli_level_word(CWMS_LEVEL level)
{
    switch (level) {
    case CWMS_ERROR:
        return "error";
    case CWMS_WARNING:
        return "warning";
    default:
        return "note";
    }
}

void cli_report_messages(const CWMS_DIAG *diag)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++) {
        const CWMS_MSG *m = cwms_diag_get(diag, i);

        fprintf(stderr, CLI_PROGRAM ": %s: ", cli_level_word(m->level));
        cli_put_text(stderr, m->text);
        fputc('\n', stderr);
    }
}

void cli_report_errors(const CWMS_DIAG *diag)
{
    for (size_t i = 0; i < cwms_diag_count(diag); i++) {
        const CWMS_MSG *m = cwms_diag_get(diag, i);

        if (m->level == CWMS_ERROR) {
            fputs(CLI_PROGRAM ": error: ", stderr);
            cli_put_text(stderr, m->text);
            fputc('\n', stderr);
        }
    }
}

int cli_report_exit_code(const CWMS_DIAG *diag)
{
    const CWMS_MSG *m = cwms_diag_first_error(diag);

    return m == NULL ? CWMS_EXIT_FAILURE : cwms_reason_exit_code(m->reason);
}

void cli_note(const char *fmt, ...)
{
    va_list ap;
    char text[2048];

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    fputs(CLI_PROGRAM ": note: ", stderr);
    cli_put_text(stderr, text);
    fputc('\n', stderr);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    char text[2048];

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    fputs(CLI_PROGRAM ": error: ", stderr);
    cli_put_text(stderr, text);
    fputc('\n', stderr);
    if (command != NULL)
        fprintf(stderr, "Try '" CLI_PROGRAM " %s --help' for more information.\n", command);
    else
        fputs("Try '" CLI_PROGRAM " --help' for more information.\n", stderr);
    return CWMS_EXIT_USAGE;
}

/* "2036-11-25 01:02:03 UTC", or "?" when the time cannot be read. */
static const char *expiry_text(const ASN1_TIME *t, char buf[CWMS_TIME_TEXT_SIZE])
{
    int64_t secs;

    return cwms_asn1_time_to_epoch(t, &secs) ? cwms_time_format(secs, buf) : "?";
}

static const char *order_text(CWMS_ORDER order)
{
    return order == CWMS_ORDER_LEAF_FIRST
        ? "leaf-first (CWMS 1.x and 2.0: server certificate first)"
        : "root-first (CWMS 2.5 and later: root-side intermediate first, server certificate last)";
}

/* The first 16 hex digits of x's SHA-256, the short form the summaries show ("?" on failure). */
static const char *short_sha256(X509 *x, char out[17])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    if (x == NULL || !X509_digest(x, EVP_sha256(), md, &len) || len < 8)
        return "?";
    for (unsigned int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02X", md[i]);
    return out;
}

static void put_subject(FILE *out, X509 *x)
{
    char *name = cwms_name_oneline(X509_get_subject_name(x));

    fputs(name != NULL ? name : "?", out);
    OPENSSL_free(name);
}

void cli_put_anchor_source(FILE *out, const CWMS_ANCHOR_INFO *a)
{
    switch (a->source) {
    case CWMS_ANCHOR_TRUST_GIVEN:
        fputs("found in --trust '", out);
        cli_put_text(out, a->store != NULL ? a->store : "?");
        fputs("'", out);
        break;
    case CWMS_ANCHOR_SYSTEM:
        fputs("found in the system trust store", out);
        break;
    default:
        fputs("found among the inputs only: a self-signed root that ", out);
        cli_put_text(out, a->store != NULL ? a->store : "no trust store");
        fputs(" does not hold; clients must be given it", out);
        break;
    }
    if (a->signs != NULL)
        fprintf(out, "; it signed '%s'", a->signs);
    else if (a->source != CWMS_ANCHOR_INPUTS)
        fputs("; the chain's own root", out);
    fputc('\n', out);
}

void cli_report_anchor(FILE *out, const char *lead, const CWMS_BUNDLE *bundle)
{
    const CWMS_ANCHOR_INFO *a = cwms_bundle_get0_anchor(bundle);
    char sha[17];

    if (a == NULL)
        return;
    if (a->source == CWMS_ANCHOR_NOT_FOUND || a->x509 == NULL) {
        fprintf(out, "%sanchor: not found: neither the inputs nor ", lead);
        cli_put_text(out, a->store != NULL ? a->store : "a trust store");
        fprintf(out, " hold '%s', the issuer the top of the chain names\n",
                a->wanted != NULL ? a->wanted : "?");
    } else {
        fprintf(out, "%sanchor: ", lead);
        put_subject(out, a->x509);
        fprintf(out, " (SHA-256 %s...), ", short_sha256(a->x509, sha));
        cli_put_anchor_source(out, a);
    }
    for (size_t i = 0; i < a->n_variants; i++) {
        const CWMS_VARIANT_SET *set = &a->variants[i];
        char *mine = cwms_variant_words(&set->chosen);

        fprintf(out, "%scross-sign: '", lead);
        put_subject(out, set->chosen.x509);
        fprintf(out,
                "' comes in %zu variants among the inputs; the chain uses the one %s (SHA-256 %s...)\n",
                set->n_others + 1, mine != NULL ? mine : "?", short_sha256(set->chosen.x509, sha));
        OPENSSL_free(mine);
        for (size_t k = 0; k < set->n_others; k++) {
            char *theirs = cwms_variant_words(&set->others[k]);

            fprintf(out, "%s    not the one %s (SHA-256 %s...): %s\n", lead,
                    theirs != NULL ? theirs : "?", short_sha256(set->others[k].x509, sha),
                    set->others[k].why_not);
            OPENSSL_free(theirs);
        }
    }
}

void cli_report_summary(const CWMS_BUNDLE *bundle, const CLI_SUMMARY *s)
{
    fprintf(stderr, CLI_PROGRAM ": order: %s\n", order_text(bundle->order));
    if (bundle->key != NULL) {
        fprintf(stderr, CLI_PROGRAM ": key: %s %d-bit private key",
                EVP_PKEY_get0_type_name(bundle->key) != NULL ? EVP_PKEY_get0_type_name(bundle->key)
                                                             : "unknown",
                EVP_PKEY_get_bits(bundle->key));
        if (bundle->key_origin != NULL) {
            fputs(" from '", stderr);
            cli_put_text(stderr, bundle->key_origin);
            fputc('\'', stderr);
        }
        fprintf(stderr, ", written as %s\n", s->key_format != NULL ? s->key_format : "PKCS#8");
    } else
        fputs(CLI_PROGRAM ": key: none (--no-key: certificates only)\n", stderr);
    for (size_t i = 0; i < bundle->n_certs; i++) {
        char *subject = cwms_name_oneline(X509_get_subject_name(bundle->certs[i]));
        char buf[CWMS_TIME_TEXT_SIZE];

        fprintf(stderr, CLI_PROGRAM ": %2zu. %s (expires %s)%s\n", i + 1,
                subject != NULL ? subject : "?",
                expiry_text(X509_get0_notAfter(bundle->certs[i]), buf),
                i == bundle->leaf_index ? " [server]" : "");
        OPENSSL_free(subject);
    }
    cli_report_anchor(stderr, CLI_PROGRAM ": ", bundle);
    if (s->output != NULL) {
        fprintf(stderr, CLI_PROGRAM ": wrote %s to '", s->format);
        cli_put_text(stderr, s->output);
        fprintf(stderr, "'%s\n", s->secret ? " (mode 0600: it holds the private key)" : "");
    } else
        fprintf(stderr, CLI_PROGRAM ": wrote %s to standard output\n", s->format);
    if (s->warnings > 0)
        fprintf(stderr, CLI_PROGRAM ": %zu warning%s (see above; --strict makes them errors)\n",
                s->warnings, s->warnings == 1 ? "" : "s");
}
