#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# cwms-bundle with keys on a token: the issue's example (`build --cwms 2.5
# --key 'pkcs11:token=webex;object=server;type=private' ca-files/`) through
# p11-kit's registry, --passin and pin-source PINs, a token-only INPUT, the
# refusals (wrong PIN, non-extractable key, unknown attribute) with their
# exit codes and no output, and `cwms-bundle tokens`.
set -eEuo pipefail
. "$CWMS_SOURCE_ROOT/tests/lib/common.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
[ -x "$CWMS_BUNDLE" ] || fail "no cwms-bundle at $CWMS_BUNDLE"
softhsm_require

PIN=9753
softhsm_init "$TMP/hsm"
softhsm_token webex "$PIN"
softhsm_token shop
pki_init "$TMP/pki"
pki_hierarchy
P=$TMP/pki
PKI_KEY=ec:P-384 pki_leaf stuck stuck.example.test secondary
softhsm_key webex "$P/server.key" server 01 wrapped "$PIN"
softhsm_cert webex "$P/server.crt" server 01 "$PIN"
softhsm_key webex "$P/stuck.key" stuck 02 stuck "$PIN"
softhsm_cert webex "$P/stuck.crt" stuck 02 "$PIN"
mkdir "$TMP/ca-files"
cp "$P/secondary.crt" "$P/primary.crt" "$P/root.crt" "$TMP/ca-files/"

# Through p11-kit's registry when Debian's softhsm2.module is there, as users run it.
if [ -f /usr/share/p11-kit/modules/softhsm2.module ]; then
    Q=""; QA="?"
else
    Q="?module-path=$SOFTHSM_MODULE"; QA="$Q&"
fi
cns() { pem_subjects "$1" | sed 's/.*CN *= *//'; }
expect_order() {
    local file=$1 want got; shift
    want=$(printf '%s\n' "$@")
    got=$(cns "$file")
    [ "$got" = "$want" ] || fail "order of $file: got [$got], want [$want]"
}
same_key() {
    diff <(openssl pkey -in "$1" -pubout) <(openssl pkey -in "$P/server.key" -pubout) >/dev/null \
        || fail "$1: the key is not the token's server key"
}

echo "# the issue's example: key from the token, chain from the CA's files, CWMS 2.5 order"
"$CWMS_BUNDLE" build --cwms 2.5 --key "pkcs11:token=webex;object=server;type=private$Q" \
    --passin "pass:$PIN" -o "$TMP/b25.pem" "$TMP/ca-files/" 2> "$TMP/err" \
    || { cat "$TMP/err" >&2; fail "build with a token key failed"; }
[ "$(pem_types "$TMP/b25.pem" | head -1)" = "PRIVATE KEY" ] || fail "the key is not first"
same_key "$TMP/b25.pem"
expect_order "$TMP/b25.pem" "Test Primary CA" "Test Secondary CA" "www.example.test"

echo "# a token-only URI as INPUT brings the certificate and the key; PIN from pin-source"
printf '%s\n' "$PIN" > "$TMP/pin"
"$CWMS_BUNDLE" build --cwms 2.0 -o "$TMP/b20.pem" \
    "pkcs11:token=webex;object=server${QA}pin-source=$TMP/pin" "$TMP/ca-files/" 2> "$TMP/err" \
    || { cat "$TMP/err" >&2; fail "build from a token URI INPUT failed"; }
same_key "$TMP/b20.pem"
expect_order "$TMP/b20.pem" "www.example.test" "Test Secondary CA" "Test Primary CA"

echo "# --passin env: for the PIN"
TOKEN_PIN=$PIN "$CWMS_BUNDLE" build --cwms 2.5 --passin env:TOKEN_PIN \
    --key "pkcs11:token=webex;object=server;type=private$Q" "$TMP/ca-files/" > "$TMP/env.pem" 2>/dev/null
same_key "$TMP/env.pem"

