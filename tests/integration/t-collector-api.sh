#!/bin/bash
# t-collector-api: POST /api/v1/results, /api/v1/status and /metrics of a
# real v6collector (started as root, running as nobody, direct librrd) in
# a network namespace, fed hostile input: no token, a wrong token, another
# probe's token, wrong method / path / type, a 1 MiB + 1 body, a chunked
# body that grows past 1 MiB (and one past 16 MiB), truncated JSON,
# 10,000-deep nesting, wrong types, an unknown outcome, names with ../,
# slashes, NUL escapes and 10,000 characters, a batch of 10,000 records
# and the same batch twice.
# Each: the documented status and error, no file outside data_dir or for a
# rejected record, nothing lost, the collector alive; tokens in no log and
# no answer; /metrics passes promtool.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new api) || { not_ok "network namespace"; finish; }
mkdir -p "$T_DIR/etc"
tok1=tok-p1-$RANDOM$RANDOM
tok2=tok-p2-$RANDOM$RANDOM
echo "$tok1" >"$T_DIR/etc/p1.token"
echo "$tok2" >"$T_DIR/etc/p2.token"
chmod 644 "$T_DIR"/etc/*.token
cat >"$T_DIR/etc/c.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$T_DIR/data";
              user = "nobody"; step = 60; };
probes = ( { name = "p1"; token_file = "p1.token"; },
           { name = "p2"; token_file = "p2.token"; } );
alert = { down_after = 1; up_after = 1; };  # each record decides
EOF
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/etc/c.conf" -v
cpid=$SPAWNED
clog=$SPAWNED_LOG
URL='http://[::1]:8080'
ncurl() { ip netns exec "$ns" curl -s -g --max-time 20 "$@"; }
if wait_until 10 ncurl -f "$URL/api/v1/status"; then
	ok "collector answers"
else
	not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish
fi

# req EXPECTED_CODE WHAT curl-args...: one request; the body in $BODY.
req() {
	local want=$1 what=$2 code; shift 2
	code=$(ncurl -o "$T_DIR/body" -D "$T_DIR/headers" -w '%{http_code}' "$@")
	BODY=$(cat "$T_DIR/body" 2>/dev/null)
	expect_eq "$what: HTTP $want" "$code" "$want"
}
# post EXPECTED_CODE WHAT TOKEN FILE [curl-args...] (Content-Type: $ctype)
ctype=application/json
post() {
	local want=$1 what=$2 tok=$3 file=$4; shift 4
	req "$want" "$what" -H "Authorization: Bearer $tok" \
		-H "Content-Type: $ctype" --data-binary @"$file" \
		"$@" "$URL/api/v1/results"
}
is_error_json() {
	expect_match "$1: the answer is {\"error\":...}" "$BODY" '^\{"error":"[^"]+"\}$'
}
alive() { check "collector alive after $1" kill -0 "$cpid"; }

# Bodies (python3 writes the big and the odd ones).
python3 - "$T_DIR" <<'EOF'
import json, sys
d = sys.argv[1]
def rec(seq, target="portal", fam="ipv6", ts=1764480000, outcome="ok", probe="p1"):
    return {"probe": probe, "target": target, "url": "https://portal.example/",
            "family": fam, "ts": ts, "seq": seq, "outcome": outcome,
            "ms": {"dns": 2.1, "connect": 10.4, "total": 57.9},
            "tls": {"version": "TLSv1.3", "cert_days_left": 87}}
def w(name, text):
    open(f"{d}/{name}", "w").write(text)
w("ok1.json", json.dumps({"probe": "p1", "results": [rec(1), rec(2, fam="ipv4", outcome="timeout")]}))
def padded(n):
    head = '{"probe":"p1","results":['
    return head + " " * (n - len(head) - 2) + "]}"
w("big.json", padded(1048577))
w("max.json", padded(1048576))
w("huge.json", "x" * (2 * 1048576))
w("small-chunked.json", json.dumps({"probe": "p1", "results": [rec(3, target="chunked")]}))
w("truncated.json", json.dumps({"probe": "p1", "results": [rec(4)]})[:-7])
w("deep.json", '{"probe":"p1","results":' + "[" * 10000 + "]" * 10000 + "}")
w("results-object.json", '{"probe":"p1","results":{}}')
w("probe-number.json", '{"probe":1,"results":[]}')
w("unknown-field.json", '{"probe":"p1","results":[],"token":"x"}')
w("other-probe.json", json.dumps({"probe": "p2", "results": []}))
w("ghost-probe.json", json.dumps({"probe": "ghost", "results": []}))
w("dotdot-probe.json", json.dumps({"probe": "../../etc", "results": [rec(30, probe="../../etc")]}))
w("long-probe.json", json.dumps({"probe": "p" * 10000, "results": []}))
bad = [rec(10, target="t-seq"), rec(11, target="t-outcome", outcome="melted"),
       rec(12, target="t-types"), rec(13, target="../../../../../../../../tmp/v6w-escape"),
       rec(14, target="a/b/c"), rec(15, target="x" * 10000), rec(16, target="t-ts")]
bad[0]["seq"] = "10"
bad[2]["ms"] = {"dns": "fast"}
bad[6]["ts"] = -5
w("bad-records.json", json.dumps({"probe": "p1", "results": bad}))
w("nul.json", '{"probe":"p1","results":[{"probe":"p1","target":"x\\u0000y","url":"https://x.example/","family":"ipv6","ts":1764480000,"seq":20,"outcome":"ok"}]}')
# 10,000 records: 5 targets x 2 families x 1000 rounds, seq 100..10099,
# short enough to fit in 1 MiB (9-digit ts: year 2001).
recs = []
seq = 100
for r in range(1000):
    for t in "bcdef":
        for fam in ("ipv6", "ipv4"):
            recs.append('{"probe":"p1","target":"%s","url":"http://b/","family":"%s","ts":%d,"seq":%d,"outcome":"ok"}'
                        % (t, fam, 980000000 + 60 * r, seq))
            seq += 1
w("10k.json", '{"probe":"p1","results":[' + ",".join(recs) + "]}")
EOF
touch "$T_DIR/marker"

req 200 "GET /api/v1/status" "$URL/api/v1/status"
expect_match "status is JSON with the collector's name" "$BODY" '^\{"collector":"t",'
req 200 "dual stack: status over 127.0.0.1" "http://127.0.0.1:8080/api/v1/status"

post 200 "a good batch" "$tok1" "$T_DIR/ok1.json"
expect_eq "... both accepted" "$BODY" '{"accepted":2,"duplicates":0,"rejected":[]}'
check "... stored in portal.ipv6.rrd" test -f "$T_DIR/data/rrd/p1/portal.ipv6.rrd"
expect_match "... rrdtool lastupdate sees it" \
	"$(rrdtool lastupdate "$T_DIR/data/rrd/p1/portal.ipv4.rrd")" '^1764480000: 0 2.1 10.4 U U 57.9 87$'
check "... files belong to nobody" \
	test "$(stat -c %U "$T_DIR/data/rrd/p1/portal.ipv6.rrd")" = nobody

# Authentication.
req 401 "no token" -H 'Content-Type: application/json' --data-binary @"$T_DIR/ok1.json" "$URL/api/v1/results"
is_error_json "no token"
expect_match "... with WWW-Authenticate: Bearer" "$(cat "$T_DIR/headers")" '^WWW-Authenticate: Bearer'
post 401 "wrong token" "not-$tok1" "$T_DIR/ok1.json"
is_error_json "wrong token"
post 401 "empty token" "" "$T_DIR/ok1.json"
post 403 "p2's token for p1's batch" "$tok2" "$T_DIR/ok1.json"
is_error_json "other probe's token"
post 403 "p1's token for a probe not configured" "$tok1" "$T_DIR/ghost-probe.json"
post 403 "a probe named ../../etc" "$tok1" "$T_DIR/dotdot-probe.json"
post 403 "a probe name of 10,000 characters" "$tok1" "$T_DIR/long-probe.json"
post 200 "p2's token for p2's batch" "$tok2" "$T_DIR/other-probe.json"

# Methods, paths, types.
req 405 "PUT /api/v1/results" -X PUT "$URL/api/v1/results"
expect_match "... Allow: POST" "$(cat "$T_DIR/headers")" '^Allow: POST'
is_error_json "405"
req 405 "POST /api/v1/status" -X POST --data x "$URL/api/v1/status"
expect_match "... Allow: GET, HEAD" "$(cat "$T_DIR/headers")" '^Allow: GET, HEAD'
req 404 "GET /nope" "$URL/nope"
is_error_json "404"
req 404 "GET /api/v1/results/../../etc/passwd" --path-as-is "$URL/api/v1/results/../../etc/passwd"
ctype=text/plain post 415 "text/plain body" "$tok1" "$T_DIR/ok1.json"
ctype='application/json; charset=utf-8' post 200 "application/json; charset=utf-8" "$tok1" "$T_DIR/ok1.json"

# Size.
post 200 "a body of exactly 1 MiB" "$tok1" "$T_DIR/max.json"
post 413 "1 MiB + 1 body (Content-Length)" "$tok1" "$T_DIR/big.json"
is_error_json "413"
post 413 "chunked body growing past 1 MiB" "$tok1" "$T_DIR/huge.json" -H 'Transfer-Encoding: chunked'
is_error_json "413 of a chunked body"
head -c 20000000 /dev/zero | tr '\0' ' ' >"$T_DIR/endless.json"
code=$(ncurl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok1" -H "Content-Type: $ctype" \
	-H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/endless.json" "$URL/api/v1/results")
expect_match "chunked body going on past 16 MiB: 413 or cut off (got $code)" "$code" '^(413|000)$'
rm -f "$T_DIR/endless.json"
alive "the oversized bodies"
post 200 "a small chunked body" "$tok1" "$T_DIR/small-chunked.json" -H 'Transfer-Encoding: chunked'
expect_eq "... accepted" "$BODY" '{"accepted":1,"duplicates":0,"rejected":[]}'

# Malformed envelopes: 400 naming the problem.
post 400 "truncated JSON" "$tok1" "$T_DIR/truncated.json"
expect_match "... says where" "$BODY" 'invalid JSON at offset [0-9]+'
post 400 "10,000-deep nesting" "$tok1" "$T_DIR/deep.json"
expect_match "... says nesting" "$BODY" 'nesting deeper than 32 levels'
post 400 "results is an object" "$tok1" "$T_DIR/results-object.json"
expect_eq "... names the field" "$BODY" "{\"error\":\"field 'results': must be an array\"}"
post 400 "probe is a number" "$tok1" "$T_DIR/probe-number.json"
expect_eq "... names the field" "$BODY" "{\"error\":\"field 'probe': must be a string\"}"
post 400 "an unknown envelope field" "$tok1" "$T_DIR/unknown-field.json"
post 400 "a NUL escape in a name" "$tok1" "$T_DIR/nul.json"
expect_match "... says NUL" "$BODY" 'NUL character'
alive "the malformed bodies"

# Bad records are rejected alone.
post 200 "a batch of bad records" "$tok1" "$T_DIR/bad-records.json"
n=$(python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["accepted"], len(a["rejected"]))' <<<"$BODY")
expect_eq "... 2 accepted (../ and slashes, encoded), 5 rejected" "$n" "2 5"
expect_match "... seq of the wrong type named" "$BODY" "\"index\":0,\"error\":\"field 'seq': must be a number"
expect_match "... unknown outcome named" "$BODY" "\"index\":1,\"error\":\"field 'outcome': unknown value\""
expect_match "... wrong type inside ms named" "$BODY" "\"index\":2,\"error\":\"field 'ms.dns': must be a number\""
expect_match "... 10,000-character target named" "$BODY" "\"index\":5,\"error\":\"field 'target': longer than 128 bytes\""
expect_match "... negative ts named" "$BODY" "\"index\":6,\"error\":\"field 'ts'"
check "no file escaped data_dir" test -z "$(ls /tmp | grep v6w-escape)"
found=$(find "$T_DIR" -newer "$T_DIR/marker" -type f ! -path "$T_DIR/data/*" \
	! -name '*.log' ! -name body ! -name headers ! -name check.out ! -name status.out)
expect_eq "no new file outside data_dir" "$found" ""
files=$(cd "$T_DIR/data/rrd" && find . -type f | sort | tr '\n' ' ')
expect_eq "RRD files: only for stored records, names encoded" "$files" \
	"./p1/%2E.%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Ftmp%2Fv6w-escape.ipv6.rrd ./p1/a%2Fb%2Fc.ipv6.rrd ./p1/chunked.ipv6.rrd ./p1/portal.ipv4.rrd ./p1/portal.ipv6.rrd "

# 10,000 records, then the same batch again.
post 200 "a batch of 10,000 records" "$tok1" "$T_DIR/10k.json"
expect_eq "... all accepted" "$BODY" '{"accepted":10000,"duplicates":0,"rejected":[]}'
post 200 "the same batch twice" "$tok1" "$T_DIR/10k.json"
expect_eq "... all duplicates" "$BODY" '{"accepted":0,"duplicates":10000,"rejected":[]}'
expect_match "... last record stored" "$(rrdtool lastupdate "$T_DIR/data/rrd/p1/f.ipv4.rrd")" \
	"^ ?$((980000000 + 60 * 999)): 1 U"
n=$(rrdtool fetch "$T_DIR/data/rrd/p1/d.ipv6.rrd" AVERAGE -r 60 -s 980000000 -e $((980000000 + 60 * 999)) |
	awk '$2 == "1.0000000000e+00"' | wc -l)
expect_eq "... 999 rows of d/ipv6 up (the first opens the file)" "$n" 999

# Status: durable counts add up.
req 200 "status after the batches" "$URL/api/v1/status"
p1=$(python3 -c '
import json,sys
s=json.load(sys.stdin)
p=[x for x in s["probes"] if x["name"]=="p1"][0]
print(p["last_seq"], p["stored"], p["rejected"], p["stored"]+p["rejected"]==p["last_seq"] or "gap-ok")
t=[x for x in s["targets"] if x["target"]=="portal" and x["family"]=="ipv4"][0]
print(t["state"], t["outcome"], t["seq"])' <<<"$BODY")
expect_eq "p1: last_seq 10099, 10005 stored, 4 rejected (gaps: seqs never sent)" \
	"$(head -1 <<<"$p1")" "10099 10005 4 gap-ok"
expect_eq "portal/ipv4 is down after a timeout" "$(tail -1 <<<"$p1")" "down timeout 2"

# Metrics.
req 200 "GET /metrics" "$URL/metrics"
expect_match "... v6watch_target_up" "$BODY" '^v6watch_target_up\{target="portal",family="ipv6",probe="p1"\} 1$'
expect_match "... v6watch_results_accepted_total" "$BODY" '^v6watch_results_accepted_total\{probe="p1"\} 10005$'
expect_match "... v6watch_results_duplicate_total" "$BODY" '^v6watch_results_duplicate_total\{probe="p1"\} 10002$'
expect_match "... webhook deliveries declared" "$BODY" '^# TYPE v6watch_webhook_deliveries_total counter$'
expect_match "... phase times in seconds" "$BODY" '^v6watch_phase_seconds\{target="portal",family="ipv6",probe="p1",phase="total"\} 0\.0579$'
promtool check metrics <<<"$BODY" >"$T_DIR/promtool.out" 2>&1; rc=$?
# Neither a parse error nor a lint complaint: promtool prints nothing.
if [ $rc = 0 ] && [ ! -s "$T_DIR/promtool.out" ]; then ok "promtool check metrics prints nothing"
else not_ok "promtool check metrics (exit $rc)"; sed 's/^/#   /' "$T_DIR/promtool.out" | head; fi

# Secrets.
check "tokens appear in no log" sh -c "! grep -F -e '$tok1' -e '$tok2' '$clog'"
check "refused POSTs are logged without the token" grep -q 'POST from .* refused: unknown token' "$clog"
alive "everything"
stop_pid "$cpid"
wait "$cpid" 2>/dev/null
check "ledger saved" grep -q '"last_seq":10099' "$T_DIR/data/state/p1.json"
finish
