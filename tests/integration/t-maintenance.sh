#!/bin/bash
# t-maintenance: maintenance windows on a real collector (step 1 s) in its
# own network namespace, with a webhook receiver: a window of
# collector.conf (local time) and one made by `v6collector maintenance
# add` (as root: the file is the collector's user's); targets going down
# inside them raise no event, the status API and the published page and
# report show the maintenance; when a window ends (by its time, or by
# `maintenance end`) a target still down is told then. A damaged
# maintenance.json is set aside on SIGHUP; a bad window in the config is
# an error naming file:line.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new mt) || { not_ok "network namespace"; finish; }
D=$T_DIR
URL='http://[::1]:8080'
RECV="$V6TOP/tests/tools/whrecv.py"
echo "tok-$RANDOM$RANDOM" >"$D/p1.token"
echo "sec-$RANDOM$RANDOM" >"$D/a.secret"
chmod 644 "$D/p1.token" "$D/a.secret"
mkdir -p "$D/data" && chown nobody "$D/data"
# The config's window: web, from an hour ago to END (local time, seconds).
END=$(($(date +%s) + 12))
lt() { date -d "@$1" '+%Y-%m-%d %H:%M:%S'; }
cat >"$D/c.conf" <<EOF
collector = { name = "tmt"; listen = "[::1]:8080"; data_dir = "data";
              user = "nobody"; step = 1; publish_interval = 0; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
alert = { down_after = 1; up_after = 1; quorum = 1; };
webhooks = (
  { name = "a"; url = "http://[::1]:9001/a"; secret_file = "a.secret";
    retry_min = 1; retry_max = 1; }
);
maintenance = (
  { targets = [ "web" ]; from = "$(lt $((END - 3600)))"; to = "$(lt $END)";
    reason = "router swap"; }
);
EOF
ncurl() { ip netns exec "$ns" curl -s -g --max-time 5 "$@"; }
spawn "$ns" -- python3 "$RECV" --port 9001 --log "$D/a.log" --secret-file "$D/a.secret"
wait_until 10 grep -q listening "$SPAWNED_LOG" || { not_ok "receiver starts"; finish; }
spawn "$ns" -- "$V6COLLECTOR" -c "$D/c.conf"
cpid=$SPAWNED
clog=$SPAWNED_LOG
wait_until 10 ncurl -f "$URL/api/v1/status" || { not_ok "collector starts"; sed 's/^/#   /' "$clog"; finish; }
ok "collector starts with a maintenance window in its config"

seq=0
last=0
post() { # post TARGET OUTCOME: one ipv6 record, ts now
	local ts
	while [ "$(date +%s)" -le "$last" ]; do sleep 0.05; done
	ts=$(date +%s.%N)
	last=${ts%.*}
	seq=$((seq + 1))
	ncurl -H "Authorization: Bearer $(cat "$D/p1.token")" -H 'Content-Type: application/json' \
		--data "{\"probe\":\"p1\",\"results\":[{\"probe\":\"p1\",\"target\":\"$1\",\"url\":\"https://$1.example/\",\"family\":\"ipv6\",\"ts\":$ts,\"seq\":$seq,\"outcome\":\"$2\"}]}" \
		"$URL/api/v1/results" | grep -q '"accepted":1' || echo "# post $1 $2: not accepted"
}
# field of the TARGET/ipv6 row of the status' "states"
state() {
	ncurl "$URL/api/v1/status" | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin)["states"] if r["target"] == sys.argv[1] and r["family"] == "ipv6"]
print(json.dumps(rows[0].get(sys.argv[2])) if rows else "none")' "$1" "$2"
}
maint_id() { state "$1" maintenance | python3 -c 'import json,sys; m = json.load(sys.stdin); print(m["id"] if m else "none")'; }
events() { # "event target state previous" of each event received
	[ -f "$D/a.log" ] || return 0
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    b = json.loads(json.loads(l)["body"])
    print(b["event"], b.get("target"), b.get("state"), b.get("previous"))' "$D/a.log"
}
nevents() { [ "$(events | wc -l)" -ge "$1" ]; }
is_down() { [ "$(state "$1" state)" = '"down"' ]; }
mc() { "$V6COLLECTOR" maintenance "$@" -c "$D/c.conf"; }

# The config's window: web goes down inside it.
post web ok
post api ok
post web timeout
wait_until 10 is_down web
expect_eq "web down inside the config's window" "$(state web state)" '"down"'
expect_eq "... the status API shows the window" "$(maint_id web)" "c1"
expect_match "... until its end, with its reason" "$(state web maintenance)" \
	"\"until\": $END(\\.0)?, \"reason\": \"router swap\""

