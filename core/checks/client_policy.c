/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client policy for TLS servers (client_policy.h).
 *
 * RFC 5280 allows chains that TLS clients refuse: SHA-1 signatures,
 * 1024-bit CA keys, a server certificate good for client authentication
 * only, or one that names its host only in the subject CN. Each rule here
 * names the clients that refuse, as far as their published rules or real
 * runs show (openssl s_client, curl, gnutls-cli, Java 17 JSSE and headless
 * Chromium against openssl s_server, trusting a private root); what no
 * client refuses but is still a risk is a warning that says so.
 */
#include "checks/client_policy.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#define DAY 86400
#define APPLE_EKU_SINCE 1561939200    /* 2019-07-01: Apple requires serverAuth in the EKU */
#define VALIDITY_398_SINCE 1598918400 /* 2020-09-01: Apple, publicly trusted roots: 398 days */
#define VALIDITY_825_SINCE 1561939200 /* 2019-07-01: Apple, every root: 825 days at most */

static char *name_of(CWMS_CERT *c)
{
    char *s = cwms_name_oneline(cwms_cert_subject(c));

    return s != NULL ? s : OPENSSL_strdup("?");
}

static int weak_digest(X509 *x)
{
    int md = NID_undef;

    if (!X509_get_signature_info(x, &md, NULL, NULL, NULL))
        return 0;
    return md == NID_sha1 || md == NID_md5 || md == NID_md5_sha1 || md == NID_md4 || md == NID_md2;
}

static void check_signatures(const CWMS_CHAIN_PARAMS *cp, CWMS_GRAPH *g, const CWMS_PATH *p,
                             CWMS_DIAG *diag, int *ok)
{
    for (size_t i = 0; i < p->len; i++) {
        X509 *x = cwms_cert_x509(p->certs[i]);
        /* Clients check signatures up to the certificate the anchor signed. */
        int checked = !p->anchored || i <= p->anchor_at;
        char *name;

        if (x == NULL || !weak_digest(x) || cwms_graph_self_signed(g, p->certs[i]) == 1)
            continue;
        name = name_of(p->certs[i]);
        if (checked) {
            cwms_diag_add_about(diag, CWMS_ERROR, CWMS_R_WEAK_SIGNATURE, name,
                                "%s '%s' is signed with %s, which OpenSSL (openssl, curl), GnuTLS "
                                "and the browsers refuse: ask the CA to reissue it with SHA-256, "
                                "or pick the CA's SHA-256 bundle",
                                i == 0 ? "the server certificate" : "the CA certificate", name,
                                OBJ_nid2sn(X509_get_signature_nid(x)));
            *ok = 0;
        } else {
            cwms_diag_add(diag, CWMS_WARNING, CWMS_R_WEAK_SIGNATURE_ABOVE,
                          "the cross-certificate '%s' above the trusted certificate is signed "
                          "with %s; clients that trust the CA below it never check it, older "
                          "ones may: %s%sshortest leaves it out",
                          name, OBJ_nid2sn(X509_get_signature_nid(x)),
                          cwms_option_name(cp->front, CWMS_OPT_PATH),
                          cwms_option_value_sep(cp->front));
        }
        OPENSSL_free(name);
    }
}

/* "P-256", ... for a named curve; NULL for explicit parameters or a key that is not EC. */
static const char *curve_of(EVP_PKEY *pk, char buf[64], int *explicit_params)
{
    char enc[32] = "";
    size_t len;

    *explicit_params = 0;
    if (!EVP_PKEY_is_a(pk, "EC"))
        return NULL;
    if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof(enc), &len)
        && strcmp(enc, OSSL_PKEY_EC_ENCODING_EXPLICIT) == 0) {
        *explicit_params = 1;
        return NULL;
    }
    if (!EVP_PKEY_get_group_name(pk, buf, 64, &len))
        return NULL;
    return buf;
}

static int supported_curve(const char *curve)
{
    static const char *const ok[] = { "prime256v1", "P-256",     "secp384r1",
                                      "P-384",      "secp521r1", "P-521" };

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (OPENSSL_strcasecmp(curve, ok[i]) == 0)
            return 1;
    return 0;
}

