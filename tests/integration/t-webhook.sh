#!/bin/bash
# t-webhook: alerts end to end. A collector fed with records by curl
# (two probes, quorum 2) sends webhooks to real receivers on loopback
# (tests/tools/whrecv.py, which logs every request and checks its
# signature, and answers ok, 500, hang or redirect as told):
#   - a target down over IPv6 only -> exactly one state_changed down, back
#     -> one up; nothing for IPv4; one probe alone raises nothing;
#   - readiness_changed when the AAAA record goes; cert_expiring once per
#     threshold crossed; the Slack format; every signature checks;
#   - receiver A down for a while: receiver B keeps getting everything at
#     once, A gets every event afterwards, in the same order;
#   - A answering 500, hanging, redirecting: retried with the same
#     delivery ids, the redirect is not followed, the collector answers
#     all along;
#   - SIGKILL with events queued: delivered after the restart, same ids;
#   - a webhook that never answers is given up on (logged, counted);
#   - v6collector webhook-test exit codes; no secret ever in a log;
#   - contrib/: every body fits webhook-event.schema.json, the Python
#     receiver prints the events (and refuses a forged one), the
#     openssl script verifies a signature and refuses a tampered body.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new wh) || { not_ok "network namespace"; finish; }
RECV="$V6TOP/tests/tools/whrecv.py"
D=$T_DIR
URL='http://[::1]:8080'
ptoken=probe-tok-$RANDOM$RANDOM
echo "$ptoken-1" >"$D/p1.token"
echo "$ptoken-2" >"$D/p2.token"
asecret=hook-a-secret-$RANDOM$RANDOM
bsecret=hook-b-secret-$RANDOM$RANDOM
pathtoken=T0PATH$RANDOM$RANDOM
echo "$asecret" >"$D/a.secret"
echo "$bsecret" >"$D/b.secret"
chmod 644 "$D"/*.token "$D"/*.secret
mkdir -p "$D/data" && chown nobody "$D/data"
echo ok >"$D/a.mode"
cat >"$D/c.conf" <<EOF
collector = { name = "twh"; listen = "[::1]:8080"; data_dir = "data";
              user = "nobody"; };
probes = ( { name = "p1"; token_file = "p1.token"; },
           { name = "p2"; token_file = "p2.token"; } );
alert = { down_after = 2; up_after = 2; quorum = 2;
          cert_thresholds = [30, 7, 14, 1]; };
webhooks = (
  { name = "a"; url = "http://[::1]:9001/hook/a"; secret_file = "a.secret";
    retry_min = 1; retry_max = 2; timeout = 2; },
  { name = "b"; url = "http://[::1]:9002/hook/b"; secret_file = "b.secret";
    retry_min = 1; retry_max = 2; timeout = 2; },
  { name = "s"; url = "http://[::1]:9002/slack/$pathtoken";
    secret_file = "b.secret"; format = "slack"; retry_min = 1; retry_max = 2; },
  { name = "g"; url = "http://[::1]:9/never"; secret_file = "a.secret";
    retry_min = 1; retry_max = 1; timeout = 1; give_up_after = 3; },
  { name = "r"; url = "http://[::1]:9003/"; secret_file = "a.secret";
    retry_min = 1; retry_max = 2; }
);
EOF
ncurl() { ip netns exec "$ns" curl -s -g --max-time 5 "$@"; }

start_collector() {
	spawn "$ns" -- "$V6COLLECTOR" -c "$D/c.conf" -v
	cpid=$SPAWNED
	CLOGS+=("$SPAWNED_LOG")
	wait_until 10 ncurl -f "$URL/api/v1/status"
}
start_recv() { # start_recv a|b PORT
	spawn "$ns" -- python3 "$RECV" --port "$2" --log "$D/$1.log" \
		--secret-file "$D/$1.secret" --mode-file "$D/$1.mode"
	eval "${1}pid=$SPAWNED"
	wait_until 10 grep -q listening "$SPAWNED_LOG"
}
CLOGS=()
start_recv a 9001 || { not_ok "receiver a starts"; finish; }
start_recv b 9002 || { not_ok "receiver b starts"; finish; }
spawn "$ns" -- python3 "$V6TOP/contrib/webhook-receiver.py" --port 9003 \
	--secret-file "$D/a.secret"
rlog=$SPAWNED_LOG
start_collector || { not_ok "collector starts"; sed 's/^/#   /' "${CLOGS[0]}"; finish; }

# Records: one second apart, before now (so no probe counts as silent).
TS=$(($(date +%s) - 120))
declare -A SEQ=([p1]=0 [p2]=0)
# post PROBE TARGET "FAMILY:OUTCOME[:ready][:certdays]" ...: one batch.
post() {
	local p=$1 t=$2 recs= sep= spec fam out rd cd extra
	shift 2
	for spec in "$@"; do
		IFS=: read -r fam out rd cd <<<"$spec"
		SEQ[$p]=$((SEQ[$p] + 1))
		extra=
		[ -n "$rd" ] && extra+=",\"ready\":$rd"
		[ -n "$cd" ] && extra+=",\"tls\":{\"cert_days_left\":$cd}"
		recs+="$sep{\"probe\":\"$p\",\"target\":\"$t\",\"url\":\"https://$t.example/\",\"family\":\"$fam\",\"ts\":$TS,\"seq\":${SEQ[$p]},\"outcome\":\"$out\"$extra}"
		sep=,
	done
	TS=$((TS + 1))
	ncurl -H "Authorization: Bearer $(cat "$D/$p.token")" \
		-H 'Content-Type: application/json' \
		--data "{\"probe\":\"$p\",\"results\":[$recs]}" "$URL/api/v1/results" |
		grep -q '"accepted":[1-9]' || echo "# post $p $t $*: not accepted"
}
# round TARGET V6_P1 V6_P2 [READY_P1 READY_P2 [CERT]]: both probes, both
# families (IPv4 always ok).
round() {
	post p1 "$1" "ipv6:$2:${4:-}:${6:-}" "ipv4:ok"
	post p2 "$1" "ipv6:$3:${5:-}:${6:-}" "ipv4:ok"
}

# events LOG [PATHPREFIX]: one line per request:
#   mode id event target family state sig_ok
events() {
	python3 - "$@" <<'EOF'
import json, sys
pre = sys.argv[2] if len(sys.argv) > 2 else ""
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    lines = []
for l in lines:
    r = json.loads(l)
    if not r["path"].startswith(pre):
        continue
    h = r["headers"]
    try:
        b = json.loads(r["body"])
    except ValueError:
        b = {}
    st = b.get("state", b.get("ready", b.get("threshold", "-")))
    print(r["mode"], h.get("X-V6watch-Delivery", "-"), h.get("X-V6watch-Event", "-"),
          b.get("target", "-"), b.get("family", "-"), str(st).lower(), r["sig_ok"])
EOF
}
# ok deliveries of LOG (under PATHPREFIX), without the mode column.
delivered() { events "$@" | awk '$1 == "ok" {print $2, $3, $4, $5, $6}'; }
count_ok() { delivered "$@" | wc -l; }
# Conditions for wait_until, computed afresh each time:
ge() { local n=$1 v; shift; v=$("$@"); [ "${v:-0}" -ge "$n" ]; }
eq() { local want=$1; shift; [ "$("$@")" = "$want" ]; }
ne() { [ -n "$("$@")" ]; }
ndel() { delivered "$1" "$2" | grep -c " $3 "; } # ndel LOG PREFIX TARGET
nmode() { events "$1" | awk -v m="$2" -v t="${3:-}" '$1 == m && (t == "" || $4 == t)' | wc -l; }
# (slack gets no readiness_changed unless its events list it)
slack_caught_up() { [ "$(count_ok "$D/b.log" /slack/)" -ge "$(delivered "$D/b.log" /hook/b | grep -vc ' readiness_changed ')" ]; }
whstatus() { # whstatus NAME FIELD
	ncurl "$URL/api/v1/status" | python3 -c '
import json, sys
w = [x for x in json.load(sys.stdin)["webhooks"] if x["name"] == sys.argv[1]][0]
print(w.get(sys.argv[2], ""))' "$1" "$2"
}

# --- 1: down over IPv6 only, quorum 2; readiness; certificates ---
round web ok ok
round web ok ok
round web timeout ok
round web timeout ok
round web timeout ok
sleep 0.3
expect_eq "one probe of two sees it down: nothing sent (quorum 2)" \
	"$(delivered "$D/b.log" | grep -c ' web ')" 0
round web timeout timeout
round web timeout timeout
round web ok ok
round web ok ok
wait_until 10 ge 2 ndel "$D/b.log" "" web
expect_eq "down over IPv6 only, then back: exactly one down and one up" \
	"$(delivered "$D/b.log" | grep ' web ' | awk '{print $2, $4, $5}')" \
	"state_changed ipv6 down
state_changed ipv6 up"
body=$(grep -m1 '"state\\":\\"down' "$D/b.log" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["body"])')
expect_match "the down event body" "$body" \
	'^\{"event":"state_changed","target":"web","url":"https://web.example/","family":"ipv6","state":"down","previous":"up","since":[0-9.]+,"outcome":"timeout","probes":\["p1","p2"\],"detail":"p1: timeout \([0-9]+ in a row\); p2: timeout \(2 in a row\)","collector":"twh","ts":[0-9.]+\}$'
echo "# $body"

round aaaa ok ok true true
round aaaa ok ok true true
round aaaa no_address no_address false false
round aaaa no_address no_address false false
round aaaa ok ok true true
round aaaa ok ok true true
wait_until 10 ge 4 ndel "$D/b.log" "" aaaa
expect_eq "the AAAA record goes and comes back: state and readiness events" \
	"$(delivered "$D/b.log" | grep ' aaaa ' | awk '{print $2, $5}')" \
	"state_changed down
readiness_changed false
state_changed up
readiness_changed true"

for days in 40 40 20 20 20 16 5 5; do round cert ok ok "" "" "$days"; done
wait_until 10 ge 2 ndel "$D/b.log" "" cert
sleep 0.5
expect_eq "cert_expiring once per threshold crossed (30, then 7)" \
	"$(delivered "$D/b.log" | grep ' cert ' | awk '{print $2, $5}')" \
	"cert_expiring 30
cert_expiring 7"

wait_until 10 slack_caught_up
slack=$(grep -m1 '/slack/' "$D/b.log" | python3 -c 'import json,sys; b=json.loads(json.loads(sys.stdin.read())["body"]); print(list(b.keys()), b["text"].splitlines()[0])')
expect_match "format = slack sends {\"text\": ...}" "$slack" "^\['text'\] :red_circle: \*web\* is DOWN over IPv6"
expect_eq "webhook a got the same events as b" "$(delivered "$D/a.log" | awk '{print $2, $3, $4, $5}')" \
	"$(delivered "$D/b.log" /hook/b | awk '{print $2, $3, $4, $5}')"

# --- 2: receiver a down for a while ---
stop_pid "$apid"
for i in 1 2 3; do
	round flap timeout timeout
	round flap timeout timeout
	round flap ok ok
	round flap ok ok
done
wait_until 10 ge 6 ndel "$D/b.log" /hook/b flap
expect_eq "receiver a down: b gets all 6 events meanwhile" \
	"$(delivered "$D/b.log" /hook/b | grep -c ' flap ')" 6
wait_until 10 ne whstatus a last_error
expect_match "status shows a's last delivery error" "$(whstatus a last_error)" .
expect_eq "... and its queue" "$(whstatus a queued)" 6
expect_match "metrics: queue gauge and failed deliveries" \
	"$(ncurl "$URL/metrics")" \
	'v6watch_webhook_queue_length\{webhook="a"\} 6'
start_recv a 9001
wait_until 20 ge 6 ndel "$D/a.log" "" flap
expect_eq "receiver a back: every event arrives, in order" \
	"$(delivered "$D/a.log" | awk '{print $3, $4, $5}')" \
	"$(delivered "$D/b.log" /hook/b | awk '{print $3, $4, $5}')"

# --- 3: 500, hang, redirect: retried, same delivery ids ---
echo 500 >"$D/a.mode"
round r5 timeout timeout
round r5 timeout timeout
wait_until 10 ge 2 nmode "$D/a.log" 500 r5
echo hang >"$D/a.mode"
wait_until 10 ge 1 nmode "$D/a.log" hang
t0=$(date +%s%N)
check "a hanging receiver: the collector still answers at once" ncurl --max-time 1 -f "$URL/api/v1/status"
round r5 ok ok
round r5 ok ok
wait_until 10 ge 2 ndel "$D/b.log" /hook/b r5
expect_eq "... and webhook b keeps flowing" "$(delivered "$D/b.log" /hook/b | grep -c ' r5 ')" 2
wait_until 10 ge 2 nmode "$D/a.log" hang
expect_match "the hang is a timeout" "$(whstatus a last_error)" "no answer within 2 s"
echo redirect >"$D/a.mode"
wait_until 10 ge 2 nmode "$D/a.log" redirect
expect_match "a 302 is a failure" "$(whstatus a last_error)" "HTTP 302: redirects are not followed"
expect_eq "... and is not followed" "$(grep -c elsewhere "$D/a.log")" 0
echo ok >"$D/a.mode"
wait_until 20 ge 2 ndel "$D/a.log" "" r5
ids_failed=$(events "$D/a.log" | awk '$1 != "ok" && $4 == "r5" {print $2}' | sort -u)
ids_ok=$(delivered "$D/a.log" | awk '$3 == "r5" {print $1}' | sort -u)
expect_eq "retries keep the delivery id" "$(comm -23 <(echo "$ids_failed") <(echo "$ids_ok"))" ""
expect_eq "... and the order" "$(delivered "$D/a.log" | awk '$3 == "r5" {print $5}')" "down
up"

# --- 4: SIGKILL with events queued ---
echo 500 >"$D/a.mode"
round kill timeout timeout
round kill timeout timeout
round kill ok ok
round kill ok ok
wait_until 10 eq 2 whstatus a queued
wait_until 10 ge 2 ndel "$D/b.log" /hook/b kill
ids_before=$(events "$D/a.log" | awk '$4 == "kill" {print $2}' | sort -u)
stop_pid "$cpid" KILL
echo ok >"$D/a.mode"
start_collector || { not_ok "collector restarts after SIGKILL"; finish; }
wait_until 10 ge 2 ndel "$D/a.log" "" kill
expect_eq "killed with 2 events queued: both delivered after the restart, in order" \
	"$(delivered "$D/a.log" | awk '$3 == "kill" {print $5}')" "down
up"
expect_eq "... with the delivery ids of before" \
	"$(comm -23 <(echo "$ids_before") <(delivered "$D/a.log" | awk '$3 == "kill" {print $1}' | sort -u))" ""
expect_eq "... and nothing sent twice to b" "$(delivered "$D/b.log" /hook/b | grep -c ' kill ')" 2

# --- 5: every request signed; give-up; webhook-test; secrets ---
expect_eq "every request to a and b carries a valid signature" \
	"$(events "$D/a.log"; events "$D/b.log")" \
	"$( (events "$D/a.log"; events "$D/b.log") | awk '$7 == "True"')"
expect_eq "X-V6watch-Delivery is 32 hex digits" \
	"$( (events "$D/a.log"; events "$D/b.log") | awk '{print $2}' |
		grep -Evc '^[0-9a-f]{32}$')" 0
wait_until 20 ge 1 whstatus g given_up
check "a webhook that never answers is given up on" test "$(whstatus g given_up)" -ge 1
check "... logged" grep -q 'webhook g: gave up on' "${CLOGS[@]}"
expect_match "... and counted" "$(ncurl "$URL/metrics")" \
	'v6watch_webhook_deliveries_total\{webhook="g",result="given_up"\} [1-9]'

WT() { ip netns exec "$ns" "$V6COLLECTOR" webhook-test -c "$D/c.conf" "$@"; }
expect_status "webhook-test a: 0 on a 2xx" 0 WT a
check "... the receiver got a signed test event" \
	test "$(events "$D/a.log" | awk '$3 == "test" && $7 == "True"' | wc -l)" -eq 1
echo 500 >"$D/a.mode"
expect_status "webhook-test a: 1 on a 500" 1 WT a
expect_match "... with the reason" "$(cat "$T_DIR/status.out")" "webhook a: not delivered: HTTP 500"
echo ok >"$D/a.mode"
expect_status "webhook-test with no name: every webhook (g fails)" 1 WT
expect_status "webhook-test of an unknown webhook: 3" 3 WT nosuch

# --- 6: contrib/ ---
expect_eq "every JSON body fits contrib/webhook-event.schema.json" "$(
	python3 - "$V6TOP/contrib/webhook-event.schema.json" "$D/a.log" "$D/b.log" <<'EOF'
import json, sys
schema = json.load(open(sys.argv[1]))
bodies = []
for f in sys.argv[2:]:
    for l in open(f):
        r = json.loads(l)
        if not r["path"].startswith("/slack/"):
            bodies.append(json.loads(r["body"]))
try:
    import jsonschema
    v = jsonschema.Draft202012Validator(schema)
    check = lambda b: [e.message for e in v.iter_errors(b)]
except ImportError:
    print("# jsonschema not installed: required keys and names only")
    def check(b):
        errs = [k for k in schema["required"] if k not in b]
        for alt in schema["oneOf"]:
            if alt["properties"]["event"]["const"] == b.get("event"):
                errs += [k for k in alt.get("required", []) if k not in b]
                break
        else:
            errs.append("event")
        errs += [k for k in b if k not in schema["properties"] and
                 not any(k in a["properties"] for a in schema["oneOf"])]
        return errs
bad = [(b, check(b)) for b in bodies if check(b)]
for b, e in bad[:3]:
    print("#", e, json.dumps(b)[:200])
print(len(bodies) > 20 and not bad)
EOF
)" True
wait_until 10 grep -q '^state_changed web ipv6 down' "$rlog"
check "contrib/webhook-receiver.py prints the events" \
	grep -q '^state_changed web ipv6 up' "$rlog"
expect_eq "... and refuses a forged one" "$(ncurl -o /dev/null -w '%{http_code}' \
	-H 'X-V6watch-Signature: sha256=00' --data '{"event":"test"}' 'http://[::1]:9003/')" 401
python3 - "$D/a.log" "$D" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
open(sys.argv[2] + "/body", "w").write(r["body"])
open(sys.argv[2] + "/sig", "w").write(r["headers"]["X-V6watch-Signature"])
EOF
VERIFY="$V6TOP/contrib/webhook-verify.sh"
expect_status "contrib/webhook-verify.sh: a real signature is valid" 0 \
	sh -c '"$0" "$1" "$(cat "$2/sig")" <"$2/body"' "$VERIFY" "$D/a.secret" "$D"
expect_status "... a tampered body is not" 1 \
	sh -c '{ cat "$2/body"; echo; } | "$0" "$1" "$(cat "$2/sig")"' "$VERIFY" "$D/a.secret" "$D"
expect_status "... nor the key of another webhook" 1 \
	sh -c '"$0" "$1" "$(cat "$2/sig")" <"$2/body"' "$VERIFY" "$D/b.secret" "$D"

check "collector alive" kill -0 "$cpid"
leaks=0
for s in "$asecret" "$bsecret" "$ptoken" "$pathtoken"; do
	if grep -l -- "$s" "${CLOGS[@]}" "$T_DIR/status.out" "$T_DIR/check.out" |
		sed 's/^/# leak in /' | grep .; then
		leaks=1
	fi
done
expect_eq "no secret, token or URL path in the collector's logs" "$leaks" 0
finish
