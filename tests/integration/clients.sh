#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Real TLS clients hold the tool to its verdicts: clients.sh CASE (one meson
# test per CASE, suite "clients").
#
# Each case makes a PKI with openssl (by default "Test Root CA" -> "Test
# Issuing CA" -> www.example.test), runs `cwms-bundle build --cwms 2.5
# --trust ANCHORS --host NAME` on the key, the server certificate and the
# CA files, serves what it wrote (when it refuses: what the inputs hold) the
# way CWMS does, and asks openssl, gnutls-cli, curl, Java and headless
# Chromium, each trusting only ANCHORS, whether they accept it. tls_judge (tests/lib/tls_clients.sh)
# holds the tool's verdict to the rule written there: a clean accept is every
# client's, a warning leaves most clients accepting, a refusal is backed by a
# client or by a documented CWMS rule (CWMS_RULES below). The test prints its
# row of the table and fails when the rule is broken.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tls_clients.sh
. "$CWMS_SOURCE_ROOT/tests/lib/tls_clients.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"

LEAF_EXT='basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:www.example.test'
EC_LEAF_EXT=${LEAF_EXT/, keyEncipherment/}
CA_EXT='basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign'

# The documented CWMS rules a refusal may rest on when no client refuses:
# NAME -> "words the tool's error must contain|the rule and where it is written".
declare -A CWMS_RULES=(
    [san_names]='no subjectAltName|before 2.5MR5 the subjectAltName must name the site URL, the administration URL and every VM (Cisco, TOI for CWMS SSL certificates)'
    [rsa_2048]='1024-bit RSA key|CWMS takes no RSA key under 2048 bits (docs/guide.md, "From CSR to CWMS")'
    [expired]='expired|CWMS refuses an expired certificate as a broken chain (docs/guide.md, "The certificates do not form a valid certificate chain", cause 6)'
)

# What a case sets (setup gives the defaults):
#   P         the PKI folder; server.key and server.crt are the server's
#   INPUTS    the CA files given to the tool after the key and the server certificate
#   TRUST     the anchors: --trust of the tool, the only certificates the clients trust
#   HOST      the name the tool checks (--host) and the clients connect to
#   CWMS      the release (--cwms)     TOOL_ARGS  more options for the tool
#   TLS_FILE_ORDER=1  serve the intermediates in the bundle's order, not TLS order
#   RULE      a CWMS_RULES name the refusal also rests on
setup() {
    pki_init "$TMP/pki"
    P=$PKI_DIR
    pki_root root "Test Root CA" || fail "cannot make the root"
    INPUTS=("$P/ca.crt") TRUST=$P/root.crt HOST=www.example.test CWMS=2.5 TOOL_ARGS=() RULE=
}
cert() { pki_cert "$@" || fail "cannot make $1"; }
ca() { cert ca "Test Issuing CA" root "${1:-$CA_EXT}"; }
leaf() { cert server "${CN:-www.example.test}" ca "${1:-$LEAF_EXT}"; }
standard() { setup; ca; leaf; }

# root -> "Test Primary CA" -> issuing CA -> server, the CA files as CAs ship them.
two_intermediates() {
    setup
    cert primary "Test Primary CA" root "${1:-$CA_EXT}"
    cert ca "Test Issuing CA" primary "$CA_EXT"
    leaf
    INPUTS=("$P/ca.crt" "$P/primary.crt")
}

case_good_rsa() { two_intermediates; }

case_good_ecdsa() {
    setup
    PKI_KEY=ec:P-384 pki_root root "Test Root CA"
    PKI_KEY=ec:P-384 ca
    PKI_KEY=ec:P-256 leaf "$EC_LEAF_EXT"
}

case_sha1_leaf() { setup; ca; PKI_MD=sha1 leaf; }
case_sha1_intermediate() { setup; PKI_MD=sha1 ca; leaf; }
case_rsa1024_leaf() { setup; ca; PKI_KEY=rsa:1024 leaf; RULE=rsa_2048; }
case_rsa1024_intermediate() { setup; PKI_KEY=rsa:1024 ca; leaf; }

case_no_san() {
    setup; ca; leaf "$(grep -v subjectAltName <<< "$LEAF_EXT")"
    RULE=san_names
}

