#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The reason table against the header and the docs.

    reason_docs.py DIAG_H TABLE_TSV MANPAGE SCHEMA

TABLE_TSV is what tests/tools/reason-table prints (core/util/reasons.c).
It fails, naming each disagreement, when
  - a CWMS_R_* reason of DIAG_H has no row, a row no reason, or their
    numbers differ;
  - a row of the man page's reason table (EXIT STATUS, "Reason codes")
    gives another reason string or exit code than the table;
  - a reason code named in FINDING CODES' prose is described otherwise;
  - the finding codes of the table, of the man page's FINDING CODES and of
    the schema's finding "code" enum are not the same set, or a FINDING
    CODES row gives an exit code no reason of that code has.
"""
import json
import re
import sys


def enum_reasons(header):
    """{name: number} of the CWMS_REASON enum."""
    text = open(header, encoding="utf-8").read()
    body = re.search(r"typedef enum \{(.*?)\} CWMS_REASON;", text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"(CWMS_R_\w+)\s*=\s*(\d+)", body)}


def table_rows(tsv):
    rows = []
    for line in open(tsv, encoding="utf-8").read().splitlines():
        number, name, text, exit_code, finding, fix, advice = line.split("\t")
        rows.append(dict(number=int(number), name=name, text=text, exit=int(exit_code),
                         finding=finding, fix=fix, advice=advice))
    return rows


def roff_plain(s):
    """Roff text as it reads: \\- is -, \\(lq and \\(rq quotes, whitespace collapsed."""
    s = s.replace("\\-", "-").replace("\\(lq", '"').replace("\\(rq", '"')
    return " ".join(s.split())


def section(man, start, end):
    i = man.index(start)
    return man[i:man.index(end, i + len(start))]


def main(header, tsv, manpage, schema_path):
    errors = []
    enum = enum_reasons(header)
    rows = table_rows(tsv)
    by_number = {}
    for r in rows:
        if r["number"] in by_number:
            errors.append(f"two rows for reason {r['number']}")
        by_number[r["number"]] = r
        if enum.get(r["name"]) != r["number"]:
            errors.append(f"row {r['name']} = {r['number']}: the header says {enum.get(r['name'])}")
        if not re.fullmatch(r"[A-Z][A-Z0-9_]+", r["finding"]):
            errors.append(f"row {r['name']}: finding code '{r['finding']}'")
        if not 0 <= r["exit"] <= 8:
            errors.append(f"row {r['name']}: exit code {r['exit']}")
    for name, number in sorted(enum.items(), key=lambda kv: kv[1]):
        if number not in by_number:
            errors.append(f"{name} ({number}) has no row in the reason table (core/util/reasons.c)")

    man = open(manpage, encoding="utf-8").read()
    # EXIT STATUS: "NNN<TAB>reason string[ (comment)]<TAB>exit code"
    reason_table = section(man, ".B Reason codes.", ".TE")
    n_man = 0
    for line in reason_table.splitlines():
        m = re.fullmatch(r"(\d{3})\t(.*)\t(\d)", line)
        if not m:
            continue
        n_man += 1
        number, text, exit_code = int(m.group(1)), roff_plain(m.group(2)), int(m.group(3))
        r = by_number.get(number)
        if r is None:
            errors.append(f"the man page's reason table names {number}, which is no reason")
            continue
        if text != r["text"] and not text.startswith(r["text"] + " ("):
            errors.append(f"man page, reason {number}: '{text}'; the table says '{r['text']}'")
        if exit_code != r["exit"]:
            errors.append(f"man page, reason {number}: exit {exit_code}; the table says {r['exit']}")
    if n_man < 10:
        errors.append(f"the man page's reason table was not found ({n_man} rows read)")

    findings = section(man, ".SH FINDING CODES", "\n.SH ")
    man_codes = set()
    for m in re.finditer(r"^([A-Z][A-Z0-9_]+)\t([a-z]+)(?:, (\d))?\t", findings, re.M):
        code, exit_code = m.group(1), m.group(3)
        man_codes.add(code)
        exits = {r["exit"] for r in rows if r["finding"] == code}
        if exit_code is not None and int(exit_code) not in exits:
            errors.append(f"FINDING CODES: {code} exits {exit_code}; its reasons exit {sorted(exits)}")
    others = section(findings, "The other verdicts of", "The reason codes behind")
    man_codes |= set(re.findall(r"\b[A-Z][A-Z0-9_]{3,}\b", others))
    # "260 certificates in the wrong order, ...": each number with its reason string.
    prose = roff_plain(findings[findings.index("The reason codes behind"):])
    for m in re.finditer(r"(?<!to )\b(\d{3}) (?!to )([^,;(.]+)", prose):
        r = by_number.get(int(m.group(1)))
        said = m.group(2).strip()
        if r is None or said != r["text"]:
            errors.append(f"FINDING CODES: '{m.group(1)} {said}'; the table says "
                          f"'{r['text'] if r else 'no such reason'}'")

    schema = json.load(open(schema_path, encoding="utf-8"))
    schema_codes = set(find_code_enum(schema) or [])
    table_codes = {r["finding"] for r in rows}
    for what, codes in (("the man page's FINDING CODES", man_codes),
                        ("the schema's finding code enum", schema_codes)):
        for code in sorted(table_codes - codes):
            errors.append(f"{what} lacks {code}")
        for code in sorted(codes - table_codes):
            errors.append(f"{what} has {code}, no reason's finding code")
    max_exit = schema["properties"]["exit_code"]["maximum"]
    if max(r["exit"] for r in rows) > max_exit:
        errors.append(f"the schema's exit_code maximum {max_exit} is below the table's")

    for e in errors:
        print(e, file=sys.stderr)
    print(f"{len(rows)} reasons, {len(table_codes)} finding codes, {n_man} man page rows: "
          f"{'agree' if not errors else f'{len(errors)} disagreements'}")
    return 1 if errors else 0


def find_code_enum(node):
    """The enum of the object property "code" that describes a finding code."""
    if isinstance(node, dict):
        code = node.get("properties", {}).get("code") if isinstance(node.get("properties"), dict) else None
        if isinstance(code, dict) and "enum" in code:
            return code["enum"]
        for v in node.values():
            found = find_code_enum(v)
            if found is not None:
                return found
    elif isinstance(node, list):
        for v in node:
            found = find_code_enum(v)
            if found is not None:
                return found
    return None


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
