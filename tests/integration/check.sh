#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `cwms-bundle check` on bundles broken the ways admins break them, made with
# openssl at test time; and the views of a build (JSON against its schema,
# the tree through a pseudo-terminal, DOT through Graphviz). One case per
# run: check.sh CASE.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"
case_name=${1:?usage: check.sh CASE}

pki_init "$TMP/pki"
pki_hierarchy
P=$TMP/pki
W=$TMP/work
mkdir -p "$W"

check() { "$CWMS_BUNDLE" check "$@"; }
# The bundles build writes, for both orders: the reference every case breaks.
"$CWMS_BUNDLE" build -q --cwms 2.5 -o "$W/good25.pem" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
"$CWMS_BUNDLE" build -q --cwms 2.0 -o "$W/good20.pem" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
# The private root is not in the system store: name it, as an admin would with --trust.
T=(--trust "$P/root.crt")

# expect_check CODE FINDING ARGS...: check exits CODE and reports FINDING (stdout in $TMP/out).
expect_check() {
    local want=$1 finding=$2 rc=0; shift 2
    check "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
    if [ "$rc" -ne "$want" ]; then
        cat "$TMP/out" "$TMP/err" >&2
        fail "check $* exited $rc, expected $want"
    fi
    [ -z "$finding" ] || assert_contains "$TMP/out" ": $finding: "
}
# expect_fixed FILE ARGS...: check --fix writes what build writes (compared with good25/20.pem).
expect_fixed() {
    local want=$1; shift
    check "$@" --fix -o "$W/fixed.pem" > "$TMP/fix.out" 2> "$TMP/fix.err" \
        || { cat "$TMP/fix.out" "$TMP/fix.err" >&2; fail "check --fix $* failed"; }
    cmp -s "$W/fixed.pem" "$want" || { diff "$W/fixed.pem" "$want" >&2 || true; fail "--fix did not write $want"; }
    [ "$(stat -c %a "$W/fixed.pem")" = 600 ] || fail "the fixed bundle holds a key but is not mode 0600"
    check --cwms "$FIX_CWMS" "${T[@]}" "$W/fixed.pem" > "$TMP/out"
    [ "$(cat "$TMP/out")" = "ready for CWMS $FIX_CWMS" ] || { cat "$TMP/out" >&2; fail "the fixed file is not ready"; }
}
# The blocks of a PEM file, one file each: $W/blk.00, $W/blk.01, ...
split_blocks() {
    rm -f "$W"/blk.*
    awk -v dir="$W" '/^-----BEGIN /{n++; f=sprintf("%s/blk.%02d", dir, n-1)} f{print > f} /^-----END /{f=""}' "$1"
}

case $case_name in
correct)
    # A file exactly as build writes it: one line, exit 0.
    check --cwms 2.5 "${T[@]}" "$W/good25.pem" > "$TMP/out"
    [ "$(cat "$TMP/out")" = "ready for CWMS 2.5" ] || { cat "$TMP/out" >&2; fail "not ready"; }
    check --cwms 2.0 "${T[@]}" "$W/good20.pem" > "$TMP/out"
    [ "$(cat "$TMP/out")" = "ready for CWMS 2.0" ] || { cat "$TMP/out" >&2; fail "not ready"; }
    # The key in the traditional encoding is the same key in the same place.
    split_blocks "$W/good25.pem"
    openssl pkey -in "$W/blk.00" -traditional > "$W/trad.pem"
    cat "$W/trad.pem" "$W"/blk.0[1-9] > "$W/good-trad.pem"
    expect_check 0 "" --cwms 2.5 "${T[@]}" "$W/good-trad.pem"
    assert_contains "$TMP/out" "ready for CWMS 2.5"
    ;;
order-20-as-25)
    expect_check 4 ORDER_WRONG --cwms 2.5 "${T[@]}" "$W/good20.pem"
    assert_contains "$TMP/out" "in the leaf-first (CWMS 1.x and 2.0: server certificate first) order"
    FIX_CWMS=2.5 expect_fixed "$W/good25.pem" --cwms 2.5 "${T[@]}" "$W/good20.pem"
    assert_contains "$TMP/fix.out" "fixed ORDER_WRONG"
    ;;
order-25-as-20)
    expect_check 4 ORDER_WRONG --cwms 2.0 "${T[@]}" "$W/good25.pem"
    assert_contains "$TMP/out" "in the root-first (CWMS 2.5 and later: server certificate last) order"
    FIX_CWMS=2.0 expect_fixed "$W/good20.pem" --cwms 2.0 "${T[@]}" "$W/good25.pem"
    ;;
key-last)
    split_blocks "$W/good25.pem"
    cat "$W"/blk.0[1-9] "$W/blk.00" > "$W/keylast.pem"
    expect_check 5 KEY_NOT_FIRST --cwms 2.5 "${T[@]}" "$W/keylast.pem"
    assert_contains "$TMP/out" "CWMS wants the private key as the first block; here it is block 4"
    FIX_CWMS=2.5 expect_fixed "$W/good25.pem" --cwms 2.5 "${T[@]}" "$W/keylast.pem"
    ;;
