#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `cwms-bundle check --connect`: the chain a running server sends, served by the real
# `openssl s_server` on 127.0.0.1 (a port the kernel picks), judged with check's rules in TLS
# order. One case per run: connect.sh CASE.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"
case_name=${1:?usage: connect.sh CASE}

# EC keys: quick to make, and nothing here is about the key type.
export PKI_KEY=ec:P-256
pki_init "$TMP/pki"
pki_hierarchy
P=$TMP/pki
W=$TMP/work
mkdir -p "$W"
# What a correctly configured server sends after its own certificate, and the variants.
cat "$P/secondary.crt" "$P/primary.crt" > "$W/chain.pem"
cat "$P/secondary.crt" "$P/primary.crt" "$P/root.crt" > "$W/chain-root.pem"
SERVE=(-cert "$P/server.crt" -key "$P/server.key")
# The private root is not in the system store: name it, as an admin would with --trust.
T=(--trust "$P/root.crt")
H=(--host www.example.test)

# expect_connect CODE FINDING ARGS...: check --connect exits CODE and reports FINDING (stdout
# in $TMP/out, stderr in $TMP/err).
expect_connect() {
    local want=$1 finding=$2 rc=0; shift 2
    "$CWMS_BUNDLE" check "$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
    if [ "$rc" -ne "$want" ]; then
        cat "$TMP/out" "$TMP/err" >&2
        fail "check $* exited $rc, expected $want"
    fi
    [ -z "$finding" ] || assert_contains "$TMP/out" ": $finding: "
}
refute_finding() { ! grep -qF ": $1: " "$TMP/out" || { cat "$TMP/out" >&2; fail "unexpected $1"; }; }

case $case_name in
full_chain)
    # Server, secondary, primary: complete to the trusted root, nothing more.
    tls_server "${SERVE[@]}" -cert_chain "$W/chain.pem"
    expect_connect 0 "" --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}"
    assert_contains "$TMP/out" "3 certificates sent, judged in TLS order (server first)"
    assert_contains "$TMP/out" "server name (SNI) 'www.example.test'"
    assert_contains "$TMP/out" "127.0.0.1:$TLS_PORT sends a chain clients accept"
    refute_finding ORDER_WRONG
    refute_finding KEY_MISSING
    # openssl agrees with the verdict on the complete chain.
    echo | openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername www.example.test \
        -CAfile "$P/root.crt" -verify_return_error -verify_hostname www.example.test \
        > "$TMP/s_client" 2>&1 || { cat "$TMP/s_client" >&2; fail "openssl s_client refused the full chain"; }
    ;;
missing_intermediate)
    # The server sends its certificate and the secondary CA, not the primary: phones refuse.
    tls_server "${SERVE[@]}" -cert_chain "$P/secondary.crt"
    expect_connect 4 MISSING_INTERMEDIATE --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}"
    assert_contains "$TMP/out" "CN=Test Primary CA"
    assert_contains "$TMP/out" "the server does not send it"
    assert_contains "$TMP/out" "does not send what it should"
    refute_finding ORDER_WRONG
    # openssl s_client, told the same root, refuses the same chain.
    if echo | openssl s_client -connect "127.0.0.1:$TLS_PORT" -CAfile "$P/root.crt" \
        -verify_return_error > "$TMP/s_client" 2>&1; then
        fail "openssl s_client accepted a chain without its intermediate"
    fi
    ;;
extra_root)
    # The root sent too: a warning (clients use their own copy), an error under --strict.
    tls_server "${SERVE[@]}" -cert_chain "$W/chain-root.pem"
    expect_connect 0 ROOT_INCLUDED --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}"
    assert_contains "$TMP/out" "certificate 4 ('O=cwms-bundle tests, CN=Test Root CA'"
    assert_contains "$TMP/out" "the server sends the self-signed root"
    assert_contains "$TMP/out" "sends a chain clients accept (see the warnings above)"
    expect_connect 4 ROOT_INCLUDED --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --strict
    ;;
