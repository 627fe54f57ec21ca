#!/bin/bash
# t-collector-ledger: the seq accounting of a real v6collector (started as
# root, running as nobody, in a network namespace of its own), fed by curl
# and checked in /api/v1/status, /metrics and the log: a wild seq on a bad
# record moves nothing; seqs a stored record skips are counted missing and
# logged; a record from 2099 is rejected and its series goes on; duplicate
# envelope keys are a 400; a spool ID first seen while the seqs go on is
# noted, a new spool starts the sequence again; a ledger that does not add
# up is set aside and the restart shows in status. At every step
# stored + rejected + missing == last_seq - base_seq.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new led) || { not_ok "network namespace"; finish; }
tok=tok-$RANDOM$RANDOM
echo "$tok" >"$T_DIR/p1.token"
chmod 644 "$T_DIR/p1.token"
port=$((18000 + RANDOM % 1000))
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "t"; listen = "[::1]:$port"; data_dir = "$T_DIR/data";
              user = "nobody"; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
mkdir -p "$T_DIR/data"
URL="http://[::1]:$port"
ncurl() { ip netns exec "$ns" curl -s -g --max-time 20 "$@"; }

start_collector() {
	spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
	cpid=$SPAWNED
	clog=$SPAWNED_LOG
	wait_until 10 ncurl -f "$URL/api/v1/status"
}
start_collector || { not_ok "collector starts"; sed 's/^/#   /' "$clog"; finish; }
ok "collector starts"

# Bodies: records of target a/ipv6, one minute apart.
python3 - "$T_DIR" <<'EOF'
import json, sys
d = sys.argv[1]
ts = [1764480000]
def rec(seq, outcome="ok", at=None):
    if at is None:
        ts[0] += 60
        at = ts[0]
    return {"probe": "p1", "target": "a", "url": "https://a.example/",
            "family": "ipv6", "ts": at, "seq": seq, "outcome": outcome}
def w(name, recs, spool=None, raw=None):
    env = {"probe": "p1"}
    if spool:
        env["spool"] = spool
    env["results"] = recs
    open(f"{d}/{name}.json", "w").write(raw or json.dumps(env))
w("first", [rec(1)])
w("wild", [rec(999999999999999, outcome="melted")])
w("next", [rec(2), rec(3), rec(4)])
w("gap", [rec(10)])
w("future", [rec(11, at=4070908800)])
w("after-future", [rec(12)])
w("dup-probe", [], raw='{"probe":"p1","probe":"p2","results":[]}')
w("dup-results", [], raw='{"probe":"p1","results":[],"results":[%s]}' % json.dumps(rec(13)))
w("upgrade", [rec(13)], spool="0123456789abcdef")
w("reinstall", [rec(1), rec(2), rec(3)], spool="fedcba9876543210")
w("after-aside", [rec(4), rec(5)], spool="fedcba9876543210")
EOF

# post NAME: POST $T_DIR/NAME.json; the status code in CODE, answer in BODY.
post() {
	CODE=$(ncurl -o "$T_DIR/body" -w '%{http_code}' \
		-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		--data-binary @"$T_DIR/$1.json" "$URL/api/v1/results")
	BODY=$(cat "$T_DIR/body" 2>/dev/null)
}
# counts: p1's "last_seq stored rejected missing base_seq resets reason
# spool" and whether the invariant holds.
counts() {
	ncurl "$URL/api/v1/status" | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin)["probes"] if x["name"] == "p1"][0]
inv = p["stored"] + p["rejected"] + p["missing"] == p["last_seq"] - p["base_seq"]
print(p["last_seq"], p["stored"], p["rejected"], p["missing"], p["base_seq"],
      p["resets"], p["reset_reason"], p["spool"] or "-", "ok" if inv else "BROKEN")' 2>&1
}

post first
expect_eq "seq 1 accepted" "$BODY" '{"accepted":1,"duplicates":0,"rejected":[]}'

# A wild seq on a bad record moves nothing.
post wild
expect_match "a bad record with seq 999999999999999 is rejected" "$BODY" \
	'^\{"accepted":0,"duplicates":0,"rejected":\[\{"index":0,'
