#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test): exporting one key and its certificate from a
# token crowded with 2,000 objects.
#   1. the number of PKCS#11 calls (from the CWMS_DEBUG=pkcs11 trace) with
#      2,000 objects equals the number with none: the search is a template,
#      never an enumeration;
#   2. the time of one export vs `pkcs11-tool --read-object` of one object,
#      as a ratio (target <= 1.5x);
#   3. one export per kind of token, side by side: SoftHSM2, an NSS database,
#      opencryptoki's software token (tests/lib/tokens.sh sets each up, through
#      p11-kit's registry), with its PKCS#11 calls, the wrapping mechanism the
#      token offered and the time; a TPM keeps its keys, so for it the load of
#      the key's certificate.
# Usage: tests/bench/pkcs11.sh [BUILD-DIR] (default build-plain); N=2000 RUNS=20 to change.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
export CWMS_SOURCE_ROOT=$here
export CWMS_BUILD_ROOT=${1:-$here/build-plain}

# pkcs11.sh --backend NAME BUILD-DIR: part 3 for one backend, in its own sandbox; prints one row.
if [ "${1:-}" = --backend ]; then
    export CWMS_BUILD_ROOT=$3
    . "$here/tests/lib/p11reg.sh"
    p11_sandbox "$0" "$@"
    . "$here/tests/lib/common.sh"
    . "$here/tests/lib/tokens.sh"
    RUNS=${RUNS:-20}
    tok_backend "$2" > /dev/null
    tok_pki
    if tok_can extractable; then
        tok_server server 01 wrapped
        uri="$(tok_uri "object=server;type=private")?pin-value=$TOK_PIN" what="key + certificate"
    else
        tok_server server 01 stuck
        uri="$(tok_uri "object=server;type=cert")" what="certificate only"
    fi
    CWMS_DEBUG=pkcs11 "$P11_LOAD" "$uri" 2> "$TMP/trace" > "$TMP/out.pem" || fail "$2: the load failed"
    calls=$(grep -c ': C_[A-Za-z]*: ' "$TMP/trace")
    mech=$(sed -n 's/.*wrapping with mechanism \(0x[0-9a-f]*\).*/\1/p' "$TMP/trace")
    t0=$(date +%s.%N)
    for ((i = 0; i < RUNS; i++)); do "$P11_LOAD" "$uri" > /dev/null 2>&1; done
    t1=$(date +%s.%N)
    # The peer: pkcs11-tool logging in and reading the certificate, through the same registry.
    for ((i = 0; i < RUNS; i++)); do
        tok_tool --read-object --type cert --label server -o "$TMP/r.der" > /dev/null 2>&1
    done
    t2=$(date +%s.%N)
    awk -v b="$2" -v c="$calls" -v m="${mech:--}" -v w="$what" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
        -v n="$RUNS" 'BEGIN { printf "  %-8s %5d   %-8s %8.1f ms %8.1f ms %6.2fx   %s\n", b, c, m,
                              1000 * (t1 - t0) / n, 1000 * (t2 - t1) / n, (t1 - t0) / (t2 - t1), w }'
    if [ "$2" = nss ]; then
        # NSS's own export of the key (PKCS#12), what a Firefox user would run.
        t0=$(date +%s.%N)
        for ((i = 0; i < RUNS; i++)); do
            pk12util -o "$TMP/k.p12" -n server -d "sql:$NSS_DIR" -k "$NSS_DIR/.pw" -W p12 > /dev/null 2>&1
        done
        t1=$(date +%s.%N)
        awk -v t0="$t0" -v t1="$t1" -v n="$RUNS" 'BEGIN { printf "  %-8s %5s   %-8s %8s    %8.1f ms (pk12util -o: the key out of NSS its own way)\n", "", "", "", "", 1000 * (t1 - t0) / n }'
    fi
    exit 0
fi

. "$here/tests/lib/common.sh"
. "$here/tests/lib/softhsm.sh"
softhsm_available || skip "SoftHSM or pkcs11-tool not installed"
N=${N:-2000}
RUNS=${RUNS:-20}
M=$SOFTHSM_MODULE

softhsm_init "$TMP/hsm"
softhsm_token bench
pki_init "$TMP/pki"
pki_root root "Bench Root"
pki_leaf server server.example.test root
pki_der server
softhsm_key bench "$TMP/pki/server.key" server 01 wrapped
softhsm_cert bench "$TMP/pki/server.crt" server 01
uri="pkcs11:token=bench;object=server;type=private?module-path=$M&pin-value=$SOFTHSM_PIN"

calls() {  # number of Cryptoki calls of one export
    CWMS_DEBUG=pkcs11 "$P11_LOAD" "$uri" 2>&1 >/dev/null | grep -c ': C_[A-Za-z]*: '
}

before=$(calls)
echo "filling the token with $N certificate objects..." >&2
"$P11_IMPORT" --fill "pkcs11:token=bench?module-path=$M&pin-value=$SOFTHSM_PIN" "$TMP/pki/server.der" "$N"
after=$(calls)
echo "PKCS#11 calls to export key + certificate: $before before, $after after adding $N objects"
[ "$before" -eq "$after" ] || echo "WARNING: the number of calls grows with the token" >&2

# Both must work before timing.
"$P11_LOAD" "$uri" > "$TMP/out.pem" 2>/dev/null
[ "$(pem_types "$TMP/out.pem" | tr '\n' ' ')" = "PRIVATE KEY CERTIFICATE " ] || fail "export did not bring key + certificate"
pkcs11-tool --module "$M" --token-label bench --read-object --type cert --label server -o "$TMP/r.der" >/dev/null 2>&1 \
    || fail "pkcs11-tool --read-object failed"

elapsed() {  # RUNS x command -> seconds (float)
    local t0 t1 i
    t0=$(date +%s.%N)
    for ((i = 0; i < RUNS; i++)); do "$@" >/dev/null 2>&1; done
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.4f", $2 - $1}'
}

ours=$(elapsed "$P11_LOAD" "$uri")
ref=$(elapsed pkcs11-tool --module "$M" --token-label bench --read-object --type cert --label server -o "$TMP/r.der")
ref_login=$(elapsed pkcs11-tool --module "$M" --token-label bench --login --pin "$SOFTHSM_PIN" \
    --read-object --type cert --label server -o "$TMP/r.der")
awk -v o="$ours" -v r="$ref" -v rl="$ref_login" -v n="$RUNS" 'BEGIN {
    printf "export key + certificate:                 %7.1f ms\n", 1000 * o / n
    printf "pkcs11-tool --read-object (no login):      %7.1f ms\n", 1000 * r / n
    printf "pkcs11-tool --login --read-object:         %7.1f ms\n", 1000 * rl / n
    printf "ratio vs --read-object:                    %7.2fx (target <= 1.5x)\n", o / r
    printf "ratio vs --login --read-object:            %7.2fx\n", o / rl
}'

echo
echo "one export per kind of token (through p11-kit's registry, $RUNS runs each):"
echo "  token    calls   wrapped     export  pkcs11-tool  ratio   loaded"
for b in softhsm nss ock tpm2; do
    RUNS=$RUNS bash "$0" --backend "$b" "$CWMS_BUILD_ROOT" 2>&1 | grep -E '^  |FAIL|SKIP' \
        || echo "  $b: did not run"
done
