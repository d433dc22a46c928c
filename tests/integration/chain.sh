#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Chain building end to end through `cwms-bundle build`: the layout CAs
# ship (for CWMS 2.0 and 2.5), reversed, shuffled and duplicated bundles,
# cross-signs (complete vs shortest), rollover, two servers, a loop, a
# missing intermediate, a mismatched key, an expired intermediate with a
# valid alternative, host names, a 1024-bit key, and real CA bundles
# rebuilt from scrambled copies (DER, PKCS#7, duplicates) at pinned times.
# The scenario PKIs are made by the unit fixture tests/unit/fixtures/chain.sh.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "${CWMS_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"

pki_init "$TMP/pki"
# shellcheck source=../unit/fixtures/chain.sh
. "$CWMS_SOURCE_ROOT/tests/unit/fixtures/chain.sh"
P=$TMP/pki
UNRELATED=$P/misc/unrelated.crt
OUT=$TMP/out
mkdir -p "$OUT"

# The common names of a PEM file's certificates, in order, one per line.
cns() { pem_subjects "$1" | sed 's/.*CN *= *//'; }
expect_order() {  # FILE CN...
    local file=$1 want got; shift
    want=$(printf '%s\n' "$@")
    got=$(cns "$file")
    [ "$got" = "$want" ] || fail "order of $file: got [$(echo $got)], want [$(echo $want)]"
}
# Issuer CN of the n-th (1-based) certificate of a PEM file (the whole name when it has no CN).
issuer_cn() {
    openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs -noout \
        | sed -n 's/^issuer=//p' | sed -n "$2p" | sed 's/.*CN *= *//'
}
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'; }
# The fingerprint of the last certificate of a PEM file (the server certificate, root-first).
pem_lines_last_fp() { awk '/BEGIN CERT/ { b = "" } { b = b $0 "\n" } END { printf "%s", b }' "$1" | fp /dev/stdin; }
build() { "$CWMS_BUNDLE" build "$@"; }
build_ok() {  # OUT ARGS...: build into OUT, stderr kept in OUT.err
    local out=$1; shift
    build -o "$out" "$@" 2> "$out.err" || { cat "$out.err" >&2; fail "cwms-bundle build $* failed"; }
}

H=$P/h
echo "# the layout CAs ship: server + a top-down CA bundle, for 2.0 and 2.5"
build_ok "$OUT/25.pem" --cwms 2.5 --trust "$UNRELATED" "$H/server.key" "$H/server.crt" "$H/ca-bundle.pem"
expect_order "$OUT/25.pem" "Test Primary CA" "Test Secondary CA" "www.example.test"
[ "$(pem_types "$OUT/25.pem" | head -n 1)" = "PRIVATE KEY" ] || fail "the key is not the first block"
assert_contains "$OUT/25.pem.err" "left out the self-signed root"
assert_contains "$OUT/25.pem.err" "warning: the chain ends at the self-signed root 'O=cwms-bundle tests, CN=Test Root CA'"
build_ok "$OUT/20.pem" --cwms 2.0 --trust "$UNRELATED" "$H/server.key" "$H/server.crt" "$H/ca-bundle.pem"
expect_order "$OUT/20.pem" "www.example.test" "Test Secondary CA" "Test Primary CA"
build_ok "$OUT/root.pem" --cwms 2.5 --include-root --trust "$H/root.crt" --strict \
    "$H/server.key" "$H/server.crt" "$H/ca-bundle.pem"
expect_order "$OUT/root.pem" "Test Root CA" "Test Primary CA" "Test Secondary CA" "www.example.test"
# --strict refuses the root the trust store does not hold.
expect_fail 4 build --cwms 2.5 --strict --trust "$UNRELATED" "$H/server.key" "$H/server.crt" "$H/ca-bundle.pem"
assert_contains "$TMP/stderr" "Test Root CA"

echo "# reversed, shuffled and duplicated bundles"
cat "$H/root.crt" "$H/primary.crt" "$H/secondary.crt" > "$TMP/reversed.pem"
build_ok "$OUT/rev.pem" --cwms 2.5 --trust "$H/root.crt" "$TMP/reversed.pem" "$H/server.crt" "$H/server.key"
expect_order "$OUT/rev.pem" "Test Primary CA" "Test Secondary CA" "www.example.test"
cat "$H/primary.crt" "$H/server.crt" "$H/root.crt" "$H/secondary.crt" "$H/primary.crt" > "$TMP/shuffled.pem"
build_ok "$OUT/shuf.pem" --cwms 2.0 --trust "$H/root.crt" "$H/server.key" "$TMP/shuffled.pem" \
    "$H/ca-bundle.pem" "$H/server.crt"
