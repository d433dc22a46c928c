#!/usr/bin/env bash
# Installs the Debian 12 packages cwms-bundle needs to build, test and
# benchmark. Idempotent: does nothing when everything is already there.
set -euo pipefail

packages=(
    gcc libc6-dev pkg-config meson ninja-build
    openssl libssl-dev
    p11-kit libp11-kit-dev
    libcmocka-dev
    softhsm2 opensc libp11-dev
)
# The benchmark compares against cfssl and times with hyperfine-like loops.
if [ "${CWMS_WITH_BENCH:-0}" = 1 ]; then
    packages+=(golang-cfssl)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "ci/install-deps.sh: installing ${missing[*]}" >&2
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
