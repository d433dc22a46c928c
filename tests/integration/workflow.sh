#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The external-key workflow end to end, with the inputs real CAs and
# Windows hand over: workflow.sh CASE (one meson test per CASE, suite
# 'workflow'). Each case makes its own PKI and inputs at test time.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"

# The standard hierarchy; $P is where its files are.
make_pki() {
    pki_init "$TMP/pki"
    pki_hierarchy || fail "cannot make the test PKI"
    P=$PKI_DIR
}

# A private SoftHSM with token 'webex' (PIN $PIN) holding the server key as 'server' (id 01).
make_token() {
    # shellcheck source=../lib/softhsm.sh
    . "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
    softhsm_require
    PIN=9753
    softhsm_init "$TMP/hsm"
    softhsm_token webex "$PIN"
    softhsm_key webex "$P/server.key" server 01 wrapped "$PIN"
    KEY_URI="pkcs11:token=webex;object=server;type=private?module-path=$SOFTHSM_MODULE"
}

# ca_sign CSR OUT: the test's secondary CA issues a server certificate for CSR, its SANs copied.
ca_sign() {
    printf '[ext]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\n' \
        > "$TMP/ca-ext.cnf"
    openssl x509 -req -in "$1" -CA "$P/secondary.crt" -CAkey "$P/secondary.key" -set_serial 0x4242 \
        -days 365 -sha256 -copy_extensions copy -extfile "$TMP/ca-ext.cnf" -extensions ext -out "$2" 2> /dev/null \
        || fail "the test CA cannot sign $1"
}

# csr_check CSR CN DNS...: the CSR verifies, its CN is CN and its SANs are exactly DNS...
csr_check() {
    local csr=$1 cn=$2 want got; shift 2
    openssl req -in "$csr" -verify -noout 2> "$TMP/verify" || { cat "$TMP/verify" >&2; fail "$csr does not verify"; }
    assert_contains "$TMP/verify" "verify OK"
    openssl req -in "$csr" -noout -subject -nameopt multiline | grep -q "commonName *= *$cn\$" \
        || fail "$csr: CN is not $cn"
    want=$(printf 'DNS:%s, ' "$@"); want=${want%, }
    got=$(openssl req -in "$csr" -noout -text | grep -A1 "Subject Alternative Name" | tail -1 | sed 's/^ *//')
    [ "$got" = "$want" ] || fail "$csr: SANs are [$got], want [$want]"
    openssl req -in "$csr" -noout -text | grep -qi "Signature Algorithm: .*sha256" || fail "$csr: not SHA-256"
}

# token_object TOKEN TYPE LABEL: pkcs11-tool's description of the one object of TYPE with LABEL.
token_object() {
    pkcs11-tool --module "$SOFTHSM_MODULE" --token-label "$1" --login --pin "$PIN" --list-objects \
        --type "$2" 2> /dev/null \
        | awk -v l="$3" '/^[A-Z]/ { if (keep) exit; block = $0 "\n"; next }
                         { block = block $0 "\n" }
                         $1 == "label:" && $2 == l { keep = 1 }
                         END { if (keep) printf "%s", block }'
}

# The number of "error:" lines in $1.
n_errors() { grep -c '^cwms-bundle: error: ' "$1" || true; }

# The common names of the certificates of a PEM file, in order.
cns() { pem_subjects "$1" | sed 's/.*CN *= *//'; }

# expect_chain OUT: primary, secondary, server (root-first, root left out).
expect_chain() {
    local want
    want=$(printf '%s\n' "Test Primary CA" "Test Secondary CA" "www.example.test")
    [ "$(cns "$1")" = "$want" ] || { cns "$1" >&2; fail "$1: wrong certificates or order"; }
}

# build ARGS...: cwms-bundle build, stderr in $TMP/err; fails the test on failure.
build() {
    "$CWMS_BUNDLE" build "$@" 2> "$TMP/err" || { cat "$TMP/err" >&2; fail "cwms-bundle build $* failed"; }
}

