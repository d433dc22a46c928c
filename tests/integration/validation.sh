#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Validation of the chosen chain: validation.sh CASE (one meson test per
# CASE). Each case makes a PKI with openssl (root -> "Test Issuing CA" ->
# www.example.test by default), spoils one thing, and checks the exit code
# and that the message names the certificate.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"
EDIT=$CWMS_SOURCE_ROOT/tests/lib/cert_edit.py

LEAF_EXT='basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:www.example.test'
CA_EXT='basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign'
SERVER="CN=www.example.test'"
ISSUING="CN=Test Issuing CA'"
ROOT="CN=Test Root CA'"

# cert ID CN ISSUER_ID EXTENSIONS: pki_cert (key per PKI_KEY, kept when
# ID.key exists) with MD=sha1|md5 (default sha256), DAYS (default 397),
# NO_AKI=1 leaving out authorityKeyIdentifier.
cert() {
    PKI_MD=${MD:-} PKI_DAYS=${DAYS:-} PKI_NO_AKI=${NO_AKI:-} pki_cert "$@" || fail "cannot make $1"
}

# root + issuing CA; the leaf is the caller's (leaf EXT, or the default).
setup() {
    pki_init "$TMP/pki"
    pki_root root "Test Root CA" || fail "cannot make the root"
    P=$PKI_DIR
}
ca() { cert ca "Test Issuing CA" root "${1:-$CA_EXT}"; }
leaf() { cert server www.example.test ca "${1:-$LEAF_EXT}"; }

# build [OPTIONS...]: the everyday build, trusting the root.
build() {
    "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/out.pem" "$@" \
        "$P/server.key" "$P/server.crt" "$P/ca.crt"
}

fails() {  # CODE TEXT... : build "$BUILD_ARGS" fails with CODE and names each TEXT
    local code=$1; shift
    expect_fail "$code" build ${BUILD_ARGS:-}
    for t in "$@"; do assert_contains "$TMP/stderr" "$t"; done
    [ ! -e "$TMP/out.pem" ] || fail "a bundle was written"
}

warns() {  # TEXT... : builds with a warning naming TEXT, and fails under --strict (code $STRICT_CODE)
    build 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "the build failed"; }
    for t in "$@"; do assert_contains "$TMP/stderr" "$t"; done
    assert_contains "$TMP/stderr" "warning:"
    rm -f "$TMP/out.pem"
    BUILD_ARGS=--strict fails "${STRICT_CODE:-4}" "$@"
}

case_leaf_eku_client_auth_only() {
    setup; ca; leaf "${LEAF_EXT/serverAuth/clientAuth}"
    fails 4 "$SERVER is not for TLS servers" "lacks serverAuth"
}

case_leaf_key_usage_without_tls() {
    setup; ca; leaf "${LEAF_EXT/digitalSignature, keyEncipherment/nonRepudiation}"
    fails 4 "$SERVER has a keyUsage without digitalSignature or keyEncipherment"
}

# keyEncipherment alone serves only TLS 1.2 RSA key exchange: GnuTLS and Java refuse it.
case_leaf_key_encipherment_only_refused() {
    setup; ca; leaf "${LEAF_EXT/digitalSignature, keyEncipherment/keyEncipherment}"
    fails 4 "$SERVER has a keyUsage with keyEncipherment but without digitalSignature" \
        "GnuTLS and Java refuse it (openssl and curl accept it)"
}

# An intermediate as the only trust anchor is a partial chain: openssl s_client refuses it,
# so it warns; with the root in the store too it does not.
case_intermediate_as_anchor_warns() {
    setup; ca; leaf
    build --trust "$P/ca.crt" 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "the build failed"; }
    assert_contains "$TMP/stderr" "warning: the chain is trusted only through 'O=cwms-bundle tests, CN=Test Issuing CA'"
    assert_contains "$TMP/stderr" "openssl s_client and other OpenSSL-based clients refuse it"
    expect_fail 4 build --strict --trust "$P/ca.crt"
    cat "$P/ca.crt" "$P/root.crt" > "$TMP/both.pem"
    build --strict --trust "$TMP/both.pem" 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "refused with the root in the store"; }
    ! grep -q "trusted only through" "$TMP/stderr" || fail "a partial-chain warning with the root in the store"
}

