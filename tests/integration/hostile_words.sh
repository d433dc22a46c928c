#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Codes and words under hostile input: hostile_words.sh CASE (one meson test
# per CASE, suite 'hostile'). The message names what broke (the certificate,
# the limit, the option, the parameter) and fits where it is shown. Each run
# ends with the exit code and message it names, in under 20 s and 1 GiB.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

OUTDIR=$TMP/out
mkdir -p "$OUTDIR"
PROV=(-provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms -provider default)

# The server certificate with a subject that is not valid UTF-8 (OpenSSL cannot decode
# it): the key "matches nothing", and the message names that certificate (file and
# fingerprint) as the one carrying the key's public key; check says the same.
case_undecodable_cert_named() {
    pki_init "$TMP/pki"
    local p=$PKI_DIR fp
    PKI_KEY=rsa:2048 pki_root root "Test Root CA"
    PKI_KEY=rsa:2048 pki_leaf server www.example.test root
    python3 "$CWMS_SOURCE_ROOT/tests/lib/cert_edit.py" bad-utf8 "$p/server.crt" "$p/root.key" "$TMP/bad.crt"
    ! openssl x509 -in "$TMP/bad.crt" -noout 2> /dev/null || fail "openssl decodes the damaged certificate"
    fp=$(sed '/-----/d' "$TMP/bad.crt" | base64 -d | sha256sum | cut -c1-64 | tr a-f A-F)
    bounded 5 "$CWMS_BUNDLE" build --cwms 2.5 --trust "$p/root.crt" -o "$OUTDIR/out.pem" \
        "$p/server.key" "$TMP/bad.crt"
    assert_contains "$TMP/stderr" "OpenSSL cannot decode '?' (SHA-256 $fp, from $TMP/bad.crt), which carries the key's public key"
    assert_contains "$TMP/stderr" "such as text that is not valid UTF-8"
    no_leftovers
    cat "$p/server.key" "$TMP/bad.crt" > "$TMP/bundle.pem"
    bounded 5 "$CWMS_BUNDLE" check -q --cwms 2.5 --trust "$p/root.crt" "$TMP/bundle.pem"
    assert_contains "$TMP/stderr" "from $TMP/bundle.pem block 2), which carries the key's public key"
}

# --subject values longer than RFC 5280 allows are "too long" with the limit, counted in
# characters (64 two-byte characters fit); an unknown type is still named as unknown.
case_subject_too_long() {
    local o65 e64
    o65=$(printf 'a%.0s' $(seq 65))
    e64=$(printf '\xc3\xa9%.0s' $(seq 64))
    bounded 2 "$CWMS_BUNDLE" request --new-key "$OUTDIR/new.pem" --host www.example.test \
        --subject "/C=US/O=$o65"
    assert_contains "$TMP/stderr" "O= is too long: 65 characters, where a certificate allows at most 64"
    ! grep -q "not an attribute type" "$TMP/stderr" || fail "the length called an unknown type"
    bounded 2 "$CWMS_BUNDLE" request --new-key "$OUTDIR/new.pem" --host www.example.test \
        --subject "/OU=$o65"
    assert_contains "$TMP/stderr" "OU= is too long: 65 characters, where a certificate allows at most 64"
    bounded 2 "$CWMS_BUNDLE" request --new-key "$OUTDIR/new.pem" --host www.example.test \
        --subject "/XX=1"
    assert_contains "$TMP/stderr" "'XX' is not an attribute type OpenSSL knows"
    no_leftovers
    bounded 0 "$CWMS_BUNDLE" request --new-key "$OUTDIR/new.pem" --key-type ec:P-256 \
        --host www.example.test --subject "/O=$e64" -o "$OUTDIR/new.csr"
    openssl req -in "$OUTDIR/new.csr" -noout -verify 2> /dev/null || fail "the CSR does not verify"
    rm -f "$OUTDIR"/new.*
}

# The provider's messages name the URI's parameter, not the whole URI, and stay under
# OpenSSL's 1 KB of error data (over it OpenSSL drops the whole text): an 850-byte cwms:
# URI with a bad version= is refused with a message saying so.
case_provider_message_under_1kb() {
    make_pki
    local dir=$TMP part line
    part=$(printf 'd%.0s' $(seq 200))
    dir=$TMP/$part/$part/$part/$part   # over 800 bytes (a name has at most 255)
    mkdir -p "$dir"
    cp "$PKI_DIR/server.key" "$PKI_DIR/server.crt" "$PKI_DIR/ca-bundle.pem" "$dir/"
    bounded 1 "${OSSL_CMD[@]}" storeutl "${PROV[@]}" "cwms:$dir?version=20x"
    line=$(grep ":cwms:" "$TMP/stderr" | grep "cwms_store_open") || { cat "$TMP/stderr" >&2; fail "no provider error"; }
    case $line in *"cwms: URI: version='20x' is not a CWMS release"*) ;; *) fail "the message does not name version=: $line" ;; esac
    case $line in *"$dir"*) fail "the provider repeats the whole URI" ;; esac
    # A key too long for any message, from a build: cut under 1 KB, never empty.
    bounded 1 "${OSSL_CMD[@]}" storeutl "${PROV[@]}" "cwms:$dir?version=2.5&key=$dir/$(printf 'k%.0s' $(seq 1200))"
    line=$(grep ":cwms:" "$TMP/stderr" | head -1) || { cat "$TMP/stderr" >&2; fail "no provider error"; }
    [ "${#line}" -lt 1300 ] || fail "a provider message of ${#line} bytes"
    case $line in *"cannot open"*...) ;; *) fail "the long message was not cut with '...': $line" ;; esac
}

# An endless stream given as --trust is named as the --trust file in the error.
case_trust_stream_named() {
    make_pki
    local p=$PKI_DIR
    bounded 3 "$CWMS_BUNDLE" build --cwms 2.5 --trust <(yes) -o "$OUTDIR/out.pem" "$p/server.key" \
        "$p/server.crt" "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "error: --trust '/dev/fd/"
    assert_contains "$TMP/stderr" "' is larger than 256 MiB"
    no_leftovers
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
