#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `check` on what users have: check_inputs.sh CASE (one meson test per CASE).
#   stdin                  check - reads standard input
#   pkcs12_judged          a .pfx is judged for what it holds; no stray text, no binary on the terminal
#   der_pkcs7_judged       DER and PKCS#7 files: NOT_PEM, their certificates judged
#   binary_never_printed   binary bytes between PEM blocks are counted, never printed
#   fifo                   a FIFO with a writer is read; one without is reported at once
#   fetch                  check --fetch downloads the missing issuer; --fix writes it in
#   fetch_names_proxy      a --fetch failure through http_proxy names the proxy (build and check)
#   dot_incomplete_chain   --graph dot without a chain draws what is there and the missing issuer
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"
case_name=${1:?usage: check_inputs.sh CASE}

pki_init "$TMP/pki"
P=$PKI_DIR
W=$TMP/work
mkdir -p "$W"
T=(--trust "$P/root.crt")

# The good bundle for 2.5, made by build.
good_bundle() {
    pki_hierarchy
    "$CWMS_BUNDLE" build -q --cwms 2.5 "${T[@]}" -o "$W/good.pem" "$P/server.key" "$P/ca-bundle.pem" \
        "$P/server.crt" || fail "build of the good bundle failed"
}

# no_binary FILE: FILE holds no byte a terminal would act on or show as garbage (C0 but
# tab, CR, LF; DEL), and no invalid UTF-8.
no_binary() {
    if LC_ALL=C grep -qP '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]' "$1"; then
        cat -v "$1" >&2
        fail "$1 holds control bytes"
    fi
    iconv -f UTF-8 -t UTF-8 "$1" > /dev/null 2>&1 || fail "$1 is not valid UTF-8"
}

# on_tty OUT CMD...: runs CMD on a pseudo-terminal (stdout and stderr), its output into OUT.
on_tty() {
    local out=$1; shift
    NO_COLOR=1 script -qec "$(printf '%q ' "$@")" /dev/null > "$out" 2>&1 || true
}

case $case_name in
stdin)
    good_bundle
    "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" - < "$W/good.pem" > "$TMP/out" 2> "$TMP/err" \
        || { cat "$TMP/out" "$TMP/err" >&2; fail "check - failed"; }
    assert_contains "$TMP/out" "ready for CWMS 2.5"
    # A wrong order through a pipe: the finding names standard input's blocks.
    rc=0
    cat "$P/server.key" "$P/server.crt" "$P/secondary.crt" "$P/primary.crt" \
        | "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" - > "$TMP/out" 2>&1 || rc=$?
    [ "$rc" = 4 ] || { cat "$TMP/out" >&2; fail "a misordered bundle on stdin exited $rc"; }
    assert_contains "$TMP/out" "ORDER_WRONG"
    # --fix from standard input to a file.
    cat "$P/server.crt" "$P/server.key" "$P/primary.crt" "$P/secondary.crt" \
        | "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" --fix -o "$W/fixed.pem" - > /dev/null \
        || fail "check --fix from standard input failed"
    cmp -s "$W/fixed.pem" "$W/good.pem" || fail "the file fixed from stdin is not build's"
    # Standard input cannot carry both the bundle and the passphrase.
    expect_fail 2 "$CWMS_BUNDLE" check --passin stdin - < "$W/good.pem"
    assert_contains "$TMP/stderr" "standard input cannot hold both the bundle and a passphrase"
    ;;
pkcs12_judged)
    good_bundle
    for pass in "" secret; do
        openssl pkcs12 -export -in "$P/server.crt" -inkey "$P/server.key" -certfile "$P/ca-bundle.pem" \
            -passout "pass:$pass" -out "$W/server.pfx"
        "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" --passin "pass:$pass" "$W/server.pfx" \
            > "$TMP/out" 2>&1 || { cat -v "$TMP/out" >&2; fail "check of a good .pfx failed"; }
        no_binary "$TMP/out"
        assert_contains "$TMP/out" "NOT_PEM: '$W/server.pfx' is a PKCS#12 file (binary): CWMS imports a PKCS#12 (.p12/.pfx) or one PEM file"
        if grep -E "STRAY_TEXT|UNRELATED|ORDER_WRONG|ROOT_INCLUDED" "$TMP/out" >&2; then
            fail "a .pfx got a finding about its bytes or layout"
        fi
        "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" --passin "pass:$pass" --fix -o "$W/fixed.pem" \
            "$W/server.pfx" > /dev/null || fail "check --fix of a .pfx failed"
        cmp -s "$W/fixed.pem" "$W/good.pem" || fail "the PEM file --fix wrote from the .pfx is not build's"
    done
    # On a terminal: no binary byte either, and an encrypted .pfx without --passin says what to give.
    on_tty "$TMP/tty" "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/server.pfx"
    no_binary "$TMP/tty"
    assert_contains "$TMP/tty" "PKCS#12 file '$W/server.pfx' is protected by a passphrase"
    # What it holds is judged: a .pfx without the intermediates misses them.
    openssl pkcs12 -export -in "$P/server.crt" -inkey "$P/server.key" -passout pass: -out "$W/alone.pfx"
    expect_fail 4 "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/alone.pfx" > "$TMP/out"
    assert_contains "$TMP/out" "MISSING_INTERMEDIATE"
    no_binary "$TMP/out"
    ;;