# A CA certificate as the server certificate: openssl, curl, GnuTLS and Java accept it, so it
# is a warning naming the real risk (its key can sign certificates), an error under --strict;
# what is written validates with openssl.
case_leaf_is_a_ca() {
    setup; ca
    leaf "$(printf '%s\n' "${LEAF_EXT/CA:FALSE/CA:TRUE}" | sed 's/keyEncipherment/keyEncipherment, keyCertSign/')"
    build 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "a CA as the server certificate was refused"; }
    assert_contains "$TMP/stderr" "warning: the server certificate 'O=cwms-bundle tests, $SERVER is a CA certificate (basicConstraints CA:TRUE)"
    assert_contains "$TMP/stderr" "its key can sign certificates"
    assert_contains "$TMP/stderr" "no public CA issues one"
    openssl verify -no-CApath -no-CAstore -purpose sslserver -CAfile "$P/root.crt" \
        -untrusted "$TMP/out.pem" "$P/server.crt" > /dev/null || fail "openssl verify refuses what was written"
    rm -f "$TMP/out.pem"
    BUILD_ARGS=--strict fails 4 "$SERVER is a CA certificate" "its key can sign certificates"
}

case_leaf_signed_with_sha1() {
    setup; ca; MD=sha1 leaf
    fails 4 "$SERVER is signed with RSA-SHA1"
}

case_intermediate_signed_with_md5() {
    setup; MD=md5 ca; leaf
    fails 4 "$ISSUING is signed with RSA-MD5"
}

case_intermediate_rsa_1024() {
    setup; PKI_KEY=rsa:1024 ca; leaf
    fails 4 "$ISSUING has a 1024-bit RSA key"
}

case_unknown_critical_extension() {
    setup; ca; leaf "$LEAF_EXT
1.3.6.1.4.1.55555.1 = critical, ASN1:NULL"
    fails 4 "$SERVER fails validation (unhandled critical extension"
}

case_extension_twice() {
    setup; ca; leaf
    python3 "$EDIT" dup-ext "$P/server.crt" "$P/ca.key" "$P/server.crt"
    fails 4 "$SERVER is refused by openssl, curl, GnuTLS and Java: an extension is malformed or appears twice"
}

case_extensions_in_v1_certificate() {
    setup; ca; leaf
    python3 "$EDIT" v1 "$P/server.crt" "$P/ca.key" "$P/server.crt"
    fails 4 "$SERVER is refused by GnuTLS and Java (openssl and curl accept it): it carries extensions but is not a version 3"
}

case_name_constraints_exclude_the_server() {
    setup; ca "$CA_EXT
nameConstraints = critical, excluded;DNS:example.test"; leaf
    fails 4 "$SERVER fails validation (excluded subtree violation"
}

# RFC 5280 and `openssl verify -x509_strict` refuse it; openssl, curl, GnuTLS and Java accept it.
case_name_constraints_in_non_ca() {
    setup; ca; leaf "$LEAF_EXT
nameConstraints = critical, permitted;DNS:example.test"
    warns "$SERVER breaks RFC 5280, and \`openssl verify -x509_strict\` refuses it" \
        "it carries nameConstraints but is not a CA"
}

case_intermediate_eku_client_auth_only() {
    setup; ca "$CA_EXT
extendedKeyUsage = clientAuth"; leaf
    fails 4 "$ISSUING fails validation (unsuitable certificate purpose"
}

case_anchor_not_a_ca() {
    pki_init "$TMP/pki"; P=$PKI_DIR
    pki__key root
    printf '[req]\ndistinguished_name = dn\n[dn]\n[ext]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyCertSign\nsubjectKeyIdentifier = hash\n' > "$P/root.ext"
    openssl req -new -x509 -key "$P/root.key" -subj "/O=cwms-bundle tests/CN=Test Root CA" \
        -days 3650 -config "$P/root.ext" -extensions ext -out "$P/root.crt" 2>/dev/null
    ca; leaf
    fails 4 "the trust anchor (certificate 3 of the chain, 1 = server) '" \
        "$ROOT fails validation (invalid CA certificate"
}