key-missing)
    split_blocks "$W/good25.pem"
    cat "$W"/blk.0[1-9] > "$W/nokey.pem"
    expect_check 5 KEY_MISSING --cwms 2.5 "${T[@]}" "$W/nokey.pem"
    # Nothing can put the key back: --fix refuses and writes nothing.
    rc=0
    check --cwms 2.5 "${T[@]}" --fix -o "$W/fixed.pem" "$W/nokey.pem" > /dev/null 2> "$TMP/err" || rc=$?
    [ "$rc" -eq 5 ] || fail "--fix of a bundle without key exited $rc, expected 5"
    assert_contains "$TMP/err" "--fix cannot correct KEY_MISSING"
    [ ! -e "$W/fixed.pem" ] || fail "--fix wrote a file it could not fix"
    ;;
key-mismatch)
    pki_leaf other other.example.test secondary
    split_blocks "$W/good25.pem"
    cat "$P/other.key" "$W"/blk.0[1-9] > "$W/mismatch.pem"
    expect_check 5 KEY_MISMATCH --cwms 2.5 "${T[@]}" "$W/mismatch.pem"
    ;;
key-several)
    pki_leaf other other.example.test secondary
    split_blocks "$W/good25.pem"
    cat "$W/blk.00" "$W"/blk.0[1-9] "$P/other.key" > "$W/twokeys.pem"
    expect_check 5 KEY_SEVERAL --cwms 2.5 "${T[@]}" "$W/twokeys.pem"
    assert_contains "$TMP/out" "block 1 is the server certificate's"
    FIX_CWMS=2.5 expect_fixed "$W/good25.pem" --cwms 2.5 "${T[@]}" "$W/twokeys.pem"
    ;;
root-included)
    cat "$W/good25.pem" "$P/root.crt" > "$W/withroot.pem"
    # A warning: exit 0, but not "ready" (it is not what build writes) ...
    expect_check 0 ROOT_INCLUDED --cwms 2.5 "${T[@]}" "$W/withroot.pem"
    assert_contains "$TMP/out" "warning: ROOT_INCLUDED: block 5 ('O=cwms-bundle tests, CN=Test Root CA'"
    if grep -q '^ready' "$TMP/out"; then fail "a file with the root is not what build writes"; fi
    # ... an error with --strict.
    expect_check 4 ROOT_INCLUDED --strict --cwms 2.5 "${T[@]}" "$W/withroot.pem"
    FIX_CWMS=2.5 expect_fixed "$W/good25.pem" --cwms 2.5 "${T[@]}" "$W/withroot.pem"
    ;;
missing-intermediate)
    # The CA's certificate names where it publishes its issuer (AIA): the finding repeats the URL.
    cat > "$TMP/aia.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:aia.example.test
authorityInfoAccess = caIssuers;URI:http://ca.example.test/secondary.crt
EOF
    openssl req -new -key "$P/server.key" -subj "/CN=aia.example.test" -out "$TMP/aia.csr" 2> /dev/null
    openssl x509 -req -in "$TMP/aia.csr" -CA "$P/secondary.crt" -CAkey "$P/secondary.key" \
        -set_serial 7 -days 365 -extfile "$TMP/aia.ext" -out "$TMP/aia.crt" 2> /dev/null
    cat "$P/server.key" "$P/primary.crt" "$TMP/aia.crt" > "$W/nosecondary.pem"
    expect_check 4 MISSING_INTERMEDIATE --cwms 2.5 "${T[@]}" "$W/nosecondary.pem"
    assert_contains "$TMP/out" "'O=cwms-bundle tests, CN=Test Secondary CA'"
    assert_contains "$TMP/out" "http://ca.example.test/secondary.crt"
    # Missing certificates cannot be invented.
    expect_fail 4 check --cwms 2.5 "${T[@]}" --fix -o "$W/fixed.pem" "$W/nosecondary.pem"
    [ ! -e "$W/fixed.pem" ] || fail "--fix wrote a file it could not fix"
    ;;
stray-text)
    # What `openssl pkcs12 -nodes` and `openssl x509 -text` leave around the blocks.
    split_blocks "$W/good25.pem"
    {
        printf 'Bag Attributes\n    localKeyID: 01 00 00 00\n'
        cat "$W/blk.00"
        printf 'subject=CN = Test Primary CA\nissuer=CN = Test Root CA\n'
        cat "$W/blk.01"
        openssl x509 -in "$W/blk.02" -text -noout
        cat "$W/blk.02" "$W/blk.03"
    } > "$W/stray.pem"
    expect_check 4 STRAY_TEXT --cwms 2.5 "${T[@]}" "$W/stray.pem"
    assert_contains "$TMP/out" "PKCS#12 bag attributes"
    assert_contains "$TMP/out" "subject/issuer lines"
    assert_contains "$TMP/out" "a certificate printed as text (openssl x509 -text)"
    [ "$(grep -c ': STRAY_TEXT: ' "$TMP/out")" -eq 3 ] || fail "expected one STRAY_TEXT per run of text"
    FIX_CWMS=2.5 expect_fixed "$W/good25.pem" --cwms 2.5 "${T[@]}" "$W/stray.pem"
    ;;
