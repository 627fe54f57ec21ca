#!/usr/bin/env python3
"""include-cycles.py [TOP]: the include graph of the tree's modules (a
module is a .c file and its .h; X_int.h belongs to module X), resolved as the compiler does: "X.h" in
the including file's folder first, then -I. -Icommon -Icollector. Prints
every cycle (modules that include each other, directly or not) and exits
1 when there is one. Run by `make lint`."""
import os
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else "."
dirs = ["common", "probe", "collector", "collector/publish"]
inc_path = [".", "common", "collector"]
edges = {}


def module(path):
    # X_int.h is the private header of module X when X is split over
    # several files (probe/check_int.h: check.c and check_leg.c)
    m = os.path.splitext(os.path.relpath(path, top))[0]
    return m[:-4] if path.endswith("_int.h") else m


for d in [d for d in dirs if os.path.isdir(os.path.join(top, d))]:
    for f in sorted(os.listdir(os.path.join(top, d))):
        if not f.endswith((".c", ".h")):
            continue
        src = os.path.join(top, d, f)
        m = module(src)
        edges.setdefault(m, set())
        for line in open(src, errors="replace"):
            g = re.match(r'\s*#\s*include\s+"([^"]+\.h)"', line)
            if not g:
                continue
            for base in [os.path.join(top, d)] + [os.path.join(top, p) for p in inc_path]:
                h = os.path.normpath(os.path.join(base, g.group(1)))
                if os.path.exists(h):
                    t = module(h)
                    if t != m:
                        edges[m].add(t)
                    break

index, low, stack, on, cycles = {}, {}, [], set(), []
sys.setrecursionlimit(10000)


def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            cycles.append(sorted(comp))


for v in sorted(edges):
    if v not in index:
        visit(v)
for c in cycles:
    print("include cycle: " + " <-> ".join(c))
    for a in c:
        for b in sorted(edges[a] & set(c)):
            print("    %s includes %s" % (a, b))
print("%d modules, %d include edges, %d cycles"
      % (len(edges), sum(len(e) for e in edges.values()), len(cycles)))
sys.exit(1 if cycles else 0)
