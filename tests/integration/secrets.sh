#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Passphrases as a person meets them: secrets.sh CASE (one meson test per CASE).
#   request_hint_passin           the next-step hint of request names --passin for an encrypted
#                                 key, and the hinted command runs as printed without a terminal
#   passphrase_retry_tty          a passphrase mistyped at the terminal is asked again, 3 tries
#   passphrase_error_names_source a wrong passphrase names where it came from, never its value
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"
case_name=${1:?usage: secrets.sh CASE}
PTY=(python3 "$CWMS_SOURCE_ROOT/tests/lib/pty_answer.py")

pki_init "$TMP/pki"
P=$PKI_DIR
W=$TMP/work
mkdir -p "$W"
cd "$W"

# ca_sign CSR CRT: the test CA (secondary) issues a server certificate for the CSR.
ca_sign() {
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:webex.example.test\n' > "$TMP/ext"
    openssl x509 -req -in "$1" -CA "$P/secondary.crt" -CAkey "$P/secondary.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 90 -sha256 -extfile "$TMP/ext" -out "$2" 2> /dev/null
}

# run_hint ERRFILE CRT [STDIN]: runs the build command request's note hinted at, as printed
# (VERSION and CA-FILES... filled in), in a new session without a controlling terminal.
run_hint() {
    local hint
    hint=$(sed -n "s/^cwms-bundle: note: send the CSR to your CA; then: //p" "$1")
    [ -n "$hint" ] || { cat "$1" >&2; fail "request printed no next-step hint"; }
    hint=${hint//VERSION/2.5}
    hint=${hint//CA-FILES.../$P/ca-bundle.pem $2}
    hint=${hint/#cwms-bundle /\"\$CWMS_BUNDLE\" }
    echo "hint: $hint" >&2
    if [ -n "${3:-}" ]; then
        printf '%s\n' "$3" | setsid -w bash -c "CWMS_BUNDLE='$CWMS_BUNDLE'; $hint --trust '$P/root.crt'"
    else
        setsid -w bash -c "CWMS_BUNDLE='$CWMS_BUNDLE'; $hint --trust '$P/root.crt'" < /dev/null
    fi
}

case $case_name in
request_hint_passin)
    pki_hierarchy
    printf 'file-pass\n' > "$W/pw.txt"
    export KEYPASS=env-pass
    for src in "file:$W/pw.txt" env:KEYPASS pass:inline-pass; do
        rm -f server.key webex.csr webex.pem
        "$CWMS_BUNDLE" request --new-key server.key --passout "$src" --host webex.example.test \
            -o webex.csr 2> "$TMP/req.err" || { cat "$TMP/req.err" >&2; fail "request --passout $src failed"; }
        ca_sign webex.csr webex.crt
        case $src in
            pass:*)
                assert_contains "$TMP/req.err" "--key 'server.key' --passin stdin -o webex.pem"
                if grep -q inline-pass "$TMP/req.err"; then fail "the pass: value was printed"; fi
                run_hint "$TMP/req.err" "$W/webex.crt" inline-pass 2> "$TMP/build.err" \
                    || { cat "$TMP/build.err" >&2; fail "the hinted build failed ($src)"; } ;;
            *)
                assert_contains "$TMP/req.err" "--key 'server.key' --passin $src -o webex.pem"
                run_hint "$TMP/req.err" "$W/webex.crt" 2> "$TMP/build.err" \
                    || { cat "$TMP/build.err" >&2; fail "the hinted build failed ($src)"; } ;;
        esac
        [ "$(openssl pkey -in webex.pem -pubout)" = "$(openssl x509 -in webex.crt -noout -pubkey)" ] \
            || fail "the bundle's key is not the requested one ($src)"
    done
    # An unencrypted key: no --passin in the hint.
    rm -f server.key
    "$CWMS_BUNDLE" request --new-key server.key --host webex.example.test -o webex.csr 2> "$TMP/req.err"
    if grep -q -- "--passin" "$TMP/req.err"; then fail "the hint names --passin for an unencrypted key"; fi
    # An existing encrypted key (--key, --passin env:): the hint passes the same source on.
    openssl pkey -in "$P/server.key" -aes256 -passout pass:env-pass -out "$W/enc.key"
    "$CWMS_BUNDLE" request --key "$W/enc.key" --passin env:KEYPASS --host webex.example.test \
        -o webex.csr 2> "$TMP/req.err" || { cat "$TMP/req.err" >&2; fail "request --key failed"; }
    assert_contains "$TMP/req.err" "--key '$W/enc.key' --passin env:KEYPASS -o webex.pem"
    ;;
