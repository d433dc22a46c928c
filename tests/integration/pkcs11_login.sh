#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Logging in to a token: PIN from pin-value, pin-source (path or file:
# URI, one trailing newline stripped), else the caller's callback, else a
# clear error. A wrong PIN is reported as such after exactly one C_Login,
# and no PIN ever reaches the output or the trace.
set -eEuo pipefail
. "$CWMS_SOURCE_ROOT/tests/lib/common.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
softhsm_require

PIN=s3cret-Pin
softhsm_init "$TMP/hsm"
softhsm_token webex "$PIN"
pki_init "$TMP/pki"
pki_root root "Token Test Root"
pki_leaf server server.example.test root
softhsm_key webex "$TMP/pki/server.key" server 01 wrapped "$PIN"
softhsm_cert webex "$TMP/pki/server.crt" server 01 "$PIN"
M=$SOFTHSM_MODULE
key="pkcs11:token=webex;object=server;type=private?module-path=$M"

exports_the_key() {  # out
    diff <(pubkey_of "$1") <(pubkey_of "$TMP/pki/server.key") >/dev/null
}

count_logins() { grep -c 'C_Login' "$1" || true; }

# pin-value
"$P11_LOAD" --keys "$key&pin-value=$PIN" > "$TMP/k1.pem" 2>/dev/null
exports_the_key "$TMP/k1.pem" || fail "pin-value: key not exported"

# pin-source as a path, with the trailing newline an editor leaves
printf '%s\n' "$PIN" > "$TMP/pin"
"$P11_LOAD" --keys "$key&pin-source=$TMP/pin" > "$TMP/k2.pem" 2>/dev/null
exports_the_key "$TMP/k2.pem" || fail "pin-source path: key not exported"

# pin-source as a file: URI, no newline
printf '%s' "$PIN" > "$TMP/pin2"
"$P11_LOAD" --keys "$key&pin-source=file:$TMP/pin2" > "$TMP/k3.pem" 2>/dev/null
exports_the_key "$TMP/k3.pem" || fail "pin-source file: URI: key not exported"

# No PIN in the URI: the callback is asked once, naming the token
"$P11_LOAD" --keys --calls --pin "$PIN" "$key" > "$TMP/k4.pem" 2> "$TMP/err"
exports_the_key "$TMP/k4.pem" || fail "callback PIN: key not exported"
assert_contains "$TMP/err" "PIN asked for token 'webex'"
assert_contains "$TMP/err" "pin-asked 1"

# The URI's PIN wins; the callback is not asked
"$P11_LOAD" --keys --calls --pin wrong "$key&pin-value=$PIN" > "$TMP/k5.pem" 2> "$TMP/err"
exports_the_key "$TMP/k5.pem" || fail "URI PIN over callback: key not exported"
assert_contains "$TMP/err" "pin-asked 0"

# No PIN anywhere: a clear error, nothing written
expect_fail 6 "$P11_LOAD" --keys "$key" > "$TMP/out"
assert_contains "$TMP/stderr" "token 'webex' needs a PIN"
[ ! -s "$TMP/out" ] || fail "output written without a PIN"

# Wrong PIN from the URI: clear message, exactly one login attempt, nothing written
CWMS_DEBUG=pkcs11 expect_fail 6 "$P11_LOAD" --keys "$key&pin-value=0000" > "$TMP/out"
assert_contains "$TMP/stderr" "wrong PIN for token 'webex'"
[ "$(count_logins "$TMP/stderr")" -eq 1 ] || fail "wrong PIN: $(count_logins "$TMP/stderr") login attempts, expected 1"
[ ! -s "$TMP/out" ] || fail "output written after a wrong PIN"

# Wrong PIN from the callback: asked once, tried once
CWMS_DEBUG=pkcs11 expect_fail 6 "$P11_LOAD" --keys --calls --pin 0000 "$key" > "$TMP/out"
assert_contains "$TMP/stderr" "wrong PIN for token 'webex'"
assert_contains "$TMP/stderr" "pin-asked 1"
[ "$(count_logins "$TMP/stderr")" -eq 1 ] || fail "callback wrong PIN: $(count_logins "$TMP/stderr") login attempts"

