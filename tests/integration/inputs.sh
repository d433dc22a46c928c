#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every input format through `cwms-bundle build`, end to end: whatever the
# CA sent (PEM with CRLF, BOM or text around it, DER, PKCS#7, PKCS#12) and
# whatever form the key is in, the bundle comes out the same: key first,
# then primary, secondary, server (CWMS 2.5 order), root left out.
# The files are made by the unit fixture tests/unit/fixtures/inputs.sh.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "${CWMS_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"

pki_init "$TMP/pki"
# shellcheck source=../unit/fixtures/inputs.sh
. "$CWMS_SOURCE_ROOT/tests/unit/fixtures/inputs.sh"
P=$PKI_DIR
export PW=secret

# The common names of the certificates of a bundle, one per line, in order.
cns() { pem_subjects "$1" | sed 's/.*CN *= *//'; }

# expect_bundle OUT KEY-CERT: key first and matching KEY-CERT, then primary, secondary, leaf.
expect_bundle() {
    local out=$1 crt=$2 want leaf
    leaf=$(openssl x509 -in "$crt" -noout -subject | sed 's/.*CN *= *//')
    [ "$(pem_types "$out" | head -n 1)" = "PRIVATE KEY" ] || fail "$out: the key is not the first block"
    [ "$(openssl pkey -in "$out" -pubout)" = "$(openssl x509 -in "$crt" -noout -pubkey)" ] \
        || fail "$out: the key is not the key of $crt"
    want=$(printf '%s\n' "Test Primary CA" "Test Secondary CA" "$leaf")
    [ "$(cns "$out")" = "$want" ] || { cns "$out" >&2; fail "$out: wrong certificates or order"; }
}

n=0
# build_ok NAME ARGS...: builds into $TMP/NAME.pem, root-first, trusting the test root.
build_ok() {
    local name=$1; shift
    n=$((n + 1))
    "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/$name.pem" "$@" 2> "$TMP/$name.err" \
        || { cat "$TMP/$name.err" >&2; fail "$name: cwms-bundle build $* failed"; }
}

# --- every certificate format, with every key format ------------------------------------------
build_ok pem-crt-key        "$P/ca-bundle.pem" "$P/server.crt" "$P/server.key"
expect_bundle "$TMP/pem-crt-key.pem" "$P/server.crt"
build_ok crlf-pk8der        "$P/chain-crlf.pem" "$P/server-pk8.der"
expect_bundle "$TMP/crlf-pk8der.pem" "$P/server.crt"
build_ok bom-der-trad       "$P/chain-bom.pem" "$P/primary.der" "$P/server-rsa.pem"
expect_bundle "$TMP/bom-der-trad.pem" "$P/server.crt"
build_ok text-tradder       "$P/chain-text.pem" "$P/primary.crt" "$P/server-rsa.der"
expect_bundle "$TMP/text-tradder.pem" "$P/server.crt"
build_ok der-dek            "$P/server.der" "$P/two.der" "$P/server-rsa-dek.pem" --passin pass:secret
expect_bundle "$TMP/der-dek.pem" "$P/server.crt"
build_ok p7b-encder         "$P/chain.p7b" "$P/server-enc.der" --passin pass:secret
expect_bundle "$TMP/p7b-encder.pem" "$P/server.crt"
build_ok p7pem-encpem       "$P/chain-p7.pem" "$P/server.crt" "$P/server-enc.pem" --passin env:PW
expect_bundle "$TMP/p7pem-encpem.pem" "$P/server.crt"
build_ok p7named-key        "$P/chain-p7-named.pem" "$P/server.crt" "$P/server-pk8.pem"
expect_bundle "$TMP/p7named-key.pem" "$P/server.crt"
build_ok trusted-x509       "$P/root-trusted.pem" "$P/root-x509.pem" "$P/secondary.der" "$P/primary.der" \
                            "$P/server-combined.pem"
