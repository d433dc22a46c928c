#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (target 5): what loading the cwms provider adds to a
# plain `openssl storeutl -noout FILE` of a certificate file.
#
#   tests/bench/provider-load.sh [BUILD_DIR [PAIRS]]
#
# Runs PAIRS pairs (default 101) of storeutl without and with
# `-provider-path BUILD_DIR/provider -provider cwms -provider default`,
# alternating which of the two goes first so drift and caches hit both
# alike, and prints the median of the per-pair time ratios (with/without).
# Target: <= 1.10. Prints; does not judge (no timed tests). Use a plain
# (not sanitizer) build.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-plain}
pairs=${2:-101}
module_dir=$build/provider
[ -f "$module_dir/cwms.so" ] || { echo "provider-load: no $module_dir/cwms.so (build first)" >&2; exit 2; }
export OPENSSL_CONF=/dev/null

# shellcheck source=../lib/pki.sh
. "$root/tests/lib/pki.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cwms-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pki_init "$tmp"
pki_hierarchy >/dev/null
file=$tmp/ca-bundle.pem

with=(-provider-path "$module_dir" -provider cwms -provider default)

# Microseconds one run takes (bash's EPOCHREALTIME; the fork is in both sides). Every
# run must succeed (set -e) and find the file's 3 certificates, checked off the clock.
run_us() {
    local t0 t1
    t0=${EPOCHREALTIME/./}
    openssl storeutl -noout "$@" "$file" > "$tmp/out"
    t1=${EPOCHREALTIME/./}
    [ "$(tail -n 1 "$tmp/out")" = "Total found: 3" ] \
        || { echo "provider-load: storeutl $* did not find the 3 certificates" >&2; exit 1; }
    echo $((t1 - t0))
}

# Both must work before anything is timed.
openssl storeutl -noout "$file" > /dev/null
openssl storeutl -noout "${with[@]}" "$file" > /dev/null
for _ in 1 2 3; do run_us > /dev/null; run_us "${with[@]}" > /dev/null; done   # warm-up

: > "$tmp/pairs"
for ((i = 0; i < pairs; i++)); do
    if ((i % 2 == 0)); then
        a=$(run_us); b=$(run_us "${with[@]}")
    else
        b=$(run_us "${with[@]}"); a=$(run_us)
    fi
    echo "$a $b" >> "$tmp/pairs"
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio=$(awk '{ printf "%.6f\n", $2 / $1 }' "$tmp/pairs" | median)
without_ms=$(awk '{ print $1 / 1000 }' "$tmp/pairs" | median)
with_ms=$(awk '{ print $2 / 1000 }' "$tmp/pairs" | median)
printf 'provider-load: median ratio %.3f (storeutl -noout: %.2f ms without, %.2f ms with -provider cwms -provider default; %d pairs); target <= 1.10\n' \
    "$ratio" "$without_ms" "$with_ms" "$pairs"