case_trust_settings_reject_server_auth() {
    setup; ca; leaf
    openssl x509 -in "$P/root.crt" -addreject serverAuth -trustout -out "$P/root-trusted.pem"
    cp "$P/root-trusted.pem" "$P/root.crt"
    grep -q "BEGIN TRUSTED CERTIFICATE" "$P/root.crt" || fail "no TRUSTED CERTIFICATE block"
    fails 4 "the trust anchor (certificate 3 of the chain, 1 = server) '" "$ROOT fails validation (certificate rejected"
}

case_trust_settings_client_auth_only() {
    setup; ca; leaf
    openssl x509 -in "$P/root.crt" -addtrust clientAuth -trustout -out "$P/root-trusted.pem"
    cp "$P/root-trusted.pem" "$P/root.crt"
    fails 4 "the trust anchor (certificate 3 of the chain, 1 = server) '" \
        "$ROOT fails validation (certificate rejected"
}

case_host_through_subject_cn_only() {
    setup; ca; leaf "$(printf '%s\n' "$LEAF_EXT" | grep -v subjectAltName)"
    BUILD_ARGS="--host www.example.test" fails 4 \
        "the server certificate 'O=cwms-bundle tests, CN=www.example.test' does not cover the host name 'www.example.test'" \
        "$SERVER has no subjectAltName DNS or IP entry"
}

case_no_san_without_host() {
    setup; ca; leaf "$(printf '%s\n' "$LEAF_EXT" | grep -v subjectAltName)"
    fails 4 "$SERVER has no subjectAltName DNS or IP entry"
}

case_leaf_without_eku_warns() {
    setup; ca; leaf "$(printf '%s\n' "$LEAF_EXT" | grep -v extendedKeyUsage)"
    warns "$SERVER has no extendedKeyUsage"
}

case_p521_server_key_warns() {
    setup; ca; PKI_KEY=ec:P-521 leaf "${LEAF_EXT/, keyEncipherment/}"
    STRICT_CODE=5 warns "$SERVER has a P-521 key"
}

case_ed25519_server_key_warns() {
    setup; ca; PKI_KEY=ed25519 leaf "${LEAF_EXT/, keyEncipherment/}"
    STRICT_CODE=5 warns "$SERVER has an Ed25519 key"
}

case_rsa_pss_server_key_warns() {
    setup; ca; PKI_KEY=rsa-pss:2048 leaf "${LEAF_EXT/, keyEncipherment/}"
    STRICT_CODE=5 warns "$SERVER has an RSA-PSS (id-RSASSA-PSS) key, which Chrome and Chromium refuse"
}

case_long_validity_warns() {
    setup; ca; DAYS=825 leaf
    warns "$SERVER is valid for 825 days"
}

case_ec_explicit_parameters_refused() {
    setup; ca
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:explicit \
        -out "$P/server.key" 2>/dev/null
    leaf "${LEAF_EXT/, keyEncipherment/}"
    fails 5 "$SERVER has an EC key with explicit curve parameters"
}

case_ec_curve_clients_lack_refused() {
    setup; ca; PKI_KEY=ec:secp256k1 leaf "${LEAF_EXT/, keyEncipherment/}"
    fails 5 "$SERVER has an EC key on the curve secp256k1"
}

# No current TLS client verifies a DSA key, on the server or above it.
case_dsa_server_key_refused() {
    setup; ca; PKI_KEY=dsa:2048 leaf "${LEAF_EXT/, keyEncipherment/}"
    fails 5 "$SERVER has a DSA key, with which curl, GnuTLS and the browsers fail the TLS handshake" "make a new RSA (2048 or more) or EC P-256 key"
}

case_dsa_ca_key_refused() {
    setup; PKI_KEY=dsa:2048 ca; leaf
    fails 4 "the CA certificate 'O=cwms-bundle tests, $ISSUING has a DSA key, whose signatures Java and Chrome do not verify"
}

# A wildcard covers a whole leftmost label only ("*.example.test"), as browsers have it.
case_partial_wildcard_does_not_cover_the_host() {
    setup; ca; leaf "${LEAF_EXT/DNS:www.example.test/DNS:ww*.example.test}"
    BUILD_ARGS="--host www.example.test" fails 4 \
        "the server certificate 'O=cwms-bundle tests, $SERVER does not cover the host name 'www.example.test' (it names DNS:ww*.example.test)"
}