expect_bundle "$TMP/trusted-x509.pem" "$P/server.crt"
build_ok yaml               "$P/indented.yaml" "$P/oneline.pem"
expect_bundle "$TMP/yaml.pem" "$P/server.crt"
build_ok ec-trad            "$P/ca-bundle.pem" "$P/ecserver.crt" "$P/ecserver-ec.pem"
expect_bundle "$TMP/ec-trad.pem" "$P/ecserver.crt"
build_ok ec-dek             "$P/ca-bundle.pem" "$P/ecserver.crt" "$P/ecserver-ec-dek.pem" --passin pass:secret
expect_bundle "$TMP/ec-dek.pem" "$P/ecserver.crt"

# --- PKCS#12: with a passphrase, with an empty one, with none at all -------------------------
build_ok p12                "$P/server.p12" --passin pass:secret
expect_bundle "$TMP/p12.pem" "$P/server.crt"
build_ok p12-nopass         "$P/server-nopass.p12" < /dev/null
expect_bundle "$TMP/p12-nopass.pem" "$P/server.crt"
build_ok p12-plain          "$P/server-plain.p12" < /dev/null
expect_bundle "$TMP/p12-plain.pem" "$P/server.crt"

# --- sources: directory, standard input, file: URI ---------------------------------------------
build_ok dir                "$P/dir" "$P/server.der"
expect_bundle "$TMP/dir.pem" "$P/server.crt"
assert_contains "$TMP/dir.err" "not read recursively"
build_ok stdin - "$P/server.crt" "$P/server.key" < "$P/chain.p7b"
expect_bundle "$TMP/stdin.pem" "$P/server.crt"
build_ok uri "file://$P/with%20space/my%20chain%25.pem" "file:$P/server.crt" "$P/server.key"
expect_bundle "$TMP/uri.pem" "$P/server.crt"

# --- duplicates across formats: each certificate and the key once ------------------------------
build_ok dups "$P/ca-bundle.pem" "$P/chain.p7b" "$P/chain-crlf.pem" "$P/primary.der" "$P/server.p12" \
    "$P/server.key" "$P/server-rsa-dek.pem" --passin pass:secret
expect_bundle "$TMP/dups.pem" "$P/server.crt"

# --- a CSR among the inputs is noted and ignored -----------------------------------------------
build_ok csr "$P/ca-bundle.pem" "$P/server.crt" "$P/server.key" "$P/server.csr"
expect_bundle "$TMP/csr.pem" "$P/server.crt"
assert_contains "$TMP/csr.err" "server.csr"
assert_contains "$TMP/csr.err" "certificate signing request"

# --- errors name the file and say what to do; no output is written -----------------------------
fails() {  # fails NAME TEXT ARGS...: exit 3 (input), stderr holds TEXT, no output file
    local name=$1 text=$2; shift 2
    expect_fail 3 "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/$name.pem" "$@"
    assert_contains "$TMP/stderr" "$text"
    [ ! -e "$TMP/$name.pem" ] || fail "$name: an output file was written"
}
fails wrong-p12   "wrong passphrase for PKCS#12 file '$P/server.p12'" "$P/server.p12" --passin pass:nope
fails wrong-key   "server-enc.pem" "$P/ca-bundle.pem" "$P/server.crt" "$P/server-enc.pem" --passin pass:nope
fails garbage     "'$P/garbage.txt' holds no certificate, key, PKCS#7 or PKCS#12" \
                  "$P/ca-bundle.pem" "$P/server.crt" "$P/server.key" "$P/garbage.txt"
fails empty-file  "empty.pem" "$P/ca-bundle.pem" "$P/server.crt" "$P/server.key" "$P/empty.pem"
fails empty-dir   "emptydir" "$P/emptydir" "$P/server.crt" "$P/server.key"
fails missing     "No such file or directory" "$P/ca-bundle.pem" "$P/server.crt" "$P/no-such.pem"

# No passphrase source and no controlling terminal (setsid): says which option to give.
if ! command -v setsid > /dev/null; then
    skip_part "setsid (util-linux) is needed to run without a terminal"
else
    expect_fail 3 setsid -w "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/no-pass.pem" \
        "$P/server.p12" < /dev/null
    assert_contains "$TMP/stderr" "PKCS#12 file '$P/server.p12'"
    assert_contains "$TMP/stderr" "--passin"
    [ ! -e "$TMP/no-pass.pem" ] || fail "no-pass: an output file was written"
fi

echo "inputs: $n bundles built from every input format"
