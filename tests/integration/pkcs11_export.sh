#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Private keys come off a SoftHSM token equal to the originals, whatever
# the key type (RSA-2048, RSA-3072, P-256, P-384) and however they are
# protected: not sensitive (components), sensitive+extractable (wrapped);
# non-extractable keys are refused with the issue's message and no output.
set -eEuo pipefail
. "$CWMS_SOURCE_ROOT/tests/lib/common.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
softhsm_require

softhsm_init "$TMP/hsm"
softhsm_token webex
pki_init "$TMP/pki"
pki_root root "Token Test Root"
M=$SOFTHSM_MODULE
base="pkcs11:token=webex"
q="?module-path=$M&pin-value=$SOFTHSM_PIN"
echo "signed by the token's key" > "$TMP/data"

n=0
for spec in rsa:2048 rsa:3072 ec:P-256 ec:P-384; do
    name=${spec/:/}; name=${name/-/}
    PKI_KEY=$spec pki_leaf "$name" "$name.example.test" root
    for mode in plain wrapped stuck; do
        n=$((n + 1))
        id=$(printf '%02x' "$n")
        softhsm_key_any webex "$TMP/pki/$name.key" "$name-$mode" "$id" "$mode"
        softhsm_cert webex "$TMP/pki/$name.crt" "$name-$mode" "$id"
    done
done

test_exported_key_equals_the_original() {  # name mode
    local name=$1 mode=$2 out=$TMP/$1-$2.pem
    "$P11_LOAD" --keys "$base;object=$name-$mode;type=private$q" > "$out" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "$name $mode: export failed"; }
    [ "$(pem_types "$out")" = "PRIVATE KEY" ] || fail "$name $mode: expected one PRIVATE KEY block"
    diff <(pubkey_of "$out") <(pubkey_of "$TMP/pki/$name.key") >/dev/null \
        || fail "$name $mode: exported public half differs from the original"
    # A signature made with the exported key verifies under the original certificate.
    openssl dgst -sha256 -sign "$out" -out "$TMP/sig" "$TMP/data"
    openssl dgst -sha256 -verify <(pubkey_of "$TMP/pki/$name.crt") -signature "$TMP/sig" "$TMP/data" \
        >/dev/null || fail "$name $mode: signature of the exported key does not verify"
    # For keys read in the clear the whole private key is the original, byte for byte.
    cmp -s <(openssl pkey -in "$out" -outform DER) <(openssl pkey -in "$TMP/pki/$name.key" -outform DER) \
        || fail "$name $mode: exported private key differs from the original"
}

test_key_brings_its_certificate_by_id() {  # name mode
    local name=$1 mode=$2 out=$TMP/$1-$2.both
    "$P11_LOAD" "$base;object=$name-$mode;type=private$q" > "$out" 2>/dev/null
    [ "$(pem_types "$out" | tr '\n' ' ')" = "PRIVATE KEY CERTIFICATE " ] \
        || fail "$name $mode: expected the key and its certificate, got $(pem_types "$out")"
    diff <(sed -n '/BEGIN CERT/,/END CERT/p' "$out") "$TMP/pki/$name.crt" >/dev/null \
        || fail "$name $mode: the certificate is not the one stored with the key"
}

test_non_extractable_key_is_refused_with_no_output() {  # name
    local name=$1
    expect_fail 5 "$P11_LOAD" "$base;object=$name-stuck;type=private$q" > "$TMP/out"
    [ ! -s "$TMP/out" ] || fail "$name stuck: something was written for a non-extractable key"
    assert_contains "$TMP/stderr" "the private key '$name-stuck' on token 'webex' is not extractable (CKA_EXTRACTABLE=false); CWMS needs the key inside the bundle: generate the CSR on CWMS, or create the key as extractable"
}

for name in rsa2048 rsa3072 ecP256 ecP384; do
    for mode in plain wrapped; do
        test_exported_key_equals_the_original "$name" "$mode"
        test_key_brings_its_certificate_by_id "$name" "$mode"
    done
    test_non_extractable_key_is_refused_with_no_output "$name"
done

# The wrapped path really wraps: the trace shows C_WrapKey and the session key destroyed.
CWMS_DEBUG=pkcs11 "$P11_LOAD" --keys "$base;object=rsa2048-wrapped;type=private$q" > /dev/null 2> "$TMP/trace"
assert_contains "$TMP/trace" "C_WrapKey: CKR_OK"
assert_contains "$TMP/trace" "C_DestroyObject: CKR_OK"
CWMS_DEBUG=pkcs11 "$P11_LOAD" --keys "$base;object=rsa2048-plain;type=private$q" > /dev/null 2> "$TMP/trace"
! grep -q C_WrapKey "$TMP/trace" || fail "a key that is not sensitive was wrapped instead of read"
echo "ok"
