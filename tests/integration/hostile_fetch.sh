#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile --fetch: hostile_fetch.sh CASE (one meson test per CASE, suite
# 'hostile'). A test server on 127.0.0.1 (tests/lib/http_server.py) records
# every request exactly as it arrives. Each run ends with the exit code and
# message it names, in under 20 s and 1 GiB.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

OUTDIR=$TMP/out
mkdir -p "$OUTDIR" "$TMP/www"

# The chain root -> primary -> secondary -> server, the server certificate naming
# where the secondary is published (AIA_URL, default: the test server's copy).
fetch_pki() {
    http_serve "$TMP/www"
    BASE="http://127.0.0.1:$PORT"
    pki_init "$TMP/pki"
    P=$PKI_DIR
    PKI_KEY=ec:P-256 pki_root root "Test Root CA"
    PKI_KEY=ec:P-256 pki_ca primary "Test Primary CA" root
    PKI_KEY=ec:P-256 pki_ca secondary "Test Secondary CA" primary
    openssl x509 -in "$P/secondary.crt" -outform DER -out "$TMP/www/secondary.cer"
}

# build_fetch CODE LEAF [ARGS...]: build --fetch from LEAF's certificate and key and the primary.
build_fetch() {
    local want=$1 leaf=$2; shift 2
    bounded "$want" "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" --fetch "$@" \
        -o "$OUTDIR/out.pem" "$P/$leaf.crt" "$P/$leaf.key" "$P/primary.crt"
}

# An AIA URL with CR LF (a header injected into the request), a space, user
# information, a bad port or https: refused before OpenSSL's client sees it,
# and not one request reaches the server. A valid URL gives exactly one
# request, whose request line and headers are exactly what OpenSSL's client
# sends, nothing from the certificate added.
case_url_validated() {
    fetch_pki
    local kind url
    for kind in crlf space userinfo port https; do
        case $kind in
            crlf)     url="$BASE/secondary.cer\\r\\nX-Injected: 1" ;;
            space)    url="$BASE/secondary.cer HTTP/1.1\\r\\nHost: evil" ;;
            userinfo) url="http://user@127.0.0.1:$PORT/secondary.cer" ;;
            port)     url="http://127.0.0.1:99999/secondary.cer" ;;
            https)    url="https://127.0.0.1:$PORT/secondary.cer" ;;
        esac
        PKI_KEY=ec:P-256 PKI_AIA=$url pki_leaf "bad-$kind" "$kind.example.test" secondary
        build_fetch 4 "bad-$kind"
        assert_contains "$TMP/stderr" "warning: not fetching the issuer of 'O=cwms-bundle tests, CN=$kind.example.test'"
        case $kind in
            crlf)     assert_contains "$TMP/stderr" 'secondary.cer\x0d\x0aX-Injected: 1'\'': it holds a control character' ;;
            space)    assert_contains "$TMP/stderr" "it holds a space" ;;
            userinfo) assert_contains "$TMP/stderr" "user information" ;;
            port)     assert_contains "$TMP/stderr" "its port is not a number from 1 to 65535" ;;
            https)    assert_contains "$TMP/stderr" "follows http: URLs only" ;;
        esac
        ! grep -q $'\r' "$TMP/stderr" || fail "$kind: a raw CR reached the terminal"
        [ ! -e "$TMP/www/requests.raw" ] || { cat "$TMP/www/requests.raw" >&2; fail "$kind: a request was sent"; }
        no_leftovers
    done
    PKI_KEY=ec:P-256 PKI_AIA="$BASE/secondary.cer" pki_leaf server www.example.test secondary
    build_fetch 0 server
    assert_contains "$TMP/stderr" "fetched 'O=cwms-bundle tests, CN=Test Secondary CA'"
    printf 'GET /secondary.cer HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' > "$TMP/expected.raw"
    cmp -s "$TMP/expected.raw" "$TMP/www/requests.raw" \
        || { od -c "$TMP/www/requests.raw" >&2; fail "the request is not exactly the one expected"; }
}

# Eight certificates on no path of the chain (CAs of another hierarchy whose
# issuers are published on a server that answers after 60 s) cost nothing:
# only the server certificate's missing issuer is fetched, with a key and
# without (--no-key).
case_only_candidate_paths() {
    fetch_pki
    local i others=()
    PKI_KEY=ec:P-256 pki_root other "Other Root CA"
    for i in 1 2 3 4 5 6 7 8; do
        PKI_KEY=ec:P-256 PKI_AIA="$BASE/slow/other$i.cer" pki_ca "other$i" "Other CA $i" other
        others+=("$P/other$i.crt")
    done
    PKI_KEY=ec:P-256 PKI_AIA="$BASE/secondary.cer" pki_leaf server www.example.test secondary
    build_fetch 0 server "${others[@]}"
    assert_contains "$TMP/stderr" "fetched 'O=cwms-bundle tests, CN=Test Secondary CA'"
    [ "$(cat "$TMP/www/requests.log")" = /secondary.cer ] \
        || fail "requests other than /secondary.cer: $(cat "$TMP/www/requests.log")"
    rm -f "$OUTDIR/out.pem" "$TMP/www/requests.log"
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 --no-key --trust "$P/root.crt" --fetch \
        -o "$OUTDIR/out.pem" "$P/server.crt" "$P/primary.crt" "${others[@]}"
    [ "$(cat "$TMP/www/requests.log")" = /secondary.cer ] \
        || fail "--no-key: requests other than /secondary.cer: $(cat "$TMP/www/requests.log")"
    rm -f "$OUTDIR/out.pem"
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