# A PKCS#12 as older Windows exports it (RC2-40 certificates, 3DES key) reads as-is, with a note.
case_legacy_pkcs12() {
    make_pki
    openssl pkcs12 -export -legacy -inkey "$P/server.key" -in "$P/server.crt" \
        -certfile "$P/ca-bundle.pem" -passout pass:winpw -out "$TMP/old.pfx"
    # It really is legacy: OpenSSL without -legacy cannot read it.
    if openssl pkcs12 -in "$TMP/old.pfx" -passin pass:winpw -nodes > /dev/null 2>&1; then
        fail "the test PKCS#12 is readable without the legacy provider"
    fi
    build --cwms 2.5 --trust "$P/root.crt" --passin pass:winpw -o "$TMP/out.pem" "$TMP/old.pfx"
    expect_chain "$TMP/out.pem"
    assert_contains "$TMP/err" "legacy provider"
    [ "$(openssl pkey -in "$TMP/out.pem" -pubout)" = "$(openssl x509 -in "$P/server.crt" -noout -pubkey)" ] \
        || fail "the key in the bundle is not the server key"
    # The same through the provider (the legacy provider goes into the core's own context).
    ossl storeutl -provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms -provider default \
        -passin pass:winpw -certs -out "$TMP/prov.pem" "cwms:$TMP/old.pfx?trust=$P/root.crt" > /dev/null \
        || fail "storeutl cannot read the legacy PKCS#12"
    [ "$(cns "$TMP/prov.pem")" = "$(cns "$TMP/out.pem")" ] || fail "the provider's chain differs"
    # A wrong passphrase is still a wrong passphrase, not an algorithm problem.
    expect_fail 3 "$CWMS_BUNDLE" build --passin pass:nope -o "$TMP/no.pem" "$TMP/old.pfx"
    assert_contains "$TMP/stderr" "wrong passphrase"
    [ ! -e "$TMP/no.pem" ] || fail "a bundle was written after a wrong passphrase"
}

# A CA's download folder with a README.txt (and an empty file) in it builds, with a note per skipped
# file; a folder with nothing usable, or a README named directly, is still an error.
case_folder_skips_unusable_files() {
    make_pki
    mkdir "$TMP/download"
    cp "$P/ca-bundle.pem" "$P/server.crt" "$P/server.key" "$TMP/download/"
    printf 'Thank you for your order.\nInstall the intermediate first.\n' > "$TMP/download/README.txt"
    : > "$TMP/download/empty.cer"
    build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/out.pem" "$TMP/download"
    expect_chain "$TMP/out.pem"
    assert_contains "$TMP/err" "skipping '$TMP/download/README.txt'"
    assert_contains "$TMP/err" "skipping '$TMP/download/empty.cer'"
    mkdir "$TMP/junk"
    cp "$TMP/download/README.txt" "$TMP/junk/"
    expect_fail 3 "$CWMS_BUNDLE" build -o "$TMP/no.pem" "$TMP/junk"
    assert_contains "$TMP/stderr" "none of its 1 file could be used"
    expect_fail 3 "$CWMS_BUNDLE" build -o "$TMP/no.pem" "$P/server.key" "$P/ca-bundle.pem" \
        "$P/server.crt" "$TMP/download/README.txt"
    assert_contains "$TMP/stderr" "README.txt' holds no certificate"
    [ ! -e "$TMP/no.pem" ] || fail "a bundle was written after an error"
}

# A token key and a .pfx with different secrets combine: --pin for the token, --passin for the .pfx.
case_pin_separate_from_passin() {
    make_pki
    make_token
    openssl pkcs12 -export -nokeys -in "$P/server.crt" -certfile "$P/ca-bundle.pem" \
        -passout pass:pfxpw -out "$TMP/chain.pfx"
    build --cwms 2.5 --trust "$P/root.crt" --key "$KEY_URI" --pin "pass:$PIN" --passin pass:pfxpw \
        -o "$TMP/out.pem" "$TMP/chain.pfx"
    expect_chain "$TMP/out.pem"
    [ "$(openssl pkey -in "$TMP/out.pem" -pubout)" = "$(openssl pkey -in "$P/server.key" -pubout)" ] \
        || fail "the bundle's key is not the token's key"
    # --pin from a file, --passin from the environment.
    printf '%s\n' "$PIN" > "$TMP/pin.txt"
    PFXPW=pfxpw build --cwms 2.5 --trust "$P/root.crt" --key "$KEY_URI" --pin "file:$TMP/pin.txt" \
        --passin env:PFXPW -o "$TMP/out2.pem" "$TMP/chain.pfx"
    cmp -s <(openssl pkey -in "$TMP/out.pem") <(openssl pkey -in "$TMP/out2.pem") || fail "another key"
    # Without --pin, --passin is still the PIN (and here the wrong one): a PIN error, exit 6.
    expect_fail 6 "$CWMS_BUNDLE" build --key "$KEY_URI" --passin pass:pfxpw -o "$TMP/no.pem" "$TMP/chain.pfx"
    assert_contains "$TMP/stderr" "wrong PIN for token 'webex'"
    # The old way, one --passin for the token alone, keeps working.
    build --cwms 2.5 --trust "$P/root.crt" --key "$KEY_URI" --passin "pass:$PIN" -o "$TMP/out3.pem" \
        "$P/ca-bundle.pem" "$P/server.crt"
    help_says build '--pin SRC' || fail "--pin is not in --help"
}

