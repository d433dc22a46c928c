#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Functions ci/test.sh shares with the run it makes as cwms-ci (sourced by both).

# no_skips VARIANT BUILDDIR: every test of that meson run that skipped, with its own
# reason; exits 1 when there is one.
no_skips() {
    python3 - "$1" "$2/meson-logs/testlog.json" << 'PY'
import json, sys
variant, log = sys.argv[1:]
bad = 0
for line in open(log):
    t = json.loads(line)
    if t["result"] == "SKIP":
        why = [l for l in (t.get("stderr") or t.get("stdout") or "").splitlines() if "SKIP" in l]
        print(f"skipped ({variant}): {t['name']}: {why[-1] if why else 'no reason given'}")
        bad = 1
sys.exit(bad)
PY
}

# user_tests BUILDDIR: the names of that build's tests, less those ci/root-only names.
user_tests() {
    python3 - "$1" ci/root-only << 'PY'
import fnmatch, subprocess, sys
build, root_only = sys.argv[1:]
patterns = [l.split()[0] for l in open(root_only) if l.strip() and not l.startswith("#")]
names = subprocess.run(["meson", "test", "-C", build, "--list"], check=True,
                       capture_output=True, text=True).stdout.split("\n")
for full in names:
    name = full.split(" / ")[-1].strip()
    if name and not any(fnmatch.fnmatchcase(name, p) for p in patterns):
        print(name)
PY
}
