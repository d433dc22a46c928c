#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What the provider says through the real openssl binary: provider_msgs.sh CASE.
#   bad_param_error_alone   a bad cwms: parameter: the provider's error is the only one queued
#   warning_once_per_uri    a URI opened several times warns once
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

MODULE_DIR=$CWMS_BUILD_ROOT/provider
PROV=(-provider-path "$MODULE_DIR" -provider cwms -provider default)
[ -f "$MODULE_DIR/cwms.so" ] || fail "no $MODULE_DIR/cwms.so: build first"
case_name=${1:?usage: provider_msgs.sh CASE}

pki_init "$TMP/pki"
pki_hierarchy
CA=$TMP/ca-files
mkdir -p "$CA"
cp "$PKI_DIR/ca-bundle.pem" "$PKI_DIR/server.crt" "$PKI_DIR/server.key" "$CA/"

# error_lines FILE: the error-queue lines openssl printed (its own one-line headers left out).
error_lines() { grep -E '^[0-9A-F]+:error:' "$1" || true; }

case $case_name in
bad_param_error_alone)
    for cmd in "storeutl -noout" "x509 -noout -in" "pkey -noout -in"; do
        for uri in "cwms:$CA?bogus=1" "cwms:$CA?order=sideways" "cwms:$CA?version=2.1"; do
            # shellcheck disable=SC2086
            if ossl ${cmd%% *} "${PROV[@]}" ${cmd#* } "$uri" > /dev/null 2> "$TMP/err" < /dev/null; then
                fail "'openssl $cmd $uri' succeeded"
            fi
            error_lines "$TMP/err" > "$TMP/errors"
            [ "$(wc -l < "$TMP/errors")" = 1 ] || { cat "$TMP/err" >&2; fail "'$cmd $uri': not one error line"; }
            grep -q ':cwms:cwms_store_open:invalid usage:' "$TMP/errors" \
                || { cat "$TMP/err" >&2; fail "'$cmd $uri': the one error is not the provider's"; }
            if grep -qE 'unregistered scheme|file_open' "$TMP/err"; then
                cat "$TMP/err" >&2
                fail "'$cmd $uri': OpenSSL's scheme tries are still printed"
            fi
        done
    done
    ossl storeutl -noout "${PROV[@]}" "cwms:$CA?bogus=1" > /dev/null 2> "$TMP/err" || true
    assert_contains "$TMP/err" "unknown parameter 'bogus' (known: "
    # A good URI still opens and loads (the marks OpenSSL's store set are left balanced).
    ossl storeutl -certs "${PROV[@]}" "cwms:$CA" > "$TMP/out" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "a good URI failed"; }
    assert_contains "$TMP/out" "Total found: 3"
    ;;
warning_once_per_uri)
    # The root is in no trust store: one warning per URI, however often openssl opens it.
    ossl pkcs12 "${PROV[@]}" -export -in "cwms:$CA" -inkey "cwms:$CA" -certfile "cwms:$CA?nokey" \
        -out "$TMP/b.p12" -passout pass:p12 > /dev/null 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "pkcs12 -export from cwms: failed"; }
    [ "$(grep -c "^cwms provider: cwms:$CA: warning: .*Test Root CA" "$TMP/err")" = 1 ] \
        || { cat "$TMP/err" >&2; fail "the warning about cwms:$CA is not printed exactly once"; }
    [ "$(grep -c "^cwms provider: cwms:$CA?nokey: warning: .*Test Root CA" "$TMP/err")" = 1 ] \
        || { cat "$TMP/err" >&2; fail "the warning about cwms:$CA?nokey is not printed exactly once"; }
    # With the debug channel every message of every build is shown, repeats included.
    CWMS_DEBUG=provider ossl pkcs12 "${PROV[@]}" -export -in "cwms:$CA" -inkey "cwms:$CA" \
        -out "$TMP/b.p12" -passout pass:p12 > /dev/null 2> "$TMP/err" || true
    [ "$(grep -c "cwms:$CA: warning: .*Test Root CA" "$TMP/err")" -ge 2 ] \
        || { cat "$TMP/err" >&2; fail "the debug channel hid a repeated build's warning"; }
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
echo "ok: $case_name"
