#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that a file of cwms-bundle output holds only what the escaping
rule lets through (cwms-bundle(1), TEXT FROM THE INPUTS): well-formed UTF-8
(Python's strict decoder: no overlong forms, no surrogates) and no control
character but the newline.

    shown_text.py [--tty] FILE [TEXT...]

--tty: the output of a pseudo-terminal (script): carriage returns, and the
tool's own colours (ESC [ N m), are allowed too. Each TEXT must occur in the
file (given as bytes through the shell, so \\x9b means those four characters).
"""
import re, sys

tty = sys.argv[1] == "--tty"
args = sys.argv[2:] if tty else sys.argv[1:]
path, wanted = args[0], args[1:]
raw = open(path, "rb").read()
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit(f"{path}: not UTF-8 at byte {e.start}: {raw[max(0, e.start - 20):e.start + 20]!r}")
if tty:
    # The tree's colours: bold, dim, reset, green, yellow, cyan, nothing else.
    text = re.sub(r"\x1b\[(?:0|1|2|32|33|36)m", "", text).replace("\r", "")
for i, ch in enumerate(text):
    o = ord(ch)
    if (o < 0x20 and ch != "\n") or 0x7f <= o <= 0x9f:
        sys.exit(f"{path}: control U+{o:04X} at character {i}: {text[max(0, i - 30):i + 30]!r}")
for w in wanted:
    if w not in text:
        sys.exit(f"{path}: does not show {w!r}")