# A token PIN that cannot be had (no --pin, no terminal) is a PIN problem: exit 6, one error.
case_missing_pin_exits_6() {
    make_pki
    make_token
    command -v setsid > /dev/null || skip "no setsid"
    expect_fail 6 setsid -w "$CWMS_BUNDLE" build --key "$KEY_URI" -o "$TMP/no.pem" "$P/ca-bundle.pem" \
        "$P/server.crt" < /dev/null
    assert_contains "$TMP/stderr" "a PIN is needed for token 'webex'"
    assert_contains "$TMP/stderr" "give --pin"
    [ "$(n_errors "$TMP/stderr")" = 1 ] || fail "more than one error for one missing PIN"
    # The same for `tokens`, and an unset --pin variable in build.
    expect_fail 6 "$CWMS_BUNDLE" build --key "$KEY_URI" --pin env:NO_SUCH_PIN_VAR -o "$TMP/no.pem" \
        "$P/ca-bundle.pem" "$P/server.crt"
    assert_contains "$TMP/stderr" "NO_SUCH_PIN_VAR is not set"
    [ "$(n_errors "$TMP/stderr")" = 1 ] || fail "more than one error for one unset PIN variable"
    [ ! -e "$TMP/no.pem" ] || fail "a bundle was written"
}

# A missing PKCS#12 passphrase (no --passin, no terminal) is reported once, exit 3.
case_missing_passphrase_one_error() {
    make_pki
    command -v setsid > /dev/null || skip "no setsid"
    openssl pkcs12 -export -inkey "$P/server.key" -in "$P/server.crt" -certfile "$P/ca-bundle.pem" \
        -passout pass:pw -out "$TMP/s.pfx"
    expect_fail 3 setsid -w "$CWMS_BUNDLE" build -o "$TMP/no.pem" "$TMP/s.pfx" < /dev/null
    assert_contains "$TMP/stderr" "a passphrase is needed for PKCS#12 file"
    [ "$(n_errors "$TMP/stderr")" = 1 ] || fail "more than one error for one missing passphrase"
    expect_fail 3 "$CWMS_BUNDLE" build --passin env:NO_SUCH_PASS_VAR -o "$TMP/no.pem" "$TMP/s.pfx"
    [ "$(n_errors "$TMP/stderr")" = 1 ] || fail "more than one error for one unset variable"
}

# A listing whose standard output is closed (as by '| head') exits 7, as documented.
case_closed_stdout_exits_7() {
    make_pki
    make_token
    expect_fail 7 "$CWMS_BUNDLE" tokens --no-login "pkcs11:token=webex?module-path=$SOFTHSM_MODULE" >&-
    expect_fail 7 "$CWMS_BUNDLE" build --no-key --trust "$P/root.crt" "$P/ca-bundle.pem" "$P/server.crt" >&-
    help_says tokens "7 also when standard output closes early" || fail "tokens --help: no exit 7"
    grep -q "standard output is closed" "$CWMS_SOURCE_ROOT/docs/cwms-bundle.1" \
        || fail "cwms-bundle(1) does not document a closed standard output"
}

# An encrypted input key written without --passout gets a warning (an error under --strict);
# with --passout the key stays encrypted and no warning is given.
case_encrypted_key_warning() {
    make_pki
    openssl pkey -in "$P/server.key" -aes256 -passout pass:kpw -out "$TMP/enc.key"
    build --cwms 2.5 --trust "$P/root.crt" --passin pass:kpw -o "$TMP/out.pem" \
        "$P/ca-bundle.pem" "$P/server.crt" "$TMP/enc.key"
    assert_contains "$TMP/err" "warning: the private key from '$TMP/enc.key' was encrypted, but the bundle will hold it unencrypted: add --passout"
    build --cwms 2.5 --trust "$P/root.crt" --passin pass:kpw --passout pass:opw -o "$TMP/enc.pem" \
        "$P/ca-bundle.pem" "$P/server.crt" "$TMP/enc.key"
    if grep -q "unencrypted" "$TMP/err"; then fail "warned although --passout was given"; fi
    [ "$(pem_types "$TMP/enc.pem" | head -n 1)" = "ENCRYPTED PRIVATE KEY" ] || fail "the key is not encrypted"
    # A plain key: no warning.
    build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/plain.pem" "$P/ca-bundle.pem" "$P/server.crt" "$P/server.key"
    if grep -q "unencrypted" "$TMP/err"; then fail "warned for a key that was never encrypted"; fi
    expect_fail 5 "$CWMS_BUNDLE" build --strict --trust "$P/root.crt" --passin pass:kpw -o "$TMP/no.pem" \
        "$P/ca-bundle.pem" "$P/server.crt" "$TMP/enc.key"
    [ ! -e "$TMP/no.pem" ] || fail "--strict wrote an unencrypted key"
}

