#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A token that wraps nothing (some HSMs; SoftHSM behind the test shim, whose
# mechanisms then say no CKF_WRAP): pkcs11_nowrap.sh CASE (one meson test per
# CASE). A sensitive key there can never leave, and cwms-bundle says so in
# the listing and when asked for it; a new key is made extractable but not
# sensitive instead, with a note, and goes into the bundle.
set -eEuo pipefail
. "$CWMS_SOURCE_ROOT/tests/lib/common.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
softhsm_require
[ -f "$P11_FLAGSHIM" ] || fail "the test shim is not built: $P11_FLAGSHIM"

softhsm_init "$TMP/hsm"
softhsm_token webex
pki_init "$TMP/pki"
pki_root root "Token Test Root"
export CWMS_SHIM_MODULE=$SOFTHSM_MODULE CWMS_SHIM_TOKEN_FLAGS=no-wrap
Q="?module-path=$P11_FLAGSHIM"

# A sensitive, extractable key: "not exportable" in the listing, refused with what to do.
case_sensitive_key_cannot_leave() {
    pki_leaf server server.example.test root
    softhsm_key webex "$PKI_DIR/server.key" server 01 wrapped
    "$CWMS_BUNDLE" tokens --pin "pass:$SOFTHSM_PIN" "pkcs11:token=webex$Q" > "$TMP/list"
    assert_contains "$TMP/list" "private key 'server' (id 01): RSA 2048; not exportable (sensitive, and the token lists no mechanism to wrap it out)"
    "$CWMS_BUNDLE" tokens --json --pin "pass:$SOFTHSM_PIN" "pkcs11:token=webex$Q" > "$TMP/json"
    python3 -c 'import json, sys; o = [o for t in json.load(open(sys.argv[1]))["tokens"] for o in t["objects"] if o["kind"] == "private key"]; assert o[0]["export"] == "none", o' "$TMP/json"
    expect_fail 5 "$CWMS_BUNDLE" build --cwms 2.5 --pin "pass:$SOFTHSM_PIN" -o "$TMP/b.pem" \
        --key "pkcs11:token=webex;object=server;type=private$Q" "$PKI_DIR/server.crt"
    assert_contains "$TMP/stderr" "is sensitive, and token 'webex' lists no mechanism to wrap it"
    assert_contains "$TMP/stderr" "request --new-key FILE"
    [ ! -e "$TMP/b.pem" ] || fail "a bundle was written"
}

# request --new-key: the token's sensitive + extractable key could never leave, so the key is made
# extractable but not sensitive, a note says so, and it goes into the bundle later.
case_new_key_is_readable_and_said_so() {
    CWMS_DEBUG=pkcs11 "$CWMS_BUNDLE" request --new-key "pkcs11:token=webex;object=fresh$Q" \
        --pin "pass:$SOFTHSM_PIN" --host www.example.test -o "$TMP/csr.pem" 2> "$TMP/err" \
        || { grep -v 'pkcs11: ' "$TMP/err" >&2; fail "request --new-key failed"; }
    assert_contains "$TMP/err" "token 'webex' made the key extractable but not sensitive (sensitive + extractable: not tried, the token lists no mechanism to wrap a key out): anyone logged in to the token can read it"
    [ "$(grep -c ': C_GenerateKeyPair: CKR_OK' "$TMP/err")" -eq 1 ] || fail "not exactly one key pair made"
    openssl req -in "$TMP/csr.pem" -noout -pubkey > "$TMP/fresh.pub"
    CWMS_DEBUG=pkcs11 "$P11_LOAD" --keys "pkcs11:token=webex;object=fresh;type=private$Q&pin-value=$SOFTHSM_PIN" \
        > "$TMP/key.pem" 2> "$TMP/err" || { cat "$TMP/err" >&2; fail "the new key does not leave the token"; }
    diff <(pubkey_of "$TMP/key.pem") "$TMP/fresh.pub" > /dev/null || fail "the exported key is not the new one"
    assert_contains "$TMP/err" "exporting the private key 'fresh' on token 'webex' from its components"
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
