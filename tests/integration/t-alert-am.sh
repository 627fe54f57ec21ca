#!/bin/bash
# t-alert-am: format = "alertmanager" against a real Alertmanager (Debian's
# prometheus-alertmanager), run by the test in the collector's network
# namespace on a random loopback port with a minimal config:
#   - a target down over IPv6 shows in GET /api/v2/alerts, active, with its
#     labels (alertname, collector, target, title, group, family, probes)
#     and annotations (summary, description, page = its page on site_url);
#   - while it stays down the collector posts it again (updatedAt moves);
#   - back up: resolved (endsAt set, gone from the active alerts);
#   - a silence made in Alertmanager (POST /api/v2/silences) is respected:
#     a target it matches shows as suppressed, silenced by it;
#   - the webhook's groups filter: a target of another group never shows;
#   - webhook-test posts a test alert Alertmanager accepts.
. "$(dirname "$0")/lib.sh"
needs_root

AM=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [ -z "$AM" ]; then
	not_ok "prometheus-alertmanager is installed (contrib/install-deps.sh)"
	finish
fi
chmod 755 "$T_DIR"
ns=$(netns_new am) || { not_ok "network namespace"; finish; }
D=$T_DIR
CPORT=$((18000 + RANDOM % 1000))
APORT=$((19000 + RANDOM % 1000))
URL="http://[::1]:$CPORT"
AMURL="http://127.0.0.1:$APORT"
ptoken=probe-tok-$RANDOM$RANDOM
echo "$ptoken" >"$D/p1.token"
chmod 600 "$D/p1.token"
mkdir -p "$D/data" "$D/am" && chown nobody "$D/data"
cat >"$D/am.yml" <<EOF
global:
  resolve_timeout: 5m