/* RSA, EC and EdDSA: the key types TLS clients verify (no DSA since TLS 1.3 and in no browser). */
static int client_key_type(EVP_PKEY *pk)
{
    return EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS") || EVP_PKEY_is_a(pk, "EC")
        || EVP_PKEY_is_a(pk, "ED25519") || EVP_PKEY_is_a(pk, "ED448");
}

static void unsupported_key_type(EVP_PKEY *pk, CWMS_REASON reason, const char *role,
                                 const char *name, CWMS_DIAG *diag, int *ok)
{
    const char *type = EVP_PKEY_get0_type_name(pk);

    cwms_diag_add_about(diag, CWMS_ERROR, reason, name, "%s '%s' has a %s key, %s: %s", role, name,
                        type != NULL ? type : "(unknown)",
                        reason == CWMS_R_UNSUPPORTED_KEY
                            ? "with which curl, GnuTLS and the browsers fail the TLS handshake "
                              "(TLS 1.3 signs with RSA, ECDSA or EdDSA only)"
                            : "whose signatures Java and Chrome do not verify",
                        reason == CWMS_R_UNSUPPORTED_KEY
                            ? "make a new RSA (2048 or more) or EC P-256 key and have the "
                              "certificate re-issued"
                            : "pick the CA's chain with RSA or EC keys");
    *ok = 0;
}

/*
 * Server keys that openssl, curl, GnuTLS and Java take but a browser refuses
 * (tested with Chromium 156: net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH for each):
 * the words that say who refuses, and the key's name in KIND.
 */
static const char *risky_server_key(EVP_PKEY *pk, const char *curve, const char **kind)
{
    if (EVP_PKEY_is_a(pk, "ED25519") || EVP_PKEY_is_a(pk, "ED448")) {
        *kind = EVP_PKEY_is_a(pk, "ED25519") ? "n Ed25519" : "n Ed448";
        return "browsers do not support in TLS (Chrome verifies no EdDSA signature in a "
               "handshake)";
    }
    if (curve != NULL && (strcmp(curve, "secp521r1") == 0 || strcmp(curve, "P-521") == 0)) {
        *kind = " P-521";
        return "Chrome and Chromium refuse (they offer no P-521 signature scheme)";
    }
    if (EVP_PKEY_is_a(pk, "RSA-PSS")) {
        *kind = "n RSA-PSS (id-RSASSA-PSS)";
        return "Chrome and Chromium refuse (BoringSSL takes no RSA key restricted to PSS)";
    }
    return NULL;
}

