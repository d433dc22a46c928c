#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Encrypted PKCS#8 keys with PBES2 and scrypt (RFC 8018, RFC 7914), any N, r, p.

`openssl pkcs8 -topk8 -scrypt` cannot write a key whose scrypt needs more than
OpenSSL's 32 MiB (N=2^16, r=8 is 64 MiB), and a hostile one (p=30000) would
take it minutes. This writes both: the key derived with Python's hashlib.scrypt
and encrypted with `openssl enc -aes-256-cbc`, the ASN.1 written by hand.

  scrypt_pkcs8.py KEY PASS N R P OUT.pem            a key PASS decrypts
  scrypt_pkcs8.py --no-derive KEY PASS N R P OUT    the same structure, nothing
                                                    derived (for costs to refuse)

For N, r, p within OpenSSL's limit, `openssl pkey -passin pass:PASS` opens the
result: the test suite checks that, so this writer is proven against OpenSSL.
"""
import base64
import hashlib
import os
import subprocess
import sys

OID_PBES2 = "1.2.840.113549.1.5.13"
OID_SCRYPT = "1.3.6.1.4.1.11591.4.11"
OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"


def der(tag, body):
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + length + body


def integer(v):
    return der(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big"))


def oid(text):
    arcs = [int(a) for a in text.split(".")]
    body = bytes([40 * arcs[0] + arcs[1]])
    for a in arcs[2:]:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.insert(0, 0x80 | (a & 0x7F))
            a >>= 7
        body += bytes(chunk)
    return der(0x06, body)


def seq(*parts):
    return der(0x30, b"".join(parts))


def main(argv):
    derive = True
    if argv and argv[0] == "--no-derive":
        derive = False
        argv = argv[1:]
    if len(argv) != 6:
        sys.exit(__doc__)
    key_path, passphrase, n, r, p, out = argv[0], argv[1].encode(), *map(int, argv[2:5]), argv[5]
    plain = subprocess.run(["openssl", "pkcs8", "-topk8", "-nocrypt", "-outform", "DER",
                            "-in", key_path], check=True, capture_output=True).stdout
    salt, iv = os.urandom(16), os.urandom(16)
    if derive:
        need = 128 * r * (n + p + 2)
        aes_key = hashlib.scrypt(passphrase, salt=salt, n=n, r=r, p=p,
                                 maxmem=need + (1 << 20), dklen=32)
    else:
        aes_key = os.urandom(32)
    encrypted = subprocess.run(["openssl", "enc", "-aes-256-cbc", "-K", aes_key.hex(),
                                "-iv", iv.hex()], input=plain, check=True,
                               capture_output=True).stdout
    params = seq(der(0x04, salt), integer(n), integer(r), integer(p), integer(32))
    pbes2 = seq(seq(oid(OID_SCRYPT), params), seq(oid(OID_AES256_CBC), der(0x04, iv)))
    info = seq(seq(oid(OID_PBES2), pbes2), der(0x04, encrypted))
    b64 = base64.encodebytes(info).decode().replace("\n", "")
    with open(out, "w") as f:
        f.write("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
        for i in range(0, len(b64), 64):
            f.write(b64[i:i + 64] + "\n")
        f.write("-----END ENCRYPTED PRIVATE KEY-----\n")


if __name__ == "__main__":
    main(sys.argv[1:])
