#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile names through every output: escaping.sh CASE (one meson test per
# CASE, suite 'escaping'). A chain whose subjects hold C0 and C1 controls,
# ESC sequences, Latin-1 bytes and a 4 KB subject, a notBefore in the year
# 950, files whose names hold controls, bytes that are not UTF-8 and
# overlong encodings, and tokens with such labels: the summary, the tree on
# a pseudo-terminal, findings, --json (python3 json + jsonschema), --graph
# dot (dot itself), `tokens` and the provider's messages (openssl storeutl)
# show each as cwms-bundle(1), TEXT FROM THE INPUTS, says. Every run ends
# with the exit code it names in under 20 s and 1 GiB.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

EDIT=$CWMS_SOURCE_ROOT/tests/lib/cert_edit.py
SCHEMA=$CWMS_SOURCE_ROOT/docs/cwms-bundle.schema.json
MODULE_DIR=$CWMS_BUILD_ROOT/provider
PROV=(-provider-path "$MODULE_DIR" -provider cwms -provider default)

# The names, as bytes (hex for cert_edit.py) and as the escaping rule shows them.
# Secondary CA, UTF8String: ESC [31m, CSI (U+009B) 2J, OSC (U+009D) 0;pwned BEL.
SEC_NAME=$'evil\e[31m\xc2\x9b2J\xc2\x9d0;pwned\a end'
SEC_SHOWN='evil\x1b[31m\x9b2J\x9d0;pwned\x07 end'
# Primary CA, T61String read as Latin-1: the byte 9B is the C1 control CSI, FF is ÿ.
PRI_NAME=$'Latin\x9b2J \xff'
PRI_SHOWN=$'Latin\\x9b2J \xc3\xbf'
# Files: controls, bytes that are not UTF-8 (Latin-1, overlong '/', a surrogate, cut short).
KEY_FILE=$'key\e]0;pwned\a.pem'
KEY_SHOWN='key\x1b]0;pwned\x07.pem'
LEAF_FILE=$'leaf\xff\xc0\xaf\xe0\x80\xaf\xed\xa0\x80\xe2\x82.pem'
LEAF_SHOWN='leaf\xff\xc0\xaf\xe0\x80\xaf\xed\xa0\x80\xe2\x82.pem'
CA_FILE=$'cas\xc2\x9b2J\xe9.pem'
CA_SHOWN='cas\x9b2J\xe9.pem'

hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# The hostile chain in $H: root -> primary (Latin-1 name, notBefore 0950) ->
# secondary (controls) -> server (a 4 KB subject of 3-byte characters), the
# key and the CA files under hostile names, and the root as --trust.
make_hostile() {
    pki_init "$TMP/pki"
    pki_hierarchy || fail "cannot make the test PKI"
    local p=$PKI_DIR long
    H=$TMP/in
    mkdir -p "$H"
    # "O=cwms-bundle tests, CN=" and 1,350 euro signs: any cut at a fixed byte count splits one.
    long=$(python3 -c 'print("\u20ac" * 1350, end="")')
    python3 "$EDIT" subject-cn "$p/primary.crt" "$p/root.key" "$TMP/p1.pem" "$(hex "$PRI_NAME")" 20
    python3 "$EDIT" not-before "$TMP/p1.pem" "$p/root.key" "$H/primary.pem" 09500101000000Z
    python3 "$EDIT" subject-cn "$p/secondary.crt" "$p/primary.key" "$TMP/s1.pem" "$(hex "$SEC_NAME")"
    python3 "$EDIT" issuer-cn "$TMP/s1.pem" "$p/primary.key" "$TMP/s2.pem" "$(hex "$PRI_NAME")" 20
    python3 "$EDIT" subject-cn "$p/server.crt" "$p/secondary.key" "$TMP/l1.pem" "$(hex "$long")"
    python3 "$EDIT" issuer-cn "$TMP/l1.pem" "$p/secondary.key" "$H/$LEAF_FILE" "$(hex "$SEC_NAME")"
    cat "$TMP/s2.pem" "$H/primary.pem" > "$H/$CA_FILE"
    rm "$H/primary.pem"
    cp "$p/server.key" "$H/$KEY_FILE"
    TRUST=$p/root.crt
    # The real openssl agrees it is a valid chain: only the names are hostile.
    openssl verify -CAfile "$TRUST" -untrusted "$H/$CA_FILE" "$H/$LEAF_FILE" > /dev/null \
        || fail "openssl does not verify the hostile chain"
    INPUTS=("$H/$KEY_FILE" "$H/$LEAF_FILE" "$H/$CA_FILE")
}

