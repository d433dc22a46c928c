#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One PKCS#11 behaviour suite, run on every kind of token a Debian admin may
# have: pkcs11_matrix.sh BACKEND CASE (one meson test per pair; the cases
# each backend runs are listed in tests/integration/meson.build). BACKEND is
# softhsm, nss (an NSS database through p11-kit), tpm2 (tpm2-pkcs11 on swtpm)
# or ock (opencryptoki's software token); tests/lib/tokens.sh sets each up in
# the test's own sandbox. Every token is found through p11-kit's registry, as
# users find theirs, and every URI is one a user would type or paste.
set -eEuo pipefail
. "$CWMS_SOURCE_ROOT/tests/lib/p11reg.sh"
p11_sandbox "$0" "$@"
. "$CWMS_SOURCE_ROOT/tests/lib/common.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/tokens.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"
PROV=(-provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms -provider default)


# same_key FILE: FILE's key (or certificate) has the public half of the token's server key.
same_key() {
    diff <(pubkey_of "$1") "$PKI_DIR/server.pub" > /dev/null || fail "$1 does not hold the token's server key"
}

# build ARGS...: cwms-bundle build --cwms 2.5 with the token's PIN and the CA's files.
build() {
    "$CWMS_BUNDLE" build --cwms 2.5 --pin "pass:$TOK_PIN" "$@" "$TMP/ca-files"
}

# refused_not_extractable: what $TMP/stderr must say when the server key may not leave the token.
refused_not_extractable() {
    assert_contains "$TMP/stderr" "the private key 'server' on token '$TOK_LABEL' is not extractable (CKA_EXTRACTABLE=false); CWMS needs the key inside the bundle"
    assert_contains "$TMP/stderr" "generate the CSR on CWMS"
}

# tokens lists the token, the key with how it can leave, the certificate; each URI works pasted back.
case_tokens_text() {
    tok_server server 01 "$SERVER_MODE"
    "$CWMS_BUNDLE" tokens --pin "pass:$TOK_PIN" "$(tok_uri)" > "$TMP/list" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "tokens failed"; }
    assert_contains "$TMP/list" "Token '$TOK_LABEL'"
    assert_contains "$TMP/list" "certificate 'server' (id 01): O = cwms-bundle tests, CN = www.example.test"
    if tok_can extractable; then
        assert_contains "$TMP/list" "private key 'server' (id 01): RSA 2048; exportable (sensitive"
    else
        assert_contains "$TMP/list" "private key 'server' (id 01): EC P-256; not exportable (CKA_EXTRACTABLE=false)"
    fi
    ! grep -q '%00' "$TMP/list" || fail "a URI carries the token's NUL padding (%00)"
    # The URIs printed, pasted back: the token's lists it, the certificate's builds, the key's exports or signs.
    local token_uri key_uri cert_uri
    token_uri=$(sed -n 's/^  URI: //p' "$TMP/list")
    key_uri=$(grep -A1 "private key 'server'" "$TMP/list" | tail -1 | tr -d ' ')
    cert_uri=$(grep -A1 "certificate 'server'" "$TMP/list" | tail -1 | tr -d ' ')
    "$CWMS_BUNDLE" tokens --no-login "$token_uri" > "$TMP/again" || fail "the token's URI '$token_uri' finds nothing"
    assert_contains "$TMP/again" "Token '$TOK_LABEL'"
    ! grep -q "^  private key" "$TMP/again" || fail "--no-login listed private keys"
    assert_contains "$TMP/again" "(not logged in: private keys are not shown"
    "$CWMS_BUNDLE" build --cwms 2.5 --no-key "$cert_uri" "$TMP/ca-files" > "$TMP/certs.pem" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "the certificate's URI '$cert_uri' does not build"; }
    if tok_can extractable; then
        "$CWMS_BUNDLE" build --cwms 2.5 --pin "pass:$TOK_PIN" --key "$key_uri" "$TMP/ca-files" > "$TMP/b.pem" 2> "$TMP/err" \
            || { cat "$TMP/err" >&2; fail "the key's URI '$key_uri' does not export"; }
        same_key "$TMP/b.pem"
    else
        "$CWMS_BUNDLE" request --key "$key_uri" --pin "pass:$TOK_PIN" --host www.example.test -o "$TMP/csr" 2> "$TMP/err" \
            || { cat "$TMP/err" >&2; fail "the key's URI '$key_uri' does not sign a CSR"; }
    fi
}

