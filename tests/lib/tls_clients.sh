# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Real TLS clients judging a served chain. Source after common.sh.
#
# The chain is served as CWMS serves it: the key, the server certificate and
# its intermediates through `openssl s_server -cert_chain`, on 127.0.0.1, on
# a port the kernel picks. Five clients, each trusting only the given anchors
# and checking the host name, say whether they accept it:
#   openssl  openssl s_client -verify_return_error -verify_hostname NAME (or -verify_ip)
#   gnutls   gnutls-cli --x509cafile ANCHORS --verify-hostname NAME
#   curl     curl --cacert ANCHORS --resolve NAME:PORT:127.0.0.1 https://NAME:PORT/
#   java     tests/tools/TlsProbe.java: JSSE, PKIX, HTTPS endpoint identification
#   chromium headless Chromium (BoringSSL and Chromium's own verifier): the anchors in
#            its NSS database, NAME mapped to 127.0.0.1, --dump-dom https://NAME:PORT/
# openssl and curl read Debian's /etc/ssl/openssl.cnf as installed (SECLEVEL=2),
# Java its own java.security, Chromium its built-in policy: the clients as
# shipped. The server runs at SECLEVEL=0 so that it serves whatever it is given
# and the clients judge.
#
#   tls_serve KEY CERT [CHAIN]   start the server ($TLS_PORT); stopped at exit, or by tls_stop
#   tls_stop                     stop it
#   tls_ask_clients NAME ANCHORS ask each client of TLS_CLIENTS: TLS_VERDICT[client] is
#                                accept or refuse, TLS_WHY[client] the client's own words.
#                                A client that could not reach the server fails the test.
#   tls_split_bundle BUNDLE DIR  DIR/key.pem, DIR/server.pem (the certificate of the key) and
#                                DIR/chain.pem (the others, in TLS order: the server's issuer
#                                first; in the file's order with TLS_FILE_ORDER=1)
#   tls_chain_of FILE...         the certificates of FILEs a server would send besides its own:
#                                all but the self-signed ones, in order (on standard output)
#   tls_judge CASE VERDICT SAYS [RULE]  holds the verdicts to the rule below and prints the case's
#                                row of the table (markdown, TLS_TABLE_HEAD first); returns 1 when
#                                the tool's verdict breaks the rule
#
# The rule. The tool's VERDICT is "accept" (exit 0, no warning), "warn"
# (exit 0 with a warning) or "refuse" (any other exit). The clients are
# grouped in families by TLS library: OpenSSL-based (openssl, curl), GnuTLS
# (gnutls), Java (java), Chromium (chromium): five clients in four families.
#   accept: every client accepts.
#   warn:   most clients accept. "Most" is all clients but one (4 of the 5): at most one
#           client refuses. A refusal by the OpenSSL-based family (openssl and curl, two clients
#           on one library) is therefore never "most".
#   refuse: at least one client refuses (openssl and curl count as one family: either
#           refusing is the OpenSSL-based clients refusing), or RULE names a documented CWMS
#           rule that the tool's error states (the caller checks the tool's words).

TLS_CLIENTS=(openssl gnutls curl java chromium)
declare -A TLS_FAMILY=([openssl]=OpenSSL [curl]=OpenSSL [gnutls]=GnuTLS [java]=Java [chromium]=Chromium)
declare -A TLS_VERDICT=() TLS_WHY=()
TLS_TIMEOUT=${TLS_TIMEOUT:-30}
TLS_SERVER_PID=
TLS_PORT=
TLS_TABLE_HEAD='| case | tool | openssl | gnutls | curl | java | chromium | held to | result |
|---|---|---|---|---|---|---|---|---|'

tls_serve() {  # key cert [chain]
    local out=$TMP/tls-server.out chain=() i
    tls_stop
    [ -z "${3:-}" ] || chain=(-cert_chain "$3")
    : > "$out"  # before the server writes to it: the loop below reads it at once
    # The server ends by itself after 10 minutes at the latest.
    OPENSSL_CONF=/dev/null timeout 600 openssl s_server -accept 127.0.0.1:0 -www \
        -cert "$2" -key "$1" "${chain[@]}" -cipher 'DEFAULT:@SECLEVEL=0' > "$out" 2>&1 &
    TLS_SERVER_PID=$!
    at_exit tls_stop
    for ((i = 0; i < 300; i++)); do
        TLS_PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$out")
        [ -z "$TLS_PORT" ] || return 0
        kill -0 "$TLS_SERVER_PID" 2> /dev/null || { cat "$out" >&2; fail "openssl s_server did not start"; }
        sleep 0.1
    done
    fail "openssl s_server did not listen within 30 s"
}