unrelated_and_duplicate)
    # A CA of another hierarchy and a second copy of the secondary: warnings, since clients pass
    # over them (openssl s_client accepts the same chain), errors under --strict.
    pki_root other "Other Root"
    pki_ca otherca "Other CA" other
    cat "$P/secondary.crt" "$P/otherca.crt" "$P/primary.crt" "$P/secondary.crt" > "$W/extra.pem"
    tls_server "${SERVE[@]}" -cert_chain "$W/extra.pem"
    expect_connect 0 UNRELATED_CERT --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}"
    assert_contains "$TMP/out" "certificate 3 ('O=cwms-bundle tests, CN=Other CA'"
    assert_contains "$TMP/out" ": DUPLICATE: certificate 5 "
    echo | openssl s_client -connect "127.0.0.1:$TLS_PORT" -CAfile "$P/root.crt" -verify_return_error \
        -verify_hostname www.example.test > "$TMP/s_client" 2>&1 \
        || { cat "$TMP/s_client" >&2; fail "openssl s_client refused the chain with extra certificates"; }
    expect_connect 4 UNRELATED_CERT --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --strict
    ;;
intermediates_any_order)
    # TLS order is the server's certificate first; the rest in any order is not a finding.
    cat "$P/primary.crt" "$P/secondary.crt" > "$W/swapped.pem"
    tls_server "${SERVE[@]}" -cert_chain "$W/swapped.pem"
    expect_connect 0 "" --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --cwms 2.5 --strict
    refute_finding ORDER_WRONG
    ;;
expired_leaf)
    # The server certificate (397 days) is expired 400 days from now; the CAs (10 years) are not.
    tls_server "${SERVE[@]}" -cert_chain "$W/chain.pem"
    later=$(date -u -d '+400 days' +%Y-%m-%d)
    expect_connect 4 EXPIRED --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --attime "$later"
    assert_contains "$TMP/out" "CN=www.example.test' (from 127.0.0.1:$TLS_PORT certificate 1) is expired at"
    ;;
name_mismatch)
    tls_server "${SERVE[@]}" -cert_chain "$W/chain.pem"
    expect_connect 4 HOST_MISMATCH --connect "127.0.0.1:$TLS_PORT" --host other.example.test "${T[@]}"
    assert_contains "$TMP/out" "other.example.test"
    # Without --host the name connected to is checked: 'localhost' is not on the certificate
    # (localhost may resolve to ::1 first, where nothing listens: the next address is tried).
    expect_connect 4 HOST_MISMATCH --connect "localhost:$TLS_PORT" "${T[@]}"
    assert_contains "$TMP/out" "'localhost'"
    # By address and without --host no name is checked, and a note says so.
    expect_connect 0 "" --connect "127.0.0.1:$TLS_PORT" "${T[@]}"
    assert_contains "$TMP/err" "no host name is checked"
    ;;
sni_is_the_first_host_or_site)
    # The server has two certificates and picks by SNI: the first --host or --site is the name sent.
    pki_leaf other other.example.test secondary
    tls_server -cert "$P/other.crt" -key "$P/other.key" -servername www.example.test \
        -cert2 "$P/server.crt" -key2 "$P/server.key"
    "$CWMS_BUNDLE" check --json --connect "127.0.0.1:$TLS_PORT" "${T[@]}" \
        --host www.example.test --host example.test > "$W/sni.json" || true
    "$CWMS_BUNDLE" check --json --connect "127.0.0.1:$TLS_PORT" "${T[@]}" > "$W/nosni.json" || true
    python3 - "$W/sni.json" "$W/nosni.json" <<'EOF'