static void check_keys(const CWMS_PATH *p, CWMS_DIAG *diag, int *ok)
{
    for (size_t i = 0; i < p->len; i++) {
        X509 *x = cwms_cert_x509(p->certs[i]);
        EVP_PKEY *pk = x != NULL ? X509_get0_pubkey(x) : NULL;
        CWMS_REASON reason = i == 0 ? CWMS_R_UNSUPPORTED_KEY : CWMS_R_WEAK_CA_KEY;
        const char *role = i == 0 ? "the server certificate" : "the CA certificate";
        char buf[64], *name;
        const char *curve, *risk, *kind;
        int explicit_params;

        if (pk == NULL)
            continue;
        curve = curve_of(pk, buf, &explicit_params);
        name = name_of(p->certs[i]);
        if (!client_key_type(pk)) {
            unsupported_key_type(pk, reason, role, name, diag, ok);
        } else if (i > 0 && (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS"))
                   && EVP_PKEY_get_bits(pk) < 2048) {
            /* The server's own RSA size is check.c's (a key error). */
            cwms_diag_add_about(diag, CWMS_ERROR, reason, name,
                                "%s '%s' has a %d-bit RSA key, which OpenSSL-based clients "
                                "(openssl, curl) refuse at their default security level: pick the "
                                "CA's current chain (RSA 2048 or more, or EC)",
                                role, name, EVP_PKEY_get_bits(pk));
            *ok = 0;
        } else if (explicit_params) {
            cwms_diag_add_about(diag, CWMS_ERROR, reason, name,
                                "%s '%s' has an EC key with explicit curve parameters, which "
                                "openssl, curl, GnuTLS and Java refuse: it needs a key on a named "
                                "curve (P-256 or P-384)",
                                role, name);
            *ok = 0;
        } else if (EVP_PKEY_is_a(pk, "EC") && (curve == NULL || !supported_curve(curve))) {
            cwms_diag_add_about(diag, CWMS_ERROR, reason, name,
                                "%s '%s' has an EC key on the curve %s, with which curl, GnuTLS, "
                                "Java and the browsers fail the TLS handshake: it needs a key on "
                                "P-256 or P-384",
                                role, name, curve != NULL ? curve : "(unknown)");
            *ok = 0;
        } else if (i == 0 && (risk = risky_server_key(pk, curve, &kind)) != NULL) {
            cwms_diag_add(diag, CWMS_WARNING, CWMS_R_RISKY_KEY,
                          "the server certificate '%s' has a%s key, which %s (openssl, curl, "
                          "GnuTLS and Java accept it): a P-256, P-384 or RSA key is safe",
                          name, kind, risk);
        }
        OPENSSL_free(name);
    }
    /* The trust store's anchor verifies the signature on the path's top: its key type counts too. */
    if (p->anchor != NULL) {
        X509 *x = cwms_cert_x509(p->anchor);
        EVP_PKEY *pk = x != NULL ? X509_get0_pubkey(x) : NULL;

        if (pk != NULL && !client_key_type(pk)) {
            char *name = name_of(p->anchor);

            unsupported_key_type(pk, CWMS_R_WEAK_CA_KEY, "the trust anchor", name, diag, ok);
            OPENSSL_free(name);
        }
    }
}

static int has_dns_or_ip_san(X509 *x)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int found = 0;

    for (int i = 0; !found && i < sk_GENERAL_NAME_num(names); i++) {
        int type = sk_GENERAL_NAME_value(names, i)->type;

        found = type == GEN_DNS || type == GEN_IPADD;
    }
    GENERAL_NAMES_free(names);
    return found;
}

/*
 * A CA certificate as the server certificate: openssl, curl, GnuTLS, Java
 * and Chromium 156 accept it (tested), Firefox refuses it
 * (MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY). The real risk is its
 * key: it can sign certificates.
 */
static void check_leaf_is_ca(X509 *x, const char *name, CWMS_DIAG *diag)
{
    if (!(X509_get_extension_flags(x) & EXFLAG_CA))
        return;
    cwms_diag_add(diag, CWMS_WARNING, CWMS_R_LEAF_IS_CA,
                  "the server certificate '%s' is a CA certificate (basicConstraints CA:TRUE): "
                  "no public CA issues one to a server, and its key can sign certificates that "
                  "clients trusting the same root accept, so the appliance's key becomes a CA "
                  "key; Firefox refuses it (openssl, curl, GnuTLS, Java and Chromium accept it); "
                  "ask the CA for an end-entity server certificate (CA:FALSE)",
                  name);
}

static void check_leaf_eku(X509 *x, const char *name, int64_t nb, CWMS_DIAG *diag, int *ok)
{
    if (X509_get_extension_flags(x) & EXFLAG_XKUSAGE) {
        if (!(X509_get_extended_key_usage(x) & (XKU_SSL_SERVER | XKU_ANYEKU))) {
            cwms_diag_add_about(diag, CWMS_ERROR, CWMS_R_WRONG_PURPOSE, name,
                                "the server certificate '%s' is not for TLS servers: its "
                                "extendedKeyUsage lacks serverAuth, so openssl, curl, GnuTLS and "
                                "Java refuse it; ask the CA to reissue it as a TLS server "
                                "certificate",
                                name);
            *ok = 0;
        }
    } else if (nb >= APPLE_EKU_SINCE) {
        cwms_diag_add(diag, CWMS_WARNING, CWMS_R_NO_EKU,
                      "the server certificate '%s' has no extendedKeyUsage: Apple devices "
                      "refuse certificates issued since 2019-07-01 without serverAuth in it; "
                      "ask the CA to reissue it with extendedKeyUsage serverAuth",
                      name);
    }
}