expect_order "$OUT/shuf.pem" "www.example.test" "Test Secondary CA" "Test Primary CA"

C=$P/cross
echo "# cross-sign: complete extends through the cross-signed root, shortest stops at the trusted one"
build_ok "$OUT/complete.pem" --cwms 2.5 --trust "$C/new.crt" "$C/server.key" "$C/server.crt" "$C/int.crt" \
    "$C/newx.crt" "$C/old.crt"
expect_order "$OUT/complete.pem" "New Root" "Issuing CA" "www.example.test"
[ "$(issuer_cn "$OUT/complete.pem" 1)" = "Old Root" ] || fail "complete: the New Root is not the cross-signed one"
build_ok "$OUT/shortest.pem" --cwms 2.5 --path shortest --trust "$C/new.crt" "$C/server.key" "$C/server.crt" \
    "$C/int.crt" "$C/newx.crt" "$C/old.crt"
expect_order "$OUT/shortest.pem" "Issuing CA" "www.example.test"

R=$P/roll
echo "# rollover: two intermediates of one name, the one that signed wins"
build_ok "$OUT/roll.pem" --cwms 2.0 --trust "$R/root.crt" "$R/server.key" "$R/server.crt" "$R/int_a.crt" \
    "$R/int_b.crt" "$R/root.crt"
expect_order "$OUT/roll.pem" "www.example.test" "Rolling CA"
openssl crl2pkcs7 -nocrl -certfile "$OUT/roll.pem" | openssl pkcs7 -print_certs \
    | awk '/BEGIN/{n++} n==2' > "$TMP/roll-int.pem"
[ "$(fp "$TMP/roll-int.pem")" = "$(fp "$R/int_b.crt")" ] || fail "rollover: not the intermediate that signed"

echo "# two servers: the key decides; without a key they are ambiguous, --leaf decides"
build_ok "$OUT/two.pem" --cwms 2.5 --trust "$H/root.crt" "$H/server.key" "$H/server.crt" "$H/other.crt" \
    "$H/ca-bundle.pem"
expect_order "$OUT/two.pem" "Test Primary CA" "Test Secondary CA" "www.example.test"
assert_contains "$OUT/two.pem.err" "old.example.test"
expect_fail 4 build --cwms 2.5 --no-key --trust "$H/root.crt" "$H/server.crt" "$H/other.crt" "$H/ca-bundle.pem"
assert_contains "$TMP/stderr" "www.example.test"
assert_contains "$TMP/stderr" "old.example.test"
assert_contains "$TMP/stderr" "--leaf"
build_ok "$OUT/leaf.pem" --cwms 2.5 --no-key --leaf "$(fp "$H/other.crt")" --trust "$H/root.crt" \
    "$H/server.crt" "$H/other.crt" "$H/ca-bundle.pem"
expect_order "$OUT/leaf.pem" "Test Primary CA" "Test Secondary CA" "old.example.test"
[ "$(pem_types "$OUT/leaf.pem" | head -n 1)" = "CERTIFICATE" ] || fail "--no-key wrote a key"
# A server certificate the inputs cannot chain is no candidate (a stray one in an issuer pool).
build_ok "$OUT/stray.pem" --cwms 2.5 --no-key --trust "$H/root.crt" "$H/server.crt" "$H/ca-bundle.pem" \
    "$P/constraints/server2.crt"
expect_order "$OUT/stray.pem" "Test Primary CA" "Test Secondary CA" "www.example.test"
assert_contains "$OUT/stray.pem.err" "www2.example.test"


L=$P/loop
echo "# a loop terminates; the anchored way out wins, a pure loop is a missing issuer"
build_ok "$OUT/loop.pem" --cwms 2.0 --trust "$L/root.crt" "$L/server.key" "$L/server.crt" "$L/b.crt" \
    "$L/a2.crt" "$L/a.crt" "$L/root.crt"
expect_order "$OUT/loop.pem" "www.example.test" "Loop CA B" "Loop CA A"
[ "$(issuer_cn "$OUT/loop.pem" 3)" = "Loop Root" ] || fail "loop: Loop CA A is the cross-signed one"
expect_fail 4 build --cwms 2.5 --trust "$L/root.crt" "$L/server.key" "$L/server.crt" "$L/b.crt" "$L/a2.crt"
assert_contains "$TMP/stderr" "loop"

echo "# a missing intermediate names what is needed"
expect_fail 4 build --cwms 2.5 --trust "$UNRELATED" "$H/server.key" "$H/server.crt" "$H/secondary.crt" "$H/root.crt"
assert_contains "$TMP/stderr" "cwms-bundle: error: no certificate among the inputs is the issuer 'O=cwms-bundle tests, CN=Test Primary CA' of 'O=cwms-bundle tests, CN=Test Secondary CA'"
assert_contains "$TMP/stderr" "--trust"
[ -z "$(ls -A "$OUT" | grep -v '\.pem\(\.err\)\?$' || true)" ] || fail "a failed build left files"

