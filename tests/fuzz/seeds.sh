#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Seed corpora for the fuzz targets, made at run time (ci/fuzz.sh gives them
# to libFuzzer beside the committed corpus/NAME; replay-seeds.sh replays
# them in the test suite):
#
#   tests/fuzz/seeds.sh OUTDIR        writes OUTDIR/TARGET/* for each target
#
# From tests/data: its real CA bundles (PEM) and a sample of their and the
# cfssl pool's certificates (DER). Made with openssl on a fresh P-256
# hierarchy: PKCS#12 modern (AES-256, PBKDF2, SHA-256 MAC) and legacy
# (3DES and RC2, SHA-1 MAC), encrypted PKCS#8 with PBKDF2 and with scrypt,
# traditional encrypted keys, PKCS#7 (PEM and DER), zip, tar, tar.gz, the
# bundles `check` meets (right, shuffled, with stray text, an encrypted
# key, the root), and replies a caIssuers URL may give (DER, PKCS#7, PEM,
# an HTML error page). The passphrase is "secret", the one the targets
# answer with.
set -euo pipefail
out=${1:?usage: seeds.sh OUTDIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${CWMS_TEST_DATA:-$root/tests/data}
export OPENSSL_CONF=/dev/null
[ -d "$data/real-bundles" ] || { echo "seeds.sh: no $data/real-bundles" >&2; exit 1; }

# shellcheck source=../lib/pki.sh
. "$root/tests/lib/pki.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cwms-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pki_init "$tmp/pki"
PKI_KEY=ec:P-256 pki_hierarchy > /dev/null || { echo "seeds.sh: cannot make the PKI" >&2; exit 1; }
p=$PKI_DIR
targets=(certinfo inputs check_blocks check_bundle pem_block archive fetch_reply)
for t in "${targets[@]}"; do mkdir -p "$out/$t"; done

# to_der FILE PREFIX [STEP]: every STEP-th certificate of a PEM file (default every one), as
# DER into the certinfo corpus: certinfo/PREFIX-N.der.
to_der() {
    local f
    rm -rf "$tmp/split" && mkdir "$tmp/split"
    awk -v dir="$tmp/split" -v step="${3:-1}" '/BEGIN CERTIFICATE/ { n++; keep = ((n - 1) % step == 0) }
        keep { print > (dir "/" n ".pem") }' "$1"
    for f in "$tmp/split"/*.pem; do
        [ -e "$f" ] || continue
        openssl x509 -in "$f" -outform DER -out "$out/certinfo/$2-$(basename "$f" .pem).der"
    done
}

# tests/data: every real bundle as it is and its certificates; every 50th of the cfssl pool.
i=0
while IFS= read -r -d '' f; do
    for t in inputs check_blocks check_bundle pem_block; do cp "$f" "$out/$t/real-$i.pem"; done
    to_der "$f" "real-$i"
    i=$((i + 1))
done < <(find "$data/real-bundles" -type f -print0 | sort -z)
to_der "$data/cfssl_trust/int-bundle.crt" pool 50
cp "$out/certinfo/pool-1.der" "$out/fetch_reply/real-cert.der"

# Keys and containers, all under the passphrase "secret".
openssl pkcs12 -export -inkey "$p/server.key" -in "$p/server.crt" -certfile "$p/ca-bundle.pem" \
    -passout pass:secret -out "$out/inputs/p12-modern.p12"
openssl pkcs12 -export -legacy -inkey "$p/server.key" -in "$p/server.crt" \
    -certfile "$p/secondary.crt" -passout pass:secret -out "$out/inputs/p12-legacy-rc2.p12" \
    2> /dev/null \
    || openssl pkcs12 -export -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 \
        -inkey "$p/server.key" -in "$p/server.crt" -passout pass:secret \
        -out "$out/inputs/p12-legacy-rc2.p12"
openssl pkcs12 -export -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 \
    -inkey "$p/server.key" -in "$p/server.crt" -passout pass:secret -out "$out/inputs/p12-legacy-3des.p12"
openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 2048 -in "$p/server.key" -passout pass:secret \
    -out "$out/inputs/key-pbkdf2.pem"
openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 2048 -in "$p/server.key" -passout pass:secret \
    -outform DER -out "$out/inputs/key-pbkdf2.der"
openssl pkcs8 -topk8 -scrypt -scrypt_N 1024 -scrypt_r 8 -scrypt_p 1 -in "$p/server.key" \
    -passout pass:secret -out "$out/inputs/key-scrypt.pem"
openssl ec -in "$p/server.key" -aes256 -passout pass:secret -out "$out/inputs/key-traditional.pem" \
    2> /dev/null
openssl pkey -in "$p/server.key" -outform DER -out "$out/inputs/key.der"
openssl x509 -in "$p/server.crt" -outform DER -out "$out/inputs/server.der"
openssl crl2pkcs7 -nocrl -certfile "$p/server.crt" -certfile "$p/ca-bundle.pem" \
    -out "$out/inputs/chain.p7b"
openssl crl2pkcs7 -nocrl -certfile "$p/server.crt" -certfile "$p/ca-bundle.pem" -outform DER \
    -out "$out/inputs/chain.p7c"

# Archives as CAs send them: a folder with the chain, the server certificate and a readme.
mkdir -p "$tmp/ca/certs"
cp "$p/server.crt" "$tmp/ca/"
cp "$p/ca-bundle.pem" "$tmp/ca/certs/"
cp "$out/inputs/chain.p7c" "$tmp/ca/certs/"
echo "Install the intermediate certificates first." > "$tmp/ca/README.txt"
(cd "$tmp/ca" && python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n in sys.argv[2:]:
        z.write(n)
' "$out/archive/ca.zip" server.crt certs/ca-bundle.pem certs/chain.p7c README.txt)
tar -C "$tmp/ca" -cf "$out/archive/ca.tar" .
tar -C "$tmp/ca" -czf "$out/archive/ca.tar.gz" .
cp "$out/archive/ca.zip" "$out/archive/ca.tar.gz" "$out/inputs/"

# Bundles as `check` meets them (CWMS 2.5 order: key, root-side intermediate first).
key=$p/server.key
cat "$key" "$p/primary.crt" "$p/secondary.crt" "$p/server.crt" > "$tmp/b-right.pem"
cat "$key" "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" > "$tmp/b-leaf-first.pem"
cat "$p/server.crt" "$p/primary.crt" "$key" "$p/secondary.crt" "$p/root.crt" > "$tmp/b-shuffled-root.pem"
{ echo "Bag Attributes"; echo "subject=/CN=www.example.test"; cat "$tmp/b-right.pem"; } > "$tmp/b-stray.pem"
cat "$out/inputs/key-pbkdf2.pem" "$p/primary.crt" "$p/secondary.crt" "$p/server.crt" > "$tmp/b-encrypted.pem"
sed 's/$/\r/' "$tmp/b-right.pem" > "$tmp/b-crlf.pem"
for f in "$tmp"/b-*.pem; do
    cp "$f" "$out/check_blocks/"
    cp "$f" "$out/check_bundle/"
    cp "$f" "$out/pem_block/"
done
cp "$out/inputs/p12-modern.p12" "$out/inputs/chain.p7c" "$out/check_bundle/"

# What a caIssuers URL answers: a DER certificate, a PKCS#7 of them, and what it should not.
openssl x509 -in "$p/secondary.crt" -outform DER -out "$out/fetch_reply/issuer.der"
openssl crl2pkcs7 -nocrl -certfile "$p/secondary.crt" -certfile "$p/primary.crt" -outform DER \
    -out "$out/fetch_reply/issuers.p7c"
openssl crl2pkcs7 -nocrl -outform DER -out "$out/fetch_reply/empty.p7c"
cp "$p/secondary.crt" "$out/fetch_reply/issuer.pem"
printf '<html><body><h1>404 Not Found</h1></body></html>\n' > "$out/fetch_reply/not-found.html"

for t in "${targets[@]}"; do
    n=$(find "$out/$t" -type f | wc -l)
    [ "$n" -gt 0 ] || { echo "seeds.sh: no seeds for $t" >&2; exit 1; }
done
