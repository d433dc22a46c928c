#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages cwms-bundle needs to build, test and
# benchmark. Idempotent: does nothing when everything is already there.
set -euo pipefail

packages=(
    gcc libc6-dev pkg-config meson ninja-build
    openssl libssl-dev
    p11-kit libp11-kit-dev
    libcmocka-dev
    libarchive-dev      # headers; the core opens libarchive.so.13 at run time
    zip                 # tests/integration/workflow.sh makes a CA's .zip
    softhsm2 opensc libp11-dev
    libtpm2-pkcs11-1    # tests/integration/pkcs11_registry.sh: a registered module that cannot start
    # tests/integration/pkcs11_matrix.sh: the token backends besides SoftHSM (tests/lib/tokens.sh)
    p11-kit-modules     #   p11-kit-proxy.so: pkcs11-tool on any registered module
    libnss3-tools       #   certutil, pk12util: an NSS database (libnss3's softokn)
    swtpm libtss2-tcti-swtpm0   # tpm2-pkcs11 on the swtpm TPM simulator
    opencryptoki        #   pkcsslotd and the software token
    python3             # tests/integration/limbo_full.sh reads the x509-limbo JSON; no_cycles.py
    libjson-c-dev       # cwms-bundle --json (the CLI only)
    python3-jsonschema  # tests/integration/check.sh validates --json against docs/cwms-bundle.schema.json
    graphviz bsdutils   # dot parses --graph dot; script gives the tree test a terminal
    time strace         # tests/integration/hostile.sh: peak memory, a write held up to signal it
    # tests/integration/clients.sh: real TLS clients judge each served bundle (openssl s_client
    # is in openssl; curl is the OpenSSL-based HTTPS client, gnutls-cli the GnuTLS one, and
    # javac/java 17 compile and run tests/tools/TlsProbe.java, a JSSE client)
    gnutls-bin curl openjdk-17-jdk-headless
    chromium            # tests/integration/clients.sh: headless Chromium, the browser client (its
                        # NSS database is made with certutil from libnss3-tools, listed above)
    groff-base man-db   # tests/integration/docs.sh: groff -ww and man -l render the man pages
)
# ci/format-check.sh: the style checker (.clang-format is written for version 14).
if [ "${CWMS_WITH_FORMAT:-0}" = 1 ]; then
    packages+=(clang-format-14)
fi
# The benchmark (tests/bench/run.sh) compares against cfssl and measures
# peak memory with /usr/bin/time.
if [ "${CWMS_WITH_BENCH:-0}" = 1 ]; then
    packages+=(golang-cfssl time)
fi
# ci/deb.sh (ci/test.sh's "debian package" step): dpkg-buildpackage with the meson build system
# (build-essential is what dpkg-checkbuilddeps requires), lintian, and man for the smoke test.
if [ "${CWMS_WITH_DEB:-0}" = 1 ]; then
    packages+=(debhelper dpkg-dev build-essential lintian man-db)
fi
# libFuzzer builds (-Dfuzzing=true, tests/fuzz/meson.build): clang and its runtime.
if [ "${CWMS_WITH_FUZZ:-0}" = 1 ]; then
    packages+=(clang libclang-rt-14-dev)
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
