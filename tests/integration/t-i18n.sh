#!/bin/bash
# t-i18n: the site in the people's language. A real collector (in its own
# network namespace, on a random high port) takes two probes' records of
# a small hostile site (tests/tools/sitefeed.py, with passive capture) and
# `v6collector publish` writes it with collector.language = "vi" and
# collector.timezone = "Asia/Ho_Chi_Minh", on a machine that has no vi_VN
# locale: <html lang="vi">, no English msgid left in any text or
# attribute people read of index.html, a target page, report.html and
# traffic.html (tests/tools/i18ncheck.py, which finds the English ones of
# the same site published in English), local times (DD/MM/YYYY HH:MM),
# decimal commas, the zone in every footer, the organisation in every
# header, and `v6collector webhook-test`'s message in Vietnamese and local
# time. The catalogue is complete (msgfmt --statistics: no untranslated,
# no fuzzy message). --check-config: an unknown time zone is an error at
# its file:line; a language without its catalogue a warning, and the site
# stays in English.
. "$(dirname "$0")/lib.sh"
needs_root

PO=$V6TOP/po
export V6WATCH_LOCALEDIR=${V6WATCH_LOCALEDIR:-$V6TOP/build/locale}
stats=$(msgfmt --statistics -o /dev/null "$PO/vi.po" 2>&1)
expect_match "po/vi.po: every message translated ($stats)" "$stats" '^[0-9]+ translated messages\.$'
check "the catalogue is built (build/locale/vi/LC_MESSAGES/v6watch.mo)" \
	test -s "$V6WATCH_LOCALEDIR/vi/LC_MESSAGES/v6watch.mo"
if locale -a 2>/dev/null | grep -qi '^vi_VN'; then
	ok "# note: this machine has a vi_VN locale; the collector does not use it"
else
	ok "no vi_VN locale on this machine: the catalogue works without one"
fi

