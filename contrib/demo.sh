#!/bin/bash
# demo.sh: the whole v6watch pipeline against a lab on this machine, in
# about two minutes, then the published site is left in build/demo/site.
#
#   make demo          (installs what is missing, builds, runs this)
#   contrib/demo.sh    (as root, after `make all tools`)
#
# The lab (tests/integration/lab.sh): network namespaces with nginx,
# dnsmasq and a router that black-holes or drops IPv6 for some hosts.
# Two probes (`v6probe run`, one vantage point each in name) check five
# services every 10 s: www (healthy dual-stack), v4only (no AAAA), drop
# (IPv6 black hole), pmtu (path-MTU stall on a large transfer), expiring
# (a certificate with 10 days left) and diff (other content over IPv6).
# A collector (librrd, no rrdcached) stores, alerts and publishes every
# 20 s. Half way, an nft rule on the lab router breaks www over IPv6; the
# outage, its webhook events (to a local receiver) and the recovery show
# up in the site. Everything runs in namespaces the demo makes, addressed
# from 2001:db8::/32, 198.51.100.0/24 and 203.0.113.0/24, and is torn down
# at the end (processes by pid). The site speaks Vietnamese, in
# Asia/Ho_Chi_Minh time (collector.language, collector.timezone).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it builds network namespaces): sudo make demo" >&2
	exit 1
fi
export V6TOP=$top
: "${V6PROBE:=$top/probe/v6probe}" "${V6COLLECTOR:=$top/collector/v6collector}"
: "${V6TOOLS:=$top/build/tools}" "${V6BUILD:=$top/build}"
export V6PROBE V6COLLECTOR V6TOOLS V6BUILD
for b in "$V6PROBE" "$V6COLLECTOR" "$V6TOOLS/badserver"; do
	[ -x "$b" ] || { echo "demo: $b missing: run make all tools (or make demo)" >&2; exit 1; }
done
# lib.sh: spawn / stop_pid / wait_until / netns_new and the cleanup trap
# (every pid started, every namespace made).
. "$top/tests/integration/lib.sh"
. "$top/tests/integration/lab.sh"

