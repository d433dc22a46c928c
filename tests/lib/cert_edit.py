#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Edits a certificate's TBS and signs it again with the issuer's key, for
certificates `openssl x509` will not make (tests/integration/validation.sh).

    cert_edit.py v1 IN.pem ISSUER.key OUT.pem    version 1, extensions kept
    cert_edit.py dup-ext IN.pem ISSUER.key OUT.pem   the last extension twice
    cert_edit.py bad-utf8 IN.pem ISSUER.key OUT.pem  the subject's last UTF8String starts
                                                     with 0xFF: not UTF-8 (OpenSSL cannot
                                                     decode the certificate)

The signature is made with `openssl dgst -sha256 -sign` (the issuer key must
be RSA; the signature algorithm field is kept: sha256WithRSAEncryption).
"""
import base64, subprocess, sys, tempfile


def tlv(buf, off):
    """(tag, header length, content length) of the TLV at off."""
    tag, n = buf[off], buf[off + 1]
    if n < 0x80:
        return tag, 2, n
    k = n & 0x7F
    return tag, 2 + k, int.from_bytes(buf[off + 2:off + 2 + k], "big")


def children(buf):
    out, off = [], 0
    while off < len(buf):
        _, h, n = tlv(buf, off)
        out.append(buf[off:off + h + n])
        off += h + n
    return out


def enc(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    k = (n.bit_length() + 7) // 8
    return bytes([tag, 0x80 | k]) + n.to_bytes(k, "big") + content


def content(t):
    _, h, n = tlv(t, 0)
    return t[h:h + n]


def bad_utf8_name(name):
    """The Name with the value of its last UTF8String attribute starting with 0xFF."""
    rdns = [[children(content(atv)) for atv in children(content(rdn))] for rdn in children(content(name))]
    last = [(i, j) for i, rdn in enumerate(rdns) for j, (_, value) in enumerate(rdn) if value[0] == 0x0C]
    assert last, "no UTF8String in the subject"
    i, j = last[-1]
    oid, value = rdns[i][j]
    rdns[i][j] = [oid, enc(0x0C, b"\xff" + content(value)[1:])]
    return enc(0x30, b"".join(enc(0x31, b"".join(enc(0x30, b"".join(atv)) for atv in rdn))
                              for rdn in rdns))


def main(mode, src, key, dst):
    pem = open(src).read()
    der = base64.b64decode("".join(l for l in pem.splitlines() if not l.startswith("-----")))
    tbs, alg, _ = children(content(der))
    fields = children(content(tbs))
    if mode == "v1":
        assert fields[0][0] == 0xA0
        fields = fields[1:]
    elif mode == "dup-ext":
        ext = fields[-1]
        assert ext[0] == 0xA3
        exts = children(content(content(ext)))
        exts.append(exts[-1])
        fields[-1] = enc(0xA3, enc(0x30, b"".join(exts)))
    elif mode == "bad-utf8":
        fields[5] = bad_utf8_name(fields[5])
    else:
        sys.exit(f"cert_edit.py: unknown mode {mode}")
    new_tbs = enc(0x30, b"".join(fields))
    with tempfile.NamedTemporaryFile() as f:
        f.write(new_tbs)
        f.flush()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key, f.name],
                             check=True, capture_output=True).stdout
    cert = enc(0x30, new_tbs + alg + enc(0x03, b"\0" + sig))
    b64 = base64.b64encode(cert).decode()
    with open(dst, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\n")
        f.write("\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)))
        f.write("\n-----END CERTIFICATE-----\n")


if __name__ == "__main__":
    main(*sys.argv[1:5])
