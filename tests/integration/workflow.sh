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

# A CA's download folder with a README.txt (and an empty file) in it builds, with a note per skipped
# file; a folder with nothing usable, or a README named directly, is still an error.
case_folder_skips_unusable_files() {
    make_pki
    mkdir "$TMP/download"
    cp "$P/ca-bundle.pem" "$P/server.crt" "$P/server.key" "$TMP/download/"
    printf 'Thank you for your order.\nInstall the intermediate first.\n' > "$TMP/download/README.txt"
    : > "$TMP/download/empty.cer"
    build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/out.pem" "$TMP/download"
    expect_chain "$TMP/out.pem"
    assert_contains "$TMP/err" "skipping '$TMP/download/README.txt'"
    assert_contains "$TMP/err" "skipping '$TMP/download/empty.cer'"
    mkdir "$TMP/junk"
    cp "$TMP/download/README.txt" "$TMP/junk/"
    expect_fail 3 "$CWMS_BUNDLE" build -o "$TMP/no.pem" "$TMP/junk"
    assert_contains "$TMP/stderr" "none of its 1 file could be used"
    expect_fail 3 "$CWMS_BUNDLE" build -o "$TMP/no.pem" "$P/server.key" "$P/ca-bundle.pem" \
        "$P/server.crt" "$TMP/download/README.txt"
    assert_contains "$TMP/stderr" "README.txt' holds no certificate"
    [ ! -e "$TMP/no.pem" ] || fail "a bundle was written after an error"
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
