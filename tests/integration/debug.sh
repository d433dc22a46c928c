#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One debug switch, CWMS_DEBUG=CHANNEL[,CHANNEL...]: the path channel
# explains a chain built from a cross-signed hierarchy (both candidate
# issuers, each signature verdict, each candidate path with its rank key,
# the chosen one, the budget spent); channels not asked for stay silent;
# "all" turns every channel on; the provider answers CWMS_DEBUG=provider
# and CWMS_DEBUG=path too. (The pkcs11 channel and its never showing the
# PIN: pkcs11_login.sh.)
set -euo pipefail
# shellcheck source=../lib/common.sh
. "${CWMS_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"

# "New Root" self-signed and cross-signed by "Old Root": the Issuing CA has two candidate issuers.
pki_init "$TMP/pki"
pki_root old "Old Root"
pki_root new "New Root"
pki_ca int "Issuing CA" new
pki_cross newx new old
pki_leaf server www.example.test int
P=$PKI_DIR
INPUTS=("$P/server.key" "$P/server.crt" "$P/int.crt" "$P/new.crt" "$P/newx.crt" "$P/old.crt")

echo "# CWMS_DEBUG=path: candidates, verdicts, ranked paths, the choice and the budget"
CWMS_DEBUG=path "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/old.crt" -o "$TMP/out.pem" "${INPUTS[@]}" \
    2> "$TMP/trace" || { cat "$TMP/trace" >&2; fail "the build failed"; }
T=$TMP/trace
assert_contains "$T" "cwms-bundle: path: building the complete path"
assert_contains "$T" "cwms-bundle: path: issuers of 'O=cwms-bundle tests, CN=Issuing CA' ($P/int.crt): 2 candidate(s) of 2 named like its issuer"
assert_contains "$T" "candidate 1: 'O=cwms-bundle tests, CN=New Root' ($P/new"
assert_contains "$T" "candidate 2: 'O=cwms-bundle tests, CN=New Root' ($P/new"
grep -q "candidate [12]: 'O=cwms-bundle tests, CN=New Root' ($P/newx.crt)" "$T" \
    || { cat "$T" >&2; fail "the cross-signed New Root is not a candidate"; }
grep -q "candidate [12]: 'O=cwms-bundle tests, CN=New Root' ($P/new.crt)" "$T" \
    || { cat "$T" >&2; fail "the self-signed New Root is not a candidate"; }
assert_contains "$T" "signature of 'O=cwms-bundle tests, CN=Issuing CA' ($P/int.crt) by 'O=cwms-bundle tests, CN=New Root' ($P/new"
assert_contains "$T" "signature of 'O=cwms-bundle tests, CN=New Root' ($P/newx.crt) by 'O=cwms-bundle tests, CN=Old Root' ($P/old.crt): verifies (check "
# Two candidate paths: through the self-signed New Root (anchored only by itself, no store holds it)
# and through the cross-sign to the trusted Old Root.
[ "$(grep -c "^cwms-bundle: path: candidate path [0-9]*: " "$T")" -eq 2 ] \
    || { cat "$T" >&2; fail "not two candidate paths"; }
grep "^cwms-bundle: path: candidate path" "$T" | grep -q "; rank key: trusted anchor, 0 invalid at the validation time, length 4, key id agreement 3$" \
    || { cat "$T" >&2; fail "no rank key for the path through the cross-sign"; }
grep "^cwms-bundle: path: candidate path" "$T" | grep -q "; rank key: untrusted self-signed end, 0 invalid at the validation time, length 3, key id agreement 2$" \
    || { cat "$T" >&2; fail "no rank key for the path through the self-signed New Root"; }
grep -q "^cwms-bundle: path: chosen: .*($P/int.crt) <- 'O=cwms-bundle tests, CN=New Root' ($P/newx.crt) <- 'O=cwms-bundle tests, CN=Old Root' ($P/old.crt)$" "$T" \
    || { cat "$T" >&2; fail "the chosen path is not the complete one through the cross-sign"; }
grep -Eq "^cwms-bundle: path: 2 candidate path\(s\), 2 anchored kept in rank order, [0-9]+ of 10000 signature checks spent$" "$T" \
    || { cat "$T" >&2; fail "no budget line"; }
# The trace explains; the bundle is the same as without it.
"$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/old.crt" -o "$TMP/quiet.pem" "${INPUTS[@]}" 2> "$TMP/quiet.err"
cmp -s "$TMP/out.pem" "$TMP/quiet.pem" || fail "tracing changed the bundle"
if grep -q "path:" "$TMP/quiet.err"; then cat "$TMP/quiet.err" >&2; fail "traced without CWMS_DEBUG"; fi

echo "# channels not asked for stay silent; all turns the path channel on"
CWMS_DEBUG=pkcs11,input "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/old.crt" -o "$TMP/o2.pem" "${INPUTS[@]}" 2> "$TMP/other"
if grep -q "path:" "$TMP/other"; then cat "$TMP/other" >&2; fail "CWMS_DEBUG=pkcs11,input traced the path"; fi
CWMS_DEBUG=all "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/old.crt" -o "$TMP/o3.pem" "${INPUTS[@]}" 2> "$TMP/all"
assert_contains "$TMP/all" "cwms-bundle: path: chosen: "
CWMS_DEBUG=input,path "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/old.crt" -o "$TMP/o4.pem" "${INPUTS[@]}" 2> "$TMP/list"
assert_contains "$TMP/list" "cwms-bundle: path: chosen: "

echo "# the provider: CWMS_DEBUG=provider shows its notes, CWMS_DEBUG=path the path trace"
MODULE_DIR=$CWMS_BUILD_ROOT/provider
PROV=(-provider-path "$MODULE_DIR" -provider cwms -provider default)
mkdir -p "$TMP/ca"
cp "${INPUTS[@]}" "$TMP/ca/"
CWMS_DEBUG=provider ossl storeutl "${PROV[@]}" -noout "cwms:$TMP/ca?trust=$P/old.crt" > /dev/null 2> "$TMP/prov" \
    || { cat "$TMP/prov" >&2; fail "storeutl with CWMS_DEBUG=provider failed"; }
grep -Eq "^cwms provider: cwms:.*: (note|warning): " "$TMP/prov" || { cat "$TMP/prov" >&2; fail "no provider debug line"; }
if grep -q "path:" "$TMP/prov"; then cat "$TMP/prov" >&2; fail "CWMS_DEBUG=provider traced the path"; fi
CWMS_DEBUG=path ossl storeutl "${PROV[@]}" -noout "cwms:$TMP/ca?trust=$P/old.crt" > /dev/null 2> "$TMP/prov-path" \
    || { cat "$TMP/prov-path" >&2; fail "storeutl with CWMS_DEBUG=path failed"; }
assert_contains "$TMP/prov-path" "cwms-bundle: path: chosen: "
if grep -q "^cwms provider:" "$TMP/prov-path"; then cat "$TMP/prov-path" >&2; fail "CWMS_DEBUG=path showed provider notes"; fi
echo "ok"