tls_stop() {
    [ -n "$TLS_SERVER_PID" ] || return 0
    kill "$TLS_SERVER_PID" 2> /dev/null || true
    wait "$TLS_SERVER_PID" 2> /dev/null || true
    TLS_SERVER_PID=
}

tls__is_ip() { [[ $1 =~ ^[0-9.]+$ || $1 == *:* ]]; }

# Each driver: NAME ANCHORS OUT -> TLS__V (accept|refuse|error) and TLS__W (why).

# tls__verdict RC OUT OK NO_SERVER: accept when RC is 0 and a line of OUT matches OK (TLS__W is
# that line); error when the client timed out or a line matches NO_SERVER; else refuse, and
# returns 1 so that the driver says why.
tls__verdict() {
    if [ "$1" -eq 0 ] && TLS__W=$(grep -m1 -e "$3" "$2"); then
        TLS__V=accept
    elif [ "$1" -eq 124 ] || grep -q -e "$4" "$2"; then
        TLS__V=error TLS__W="exit $1, no connection"
    else
        TLS__V=refuse TLS__W="exit $1"
        return 1
    fi
}

tls__ask_openssl() {
    local rc=0 peer=(-servername "$1" -verify_hostname "$1") why
    ! tls__is_ip "$1" || peer=(-noservername -verify_ip "$1")
    timeout "$TLS_TIMEOUT" env -u OPENSSL_CONF openssl s_client -brief \
        -connect "127.0.0.1:$TLS_PORT" "${peer[@]}" -verify_return_error \
        -CAfile "$2" -no-CApath -no-CAstore < /dev/null > "$3" 2>&1 || rc=$?
    tls__verdict "$rc" "$3" '^Verification: OK' '^connect:errno=' && return
    # The verifier's words, else the reason of the first OpenSSL error.
    why=$(grep -m1 '^verify error:' "$3" ||
          sed -n 's/^[0-9A-F]*:error:[0-9A-F]*:[^:]*:[^:]*:\([^:]*\):.*/\1/p' "$3" | head -n 1)
    TLS__W=${why:-$TLS__W}
}

tls__ask_gnutls() {
    local rc=0 sni=(--sni-hostname "$1") why
    ! tls__is_ip "$1" || sni=()
    timeout "$TLS_TIMEOUT" gnutls-cli --x509cafile "$2" --port "$TLS_PORT" \
        --verify-hostname "$1" "${sni[@]}" 127.0.0.1 < /dev/null > "$3" 2>&1 || rc=$?
    tls__verdict "$rc" "$3" '^- Status: The certificate is trusted' 'Could not connect' && return
    # The verification status, else the first fatal error.
    why=$(sed -n 's/^- Status: \(.*[^ ]\) *$/\1/p' "$3" | head -n 1)
    [ -n "$why" ] || why=$(grep -m1 '^\*\*\*' "$3")
    TLS__W=${why:-$TLS__W}
}

tls__ask_curl() {
    local rc=0 url=https://$1:$TLS_PORT/ resolve=(--resolve "$1:$TLS_PORT:127.0.0.1") why
    ! tls__is_ip "$1" || resolve=()
    mkdir -p "$TMP/tls-no-capath"
    # --capath to an empty folder: else curl trusts Debian's /etc/ssl/certs besides --cacert.
    timeout "$TLS_TIMEOUT" env -u OPENSSL_CONF curl -sS -o /dev/null -w 'HTTP %{http_code}\n' \
        --noproxy '*' --max-time "$TLS_TIMEOUT" --cacert "$2" --capath "$TMP/tls-no-capath" \
        "${resolve[@]}" "$url" > "$3" 2>&1 || rc=$?
    # Exit 7: no connection; 28: timed out.
    tls__verdict "$rc" "$3" '^HTTP 200$' '^curl: (\(7\|28\))' && return
    why=$(grep -m1 '^curl: ' "$3")
    TLS__W=${why:-$TLS__W}
}

