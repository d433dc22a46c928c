# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Test PKI made at test time with the real openssl binary.
#
#   pki_init DIR                      where keys/certs go ($PKI_DIR)
#   pki_root ID CN                    self-signed CA: ID.key ID.crt
#   pki_ca ID CN ISSUER_ID            intermediate CA signed by ISSUER_ID
#   pki_leaf ID CN ISSUER_ID [DNS..]  server certificate (SANs default to CN)
#   pki_cross ID SUBJECT_ID ISSUER_ID same subject and key as SUBJECT_ID, signed by ISSUER_ID
#   pki_root_like ID CN LIKE_ID       self-signed CA (a new key) with root LIKE_ID's validity dates
#   pki_cross_like ID ROOT_ID ISSUER_ID  the self-signed ROOT_ID cross-signed by ISSUER_ID, keeping
#                                     ROOT_ID's validity dates: variants that tie on every date
#   pki_cert ID CN ISSUER_ID EXT      a certificate with exactly the extensions EXT (openssl
#                                     x509v3_config lines) plus SKI/AKI; ID.key is kept when it exists
#
# Knobs (environment, per call):
#   PKI_KEY=rsa:2048|rsa:1024|rsa-pss:2048|ec:P-256|ec:P-384|ed25519|ed448|dsa:2048   key type for new keys
#   PKI_DAYS=N (default 3650; 397 for server certificates, what clients accept)  PKI_PATHLEN=N (CA pathlen)  PKI_NO_KEYID=1 (omit SKI/AKI)
#   PKI_KEY_FROM=ID   reuse ID.key instead of generating (re-issued or cross-signed CAs)
#   PKI_NOT_CA=1      pki_ca makes a cA:FALSE certificate (for negative tests)
#   PKI_AIA=URL       pki_ca / pki_leaf: an AIA caIssuers URL (where the issuer is published)
#   PKI_MD=sha1|md5|... the issuer's digest (default sha256)   PKI_NO_AKI=1 (omit the AKI only)
#   PKI_NOT_BEFORE=WHEN PKI_NOT_AFTER=WHEN  a validity window relative to now, in date(1) -d
#                     words ("-30 days", "+2 days"), for clients that cannot pin the time:
#                     signed by `openssl ca` (3.0's x509 has no -not_before); either defaults to now
#                     and now + the days
# Certificates are PEM; pki_der ID writes ID.der, pki_fp ID prints the SHA-256 fingerprint (hex).

pki_init() {
    PKI_DIR=$1
    mkdir -p "$PKI_DIR"
}

pki__key() {
    local id=$1 spec=${PKI_KEY:-rsa:2048}
    if [ -n "${PKI_KEY_FROM:-}" ]; then
        cp "$PKI_DIR/$PKI_KEY_FROM.key" "$PKI_DIR/$id.key"
        return
    fi
    case $spec in
        rsa:*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${spec#rsa:}" \
                   -out "$PKI_DIR/$id.key" 2>/dev/null ;;
        rsa-pss:*) openssl genpkey -algorithm RSA-PSS -pkeyopt "rsa_keygen_bits:${spec#rsa-pss:}" \
                   -out "$PKI_DIR/$id.key" 2>/dev/null ;;
        ec:*)  openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${spec#ec:}" \
                   -out "$PKI_DIR/$id.key" 2>/dev/null ;;
        ed25519|ed448) openssl genpkey -algorithm "$spec" -out "$PKI_DIR/$id.key" 2>/dev/null ;;
        dsa:*) openssl genpkey -genparam -algorithm DSA -pkeyopt "dsa_paramgen_bits:${spec#dsa:}" \
                   -out "$PKI_DIR/$id.dsaparam" 2>/dev/null &&
               openssl genpkey -paramfile "$PKI_DIR/$id.dsaparam" -out "$PKI_DIR/$id.key" 2>/dev/null ;;
        *) echo "pki: unknown PKI_KEY $spec" >&2; return 1 ;;
    esac
}

