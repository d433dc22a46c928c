#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The seeds ci/fuzz.sh hands libFuzzer (seeds.sh), made here and replayed
# through each target that has some (meson test fuzz-seeds-replay):
#   replay-seeds.sh SEEDS_SH NAME REPLAY_EXE [NAME REPLAY_EXE]...
# The small parsers' seeds (archives, fetch replies) also with every
# truncation and byte flip; the others as they are, since each input runs
# a whole pipeline.
set -euo pipefail
seeds_sh=$1; shift
work=$(mktemp -d "${TMPDIR:-/tmp}/cwms-seeds-replay.XXXXXX")
trap 'rm -rf "$work"' EXIT
bash "$seeds_sh" "$work"
ran=0
while [ $# -ge 2 ]; do
    name=$1 exe=$2; shift 2
    [ -d "$work/$name" ] || continue
    case $name in archive|fetch_reply) mutate=--mutate ;; *) mutate= ;; esac
    echo "== $name" >&2
    "$exe" $mutate "$work/$name"
    ran=$((ran + 1))
done
[ "$ran" -ge 7 ] || { echo "replay-seeds: only $ran targets had seeds" >&2; exit 1; }
