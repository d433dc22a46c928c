#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Path choice that knows the trust store: paths.sh CASE (one meson test per
# CASE). A root rollover shipped with both roots — the server certificate,
# its issuing CA, the CA's new self-signed root and the same root
# cross-signed by the old one — built with each root trusted, with only the
# cross-sign, with neither, under --strict; the same on GoDaddy's real G2 /
# Class 2 rollover; the choice independent of input order and file names;
# the anchor named in the summary, the tree and the JSON. What is written
# is checked with `openssl verify -CAfile TRUSTED -untrusted CHAIN`.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"

OLD="O=cwms-bundle tests, CN=Old Root"
NEW="O=cwms-bundle tests, CN=New Root"
OUT=$TMP/out.pem

# Old Root -> New Root (cross-signed: newx) ; New Root (self-signed: new) -> Issuing CA -> server.
rollover() {
    pki_init "$TMP/pki"
    P=$PKI_DIR
    pki_root old "Old Root" && pki_root new "New Root" && pki_cross newx new old &&
        pki_ca int "Issuing CA" new && pki_leaf server www.example.test int &&
        pki_root unrelated "Unrelated Root" || fail "cannot make the rollover PKI"
}

build() { "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUT" "$@"; }
build_ok() {  # ARGS...: build, stderr kept in $TMP/stderr
    build "$@" 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "cwms-bundle build $* failed"; }
}
# The common names of a PEM file's certificates, in order, joined by '|'.
cns() { pem_subjects "$1" | sed 's/.*CN *= *//' | tr '\n' '|'; }
issuer_of_first() {
    openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs -noout \
        | sed -n 's/^issuer=//p' | head -1 | sed 's/.*CN *= *//'
}
fp16() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | cut -c1-16; }
# verified TRUSTED SERVER [ATTIME]: openssl, trusting only TRUSTED, accepts SERVER with the chain written.
verified() {
    local at=()
    [ -z "${3:-}" ] || at=(-attime "$3")
    openssl verify -no-CApath -no-CAstore "${at[@]}" -purpose sslserver -CAfile "$1" \
        -untrusted "$OUT" "$2" > "$TMP/verify" 2>&1 \
        || { cat "$TMP/verify" >&2; fail "openssl verify -CAfile $1 refuses the chain written"; }
}
no_warning() { if grep -q "warning:" "$TMP/stderr"; then cat "$TMP/stderr" >&2; fail "a warning"; fi; }

# The old root trusted: the cross-signed New Root, whatever the order of the inputs.
case_rollover_old_root_trusted() {
    rollover
    local order
    for order in "server.key server.crt int.crt new.crt newx.crt" \
                 "newx.crt new.crt int.crt server.crt server.key" \
                 "new.crt server.key newx.crt server.crt int.crt"; do
        # shellcheck disable=SC2086
        (cd "$P" && build_ok --trust old.crt $order)
        [ "$(cns "$OUT")" = "New Root|Issuing CA|www.example.test|" ] || fail "order $order: $(cns "$OUT")"
        [ "$(issuer_of_first "$OUT")" = "Old Root" ] || fail "order $order: not the cross-signed New Root"
        no_warning
        verified "$P/old.crt" "$P/server.crt"
    done
    assert_contains "$TMP/stderr" "anchor: $OLD (SHA-256 $(fp16 "$P/old.crt")...), found in --trust 'old.crt'; it signed '$NEW'"
    assert_contains "$TMP/stderr" "cross-sign: '$NEW' comes in 2 variants among the inputs; the chain uses the one cross-signed by '$OLD' (SHA-256 $(fp16 "$P/newx.crt")...)"
    assert_contains "$TMP/stderr" "not the one self-signed (SHA-256 $(fp16 "$P/new.crt")...): the chosen path won: it ends at a trust anchor"
    # What build wrote is what check wants, with the same trust.
    "$CWMS_BUNDLE" check --cwms 2.5 --trust "$P/old.crt" "$OUT" > "$TMP/check" \
        || { cat "$TMP/check" >&2; fail "check refuses what build wrote"; }
    assert_contains "$TMP/check" "ready for CWMS 2.5"
}

