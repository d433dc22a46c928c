#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs a unit test binary against a PKI generated at test time:
#   with-pki.sh FIXTURE.sh TEST-BINARY [ARGS...]
# FIXTURE.sh is sourced with tests/lib/pki.sh loaded and PKI_DIR set to a
# fresh temp dir; the binary then finds the files through $CWMS_TEST_PKI.
set -euo pipefail
fixture=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/pki.sh
. "$here/../lib/pki.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/cwms-unit.XXXXXX")
trap 'rm -rf "$dir"' EXIT
pki_init "$dir"
# shellcheck disable=SC1090
. "$fixture"
export CWMS_TEST_PKI=$dir
"$@"