post next
expect_eq "... and the probe's next seqs 2..4 are stored, not duplicates" "$BODY" \
	'{"accepted":3,"duplicates":0,"rejected":[]}'
expect_eq "... status: last_seq 4, 4 stored" "$(counts)" "4 4 0 0 0 0 None - ok"

# A gap: counted missing and logged once.
post gap
expect_eq "seq 10 after 4 is stored" "$BODY" '{"accepted":1,"duplicates":0,"rejected":[]}'
expect_eq "... status: seqs 5..9 missing" "$(counts)" "10 5 0 5 0 0 None - ok"
expect_eq "... logged once with its size" \
	"$(grep -c 'warning: probe p1: seqs 5\.\.9 never arrived (5 records)' "$clog")" 1

# A record from 2099.
post future
expect_match "a record from 2099 is rejected" "$BODY" \
	"\"error\":\"field 'ts': [0-9]+ s ahead of the collector's clock"
post after-future
expect_eq "... the next honest record of its series is stored" "$BODY" \
	'{"accepted":1,"duplicates":0,"rejected":[]}'
expect_eq "... status" "$(counts)" "12 6 1 5 0 0 None - ok"

# Duplicate keys in the envelope.
post dup-probe
expect_eq "a second probe key: 400" "$CODE" 400
expect_eq "... naming it" "$BODY" "{\"error\":\"field 'probe': duplicate field\"}"
post dup-results
expect_eq "a second results key: 400" "$CODE" 400
expect_eq "... naming it" "$BODY" "{\"error\":\"field 'results': duplicate field\"}"

# Spool IDs.
post upgrade
expect_eq "a spool ID first seen while the seqs go on: stored" "$BODY" \
	'{"accepted":1,"duplicates":0,"rejected":[]}'
expect_eq "... noted, no restart" "$(counts)" "13 7 1 5 0 0 None 0123456789abcdef ok"
post reinstall
expect_eq "a new spool from seq 1: every record stored" "$BODY" \
	'{"accepted":3,"duplicates":0,"rejected":[]}'
expect_eq "... the sequence starts again" "$(counts)" "3 3 0 0 0 1 new spool fedcba9876543210 ok"
expect_eq "... logged once" "$(grep -c 'warning: probe p1: new spool ID fedcba9876543210 (was 0123456789abcdef, last seq 13); its sequence starts again' "$clog")" 1
post reinstall
expect_eq "... the same batch again: duplicates" "$BODY" \
	'{"accepted":0,"duplicates":3,"rejected":[]}'
st=$(ncurl "$URL/api/v1/status")
expect_match "... status has reset_at" "$st" '"resets":1,"reset_at":[0-9.]+,"reset_reason":"new spool"'
m=$(ncurl "$URL/metrics")
expect_match "metrics: v6watch_probe_sequence_resets_total" "$m" '^v6watch_probe_sequence_resets_total\{probe="p1"\} 1$'
expect_match "metrics: v6watch_probe_missing_records_total" "$m" '^v6watch_probe_missing_records_total\{probe="p1"\} 0$'

# A ledger that does not add up is set aside; the restart shows.
stop_pid "$cpid"
led="$T_DIR/data/state/p1.json"
python3 - "$led" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["last_seq"] += 60000  # 60000 seqs in no count
open(sys.argv[1], "w").write(json.dumps(d))
EOF
start_collector || { not_ok "collector restarts"; sed 's/^/#   /' "$clog"; finish; }
check "the damaged ledger is set aside and kept" sh -c 'ls "$0".bad-*' "$led"
expect_match "... logged" "$(cat "$clog")" 'warning: probe p1: ledger unreadable .*stored \+ rejected \+ missing'
expect_eq "... status marks the restart (the count carried over)" "$(counts)" \
	"0 0 0 0 0 2 ledger unreadable - ok"
post after-aside
expect_eq "seqs 4, 5 after it: stored" "$BODY" '{"accepted":2,"duplicates":0,"rejected":[]}'
expect_eq "... counted from seq 4: base 3, nothing invented missing" "$(counts)" \
	"5 2 0 0 3 2 ledger unreadable fedcba9876543210 ok"
check "collector alive" kill -0 "$cpid"
finish