/*
 * The server key signs the handshake in every ECDHE suite and in TLS 1.3,
 * so the server certificate needs digitalSignature. keyEncipherment alone
 * (RSA) serves only TLS 1.2's RSA key exchange: openssl and curl still
 * connect that way, GnuTLS and Java refuse the certificate.
 */
static void check_leaf_key_usage(X509 *x, const char *name, CWMS_DIAG *diag, int *ok)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    uint32_t ku = X509_get_key_usage(x);
    int rsa = pk != NULL && (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS"));

    if (!(X509_get_extension_flags(x) & EXFLAG_KUSAGE) || (ku & KU_DIGITAL_SIGNATURE))
        return;
    if (rsa && (ku & KU_KEY_ENCIPHERMENT))
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_LEAF_KEY_USAGE,
                      "the server certificate '%s' has a keyUsage with keyEncipherment but "
                      "without digitalSignature: its key may only decrypt a TLS 1.2 RSA key "
                      "exchange, never sign a handshake (ECDHE, TLS 1.3), so GnuTLS and Java "
                      "refuse it (openssl and curl accept it); ask the CA to reissue it with "
                      "digitalSignature and keyEncipherment",
                      name);
    else
        cwms_diag_add(diag, CWMS_ERROR, CWMS_R_LEAF_KEY_USAGE,
                      "the server certificate '%s' has a keyUsage without digitalSignature%s, "
                      "so its key cannot be used for TLS (openssl, curl, GnuTLS and Java refuse "
                      "it): ask the CA to reissue it with digitalSignature%s",
                      name, rsa ? " or keyEncipherment" : "", rsa ? " and keyEncipherment" : "");
    *ok = 0;
}

static void check_leaf_names(X509 *x, const char *name, CWMS_DIAG *diag, int *ok)
{
    if (has_dns_or_ip_san(x))
        return;
    cwms_diag_add(diag, CWMS_ERROR, CWMS_R_NO_SAN,
                  "the server certificate '%s' has no subjectAltName DNS or IP entry: the "
                  "browsers (Chrome, Firefox, Safari and every Apple device) ignore the subject "
                  "CN, so to them it matches no host name (openssl, curl, GnuTLS and Java still "
                  "fall back to the CN); ask the CA to reissue it with the appliance's names in "
                  "subjectAltName",
                  name);
    *ok = 0;
}

/*
 * Apple's rules: 825 days at most for certificates issued since
 * 2019-07-01 whatever their root; 398 days since 2020-09-01 for those of
 * the roots Apple ships (publicly trusted CAs; a root an administrator
 * installed is exempt).
 */
static void check_leaf_validity(int64_t nb, int64_t na, const char *name, CWMS_DIAG *diag)
{
    int64_t days = na > nb ? (na - nb) / DAY : 0;

    if (nb >= VALIDITY_825_SINCE && na - nb > 825 * DAY)
        cwms_diag_add(diag, CWMS_WARNING, CWMS_R_LONG_VALIDITY,
                      "the server certificate '%s' is valid for %lld days: Apple devices refuse "
                      "server certificates issued since 2019-07-01 valid for more than 825 "
                      "days; ask the CA for one of 398 days or less",
                      name, (long long)days);
    else if (nb >= VALIDITY_398_SINCE && na - nb > 398 * DAY)
        cwms_diag_add(diag, CWMS_WARNING, CWMS_R_LONG_VALIDITY,
                      "the server certificate '%s' is valid for %lld days: Apple devices refuse "
                      "server certificates issued since 2020-09-01 valid for more than 398 days "
                      "when they chain to a root Apple ships (publicly trusted CAs; a private "
                      "root an administrator installed is exempt); ask the CA for one of 398 days "
                      "or less",
                      name, (long long)days);
}

static void check_leaf(const CWMS_PATH *p, CWMS_DIAG *diag, int *ok)
{
    X509 *x = cwms_cert_x509(p->certs[0]);
    int64_t nb = cwms_cert_not_before(p->certs[0]), na = cwms_cert_not_after(p->certs[0]);
    char *name;

    if (x == NULL)
        return;
    name = name_of(p->certs[0]);
    check_leaf_is_ca(x, name, diag);
    check_leaf_eku(x, name, nb, diag, ok);
    check_leaf_key_usage(x, name, diag, ok);
    check_leaf_names(x, name, diag, ok);
    check_leaf_validity(nb, na, name, diag);
    OPENSSL_free(name);
}

