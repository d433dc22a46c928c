#!/usr/bin/env bash
# Sets everything up and runs every test: a plain build and an ASan+UBSan
# build, each through `meson test` (cmocka units + integration scripts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh

status=0
for variant in plain asan; do
    echo "=== $variant build" >&2
    bash ci/build.sh "$variant"
    if ! meson test -C "build-$variant" --print-errorlogs --num-processes 2; then
        status=1
    fi
done
exit $status
