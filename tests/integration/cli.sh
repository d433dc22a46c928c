#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# cwms-bundle's command line: usage errors, the default-order note, output
# files (mode, atomicity), key formats, PKCS#12, passphrase sources, the
# summary, exit codes, and the shipped example (ci/example.sh).
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"
command -v setsid > /dev/null || skip "setsid (util-linux) is needed to run without a terminal"

pki_init "$TMP/pki"
pki_hierarchy
P=$TMP/pki
# A second server with its own key: its key matches no certificate of the hierarchy inputs.
pki_leaf other other.example.test secondary
OUT=$TMP/out
mkdir -p "$OUT"

build() { "$CWMS_BUNDLE" build "$@"; }
# The common names of a PEM file's certificates, in order, one per line.
cns() { pem_subjects "$1" | sed 's/.*CN *= *//'; }
# Temporary files cwms_write_file_atomic may have left in a directory.
no_temp_files() {
    if ls -A "$1" | grep -q '^\.cwms-bundle\.'; then
        ls -lA "$1" >&2
        fail "temporary file left behind in $1"
    fi
}
expect_order() {  # FILE CN...: the certificates of FILE, in order
    local file=$1 want got; shift
    want=$(printf '%s\n' "$@")
    got=$(cns "$file")
    [ "$got" = "$want" ] || fail "order of $file: got [$got], want [$want]"
}

echo "# the top-level command"
"$CWMS_BUNDLE" --version > "$TMP/version"
assert_contains "$TMP/version" "cwms-bundle "
"$CWMS_BUNDLE" --help > "$TMP/help"
assert_contains "$TMP/help" "build"
"$CWMS_BUNDLE" help build > "$TMP/help-build"
assert_contains "$TMP/help-build" "--cwms VERSION"
expect_fail 2 "$CWMS_BUNDLE"
expect_fail 2 "$CWMS_BUNDLE" frobnicate
assert_contains "$TMP/stderr" "'frobnicate' is not a command"

echo "# usage errors exit 2 and say what to do"
expect_fail 2 build --cwms 2.3x "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
assert_contains "$TMP/stderr" "cwms-bundle: error: --cwms '2.3x' is not a CWMS release"
expect_fail 2 build --cwms garbage "$P/server.crt"
expect_fail 2 build --cwms 2.0 --order leaf-first "$P/server.crt"
assert_contains "$TMP/stderr" "give --cwms or --order, not both"
expect_fail 2 build --cwms 2.5
assert_contains "$TMP/stderr" "no INPUT given"
expect_fail 2 build --order sideways "$P/server.crt"
expect_fail 2 build --key "$P/server.key" --no-key "$P/server.crt"
expect_fail 2 build --format pkcs12 "$P/server.key" "$P/server.crt"
assert_contains "$TMP/stderr" "--format pkcs12 needs --passout"
expect_fail 2 build --format der "$P/server.crt"
expect_fail 2 build --key-format pkcs1 "$P/server.crt"
expect_fail 2 build --path longest "$P/server.crt"
expect_fail 2 build --attime yesterday "$P/server.crt"
expect_fail 2 build --leaf 0123abcd "$P/server.crt"
expect_fail 2 build --passin secret "$P/server.crt"
assert_contains "$TMP/stderr" "not a passphrase source"
expect_fail 2 build --frobnicate "$P/server.crt"
assert_contains "$TMP/stderr" "unknown option '--frobnicate'"
expect_fail 2 build --passin stdin - < /dev/null
expect_fail 2 build -o
expect_fail 2 build --passout pass: "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
assert_contains "$TMP/stderr" "empty passphrase"
# Nothing was written by any of them.
[ -z "$(ls -A "$OUT")" ] || fail "a usage error wrote something"

echo "# the default order is root-first, and stderr says so"
build "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem" > "$OUT/default.pem" 2> "$TMP/stderr"
assert_contains "$TMP/stderr" "cwms-bundle: note: no --cwms given: using the CWMS 2.5+ order (root-side intermediate first, server last); pass --cwms 2.0 for older releases"
expect_order "$OUT/default.pem" "Test Primary CA" "Test Secondary CA" "www.example.test"
[ "$(pem_types "$OUT/default.pem" | head -n1)" = "PRIVATE KEY" ] || fail "key is not the first block"
build --cwms 2.5 "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem" > /dev/null 2> "$TMP/stderr"
if grep -q "no --cwms given" "$TMP/stderr"; then fail "the default-order note shown with --cwms"; fi

