#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""No file-level dependency cycles in common/, core/, pkcs11/, provider/, cli/.

Reads the symbols each built object file defines and uses (nm), draws an edge
a.o -> b.o when a.o uses a symbol b.o defines, and fails listing every cycle
(a strongly connected component of more than one file, or a group of files
that reach each other). Usage: no_cycles.py BUILD_ROOT
"""
import os
import subprocess
import sys


def objects(build_root):
    """(layer, object path) for the core, the PKCS#11 helper, the provider and the CLI."""
    found = []
    for layer, sub in (("common", "common/libcwmscommon.a.p"),
                       ("core", "core/libcwmscore.a.p"), ("core", "core/libcwmsconnect.a.p"),
                       ("pkcs11", "pkcs11/libcwmsp11.a.p"),
                       ("provider", "provider/cwms.so.p"), ("cli", "cli/cwms-bundle.p")):
        top = os.path.join(build_root, sub)
        if not os.path.isdir(top):
            sys.exit(f"no_cycles: {top} not built")
        for dirpath, _, names in os.walk(top):
            for name in sorted(names):
                if name.endswith(".o"):
                    found.append((layer, os.path.join(dirpath, name)))
    return found


def symbols(path):
    """(defined, undefined) global symbol names of one object file."""
    out = subprocess.run(["nm", "-g", path], check=True, capture_output=True, text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] not in ("U", "w", "v"):
            defined.add(parts[2])
    return defined, undefined


SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def source_name(layer, path):
    """core/index/cert.c from .../libcwmscore.a.p/index_cert.c.o (meson flattens '/' to '_')."""
    base = os.path.basename(path)[:-2]
    top = os.path.join(SOURCE_ROOT, layer)
    for sub in sorted(os.listdir(top)):
        if os.path.isdir(os.path.join(top, sub)) and base.startswith(sub + "_") \
                and os.path.isfile(os.path.join(top, sub, base[len(sub) + 1:])):
            return f"{layer}/{sub}/{base[len(sub) + 1:]}"
    return f"{layer}/{base}"


def strongly_connected(graph):
    """Tarjan's algorithm, iterative; returns the components of more than one node."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    return comps


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: no_cycles.py BUILD_ROOT")
    objs = objects(sys.argv[1])
    defined_by, uses = {}, {}
    for layer, path in objs:
        name = source_name(layer, path)
        if not os.path.isfile(os.path.join(SOURCE_ROOT, name)):
            # Left in a reused build directory by a file since renamed or removed.
            print(f"no_cycles: skipping {path}: no {name} in the tree")
            continue
        defined, undefined = symbols(path)
        uses[name] = undefined
        for sym in defined:
            defined_by.setdefault(sym, set()).add(name)
    graph = {name: set() for name in uses}
    why = {}
    for name, undefined in uses.items():
        for sym in undefined:
            for target in defined_by.get(sym, ()):
                if target != name:
                    graph[name].add(target)
                    why.setdefault((name, target), sym)
    comps = strongly_connected(graph)
    if not comps:
        print(f"no_cycles: {len(graph)} files, "
              f"{sum(len(e) for e in graph.values())} dependencies, no cycle")
        return 0
    for comp in comps:
        members = set(comp)
        print("cycle among: " + ", ".join(comp))
        for a in comp:
            for b in sorted(graph[a] & members):
                print(f"    {a} -> {b} ({why[(a, b)]})")
    print(f"no_cycles: {len(comps)} cycle(s)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
