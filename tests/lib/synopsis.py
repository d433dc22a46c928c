#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The synopsis of each command, from its one source: the option tables.

`cwms-bundle COMMAND --help` prints a Usage line generated from the
command's option table (cli/opt_table.c). README.md and cwms-bundle(1)
repeat it; this compares them, and writes the roff for the man page.

    synopsis.py help CWMS_BUNDLE       the Usage line of each command, one per line
    synopsis.py man MANPAGE            the man page's SYNOPSIS as rendered, one line per command
    synopsis.py readme README          README.md's "Full synopsis" block, one line per command
    synopsis.py roff CWMS_BUNDLE       the man page's SYNOPSIS lines as roff (paste after .SH SYNOPSIS)

Lines are compared with whitespace collapsed.
"""
import os
import re
import subprocess
import sys

COMMANDS = ["build", "request", "check", "tokens"]


def collapse(text):
    return " ".join(text.split())


def from_help(exe):
    lines = []
    for cmd in COMMANDS:
        out = subprocess.run([exe, cmd, "--help"], check=True, capture_output=True, text=True).stdout
        usage = out.split("\n\n", 1)[0]
        if not usage.startswith("Usage: "):
            sys.exit("%s --help does not start with its Usage line" % cmd)
        lines.append(collapse(usage[len("Usage: "):]))
    return lines


def from_man(page):
    env = dict(os.environ, MANWIDTH="2000", LANG="C.UTF-8", MAN_KEEP_FORMATTING="")
    out = subprocess.run(["man", "-l", page], check=True, capture_output=True, text=True, env=env).stdout
    out = re.sub(r".\x08", "", out)  # overstrike, should the pager keep it
    section = out.split("\nSYNOPSIS\n", 1)[1].split("\nDESCRIPTION\n", 1)[0]
    # Hyphens as groff may render them in UTF-8.
    section = section.replace("\u2010", "-").replace("\u2212", "-")
    return [collapse(l) for l in section.splitlines()
            if collapse(l).split(" ")[:2] in [["cwms-bundle", c] for c in COMMANDS]]


def from_readme(path):
    text = open(path, encoding="utf-8").read()
    rest = text.split("Full synopsis", 1)[1]
    start = rest.index("```\n") + 4
    block = rest[start:rest.index("```", start)]
    lines, cur = [], None
    for raw in block.splitlines():
        if raw.startswith("cwms-bundle "):
            if cur is not None:
                lines.append(collapse(cur))
            cur = raw
        elif cur is not None and raw.strip():
            cur += " " + raw
    if cur is not None:
        lines.append(collapse(cur))
    return lines


def roff_word(tok):
    """One token of a Usage line in man page fonts: options bold, placeholders italic."""
    out, i = "", 0
    for part in re.split(r"([\[\]()|]|\.\.\.)", tok):
        if part in ("", "[", "]", "(", ")", "|", "..."):
            out += part
            continue
        esc = part.replace("-", "\\-")
        if part.startswith("-") or not re.fullmatch(r"[A-Z0-9][A-Z0-9:-]*", part):
            out += "\\fB%s\\fR" % esc
        else:
            out += "\\fI%s\\fR" % esc
    return out


def to_roff(lines):
    out = []
    for i, line in enumerate(lines):
        words = line.split(" ")
        out.append(".B %s %s" % (words[0], words[1]))
        out.append(" ".join(roff_word(w) for w in words[2:]))
        if i + 1 < len(lines):
            out.append(".br")
    return "\n".join(out)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("help", "man", "readme", "roff"):
        sys.exit(__doc__)
    what, arg = sys.argv[1], sys.argv[2]
    if what == "help":
        print("\n".join(from_help(arg)))
    elif what == "man":
        print("\n".join(from_man(arg)))
    elif what == "readme":
        print("\n".join(from_readme(arg)))
    else:
        print(to_roff(from_help(arg)))


if __name__ == "__main__":
    main()
