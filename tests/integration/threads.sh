#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Threads: the provider starts none (the application did not allow any,
# and this OpenSSL has no OSSL_set_max_threads), even for a large PEM
# file and a trust file; the CLI reads a large PEM file on two threads and
# a large --trust on a third. Counted with tests/tools/thread-count.so, preloaded:
# every pthread_create of the process, the provider's included.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "${CWMS_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"
COUNTER=$CWMS_BUILD_ROOT/tests/tools/thread-count.so
[ -f "$COUNTER" ] || fail "no $COUNTER: build first"
# The large-file reader needs a second CPU (one CPU reads in one go).
[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] || skip "one CPU: a large PEM file is read on one thread"

pki_init "$TMP/pki"
pki_hierarchy > /dev/null
P=$PKI_DIR
# A CA bundle of more than 512 KiB: the certificates with the CA's notes between them.
mkdir -p "$TMP/ca"
{ cat "$P/server.crt"
  awk 'BEGIN { for (i = 0; i < 12000; i++) print "# notes from the CA web page, kept around the certificates" }'
  cat "$P/secondary.crt" "$P/primary.crt" "$P/root.crt"; } > "$TMP/ca/big.pem"
[ "$(stat -c %s "$TMP/ca/big.pem")" -gt 524288 ] || fail "the large file is not large"
cp "$P/server.key" "$TMP/ca/"

# counted OUT CMD...: runs CMD with the counter preloaded; OUT gets the number of threads started.
counted() {
    local out=$1 preload=$COUNTER; shift
    rm -f "$out"
    # ASan's runtime must be loaded too (the provider is instrumented); the counter stays first.
    [ -z "${CWMS_ASAN_PRELOAD:-}" ] || preload=$COUNTER:$CWMS_ASAN_PRELOAD
    # timeout stays outside: env execs CMD, so the count is CMD's own.
    timeout 120 env LD_PRELOAD="$preload" CWMS_THREAD_COUNT_FILE="$out" \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
    [ -s "$out" ] || fail "the thread counter wrote nothing for: $*"
}

echo "# the CLI: a large PEM file on two threads (one started), --trust on one more"
counted "$TMP/cli.n" "$CWMS_BUNDLE" build --cwms 2.5 -o "$TMP/cli.pem" "$TMP/ca" 2> "$TMP/cli.err" \
    || { cat "$TMP/cli.err" >&2; fail "cwms-bundle build failed"; }
[ "$(cat "$TMP/cli.n")" -eq 1 ] || fail "the CLI started $(cat "$TMP/cli.n") threads for a large file, expected 1"
# A trust file of real roots is worth a thread; one root is read faster than a thread starts.
cat "$P/root.crt" "$TEST_DATA/cfssl_trust/ca-bundle.crt" > "$TMP/roots.pem"
counted "$TMP/cli-trust.n" "$CWMS_BUNDLE" build --cwms 2.5 --trust "$TMP/roots.pem" -o "$TMP/cli-trust.pem" \
    "$TMP/ca" 2> "$TMP/cli.err" || { cat "$TMP/cli.err" >&2; fail "cwms-bundle build --trust failed"; }
[ "$(cat "$TMP/cli-trust.n")" -eq 2 ] \
    || fail "the CLI started $(cat "$TMP/cli-trust.n") threads for a large file and a large --trust, expected 2"
counted "$TMP/cli-root.n" "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/cli-root.pem" \
    "$TMP/ca" 2> "$TMP/cli.err" || { cat "$TMP/cli.err" >&2; fail "cwms-bundle build --trust failed"; }
[ "$(cat "$TMP/cli-root.n")" -eq 1 ] \
    || fail "the CLI started $(cat "$TMP/cli-root.n") threads for a large file and a one-root --trust, expected 1"
# The input channel says how the file was read.
CWMS_DEBUG=input "$CWMS_BUNDLE" build --cwms 2.5 -o "$TMP/cli2.pem" "$TMP/ca" 2> "$TMP/input.err"
grep -Eq "^cwms-bundle: input: [0-9]+ bytes of PEM in [0-9]+ chunks, read on 2 threads$" "$TMP/input.err" \
    || { cat "$TMP/input.err" >&2; fail "the input channel does not show the two-thread reading"; }

echo "# the provider: no thread, for the same large file and a trust file"
MODULE_DIR=$CWMS_BUILD_ROOT/provider
PROV=(-provider-path "$MODULE_DIR" -provider cwms -provider default)
counted "$TMP/prov.n" openssl storeutl "${PROV[@]}" -out "$TMP/prov.out" \
    "cwms:$TMP/ca?version=2.5&trust=$P/root.crt" > /dev/null 2> "$TMP/prov.err" \
    || { cat "$TMP/prov.err" >&2; fail "storeutl failed"; }
[ "$(cat "$TMP/prov.n")" -eq 0 ] || fail "the provider started $(cat "$TMP/prov.n") threads, expected none"
# It did read the large file: the bundle holds the chain from it.
[ "$(grep -c 'BEGIN CERTIFICATE' "$TMP/prov.out")" -eq 3 ] || fail "storeutl did not give the chain"
CWMS_DEBUG=input ossl storeutl "${PROV[@]}" -noout "cwms:$TMP/ca?version=2.5" \
    > /dev/null 2> "$TMP/prov-input.err" || { cat "$TMP/prov-input.err" >&2; fail "storeutl failed"; }
if grep -q "read on 2 threads" "$TMP/prov-input.err"; then
    cat "$TMP/prov-input.err" >&2; fail "the provider read on two threads"
fi
echo "ok"