/*
 * Extensions OpenSSL's verifier lets through outside X509_STRICT (or
 * reports only as a missing issuer); who refuses each, from real runs.
 */
static void check_extensions(const CWMS_PATH *p, CWMS_DIAG *diag, int *ok)
{
    for (size_t i = 0; i < p->len; i++) {
        X509 *x = cwms_cert_x509(p->certs[i]);
        const char *why = NULL, *who = "is refused by openssl, curl, GnuTLS and Java";
        CWMS_LEVEL level = CWMS_ERROR;
        char *name;

        if (x == NULL)
            continue;
        if (X509_get_extension_flags(x) & EXFLAG_INVALID) {
            why = "an extension is malformed or appears twice";
        } else if (X509_get_version(x) != X509_VERSION_3 && X509_get_ext_count(x) > 0) {
            who = "is refused by GnuTLS and Java (openssl and curl accept it)";
            why = "it carries extensions but is not a version 3 certificate";
        } else if (!(X509_get_extension_flags(x) & EXFLAG_CA)
                   && X509_get_ext_by_NID(x, NID_name_constraints, -1) >= 0) {
            level = CWMS_WARNING;
            who = "breaks RFC 5280, and `openssl verify -x509_strict` refuses it (openssl, "
                  "curl, GnuTLS and Java accept it)";
            why = "it carries nameConstraints but is not a CA certificate";
        }
        if (why == NULL)
            continue;
        name = name_of(p->certs[i]);
        cwms_diag_add_about(diag, level, CWMS_R_BAD_EXTENSION, name,
                            "%s '%s' %s: %s; ask the CA to reissue it",
                            i == 0 ? "the server certificate" : "the CA certificate", name, who,
                            why);
        OPENSSL_free(name);
        *ok &= level != CWMS_ERROR;
    }
}

/*
 * X509_STRICT rejects a missing authorityKeyIdentifier on every
 * certificate but the trust anchor. A trust anchor that is itself issued
 * by another CA (a cross-signed root or an intermediate, trusted as a
 * partial chain) is held to the same rule: clients that do not trust it
 * directly build the path on through it by its AKI.
 */
static void check_anchor_aki(const CWMS_PATH *p, CWMS_DIAG *diag)
{
    X509 *x = p->anchor != NULL ? cwms_cert_x509(p->anchor) : NULL;
    char *name, *issuer;

    if (x == NULL || cwms_cert_self_issued(p->anchor) || X509_get0_authority_key_id(x) != NULL)
        return;
    name = name_of(p->anchor);
    issuer = cwms_name_oneline(X509_get_issuer_name(x));
    cwms_diag_add(diag, CWMS_WARNING, CWMS_R_ANCHOR_NO_AKI,
                  "the trust anchor '%s' (issued by '%s', so trusted as a partial chain) has "
                  "no authorityKeyIdentifier: RFC 5280 4.2.1.1 requires one in every "
                  "certificate a CA issues except a self-signed root, so clients may fail to "
                  "build the path through it; put its issuer '%s' (the root it is issued or "
                  "cross-signed by) in the trust store instead, or a copy of this certificate "
                  "that carries the authorityKeyIdentifier",
                  name, issuer != NULL ? issuer : "?", issuer != NULL ? issuer : "?");
    OPENSSL_free(name);
    OPENSSL_free(issuer);
}

int cwms_client_policy_check(const CWMS_CHAIN_PARAMS *cp, CWMS_GRAPH *g, const CWMS_PATH *path,
                             CWMS_DIAG *diag)
{
    int ok = 1;

    check_anchor_aki(path, diag);
    check_extensions(path, diag, &ok);
    check_leaf(path, diag, &ok);
    check_signatures(cp, g, path, diag, &ok);
    check_keys(path, diag, &ok);
    return ok;
}
