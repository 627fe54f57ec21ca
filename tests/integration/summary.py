#!/usr/bin/env python3
"""summary.py FILE: one line per target of a `v6probe check --json` document:
   v6=OUTCOME v4=OUTCOME warn=W1,W2 ready=true|false score=N
(a family not checked shows as '-'). Exits 1 when the document is not what
DESIGN.md says it is."""
import json
import sys

doc = json.load(open(sys.argv[1]))
assert set(doc) == {"targets"}, doc.keys()
for t in doc["targets"]:
    assert isinstance(t["ready"], bool) and isinstance(t["score"], int)
    assert 0 <= t["score"] <= 100
    fam = {}
    for f in ("ipv6", "ipv4"):
        r = t.get(f)
        if r is None:
            fam[f] = "-"
            continue
        for k in ("probe", "target", "url", "family", "ts", "outcome", "warnings"):
            assert k in r, (f, k)
        assert r["family"] == f
        if r["outcome"] != "ok":
            assert r.get("error"), "a failure has an error text"
        fam[f] = r["outcome"]
    print("v6=%s v4=%s warn=%s ready=%s score=%d" % (
        fam["ipv6"], fam["ipv4"], ",".join(t["warnings"]) or "-",
        "true" if t["ready"] else "false", t["score"]))