# --trust DIR: a folder of plain PEM/DER files finds the root; a hashed directory still works.
case_trust_plain_dir() {
    make_pki
    mkdir "$TMP/roots"
    cp "$P/root.crt" "$TMP/roots/our-root.pem"
    openssl x509 -in "$P/primary.crt" -outform DER -out "$TMP/roots/unrelated.der"
    echo "keep these safe" > "$TMP/roots/README"
    # --strict: the untrusted-root warning would fail the build.
    build --strict --cwms 2.5 --trust "$TMP/roots" -o "$TMP/out.pem" "$P/ca-bundle.pem" "$P/server.crt" \
        "$P/server.key"
    expect_chain "$TMP/out.pem"
    assert_contains "$TMP/err" "every file read"
    # An OpenSSL hashed directory (openssl rehash) as before.
    mkdir "$TMP/hashed"
    cp "$P/root.crt" "$TMP/hashed/root.pem"
    openssl rehash "$TMP/hashed" 2> /dev/null || skip "no openssl rehash"
    build --strict --cwms 2.5 --trust "$TMP/hashed" -o "$TMP/out2.pem" "$P/ca-bundle.pem" "$P/server.crt" \
        "$P/server.key"
    cmp -s "$TMP/out.pem" "$TMP/out2.pem" || fail "the hashed directory gives another bundle"
    # A folder without any certificate is an error naming it.
    mkdir "$TMP/empty-roots"
    cp "$TMP/roots/README" "$TMP/empty-roots/"
    expect_fail 3 "$CWMS_BUNDLE" build --trust "$TMP/empty-roots" -o "$TMP/no.pem" "$P/ca-bundle.pem" \
        "$P/server.crt" "$P/server.key"
    assert_contains "$TMP/stderr" "'$TMP/empty-roots' holds no certificate"
    # The other root is not trusted: --strict fails on its warning.
    mkdir "$TMP/other"
    PKI_DIR=$TMP/other pki_root other "Other Root"
    expect_fail 4 "$CWMS_BUNDLE" build --strict --trust "$TMP/other" -o "$TMP/no.pem" "$P/ca-bundle.pem" \
        "$P/server.crt" "$P/server.key"
}

# A CA's .zip (and .tar, .tar.gz) is read like the folder it unpacks to; a damaged or
# oversized archive is refused in bounded time, nothing written.
case_archives() {
    make_pki
    command -v zip > /dev/null || fail "zip is not installed (ci/install-deps.sh installs it)"
    mkdir -p "$TMP/dl/certs" "$TMP/dl/__MACOSX"
    cp "$P/secondary.crt" "$P/primary.crt" "$TMP/dl/certs/"
    cp "$P/server.crt" "$TMP/dl/"
    echo "Install the intermediates first." > "$TMP/dl/README.txt"
    echo junk > "$TMP/dl/__MACOSX/._server.crt"
    local members=(README.txt server.crt certs __MACOSX)
    (cd "$TMP/dl" && zip -qr "$TMP/ca.zip" "${members[@]}" && tar cf "$TMP/ca.tar" "${members[@]}" \
        && tar czf "$TMP/ca.tar.gz" "${members[@]}")
    local f
    for f in ca.zip ca.tar ca.tar.gz; do
        build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/$f.pem" "$TMP/$f" "$P/server.key"
        expect_chain "$TMP/$f.pem"
        assert_contains "$TMP/err" "skipping '$TMP/$f:README.txt'"
    done
    assert_contains "$TMP/err" "skipping hidden file"
    cmp -s "$TMP/ca.zip.pem" "$TMP/ca.tar.gz.pem" || fail "the zip and the tar.gz give different bundles"
    # An archive inside a folder.
    mkdir "$TMP/folder"
    cp "$TMP/ca.zip" "$P/server.key" "$TMP/folder/"
    build --cwms 2.5 --trust "$P/root.crt" -o "$TMP/folder.pem" "$TMP/folder"
    cmp -s "$TMP/ca.zip.pem" "$TMP/folder.pem" || fail "a zip in a folder gives another bundle"
    # Damaged: a truncated zip.
    head -c 300 "$TMP/ca.zip" > "$TMP/cut.zip"
    expect_fail 3 "$CWMS_BUNDLE" build -o "$TMP/no.pem" "$TMP/cut.zip" "$P/server.key"
    assert_contains "$TMP/stderr" "cut.zip"
    # Nothing usable in it.
    (cd "$TMP/dl" && zip -q "$TMP/readme.zip" README.txt)
    expect_fail 3 "$CWMS_BUNDLE" build -o "$TMP/no.pem" "$TMP/readme.zip"
    assert_contains "$TMP/stderr" "none of its 1 file could be used"
    # A zip bomb: 300 MiB of zeros in a few hundred KiB; refused at 64 MiB unpacked.
    head -c 300M /dev/zero | zip -q "$TMP/bomb.zip" -
    [ "$(stat -c %s "$TMP/bomb.zip")" -lt 1000000 ] || fail "the bomb is not small"
    expect_fail 3 timeout 60 "$CWMS_BUNDLE" build -o "$TMP/no.pem" "$TMP/bomb.zip" "$P/server.key"
    assert_contains "$TMP/stderr" "more than 64 MiB"
    [ ! -e "$TMP/no.pem" ] || fail "a bundle was written from a bad archive"
}

