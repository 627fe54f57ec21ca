#!/bin/bash
# t-publish: publishing. The daemon publishes every publish_interval in a
# forked child while it keeps answering; `v6collector publish` does the
# same on demand (exit 0; a second one at once waits for the first);
# the site holds index.html, a page per target, graphs (PNG and SVG),
# report.html/json and status.json, with hostile names escaped; GET /
# serves it with content types and refuses paths out of publish_dir.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new pub) || { not_ok "network namespace"; finish; }
echo "tok-p1-$RANDOM$RANDOM" >"$T_DIR/p1.token"
echo "tok-p2-$RANDOM$RANDOM" >"$T_DIR/p2.token"
chmod 644 "$T_DIR"/*.token
SITE=$T_DIR/site
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "pubtest"; listen = "[::1]:8080"; data_dir = "$T_DIR/data";
              publish_dir = "$SITE"; step = 10; user = "nobody";
              publish_interval = 3; };
probes = ( { name = "p1"; token_file = "p1.token"; },
           { name = "p2"; token_file = "p2.token"; } );
EOF
URL='http://[::1]:8080'
ncurl() { ip netns exec "$ns" curl -s -g --max-time 10 "$@"; }

spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
cpid=$SPAWNED
clog=$SPAWNED_LOG
if wait_until 10 ncurl -f "$URL/api/v1/status"; then ok "collector answers"
else not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish; fi

now=$(date +%s)
posted=0
for p in p1 p2; do
	tok=$(cat "$T_DIR/$p.token")
	python3 "$V6TOP/tests/tools/sitefeed.py" "$p" "$now" --minutes 15 --down-from 300 --down-to 150 >"$T_DIR/$p.jsonl"
	while read -r body; do
		out=$(printf '%s' "$body" | ncurl -H "Authorization: Bearer $tok" \
			-H 'Content-Type: application/json' --data-binary @- "$URL/api/v1/results")
		grep -q '"rejected":\[\]' <<<"$out" && posted=$((posted + 1))
	done <"$T_DIR/$p.jsonl"
done
expect_eq "every batch of both probes stored" "$posted" "$(cat "$T_DIR"/p1.jsonl "$T_DIR"/p2.jsonl | wc -l)"

# The daemon's own publish (every 3 s, in a child).
if wait_until 20 grep -q 'publish: 6 targets' "$clog"; then ok "the daemon publishes on its own"
else not_ok "the daemon publishes on its own"; sed 's/^/#   /' "$clog" | tail -20; fi
# The loop answers while publishes run (they draw in a child): 40 status
# requests, spread over more than one publish, all answered. Speed is
# measured in bench/, not asserted here.
unanswered=0
pubs0=$(grep -c 'publish: 6 targets' "$clog")
for i in $(seq 1 40); do
	ncurl -f -o /dev/null "$URL/api/v1/status" || unanswered=$((unanswered + 1))
	sleep 0.1
done
expect_eq "status answers while publishes run" "$unanswered" 0
expect_match "... and publishes ran meanwhile" "$(($(grep -c 'publish: 6 targets' "$clog") - pubs0))" '^[1-9]'

# On demand, twice at once: the second waits for the first.
ip netns exec "$ns" "$V6COLLECTOR" publish -c "$T_DIR/c.conf" >"$T_DIR/pub1.out" 2>&1 &
p1=$!
ip netns exec "$ns" "$V6COLLECTOR" publish -c "$T_DIR/c.conf" >"$T_DIR/pub2.out" 2>&1
rc2=$?
wait "$p1"; rc1=$?
expect_eq "v6collector publish: exit 0" "$rc1" 0
expect_eq "... a second one at the same time: exit 0 too" "$rc2" 0
expect_match "... saying what it did" "$(cat "$T_DIR/pub1.out")" 'publish: 6 targets, [0-9]+ graphs drawn'
expect_status "publish with a broken config: exit 3" 3 "$V6COLLECTOR" publish -c "$V6TOP/tests/data/config/bad/collector-values.conf"

missing=
for f in index.html report.html report.json status.json style.css site.js \
	t/portal.html g/portal/avail-day.png g/portal/avail-day.svg g/portal/latency-year.png \
	g/portal/latency-week.svg g/blackhole/avail-hour.png g/portal/probe-p2-day.png g/summary-day.png; do
	[ -s "$SITE/$f" ] || missing+=" $f"
done
expect_eq "the site's files are there" "$missing" ""
check "an hour graph for an outage begun within the hour, none for a steady target" \
	sh -c "test ! -e '$SITE/g/portal/avail-hour.png' && grep -q 'No outage in the last hour' '$SITE/t/portal.html'"
expect_eq "graphs are PNG" "$(head -c 4 "$SITE/g/portal/latency-day.png" | od -An -c | tr -d ' ')" '211PNG'
check "... and SVG" grep -q '<svg' "$SITE/g/portal/avail-week.svg"
expect_eq "files belong to the daemon's user" "$(stat -c %U "$SITE/index.html")" nobody
check "no temporary file left" sh -c "! find '$SITE' -name '.*.tmp' | grep -q ."

idx=$(cat "$SITE/index.html")
check "index: no raw markup from a record" sh -c "! grep -q '<script>alert' '$SITE/index.html'"
expect_match "index: the hostile name escaped" "$idx" '&lt;script&gt;alert\(&quot;x&quot;\)'
expect_match "index: worst first (the healthy target last)" \
	"$(grep -o 'href="t/[^"]*"' "$SITE/index.html" | tail -1)" 'portal'
expect_match "index: availability figures" "$idx" '>portal</a>.*[0-9]+\.[0-9]+ %'
check "index: no traffic records, no traffic page nor link" sh -c "! grep -q traffic.html '$SITE/index.html' && test ! -e '$SITE/traffic.html'"
tp=$(cat "$SITE/t/portal.html")
expect_match "target page: graphs of each period" "$tp" 'avail-year.png'
expect_match "target page: details of each probe" "$tp" 'Probe p2'
expect_match "target page: addresses and TLS" "$tp" '2001:db8:2::10'
expect_match "target page: recent state changes" "$tp" 'Recent state changes'
hp=$(ls "$SITE"/t/~3Cscript*.html | head -1)
check "hostile target's page: its texts escaped" grep -q '&lt;script&gt;alert' "$hp"
check "... and never raw" sh -c "! grep -q '<script>alert' '$hp'"

python3 - "$SITE/report.json" >"$T_DIR/report.out" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["targets"] == 6, r["targets"]
assert r["ready"] == 1, r["ready"]
assert r["blockers"]["outcomes"]["no_address"] == 1
assert r["blockers"]["outcomes"]["stall"] == 1
assert r["blockers"]["warnings"]["content_mismatch"] == 1
assert r["to_fix"][0]["target"] == "noaaaa", r["to_fix"][0]
assert sum(r["scores"].values()) == 6
print("ok")
PY
check "report.json: counts, blockers, the list to fix" grep -qx ok "$T_DIR/report.out"
check "report.html: printable" grep -q '@media print' "$SITE/style.css"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["targets"]) == 24' "$SITE/status.json" >/dev/null 2>&1
expect_eq "status.json: every target x family x probe" "$?" 0

# GET / and below.
expect_eq "GET / serves index.html" "$(ncurl -o /dev/null -w '%{http_code} %{content_type}' "$URL/")" '200 text/html; charset=utf-8'
expect_eq "GET a graph" "$(ncurl -o /dev/null -w '%{http_code} %{content_type}' "$URL/g/portal/avail-day.svg")" '200 image/svg+xml'
expect_eq "GET a hostile target's page" "$(ncurl -o /dev/null -w '%{http_code}' "$URL/t/$(basename "$hp")")" 200
expect_match "... with a Content-Security-Policy" "$(ncurl -D - -o /dev/null "$URL/index.html")" "Content-Security-Policy: default-src 'none'"
expect_eq "GET /t: redirected to /t/" "$(ncurl -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/t")" "301 $URL/t/"
ln -s /etc "$SITE/etc"
ln -s /etc/passwd "$SITE/passwd.html"
bad=
for u in /../c.conf /%2e%2e/c.conf /etc/passwd /passwd.html /.publish.lock /t/../../c.conf /g//x /nothing.html; do
	code=$(ncurl --path-as-is -o /dev/null -w '%{http_code}' "$URL$u")
	[ "$code" = 404 ] || bad+=" $u:$code"
done
expect_eq "paths out of the site, hidden or missing: 404" "$bad" ""
expect_eq "POST / is not the site" "$(ncurl -o /dev/null -w '%{http_code}' --data x "$URL/")" 404
rm -f "$SITE/etc" "$SITE/passwd.html"

# publish_interval = 0: no publish by the daemon.
stop_pid "$cpid"
sed -i 's/publish_interval = 3/publish_interval = 0/' "$T_DIR/c.conf"
rm -f "$SITE/index.html"
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
cpid=$SPAWNED
wait_until 10 ncurl -f "$URL/api/v1/status"
sleep 3
check "publish_interval = 0: the daemon does not publish" test ! -e "$SITE/index.html"
stop_pid "$cpid"
finish