# The summary, every message and the debug channels of a build.
case_summary() {
    make_hostile
    bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 --trust "$TRUST" -o "$TMP/out.pem" "${INPUTS[@]}"
    shown_text "$TMP/stderr" "$SEC_SHOWN" "$PRI_SHOWN" "$KEY_SHOWN" "(expires 2036-" \
        "CN=$(python3 -c 'print("\u20ac" * 1350, end="")')"
    # A file that is not a certificate, named with all of it: the error names it, escaped.
    printf 'not a certificate\n' > "$H/$LEAF_FILE.txt"
    bounded 3 "$CWMS_BUNDLE" build --cwms 2.5 --trust "$TRUST" -o "$TMP/out2.pem" "$H/$KEY_FILE" \
        "$H/$LEAF_FILE.txt"
    shown_text "$TMP/stderr" "$LEAF_SHOWN.txt"
    [ ! -e "$TMP/out2.pem" ] || fail "a failed build wrote its output"
    # Every trace channel: file names, subjects.
    CWMS_DEBUG=all bounded 0 "$CWMS_BUNDLE" build --cwms 2.5 --trust "$TRUST" -o "$TMP/out.pem" \
        "${INPUTS[@]}"
    grep -q "cwms-bundle: path: " "$TMP/stderr" || fail "CWMS_DEBUG=all traced no path"
    shown_text "$TMP/stderr" "$SEC_SHOWN" "$LEAF_SHOWN"
}

# The tree, on a pseudo-terminal, in colour: build's on stderr, check's on stdout.
case_tree() {
    make_hostile
    command -v script > /dev/null || fail "script (bsdutils) is needed (ci/install-deps.sh installs it)"
    local cmd
    printf -v cmd '%q ' "$CWMS_BUNDLE" build --cwms 2.5 --trust "$TRUST" -o "$TMP/out.pem" "${INPUTS[@]}"
    # script writes what the terminal got (the tool's stderr here) to its own stdout; it runs
    # the command with $SHELL, which must read bash's $'...' quoting of the hostile names.
    TERM=xterm SHELL=/bin/bash bounded 0 script -qec "$cmd" /dev/null > "$TMP/tty"
    assert_contains "$TMP/tty" "from the anchor down"
    grep -q $'\033\\[32mserver' "$TMP/tty" || fail "no colour on the terminal"
    shown_text --tty "$TMP/tty" "$SEC_SHOWN" "$PRI_SHOWN" "$LEAF_SHOWN" "valid 0950-01-01 to"
    printf -v cmd '%q ' "$CWMS_BUNDLE" check --cwms 2.5 --trust "$TRUST" "$TMP/out.pem"
    TERM=xterm SHELL=/bin/bash bounded 0 script -qec "$cmd" /dev/null > "$TMP/tty"
    shown_text --tty "$TMP/tty" "$SEC_SHOWN" "$PRI_SHOWN" "ready for CWMS 2.5"
}

# check's findings: STRAY_TEXT quoting the file's bytes, the "is not ready" line, --fix.
case_findings() {
    make_hostile
    "$CWMS_BUNDLE" build --cwms 2.5 --trust "$TRUST" -o "$TMP/out.pem" "${INPUTS[@]}" 2> /dev/null
    local f=$TMP/$'bundle\e[2J\xc2\x9b\xff.pem'
    { printf 'junk \xff\xfe \xe2\x82 \xc0\xaf \e]0;t\a \xc2\x9b2J\n'; cat "$TMP/out.pem"; } > "$f"
    bounded 4 "$CWMS_BUNDLE" check --cwms 2.5 --trust "$TRUST" "$f" > "$TMP/report"
    shown_text "$TMP/report" 'STRAY_TEXT' 'junk \xff\xfe \xe2\x82 \xc0\xaf \x1b]0;t\x07 \x9b2J' \
        "'$TMP/bundle\\x1b[2J\\x9b\\xff.pem' is not ready for CWMS 2.5"
    bounded 0 "$CWMS_BUNDLE" check --cwms 2.5 --trust "$TRUST" --fix -o "$f.fixed" "$f" > "$TMP/report"
    shown_text "$TMP/report" "wrote '$TMP/bundle\\x1b[2J\\x9b\\xff.pem.fixed'"
    # 102 bytes of a line of 3-byte characters: quoted up to 60 bytes, never half a character.
    { python3 -c 'print("\u20ac" * 34)'; cat "$TMP/out.pem"; } > "$TMP/euro.pem"
    bounded 4 "$CWMS_BUNDLE" check --cwms 2.5 --trust "$TRUST" "$TMP/euro.pem" > "$TMP/report"
    shown_text "$TMP/report" "(\"$(python3 -c 'print("\u20ac" * 20, end="")')...\", 102 bytes)"
}

