# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared helpers of the integration tests. Source after setting -eu.
#   TMP            a private temp dir, removed at exit
#   CWMS_BUNDLE    the built CLI
#   TEST_DATA      tests/data, the vendored third-party certificates and suites
#   fail MSG / skip MSG / expect_fail CODE CMD... / assert_contains FILE TEXT
#   bounded CODE CMD...  CMD exits CODE within 20 s using under 1 GiB (hostile inputs)
#   ossl ARGS...   the openssl binary, ready to load an ASan-built cwms.so
#                  ("${OSSL_CMD[@]}" ARGS... the same for wrappers that exec, as bounded)
#   skip_part MSG  a part that cannot run here (a missing tool): the rest runs,
#                  and a test that otherwise passes then exits 77 (a SKIP, not a pass)
#   at_exit CMD... runs CMD when the test ends, before $TMP goes (stops a daemon it started);
#                  the last registered runs first
#   bounded CODE CMD...  CMD exits CODE in under 20 s and 1 GiB (hostile inputs)
#   files_snapshot NAME FILE... / files_unchanged NAME   no file replaced (inode + SHA-256)
#   no_leftovers   nothing in $OUTDIR but keep.* (no output, no temporary file)
#   make_pki [KEY] the usual root -> primary -> secondary -> server PKI in $TMP/pki
#   http_serve DIR tests/lib/http_server.py on 127.0.0.1 serving DIR; sets $PORT (stopped at exit)
#   help_says COMMAND TEXT   cwms-bundle COMMAND --help says TEXT
#   free_port      a TCP port of 127.0.0.1 nothing listens on (for a dead server or proxy)
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
EXIT_HOOKS=()
CLEANUP_PIDS=()
# at_exit CMD [ARGS...]: run CMD at exit, before $TMP goes, the last added first (once, however
# often the same command is added): how a test stops the servers and daemons it started.
at_exit() {
    local cmd i
    cmd=$(printf '%q ' "$@")
    for ((i = 0; i < ${#EXIT_HOOKS[@]}; i++)); do [ "${EXIT_HOOKS[i]}" != "$cmd" ] || return 0; done
    EXIT_HOOKS+=("$cmd")
}
on_exit() {
    local rc=$? i pid
    [ -z "${TLS_SERVER_PIDS:-}" ] || kill $TLS_SERVER_PIDS 2> /dev/null || true
    for ((i = ${#EXIT_HOOKS[@]} - 1; i >= 0; i--)); do eval "${EXIT_HOOKS[i]}" || true; done
    for pid in "${CLEANUP_PIDS[@]}"; do
        kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null || true
    done
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
if [ -n "${CWMS_ASAN_PRELOAD:-}" ]; then
    OSSL_CMD=(env LD_PRELOAD="$CWMS_ASAN_PRELOAD"
              ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86" openssl)
else
    OSSL_CMD=(openssl)
fi
# In the sanitizer build, a run whose LeakSanitizer tracer itself crashed ("LeakSanitizer has
# encountered a fatal error": its stop-the-world tracer faults, rarely, while a thread that
# just ended is being reaped) is a fault of the sanitizer, not a finding: it is run once
# more, and said so. Its output is passed on only when it is final.
ossl() {
    [ -n "${CWMS_ASAN_PRELOAD:-}" ] || { timeout 120 "${OSSL_CMD[@]}" "$@"; return; }
    local out err rc try
    out=$(mktemp "${TMP:-/tmp}/ossl.out.XXXXXX") err=$(mktemp "${TMP:-/tmp}/ossl.err.XXXXXX")
    for try in 1 2; do
        rc=0
        if [ "$try" = 1 ]; then
            timeout 120 "${OSSL_CMD[@]}" "$@" > "$out" 2> "$err" || rc=$?
        else
            timeout 120 "${OSSL_CMD[@]}" "$@" > "$out" 2> "$err" < /dev/null || rc=$?
        fi
        grep -q "LeakSanitizer has encountered a fatal error" "$err" || break
        echo "note: LeakSanitizer's tracer crashed in 'openssl $1' (a sanitizer fault): run again" >&2
    done
    cat "$out"
    cat "$err" >&2
    rm -f "$out" "$err"
    return "$rc"
}

assert_contains() {
    grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "'$1' does not contain '$2'"; }
}

# Subjects (one per line, openssl's default format) of the certificates in a PEM file, in order.
pem_subjects() {
    openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs -noout | sed -n 's/^subject=//p'
}

# help_says COMMAND TEXT: `cwms-bundle COMMAND --help` says TEXT. (Not through `| grep -q`: grep
# leaves at the first match, and the rest of the help then meets a closed pipe: exit 7.)
help_says() {
    "$CWMS_BUNDLE" "$1" --help > "$TMP/help.txt" || fail "cwms-bundle $1 --help failed"
    grep -q -- "$2" "$TMP/help.txt"
}

# The PEM block types of a file, in order ("PRIVATE KEY", "CERTIFICATE", ...).
pem_types() { sed -n 's/^-----BEGIN \(.*\)-----$/\1/p' "$1"; }

# Servers for `check --connect`, on 127.0.0.1 at a port the kernel picks (no fixed port: other
# runs of the suite share the machine), each bounded to 120 s and stopped when the test exits.
#   tls_server S_SERVER-ARGS...  openssl s_server -www with those arguments (-cert, -key,
#                                -cert_chain, ...); sets TLS_PORT
#   silent_server [REPLY]        a socket that accepts connections and never speaks (with REPLY:
#                                reads, answers REPLY and closes, as a server of another protocol);
#                                sets TLS_PORT
TLS_SERVER_PIDS=
tls_server() {
    local log
    log=$(mktemp "$TMP/tls-server.XXXXXX")
    timeout 120 openssl s_server -accept 127.0.0.1:0 -www "$@" > "$log" 2>&1 &
    TLS_SERVER_PIDS="$TLS_SERVER_PIDS $!"
    tls__port "$log" "openssl s_server $*"
}
silent_server() {
    local log
    log=$(mktemp "$TMP/tls-server.XXXXXX")
    timeout 120 python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print("ACCEPT 127.0.0.1:%d" % s.getsockname()[1], flush=True)
while len(sys.argv) > 1:
    c, _ = s.accept()
    c.recv(4096)
    c.sendall(sys.argv[1].encode())
    c.close()
time.sleep(120)' "$@" > "$log" 2>&1 &
    TLS_SERVER_PIDS="$TLS_SERVER_PIDS $!"
    tls__port "$log" "the silent server"
}
tls__port() {  # LOG WHAT: TLS_PORT from the server's "ACCEPT 127.0.0.1:PORT" line, within 10 s
    local i
    for i in $(seq 100); do
        TLS_PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$1")
        [ -z "$TLS_PORT" ] || return 0
        sleep 0.1
    done
    cat "$1" >&2
    fail "$2 did not start listening"
}

# bounded CODE CMD...: CMD exits CODE within 20 s using under 1 GiB; stderr in
# $TMP/stderr, wall seconds in $SECONDS_TAKEN, peak RSS (KiB) in $PEAK_KB.
bounded() {
    local want=$1 rc=0; shift
    timeout 60 /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" 2> "$TMP/stderr" || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$TMP/stderr" >&2; fail "'$*' exited $rc, expected $want"; }
    read -r SECONDS_TAKEN PEAK_KB < <(tail -1 "$TMP/time")
    # %q: a hostile file name among the arguments reaches the log escaped.
    echo "took ${SECONDS_TAKEN} s, peak RSS ${PEAK_KB} KiB: $(printf '%q ' "$@")" >&2
    awk -v t="$SECONDS_TAKEN" 'BEGIN { exit !(t < 20) }' || fail "took $SECONDS_TAKEN s: $*"
    [ "$PEAK_KB" -lt 1048576 ] || fail "peak RSS $PEAK_KB KiB: $*"
}

# files_snapshot NAME FILE...: remembers each FILE's inode, size and SHA-256 (under NAME);
# files_unchanged NAME: fails naming any of them that was replaced, changed or removed.
files_snapshot() {
    local name=$1 f; shift
    for f in "$@"; do
        printf '%s\t%s\t%s\n' "$f" "$(stat -L -c '%d:%i:%s' "$f")" "$(sha256sum < "$f")"
    done > "$TMP/snapshot.$name"
}
files_unchanged() {
    local f id sum
    while IFS=$'\t' read -r f id sum; do
        [ -e "$f" ] || fail "'$f' was removed"
        [ "$(stat -L -c '%d:%i:%s' "$f")" = "$id" ] || fail "'$f' was replaced (inode or size changed)"
        [ "$(sha256sum < "$f")" = "$sum" ] || fail "'$f' was changed"
    done < "$TMP/snapshot.$1"
}

# no_leftovers: nothing in $OUTDIR but what the test put there (keep.*): no output, no temp file.
no_leftovers() {
    local left
    left=$(find "$OUTDIR" -mindepth 1 \( -name 'keep.*' -prune \) -o -print)
    [ -z "$left" ] || fail "left behind: $left"
}

make_pki() {
    pki_init "$TMP/pki"
    PKI_KEY=${1:-ec:P-256} pki_hierarchy || fail "cannot make the test PKI"
}

# http_serve DIR: starts tests/lib/http_server.py on 127.0.0.1 serving DIR; sets $PORT. Stopped at exit.
http_serve() {
    python3 "$CWMS_SOURCE_ROOT/tests/lib/http_server.py" "$1" "$TMP/port" &
    CLEANUP_PIDS+=($!)
    local i
    for i in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
    [ -s "$TMP/port" ] || fail "the test HTTP server did not start"
    PORT=$(cat "$TMP/port")
    # Not through a proxy the machine may have set, unless a test says so.
    unset http_proxy HTTP_PROXY no_proxy NO_PROXY
}

# free_port: a port of 127.0.0.1 that was free a moment ago and that nothing listens on.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
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
