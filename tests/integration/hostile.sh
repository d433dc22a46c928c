#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
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

# no_leftovers: nothing in $OUTDIR but what the test put there (no output, no temp file).
no_leftovers() {
    local left
    left=$(find "$OUTDIR" -mindepth 1 \( -name 'keep.*' -prune \) -o -print)
    [ -z "$left" ] || fail "left behind: $left"
}

make_pki() {
    pki_init "$TMP/pki"
    PKI_KEY=${1:-ec:P-256} pki_hierarchy || fail "cannot make the test PKI"
}

# Thousands of re-serialled copies of the root (damaged signatures, or
# valid ones: same_name_copies KIND), as PEM and in one PKCS#7, with the
# real root among them: the chain is found in well under a second of CPU
# and tens of MB (ASan's shadow and quarantine allowed for).
same_name_copies() {
    make_pki
    local p=$PKI_DIR kind=$1 form max_kb=102400
    [ -z "${CWMS_ASAN_PRELOAD:-}" ] || max_kb=524288
    local flag=
    [ "$kind" = damaged ] && flag=--damaged
    "$TOOLS/cert-copies" "$p/root.crt" "$p/root.key" 5000 $flag > "$TMP/$kind.pem"
    "$TOOLS/cert-copies" "$p/root.crt" "$p/root.key" 5000 $flag --p7 > "$TMP/$kind.p7"
    for form in "$kind.pem" "$kind.p7"; do
        bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/$form.out" "$p/server.key" \
            "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" "$TMP/$form" "$p/root.crt"
        [ "$PEAK_KB" -lt "$max_kb" ] || fail "$form: peak RSS $PEAK_KB KiB (want tens of MB)"
        [ "$(pem_subjects "$OUTDIR/$form.out" | tail -1)" = \
          "O = cwms-bundle tests, CN = www.example.test" ] || fail "$form: wrong chain"
        [ "$(pem_subjects "$OUTDIR/$form.out" | head -1)" = \
          "O = cwms-bundle tests, CN = Test Primary CA" ] || fail "$form: wrong chain"
        rm -f "$OUTDIR/$form.out"
    done
}
case_same_name_copies() { same_name_copies damaged; }
case_same_name_copies_valid() { same_name_copies valid; }

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

