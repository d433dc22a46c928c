# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared helpers of the integration tests. Source after setting -eu.
#   TMP            a private temp dir, removed at exit
#   CWMS_BUNDLE    the built CLI
#   TEST_DATA      tests/data, the vendored third-party certificates and suites
#   fail MSG / skip MSG / expect_fail CODE CMD... / assert_contains FILE TEXT
#   ossl ARGS...   the openssl binary, ready to load an ASan-built cwms.so
#   skip_part MSG  a part that cannot run here (a missing tool): the rest runs,
#                  and a test that otherwise passes then exits 77 (a SKIP, not a pass)
#   bounded CODE CMD...  CMD exits CODE in under 20 s and 1 GiB (hostile inputs)
#   shown_text [--tty] FILE [TEXT...]  FILE holds only what the escaping rule lets
#                  through (tests/lib/shown_text.py), and each TEXT
#   "${AS_USER[@]}" CMD...  CMD as an unprivileged user (root drops to $CWMS_TEST_USER)

: "${CWMS_SOURCE_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${CWMS_BUILD_ROOT:=$CWMS_SOURCE_ROOT/build}"
: "${CWMS_TEST_DATA:=$CWMS_SOURCE_ROOT/tests/data}"
CWMS_BUNDLE=$CWMS_BUILD_ROOT/cli/cwms-bundle
TEST_DATA=$CWMS_TEST_DATA
export OPENSSL_CONF=/dev/null

# shellcheck source=pki.sh
. "$CWMS_SOURCE_ROOT/tests/lib/pki.sh"

# Under set -e a failing step ends the test: say which, instead of ending silently.
if [[ $- == *e* ]]; then
    trap 'echo "FAIL: line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cwms-test.XXXXXX")
SKIPPED_PARTS=0
on_exit() {
    local rc=$?
    rm -rf "$TMP"
    if [ "$rc" -eq 0 ] && [ "$SKIPPED_PARTS" -gt 0 ]; then
        echo "SKIP: $SKIPPED_PARTS part(s) of this test could not run (above)" >&2
        exit 77
    fi
    exit "$rc"
}
trap on_exit EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
skip_part() { echo "SKIP (part): $*" >&2; SKIPPED_PARTS=$((SKIPPED_PARTS + 1)); }

# expect_fail CODE CMD...: CMD must exit with CODE; its stderr is left in $TMP/stderr.
expect_fail() {
    local want=$1 rc=0; shift
    "$@" 2> "$TMP/stderr" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$TMP/stderr" >&2; fail "'$*' exited $rc, expected $want"; }
}

# ossl ARGS...: openssl with the ASan runtime preloaded in the sanitizer build (the module
# is instrumented, the binary is not). Leak detection stays on (openssl
# itself does not leak); ASan's exit code 86 keeps a report from passing
# for an expected failure. A timeout so a loader that never reaches eof
# fails the test instead of hanging it.
ossl() {
    if [ -n "${CWMS_ASAN_PRELOAD:-}" ]; then
        timeout 120 env LD_PRELOAD="$CWMS_ASAN_PRELOAD" \
            ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86" openssl "$@"
    else
        timeout 120 openssl "$@"
    fi
}

assert_contains() {
    grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "'$1' does not contain '$2'"; }
}

# Subjects (one per line, openssl's default format) of the certificates in a PEM file, in order.
pem_subjects() {
    openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs -noout | sed -n 's/^subject=//p'
}

# The PEM block types of a file, in order ("PRIVATE KEY", "CERTIFICATE", ...).
pem_types() { sed -n 's/^-----BEGIN \(.*\)-----$/\1/p' "$1"; }

# bounded CODE CMD...: CMD exits CODE within 20 s using under 1 GiB; stderr in
# $TMP/stderr, wall seconds in $SECONDS_TAKEN, peak RSS (KiB) in $PEAK_KB.
bounded() {
    local want=$1 rc=0; shift
    # A shell function (ossl) runs in a bash of its own, so that it can be timed too.
    if declare -F "$1" > /dev/null; then
        export -f "${1?}"
        set -- bash -c '"$0" "$@"' "$@"
    fi
    timeout 60 /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" 2> "$TMP/stderr" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$TMP/stderr" >&2; fail "'$*' exited $rc, expected $want"; }
    read -r SECONDS_TAKEN PEAK_KB < <(tail -1 "$TMP/time")
    # %q: a hostile file name among the arguments reaches the log escaped.
    echo "took ${SECONDS_TAKEN} s, peak RSS ${PEAK_KB} KiB: $(printf '%q ' "$@")" >&2
    awk -v t="$SECONDS_TAKEN" 'BEGIN { exit !(t < 20) }' || fail "took $SECONDS_TAKEN s: $*"
    [ "$PEAK_KB" -lt 1048576 ] || fail "peak RSS $PEAK_KB KiB: $*"
}

# shown_text [--tty] FILE [TEXT...]: FILE is valid UTF-8 without controls, and shows each TEXT.
shown_text() {
    python3 "$CWMS_SOURCE_ROOT/tests/lib/shown_text.py" "$@" || fail "escaping rule broken (above)"
}

# "${AS_USER[@]}" CMD...: CMD as an unprivileged user, for what root would do past a file's
# permissions. Run as root, the tests drop to $CWMS_TEST_USER (ci/test.sh makes one, cwms-ci;
# default nobody); run as anyone else, CMD runs as that user. TEST_USER names who it is.
TEST_USER=$(id -un)
AS_USER=()
if [ "$(id -u)" -eq 0 ]; then
    TEST_USER=${CWMS_TEST_USER:-nobody}
    AS_USER=(setpriv --reuid="$TEST_USER" --regid="$(id -g "$TEST_USER")" --clear-groups --)
fi
