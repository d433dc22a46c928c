#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# p11-kit's registry with a module that cannot start, as on a desktop with
# tpm2-pkcs11 installed and no TPM: pkcs11_registry.sh CASE (one meson test
# per CASE). The registry holds SoftHSM and tpm2-pkcs11 pointed at a TPM that
# is not there; the failing module is named once, with its CK_RV, what it
# printed stays out of the way, and the SoftHSM token works as without it.
set -eEuo pipefail
. "$CWMS_SOURCE_ROOT/tests/lib/p11reg.sh"
p11_sandbox "$0" "$@"
. "$CWMS_SOURCE_ROOT/tests/lib/common.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
softhsm_require

TPM2_MODULE=/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so
[ -f "$TPM2_MODULE" ] || fail "tpm2-pkcs11 is not installed ($TPM2_MODULE; ci/install-deps.sh installs it)"
# No TPM at this path: the module's C_Initialize fails after its TSS stack complained.
export TPM2_PKCS11_TCTI="device:$TMP/no-tpm" TPM2_PKCS11_STORE=$TMP/tpm2-store
mkdir -p "$TPM2_PKCS11_STORE"
p11reg_add softhsm2 "$SOFTHSM_MODULE"
p11reg_add tpm2_pkcs11 "$TPM2_MODULE"
TPM_NAME=$(p11reg_name tpm2_pkcs11)

softhsm_init "$TMP/hsm"
softhsm_token webex
pki_init "$TMP/pki"
pki_hierarchy
softhsm_key webex "$PKI_DIR/server.key" server 01 wrapped
softhsm_cert webex "$PKI_DIR/server.crt" server 01
KEY="pkcs11:token=webex;object=server;type=private"

# note_count FILE: how many times the failing module is named in FILE
note_count() { grep -c "PKCS#11 module '$TPM_NAME' .*failed to initialize (CKR_GENERAL_ERROR)" "$1" || true; }

# The bundle is built from the SoftHSM token; the failing module is one note, its TSS noise none.
case_build_names_the_failing_module_once() {
    "$CWMS_BUNDLE" build --cwms 2.5 --pin "pass:$SOFTHSM_PIN" --key "$KEY" -o "$TMP/b.pem" \
        "$PKI_DIR/ca-bundle.pem" 2> "$TMP/err" || { cat "$TMP/err" >&2; fail "build failed"; }
    diff <(pubkey_of "$TMP/b.pem") <(pubkey_of "$PKI_DIR/server.key") > /dev/null || fail "wrong key"
    [ "$(note_count "$TMP/err")" -eq 1 ] || { cat "$TMP/err" >&2; fail "the failing module is not named exactly once"; }
    assert_contains "$TMP/err" "the last: 'ERROR: Could not initialize tpm ctx"
    ! grep -q "tcti" "$TMP/err" || { cat "$TMP/err" >&2; fail "the module's own messages reached the terminal"; }
    # ... and they are in the trace, with the module's result
    CWMS_DEBUG=pkcs11 "$CWMS_BUNDLE" build --cwms 2.5 --pin "pass:$SOFTHSM_PIN" --key "$KEY" \
        "$PKI_DIR/ca-bundle.pem" > /dev/null 2> "$TMP/trace"
    assert_contains "$TMP/trace" "pkcs11: the module wrote"
    assert_contains "$TMP/trace" "tcti"
    assert_contains "$TMP/trace" "module $TPM_NAME ($TPM2_MODULE): CKR_GENERAL_ERROR"
}

# request --key loads the registry twice (public key, then the signature): still one note.
case_request_names_it_once_per_run() {
    "$CWMS_BUNDLE" request --key "$KEY" --pin "pass:$SOFTHSM_PIN" --host www.example.test \
        -o "$TMP/csr.pem" 2> "$TMP/err" || { cat "$TMP/err" >&2; fail "request failed"; }
    openssl req -in "$TMP/csr.pem" -verify -noout 2> /dev/null || fail "the CSR does not verify"
    [ "$(note_count "$TMP/err")" -eq 1 ] || { cat "$TMP/err" >&2; fail "not named exactly once"; }
}

# tokens lists the module with its CK_RV, in text and JSON, next to the working token.
case_tokens_lists_the_module_with_its_rv() {
    "$CWMS_BUNDLE" tokens --no-login > "$TMP/out" 2> "$TMP/err"
    assert_contains "$TMP/out" "Token 'webex'"
    assert_contains "$TMP/out" "Module '$TPM_NAME' ($TPM2_MODULE): failed to initialize (CKR_GENERAL_ERROR); its tokens are not listed"
    [ "$(note_count "$TMP/err")" -eq 0 ] || fail "tokens named the module twice (listing and note)"
    "$CWMS_BUNDLE" tokens --no-login --json > "$TMP/json"
    python3 - "$TMP/json" "$TPM_NAME" "$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json" <<'PY'
import json, sys
import jsonschema
doc = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(json.load(open(sys.argv[3]))).validate(doc)
notes = [m for m in doc["module_notes"] if m["name"] == sys.argv[2]]
assert len(notes) == 1, doc["module_notes"]
m = notes[0]
assert m["left_out"] is True and m["rv"] == "CKR_GENERAL_ERROR" and m["rv_code"] == 5, m
assert m["printed_lines"] > 0 and "tpm ctx" in m["printed_last"], m
assert any(t["label"] == "webex" for t in doc["tokens"]), doc["tokens"]
PY
    # No token matches: the module is named before the error, and in the list of what is there.
    expect_fail 6 "$CWMS_BUNDLE" tokens --no-login "pkcs11:token=nosuch"
    [ "$(note_count "$TMP/stderr")" -eq 1 ] || { cat "$TMP/stderr" >&2; fail "not named once"; }
    assert_contains "$TMP/stderr" "module $TPM_NAME failed to initialize (CKR_GENERAL_ERROR)"
}

# The provider in someone else's process: the key loads, the module's failure does not stop it.
case_provider_loads_despite_it() {
    ossl pkey -provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms -provider default \
        -passin "pass:$SOFTHSM_PIN" -in "$KEY" -out "$TMP/k.pem" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "openssl pkey through the provider failed"; }
    diff <(pubkey_of "$TMP/k.pem") <(pubkey_of "$PKI_DIR/server.key") > /dev/null || fail "wrong key"
}

# module-name= starts only that module: the failing one is not even loaded.
case_module_name_starts_only_that_module() {
    "$CWMS_BUNDLE" build --cwms 2.5 --pin "pass:$SOFTHSM_PIN" \
        --key "$KEY?module-name=$(p11reg_name softhsm2)" "$PKI_DIR/ca-bundle.pem" > /dev/null 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "build with module-name= failed"; }
    [ "$(note_count "$TMP/err")" -eq 0 ] || fail "module-name=softhsm2 still started tpm2_pkcs11"
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