unrelated-duplicate)
    pki_leaf stale stale.example.test secondary
    pki_root other "Unrelated Root"
    split_blocks "$W/good25.pem"
    cat "$W/blk.00" "$W/blk.01" "$W/blk.01" "$P/other.crt" "$W/blk.02" "$P/stale.crt" "$W/blk.03" > "$W/extra.pem"
    expect_check 4 DUPLICATE --cwms 2.5 "${T[@]}" "$W/extra.pem"
    assert_contains "$TMP/out" "DUPLICATE: block 3 ('O=cwms-bundle tests, CN=Test Primary CA', SHA-256 "
    assert_contains "$TMP/out" "the same certificate as block 2"
    assert_contains "$TMP/out" "UNRELATED_CERT: block 4 ('O=cwms-bundle tests, CN=Unrelated Root'"
    assert_contains "$TMP/out" "UNRELATED_CERT: block 6 ('O=cwms-bundle tests, CN=stale.example.test'"
    assert_contains "$TMP/out" "another end-entity certificate"
    FIX_CWMS=2.5 expect_fixed "$W/good25.pem" --cwms 2.5 "${T[@]}" "$W/extra.pem"
    ;;
encrypted-key)
    split_blocks "$W/good25.pem"
    openssl pkcs8 -topk8 -in "$W/blk.00" -v2 aes-256-cbc -passout pass:s3cret -out "$W/enc.key"
    cat "$W/enc.key" "$W"/blk.0[1-9] > "$W/enc.pem"
    # No passphrase: position checked, match noted as not checked; never a prompt without a terminal.
    setsid "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/enc.pem" < /dev/null > "$TMP/out" 2> "$TMP/err" \
        || { cat "$TMP/out" "$TMP/err" >&2; fail "an encrypted key in the right place failed"; }
    assert_contains "$TMP/out" "note: KEY_NOT_CHECKED"
    assert_contains "$TMP/out" "ready for CWMS 2.5"
    # The key at the end: found without the passphrase; --fix moves the block byte for byte.
    cat "$W"/blk.0[1-9] "$W/enc.key" > "$W/enc-last.pem"
    rc=0
    setsid "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/enc-last.pem" < /dev/null > "$TMP/out" 2>&1 || rc=$?
    [ "$rc" -eq 5 ] || fail "encrypted key last: exit $rc, expected 5"
    assert_contains "$TMP/out" "KEY_NOT_FIRST"
    check --cwms 2.5 "${T[@]}" --fix -o "$W/enc-fixed.pem" "$W/enc-last.pem" < /dev/null > /dev/null
    cmp -s "$W/enc-fixed.pem" "$W/enc.pem" || fail "--fix did not keep the encrypted key block byte for byte"
    # With --passin the match is checked: right key ...
    expect_check 0 "" --cwms 2.5 --passin pass:s3cret "${T[@]}" "$W/enc.pem"
    if grep -q KEY_NOT_CHECKED "$TMP/out"; then fail "--passin given, yet the key was not checked"; fi
    assert_contains "$TMP/out" "ready for CWMS 2.5"
    # ... wrong passphrase ...
    expect_check 3 PASSPHRASE --cwms 2.5 --passin pass:wrong "${T[@]}" "$W/enc.pem"
    # ... and another certificate's key.
    pki_leaf other other.example.test secondary
    openssl pkcs8 -topk8 -in "$P/other.key" -v2 aes-256-cbc -passout pass:s3cret -out "$W/other-enc.key"
    cat "$W/other-enc.key" "$W"/blk.0[1-9] > "$W/enc-mismatch.pem"
    expect_check 5 KEY_MISMATCH --cwms 2.5 --passin pass:s3cret "${T[@]}" "$W/enc-mismatch.pem"
    # --passout re-encrypts the key with a new passphrase.
    check --cwms 2.5 "${T[@]}" --passin pass:s3cret --passout pass:n3w --fix -o "$W/reenc.pem" \
        "$W/enc-last.pem" > /dev/null
    [ "$(pem_types "$W/reenc.pem" | head -n1)" = "ENCRYPTED PRIVATE KEY" ] || fail "--passout: key not encrypted"
    openssl pkey -in "$W/reenc.pem" -passin pass:n3w -noout || fail "--passout: the new passphrase does not open it"
    ;;
expired)
    PKI_DAYS=20 pki_leaf short short.example.test secondary
    split_blocks "$W/good25.pem"
    cat "$P/short.key" "$W/blk.01" "$W/blk.02" "$P/short.crt" > "$W/short.pem"
    expect_check 0 EXPIRES_SOON --cwms 2.5 "${T[@]}" "$W/short.pem"
    expect_check 4 EXPIRES_SOON --strict --cwms 2.5 "${T[@]}" "$W/short.pem"
    expect_check 4 EXPIRED --cwms 2.5 --attime "$(date -u -d '+60 days' +%Y-%m-%d)" "${T[@]}" "$W/short.pem"
    ;;