# -o naming an input (a CA bundle, an encrypted key, through a link, a
# file of an input directory) is a usage error and the input is untouched.
case_output_is_input() {
    make_pki
    local p=$PKI_DIR before
    cp "$p/ca-bundle.pem" "$OUTDIR/keep.ca.pem"
    openssl pkcs8 -topk8 -in "$p/server.key" -passout pass:secret -out "$OUTDIR/keep.key.pem"
    ln -s keep.ca.pem "$OUTDIR/keep.link.pem"
    ln "$OUTDIR/keep.ca.pem" "$OUTDIR/keep.hard.pem"
    mkdir "$OUTDIR/keep.dir" && cp "$p/server.crt" "$p/ca-bundle.pem" "$OUTDIR/keep.dir/"
    before=$(cat "$OUTDIR"/keep.ca.pem "$OUTDIR"/keep.key.pem "$OUTDIR"/keep.dir/* | sha256sum)
    bounded 2 "$CWMS_BUNDLE" build -o "$OUTDIR/keep.ca.pem" "$p/server.key" "$p/server.crt" \
        "$OUTDIR/keep.ca.pem"
    assert_contains "$TMP/stderr" "is the input '$OUTDIR/keep.ca.pem'"
    bounded 2 "$CWMS_BUNDLE" build --passin pass:secret -o "$OUTDIR/keep.key.pem" \
        --key "$OUTDIR/keep.key.pem" "$p/server.crt" "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "choose another output file"
    bounded 2 "$CWMS_BUNDLE" build -o "$OUTDIR/keep.link.pem" "$p/server.key" "$p/server.crt" \
        "file://$OUTDIR/keep.hard.pem"
    bounded 2 "$CWMS_BUNDLE" build -o "$OUTDIR/keep.dir/ca-bundle.pem" "$p/server.key" \
        "$OUTDIR/keep.dir"
    assert_contains "$TMP/stderr" "a file of the input directory '$OUTDIR/keep.dir'"
    bounded 2 "$CWMS_BUNDLE" build --trust "$OUTDIR/keep.ca.pem" -o "$OUTDIR/keep.ca.pem" \
        "$p/server.key" "$p/server.crt" "$p/ca-bundle.pem"
    [ "$before" = "$(cat "$OUTDIR"/keep.ca.pem "$OUTDIR"/keep.key.pem "$OUTDIR"/keep.dir/* | sha256sum)" ] \
        || fail "an input was changed"
    no_leftovers
}

traced_state() { sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2> /dev/null || true; }

# SIGINT/SIGTERM/SIGHUP while the output is being written: no output, no
# temporary file (the data sits in an unnamed file until just before the
# rename, and a named one is unlinked by the handler).
case_signal_during_write() {
    command -v strace > /dev/null || skip "no strace (ci/install-deps.sh installs it)"
    make_pki
    local p=$PKI_DIR sig call sp child rc
    set -m     # background jobs keep SIGINT (without job control bash ignores it for them)
    for call in fsync linkat; do
        for sig in INT TERM HUP; do
            strace -o /dev/null -e trace=$call -e inject=$call:delay_exit=1500000 \
                "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" "$p/server.key" \
                "$p/server.crt" "$p/ca-bundle.pem" 2> /dev/null &
            sp=$!
            # Held in the call: strace keeps it in a tracing stop ('t') for the delay.
            child=
            for _ in $(seq 200); do
                child=$(tr -d " " < "/proc/$sp/task/$sp/children" 2> /dev/null || true)
                if [ -n "$child" ] && [ "$(traced_state "$child")" = t ]; then
                    sleep 0.2
                    [ "$(traced_state "$child")" = t ] && break
                fi
                sleep 0.05
            done
            [ -n "$child" ] || fail "cwms-bundle did not start under strace"
            kill -"$sig" "$child"
            rc=0; wait "$sp" || rc=$?
            [ "$rc" -ne 0 ] || fail "$call $sig: the run was not interrupted"
            no_leftovers
        done
    done
    set +m
}

# A link to root's output placed by another user in a sticky world-writable
# directory is refused (the kernel's protected_symlinks rule).
case_output_symlink_sticky() {
    [ "$(id -u)" -eq 0 ] || skip "needs root to own a link as another user"
    make_pki
    local p=$PKI_DIR shared=$TMP/shared
    mkdir -m 1777 "$shared"
    echo "precious" > "$OUTDIR/keep.target"
    ln -s "$OUTDIR/keep.target" "$shared/webex.pem"
    chown -h nobody "$shared/webex.pem"
    bounded 7 "$CWMS_BUNDLE" build -o "$shared/webex.pem" "$p/server.key" "$p/server.crt" \
        "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "symbolic link owned by another user"
    [ "$(cat "$OUTDIR/keep.target")" = precious ] || fail "the link's target was replaced"
    [ -z "$(find "$shared" -name '.cwms-bundle.*')" ] || fail "temporary file left in $shared"
    no_leftovers
    # The caller's own link there is followed, the link kept.
    chown -h root "$shared/webex.pem"
    bounded 0 "$CWMS_BUNDLE" build -o "$shared/webex.pem" "$p/server.key" "$p/server.crt" \
        "$p/ca-bundle.pem"
    [ -L "$shared/webex.pem" ] && grep -q "PRIVATE KEY" "$OUTDIR/keep.target" || fail "own link not followed"
}

# A passphrase given without its "pass:" is never printed back.
case_secret_not_printed() {
    make_pki
    local p=$PKI_DIR opt
    for opt in --passin --passout; do
        bounded 2 "$CWMS_BUNDLE" build "$opt" MySecret-4711 -o "$OUTDIR/out.pem" "$p/server.key" \
            "$p/server.crt" "$p/ca-bundle.pem"
        assert_contains "$TMP/stderr" "$opt: the value is not a passphrase source"
        ! grep -q "MySecret" "$TMP/stderr" || fail "$opt: the secret was printed"
    done
    bounded 2 "$CWMS_BUNDLE" tokens --passin MySecret-4711
    ! grep -q "MySecret" "$TMP/stderr" || fail "tokens --passin: the secret was printed"
    openssl pkcs8 -topk8 -in "$p/server.key" -passout pass:right -out "$TMP/enc.key"
    bounded 2 "$CWMS_BUNDLE" build --passin fd:MySecret-4711 -o "$OUTDIR/out.pem" "$TMP/enc.key" \
        "$p/server.crt" "$p/ca-bundle.pem"
    ! grep -q "MySecret" "$TMP/stderr" || fail "fd:: the secret was printed"
    no_leftovers
}

# 80,000 PEM blocks of an unknown type: skipped cheaply, one note for all.
case_unknown_pem_blocks() {
    make_pki
    local p=$PKI_DIR
    awk 'BEGIN { for (i = 0; i < 80000; i++)
                   printf "-----BEGIN FOO BAR-----\nAAECAwQF\n-----END FOO BAR-----\n" }' \
        > "$TMP/unknown.pem"
    cat "$p/server.crt" >> "$TMP/unknown.pem"
    bounded 0 "$CWMS_BUNDLE" build -o "$OUTDIR/out.pem" "$p/server.key" "$TMP/unknown.pem" \
        "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "skipping 80000 PEM blocks of unknown type (the first: block 1, 'FOO BAR')"
    [ "$(grep -c "unknown type" "$TMP/stderr")" -eq 1 ] || fail "more than one note"
    awk -v t="$SECONDS_TAKEN" 'BEGIN { exit !(t < 5) }' || fail "took $SECONDS_TAKEN s"
    rm -f "$OUTDIR/out.pem"
}

# Endless streams as an input and as --trust: stopped at the 256 MiB cap,
# peak memory near the cap (not twice it).
case_stream_cap() {
    make_pki
    local p=$PKI_DIR
    bounded 3 "$CWMS_BUNDLE" build -o "$OUTDIR/out.pem" "$p/server.key" <(yes)
    assert_contains "$TMP/stderr" "is larger than 256 MiB"
    [ "$PEAK_KB" -lt 409600 ] || fail "input stream: peak RSS $PEAK_KB KiB"
    no_leftovers
    bounded 3 "$CWMS_BUNDLE" build --trust <(yes) -o "$OUTDIR/out.pem" "$p/server.key" \
        "$p/server.crt" "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "is larger than 256 MiB"
    [ "$PEAK_KB" -lt 409600 ] || fail "--trust stream: peak RSS $PEAK_KB KiB"
    no_leftovers
}

# A FIFO nobody writes to, as an input, as --trust, in an input directory
# and as a cwms: path: reported at once instead of blocking for ever.
case_fifo_no_writer() {
    make_pki
    local p=$PKI_DIR
    mkfifo "$TMP/fifo"
    mkdir "$TMP/dir" && cp "$p/server.crt" "$p/ca-bundle.pem" "$TMP/dir/" && mkfifo "$TMP/dir/zz.fifo"
    bounded 3 "$CWMS_BUNDLE" build -o "$OUTDIR/out.pem" "$p/server.key" "$TMP/fifo"
    assert_contains "$TMP/stderr" "is a named pipe (FIFO) nothing writes to"
    bounded 3 "$CWMS_BUNDLE" build --trust "$TMP/fifo" -o "$OUTDIR/out.pem" "$p/server.key" \
        "$p/server.crt" "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "is a named pipe (FIFO) nothing writes to"
    no_leftovers
    # A directory's FIFO is not a regular file: passed over, not waited on.
    bounded 0 "$CWMS_BUNDLE" build -o "$OUTDIR/out.pem" "$p/server.key" "$TMP/dir"
    rm -f "$OUTDIR/out.pem"
    local prov=(-provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms -provider default)
    if [ -n "${CWMS_ASAN_PRELOAD:-}" ]; then
        bounded 1 env LD_PRELOAD="$CWMS_ASAN_PRELOAD" openssl storeutl "${prov[@]}" "cwms:$TMP/fifo"
    else
        bounded 1 openssl storeutl "${prov[@]}" "cwms:$TMP/fifo"
    fi
    assert_contains "$TMP/stderr" "is a named pipe (FIFO) nothing writes to"
}

# The server certificate is reconsidered: a damaged duplicate listed first,
# or the same key certified by a CA whose chain is absent, does not hide
# the certificate that has a valid chain.
case_leaf_reconsidered() {
    make_pki
    local p=$PKI_DIR
    # A copy of the server certificate with its signature damaged.
    openssl x509 -in "$p/server.crt" -outform DER -out "$TMP/server.der"
    python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[-5] ^= 0xff
open(sys.argv[1], "wb").write(d)' "$TMP/server.der"
    openssl x509 -inform DER -in "$TMP/server.der" -out "$TMP/damaged.crt"
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.0 -o "$OUTDIR/out.pem" "$p/server.key" \
        "$TMP/damaged.crt" "$p/server.crt" "$p/ca-bundle.pem"
    [ "$(openssl x509 -in "$OUTDIR/out.pem" -outform DER | sha256sum)" = \
      "$(openssl x509 -in "$p/server.crt" -outform DER | sha256sum)" ] || fail "damaged leaf chosen"
    rm -f "$OUTDIR/out.pem"
    # Alone, the damaged one is called damaged (its issuer's key is there), not a key rollover.
    bounded 4 "$CWMS_BUNDLE" build --cwms 2.0 -o "$OUTDIR/out.pem" "$p/server.key" \
        "$TMP/damaged.crt" "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "the certificate is damaged"
    ! grep -q "rollover" "$TMP/stderr" || fail "a damaged signature called a key rollover"
    no_leftovers
    # The same key certified (later, so preferred) by another CA whose chain is not given.
    PKI_KEY=ec:P-256 pki_root other "Other Root CA"
    PKI_KEY=ec:P-256 pki_ca otherca "Other CA" other
    PKI_KEY_FROM=server PKI_DAYS=7300 pki_leaf server2 www.example.test otherca
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.0 -o "$OUTDIR/out.pem" "$p/server.key" \
        "$p/server2.crt" "$p/server.crt" "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "[server]"
    [ "$(pem_subjects "$OUTDIR/out.pem" | sed -n 2p)" = "O = cwms-bundle tests, CN = Test Secondary CA" ] \
        || fail "the other CA's certificate was kept"
    rm -f "$OUTDIR/out.pem"
    # Neither has a chain: the failure names the other one and its --leaf.
    bounded 4 "$CWMS_BUNDLE" build --cwms 2.0 -o "$OUTDIR/out.pem" "$p/server.key" \
        "$p/server2.crt" "$TMP/damaged.crt" "$p/secondary.crt" "$p/primary.crt" "$p/root.crt"
    assert_contains "$TMP/stderr" "another certificate for the same key"
    assert_contains "$TMP/stderr" "--leaf"
    no_leftovers
}

# A host mismatch against 50,000 subjectAltNames: a short message.
case_many_sans() {
    make_pki
    local p=$PKI_DIR
    awk 'BEGIN { printf "[ext]\nbasicConstraints = critical, CA:FALSE\n"
                 printf "extendedKeyUsage = serverAuth\nsubjectAltName = DNS:www.example.test"
                 for (i = 0; i < 50000; i++) printf ", DNS:h%d.example.test", i; print "" }' \
        > "$TMP/many.ext"
    openssl req -new -key "$p/server.key" -subj "/CN=www.example.test" -out "$TMP/many.csr"
    openssl x509 -req -in "$TMP/many.csr" -CA "$p/secondary.crt" -CAkey "$p/secondary.key" \
        -set_serial 7 -days 365 -extfile "$TMP/many.ext" -extensions ext -out "$p/many.crt" 2> /dev/null
    bounded 4 "$CWMS_BUNDLE" build --host other.example.test -o "$OUTDIR/out.pem" "$p/server.key" \
        "$p/many.crt" "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "and 49991 more"
    [ "$(wc -c < "$TMP/stderr")" -lt 4096 ] || fail "the message is $(wc -c < "$TMP/stderr") bytes"
    no_leftovers
}

# Control characters in file names and in strings from inputs never reach
# the terminal raw.
case_control_chars_escaped() {
    make_pki
    local p=$PKI_DIR bad
    bad=$TMP/$'evil\e]0;pwned\a\e[31m.pem'
    echo "not a certificate" > "$bad"
    bounded 3 "$CWMS_BUNDLE" build -o "$OUTDIR/out.pem" "$p/server.key" "$bad"
    ! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/stderr" || fail "raw control characters printed"
    assert_contains "$TMP/stderr" 'evil\x1b]0;pwned\x07\x1b[31m.pem'
    no_leftovers
    # A PEM label from the input, and an output name.
    { printf -- $'-----BEGIN EVIL\x1b[2J-----\nAAAA\n-----END EVIL\x1b[2J-----\n'; cat "$p/server.crt"; } \
        > "$TMP/label.pem"
    bounded 0 "$CWMS_BUNDLE" build -o "$OUTDIR/"$'out\a.pem' "$p/server.key" "$TMP/label.pem" \
        "$p/ca-bundle.pem"
    ! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/stderr" || fail "raw control characters printed"
    assert_contains "$TMP/stderr" 'out\x07.pem'
    rm -f "$OUTDIR/"$'out\a.pem'
}

# A PKCS#12 with one byte of its MAC digest flipped: with the right
# passphrase it is reported damaged (the passphrase still decrypts its
# contents), with a wrong one still as a wrong passphrase.
case_p12_mac_damaged() {
    make_pki
    local p=$PKI_DIR
    openssl pkcs12 -export -inkey "$p/server.key" -in "$p/server.crt" -certfile "$p/secondary.crt" \
        -passout pass:secret -out "$TMP/intact.p12"
    python3 - "$TMP/intact.p12" "$TMP/damaged.p12" << 'PY'
import sys
der = bytearray(open(sys.argv[1], "rb").read())
# The MacData digest is the last OCTET STRING of 20 (SHA-1) or 32 (SHA-256) bytes.
at = max(der.rfind(b"\x04\x14"), der.rfind(b"\x04\x20"))
if at < 0 or at + 2 + der[at + 1] > len(der):
    sys.exit("no MAC digest found")
der[at + 2] ^= 0x01
open(sys.argv[2], "wb").write(der)
PY
    cmp -s "$TMP/intact.p12" "$TMP/damaged.p12" && fail "the MAC digest was not changed"
    openssl pkcs12 -in "$TMP/damaged.p12" -passin pass:secret -noout 2> /dev/null \
        && fail "openssl still verifies the damaged MAC"
    bounded 3 "$CWMS_BUNDLE" build --passin pass:secret -o "$OUTDIR/out.pem" "$TMP/damaged.p12" \
        "$p/primary.crt" "$p/root.crt"
    assert_contains "$TMP/stderr" "damaged.p12' is damaged"
    assert_contains "$TMP/stderr" "re-export it"
    ! grep -qF "wrong passphrase" "$TMP/stderr" || fail "a damaged file called a wrong passphrase"
    no_leftovers
    bounded 3 "$CWMS_BUNDLE" build --passin pass:wrong -o "$OUTDIR/out.pem" "$TMP/intact.p12" \
        "$p/primary.crt" "$p/root.crt"
    assert_contains "$TMP/stderr" "wrong passphrase for PKCS#12 file"
    no_leftovers
    bounded 0 "$CWMS_BUNDLE" build --passin pass:secret -o "$OUTDIR/out.pem" "$TMP/intact.p12" \
        "$p/primary.crt" "$p/root.crt"
    rm -f "$OUTDIR/out.pem"
}

# cwms: and pkcs11: URIs (a private SoftHSM token holding the server key
# and certificate) opened from 8 threads at once in one process, each its
# own store context: every cwms: thread gets the CLI's bytes, every
# pkcs11: thread those of a single-threaded load of the same URI.
case_provider_threads() {
    make_pki
    local p=$PKI_DIR run=() key_uri
    [ -z "${CWMS_ASAN_PRELOAD:-}" ] || run=(env LD_PRELOAD="$CWMS_ASAN_PRELOAD")
    mkdir "$TMP/ca" && cp "$p/server.key" "$p/server.crt" "$p/ca-bundle.pem" "$TMP/ca/"
    "$CWMS_BUNDLE" build --cwms 2.5 --key-format pkcs8 -o "$TMP/cli.pem" "$TMP/ca" 2> /dev/null
    # shellcheck source=../lib/softhsm.sh
    . "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
    softhsm_available || fail "SoftHSM or pkcs11-tool not installed (ci/install-deps.sh)"
    mkdir -m 700 "$TMP/hsm"   # the token (its key and PIN-protected objects) is ours alone
    softhsm_init "$TMP/hsm"
    [ "$(stat -c %a "$TMP/hsm")" = 700 ] || fail "the token directory is not private"
    softhsm_token webex
    softhsm_key webex "$p/server.key" server 01 wrapped
    softhsm_cert webex "$p/server.crt" server 01
    key_uri="pkcs11:token=webex;object=server;type=private?module-path=$SOFTHSM_MODULE&pin-value=$SOFTHSM_PIN"
    "$P11_LOAD" "$key_uri" > "$TMP/p11.pem" 2> "$TMP/p11.err" \
        || { cat "$TMP/p11.err" >&2; fail "single-threaded load of the token failed"; }
    [ "$(pem_types "$TMP/p11.pem" | tr '\n' ' ')" = "PRIVATE KEY CERTIFICATE " ] \
        || fail "the token gave $(pem_types "$TMP/p11.pem"), not the key and its certificate"
    diff <(pubkey_of "$TMP/p11.pem") <(pubkey_of "$p/server.key") > /dev/null \
        || fail "the token's key is not the server key"
    bounded 0 "${run[@]}" "$TOOLS/store-threads" "$CWMS_BUILD_ROOT/provider" \
        "cwms:$TMP/ca?version=2.5" "$TMP/cli.pem" 8 "$key_uri" "$TMP/p11.pem"
    assert_contains "$TMP/stderr" "8 threads over 2 URI(s) all got the expected bytes"
}

case=${1:-}
case $case in
    same_name_copies|same_name_copies_valid|kdf_iterations|output_is_input|signal_during_write|output_symlink_sticky|\
    secret_not_printed|unknown_pem_blocks|stream_cap|fifo_no_writer|\
    leaf_reconsidered|many_sans|control_chars_escaped|provider_threads|p12_mac_damaged)
        "case_$case" ;;
    *) echo "usage: hostile.sh CASE" >&2; exit 2 ;;
esac
