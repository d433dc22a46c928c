#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Outputs under hostile conditions: hostile_outputs.sh CASE (one meson test
# per CASE, suite 'hostile'). No output replaces a file the run reads, two
# runs never both create one key, FIFOs and full disks are output errors
# (exit 7). Each run ends with the exit code and message it names, in under
# 20 s and 1 GiB, and no file it was not meant to write is replaced.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

OUTDIR=$TMP/out
mkdir -p "$OUTDIR"

# Every output that is a file the run reads is refused before anything is
# done, and the file is unchanged: request's -o onto --key, onto --new-key,
# onto the --passout file; check --fix -o onto --trust or the --passin file;
# build -o onto a pkcs11: input's pin-source and onto the --pin file.
case_output_never_an_input() {
    make_pki
    local p=$PKI_DIR k=$OUTDIR/keep
    mkdir "$k"
    cp "$p/server.key" "$k/key.pem"
    cp "$p/ca-bundle.pem" "$k/trust.pem"
    echo secret > "$k/pass.txt"
    echo 1234 > "$k/pin.txt"
    cat "$p/server.key" "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" > "$k/bundle.pem"
    files_snapshot all "$k/key.pem" "$k/trust.pem" "$k/pass.txt" "$k/pin.txt" "$k/bundle.pem"
    bounded 7 "$CWMS_BUNDLE" request --key "$k/key.pem" --host www.example.test -o "$k/key.pem"
    assert_contains "$TMP/stderr" "-o '$k/key.pem' is the --key file '$k/key.pem', which this run reads"
    bounded 7 "$CWMS_BUNDLE" request --new-key "$k/new.pem" --host www.example.test -o "$k/./new.pem"
    assert_contains "$TMP/stderr" "is the --new-key file '$k/new.pem': one would replace the other"
    [ ! -e "$k/new.pem" ] || fail "a key was made although the run was refused"
    bounded 7 "$CWMS_BUNDLE" request --new-key "$k/new.pem" --passout "file:$k/pass.txt" \
        --host www.example.test -o "$k/pass.txt"
    assert_contains "$TMP/stderr" "is the --passout file '$k/pass.txt'"
    bounded 7 "$CWMS_BUNDLE" check --fix --trust "$k/trust.pem" -o "$k/trust.pem" "$k/bundle.pem"
    assert_contains "$TMP/stderr" "-o '$k/trust.pem' is the --trust file"
    bounded 7 "$CWMS_BUNDLE" check --fix --passin "file:$k/pass.txt" -o "$k/pass.txt" "$k/bundle.pem"
    assert_contains "$TMP/stderr" "is the --passin file '$k/pass.txt'"
    bounded 7 "$CWMS_BUNDLE" build -o "$k/pin.txt" "$p/server.crt" "$p/ca-bundle.pem" \
        "pkcs11:token=webex;object=server?pin-source=$k/pin.txt"
    assert_contains "$TMP/stderr" "-o '$k/pin.txt' is the pin-source of the input pkcs11: URI"
    bounded 7 "$CWMS_BUNDLE" build --pin "file:$k/pin.txt" -o "$k/pin.txt" "$p/server.key" \
        "$p/server.crt" "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "is the --pin file '$k/pin.txt'"
    files_unchanged all
    [ "$(ls "$k" | wc -l)" = 5 ] || fail "files appeared in $k: $(ls "$k")"
    # --fix -o BUNDLE itself is allowed: the one rewrite in place on purpose.
    bounded 0 "$CWMS_BUNDLE" check --cwms 2.0 --fix --trust "$p/root.crt" -o "$k/bundle.pem" "$k/bundle.pem"
}

