#!/bin/bash
# t-prometheus: the collector's /metrics as Prometheus sees it. A real
# v6collector in a network namespace is fed check and capture records
# (two groups; one target down over IPv6 but up over IPv4 with a
# certificate about to expire; a second probe that never posts), and the
# traffic counters checked as more capture records arrive, a batch comes
# twice and the collector restarts; Debian's prometheus scrapes it every
# second on the namespace's loopback. Then:
# `promtool check metrics` on /metrics prints nothing; `promtool check
# rules` passes contrib/prometheus/v6watch-rules.yml; and every expression
# of contrib/grafana/v6watch-dashboard.json (read from the JSON, so the
# test follows the dashboard) and of the rules answers data through
# Prometheus' HTTP API (/api/v1/query).
. "$(dirname "$0")/lib.sh"
needs_root

DASH=$V6TOP/contrib/grafana/v6watch-dashboard.json
RULES=$V6TOP/contrib/prometheus/v6watch-rules.yml
for bin in prometheus promtool; do
	command -v $bin >/dev/null || { not_ok "$bin is not installed (Debian package prometheus)"; finish; }
done

# The rules file alone.
check "promtool check rules $(basename "$RULES")" promtool check rules "$RULES"

chmod 755 "$T_DIR"
ns=$(netns_new prom) || { not_ok "network namespace"; finish; }
mkdir -p "$T_DIR/etc"
echo "tok-p1-$RANDOM$RANDOM" >"$T_DIR/etc/p1.token"
echo "tok-p2-$RANDOM$RANDOM" >"$T_DIR/etc/p2.token"
chmod 644 "$T_DIR"/etc/*.token
cat >"$T_DIR/etc/c.conf" <<EOF
collector = { name = "t"; listen = "[::1]:8080"; data_dir = "$T_DIR/data";
              user = "nobody"; step = 60; publish_interval = 3600; };
probes = ( { name = "p1"; token_file = "p1.token"; },
           { name = "p2"; token_file = "p2.token"; } );   # p2 never posts
alert = { down_after = 1; up_after = 1; };
EOF
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/etc/c.conf"
cpid=$SPAWNED
clog=$SPAWNED_LOG
URL='http://[::1]:8080'
ncurl() { ip netns exec "$ns" curl -s -g --max-time 20 "$@"; }
if wait_until 10 ncurl -f "$URL/api/v1/status"; then
	ok "collector answers"
else
	not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish
fi

# One batch from p1: portal (ready), tax (IPv6 down, IPv4 up, certificate
# 5 days from expiry), news (another group), a capture interval.
ip netns exec "$ns" python3 - "$T_DIR/etc/p1.token" <<'EOF' >"$T_DIR/post.out" 2>&1
import json, sys, time, urllib.request
tok = open(sys.argv[1]).read().strip()
now = int(time.time())
ms = {"dns": 2.1, "connect": 10.4, "tls": 31.0, "ttfb": 55.2, "total": 57.9}
recs, seq = [], 1
def rec(target, group, fam, outcome, ready, score, days):
    global seq
    r = {"probe": "p1", "target": target, "group": group,
         "url": "https://%s.example/" % target, "family": fam, "ts": now,
         "seq": seq, "outcome": outcome, "ready": ready, "score": score,
         "tls": {"version": "TLSv1.3", "cert_days_left": days}}
    if outcome == "ok":
        r["ms"] = ms
        r["http"] = {"status": 200, "bytes": 1234}
    else:
        r["ms"] = {"dns": 2.0}
        r["error"] = "connect timed out"
    seq += 1
    return r
for fam in ("ipv6", "ipv4"):
    recs.append(rec("portal", "Province portal", fam, "ok", True, 100, 87))
    recs.append(rec("tax", "Province portal", fam,
                    "timeout" if fam == "ipv6" else "ok", False, 40, 5))
    recs.append(rec("news", "Media", fam, "ok", True, 80, 120))
recs.append({"kind": "traffic", "probe": "p1", "ts": now, "seq": seq,
             "iface": "eth0", "interval_s": 60,
             "packets": {"ipv6": 80, "ipv4": 60, "other": 3},
             "bytes": {"ipv6": 40000, "ipv4": 30000, "other": 120},
             "ipv6_share": 0.5714,
             "icmpv6": {"packet_too_big": 1, "dest_unreachable": 2},
             "drops": 0})
req = urllib.request.Request("http://[::1]:8080/api/v1/results",
    data=json.dumps({"probe": "p1", "results": recs}).encode(),
    headers={"Authorization": "Bearer " + tok,
             "Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=20).read().decode())
EOF
expect_match "p1's batch accepted" "$(cat "$T_DIR/post.out")" '^\{"accepted":7,"duplicates":0,"rejected":\[\]\}$'

ncurl "$URL/metrics" >"$T_DIR/metrics.txt"
promtool check metrics <"$T_DIR/metrics.txt" >"$T_DIR/promtool.out" 2>&1; rc=$?
if [ $rc = 0 ] && [ ! -s "$T_DIR/promtool.out" ]; then
	ok "promtool check metrics prints nothing"
else
	not_ok "promtool check metrics prints nothing (exit $rc)"
	sed 's/^/#   /' "$T_DIR/promtool.out" | head -30
fi
# Every family has HELP and TYPE, and every sample a family.
check "every sample's family has HELP and TYPE" python3 - "$T_DIR/metrics.txt" <<'EOF'
import re, sys
helps, types, bad = set(), {}, []
for line in open(sys.argv[1]):
    if line.startswith("# HELP "):
        helps.add(line.split()[2])
    elif line.startswith("# TYPE "):
        _, _, name, typ = line.split()
        types[name] = typ
    elif line.strip():
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
        if name not in helps or name not in types:
            bad.append(name)
for name, typ in types.items():
    if name not in helps:
        bad.append(name)
    if typ == "counter" and not name.endswith("_total"):
        bad.append(name + " (a counter without _total)")
if bad:
    sys.exit("no HELP/TYPE: " + ", ".join(sorted(set(bad))))
EOF
m=$(cat "$T_DIR/metrics.txt")
expect_match "build info" "$m" '^v6watch_build_info\{version="[0-9]+\.[0-9]+\.[0-9]+[^"]*"\} 1$'
expect_match "target info: group and url" "$m" \
	'^v6watch_target_info\{target="tax",title="tax",group="Province portal",url="https://tax.example/"\} 1$'
expect_match "target score: the report's (lowest over probes)" "$m" '^v6watch_target_score\{target="tax"\} 40$'
expect_match "phase times in seconds" "$m" \
	'^v6watch_phase_seconds\{target="portal",family="ipv6",probe="p1",phase="total"\} 0\.0579$'
expect_match "certificate expiry as a Unix time" "$m" \
	'^v6watch_cert_expiry_timestamp_seconds\{target="tax",probe="p1"\} [0-9]{10}$'

# The traffic counters: the sum over the capture records stored. A second
# interval adds to them; the same batch sent again (duplicates) does not;
# a restart of the collector keeps them (they live in the probe's ledger).
# tpost SEQ TS BYTES6: one capture record from p1, the answer on stdout.
tpost() {
	ip netns exec "$ns" python3 - "$T_DIR/etc/p1.token" "$@" <<'EOF'
import json, sys, urllib.request
tok = open(sys.argv[1]).read().strip()
seq, ts, b6 = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rec = {"kind": "traffic", "probe": "p1", "ts": ts, "seq": seq,
       "iface": "eth0", "interval_s": 60,
       "packets": {"ipv6": b6 // 500, "ipv4": 60, "other": 3},
       "bytes": {"ipv6": b6, "ipv4": 30000, "other": 120},
       "icmpv6": {"packet_too_big": 0, "dest_unreachable": 0}, "drops": 0}
req = urllib.request.Request("http://[::1]:8080/api/v1/results",
    data=json.dumps({"probe": "p1", "results": [rec]}).encode(),
    headers={"Authorization": "Bearer " + tok,
             "Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=20).read().decode())
EOF
}
# tval FAMILY [bytes|packets]: the counter's value on /metrics now.
tval() {
	ncurl "$URL/metrics" | sed -n "s/^v6watch_traffic_${2:-bytes}_total{probe=\"p1\",iface=\"eth0\",family=\"$1\"} //p"
}
expect_match "bytes counter declared" "$m" '# TYPE v6watch_traffic_bytes_total counter'
expect_match "packets counter declared" "$m" '# TYPE v6watch_traffic_packets_total counter'
expect_eq "bytes_total after one interval" "$(tval ipv6)" 40000
expect_eq "packets_total after one interval" "$(tval ipv6 packets)" 80
tnow=$(ncurl "$URL/api/v1/status" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["traffic"][0]["ts"]))')
expect_match "a second interval stored" "$(tpost 8 $((tnow + 1)) 1000000)" '^\{"accepted":1,'
expect_eq "bytes_total rises" "$(tval ipv6)" 1040000
expect_eq "ipv4 bytes_total rises" "$(tval ipv4)" 60000
expect_eq "packets_total rises" "$(tval ipv6 packets)" 2080
expect_eq "interval gauge: the last interval" \
	"$(ncurl "$URL/metrics" | sed -n 's/^v6watch_traffic_interval_bytes{probe="p1",iface="eth0",family="ipv6"} //p')" 1000000
expect_match "the same batch again: a duplicate" "$(tpost 8 $((tnow + 1)) 1000000)" '^\{"accepted":0,"duplicates":1,'
expect_eq "bytes_total unchanged by the duplicate" "$(tval ipv6)" 1040000
stop_pid "$cpid"
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/etc/c.conf"
cpid=$SPAWNED
clog=$SPAWNED_LOG
if wait_until 10 ncurl -f "$URL/api/v1/status"; then
	ok "collector restarted"
else
	not_ok "collector restarted"; sed 's/^/#   /' "$clog"; finish
fi
expect_eq "bytes_total kept across the restart" "$(tval ipv6)" 1040000
expect_eq "packets_total kept across the restart" "$(tval ipv6 packets)" 2080
expect_match "a third interval stored" "$(tpost 9 $((tnow + 2)) 5)" '^\{"accepted":1,'
expect_eq "bytes_total rises after the restart" "$(tval ipv6)" 1040005

# Prometheus in the namespace, scraping the collector every second.
mkdir -p "$T_DIR/prom"
chmod 777 "$T_DIR/prom"
cat >"$T_DIR/prom/prometheus.yml" <<EOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [ "$RULES" ]
scrape_configs:
  - job_name: v6watch
    static_configs: [ { targets: [ "[::1]:8080" ] } ]
EOF
spawn "$ns" -- prometheus --config.file="$T_DIR/prom/prometheus.yml" \
	--storage.tsdb.path="$T_DIR/prom/data" --web.listen-address=127.0.0.1:9090 \
	--log.level=warn
ppid_=$SPAWNED
plog=$SPAWNED_LOG
PURL=http://127.0.0.1:9090
# pq EXPR: the query's JSON answer.
pq() { ncurl --data-urlencode "query=$1" "$PURL/api/v1/query"; }
nresults() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["data"]["result"]) if d.get("status")=="success" else -1)'; }
scraped() { [ "$(pq 'count_over_time(v6watch_build_info[1m]) >= 3' | nresults)" -gt 0 ]; }
if wait_until 60 ncurl -f "$PURL/-/ready" && wait_until 60 scraped; then
	ok "prometheus scraped the collector three times"
else
	not_ok "prometheus scraped the collector"; sed 's/^/#   /' "$plog" | tail -20; finish
fi
expect_eq "the scrape is up" "$(pq 'up{job="v6watch"} == 1' | nresults)" 1
expect_eq "prometheus reads the traffic counter" \
	"$(pq 'v6watch_traffic_bytes_total{probe="p1",iface="eth0",family="ipv6"} == 1040005' | nresults)" 1

# Every expression of the dashboard (Grafana's $__range and the like,
# and the dashboard's variables as "All") and of the rules.
python3 - "$DASH" "$RULES" >"$T_DIR/exprs" <<'EOF'
import json, re, sys
dash = json.load(open(sys.argv[1]))
exprs = []
def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))
for p in panels(dash["panels"]):
    for t in p.get("targets", []):
        exprs.append(("panel " + p["title"], t["expr"]))
for v in dash.get("templating", {}).get("list", []):
    if v.get("type") != "query":
        continue
    q = v.get("query")
    q = q.get("query") if isinstance(q, dict) else q
    m = re.match(r"label_values\((.*),\s*\w+\)$", q or "")
    exprs.append(("variable " + v["name"], m.group(1) if m else q))
subst = {"__rate_interval": "1m", "__interval": "5s", "__range": "5m"}
def fill(e):
    e = re.sub(r"\$\{?(\w+)\}?", lambda m: subst.get(m.group(1), ".*"), e)
    return e
# The rules: each alert's expression (a YAML list item "expr: ...",
# one line or a block scalar).
lines = open(sys.argv[2]).read().split("\n")
i = 0
while i < len(lines):
    l = lines[i]
    m = re.match(r"^(\s*)expr:\s*(.*)$", l)
    a = re.match(r"^\s*- alert:\s*(\S+)", lines[i - 1]) if i else None
    if m:
        ind, val = len(m.group(1)), m.group(2)
        if val in ("|", ">", "|-", ">-"):
            body = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > ind):
                body.append(lines[i].strip())
                i += 1
            val = " ".join(body)
            i -= 1
        exprs.append(("rule", val))
    i += 1
for what, e in exprs:
    print(what + "\t" + fill(e).replace("\n", " "))
EOF
ndash=$(grep -c '^panel ' "$T_DIR/exprs")
nrules=$(grep -c '^rule' "$T_DIR/exprs")
check "the dashboard has expressions ($ndash) and the rules too ($nrules)" \
	test "$ndash" -ge 8 -a "$nrules" -ge 3
while IFS=$'\t' read -r what expr; do
	n=$(pq "$expr" | nresults)
	if [ "${n:--1}" -gt 0 ]; then ok "$what: $expr"
	else not_ok "$what: no data from: $expr"; pq "$expr" | head -c 400 | sed 's/^/#   /'; echo; fi
done <"$T_DIR/exprs"

# The alerts the data should raise, raised by Prometheus itself.
alerts() { ncurl "$PURL/api/v1/alerts" | python3 -c 'import json,sys; print(" ".join(sorted({a["labels"]["alertname"] for a in json.load(sys.stdin)["data"]["alerts"]})))'; }
all_alerts() { a=$(alerts); for n in V6watchIPv6DownIPv4Up V6watchProbeSilent V6watchCertExpiring; do grep -qw $n <<<"$a" || return 1; done; }
wait_until 30 all_alerts
expect_match "prometheus raises the rules' alerts" "$(alerts)" \
	'V6watchCertExpiring.*V6watchIPv6DownIPv4Up.*V6watchProbeSilent'
check "collector alive" kill -0 "$cpid"
check "no error in prometheus' log" sh -c "! grep -i 'level=error' '$plog'"
finish