# The first 8 hex digits of a certificate's SHA-256, as the notes show them.
fp8() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -c1-8; }

# Two certificates of the issuing CA (same name and key); the one ranked
# first (later notAfter) may only issue client certificates.
restricted_and_plain_issuer() {
    setup
    DAYS=3650 cert ca "Test Issuing CA" root "$CA_EXT
extendedKeyUsage = ${1:-clientAuth}"
    mv "$P/ca.crt" "$P/ca-restricted.crt"
    DAYS=1000 cert ca "Test Issuing CA" root "$CA_EXT${2:+
extendedKeyUsage = $2}"
    leaf
    cat "$P/ca-restricted.crt" "$P/ca.crt" > "$P/cas.pem"
}

case_rejected_candidate_gives_way_to_the_next() {
    restricted_and_plain_issuer
    "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/out.pem" \
        "$P/server.key" "$P/server.crt" "$P/cas.pem" 2> "$TMP/stderr" \
        || { cat "$TMP/stderr" >&2; fail "no valid candidate was chosen"; }
    assert_contains "$TMP/stderr" "passed over the path of 2 certificate(s) up to 'O=cwms-bundle tests, $ISSUING (CA certificates SHA-256 $(fp8 "$P/ca-restricted.crt")...)"
    assert_contains "$TMP/stderr" "$ISSUING: unsuitable certificate purpose"
    openssl x509 -in "$P/ca.crt" -outform DER | cmp -s - <(
        awk '/BEGIN CERT/{n++} n==1' "$TMP/out.pem" | openssl x509 -outform DER) \
        || fail "the bundle does not carry the unrestricted issuing CA"
}

case_no_candidate_passes_names_each() {
    restricted_and_plain_issuer clientAuth emailProtection
    expect_fail 4 "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/out.pem" \
        "$P/server.key" "$P/server.crt" "$P/cas.pem"
    assert_contains "$TMP/stderr" "$ISSUING fails validation (unsuitable certificate purpose"
    assert_contains "$TMP/stderr" "the alternative the path of 2 certificate(s) up to 'O=cwms-bundle tests, $ISSUING (CA certificates SHA-256 $(fp8 "$P/ca.crt")...) was rejected too"
}

case_weak_signature_above_trusted_warns() {
    setup; ca; leaf
    pki_root oldroot "Old Root CA"
    # rootx: the root's name and key, cross-signed by the old root with SHA-1.
    cp "$P/root.key" "$P/rootx.key"
    MD=sha1 DAYS=3650 cert rootx "Test Root CA" oldroot "$CA_EXT"
    run() {
        "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/out.pem" "$@" \
            "$P/server.key" "$P/server.crt" "$P/ca.crt" "$P/rootx.crt"
    }
    run 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "a weak signature above the anchor failed the build"; }
    assert_contains "$TMP/stderr" "warning: the cross-certificate 'O=cwms-bundle tests, CN=Test Root CA' above the trusted certificate is signed with RSA-SHA1"
    assert_contains "$TMP/stderr" "older ones may: --path shortest leaves it out"
    rm -f "$TMP/out.pem"
    expect_fail 4 run --strict
    # Through the provider the same advice names the cwms: URI's parameter, not the CLI's flag.
    mkdir "$TMP/files"
    cp "$P/server.key" "$P/server.crt" "$P/ca.crt" "$P/rootx.crt" "$TMP/files/"
    local ossl=(openssl)
    [ -z "${CWMS_ASAN_PRELOAD:-}" ] || ossl=(env LD_PRELOAD="$CWMS_ASAN_PRELOAD" openssl)
    "${ossl[@]}" storeutl -provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms \
        -provider default -out "$TMP/out.pem" "cwms:$TMP/files?trust=$P/root.crt" \
        2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "the provider refused the chain"; }
    assert_contains "$TMP/stderr" "older ones may: path=shortest leaves it out"
    if grep -qF -- "--path" "$TMP/stderr"; then cat "$TMP/stderr" >&2; fail "the provider names a CLI flag"; fi
}