pki__ext() {  # kind(ca|leaf) -> extension file path
    local f=$PKI_DIR/.ext.$$ kind=$1; shift
    {
        printf '[req]\ndistinguished_name = dn\n[dn]\n'
        echo "[ext]"
        if [ "$kind" != leaf ]; then
            if [ -n "${PKI_NOT_CA:-}" ]; then
                echo "basicConstraints = critical, CA:FALSE"
            else
                echo "basicConstraints = critical, CA:TRUE${PKI_PATHLEN:+, pathlen:$PKI_PATHLEN}"
            fi
            echo "keyUsage = critical, keyCertSign, cRLSign"
        else
            echo "basicConstraints = critical, CA:FALSE"
            echo "keyUsage = critical, digitalSignature, keyEncipherment"
            echo "extendedKeyUsage = serverAuth"
            local san="" n
            for n in "$@"; do san="${san:+$san, }DNS:$n"; done
            echo "subjectAltName = $san"
        fi
        if [ -n "${PKI_AIA:-}" ] && [ "$kind" != root ]; then
            echo "authorityInfoAccess = caIssuers;URI:$PKI_AIA"
        fi
        pki__keyid_lines "$kind"
    } > "$f"
    echo "$f"
}

pki__keyid_lines() {  # kind(root|ca|leaf)
    if [ -z "${PKI_NO_KEYID:-}" ]; then
        echo "subjectKeyIdentifier = hash"
        if [ -n "${PKI_NO_AKI:-}" ]; then
            echo "authorityKeyIdentifier = none"
        elif [ "$1" != root ]; then
            echo "authorityKeyIdentifier = keyid:always"
        fi
    else
        # OpenSSL 3 adds both by default; "none" is how to leave them out.
        echo "subjectKeyIdentifier = none"
        echo "authorityKeyIdentifier = none"
    fi
}

pki__sign() {  # id cn issuer kind [dns...]
    local id=$1 cn=$2 issuer=$3 kind=$4; shift 4
    local ext days=3650
    [ "$kind" != leaf ] || days=397
    ext=$(pki__ext "$kind" "$@")
    pki__issue "$id" "$cn" "$issuer" "$ext" "$days" || return 1
    rm -f "$ext"
}

# pki__issue ID CN ISSUER_ID EXTFILE DAYS: ID.crt for ID.key, signed by ISSUER_ID with the
# extensions of section [ext] of EXTFILE (PKI_DAYS, PKI_MD, PKI_NOT_BEFORE/PKI_NOT_AFTER).
pki__issue() {
    local id=$1 cn=$2 issuer=$3 ext=$4 days=${PKI_DAYS:-$5}
    openssl req -new -key "$PKI_DIR/$id.key" -subj "/O=cwms-bundle tests/CN=$cn" \
        -out "$PKI_DIR/$id.csr" 2>/dev/null || return 1
    if [ -n "${PKI_NOT_BEFORE:-}${PKI_NOT_AFTER:-}" ]; then
        pki__issue_window "$id" "$issuer" "$ext" "$days"
        return
    fi
    openssl x509 -req -in "$PKI_DIR/$id.csr" -CA "$PKI_DIR/$issuer.crt" -CAkey "$PKI_DIR/$issuer.key" \
        -set_serial "0x$(openssl rand -hex 12)" -days "$days" "-${PKI_MD:-sha256}" \
        -extfile "$ext" -extensions ext -out "$PKI_DIR/$id.crt" 2>/dev/null
}

# The same through `openssl ca`, which takes the validity window as dates (in a scratch database).
pki__issue_window() {  # id issuer extfile days
    local id=$1 issuer=$2 ext=$3 db=$PKI_DIR/.ca.$$ from until
    from=$(date -u -d "${PKI_NOT_BEFORE:-now}" +%Y%m%d%H%M%SZ) || return 1
    until=$(date -u -d "${PKI_NOT_AFTER:-+$4 days}" +%Y%m%d%H%M%SZ) || return 1
    rm -rf "$db" && mkdir "$db" && : > "$db/index.txt" || return 1
    openssl rand -hex 12 > "$db/serial" || return 1
    cat > "$db/ca.cnf" << CONF
[ca]
default_ca = scratch
[scratch]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db
unique_subject = no
policy = any
[any]
commonName = supplied
organizationName = optional
CONF
    openssl ca -batch -config "$db/ca.cnf" -cert "$PKI_DIR/$issuer.crt" -keyfile "$PKI_DIR/$issuer.key" \
        -in "$PKI_DIR/$id.csr" -out "$PKI_DIR/$id.crt" -notext -preserveDN \
        -md "${PKI_MD:-sha256}" -startdate "$from" -enddate "$until" \
        -extfile "$ext" -extensions ext 2>/dev/null || return 1
    rm -rf "$db"
}

