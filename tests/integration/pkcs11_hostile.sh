#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PKCS#11 modules are untrusted input: pkcs11_hostile.sh CASE (one meson test per CASE).
# tests/tools/p11-hostile.so forwards to a SoftHSM token and misbehaves as CWMS_HOSTILE_MODE
# says (its header lists the modes). Every front that reads a token - tokens, build --key,
# request --key, and the provider's pkcs11: loader under openssl storeutl and openssl pkey -
# must survive each mode: the right answer when the module's answers can be used, else exit 6
# (openssl: 1) with a message naming the module and what it did; in under 20 s and 1 GiB, with
# nothing written. The module is loaded by module-path=, and (registry_* cases) as a p11-kit
# module file of a private registry next to SoftHSM.
set -eEuo pipefail
. "$CWMS_SOURCE_ROOT/tests/lib/p11reg.sh"
p11_sandbox "$0" "$@"
. "$CWMS_SOURCE_ROOT/tests/lib/common.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
softhsm_require

HOSTILE=$CWMS_BUILD_ROOT/tests/tools/p11-hostile.so
[ -f "$HOSTILE" ] || fail "the hostile module is not built: $HOSTILE"
export CWMS_HOSTILE_REAL=$SOFTHSM_MODULE
OUTDIR=$TMP/out
mkdir -p "$OUTDIR"
PROV=(-provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms -provider default)

softhsm_init "$TMP/hsm"
softhsm_token webex
pki_init "$TMP/pki"
pki_hierarchy > /dev/null
softhsm_key webex "$PKI_DIR/server.key" server 01 plain
softhsm_cert webex "$PKI_DIR/server.crt" server 01

# The URIs every front is given: through the hostile module (module-path), or as registered.
use_module_path() {
    KEY="pkcs11:token=webex;object=server;type=private?module-path=$HOSTILE"
    TOKEN="pkcs11:token=webex?module-path=$HOSTILE"
}
use_registry() {
    KEY="pkcs11:token=webex;object=server;type=private"
    TOKEN="pkcs11:token=webex"
}
PIN=(--pin "pass:$SOFTHSM_PIN")
# with_pin URI: the URI with pin-value= added to its query.
with_pin() { case $1 in *\?*) echo "$1&pin-value=$SOFTHSM_PIN" ;; *) echo "$1?pin-value=$SOFTHSM_PIN" ;; esac; }