echo "# --cwms 2.0 is leaf-first, and the summary lists the certificates in output order"
build --cwms 2.0 -o "$OUT/v20.pem" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem" 2> "$TMP/stderr"
expect_order "$OUT/v20.pem" "www.example.test" "Test Secondary CA" "Test Primary CA"
assert_contains "$TMP/stderr" "cwms-bundle: order: leaf-first"
assert_contains "$TMP/stderr" "cwms-bundle:  1. O=cwms-bundle tests, CN=www.example.test (expires "
assert_contains "$TMP/stderr" "cwms-bundle:  2. O=cwms-bundle tests, CN=Test Secondary CA (expires "
assert_contains "$TMP/stderr" "cwms-bundle:  3. O=cwms-bundle tests, CN=Test Primary CA (expires "
assert_contains "$TMP/stderr" "[server]"
assert_contains "$TMP/stderr" "wrote PEM to '$OUT/v20.pem'"
sed -n 's/^cwms-bundle: *\([0-9]\)\. .*CN=\([^(]*\) (.*/\1 \2/p' "$TMP/stderr" > "$TMP/summary-order"
printf '1 www.example.test\n2 Test Secondary CA\n3 Test Primary CA\n' | cmp -s - "$TMP/summary-order" \
    || { cat "$TMP/summary-order" >&2; fail "summary order differs from the file's"; }
build --order leaf-first "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem" > "$OUT/lf.pem" 2> /dev/null
cmp -s <(cns "$OUT/lf.pem") <(cns "$OUT/v20.pem") || fail "--order leaf-first differs from --cwms 2.0"

echo "# the bundle holds only PEM blocks, the key exactly as openssl writes it"
awk '/^-----BEGIN /{inside=1} !inside{print "outside: " $0; bad=1} /^-----END /{inside=0} END{exit bad}' \
    "$OUT/v20.pem" || fail "text outside PEM blocks"
openssl pkey -in "$P/server.key" > "$TMP/key.pem"
head -c "$(wc -c < "$TMP/key.pem")" "$OUT/v20.pem" | cmp -s - "$TMP/key.pem" \
    || fail "the key block is not what 'openssl pkey' writes"
# A PKCS#8 key OpenSSL reads but would not write so (bytes after the
# RSAPrivateKey inside it, a version INTEGER with a long-form length) is
# written as OpenSSL writes it, not copied.
python3 - "$TMP" "$TMP" <<'PY'
import base64, subprocess, sys
der = subprocess.run(["openssl", "pkcs8", "-topk8", "-nocrypt", "-in", sys.argv[2] + "/pki/server.key", "-outform", "DER"],
                     check=True, capture_output=True).stdout
def tlv(b, i):  # (tag, header length, content length) of the element at b[i]
    n = b[i + 1]
    if n < 0x80:
        return b[i], 2, n
    k = n & 0x7f
    return b[i], 2 + k, int.from_bytes(b[i + 2:i + 2 + k], "big")