# A window made by the command, as root: written as the collector's user.
out=$(mc add --target api --for 1h --reason "db upgrade" 2>&1)
expect_match "maintenance add makes window 1" "$out" '^maintenance window 1: api from '
expect_eq "... in maintenance.json, owned by the collector's user" \
	"$(stat -c '%U %a' "$D/data/maintenance.json")" "nobody 640"
out=$(mc add --target nosuch --from "2026-12-06 22:00" --to "2026-12-06 21:00" 2>&1)
expect_match "... a window ending before it begins is refused" "$out" 'must end after it begins'
out=$(mc add --target nosuch --for 2x 2>&1)
expect_match "... so is a bad duration" "$out" '"2x" is not a duration'
api_in_maint() { [ "$(maint_id api)" = 1 ]; }
wait_until 10 api_in_maint
expect_eq "the collector picks the window up within a step" "$(maint_id api)" 1
post api timeout
wait_until 10 is_down api
expect_eq "api down inside the command's window" "$(state api state)" '"down"'
list=$(mc list)
expect_match "maintenance list shows the config's window" "$list" \
	'^c1 +active .*web  "router swap"  \(collector.conf:[0-9]+\)$'
expect_match "... and the command's" "$list" '^1 +active .*api  "db upgrade"$'
sleep 1.5
expect_eq "no event was sent for either" "$(events | wc -l)" 0

# The published page and report mark the maintenance.
"$V6COLLECTOR" publish -c "$D/c.conf" >"$D/publish.log" 2>&1 || { not_ok "publish"; sed 's/^/#   /' "$D/publish.log"; }
expect_match "web's page: in maintenance until ..." "$(cat "$D/data/site/t/web.html" 2>&1)" \
	'In maintenance until [^<]+</b> \(window c1: router swap\)'
expect_match "... and the report lists the windows" "$(tr -d '\n' <"$D/data/site/report.html" 2>&1)" \
	'<h2 id="maintenance">Maintenance</h2>.*<td>c1</td>.*in maintenance.*web.*router swap.*<td>1</td>.*api.*db upgrade'
expect_eq "... and report.json, with their targets and reasons" "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print([(m["id"], m["targets"], m.get("reason")) for m in r["maintenance"]])' "$D/data/site/report.json" 2>&1)" \
	"[('c1', ['web'], 'router swap'), ('1', ['api'], 'db upgrade')]"

# The config's window ends: web, still down, is told then.
# (the probe goes on failing: a silent target would be unknown, not down)
for i in $(seq 1 40); do
	nevents 1 && break
	post web timeout
done
expect_eq "web's window ends: its down event arrives then" "$(events)" "state_changed web down up"
ets=$(python3 -c 'import json,sys; print(int(json.loads(json.loads(open(sys.argv[1]).readline())["body"])["ts"]))' "$D/a.log")
check "... raised once the window was over" [ "$ets" -ge "$END" ]
expect_eq "... and web is no longer in maintenance" "$(maint_id web)" "none"

# The command's window is ended: api, still failing, is told.
post api timeout
expect_eq "api still down before the end" "$(state api state)" '"down"'
expect_match "maintenance end 1" "$(mc end 1)" 'window 1 ended now'
wait_until 10 nevents 2
expect_eq "... api's down event arrives" "$(events | tail -n 1)" "state_changed api down up"
expect_match "... the list says it ended" "$(mc list)" '^1 +ended '
expect_match "ending a config window says where it is" "$(mc end c1 2>&1)" 'comes from .*c.conf:[0-9]+'

# A damaged file is set aside, never fatal.
echo '{"version":1,"windows":[{' >"$D/data/maintenance.json"
kill -HUP "$cpid"
wait_until 10 sh -c 'ls "$0"/data/maintenance.json.bad-*' "$D"
check "a damaged maintenance.json is set aside" sh -c 'ls "$0"/data/maintenance.json.bad-*' "$D"
check "... and says so" grep -q 'maintenance windows unreadable' "$clog"
check "collector alive" kill -0 "$cpid"

# A bad window in the config: file:line.
sed -i 's/to = "[^"]*"/to = "tomorrow"/' "$D/c.conf"
out=$("$V6COLLECTOR" --check-config -c "$D/c.conf" 2>&1)
expect_match "a bad time in the config is an error at file:line" "$out" \
	'c.conf:10: maintenance\[0\].to: "tomorrow" is not a time'
finish
