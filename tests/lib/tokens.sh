# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# One PKCS#11 token of a chosen kind behind one set of functions, for the
# behaviour suite every backend runs (tests/integration/pkcs11_matrix.sh).
# Needs p11reg.sh (and p11_sandbox called first), common.sh and pki.sh.
#
#   tok_backend NAME       softhsm | nss | tpm2 | ock: starts what the backend needs (swtpm,
#                          pkcsslotd), registers its module with p11-kit and makes the token:
#                          TOK_LABEL, TOK_PIN (user PIN), TOK_MODULE, TOK_NAME (p11-kit's name)
#   tok_can WHAT           whether the token can: import (take a key made elsewhere),
#                          extractable (hold keys that may leave it), plain (hold a private
#                          key that is not sensitive)
#   tok_server LABEL ID MODE
#                          a server key and its certificate (issued by the test PKI's 'issuing'
#                          CA) on the token, both labelled LABEL with CKA_ID ID; MODE wrapped
#                          (sensitive, extractable) | plain (not sensitive) | stuck (not
#                          extractable). Writes $PKI_DIR/LABEL.crt, and $PKI_DIR/LABEL.key when
#                          the key was made outside the token. A token that takes no keys
#                          from outside (a TPM) makes a stuck one itself.
#   tok_cert CERT.pem LABEL ID      a certificate on the token
#   tok_uri ATTRS          pkcs11:token=LABEL;ATTRS (the label percent-encoded)
#   tok_tool ARGS...       pkcs11-tool on the token, logged in, through p11-kit-proxy
#   tok_pki                the test PKI: root -> issuing (EC P-256 CAs) and ca-files/ with both

. "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/nss.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/tpm2.sh"
. "$CWMS_SOURCE_ROOT/tests/lib/ock.sh"

