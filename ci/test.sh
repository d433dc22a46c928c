#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets everything up and runs every test: a plain build and an ASan+UBSan
# build, each through `meson test` (cmocka units + integration scripts), the
# provider's thread test under ThreadSanitizer, the style check, and every
# libFuzzer target for a bounded time (CWMS_FUZZ_SECONDS for all of them,
# default 420; CWMS_WITH_FUZZ=0 leaves the fuzzing out), and the Debian package
# built, checked with lintian, installed, smoke-tested and removed (ci/deb.sh;
# CWMS_WITH_DEB=0 leaves it out).
# Run as root: the root-only cases run, the cases a user without root meets
# run as the user cwms-ci, made here (CWMS_TEST_USER), and the plain build is
# built and tested once more as cwms-ci on a copy of the tree (users seldom run
# the tool as root), all but the tests ci/root-only names. Any skip fails the run.
# Ends with one line "tests: N passed, N failed, N skipped" over all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CWMS_WITH_FUZZ=${CWMS_WITH_FUZZ:-1} CWMS_WITH_FORMAT=${CWMS_WITH_FORMAT:-1}
export CWMS_WITH_DEB=${CWMS_WITH_DEB:-1}
bash ci/install-deps.sh

if [ "$(id -u)" -eq 0 ]; then
    id cwms-ci > /dev/null 2>&1 \
        || useradd --system --user-group --no-create-home --shell /usr/sbin/nologin cwms-ci
    export CWMS_TEST_USER=cwms-ci
else
    echo "ci/test.sh: not root: the root-only cases will skip, and fail the run" >&2
fi

. ci/test-lib.sh

status=0 passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for variant in plain asan; do
    echo "=== $variant build" >&2
    bash ci/build.sh "$variant"
    if ! meson test -C "build-$variant" --print-errorlogs --num-processes 2 | tee "$log"; then
        status=1
    fi
    no_skips "$variant" "build-$variant" || status=1
    count() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$log" | tail -n 1; }
    passed=$((passed + $(count Ok) + 0))
    failed=$((failed + $(count Fail) + $(count Timeout) + $(count 'Unexpected Pass') + 0))
    skipped=$((skipped + $(count Skipped) + 0))
done
# The plain build once more as cwms-ci, on a copy of the tree that user owns (the clone
# may lie where only root can reach): what root passes through, a user may not.
if [ "$(id -u)" -eq 0 ]; then
    echo "=== plain build as cwms-ci, a user without root" >&2
    user_tree=$(mktemp -d /tmp/cwms-ci-user.XXXXXX)
    tar --exclude='./build-*' --exclude=./.git -cf - . | tar -C "$user_tree" -xf -
    chown -R cwms-ci: "$user_tree"
    if ! runuser -u cwms-ci -- env HOME="$user_tree" bash -c \
            'cd "$1" && bash ci/build.sh plain build-user > /dev/null &&
             mapfile -t tests < <(. ci/test-lib.sh && user_tests build-user) &&
             echo "=== as cwms-ci: ${#tests[@]} tests (ci/root-only leaves out what needs root)" >&2 &&
             meson test -C build-user --print-errorlogs --num-processes 2 "${tests[@]}"' _ "$user_tree" \
            | tee "$log"; then
        status=1
    fi
    no_skips user "$user_tree/build-user" || status=1
    passed=$((passed + $(count Ok) + 0))
    failed=$((failed + $(count Fail) + $(count Timeout) + $(count 'Unexpected Pass') + 0))
    skipped=$((skipped + $(count Skipped) + 0))
    rm -rf "$user_tree"
fi

# The provider opened from 8 threads of one process, under ThreadSanitizer.
echo "=== tsan build: provider threads" >&2
bash ci/build.sh tsan >/dev/null
if meson test -C build-tsan --print-errorlogs hostile-provider_threads | tee "$log" \
    && no_skips tsan build-tsan; then
    passed=$((passed + 1))
else
    failed=$((failed + 1)); status=1
fi

# The code's layout is .clang-format's (ci/format-check.sh names any file that is not).
echo "=== format check" >&2
if bash ci/format-check.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi

# The Debian package (a third build, without the suite: ~1-3 min): lintian clean of errors, and
# installed with apt-get, smoke-tested and removed again (ci/deb.sh).
if [ "$CWMS_WITH_DEB" = 1 ]; then
    echo "=== debian package" >&2
    if bash ci/deb.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
fi

# Bounded libFuzzer runs (a few minutes); clang and its runtime come with CWMS_WITH_FUZZ=1.
if [ "$CWMS_WITH_FUZZ" = 1 ]; then
    echo "=== fuzz (${CWMS_FUZZ_SECONDS:-420}s shared by the targets)" >&2
    if bash ci/fuzz.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