# --json of build and check, and of a check that quotes bytes that are not UTF-8.
case_json() {
    make_hostile
    python3 -c 'import jsonschema' || fail "python3-jsonschema is needed (ci/install-deps.sh installs it)"
    bounded 0 "$CWMS_BUNDLE" build --json --cwms 2.5 --trust "$TRUST" -o "$TMP/out.pem" \
        "${INPUTS[@]}" > "$TMP/build.json"
    local f=$TMP/$'bundle\xff\xc0\xaf.pem'
    { printf 'junk \xff\xfe \xed\xa0\x80 \e[2J\n'; cat "$TMP/out.pem"; } > "$f"
    bounded 4 "$CWMS_BUNDLE" check --json --cwms 2.0 --trust "$TRUST" "$f" > "$TMP/check.json"
    python3 - "$SCHEMA" "$TMP/build.json" "$TMP/check.json" "$SEC_SHOWN" "$PRI_SHOWN" \
        "$LEAF_SHOWN" "$KEY_SHOWN" <<'EOF'
import json, re, sys
import jsonschema
schema_path, build_path, check_path, sec, pri, leaf, key = sys.argv[1:]
v = jsonschema.Draft202012Validator(json.load(open(schema_path)),
                                    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
docs = []
for p in (build_path, check_path):
    text = open(p, "rb").read().decode("utf-8")  # strict: no surrogates, no overlong forms
    d = json.loads(text)
    errs = sorted(v.iter_errors(d), key=str)
    assert not errs, f"{p}: {errs[0]}"
    docs.append(d)
b, c = docs
def strings(o):
    if isinstance(o, dict):
        for x in o.values(): yield from strings(x)
    elif isinstance(o, list):
        for x in o: yield from strings(x)
    elif isinstance(o, str):
        yield o
for d in docs:
    for s in strings(d):
        bad = [ch for ch in s if ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f]
        assert not bad, f"a control in {s!r}"
subjects = [x["subject"] for x in b["certificates"]]
assert any(sec in s for s in subjects), subjects
assert any(pri in s for s in subjects), subjects
assert any("\u20ac" * 1350 in s for s in subjects), "the 4 KB subject is not whole"
assert leaf in b["certificates"][-1]["origin"], b["certificates"][-1]["origin"]
assert key in b["key"]["origin"], b["key"]
times = [x[k] for x in b["certificates"] for k in ("not_before", "not_after")]
assert "0950-01-01T00:00:00Z" in times, times
assert all(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", t) for t in times), times
assert c["file"].endswith("bundle\\xff\\xc0\\xaf.pem"), c["file"]
stray = [f["message"] for f in c["findings"] if f["code"] == "STRAY_TEXT"]
assert stray and "junk \\xff\\xfe \\xed\\xa0\\x80 \\x1b[2J" in stray[0], stray
# The schema holds times to four year digits: the old "950-01-01T00:00:00Z" fails it.
bad = dict(b, certificates=[dict(b["certificates"][0], not_before="950-01-01T00:00:00Z")])
assert list(v.iter_errors(bad)), "a three-digit year passed the schema"
EOF
}

# --graph dot of build and check: dot reads it as UTF-8 without a word, the 4 KB subject cut
# between characters.
case_dot() {
    make_hostile
    command -v dot > /dev/null || fail "dot (graphviz) is needed (ci/install-deps.sh installs it)"
    bounded 0 "$CWMS_BUNDLE" build --graph dot --cwms 2.5 --trust "$TRUST" -o "$TMP/out.pem" \
        "${INPUTS[@]}" > "$TMP/build.dot"
    bounded 0 "$CWMS_BUNDLE" check --graph dot --cwms 2.5 --trust "$TRUST" "$TMP/out.pem" \
        > "$TMP/check.dot"
    for g in build check; do
        # In a DOT string a backslash is written twice.
        shown_text "$TMP/$g.dot" "${SEC_SHOWN//\\/\\\\}" "${PRI_SHOWN//\\/\\\\}"
        dot -Tsvg "$TMP/$g.dot" > "$TMP/$g.svg" 2> "$TMP/$g.err" || { cat "$TMP/$g.err" >&2; fail "dot rejected the $g graph"; }
        [ ! -s "$TMP/$g.err" ] || { cat "$TMP/$g.err" >&2; fail "dot warned about the $g graph"; }
        grep -q "$(python3 -c 'print("\u20ac" * 300, end="")')" "$TMP/$g.svg" \
            || fail "the 4 KB subject is not in the $g graph as UTF-8"
    done
    grep -qF "${LEAF_SHOWN//\\/\\\\}" "$TMP/build.dot" || fail "the file name is not in the graph"
}

# tokens, text and --json, on a SoftHSM token whose labels hold controls and Latin-1.
case_tokens() {
    # shellcheck source=../lib/softhsm.sh
    . "$CWMS_SOURCE_ROOT/tests/lib/softhsm.sh"
    softhsm_require
    python3 -c 'import jsonschema' || fail "python3-jsonschema is needed (ci/install-deps.sh installs it)"
    softhsm_init "$TMP/hsm"
    pki_init "$TMP/pki"
    pki_hierarchy || fail "cannot make the test PKI"
    local tok=$'tok\e[2J\xc2\x9b\xff' key=$'key\e]0;x\a\xe9' cert=$'c\xc0\xaf\xc2\x9d' uri
    softhsm_token "$tok"
    softhsm_key "$tok" "$PKI_DIR/server.key" "$key" 01 plain
    softhsm_cert "$tok" "$PKI_DIR/server.crt" "$cert" 01
    # The token by its label, percent-encoded as RFC 7512 wants.
    uri="pkcs11:token=$(printf '%s' "$tok" | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.buffer.read(), safe=""))')?module-path=$SOFTHSM_MODULE"
    bounded 0 "$CWMS_BUNDLE" tokens --pin "pass:$SOFTHSM_PIN" "$uri" > "$TMP/list"
    shown_text "$TMP/list" "Token 'tok\\x1b[2J\\x9b\\xff" "private key 'key\\x1b]0;x\\x07\\xe9'" \
        "certificate 'c\\xc0\\xaf\\x9d'"
    shown_text "$TMP/stderr"
    bounded 0 "$CWMS_BUNDLE" tokens --json --pin "pass:$SOFTHSM_PIN" "$uri" > "$TMP/tokens.json"
    python3 - "$SCHEMA" "$TMP/tokens.json" <<'EOF'
import json, sys
import jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
d = json.loads(open(sys.argv[2], "rb").read().decode("utf-8"))
errs = list(v.iter_errors(d))
assert not errs, errs[0]
t = d["tokens"][0]
assert t["label"] == "tok\\x1b[2J\\x9b\\xff", t["label"]
labels = sorted(o["label"] for o in t["objects"])
assert "key\\x1b]0;x\\x07\\xe9" in labels and "c\\xc0\\xaf\\x9d" in labels, labels
EOF
}

# The provider: an unknown cwms: parameter whose name holds controls and bytes that are not
# UTF-8 (not shown), and a warning about a directory named so (escaped).
case_provider() {
    make_hostile
    [ -f "$MODULE_DIR/cwms.so" ] || fail "no $MODULE_DIR/cwms.so: build first"
    local name=$'ev\e[31mil\xc2\x9b\xff\xc0\xaf'
    bounded 1 "${OSSL_CMD[@]}" storeutl "${PROV[@]}" -noout "cwms:$H?$name=1"
    # openssl prints the URI it was given as it is: judge the provider's own lines.
    grep -a ':cwms:' "$TMP/stderr" > "$TMP/ours" || { cat "$TMP/stderr" >&2; fail "no cwms error"; }
    # A name that is not letters, digits and '-' is not shown at all (it may be a misspelt
    # pin-value holding a PIN); what is shown keeps to the rule.
    shown_text "$TMP/ours" "an unknown parameter (its name is not shown"
    # A warning (an untrusted root) about a directory with such a name.
    local d=$TMP/$'dir\e[2J\xc2\x9b\xff'
    mkdir "$d"
    cp "$PKI_DIR/server.key" "$PKI_DIR/server.crt" "$PKI_DIR/ca-bundle.pem" "$d/"
    bounded 0 "${OSSL_CMD[@]}" storeutl "${PROV[@]}" -noout "cwms:$d?version=2.5"
    shown_text "$TMP/stderr" "cwms:$TMP/dir\\x1b[2J\\x9b\\xff?version=2.5: warning: "
}

command -v python3 > /dev/null || fail "python3 is needed (ci/install-deps.sh installs it)"
case=${1:-}
case $case in
    summary|tree|findings|json|dot|tokens|provider) "case_$case" ;;
    *) echo "usage: escaping.sh summary|tree|findings|json|dot|tokens|provider" >&2; exit 2 ;;
esac
echo "ok: $case"
