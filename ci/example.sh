#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on a shipped example: ci/example.sh [OUTPUT-DIR]  (default ./example-out)
#
# Installs what is missing, builds cwms-bundle, then plays both sides of a
# certificate order:
#   the CA     root -> primary -> secondary (intermediates), signs the CSR;
#   the admin  generates the server key (openssl genpkey) and a CSR;
#   the CA     ships server.crt and ca-bundle.crt laid out as CAs do
#              (top = secondary, middle = primary, bottom = root);
#   the admin  runs cwms-bundle build --cwms 2.0 and --cwms 2.5
# and prints the block order of the two bundles. See docs/examples/README.md.
#
# CWMS_BUNDLE_BIN=path skips installing and building and uses that binary
# (the integration tests run this script against their own build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-./example-out}

if [ -z "${CWMS_BUNDLE_BIN:-}" ]; then
    bash "$root/ci/install-deps.sh"
    bash "$root/ci/build.sh" plain
    CWMS_BUNDLE_BIN=$root/build-plain/cli/cwms-bundle
fi
# The machine's openssl.cnf must not load providers behind the example.
export OPENSSL_CONF=/dev/null

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/ca" "$out/admin" "$out/from-ca"
mkdir -p "$out/ca" "$out/admin" "$out/from-ca"

# shellcheck source=../tests/lib/pki.sh
. "$root/tests/lib/pki.sh"

echo "== the CA: root -> primary -> secondary"
pki_init "$out/ca"
pki_root root "Example Root CA"
pki_ca primary "Example Primary CA" root
pki_ca secondary "Example Secondary CA" primary

echo "== the admin: server key and certificate request (the key never leaves the admin)"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/admin/server.key" 2>/dev/null
chmod 600 "$out/admin/server.key"
openssl req -new -key "$out/admin/server.key" -subj "/O=Example Corp/CN=webex.example.com" \
    -addext "subjectAltName = DNS:webex.example.com, DNS:webex-admin.example.com" \
    -out "$out/admin/server.csr"

echo "== the CA: signs the request with the secondary CA and ships the files"
cat > "$out/ca/server.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:webex.example.com, DNS:webex-admin.example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
openssl x509 -req -in "$out/admin/server.csr" -CA "$out/ca/secondary.crt" \
    -CAkey "$out/ca/secondary.key" -set_serial "0x$(openssl rand -hex 12)" -days 397 -sha256 \
    -extfile "$out/ca/server.ext" -out "$out/from-ca/server.crt" 2>/dev/null
# As CAs ship it: top = secondary (issued the server), middle = primary, bottom = root.
cat "$out/ca/secondary.crt" "$out/ca/primary.crt" "$out/ca/root.crt" > "$out/from-ca/ca-bundle.crt"

subjects() {  # the PEM block order of a bundle: key type, then certificate subjects
    sed -n 's/^-----BEGIN \(.*KEY\)-----$/  \1/p' "$1"
    openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs -noout \
        | sed -n 's/^subject=.*CN *= *\(.*\)$/  \1/p'
}

status=0
for version in 2.0 2.5; do
    bundle=$out/webex-cwms$version.pem
    echo
    echo "== cwms-bundle build --cwms $version -o $bundle admin/server.key from-ca/"
    "$CWMS_BUNDLE_BIN" build --cwms "$version" --host webex.example.com \
        -o "$bundle" "$out/admin/server.key" "$out/from-ca/"
    echo "-- block order of $(basename "$bundle"):"
    subjects "$bundle" | tee "$out/order-$version.txt"
done

# What CWMS wants, checked rather than eyeballed.
printf '  PRIVATE KEY\n  webex.example.com\n  Example Secondary CA\n  Example Primary CA\n' > "$out/expected-2.0.txt"
printf '  PRIVATE KEY\n  Example Primary CA\n  Example Secondary CA\n  webex.example.com\n' > "$out/expected-2.5.txt"
echo
for version in 2.0 2.5; do
    if cmp -s "$out/order-$version.txt" "$out/expected-$version.txt"; then
        echo "OK: CWMS $version bundle is in the order CWMS $version wants"
    else
        echo "WRONG: CWMS $version bundle order differs from what CWMS $version wants:" >&2
        diff "$out/expected-$version.txt" "$out/order-$version.txt" >&2 || true
        status=1
    fi
done
echo "Files are in $out (import webex-cwms<version>.pem into CWMS)."
exit $status