not-pem)
    openssl x509 -in "$P/server.crt" -outform DER -out "$W/server.der"
    expect_check 3 NOT_PEM --cwms 2.5 "${T[@]}" "$W/server.der"
    printf 'not a certificate at all\n' > "$W/junk.pem"
    expect_check 3 UNREADABLE --cwms 2.5 "$W/junk.pem"
    expect_check 3 UNREADABLE --cwms 2.5 "$W/does-not-exist.pem"
    # A PKCS#7 block among the PEM blocks: its certificates are read, and --fix writes them out.
    split_blocks "$W/good25.pem"
    openssl crl2pkcs7 -nocrl -certfile "$W/blk.01" -certfile "$W/blk.02" > "$W/chain.p7.pem"
    cat "$W/blk.00" "$W/chain.p7.pem" "$W/blk.03" > "$W/p7.pem"
    expect_check 4 UNEXPECTED_BLOCK --cwms 2.5 "${T[@]}" "$W/p7.pem"
    FIX_CWMS=2.5 expect_fixed "$W/good25.pem" --cwms 2.5 "${T[@]}" "$W/p7.pem"
    ;;
usage)
    expect_fail 2 check
    expect_fail 2 check --fix "$W/good25.pem"
    assert_contains "$TMP/stderr" "--fix needs -o FILE"
    expect_fail 2 check -o x.pem "$W/good25.pem"
    expect_fail 2 check --fix -o - "$W/good25.pem"
    assert_contains "$TMP/stderr" "-o - cannot be where --fix writes: standard output carries the report"
    expect_fail 2 check -o - "$W/good25.pem"
    expect_fail 2 check --json --graph dot "$W/good25.pem"
    expect_fail 2 check "$W/good25.pem" "$W/good20.pem"
    expect_fail 2 check --graph svg "$W/good25.pem"
    "$CWMS_BUNDLE" check --help > "$TMP/help"
    for w in --cwms --order --passin --trust --attime --host --strict --json --fix --graph -q; do
        assert_contains "$TMP/help" "$w"
    done
    "$CWMS_BUNDLE" --help > "$TMP/help"
    assert_contains "$TMP/help" "check"
    # -q: nothing for a good file, only errors for a bad one.
    check -q --cwms 2.5 "${T[@]}" "$W/good25.pem" > "$TMP/out" 2> "$TMP/err"
    [ ! -s "$TMP/out" ] && [ ! -s "$TMP/err" ] || fail "-q printed something for a ready file"
    expect_fail 4 check -q --cwms 2.5 "${T[@]}" "$W/good20.pem"
    assert_contains "$TMP/stderr" "ORDER_WRONG"
    ;;
many-blocks)
    # Past the first few blocks each still reports its own certificate's
    # SHA-256 (the scan's array grows while it reads the file).
    cat "$W/good25.pem" > "$W/many.pem"
    for _ in 1 2 3 4 5 6 7 8 9; do cat "$P/root.crt" >> "$W/many.pem"; done
    check --json --cwms 2.5 "${T[@]}" "$W/many.pem" > "$W/many.json" || true
    split_blocks "$W/many.pem"
    n=0
    for blk in "$W"/blk.*; do
        if grep -q "BEGIN CERTIFICATE" "$blk"; then
            openssl x509 -in "$blk" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g'
        else
            echo null
        fi
        n=$((n + 1))
    done > "$W/want.txt"
    [ "$n" -ge 13 ] || fail "the bundle has only $n blocks"
    python3 -c 'import json, sys; [print(b["sha256"] or "null") for b in json.load(open(sys.argv[1]))["blocks"]]' \
        "$W/many.json" > "$W/got.txt"
    diff "$W/want.txt" "$W/got.txt" >&2 || fail "check --json reports other SHA-256s than the blocks hold"
    ;;
json-schema)
    command -v python3 > /dev/null || fail "python3 is needed (ci/install-deps.sh installs it)"
    python3 -c 'import jsonschema' || fail "python3-jsonschema is needed (ci/install-deps.sh installs it)"
    SCHEMA=$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json
    pki_cross rootx root primary   # a cross-signed variant: alternatives and left-out certificates
    cat "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem" "$P/rootx.crt" > "$W/all.pem"
    "$CWMS_BUNDLE" build --json --cwms 2.5 -o "$W/b.pem" "$W/all.pem" > "$W/build.json"
    check --json --cwms 2.0 "${T[@]}" "$W/good25.pem" > "$W/check.json" || true
    check --json --cwms 2.5 "${T[@]}" "$W/good25.pem" > "$W/check-ok.json"
    rc=0; "$CWMS_BUNDLE" build --json --no-key -o "$W/none.pem" "$P/server.crt" > "$W/build-fail.json" 2> /dev/null || rc=$?
    [ "$rc" -ne 0 ] || fail "a build without the chain succeeded"
    python3 - "$SCHEMA" "$W/build.json" "$W/check.json" "$W/check-ok.json" "$W/build-fail.json" <<'EOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
docs = {p: json.load(open(p)) for p in sys.argv[2:]}
for p, d in docs.items():
    errs = sorted(v.iter_errors(d), key=str)
    if errs:
        sys.exit("%s does not match the schema: %s" % (p, errs[0]))