# The new root trusted: clients trusting it validate; --path complete keeps the cross-sign
# (clients that trust only the old root build it too), --path shortest stops below it.
case_rollover_new_root_trusted() {
    rollover
    build_ok --trust "$P/new.crt" "$P/server.key" "$P/server.crt" "$P/int.crt" "$P/new.crt" "$P/newx.crt"
    [ "$(cns "$OUT")" = "New Root|Issuing CA|www.example.test|" ] || fail "complete: $(cns "$OUT")"
    [ "$(issuer_of_first "$OUT")" = "Old Root" ] || fail "complete: not the cross-signed New Root"
    no_warning
    verified "$P/new.crt" "$P/server.crt"
    verified "$P/old.crt" "$P/server.crt"
    assert_contains "$TMP/stderr" "anchor: $NEW (SHA-256 $(fp16 "$P/new.crt")...), found in --trust '$P/new.crt'; it signed 'O=cwms-bundle tests, CN=Issuing CA'"
    assert_contains "$TMP/stderr" "its top certificate is cross-signed, so clients that trust only the cross-signing CA can build it too"
    build_ok --trust "$P/new.crt" --path shortest "$P/server.key" "$P/server.crt" "$P/int.crt" \
        "$P/new.crt" "$P/newx.crt"
    [ "$(cns "$OUT")" = "Issuing CA|www.example.test|" ] || fail "shortest: $(cns "$OUT")"
    verified "$P/new.crt" "$P/server.crt"
}

# Only the cross-signed New Root among the inputs: the old root anchors it; trusted by no store,
# the missing issuer is named.
case_rollover_cross_sign_only() {
    rollover
    build_ok --trust "$P/old.crt" "$P/server.key" "$P/server.crt" "$P/int.crt" "$P/newx.crt"
    [ "$(cns "$OUT")" = "New Root|Issuing CA|www.example.test|" ] || fail "$(cns "$OUT")"
    no_warning
    verified "$P/old.crt" "$P/server.crt"
    rm -f "$OUT"
    expect_fail 4 build --trust "$P/unrelated.crt" "$P/server.key" "$P/server.crt" "$P/int.crt" "$P/newx.crt"
    assert_contains "$TMP/stderr" "no certificate among the inputs is the issuer '$OLD' of '$NEW'"
    [ ! -e "$OUT" ] || fail "a bundle was written"
}

# Neither root trusted: the self-signed New Root of the inputs anchors the chain, with the
# warning that no store holds it, and the summary says why the cross-sign was not used.
case_rollover_neither_trusted() {
    rollover
    build_ok --trust "$P/unrelated.crt" "$P/server.key" "$P/server.crt" "$P/int.crt" "$P/newx.crt" "$P/new.crt"
    [ "$(cns "$OUT")" = "Issuing CA|www.example.test|" ] || fail "$(cns "$OUT")"
    assert_contains "$TMP/stderr" "warning: the chain ends at the self-signed root '$NEW', which $P/unrelated.crt does not hold"
    assert_contains "$TMP/stderr" "anchor: $NEW (SHA-256 $(fp16 "$P/new.crt")...), found among the inputs only: a self-signed root that $P/unrelated.crt does not hold; clients must be given it"
    assert_contains "$TMP/stderr" "the chain uses the one self-signed"
    assert_contains "$TMP/stderr" "not the one cross-signed by '$OLD' (SHA-256 $(fp16 "$P/newx.crt")...): it leads to no anchor: its issuer '$OLD' is neither among the inputs nor in $P/unrelated.crt"
    verified "$P/new.crt" "$P/server.crt"
}

# --strict never turns a valid choosable path into a refusal: with the old root trusted it takes
# the cross-sign; with the new one trusted and the cross-sign about to expire (a warning), the
# clean path through the self-signed root.
case_strict_takes_the_valid_path() {
    rollover
    build_ok --strict --trust "$P/old.crt" "$P/server.key" "$P/server.crt" "$P/int.crt" "$P/new.crt" "$P/newx.crt"
    [ "$(issuer_of_first "$OUT")" = "Old Root" ] || fail "--strict: not the cross-signed New Root"
    verified "$P/old.crt" "$P/server.crt"
    PKI_DAYS=10 pki_cross soon new old || fail "cannot make the expiring cross-sign"
    local in=("$P/server.key" "$P/server.crt" "$P/int.crt" "$P/new.crt" "$P/soon.crt")
    build_ok --trust "$P/new.crt" "${in[@]}"
    [ "$(issuer_of_first "$OUT")" = "Old Root" ] || fail "without --strict: not the cross-sign"
    assert_contains "$TMP/stderr" "warning: '$NEW' expires on"
    build_ok --strict --trust "$P/new.crt" "${in[@]}"
    [ "$(cns "$OUT")" = "Issuing CA|www.example.test|" ] || fail "--strict: $(cns "$OUT")"
    assert_contains "$TMP/stderr" "note: passed over the path of 3 certificate(s) up to '$NEW'"
    no_warning
    verified "$P/new.crt" "$P/server.crt"
    # Only a path with a warning: --strict refuses, naming it.
    expect_fail 4 build --strict --trust "$P/unrelated.crt" "$P/server.key" "$P/server.crt" "$P/int.crt" "$P/new.crt"
    assert_contains "$TMP/stderr" "error: the chain ends at the self-signed root '$NEW'"
}