# openssl, with the ASan runtime preloaded in the sanitizer build (as ossl in common.sh).
OPENSSL=(openssl)
if [ -n "${CWMS_ASAN_PRELOAD:-}" ]; then
    OPENSSL=(env LD_PRELOAD="$CWMS_ASAN_PRELOAD"
             ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86" openssl)
fi

nothing_written() {
    local left
    left=$(find "$OUTDIR" -mindepth 1)
    [ -z "$left" ] || fail "left behind: $left"
}

# refused_everywhere TEXT: every front fails (6; openssl 1) saying TEXT, bounded, writing nothing.
refused_everywhere() {
    local text=$1
    bounded 6 "$CWMS_BUNDLE" tokens "${PIN[@]}" "$TOKEN"
    assert_contains "$TMP/stderr" "$text"
    bounded 6 "$CWMS_BUNDLE" build --cwms 2.5 "${PIN[@]}" --key "$KEY" -o "$OUTDIR/b.pem" \
        "$PKI_DIR/ca-bundle.pem"
    assert_contains "$TMP/stderr" "$text"
    bounded 6 "$CWMS_BUNDLE" request --key "$KEY" "${PIN[@]}" --host www.example.test \
        -o "$OUTDIR/csr.pem"
    assert_contains "$TMP/stderr" "$text"
    bounded 1 "${OPENSSL[@]}" storeutl "${PROV[@]}" -noout "$(with_pin "$KEY")"
    assert_contains "$TMP/stderr" "$text"
    bounded 1 "${OPENSSL[@]}" pkey "${PROV[@]}" -passin "pass:$SOFTHSM_PIN" -in "$KEY" -noout
    assert_contains "$TMP/stderr" "$text"
    nothing_written
}

# works_everywhere: every front gives the right answer, bounded.
works_everywhere() {
    bounded 0 "$CWMS_BUNDLE" tokens "${PIN[@]}" "$TOKEN" > "$TMP/tokens.out"
    assert_contains "$TMP/tokens.out" "private key 'server' (id 01): RSA 2048"
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 "${PIN[@]}" --key "$KEY" -o "$OUTDIR/b.pem" \
        "$PKI_DIR/ca-bundle.pem"
    cp "$TMP/stderr" "$TMP/build.err"
    diff <(pubkey_of "$OUTDIR/b.pem") <(pubkey_of "$PKI_DIR/server.key") > /dev/null \
        || fail "the bundle does not hold the token's key"
    bounded 0 "$CWMS_BUNDLE" request --key "$KEY" "${PIN[@]}" --host www.example.test \
        -o "$OUTDIR/csr.pem"
    openssl req -in "$OUTDIR/csr.pem" -verify -noout 2> /dev/null || fail "the CSR does not verify"
    bounded 0 "${OPENSSL[@]}" pkey "${PROV[@]}" -passin "pass:$SOFTHSM_PIN" -in "$KEY" \
        -out "$OUTDIR/k.pem"
    diff <(pubkey_of "$OUTDIR/k.pem") <(pubkey_of "$PKI_DIR/server.key") > /dev/null \
        || fail "the provider gave another key"
    bounded 0 "${OPENSSL[@]}" storeutl "${PROV[@]}" -out "$OUTDIR/all.pem" "$(with_pin "$KEY")"
    [ "$(pem_types "$OUTDIR/all.pem" | tr '\n' ' ')" = "PRIVATE KEY CERTIFICATE " ] \
        || fail "storeutl gave $(pem_types "$OUTDIR/all.pem")"
}

with_mode() { export CWMS_HOSTILE_MODE=$1; use_module_path; }

# The baseline: the module forwards faithfully, and everything works through it.
case_none() { with_mode none; works_everywhere; }

# A module that does not load, or whose function list p11-kit would take on trust and crash on.
case_not_a_library() {
    with_mode none
    echo "not a library" > "$TMP/module.so"
    KEY="pkcs11:token=webex;object=server;type=private?module-path=$TMP/module.so"
    TOKEN="pkcs11:token=webex?module-path=$TMP/module.so"
    refused_everywhere "the PKCS#11 module '$TMP/module.so' (module-path of"
    assert_contains "$TMP/stderr" "cannot be used: it cannot be loaded"
}
case_list_fails() { with_mode list_fails; refused_everywhere "its C_GetFunctionList fails (CKR_GENERAL_ERROR)"; }
case_list_null() { with_mode list_null; refused_everywhere "its C_GetFunctionList says CKR_OK but gives no function list"; }
case_list_version() { with_mode list_version; refused_everywhere "its function list says it is Cryptoki 1.0, not 2.x or 3.x"; }
case_list_holes() { with_mode list_holes; refused_everywhere "its function list has no C_Login, nor 1 other functions (NULL entries)"; }

# C_Initialize that fails, and one that never returns (CWMS_PKCS11_TIMEOUT bounds the wait).
case_init_fails() { with_mode init_fails; refused_everywhere "the PKCS#11 module '$HOSTILE' failed to initialize: "; }
case_init_blocks() {
    with_mode init_blocks
    CWMS_PKCS11_TIMEOUT=2 refused_everywhere "the PKCS#11 module '$HOSTILE' did not return from C_Initialize within 2 s"
    [ "${SECONDS_TAKEN%.*}" -lt 10 ] || fail "the time-out of 2 s took $SECONDS_TAKEN s"
}

# C_Login that never returns: the default time-out (10 s) once, then CWMS_PKCS11_TIMEOUT.
case_login_blocks() {
    with_mode login_blocks
    bounded 6 "$CWMS_BUNDLE" build --cwms 2.5 "${PIN[@]}" --key "$KEY" -o "$OUTDIR/b.pem" \
        "$PKI_DIR/ca-bundle.pem"
    assert_contains "$TMP/stderr" "token 'webex' (PKCS#11 module $HOSTILE) did not return from C_Login within 10 s"
    awk -v t="$SECONDS_TAKEN" 'BEGIN { exit !(t >= 9.5) }' || fail "gave up after $SECONDS_TAKEN s, not 10"
    nothing_written
    export CWMS_PKCS11_TIMEOUT=2
    refused_everywhere "token 'webex' (PKCS#11 module $HOSTILE) did not return from C_Login within 2 s"
}

# Every call 50 ms slower: still the right answer, in bounded time.
case_slow() { with_mode slow; CWMS_HOSTILE_DELAY_MS=50 works_everywhere; }

# A token plugged in between C_GetSlotList's count and its list: the list is asked again.
slots_grow() {
    with_mode "$1"
    softhsm_token plugged
    works_everywhere
    "$CWMS_BUNDLE" tokens --no-login "pkcs11:?module-path=$HOSTILE" > "$TMP/all.out"
    assert_contains "$TMP/all.out" "Token 'plugged'"
    CWMS_DEBUG=pkcs11 "$CWMS_BUNDLE" tokens --no-login "$TOKEN" > /dev/null 2> "$TMP/trace"
    assert_contains "$TMP/trace" "C_GetSlotList: 3, not 2: asking again"
}
case_slots_grow() { slots_grow slots_grow; }
case_slots_plugged() { slots_grow slots_plugged; }
case_slots_endless() { with_mode slots_endless; refused_everywhere "breaks PKCS#11: C_GetSlotList changed length 4 times in a row"; }
case_slots_huge() { with_mode slots_huge; refused_everywhere "answers past a limit: C_GetSlotList counts 2147483648 entries (at most 1024 are read)"; }

# A slot listed twice, a slot that is not there, token counts that contradict: one token, once.
case_slots_inconsistent() {
    with_mode slots_inconsistent
    works_everywhere
    [ "$(grep -c "^Token 'webex'" "$TMP/tokens.out")" -eq 1 ] || fail "the token is listed $(grep -c "^Token 'webex'" "$TMP/tokens.out") times"
    expect_fail 6 "$CWMS_BUNDLE" tokens --no-login "pkcs11:token=nosuch?module-path=$HOSTILE"
    assert_contains "$TMP/stderr" "slot 2130706433 of module $HOSTILE, which it listed: "
}

# Handles past the room given, a search that never ends, a 1 GiB label, values longer than their buffer.
case_find_overflow() { with_mode find_overflow; refused_everywhere "breaks PKCS#11: C_FindObjects returned 65 handles where 64 were asked for (token 'webex')"; }
case_find_endless() { with_mode find_endless; refused_everywhere "answers past a limit: C_FindObjects found more than 100000 objects in one search of token 'webex'"; }
case_label_huge() { with_mode label_huge; refused_everywhere "answers past a limit: it says CKA_LABEL of an object of token 'webex' is 1073741824 bytes long (at most 4096 are read)"; }
case_value_overlong() { with_mode value_overlong; refused_everywhere "breaks PKCS#11: C_GetAttributeValue said CKR_OK with CKA_LABEL (an object of token 'webex') of 1006 bytes into a buffer of 6"; }

# Registered with p11-kit next to SoftHSM: the hostile module is named and left out, the
# SoftHSM token works as without it (the module-name= of the other is not needed).
registry_case() {
    export CWMS_HOSTILE_MODE=$1
    p11reg_add softhsm2 "$SOFTHSM_MODULE"
    p11reg_add hostile "$HOSTILE"
    use_registry
    works_everywhere
    assert_contains "$TMP/build.err" "PKCS#11 module '$(p11reg_name hostile)' ($2) is left out: $3"
    assert_contains "$TMP/tokens.out" "Module '$(p11reg_name hostile)' ($2): left out, its tokens are not listed: $3"
    "$CWMS_BUNDLE" tokens --json "${PIN[@]}" "$TOKEN" > "$TMP/tokens.json"
    python3 - "$TMP/tokens.json" "$(p11reg_name hostile)" "$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json" "$3" <<'PY'
import json, sys
import jsonschema
doc = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(json.load(open(sys.argv[3]))).validate(doc)
notes = [m for m in doc["module_notes"] if m["name"] == sys.argv[2]]
assert len(notes) == 1 and notes[0]["left_out"] is True, doc["module_notes"]
assert sys.argv[4] in notes[0]["problem"], notes[0]
PY
    # Asked for by name, the module is the error.
    bounded 6 "$CWMS_BUNDLE" tokens "${PIN[@]}" "pkcs11:token=webex?module-name=$(p11reg_name hostile)"
    assert_contains "$TMP/stderr" "$3"
}
case_registry_list_null() {
    registry_case list_null "$HOSTILE" "its C_GetFunctionList says CKR_OK but gives no function list"
}
case_registry_init_blocks() {
    export CWMS_PKCS11_TIMEOUT=2
    registry_case init_blocks "$HOSTILE" "its C_Initialize did not return within 2 s"
}
case_registry_slots_huge() {
    registry_case slots_huge "$HOSTILE" "it answers past a limit: C_GetSlotList counts 2147483648 entries"
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
