#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets everything up and runs every test: a plain build and an ASan+UBSan
# build, each through `meson test` (cmocka units + integration scripts), the
# provider's thread test under ThreadSanitizer, the style check, and every
# libFuzzer target for a bounded time (CWMS_FUZZ_SECONDS, default 60;
# CWMS_WITH_FUZZ=0 leaves the fuzzing out), and the Debian package built, checked
# with lintian, installed, smoke-tested and removed (ci/deb.sh; CWMS_WITH_DEB=0
# leaves it out).
# Ends with one line "tests: N passed, N failed, N skipped" over all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CWMS_WITH_FUZZ=${CWMS_WITH_FUZZ:-1} CWMS_WITH_FORMAT=${CWMS_WITH_FORMAT:-1}
export CWMS_WITH_DEB=${CWMS_WITH_DEB:-1}
bash ci/install-deps.sh

status=0 passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for variant in plain asan; do
    echo "=== $variant build" >&2
    bash ci/build.sh "$variant"
    if ! meson test -C "build-$variant" --print-errorlogs --num-processes 2 | tee "$log"; then
        status=1
    fi
    count() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$log" | tail -n 1; }
    passed=$((passed + $(count Ok) + 0))
    failed=$((failed + $(count Fail) + $(count Timeout) + $(count 'Unexpected Pass') + 0))
    skipped=$((skipped + $(count Skipped) + 0))
done
# The provider opened from 8 threads of one process, under ThreadSanitizer.
echo "=== tsan build: provider threads" >&2
bash ci/build.sh tsan >/dev/null
if meson test -C build-tsan --print-errorlogs hostile-provider_threads | tee "$log"; then
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
    echo "=== fuzz (${CWMS_FUZZ_SECONDS:-60}s per target)" >&2
    if bash ci/fuzz.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