case_eku_client_auth_only() { setup; ca; leaf "${LEAF_EXT/serverAuth/clientAuth}"; }
case_leaf_without_eku() { setup; ca; leaf "$(grep -v extendedKeyUsage <<< "$LEAF_EXT")"; }
case_key_usage_non_repudiation_only() {
    setup; ca; leaf "${LEAF_EXT/digitalSignature, keyEncipherment/nonRepudiation}"
}
# RSA key transport only: TLS 1.3 and every ECDHE suite sign with the key.
case_key_usage_key_encipherment_only() {
    setup; ca; leaf "${LEAF_EXT/digitalSignature, /}"
}

case_expired_leaf() {
    setup; ca; PKI_NOT_BEFORE='-60 days' PKI_NOT_AFTER='-1 day' leaf; RULE=expired
}
case_not_yet_valid_leaf() { setup; ca; PKI_NOT_BEFORE='+2 days' leaf; }
case_expired_intermediate() {
    setup; PKI_NOT_BEFORE='-400 days' PKI_NOT_AFTER='-1 day' ca; leaf; RULE=expired
}
case_long_validity() { setup; ca; PKI_DAYS=825 leaf; }

case_intermediate_without_basic_constraints() {
    setup; ca "keyUsage = critical, keyCertSign, cRLSign"; leaf
}
case_pathlen_violation() {
    two_intermediates "${CA_EXT/CA:TRUE/CA:TRUE, pathlen:0}"
}
case_name_constraint_violation() {
    setup; ca "$CA_EXT
nameConstraints = critical, permitted;DNS:other.test"; leaf
}
case_intermediate_eku_client_auth_only() {
    setup; ca "$CA_EXT
extendedKeyUsage = clientAuth"; leaf
}
case_unknown_critical_extension() {
    setup; ca; leaf "$LEAF_EXT
1.3.6.1.4.1.55555.1 = critical, ASN1:NULL"
}

case_wildcard_san() {
    setup; ca; CN='*.example.test' leaf "${LEAF_EXT/DNS:www.example.test/DNS:*.example.test}"
}
case_wildcard_does_not_cover_the_domain() {
    case_wildcard_san; HOST=example.test
}
case_partial_wildcard() {
    setup; ca; leaf "${LEAF_EXT/DNS:www.example.test/DNS:ww*.example.test}"
}
case_ip_san() {
    setup; ca; leaf "$LEAF_EXT, IP:127.0.0.1"; HOST=127.0.0.1
}

case_ca_as_server() {
    setup; ca "${CA_EXT/CA:TRUE/CA:TRUE, pathlen:1}"
    leaf "$(sed 's/CA:FALSE/CA:TRUE, pathlen:0/; s/keyEncipherment/keyEncipherment, keyCertSign/' <<< "$LEAF_EXT")"
}
# An RSA key restricted to PSS signatures (id-RSASSA-PSS): TLS 1.3 clients can use it.
case_rsa_pss_leaf() { setup; ca; PKI_KEY=rsa-pss:2048 leaf "$EC_LEAF_EXT"; }
case_ed25519_leaf() { setup; ca; PKI_KEY=ed25519 leaf "$EC_LEAF_EXT"; }
case_p521_leaf() { setup; ca; PKI_KEY=ec:P-521 leaf "$EC_LEAF_EXT"; }

case_missing_intermediate() { standard; INPUTS=(); }
case_intermediate_as_anchor() { standard; INPUTS=(); TRUST=$P/ca.crt; }
case_include_root() { standard; INPUTS+=("$P/root.crt"); TOOL_ARGS=(--include-root); }

# The bundle's own order on the wire makes no difference to the clients.
# shellcheck disable=SC2034  # read by tls_split_bundle
case_served_root_first() { two_intermediates; TLS_FILE_ORDER=1; }
case_served_leaf_first_cwms_2_0() { two_intermediates; CWMS=2.0; }

# The issuing CA under two roots: its certificate from each (same name and key).
cross_signed_intermediate() {
    standard
    pki_root other "Other Root CA" || fail "cannot make the other root"
    cp "$P/ca.key" "$P/cax.key"
    cert cax "Test Issuing CA" other "$CA_EXT"
    INPUTS=("$P/cax.crt" "$P/ca.crt")
}
case_cross_signed_intermediate() { cross_signed_intermediate; }
case_cross_signed_intermediate_other_root() { cross_signed_intermediate; TRUST=$P/other.crt; }