# The probe compiled once per source version, shared by the tests of a build tree:
# a folder named after the source's hash, renamed into place whole.
tls__java_classes() {
    local src=$CWMS_SOURCE_ROOT/tests/tools/TlsProbe.java hash dir tmp
    hash=$(sha256sum "$src" | cut -c1-16)
    dir=$CWMS_BUILD_ROOT/tests/tls-probe/$hash
    if [ ! -f "$dir/TlsProbe.class" ]; then
        mkdir -p "${dir%/*}"
        tmp=$(mktemp -d "$dir.XXXXXX")
        timeout 300 javac -Xlint:all -Werror -d "$tmp" "$src" || fail "javac cannot compile $src"
        mv -T "$tmp" "$dir" 2> /dev/null || rm -rf "$tmp"  # another test was first
    fi
    TLS_JAVA_CP=$dir
}

tls__ask_java() {
    local rc=0
    [ -n "${TLS_JAVA_CP:-}" ] || tls__java_classes
    # Class data sharing and the first JIT tier only: a probe this short starts in ~0.3 s.
    timeout "$TLS_TIMEOUT" java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
        -cp "$TLS_JAVA_CP" TlsProbe "$TLS_PORT" "$1" "$2" > "$3" 2>&1 || rc=$?
    case $rc in
        0) TLS__V=accept TLS__W=accept ;;
        1) TLS__V=refuse TLS__W=$(tail -n 1 "$3") ;;
        *) TLS__V=error TLS__W="exit $rc: $(tail -n 1 "$3")" ;;
    esac
}

# Headless Chromium, as shipped by Debian, in a private HOME (its NSS database
# $HOME/.pki/nssdb holds the anchors: Chromium's locally trusted roots on Linux)
# and a new profile. Only NAME resolves, to 127.0.0.1; every other host name
# (Google's services, an AIA fetch for a missing intermediate) is "not found"
# at once, so that nothing leaves the machine and nothing waits. --no-sandbox:
# Chromium will not start as root without it, and the sandbox confines page
# renderers, not the certificate verifier. The page of `s_server -www` is in the
# dumped DOM only when Chromium accepted the connection; else Chromium logs
# "Page load failed: net::ERR_..." on standard error: a certificate or TLS
# error (ERR_CERT_*, ERR_SSL_*) is a refusal, any other (no connection, a name
# not resolved, a time-out) means Chromium could not judge.
tls__ask_chromium() {
    local dir=$TMP/tls-chromium rules="MAP $1 127.0.0.1, MAP * ~NOTFOUND" rc=0 b why
    ! tls__is_ip "$1" || rules="EXCLUDE $1, MAP * ~NOTFOUND"
    rm -rf "$dir" && mkdir -p "$dir/home/.pki/nssdb" "$dir/profile" "$dir/anchors"
    certutil -N --empty-password -d "sql:$dir/home/.pki/nssdb" > "$3" 2>&1 || fail "certutil -N: $(cat "$3")"
    tls__blocks "$2" "$dir/anchors"
    for b in "$dir"/anchors/block*.pem; do
        certutil -A -t 'C,,' -n "${b##*/}" -i "$b" -d "sql:$dir/home/.pki/nssdb" > "$3" 2>&1 ||
            fail "certutil -A $b: $(cat "$3")"
    done
    HOME=$dir/home timeout -k 5 "$TLS_TIMEOUT" chromium --headless --no-sandbox --disable-gpu \
        --disable-quic --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$dir/profile" --host-resolver-rules="$rules" \
        --dump-dom "https://$1:$TLS_PORT/" < /dev/null > "$3" 2>&1 || rc=$?
    why=$(sed -n 's/.*Page load failed: \(net::ERR_[A-Z0-9_]*\).*/\1/p' "$3" | head -n 1)
    if [ "$rc" -eq 0 ] && TLS__W=$(grep -m1 '^Ciphers supported in s_server binary' "$3"); then
        TLS__V=accept TLS__W=accept
    elif [ "$rc" -eq 0 ] && [[ $why == net::ERR_CERT_* || $why == net::ERR_SSL_* ]]; then
        TLS__V=refuse TLS__W=$why
    else
        TLS__V=error TLS__W="exit $rc${why:+, $why}"
    fi
}

