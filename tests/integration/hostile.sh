#!/usr/bin/env bash
# Hostile and pathological inputs: hostile.sh CASE (one meson test per
# CASE, suite 'hostile'). Every failing run must end with the exit code
# and message it names, in under 20 s and 1 GiB, leaving no output and no
# temporary file behind.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

TOOLS=$CWMS_BUILD_ROOT/tests/tools
OUTDIR=$TMP/out
mkdir -p "$OUTDIR"

# bounded CODE CMD...: CMD exits CODE within 20 s using under 1 GiB; stderr in
# $TMP/stderr, wall seconds in $SECONDS_TAKEN, peak RSS (KiB) in $PEAK_KB.
bounded() {
    local want=$1 rc=0; shift
    timeout 60 /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" 2> "$TMP/stderr" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$TMP/stderr" >&2; fail "'$*' exited $rc, expected $want"; }
    read -r SECONDS_TAKEN PEAK_KB < <(tail -1 "$TMP/time")
    echo "took ${SECONDS_TAKEN} s, peak RSS ${PEAK_KB} KiB: $*" >&2
    awk -v t="$SECONDS_TAKEN" 'BEGIN { exit !(t < 20) }' || fail "took $SECONDS_TAKEN s: $*"
    [ "$PEAK_KB" -lt 1048576 ] || fail "peak RSS $PEAK_KB KiB: $*"
}

# no_leftovers: nothing in $OUTDIR but what the test put there (no output, no temp file).
no_leftovers() {
    local left
    left=$(find "$OUTDIR" -mindepth 1 ! -name 'keep.*' -print)
    [ -z "$left" ] || fail "left behind: $left"
}

make_pki() {
    pki_init "$TMP/pki"
    PKI_KEY=${1:-ec:P-256} pki_hierarchy || fail "cannot make the test PKI"
}

# Thousands of re-serialled copies of the root (damaged signatures, or
# valid ones, as PEM or in one PKCS#7) with the real root among them.
case_same_name_copies() {
    make_pki
    local p=$PKI_DIR form
    "$TOOLS/cert-copies" "$p/root.crt" "$p/root.key" 5000 --damaged > "$TMP/damaged.pem"
    "$TOOLS/cert-copies" "$p/root.crt" "$p/root.key" 5000 --damaged --p7 > "$TMP/damaged.p7"
    "$TOOLS/cert-copies" "$p/root.crt" "$p/root.key" 5000 > "$TMP/valid.pem"
    "$TOOLS/cert-copies" "$p/root.crt" "$p/root.key" 5000 --p7 > "$TMP/valid.p7"
    for form in damaged.pem damaged.p7 valid.pem valid.p7; do
        bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/$form.out" "$p/server.key" \
            "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" "$TMP/$form" "$p/root.crt"
        [ "$PEAK_KB" -lt 102400 ] || fail "$form: peak RSS $PEAK_KB KiB (want tens of MB)"
        [ "$(pem_subjects "$OUTDIR/$form.out" | tail -1)" = \
          "O = cwms-bundle tests, CN = www.example.test" ] || fail "$form: wrong chain"
        [ "$(pem_subjects "$OUTDIR/$form.out" | head -1)" = \
          "O = cwms-bundle tests, CN = Test Primary CA" ] || fail "$form: wrong chain"
        rm -f "$OUTDIR/$form.out"
    done
}

# A PKCS#12 whose MAC, and an encrypted PKCS#8 whose PBKDF2, name 2^31-1
# iterations: refused at once, naming the file and the count.
case_kdf_iterations() {
    make_pki
    local p=$PKI_DIR
    "$TOOLS/kdf-iter" p12 "$p/server.key" "$p/server.crt" secret 2147483647 > "$TMP/big.p12"
    "$TOOLS/kdf-iter" p8 "$p/server.key" secret 2147483647 > "$TMP/big-key.pem"
    bounded 3 "$CWMS_BUNDLE" build --passin pass:secret -o "$OUTDIR/out.pem" "$TMP/big.p12" \
        "$p/secondary.crt" "$p/primary.crt" "$p/root.crt"
    assert_contains "$TMP/stderr" "big.p12': the PKCS#12 MAC asks for 2147483647 key-derivation iterations"
    assert_contains "$TMP/stderr" "limit of 10000000"
    no_leftovers
    bounded 3 "$CWMS_BUNDLE" build --passin pass:secret -o "$OUTDIR/out.pem" "$TMP/big-key.pem" \
        "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" "$p/root.crt"
    assert_contains "$TMP/stderr" "big-key.pem': the key encryption asks for 2147483647"
    no_leftovers
    # Under the limit, the same files are read (the given passphrase first).
    "$TOOLS/kdf-iter" p8 "$p/server.key" secret 1000 > "$TMP/ok-key.pem"
    bounded 3 "$CWMS_BUNDLE" build --passin pass:secret -o "$OUTDIR/out.pem" "$TMP/ok-key.pem" \
        "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" "$p/root.crt"
    assert_contains "$TMP/stderr" "wrong passphrase"   # the rewritten count no longer decrypts
    openssl pkcs8 -topk8 -in "$p/server.key" -passout pass:secret -iter 4096 -out "$TMP/real-key.pem"
    bounded 0 "$CWMS_BUNDLE" build --passin pass:secret -o "$OUTDIR/out.pem" "$TMP/real-key.pem" \
        "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" "$p/root.crt"
    rm -f "$OUTDIR/out.pem"
}

case=${1:-}
case $case in
    same_name_copies|kdf_iterations)
        "case_$case" ;;
    *) echo "usage: hostile.sh CASE" >&2; exit 2 ;;
esac