chmod 755 "$T_DIR"
ns=$(netns_new i18n) || { not_ok "network namespace"; finish; }
port=$((18000 + RANDOM % 20000))
hport=$((port + 1))
echo "tok-$RANDOM$RANDOM" >"$T_DIR/p1.token"
echo "tok-$RANDOM$RANDOM" >"$T_DIR/p2.token"
echo "secret-$RANDOM$RANDOM" >"$T_DIR/hook.secret"
chmod 644 "$T_DIR"/*.token "$T_DIR/hook.secret"
org="Sở Thông tin và Truyền thông Thanh Hóa"
conf() { # conf FILE LANGUAGE TIMEZONE SITE
	cat >"$1" <<EOF
collector = { name = "thanhhoa"; listen = "[::1]:$port"; data_dir = "$T_DIR/data";
              publish_dir = "$4"; step = 10; user = "nobody";
              publish_interval = 0;
              language = "$2";
              timezone = "$3";
              organisation = "$org";
              site_url = "https://v6.example/"; };
probes = ( { name = "p1"; token_file = "p1.token"; },
           { name = "p2"; token_file = "p2.token"; } );
webhooks = ( { name = "ops"; url = "http://[::1]:$hport/hook"; format = "teams"; } );
maintenance = ( { targets = [ "pmtu" ]; from = "2026-01-01 08:00"; to = "2099-01-01 08:00";
                  reason = "thay thiết bị"; } );
EOF
}
conf "$T_DIR/c.conf" vi Asia/Ho_Chi_Minh "$T_DIR/site"
expect_status "--check-config: vi, Asia/Ho_Chi_Minh" 0 "$V6COLLECTOR" --check-config -c "$T_DIR/c.conf"

# --check-config: a zone the tz database does not have.
conf "$T_DIR/bad.conf" vi Asia/Hanoi "$T_DIR/site"
out=$("$V6COLLECTOR" --check-config -c "$T_DIR/bad.conf" 2>&1); rc=$?
expect_eq "--check-config: an unknown time zone exits 3" "$rc" 3
line=$(grep -n 'timezone = ' "$T_DIR/bad.conf" | cut -d: -f1)
expect_match "... naming its file:line and the zone" "$out" "bad.conf:$line: collector.timezone: \"Asia/Hanoi\" is not a time zone"
# ... a language without a catalogue: a warning, not an error.
conf "$T_DIR/fr.conf" fr UTC "$T_DIR/site-fr"
out=$("$V6COLLECTOR" --check-config -c "$T_DIR/fr.conf" 2>&1); rc=$?
expect_eq "--check-config: a language without its catalogue is fine (exit 0)" "$rc" 0
expect_match "... with a warning at its line" "$out" "fr.conf:[0-9]+: .*collector.language: no catalogue .*fr/LC_MESSAGES/v6watch.mo"

URL="http://[::1]:$port"
ncurl() { ip netns exec "$ns" curl -s -g --max-time 10 "$@"; }
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
clog=$SPAWNED_LOG
if wait_until 10 ncurl -f "$URL/api/v1/status"; then ok "collector answers (port $port)"
else not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish; fi
now=$(date +%s)
for p in p1 p2; do
	tok=$(cat "$T_DIR/$p.token")
	python3 "$V6TOP/tests/tools/sitefeed.py" "$p" "$now" --minutes 20 --down-from 900 --down-to 600 --traffic 2 |
	while read -r body; do
		printf '%s' "$body" | ncurl -o /dev/null -H "Authorization: Bearer $tok" \
			-H 'Content-Type: application/json' --data-binary @- "$URL/api/v1/results"
	done
done
expect_status "v6collector publish (vi)" 0 ip netns exec "$ns" "$V6COLLECTOR" publish -c "$T_DIR/c.conf"
S=$T_DIR/site
pages=("$S/index.html" "$S/t/portal.html" "$S/report.html" "$S/traffic.html")
for f in "${pages[@]}"; do
	check "$(basename "$f"): <html lang=\"vi\">" grep -q '<html lang="vi">' "$f"
	check "$(basename "$f"): the footer names the zone" grep -q 'Giờ Việt Nam (UTC+07:00).</footer>' "$f"
	check "$(basename "$f"): the organisation in the header" grep -q "<p class=\"brand\"><b>$org</b>" "$f"
done
python3 "$V6TOP/tests/tools/i18ncheck.py" "$PO/v6watch.pot" "$PO/vi.po" "${pages[@]}" >"$T_DIR/i18n.out" 2>&1
rc=$?
while read -r line; do
	case $line in
	"ok "*) ok "no English left: ${line#ok $T_DIR/}" ;;
	*) not_ok "English left: ${line#not ok $T_DIR/}" ;;
	esac
done <"$T_DIR/i18n.out"
expect_eq "i18ncheck exit status" "$rc" 0
today=$(TZ=Asia/Ho_Chi_Minh date -d "@$now" +%d/%m/%Y)
expect_match "index: published in local time, day first" "$(cat "$S/index.html")" "Cập nhật lúc $today [0-9]{2}:[0-9]{2}\."
expect_match "index: a decimal comma" "$(cat "$S/index.html")" '[0-9],[0-9] %'
check "report: the title of the report" grep -q 'Báo cáo mức độ sẵn sàng IPv6: Tình trạng IPv6 của thanhhoa' "$S/report.html"
check "report: the maintenance window, its reason" grep -q 'thay thiết bị' "$S/report.html"
python3 - "$S/report.json" "$org" >"$T_DIR/rj.out" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["language"] == "vi", r["language"]
assert r["timezone"] == "Asia/Ho_Chi_Minh", r["timezone"]
assert r["organisation"] == sys.argv[2], r.get("organisation")
assert r["title"] == "Tình trạng IPv6 của thanhhoa", r["title"]
# machine fields stay machine fields
assert r["to_fix"][0]["ipv6"]["state"] in ("down", "partial", "unknown", "up")
print("ok")
PY
check "report.json: title, organisation, language, zone; states stay codes" grep -qx ok "$T_DIR/rj.out"

# The checker finds English: the same site published in English.
conf "$T_DIR/en.conf" en UTC "$T_DIR/site-en"
expect_status "v6collector publish (en)" 0 ip netns exec "$ns" "$V6COLLECTOR" publish -c "$T_DIR/en.conf"
python3 "$V6TOP/tests/tools/i18ncheck.py" "$PO/v6watch.pot" "$PO/vi.po" "$T_DIR/site-en/index.html" >"$T_DIR/en.out" 2>&1
expect_eq "i18ncheck finds the English site's words (exit 1)" "$?" 1
check "... English site: lang=\"en\", UTC" grep -q '<html lang="en">.*' "$T_DIR/site-en/index.html"
check "... and 'Times are UTC.'" grep -q 'Times are UTC.</footer>' "$T_DIR/site-en/index.html"
# A language without its catalogue: English pages.
expect_status "v6collector publish (fr, no catalogue)" 0 ip netns exec "$ns" "$V6COLLECTOR" publish -c "$T_DIR/fr.conf"
check "... the site in English" grep -q '<html lang="en">' "$T_DIR/site-fr/index.html"

# The webhook's message: Vietnamese, local time.
spawn "$ns" -- python3 "$V6TOP/tests/tools/whrecv.py" --listen ::1 --port "$hport" \
	--log "$T_DIR/hook.log" --secret-file "$T_DIR/hook.secret"
if wait_until 10 grep -q listening "$SPAWNED_LOG"; then
	t0=$(date +%s)
	expect_status "v6collector webhook-test (vi)" 0 ip netns exec "$ns" "$V6COLLECTOR" webhook-test -c "$T_DIR/c.conf"
	# Teams: the headline, then the facts "title: value", one a line.
	body=$(python3 - "$T_DIR/hook.log" <<'PY' 2>&1
import json, sys
card = json.loads(json.loads(open(sys.argv[1]).readline())["body"])["attachments"][0]["content"]
print(card["body"][0]["text"])
for f in card["body"][1]["facts"]:
    print("%s: %s" % (f["title"], f["value"]))
PY
)
	expect_match "webhook message in Vietnamese" "$body" '^Sự kiện thử nghiệm của v6watch$'
	expect_match "... when, in local time" "$body" "^Lúc: $(TZ=Asia/Ho_Chi_Minh date -d "@$t0" +%d/%m/%Y) [0-9:]{8} \(UTC\+0700\)$"
	expect_match "... its details" "$body" '^Chi tiết: sự kiện thử nghiệm do lệnh v6collector webhook-test gửi tới webhook ops$'
	expect_match "... and the collector" "$body" '^Máy chủ thu thập: thanhhoa$'
else
	not_ok "webhook receiver listening"
fi
finish