# tokens --json: the schema's document, with the same facts and URIs.
case_tokens_json() {
    tok_server server 01 "$SERVER_MODE"
    "$CWMS_BUNDLE" tokens --json --pin "pass:$TOK_PIN" "$(tok_uri)" > "$TMP/json" \
        || fail "tokens --json failed"
    python3 - "$TMP/json" "$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json" "$TOK_LABEL" \
        "$(tok_can extractable && echo wrapped || echo none)" > "$TMP/uri" <<'PY'
import json, sys
import jsonschema
doc = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(json.load(open(sys.argv[2]))).validate(doc)
assert doc["exit_code"] == 0, doc
[tok] = doc["tokens"]
assert tok["label"] == sys.argv[3] and tok["logged_in"] is True, tok
keys = [o for o in tok["objects"] if o["kind"] == "private key" and o["label"] == "server"]
assert len(keys) == 1 and keys[0]["id"] == "01" and keys[0]["export"] == sys.argv[4], keys
assert "%00" not in json.dumps(doc), "NUL padding in a URI"
print([o["uri"] for o in tok["objects"] if o["kind"] == "certificate"][0])
PY
    "$CWMS_BUNDLE" build --cwms 2.5 --no-key "$(cat "$TMP/uri")" "$TMP/ca-files" > /dev/null 2>&1 \
        || fail "the certificate URI of the JSON listing does not build"
}

# A sensitive, extractable key comes out wrapped, equal to the original (NSS: as pk12util imports it).
case_export_wrapped() {
    tok_server server 01 wrapped
    CWMS_DEBUG=pkcs11 build --key "$KEY" -o "$TMP/b.pem" 2> "$TMP/trace" \
        || { grep -v ': C_' "$TMP/trace" >&2; fail "the wrapped key was not exported"; }
    same_key "$TMP/b.pem"
    cmp -s <(openssl pkey -in "$TMP/b.pem" -outform DER) <(openssl pkey -in "$PKI_DIR/server.key" -outform DER) \
        || fail "the exported key differs from the original"
    assert_contains "$TMP/trace" "C_WrapKey: CKR_OK"
    assert_contains "$TMP/trace" "C_DestroyObject: CKR_OK"
    if [ "$TOK_BACKEND" = nss ]; then
        # What a Firefox user has: a key and certificate imported from a PKCS#12 by pk12util.
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI_DIR/fx.key" 2> /dev/null
        openssl pkey -in "$PKI_DIR/fx.key" -pubout -out "$PKI_DIR/fx.pub"
        tok__issue fx "$PKI_DIR/fx.pub" firefox.example.test  # NSS names a certificate by its subject
        nss_pk12 "$PKI_DIR/fx.key" "$PKI_DIR/fx.crt" firefox
        build --key "$(tok_uri "object=firefox;type=private")" -o "$TMP/fx.pem" 2> "$TMP/err" \
            || { cat "$TMP/err" >&2; fail "the key pk12util imported was not exported"; }
        diff <(pubkey_of "$TMP/fx.pem") "$PKI_DIR/fx.pub" > /dev/null || fail "pk12util's key: wrong key"
    fi
}

# A key that is not sensitive is read in the clear, equal to the original; nothing is wrapped.
case_export_plain() {
    tok_server server 01 plain
    CWMS_DEBUG=pkcs11 build --key "$KEY" -o "$TMP/b.pem" 2> "$TMP/trace" \
        || { grep -v ': C_' "$TMP/trace" >&2; fail "the plain key was not exported"; }
    cmp -s <(openssl pkey -in "$TMP/b.pem" -outform DER) <(openssl pkey -in "$PKI_DIR/server.key" -outform DER) \
        || fail "the exported key differs from the original"
    if [ "$TOK_BACKEND" = nss ]; then
        # NSS keeps the keys of its database encrypted whatever CKA_SENSITIVE says: wrapped instead.
        assert_contains "$TMP/trace" "the token does not show them: exporting the private key 'server'"
    else
        ! grep -q C_WrapKey "$TMP/trace" || fail "a key that is not sensitive was wrapped"
    fi
}