der_pkcs7_judged)
    pki_hierarchy
    openssl x509 -in "$P/server.crt" -outform DER -out "$W/server.der"
    expect_fail 3 "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/server.der" > "$TMP/out"
    assert_contains "$TMP/out" "NOT_PEM: '$W/server.der' is not a PEM file (binary DER or PKCS#7)"
    assert_contains "$TMP/out" "KEY_MISSING"
    no_binary "$TMP/out"
    openssl crl2pkcs7 -nocrl -certfile "$P/server.crt" -certfile "$P/ca-bundle.pem" -outform DER \
        -out "$W/chain.p7b"
    expect_fail 3 "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/chain.p7b" > "$TMP/out"
    assert_contains "$TMP/out" "NOT_PEM"
    if grep -q "STRAY_TEXT" "$TMP/out"; then fail "a PKCS#7 got a STRAY_TEXT finding"; fi
    no_binary "$TMP/out"
    ;;
binary_never_printed)
    good_bundle
    # A DER certificate pasted between the blocks: binary (it holds NUL bytes).
    openssl x509 -in "$P/server.crt" -outform DER -out "$W/server.der"
    { cat "$P/server.key"; cat "$W/server.der"; printf '\n\033[2J\a'; cat "$P/server.crt"; } \
        > "$W/junk.pem"
    sed -n '/BEGIN CERT/,$p' "$W/good.pem" >> "$W/junk.pem"
    expect_fail 4 "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/junk.pem" > "$TMP/out"
    no_binary "$TMP/out"
    assert_contains "$TMP/out" "bytes of binary data outside the PEM blocks"
    on_tty "$TMP/tty" "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/junk.pem"
    no_binary "$TMP/tty"
    ;;
fifo)
    good_bundle
    mkfifo "$W/bundle.fifo"
    # A writer that is there (it may be slow): read to the end. The test holds a write end
    # open (fd 3) until check has the FIFO open, so no open/open race decides the outcome.
    exec 3<> "$W/bundle.fifo"
    cat "$W/good.pem" > "$W/bundle.fifo"
    timeout 60 "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/bundle.fifo" > "$TMP/out" 2>&1 3>&- &
    pid=$!
    # $pid is timeout's: check is its child. (find, not ls | grep -q: under pipefail, ls
    # meeting grep's early exit would fail the test.)
    for _ in $(seq 200); do
        child=$(pgrep -P "$pid" || true)
        [ -n "$child" ] && [ -n "$(find "/proc/$child/fd" -lname '*bundle.fifo' 2> /dev/null)" ] \
            && break
        sleep 0.05
    done
    exec 3>&-
    wait "$pid" || { cat "$TMP/out" >&2; fail "check of a FIFO with a writer failed"; }
    assert_contains "$TMP/out" "ready for CWMS 2.5"
    # What users type: process substitution, a pipe whose writer is slow.
    timeout 60 "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" <(sleep 1; cat "$W/good.pem") > "$TMP/out" 2>&1 \
        || { cat "$TMP/out" >&2; fail "check <(...) failed"; }
    assert_contains "$TMP/out" "ready for CWMS 2.5"
    # None: reported at once, not waited on for ever.
    start=$(date +%s)
    rc=0
    timeout 60 "$CWMS_BUNDLE" check --cwms 2.5 "$W/bundle.fifo" > "$TMP/out" 2>&1 || rc=$?
    [ "$rc" = 3 ] || { cat "$TMP/out" >&2; fail "a FIFO without a writer exited $rc, expected 3"; }
    [ $(( $(date +%s) - start )) -lt 20 ] || fail "a FIFO without a writer took more than 20 seconds"
    assert_contains "$TMP/out" "UNREADABLE: '$W/bundle.fifo' is a named pipe (FIFO) nothing wrote to within 5 s"
    # Standard input from a pipe works the same.
    { sleep 1; cat "$W/good.pem"; } | timeout 60 "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" - \
        > "$TMP/out" 2>&1 || { cat "$TMP/out" >&2; fail "check - from a slow pipe failed"; }
    assert_contains "$TMP/out" "ready for CWMS 2.5"
    ;;