passphrase_retry_tty)
    pki_hierarchy
    openssl pkcs12 -export -in "$P/server.crt" -inkey "$P/server.key" -certfile "$P/ca-bundle.pem" \
        -passout pass:right-pass -out "$W/server.pfx"
    openssl pkey -in "$P/server.key" -aes256 -passout pass:right-pass -out "$W/enc.key"
    for input in "$W/server.pfx" "$W/enc.key $P/server.crt $P/ca-bundle.pem"; do
        # Mistyped once, then right: asked again, and the bundle is written.
        rm -f "$W/out.pem"
        # shellcheck disable=SC2086
        "${PTY[@]}" "$TMP/tty" "pass phrase for" wrong-1 right-pass -- \
            "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$W/out.pem" $input \
            || { cat "$TMP/tty" >&2; fail "a second try at the terminal did not work ($input)"; }
        assert_contains "$TMP/tty" "Wrong pass phrase, try again. Enter the pass phrase for"
        [ -s "$W/out.pem" ] || fail "no bundle after the second try"
        if grep -q "cwms-bundle: error:" "$TMP/tty"; then cat "$TMP/tty" >&2; fail "the mistyped try left an error"; fi
        # Three wrong: the error names the terminal, not --passin, which was not given.
        rm -f "$W/out.pem"
        rc=0
        # shellcheck disable=SC2086
        "${PTY[@]}" "$TMP/tty" "pass phrase for" wrong-1 wrong-2 wrong-3 -- \
            "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" -o "$W/out.pem" $input || rc=$?
        [ "$rc" = 3 ] || { cat "$TMP/tty" >&2; fail "three wrong tries exited $rc, expected 3"; }
        [ "$(grep -c "pass phrase for" "$TMP/tty")" = 3 ] || { cat "$TMP/tty" >&2; fail "not asked exactly 3 times"; }
        assert_contains "$TMP/tty" "check the pass phrase typed at the terminal (3 tries)"
        if grep -q -- "--passin" "$TMP/tty"; then cat "$TMP/tty" >&2; fail "the error names --passin, which was not given"; fi
        [ ! -e "$W/out.pem" ] || fail "a bundle was written after three wrong tries"
    done
    # check --passin from the terminal is not asked for: check never prompts without --passin.
    ;;
passphrase_error_names_source)
    pki_hierarchy
    openssl pkcs12 -export -in "$P/server.crt" -inkey "$P/server.key" -certfile "$P/ca-bundle.pem" \
        -passout pass:right-pass -out "$W/server.pfx"
    printf 'wrong-in-file\n' > "$W/pw.txt"
    export WRONGPASS=wrong-in-env
    for src in env:WRONGPASS "file:$W/pw.txt" pass:wrong-inline; do
        expect_fail 3 "$CWMS_BUNDLE" build --cwms 2.5 --passin "$src" -o "$W/out.pem" "$W/server.pfx"
        case $src in
            pass:*) assert_contains "$TMP/stderr" "check --passin pass:..." ;;
            *) assert_contains "$TMP/stderr" "wrong passphrase for PKCS#12 file '$W/server.pfx': check --passin $src" ;;
        esac
        if grep -qE "wrong-inline|wrong-in-file|wrong-in-env" "$TMP/stderr"; then
            fail "a passphrase value was printed"
        fi
    done
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
echo "ok: $case_name"