b, c, ok, bf = docs.values()
assert b["command"] == "build" and b["order"] == "root-first", b
assert [x["role"] for x in b["certificates"]] == ["intermediate", "intermediate", "server"], b
assert b["key"]["type"] == "RSA" and b["key"]["bits"] == 2048 and b["key"]["encrypted"] is False
assert b["anchor"]["role"] == "root", b["anchor"]
reasons = " ".join(x["reason"] for x in b["left_out"])
assert "self-signed root" in reasons, reasons
assert any(not a["chosen"] and a["why_not"] for a in b["alternatives"]) or len(b["alternatives"]) == 1
assert c["command"] == "check" and c["ready"] is False and c["exit_code"] == 4
assert [f["code"] for f in c["findings"]] == ["ORDER_WRONG"], c["findings"]
assert ok["ready"] is True and ok["exit_code"] == 0 and ok["findings"] == []
assert [x["kind"] for x in ok["blocks"]] == ["key", "certificate", "certificate", "certificate"]
assert bf["exit_code"] == 4 and any(d["level"] == "error" for d in bf["diagnostics"])
# An unknown field or a wrong type is caught: the schema is strict enough to mean something.
bad = dict(b); bad["certificates"] = [dict(b["certificates"][0], not_after="tomorrow")]
assert list(v.iter_errors(bad)), "a non-RFC 3339 time passed the schema"
EOF
    "$CWMS_BUNDLE" tokens --json --no-login "pkcs11:?module-path=/nonexistent.so" > "$W/tokens.json" 2> /dev/null || true
    python3 - "$SCHEMA" "$W/tokens.json" <<'EOF'
import json, sys
import jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
d = json.load(open(sys.argv[2]))
errs = list(v.iter_errors(d))
assert not errs, errs[0]
assert d["command"] == "tokens" and isinstance(d["tokens"], list)
EOF
    ;;
tree-tty)
    command -v script > /dev/null || fail "script (bsdutils) is needed"
    cat "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem" > "$W/all.pem"
    # On a terminal: the tree from the anchor down, in colour ...
    TERM=xterm script -qec "$CWMS_BUNDLE build --cwms 2.5 -o $W/t.pem $W/all.pem" /dev/null > "$TMP/tty" 2>&1
    assert_contains "$TMP/tty" "from the anchor down"
    assert_contains "$TMP/tty" $'\033[32mserver\033[0m, #3 in the bundle]'  # the server, in green
    assert_contains "$TMP/tty" "left out: self-signed root"
    grep -q $'\033\\[' "$TMP/tty" || fail "no colour on a terminal"
    root_line=$(grep -n 'CN=Test Root CA.*left out\]' "$TMP/tty" | head -1 | cut -d: -f1)
    server_line=$(grep -n 'www.example.test.*#3 in the bundle\]' "$TMP/tty" | head -1 | cut -d: -f1)
    [ "$root_line" -lt "$server_line" ] || fail "the tree is not drawn from the anchor down"
    # ... without colour under NO_COLOR ...
    NO_COLOR=1 TERM=xterm script -qec "$CWMS_BUNDLE build --cwms 2.5 -o $W/t.pem $W/all.pem" /dev/null > "$TMP/tty" 2>&1
    assert_contains "$TMP/tty" "[server, #3 in the bundle]"
    if grep -q $'\033\\[' "$TMP/tty"; then fail "colour despite NO_COLOR"; fi
    # ... and neither tree nor colour when stderr is not a terminal.
    "$CWMS_BUNDLE" build --cwms 2.5 -o "$W/t.pem" "$W/all.pem" 2> "$TMP/plain"
    if grep -q -e $'\033\\[' -e 'from the anchor down' "$TMP/plain"; then fail "tree or colour off a terminal"; fi
    # check draws the tree of what build would write, on its terminal.
    TERM=xterm script -qec "$CWMS_BUNDLE check --cwms 2.5 --trust $P/root.crt $W/good25.pem" /dev/null > "$TMP/tty" 2>&1
    assert_contains "$TMP/tty" "from the anchor down"
    assert_contains "$TMP/tty" "ready for CWMS 2.5"
    # -q prints errors only, terminal or not.
    TERM=xterm script -qec "$CWMS_BUNDLE build -q --cwms 2.5 -o $W/t.pem $W/all.pem" /dev/null > "$TMP/tty" 2>&1
    [ ! -s "$TMP/tty" ] || { cat "$TMP/tty" >&2; fail "-q printed something on success"; }
    ;;
