# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# An NSS database for one test (the key store of Firefox, Thunderbird and certutil),
# registered with p11-kit as NSS's softokn module with the database as its configdir.
#
#   nss_start DIR PIN       a new database in DIR with PIN as its password, registered as
#                           module 'nss' (p11reg.sh); its token is "NSS Certificate DB"
#   nss_pk12 KEY.pem CERT.pem NAME
#                           imports key and certificate as pk12util does what a user
#                           exports from a browser (nickname NAME, sensitive + extractable)
# NSS_SOFTOKN is the module; NSS_TOKEN the label of the token keys and certificates go to.

NSS_SOFTOKN=
for m in /usr/lib/x86_64-linux-gnu/libsoftokn3.so /usr/lib/*/libsoftokn3.so /usr/lib/*/nss/libsoftokn3.so; do
    if [ -z "$NSS_SOFTOKN" ] && [ -f "$m" ]; then NSS_SOFTOKN=$m; fi
done
NSS_TOKEN="NSS Certificate DB"

nss_available() {
    [ -n "$NSS_SOFTOKN" ] && command -v certutil > /dev/null && command -v pk12util > /dev/null
}

nss_start() {
    NSS_DIR=$1
    NSS_PIN=$2
    mkdir -p "$NSS_DIR"
    printf '%s\n' "$NSS_PIN" > "$NSS_DIR/.pw"
    certutil -N -d "sql:$NSS_DIR" -f "$NSS_DIR/.pw" > /dev/null
    # As Fedora's and Firefox's module files pass it: the database, no legacy files.
    p11reg_add nss "$NSS_SOFTOKN" "configdir='sql:$NSS_DIR' certPrefix='' keyPrefix='' secmod='secmod.db' flags=optimizeSpace"
}

nss_pk12() {
    openssl pkcs12 -export -inkey "$1" -in "$2" -name "$3" -out "$NSS_DIR/$3.p12" -passout pass:p12
    pk12util -i "$NSS_DIR/$3.p12" -d "sql:$NSS_DIR" -k "$NSS_DIR/.pw" -W p12 > /dev/null
    rm -f "$NSS_DIR/$3.p12"
}
