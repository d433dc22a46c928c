#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Secrets under hostile input: hostile_secrets.sh CASE (one meson test per
# CASE, suite 'hostile'). PINs and passphrases never reach a message, an
# over-long PIN never reaches C_Login, and a FIFO holding one is read within
# bounds. Each run ends with the exit code and message it names, in under
# 20 s and 1 GiB.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/softhsm.sh
. "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"

OUTDIR=$TMP/out
mkdir -p "$OUTDIR"
SECRET=S3cretPin4711
PROV=(-provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms -provider default)

# no_secret FILE: SECRET appears nowhere in FILE.
no_secret() {
    ! grep -q "$SECRET" "$1" || { cat "$1" >&2; fail "the secret reached a message"; }
}

# no_secret_from_provider FILE: nor in the provider's own lines (openssl itself echoes the
# URI it could not open, which is the user's own text and not the provider's to hide).
no_secret_from_provider() {
    grep -q ":cwms:" "$1" || { cat "$1" >&2; fail "the provider said nothing"; }
    ! grep ":cwms:\|cwms provider" "$1" | grep -q "$SECRET" \
        || { cat "$1" >&2; fail "the secret reached a provider message"; }
}

# A private SoftHSM token 'webex' holding the server key and certificate.
token_pki() {
    softhsm_available || fail "SoftHSM or pkcs11-tool not installed (ci/install-deps.sh)"
    make_pki
    P=$PKI_DIR
    mkdir -m 700 "$TMP/hsm"
    softhsm_init "$TMP/hsm"
    softhsm_token webex
    softhsm_key webex "$P/server.key" server 01 wrapped
    softhsm_cert webex "$P/server.crt" server 01
    KEY_URI="pkcs11:token=webex;object=server;type=private?module-path=$SOFTHSM_MODULE"
}

# 1 when the token's flags say a wrong PIN was tried (SoftHSM sets CKF_USER_PIN_COUNT_LOW
# on every failed C_Login and clears it on a good one).
pin_tried_wrong() {
    pkcs11-tool --module "$SOFTHSM_MODULE" -T 2> /dev/null | grep -q "user PIN count low"
}

# A pin-value of 2,000 bytes is refused before any C_Login (the CLI, the provider, and
# --pin): the token records no failed login. The same check with a wrong short PIN
# does record one, so the check can tell; the right PIN then still works. A request
# with the PIN in its --key URI never prints it.
case_pin_value_capped() {
    token_pki
    local long
    long=$(head -c 2000 /dev/zero | tr '\0' 7)
    pin_tried_wrong && fail "the new token already records a failed login"
    bounded 6 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" --key "$KEY_URI&pin-value=$long" \
        "$P/server.crt" "$P/ca-bundle.pem"
    assert_contains "$TMP/stderr" "its pin-value is longer than 1024 bytes"
    assert_contains "$TMP/stderr" "nothing was sent to the token"
    ! grep -q 7777777 "$TMP/stderr" || fail "the PIN was printed"
    bounded 6 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" --pin "pass:$long" \
        --key "$KEY_URI" "$P/server.crt" "$P/ca-bundle.pem"
    assert_contains "$TMP/stderr" "longer than 1024 bytes"
    bounded 1 "${OSSL_CMD[@]}" pkey "${PROV[@]}" -in "$KEY_URI&pin-value=$long" -noout
    assert_contains "$TMP/stderr" "its pin-value is longer than 1024 bytes"
    pin_tried_wrong && fail "an over-long PIN reached C_Login (the token counts a failed login)"
    no_leftovers
    # The control: a wrong PIN of usual length is tried, and the token says so.
    bounded 6 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" --key "$KEY_URI&pin-value=9999" \
        "$P/server.crt" "$P/ca-bundle.pem"
    assert_contains "$TMP/stderr" "wrong PIN for token 'webex'"
    pin_tried_wrong || fail "a wrong PIN left no trace: this check cannot tell"
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" \
        --key "$KEY_URI&pin-value=$SOFTHSM_PIN" "$P/server.crt" "$P/ca-bundle.pem"
    pin_tried_wrong && fail "the right PIN did not log in"
    rm -f "$OUTDIR/out.pem"
    # The PIN in request --key's URI stays out of every note.
    bounded 0 "$CWMS_BUNDLE" request --key "$KEY_URI&pin-value=$SOFTHSM_PIN" \
        --host www.example.test -o "$OUTDIR/req.csr"
    assert_contains "$TMP/stderr" "pin-value=***"
    ! grep -q "pin-value=$SOFTHSM_PIN" "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "the PIN was printed"; }
    rm -f "$OUTDIR/req.csr"
}

