#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The cwms provider through the real openssl binary: provider.sh CASE
# (one meson test per CASE, suite 'provider'). Each case makes its own PKI.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

MODULE_DIR=$CWMS_BUILD_ROOT/provider
PROV=(-provider-path "$MODULE_DIR" -provider cwms -provider default)
[ -f "$MODULE_DIR/cwms.so" ] || fail "no $MODULE_DIR/cwms.so: build first"


# The standard hierarchy plus ca-files/: what a CA sends (bundle, server
# certificate) and the key, in one directory.
make_pki() {
    pki_init "$TMP/pki"
    pki_hierarchy || fail "cannot make the test PKI"
    mkdir -p "$TMP/ca-files"
    cp "$PKI_DIR/ca-bundle.pem" "$PKI_DIR/server.crt" "$PKI_DIR/server.key" "$TMP/ca-files/"
    CA=$TMP/ca-files
    S_SERVER="O = cwms-bundle tests, CN = www.example.test"
    S_SECONDARY="O = cwms-bundle tests, CN = Test Secondary CA"
    S_PRIMARY="O = cwms-bundle tests, CN = Test Primary CA"
    S_ROOT="O = cwms-bundle tests, CN = Test Root CA"
}

# assert_lines FILE LINE...: FILE holds exactly these lines, in order.
assert_lines() {
    local file=$1; shift
    printf '%s\n' "$@" > "$TMP/expected"
    diff -u "$TMP/expected" "$file" >&2 || fail "$file is not as expected (diff above)"
}

# The PEM blocks of a file, without the "0: Pkey" / "Total found" lines
# storeutl also writes to its -out file.
pem_blocks() { sed -n '/^-----BEGIN /,/^-----END /p' "$1"; }

# storeutl_out URI FILE [ARGS...]: what storeutl writes for URI (-out FILE).
storeutl_out() {
    local uri=$1 out=$2; shift 2
    ossl storeutl "${PROV[@]}" "$@" -out "$out" "$uri" > "$TMP/storeutl.stdout" \
        || { cat "$TMP/storeutl.stdout" >&2; fail "storeutl $* '$uri' failed"; }
}

same_public_key() {  # KEY_A KEY_B [PASS]
    openssl pkey -in "$1" -pubout ${3:+-passin "pass:$3"} > "$TMP/pub.a"
    openssl pkey -in "$2" -pubout > "$TMP/pub.b"
    cmp -s "$TMP/pub.a" "$TMP/pub.b" || fail "$1 is not the key of $2"
}

case_loads() {
    ossl list -store-loaders "${PROV[@]}" > "$TMP/loaders"
    assert_contains "$TMP/loaders" "cwms @ cwms"
    assert_contains "$TMP/loaders" "pkcs11 @ cwms"
    ossl list -providers -verbose "${PROV[@]}" > "$TMP/providers"
    assert_contains "$TMP/providers" "status: active"
    assert_contains "$TMP/providers" "cwms-bundle"
}

case_exports() {
    nm -D --defined-only "$MODULE_DIR/cwms.so" | awk '{print $NF}' > "$TMP/exports"
    assert_lines "$TMP/exports" OSSL_provider_init
}

case_order() {
    make_pki
    storeutl_out "cwms:$CA?version=2.0" "$TMP/v20.pem"
    assert_lines <(pem_types "$TMP/v20.pem") "PRIVATE KEY" CERTIFICATE CERTIFICATE CERTIFICATE
    assert_lines <(pem_subjects "$TMP/v20.pem") "$S_SERVER" "$S_SECONDARY" "$S_PRIMARY"
    same_public_key "$TMP/v20.pem" "$PKI_DIR/server.key"

    storeutl_out "cwms:$CA?version=2.5" "$TMP/v25.pem"
    assert_lines <(pem_types "$TMP/v25.pem") "PRIVATE KEY" CERTIFICATE CERTIFICATE CERTIFICATE
    assert_lines <(pem_subjects "$TMP/v25.pem") "$S_PRIMARY" "$S_SECONDARY" "$S_SERVER"

    storeutl_out "cwms:$CA?order=leaf-first" "$TMP/lf.pem"
    cmp "$TMP/v20.pem" "$TMP/lf.pem" || fail "order=leaf-first differs from version=2.0"
    storeutl_out "cwms:$CA?order=root-first" "$TMP/rf.pem"
    cmp "$TMP/v25.pem" "$TMP/rf.pem" || fail "order=root-first differs from version=2.5"
    # No parameter and no configuration: root-first (CWMS 2.5 and later).
    storeutl_out "cwms:$CA" "$TMP/default.pem"
    cmp "$TMP/v25.pem" "$TMP/default.pem" || fail "the default order is not root-first"

    storeutl_out "cwms:$CA?version=2.5&root=include" "$TMP/root.pem"
    assert_lines <(pem_subjects "$TMP/root.pem") "$S_ROOT" "$S_PRIMARY" "$S_SECONDARY" "$S_SERVER"
}

