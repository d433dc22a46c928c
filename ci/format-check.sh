#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks the C sources against .clang-format without changing them:
# ci/format-check.sh [FILE...] (default: every tracked .c and .h). Prints
# each file clang-format would change, then how many; exits 1 when any.
# CLANG_FORMAT names the binary (default: clang-format-14, else clang-format;
# CWMS_WITH_FORMAT=1 ci/install-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
cf=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format || true)}
[ -n "$cf" ] || { echo "format-check: clang-format is not installed" >&2; exit 2; }
if [ $# -gt 0 ]; then
    files=("$@")
else
    mapfile -t files < <(git ls-files '*.c' '*.h')
fi
bad=0
for f in "${files[@]}"; do
    if ! "$cf" --style=file --dry-run -Werror "$f" > /dev/null 2>&1; then
        lines=$("$cf" --style=file "$f" | diff "$f" - | grep -c '^[<>]' || true)
        echo "$f: $lines line(s) differ"
        bad=$((bad + 1))
    fi
done
echo "format-check: $bad of ${#files[@]} file(s) differ from .clang-format"
[ "$bad" -eq 0 ]