# A root rollover: "New Root CA" issues the issuing CA; it is shipped
# self-signed (newroot) and cross-signed by "Old Root CA" (newx), as GoDaddy
# G2 / Class 2 and ISRG X1 / DST were.
rollover() {
    pki_init "$TMP/pki"
    P=$PKI_DIR
    pki_root oldroot "Old Root CA" || fail "cannot make the old root"
    pki_root newroot "New Root CA" || fail "cannot make the new root"
    cp "$P/newroot.key" "$P/newx.key"
    cert newx "New Root CA" oldroot "$CA_EXT"
    cert ca "Test Issuing CA" newroot "$CA_EXT"
    leaf
    INPUTS=("$P/ca.crt" "$P/newroot.crt" "$P/newx.crt") HOST=www.example.test CWMS=2.5 TOOL_ARGS=() RULE=
}
case_rollover_old_root_trusted() { rollover; TRUST=$P/oldroot.crt; }
case_rollover_new_root_trusted() { rollover; TRUST=$P/newroot.crt; }
case_rollover_cross_sign_only() { rollover; INPUTS=("$P/ca.crt" "$P/newx.crt"); TRUST=$P/oldroot.crt; }

# run_tool: the build; sets VERDICT (accept|warn|refuse) and SAYS (its warnings or errors).
run_tool() {
    local rc=0
    "$CWMS_BUNDLE" build --json --cwms "$CWMS" --trust "$TRUST" --host "$HOST" \
        -o "$TMP/bundle.pem" "${TOOL_ARGS[@]}" "$P/server.key" "$P/server.crt" "${INPUTS[@]}" \
        > "$TMP/tool.json" 2> "$TMP/tool.err" || rc=$?
    case $rc in
        0 | 3 | 4 | 5) ;;
        *) cat "$TMP/tool.err" >&2; fail "cwms-bundle build exited $rc" ;;
    esac
    # shellcheck disable=SC2016
    read -r VERDICT SAYS < <(python3 -c '
import json, sys
rc = int(sys.argv[2])
diags = json.load(open(sys.argv[1]))["diagnostics"]
errors = [d["message"] for d in diags if d["level"] == "error"]
warnings = [d["message"] for d in diags if d["level"] == "warning"]
verdict = "refuse" if rc else ("warn" if warnings else "accept")
words = errors if rc else warnings
print(verdict, "exit %d%s" % (rc, "".join("; " + w for w in words)))
' "$TMP/tool.json" "$rc")
    [ -n "${VERDICT:-}" ] || { cat "$TMP/tool.json" "$TMP/tool.err" >&2; fail "cannot read the tool's --json"; }
}

# served_chain: the key, server certificate and intermediates to serve, in $TMP/served.
served_chain() {
    if [ "$VERDICT" = refuse ]; then
        mkdir -p "$TMP/served"
        cp "$P/server.key" "$TMP/served/key.pem"
        cp "$P/server.crt" "$TMP/served/server.pem"
        tls_chain_of "${INPUTS[@]}" > "$TMP/served/chain.pem"
    else
        tls_split_bundle "$TMP/bundle.pem" "$TMP/served"
    fi
}

# backing_rule: BACKING is the case's CWMS rule when the tool refuses and its error states it.
backing_rule() {
    BACKING=
    [ -n "$RULE" ] && [ "$VERDICT" = refuse ] || return 0
    local words=${CWMS_RULES[$RULE]%%|*}
    [[ $SAYS == *"$words"* ]] ||
        fail "the case rests on the CWMS rule $RULE, but the tool's error does not say '$words': $SAYS"
    BACKING=${CWMS_RULES[$RULE]#*|}
}

case=${1:?usage: clients.sh CASE}
declare -F "case_$case" > /dev/null || { echo "clients.sh: no case $case" >&2; exit 2; }
"case_$case"
run_tool
served_chain
chain=()
[ ! -s "$TMP/served/chain.pem" ] || chain=("$TMP/served/chain.pem")
tls_serve "$TMP/served/key.pem" "$TMP/served/server.pem" "${chain[@]}"
tls_ask_clients "$HOST" "$TRUST"
tls_stop
backing_rule
tls_judge "$case" "$VERDICT" "$SAYS" "$BACKING" ||
    fail "the tool's verdict ($VERDICT) is not the clients' (rule above, tests/lib/tls_clients.sh)"
echo "ok"
