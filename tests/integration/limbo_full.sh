#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole x509-limbo suite (tests/data/x509-limbo, all 135 cases of the
# 2023-12-02 file) through `cwms-bundle build --no-key --strict`, through
# `openssl verify -purpose sslserver -auth_level 2` and through the same
# with `-x509_strict` (the flag cwms-bundle's own verifier runs with), each
# at the case's validation time, with its expected peer name and maximum
# chain depth, against the suite's expected result. The three scores are
# printed.
#
# The score is pinned: WRONG lists every case cwms-bundle gets wrong, each
# with why. Any change fails, better or worse, until WRONG is updated on
# purpose (a case put right leaves the list in the commit that does it; a
# case that goes wrong needs a reason to join it). It fails too when
# cwms-bundle exits with anything but 0, 4 or 5.
set -euo pipefail
# shellcheck source=../lib/common.sh
. "${CWMS_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
[ -x "$CWMS_BUNDLE" ] || fail "cwms-bundle is not built: $CWMS_BUNDLE"
LIMBO=$TEST_DATA/x509-limbo/limbo-2023-12-02-1ff9a43.json
[ -f "$LIMBO" ] || fail "no x509-limbo data at $LIMBO (tests/data is part of the tree)"
command -v python3 > /dev/null || fail "python3 is needed to read the suite (ci/install-deps.sh)"

python3 - "$LIMBO" "$CWMS_BUNDLE" "$TMP" <<'PY'
import base64, datetime, hashlib, json, os, subprocess, sys

limbo, tool, tmp = sys.argv[1:4]
# Every case cwms-bundle gets wrong today, with why: what it does, and who agrees.
WRONG = {
    # The client policy for TLS servers (cwms-bundle(1), VALIDATION) refuses what RFC 5280 allows.
    "pathlen::validation-ignores-pathlen-in-leaf":
        "a CA certificate as the server certificate: the client policy refuses it (so does openssl)",
    "rfc5280::nc::permitted-dn-match":
        "a server certificate naming no DNS or IP subjectAltName covers no host (so says openssl)",
    # OpenSSL's verifier, which cwms-bundle runs, decides these; cwms-bundle agrees with it.
    "pathlen::max-chain-depth-1-self-issued":
        "--verify-depth counts a self-issued intermediate, as openssl -verify_depth does",
    "rfc5280::nc::permitted-dns-match-noncritical":
        "a non-critical nameConstraints is honoured, not refused (openssl accepts it too)",
    "rfc5280::nc::nc-permits-invalid-dns-san":
        "the syntax of a DNS subjectAltName is not checked (openssl accepts it too)",
    "rfc5280::serial::too-long": "serial numbers over 20 octets are accepted (openssl too)",
    "rfc5280::serial::zero": "a zero serial number is accepted (openssl too)",
    # The CA/Browser Forum profile, beyond RFC 5280 and what TLS clients enforce.
    "webpki::aki::root-with-aki-missing-keyidentifier":
        "the trust anchor's own AKI is not checked (openssl does not either)",
    "webpki::eku::ee-anyeku": "anyExtendedKeyUsage in the server certificate is accepted (openssl too)",
    "webpki::eku::ee-critical-eku": "a critical extendedKeyUsage is accepted (openssl too)",
    "webpki::eku::ee-without-eku":
        "a server certificate without extendedKeyUsage is accepted (openssl too)",
    "webpki::eku::root-has-eku": "an EKU in the trust anchor is not checked (openssl does not either)",
    "webpki::nc::intermediate-permitted-excluded-subtrees-both-null":
        "an empty nameConstraints is accepted (openssl too)",
    "webpki::nc::intermediate-permitted-excluded-subtrees-both-empty-sequences":
        "an empty nameConstraints is accepted (openssl too)",
    "webpki::san::san-critical-with-nonempty-subject":
        "a critical subjectAltName beside a subject is accepted (openssl too)",
    "webpki::malformed-aia": "the authorityInfoAccess is not parsed for validation (openssl too)",
}

