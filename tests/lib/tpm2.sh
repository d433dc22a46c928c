# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# tpm2-pkcs11 on the swtpm TPM simulator, for one test: swtpm listens on a unix
# socket in the test's directory (no port to collide with another test; the swtpm
# TCTI finds the control channel at the same path + .ctrl), the module's store is
# there too, and swtpm is stopped when the test ends.
#
#   tpm2_start DIR          starts swtpm and points tpm2-pkcs11 at it (TPM2_PKCS11_TCTI,
#                           TPM2_PKCS11_STORE); registers the module as 'tpm2_pkcs11'
#   tpm2_token LABEL PIN    initialises a token through PKCS#11 (SO PIN $TPM2_SO_PIN)
# TPM2_MODULE is the module.

TPM2_MODULE=
for m in /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so /usr/lib/*/pkcs11/libtpm2_pkcs11.so; do
    if [ -z "$TPM2_MODULE" ] && [ -f "$m" ]; then TPM2_MODULE=$m; fi
done
TPM2_SO_PIN=87654321

tpm2_available() {
    [ -n "$TPM2_MODULE" ] && command -v swtpm > /dev/null && command -v pkcs11-tool > /dev/null
}

tpm2_start() {
    local dir=$1 i
    mkdir -p "$dir/state" "$dir/store"
    swtpm socket --tpm2 --daemon --pid "file=$dir/swtpm.pid" \
        --server "type=unixio,path=$dir/tpm.sock" --ctrl "type=unixio,path=$dir/tpm.sock.ctrl" \
        --tpmstate "dir=$dir/state" --flags not-need-init,startup-clear \
        --log "file=$dir/swtpm.log" || fail "swtpm did not start (see $dir/swtpm.log)"
    at_exit tpm2__stop "$dir"
    for ((i = 0; i < 100; i++)); do
        [ ! -S "$dir/tpm.sock" ] || break
        sleep 0.05
    done
    [ -S "$dir/tpm.sock" ] || fail "swtpm did not open $dir/tpm.sock within 5 s"
    export TPM2_PKCS11_TCTI="swtpm:path=$dir/tpm.sock" TPM2_PKCS11_STORE=$dir/store
    # Its leaks are allocated through libcrypto, past which ASan's fast unwinder cannot see:
    # the slow one lets tests/lsan.supp name the module (ignored outside sanitizer builds).
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0
    p11reg_add tpm2_pkcs11 "$TPM2_MODULE"
}

tpm2__stop() {
    local pid
    pid=$(cat "$1/swtpm.pid" 2> /dev/null) || return 0
    kill "$pid" 2> /dev/null || true
}

tpm2_token() {
    pkcs11-tool --module "$TPM2_MODULE" --slot-index 0 --init-token --label "$1" \
        --so-pin "$TPM2_SO_PIN" > /dev/null 2>&1 || fail "tpm2-pkcs11: cannot initialise token $1"
    pkcs11-tool --module "$TPM2_MODULE" --token-label "$1" --login --login-type so \
        --so-pin "$TPM2_SO_PIN" --init-pin --pin "$2" > /dev/null 2>&1 \
        || fail "tpm2-pkcs11: cannot set the user PIN of $1"
}
