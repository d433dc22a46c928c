#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What groff does not warn about but a reader sees: man_lint.py PAGE...

For each man page, in its source:
  - an untagged .IP right after a .PP/.LP/.P/.SH/.SS paragraph: an indented
    paragraph that belongs to no option (it reads as detached);
and in its rendering (man -l, plain text):
  - roff escapes printed literally (\\- \\f \\( \\e \\[ \\& \\*), as a doubled
    backslash on a text line produces;
  - a sentence of four or more words that also stands inside a longer one,
    or a run of nine words repeated within forty (a fragment pasted twice,
    two versions of a list run together).
Prints one line per problem and exits 1 when there is any.
"""
import os
import re
import subprocess
import sys

PARAGRAPH = (".PP", ".LP", ".P", ".SH", ".SS", ".TP", ".IP", ".HP")


def detached_paragraphs(path):
    problems, last = [], None
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        words = line.split()
        if not words or words[0] not in PARAGRAPH:
            continue
        if words[0] == ".IP" and len(words) == 1 and last in (".PP", ".LP", ".P", ".SH", ".SS"):
            problems.append("%s:%d: .IP after %s: an indented paragraph under no option" % (path, n, last))
        last = words[0]
    return problems


def rendered(path):
    env = dict(os.environ, MANWIDTH="100", LANG="C.UTF-8")
    out = subprocess.run(["man", "-l", path], check=True, capture_output=True, text=True, env=env).stdout
    return re.sub(r".\x08", "", out)


def literal_escapes(path, text):
    return ["%s: rendered line %d shows a roff escape: %s" % (path, n, line.strip())
            for n, line in enumerate(text.splitlines(), 1)
            if re.search(r"\\[-f(e\[&*]", line)]


def repeated_fragments(path, text):
    problems = []
    # Shell examples continued with a backslash repeat their options by nature.
    text = "\n".join(l for l in text.splitlines() if not l.rstrip().endswith("\\"))
    text = re.sub(r"(\w)[\u2010-]\n\s+(\w)", r"\1\2", text)  # words hyphenated at a line end
    text = re.sub(r"\s+", " ", text)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text)]
    seen = set()
    for s in sentences:
        if len(s.split()) < 4 or s in seen:
            continue
        seen.add(s)
        body = s.rstrip(".")
        for other in sentences:
            if other != s and body in other:
                problems.append("%s: the sentence '%s' stands again inside '%s'" % (path, s, other[:120]))
                break
    words, first = text.split(" "), {}
    for i in range(len(words) - 8):
        run = " ".join(words[i:i + 9])
        if run in first and 9 <= i - first[run] < 40:
            problems.append("%s: the words '%s' are repeated a few words later" % (path, run))
        first[run] = i
    return problems


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    problems = []
    for path in sys.argv[1:]:
        text = rendered(path)
        problems += detached_paragraphs(path) + literal_escapes(path, text) + repeated_fragments(path, text)
    print("\n".join(problems))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
