#!/bin/bash
# t-report-export: the readiness report's exports from a real collector
# (its own network namespace, a random port, run as root with user =
# "nobody"): a central list of services with Vietnamese titles and groups
# (one title with a comma and quotes), records of a probe posted over
# HTTP (collpost), then `v6collector publish`. Python's csv module reads
# report.csv (after the UTF-8 BOM) and every group/SLUG.csv: CRLF rows,
# the same services, titles, groups and readiness as report.json, each
# group's rows in its file and linked from report.html; this month's
# snapshot report-YYYY-MM.json/.csv is the report as published, in
# publish_dir and in DATA_DIR/reports. GET /report.csv serves it as
# text/csv. Chromium prints report.html: A4, black on white, no
# navigation or links, the header naming the collector and the date.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new rex) || { not_ok "network namespace"; finish; }
port=$((18000 + RANDOM % 2000))
URL="http://[::1]:$port"
echo "tok-p1-$RANDOM$RANDOM" >"$T_DIR/p1.token"
chmod 600 "$T_DIR/p1.token"
chown nobody "$T_DIR/p1.token"
mkdir -p "$T_DIR/data"
SITE=$T_DIR/site
# The ids and URLs of tests/tools/sitefeed.py's targets; "fresh" is in
# the list only (never measured).
cat >"$T_DIR/services.csv" <<'CSV'
id,url,title,group
portal,https://portal.lab.example/,"Cổng ""Dịch vụ công"", tỉnh Thái Bình",Văn phòng UBND tỉnh
noaaaa,https://v4only.lab.example/,Đăng ký khám bệnh,Sở Y tế
blackhole,https://drop.lab.example/,Tra cứu bảo hiểm,Sở Y tế
pmtu,https://pmtu.lab.example/,Nộp thuế điện tử,Sở Tài chính
mismatch,https://diff.lab.example/,Hóa đơn,Sở Tài chính
fresh,https://fresh.lab.example/,Dịch vụ mới,
CSV
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "so-tttt-thai-binh"; listen = "[::1]:$port"; data_dir = "$T_DIR/data";
              publish_dir = "$SITE"; step = 10; user = "nobody";
              publish_interval = 0; targets_file = "services.csv"; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
ncurl() { ip netns exec "$ns" curl -s -g --max-time 10 "$@"; }

spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
clog=$SPAWNED_LOG
if wait_until 10 ncurl -f "$URL/api/v1/status"; then ok "collector answers"
else not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish; fi

# A probe's records: one POST body per file, posted by collpost.
now=$(date +%s)
mkdir -p "$T_DIR/batches"
python3 "$V6TOP/tests/tools/sitefeed.py" p1 "$now" --minutes 5 --batch 40 |
	split -l 1 - "$T_DIR/batches/b-"
ip netns exec "$ns" "$V6TOOLS/collpost" -q -a ::1 -p "$port" -t "$T_DIR/p1.token" \
	"$T_DIR"/batches/b-* >"$T_DIR/post.out" 2>&1
expect_match "the probe's records stored" "$(cat "$T_DIR/post.out")" 'rejected=0 failed=0'

expect_status "v6collector publish: exit 0" 0 ip netns exec "$ns" "$V6COLLECTOR" publish --no-graphs -c "$T_DIR/c.conf"
month=$(date -u +%Y-%m)

python3 - "$SITE" "$T_DIR/data/reports" "$month" >"$T_DIR/check.txt" 2>&1 <<'PY'
import csv, glob, html, io, json, os, re, sys

site, reports, month = sys.argv[1:4]
fails = []


def check(what, cond):
    print(("ok " if cond else "not ok ") + what)
    if not cond:
        fails.append(what)


def read_csv(path):
    raw = open(path, "rb").read()
    check("%s: starts with the UTF-8 BOM" % os.path.basename(path), raw.startswith(b"\xef\xbb\xbf"))
    body = raw[3:]
    # Titles hold no line break here: every line ends in CRLF.
    check("%s: CRLF line ends" % os.path.basename(path),
          body.endswith(b"\r\n") and body.count(b"\n") == body.count(b"\r\n"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline=""), strict=True))
    check("%s: 11 columns in every row" % os.path.basename(path), all(len(r) == 11 for r in rows))
    return rows[0], rows[1:]


rep = json.load(open(os.path.join(site, "report.json")))
services = {s["target"]: s for s in rep["services"]}
head, rows = read_csv(os.path.join(site, "report.csv"))
check("header: Group, Service, ID, URL, Ready ...", head[:5] == ["Group", "Service", "ID", "URL", "Ready for IPv6"])
by_id = {r[2]: r for r in rows}
check("report.csv: one row per service of report.json (%d)" % len(rows),
      len(rows) == len(by_id) == rep["targets"] and set(by_id) == set(services))
