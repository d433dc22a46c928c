#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What a user without root meets: files the tool may not read, a directory it
# may not write: nonroot.sh CASE (one meson test per CASE, suite 'nonroot').
# Root reads and writes past every permission, so the tool runs here as an
# unprivileged user (AS_USER: $CWMS_TEST_USER, the user ci/test.sh makes, or
# nobody), from a copy of the binary in a directory that user owns: the
# build tree may lie where only root can reach. Every run ends with the exit
# code and message it names, in under 20 s and 1 GiB, and writes nothing.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

# $U: the user's directory, with its copy of cwms-bundle ($BIN) and the test PKI.
U=$TMP/user
chmod 711 "$TMP"
mkdir -p "$U/bin" "$U/out"
cp "$CWMS_BUNDLE" "$U/bin/cwms-bundle"
BIN=$U/bin/cwms-bundle
pki_init "$U/pki"
pki_hierarchy || fail "cannot make the test PKI"
P=$PKI_DIR
mkdir "$U/ca-files" "$U/ro"
cp "$P/ca-bundle.pem" "$P/server.crt" "$U/ca-files/"
[ "$(id -u)" -ne 0 ] || chown -R "$TEST_USER" "$U"
"${AS_USER[@]}" test -r "$P/server.key" || fail "$TEST_USER cannot read its own files"

# nothing_written: the output directory is as empty as it was.
nothing_written() { [ -z "$(ls -A "$U/out")" ] || { ls -lA "$U/out" >&2; fail "something was written"; }; }

# The server certificate, a file of a folder, the key and --trust, each unreadable in turn:
# named, with the system's reason, exit 3.
case_unreadable_inputs() {
    local f
    for f in "$P/server.crt" "$U/ca-files/server.crt" "$P/server.key" "$P/root.crt"; do
        chmod 000 "$f"
        bounded 3 "${AS_USER[@]}" "$BIN" build --cwms 2.5 --trust "$P/root.crt" -o "$U/out/b.pem" \
            "$P/server.key" "$P/server.crt" "$U/ca-files"
        # --trust is named as the option it came from
        if [ "$f" = "$P/root.crt" ]; then
            assert_contains "$TMP/stderr" "cannot open --trust '$f': Permission denied"
        else
            assert_contains "$TMP/stderr" "cannot open '$f': Permission denied"
        fi
        nothing_written
        chmod 600 "$f"
    done
    bounded 0 "${AS_USER[@]}" "$BIN" build --cwms 2.5 --trust "$P/root.crt" -o "$U/out/b.pem" \
        "$P/server.key" "$P/server.crt" "$U/ca-files"
    [ "$(stat -c '%U %a' "$U/out/b.pem")" = "$TEST_USER 600" ] || fail "the bundle is not the user's, 0600"
}

# -o into a directory the user may not write: exit 7, the file named, nothing left there.
case_unwritable_output() {
    chmod 555 "$U/ro"
    bounded 7 "${AS_USER[@]}" "$BIN" build --cwms 2.5 --trust "$P/root.crt" -o "$U/ro/b.pem" \
        "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
    assert_contains "$TMP/stderr" "cannot write '$U/ro/b.pem'"
    assert_contains "$TMP/stderr" "Permission denied"
    [ -z "$(ls -A "$U/ro")" ] || { ls -lA "$U/ro" >&2; fail "something was left in the directory"; }
}

case=${1:-}
case $case in
    unreadable_inputs|unwritable_output) "case_$case" ;;
    *) echo "usage: nonroot.sh unreadable_inputs|unwritable_output" >&2; exit 2 ;;
esac
echo "ok: $case (as $TEST_USER)"
