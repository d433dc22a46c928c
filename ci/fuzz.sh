#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target for a bounded time in the clang ASan+UBSan
# build (ci/build.sh fuzz), each from a copy of its seed corpus; fails on
# any finding (a crash, a sanitizer report, a leak, a timeout of one input).
#   CWMS_WITH_FUZZ=1 bash ci/install-deps.sh && bash ci/fuzz.sh [SECONDS]
# SECONDS per target, default $CWMS_FUZZ_SECONDS or 60. The seed is fixed
# (CWMS_FUZZ_SEED, default 1) so that a run explores the same inputs on every
# machine: a finding reproduces, and a longer local run covers what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${CWMS_FUZZ_SECONDS:-60}}
bash ci/build.sh fuzz >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for target in build-fuzz/tests/fuzz/fuzz_*; do
    [ -f "$target" ] && [ -x "$target" ] || continue
    name=$(basename "$target")
    corpus=tests/fuzz/corpus/${name#fuzz_}
    mkdir -p "$work/$name" "$work/$name.artifacts"
    [ -d "$corpus" ] && cp "$corpus"/* "$work/$name/"
    echo "=== $name for ${seconds}s" >&2
    if ! "$target" -seed="${CWMS_FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$work/$name.artifacts/" "$work/$name" > "$work/$name.log" 2>&1; then
        tail -40 "$work/$name.log" >&2
        echo "$name: FINDING (inputs kept in ${CWMS_FUZZ_ARTIFACTS:-build-fuzz/artifacts})" >&2
        mkdir -p "${CWMS_FUZZ_ARTIFACTS:-build-fuzz/artifacts}"
        cp "$work/$name.artifacts"/* "${CWMS_FUZZ_ARTIFACTS:-build-fuzz/artifacts}/" 2>/dev/null || true
        status=1
    else
        grep -E "^(#[0-9]+ *DONE|Done [0-9]+ runs)" "$work/$name.log" | tail -1 >&2 || true
    fi
done
exit $status