word = {True: "yes", False: "no", None: "unknown"}
for sid, s in services.items():
    r = by_id.get(sid)
    if r is None:
        continue
    check("row %r: title, group, URL, ready as report.json" % sid,
          (r[1], r[0], r[3], r[4]) == (s["title"], s["group"], s["url"], word[s["ready"]]))
    check("row %r: a blocker exactly when not ready" % sid, (r[6] == "") == (s["ready"] is True))
check("report.csv: ready rows = report.json's ready (%d)" % rep["ready"],
      sum(r[4] == "yes" for r in rows) == rep["ready"])
check("report.csv: not-ready rows = report.json's not_ready (%d)" % rep["not_ready"],
      sum(r[4] != "yes" for r in rows) == rep["not_ready"])
check("the title with a comma and quotes, as in the list",
      by_id["portal"][1] == 'Cổng "Dịch vụ công", tỉnh Thái Bình')
check("the hostile probe-side group and title, as sent",
      any('<script>alert("x")</script>' in r[0] and r[1] == r[2] for r in rows))
check("blocker words: no AAAA", by_id["noaaaa"][6] == "No AAAA record")
check("blocker words: no recent measurement", by_id["fresh"][6] == "No recent measurement")
check("availability of a measured service in percent",
      by_id["noaaaa"][7] != "" and 0 <= float(by_id["noaaaa"][7]) <= 100)

# Group files: each group of the report, its rows, linked from report.html.
page = open(os.path.join(site, "report.html"), encoding="utf-8").read()
files = sorted(glob.glob(os.path.join(site, "group", "*.csv")))
check("a file per group (%d)" % len(rep["groups"]), len(files) == len(rep["groups"]))
seen = []
for f in files:
    _, grows = read_csv(f)
    groups = {r[0] for r in grows}
    rel = "group/" + os.path.basename(f)
    check("%s: the rows of one group" % rel, len(groups) == 1)
    g = groups.pop() if groups else None
    want = [r for r in rows if r[0] == g]
    check("%s: every row of its group, as report.csv has them" % rel, grows == want)
    names = [html.unescape(m) for m in re.findall(r'href="%s">([^<]*)</a>' % re.escape(rel), page)]
    check("%s: linked from report.html, named" % rel, names == [g if g else "no group"])
    seen.append(g)
check("the group files cover report.json's groups",
      sorted(seen) == sorted(x["group"] for x in rep["groups"]))
check("report.html links report.csv", 'href="report.csv"' in page)

# This month's snapshot: the report as published, in both places.
for ext, name in (("json", "report.json"), ("csv", "report.csv")):
    pub = open(os.path.join(site, name), "rb").read()
    for d in (site, reports):
        p = os.path.join(d, "report-%s.%s" % (month, ext))
        check("%s: the %s as published" % (p.replace(os.path.dirname(site) + "/", ""), name),
              os.path.exists(p) and open(p, "rb").read() == pub)
sys.exit(1 if fails else 0)
PY
rc=$?
while read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	"not ok "*) not_ok "${line#not ok }" ;;
	*) not_ok "check: $line" ;;
	esac
done <"$T_DIR/check.txt"
expect_eq "the CSV checks ran to the end" "$rc" 0
expect_eq "the snapshot belongs to the daemon's user" "$(stat -c %U "$T_DIR/data/reports/report-$month.csv")" nobody

expect_eq "GET /report.csv: text/csv" \
	"$(ncurl -o "$T_DIR/got.csv" -w '%{http_code} %{content_type}' "$URL/report.csv")" '200 text/csv; charset=utf-8'
check "... the file as published" cmp "$T_DIR/got.csv" "$SITE/report.csv"
expect_eq "GET a group's file" "$(ncurl -o /dev/null -w '%{http_code}' "$URL/group/~none.csv")" 200

# A second publish the same month: the snapshot follows the report.
expect_status "publish again" 0 ip netns exec "$ns" "$V6COLLECTOR" publish --no-graphs -c "$T_DIR/c.conf"
check "... this month's snapshot rewritten with it" cmp "$SITE/report.json" "$SITE/report-$month.json"

# Printed: A4, black on white, no navigation, the header kept.
CHROMIUM=${CHROMIUM:-$(command -v chromium)}
if [ -z "$CHROMIUM" ]; then
	not_ok "print: chromium is not installed (contrib/install-deps.sh installs it)"
	finish
fi
ip netns exec "$ns" timeout -k 5 60 python3 "$V6TOP/tests/tools/printcheck.py" \
	--chromium "$CHROMIUM" --profile "$T_DIR/chromium" --pdf "$T_DIR/report.pdf" \
	"$URL/report.html" >"$T_DIR/print.out" 2>&1
rc=$?
while read -r line; do
	case $line in
	"ok "*) ok "print: ${line#ok }" ;;
	"#"*) echo "$line" ;;
	*) not_ok "print: ${line#not ok }" ;;
	esac
done <"$T_DIR/print.out"
expect_eq "printcheck exit status" "$rc" 0
expect_match "print: the header names who publishes" "$(cat "$T_DIR/print.out")" '# header: .*so-tttt-thai-binh.*As of'
finish
