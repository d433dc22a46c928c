#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The option vocabulary on the command line: --cwms takes the CWMS releases
# that exist (with MR/SP/build suffixes) and refuses the rest with a list
# of the known ones (a release typed without its dot, "20", with "did you
# mean 2.0?"); --attime takes seconds, dates and UTC date-times; every
# option --help shows is one the parser takes, and the reverse.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"

pki_init "$TMP/pki"
pki_hierarchy
P=$TMP/pki
IN=("$P/server.crt" "$P/ca-bundle.pem")
build() { "$CWMS_BUNDLE" build --no-key "$@" "${IN[@]}"; }
# The common names of a PEM file's certificates, in order, joined by '|'.
order_of() { pem_subjects "$1" | sed 's/.*CN *= *//' | tr '\n' '|'; }
LEAF_FIRST="www.example.test|Test Secondary CA|Test Primary CA|"
ROOT_FIRST="Test Primary CA|Test Secondary CA|www.example.test|"

echo "# releases with maintenance, service pack and build suffixes pick their release's order"
for v in 2.5 2.5MR6 "2.5 MR6" 4.0MR2 "4.0MR2 SP1" 2.8.1.1 3 3.x 4 5.0 2.6mr1; do
    build --cwms "$v" > "$TMP/out.pem" 2> "$TMP/stderr" \
        || { cat "$TMP/stderr" >&2; fail "--cwms '$v' refused"; }
    [ "$(order_of "$TMP/out.pem")" = "$ROOT_FIRST" ] || fail "--cwms '$v' is not root-first"
    assert_contains "$TMP/stderr" "cwms-bundle: order: root-first"
done
for v in 2.0 2.0MR3 1.5 1.0 1 1.x 2.0.1.5; do
    build --cwms "$v" > "$TMP/out.pem" 2> "$TMP/stderr" \
        || { cat "$TMP/stderr" >&2; fail "--cwms '$v' refused"; }
    [ "$(order_of "$TMP/out.pem")" = "$LEAF_FIRST" ] || fail "--cwms '$v' is not leaf-first"
done

echo "# releases that do not exist, and 2 / 2.x (2.0 and 2.5 differ), are usage errors listing the known ones"
for v in 2 2.x 2.1 2.2 2.3 2.4 2.0.1 4.0.1 1.2 2.5MR 02.5 "" latest; do
    expect_fail 2 build --cwms "$v"
    assert_contains "$TMP/stderr" "cwms-bundle: error: --cwms '$v' is not"
    assert_contains "$TMP/stderr" "known releases: 1.0, 1.1, 1.5, 2.0 (leaf-first: server certificate first); 2.5, 2.6, 2.7, 2.8, 3.0, 4.0 and any later major (root-first: root-side intermediate first); each may end in MRn, MRn SPn or a four-part build number (2.5MR6, 4.0MR2 SP1, 2.8.1.1)"
    assert_contains "$TMP/stderr" "Try 'cwms-bundle build --help'"
done
expect_fail 2 build --cwms 2
assert_contains "$TMP/stderr" "--cwms '2' is not one CWMS release: 2.0 is leaf-first: server certificate first, 2.5 and later are root-first: root-side intermediate first; give the release, e.g. --cwms 2.0 or --cwms 2.5"
expect_fail 2 build --cwms 2.1
assert_contains "$TMP/stderr" "--cwms '2.1' is not a CWMS release; known releases"
# A hostile value is quoted bounded and without control characters.
expect_fail 2 build --cwms "$(printf '2.5\033[31m%0200d' 0)"
assert_contains "$TMP/stderr" "--cwms '2.5?[31m0000"
assert_contains "$TMP/stderr" "000...' is not a CWMS release"
if grep -q $'\033' "$TMP/stderr"; then fail "an escape character reached the terminal"; fi