case_provider_refuses_the_same() {
    setup; ca; leaf "${LEAF_EXT/serverAuth/clientAuth}"
    mkdir "$TMP/ca-files"
    cp "$P/server.key" "$P/server.crt" "$P/ca.crt" "$TMP/ca-files/"
    local ossl=(openssl)
    # The ASan build's module needs the runtime preloaded into openssl (see provider.sh).
    [ -z "${CWMS_ASAN_PRELOAD:-}" ] || ossl=(env LD_PRELOAD="$CWMS_ASAN_PRELOAD" openssl)
    expect_fail 1 "${ossl[@]}" storeutl -provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms \
        -provider default -out "$TMP/out.pem" "cwms:$TMP/ca-files?trust=$P/root.crt"
    assert_contains "$TMP/stderr" "not allowed for TLS servers"
    assert_contains "$TMP/stderr" "$SERVER is not for TLS servers"
}

# root -> "Test Mid CA" -> issuing CA -> server: two intermediates.
long_chain() {
    setup
    cert mid "Test Mid CA" root "$CA_EXT"
    cert ca "Test Issuing CA" mid "$CA_EXT"
    leaf
    cat "$P/ca.crt" "$P/mid.crt" > "$P/cas.pem"
}

case_verify_depth_refuses_a_longer_chain() {
    long_chain
    # openssl's meaning of the number: intermediates, server and anchor not counted.
    expect_fail 2 openssl verify -verify_depth 1 -CAfile "$P/root.crt" -untrusted "$P/cas.pem" \
        "$P/server.crt"
    openssl verify -verify_depth 2 -CAfile "$P/root.crt" -untrusted "$P/cas.pem" \
        "$P/server.crt" > /dev/null 2>&1 || fail "openssl verify -verify_depth 2 refuses the chain"
    run() {
        "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/out.pem" "$@" \
            "$P/server.key" "$P/server.crt" "$P/cas.pem"
    }
    expect_fail 4 run --verify-depth 1
    assert_contains "$TMP/stderr" "the server certificate 'O=cwms-bundle tests, $SERVER needs a chain of 2 intermediate CA certificate(s) up to the trust anchor 'O=cwms-bundle tests, $ROOT, but --verify-depth allows 1"
    assert_contains "$TMP/stderr" "ask the CA for a shorter chain"
    assert_contains "$TMP/stderr" "--verify-depth 2"
    # One error for one cause: not also OpenSSL's view of the stopped chain.
    [ "$(grep -c 'error:' "$TMP/stderr")" -eq 1 ] || { cat "$TMP/stderr" >&2; fail "more than the depth error"; }
    [ ! -e "$TMP/out.pem" ] || fail "a bundle was written"
    run --verify-depth 2 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "--verify-depth 2 refused 2 intermediates"; }
    rm -f "$TMP/out.pem"
    run 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "without --verify-depth the chain was refused"; }
}

case_verify_depth_lets_a_shorter_chain_win() {
    long_chain
    # The issuing CA again (same name and key), issued by the root itself.
    mv "$P/ca.crt" "$P/ca-long.crt"
    DAYS=200 cert ca "Test Issuing CA" root "$CA_EXT"
    mv "$P/ca.crt" "$P/ca-short.crt"
    cat "$P/ca-long.crt" "$P/mid.crt" "$P/ca-short.crt" > "$P/cas.pem"
    run() {
        "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/out.pem" "$@" \
            "$P/server.key" "$P/server.crt" "$P/cas.pem"
    }
    run --verify-depth 1 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "the shorter chain did not win"; }
    assert_contains "$TMP/stderr" "passed over the path of 3 certificate(s) up to 'O=cwms-bundle tests, CN=Test Mid CA'"
    assert_contains "$TMP/stderr" "but --verify-depth allows 1"
    [ "$(pem_subjects "$TMP/out.pem" | wc -l)" -eq 2 ] || fail "the bundle is not server + one intermediate"
    openssl x509 -in "$P/ca-short.crt" -outform DER | cmp -s - <(
        awk '/BEGIN CERT/{n++} n==1' "$TMP/out.pem" | openssl x509 -outform DER) \
        || fail "the bundle does not carry the issuing CA the root issued"
    rm -f "$TMP/out.pem"
    # Without the limit the longer one, ranked first, is what the admin gets.
    run 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "the build failed"; }
    [ "$(pem_subjects "$TMP/out.pem" | wc -l)" -eq 3 ] || fail "without --verify-depth the longer path was not chosen"
}

