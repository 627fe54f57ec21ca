#!/bin/bash
# t-alert: the alert state over time, with a collector whose step is one
# second (probes silent after 3 s): a target that stops being reported
# becomes unknown on the tick (status, metrics) and raises no event; the
# next failure is told as down from up; probe_offline records are
# unknown, never down; alerts.json is written only when something
# changed, and the states (with their history) survive a restart; SIGHUP
# adds a webhook; a damaged alerts.json is put aside.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new al) || { not_ok "network namespace"; finish; }
D=$T_DIR
URL='http://[::1]:8080'
RECV="$V6TOP/tests/tools/whrecv.py"
echo "tok-$RANDOM$RANDOM" >"$D/p1.token"
echo "sec-$RANDOM$RANDOM" >"$D/a.secret"
chmod 644 "$D/p1.token" "$D/a.secret"
mkdir -p "$D/data" && chown nobody "$D/data"
conf() { # conf [EXTRA_WEBHOOK]
	cat >"$D/c.conf" <<EOF
collector = { name = "tal"; listen = "[::1]:8080"; data_dir = "data";
              user = "nobody"; step = 1; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
alert = { down_after = 1; up_after = 1; quorum = 1; };
webhooks = (
  { name = "a"; url = "http://[::1]:9001/a"; secret_file = "a.secret";
    retry_min = 1; retry_max = 1; } ${1:-}
);
EOF
}
conf
ncurl() { ip netns exec "$ns" curl -s -g --max-time 5 "$@"; }
start_collector() {
	spawn "$ns" -- "$V6COLLECTOR" -c "$D/c.conf"
	cpid=$SPAWNED
	clog=$SPAWNED_LOG
	wait_until 10 ncurl -f "$URL/api/v1/status"
}
spawn "$ns" -- python3 "$RECV" --port 9001 --log "$D/a.log" --secret-file "$D/a.secret"
wait_until 10 grep -q listening "$SPAWNED_LOG" || { not_ok "receiver starts"; finish; }
start_collector || { not_ok "collector starts"; sed 's/^/#   /' "$clog"; finish; }

seq=0
last=0
post() { # post OUTCOME [WARNINGS_JSON]: one ipv6 record of "web", ts now
	local ts
	# a new RRD second for each record
	while [ "$(date +%s)" -le "$last" ]; do sleep 0.05; done
	ts=$(date +%s.%N)
	last=${ts%.*}
	seq=$((seq + 1))
	ncurl -H "Authorization: Bearer $(cat "$D/p1.token")" -H 'Content-Type: application/json' \
		--data "{\"probe\":\"p1\",\"results\":[{\"probe\":\"p1\",\"target\":\"web\",\"url\":\"https://web.example/\",\"family\":\"ipv6\",\"ts\":$ts,\"seq\":$seq,\"outcome\":\"$1\",\"warnings\":${2:-[]}}]}" \
		"$URL/api/v1/results" | grep -q '"accepted":1' || echo "# post $1: not accepted"
}
# field of the web/ipv6 row of "states" (or of "targets" with -t)
state() {
	local arr=states
	[ "$1" = -t ] && { arr=targets; shift; }
	ncurl "$URL/api/v1/status" | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin)[sys.argv[1]] if r["target"] == "web" and r["family"] == "ipv6"]
print(json.dumps(rows[0][sys.argv[2]]) if rows else "none")' "$arr" "$1"
}
events() { # the events a received: "event state previous"
	[ -f "$D/${1:-a}.log" ] || return 0
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    b = json.loads(json.loads(l)["body"])
    print(b["event"], b.get("state"), b.get("previous"))' "$D/${1:-a}.log"
}
is_state() { [ "$(state state)" = "\"$1\"" ]; }
nevents() { [ "$(events "${2:-a}" | wc -l)" -ge "$1" ]; }
ino() { stat -c %i "$D/data/alerts.json"; }

post ok
expect_eq "first seen up: up, and nothing sent" "$(state state) $(events | wc -l)" '"up" 0'
i1=$(ino)
post ok
expect_eq "alerts.json is not rewritten when nothing changed" "$(ino)" "$i1"

wait_until 10 is_state unknown
expect_eq "no record for 3 steps: unknown" "$(state state)" '"unknown"'
expect_eq "... the probe's row says it is silent" "$(state -t silent)" 'true'
expect_match "... in the metrics" "$(ncurl "$URL/metrics")" \
	'v6watch_target_state\{target="web",family="ipv6",state="unknown"\} 1'
sleep 0.5
expect_eq "... with no event" "$(events | wc -l)" 0

post timeout
wait_until 10 nevents 1
expect_eq "back and failing: down, told as from up" "$(events)" "state_changed down up"
post timeout '["probe_offline"]'
post ok '["probe_offline"]'
expect_eq "probe_offline: unknown, whatever the outcome" "$(state state)" '"unknown"'
post ok
wait_until 10 nevents 2
expect_eq "... then up, from down; nothing for unknown" "$(events)" "state_changed down up
state_changed up down"
expect_match "the recent changes on status" "$(state changes)" \
	'^\[\{"ts": [0-9.]+, "from": "unknown", "to": "up", "outcome": "ok"\}, \{"ts": [0-9.]+, "from": "down", "to": "unknown"'

before=$(state changes)
since=$(state since)
stop_pid "$cpid"
start_collector || { not_ok "collector restarts"; finish; }
expect_eq "the state survives a restart: since" "$(state since)" "$since"
expect_eq "... and its recent changes" "$(state changes)" "$before"
post ok
sleep 0.5
expect_eq "... and nothing is told again" "$(events | wc -l)" 2

spawn "$ns" -- python3 "$RECV" --port 9002 --log "$D/b.log" --secret-file "$D/a.secret"
wait_until 10 grep -q listening "$SPAWNED_LOG"
conf ', { name = "b"; url = "http://[::1]:9002/b"; secret_file = "a.secret"; }'
kill -HUP "$cpid"
wait_until 10 grep -q 'reload: .*2 webhooks' "$clog"
post timeout
wait_until 10 nevents 1 b
expect_eq "SIGHUP adds a webhook: it gets the next event" "$(events b)" "state_changed down up"
check "... and so does the first" nevents 3

stop_pid "$cpid"
echo '{"version":1,"targets":[{"name":' >"$D/data/alerts.json"
start_collector || { not_ok "collector starts with a damaged alerts.json"; finish; }
ok "collector starts with a damaged alerts.json"
check "... which it puts aside" sh -c 'ls "$0"/data/alerts.json.bad-*' "$D"
check "... and says so" grep -q 'alert state unreadable' "$clog"
check "collector alive" kill -0 "$cpid"
finish