case_inputs() {
    # Empty PATH with in= (one per file, percent-encoded), and key= apart.
    make_pki
    mkdir "$TMP/my certs"
    cp "$PKI_DIR/ca-bundle.pem" "$TMP/my certs/ca bundle.pem"
    local dir=${TMP// /%20}
    storeutl_out "cwms:?in=$dir/my%20certs/ca%20bundle.pem&in=$PKI_DIR/server.crt&key=$PKI_DIR/server.key&version=2.0" \
        "$TMP/in.pem"
    assert_lines <(pem_types "$TMP/in.pem") "PRIVATE KEY" CERTIFICATE CERTIFICATE CERTIFICATE
    assert_lines <(pem_subjects "$TMP/in.pem") "$S_SERVER" "$S_SECONDARY" "$S_PRIMARY"
    # nokey: a certificate-only bundle.
    storeutl_out "cwms:$CA?nokey&version=2.0" "$TMP/nokey.pem"
    assert_lines <(pem_types "$TMP/nokey.pem") CERTIFICATE CERTIFICATE CERTIFICATE
}

case_certs_keys() {
    make_pki
    storeutl_out "cwms:$CA?version=2.0" "$TMP/certs.pem" -certs
    assert_lines <(pem_types "$TMP/certs.pem") CERTIFICATE CERTIFICATE CERTIFICATE
    assert_lines <(pem_subjects "$TMP/certs.pem") "$S_SERVER" "$S_SECONDARY" "$S_PRIMARY"
    storeutl_out "cwms:$CA?version=2.0" "$TMP/keys.pem" -keys
    assert_lines <(pem_types "$TMP/keys.pem") "PRIVATE KEY"
    same_public_key "$TMP/keys.pem" "$PKI_DIR/server.key"
    # -keys on a certificate-only bundle: nothing, and no error.
    storeutl_out "cwms:$CA?nokey" "$TMP/none.pem" -keys
    assert_contains "$TMP/none.pem" "Total found: 0"
}

case_pkey() {
    make_pki
    ossl pkey "${PROV[@]}" -in "cwms:$CA" -out "$TMP/key.pem" -aes256 -passout pass:x \
        || fail "openssl pkey -in cwms: failed"
    assert_lines <(pem_types "$TMP/key.pem") "ENCRYPTED PRIVATE KEY"
    same_public_key "$TMP/key.pem" "$PKI_DIR/server.key" x
    # -pubin asks the store for a public key: the key's public half.
    ossl pkey "${PROV[@]}" -pubin -in "cwms:$CA" -pubout > "$TMP/pub.pem" \
        || fail "openssl pkey -pubin -in cwms: failed"
    openssl pkey -in "$PKI_DIR/server.key" -pubout > "$TMP/server.pub"
    cmp "$TMP/pub.pem" "$TMP/server.pub" || fail "pkey -pubin gave another public key"
}

case_x509() {
    make_pki
    ossl x509 "${PROV[@]}" -in "cwms:$CA?version=2.0" -noout -subject > "$TMP/s20"
    assert_lines "$TMP/s20" "subject=$S_SERVER"
    ossl x509 "${PROV[@]}" -in "cwms:$CA?version=2.5" -noout -subject > "$TMP/s25"
    assert_lines "$TMP/s25" "subject=$S_PRIMARY"
}

case_pkcs12() {
    make_pki
    # The cwms-provider(7) example: leaf-first, so the first certificate
    # pkcs12 tries for the key is the right one and it prints no
    # "key values mismatch" for the CA certificates before it.
    ossl pkcs12 "${PROV[@]}" -export -in "cwms:$CA?nokey&order=leaf-first" -inkey "cwms:$CA" \
        -out "$TMP/b.p12" -passout pass:p12 2> "$TMP/p12.err" \
        || { cat "$TMP/p12.err" >&2; fail "pkcs12 -export from cwms: failed"; }
    if grep -v '^cwms provider: .*: warning: ' "$TMP/p12.err" | grep . >&2; then
        fail "pkcs12 -export printed errors (above)"
    fi
    openssl pkcs12 -info -in "$TMP/b.p12" -passin pass:p12 -nokeys 2>/dev/null \
        | sed -n 's/^subject=//p' | sort > "$TMP/p12.subjects"
    printf '%s\n' "$S_PRIMARY" "$S_SECONDARY" "$S_SERVER" | sort > "$TMP/want.subjects"
    diff -u "$TMP/want.subjects" "$TMP/p12.subjects" >&2 || fail "the PKCS#12 chain differs"
    openssl pkcs12 -in "$TMP/b.p12" -passin pass:p12 -nocerts -nodes 2>/dev/null > "$TMP/p12.key"
    same_public_key "$TMP/p12.key" "$PKI_DIR/server.key"
    # The key and the server certificate were paired (same localKeyID).
    openssl pkcs12 -info -in "$TMP/b.p12" -passin pass:p12 -nodes 2>/dev/null \
        | grep -c 'localKeyID' > "$TMP/keyids"
    assert_lines "$TMP/keyids" 2
}

write_cnf() {  # FILE [KEY = VALUE lines for the cwms section...]
    local f=$1; shift
    {
        echo "openssl_conf = openssl_init"
        echo "[openssl_init]"
        echo "providers = provider_sect"
        echo "[provider_sect]"
        echo "default = default_sect"
        echo "cwms = cwms_sect"
        echo "[default_sect]"
        echo "activate = 1"
        echo "[cwms_sect]"
        echo "module = $MODULE_DIR/cwms.so"
        echo "activate = 1"
        printf '%s\n' "$@"
    } > "$f"
}

# openssl with OPENSSL_CONF (and no -provider options).
ossl_cnf() {
    local cnf=$1; shift
    OPENSSL_CONF=$cnf ossl "$@"
}

case_config() {
    make_pki
    write_cnf "$TMP/v20.cnf" "cwms-version = 2.0"
    ossl_cnf "$TMP/v20.cnf" storeutl -out "$TMP/cnf.pem" "cwms:$CA" > /dev/null \
        || fail "storeutl with the provider from openssl.cnf failed"
    assert_lines <(pem_subjects "$TMP/cnf.pem") "$S_SERVER" "$S_SECONDARY" "$S_PRIMARY"
    # A URI parameter overrides the configuration.
    ossl_cnf "$TMP/v20.cnf" storeutl -out "$TMP/cnf25.pem" "cwms:$CA?version=2.5" > /dev/null
    assert_lines <(pem_subjects "$TMP/cnf25.pem") "$S_PRIMARY" "$S_SECONDARY" "$S_SERVER"
    # The other keys are accepted.
    write_cnf "$TMP/all.cnf" "cwms-version = 2.5" "cwms-path = complete" \
        "cwms-trust = $PKI_DIR/root.crt"
    ossl_cnf "$TMP/all.cnf" storeutl -out "$TMP/all.pem" "cwms:$CA" > /dev/null \
        || fail "storeutl with every configuration key failed"
    assert_lines <(pem_subjects "$TMP/all.pem") "$S_PRIMARY" "$S_SECONDARY" "$S_SERVER"
    # A bad value is named when a store needs it, not at load time.
    write_cnf "$TMP/bad.cnf" "cwms-version = banana"
    ossl_cnf "$TMP/bad.cnf" version > /dev/null || fail "a bad cwms-version broke provider loading"
    expect_fail 1 ossl_cnf "$TMP/bad.cnf" storeutl -noout "cwms:$CA"
    assert_contains "$TMP/stderr" "cwms-version = 'banana'"
    write_cnf "$TMP/badpath.cnf" "cwms-path = longest"
    expect_fail 1 ossl_cnf "$TMP/badpath.cnf" storeutl -noout "cwms:$CA"
    assert_contains "$TMP/stderr" "cwms-path = 'longest'"
    # cwms-verify-depth: two intermediates are one too many; the URI's verify-depth= wins.
    write_cnf "$TMP/depth.cnf" "cwms-trust = $PKI_DIR/root.crt" "cwms-verify-depth = 1"
    expect_fail 1 ossl_cnf "$TMP/depth.cnf" storeutl -noout "cwms:$CA"
    assert_contains "$TMP/stderr" "needs a chain of 2 intermediate CA certificate(s)"
    ossl_cnf "$TMP/depth.cnf" storeutl -noout "cwms:$CA?verify-depth=2" > /dev/null \
        || fail "verify-depth=2 in the URI did not override cwms-verify-depth"
    write_cnf "$TMP/baddepth.cnf" "cwms-verify-depth = deep"
    expect_fail 1 ossl_cnf "$TMP/baddepth.cnf" storeutl -noout "cwms:$CA"
    assert_contains "$TMP/stderr" "cwms-verify-depth = 'deep' is not a chain depth"
}

case_unknown_param() {
    make_pki
    expect_fail 1 ossl storeutl "${PROV[@]}" -noout "cwms:$CA?version=2.5&colour=blue"
    assert_contains "$TMP/stderr" "invalid usage"
    assert_contains "$TMP/stderr" "unknown parameter 'colour'"
    expect_fail 1 ossl storeutl "${PROV[@]}" -noout "cwms:$CA?order=sideways"
    assert_contains "$TMP/stderr" "order='sideways'"
}

case_missing_intermediate() {
    make_pki
    mkdir "$TMP/gap"
    # The CA sent everything but the secondary (issuing) CA.
    cp "$PKI_DIR/server.crt" "$PKI_DIR/server.key" "$PKI_DIR/primary.crt" "$PKI_DIR/root.crt" "$TMP/gap/"
    expect_fail 1 ossl storeutl "${PROV[@]}" -out "$TMP/gap.pem" "cwms:$TMP/gap"
    grep -E "missing intermediate:.*Test Secondary CA.*www\.example\.test" "$TMP/stderr" > /dev/null \
        || { cat "$TMP/stderr" >&2; fail "storeutl did not print the missing intermediate"; }
    # Nothing half-built reached the output.
    [ -z "$(pem_blocks "$TMP/gap.pem")" ] || fail "storeutl wrote objects of a failed bundle"
    assert_contains "$TMP/gap.pem" "Total found: 0"
    # The apps' loaders (x509, pkey) see the same error and stop.
    expect_fail 1 ossl x509 "${PROV[@]}" -noout -in "cwms:$TMP/gap"
    assert_contains "$TMP/stderr" "missing intermediate"
}

case_passin() {
    make_pki
    mkdir "$TMP/enc"
    cp "$PKI_DIR/ca-bundle.pem" "$PKI_DIR/server.crt" "$TMP/enc/"
    openssl pkey -in "$PKI_DIR/server.key" -aes256 -passout pass:secret -out "$TMP/enc/server.key"
    storeutl_out "cwms:$TMP/enc?version=2.0" "$TMP/enc.pem" -passin pass:secret
    assert_lines <(pem_types "$TMP/enc.pem") "PRIVATE KEY" CERTIFICATE CERTIFICATE CERTIFICATE
    same_public_key "$TMP/enc.pem" "$PKI_DIR/server.key"
    # A PKCS#12 with the whole chain under the same passphrase.
    openssl pkcs12 -export -in "$PKI_DIR/server.crt" -inkey "$PKI_DIR/server.key" \
        -certfile "$PKI_DIR/ca-bundle.pem" -passout pass:secret -out "$TMP/server.p12"
    storeutl_out "cwms:$TMP/server.p12?version=2.5" "$TMP/p12.pem" -passin pass:secret
    assert_lines <(pem_subjects "$TMP/p12.pem") "$S_PRIMARY" "$S_SECONDARY" "$S_SERVER"
    # A wrong passphrase fails the store (and does not loop).
    expect_fail 1 ossl storeutl "${PROV[@]}" -noout -passin pass:wrong "cwms:$TMP/server.p12" \
        < /dev/null
    assert_contains "$TMP/stderr" "wrong passphrase"
}

case_subject() {
    make_pki
    pki_leaf other other.example.test secondary
    mkdir "$TMP/two"
    cp "$PKI_DIR/ca-bundle.pem" "$PKI_DIR/server.crt" "$PKI_DIR/other.crt" "$TMP/two/"
    storeutl_out "cwms:$TMP/two?nokey&version=2.0" "$TMP/other.pem" \
        -subject "/O=cwms-bundle tests/CN=other.example.test"
    assert_lines <(pem_subjects "$TMP/other.pem") \
        "O = cwms-bundle tests, CN = other.example.test" "$S_SECONDARY" "$S_PRIMARY"
    storeutl_out "cwms:$TMP/two?nokey&version=2.0" "$TMP/server.pem" \
        -subject "/O=cwms-bundle tests/CN=www.example.test"
    assert_lines <(pem_subjects "$TMP/server.pem") "$S_SERVER" "$S_SECONDARY" "$S_PRIMARY"
}

case_leaf() {
    make_pki
    pki_leaf other other.example.test secondary
    mkdir "$TMP/two"
    cp "$PKI_DIR/ca-bundle.pem" "$PKI_DIR/server.crt" "$PKI_DIR/other.crt" "$TMP/two/"
    storeutl_out "cwms:$TMP/two?nokey&version=2.0&leaf=$(pki_fp other)" "$TMP/other.pem"
    assert_lines <(pem_subjects "$TMP/other.pem") \
        "O = cwms-bundle tests, CN = other.example.test" "$S_SECONDARY" "$S_PRIMARY"
}

case_same_as_cli() {
    [ -x "$CWMS_BUNDLE" ] || skip "no cwms-bundle CLI in this build"
    make_pki
    # The same chain with an EC P-384 server key.
    PKI_KEY=ec:P-384 pki_leaf ecserver ec.example.test secondary
    mkdir "$TMP/ec-files"
    cp "$PKI_DIR/ca-bundle.pem" "$PKI_DIR/ecserver.crt" "$PKI_DIR/ecserver.key" "$TMP/ec-files/"
    local v dir
    for dir in "$CA" "$TMP/ec-files"; do
        for v in 2.0 2.5; do
            "$CWMS_BUNDLE" build --cwms "$v" -o "$TMP/cli.pem" "$dir" 2> "$TMP/cli.err" \
                || { cat "$TMP/cli.err" >&2; fail "cwms-bundle build --cwms $v $dir failed"; }
            storeutl_out "cwms:$dir?version=$v" "$TMP/prov.out"
            pem_blocks "$TMP/prov.out" > "$TMP/prov.pem"
            assert_lines <(pem_types "$TMP/prov.pem") "PRIVATE KEY" CERTIFICATE CERTIFICATE CERTIFICATE
            cmp "$TMP/cli.pem" "$TMP/prov.pem" \
                || fail "the PEM blocks of storeutl differ from cwms-bundle build ($dir, CWMS $v)"
        done
    done
}

case_debug() {
    # Quiet by default; CWMS_PROVIDER_DEBUG shows the core's notes too.
    make_pki
    ossl storeutl "${PROV[@]}" -noout "cwms:$CA?trust=$PKI_DIR/root.crt" > /dev/null 2> "$TMP/quiet.err" \
        || fail "storeutl failed"
    [ ! -s "$TMP/quiet.err" ] || { cat "$TMP/quiet.err" >&2; fail "the provider printed something"; }
    CWMS_PROVIDER_DEBUG=1 ossl storeutl "${PROV[@]}" -noout "cwms:$CA" > /dev/null 2> "$TMP/debug.err" \
        || fail "storeutl with CWMS_PROVIDER_DEBUG failed"
    grep -E "^cwms provider: cwms:.*: note: .*Test Root CA" "$TMP/debug.err" > /dev/null \
        || { cat "$TMP/debug.err" >&2; fail "no debug line about the root"; }
}

case_warnings() {
    # A warning (the root is in no trust store) reaches the user without
    # any debug variable; notes stay quiet.
    make_pki
    ossl storeutl "${PROV[@]}" -noout "cwms:$CA" > /dev/null 2> "$TMP/warn.err" || fail "storeutl failed"
    grep -E "^cwms provider: cwms:$CA: warning: .*Test Root CA.*trust" "$TMP/warn.err" > /dev/null \
        || { cat "$TMP/warn.err" >&2; fail "the untrusted-root warning was swallowed"; }
    if grep -q ": note: " "$TMP/warn.err"; then fail "notes printed without CWMS_PROVIDER_DEBUG"; fi
}

case_uri_option_names() {
    # Advice coming from a cwms: URI names URI parameters and openssl's
    # options, never the CLI's flags.
    make_pki
    CWMS_PROVIDER_DEBUG=1 ossl storeutl "${PROV[@]}" -noout "cwms:$CA" > /dev/null 2> "$TMP/notes.err" \
        || fail "storeutl failed"
    assert_contains "$TMP/notes.err" "(root=include keeps it)"
    mkdir "$TMP/nokey"
    cp "$PKI_DIR/ca-bundle.pem" "$PKI_DIR/server.crt" "$TMP/nokey/"
    if ossl storeutl "${PROV[@]}" -noout "cwms:$TMP/nokey" > /dev/null 2> "$TMP/nokey.err"; then
        fail "a bundle without a key was built"
    fi
    assert_contains "$TMP/nokey.err" "use nokey for a bundle without the key"
    openssl pkey -in "$PKI_DIR/server.key" -aes256 -passout pass:k -out "$TMP/enc.key"
    if ossl storeutl "${PROV[@]}" -noout "cwms:$TMP/nokey?key=$TMP/enc.key" < /dev/null \
        > /dev/null 2> "$TMP/enc.err"; then
        fail "an encrypted key was read without a passphrase"
    fi
    assert_contains "$TMP/enc.err" "openssl's -passin"
    if grep -E -- "--(passin|key|no-key|include-root|leaf)" "$TMP/notes.err" "$TMP/nokey.err" "$TMP/enc.err"; then
        fail "a message from a cwms: URI names a CLI flag"
    fi
}

case_storeutl_recipe() {
    # The cwms-provider(7) recipe for a file CWMS accepts: storeutl -out
    # under umask 077, then its "Total found" line removed. Byte for byte
    # what cwms-bundle build writes.
    [ -x "$CWMS_BUNDLE" ] || skip "no cwms-bundle CLI in this build"
    make_pki
    "$CWMS_BUNDLE" build --cwms 2.5 -o "$TMP/cli.pem" "$CA" 2> "$TMP/cli.err" \
        || { cat "$TMP/cli.err" >&2; fail "cwms-bundle build failed"; }
    (umask 077; ossl storeutl "${PROV[@]}" -out "$TMP/bundle.pem" "cwms:$CA?version=2.5" > /dev/null) \
        && sed -i '/^Total found: [0-9]*$/d' "$TMP/bundle.pem"
    cmp "$TMP/cli.pem" "$TMP/bundle.pem" || fail "the recipe's file differs from cwms-bundle build's"
    [ "$(stat -c %a "$TMP/bundle.pem")" = 600 ] || fail "the recipe left the key file readable by others"
}

case_lazy_load() {
    # Loading the provider opens nothing beyond cwms.so (p11-kit only
    # when a URI needs it); the first pkcs11: URI opens p11-kit. ld.so names
    # every object it maps under LD_DEBUG=files.
    make_pki
    LD_DEBUG=files ossl storeutl "${PROV[@]}" -noout "$PKI_DIR/ca-bundle.pem" > /dev/null 2> "$TMP/ld.plain" \
        || fail "storeutl of a plain file with the provider loaded failed"
    grep -q "file=$MODULE_DIR/cwms.so" "$TMP/ld.plain" \
        || { head -20 "$TMP/ld.plain" >&2; fail "LD_DEBUG=files did not show cwms.so being loaded"; }
    if grep -E "file=[^ ]*(libp11-kit|libffi|libarchive)" "$TMP/ld.plain" >&2; then
        fail "loading the provider loaded p11-kit, libffi or libarchive (above)"
    fi
    # A CA's zip through a cwms: URI: libarchive is opened then, and only then.
    (cd "$PKI_DIR" && zip -q "$TMP/ca.zip" ca-bundle.pem server.crt)
    LD_DEBUG=files ossl storeutl "${PROV[@]}" -noout "cwms:$TMP/ca.zip?key=$PKI_DIR/server.key" \
        > /dev/null 2> "$TMP/ld.zip" || { grep -v "^ *[0-9]*:" "$TMP/ld.zip" >&2; fail "storeutl of a zip failed"; }
    grep -q "file=libarchive.so.13" "$TMP/ld.zip" || fail "a zip did not open libarchive"
    if grep -E "file=[^ ]*libp11-kit" "$TMP/ld.zip" >&2; then fail "a zip opened p11-kit"; fi
    # A module that does not exist: p11-kit is opened to parse the URI and load it, then fails.
    LD_DEBUG=files ossl storeutl "${PROV[@]}" -noout \
        "pkcs11:token=none?module-path=$TMP/no-such-module.so" > /dev/null 2> "$TMP/ld.pkcs11" && true
    grep -q "file=libp11-kit.so.0" "$TMP/ld.pkcs11" \
        || { grep "file=" "$TMP/ld.pkcs11" >&2; fail "a pkcs11: URI did not open p11-kit"; }
    grep -q "no-such-module.so" "$TMP/ld.pkcs11" \
        || { grep -v "^ *[0-9]*:" "$TMP/ld.pkcs11" >&2; fail "the missing module is not named"; }
}

case_pkcs11() {
    local lib=$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh
    [ -f "$lib" ] || skip "no tests/lib/softhsm.sh (the PKCS#11 helper's test library)"
    # shellcheck source=../lib/softhsm.sh
    . "$lib"
    softhsm_available || skip "SoftHSM or pkcs11-tool not installed"
    make_pki
    softhsm_init "$TMP/hsm"
    softhsm_token webex
    softhsm_key webex "$PKI_DIR/server.key" server 01 wrapped
    softhsm_cert webex "$PKI_DIR/server.crt" server 01
    softhsm_cert webex "$PKI_DIR/secondary.crt" secondary 02
    softhsm_key webex "$PKI_DIR/primary.key" stuck 03 stuck
    local m="module-path=$SOFTHSM_MODULE" key="pkcs11:token=webex;object=server;type=private"

    # -keys / -certs with the PIN in the URI.
    storeutl_out "$key?$m&pin-value=$SOFTHSM_PIN" "$TMP/key.pem" -keys
    assert_lines <(pem_types "$TMP/key.pem") "PRIVATE KEY"
    same_public_key "$TMP/key.pem" "$PKI_DIR/server.key"
    storeutl_out "pkcs11:token=webex;type=cert?$m&pin-value=$SOFTHSM_PIN" "$TMP/certs.pem" -certs
    assert_lines <(pem_subjects "$TMP/certs.pem" | sort) "$S_SECONDARY" "$S_SERVER"

    # openssl pkey with the PIN through -passin.
    ossl pkey "${PROV[@]}" -passin "pass:$SOFTHSM_PIN" -in "$key?$m" -aes256 -passout pass:x \
        -out "$TMP/exported.pem" < /dev/null || fail "openssl pkey -in pkcs11: failed"
    same_public_key "$TMP/exported.pem" "$PKI_DIR/server.key" x

    # The key of a cwms: bundle from the token (key= percent-encoded).
    local enc
    enc=$(printf '%s' "$key?$m" | sed 's/%/%25/g; s/:/%3A/g; s/;/%3B/g; s/=/%3D/g; s/?/%3F/g; s/&/%26/g')
    storeutl_out "cwms:$PKI_DIR/ca-bundle.pem?in=$PKI_DIR/server.crt&version=2.0&key=$enc" \
        "$TMP/bundle.pem" -passin "pass:$SOFTHSM_PIN"
    assert_lines <(pem_types "$TMP/bundle.pem") "PRIVATE KEY" CERTIFICATE CERTIFICATE CERTIFICATE
    same_public_key "$TMP/bundle.pem" "$PKI_DIR/server.key"

    # A wrong PIN and a key that may not leave the token: named errors, no output, no loop.
    expect_fail 1 ossl storeutl "${PROV[@]}" -out "$TMP/wrong.pem" -passin pass:0000 "$key?$m" < /dev/null
    assert_contains "$TMP/stderr" "PIN rejected"
    [ -z "$(pem_blocks "$TMP/wrong.pem")" ] || fail "objects were handed out after a wrong PIN"
    expect_fail 1 ossl storeutl "${PROV[@]}" -out "$TMP/stuck.pem" \
        "pkcs11:token=webex;object=stuck;type=private?$m&pin-value=$SOFTHSM_PIN"
    assert_contains "$TMP/stderr" "not extractable"
    [ -z "$(pem_blocks "$TMP/stuck.pem")" ] || fail "objects were handed out for a stuck key"
}

# The CWMS version grammar of version= and cwms-version: the releases that
# exist with MR/SP/build suffixes, and the same refusal the CLI gives.
case_versions() {
    make_pki
    local v
    for v in 2.5MR6 4.0MR2 "4.0MR2%20SP1" 2.8.1.1 3 5.0; do
        storeutl_out "cwms:$CA?version=$v&nokey" "$TMP/rf.pem"
        assert_lines <(pem_subjects "$TMP/rf.pem") "$S_PRIMARY" "$S_SECONDARY" "$S_SERVER"
    done
    for v in 2.0MR3 1.5 1 2.0.1.5; do
        storeutl_out "cwms:$CA?version=$v&nokey" "$TMP/lf.pem"
        assert_lines <(pem_subjects "$TMP/lf.pem") "$S_SERVER" "$S_SECONDARY" "$S_PRIMARY"
    done
    for v in 2 2.1 2.4 2.0.1 2.x; do
        expect_fail 1 ossl storeutl "${PROV[@]}" -noout "cwms:$CA?version=$v"
        assert_contains "$TMP/stderr" "invalid usage"
        assert_contains "$TMP/stderr" "version='$v' is not"
        assert_contains "$TMP/stderr" "known releases: 1.0, 1.1, 1.5, 2.0 (leaf-first"
        assert_contains "$TMP/stderr" "2.5, 2.6, 2.7, 2.8, 3.0, 4.0 and any later major (root-first"
    done
    assert_contains "$TMP/stderr" "e.g. version=2.0 or version=2.5"
    # openssl.cnf says it the same way, in its own spelling.
    write_cnf "$TMP/v21.cnf" "cwms-version = 2.1"
    expect_fail 1 ossl_cnf "$TMP/v21.cnf" storeutl -noout "cwms:$CA"
    assert_contains "$TMP/stderr" "openssl.cnf, cwms provider section: cwms-version = '2.1' is not a CWMS release; known releases: 1.0,"
    write_cnf "$TMP/v2mr.cnf" "cwms-version = 2.5MR6"
    ossl_cnf "$TMP/v2mr.cnf" storeutl -out "$TMP/cnf.pem" "cwms:$CA?nokey" > /dev/null \
        || fail "cwms-version = 2.5MR6 refused"
    assert_lines <(pem_subjects "$TMP/cnf.pem") "$S_PRIMARY" "$S_SECONDARY" "$S_SERVER"
}

# A release typed without its dot is refused with the dotted suggestion, in a cwms: URI and in
# openssl.cnf alike; single-digit majors and dotted later majors still pass.
case_versions_without_dot() {
    make_pki
    local v
    for v in 20 25 10; do
        expect_fail 1 ossl storeutl "${PROV[@]}" -noout "cwms:$CA?version=$v&nokey"
        assert_contains "$TMP/stderr" "invalid usage"
        assert_contains "$TMP/stderr" "version='$v' is not a CWMS release: did you mean ${v:0:1}.${v:1:1} (version=${v:0:1}.${v:1:1},"
    done
    write_cnf "$TMP/v20.cnf" "cwms-version = 20"
    expect_fail 1 ossl_cnf "$TMP/v20.cnf" storeutl -noout "cwms:$CA?nokey"
    assert_contains "$TMP/stderr" "openssl.cnf, cwms provider section: cwms-version = '20' is not a CWMS release: did you mean 2.0 (cwms-version = 2.0, leaf-first"
    for v in 5 10.0; do
        storeutl_out "cwms:$CA?version=$v&nokey" "$TMP/rf.pem"
        assert_lines <(pem_subjects "$TMP/rf.pem") "$S_PRIMARY" "$S_SECONDARY" "$S_SERVER"
    done
}

# attime= takes seconds, dates and UTC date-times, and means the same as the CLI's --attime.
case_attime() {
    make_pki
    local tomorrow
    tomorrow=$(date -u -d tomorrow +%Y-%m-%d)
    storeutl_out "cwms:$CA?nokey&attime=$tomorrow" "$TMP/d.pem"
    storeutl_out "cwms:$CA?nokey&attime=${tomorrow}T10:00:00Z" "$TMP/dt.pem"
    # Before the test PKI existed: every certificate is not yet valid.
    expect_fail 1 ossl storeutl "${PROV[@]}" -noout "cwms:$CA?nokey&attime=2017-12-01"
    assert_contains "$TMP/stderr" "not yet valid at 2017-12-01 00:00:00 UTC"
    expect_fail 1 ossl storeutl "${PROV[@]}" -noout "cwms:$CA?nokey&attime=2017-12-01T10:00:00Z"
    assert_contains "$TMP/stderr" "not yet valid at 2017-12-01 10:00:00 UTC"
    expect_fail 1 ossl storeutl "${PROV[@]}" -noout "cwms:$CA?nokey&attime=2017-12-01T10:00"
    assert_contains "$TMP/stderr" "attime='2017-12-01T10:00' is not a time"
}

case=${1:-}
case $case in
    loads|exports|order|inputs|certs_keys|pkey|x509|pkcs12|config|unknown_param|\
    missing_intermediate|passin|subject|leaf|same_as_cli|debug|pkcs11|lazy_load|versions|\
    versions_without_dot|attime|warnings|uri_option_names|storeutl_recipe)
        "case_$case" ;;
    *) echo "usage: provider.sh CASE" >&2; exit 2 ;;
esac