# Two `request --new-key` for one file started together, many times: one
# wins, the other exits 7, and the key on disk is the winner's (its CSR's key).
case_new_key_race() {
    local round a b ra rb winner
    for round in $(seq 8); do
        rm -f "$OUTDIR"/*
        "$CWMS_BUNDLE" request --new-key "$OUTDIR/k.pem" --host www.example.test \
            -o "$OUTDIR/a.csr" 2> "$TMP/a.err" & a=$!
        "$CWMS_BUNDLE" request --new-key "$OUTDIR/k.pem" --host www.example.test \
            -o "$OUTDIR/b.csr" 2> "$TMP/b.err" & b=$!
        ra=0; wait "$a" || ra=$?
        rb=0; wait "$b" || rb=$?
        case "$ra$rb" in
            07) winner=a ;;
            70) winner=b ;;
            *) cat "$TMP/a.err" "$TMP/b.err" >&2; fail "round $round: exits $ra and $rb, not one 0 and one 7" ;;
        esac
        [ -e "$OUTDIR/$winner.csr" ] && [ ! -e "$OUTDIR/$([ $winner = a ] && echo b || echo a).csr" ] \
            || fail "round $round: the loser wrote a CSR"
        [ "$(openssl req -in "$OUTDIR/$winner.csr" -noout -pubkey)" = \
          "$(openssl pkey -in "$OUTDIR/k.pem" -pubout)" ] || fail "round $round: the key is not the winner's"
        grep -q "exists" "$TMP/$([ $winner = a ] && echo b || echo a).err" \
            || fail "round $round: the loser did not say the key exists"
    done
    [ -z "$(find "$OUTDIR" -name '.cwms-bundle.*')" ] || fail "temporary files left behind"
}

# FIFOs as outputs: `check --fix -o FIFO` and `build -o FIFO` write to a reader that
# comes a moment later; with none, exit 7 after the 5 s wait, and the FIFO stays.
case_fifo_outputs() {
    make_pki
    local p=$PKI_DIR
    mkfifo "$OUTDIR/out.fifo"
    cat "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" "$p/server.key" > "$TMP/bundle.pem"
    (sleep 1; cat "$OUTDIR/out.fifo" > "$TMP/got.pem") &
    bounded 0 "$CWMS_BUNDLE" check --cwms 2.0 --fix --trust "$p/root.crt" -o "$OUTDIR/out.fifo" "$TMP/bundle.pem"
    wait
    [ "$(pem_types "$TMP/got.pem" | head -1)" = "PRIVATE KEY" ] || fail "the reader did not get the fixed bundle"
    bounded 7 "$CWMS_BUNDLE" check --cwms 2.0 --fix --trust "$p/root.crt" -o "$OUTDIR/out.fifo" "$TMP/bundle.pem"
    assert_contains "$TMP/stderr" "cannot write '$OUTDIR/out.fifo': it is a named pipe (FIFO) nothing read from"
    (sleep 1; cat "$OUTDIR/out.fifo" > "$TMP/got2.pem") &
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.fifo" "$p/server.key" "$p/server.crt" \
        "$p/ca-bundle.pem"
    wait
    [ "$(pem_types "$TMP/got2.pem" | tr "\n" ,)" = "PRIVATE KEY,CERTIFICATE,CERTIFICATE,CERTIFICATE," ] \
        || fail "the reader did not get the bundle"
    [ -p "$OUTDIR/out.fifo" ] || fail "the FIFO was replaced"
    rm "$OUTDIR/out.fifo"
    no_leftovers
}

# An output that cannot be written is exit 7 (not the findings' 4): check's report and
# check --fix -o onto /dev/full, build -o /dev/full, and --fix -o and build -o onto a
# full file system (a 64 KiB tmpfs in a private mount namespace: as root, or as a user
# through a user namespace), whose old file stays as it was.
case_full_disk_exits_7() {
    command -v unshare > /dev/null || fail "no unshare (util-linux)"
    make_pki
    local p=$PKI_DIR ns=(-m)
    [ "$(id -u)" -eq 0 ] || ns=(-r -m)
    cat "$p/server.key" "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" "$p/root.crt" > "$TMP/bundle.pem"
    bounded 7 "$CWMS_BUNDLE" check --cwms 2.5 --fix -o /dev/full "$TMP/bundle.pem"
    assert_contains "$TMP/stderr" "cannot write '/dev/full': writing failed: No space left on device"
    bounded 7 bash -c '"$1" check --cwms 2.5 "$2" > /dev/full' sh "$CWMS_BUNDLE" "$TMP/bundle.pem"
    assert_contains "$TMP/stderr" "cannot write the report to standard output"
    bounded 7 "$CWMS_BUNDLE" build --cwms 2.5 -o /dev/full "$p/server.key" "$p/server.crt" "$p/ca-bundle.pem"
    mkdir "$TMP/full"
    bounded 0 unshare "${ns[@]}" bash -c '
        full=$1 cwms=$2; shift 2
        mount -t tmpfs -o size=64k tmpfs "$full" || exit 9
        echo precious > "$full/keep.pem"
        dd if=/dev/zero of="$full/filler" bs=4k 2> /dev/null || true
        "$cwms" check --cwms 2.5 --fix -o "$full/keep.pem" "$1"; echo "check exit $?"
        "$cwms" build --cwms 2.5 -o "$full/keep.pem" "$2" "$3" "$4"; echo "build exit $?"
        cat "$full/keep.pem"; ls -A "$full"' sh "$TMP/full" "$CWMS_BUNDLE" "$TMP/bundle.pem" \
        "$p/server.key" "$p/server.crt" "$p/ca-bundle.pem" > "$TMP/full.out"
    grep -qx "check exit 7" "$TMP/full.out" || { cat "$TMP/full.out" >&2; fail "check --fix onto a full disk did not exit 7"; }
    grep -qx "build exit 7" "$TMP/full.out" || { cat "$TMP/full.out" >&2; fail "build onto a full disk did not exit 7"; }
    grep -qx "precious" "$TMP/full.out" || fail "the old file was changed"
    ! grep -q "^\.cwms-bundle" "$TMP/full.out" || fail "a temporary file was left on the full disk"
    assert_contains "$TMP/stderr" "No space left on device"
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