dot-graphviz)
    command -v dot > /dev/null || fail "dot (graphviz) is needed (ci/install-deps.sh installs it)"
    # Root G2 self-signed and cross-signed by an old root; a second key under the G2 name.
    pki_root old "Old Root"
    pki_root g2 "Root G2"
    pki_cross g2x g2 old
    pki_root g2fake "Root G2"
    pki_ca int "Issuing CA" g2
    pki_leaf srv www.g2.test int
    cat "$P/int.crt" "$P/g2x.crt" "$P/g2.crt" "$P/old.crt" "$P/g2fake.crt" > "$W/cas.pem"
    "$CWMS_BUNDLE" build --graph dot --cwms 2.5 -o "$W/g.pem" "$P/srv.key" "$P/srv.crt" "$W/cas.pem" > "$W/g.dot"
    dot -Tplain "$W/g.dot" > "$W/g.plain" || fail "dot rejected the graph"
    grep -q '^node ' "$W/g.plain" || fail "dot laid out no node"
    [ "$(grep -c '^node ' "$W/g.plain")" -eq 6 ] || fail "expected the 6 certificates as nodes"
    grep -q 'label="chosen"' "$W/g.dot" || fail "the chosen path is not marked"
    grep -q 'signature does not verify' "$W/g.dot" || fail "the rejected edge (another key) is not labelled"
    # The same graph from check.
    check --graph dot --cwms 2.5 "${T[@]}" "$W/good25.pem" > "$W/c.dot"
    dot -Tplain "$W/c.dot" > /dev/null || fail "dot rejected check's graph"
    # The tree names the cross-sign variant chosen.
    NO_COLOR=1 script -qec "$CWMS_BUNDLE build --cwms 2.5 -o $W/g.pem $P/srv.key $P/srv.crt $W/cas.pem" /dev/null > "$TMP/tty" 2>&1
    assert_contains "$TMP/tty" "cross-sign: the variant cross-signed by 'O=cwms-bundle tests, CN=Old Root'"
    assert_contains "$TMP/tty" "another variant of 'O=cwms-bundle tests, CN=Root G2' (self-signed)"
    ;;
private-root-without-trust)
    # What build writes for a private root leaves the root out, as CWMS wants: no --trust needed.
    expect_check 0 ANCHOR_UNKNOWN --cwms 2.5 "$W/good25.pem"
    assert_contains "$TMP/out" "warning: ANCHOR_UNKNOWN: "
    assert_contains "$TMP/out" "whose issuer 'O=cwms-bundle tests, CN=Test Root CA' is neither in the file nor in a trust store here"
    assert_contains "$TMP/out" "give --trust ROOT.pem to check the whole chain"
    assert_contains "$TMP/out" "ready for CWMS 2.5"
    if grep -q MISSING_INTERMEDIATE "$TMP/out"; then fail "a root left out was taken for a missing intermediate"; fi
    expect_check 0 ANCHOR_UNKNOWN --cwms 2.0 "$W/good20.pem"
    # --strict makes the unknown anchor an error; --trust ROOT.pem checks the whole chain and says nothing.
    expect_check 4 ANCHOR_UNKNOWN --strict --cwms 2.5 "$W/good25.pem"
    assert_contains "$TMP/out" "error: ANCHOR_UNKNOWN: "
    check --cwms 2.5 --strict "${T[@]}" "$W/good25.pem" > "$TMP/out"
    [ "$(cat "$TMP/out")" = "ready for CWMS 2.5" ] || { cat "$TMP/out" >&2; fail "--trust: not ready"; }
    # The unknown root counts as the anchor: the chain's depth is what it is with --trust.
    expect_check 4 VERIFY_DEPTH --cwms 2.5 --verify-depth 1 "$W/good25.pem"
    expect_check 4 VERIFY_DEPTH --cwms 2.5 --verify-depth 1 "${T[@]}" "$W/good25.pem"
    expect_check 0 ANCHOR_UNKNOWN --cwms 2.5 --verify-depth 2 "$W/good25.pem"
    # The JSON names the finding as a warning, the exit code 0.
    check --json --cwms 2.5 "$W/good25.pem" > "$W/c.json"
    python3 -c 'import jsonschema' || fail "python3-jsonschema is needed (ci/install-deps.sh installs it)"
    python3 - "$W/c.json" "$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json" <<'EOF2'
import json, sys
import jsonschema
d = json.load(open(sys.argv[1]))
errs = list(jsonschema.Draft202012Validator(json.load(open(sys.argv[2]))).iter_errors(d))
assert not errs, errs[0]
assert d["exit_code"] == 0 and d["ready"] is True, d
assert [(f["code"], f["level"], f["fixable"]) for f in d["findings"]] == [("ANCHOR_UNKNOWN", "warning", False)], d["findings"]
assert [c["role"] for c in d["certificates"]] == ["intermediate", "intermediate", "server"], d["certificates"]
EOF2
    ;;