# request with a file key: a new key (0600, encrypted with --passout) and a CSR that verifies,
# names the hosts and breaks no rule; the CA's answer then builds; bad requests write nothing.
case_request_file_key() {
    make_pki
    help_says request "--new-key FILE|pkcs11:URI" || fail "request --help"
    "$CWMS_BUNDLE" request --new-key "$TMP/new.key" --host webex.example.test --host admin.example.test \
        --subject "/O=Example Inc/C=US" -o "$TMP/req.csr" 2> "$TMP/err" || { cat "$TMP/err" >&2; fail "request failed"; }
    csr_check "$TMP/req.csr" webex.example.test webex.example.test admin.example.test
    openssl req -in "$TMP/req.csr" -noout -subject -nameopt multiline | grep -q "organizationName *= *Example Inc" \
        || fail "--subject is not in the CSR"
    [ "$(stat -c %a "$TMP/new.key")" = 600 ] || fail "the new key is not mode 0600"
    [ "$(openssl pkey -in "$TMP/new.key" -pubout)" = "$(openssl req -in "$TMP/req.csr" -noout -pubkey)" ] \
        || fail "the CSR is not for the new key"
    openssl pkey -in "$TMP/new.key" -noout -text | grep -q "2048 bit" || fail "the default key is not RSA 2048"
    # From CSR to CWMS: the CA signs, build takes the same key.
    ca_sign "$TMP/req.csr" "$TMP/issued.crt"
    build --cwms 2.5 --trust "$P/root.crt" --key "$TMP/new.key" --host admin.example.test -o "$TMP/webex.pem" \
        "$P/ca-bundle.pem" "$TMP/issued.crt"
    [ "$(cns "$TMP/webex.pem" | tail -n 1)" = webex.example.test ] || fail "the issued certificate is not last"
    # EC P-384, encrypted with --passout; a CSR from an existing (encrypted) key with --key.
    "$CWMS_BUNDLE" request --new-key "$TMP/ec.key" --key-type ec:P-384 --passout pass:kpw \
        --host webex.example.test > "$TMP/ec.csr" 2> "$TMP/err" || { cat "$TMP/err" >&2; fail "ec request failed"; }
    csr_check "$TMP/ec.csr" webex.example.test webex.example.test
    [ "$(pem_types "$TMP/ec.key")" = "ENCRYPTED PRIVATE KEY" ] || fail "--passout did not encrypt the key"
    openssl pkey -in "$TMP/ec.key" -passin pass:kpw -noout -text | grep -q "NIST CURVE: P-384" || fail "not P-384"
    "$CWMS_BUNDLE" request --key "$TMP/ec.key" --passin pass:kpw --host webex.example.test \
        -o "$TMP/again.csr" 2> "$TMP/err" || { cat "$TMP/err" >&2; fail "request --key failed"; }
    csr_check "$TMP/again.csr" webex.example.test webex.example.test
    # Refusals: nothing is written.
    expect_fail 7 "$CWMS_BUNDLE" request --new-key "$TMP/new.key" --host webex.example.test -o "$TMP/no.csr"
    assert_contains "$TMP/stderr" "refusing to overwrite a key"
    expect_fail 2 "$CWMS_BUNDLE" request --new-key "$TMP/bad.key" --host webex --host 10.0.0.1 \
        --host 'a_b.example.test' --host webex --subject '/CN=x' -o "$TMP/no.csr"
    assert_contains "$TMP/stderr" "--host 'webex': CWMS is reached by fully qualified names"
    assert_contains "$TMP/stderr" "not IP addresses"
    assert_contains "$TMP/stderr" "given twice"
    assert_contains "$TMP/stderr" "the CN is the first --host"
    expect_fail 2 "$CWMS_BUNDLE" request --new-key "$TMP/bad.key" --host "$(printf 'a%.0s' {1..60}).example.test"
    assert_contains "$TMP/stderr" "at most 64 characters"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$TMP/weak.key" 2> /dev/null
    expect_fail 5 "$CWMS_BUNDLE" request --key "$TMP/weak.key" --host webex.example.test -o "$TMP/no.csr"
    assert_contains "$TMP/stderr" "under 2048 bits"
    expect_fail 2 "$CWMS_BUNDLE" request --new-key "$TMP/bad.key" --key-type rsa:1024 --host webex.example.test
    [ ! -e "$TMP/bad.key" ] && [ ! -e "$TMP/no.csr" ] || fail "a refused request wrote something"
}