echo "# a key that matches no certificate"
expect_fail 5 build --cwms 2.5 --trust "$H/root.crt" --key "$H/stray.key" "$H/server.crt" "$H/ca-bundle.pem"
assert_contains "$TMP/stderr" "stray.key"
expect_fail 5 build --cwms 2.5 --trust "$H/root.crt" "$H/server.crt" "$H/ca-bundle.pem"
assert_contains "$TMP/stderr" "--no-key"
# --key wins over a key among the inputs, which is noted.
build_ok "$OUT/keyopt.pem" --cwms 2.5 --trust "$H/root.crt" --key "$H/server.key" "$H/stray.key" \
    "$H/server.crt" "$H/ca-bundle.pem"
assert_contains "$OUT/keyopt.pem.err" "ignoring the private key from '$H/stray.key'"
[ "$(openssl pkey -in "$OUT/keyopt.pem" -pubout)" = "$(openssl x509 -in "$H/server.crt" -noout -pubkey)" ] \
    || fail "--key: the bundle does not hold the server's key"

E=$P/exp
later=$(( $(date +%s) + 30 * 86400 ))
echo "# an expired intermediate loses to a valid one for the same key"
build_ok "$OUT/exp.pem" --cwms 2.0 --attime "$later" --trust "$E/root.crt" "$E/server.key" "$E/server.crt" \
    "$E/short.crt" "$E/long.crt"
openssl crl2pkcs7 -nocrl -certfile "$OUT/exp.pem" | openssl pkcs7 -print_certs \
    | awk '/BEGIN/{n++} n==2' > "$TMP/exp-int.pem"
[ "$(fp "$TMP/exp-int.pem")" = "$(fp "$E/long.crt")" ] || fail "the expired intermediate was chosen"
expect_fail 4 build --cwms 2.0 --attime "$later" --trust "$E/root.crt" "$E/server.key" "$E/server.crt" \
    "$E/short.crt"
assert_contains "$TMP/stderr" "Issuing CA"
assert_contains "$TMP/stderr" "expired"
build_ok "$OUT/soon.pem" --cwms 2.0 --attime "$(( $(date +%s) + 5 * 86400 ))" --trust "$E/root.crt" \
    "$E/server.key" "$E/server.crt" "$E/short.crt"
assert_contains "$OUT/soon.pem.err" "warning: 'O=cwms-bundle tests, CN=Issuing CA' expires on"

echo "# host names must be covered by the server certificate"
build_ok "$OUT/hosts.pem" --cwms 2.5 --trust "$H/root.crt" --host www.example.test --host a.wild.example.test \
    "$H/hosts.key" "$H/hosts.crt" "$H/ca-bundle.pem"
expect_fail 4 build --cwms 2.5 --trust "$H/root.crt" --host b.c.wild.example.test \
    "$H/hosts.key" "$H/hosts.crt" "$H/ca-bundle.pem"
assert_contains "$TMP/stderr" "does not cover the host name 'b.c.wild.example.test'"

echo "# a 1024-bit RSA key is refused"
expect_fail 5 build --cwms 2.5 --trust "$H/root.crt" "$H/weak.key" "$H/weak.crt" "$H/ca-bundle.pem"
assert_contains "$TMP/stderr" "CWMS refuses RSA keys under 2048 bits"

echo "# real CA bundles, rebuilt from scrambled copies at pinned times"
RB=$TEST_DATA/real-bundles
ROOTS=$TEST_DATA/cfssl_trust/ca-bundle.crt
[ -d "$RB" ] && [ -f "$ROOTS" ] || fail "no real bundles under $TEST_DATA (tests/data is part of the tree)"

