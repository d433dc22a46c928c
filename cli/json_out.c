/* SPDX-License-Identifier: Apache-2.0 */
/* The --json document: see json_out.h and docs/cwms-bundle.schema.json. */
#include "json_out.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "chain_view.h"
#include "report.h"
#include "cwms/anchor.h"
#include "cwms/cert.h"
#include "cwms/explain.h"
#include "cwms_escape.h"

json_object *cli_json_text(const char *text)
{
    char *e = cwms_escape_text(text);
    json_object *s = e != NULL ? json_object_new_string(e) : NULL;

    OPENSSL_free(e);
    return s;
}

json_object *cli_json_new(const char *command)
{
    json_object *doc = json_object_new_object();

    if (doc == NULL)
        return NULL;
    if (json_object_object_add(doc, "schema_version", json_object_new_int(CLI_JSON_SCHEMA_VERSION))
            != 0
        || json_object_object_add(doc, "command", json_object_new_string(command)) != 0) {
        json_object_put(doc);
        return NULL;
    }
    return doc;
}

/* json_object_object_add that also fails on a NULL value (an allocation that failed). */
static int put(json_object *o, const char *key, json_object *v)
{
    if (v == NULL)
        return 0;
    if (json_object_object_add(o, key, v) != 0) {
        json_object_put(v);
        return 0;
    }
    return 1;
}

/* json_object_array_add, freeing v when it cannot be added. */
static int push(json_object *arr, json_object *v)
{
    if (v == NULL)
        return 0;
    if (json_object_array_add(arr, v) != 0) {
        json_object_put(v);
        return 0;
    }
    return 1;
}

static int put_string_or_null(json_object *o, const char *key, const char *s)
{
    if (s == NULL)
        return json_object_object_add(o, key, NULL) == 0;
    return put(o, key, cli_json_text(s));
}

/* A time of the facts; null when the certificate's time cannot be read (the schema's "time"). */
static int put_time(json_object *o, const char *key, const char *t)
{
    if (t[0] == '\0')
        return json_object_object_add(o, key, NULL) == 0;
    return put(o, key, json_object_new_string(t));
}

static json_object *key_object(EVP_PKEY *pk)
{
    json_object *k = json_object_new_object();

    if (k == NULL)
        return NULL;
    if (!put(k, "type",
             json_object_new_string(pk != NULL && EVP_PKEY_get0_type_name(pk) != NULL
                                        ? EVP_PKEY_get0_type_name(pk)
                                        : "unknown"))
        || !put(k, "bits", json_object_new_int(pk != NULL ? EVP_PKEY_get_bits(pk) : 0))) {
        json_object_put(k);
        return NULL;
    }
    return k;
}

/* A certificate: role, subject, issuer, serial, sha256, validity, key, origin. */
static json_object *cert_object(X509 *x, const char *role, const char *origin)
{
    json_object *c = json_object_new_object();
    CLI_CERT_FACTS f;
    int ok;

    if (c == NULL || !cli_cert_facts(x, &f)) {
        json_object_put(c);
        return NULL;
    }
    ok = put(c, "role", json_object_new_string(role)) && put(c, "subject", cli_json_text(f.subject))
        && put(c, "issuer", cli_json_text(f.issuer))
        && put(c, "serial", json_object_new_string(f.serial))
        && put(c, "sha256", json_object_new_string(f.sha256))
        && put_time(c, "not_before", f.not_before) && put_time(c, "not_after", f.not_after)
        && put(c, "key", key_object(X509_get0_pubkey(x)))
        && put_string_or_null(c, "origin", origin);
    cli_cert_facts_clear(&f);
    if (!ok) {
        json_object_put(c);
        return NULL;
    }
    return c;
}

/* The explanation's entry for a bundle certificate, or NULL. */
static const CWMS_EXPLAIN_CERT *explained(const CWMS_EXPLAIN *e, X509 *x)
{
    for (size_t i = 0; i < cwms_explain_cert_count(e); i++)
        if (cwms_explain_get0_cert(e, i)->x509 == x)
            return cwms_explain_get0_cert(e, i);
    return NULL;
}

