#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Finding tokens: by module-path and through p11-kit's registry (Debian's
# softhsm2.module, which honours our SOFTHSM2_CONF), two tokens, a URI
# matching none or several, a token-only URI bringing everything on the
# token, unknown attributes, and the listing with the URI of every object.
set -eEuo pipefail
. "$CWMS_SOURCE_ROOT/tests/lib/common.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
softhsm_require

softhsm_init "$TMP/hsm"
softhsm_token webex
softhsm_token shop
pki_init "$TMP/pki"
pki_hierarchy
PKI_KEY=ec:P-256 pki_leaf other other.example.test secondary
M=$SOFTHSM_MODULE
P=$SOFTHSM_PIN

# webex: the server key and its chain; shop: two keys
softhsm_key webex "$TMP/pki/server.key" server 01 wrapped
softhsm_cert webex "$TMP/pki/server.crt" server 01
softhsm_cert webex "$TMP/pki/secondary.crt" secondary 02
softhsm_cert webex "$TMP/pki/primary.crt" primary 03
softhsm_key_any shop "$TMP/pki/server.key" one 0a plain
softhsm_key shop "$TMP/pki/other.key" two 0b stuck
softhsm_cert shop "$TMP/pki/other.crt" two 0b

# The module found through p11-kit's registry (no module-path)
registry=/usr/share/p11-kit/modules/softhsm2.module
if [ -f "$registry" ]; then
    "$P11_LOAD" "pkcs11:token=webex;object=server;type=private?pin-value=$P" > "$TMP/reg.pem" 2>/dev/null \
        || fail "the token was not found through p11-kit's registry"
    diff <(pubkey_of "$TMP/reg.pem") <(pubkey_of "$TMP/pki/server.key") >/dev/null \
        || fail "registry: wrong key"
    "$P11_LOAD" "pkcs11:token=shop;object=one;type=private?module-name=softhsm2&pin-value=$P" \
        > /dev/null 2>&1 || fail "module-name=softhsm2 did not find the token"
    expect_fail 6 "$P11_LOAD" "pkcs11:token=shop?module-name=no-such-module"
    assert_contains "$TMP/stderr" "no PKCS#11 module named 'no-such-module'"
else
    skip_part "$registry absent, registry lookups not tested"
fi

# A token-only URI brings every certificate and the key on the token
"$P11_LOAD" "pkcs11:token=webex?module-path=$M&pin-value=$P" > "$TMP/all.pem" 2>/dev/null
[ "$(pem_types "$TMP/all.pem" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" = " 3 CERTIFICATE; 1 PRIVATE KEY;" ] \
    || fail "token-only URI: got $(pem_types "$TMP/all.pem" | tr '\n' ' ')"
for c in server secondary primary; do
    grep -qF "$(sed -n 2p "$TMP/pki/$c.crt")" "$TMP/all.pem" || fail "token-only URI: $c certificate missing"
done

# Certificates only, by type
"$P11_LOAD" "pkcs11:token=webex;type=cert?module-path=$M" > "$TMP/certs.pem" 2>/dev/null
[ "$(pem_types "$TMP/certs.pem" | grep -c CERTIFICATE)" -eq 3 ] || fail "type=cert: expected 3 certificates"
! grep -q "PRIVATE KEY" "$TMP/certs.pem" || fail "type=cert brought a key"

# A certificate stored private (CKA_PRIVATE) is found after a login, and asks for the PIN to get it
openssl x509 -in "$TMP/pki/primary.crt" -outform DER -out "$TMP/primary.der"
"$P11_IMPORT" --private-cert "pkcs11:token=shop?module-path=$M&pin-value=$P" "$TMP/primary.der" hidden
"$P11_LOAD" "pkcs11:token=shop;object=hidden;type=cert?module-path=$M&pin-value=$P" > "$TMP/hidden.pem" 2>/dev/null
[ "$(pem_types "$TMP/hidden.pem")" = CERTIFICATE ] || fail "a private certificate was not found after logging in"
expect_fail 6 "$P11_LOAD" "pkcs11:token=shop;object=hidden;type=cert?module-path=$M"
assert_contains "$TMP/stderr" "token 'shop' needs a PIN"
# ... while a listing without a PIN to be had shows what is public, and says it is not logged in
"$P11_LOAD" --list "pkcs11:token=shop?module-path=$M" > "$TMP/list-nopin" 2>/dev/null \
    || fail "listing a token without a PIN failed"