DEMO=$V6BUILD/demo
STEP=10
say() { printf '%s demo: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() { say "FAILED: $*"; exit 1; }
started=$(date +%s)

rm -rf "$DEMO"
mkdir -p "$DEMO"
chmod 755 "$V6BUILD" "$DEMO"
say "building the lab (namespaces, nginx, dnsmasq, a router)"
lab_up || fail "the lab did not come up"

chmod 755 "$T_DIR"
secret=demo-webhook-$RANDOM$RANDOM
echo "$secret" >"$T_DIR/hook.secret"
for p in hanoi-vnpt saigon-viettel; do echo "token-$p-$RANDOM$RANDOM" >"$T_DIR/$p.token"; done
chmod 644 "$T_DIR"/*.token "$T_DIR/hook.secret"
cat >"$T_DIR/collector.conf" <<EOF
collector = { name = "demo"; listen = "[::1]:8080"; data_dir = "$DEMO/data";
              publish_dir = "$DEMO/site"; step = $STEP; user = "nobody";
              publish_interval = 20;
              language = "vi"; timezone = "Asia/Ho_Chi_Minh";
              organisation = "Sở Thông tin và Truyền thông (demo)"; };
probes = ( { name = "hanoi-vnpt"; token_file = "hanoi-vnpt.token"; },
           { name = "saigon-viettel"; token_file = "saigon-viettel.token"; } );
alert = { down_after = 3; up_after = 2; quorum = 1; cert_warn_days = 30; };
webhooks = ( { name = "ops"; url = "http://[::1]:9009/hook"; secret_file = "hook.secret"; } );
EOF
for p in hanoi-vnpt saigon-viettel; do
	cat >"$T_DIR/$p.conf" <<EOF
probe = { name = "$p"; interval = $STEP; timeout = 3; concurrency = 50;
          spool_dir = "$T_DIR/spool-$p"; spool_max_mb = 8; cacert = "$LAB_CA";
          warn_days = 30; user = "nobody"; };
collector = { url = "http://[::1]:8080/api/v1/results"; token_file = "$p.token"; };
targets = (
  { name = "www"; url = "https://www.lab.example/"; group = "Province portal"; },
  { name = "v4only"; url = "https://v4only.lab.example/"; group = "Health"; },
  { name = "drop"; url = "https://drop.lab.example/"; group = "Health"; },
  { name = "pmtu"; url = "https://pmtu.lab.example/"; group = "Taxes";
    large_path = "/big.bin"; },
  { name = "expiring"; url = "https://expiring.lab.example/"; group = "Taxes"; },
  { name = "diff"; url = "https://diff.lab.example/"; group = "Province portal"; } );
EOF
done

spawn "$LAB_CLI" -- python3 "$top/tests/tools/whrecv.py" --listen ::1 --port 9009 \
	--log "$DEMO/webhooks.jsonl" --secret-file "$T_DIR/hook.secret"
wait_until 10 grep -q listening "$SPAWNED_LOG" || fail "the webhook receiver did not start"
spawn "$LAB_CLI" -- "$V6COLLECTOR" -c "$T_DIR/collector.conf"
CLOG=$SPAWNED_LOG
wait_until 10 lab_exec "$LAB_CLI" curl -sf -g http://[::1]:8080/api/v1/status ||
	{ cat "$CLOG"; fail "the collector did not start"; }
for p in hanoi-vnpt saigon-viettel; do
	spawn "$LAB_CLI" -- "$V6PROBE" run -c "$T_DIR/$p.conf"
done
say "collector and two probes running; checks every ${STEP} s, publishing every 20 s"

# event STATE: a state_changed event of www over IPv6 to STATE was received.
event() {
	python3 - "$DEMO/webhooks.jsonl" "$1" <<'PY' 2>/dev/null
import json, sys
for line in open(sys.argv[1]):
    b = json.loads(json.loads(line)["body"])
    if (b.get("event"), b.get("target"), b.get("family"), b.get("state")) == \
            ("state_changed", "www", "ipv6", sys.argv[2]):
        sys.exit(0)
sys.exit(1)
PY
}
stored() {
	lab_exec "$LAB_CLI" curl -sf -g http://[::1]:8080/api/v1/status |
		python3 -c 'import json,sys; print(sum(p["stored"] for p in json.load(sys.stdin)["probes"]))' 2>/dev/null
}
sleep 35
say "$(stored) results stored; now breaking www over IPv6 (nft drop on the lab router)"
lab_exec "$LAB_RTR" nft -f - <<'EOF' || fail "nft"
table inet demo {
	chain through {
		type filter hook forward priority -1;
		ip6 daddr 2001:db8:2::10 drop
	}
}
EOF
if wait_until 60 event down; then
	say "www is down over IPv6; the webhook receiver got the event"
else
	say "no down event reached the receiver yet"
fi
sleep 10
say "repairing www"
lab_exec "$LAB_RTR" nft delete table inet demo
if wait_until 60 event up; then
	say "www is back over IPv6; the webhook receiver got the event"
else
	say "no up event reached the receiver yet"
fi
sleep 12
say "publishing the site"
lab_exec "$LAB_CLI" "$V6COLLECTOR" publish -c "$T_DIR/collector.conf" 2>&1 | sed 's/^/    /'
cp "$T_DIR/collector.conf" "$DEMO/collector.conf"

echo
python3 - "$DEMO/site/report.json" "$DEMO/webhooks.jsonl" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print("  %d services, %d ready for IPv6 (%.0f %%)" % (r["targets"], r["ready"], 100 * r["ready_share"]))
for t in r["to_fix"]:
    print("    to fix: %-10s score %-4s %s" % (t["target"], t["score"], t["problem"]))
events = []
try:
    for line in open(sys.argv[2]):
        req = json.loads(line)
        b = json.loads(req["body"])
        what = b.get("state")
        if what is None and "ready" in b:
            what = "ready" if b["ready"] else "not ready"
        if what is None and "days_left" in b:
            what = "%s days left" % b["days_left"]
        events.append((b.get("event"), b.get("target", "-"), b.get("family", ""),
                       what or "", "ok" if req.get("sig_ok") else "BAD"))
except (OSError, ValueError):
    pass
print("  webhook events received: %d" % len(events))
for e in events:
    print("    " + " ".join(str(x) for x in e[:4] if x) + " (signature %s)" % e[4])
EOF
echo
say "done in $(( $(date +%s) - started )) s; tearing the lab down"
cat <<EOF

The site (in Vietnamese, times in Asia/Ho_Chi_Minh): $DEMO/site/index.html
Open it with any browser, e.g.
    python3 -m http.server --directory $DEMO/site 8000
and then http://localhost:8000/ (or open the file directly). The graphs of
www (t/www.html) show the IPv6 outage and its recovery in the "Last hour"
graph; report.html is the readiness report. Webhook requests received:
$DEMO/webhooks.jsonl
EOF
exit 0