# request with a token key: generated on the token (private, sensitive, extractable, CKA_ID shared
# with the public key), the CSR signed there with C_Sign (no export), then exported into the bundle.
case_request_token_key() {
    make_pki
    make_token
    local kt label uri
    for kt in rsa:2048 ec:P-256; do
        label=web-${kt//:/-}
        uri="pkcs11:token=webex;object=$label?module-path=$SOFTHSM_MODULE"
        CWMS_DEBUG=pkcs11 "$CWMS_BUNDLE" request --new-key "$uri" --key-type "$kt" --pin "pass:$PIN" \
            --host webex.example.test -o "$TMP/$label.csr" 2> "$TMP/err" \
            || { cat "$TMP/err" >&2; fail "request on the token ($kt) failed"; }
        csr_check "$TMP/$label.csr" webex.example.test webex.example.test
        assert_contains "$TMP/err" "C_GenerateKeyPair"
        assert_contains "$TMP/err" "C_Sign"
        if grep -E "C_WrapKey|CKA_VALUE" "$TMP/err" | grep -v "^cwms-bundle: note" >&2; then
            fail "the key left the token to sign the CSR"
        fi
        token_object webex privkey "$label" > "$TMP/priv.attr"
        assert_contains "$TMP/priv.attr" "sensitive"
        assert_contains "$TMP/priv.attr" "extractable"
        assert_contains "$TMP/priv.attr" "sign"
        token_object webex pubkey "$label" > "$TMP/pub.attr"
        [ "$(sed -n 's/^ *ID: *//p' "$TMP/priv.attr")" = "$(sed -n 's/^ *ID: *//p' "$TMP/pub.attr")" ] \
            || fail "the private and public key do not share their CKA_ID"
        # Private: not listed without a login.
        if pkcs11-tool --module "$SOFTHSM_MODULE" --token-label webex --list-objects --type privkey 2>/dev/null \
            | grep -q "$label"; then fail "the new private key is not a private object"; fi
        # From CSR to CWMS: the CA signs, build exports the token key into the bundle.
        ca_sign "$TMP/$label.csr" "$TMP/$label.crt"
        build --cwms 2.5 --trust "$P/root.crt" --key "pkcs11:token=webex;object=$label;type=private?module-path=$SOFTHSM_MODULE" \
            --pin "pass:$PIN" -o "$TMP/$label.pem" "$P/ca-bundle.pem" "$TMP/$label.crt"
        [ "$(openssl pkey -in "$TMP/$label.pem" -pubout)" = "$(openssl x509 -in "$TMP/$label.crt" -noout -pubkey)" ] \
            || fail "the bundle's key is not the token key of the certificate"
    done
    # An existing key that may never leave the token: the CSR is still made, signed there.
    PKI_KEY=ec:P-256 pki__key stuck
    softhsm_key webex "$P/stuck.key" stuck 09 stuck "$PIN"
    CWMS_DEBUG=pkcs11 "$CWMS_BUNDLE" request --key "pkcs11:token=webex;object=stuck;type=private?module-path=$SOFTHSM_MODULE" \
        --pin "pass:$PIN" --host webex.example.test -o "$TMP/stuck.csr" 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "request --key on a non-extractable token key failed"; }
    csr_check "$TMP/stuck.csr" webex.example.test webex.example.test
    [ "$(openssl pkey -in "$P/stuck.key" -pubout)" = "$(openssl req -in "$TMP/stuck.csr" -noout -pubkey)" ] \
        || fail "the CSR is not for the token's key"
    assert_contains "$TMP/err" "C_Sign"
    # The same label twice is refused, the first key untouched.
    expect_fail 6 "$CWMS_BUNDLE" request --new-key "pkcs11:token=webex;object=web-rsa-2048?module-path=$SOFTHSM_MODULE" \
        --pin "pass:$PIN" --host webex.example.test -o "$TMP/no.csr"
    assert_contains "$TMP/stderr" "already holds an object labelled 'web-rsa-2048'"
    # A URI without object= names no key.
    expect_fail 2 "$CWMS_BUNDLE" request --new-key "pkcs11:token=webex?module-path=$SOFTHSM_MODULE" \
        --pin "pass:$PIN" --host webex.example.test -o "$TMP/no.csr"
    assert_contains "$TMP/stderr" "add object=LABEL"
    [ ! -e "$TMP/no.csr" ] || fail "a refused request wrote a CSR"
}

