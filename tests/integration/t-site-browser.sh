#!/bin/bash
# t-site-browser: the published site in a real browser (Debian's chromium,
# headless, through the DevTools protocol: tests/tools/sitecheck.py),
# served by the collector's own GET /: index.html, a target page, the
# report and the traffic page (passive-capture records of two interfaces,
# one with a hostile name), at desktop and phone widths, load every image,
# log no console error, no exception and nothing refused by the
# Content-Security-Policy, run site.js, and never get wider than the
# screen. A screenshot of the
# index is kept as build/site-screenshot.png. Then the same site in
# Vietnamese (collector.language = "vi", Asia/Ho_Chi_Minh), served by a
# collector of that config: the same checks, <html lang="vi">, and
# screenshots of its index and report (build/site-screenshot-vi.png,
# build/report-screenshot-vi.png). The collector listens on a random high
# port inside the test's own network namespace.
. "$(dirname "$0")/lib.sh"
needs_root
CHROMIUM=${CHROMIUM:-$(command -v chromium)}
if [ -z "$CHROMIUM" ]; then
	not_ok "chromium is not installed (contrib/install-deps.sh installs it)"
	finish
fi

chmod 755 "$T_DIR"
ns=$(netns_new brw) || { not_ok "network namespace"; finish; }
echo "tok-$RANDOM$RANDOM" >"$T_DIR/p1.token"
echo "tok-$RANDOM$RANDOM" >"$T_DIR/p2.token"
chmod 644 "$T_DIR"/*.token
port=$((18000 + RANDOM % 20000))
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "browser-test"; listen = "[::1]:$port"; data_dir = "$T_DIR/data";
              publish_dir = "$T_DIR/site"; step = 10; user = "nobody";
              publish_interval = 0; };
probes = ( { name = "p1"; token_file = "p1.token"; },
           { name = "p2"; token_file = "p2.token"; } );
EOF
# The same data, published in Vietnamese.
sed -e "s|publish_dir = \"$T_DIR/site\"|publish_dir = \"$T_DIR/site-vi\"|" \
    -e 's|publish_interval = 0; };|publish_interval = 0; language = "vi"; timezone = "Asia/Ho_Chi_Minh"; organisation = "Sở Thông tin và Truyền thông Thanh Hóa"; };|' \
    "$T_DIR/c.conf" >"$T_DIR/vi.conf"
URL="http://[::1]:$port"
ncurl() { ip netns exec "$ns" curl -s -g --max-time 10 "$@"; }
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
clog=$SPAWNED_LOG
if wait_until 10 ncurl -f "$URL/api/v1/status"; then ok "collector answers"
else not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish; fi
now=$(date +%s)
for p in p1 p2; do
	tok=$(cat "$T_DIR/$p.token")
	python3 "$V6TOP/tests/tools/sitefeed.py" "$p" "$now" --minutes 30 --down-from 900 --down-to 600 --traffic 2 |
	while read -r body; do
		printf '%s' "$body" | ncurl -o /dev/null -H "Authorization: Bearer $tok" \
			-H 'Content-Type: application/json' --data-binary @- "$URL/api/v1/results"
	done
done
expect_status "v6collector publish" 0 ip netns exec "$ns" "$V6COLLECTOR" publish -c "$T_DIR/c.conf"
check "index.html links the traffic page" grep -q 'href="traffic.html"' "$T_DIR/site/index.html"
ntraffic=$(find "$T_DIR/site/traffic" -name '*.png' | wc -l)
expect_eq "traffic graphs: 2 probes x 2 interfaces x 3 kinds x 4 periods (PNG)" "$ntraffic" 48
check "traffic page: the hostile interface name escaped" grep -q 'wan&quot;&lt;i&gt;1&lt;/i&gt;' "$T_DIR/site/traffic.html"

mkdir -p "$V6BUILD"
shot=$V6BUILD/site-screenshot.png
rm -f "$shot"
hostile=$(basename "$(ls "$T_DIR"/site/t/~3Cscript*.html | head -1)")
# Chromium runs in the namespace, as root: --no-sandbox.
ip netns exec "$ns" timeout -k 5 60 python3 "$V6TOP/tests/tools/sitecheck.py" \
	--chromium "$CHROMIUM" --profile "$T_DIR/chromium" --screenshot "$shot" \
	"$URL/" "$URL/t/portal.html" "$URL/t/$hostile" "$URL/report.html" "$URL/traffic.html" \
	>"$T_DIR/sitecheck.out" 2>&1
rc=$?
while read -r line; do
	case $line in
	"ok "*) ok "browser: ${line#ok }" ;;
	*) not_ok "browser: ${line#not ok }" ;;
	esac
done <"$T_DIR/sitecheck.out"
expect_eq "sitecheck exit status" "$rc" 0
if [ -s "$shot" ] && [ "$(head -c 4 "$shot" | od -An -c | tr -d ' ')" = 211PNG ]; then
	ok "screenshot kept: build/$(basename "$shot")"
else
	not_ok "screenshot kept"
fi
# The Vietnamese site, served by a collector of its config.
stop_pid "$SPAWNED"
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/vi.conf"
if wait_until 10 ncurl -f "$URL/api/v1/status"; then ok "collector (vi) answers"
else not_ok "collector (vi) answers"; sed 's/^/#   /' "$SPAWNED_LOG"; finish; fi
expect_status "v6collector publish (vi)" 0 ip netns exec "$ns" "$V6COLLECTOR" publish -c "$T_DIR/vi.conf"
shot_vi=$V6BUILD/site-screenshot-vi.png
report_vi=$V6BUILD/report-screenshot-vi.png
rm -f "$shot_vi" "$report_vi"
ip netns exec "$ns" timeout -k 5 60 python3 "$V6TOP/tests/tools/sitecheck.py" \
	--chromium "$CHROMIUM" --profile "$T_DIR/chromium-vi" --lang vi \
	--shot "$URL/=$shot_vi" --shot "$URL/report.html=$report_vi" \
	"$URL/" "$URL/t/portal.html" "$URL/report.html" "$URL/traffic.html" \
	>"$T_DIR/sitecheck-vi.out" 2>&1
rc=$?
while read -r line; do
	case $line in
	"ok "*) ok "browser (vi): ${line#ok }" ;;
	*) not_ok "browser (vi): ${line#not ok }" ;;
	esac
done <"$T_DIR/sitecheck-vi.out"
expect_eq "sitecheck (vi) exit status" "$rc" 0
for f in "$shot_vi" "$report_vi"; do
	if [ -s "$f" ] && [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = 211PNG ]; then
		ok "screenshot kept: build/$(basename "$f")"
	else
		not_ok "screenshot kept: build/$(basename "$f")"
	fi
done
finish