# scramble NAME FILE: writes $TMP/NAME/ with the bundle's certificates as
# DER files, a PKCS#7 of them in reverse, and the original again (duplicates).
scramble() {
    local d=$TMP/$1 i n
    mkdir -p "$d/split"
    awk -v d="$d/split" '/-----BEGIN CERTIFICATE-----/{n++; f=sprintf("%s/c%02d.pem", d, n)}
        f{print > f} /-----END CERTIFICATE-----/{f=""}' "$2"
    n=$(ls "$d/split" | wc -l)
    for i in $(seq 1 "$n"); do
        openssl x509 -in "$d/split/c$(printf %02d "$i").pem" -outform DER -out "$d/cert$i.bin"
    done
    # shellcheck disable=SC2046
    cat $(ls -r "$d"/split/*.pem) > "$d/reversed.pem"
    openssl crl2pkcs7 -nocrl -certfile "$d/reversed.pem" -outform DER -out "$d/bundle.p7b"
    cp "$2" "$d/again.txt"
    rm -r "$d/split"
    echo "$d"
}
first_fp() { fp "$1"; }

d=$(scramble godaddy "$RB/godaddy/gd_bundle-g2-g1.with-leaf.crt")
build_ok "$OUT/godaddy.pem" --cwms 2.5 --no-key --attime 1514764800 --trust "$ROOTS" "$d"
expect_order "$OUT/godaddy.pem" "Go Daddy Root Certificate Authority - G2" \
    "Go Daddy Secure Certificate Authority - G2" "www.greenroutesdk.com"
case $(issuer_cn "$OUT/godaddy.pem" 1) in
    *"OU = Go Daddy Class 2 Certification Authority") ;;
    *) fail "godaddy: not the Root G2 cross-signed by Class 2" ;;
esac

# A CA bundle without the server certificate: with one of its CAs named as the
# server certificate, the build refuses it (it names no host in subjectAltName)
# and warns that it is a CA (the order these bundles come out in is checked
# stage by stage in tests/unit/test_order.c).
d=$(scramble starfield "$RB/assembled/starfield_sf_bundle-g2-g1.ASSEMBLED.crt")
expect_fail 4 build --cwms 2.5 --no-key --attime 1577836800 --trust "$ROOTS" \
    --leaf "$(first_fp "$RB/assembled/starfield_sf_bundle-g2-g1.ASSEMBLED.crt")" "$d"
assert_contains "$TMP/stderr" "'C=US, ST=Arizona, L=Scottsdale, O=\"Starfield Technologies, Inc.\", OU=http://certs.starfieldtech.com/repository/, CN=Starfield Secure Certificate Authority - G2' is a CA certificate"

dv=$(first_fp "$RB/assembled/sectigo_dv_ca-bundle.ASSEMBLED.crt")
for v in sectigo_dv_ca-bundle.ASSEMBLED sectigo_dv_ca-bundle.REVERSED.ASSEMBLED; do
    d=$(scramble "$v" "$RB/assembled/$v.crt")
    expect_fail 4 build --cwms 2.5 --no-key --attime 1577836800 --trust "$ROOTS" --leaf "$dv" "$d"
    assert_contains "$TMP/stderr" "CN=Sectigo RSA Domain Validation Secure Server CA' is a CA certificate"
done

d=$(scramble le "$RB/letsencrypt/fullchain.R3-ISRGX1-crosssigned-by-DSTX3.pem")
build_ok "$OUT/le.pem" --cwms 2.5 --no-key --attime 1680307200 --trust "$ROOTS" "$d"
expect_order "$OUT/le.pem" "ISRG Root X1" "R3" "alisonforsberg.cit270.com"
[ "$(issuer_cn "$OUT/le.pem" 1)" = "DST Root CA X3" ] || fail "letsencrypt: not the DST cross-sign"
build_ok "$OUT/le-short.pem" --cwms 2.5 --no-key --path shortest --attime 1680307200 --trust "$ROOTS" "$d"
expect_order "$OUT/le-short.pem" "R3" "alisonforsberg.cit270.com"

d=$(scramble le-rev "$RB/letsencrypt/ca_bundle.REVERSED.DSTX3-X3-leaf.crt")
build_ok "$OUT/le-rev.pem" --cwms 2.0 --no-key --attime 1561939200 --trust "$ROOTS" "$d"
expect_order "$OUT/le-rev.pem" "vault.chemocompile.de" "Let's Encrypt Authority X3"

echo "# one key, two encodings, in a pool of 1,263 intermediates (the key screen of paths/leaf.c)"
E=$P/twoenc
for pair in "old new" "rold rnew"; do
    set -- $pair
    build_ok "$OUT/twoenc-$1.pem" --cwms 2.5 --trust "$E/root.crt" "$E/$1.key" "$E/$1.crt" \
        "$E/$2.crt" "$E/int.crt" "$TEST_DATA/cfssl_trust/int-bundle.crt"
    [ "$(fp "$E/$2.crt")" = "$(pem_lines_last_fp "$OUT/twoenc-$1.pem")" ] \
        || fail "$1: not the newer certificate, whose key is encoded otherwise"
done

# Today the godaddy leaf has long expired: the error names it and its dates.
expect_fail 4 build --cwms 2.5 --no-key --trust "$ROOTS" "$RB/godaddy/gd_bundle-g2-g1.with-leaf.crt"
assert_contains "$TMP/stderr" "www.greenroutesdk.com"
assert_contains "$TMP/stderr" "2018-07-13"

echo "ok"