import json, sys
sni, nosni = (json.load(open(p)) for p in sys.argv[1:])
assert sni["connect"]["sni"] == "www.example.test", sni["connect"]
assert sni["blocks"][0]["subject"].endswith("CN=www.example.test"), sni["blocks"][0]
assert nosni["connect"]["sni"] is None, nosni["connect"]
assert nosni["blocks"][0]["subject"].endswith("CN=other.example.test"), nosni["blocks"][0]
EOF
    # --site is a name clients use too: given first, it is the name sent.
    "$CWMS_BUNDLE" check --json --connect "127.0.0.1:$TLS_PORT" "${T[@]}" \
        --site www.example.test --host example.test > "$W/site.json" || true
    "$CWMS_BUNDLE" check --json --connect "127.0.0.1:$TLS_PORT" "${T[@]}" \
        --host other.example.test --site www.example.test > "$W/host.json" || true
    python3 - "$W/site.json" "$W/host.json" <<'EOF'
import json, sys
site, host = (json.load(open(p)) for p in sys.argv[1:])
assert site["connect"]["sni"] == "www.example.test", site["connect"]
assert site["blocks"][0]["subject"].endswith("CN=www.example.test"), site["blocks"][0]
assert host["connect"]["sni"] == "other.example.test", host["connect"]
EOF
    ;;
never_answers)
    # A socket that accepts and never speaks: the handshake gives up after the time-out.
    silent_server
    start=$(date +%s%N)
    rc=0
    CWMS_CONNECT_TIMEOUT=2 "$CWMS_BUNDLE" check --connect "127.0.0.1:$TLS_PORT" "${H[@]}" \
        > "$TMP/out" 2> "$TMP/err" || rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$rc" -eq 3 ] || { cat "$TMP/err" >&2; fail "a silent server exited $rc, expected 3"; }
    assert_contains "$TMP/err" "no TLS handshake answer from 127.0.0.1 port $TLS_PORT within 2 s"
    [ "$ms" -ge 1900 ] || fail "gave up after $ms ms, before the 2 s time-out"
    [ "$ms" -lt 20000 ] || fail "took $ms ms for a 2 s time-out"
    echo "gave up after $ms ms"
    ;;
not_tls)
    # A port that speaks another protocol: the handshake fails, exit 3, with OpenSSL's reason.
    silent_server $'HTTP/1.1 400 Bad Request\r\n\r\n'
    expect_fail 3 "$CWMS_BUNDLE" check --connect "127.0.0.1:$TLS_PORT" "${H[@]}"
    assert_contains "$TMP/stderr" "the TLS handshake with 127.0.0.1 port $TLS_PORT (127.0.0.1:$TLS_PORT) failed (is it a TLS port?)"
    ;;
refused)
    # A port nothing listens on (the kernel's pick, closed again): refused, exit 3, at once.
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    expect_fail 3 "$CWMS_BUNDLE" check --connect "127.0.0.1:$port" "${H[@]}"
    assert_contains "$TMP/stderr" "cannot connect to 127.0.0.1 port $port (127.0.0.1:$port): Connection refused"
    ;;
against_match)
    # The bundle imported into CWMS (2.5 order, no root) is what the server sends (TLS order).
    "$CWMS_BUNDLE" build -q --cwms 2.5 -o "$W/bundle.pem" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
    tls_server "${SERVE[@]}" -cert_chain "$W/chain.pem"
    expect_connect 0 SENDS_BUNDLE --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --against "$W/bundle.pem"
    assert_contains "$TMP/out" "the server sends the 3 certificates of '$W/bundle.pem'"
    assert_contains "$TMP/out" "sends a chain clients accept, the certificates of $W/bundle.pem"
    # An encrypted key in the bundle needs no passphrase: only its certificates are compared.
    "$CWMS_BUNDLE" build -q --cwms 2.0 --passout pass:secret -o "$W/enc.pem" "$P/server.key" \
        "$P/server.crt" "$P/ca-bundle.pem"
    expect_connect 0 SENDS_BUNDLE --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --against "$W/enc.pem"
    ;;