# fetch_build NAME LEAF [ARGS...]: build with --fetch from LEAF's certificate and key only.
fetch_build() {
    local name=$1 leaf=$2; shift 2
    "$CWMS_BUNDLE" build --cwms 2.5 --trust "$P/root.crt" "$@" -o "$TMP/$name.pem" \
        "$P/$leaf.crt" "$P/$leaf.key" 2> "$TMP/$name.err"
}

# --fetch: a missing issuer is downloaded from its child's AIA caIssuers URL (DER, then a .p7c
# up the chain), verified and used, with a note naming it and the URL; a 404, a garbage reply, a
# slow server, a redirect loop, a huge reply and a wrong certificate each fail in bounded time
# with a warning saying why, and the missing intermediate is still reported.
case_fetch() {
    mkdir -p "$TMP/www"
    http_serve "$TMP/www"
    local base="http://127.0.0.1:$PORT"
    pki_init "$TMP/pki"
    P=$PKI_DIR
    pki_root root "Test Root CA"
    pki_ca primary "Test Primary CA" root
    PKI_AIA="$base/primary.p7c" pki_ca secondary "Test Secondary CA" primary
    PKI_AIA="$base/secondary.cer" pki_leaf server www.example.test secondary
    openssl x509 -in "$P/secondary.crt" -outform DER -out "$TMP/www/secondary.cer"
    openssl crl2pkcs7 -nocrl -certfile "$P/primary.crt" -outform DER -out "$TMP/www/primary.p7c"
    # Off by default: the URL is named, nothing is downloaded.
    if fetch_build off server; then fail "built without the intermediates and without --fetch"; fi
    assert_contains "$TMP/off.err" "$base/secondary.cer"
    assert_contains "$TMP/off.err" "note: --fetch downloads it from there"
    [ ! -e "$TMP/www/requests.log" ] || fail "something was downloaded without --fetch"
    fetch_build on server --fetch || { cat "$TMP/on.err" >&2; fail "--fetch did not complete the chain"; }
    expect_chain "$TMP/on.pem"
    assert_contains "$TMP/on.err" "fetched 'O=cwms-bundle tests, CN=Test Secondary CA', the issuer of 'O=cwms-bundle tests, CN=www.example.test', from $base/secondary.cer"
    assert_contains "$TMP/on.err" "fetched 'O=cwms-bundle tests, CN=Test Primary CA', the issuer of 'O=cwms-bundle tests, CN=Test Secondary CA', from $base/primary.p7c"
    help_says build "--fetch" || fail "--fetch is not in --help"

    # The proxy comes from the environment (http_proxy): the test server plays the proxy.
    PKI_AIA="http://issuers.cwms-test.invalid/secondary.cer" pki_leaf viaproxy proxy.example.test secondary
    : > "$TMP/www/requests.log"
    http_proxy="$base" fetch_build proxy viaproxy --fetch --cwms 2.5 "$P/primary.crt" \
        || { cat "$TMP/proxy.err" >&2; fail "--fetch through the http_proxy failed"; }
    assert_contains "$TMP/www/requests.log" "proxied /secondary.cer"

    # Failures: each one a warning naming the URL, then exit 4 (the issuer is still missing).
    local kind start
    for kind in missing garbage slow loop huge wrong https; do
        case $kind in
            missing) url=$base/no-such.cer ;;
            wrong)   url=$base/root.cer; openssl x509 -in "$P/root.crt" -outform DER -out "$TMP/www/root.cer" ;;
            https)   url=https://127.0.0.1:$PORT/secondary.cer ;;
            *)       url=$base/$kind/secondary.cer ;;
        esac
        PKI_AIA=$url pki_leaf "bad-$kind" "$kind.example.test" secondary
        start=$(date +%s)
        rc=0
        CWMS_FETCH_TIMEOUT=3 fetch_build "$kind" "bad-$kind" --fetch || rc=$?
        [ "$rc" = 4 ] || { cat "$TMP/$kind.err" >&2; fail "$kind: exit $rc, expected 4"; }
        [ $(( $(date +%s) - start )) -lt 20 ] || fail "$kind: took more than 20 seconds"
        grep -q "warning: .*$url" "$TMP/$kind.err" || { cat "$TMP/$kind.err" >&2; fail "$kind: no warning naming $url"; }
        assert_contains "$TMP/$kind.err" "error: no certificate among the inputs is the issuer"
        [ ! -e "$TMP/$kind.pem" ] || fail "$kind: a bundle was written"
        grep "warning: .*$url" "$TMP/$kind.err" >&2
    done
    assert_contains "$TMP/https.err" "http: URLs only"
    assert_contains "$TMP/missing.err" "404"
    assert_contains "$TMP/slow.err" "timeout"
    assert_contains "$TMP/huge.err" "max resp len exceeded"
    # A loop of caIssuers URLs (X cross-signed by Y, Y by X, each naming the other's URL):
    # each URL is fetched once, then the build stops with the issuer still unanchored.
    pki_root xroot "Loop X CA"
    pki_root yroot "Loop Y CA"
    PKI_AIA="$base/loopy.cer" pki_cross xcross xroot yroot
    PKI_AIA="$base/loopx.cer" pki_cross ycross yroot xroot
    PKI_AIA="$base/loopx.cer" pki_leaf loopleaf loop2.example.test xroot
    openssl x509 -in "$P/xcross.crt" -outform DER -out "$TMP/www/loopx.cer"
    openssl x509 -in "$P/ycross.crt" -outform DER -out "$TMP/www/loopy.cer"
    : > "$TMP/www/requests.log"
    rc=0
    CWMS_FETCH_TIMEOUT=3 fetch_build urlloop loopleaf --fetch || rc=$?
    [ "$rc" = 4 ] || { cat "$TMP/urlloop.err" >&2; fail "URL loop: exit $rc, expected 4"; }
    [ "$(sort "$TMP/www/requests.log" | uniq -c | awk '{print $1}' | sort -u)" = 1 ] \
        || { cat "$TMP/www/requests.log" >&2; fail "a URL of the loop was fetched twice"; }
    [ "$(wc -l < "$TMP/www/requests.log")" = 2 ] || fail "the URL loop did not fetch both URLs"
    assert_contains "$TMP/wrong.err" "did not issue"
}

