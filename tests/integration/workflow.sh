#!/usr/bin/env bash
# The external-key workflow end to end, with the inputs real CAs and
# Windows hand over: workflow.sh CASE (one meson test per CASE, suite
# 'workflow'). Each case makes its own PKI and inputs at test time.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"

# The standard hierarchy; $P is where its files are.
make_pki() {
    pki_init "$TMP/pki"
    pki_hierarchy || fail "cannot make the test PKI"
    P=$PKI_DIR
}

# The common names of the certificates of a PEM file, in order.
cns() { pem_subjects "$1" | sed 's/.*CN *= *//'; }

# expect_chain OUT: primary, secondary, server (root-first, root left out).
expect_chain() {
    local want
    want=$(printf '%s\n' "Test Primary CA" "Test Secondary CA" "www.example.test")
    [ "$(cns "$1")" = "$want" ] || { cns "$1" >&2; fail "$1: wrong certificates or order"; }
}

# build ARGS...: cwms-bundle build, stderr in $TMP/err; fails the test on failure.
build() {
    "$CWMS_BUNDLE" build "$@" 2> "$TMP/err" || { cat "$TMP/err" >&2; fail "cwms-bundle build $* failed"; }
}

# A PKCS#12 as older Windows exports it (RC2-40 certificates, 3DES key) reads as-is, with a note.
case_legacy_pkcs12() {
    make_pki
    openssl pkcs12 -export -legacy -inkey "$P/server.key" -in "$P/server.crt" \
        -certfile "$P/ca-bundle.pem" -passout pass:winpw -out "$TMP/old.pfx"
    # It really is legacy: OpenSSL without -legacy cannot read it.
    if openssl pkcs12 -in "$TMP/old.pfx" -passin pass:winpw -nodes > /dev/null 2>&1; then
        fail "the test PKCS#12 is readable without the legacy provider"
    fi
    build --cwms 2.5 --trust "$P/root.crt" --passin pass:winpw -o "$TMP/out.pem" "$TMP/old.pfx"
    expect_chain "$TMP/out.pem"
    assert_contains "$TMP/err" "legacy provider"
    [ "$(openssl pkey -in "$TMP/out.pem" -pubout)" = "$(openssl x509 -in "$P/server.crt" -noout -pubkey)" ] \
        || fail "the key in the bundle is not the server key"
    # A wrong passphrase is still a wrong passphrase, not an algorithm problem.
    expect_fail 3 "$CWMS_BUNDLE" build --passin pass:nope -o "$TMP/no.pem" "$TMP/old.pfx"
    assert_contains "$TMP/stderr" "wrong passphrase"
    [ ! -e "$TMP/no.pem" ] || fail "a bundle was written after a wrong passphrase"
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