# Malformed URIs around a PIN: the cwms: URI's bad escape (its "malformed percent-encoding"
# names a place, not the value), a pkcs11: pin-value whose '=' is escaped, a misspelt
# pin-value, text without '=': the error names the problem, never the PIN.
case_secret_not_in_parse_errors() {
    softhsm_available || fail "SoftHSM or pkcs11-tool not installed (ci/install-deps.sh)"
    make_pki
    local p=$PKI_DIR uri m
    mkdir "$TMP/ca" && cp "$p/server.crt" "$p/ca-bundle.pem" "$TMP/ca/"
    # Only this module (an empty SoftHSM) is loaded, whatever p11-kit has registered.
    softhsm_init "$TMP/hsm"
    m=module-path=$SOFTHSM_MODULE
    bounded 1 "${OSSL_CMD[@]}" storeutl "${PROV[@]}" "cwms:$TMP/ca?key=pkcs11:token=x%3Fpin-value=$SECRET%zz"
    assert_contains "$TMP/stderr" "parameter 'key': malformed percent-encoding at character"
    no_secret_from_provider "$TMP/stderr"
    for uri in "pkcs11:token=x?$m&pin-value%3D$SECRET" "pkcs11:token=x?$m&pin-valeu=$SECRET" \
               "pkcs11:token=x;$SECRET?$m" "pkcs11:token=x?$m&pin-value=$SECRET%zz"; do
        bounded 2 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" "$p/server.crt" "$uri"
        no_secret "$TMP/stderr"
        case $uri in *pin-value=*) assert_contains "$TMP/stderr" "pin-value=***" ;; esac
        bounded 1 "${OSSL_CMD[@]}" storeutl "${PROV[@]}" "$uri"
        no_secret_from_provider "$TMP/stderr"
        bounded 1 "${OSSL_CMD[@]}" storeutl "${PROV[@]}" "cwms:$TMP/ca?key=$uri"
        no_secret_from_provider "$TMP/stderr"
    done
    no_leftovers
}

# Secrets in FIFOs: a pin-source (CLI and provider) and a --passin file: with a writer
# that comes a moment later they are read; with none, an error after the 5 s wait.
case_fifo_secrets() {
    token_pki
    mkfifo "$TMP/pin.fifo" "$TMP/pass.fifo"
    openssl pkcs8 -topk8 -in "$P/server.key" -passout "pass:$SECRET" -out "$TMP/enc.key"
    (sleep 1; echo "$SOFTHSM_PIN" > "$TMP/pin.fifo") &
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" \
        --key "$KEY_URI&pin-source=$TMP/pin.fifo" "$P/server.crt" "$P/ca-bundle.pem"
    wait
    rm -f "$OUTDIR/out.pem"
    bounded 6 "$CWMS_BUNDLE" build --cwms 2.5 -o "$OUTDIR/out.pem" \
        --key "$KEY_URI&pin-source=$TMP/pin.fifo" "$P/server.crt" "$P/ca-bundle.pem"
    assert_contains "$TMP/stderr" "cannot read pin-source '$TMP/pin.fifo': it is a named pipe (FIFO) nothing wrote to in time"
    (sleep 1; echo "$SOFTHSM_PIN" > "$TMP/pin.fifo") &
    bounded 0 "${OSSL_CMD[@]}" pkey "${PROV[@]}" -in "$KEY_URI&pin-source=$TMP/pin.fifo" -noout
    wait
    bounded 1 "${OSSL_CMD[@]}" pkey "${PROV[@]}" -in "$KEY_URI&pin-source=$TMP/pin.fifo" -noout
    assert_contains "$TMP/stderr" "nothing wrote to in time"
    (sleep 1; echo "$SECRET" > "$TMP/pass.fifo") &
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 --passin "file:$TMP/pass.fifo" -o "$OUTDIR/out.pem" \
        "$TMP/enc.key" "$P/server.crt" "$P/ca-bundle.pem"
    wait
    rm -f "$OUTDIR/out.pem"
    bounded 3 "$CWMS_BUNDLE" build --cwms 2.5 --passin "file:$TMP/pass.fifo" -o "$OUTDIR/out.pem" \
        "$TMP/enc.key" "$P/server.crt" "$P/ca-bundle.pem"
    assert_contains "$TMP/stderr" "--passin file:$TMP/pass.fifo: cannot read '$TMP/pass.fifo': it is a named pipe (FIFO) nothing wrote to in time"
    no_secret "$TMP/stderr"
    no_leftovers
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
