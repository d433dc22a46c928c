#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Docs that render and agree: docs.sh CASE (one meson test per CASE).
#   man_pages_render   groff -ww is silent; rendered, no escape shows, no fragment twice,
#                      no indented paragraph detached from its option
#   synopsis_agrees    README.md, the man page's SYNOPSIS and each --help: one synopsis, the
#                      option table's
#   exit_codes_agree   every command's --help states the exit codes alike; README and the man
#                      page list the same codes
#   reasons_agree      every CWMS_R_* has a row in the reason table; the man page's reason and
#                      finding-code tables and the schema's finding codes agree with it
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"
case_name=${1:?usage: docs.sh CASE}
DOCS=$CWMS_SOURCE_ROOT/docs
PAGES=("$DOCS/cwms-bundle.1" "$DOCS/cwms-provider.7")
command -v groff > /dev/null && command -v man > /dev/null \
    || fail "groff and man are needed (ci/install-deps.sh installs them)"

case $case_name in
man_pages_render)
    for page in "${PAGES[@]}"; do
        groff -ww -man -z "$page" 2> "$TMP/groff.err" || fail "groff failed on $page"
        [ ! -s "$TMP/groff.err" ] || { cat "$TMP/groff.err" >&2; fail "groff -ww warns about $page"; }
        # The same through the man page renderer users run, in UTF-8 and in ASCII.
        LANG=C.UTF-8 MANWIDTH=80 man -l "$page" > "$TMP/page.txt" 2> "$TMP/man.err" \
            || { cat "$TMP/man.err" >&2; fail "man -l failed on $page"; }
        [ -s "$TMP/page.txt" ] || fail "man -l rendered nothing of $page"
        [ ! -s "$TMP/man.err" ] || { cat "$TMP/man.err" >&2; fail "man -l warns about $page"; }
    done
    python3 "$CWMS_SOURCE_ROOT/tests/lib/man_lint.py" "${PAGES[@]}" \
        || fail "the man pages render with the defects listed above"
    # The example users copy from SEEING THE CHAIN reads as it is typed.
    LANG=C MANWIDTH=200 man -l "$DOCS/cwms-bundle.1" 2> /dev/null > "$TMP/page.txt"
    assert_contains "$TMP/page.txt" "cwms-bundle build --graph dot -o webex.pem key.pem ca/ | dot -Tsvg > chain.svg"
    ;;
synopsis_agrees)
    syn=(python3 "$CWMS_SOURCE_ROOT/tests/lib/synopsis.py")
    "${syn[@]}" help "$CWMS_BUNDLE" | sort > "$TMP/help.syn"
    "${syn[@]}" man "$DOCS/cwms-bundle.1" | sort > "$TMP/man.syn"
    "${syn[@]}" readme "$CWMS_SOURCE_ROOT/README.md" | sort > "$TMP/readme.syn"
    [ "$(wc -l < "$TMP/help.syn")" = 4 ] || fail "not one Usage line per command"
    diff -u "$TMP/help.syn" "$TMP/man.syn" >&2 \
        || fail "the man page's SYNOPSIS differs from --help (regenerate it: python3 tests/lib/synopsis.py roff CWMS_BUNDLE)"
    diff -u "$TMP/help.syn" "$TMP/readme.syn" >&2 || fail "README.md's synopsis differs from --help"
    # --help is the table's: every option the parser takes for build is on the Usage line.
    grep -q -- "--verify-depth N" "$TMP/help.syn" || fail "build's synopsis lacks --verify-depth"
    grep -q "cwms-bundle tokens \[--pin SRC\]" "$TMP/readme.syn" || fail "tokens is not --pin everywhere"
    ;;
exit_codes_agree)
    want="Exit codes: 0 ok, 1 internal error, 2 usage (a bad option or value), 3 input, 4 chain,
5 key, 6 token, 7 output."
    for cmd in build check request tokens; do
        "$CWMS_BUNDLE" "$cmd" --help > "$TMP/help"
        python3 - "$TMP/help" "$want" <<'EOF' || fail "$cmd --help does not state the exit codes as the others do"
import sys
sys.exit(0 if sys.argv[2] in open(sys.argv[1]).read() else 1)
EOF
        if grep -q "rule CWMS would break" "$TMP/help"; then fail "$cmd --help gives its own meaning to an exit code"; fi
    done
    # README's table and the man page's EXIT STATUS: the codes 0 to 7, each once.
    [ "$(grep -cE '^\| [0-7] \|' "$CWMS_SOURCE_ROOT/README.md")" = 8 ] || fail "README.md does not list exit codes 0-7"
    LANG=C.UTF-8 MANWIDTH=200 man -l "$DOCS/cwms-bundle.1" 2> /dev/null \
        | sed -n '/^EXIT STATUS/,/^[A-Z]/p' > "$TMP/exit.txt"
    for code in 0 1 2 3 4 5 6 7; do
        [ "$(grep -cE "^ +$code +[a-z]" "$TMP/exit.txt")" = 1 ] \
            || { cat "$TMP/exit.txt" >&2; fail "EXIT STATUS does not list $code exactly once"; }
    done
    ;;
reasons_agree)
    # The reason table (core/util/reasons.c) has a row for every CWMS_R_* of the header, and the
    # man page's reason and finding-code tables and the JSON schema's finding codes say what it says.
    table=$CWMS_BUILD_ROOT/tests/tools/reason-table
    [ -x "$table" ] || fail "no reason-table tool at $table"
    "$table" > "$TMP/reasons.tsv" || fail "reason-table failed"
    python3 "$CWMS_SOURCE_ROOT/tests/lib/reason_docs.py" \
        "$CWMS_SOURCE_ROOT/core/include/cwms/diag.h" "$TMP/reasons.tsv" "$DOCS/cwms-bundle.1" \
        "$DOCS/cwms-bundle.schema.json" || fail "the reason table and the docs disagree (above)"
    ;;
*)
    fail "unknown case $case_name"
    ;;
esac
echo "ok: $case_name"
