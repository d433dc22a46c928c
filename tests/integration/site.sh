#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CWMS's own host-name rules for the WebEx site URL (--site), per release, on
# certificates made with openssl at test time: from 2.5MR5 on the CN is
# compared with the site URL (a wildcard must be the CN); before, the
# subjectAltName names the site, the administration URL and every VM; in
# every release a subjectAltName entry covers the site. build and check
# judge alike; request --site makes the CSR that passes. One case per run:
# site.sh CASE.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"
case_name=${1:?usage: site.sh CASE}

pki_init "$TMP/pki"
pki_root root "Test Root CA"
pki_ca issuing "Test Issuing CA" root
P=$TMP/pki
W=$TMP/work
mkdir -p "$W"
SITE=meet.example.test

# judge WANT CODE ID VERSION ARGS...: build and check of ID's certificate (with the issuing
# CA; the root by --trust) for --cwms VERSION ("" for none) with ARGS both exit WANT and, when
# CODE is not empty, report CODE. check reads the file build writes without ARGS.
judge() {
    local want=$1 code=$2 id=$3 version=$4 rc=0
    local -a cwms=()
    shift 4
    [ -z "$version" ] || cwms=(--cwms "$version")
    "$CWMS_BUNDLE" build -q --trust "$P/root.crt" -o "$W/$id.pem" "${cwms[@]}" "$@" \
        "$P/$id.key" "$P/$id.crt" "$P/issuing.crt" 2> "$TMP/build.err" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$TMP/build.err" >&2; fail "build ${cwms[*]} $* ($id) exited $rc, expected $want"; }
    "$CWMS_BUNDLE" build -q --trust "$P/root.crt" -o "$W/$id.file.pem" "${cwms[@]}" \
        "$P/$id.key" "$P/$id.crt" "$P/issuing.crt"
    rc=0
    "$CWMS_BUNDLE" check --trust "$P/root.crt" "${cwms[@]}" "$@" "$W/$id.file.pem" > "$TMP/out" 2> "$TMP/err" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$TMP/out" "$TMP/err" >&2; fail "check ${cwms[*]} $* ($id) exited $rc, expected $want"; }
    if [ -n "$code" ]; then
        assert_contains "$TMP/out" "error: $code: "
    elif [ "$want" -eq 0 ]; then
        assert_contains "$TMP/out" "ready for CWMS"
    fi
}

case $case_name in
cn_rule_from_2_5mr5)
    # CN=other, SAN=the site: the clients and CWMS before 2.5MR5 accept it, 2.5MR5 and later refuse.
    pki_leaf other other.example.test issuing "$SITE" other.example.test
    for v in 2.0 2.5MR4 "2.5 MR4 SP2"; do judge 0 "" other "$v" --site "$SITE"; done
    for v in 2.5MR5 "2.5 MR5 SP1" 2.5MR6 2.6 2.8.1.1 3.0 4.0MR2; do
        judge 4 SITE_CN_MISMATCH other "$v" --site "$SITE"
    done
    assert_contains "$TMP/out" "the CN of the server certificate 'O=cwms-bundle tests, CN=other.example.test' is 'other.example.test', not the WebEx site URL's host 'meet.example.test'"
    assert_contains "$TMP/out" "the server domain in the certificate does not match the WebEx site URL"
    assert_contains "$TMP/out" "have the certificate re-issued with CN=meet.example.test"
    # The URL forms name the same host.
    judge 4 SITE_CN_MISMATCH other 2.6 --site "https://$SITE/"
    judge 4 SITE_CN_MISMATCH other 2.6 --site "https://$SITE/orion/login"
    # The CN compared ignores letter case.
    pki_leaf upper MEET.Example.TEST issuing "$SITE"
    judge 0 "" upper 2.6 --site "$SITE"
    ;;
wildcard_only_in_san)
    # Cisco's example: CN=cisco.com with SAN *.cisco.com is refused from 2.5MR5 on.
    pki_leaf wsan example.test issuing '*.example.test'
    judge 4 SITE_WILDCARD_SAN_ONLY wsan 2.5MR5 --site "$SITE"
    assert_contains "$TMP/out" "the wildcard '*.example.test' that covers the WebEx site URL's host 'meet.example.test' is in the subjectAltName"
    assert_contains "$TMP/out" "a wildcard must be the CN"
    assert_contains "$TMP/out" "CN=*.example.test"
    if grep -q SITE_CN_MISMATCH "$TMP/out"; then fail "one rule, one finding"; fi
    # Before 2.5MR5 the SAN decides: the wildcard covers the site.
    judge 0 "" wsan 2.5MR4 --site "$SITE"
    ;;
wildcard_cn_passes)
    pki_leaf wcn '*.example.test' issuing '*.example.test'
    for v in 2.0 2.5MR4 2.5MR5 2.6 4.0; do judge 0 "" wcn "$v" --site "$SITE" --host admin.example.test; done
    judge 0 "" wcn "" --site "$SITE"
    # A wildcard covers one label only: not the bare domain, not two levels down.
    judge 4 SITE_CN_MISMATCH wcn 2.6 --site a.meet.example.test
    assert_contains "$TMP/out" ": HOST_MISMATCH: "
    judge 4 SITE_CN_MISMATCH wcn 2.6 --site example.test
    ;;