fetch)
    mkdir -p "$TMP/www"
    http_serve "$TMP/www"
    base="http://127.0.0.1:$PORT"
    pki_root root "Test Root CA"
    pki_ca primary "Test Primary CA" root
    PKI_AIA="$base/secondary.cer" pki_ca secondary "Test Secondary CA" primary
    PKI_AIA="$base/secondary.cer" pki_leaf server www.example.test secondary
    openssl x509 -in "$P/secondary.crt" -outform DER -out "$TMP/www/secondary.cer"
    cat "$P/server.key" "$P/primary.crt" "$P/server.crt" > "$W/short.pem"
    # Without --fetch: the issuer is missing, nothing is downloaded.
    expect_fail 4 "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/short.pem" > "$TMP/out"
    assert_contains "$TMP/out" "MISSING_INTERMEDIATE"
    [ ! -e "$TMP/www/requests.log" ] || fail "check downloaded without --fetch"
    # With it: downloaded, verified, and the file still lacks it (fixable).
    expect_fail 4 "$CWMS_BUNDLE" check --fetch --cwms 2.5 "${T[@]}" "$W/short.pem" > "$TMP/out"
    assert_contains "$TMP/www/requests.log" "/secondary.cer"
    assert_contains "$TMP/out" "MISSING_INTERMEDIATE: 'O=cwms-bundle tests, CN=Test Secondary CA' is not in the file; --fetch downloaded it from $base/secondary.cer"
    "$CWMS_BUNDLE" check --fetch --cwms 2.5 "${T[@]}" --fix -o "$W/fixed.pem" "$W/short.pem" > "$TMP/out" \
        || { cat "$TMP/out" >&2; fail "check --fetch --fix failed"; }
    "$CWMS_BUNDLE" build -q --cwms 2.5 "${T[@]}" -o "$W/built.pem" "$P/server.key" "$P/server.crt" \
        "$P/secondary.crt" "$P/primary.crt"
    cmp -s "$W/fixed.pem" "$W/built.pem" || fail "the fixed file is not what build writes with the issuer"
    "$CWMS_BUNDLE" check --cwms 2.5 "${T[@]}" "$W/fixed.pem" > "$TMP/out" || fail "the fixed file does not check"
    assert_contains "$TMP/out" "ready for CWMS 2.5"
    help_says check "--fetch" || fail "--fetch is not in check --help"
    ;;
fetch_names_proxy)
    pki_root root "Test Root CA"
    pki_ca secondary "Test Secondary CA" root
    PKI_AIA="http://issuers.cwms-test.invalid/secondary.cer" pki_leaf server www.example.test secondary
    cat "$P/server.key" "$P/server.crt" > "$W/short.pem"
    dead=$(free_port)
    for cmd in build check; do
        if [ "$cmd" = build ]; then
            args=(build --fetch --cwms 2.5 "${T[@]}" -o "$W/out.pem" "$W/short.pem")
        else
            args=(check --fetch --cwms 2.5 "${T[@]}" "$W/short.pem")
        fi
        rc=0
        start=$(date +%s)
        http_proxy="http://proxyuser:proxy-secret@127.0.0.1:$dead" CWMS_FETCH_TIMEOUT=3 \
            "$CWMS_BUNDLE" "${args[@]}" > "$TMP/out" 2>&1 || rc=$?
        [ "$rc" = 4 ] || { cat "$TMP/out" >&2; fail "$cmd: exit $rc, expected 4"; }
        [ $(( $(date +%s) - start )) -lt 30 ] || fail "$cmd: a dead proxy took more than 30 seconds"
        assert_contains "$TMP/out" "cannot fetch the issuer of 'O=cwms-bundle tests, CN=www.example.test' from http://issuers.cwms-test.invalid/secondary.cer through the proxy '127.0.0.1:$dead' (from http_proxy)"
        if grep -q "proxy-secret" "$TMP/out"; then fail "$cmd: the proxy's password was printed"; fi
    done
    # no_proxy exempts the host: then no proxy is named.
    rc=0
    http_proxy="http://127.0.0.1:$dead" no_proxy=issuers.cwms-test.invalid CWMS_FETCH_TIMEOUT=3 \
        "$CWMS_BUNDLE" build --fetch --cwms 2.5 "${T[@]}" -o "$W/out.pem" "$W/short.pem" > "$TMP/out" 2>&1 || rc=$?
    [ "$rc" = 4 ] || { cat "$TMP/out" >&2; fail "no_proxy: exit $rc, expected 4"; }
    assert_contains "$TMP/out" "cannot fetch the issuer"
    if grep -q "through the proxy" "$TMP/out"; then fail "a proxy was named for a host no_proxy exempts"; fi
    ;;
