#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole x509-limbo suite (tests/data/x509-limbo, all 135 cases of the
# 2023-12-02 file) through `cwms-bundle build --no-key --strict` and through
# `openssl verify -purpose sslserver -auth_level 2`, each at the case's
# validation time and with its expected peer name, against the suite's
# expected result. Both scores are printed. It fails when a case that
# openssl gets right comes out wrong from cwms-bundle, except the cases
# listed in DIFFERS (each with the reason, a deliberate difference), or
# when cwms-bundle exits with anything but 0, 4 or 5.
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
# Cases openssl gets right and cwms-bundle does not, by design (CWMS's own
# key policy only), each with the reason.
DIFFERS = {}

def fingerprint(pem):
    body = "".join(l for l in pem.strip().splitlines() if not l.startswith("-----"))
    return hashlib.sha256(base64.b64decode(body)).hexdigest()

def write(path, pems):
    with open(path, "w") as f:
        f.write("".join(p if p.endswith("\n") else p + "\n" for p in pems))

cases = json.load(open(limbo))["testcases"]
cwms_right = ossl_right = 0
bad = []
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
    got = "SUCCESS" if p.returncode == 0 else "FAILURE"
    ogot = "SUCCESS" if o.returncode == 0 else "FAILURE"
    want = t["expected_result"]
    cwms_right += got == want
    ossl_right += ogot == want
    mark = "ok  " if got == want else "diff"
    print(f"{mark} {t['id']}: expected {want}, cwms-bundle {got} (exit {p.returncode}), openssl {ogot}")
    if p.returncode not in (0, 4, 5):
        bad.append(t["id"])
        print(p.stderr)
    elif got != want and ogot == want:
        if t["id"] in DIFFERS:
            print(f"     allowed: {DIFFERS[t['id']]}")
        else:
            bad.append(t["id"])
            print(p.stderr)
print(f"cwms-bundle --strict: {cwms_right}/{len(cases)} as expected; "
      f"openssl verify -purpose sslserver -auth_level 2: {ossl_right}/{len(cases)}")
print(f"{len(bad)} case(s) openssl gets right and cwms-bundle does not: {' '.join(bad)}")
sys.exit(1 if bad or len(cases) != 135 else 0)
PY