# fetch in a cwms: URI: storeutl through the provider downloads the missing issuers like --fetch.
case_provider_fetch() {
    mkdir -p "$TMP/www"
    http_serve "$TMP/www"
    local base="http://127.0.0.1:$PORT" prov
    prov=(-provider-path "$CWMS_BUILD_ROOT/provider" -provider cwms -provider default)
    pki_init "$TMP/pki"
    P=$PKI_DIR
    pki_root root "Test Root CA"
    pki_ca primary "Test Primary CA" root
    PKI_AIA="$base/secondary.cer" pki_leaf server www.example.test primary
    # (the server's issuer is the primary here: one level to fetch)
    openssl x509 -in "$P/primary.crt" -outform DER -out "$TMP/www/secondary.cer"
    mkdir "$TMP/in"
    cp "$P/server.crt" "$P/server.key" "$TMP/in/"
    if ossl storeutl "${prov[@]}" -noout "cwms:$TMP/in?trust=$P/root.crt" > /dev/null 2>&1; then
        fail "built without fetch"
    fi
    [ ! -e "$TMP/www/requests.log" ] || fail "the provider downloaded without fetch"
    CWMS_PROVIDER_DEBUG=1 ossl storeutl "${prov[@]}" -certs -out "$TMP/out.pem" \
        "cwms:$TMP/in?trust=$P/root.crt&fetch" > /dev/null 2> "$TMP/err" \
        || { cat "$TMP/err" >&2; fail "storeutl with fetch failed"; }
    assert_contains "$TMP/err" "fetched 'O=cwms-bundle tests, CN=Test Primary CA'"
    assert_contains "$TMP/www/requests.log" "/secondary.cer"
    [ "$(cns "$TMP/out.pem")" = "$(printf '%s\n' "Test Primary CA" "www.example.test")" ] \
        || fail "the provider's chain is not primary, server"
}

case=${1:-}
declare -F "case_$case" > /dev/null || fail "unknown case '$case'"
"case_$case"
