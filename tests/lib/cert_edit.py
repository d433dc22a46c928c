#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Edits a certificate's TBS and signs it again with the issuer's key, for
certificates `openssl x509` will not make (tests/integration/validation.sh).

    cert_edit.py v1 IN.pem ISSUER.key OUT.pem    version 1, extensions kept
    cert_edit.py dup-ext IN.pem ISSUER.key OUT.pem   the last extension twice
    cert_edit.py bad-utf8 IN.pem ISSUER.key OUT.pem  the subject's last UTF8String starts
                                                     with 0xFF: not UTF-8 (OpenSSL cannot
                                                     decode the certificate)
    cert_edit.py subject-cn IN.pem ISSUER.key OUT.pem HEX [TAG]
    cert_edit.py issuer-cn IN.pem ISSUER.key OUT.pem HEX [TAG]
        the last commonName of the subject (issuer) becomes the bytes HEX as
        they are, valid or not, in a string of ASN.1 tag TAG (default 12,
        UTF8String): names no `openssl req -subj` can write
    cert_edit.py not-before IN.pem ISSUER.key OUT.pem YYYYMMDDHHMMSSZ
        notBefore as that GeneralizedTime (a year before 1950 or after 2049)
    cert_edit.py spki-compressed IN.pem ISSUER.key OUT.pem
        the subject's EC public key in compressed form (02/03 X) instead of 04 X Y
    cert_edit.py spki-no-null IN.pem ISSUER.key OUT.pem
        the subject's RSA public key without the NULL parameters of rsaEncryption
        (the same key in another encoding OpenSSL reads but never writes)

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


CN_OID = bytes.fromhex("0603550403")


def replace_cn(name, value, tag):
    """name (a DER Name) with its last commonName value replaced."""
    rdns = children(content(name))
    for i in reversed(range(len(rdns))):
        atvs = children(content(rdns[i]))
        for j, atv in enumerate(atvs):
            oid, _ = children(content(atv))
            if oid == CN_OID:
                atvs[j] = enc(0x30, oid + enc(tag, value))
                rdns[i] = enc(0x31, b"".join(atvs))
                return enc(0x30, b"".join(rdns))
    sys.exit("cert_edit.py: no commonName in the name")


def main(mode, src, key, dst, *extra):
    pem = open(src).read()
    der = base64.b64decode("".join(l for l in pem.splitlines() if not l.startswith("-----")))
    tbs, alg, _ = children(content(der))
    fields = children(content(tbs))
    if mode == "v1":
        assert fields[0][0] == 0xA0
        fields = fields[1:]
    elif mode in ("subject-cn", "issuer-cn"):
        # version, serial, signature, issuer, validity, subject, ...
        at = 2 if fields[0][0] == 0xA0 else 1
        at += 3 if mode == "subject-cn" else 1
        tag = int(extra[1]) if len(extra) > 1 else 12
        fields[at] = replace_cn(fields[at], bytes.fromhex(extra[0]), tag)
    elif mode == "not-before":
        at = 4 if fields[0][0] == 0xA0 else 3
        not_before, not_after = children(content(fields[at]))
        fields[at] = enc(0x30, enc(0x18, extra[0].encode()) + not_after)
    elif mode in ("spki-compressed", "spki-no-null"):
        at = 6 if fields[0][0] == 0xA0 else 5
        alg_id, bits = children(content(fields[at]))
        if mode == "spki-no-null":
            oid, null = children(content(alg_id))
            assert null == b"\x05\x00", "not an rsaEncryption key with NULL parameters"
            alg_id = enc(0x30, oid)
        else:
            point = content(bits)[1:]
            assert point[0] == 4, "not an uncompressed EC point"
            x, y = point[1:1 + len(point) // 2], point[1 + len(point) // 2:]
            bits = enc(0x03, b"\0" + bytes([2 + (y[-1] & 1)]) + x)
        fields[at] = enc(0x30, alg_id + bits)
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
    main(*sys.argv[1:])