against_mismatch)
    # The certificate was renewed and the new bundle built, but the server still sends the old one.
    pki_leaf renewed www.example.test secondary www.example.test example.test
    "$CWMS_BUNDLE" build -q --cwms 2.5 -o "$W/new.pem" "$P/renewed.key" "$P/renewed.crt" "$P/ca-bundle.pem"
    tls_server "${SERVE[@]}" -cert_chain "$W/chain.pem"
    expect_connect 4 NOT_IN_BUNDLE --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --against "$W/new.pem"
    assert_contains "$TMP/out" "certificate 1 ('O=cwms-bundle tests, CN=www.example.test'"
    assert_contains "$TMP/out" "the server still sends 'O=cwms-bundle tests, CN=www.example.test'"
    assert_contains "$TMP/out" ": NOT_SENT: "
    refute_finding SENDS_BUNDLE
    # The server lacks an intermediate the bundle has: NOT_SENT, with MISSING_INTERMEDIATE.
    "$CWMS_BUNDLE" build -q --cwms 2.5 -o "$W/old.pem" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
    tls_server "${SERVE[@]}" -cert_chain "$P/secondary.crt"
    expect_connect 4 NOT_SENT --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --against "$W/old.pem"
    assert_contains "$TMP/out" "'O=cwms-bundle tests, CN=Test Primary CA' (SHA-256 "
    assert_contains "$TMP/out" ": MISSING_INTERMEDIATE: "
    refute_finding NOT_IN_BUNDLE
    # An --against file with no certificate is an input error, named.
    echo "not a bundle" > "$W/empty.pem"
    expect_fail 3 "$CWMS_BUNDLE" check --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --against "$W/empty.pem"
    assert_contains "$TMP/stderr" "--against '$W/empty.pem' gives no certificate to compare with"
    ;;
warn_days)
    # The server certificate has 396 or 397 days left.
    tls_server "${SERVE[@]}" -cert_chain "$W/chain.pem"
    expect_connect 0 "" --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --warn-days 30
    refute_finding EXPIRES_SOON
    expect_connect 8 EXPIRES_SOON --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --warn-days 400
    assert_contains "$TMP/out" "CN=www.example.test' expires on"
    # Under --strict it is an error, still with its own exit code.
    expect_connect 8 EXPIRES_SOON --connect "127.0.0.1:$TLS_PORT" "${H[@]}" "${T[@]}" --warn-days 400 --strict
    # A chain error is worse than an expiry warning.
    expect_connect 4 HOST_MISMATCH --connect "127.0.0.1:$TLS_PORT" --host other.example.test "${T[@]}" --warn-days 400
    # The same for a bundle file.
    "$CWMS_BUNDLE" build -q --cwms 2.5 -o "$W/bundle.pem" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
    expect_connect 8 EXPIRES_SOON --cwms 2.5 "${T[@]}" --warn-days 400 "$W/bundle.pem"
    expect_connect 0 "" --cwms 2.5 "${T[@]}" --warn-days 7 "$W/bundle.pem"
    ;;
json_schema)
    command -v python3 > /dev/null || fail "python3 is needed (ci/install-deps.sh installs it)"
    python3 -c 'import jsonschema' || fail "python3-jsonschema is needed (ci/install-deps.sh installs it)"
    "$CWMS_BUNDLE" build -q --cwms 2.5 -o "$W/bundle.pem" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
    pki_leaf renewed www.example.test secondary
    "$CWMS_BUNDLE" build -q --cwms 2.5 -o "$W/new.pem" "$P/renewed.key" "$P/renewed.crt" "$P/ca-bundle.pem"
    tls_server "${SERVE[@]}" -cert_chain "$W/chain-root.pem"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    c=(check --json "${H[@]}" "${T[@]}")
    "$CWMS_BUNDLE" "${c[@]}" --connect "127.0.0.1:$TLS_PORT" --against "$W/bundle.pem" > "$W/match.json"
    rc=0; "$CWMS_BUNDLE" "${c[@]}" --connect "127.0.0.1:$TLS_PORT" --against "$W/new.pem" > "$W/mismatch.json" || rc=$?
    [ "$rc" -eq 4 ] || fail "--against a renewed bundle exited $rc, expected 4"
    rc=0; "$CWMS_BUNDLE" "${c[@]}" --connect "127.0.0.1:$TLS_PORT" --warn-days 400 > "$W/warn.json" || rc=$?
    [ "$rc" -eq 8 ] || fail "--warn-days 400 exited $rc, expected 8"
    rc=0; "$CWMS_BUNDLE" "${c[@]}" --connect "127.0.0.1:$port" > "$W/refused.json" 2> "$TMP/err" || rc=$?
    [ "$rc" -eq 3 ] || fail "a refused connection exited $rc, expected 3"
    [ ! -s "$TMP/err" ] || { cat "$TMP/err" >&2; fail "--json printed messages besides the document"; }
    python3 - "$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json" "$TLS_PORT" \
        "$W/match.json" "$W/mismatch.json" "$W/warn.json" "$W/refused.json" <<'EOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
