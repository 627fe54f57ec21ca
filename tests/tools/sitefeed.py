#!/usr/bin/env python3
"""sitefeed: print the POST bodies of a small, hostile site, one per line.

    sitefeed.py PROBE NOW [--minutes M] [--step S] [--first-seq N] [--down-from T --down-to T]
                [--traffic N]

Targets: a healthy one, one without AAAA, an IPv6 black hole, a PMTU
stall, one whose content differs, and hostile ones (markup, quotes and a
javascript: URL in names, groups, URLs and error texts). Records go back
M minutes from NOW, one every S seconds per target and family. Between
--down-from and --down-to (seconds before NOW) the healthy target fails
over IPv6. With --traffic N, the probe also reports passive capture of N
interfaces (the second one with a hostile name) once a minute, in the
same seq order.
"""
import json
import sys

args = sys.argv[1:]
probe, now = args[0], int(args[1])
opt = {"--minutes": 10, "--step": 10, "--first-seq": 1, "--down-from": -1, "--down-to": -1,
       "--batch": 500, "--traffic": 0}
i = 2
while i < len(args):
    opt[args[i]] = int(args[i + 1])
    i += 2

HOSTILE = '<script>alert("x")</script>&amp;\'"'
targets = [
    # name, url, group, v6 outcome, v4 outcome, warnings6, ready, score, error6
    ("portal", "https://portal.lab.example/", "Province portal", "ok", "ok", [], True, 100, None),
    ("noaaaa", "https://v4only.lab.example/", "Health", "no_address", "ok", ["ns_no_ipv6"], False, 20, "no AAAA record"),
    ("blackhole", "https://drop.lab.example/", "Health", "timeout", "ok", [], False, 60, "connect timed out"),
    ("pmtu", "https://pmtu.lab.example/", "Taxes", "stall", "ok", [], False, 80, "small responses work; the large transfer stalled"),
    ("mismatch", "https://diff.lab.example/", "Taxes", "ok", "ok", ["content_mismatch"], False, 80, None),
    (HOSTILE, "https://evil.example/?q=" + HOSTILE, HOSTILE, "tls_error", "ok", [], False, 40, HOSTILE + "\u202e"),
]
step = opt["--step"]
n = opt["--minutes"] * 60 // step
seq = opt["--first-seq"]
IFACES = ["eth0", 'wan"<i>1</i>']
records = []
for k in range(n):
    ts = now - (n - 1 - k) * step
    if ts % 60 < step:
        for i in range(min(opt["--traffic"], len(IFACES))):
            v6 = 40000 + (k * 7919 + i * 104729) % 30000
            v4 = 30000 + (k * 6151) % 20000
            records.append({"kind": "traffic", "probe": probe, "ts": ts, "seq": seq,
                            "iface": IFACES[i], "interval_s": 60,
                            "packets": {"ipv6": v6 // 500, "ipv4": v4 // 500, "other": 3},
                            "bytes": {"ipv6": v6, "ipv4": v4, "other": 120},
                            "ipv6_share": round(v6 / (v6 + v4), 4),
                            "icmpv6": {"packet_too_big": k % 4, "dest_unreachable": k % 3},
                            "drops": 0})
            seq += 1
    for (name, url, group, o6, o4, w6, ready, score, err) in targets:
        for fam, out in (("ipv6", o6), ("ipv4", o4)):
            ago = now - ts
            down = name == "portal" and fam == "ipv6" and opt["--down-to"] <= ago <= opt["--down-from"]
            if down:
                out = "timeout"
            r = {"probe": probe, "target": name, "url": url, "family": fam, "group": group,
                 "ts": ts + (0.25 if fam == "ipv4" else 0.0), "seq": seq, "outcome": out,
                 "warnings": w6 if fam == "ipv6" else [],
                 "ready": ready and not down, "score": score}
            seq += 1
            if out == "ok" or out == "stall":
                addr = "2001:db8:2::10" if fam == "ipv6" else "203.0.113.10"
                r["addresses"] = [{"ip": addr, "outcome": "ok", "connect_ms": 1.5 + k % 3}]
                r["remote"] = ("[%s]:443" if fam == "ipv6" else "%s:443") % addr
                r["ms"] = {"dns": 1.0 + k % 5, "connect": 2.0 + k % 7, "tls": 5.0 + k % 4,
                           "ttfb": 9.0 + k % 11, "total": 20.0 + k % 13}
                r["tls"] = {"version": "TLSv1.3", "cert_days_left": 80, "issuer": "CN=v6watch lab CA"}
                r["http"] = {"status": 200, "bytes": 1234}
            if out != "ok":
                r["error"] = err or ("connect timed out" if down else "failed")
            records.append(r)
for b in range(0, len(records), opt["--batch"]):
    print(json.dumps({"probe": probe, "results": records[b:b + opt["--batch"]]}))