route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
EOF
cat >"$D/c.conf" <<EOF
collector = { name = "tam"; listen = "[::1]:$CPORT"; data_dir = "data";
              user = "nobody"; site_url = "https://v6.example/watch"; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
alert = { down_after = 2; up_after = 2; quorum = 1; };
webhooks = (
  { name = "am"; url = "$AMURL/api/v2/alerts"; format = "alertmanager";
    groups = [ "ops" ]; resend_interval = 10; retry_min = 1; retry_max = 2; }
);
EOF
ncurl() { ip netns exec "$ns" curl -s -g --max-time 5 "$@"; }

spawn "$ns" -- "$AM" --config.file="$D/am.yml" --storage.path="$D/am" \
	--web.listen-address="127.0.0.1:$APORT" --cluster.listen-address= \
	--log.level=warn
ampid=$SPAWNED
amlog=$SPAWNED_LOG
if ! wait_until 20 ncurl -f "$AMURL/-/ready"; then
	not_ok "alertmanager starts"
	sed 's/^/#   /' "$amlog" | tail -20
	finish
fi
spawn "$ns" -- "$V6COLLECTOR" -c "$D/c.conf" -v
cpid=$SPAWNED
clog=$SPAWNED_LOG
wait_until 10 ncurl -f "$URL/api/v1/status" ||
	{ not_ok "collector starts"; sed 's/^/#   /' "$clog"; finish; }

TS=$(($(date +%s) - 60))
SEQ=0
# post TARGET GROUP V6OUTCOME: one record per family (IPv4 always ok).
post() {
	local recs= fam out
	for fam in ipv6 ipv4; do
		out=ok
		[ $fam = ipv6 ] && out=$3
		SEQ=$((SEQ + 1))
		recs+="${recs:+,}{\"probe\":\"p1\",\"target\":\"$1\",\"group\":\"$2\",\"url\":\"https://$1.example/\",\"family\":\"$fam\",\"ts\":$TS,\"seq\":$SEQ,\"outcome\":\"$out\"}"
	done
	TS=$((TS + 1))
	ncurl -H "Authorization: Bearer $ptoken" -H 'Content-Type: application/json' \
		--data "{\"probe\":\"p1\",\"results\":[$recs]}" "$URL/api/v1/results" |
		grep -q '"accepted":[1-9]' || echo "# post $*: not accepted"
}
updown() { # updown TARGET GROUP OUTCOME...: one post per outcome
	local t=$1 g=$2 o
	shift 2
	for o in "$@"; do post "$t" "$g" "$o"; done
}
# am_alert TARGET FIELD: from GET /api/v2/alerts (active and suppressed,
# not resolved), the alert of TARGET: FIELD is a python expression on it.
am_alert() {
	ncurl "$AMURL/api/v2/alerts" | python3 -c '
import json, sys
a = [x for x in json.load(sys.stdin) if x["labels"].get("target") == sys.argv[1]]
print(eval(sys.argv[2], {"a": a[0]}) if a else "")' "$1" "$2"
}
am_count() { ncurl "$AMURL/api/v2/alerts" | python3 -c '
import json, sys
print(sum(1 for x in json.load(sys.stdin) if x["labels"].get("target") == sys.argv[1]))' "$1"; }
ne() { [ -n "$("$@")" ]; }
eq() { local want=$1; shift; [ "$("$@")" = "$want" ]; }

# --- down: the alert appears, with its labels and annotations ---
updown web ops ok ok timeout timeout
if wait_until 20 ne am_alert web 'a["status"]["state"]'; then
	ok "a target down: its alert is in Alertmanager"
else
	not_ok "a target down: its alert is in Alertmanager"
	sed 's/^/#   /' "$clog" | tail -20
fi
expect_eq "labels: alertname, collector, target, title, group, family, probes" \
	"$(am_alert web 'sorted(a["labels"].items())')" \
	"[('alertname', 'V6watchTargetDown'), ('collector', 'tam'), ('family', 'ipv6'), ('group', 'ops'), ('probes', 'p1'), ('target', 'web'), ('title', 'web')]"
expect_eq "state active" "$(am_alert web 'a["status"]["state"]')" active
expect_match "summary" "$(am_alert web 'a["annotations"]["summary"]')" \
	'^web is DOWN over IPv6$'
expect_match "description: since (local time), outcome, probes" \
	"$(am_alert web 'a["annotations"]["description"]')" \
	'Since: 20[0-9-]+ [0-9:]+ [A-Z+0-9-]+'$'\n''Outcome: timeout'
expect_eq "the target's page: annotation and generatorURL" \
	"$(am_alert web 'a["annotations"]["page"] + " " + a["generatorURL"]')" \
	"https://v6.example/watch/t/web.html https://v6.example/watch/t/web.html"
expect_eq "startsAt is when the outage began (the first failed record)" \
	"$(am_alert web 'a["startsAt"][:19]')" \
	"$(date -u -d "@$((TS - 2))" +%Y-%m-%dT%H:%M:%S)"

# --- firing: sent again while down (Alertmanager's resolve_timeout) ---
u0=$(am_alert web 'a["updatedAt"]')
if wait_until 30 eval '[ "$(am_alert web "a[\"updatedAt\"]")" != "$u0" ]'; then
	ok "while down, the alert is posted again (updatedAt moves)"
else
	not_ok "while down, the alert is posted again (updatedAt moves)"
fi
expect_eq "... and stays one alert" "$(am_count web)" 1

# --- a silence made in Alertmanager is respected ---
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
end=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.000Z)
sid=$(ncurl -H 'Content-Type: application/json' --data \
	"{\"matchers\":[{\"name\":\"target\",\"value\":\"quiet\",\"isRegex\":false,\"isEqual\":true}],\"startsAt\":\"$now\",\"endsAt\":\"$end\",\"createdBy\":\"t-alert-am\",\"comment\":\"maintenance\"}" \
	"$AMURL/api/v2/silences" | python3 -c 'import json,sys; print(json.load(sys.stdin)["silenceID"])')
expect_match "a silence is made" "$sid" '^[0-9a-f-]{36}$'
updown quiet ops ok ok timeout timeout
wait_until 20 ne am_alert quiet 'a["status"]["state"]'
wait_until 10 eq suppressed am_alert quiet 'a["status"]["state"]'
expect_eq "a silenced target's alert shows as suppressed, by that silence" \
	"$(am_alert quiet 'a["status"]["state"] + " " + ",".join(a["status"]["silencedBy"])')" \
	"suppressed $sid"
expect_eq "... the other stays active" "$(am_alert web 'a["status"]["state"]')" active

# --- groups filter: another group's target is never sent ---
updown other dev ok ok timeout timeout
# Drained when the next target of group ops is in: events are in order.
updown later ops ok ok timeout timeout
wait_until 20 ne am_alert later 'a["status"]["state"]'
expect_eq "groups = [\"ops\"]: a target of group dev is not sent" "$(am_count other)" 0

# --- back up: resolved ---
updown web ops ok ok
if wait_until 20 eq 0 am_count web; then
	ok "back up: the alert is resolved (no longer active)"
else
	not_ok "back up: the alert is resolved (no longer active)"
fi
expect_eq "... the others stay" "$(am_count quiet) $(am_count later)" "1 1"
check "the collector logged the delivery" grep -q "webhook am: state_changed delivery [0-9a-f]* delivered" "$clog"

# --- webhook-test ---
expect_status "webhook-test: Alertmanager accepts a test alert" 0 \
	ip netns exec "$ns" "$V6COLLECTOR" webhook-test -c "$D/c.conf" am
wait_until 10 ne eval "ncurl $AMURL/api/v2/alerts | grep V6watchTest"
expect_match "... and lists it" "$(ncurl "$AMURL/api/v2/alerts")" '"alertname":"V6watchTest"'

check "collector alive" kill -0 "$cpid"
check "alertmanager alive" kill -0 "$ampid"
expect_eq "no token in the collector's log" "$(grep -c -- "$ptoken" "$clog")" 0
finish