san_rule_before_2_5mr5)
    # Before 2.5MR5 the SAN names the site, the administration URL and every VM's FQDN.
    pki_leaf san "$SITE" issuing "$SITE" admin.example.test vm1.example.test
    judge 0 "" san 2.0 --site "$SITE" --host admin.example.test --host vm1.example.test
    judge 4 SAN_MISSING_NAME san 2.5MR4 --site "$SITE" --host admin.example.test --host vm2.example.test
    assert_contains "$TMP/out" "--host 'vm2.example.test' is not in the subjectAltName"
    assert_contains "$TMP/out" "CWMS before 2.5MR5 refuses the import"
    assert_contains "$TMP/out" "TOI for CWMS SSL certificates"
    [ "$(grep -c ': SAN_MISSING_NAME: ' "$TMP/out")" -eq 1 ] || fail "one finding per name missing"
    judge 4 SAN_MISSING_NAME san 1.5 --site "$SITE" --host vm2.example.test
    # The site itself, before 2.5MR5.
    pki_leaf nosite "$SITE" issuing admin.example.test
    judge 4 SAN_MISSING_NAME nosite 2.0 --site "$SITE"
    assert_contains "$TMP/out" "the WebEx site URL's host 'meet.example.test' is not in the subjectAltName"
    # From 2.5MR5 on a --host missing is the clients' rule only.
    judge 4 HOST_MISMATCH san 2.5MR5 --site "$SITE" --host vm2.example.test
    if grep -q SAN_MISSING_NAME "$TMP/out"; then fail "2.5MR5 does not need every VM in the SAN"; fi
    ;;
site_in_san_every_release)
    # CN=the site, SAN without it: TLS clients refuse it in every release.
    pki_leaf cnonly "$SITE" issuing other.example.test
    judge 4 HOST_MISMATCH cnonly 2.6 --site "$SITE"
    assert_contains "$TMP/out" "does not cover the WebEx site URL's host name 'meet.example.test'"
    if grep -q SITE_CN_MISMATCH "$TMP/out"; then fail "the CN is the site"; fi
    judge 4 SAN_MISSING_NAME cnonly 2.0 --site "$SITE"
    ;;
strictest_without_a_release)
    # Without --cwms (or with 2.5 alone, or a four-part build of 2.5) both rules hold, and a note says so.
    pki_leaf other other.example.test issuing "$SITE"
    judge 4 SITE_CN_MISMATCH other "" --site "$SITE"
    assert_contains "$TMP/err" "no --cwms given: --site is held to the host-name rules of every CWMS release"
    for v in 2.5 2.5.1.29; do
        judge 4 SITE_CN_MISMATCH other "$v" --site "$SITE" --host vm9.example.test
        assert_contains "$TMP/out" ": SAN_MISSING_NAME: --host 'vm9.example.test'"
        assert_contains "$TMP/err" "--cwms $v does not say whether the CN rule of 2.5MR5 and later or the subjectAltName rule before it applies"
        "$CWMS_BUNDLE" build --cwms "$v" --site "$SITE" --trust "$P/root.crt" -o "$W/x.pem" \
            "$P/other.key" "$P/other.crt" "$P/issuing.crt" 2> "$TMP/build.err" || true
        assert_contains "$TMP/build.err" "--cwms $v does not say whether"
    done
    # The release given, no note.
    judge 0 "" other 2.5MR4 --site "$SITE"
    if grep -q "does not say" "$TMP/err"; then fail "a note for a release that says"; fi
    ;;
json_codes)
    command -v python3 > /dev/null || fail "python3 is needed"
    python3 -c 'import jsonschema' || fail "python3-jsonschema is needed (ci/install-deps.sh installs it)"
    pki_leaf wsan example.test issuing '*.example.test'
    pki_leaf other other.example.test issuing "$SITE"
    cat "$P/wsan.key" "$P/issuing.crt" "$P/wsan.crt" > "$W/wsan.pem"
    cat "$P/other.key" "$P/issuing.crt" "$P/other.crt" > "$W/other.pem"
    "$CWMS_BUNDLE" check --json --cwms 2.6 --site "$SITE" --trust "$P/root.crt" "$W/wsan.pem" > "$W/a.json" || true
    "$CWMS_BUNDLE" check --json --cwms 2.6 --site "$SITE" --trust "$P/root.crt" "$W/other.pem" > "$W/b.json" || true
    "$CWMS_BUNDLE" build -q --cwms 2.0 --trust "$P/root.crt" -o "$W/other20.pem" "$W/other.pem"
    "$CWMS_BUNDLE" check --json --cwms 2.0 --site "$SITE" --host vm.example.test --trust "$P/root.crt" \
        "$W/other20.pem" > "$W/c.json" || true
    python3 - "$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json" "$W/a.json" "$W/b.json" "$W/c.json" <<'EOF'