# Neither root trusted and two cross-signs that tie on every rule but their bytes (same dates,
# lengths, key identifiers): the output is the same whatever the order and names of the files.
case_order_and_names_independent() {
    rollover
    pki_root_like other "Other Root" old && pki_cross_like newx2 new old && pki_cross_like newy new other \
        || fail "cannot make the tied cross-signs"
    local files=(server.key server.crt int.crt new.crt newx2.crt newy.crt old.crt other.crt) f i n=0
    local first="" sum names
    for names in plain numbered reversed; do
        for order in 0 1 2 3; do
            local dir=$TMP/in-$names-$order args=()
            mkdir -p "$dir"
            i=0
            for f in "${files[@]}"; do
                case $names in
                    plain) cp "$P/$f" "$dir/$f"; args+=("$dir/$f") ;;
                    numbered) cp "$P/$f" "$dir/$i.pem"; args+=("$dir/$i.pem") ;;
                    reversed) cp "$P/$f" "$dir/$((9 - i))-z.crt"; args+=("$dir/$((9 - i))-z.crt") ;;
                esac
                i=$((i + 1))
            done
            case $order in
                1) args=($(printf '%s\n' "${args[@]}" | tac)) ;;
                2) args=($(printf '%s\n' "${args[@]}" | sort)) ;;
                3) args=("$dir") ;;   # the folder: read in directory order
            esac
            build_ok --trust "$P/unrelated.crt" "${args[@]}"
            sum=$(sha256sum < "$OUT")
            { grep -o "the chain uses the one [^(]*" "$TMP/stderr" || true; } | sort -u > "$TMP/variant"
            if [ -z "$first" ]; then
                first=$sum
                cp "$TMP/variant" "$TMP/variant.first"
                [ "$(cns "$OUT")" = "New Root|Issuing CA|www.example.test|" ] || fail "$(cns "$OUT")"
            fi
            [ "$sum" = "$first" ] || fail "names $names, order $order: another bundle"
            cmp -s "$TMP/variant" "$TMP/variant.first" || fail "names $names, order $order: another variant named"
            n=$((n + 1))
        done
    done
    assert_contains "$TMP/stderr" "comes in 3 variants among the inputs"
    assert_contains "$TMP/stderr" "SHA-256 fingerprints sort first"
    [ "$n" -eq 12 ] || fail "ran $n builds"
}

# GoDaddy's real rollover: the G2 bundle with its leaf, plus the self-signed Go Daddy Root G2,
# with only the Class 2 root trusted (what older devices hold): the chain written goes through
# the Root G2 cross-signed by Class 2, and openssl trusting Class 2 alone validates it.
case_godaddy_class2_trusted() {
    local gd=$TEST_DATA/real-bundles/godaddy/gd_bundle-g2-g1.with-leaf.crt at=1514764800
    local roots=$TEST_DATA/cfssl_trust/ca-bundle.crt d=$TMP/gd
    mkdir -p "$d"
    awk -v d="$d" '/-----BEGIN CERTIFICATE-----/{n++; f=sprintf("%s/in%d.pem", d, n)} f{print > f}
        /-----END CERTIFICATE-----/{f=""}' "$gd"
    cp "$d/in4.pem" "$d/class2.pem"                                   # Class 2, self-signed
    cat "$d/in1.pem" "$d/in2.pem" "$d/in3.pem" > "$d/g2-bundle.pem"   # leaf, G2 CA, Root G2 by Class 2
    # The root store printed with each certificate's subject line before it: the G2 root's block.
    openssl crl2pkcs7 -nocrl -certfile "$roots" | openssl pkcs7 -print_certs \
        | awk '/^subject=.*CN = Go Daddy Root Certificate Authority - G2$/{take=1}
               take{print} /-----END CERTIFICATE-----/{if (take) exit}' \
        | sed -n '/-----BEGIN/,/-----END/p' > "$d/g2-root.pem"
    [ -s "$d/g2-root.pem" ] || fail "no self-signed Go Daddy Root G2 in $roots"
    for order in "$d/g2-root.pem $d/g2-bundle.pem" "$d/g2-bundle.pem $d/g2-root.pem"; do
        # shellcheck disable=SC2086
        build_ok --no-key --attime "$at" --trust "$d/class2.pem" $order
        [ "$(cns "$OUT")" = "Go Daddy Root Certificate Authority - G2|Go Daddy Secure Certificate Authority - G2|www.greenroutesdk.com|" ] \
            || fail "$(cns "$OUT")"
        case $(issuer_of_first "$OUT") in
            *"Go Daddy Class 2 Certification Authority") ;;
            *) fail "not the Root G2 cross-signed by Class 2" ;;
        esac
        no_warning
        verified "$d/class2.pem" "$d/in1.pem" "$at"
    done
    assert_contains "$TMP/stderr" "found in --trust '$d/class2.pem'"
    # Trusting the new root alone works too; trusting neither leaves the self-signed G2 root out.
    build_ok --no-key --attime "$at" --trust "$d/g2-root.pem" "$d/g2-bundle.pem" "$d/g2-root.pem"
    verified "$d/g2-root.pem" "$d/in1.pem" "$at"
}