dot_incomplete_chain)
    command -v dot > /dev/null || fail "dot (graphviz) is needed (ci/install-deps.sh installs it)"
    pki_root root "Test Root CA"
    pki_ca primary "Test Primary CA" root
    PKI_AIA="http://ca.example.test/primary.cer" pki_ca secondary "Test Secondary CA" primary
    PKI_AIA="http://ca.example.test/secondary.cer" pki_leaf server www.example.test secondary
    # The server certificate and the root, the intermediates missing.
    cat "$P/server.key" "$P/server.crt" "$P/root.crt" > "$W/broken.pem"
    for cmd in build check; do
        if [ "$cmd" = build ]; then
            args=(build --graph dot --cwms 2.5 -o "$W/out.pem" "$W/broken.pem")
        else
            args=(check --graph dot --cwms 2.5 "$W/broken.pem")
        fi
        rc=0
        "$CWMS_BUNDLE" "${args[@]}" > "$W/$cmd.dot" 2> "$TMP/err" || rc=$?
        [ "$rc" = 4 ] || { cat "$TMP/err" >&2; fail "$cmd --graph dot: exit $rc, expected 4"; }
        assert_contains "$TMP/err" "Test Secondary CA"
        dot -Tsvg "$W/$cmd.dot" > "$W/$cmd.svg" || fail "dot rejected $cmd's graph"
        [ -s "$W/$cmd.svg" ] || fail "$cmd: dot -Tsvg wrote an empty file"
        dot -Tplain "$W/$cmd.dot" > "$W/$cmd.plain"
        # Both certificates and the missing issuer as nodes; the server's edge to it.
        [ "$(grep -c '^node ' "$W/$cmd.plain")" -eq 3 ] || { cat "$W/$cmd.dot" >&2; fail "$cmd: expected 3 nodes"; }
        assert_contains "$W/$cmd.dot" 'O=cwms-bundle tests, CN=Test Secondary CA\nmissing issuer: in no input and no trust store\npublished at http://ca.example.test/secondary.cer'
        grep -q '^  m0 \[label=.*style=dashed' "$W/$cmd.dot" || fail "$cmd: the missing issuer is not dashed"
        grep -q '^  c[0-9]* -> m0 \[style=dashed' "$W/$cmd.dot" || fail "$cmd: no edge to the missing issuer"
        assert_contains "$W/$cmd.dot" 'www.example.test\nserver'
        assert_contains "$W/$cmd.svg" "published at http://ca.example.test/secondary.cer"
        [ ! -e "$W/out.pem" ] || fail "$cmd: a bundle was written"
    done
    # Two levels missing and an edge found: the secondary is there, the primary not.
    cat "$P/server.key" "$P/server.crt" "$P/secondary.crt" > "$W/half.pem"
    rc=0
    "$CWMS_BUNDLE" build --graph dot --cwms 2.5 -o "$W/out.pem" "$W/half.pem" > "$W/half.dot" 2> /dev/null || rc=$?
    [ "$rc" = 4 ] || fail "half chain: exit $rc, expected 4"
    dot -Tsvg "$W/half.dot" > /dev/null || fail "dot rejected the half chain's graph"
    grep -q 'label="signed"' "$W/half.dot" || fail "the edge found (server -> secondary) is not drawn"
    assert_contains "$W/half.dot" 'CN=Test Primary CA\nmissing issuer'
    assert_contains "$W/half.dot" 'published at http://ca.example.test/primary.cer'
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
echo "ok: $case_name"