pki_root() {
    local id=$1 cn=$2 ext
    pki__key "$id" || return 1
    ext=$(PKI_NOT_CA='' pki__ext root)
    openssl req -new -x509 -key "$PKI_DIR/$id.key" -subj "/O=cwms-bundle tests/CN=$cn" \
        -set_serial "0x$(openssl rand -hex 12)" -days "${PKI_DAYS:-3650}" -sha256 \
        -config "$ext" -extensions ext -out "$PKI_DIR/$id.crt" 2>/dev/null || return 1
    rm -f "$ext"
}

pki_ca() {
    pki__key "$1" || return 1
    pki__sign "$1" "$2" "$3" ca
}

pki_leaf() {
    local id=$1 cn=$2 issuer=$3; shift 3
    [ $# -gt 0 ] || set -- "$cn"
    pki__key "$id" || return 1
    pki__sign "$id" "$cn" "$issuer" leaf "$@"
}

pki_cross() {  # id subject_id issuer_id: same subject name and key, another issuer
    local id=$1 subj=$2 issuer=$3 cn
    cn=$(openssl x509 -in "$PKI_DIR/$subj.crt" -noout -subject -nameopt multiline \
         | sed -n 's/^ *commonName *= *//p')
    PKI_KEY_FROM=$subj pki__key "$id" || return 1
    pki__sign "$id" "$cn" "$issuer" ca
}

# A certificate made from the self-signed LIKE (its validity dates kept): x509 ARGS...
pki__like() {
    local id=$1 like=$2 kind=$3 ext; shift 3
    ext=$(PKI_NOT_CA='' pki__ext "$kind")
    openssl x509 -in "$PKI_DIR/$like.crt" -preserve_dates -clrext -extfile "$ext" -extensions ext \
        -set_serial "0x$(openssl rand -hex 12)" -sha256 "$@" -out "$PKI_DIR/$id.crt" 2>/dev/null || return 1
    rm -f "$ext"
}

pki_root_like() {  # id cn like_id
    pki__key "$1" || return 1
    pki__like "$1" "$3" root -signkey "$PKI_DIR/$1.key" -subj "/O=cwms-bundle tests/CN=$2"
}

pki_cross_like() {  # id root_id issuer_id
    PKI_KEY_FROM=$2 pki__key "$1" || return 1
    pki__like "$1" "$2" ca -CA "$PKI_DIR/$3.crt" -CAkey "$PKI_DIR/$3.key"
}

pki_cert() {  # id cn issuer_id ext: exactly the extensions EXT (plus SKI/AKI), 397 days
    local id=$1 cn=$2 issuer=$3 f=$PKI_DIR/.ext.$$
    [ -f "$PKI_DIR/$id.key" ] || pki__key "$id" || return 1
    { printf '[ext]\n%s\n' "$4"; pki__keyid_lines leaf; } > "$f"
    pki__issue "$id" "$cn" "$issuer" "$f" 397 || return 1
    rm -f "$f"
}

pki_der() { openssl x509 -in "$PKI_DIR/$1.crt" -outform DER -out "$PKI_DIR/$1.der"; }

pki_fp() {
    openssl x509 -in "$PKI_DIR/$1.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g'
}

# The standard test hierarchy: root -> primary -> secondary -> server (www.example.test),
# plus ca-bundle.pem laid out as CAs ship it (secondary, primary, root).
pki_hierarchy() {
    pki_root root "Test Root CA" &&
    pki_ca primary "Test Primary CA" root &&
    pki_ca secondary "Test Secondary CA" primary &&
    pki_leaf server www.example.test secondary www.example.test example.test &&
    cat "$PKI_DIR/secondary.crt" "$PKI_DIR/primary.crt" "$PKI_DIR/root.crt" > "$PKI_DIR/ca-bundle.pem"
}