import json, sys
import jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
a, b, c = (json.load(open(p)) for p in sys.argv[2:])
for d in (a, b, c):
    errs = list(v.iter_errors(d))
    assert not errs, errs[0]
    assert d["exit_code"] == 4 and d["ready"] is False
codes = lambda d: [(f["code"], f["level"]) for f in d["findings"]]
assert codes(a) == [("SITE_WILDCARD_SAN_ONLY", "error")], codes(a)
assert codes(b) == [("SITE_CN_MISMATCH", "error")], codes(b)
assert codes(c) == [("SAN_MISSING_NAME", "error")], codes(c)
assert any(d["code"] == 241 for d in a["diagnostics"]), a["diagnostics"]
EOF
    ;;
usage)
    pki_leaf srv "$SITE" issuing "$SITE"
    for bad in meet 'http://meet.example.test/' 'https://meet.example.test:8443/' \
               'https://admin@meet.example.test/' 'meet.example.test/orion' 10.1.2.3 'me_et.example.test' ''; do
        expect_fail 2 "$CWMS_BUNDLE" check --site "$bad" "$P/srv.crt"
        assert_contains "$TMP/stderr" "--site '$bad'"
        expect_fail 2 "$CWMS_BUNDLE" build --site "$bad" -o "$W/x.pem" "$P/srv.crt"
    done
    assert_contains "$TMP/stderr" "is not the WebEx site URL's host name"
    # A wildcard is for the certificate (request --site), not the site URL.
    expect_fail 2 "$CWMS_BUNDLE" build --site '*.example.test' -o "$W/x.pem" "$P/srv.crt"
    assert_contains "$TMP/stderr" "names one host, not a wildcard"
    [ ! -e "$W/x.pem" ] || fail "a usage error wrote the output"
    for cmd in build check request; do
        "$CWMS_BUNDLE" "$cmd" --help > "$TMP/help"
        assert_contains "$TMP/help" "--site NAME"
    done
    ;;
request_site_csr)
    # The site is the CN and the first subjectAltName, then every --host.
    "$CWMS_BUNDLE" request --new-key "$W/n.key" --site "https://$SITE/orion" --host admin.example.test \
        --host vm1.example.test -o "$W/n.csr" 2> "$TMP/err"
    openssl req -in "$W/n.csr" -noout -verify 2> /dev/null || fail "the CSR does not verify"
    openssl req -in "$W/n.csr" -noout -text > "$W/n.txt"
    grep -q "Subject: CN *= *$SITE\$" "$W/n.txt" || { cat "$W/n.txt" >&2; fail "the CN is not the site"; }
    assert_contains "$W/n.txt" "DNS:$SITE, DNS:admin.example.test, DNS:vm1.example.test"
    assert_contains "$TMP/err" "--site $SITE --key"
    # A wildcard site makes a wildcard CSR: CN and SAN.
    "$CWMS_BUNDLE" request --new-key "$W/w.key" --site '*.example.test' -o "$W/w.csr" 2> /dev/null
    openssl req -in "$W/w.csr" -noout -text > "$W/w.txt"
    grep -q 'Subject: CN *= *\*\.example\.test$' "$W/w.txt" || { cat "$W/w.txt" >&2; fail "not a wildcard CN"; }
    assert_contains "$W/w.txt" "DNS:*.example.test"
    # Mistakes are refused before a key is made.
    expect_fail 2 "$CWMS_BUNDLE" request --new-key "$W/bad.key" --site "$SITE" --host "$SITE"
    assert_contains "$TMP/stderr" "--host 'meet.example.test' is given as --site already"
    expect_fail 2 "$CWMS_BUNDLE" request --new-key "$W/bad.key" --site 'http://meet.example.test/'
    expect_fail 2 "$CWMS_BUNDLE" request --new-key "$W/bad.key"
    assert_contains "$TMP/stderr" "no --site or --host given"
    [ ! -e "$W/bad.key" ] || fail "a refused request made a key"
    # What the CA signs from each CSR passes build for every release.
    for id in n w; do
        openssl x509 -req -in "$W/$id.csr" -CA "$P/issuing.crt" -CAkey "$P/issuing.key" -set_serial 5 \
            -days 90 -copy_extensions copy -extfile <(printf 'extendedKeyUsage = serverAuth\n') \
            -out "$W/$id.crt" 2> /dev/null
        for v in 2.0 2.5MR4 2.5MR5 2.6; do
            "$CWMS_BUNDLE" build -q --cwms "$v" --site "$SITE" --host admin.example.test \
                --trust "$P/root.crt" --key "$W/$id.key" -o "$W/$id.pem" "$W/$id.crt" "$P/issuing.crt" \
                || fail "the certificate from request --site ($id) fails build --cwms $v"
        done
    done
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
echo "ok: $case_name"