echo "# a wrong PIN: exit 6, the message, one login, nothing written"
CWMS_DEBUG=pkcs11 expect_fail 6 "$CWMS_BUNDLE" build --cwms 2.5 --passin pass:0000 -o "$TMP/wrong.pem" \
    --key "pkcs11:token=webex;object=server;type=private$Q" "$TMP/ca-files/"
assert_contains "$TMP/stderr" "wrong PIN for token 'webex'"
[ "$(grep -c 'C_Login' "$TMP/stderr")" -eq 1 ] || fail "wrong PIN: not exactly one login attempt"
[ ! -e "$TMP/wrong.pem" ] || fail "output written after a wrong PIN"
! grep -q 0000 "$TMP/stderr" || fail "the PIN appeared in the messages"

echo "# a key that may not leave the token: exit 5, the issue's message, nothing written"
expect_fail 5 "$CWMS_BUNDLE" build --cwms 2.5 --passin "pass:$PIN" -o "$TMP/stuck.pem" \
    --key "pkcs11:token=webex;object=stuck;type=private$Q" "$TMP/ca-files/"
assert_contains "$TMP/stderr" "the private key 'stuck' on token 'webex' is not extractable (CKA_EXTRACTABLE=false); CWMS needs the key inside the bundle: generate the CSR on CWMS, or create the key as extractable"
[ ! -e "$TMP/stuck.pem" ] || fail "output written for a non-extractable key"

echo "# an unknown URI attribute is a usage error naming it"
expect_fail 2 "$CWMS_BUNDLE" build --cwms 2.5 --passin "pass:$PIN" \
    --key "pkcs11:token=webex;objct=server$Q" "$TMP/ca-files/"
assert_contains "$TMP/stderr" "'objct'"

echo "# a URI matching no token lists the tokens"
expect_fail 6 "$CWMS_BUNDLE" build --cwms 2.5 --passin "pass:$PIN" \
    --key "pkcs11:token=nosuch;object=server$Q" "$TMP/ca-files/"
assert_contains "$TMP/stderr" "no PKCS#11 token matches"
assert_contains "$TMP/stderr" "'webex'"
assert_contains "$TMP/stderr" "'shop'"

echo "# cwms-bundle tokens"
"$CWMS_BUNDLE" tokens --help > "$TMP/help"
assert_contains "$TMP/help" "--passin"
"$CWMS_BUNDLE" tokens "pkcs11:$Q" < /dev/null > "$TMP/all" 2> "$TMP/err"
assert_contains "$TMP/all" "Token 'webex'"
assert_contains "$TMP/all" "Token 'shop'"
! grep -q "^  private key" "$TMP/all" || fail "private keys listed without a login"
"$CWMS_BUNDLE" tokens --passin "pass:$PIN" "pkcs11:token=webex$Q" > "$TMP/webex" 2> "$TMP/err"
grep -q "private key 'server' (id 01): RSA 2048; exportable (sensitive" "$TMP/webex" \
    || { cat "$TMP/webex" >&2; fail "tokens: server key not listed as exportable"; }
grep -q "private key 'stuck' (id 02): EC P-384; not exportable" "$TMP/webex" \
    || fail "tokens: stuck key not listed as not exportable"
grep -q "certificate 'server' (id 01): .*www.example.test" "$TMP/webex" || fail "tokens: certificate missing"
# The URI printed for the key is the one to give to build.
u=$(grep -A1 "private key 'server'" "$TMP/webex" | tail -1 | tr -d ' ')
"$CWMS_BUNDLE" build --cwms 2.5 --passin "pass:$PIN" --key "$u" "$TMP/ca-files/" > "$TMP/listed.pem" 2>/dev/null \
    || fail "the URI that 'tokens' printed ($u) does not build"
same_key "$TMP/listed.pem"
expect_fail 6 "$CWMS_BUNDLE" tokens --no-login "pkcs11:token=nosuch$Q"
assert_contains "$TMP/stderr" "'webex'"
expect_fail 2 "$CWMS_BUNDLE" tokens "pkcs11:token=webex;bogus=1"
assert_contains "$TMP/stderr" "'bogus'"
echo ok
