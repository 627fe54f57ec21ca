#!/bin/bash
# t-alert-chat: formats "telegram" and "teams" against receivers that check
# each body as the Bot API and Teams Workflows document it
# (tests/tools/chatrecv.py), and the per-webhook filters and min_duration
# against tests/tools/whrecv.py, in the collector's own network namespace:
#   - telegram: POST BASE/bot<TOKEN>/sendMessage with chat_id, HTML text
#     escaped (a target whose name and detail hold <, >, &), the target's
#     page, the outage's length on recovery; one message per recovery
#     (readiness_changed not sent unless listed);
#   - teams: an Adaptive Card 1.4 with a TextBlock and a FactSet;
#   - min_duration: a problem shorter than it is never sent, nor its
#     recovery; one that lasts is sent once it has lasted;
#   - families / events filters;
#   - the bot token and the Workflow URL's signature never in a log, even
#     when a POST fails.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new chat) || { not_ok "network namespace"; finish; }
D=$T_DIR
RECV="$V6TOP/tests/tools/chatrecv.py"
CPORT=$((18000 + RANDOM % 1000))
URL="http://[::1]:$CPORT"
ptoken=probe-tok-$RANDOM$RANDOM
bot="$((100000 + RANDOM)):AAbot-Tok_$RANDOM$RANDOM"
sig=SIG$RANDOM$RANDOM
echo "$ptoken" >"$D/p1.token"
echo "$bot" >"$D/tg.token"
echo "whsec-$RANDOM" >"$D/wh.secret"
chmod 600 "$D"/*.token "$D"/*.secret
mkdir -p "$D/data" && chown nobody "$D/data"
cat >"$D/c.conf" <<EOF
collector = { name = "tchat"; listen = "[::1]:$CPORT"; data_dir = "data";
              user = "nobody"; site_url = "https://v6.example/"; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
alert = { down_after = 2; up_after = 2; quorum = 1; cert_thresholds = [30]; };
webhooks = (
  { name = "tg"; format = "telegram"; url = "http://[::1]:9101/";
    secret_file = "tg.token"; chat_id = "-1001234567890"; retry_min = 1; },
  { name = "tgdead"; format = "telegram"; url = "http://[::1]:9/";
    secret_file = "tg.token"; chat_id = "@v6ops"; retry_min = 1;
    give_up_after = 2; },
  { name = "teams"; format = "teams"; retry_min = 1;
    url = "http://[::1]:9102/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=$sig"; },
  { name = "slow"; url = "http://[::1]:9103/slow"; secret_file = "wh.secret";
    min_duration = 3600; retry_min = 1; },
  { name = "hold"; url = "http://[::1]:9103/hold"; secret_file = "wh.secret";
    min_duration = 20; retry_min = 1; },
  { name = "v4"; url = "http://[::1]:9103/v4"; secret_file = "wh.secret";
    families = [ "ipv4" ]; events = [ "state_changed" ]; retry_min = 1; }
);
EOF
ncurl() { ip netns exec "$ns" curl -s -g --max-time 5 "$@"; }
spawn "$ns" -- python3 "$RECV" --kind telegram --port 9101 --log "$D/tg.log" \
	--token-file "$D/tg.token"
wait_until 10 grep -q listening "$SPAWNED_LOG" || { not_ok "telegram receiver"; finish; }
spawn "$ns" -- python3 "$RECV" --kind teams --port 9102 --log "$D/teams.log"
wait_until 10 grep -q listening "$SPAWNED_LOG" || { not_ok "teams receiver"; finish; }
spawn "$ns" -- python3 "$V6TOP/tests/tools/whrecv.py" --port 9103 \
	--log "$D/wh.log" --secret-file "$D/wh.secret"
wait_until 10 grep -q listening "$SPAWNED_LOG" || { not_ok "json receiver"; finish; }
spawn "$ns" -- "$V6COLLECTOR" -c "$D/c.conf" -v
cpid=$SPAWNED
clog=$SPAWNED_LOG
wait_until 10 ncurl -f "$URL/api/v1/status" ||
	{ not_ok "collector starts"; sed 's/^/#   /' "$clog"; finish; }

SEQ=0
# post TARGET TS V6OUTCOME V4OUTCOME [READY] [CERTDAYS]
post() {
	local recs= fam out extra
	for fam in ipv6 ipv4; do
		out=$3
		[ $fam = ipv4 ] && out=$4
		SEQ=$((SEQ + 1))
		extra=
		[ -n "${5:-}" ] && extra+=",\"ready\":$5"
		[ -n "${6:-}" ] && extra+=",\"tls\":{\"cert_days_left\":$6}"
		[ -n "${TITLE:-}" ] && extra+=",\"title\":$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$TITLE")"
		recs+="${recs:+,}{\"probe\":\"p1\",\"target\":$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"),\"url\":\"https://t.example/\",\"family\":\"$fam\",\"ts\":$2,\"seq\":$SEQ,\"outcome\":\"$out\"$extra}"
	done
	ncurl -H "Authorization: Bearer $ptoken" -H 'Content-Type: application/json' \
		--data "{\"probe\":\"p1\",\"results\":[$recs]}" "$URL/api/v1/results" |
		grep -q '"accepted":[1-9]' || echo "# post $*: not accepted"
}
lines() { [ -f "$1" ] && grep -c "${2:-.}" "$1" || echo 0; }
ge() { local n=$1 v; shift; v=$("$@"); [ "${v:-0}" -ge "$n" ]; }
# field LOG N EXPR: python EXPR on the N-th request (r: the record, b: body)
field() {
	python3 - "$@" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
r = recs[int(sys.argv[2])]
try:
    b = json.loads(r["body"])
except ValueError:
    b = None
print(eval(sys.argv[3]))
EOF
}

# 1. "a<b>&c" down over IPv6 (records 60 s old: min_duration 2 passed),
#    not ready, then back with readiness.
T=$(($(date +%s) - 60))
name='a<b>&c'
post "$name" $T ok ok true
post "$name" $((T + 1)) ok ok true
post "$name" $((T + 2)) refused ok false
post "$name" $((T + 3)) refused ok false
post "$name" $((T + 32)) ok ok true
post "$name" $((T + 33)) ok ok true
wait_until 10 ge 2 lines "$D/tg.log"
wait_until 10 ge 2 lines "$D/teams.log"
sleep 0.5
expect_eq "telegram: one message down, one back (readiness not listed)" "$(lines "$D/tg.log")" 2
expect_eq "... each as the Bot API takes it (chat_id, HTML escaped, path)" \
	"$(field "$D/tg.log" 0 'r["problems"]') $(field "$D/tg.log" 1 'r["problems"]')" "[] []"
expect_eq "... the text as the chat shows it" "$(field "$D/tg.log" 0 'b["chat_id"] + " " + b["parse_mode"] + " " + r["shown"].splitlines()[0]')" \
	"-1001234567890 HTML 🔴 a&lt;b&gt;&amp;c is DOWN over IPv6"
expect_match "... a link to the target's page" "$(field "$D/tg.log" 0 'b["text"]')" \
	'<a href="https://v6.example/t/a~3Cb~3E~26c.html">Target page</a>'
expect_match "... the local time it began" "$(field "$D/tg.log" 0 'b["text"]')" \
	"Since: $(date -d "@$((T + 2))" '+%Y-%m-%d %H:%M:%S %Z')"
expect_match "the recovery says how long it was down" "$(field "$D/tg.log" 1 'r["shown"].splitlines()[0]')" \
	'is back UP over IPv6 after 30 s$'
expect_eq "... and no signature header carries the bot token's HMAC" \
	"$(field "$D/tg.log" 0 '"X-V6watch-Signature" in r["headers"]')" False
expect_eq "teams: two Adaptive Cards as Workflows take them" \
	"$(lines "$D/teams.log") $(field "$D/teams.log" 0 'r["problems"]') $(field "$D/teams.log" 1 'r["problems"]')" "2 [] []"
expect_eq "... the card's headline and facts" \
	"$(field "$D/teams.log" 1 'b["attachments"][0]["content"]["body"][0]["text"] + " | " + ",".join(f["title"] for f in b["attachments"][0]["content"]["body"][1]["facts"])')" \
	"a<b>&c is back UP over IPv6 after 30 s | Since,Down for,URL,Probes,Details,Collector"
expect_eq "... and the page as an Action.OpenUrl" \
	"$(field "$D/teams.log" 0 'b["attachments"][0]["content"]["actions"][0]["url"]')" \
	"https://v6.example/t/a~3Cb~3E~26c.html"

# 2. min_duration: "blip" down and back at once (the hold webhook waits
#    20 s -- long enough for the posts below on a loaded machine: blip's
#    recovery comes first); "long" goes down and stays down.
#    Their records are stamped a few seconds ahead (allowed: a probe's
#    clock may be): held from when the problem was raised.
N=$(date +%s)
post blip $((N - 40)) ok ok
post blip $((N - 39)) ok ok
post long $((N - 38)) ok ok
post long $((N - 37)) ok ok
post blip $((N + 1)) timeout timeout
post blip $((N + 2)) timeout timeout
post long $((N + 1)) timeout ok
post long $((N + 2)) timeout ok
post blip $((N + 3)) ok ok
post blip $((N + 4)) ok ok
# cert: a one-shot event (no min_duration) queued after all of the above.
post cert "$((N - 1))" ok ok "" 20
post cert "$N" ok ok "" 20
wait_until 10 ge 1 lines "$D/wh.log" '"/slow"'
expect_eq "min_duration 3600: a short outage is never sent, nor its recovery" \
	"$(grep '"/slow"' "$D/wh.log" | grep -c 'state_changed')" 0
wait_until 40 ge 1 lines "$D/wh.log" '"/hold".*long'
hold() { # the events the hold webhook got: event target family state
	# and, for long, whether it had lasted 20 s (from its first failed
	# record, or from when it was raised if that is stamped later)
	python3 - "$D/wh.log" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    b = json.loads(r["body"])
    if r["path"] == "/hold":
        print(b["event"], b.get("target"), b.get("family", "-"),
              b.get("state", b.get("ready")),
              r["t"] - min(b["since"], b["ts"]) >= 20
              if b.get("target") == "long" else "-")
EOF
}
expect_eq "min_duration 20: 'long' is sent once down for 20 s; 'blip' (back at once) never; the first outage (long past) went, down and up" \
	"$(hold | sort)" "$(sort <<<"state_changed a<b>&c ipv6 down -
readiness_changed a<b>&c - False -
state_changed a<b>&c ipv6 up -
readiness_changed a<b>&c - True -
cert_expiring cert ipv6 None -
state_changed long ipv6 down True")"
wait_until 10 ge 4 lines "$D/wh.log" '"/v4"'
expect_eq "families = [ipv4], events = [state_changed]: IPv4 state changes only" \
	"$(python3 - "$D/wh.log" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    b = json.loads(r["body"])
    if r["path"] == "/v4":
        print(b["event"], b["target"], b.get("family"), b.get("state"))
EOF
)" "state_changed blip ipv4 down
state_changed blip ipv4 up"

# 2b. A target with a title (a probe's own, its records bring it): the
#     messages name it by its title, the id beside it.
T=$(($(date +%s) - 60))
export TITLE="Cổng dịch vụ công – Sở Y tế"
post svc $T ok ok
post svc $((T + 1)) refused ok
post svc $((T + 2)) refused ok
unset TITLE
svc_line() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if "(svc)" in r["shown"]:
        print(r["shown"].splitlines()[0])
        break' "$D/tg.log"
}
svc_seen() { [ -n "$(svc_line)" ]; }
wait_until 15 svc_seen
expect_eq "telegram: a target named by its title" "$(svc_line)" \
	"🔴 Cổng dịch vụ công – Sở Y tế (svc) is DOWN over IPv6"

# 3. secrets
wait_until 10 grep -q 'webhook tgdead: .* failed' "$clog"
check "a failing telegram webhook is logged" grep -q 'webhook tgdead: .* failed' "$clog"
leaks=0
for s in "$bot" "${bot#*:}" "$sig" "$ptoken"; do
	grep -l -F -- "$s" "$clog" "$T_DIR"/*.out 2>/dev/null | sed 's/^/# leak in /' | grep . && leaks=1
done
expect_eq "no bot token, Workflow signature or probe token in the logs" "$leaks" 0
status=$(ncurl "$URL/api/v1/status")
expect_eq "... nor in the status API" "$(grep -c -F -e "${bot#*:}" -e "$sig" <<<"$status")" 0
expect_status "webhook-test tg: the Bot API takes a test message" 0 \
	ip netns exec "$ns" "$V6COLLECTOR" webhook-test -c "$D/c.conf" tg
expect_status "webhook-test teams" 0 \
	ip netns exec "$ns" "$V6COLLECTOR" webhook-test -c "$D/c.conf" teams
expect_status "webhook-test tgdead fails" 1 \
	ip netns exec "$ns" "$V6COLLECTOR" webhook-test -c "$D/c.conf" tgdead
expect_eq "... without the token in what it says" "$(grep -c -F -e "${bot#*:}" "$T_DIR/status.out")" 0
check "collector alive" kill -0 "$cpid"

# 4. contrib/webhooks.conf: one webhook of each format, a config that loads.
mkdir -p "$D/contrib/secrets"
cp "$V6TOP/contrib/webhooks.conf" "$D/contrib/"
for f in ops.secret tg.token hn-vnpt-1.token; do
	echo "12345:secret-$RANDOM" >"$D/contrib/secrets/$f"
done
chmod 600 "$D"/contrib/secrets/*
# As the service user would (here "nobody" when this machine has no
# v6watch user: root is told the user is missing, and rightly).
as=(); id v6watch >/dev/null 2>&1 || {
	as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
	chown -R nobody:nogroup "$D/contrib"
}
expect_status "contrib/webhooks.conf passes --check-config" 0 \
	"${as[@]}" "$V6COLLECTOR" --check-config -c "$D/contrib/webhooks.conf"
expect_eq "... with a webhook of each format" \
	"$(grep -o 'format = "[a-z]*"' "$D/contrib/webhooks.conf" | sort -u | wc -l)" 5
finish
