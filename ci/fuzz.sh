#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target for a bounded time in the clang ASan+UBSan
# build (ci/build.sh fuzz), each from its committed corpus (tests/fuzz/corpus)
# plus the seeds tests/fuzz/seeds.sh makes; fails on any finding (a crash, a
# sanitizer report, a leak, a timeout of one input) and when a target was not
# built or did not run.
#   CWMS_WITH_FUZZ=1 bash ci/install-deps.sh && bash ci/fuzz.sh [SECONDS]
# SECONDS is the whole run's budget, shared evenly by the targets (default
# $CWMS_FUZZ_SECONDS or 420: what 7 targets x 60 s took). Each run takes a new
# seed, printed, so that CI explores new inputs every time; a finding replays
# from the input kept in $CWMS_FUZZ_ARTIFACTS (build-fuzz/artifacts) with
#   build-fuzz/tests/fuzz/fuzz_NAME FILE
# or the whole run again with CWMS_FUZZ_SEED=SEED and the corpus kept beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-${CWMS_FUZZ_SECONDS:-420}}
seed=${CWMS_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
artifacts=${CWMS_FUZZ_ARTIFACTS:-build-fuzz/artifacts}
bash ci/build.sh fuzz >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The targets are the tests/fuzz/fuzz_*.c files that define one; each must be built and run.
targets=()
for src in tests/fuzz/fuzz_*.c; do
    grep -q '^int LLVMFuzzerTestOneInput' "$src" || continue
    name=$(basename "$src" .c)
    targets+=("${name#fuzz_}")
done
seconds=$((budget / ${#targets[@]}))
[ "$seconds" -ge 10 ] || seconds=10
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, seed $seed (replay the run: CWMS_FUZZ_SEED=$seed)" >&2

bash tests/fuzz/seeds.sh "$work/seeds"
status=0 ran=0
for name in "${targets[@]}"; do
    target=build-fuzz/tests/fuzz/fuzz_$name
    if [ ! -x "$target" ]; then
        echo "fuzz_$name: NOT BUILT (tests/fuzz/meson.build lists every target)" >&2
        status=1
        continue
    fi
    corpus=$work/corpus/$name
    mkdir -p "$corpus" "$work/$name.artifacts"
    [ -d "tests/fuzz/corpus/$name" ] && cp "tests/fuzz/corpus/$name"/* "$corpus/"
    [ -d "$work/seeds/$name" ] && cp "$work/seeds/$name"/* "$corpus/"
    echo "=== fuzz_$name for ${seconds}s from $(find "$corpus" -type f | wc -l) seeds" >&2
    if ! "$target" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$work/$name.artifacts/" "$corpus" > "$work/$name.log" 2>&1; then
        tail -40 "$work/$name.log" >&2
        mkdir -p "$artifacts/$name.corpus"
        cp "$work/$name.artifacts"/* "$artifacts/" 2>/dev/null || true
        cp "$corpus"/* "$artifacts/$name.corpus/"
        echo "fuzz_$name: FINDING with seed $seed (inputs kept in $artifacts, corpus in" \
             "$artifacts/$name.corpus)" >&2
        status=1
        continue
    fi
    # libFuzzer's last line says how many inputs it ran: none means the target did not run.
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/$name.log" | tail -n 1)
    if [ -z "$runs" ] || [ "$runs" -eq 0 ]; then
        tail -20 "$work/$name.log" >&2
        echo "fuzz_$name: DID NOT RUN" >&2
        status=1
        continue
    fi
    echo "fuzz_$name: $runs runs" >&2
    ran=$((ran + 1))
done
echo "fuzz: $ran of ${#targets[@]} targets ran without a finding (seed $seed)" >&2
[ "$ran" -eq "${#targets[@]}" ] || status=1
exit $status