def enc(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + content
_, h, n = tlv(der, 0)
body, parts, i = der[h:h + n], [], 0
while i < len(body):
    t, hh, nn = tlv(body, i)
    parts.append((t, body[i + hh:i + hh + nn]))
    i += hh + nn
version, alg, key = parts[0], parts[1], parts[2]
def pkcs8(inner, version_bytes=enc(0x02, b"\0")):
    return enc(0x30, version_bytes + enc(alg[0], alg[1]) + enc(0x04, inner))
rsa = key[1]  # the RSAPrivateKey inside the OCTET STRING
variants = {
    "junk-inside": pkcs8(rsa + b"JUNK-after-the-key"),
    "long-version": pkcs8(rsa, bytes([0x02, 0x81, 0x01, 0x00])),
}
for name, d in variants.items():
    with open(f"{sys.argv[2]}/{name}.pem", "w") as f:
        f.write("-----BEGIN PRIVATE KEY-----\n")
        b = base64.b64encode(d).decode()
        f.write("".join(b[j:j + 64] + "\n" for j in range(0, len(b), 64)))
        f.write("-----END PRIVATE KEY-----\n")
PY
for odd in junk-inside long-version; do
    openssl pkey -in "$TMP/$odd.pem" > "$TMP/key.pem" 2> /dev/null || fail "openssl cannot read the $odd key"
    build --cwms 2.5 -o "$OUT/$odd.out" "$TMP/$odd.pem" "$P/server.crt" "$P/ca-bundle.pem" 2> /dev/null \
        || fail "$odd: the build failed"
    head -c "$(wc -c < "$TMP/key.pem")" "$OUT/$odd.out" | cmp -s - "$TMP/key.pem" \
        || fail "$odd: the key block is not what 'openssl pkey' writes"
done
# Every key type, plain or as encrypted PKCS#8 (written unencrypted without --passout).
for spec in ec:P-256 ec:P-384 ed25519; do
    id=key-${spec/:/-}
    PKI_KEY=$spec pki_leaf "$id" "$id.example.test" secondary
    openssl pkcs8 -topk8 -in "$P/$id.key" -passout pass:in-secret -out "$P/$id.enc.key"
    openssl pkey -in "$P/$id.key" > "$TMP/key.pem"
    for form in key enc.key; do
        build --cwms 2.5 --passin pass:in-secret -o "$OUT/$id.pem" "$P/$id.$form" "$P/$id.crt" \
            "$P/ca-bundle.pem" 2> /dev/null || fail "$spec ($form): the build failed"
        head -c "$(wc -c < "$TMP/key.pem")" "$OUT/$id.pem" | cmp -s - "$TMP/key.pem" \
            || fail "$spec ($form): the key block is not what 'openssl pkey' writes"
    done
done

echo "# -o - is standard output, as openssl's -out -"
(cd "$OUT" && build --cwms 2.0 -o - "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem" > "$TMP/dash.pem" 2> /dev/null) \
    || fail "-o - failed"
cmp -s "$TMP/dash.pem" "$OUT/v20.pem" || fail "-o - did not write the bundle to standard output"
[ ! -e "$OUT/-" ] || fail "-o - created a file named '-'"

echo "# -o with a key: mode 0600; without: 0644 less the umask"
[ "$(stat -c %a "$OUT/v20.pem")" = 600 ] || fail "mode $(stat -c %a "$OUT/v20.pem") with a key"
(umask 022 && build --no-key --cwms 2.5 -o "$OUT/nokey.pem" "$P/server.crt" "$P/ca-bundle.pem" 2> /dev/null)
[ "$(stat -c %a "$OUT/nokey.pem")" = 644 ] || fail "mode $(stat -c %a "$OUT/nokey.pem") without a key"
[ "$(pem_types "$OUT/nokey.pem" | sort -u)" = "CERTIFICATE" ] || fail "--no-key wrote a key"
no_temp_files "$OUT"

echo "# a failing build leaves an existing -o file untouched and no temporary file"
echo "precious" > "$OUT/keep.pem"
# The server certificate without its CA bundle: the intermediates are missing.
expect_fail 4 build --cwms 2.5 -o "$OUT/keep.pem" "$P/server.key" "$P/server.crt"
assert_contains "$TMP/stderr" "cwms-bundle: error: "
[ "$(cat "$OUT/keep.pem")" = precious ] || fail "a failed build changed the output file"
no_temp_files "$OUT"
# A write that fails (the target is a directory) is exit 7, and names the file.
mkdir "$OUT/adir"
expect_fail 7 build --cwms 2.5 -o "$OUT/adir" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
assert_contains "$TMP/stderr" "cannot write '$OUT/adir'"
expect_fail 7 build --cwms 2.5 -o "$OUT/no/such/dir/x.pem" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
[ ! -e "$OUT/no" ] || fail "a failed write created a directory"
no_temp_files "$OUT"

echo "# --passout encrypts the key (PBES2, AES-256-CBC); openssl opens it with the passphrase"
build --cwms 2.5 --passout pass:out-secret -o "$OUT/enc.pem" "$P/server.key" "$P/server.crt" \
    "$P/ca-bundle.pem" 2> /dev/null
[ "$(pem_types "$OUT/enc.pem" | head -n1)" = "ENCRYPTED PRIVATE KEY" ] || fail "key not encrypted"
openssl pkey -in "$OUT/enc.pem" -passin pass:out-secret -noout || fail "openssl cannot open the key"
if openssl pkey -in "$OUT/enc.pem" -passin pass:wrong -noout 2> /dev/null; then
    fail "the key opens with a wrong passphrase"
fi
openssl asn1parse -in "$OUT/enc.pem" > "$TMP/asn1"
assert_contains "$TMP/asn1" "PBES2"
assert_contains "$TMP/asn1" "aes-256-cbc"
[ "$(openssl pkey -in "$OUT/enc.pem" -passin pass:out-secret -pubout)" = \
  "$(openssl pkey -in "$P/server.key" -pubout)" ] || fail "the encrypted key is another key"

echo "# --key-format traditional writes RSA PRIVATE KEY"
build --cwms 2.0 --key-format traditional -o "$OUT/trad.pem" "$P/server.key" "$P/server.crt" \
    "$P/ca-bundle.pem" 2> /dev/null
[ "$(pem_types "$OUT/trad.pem" | head -n1)" = "RSA PRIVATE KEY" ] || fail "not a traditional RSA key"
openssl rsa -in "$OUT/trad.pem" -check -noout > /dev/null || fail "traditional key unreadable"
expect_order "$OUT/trad.pem" "www.example.test" "Test Secondary CA" "Test Primary CA"

echo "# --format pkcs12: openssl pkcs12 -info reads it, with key, leaf and chain"
build --cwms 2.5 --format pkcs12 --passout env:P12_OUT_PASS -o "$OUT/b.p12" "$P/server.key" \
    "$P/server.crt" "$P/ca-bundle.pem" 2> /dev/null < /dev/null || true
[ ! -e "$OUT/b.p12" ] || fail "a PKCS#12 was written although the passout variable is unset"
P12_OUT_PASS=p12-secret build --cwms 2.5 --format pkcs12 --passout env:P12_OUT_PASS \
    -o "$OUT/b.p12" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem" 2> "$TMP/stderr"
assert_contains "$TMP/stderr" "wrote PKCS#12"
[ "$(stat -c %a "$OUT/b.p12")" = 600 ] || fail "PKCS#12 mode"
openssl pkcs12 -info -in "$OUT/b.p12" -passin pass:p12-secret -nodes > "$TMP/p12.txt" 2> "$TMP/p12.err" \
    || { cat "$TMP/p12.err" >&2; fail "openssl pkcs12 -info cannot read it"; }
assert_contains "$TMP/p12.err" "MAC: sha256"
assert_contains "$TMP/p12.err" "PBES2, PBKDF2, AES-256-CBC"
assert_contains "$TMP/p12.txt" "friendlyName: www.example.test"
[ "$(grep -c -- '-----BEGIN CERTIFICATE-----' "$TMP/p12.txt")" = 3 ] || fail "PKCS#12 should hold 3 certificates"
[ "$(grep -c -- '-----BEGIN PRIVATE KEY-----' "$TMP/p12.txt")" = 1 ] || fail "PKCS#12 should hold the key"
if openssl pkcs12 -info -in "$OUT/b.p12" -passin pass:wrong -noout 2> /dev/null; then
    fail "PKCS#12 opens with a wrong passphrase"
fi

echo "# --passin: encrypted inputs, every source form; none and no terminal fails clearly"
openssl pkey -in "$P/server.key" -aes256 -passout pass:in-secret -out "$P/server.enc.key"
build --cwms 2.5 --passin pass:in-secret "$P/server.enc.key" "$P/server.crt" "$P/ca-bundle.pem" \
    > "$OUT/passin.pem" 2> /dev/null
cmp -s "$OUT/passin.pem" "$OUT/default.pem" || fail "--passin pass: gave another bundle"
printf 'in-secret\n' > "$TMP/pass.txt"
build --cwms 2.5 --passin "file:$TMP/pass.txt" "$P/server.enc.key" "$P/server.crt" "$P/ca-bundle.pem" \
    > "$OUT/passin-file.pem" 2> /dev/null
cmp -s "$OUT/passin-file.pem" "$OUT/default.pem" || fail "--passin file: gave another bundle"
IN_PASS=in-secret build --cwms 2.5 --passin env:IN_PASS "$P/server.enc.key" "$P/server.crt" \
    "$P/ca-bundle.pem" > /dev/null 2>&1 || fail "--passin env: failed"
printf 'in-secret\n' | build --cwms 2.5 --passin stdin "$P/server.enc.key" "$P/server.crt" \
    "$P/ca-bundle.pem" > /dev/null 2>&1 || fail "--passin stdin failed"
build --cwms 2.5 --passin fd:3 "$P/server.enc.key" "$P/server.crt" "$P/ca-bundle.pem" \
    3< "$TMP/pass.txt" > /dev/null 2>&1 || fail "--passin fd: failed"
# One line each from standard input: --passin first, --passout second (as openssl does).
printf 'in-secret\nout-from-stdin\n' | build --cwms 2.5 --passin stdin --passout stdin \
    -o "$OUT/both-stdin.pem" "$P/server.enc.key" "$P/server.crt" "$P/ca-bundle.pem" 2> /dev/null
openssl pkey -in "$OUT/both-stdin.pem" -passin pass:out-from-stdin -noout || fail "--passout stdin"
# Unset variable: exit 3, naming it.
unset NO_SUCH_PASS_VAR
expect_fail 3 build --cwms 2.5 --passin env:NO_SUCH_PASS_VAR "$P/server.enc.key" "$P/server.crt" \
    "$P/ca-bundle.pem"
assert_contains "$TMP/stderr" "NO_SUCH_PASS_VAR"
# No source and no controlling terminal (setsid): exit 3 telling which option to give.
rc=0
setsid -w "$CWMS_BUNDLE" build --cwms 2.5 "$P/server.enc.key" "$P/server.crt" "$P/ca-bundle.pem" \
    < /dev/null > /dev/null 2> "$TMP/stderr" || rc=$?
[ "$rc" = 3 ] || { cat "$TMP/stderr" >&2; fail "no passphrase source: exit $rc, expected 3"; }
assert_contains "$TMP/stderr" "no terminal"
assert_contains "$TMP/stderr" "--passin"
# A wrong passphrase is an input error too.
expect_fail 3 build --cwms 2.5 --passin pass:wrong "$P/server.enc.key" "$P/server.crt" "$P/ca-bundle.pem"

echo "# exit codes of the other failure families"
printf 'this is not a certificate\n' > "$TMP/garbage.txt"
expect_fail 3 build --cwms 2.5 "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem" "$TMP/garbage.txt"
assert_contains "$TMP/stderr" "garbage.txt"
expect_fail 5 build --cwms 2.5 --key "$P/other.key" "$P/server.crt" "$P/ca-bundle.pem"
expect_fail 4 build --cwms 2.5 "$P/server.key" "$P/server.crt"

echo "# the shipped example builds the 2.0 and 2.5 orders"
CWMS_BUNDLE_BIN=$CWMS_BUNDLE bash "$CWMS_SOURCE_ROOT/ci/example.sh" "$TMP/example" > "$TMP/example.log" 2>&1 \
    || { cat "$TMP/example.log" >&2; fail "ci/example.sh failed"; }
expect_order "$TMP/example/webex-cwms2.0.pem" webex.example.com "Example Secondary CA" "Example Primary CA"
expect_order "$TMP/example/webex-cwms2.5.pem" "Example Primary CA" "Example Secondary CA" webex.example.com
[ "$(pem_types "$TMP/example/webex-cwms2.0.pem" | head -n1)" = "PRIVATE KEY" ] || fail "example: key not first"
# The CA bundle is laid out as CAs ship it: secondary, primary, root.
[ "$(cns "$TMP/example/from-ca/ca-bundle.crt" | tr '\n' '|')" = \
  "Example Secondary CA|Example Primary CA|Example Root CA|" ] || fail "example: CA bundle layout"
assert_contains "$TMP/example.log" "OK: CWMS 2.0 bundle is in the order CWMS 2.0 wants"
assert_contains "$TMP/example.log" "OK: CWMS 2.5 bundle is in the order CWMS 2.5 wants"

echo "PASS"