# A key that may not leave the token: exit 5, the message says what to do, nothing is written.
case_refuse_not_extractable() {
    tok_server server 01 stuck
    expect_fail 5 build --key "$KEY" -o "$TMP/b.pem"
    refused_not_extractable
    [ ! -e "$TMP/b.pem" ] || fail "a bundle was written for a key that cannot leave the token"
    expect_fail 5 "$CWMS_BUNDLE" build --cwms 2.5 --pin "pass:$TOK_PIN" -o "$TMP/b2.pem" "$(tok_uri "object=server")" "$TMP/ca-files"
    [ ! -e "$TMP/b2.pem" ] || fail "a bundle was written from a token-only URI"
}

# Certificates stored on the token are inputs like files: the chain comes off the token.
case_certs_as_inputs() {
    tok_server server 01 "$SERVER_MODE"
    tok_cert "$PKI_DIR/issuing.crt" issuing 02
    "$CWMS_BUNDLE" build --cwms 2.5 --no-key --trust "$PKI_DIR/root.crt" -o "$TMP/b.pem" "$(tok_uri "type=cert")" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "build from the token's certificates failed"; }
    [ "$(pem_subjects "$TMP/b.pem" | sed 's/.*CN *= *//' | tr '\n' ';')" = "Token Test Issuing CA;www.example.test;" ] \
        || fail "the chain from the token is not issuing CA, server: $(pem_subjects "$TMP/b.pem")"
}

# request --key: the CSR is signed on the token and carries the token key's public half.
case_request_key() {
    tok_server server 01 "$SERVER_MODE"
    "$CWMS_BUNDLE" request --key "$KEY" --pin "pass:$TOK_PIN" --host www.example.test -o "$TMP/csr.pem" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "request --key failed"; }
    openssl req -in "$TMP/csr.pem" -verify -noout 2> /dev/null || fail "the CSR's signature does not verify"
    diff <(openssl req -in "$TMP/csr.pem" -noout -pubkey) "$PKI_DIR/server.pub" > /dev/null \
        || fail "the CSR does not carry the token key's public half"
}

# request --new-key: a key that can later go into the bundle, or a clear refusal where the token keeps keys.
case_request_new_key() {
    local new
    new=$(tok_uri "object=fresh")
    if ! tok_can extractable; then
        expect_fail 6 "$CWMS_BUNDLE" request --new-key "$new" --pin "pass:$TOK_PIN" --host www.example.test -o "$TMP/csr.pem"
        assert_contains "$TMP/stderr" "token '$TOK_LABEL' keeps its keys inside"
        assert_contains "$TMP/stderr" "A CWMS bundle carries the private key"
        assert_contains "$TMP/stderr" "request --new-key FILE"
        ! grep -q "Cannot mark object" "$TMP/stderr" || fail "the module's own message reached the terminal"
        [ ! -e "$TMP/csr.pem" ] || fail "a CSR was written"
        "$CWMS_BUNDLE" tokens --pin "pass:$TOK_PIN" "$(tok_uri)" > "$TMP/list"
        ! grep -q "'fresh'" "$TMP/list" || fail "a key the user cannot use was left on the token"
        return 0
    fi
    "$CWMS_BUNDLE" request --new-key "$new" --pin "pass:$TOK_PIN" --host www.example.test -o "$TMP/csr.pem" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "request --new-key failed"; }
    openssl req -in "$TMP/csr.pem" -verify -noout 2> /dev/null || fail "the CSR's signature does not verify"
    # The CA answers; the new key then leaves the token into the bundle, matching the certificate.
    openssl req -in "$TMP/csr.pem" -noout -pubkey > "$PKI_DIR/fresh.pub"
    tok__issue fresh "$PKI_DIR/fresh.pub"
    build --key "$(tok_uri "object=fresh;type=private")" -o "$TMP/b.pem" "$PKI_DIR/fresh.crt" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "the new key did not go into the bundle"; }
    diff <(pubkey_of "$TMP/b.pem") "$PKI_DIR/fresh.pub" > /dev/null || fail "the bundle's key is not the new one"
}

