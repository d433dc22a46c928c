#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Options as users type them: usage.sh CASE (one meson test per CASE).
#   openssl_words_never_split   -out, -in, -passin, -CAfile ...: a usage error naming the option meant
#   unknown_option_as_typed     unknown, ambiguous and value-less options named as typed
#   did_you_mean                misspelt long options and subcommands
#   version_everywhere          --version and -V at the top level and after every command
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"
case_name=${1:?usage: usage.sh CASE}

# usage_error WANT CMD...: CMD exits 2, writes nothing to stdout, and says WANT on stderr.
usage_error() {
    local want=$1; shift
    expect_fail 2 "$CWMS_BUNDLE" "$@" > "$TMP/stdout"
    assert_contains "$TMP/stderr" "cwms-bundle: error: $want"
    [ ! -s "$TMP/stdout" ] || fail "'$*' wrote to standard output"
}

case $case_name in
openssl_words_never_split)
    pki_init "$TMP/pki"
    pki_hierarchy
    mkdir "$TMP/work"
    cd "$TMP/work"
    # openssl's habit: -out is not "-o ut", and old.pem is not read as an input.
    usage_error "-out: did you mean -o/--output?" \
        build --cwms 2.5 -q -out old.pem "$PKI_DIR/server.key" "$PKI_DIR/ca-bundle.pem" "$PKI_DIR/server.crt"
    [ -z "$(ls -A)" ] || fail "a file was written: $(ls -A)"
    usage_error "-in: give the file itself, without -in: it is the INPUT operand" build -in foo
    usage_error "-in: give the file itself" build --cwms 2.5 -in foo
    usage_error "-passin: did you mean --passin?" build --cwms 2.5 -passin pass:x foo
    usage_error "-passout: did you mean --passout?" build -passout pass:x foo
    usage_error "-CAfile: did you mean --trust?" check -CAfile roots.pem bundle.pem
    usage_error "-attime: did you mean --attime?" check -attime 1700000000 bundle.pem
    usage_error "-verify_hostname: did you mean --host?" build -verify_hostname www.example.test foo
    usage_error "-inkey: did you mean --key?" build -inkey server.key foo
    usage_error "-key: did you mean --key?" request -key server.key --host a.example.com
    usage_error "-newkey: did you mean --new-key?" request -newkey rsa:2048 --host a.example.com
    usage_error "-in: 'request' reads no input file" request -in x.csr
    usage_error "-in: give the file itself, without -in: it is the BUNDLE operand" check -in b.pem
    usage_error "-cwms: did you mean --cwms? (long options take two dashes)" build -cwms 2.5 foo
    usage_error "-oout: did you mean -o out? (a value goes after a space)" build -oout foo
    usage_error "-out is not an option of 'tokens'" tokens -out x
    # Values and what follows "--" are not options: a subject may start with a dash.
    "$CWMS_BUNDLE" build --cwms 2.5 -o "$TMP/b.pem" -- "$PKI_DIR/server.key" "$PKI_DIR/ca-bundle.pem" \
        "$PKI_DIR/server.crt" 2> "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "build with -- failed"; }
    "$CWMS_BUNDLE" build --cwms 2.5 -o - -q "$PKI_DIR/server.key" "$PKI_DIR/ca-bundle.pem" \
        "$PKI_DIR/server.crt" > "$TMP/b2.pem" || fail "-o - (a one-character value) refused"
    cmp -s "$TMP/b.pem" "$TMP/b2.pem" || fail "-o - wrote another bundle"
    ;;
unknown_option_as_typed)
    usage_error "unknown option '--nope'" build --nope foo
    usage_error "unknown option '--nope'" check --nope=3 b.pem
    usage_error "unknown option '-x'" check -x b.pem
    usage_error "unknown option '-z'" build --cwms 2.5 -z foo
    usage_error "'--p' is ambiguous: it begins --passin, --pin, --passout, --path; give more of it" \
        build --p x foo
    usage_error "--cwms needs a value" build --cwms
    usage_error "-o needs a value" build foo -o
    # Before the command: named, and where it goes.
    usage_error "unknown option '--cwms' (options go after the command" --cwms 2.5 build foo
    ;;
did_you_mean)
    usage_error "unknown option '--cmws': did you mean --cwms?" build --cmws 2.5 foo
    usage_error "unknown option '--fecth': did you mean --fetch?" build --fecth foo
    usage_error "unknown option '--verify-dpeth': did you mean --verify-depth?" check --verify-dpeth 2 b.pem
    usage_error "unknown option '--new-ky': did you mean --new-key?" request --new-ky k --host a.example.com
    usage_error "unknown option '--no-logn': did you mean --no-login?" tokens --no-logn
    usage_error "'biuld' is not a command: did you mean 'build'?" biuld
    usage_error "'chekc' is not a command: did you mean 'check'?" chekc b.pem
    usage_error "'tokns' is not a command: did you mean 'tokens'?" tokns
    usage_error "'frobnicate' is not a command" frobnicate
    if grep -q "did you mean" "$TMP/stderr"; then fail "a far-off word got a suggestion"; fi
    usage_error "'biuld' is not a command: did you mean 'build'?" help biuld
    ;;
version_everywhere)
    want="cwms-bundle $("$CWMS_BUNDLE" --version | sed -n 's/^cwms-bundle //p')"
    [ "$want" != "cwms-bundle " ] || fail "--version printed no version"
    for args in "--version" "-V" "build --version" "build -V" "check -V" "check --version" \
                "request -V" "tokens --version" "build --cwms 2.5 -V"; do
        # shellcheck disable=SC2086
        "$CWMS_BUNDLE" $args > "$TMP/out" 2> "$TMP/err" || fail "'$args' failed"
        [ "$(cat "$TMP/out")" = "$want" ] || fail "'$args' printed '$(cat "$TMP/out")'"
        [ ! -s "$TMP/err" ] || fail "'$args' wrote to stderr: $(cat "$TMP/err")"
    done
    for cmd in build check request tokens; do
        "$CWMS_BUNDLE" "$cmd" --help > "$TMP/help"
        grep -qE -- "^  -V, --version +show the version$" "$TMP/help" || fail "$cmd --help lacks -V"
    done
    "$CWMS_BUNDLE" --help > "$TMP/help"
    assert_contains "$TMP/help" "-V, --version"
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
echo "ok: $case_name"