# The anchor in --json (valid against the schema), in the tree on a terminal, from the system
# store (SSL_CERT_FILE stands for it) and in check's tree.
case_anchor_in_json_and_tree() {
    rollover
    command -v python3 > /dev/null && python3 -c 'import jsonschema' \
        || fail "python3-jsonschema is needed (ci/install-deps.sh installs it)"
    local in=("$P/server.key" "$P/server.crt" "$P/int.crt" "$P/new.crt" "$P/newx.crt")
    build --json --trust "$P/old.crt" "${in[@]}" > "$TMP/trust.json"
    SSL_CERT_FILE=$P/old.crt SSL_CERT_DIR=/nonexistent build --json "${in[@]}" > "$TMP/system.json"
    build --json --trust "$P/unrelated.crt" "${in[@]}" > "$TMP/inputs.json"
    python3 - "$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json" "$TMP/trust.json" "$TMP/system.json" \
        "$TMP/inputs.json" "$(fp16 "$P/newx.crt")" <<'EOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
v = jsonschema.Draft202012Validator(schema)
trust, system, inputs = (json.load(open(p)) for p in sys.argv[2:5])
for d in (trust, system, inputs):
    errs = list(v.iter_errors(d))
    assert not errs, errs[0]
a = trust["anchor"]
assert a["subject"] == "O=cwms-bundle tests, CN=Old Root" and a["role"] == "anchor", a
assert a["found_in"] == "trust" and a["trust_store"].endswith("old.crt"), a
assert a["signs"] == "O=cwms-bundle tests, CN=New Root", a
[var] = trust["variants"]
assert var["subject"] == "O=cwms-bundle tests, CN=New Root", var
assert var["chosen"]["sha256"].startswith(sys.argv[5]) and not var["chosen"]["self_signed"], var
assert var["chosen"]["issuer"] == "O=cwms-bundle tests, CN=Old Root", var
[other] = var["others"]
assert other["self_signed"] and "ends at a trust anchor" in other["why_not"], other
assert system["anchor"]["found_in"] == "system", system["anchor"]
assert system["anchor"]["trust_store"] == "the system trust store", system["anchor"]
assert inputs["anchor"]["found_in"] == "inputs" and inputs["anchor"]["role"] == "root", inputs["anchor"]
assert inputs["variants"][0]["chosen"]["self_signed"], inputs["variants"]
EOF
    command -v script > /dev/null || fail "script (bsdutils) is needed"
    NO_COLOR=1 script -qec "$CWMS_BUNDLE build --cwms 2.5 --trust $P/old.crt -o $OUT ${in[*]}" /dev/null > "$TMP/tty" 2>&1
    assert_contains "$TMP/tty" "from the anchor down"
    assert_contains "$TMP/tty" "    anchor: found in --trust '$P/old.crt'; it signed '$NEW'"
    assert_contains "$TMP/tty" "cross-sign: the variant cross-signed by '$OLD', chosen over 1 other"
    NO_COLOR=1 script -qec "$CWMS_BUNDLE check --cwms 2.5 --trust $P/old.crt $OUT" /dev/null > "$TMP/tty" 2>&1
    assert_contains "$TMP/tty" "    anchor: found in --trust '$P/old.crt'; it signed '$NEW'"
    assert_contains "$TMP/tty" "ready for CWMS 2.5"
}

case=${1:-}
case $case in
    rollover_old_root_trusted|rollover_new_root_trusted|rollover_cross_sign_only|\
    rollover_neither_trusted|strict_takes_the_valid_path|order_and_names_independent|\
    godaddy_class2_trusted|anchor_in_json_and_tree)
        "case_$case" ;;
    *) echo "usage: paths.sh CASE" >&2; exit 2 ;;
esac
echo "ok: $case"