def fingerprint(pem):
    body = "".join(l for l in pem.strip().splitlines() if not l.startswith("-----"))
    return hashlib.sha256(base64.b64decode(body)).hexdigest()

def write(path, pems):
    with open(path, "w") as f:
        f.write("".join(p if p.endswith("\n") else p + "\n" for p in pems))

cases = json.load(open(limbo))["testcases"]
cwms_right = ossl_right = strict_right = 0
bad, wrong = [], []
for t in cases:
    d = os.path.join(tmp, "case")
    os.makedirs(d, exist_ok=True)
    trust, inter, leaf, inp = (os.path.join(d, n) for n in ("trust.pem", "inter.pem", "leaf.pem", "in.pem"))
    write(trust, t["trusted_certs"])
    write(inter, t["untrusted_intermediates"])
    write(leaf, [t["peer_certificate"]])
    write(inp, [t["peer_certificate"]] + t["untrusted_intermediates"])
    args = [tool, "build", "--cwms", "2.5", "--no-key", "--strict",
            "--leaf", fingerprint(t["peer_certificate"]), "--trust", trust,
            "-o", os.path.join(d, "out.pem")]
    ossl = ["openssl", "verify", "-purpose", "sslserver", "-auth_level", "2", "-CAfile", trust]
    if t["untrusted_intermediates"]:
        ossl += ["-untrusted", inter]
    if t["validation_time"]:
        when = int(datetime.datetime.fromisoformat(t["validation_time"].replace("Z", "+00:00")).timestamp())
        args += ["--attime", str(when)]
        ossl += ["-attime", str(when)]
    name = t.get("expected_peer_name")
    if name and name["kind"] in ("DNS", "IP"):
        args += ["--host", name["value"]]
        ossl += ["-verify_hostname" if name["kind"] == "DNS" else "-verify_ip", name["value"]]
    if t.get("max_chain_depth") is not None:
        args += ["--verify-depth", str(t["max_chain_depth"])]
        ossl += ["-verify_depth", str(t["max_chain_depth"])]
    args.append(inp)
    ossl.append(leaf)
    p = subprocess.run(args, capture_output=True, text=True)
    o = subprocess.run(ossl, capture_output=True, text=True)
    s = subprocess.run(ossl[:2] + ["-x509_strict"] + ossl[2:], capture_output=True, text=True)
    got, ogot, sgot = ("SUCCESS" if r.returncode == 0 else "FAILURE" for r in (p, o, s))
    want = t["expected_result"]
    cwms_right += got == want
    ossl_right += ogot == want
    strict_right += sgot == want
    mark = "ok  " if got == want else "diff"
    print(f"{mark} {t['id']}: expected {want}, cwms-bundle {got} (exit {p.returncode}), "
          f"openssl {ogot}, openssl -x509_strict {sgot}")
    if got != want:
        wrong.append(t["id"])
        print(f"     {WRONG.get(t['id'], 'NOT IN THE LIST')}: {p.stderr.strip()[:300]}")
    if p.returncode not in (0, 4, 5):
        bad.append(t["id"])
        print(p.stderr)
print(f"cwms-bundle --strict: {cwms_right}/{len(cases)} as expected; "
      f"openssl verify -purpose sslserver -auth_level 2: {ossl_right}/{len(cases)}; "
      f"the same with -x509_strict: {strict_right}/{len(cases)}")
now_wrong = sorted(set(wrong) - set(WRONG))
now_right = sorted(set(WRONG) - set(wrong))
for i in now_wrong:
    print(f"FAIL: {i} went wrong (add it to WRONG with why, if that is on purpose)")
for i in now_right:
    print(f"FAIL: {i} is right now (take it out of WRONG, on purpose)")
for i in bad:
    print(f"FAIL: {i}: cwms-bundle exited with neither 0, 4 nor 5")
print(f"{len(wrong)} case(s) cwms-bundle gets wrong, {len(WRONG)} pinned")
sys.exit(1 if bad or now_wrong or now_right or len(cases) != 135 else 0)
PY