private-root-round-trip)
    # build from the CA's files (root among them, not in any store) -> check with the same options.
    for v in 2.0 2.5 2.8; do
        "$CWMS_BUNDLE" build -q --cwms "$v" -o "$W/rt.pem" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
        expect_check 0 ANCHOR_UNKNOWN --cwms "$v" "$W/rt.pem"
        assert_contains "$TMP/out" "ready for CWMS $v"
    done
    # A leaf issued by the root itself: the file is the key and the leaf alone.
    pki_leaf direct direct.example.test root
    "$CWMS_BUNDLE" build -q --cwms 2.5 -o "$W/direct.pem" "$P/direct.key" "$P/direct.crt" "$P/root.crt"
    [ "$(pem_types "$W/direct.pem" | tr '\n' ' ')" = "PRIVATE KEY CERTIFICATE " ] || fail "unexpected blocks"
    expect_check 0 ANCHOR_UNKNOWN --cwms 2.5 --host direct.example.test "$W/direct.pem"
    assert_contains "$TMP/out" "the chain ends at 'O=cwms-bundle tests, CN=direct.example.test'"
    assert_contains "$TMP/out" "ready for CWMS 2.5"
    # The server certificate is still validated: a wrong host name is an error, not hidden by the anchor.
    expect_check 4 HOST_MISMATCH --cwms 2.5 --host other.example.test "$W/direct.pem"
    ;;
private-root-wrong-order)
    # Every finding, not only the anchor: the order of a 2.0 file checked for 2.5 ...
    expect_check 4 ORDER_WRONG --cwms 2.5 "$W/good20.pem"
    assert_contains "$TMP/out" ": ANCHOR_UNKNOWN: "
    # ... also under --strict, and with other faults beside it.
    expect_check 4 ORDER_WRONG --strict --cwms 2.5 "$W/good20.pem"
    assert_contains "$TMP/out" "error: ANCHOR_UNKNOWN: "
    split_blocks "$W/good20.pem"
    { cat "$W"/blk.0[1-9]; printf 'subject=CN = x\n'; cat "$W/blk.00"; } > "$W/messy.pem"
    expect_check 5 ORDER_WRONG --cwms 2.5 "$W/messy.pem"
    for code in KEY_NOT_FIRST STRAY_TEXT ANCHOR_UNKNOWN; do assert_contains "$TMP/out" ": $code: "; done
    # An expired server certificate does not hide the order either.
    expect_check 4 EXPIRED --cwms 2.5 --attime 2099-01-01 "$W/good20.pem"
    assert_contains "$TMP/out" ": ORDER_WRONG: "
    ;;
fix-passes-check)
    # What --fix writes passes check with the same options (no --trust: a private root), and a
    # second --fix finds nothing to do: no loop.
    pki_leaf stale stale.example.test secondary
    split_blocks "$W/good25.pem"
    cat "$W/good20.pem" > "$W/s1.pem"                                            # wrong order
    cat "$W/good25.pem" "$P/root.crt" > "$W/s2.pem"                              # root included
    cat "$W"/blk.0[1-9] "$W/blk.00" > "$W/s3.pem"                                # key last
    { cat "$W/blk.00" "$W/blk.01"; echo 'Bag Attributes'; cat "$W/blk.02" "$W/blk.02" "$W/blk.03"; } > "$W/s4.pem"
    cat "$W/blk.00" "$P/stale.crt" "$W/blk.03" "$W/blk.02" "$P/root.crt" "$W/blk.01" > "$W/s5.pem"  # all at once
    for v in 2.5 2.0; do
        want=$W/good25.pem; [ "$v" = 2.5 ] || want=$W/good20.pem
        for f in "$W"/s[1-5].pem; do
            rm -f "$W/fixed.pem"
            check --cwms "$v" --fix -o "$W/fixed.pem" "$f" > "$TMP/fix.out" 2>&1 \
                || { cat "$TMP/fix.out" >&2; fail "--fix --cwms $v $f failed"; }
            cmp -s "$W/fixed.pem" "$want" || fail "--fix --cwms $v of $f did not write what build writes"
            expect_check 0 ANCHOR_UNKNOWN --cwms "$v" "$W/fixed.pem"
            assert_contains "$TMP/out" "ready for CWMS $v"
            check --cwms "$v" --fix -o "$W/again.pem" "$W/fixed.pem" > "$TMP/fix.out"
            assert_contains "$TMP/fix.out" "it already was what build writes"
            cmp -s "$W/again.pem" "$W/fixed.pem" || fail "a second --fix changed the file"
        done
    done
    # --strict: the unknown anchor is an error --fix cannot correct: nothing is written.
    rm -f "$W/fixed.pem"
    expect_fail 4 check --strict --cwms 2.5 --fix -o "$W/fixed.pem" "$W/s1.pem"
    assert_contains "$TMP/stderr" "--fix cannot correct ANCHOR_UNKNOWN"
    [ ! -e "$W/fixed.pem" ] || fail "--fix --strict wrote a file check --strict refuses"
    # With the root named, --strict fixes and the result passes --strict.
    check --strict --cwms 2.5 "${T[@]}" --fix -o "$W/fixed.pem" "$W/s5.pem" > /dev/null
    check --strict --cwms 2.5 "${T[@]}" "$W/fixed.pem" > "$TMP/out"
    [ "$(cat "$TMP/out")" = "ready for CWMS 2.5" ] || { cat "$TMP/out" >&2; fail "fixed file not ready"; }
    ;;
