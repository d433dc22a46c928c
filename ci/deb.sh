#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package, end to end: ci/deb.sh
#
# 1. builds cwms-bundle_*.deb from a copy of this tree with dpkg-buildpackage -b -us -uc,
#    without the test suite (DEB_BUILD_OPTIONS=nocheck: ci/test.sh runs it twice already)
#    and without network;
# 2. lintian: no error allowed (warnings are printed);
# 3. installs it with `apt-get install ./cwms-bundle_*.deb` and smoke-tests the installed
#    files: `cwms-bundle build` on the shipped example (ci/example.sh), the same bundle through
#    `openssl storeutl -provider cwms` with no provider path, the man pages, the schema, the
#    guide and bash completion;
# 4. removes it again (apt-get remove), so the machine is as before.
# A cwms-bundle package installed before the run is left alone: the script then stops at 2.
# CWMS_DEB_KEEP=DIR keeps the .deb and the build logs in DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
chmod 755 "$work" # apt's sandbox user reads the .deb from here
installed_here=0
cleanup() {
    local rc=$?
    if [ "$installed_here" = 1 ]; then
        echo "== removing the package again" >&2
        DEBIAN_FRONTEND=noninteractive apt-get remove -y -q cwms-bundle > "$work/remove.log" 2>&1 \
            || { cat "$work/remove.log" >&2; rc=1; }
    fi
    if [ -n "${CWMS_DEB_KEEP:-}" ]; then
        mkdir -p "$CWMS_DEB_KEEP"
        cp "$work"/*.deb "$work"/*.log "$CWMS_DEB_KEEP"/ 2> /dev/null || true
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
fail() { echo "ci/deb.sh: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run as root: the package is installed and removed with apt-get"
start=$(date +%s)

echo "== copying the source tree (dpkg-buildpackage writes next to it)" >&2
src=$work/cwms-bundle
mkdir "$src"
if git -C "$root" rev-parse --git-dir > /dev/null 2>&1; then
    # Tracked and new files; what .gitignore names (build directories) stays behind.
    git -C "$root" ls-files -z -co --exclude-standard \
        | (cd "$root" && tar --null -T - -cf -) | tar -C "$src" -xf -
else
    tar -C "$root" --exclude='./build*' --exclude=./example-out -cf - . | tar -C "$src" -xf -
fi

echo "== dpkg-buildpackage -b -us -uc (nocheck)" >&2
if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -b -us -uc -Pnocheck) > "$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log" >&2
    fail "dpkg-buildpackage failed"
fi
debs=("$work"/cwms-bundle_*.deb)
[ -f "${debs[0]}" ] && [ ${#debs[@]} -eq 1 ] || fail "expected one cwms-bundle_*.deb, got: ${debs[*]}"
deb=${debs[0]}
echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) in $(($(date +%s) - start)) s" >&2
dpkg-deb -c "$deb" | awk '{print $6}' > "$work/contents.log"
for f in ./usr/bin/cwms-bundle "./$(pkg-config --variable=modulesdir libcrypto | sed 's|^/||')/cwms.so" \
    ./usr/share/man/man1/cwms-bundle.1.gz ./usr/share/man/man7/cwms-provider.7.gz \
    ./usr/share/cwms-bundle/cwms-bundle.schema.json ./usr/share/doc/cwms-bundle/guide.md.gz \
    ./usr/share/doc/cwms-bundle/examples/README.md ./usr/share/doc/cwms-bundle/copyright \
    ./usr/share/bash-completion/completions/cwms-bundle; do
    grep -qxF "$f" "$work/contents.log" || { cat "$work/contents.log" >&2; fail "the package lacks $f"; }
done

echo "== lintian" >&2
rc=0
lintian --fail-on error --display-info "$deb" > "$work/lintian.log" 2>&1 || rc=$?
cat "$work/lintian.log" >&2
[ "$rc" -eq 0 ] || fail "lintian reports errors (above)"

if dpkg-query -W -f='${Status}' cwms-bundle 2> /dev/null | grep -q 'install ok installed'; then
    echo "ci/deb.sh: cwms-bundle is installed on this machine already: not installing over it" >&2
    exit 0
fi
echo "== apt-get install ./$(basename "$deb")" >&2
installed_here=1
(cd "$work" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "./$(basename "$deb")") > "$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "apt-get install failed"; }

echo "== smoke test of the installed files" >&2
export OPENSSL_CONF=/dev/null
unset OPENSSL_MODULES
[ "$(command -v cwms-bundle)" = /usr/bin/cwms-bundle ] || fail "cwms-bundle is not /usr/bin/cwms-bundle"
ex=$work/example
CWMS_BUNDLE_BIN=/usr/bin/cwms-bundle bash "$root/ci/example.sh" "$ex" > "$work/example.log" 2>&1 \
    || { cat "$work/example.log" >&2; fail "cwms-bundle build on the shipped example failed"; }
# The provider from libcrypto's modules directory: no -provider-path, no OPENSSL_MODULES.
openssl storeutl -provider cwms -provider default -out "$work/storeutl.pem" \
    "cwms:$ex/from-ca?version=2.5&key=$ex/admin/server.key" > /dev/null 2> "$work/storeutl.log" \
    || { cat "$work/storeutl.log" >&2; fail "openssl storeutl -provider cwms failed"; }
sed -i '/^Total found: [0-9]*$/d' "$work/storeutl.pem"
cmp -s "$work/storeutl.pem" "$ex/webex-cwms2.5.pem" \
    || fail "openssl storeutl -provider cwms wrote another bundle than cwms-bundle build"
man -w cwms-bundle > /dev/null && man -w 7 cwms-provider > /dev/null || fail "the man pages are not found by man"
cwms-bundle check --help | grep -qF /usr/share/cwms-bundle/cwms-bundle.schema.json \
    || fail "--help does not name the installed schema"
# shellcheck disable=SC2016
bash -c '. /usr/share/bash-completion/completions/cwms-bundle
COMP_LINE="cwms-bundle build --cwms 2."; COMP_POINT=${#COMP_LINE}; _cwms_bundle
[ "${COMPREPLY[*]}" = "2.0 2.5 2.6 2.7 2.8" ]' || fail "the installed bash completion does not complete --cwms"

echo "== apt-get remove cwms-bundle" >&2
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q cwms-bundle > "$work/remove.log" 2>&1 \
    || { cat "$work/remove.log" >&2; fail "apt-get remove failed"; }
installed_here=0
[ ! -e /usr/bin/cwms-bundle ] && [ ! -e "$(pkg-config --variable=modulesdir libcrypto)/cwms.so" ] \
    || fail "files of the package are left after apt-get remove"
echo "ci/deb.sh: ok ($(basename "$deb"): built, lintian, installed, smoke-tested, removed in $(($(date +%s) - start)) s)" >&2