port = int(sys.argv[2])
v = jsonschema.Draft202012Validator(schema)
docs = [json.load(open(p)) for p in sys.argv[3:]]
for p, d in zip(sys.argv[3:], docs):
    errs = sorted(v.iter_errors(d), key=str)
    if errs:
        sys.exit("%s does not match the schema: %s" % (p, errs[0]))
match, mismatch, warn, refused = docs
assert match["command"] == "check" and "file" not in match, match.keys()
assert match["connect"]["port"] == port and match["connect"]["address"] == "127.0.0.1:%d" % port
assert match["connect"]["sni"] == "www.example.test" and match["connect"]["protocol"].startswith("TLS")
assert match["against"]["matches"] is True and match["exit_code"] == 0, match["against"]
assert match["ready"] is True
assert [b["kind"] for b in match["blocks"]] == ["certificate"] * 4
codes = [f["code"] for f in match["findings"]]
assert "ROOT_INCLUDED" in codes and "SENDS_BUNDLE" in codes, codes
assert not any(f["fixable"] for f in match["findings"])
assert [c["role"] for c in match["certificates"]] == ["server", "intermediate", "intermediate"], match["certificates"]
assert mismatch["against"]["matches"] is False and mismatch["exit_code"] == 4
codes = [f["code"] for f in mismatch["findings"]]
assert "NOT_IN_BUNDLE" in codes and "NOT_SENT" in codes, codes
assert warn["exit_code"] == 8 and any(f["code"] == "EXPIRES_SOON" for f in warn["findings"])
assert refused["exit_code"] == 3 and refused["connect"]["address"] is None, refused
assert refused["certificates"] == [] and refused["diagnostics"][0]["code"] == 280, refused
EOF
    ;;
usage)
    cd "$W"
    u=("$CWMS_BUNDLE" check)
    expect_fail 2 "${u[@]}" --connect example.test:443 bundle.pem
    assert_contains "$TMP/stderr" "give no BUNDLE"
    expect_fail 2 "${u[@]}" --against bundle.pem bundle.pem
    assert_contains "$TMP/stderr" "give --connect HOST[:PORT] too"
    expect_fail 2 "${u[@]}" --connect example.test:99999
    assert_contains "$TMP/stderr" "the port must be a number from 1 to 65535"
    expect_fail 2 "${u[@]}" --connect '[::1:8443'
    assert_contains "$TMP/stderr" "closing ']'"
    expect_fail 2 "${u[@]}" --connect 'https://example.test/'
    assert_contains "$TMP/stderr" "not a URL"
    expect_fail 2 "${u[@]}" --connect example.test --fix -o out.pem
    expect_fail 2 "${u[@]}" --connect example.test --order leaf-first
    expect_fail 2 "${u[@]}" --connect example.test --passin pass:x
    expect_fail 2 "${u[@]}" --warn-days soon bundle.pem
    assert_contains "$TMP/stderr" "--warn-days 'soon'"
    [ ! -e out.pem ] || fail "a usage error wrote a file"
    # --help names the options.
    "$CWMS_BUNDLE" check --help > "$TMP/help"
    for o in "--connect HOST[:PORT]" "--against BUNDLE" "--warn-days N"; do
        assert_contains "$TMP/help" "$o"
    done
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
echo "ok: $case_name"