static const char *source_name(CWMS_ANCHOR_SOURCE source)
{
    switch (source) {
    case CWMS_ANCHOR_TRUST_GIVEN:
        return "trust";
    case CWMS_ANCHOR_SYSTEM:
        return "system";
    case CWMS_ANCHOR_INPUTS:
        return "inputs";
    default:
        return "none";
    }
}

/* "anchor": the anchor record's certificate, where it was found; null when none was. */
static int add_anchor(json_object *doc, const CWMS_BUNDLE *b, const CWMS_EXPLAIN *e)
{
    const CWMS_ANCHOR_INFO *a = cwms_bundle_get0_anchor(b);
    const CWMS_EXPLAIN_CERT *ec;
    json_object *ao;
    int in_bundle = 0;

    if (a == NULL || a->x509 == NULL)
        return json_object_object_add(doc, "anchor", NULL) == 0;
    ec = explained(e, a->x509);
    for (size_t i = 0; i < b->n_certs; i++)
        in_bundle |= X509_cmp(b->certs[i], a->x509) == 0;
    ao = cert_object(a->x509, a->on_path ? "root" : "anchor", ec != NULL ? ec->origin : NULL);
    return put(doc, "anchor", ao) && put(ao, "in_bundle", json_object_new_boolean(in_bundle))
        && put(ao, "from_trust_store",
               json_object_new_boolean(ec != NULL ? ec->from_trust : !a->on_path))
        && put(ao, "found_in", json_object_new_string(source_name(a->source)))
        && put_string_or_null(ao, "trust_store", a->store)
        && put_string_or_null(ao, "signs", a->signs);
}

