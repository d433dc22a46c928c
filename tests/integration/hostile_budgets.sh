#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Budgets under hostile input: hostile_budgets.sh CASE (one meson test per
# CASE, suite 'hostile'). Decompression, key derivation and the explanation
# views are bounded per run, not per file. Each run ends with the exit code
# and message it names, in under 20 s and 1 GiB, and writes nothing.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

TOOLS=$CWMS_BUILD_ROOT/tests/tools
OUTDIR=$TMP/out
mkdir -p "$OUTDIR"

# A 40 MB .tgz whose hidden member unpacks to 40 GiB (a PAX header, then 4,096 gzip members
# of 10 MiB of zeros each), and a folder of 200 zips each unpacking to 60 MiB (each alone
# under the 64 MiB budget): every inflated byte counts against one budget for the whole
# run, so both stop at 64 MiB. A CA's zip with a hidden member still reads.
case_archive_budget_per_run() {
    make_pki
    local p=$PKI_DIR
    python3 - "$TMP" << 'PY'
import io, os, sys, tarfile, zipfile, zlib
out = sys.argv[1]
def gz(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()
ti = tarfile.TarInfo(".hidden-40G")
ti.size = 40 << 30
block = gz(bytes(10 << 20))
with open(os.path.join(out, "hides40g.tgz"), "wb") as f:
    f.write(gz(ti.tobuf(format=tarfile.PAX_FORMAT)))
    for _ in range(4096):
        f.write(block)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr("ca/intermediate.pem", bytes(60 << 20))
os.makedirs(os.path.join(out, "bombs"))
for i in range(200):
    with open(os.path.join(out, "bombs", "bomb%03d.zip" % i), "wb") as f:
        f.write(buf.getvalue())
PY
    [ "$(stat -c %s "$TMP/hides40g.tgz")" -gt 40000000 ] || fail "the .tgz was not made"
    bounded 3 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" "$p/server.key" "$p/server.crt" \
        "$p/ca-bundle.pem" "$TMP/hides40g.tgz"
    assert_contains "$TMP/stderr" "cannot unpack '$TMP/hides40g.tgz:.hidden-40G': the archives of this run unpack to more than 64 MiB in all"
    no_leftovers
    bounded 3 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" "$p/server.key" "$p/server.crt" \
        "$p/ca-bundle.pem" "$TMP/bombs"
    assert_contains "$TMP/stderr" "bomb001.zip:ca/intermediate.pem': the archives of this run unpack to more than 64 MiB in all"
    [ "$PEAK_KB" -lt 524288 ] || fail "peak RSS $PEAK_KB KiB for a 64 MiB budget"
    no_leftovers
    # What a CA sends, with macOS's hidden resource forks, still reads.
    (cd "$p" && mkdir -p zip/__MACOSX && cp ca-bundle.pem server.crt zip/ && echo fork > zip/._server.crt \
        && echo fork > zip/__MACOSX/._ca-bundle.pem && cd zip && python3 -m zipfile -c ../ca.zip .) > /dev/null
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" "$p/server.key" "$p/ca.zip"
    assert_contains "$TMP/stderr" "skipping hidden file"
    rm -f "$OUTDIR/out.pem"
}

# scrypt keys: one asking for p = 30000 (minutes of work) is refused before any derivation,
# naming the parameters and the limits; a valid one with N = 2^16, r = 8 (64 MiB, over
# OpenSSL's own 32 MiB ceiling, so `openssl pkey` cannot open it) opens with the right
# passphrase in build and check, and a wrong one is still a wrong passphrase.
case_scrypt_caps() {
    make_pki
    local p=$PKI_DIR gen=$CWMS_SOURCE_ROOT/tests/lib/scrypt_pkcs8.py
    # The generator is checked against OpenSSL where OpenSSL can decrypt at all.
    python3 "$gen" "$p/server.key" secret 16384 8 1 "$TMP/n14.pem"
    openssl pkey -in "$TMP/n14.pem" -passin pass:secret -noout || fail "openssl cannot open the generator's key"
    python3 "$gen" --no-derive "$p/server.key" secret 1024 8 30000 "$TMP/p30000.pem"
    bounded 3 "$CWMS_BUNDLE" build --cwms 2.5 --passin pass:secret -o "$OUTDIR/out.pem" \
        "$TMP/p30000.pem" "$p/server.crt" "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "p30000.pem': the key encryption asks for scrypt with N=1024, r=8, p=30000, more than the limits of 256 MiB of memory and N*r*p=2097152"
    awk -v t="$SECONDS_TAKEN" 'BEGIN { exit !(t < 2) }' || fail "the refusal took $SECONDS_TAKEN s"
    cat "$TMP/p30000.pem" "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" > "$TMP/p30000-bundle.pem"
    bounded 3 "$CWMS_BUNDLE" check -q --cwms 2.5 --passin pass:secret "$TMP/p30000-bundle.pem"
    assert_contains "$TMP/stderr" "p=30000, more than the limits"
    no_leftovers
    python3 "$gen" "$p/server.key" secret 65536 8 1 "$TMP/n16.pem"
    ! openssl pkey -in "$TMP/n16.pem" -passin pass:secret -noout 2> /dev/null \
        || fail "openssl opens N=2^16 now: this case no longer shows its point"
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 --passin pass:secret -o "$OUTDIR/out.pem" \
        "$TMP/n16.pem" "$p/server.crt" "$p/ca-bundle.pem"
    [ "$(openssl pkey -in "$OUTDIR/out.pem" -pubout)" = "$(openssl pkey -in "$p/server.key" -pubout)" ] \
        || fail "the bundle's key is not the server key"
    rm -f "$OUTDIR/out.pem"
    cat "$TMP/n16.pem" "$p/primary.crt" "$p/secondary.crt" "$p/server.crt" > "$TMP/n16-bundle.pem"
    bounded 0 "$CWMS_BUNDLE" check -q --cwms 2.5 --trust "$p/root.crt" --passin pass:secret \
        "$TMP/n16-bundle.pem"
    bounded 3 "$CWMS_BUNDLE" build --cwms 2.5 --passin pass:wrong -o "$OUTDIR/out.pem" \
        "$TMP/n16.pem" "$p/server.crt" "$p/ca-bundle.pem"
    assert_contains "$TMP/stderr" "wrong passphrase for the encrypted private key in '$TMP/n16.pem'"
    no_leftovers
}

# 3,000 self-signed copies of one root (one name, one key, re-serialled) with the real
# chain: check and build --json explain every one of them in seconds (the explanation's
# lookups are indexed; it was O(n^3): 3,000 took 17 s), and the JSON
# document is whole. (Speed itself is bench line 4b's.)
case_explain_views_same_name() {
    make_pki
    local p=$PKI_DIR
    "$TOOLS/cert-copies" "$p/root.crt" "$p/root.key" 3000 > "$TMP/copies.pem"
    cat "$p/server.key" "$p/server.crt" "$p/secondary.crt" "$p/primary.crt" "$TMP/copies.pem" \
        > "$TMP/bundle.pem"
    bounded 4 "$CWMS_BUNDLE" check --cwms 2.5 "$TMP/bundle.pem"
    bounded 4 "$CWMS_BUNDLE" check --cwms 2.5 --json "$TMP/bundle.pem"
    bounded 0 bash -c '"$1" build --cwms 2.5 --json -o "$2" "$3" > "$4"' sh "$CWMS_BUNDLE" \
        "$OUTDIR/out.pem" "$TMP/bundle.pem" "$TMP/build.json"
    python3 - "$TMP/build.json" << 'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
subjects = [c["subject"] for c in doc["certificates"]]
assert len(subjects) == 3 and subjects[-1].endswith("CN=www.example.test"), subjects
assert len(doc["left_out"]) >= 3000, len(doc["left_out"])
PY
    rm -f "$OUTDIR/out.pem"
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
