#!/bin/bash
# t-targets-api: GET /api/v1/targets of a real v6collector (started as
# root, running as nobody) in a network namespace of its own, its
# targets_file a CSV of 1,805 generated Vietnamese rows (some naming the
# probes that check them, some giving an id) and two probes in
# collector.conf. Each probe's token gets that probe's targets only, in
# the file's order; the ETag with If-None-Match gives 304; a bad or
# missing token 401; POST 405; the body is built once per probe. The CSV
# edited (a title changed on a row without an id, a row removed) and
# SIGHUP: the body and its ETag change, the edited row keeps its id.
# --check-config on a CSV with a URL twice names both lines at
# FILE:LINE:COLUMN and exits 3. No token in the log.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new tgt) || { not_ok "network namespace"; finish; }
mkdir -p "$T_DIR/etc" "$T_DIR/data"
toka=tok-a-$RANDOM$RANDOM$RANDOM
tokb=tok-b-$RANDOM$RANDOM$RANDOM
echo "$toka" >"$T_DIR/etc/pa.token"
echo "$tokb" >"$T_DIR/etc/pb.token"
chown nobody "$T_DIR"/etc/*.token "$T_DIR/data"
chmod 600 "$T_DIR"/etc/*.token
cat >"$T_DIR/etc/c.conf" <<EOF
collector = { name = "t"; listen = "[::1]:8080"; data_dir = "$T_DIR/data";
              user = "nobody"; step = 60; publish_interval = 0;
              targets_file = "targets.csv"; };
probes = ( { name = "pa"; token_file = "pa.token"; },
           { name = "pb"; token_file = "pb.token"; } );
EOF

# The province's list: 1,805 services of 30 departments, titles repeated
# across departments; every 10th row for pa only, the next for pb only,
# the next for both ("pa; pb"), every 100th gives an id. CRLF and a BOM,
# as a spreadsheet saves it. Writes what each probe must see (the URLs in
# order) next to it.
python3 - "$T_DIR/etc" <<'EOF'
import sys
d = sys.argv[1]
depts = ["Sở Y tế", "Sở Tư pháp", "Sở Giáo dục và Đào tạo", "Sở Xây dựng",
         "Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Sở Tài nguyên và Môi trường",
         "Sở Giao thông vận tải", "Sở Công Thương", "Sở Nội vụ",
         "Sở Lao động – Thương binh và Xã hội", "Sở Văn hóa, Thể thao và Du lịch",
         "Sở Thông tin và Truyền thông", "Sở Khoa học và Công nghệ",
         "Thanh tra tỉnh", "Ban Dân tộc", "UBND huyện Đông Anh", "UBND huyện Sóc Sơn",
         "UBND quận Ba Đình", "UBND quận Hoàn Kiếm", "UBND thị xã Sơn Tây",
         "Công an tỉnh", "Bảo hiểm xã hội tỉnh", "Cục Thuế tỉnh",
         "Kho bạc Nhà nước tỉnh", "Đài Phát thanh và Truyền hình",
         "Văn phòng UBND tỉnh", "Trung tâm Phục vụ hành chính công",
         "Sở Nông nghiệp và Phát triển nông thôn", "Sở Ngoại vụ"]
services = ["Cấp giấy phép xây dựng nhà ở riêng lẻ", "Đăng ký khai sinh",
            "Cấp phiếu lý lịch tư pháp", "Đăng ký thành lập doanh nghiệp",
            "Cấp chứng chỉ hành nghề y", "Cổng dịch vụ công", "Tra cứu hồ sơ",
            "Thanh toán trực tuyến", "Cấp giấy chứng nhận quyền sử dụng đất",
            "Đăng ký kết hôn", "Chứng thực bản sao từ bản chính",
            "Cấp đổi giấy phép lái xe", "Công bố sản phẩm", "Cổng thông tin điện tử",
            "Hệ thống một cửa điện tử", "Thủ tục hành chính – Hướng dẫn",
            "Phản ánh, kiến nghị", "Đặt lịch hẹn trực tuyến",
            "Cấp mã số thuế cá nhân", "Thư điện tử công vụ"]
def q(s):
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n') else s
rows, pa, pb = [], [], []
for i in range(1805):
    title = services[(i // len(depts)) % len(services)]
    dept = depts[i % len(depts)]
    url = "https://dv%d.s%02d.tinh.example/" % (i, i % len(depts))
    probes = {1: "pa", 2: "pb", 3: "pa; pb"}.get(i % 10, "")
    rid = "svc-%d" % i if i % 100 == 50 else ""
    rows.append([rid, title, url, dept, probes])
    if probes in ("", "pa", "pa; pb"):
        pa.append(url)
    if probes in ("", "pb", "pa; pb"):
        pb.append(url)
with open(f"{d}/targets.csv", "w", encoding="utf-8", newline="") as f:
    f.write("\ufeffid,title,url,group,probes\r\n")
    for r in rows:
        f.write(",".join(q(x) for x in r) + "\r\n")
open(f"{d}/pa.urls", "w").write("\n".join(pa) + "\n")
open(f"{d}/pb.urls", "w").write("\n".join(pb) + "\n")
EOF
chmod 644 "$T_DIR/etc/targets.csv"
expect_eq "the CSV has a header and 1,805 rows" \
	"$(wc -l <"$T_DIR/etc/targets.csv")" 1806

check "--check-config takes the list" \
	"$V6COLLECTOR" --check-config -c "$T_DIR/etc/c.conf"
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/etc/c.conf" -v
cpid=$SPAWNED
clog=$SPAWNED_LOG
URL='http://[::1]:8080'
ncurl() { ip netns exec "$ns" curl -s -g --max-time 20 "$@"; }
if wait_until 15 ncurl -f "$URL/api/v1/status"; then
	ok "collector answers"
else
	not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish
fi

# get WHAT WANT_CODE curl-args...: GET /api/v1/targets; body in $T_DIR/body,
# headers in $T_DIR/headers.
get() {
	local what=$1 want=$2 code; shift 2
	rm -f "$T_DIR/body"	# curl writes no file for an empty body
	code=$(ncurl -o "$T_DIR/body" -D "$T_DIR/headers" -w '%{http_code}' \
		"$@" "$URL/api/v1/targets")
	expect_eq "$what: HTTP $want" "$code" "$want"
}
header() { tr -d '\r' <"$T_DIR/headers" | sed -n "s/^$1: //Ip" | head -1; }

# check_body PROBE: the body is PROBE's targets, in the file's order
# (their URLs as $T_DIR/etc/PROBE.urls lists them), ids unique and valid.
check_body() {
	python3 - "$1" "$T_DIR/body" "$T_DIR/etc/$1.urls" <<'EOF'
import json, re, sys
probe, body, urls = sys.argv[1:]
doc = json.load(open(body, encoding="utf-8"))
want = open(urls).read().split()
got = [t["url"] for t in doc["targets"]]
assert doc["version"] == 1 and doc["probe"] == probe, (doc["version"], doc["probe"])
assert got == want, f"{len(got)} targets, want {len(want)}"
ids = [t["id"] for t in doc["targets"]]
assert len(set(ids)) == len(ids), "ids not unique"
for t in doc["targets"]:
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", t["id"]), t["id"]
    assert set(t) <= {"id", "title", "url", "group"}, t
    assert t["title"] and t["group"], t
print(len(ids))
EOF
}

get "GET as pa" 200 -H "Authorization: Bearer $toka"
expect_match "... application/json" "$(header Content-Type)" '^application/json$'
etag_a=$(header ETag)
expect_match "... an ETag of 32 hex digits" "$etag_a" '^"[0-9a-f]{32}"$'
check "... pa's targets only, in the file's order" check_body pa
expect_eq "... 1,624 of the 1,805" "$(check_body pa 2>&1)" 1624
expect_match "... Vietnamese titles as written" "$(cat "$T_DIR/body")" \
	'"id":"svc-50","title":"Đăng ký khai sinh","url":"https://dv50.s20.tinh.example/","group":"UBND thị xã Sơn Tây"'
expect_match "... an id derived from the title" "$(cat "$T_DIR/body")" \
	'"id":"cap-giay-phep-xay-dung-nha-o-rieng-le","title":"Cấp giấy phép xây dựng nhà ở riêng lẻ","url":"https://dv0.s00.tinh.example/"'
cp "$T_DIR/body" "$T_DIR/body-a1"

get "GET as pa with If-None-Match" 304 -H "Authorization: Bearer $toka" \
	-H "If-None-Match: $etag_a"
expect_eq "... no body" "$(cat "$T_DIR/body" 2>/dev/null | wc -c)" 0
expect_eq "... the same ETag" "$(header ETag)" "$etag_a"
get "GET as pa with another ETag" 200 -H "Authorization: Bearer $toka" \
	-H 'If-None-Match: "00000000000000000000000000000000"'
check "... the same body" cmp "$T_DIR/body" "$T_DIR/body-a1"

get "GET as pb" 200 -H "Authorization: Bearer $tokb"
check "... pb's targets only" check_body pb
expect_eq "... 1,624 of the 1,805" "$(check_body pb 2>&1)" 1624
etag_b=$(header ETag)
check "... another ETag" test "$etag_b" != "$etag_a"
get "pb with pa's ETag" 200 -H "Authorization: Bearer $tokb" \
	-H "If-None-Match: $etag_a"
get "GET as pb again" 200 -H "Authorization: Bearer $tokb"
expect_eq "... the same ETag" "$(header ETag)" "$etag_b"

get "a bad token" 401 -H "Authorization: Bearer not-$toka"
expect_eq "... the answer" "$(cat "$T_DIR/body")" \
	'{"error":"unknown probe or bad token"}'
get "no token" 401
get "Basic instead of Bearer" 401 -u "pa:$toka"
get "POST" 405 -X POST -H "Authorization: Bearer $toka" \
	-H "Content-Type: application/json" --data '{}'
expect_eq "... Allow" "$(header Allow)" "GET, HEAD"
get "PUT" 405 -X PUT -H "Authorization: Bearer $toka"
get "HEAD as pa" 200 -I -H "Authorization: Bearer $toka"
expect_eq "... the ETag" "$(header ETag)" "$etag_a"

# Each body was built once: for pa, for pb (and not for every request).
expect_eq "each probe's body built once" \
	"$(grep -c 'GET /api/v1/targets: probe .*: body of' "$clog")" 2
expect_match "refused requests are logged without the token" \
	"$(grep 'GET from' "$clog")" 'GET from ::1 refused: unknown token'
check "no token in the log" bash -c "! grep -q -e '$toka' -e '$tokb' '$clog'"

# Edit the list: row 2 (i = 1, pa only, no id) gets a new title; row 5
# (i = 4, every probe) goes. The edited row keeps its id.
id_before=$(python3 -c '
import json, sys
for t in json.load(open(sys.argv[1]))["targets"]:
    if t["url"] == "https://dv1.s01.tinh.example/": print(t["id"])
' "$T_DIR/body-a1")
expect_eq "the row to edit has a derived id" "$id_before" \
	"cap-giay-phep-xay-dung-nha-o-rieng-le-2"
python3 - "$T_DIR/etc" <<'EOF'
import sys
d = sys.argv[1]
lines = open(f"{d}/targets.csv", encoding="utf-8", newline="").read().split("\r\n")
assert lines[2].startswith(",Cấp giấy phép xây dựng nhà ở riêng lẻ,https://dv1."), lines[2]
lines[2] = lines[2].replace("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Cấp phép xây dựng (trực tuyến)", 1)
assert "https://dv4.s04." in lines[5], lines[5]
del lines[5]
open(f"{d}/targets.csv.new", "w", encoding="utf-8", newline="").write("\r\n".join(lines))
for p in ("pa", "pb"):
    urls = [u for u in open(f"{d}/{p}.urls").read().split() if u != "https://dv4.s04.tinh.example/"]
    open(f"{d}/{p}.urls", "w").write("\n".join(urls) + "\n")
EOF
chmod 644 "$T_DIR/etc/targets.csv.new"
mv "$T_DIR/etc/targets.csv.new" "$T_DIR/etc/targets.csv"
kill -HUP "$cpid"
changed() {
	[ "$(ncurl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $toka" \
		-H "If-None-Match: $etag_a" "$URL/api/v1/targets")" = 200 ]
}
if wait_until 10 changed; then ok "SIGHUP: the ETag changes"
else not_ok "SIGHUP: the ETag changes"; sed 's/^/#   /' "$clog" | tail -20; fi
get "GET as pa after the reload" 200 -H "Authorization: Bearer $toka"
check "... pa's targets, without the row removed" check_body pa
expect_eq "... 1,623 of them" "$(check_body pa 2>&1)" 1623
expect_match "... the edited row keeps its id under its new title" \
	"$(cat "$T_DIR/body")" \
	"\"id\":\"$id_before\",\"title\":\"Cấp phép xây dựng \(trực tuyến\)\",\"url\":\"https://dv1.s01.tinh.example/\""
check "... every other id as before" python3 -c '
import json, sys
a = {t["url"]: t["id"] for t in json.load(open(sys.argv[1]))["targets"]}
b = {t["url"]: t["id"] for t in json.load(open(sys.argv[2]))["targets"]}
assert all(a[u] == i for u, i in b.items()), "an id moved"
' "$T_DIR/body-a1" "$T_DIR/body"
get "the old ETag no longer matches" 200 -H "Authorization: Bearer $toka" \
	-H "If-None-Match: $etag_a"
get "pb after the reload" 200 -H "Authorization: Bearer $tokb"
check "... pb's targets, without the row removed" check_body pb

# A broken reload keeps the running list.
printf 'url,title,group\nftp://x/,X,G\n' >"$T_DIR/etc/targets.csv"
etag_now=$(header ETag)
kill -HUP "$cpid"
if wait_until 10 grep -q 'reload: .*targets.csv:2:1: url:' "$clog"; then
	ok "a broken list on SIGHUP is reported at FILE:LINE:COLUMN"
else
	not_ok "a broken list on SIGHUP is reported"; tail -5 "$clog" | sed 's/^/#   /'
fi
get "... and the running list stays" 200 -H "Authorization: Bearer $tokb"
expect_eq "... the same ETag" "$(header ETag)" "$etag_now"
check "collector alive" kill -0 "$cpid"

# --check-config names both lines of a URL given twice, and exits 3.
cat >"$T_DIR/etc/dup.conf" <<EOF
collector = { name = "t"; data_dir = "$T_DIR/data"; user = "nobody";
              targets_file = "dup.csv"; };
probes = ( { name = "pa"; token_file = "pa.token"; } );
EOF
printf '\xef\xbb\xbftitle,url,group\r\nA,https://a.example/,G\r\n"B, b",https://b.example/,G\r\nC,https://c.example/,G\r\nA again,https://A.example,G\r\n' \
	>"$T_DIR/etc/dup.csv"
expect_status "--check-config on a URL twice exits 3" 3 \
	"$V6COLLECTOR" --check-config -c "$T_DIR/etc/dup.conf"
expect_eq "... naming both lines" "$(cat "$T_DIR/status.out")" \
	"$T_DIR/etc/dup.csv:5:2: url 'https://A.example' is also on line 2"

stop_pid "$cpid"
finish
