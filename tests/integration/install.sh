#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `meson install` keeps every file under the prefix: this build is installed with DESTDIR into a
# temporary directory, nothing may land outside DESTDIR/PREFIX, the documented files must be
# there, and the installed cwms-bundle and cwms.so (through OPENSSL_MODULES and -provider-path)
# must work from there. Then the modules-directory option: its three forms, as meson plans them.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

command -v meson > /dev/null || fail "meson is needed (ci/install-deps.sh installs it)"
B=$CWMS_BUILD_ROOT
option() {  # NAME: the build's value of a meson option
    meson introspect --buildoptions "$B" | python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$1"
}
prefix=$(option prefix)
libdir=$(option libdir)
datadir=$(option datadir)
# Where cwms.so goes (meson_options.txt): under the prefix unless -Dmodulesdir says otherwise,
# as the Debian package's build does (-Dmodulesdir=system), whose suite runs this test too.
modulesdir=$(option modulesdir)
case $modulesdir in
    "") mods_dir=$prefix/$libdir/ossl-modules ;;
    system) mods_dir=$(pkg-config --variable=modulesdir libcrypto) ;;
    /*) mods_dir=$modulesdir ;;
    *) mods_dir=$prefix/$modulesdir ;;
esac

DEST=$TMP/dest
# --no-rebuild: meson test has built everything; only the copy is tested here.
meson install -C "$B" --no-rebuild --quiet --destdir "$DEST" > "$TMP/install.log" 2>&1 \
    || { cat "$TMP/install.log" >&2; fail "meson install failed"; }
find "$DEST" \( -type f -o -type l \) | sort > "$TMP/files"
[ -s "$TMP/files" ] || fail "meson install installed nothing"
# Only an explicit -Dmodulesdir may put cwms.so elsewhere.
if grep -v -e "^$DEST$prefix/" -e "^$DEST$mods_dir/cwms.so\$" "$TMP/files" > "$TMP/outside"; then
    cat "$TMP/outside" >&2
    fail "files installed outside the prefix $prefix (above)"
fi
echo "installed $(wc -l < "$TMP/files") files, all under $prefix (cwms.so in $mods_dir)"

# What the docs say is installed.
p=$DEST$prefix
mods=$DEST$mods_dir
[ -f "$mods/cwms.so" ] || { cat "$TMP/files" >&2; fail "cwms.so is not installed in $mods_dir"; }
for f in bin/cwms-bundle \
    share/man/man1/cwms-bundle.1 share/man/man7/cwms-provider.7 \
    "$datadir/cwms-bundle/cwms-bundle.schema.json" \
    "$datadir/doc/cwms-bundle/guide.md" "$datadir/doc/cwms-bundle/examples/README.md" \
    "$datadir/bash-completion/completions/cwms-bundle"; do
    [ -e "$p/$f" ] || { cat "$TMP/files" >&2; fail "$prefix/$f is not installed"; }
done
cmp -s "$p/$datadir/cwms-bundle/cwms-bundle.schema.json" "$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json" \
    || fail "the installed schema differs from docs/cwms-bundle.schema.json"
# --help names the installed schema.
"$p/bin/cwms-bundle" check --help > "$TMP/help"
assert_contains "$TMP/help" "$prefix/$datadir/cwms-bundle/cwms-bundle.schema.json"

# The installed programs work from there.
export PKI_KEY=ec:P-256
pki_init "$TMP/pki"
pki_hierarchy
P=$TMP/pki
mkdir -p "$TMP/ca"
cp "$P/server.key" "$P/server.crt" "$P/ca-bundle.pem" "$TMP/ca/"
"$p/bin/cwms-bundle" build -q --cwms 2.5 --trust "$P/root.crt" -o "$TMP/cli.pem" "$TMP/ca"
OPENSSL_MODULES=$mods ossl storeutl -provider cwms -provider default -out "$TMP/prov.pem" \
    "cwms:$TMP/ca?version=2.5&trust=$P/root.crt" > /dev/null
sed -i '/^Total found: [0-9]*$/d' "$TMP/prov.pem"
cmp -s "$TMP/cli.pem" "$TMP/prov.pem" || fail "the installed provider (OPENSSL_MODULES) wrote another bundle than the installed CLI"
ossl list -provider-path "$mods" -provider cwms -providers > "$TMP/providers"
assert_contains "$TMP/providers" "cwms"

# -Dmodulesdir: default under the prefix, 'system' = libcrypto's, or a path; as meson plans it.
system=$(pkg-config --variable=modulesdir libcrypto)
dir=$TMP/setup
for value in "" system /opt/ossl-modules; do
    again=()
    [ ! -d "$dir" ] || again=(--reconfigure)
    meson setup "${again[@]}" "$dir" "$CWMS_SOURCE_ROOT" --prefix "$TMP/p" -Dtests=false \
        "-Dmodulesdir=$value" > "$TMP/setup.log" 2>&1 \
        || { cat "$TMP/setup.log" >&2; fail "meson setup -Dmodulesdir=$value failed"; }
    where=$(meson introspect --installed "$dir" | python3 -c 'import json, sys
print(next(v for k, v in json.load(sys.stdin).items() if k.endswith("/cwms.so")))')
    case $value in
        "") want=$TMP/p/$libdir/ossl-modules/cwms.so ;;
        system) want=$system/cwms.so ;;
        *) want=$value/cwms.so ;;
    esac
    [ "$where" = "$want" ] || fail "-Dmodulesdir=$value installs cwms.so to $where, expected $want"
done
echo "ok: install"
