# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# A private SoftHSM for one test: its own token directory and SOFTHSM2_CONF.
#
#   softhsm_init DIR                         conf + tokens under DIR; exports SOFTHSM2_CONF
#   softhsm_token LABEL [PIN]                a new token (SO PIN 12345678, user PIN default 1234)
#   softhsm_key TOKEN KEY.pem LABEL ID MODE [PIN]
#                                            imports a private key (and its public half);
#                                            MODE = plain (not sensitive, extractable) |
#                                                   wrapped (sensitive, extractable) |
#                                                   stuck (sensitive, not extractable)
#   softhsm_cert TOKEN CERT.pem LABEL ID [PIN]
#   softhsm_attr TOKEN LABEL TYPE [PIN]      pkcs11-tool's description of one object (for checks)
# SOFTHSM_MODULE is the module path; SOFTHSM_PIN the default user PIN.

SOFTHSM_MODULE=${SOFTHSM_MODULE:-}
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
         /usr/lib/*/softhsm/libsofthsm2.so; do
    if [ -z "$SOFTHSM_MODULE" ] && [ -f "$m" ]; then SOFTHSM_MODULE=$m; fi
done
SOFTHSM_PIN=1234
SOFTHSM_SO_PIN=12345678

softhsm_available() {
    [ -n "$SOFTHSM_MODULE" ] && command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null
}

# Skips the test (exit 77) when SoftHSM or pkcs11-tool is missing.
softhsm_require() {
    softhsm_available || skip "SoftHSM or pkcs11-tool not installed"
}

softhsm_init() {
    SOFTHSM_DIR=$1
    mkdir -p "$SOFTHSM_DIR/tokens"
    cat > "$SOFTHSM_DIR/softhsm2.conf" <<CONF
directories.tokendir = $SOFTHSM_DIR/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
CONF
    export SOFTHSM2_CONF=$SOFTHSM_DIR/softhsm2.conf
}

softhsm_token() {
    softhsm2-util --init-token --free --label "$1" --pin "${2:-$SOFTHSM_PIN}" \
        --so-pin "$SOFTHSM_SO_PIN" >/dev/null
}

softhsm__p11() {  # TOKEN PIN ARGS...
    local token=$1 pin=$2; shift 2
    pkcs11-tool --module "$SOFTHSM_MODULE" --token-label "$token" --login --pin "$pin" "$@"
}

softhsm_key() {
    local token=$1 key=$2 label=$3 id=$4 mode=$5 pin=${6:-$SOFTHSM_PIN} flags=()
    case $mode in
        plain)   flags=(--extractable) ;;
        wrapped) flags=(--sensitive --extractable) ;;
        stuck)   flags=(--sensitive) ;;
        *) echo "softhsm_key: unknown mode $mode" >&2; return 1 ;;
    esac
    openssl pkey -in "$key" -outform DER -out "$key.p11.der"
    openssl pkey -in "$key" -pubout -outform DER -out "$key.p11.pub.der"
    softhsm__p11 "$token" "$pin" --write-object "$key.p11.der" --type privkey --private \
        --label "$label" --id "$id" --usage-sign "${flags[@]}" >/dev/null
    softhsm__p11 "$token" "$pin" --write-object "$key.p11.pub.der" --type pubkey \
        --label "$label" --id "$id" >/dev/null
    rm -f "$key.p11.der" "$key.p11.pub.der"
}

softhsm_cert() {
    local token=$1 cert=$2 label=$3 id=$4 pin=${5:-$SOFTHSM_PIN}
    openssl x509 -in "$cert" -outform DER -out "$cert.p11.der"
    softhsm__p11 "$token" "$pin" --write-object "$cert.p11.der" --type cert \
        --label "$label" --id "$id" >/dev/null
    rm -f "$cert.p11.der"
}

softhsm_attr() {
    local token=$1 label=$2 type=$3 pin=${4:-$SOFTHSM_PIN}
    softhsm__p11 "$token" "$pin" --list-objects --type "$type" --label "$label" 2>/dev/null
}

# The test tools built next to the library (tests/tools/).
P11_LOAD=${CWMS_BUILD_ROOT:-.}/tests/tools/p11-load
P11_IMPORT=${CWMS_BUILD_ROOT:-.}/tests/tools/p11-import
P11_LIBP11_SIGN=${CWMS_BUILD_ROOT:-.}/tests/tools/p11-libp11-sign

# softhsm_key_any TOKEN KEY.pem LABEL ID MODE [PIN]: like softhsm_key, but MODE plain goes
# through p11-import (pkcs11-tool always sets CKA_SENSITIVE).
softhsm_key_any() {
    local token=$1 key=$2 label=$3 id=$4 mode=$5 pin=${6:-$SOFTHSM_PIN}
    if [ "$mode" = plain ]; then
        "$P11_IMPORT" "pkcs11:token=$token?module-path=$SOFTHSM_MODULE&pin-value=$pin" "$key" "$label" "$id"
        openssl pkey -in "$key" -pubout -outform DER -out "$key.p11.pub.der"
        softhsm__p11 "$token" "$pin" --write-object "$key.p11.pub.der" --type pubkey \
            --label "$label" --id "$id" >/dev/null
        rm -f "$key.p11.pub.der"
    else
        softhsm_key "$token" "$key" "$label" "$id" "$mode" "$pin"
    fi
}

# The public half of a key or certificate, PEM, for comparisons.
pubkey_of() {
    case $(head -1 "$1") in
        *CERTIFICATE*) openssl x509 -in "$1" -noout -pubkey ;;
        *) openssl pkey -in "$1" -pubout ;;
    esac
}
# A module forwarding to SoftHSM with extra token flags (CWMS_SHIM_TOKEN_FLAGS).
P11_FLAGSHIM=${CWMS_BUILD_ROOT:-.}/tests/tools/p11-flagshim.so