tls_ask_clients() {  # name anchors
    local c out
    TLS_VERDICT=() TLS_WHY=()
    for c in "${TLS_CLIENTS[@]}"; do
        out=$TMP/tls-$c.out
        "tls__ask_$c" "$1" "$2" "$out"
        if [ "$TLS__V" = error ]; then
            cat "$out" "$TMP/tls-server.out" >&2
            fail "$c could not judge the server on port $TLS_PORT: $TLS__W"
        fi
        kill -0 "$TLS_SERVER_PID" 2> /dev/null || fail "openssl s_server stopped while $c connected"
        TLS_VERDICT[$c]=$TLS__V TLS_WHY[$c]=$TLS__W
    done
}

# PEM blocks of a file, one file each: DIR/block01.pem, DIR/block02.pem, ...
tls__blocks() {
    awk -v d="$2" '/^-----BEGIN /{n++; f=sprintf("%s/block%02d.pem", d, n)} n{print > f} /^-----END /{close(f)}' "$1"
}

tls_split_bundle() {  # bundle dir
    local dir=$2 f keypub server='' certs=() rest=() i
    mkdir -p "$dir/blocks"
    tls__blocks "$1" "$dir/blocks"
    for f in "$dir"/blocks/block*.pem; do
        if grep -q '^-----BEGIN .*PRIVATE KEY-----' "$f"; then cp "$f" "$dir/key.pem"; else certs+=("$f"); fi
    done
    [ -f "$dir/key.pem" ] || fail "no private key in $1"
    keypub=$(openssl pkey -in "$dir/key.pem" -pubout)
    for f in "${certs[@]}"; do
        if [ -z "$server" ] && [ "$(openssl x509 -in "$f" -noout -pubkey)" = "$keypub" ]; then
            server=$f
        else
            rest+=("$f")
        fi
    done
    [ -n "$server" ] || fail "no certificate in $1 matches its key"
    cp "$server" "$dir/server.pem"
    : > "$dir/chain.pem"
    # Root-first bundles (server last) reversed: the server's issuer goes first on the wire.
    if [ -z "${TLS_FILE_ORDER:-}" ] && [ "$server" = "${certs[-1]}" ]; then
        for ((i = ${#rest[@]} - 1; i >= 0; i--)); do cat "${rest[i]}" >> "$dir/chain.pem"; done
    else
        for f in "${rest[@]}"; do cat "$f" >> "$dir/chain.pem"; done
    fi
}

tls_chain_of() {  # file...
    local d=$TMP/tls-chain-of f b
    for f in "$@"; do
        rm -rf "$d" && mkdir -p "$d"
        tls__blocks "$f" "$d"
        for b in "$d"/block*.pem; do
            [ "$(openssl x509 -in "$b" -noout -subject)" = \
              "subject=$(openssl x509 -in "$b" -noout -issuer | sed 's/^issuer=//')" ] || cat "$b"
        done
    done
    rm -rf "$d"
}

tls_judge() {  # case verdict says [rule]
    local name=$1 verdict=$2 says=$3 rule=${4:-} c accepts=0 refusers=() held ok=1 result
    for c in "${TLS_CLIENTS[@]}"; do
        if [ "${TLS_VERDICT[$c]}" = accept ]; then
            accepts=$((accepts + 1))
        else
            refusers+=("$c")
        fi
    done
    case $verdict in
        accept) held="every client accepts"; [ "$accepts" -eq ${#TLS_CLIENTS[@]} ] || ok=0 ;;
        warn) held="all but one accept"; [ "$accepts" -ge $((${#TLS_CLIENTS[@]} - 1)) ] || ok=0 ;;
        refuse)
            held="a client refuses${rule:+, or CWMS: $rule}"
            [ ${#refusers[@]} -gt 0 ] || [ -n "$rule" ] || ok=0 ;;
        *) fail "tls_judge: no verdict '$verdict'" ;;
    esac
    if [ "$ok" = 1 ]; then result=ok; else result="FAIL: $accepts of ${#TLS_CLIENTS[@]} accept"; fi
    echo "$TLS_TABLE_HEAD"
    echo "| $name | $verdict | ${TLS_VERDICT[openssl]} | ${TLS_VERDICT[gnutls]} | ${TLS_VERDICT[curl]} | ${TLS_VERDICT[java]} | ${TLS_VERDICT[chromium]} | $held | $result |"
    echo "  tool: $says"
    for c in "${TLS_CLIENTS[@]}"; do echo "  $c (${TLS_FAMILY[$c]}): ${TLS_WHY[$c]}"; done
    [ "$ok" = 1 ]
}
