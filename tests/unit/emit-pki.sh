# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Fixture of test_emit and test_atomic_file: the standard hierarchy plus an
# EC server and an Ed25519 key (which has no traditional PEM format).
pki_hierarchy
PKI_KEY=ec:P-256 pki_leaf ecserver ec.example.test secondary
openssl genpkey -algorithm ED25519 -out "$PKI_DIR/ed25519.key" 2>/dev/null
