#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bash completion (completion/cwms-bundle.bash): the function bash calls on TAB, run for a few
# command lines against the built cwms-bundle, and its answers checked.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"
# shellcheck source=../../completion/cwms-bundle.bash
. "$CWMS_SOURCE_ROOT/completion/cwms-bundle.bash"
complete -p cwms-bundle | grep -q -- '-F _cwms_bundle' || fail "the script does not register _cwms_bundle"

mkdir -p "$TMP/ca-files"
touch "$TMP/server.key" "$TMP/server.crt" "$TMP/ca-files/bundle.pem"
cd "$TMP"

# expect WANT WORDS...: completing the command line WORDS (the last one being completed,
# "" for a new word) offers exactly WANT (space-separated, sorted).
expect() {
    local want=$1 got; shift
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    _cwms_bundle
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] || fail "completing '$*': got '$got', expected '$want'"
}

B=$CWMS_BUNDLE
# First as a shell that does not split words at ':' sees it.
COMP_WORDBREAKS=$' \t\n'
expect "build check help request tokens" "$B" ""
expect "check" "$B" ch
expect "--help --version" "$B" --
expect "--cwms" "$B" build --cw
expect "2.0 2.5 2.6 2.7 2.8" "$B" build --cwms 2.
expect "--connect" "$B" check --con
expect "--warn-days" "$B" check --warn
expect "leaf-first root-first" "$B" check --order ""
expect "pem pkcs12" "$B" build --format ""
expect "ec:P-256 ec:P-384 rsa:2048 rsa:3072 rsa:4096" "$B" request --key-type ""
expect "env: fd: file: pass: stdin" "$B" build --passin ""
# Options that take a value without a fixed list offer nothing (not file names).
expect "" "$B" check --host ""
expect "" "$B" build --attime ""
# File names: operands and the options that name a file, also after "file:".
expect "server.crt server.key" "$B" build server.
expect "ca-files" "$B" build --trust ca
expect "ca-files/bundle.pem" "$B" check --against ca-files/
expect "file:server.crt file:server.key" "$B" build --passin file:server.
expect "build check help request tokens" "$B" help ""
expect "rsa:2048 rsa:3072 rsa:4096" "$B" request --key-type rsa:
# bash's default splits at ':' (COMP_WORDBREAKS): only the part after it is replaced.
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
expect "2048 3072 4096" "$B" request --key-type rsa:
expect "server.crt server.key" "$B" build --passin file:server.
echo "ok: completion"