case_verify_depth_through_a_cwms_uri() {
    long_chain
    mkdir "$TMP/ca-files"
    cp "$P/server.key" "$P/server.crt" "$P/cas.pem" "$TMP/ca-files/"
    store() {
        ossl storeutl -provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms \
            -provider default -certs -out "$TMP/out.pem" "cwms:$TMP/ca-files?trust=$P/root.crt&$1"
    }
    expect_fail 1 store verify-depth=1
    assert_contains "$TMP/stderr" "needs a chain of 2 intermediate CA certificate(s)"
    assert_contains "$TMP/stderr" "but verify-depth= allows 1"
    assert_contains "$TMP/stderr" "verify-depth=2"
    store verify-depth=2 > /dev/null 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "verify-depth=2 refused 2 intermediates"; }
    [ "$(pem_subjects "$TMP/out.pem" | wc -l)" -eq 3 ] || fail "the store did not give the chain"
    expect_fail 1 store verify-depth=many
    assert_contains "$TMP/stderr" "verify-depth='many' is not a chain depth"
}

case_verify_depth_bad_value_is_a_usage_error() {
    setup; ca; leaf
    for v in -1 two 10000 ""; do
        expect_fail 2 build --verify-depth "$v"
        assert_contains "$TMP/stderr" "--verify-depth '$v' is not a chain depth: give the most intermediate CA certificates the chain may have, a whole number from 0 to 9999"
        [ ! -e "$TMP/out.pem" ] || fail "a bundle was written"
    done
    build > /dev/null 2>&1 || fail "the build failed"
    expect_fail 2 "$CWMS_BUNDLE" check --cwms 2.5 --trust "$P/root.crt" --verify-depth x "$TMP/out.pem"
    assert_contains "$TMP/stderr" "--verify-depth 'x' is not a chain depth"
}

# The trust store holds "Test Root CA" cross-signed by another root, and
# without an authorityKeyIdentifier: a partial-chain anchor.
case_cross_signed_anchor_without_aki_warns() {
    setup; ca; leaf
    pki_root oldroot "Old Root CA"
    cp "$P/root.key" "$P/rootx.key"
    NO_AKI=1 DAYS=3650 cert rootx "Test Root CA" oldroot "$CA_EXT"
    openssl x509 -in "$P/rootx.crt" -noout -ext authorityKeyIdentifier 2>/dev/null \
        | grep -q keyid && fail "the cross-signed root has an authorityKeyIdentifier"
    cp "$P/rootx.crt" "$P/root.crt"
    warns "the trust anchor 'O=cwms-bundle tests, $ROOT (issued by 'O=cwms-bundle tests, CN=Old Root CA', so trusted as a partial chain) has no authorityKeyIdentifier" \
        "RFC 5280 4.2.1.1" "put its issuer 'O=cwms-bundle tests, CN=Old Root CA' (the root it is issued or cross-signed by) in the trust store instead"
}

# The same anchor with its authorityKeyIdentifier draws no AKI warning; being no self-signed
# root, it is a partial chain, which openssl s_client refuses: that warning stays.
case_cross_signed_anchor_with_aki_passes() {
    setup; ca; leaf
    pki_root oldroot "Old Root CA"
    cp "$P/root.key" "$P/rootx.key"
    DAYS=3650 cert rootx "Test Root CA" oldroot "$CA_EXT"
    cp "$P/rootx.crt" "$P/root.crt"
    build 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "the anchor with its AKI was refused"; }
    ! grep -q "authorityKeyIdentifier" "$TMP/stderr" || fail "a warning about the AKI"
    assert_contains "$TMP/stderr" "is not a self-signed root (issued by 'O=cwms-bundle tests, CN=Old Root CA')"
}

case=${1:?usage: validation.sh CASE}
declare -F "case_$case" > /dev/null || { echo "validation.sh: no case $case" >&2; exit 2; }
"case_$case"
echo "ok"