P11_PROXY=
for m in /usr/lib/x86_64-linux-gnu/p11-kit-proxy.so /usr/lib/*/p11-kit-proxy.so; do
    if [ -z "$P11_PROXY" ] && [ -f "$m" ]; then P11_PROXY=$m; fi
done

tok_backend() {
    TOK_BACKEND=$1
    [ -n "$P11_PROXY" ] || fail "p11-kit-proxy.so is missing (package p11-kit-modules)"
    case $1 in
        softhsm)
            softhsm_available || fail "SoftHSM or pkcs11-tool is not installed (ci/install-deps.sh)"
            TOK_LABEL=webex TOK_PIN=1234 TOK_MODULE=$SOFTHSM_MODULE
            softhsm_init "$TMP/softhsm"
            p11reg_add softhsm2 "$SOFTHSM_MODULE"
            softhsm_token "$TOK_LABEL" "$TOK_PIN"
            TOK_NAME=$(p11reg_name softhsm2) ;;
        nss)
            nss_available || fail "NSS's softokn or certutil is missing (libnss3, libnss3-tools)"
            TOK_LABEL=$NSS_TOKEN TOK_PIN=nss-db-pass TOK_MODULE=$NSS_SOFTOKN
            nss_start "$TMP/nssdb" "$TOK_PIN"
            TOK_NAME=$(p11reg_name nss) ;;
        tpm2)
            tpm2_available || fail "tpm2-pkcs11 or swtpm is missing (libtpm2-pkcs11-1, swtpm)"
            TOK_LABEL=tpmtok TOK_PIN=4321 TOK_MODULE=$TPM2_MODULE
            tpm2_start "$TMP/tpm"
            tpm2_token "$TOK_LABEL" "$TOK_PIN"
            TOK_NAME=$(p11reg_name tpm2_pkcs11) ;;
        ock)
            local why
            why=$(ock_usable) || skip "opencryptoki cannot run here: $why"
            TOK_LABEL=ocktok TOK_PIN=5678 TOK_MODULE=$OCK_MODULE
            ock_start "$TMP/ock"
            ock_token "$TOK_LABEL" "$TOK_PIN"
            TOK_NAME=$(p11reg_name opencryptoki) ;;
        *) fail "unknown token backend '$1'" ;;
    esac
}

tok_can() {
    case $TOK_BACKEND:$1 in
        tpm2:import | tpm2:extractable | tpm2:plain) return 1 ;;
        *) return 0 ;;
    esac
}

tok_uri() {
    echo "pkcs11:token=${TOK_LABEL// /%20}${1:+;$1}"
}

tok_tool() {
    pkcs11-tool --module "$P11_PROXY" --token-label "$TOK_LABEL" --login --pin "$TOK_PIN" "$@"
}

tok_pki() {
    pki_init "$TMP/pki"
    PKI_KEY=ec:P-256 pki_root root "Token Test Root" || fail "cannot make the test root"
    PKI_KEY=ec:P-256 pki_ca issuing "Token Test Issuing CA" root || fail "cannot make the test CA"
    mkdir -p "$TMP/ca-files"
    cp "$PKI_DIR/issuing.crt" "$PKI_DIR/root.crt" "$TMP/ca-files/"
}

tok_cert() {
    openssl x509 -in "$1" -outform DER -out "$1.der"
    tok_tool --write-object "$1.der" --type cert --label "$2" --id "$3" > /dev/null 2>&1 \
        || fail "cannot put certificate $1 on token '$TOK_LABEL'"
    rm -f "$1.der"
}

# tok__issue LABEL PUBKEY.pem [HOST]: the issuing CA certifies PUBKEY for HOST (www.example.test)
# as LABEL.crt.
tok__issue() {
    local ext=$PKI_DIR/$1.ext host=${3:-www.example.test}
    printf '%s\n' '[ext]' 'basicConstraints = critical, CA:FALSE' \
        'keyUsage = critical, digitalSignature, keyEncipherment' 'extendedKeyUsage = serverAuth' \
        "subjectAltName = DNS:$host" 'subjectKeyIdentifier = hash' \
        'authorityKeyIdentifier = keyid:always' > "$ext"
    openssl x509 -new -force_pubkey "$2" -subj "/O=cwms-bundle tests/CN=$host" \
        -CA "$PKI_DIR/issuing.crt" -CAkey "$PKI_DIR/issuing.key" -set_serial "0x$(openssl rand -hex 12)" \
        -days 397 -sha256 -extfile "$ext" -extensions ext -out "$PKI_DIR/$1.crt" 2> "$PKI_DIR/$1.err" \
        || { cat "$PKI_DIR/$1.err" >&2; fail "the test CA cannot certify $2"; }
}

tok_server() {
    local label=$1 id=$2 mode=$3 flags=()
    if ! tok_can import; then
        # A TPM makes its keys itself, and never lets them out.
        [ "$mode" = stuck ] || fail "token '$TOK_LABEL' cannot hold a $mode key"
        tok_tool --keypairgen --key-type EC:prime256v1 --label "$label" --id "$id" > /dev/null 2>&1 \
            || fail "token '$TOK_LABEL' cannot make a key pair"
        tok_tool --read-object --type pubkey --label "$label" -o "$PKI_DIR/$label.pub.der" > /dev/null 2>&1 \
            || fail "cannot read the public key '$label' from token '$TOK_LABEL'"
        openssl pkey -pubin -inform DER -in "$PKI_DIR/$label.pub.der" -out "$PKI_DIR/$label.pub" \
            || fail "the public key pkcs11-tool read is not one openssl reads"
        tok__issue "$label" "$PKI_DIR/$label.pub"
        tok_cert "$PKI_DIR/$label.crt" "$label" "$id"
        return 0
    fi
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI_DIR/$label.key" 2> /dev/null
    openssl pkey -in "$PKI_DIR/$label.key" -pubout -out "$PKI_DIR/$label.pub"
    tok__issue "$label" "$PKI_DIR/$label.pub"
    case $mode in
        wrapped) flags=(--sensitive) ;;
        plain) flags=() ;;
        stuck) flags=(--sensitive --not-extractable) ;;
        *) fail "tok_server: unknown mode $mode" ;;
    esac
    "$P11_IMPORT" "${flags[@]}" "$(tok_uri)?pin-value=$TOK_PIN" "$PKI_DIR/$label.key" "$label" "$id" \
        || fail "token '$TOK_LABEL' refused the $mode key '$label'"
    openssl pkey -in "$PKI_DIR/$label.key" -pubout -outform DER -out "$PKI_DIR/$label.pub.der"
    tok_tool --write-object "$PKI_DIR/$label.pub.der" --type pubkey --label "$label" --id "$id" \
        > /dev/null 2>&1 || fail "token '$TOK_LABEL' refused the public key '$label'"
    tok_cert "$PKI_DIR/$label.crt" "$label" "$id"
}