# The right PIN still works afterwards (the token was not locked by retries)
"$P11_LOAD" --keys "$key&pin-value=$PIN" > "$TMP/k6.pem" 2>/dev/null
exports_the_key "$TMP/k6.pem" || fail "the token no longer accepts the right PIN"

# The PIN never appears in messages or the trace, even on failure
CWMS_DEBUG=pkcs11 "$P11_LOAD" --keys "$key&pin-value=$PIN" > /dev/null 2> "$TMP/trace"
CWMS_DEBUG=pkcs11 "$P11_LOAD" --keys "pkcs11:token=nosuch?module-path=$M&pin-value=$PIN" \
    > /dev/null 2>> "$TMP/trace" || true
CWMS_DEBUG=pkcs11 "$P11_LOAD" --keys "pkcs11:token=webex;objekt=x?module-path=$M&pin-value=$PIN" \
    > /dev/null 2>> "$TMP/trace" || true
assert_contains "$TMP/trace" "C_Login: CKR_OK"
assert_contains "$TMP/trace" "pin-value=***"
! grep -qF "$PIN" "$TMP/trace" || fail "the PIN appeared in the trace or a message"

# PIN state the token reports (SoftHSM never does: a forwarding module adds the flags).
# A locked PIN is not tried at all; neither is a final try, unless the user insists.
export CWMS_SHIM_MODULE=$M
shim="pkcs11:token=webex;object=server;type=private?module-path=$P11_FLAGSHIM&pin-value=$PIN"
CWMS_SHIM_TOKEN_FLAGS=locked CWMS_DEBUG=pkcs11 expect_fail 6 "$P11_LOAD" --keys "$shim" > "$TMP/out"
assert_contains "$TMP/stderr" "the user PIN of token 'webex' is locked"
[ "$(count_logins "$TMP/stderr")" -eq 0 ] || fail "locked PIN: a login was attempted"
CWMS_SHIM_TOKEN_FLAGS=final-try CWMS_DEBUG=pkcs11 expect_fail 6 "$P11_LOAD" --keys "$shim" > "$TMP/out"
assert_contains "$TMP/stderr" "token 'webex' has one PIN try left"
assert_contains "$TMP/stderr" "CWMS_PKCS11_PIN_FINAL_TRY=1"
[ "$(count_logins "$TMP/stderr")" -eq 0 ] || fail "final try: a login was attempted"
[ ! -s "$TMP/out" ] || fail "final try: output written"
CWMS_SHIM_TOKEN_FLAGS=final-try CWMS_PKCS11_PIN_FINAL_TRY=1 "$P11_LOAD" --keys "$shim" > "$TMP/k7.pem" 2>/dev/null \
    || fail "final try with CWMS_PKCS11_PIN_FINAL_TRY=1: not exported"
exports_the_key "$TMP/k7.pem" || fail "final try insisted: wrong key"
CWMS_SHIM_TOKEN_FLAGS=final-try "$P11_LOAD" --keys --final-try "$shim" > "$TMP/k8.pem" 2>/dev/null \
    || fail "final try with the caller's flag: not exported"
CWMS_SHIM_TOKEN_FLAGS=count-low "$P11_LOAD" --keys "$shim" > "$TMP/k9.pem" 2>/dev/null \
    || fail "a low PIN count alone must not stop a login"

# An unreadable pin-source is named, and exits like every PIN that cannot be had (6),
# whichever way the PIN was to come (pin-source=, --pin, or --passin standing in for it)
expect_fail 3 "$P11_LOAD" --keys "$key&pin-source=$TMP/no-such-pin"
assert_contains "$TMP/stderr" "$TMP/no-such-pin"
expect_fail 6 "$CWMS_BUNDLE" build "$key&pin-source=$TMP/no-such-pin"
assert_contains "$TMP/stderr" "$TMP/no-such-pin"
expect_fail 6 "$CWMS_BUNDLE" build --passin "file:$TMP/no-such-pin" "$key"
expect_fail 6 "$CWMS_BUNDLE" build --pin "file:$TMP/no-such-pin" "$key"
echo ok