echo "# a release typed without its dot is a usage error suggesting the dotted one, in build and check"
for pair in 10:1.0 15:1.5 20:2.0 25:2.5 26:2.6 28:2.8 30:3.0 40:4.0; do
    v=${pair%%:*} dotted=${pair#*:}
    expect_fail 2 build --cwms "$v"
    assert_contains "$TMP/stderr" "cwms-bundle: error: --cwms '$v' is not a CWMS release: did you mean $dotted (--cwms $dotted,"
    assert_contains "$TMP/stderr" "Releases are written with a dot, later majors too (5.0)"
done
expect_fail 2 build --cwms 21
assert_contains "$TMP/stderr" "--cwms '21' is not a CWMS release: releases are written with a dot"
"$CWMS_BUNDLE" build -q --cwms 2.0 -o "$TMP/20.pem" "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem"
expect_fail 2 "$CWMS_BUNDLE" check --cwms 20 --trust "$P/root.crt" "$TMP/20.pem"
assert_contains "$TMP/stderr" "did you mean 2.0 (--cwms 2.0, leaf-first"
"$CWMS_BUNDLE" check --cwms 2.0 --trust "$P/root.crt" "$TMP/20.pem" > "$TMP/out"
assert_contains "$TMP/out" "ready for CWMS 2.0"

echo "# --attime takes seconds, YYYY-MM-DD and YYYY-MM-DDTHH:MM:SSZ, all UTC"
tomorrow=$(date -u -d tomorrow +%Y-%m-%d)
build --cwms 2.5 --attime "$tomorrow" > /dev/null 2> "$TMP/stderr" \
    || { cat "$TMP/stderr" >&2; fail "--attime $tomorrow refused"; }
build --cwms 2.5 --attime "${tomorrow}T10:00:00Z" > /dev/null 2> "$TMP/stderr" \
    || { cat "$TMP/stderr" >&2; fail "--attime ${tomorrow}T10:00:00Z refused"; }
# 2017-12-01: before the test PKI existed. The date, the date-time and the
# seconds (1512086400) say the same thing.
expect_fail 4 build --cwms 2.5 --attime 2017-12-01
assert_contains "$TMP/stderr" "not yet valid at 2017-12-01 00:00:00 UTC"
cp "$TMP/stderr" "$TMP/date.err"
expect_fail 4 build --cwms 2.5 --attime 1512086400
cmp -s "$TMP/date.err" "$TMP/stderr" || fail "--attime 2017-12-01 and 1512086400 differ"
expect_fail 4 build --cwms 2.5 --attime 2017-12-01T10:00:00Z
assert_contains "$TMP/stderr" "not yet valid at 2017-12-01 10:00:00 UTC"
for t in yesterday 2017-12-01T10:00:00 2017-12-01T10:00:00+01:00 2017-02-29 2017-12-1 -5 253402300800; do
    expect_fail 2 build --attime "$t"
    assert_contains "$TMP/stderr" "--attime '$t' is not a time: give seconds since 1970-01-01 UTC, a UTC date or a UTC date and time, e.g. --attime 2017-12-01 or --attime 2017-12-01T10:00:00Z"
done

echo "# the other shared values say what to give, in the CLI's spelling"
expect_fail 2 build --order sideways
assert_contains "$TMP/stderr" "--order 'sideways' is not an order: use leaf-first (CWMS 1.x and 2.0) or root-first (CWMS 2.5 and later)"
expect_fail 2 build --path longest
assert_contains "$TMP/stderr" "--path 'longest' is not a path choice: use complete"
expect_fail 2 build --leaf 0123abcd
assert_contains "$TMP/stderr" "--leaf '0123abcd' is not a SHA-256 fingerprint"

echo "# every option --help shows is one the parser takes, and every one it takes is shown"
for cmd in build check tokens request; do
    "$CWMS_BUNDLE" "$cmd" --help > "$TMP/help-$cmd"
    # The option list's entries and the Usage line's [--option ...] (not prose).
    grep -oE -- '(^  (-[a-z], )?|\[|\| )--[a-z][a-z-]*' "$TMP/help-$cmd" \
        | grep -oE -- '--[a-z][a-z-]*' | sort -u > "$TMP/shown-$cmd"
    [ -s "$TMP/shown-$cmd" ] || fail "$cmd --help shows no options"
    while read -r opt; do
        # An option the parser does not know is "unknown option"; a known one fails otherwise.
        "$CWMS_BUNDLE" "$cmd" "$opt" < /dev/null > /dev/null 2> "$TMP/stderr" || true
        if grep -q "unknown option" "$TMP/stderr"; then fail "$cmd --help shows $opt, the parser refuses it"; fi
    done < "$TMP/shown-$cmd"
done
# The options the old help listed are all still there.
for opt in --cwms --order --key --no-key --passin --passout --format --key-format --output --path \
           --trust --include-root --attime --host --leaf --strict --help; do
    grep -qx -- "$opt" "$TMP/shown-build" || fail "build --help lost $opt"
done
for opt in --passin --no-login --help; do
    grep -qx -- "$opt" "$TMP/shown-tokens" || fail "tokens --help lost $opt"
done
assert_contains "$TMP/help-build" "Usage: cwms-bundle build [--cwms VERSION | --order leaf-first|root-first]"
assert_contains "$TMP/help-build" "  --attime TIME         validate at TIME instead of now"
assert_contains "$TMP/help-build" "2.5MR6, 4.0MR2 SP1, 2.8.1.1"
assert_contains "$TMP/help-tokens" "Usage: cwms-bundle tokens [--pin SRC] [--no-login] [--json] [URI]"
for opt in --cwms --order --passin --passout --trust --attime --host --strict --json --graph --fix \
           --output --quiet --help; do
    grep -qx -- "$opt" "$TMP/shown-check" || fail "check --help does not show $opt"
done

echo "PASS"