# build -> check: the bundle made from the token is one check calls ready.
case_build_check_round_trip() {
    tok_server server 01 "$SERVER_MODE"
    build --key "$KEY" -o "$TMP/b.pem" 2> /dev/null || fail "build failed"
    "$CWMS_BUNDLE" check --cwms 2.5 --trust "$PKI_DIR/root.crt" "$TMP/b.pem" > "$TMP/out" 2>&1 \
        || { cat "$TMP/out" >&2; fail "check does not accept the bundle built from the token"; }
    assert_contains "$TMP/out" "ready for CWMS 2.5"
}

# The provider's pkcs11: loader through openssl storeutl and openssl pkey.
case_provider() {
    tok_server server 01 "$SERVER_MODE"
    ossl storeutl "${PROV[@]}" -passin "pass:$TOK_PIN" -certs "$CERT" > "$TMP/certs" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "storeutl -certs found nothing"; }
    assert_contains "$TMP/certs" "Total found: 1"
    if tok_can extractable; then
        ossl storeutl "${PROV[@]}" -passin "pass:$TOK_PIN" "$(tok_uri "object=server")" > "$TMP/all" 2> "$TMP/err" \
            || { cat "$TMP/err" >&2; fail "storeutl found nothing for the key's URI"; }
        assert_contains "$TMP/all" "0: Pkey"
        assert_contains "$TMP/all" "1: Certificate"
        assert_contains "$TMP/all" "Total found: 2"
        ossl pkey "${PROV[@]}" -passin "pass:$TOK_PIN" -in "$KEY" -out "$TMP/k.pem" 2> "$TMP/err" \
            || { cat "$TMP/err" >&2; fail "openssl pkey could not load the key"; }
        same_key "$TMP/k.pem"
    else
        expect_fail 1 ossl pkey "${PROV[@]}" -passin "pass:$TOK_PIN" -in "$KEY" -out "$TMP/k.pem"
        assert_contains "$TMP/stderr" "not extractable"
    fi
}

# A wrong PIN: exit 6, said so, one C_Login, nothing written; the right PIN still works after.
case_wrong_pin() {
    tok_server server 01 "$SERVER_MODE"
    CWMS_DEBUG=pkcs11 expect_fail 6 "$CWMS_BUNDLE" tokens --pin pass:8642 "$(tok_uri)"
    assert_contains "$TMP/stderr" "wrong PIN for token '$TOK_LABEL'"
    [ "$(grep -c ': C_Login: ' "$TMP/stderr")" -eq 1 ] || fail "not exactly one login attempt"
    ! grep -q 8642 "$TMP/stderr" || fail "the PIN appeared in the messages"
    "$CWMS_BUNDLE" tokens --pin "pass:$TOK_PIN" "$(tok_uri)" > "$TMP/list" || fail "the right PIN no longer works"
    assert_contains "$TMP/list" "private key 'server'"
    tok_can extractable || return 0
    expect_fail 6 "$CWMS_BUNDLE" build --cwms 2.5 --pin pass:8642 --key "$KEY" -o "$TMP/b.pem" "$TMP/ca-files"
    [ ! -e "$TMP/b.pem" ] || fail "output written after a wrong PIN"
    # A token that now reports its final try (opencryptoki does after two) is only tried when the user insists.
    if ! build --key "$KEY" -o "$TMP/b.pem" 2> "$TMP/err"; then
        assert_contains "$TMP/err" "token '$TOK_LABEL' has one PIN try left"
        CWMS_PKCS11_PIN_FINAL_TRY=1 build --key "$KEY" -o "$TMP/b.pem" 2> /dev/null \
            || fail "the right PIN, insisted on, does not work"
    fi
    same_key "$TMP/b.pem"
}