missing-intermediate-evidence)
    # Each kind of evidence that a CA is missing, with what is known and what is guessed.
    split_blocks "$W/good25.pem"     # key, primary, secondary, server
    # A CA of the file the chain does not reach (primary, secondary left out), no --trust.
    cat "$W/blk.00" "$W/blk.01" "$W/blk.03" > "$W/gap.pem"
    expect_check 4 MISSING_INTERMEDIATE --cwms 2.5 "$W/gap.pem"
    assert_contains "$TMP/out" "Known: the file holds 1 CA certificate(s) the chain does not reach ('O=cwms-bundle tests, CN=Test Primary CA')"
    assert_contains "$TMP/out" "Guessed: "
    if grep -q -e UNRELATED_CERT -e ANCHOR_UNKNOWN "$TMP/out"; then fail "the CA above the gap was called unrelated, or the gap an anchor"; fi
    # The root in the file, the intermediates missing.
    cat "$W/blk.00" "$W/blk.03" "$P/root.crt" > "$W/gap2.pem"
    expect_check 4 MISSING_INTERMEDIATE --cwms 2.5 "$W/gap2.pem"
    assert_contains "$TMP/out" "'O=cwms-bundle tests, CN=Test Root CA'"
    # A trust store the user named, whose root needs the missing CA.
    cat "$W/blk.00" "$W/blk.03" > "$W/leafonly.pem"
    expect_check 4 MISSING_INTERMEDIATE --cwms 2.5 "${T[@]}" "$W/leafonly.pem"
    assert_contains "$TMP/out" "Known: the trust store given (--trust, $P/root.crt) holds no issuer of it"
    # No evidence: the leaf's issuer is taken for the root CWMS holds, with its AIA URL as a hint.
    PKI_AIA=http://ca.example.test/secondary.crt pki_leaf aia aia.example.test secondary
    cat "$P/aia.key" "$P/aia.crt" > "$W/aia.pem"
    expect_check 0 ANCHOR_UNKNOWN --cwms 2.5 "$W/aia.pem"
    assert_contains "$TMP/out" "its issuer is published at http://ca.example.test/secondary.crt: a self-signed certificate there is the root"
    # ... and the same URL in the MISSING_INTERMEDIATE message when there is evidence.
    expect_check 4 MISSING_INTERMEDIATE --cwms 2.5 "${T[@]}" "$W/aia.pem"
    assert_contains "$TMP/out" "the CA publishes it at http://ca.example.test/secondary.crt"
    # A certificate of the issuer's name with another key (a CA key rollover): not the issuer.
    PKI_KEY_FROM='' pki_ca secondary2 "Test Secondary CA" primary
    cat "$W/blk.00" "$P/secondary2.crt" "$W/blk.03" > "$W/rollover.pem"
    expect_check 4 MISSING_INTERMEDIATE --cwms 2.5 "$W/rollover.pem"
    assert_contains "$TMP/out" "certificate(s) named 'O=cwms-bundle tests, CN=Test Secondary CA' are at hand"
    # Certificate Transparency timestamps: a public CA, whose roots the system store holds.
    cat > "$TMP/sct.ext" <<'EOF2'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:ct.example.test
1.3.6.1.4.1.11129.2.4.2 = ASN1:FORMAT:HEX,OCTETSTRING:0000
EOF2
    openssl req -new -key "$P/server.key" -subj "/CN=ct.example.test" -out "$TMP/ct.csr" 2> /dev/null
    openssl x509 -req -in "$TMP/ct.csr" -CA "$P/secondary.crt" -CAkey "$P/secondary.key" \
        -set_serial 9 -days 90 -extfile "$TMP/sct.ext" -out "$TMP/ct.crt" 2> /dev/null
    cat "$P/server.key" "$TMP/ct.crt" > "$W/ct.pem"
    expect_check 4 MISSING_INTERMEDIATE --cwms 2.5 "$W/ct.pem"
    assert_contains "$TMP/out" "Certificate Transparency timestamps"
    ;;
codes-documented)
    # Every finding code check can report is in the man page's FINDING CODES and the JSON schema.
    MAN=$CWMS_SOURCE_ROOT/docs/cwms-bundle.1
    SCHEMA=$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json
    # The codes are the reason table's (core/util/reasons.c), as tests/tools/reason-table prints it.
    "$CWMS_BUILD_ROOT/tests/tools/reason-table" | cut -f5 | sort -u > "$W/codes.txt"
    [ "$(wc -l < "$W/codes.txt")" -ge 40 ] || fail "found only $(wc -l < "$W/codes.txt") codes in the reason table"
    python3 - "$SCHEMA" "$W/codes.txt" <<'EOF2'
import json, sys
enum = set(json.load(open(sys.argv[1]))["properties"]["findings"]["items"]["properties"]["code"]["enum"])
codes = set(open(sys.argv[2]).read().split())
assert codes <= enum, "not in the schema's enum: %s" % sorted(codes - enum)
assert enum <= codes, "in the schema's enum but never reported: %s" % sorted(enum - codes)
EOF2
    sed -n '/^\.SH FINDING CODES/,/^\.SH /p' "$MAN" > "$W/man.txt"
    while read -r code; do
        grep -q -w -- "$code" "$W/man.txt" || fail "FINDING CODES in cwms-bundle(1) does not name $code"
    done < "$W/codes.txt"
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
echo "ok: $case_name"