/* One variant of a CA: its fingerprint, whether it is self-signed, its issuer, why not. */
static json_object *variant_object(const CWMS_VARIANT *v)
{
    json_object *o = json_object_new_object();
    CLI_CERT_FACTS f;
    int ok;

    if (o == NULL || !cli_cert_facts(v->x509, &f)) {
        json_object_put(o);
        return NULL;
    }
    ok = put(o, "sha256", json_object_new_string(f.sha256))
        && put(o, "self_signed", json_object_new_boolean(v->self_signed))
        && put(o, "issuer", cli_json_text(f.issuer))
        && (v->why_not == NULL || put(o, "why_not", cli_json_text(v->why_not)));
    cli_cert_facts_clear(&f);
    if (!ok) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* "variants": each CA of the chain with other variants among the inputs. */
static int add_variants(json_object *doc, const CWMS_BUNDLE *b)
{
    const CWMS_ANCHOR_INFO *a = cwms_bundle_get0_anchor(b);
    json_object *arr = json_object_new_array();

    if (!put(doc, "variants", arr))
        return 0;
    for (size_t i = 0; a != NULL && i < a->n_variants; i++) {
        const CWMS_VARIANT_SET *set = &a->variants[i];
        json_object *o = json_object_new_object(), *others;
        char *subject = cwms_name_oneline(X509_get_subject_name(set->chosen.x509));
        int ok = push(arr, o) && subject != NULL && put(o, "subject", cli_json_text(subject))
            && put(o, "chosen", variant_object(&set->chosen))
            && put(o, "others", others = json_object_new_array());

        OPENSSL_free(subject);
        for (size_t k = 0; ok && k < set->n_others; k++)
            ok = push(others, variant_object(&set->others[k]));
        if (!ok)
            return 0;
    }
    return 1;
}

static int add_explanation(json_object *doc, const CWMS_EXPLAIN *e)
{
    json_object *left = json_object_new_array(), *alts = json_object_new_array();

    if (!put(doc, "left_out", left) || !put(doc, "alternatives", alts))
        return 0;
    for (size_t i = 0; i < cwms_explain_cert_count(e); i++) {
        const CWMS_EXPLAIN_CERT *c = cwms_explain_get0_cert(e, i);
        json_object *o;

        if (c->in_bundle || c->left_out == NULL)
            continue;
        o = cert_object(c->x509, c->role != CWMS_ROLE_NONE ? cli_role_name(c->role) : "none",
                        c->origin);
        if (!push(left, o) || !put(o, "reason", cli_json_text(c->left_out)))
            return 0;
    }
    for (size_t i = 0; i < cwms_explain_path_count(e); i++) {
        const CWMS_EXPLAIN_PATH *p = cwms_explain_get0_path(e, i);
        json_object *o = json_object_new_object(), *certs;

        if (!push(alts, o) || !put(o, "chosen", json_object_new_boolean(p->chosen))
            || !put(o, "anchored", json_object_new_boolean(p->anchored))
            || !put(o, "path", certs = json_object_new_array())
            || !put_string_or_null(o, "why_not", p->why_not))
            return 0;
        for (size_t j = 0; j < p->len; j++) {
            CLI_CERT_FACTS f;

            if (!cli_cert_facts(cwms_explain_get0_cert(e, p->certs[j])->x509, &f))
                return 0;
            if (!push(certs, json_object_new_string(f.sha256))) {
                cli_cert_facts_clear(&f);
                return 0;
            }
            cli_cert_facts_clear(&f);
        }
    }
    return put(doc, "paths_considered", json_object_new_int64((int64_t)cwms_explain_paths_seen(e)));
}

int cli_json_add_bundle(json_object *doc, const CWMS_BUNDLE *b, const char *cwms_version,
                        const CLI_JSON_KEY *key)
{
    const CWMS_EXPLAIN *e = cwms_bundle_get0_explain(b);
    json_object *certs;

    if (!put(doc, "order",
             json_object_new_string(b->order == CWMS_ORDER_LEAF_FIRST ? "leaf-first"
                                                                      : "root-first"))
        || !put_string_or_null(doc, "cwms", cwms_version))
        return 0;
    if (key == NULL) {
        json_object_object_add(doc, "key", NULL);
    } else {
        json_object *k = json_object_new_object();

        if (k == NULL || !put(doc, "key", k))
            return 0;
        if (key->pkey != NULL) {
            if (!put(k, "type",
                     json_object_new_string(EVP_PKEY_get0_type_name(key->pkey) != NULL
                                                ? EVP_PKEY_get0_type_name(key->pkey)
                                                : "unknown"))
                || !put(k, "bits", json_object_new_int(EVP_PKEY_get_bits(key->pkey))))
                return 0;
        } else {
            /* An encrypted key that was not decrypted: its type is inside the encryption. */
            json_object_object_add(k, "type", NULL);
            json_object_object_add(k, "bits", NULL);
        }
        if (!put_string_or_null(k, "origin", key->origin)
            || !put(k, "encrypted", json_object_new_boolean(key->encrypted)))
            return 0;
    }
    if ((certs = json_object_new_array()) == NULL || !put(doc, "certificates", certs))
        return 0;
    for (size_t i = 0; i < b->n_certs; i++) {
        const CWMS_EXPLAIN_CERT *ec = explained(e, b->certs[i]);
        const char *role = ec != NULL ? cli_role_name(ec->role)
            : i == b->leaf_index      ? "server"
                                      : "intermediate";
        json_object *c = cert_object(b->certs[i], role, ec != NULL ? ec->origin : NULL);

        if (!push(certs, c) || !put(c, "position", json_object_new_int64((int64_t)i + 1)))
            return 0;
    }
    if (!add_anchor(doc, b, e) || !add_variants(doc, b))
        return 0;
    if (e == NULL)
        return put(doc, "left_out", json_object_new_array())
            && put(doc, "alternatives", json_object_new_array());
    return add_explanation(doc, e);
}

int cli_json_add_diagnostics(json_object *doc, const CWMS_DIAG *diag)
{
    json_object *arr = json_object_new_array();

    if (!put(doc, "diagnostics", arr))
        return 0;
    for (size_t i = 0; i < cwms_diag_count(diag); i++) {
        const CWMS_MSG *m = cwms_diag_get(diag, i);
        json_object *o = json_object_new_object();

        if (!push(arr, o) || !put(o, "level", json_object_new_string(cli_level_word(m->level)))
            || !put(o, "code", json_object_new_int((int)m->reason))
            || !put(o, "reason", json_object_new_string(cwms_reason_string(m->reason)))
            || !put(o, "message", cli_json_text(m->text)))
            return 0;
    }
    return 1;
}

int cli_json_write(json_object *doc)
{
    const char *s =
        json_object_to_json_string_ext(doc,
                                       JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    int ok =
        s != NULL && fputs(s, stdout) >= 0 && fputc('\n', stdout) != EOF && fflush(stdout) == 0;

    json_object_put(doc);
    return ok;
}