# The PIN from every source: --pin/--passin pass:, env:, file:, fd:, and the URI's pin-value=/pin-source=.
case_pin_sources() {
    tok_server server 01 "$SERVER_MODE"
    local uri src
    uri=$(tok_uri)
    printf '%s\n' "$TOK_PIN" > "$TMP/pin"
    logged_in() {  # how a listing shows it logged in: the private key is there
        grep -q "private key 'server'" "$TMP/list" || fail "PIN from $1: not logged in"
    }
    for src in "--pin pass:$TOK_PIN" "--passin pass:$TOK_PIN" "--pin env:TOKPIN" "--pin file:$TMP/pin"; do
        # shellcheck disable=SC2086
        TOKPIN=$TOK_PIN "$CWMS_BUNDLE" tokens $src "$uri" > "$TMP/list" 2> "$TMP/err" \
            || { cat "$TMP/err" >&2; fail "PIN from $src failed"; }
        logged_in "$src"
    done
    "$CWMS_BUNDLE" tokens --pin fd:3 "$uri" 3< "$TMP/pin" > "$TMP/list" || fail "PIN from fd:3 failed"
    logged_in fd:3
    "$CWMS_BUNDLE" tokens "$uri?pin-value=$TOK_PIN" < /dev/null > "$TMP/list" || fail "pin-value= failed"
    logged_in pin-value=
    "$CWMS_BUNDLE" tokens "$uri?pin-source=$TMP/pin" < /dev/null > "$TMP/list" || fail "pin-source= failed"
    logged_in pin-source=
    "$CWMS_BUNDLE" tokens "$uri?pin-source=file:$TMP/pin" < /dev/null > "$TMP/list" || fail "pin-source=file: failed"
    logged_in pin-source=file:
}

# A pkcs11: key loaded through the provider, then again in a forked child and in the parent.
case_fork() {
    tok_server server 01 "$SERVER_MODE"
    local uri=$KEY
    tok_can extractable || uri=$CERT
    CWMS_PIN=$TOK_PIN timeout 120 \
        "$CWMS_BUILD_ROOT/tests/tools/p11-fork" "$CWMS_BUILD_ROOT/provider" "$uri" > "$TMP/out" 2> "$TMP/err" \
        || { cat "$TMP/out" "$TMP/err" >&2; fail "p11-fork failed"; }
    assert_contains "$TMP/out" "parent before fork: loaded"
    assert_contains "$TMP/out" "child: same"
    assert_contains "$TMP/out" "parent after fork: same"
}

# Token fields padded with NUL bytes (tpm2-pkcs11's model): the URI p11-kit itself would print,
# with the %00 padding, finds the token as the one cwms-bundle prints without it.
case_nul_padded_uris() {
    tok_server server 01 "$SERVER_MODE"
    "$CWMS_BUNDLE" tokens --no-login "$(tok_uri)" > "$TMP/list"
    local model
    model=$(sed -n 's/^  URI: pkcs11:model=\([^;]*\);.*/\1/p' "$TMP/list")
    [ -n "$model" ] || fail "no model in the token's URI"
    "$CWMS_BUNDLE" build --cwms 2.5 --no-key "pkcs11:model=$model;$(tok_uri "object=server;type=cert" | cut -d: -f2)" \
        "$TMP/ca-files" > /dev/null 2>&1 || fail "the URI with model=$model does not find the token"
    "$CWMS_BUNDLE" build --cwms 2.5 --no-key "pkcs11:model=$model%00%00%00%00%00%00%00%00;$(tok_uri "object=server;type=cert" | cut -d: -f2)" \
        "$TMP/ca-files" > /dev/null 2>&1 || fail "the URI with the NUL padding does not find the token"
}

backend=${1:-}
case=${2:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
tok_backend "$backend"
tok_pki
# The server key the cases use: one that may leave the token when the token allows any.
if tok_can extractable; then SERVER_MODE=wrapped; else SERVER_MODE=stuck; fi
KEY=$(tok_uri "object=server;type=private")
CERT=$(tok_uri "object=server;type=cert")
"case_$case"
