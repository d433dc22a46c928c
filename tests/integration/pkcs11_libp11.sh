#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An independent client agrees: libp11 signs with the keys on the token,
# and the signatures verify under what the helper brings back (the
# exported key's public half and the certificate paired with it).
set -eEuo pipefail
. "$CWMS_SOURCE_ROOT/tests/lib/common.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
softhsm_require
[ -x "$P11_LIBP11_SIGN" ] || skip "built without libp11"

softhsm_init "$TMP/hsm"
softhsm_token webex
pki_init "$TMP/pki"
pki_root root "Token Test Root"
M=$SOFTHSM_MODULE
echo "a message signed on the token by libp11" > "$TMP/data"

i=0
for spec in rsa:2048 ec:P-384; do
    for mode in plain wrapped; do
        i=$((i + 1))
        name=${spec/:/}-$mode
        PKI_KEY=$spec pki_leaf "$name" "$name.example.test" root
        softhsm_key_any webex "$TMP/pki/$name.key" "$name" "0$i" "$mode"
        softhsm_cert webex "$TMP/pki/$name.crt" "$name" "0$i"

        "$P11_LIBP11_SIGN" "$M" webex "$SOFTHSM_PIN" "$name" "$TMP/data" "$TMP/$name.sig" \
            || fail "$name: libp11 could not sign"
        "$P11_LOAD" "pkcs11:token=webex;object=$name;type=private?module-path=$M&pin-value=$SOFTHSM_PIN" \
            > "$TMP/$name.pem" 2>/dev/null || fail "$name: export failed"
        sed -n '/BEGIN CERT/,/END CERT/p' "$TMP/$name.pem" > "$TMP/$name.crt"
        [ -s "$TMP/$name.crt" ] || fail "$name: no certificate came with the key"
        openssl dgst -sha256 -verify <(pubkey_of "$TMP/$name.crt") -signature "$TMP/$name.sig" "$TMP/data" \
            >/dev/null || fail "$name: libp11's signature does not verify under the exported certificate"
        openssl dgst -sha256 -verify <(openssl pkey -in "$TMP/$name.pem" -pubout) \
            -signature "$TMP/$name.sig" "$TMP/data" >/dev/null \
            || fail "$name: libp11's signature does not verify under the exported key"
        # And the other way: the exported key signs what the token's public key object verifies
        # (RSA only: pkcs11-tool 0.23 cannot read EC public key objects under OpenSSL 3).
        [ "${spec%%:*}" = rsa ] || continue
        openssl dgst -sha256 -sign "$TMP/$name.pem" -out "$TMP/$name.sig2" "$TMP/data"
        pkcs11-tool --module "$M" --token-label webex --read-object --type pubkey --label "$name" \
            -o "$TMP/$name.pub.der" >/dev/null 2>&1
        openssl dgst -sha256 -verify <(openssl pkey -pubin -inform DER -in "$TMP/$name.pub.der") \
            -signature "$TMP/$name.sig2" "$TMP/data" >/dev/null \
            || fail "$name: the exported key's signature does not verify under the token's public key"
    done
done
echo ok
