#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds one variant: ci/build.sh plain|asan|tsan|fuzz [BUILDDIR]
# (tsan: ThreadSanitizer, for the provider opened from many threads)
# (fuzz: clang + libFuzzer + ASan/UBSan, CWMS_WITH_FUZZ=1 ci/install-deps.sh;
#  how to run the target: tests/fuzz/meson.build)
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-plain}
dir=${2:-build-$variant}
case $variant in
    plain) opts=() ;;
    asan)  opts=(-Db_sanitize=address,undefined -Db_lundef=false
                 "-Dc_args=-fno-sanitize-recover=all -fno-omit-frame-pointer") ;;
    tsan)  opts=(-Db_sanitize=thread -Db_lundef=false "-Dc_args=-fno-omit-frame-pointer") ;;
    fuzz)  export CC=clang
           opts=(-Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
                 "-Dc_args=-fno-sanitize-recover=all -fno-omit-frame-pointer") ;;
    *) echo "usage: ci/build.sh plain|asan|tsan|fuzz [BUILDDIR]" >&2; exit 2 ;;
esac
if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
else
    meson setup "$dir" "${opts[@]}" >/dev/null
fi
ninja -C "$dir"