assert_contains "$TMP/list-nopin" "logged_in=0"
! grep -q "label=hidden" "$TMP/list-nopin" || fail "a private certificate was listed without a login"

# A token-only URI on a token with several keys says which to choose
expect_fail 6 "$P11_LOAD" "pkcs11:token=shop?module-path=$M&pin-value=$P"
assert_contains "$TMP/stderr" "matches 2 private keys on token 'shop'"
assert_contains "$TMP/stderr" "object=one;type=private"
assert_contains "$TMP/stderr" "object=two;type=private"

# A URI matching no token lists the tokens there are
expect_fail 6 "$P11_LOAD" "pkcs11:token=nosuch?module-path=$M&pin-value=$P"
assert_contains "$TMP/stderr" "no PKCS#11 token matches 'pkcs11:token=nosuch"
assert_contains "$TMP/stderr" "'webex'"
assert_contains "$TMP/stderr" "'shop'"

# A URI matching both tokens says so and names them
expect_fail 6 "$P11_LOAD" "pkcs11:model=SoftHSM%20v2;object=server?module-path=$M&pin-value=$P"
assert_contains "$TMP/stderr" "matches 2 PKCS#11 tokens"
assert_contains "$TMP/stderr" "'webex'"
assert_contains "$TMP/stderr" "'shop'"

# An object that is not there
expect_fail 6 "$P11_LOAD" "pkcs11:token=webex;object=nosuch;type=private?module-path=$M&pin-value=$P"
assert_contains "$TMP/stderr" "no private key on token 'webex' matches"

# Unknown attributes are refused by name, before any token is touched
CWMS_DEBUG=pkcs11 expect_fail 2 "$P11_LOAD" "pkcs11:token=webex;objekt=server?module-path=$M&pin-value=$P"
assert_contains "$TMP/stderr" "unknown path attribute 'objekt'"
! grep -q C_Initialize "$TMP/stderr" || fail "a module was loaded for a URI with an unknown attribute"
expect_fail 2 "$P11_LOAD" "pkcs11:token=webex?module-path=$M&pinvalue=$P"
assert_contains "$TMP/stderr" "unknown query attribute 'pinvalue'"

# The listing: every token, and after a login every object with its URI and exportability
"$P11_LOAD" --list "pkcs11:?module-path=$M" > "$TMP/list-all"
assert_contains "$TMP/list-all" "token 'webex'"
assert_contains "$TMP/list-all" "token 'shop'"
! grep -q "kind=1 " "$TMP/list-all" || fail "private keys listed without a login"
"$P11_LOAD" --list "pkcs11:token=shop?module-path=$M&pin-value=$P" > "$TMP/list-shop"
assert_contains "$TMP/list-shop" "logged_in=1"
grep -q "label=one id=0a detail=RSA 2048 export=1 " "$TMP/list-shop" || fail "key 'one' not listed as exportable in the clear"
grep -q "label=two id=0b detail=EC P-256 export=0 " "$TMP/list-shop" || fail "key 'two' not listed as not exportable"
grep -q "kind=0 label=two .*detail=.*other.example.test" "$TMP/list-shop" || fail "certificate 'two' not listed"
# The URI the listing prints for a key is the one that exports it
u=$(sed -n 's/.*kind=1 label=one .* uri=//p' "$TMP/list-shop")
"$P11_LOAD" --keys "$u&pin-value=$P" > "$TMP/one.pem" 2>/dev/null || fail "the listed URI '$u' does not load"
diff <(pubkey_of "$TMP/one.pem") <(pubkey_of "$TMP/pki/server.key") >/dev/null || fail "listed URI: wrong key"
echo ok
