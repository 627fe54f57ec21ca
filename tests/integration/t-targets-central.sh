#!/bin/bash
# t-targets-central: a province's 1,805 services from one CSV on a real
# collector, fetched by two real probes that each check only their share
# (rows naming one probe); then the sheet changes -- a title edited, a row
# removed, a row added -- and after SIGHUP the site, the report, the
# status and the metrics follow: the edited row keeps its id and history,
# the removed one is retired (its RRD files kept under retired/), the new
# one is checked. Then `v6collector target rename` and `target retire`
# against the running collector.
. "$(dirname "$0")/lib.sh"
needs_root
chmod 755 "$T_DIR"
ns=$(netns_new tc) || { not_ok "namespace"; finish; }
port=$((18000 + RANDOM % 2000))
N=1805
for p in p1 p2; do
	echo "tok-$p-$RANDOM$RANDOM" >"$T_DIR/$p.token"
	chmod 600 "$T_DIR/$p.token"
	chown nobody "$T_DIR/$p.token"
done
mkdir -p "$T_DIR/data"
# Every URL fails at once: [::1]:9 refuses over IPv6, and an IPv6
# literal has no IPv4 address.
python3 "$V6TOP/tests/tools/gen-services.py" $N "http://[::1]:9" p1 p2 \
	>"$T_DIR/services.csv"
cat >"$T_DIR/c.conf" <<CONF
collector = { name = "province"; listen = "[::1]:$port"; data_dir = "$T_DIR/data";
              user = "nobody"; step = 60; publish_interval = 0;
              targets_file = "services.csv"; };
probes = ( { name = "p1"; token_file = "p1.token"; },
           { name = "p2"; token_file = "p2.token"; } );
CONF
for p in p1 p2; do
	cat >"$T_DIR/$p.conf" <<CONF
probe = { name = "$p"; interval = 20; timeout = 2; spool_dir = "$T_DIR/spool-$p";
          user = "nobody"; };
collector = { url = "http://[::1]:$port/api/v1/results"; token_file = "$p.token"; };
CONF
done
check "--check-config loads the 1,805 rows" \
	"$V6COLLECTOR" --check-config -c "$T_DIR/c.conf"

api() { ip netns exec "$ns" curl -sf -g --max-time 10 "http://[::1]:$port$1"; }
targets_of() {
	ip netns exec "$ns" curl -sf -g --max-time 10 \
		-H "Authorization: Bearer $(cat "$T_DIR/$1.token")" \
		"http://[::1]:$port/api/v1/targets"
}
# py CODE: run python with the status document as d (and sys, json).
status_py() {
	api /api/v1/status | python3 -c "import json,sys; d=json.load(sys.stdin)
$1"
}
# id of row K (its URL) in p1's list
id_of() {
	targets_of p1 | python3 -c "import json,sys
for t in json.load(sys.stdin)['targets']:
    if t['url'].endswith('/svc/$1'): print(t['id'])"
}
# the set of targets a probe has records of
probe_targets() {
	status_py "print(len({r['target'] for r in d['targets'] if r['probe'] == '$1'}))"
}
# slow_until SECONDS command...: poll every second (the status of 3,600
# series is no small document).
slow_until() {
	local limit=$1 i; shift
	for i in $(seq 1 "$limit"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 1
	done
	return 1
}

spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
cpid=$SPAWNED
clog=$SPAWNED_LOG
wait_until 15 api /api/v1/status || { not_ok "collector answers"; finish; }

# Each probe's list: p1 gets every row but p2's own (k % 7 == 0 and not
# k % 5 == 0), p2 every row but p1's own (k % 5 == 0).
n1=$(targets_of p1 | python3 -c "import json,sys; print(len(json.load(sys.stdin)['targets']))")
n2=$(targets_of p2 | python3 -c "import json,sys; print(len(json.load(sys.stdin)['targets']))")
want1=$(python3 -c "print(sum(1 for k in range(1,$N+1) if not (k%7==0 and k%5!=0)))")
want2=$(python3 -c "print(sum(1 for k in range(1,$N+1) if k%5!=0))")
expect_eq "p1's list: every row but p2's own" "$n1" "$want1"
expect_eq "p2's list: every row but p1's own" "$n2" "$want2"

spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/p1.conf"
p1pid=$SPAWNED
p1log=$SPAWNED_LOG
spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/p2.conf"
p2pid=$SPAWNED
all_checked() {
	[ "$(probe_targets p1)" = "$want1" ] && [ "$(probe_targets p2)" = "$want2" ]
}
slow_until 90 all_checked && ok "both probes check their whole share" \
	|| not_ok "both probes check their whole share (p1 $(probe_targets p1)/$want1, p2 $(probe_targets p2)/$want2)"
expect_match "the probe says where its targets come from" "$(cat "$p1log")" \
	"targets: $want1 checked: 0 local, $want1 from the collector's list"
own=$(status_py "
t5 = [r for r in d['targets'] if r['url'].endswith('/svc/5')]
t7 = [r for r in d['targets'] if r['url'].endswith('/svc/7')]
print(sorted({r['probe'] for r in t5}), sorted({r['probe'] for r in t7}))")
expect_eq "each probe checks only its own rows" "$own" "['p1'] ['p2']"
title3=$(status_py "print(next(r['title'] for r in d['states'] if r['url'].endswith('/svc/3')))")
expect_eq "status shows the title" "$title3" \
	"Cấp lại xây dựng nhà ở riêng lẻ (thủ tục 3)"

id3=$(id_of 3)
id4=$(id_of 4)
expect_eq "an id made from the title" "$id3" "cap-lai-xay-dung-nha-o-rieng-le-thu-tuc-3"
ino3=$(stat -c %i "$T_DIR/data/rrd/p1/$id3.ipv6.rrd")
check "the removed row has its files" test -f "$T_DIR/data/rrd/p1/$id4.ipv6.rrd" \
	-a -f "$T_DIR/data/rrd/p2/$id4.ipv6.rrd"

# The sheet changes: row 3's title, row 4 gone, row 1806 new.
python3 - "$T_DIR/services.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
out = []
for r in rows:
    if r[0].endswith("/svc/3"):
        r[1] = "Cấp lại giấy phép xây dựng (tên mới)"
    if r[0].endswith("/svc/4"):
        continue
    out.append(r)
out.append(["http://[::1]:9/svc/1806", "Dịch vụ công mới: cấp phép biển hiệu", "Sở Công Thương", ""])
w = csv.writer(open(sys.argv[1], "w", encoding="utf-8", newline=""), lineterminator="\r\n")
w.writerows(out)
PY
kill -HUP "$cpid"
wait_until 10 grep -q "1 retired" "$clog" && ok "the reload retires the removed row" \
	|| not_ok "the reload retires the removed row"
expect_eq "the edited row keeps its id" "$(id_of 3)" "$id3"
expect_eq "... and its file (its history)" \
	"$(stat -c %i "$T_DIR/data/rrd/p1/$id3.ipv6.rrd")" "$ino3"
check "the retired row's files are kept under retired/" \
	test -f "$T_DIR/data/retired/p1/$id4.ipv6.rrd" -a -f "$T_DIR/data/retired/p2/$id4.ipv4.rrd"
check "... and gone from rrd/" test ! -e "$T_DIR/data/rrd/p1/$id4.ipv6.rrd"
id1806=$(id_of 1806)
expect_eq "the new row's id" "$id1806" "dich-vu-cong-moi-cap-phep-bien-hieu"
kill -HUP "$p1pid" "$p2pid"
new_checked() {
	status_py "import sys; sys.exit(0 if any(r['target'] == '$id1806' and r['probe'] == 'p2' for r in d['targets']) else 1)"
}
slow_until 60 new_checked && ok "the probes check the new row" \
	|| not_ok "the probes check the new row"

gone=$(status_py "print(sum(1 for r in d['targets'] + d['states'] if r['target'] == '$id4'))")
expect_eq "status: the retired row is gone" "$gone" 0
metrics=$(api /metrics)
expect_eq "metrics: no series of the retired row" \
	"$(grep -c "target=\"$id4\"" <<<"$metrics")" 0
expect_match "metrics: the new title" "$metrics" \
	"v6watch_target_info\\{target=\"$id3\",title=\"Cấp lại giấy phép xây dựng \\(tên mới\\)\""
spawn "$ns" -- "$V6COLLECTOR" publish --no-graphs -c "$T_DIR/c.conf"
ppid=$SPAWNED
plog=$SPAWNED_LOG
wait_until 120 sh -c "! kill -0 $ppid 2>/dev/null"
expect_match "publish: 1,805 targets" "$(cat "$plog")" "publish: $N targets"
site=$T_DIR/data/site
check "index: the new title" grep -q "Cấp lại giấy phép xây dựng (tên mới)" "$site/index.html"
check "index: the new row" grep -q "Dịch vụ công mới: cấp phép biển hiệu" "$site/index.html"
check "index: not the retired row" sh -c "! grep -q '(thủ tục 4)<' '$site/index.html'"
check "no page of the retired row" test ! -e "$site/t/$id4.html"
rep=$(python3 -c "
import json; r = json.load(open('$site/report.json'))
print(r['targets'], r['ready'] + r['not_ready'] == r['targets'],
      any(t['target'] == '$id4' for t in r['to_fix']))")
expect_eq "report: 1,805 services, counts that add up, not the retired one" "$rep" "$N True False"

# Rename a row's id (none given in the file): its files follow; the
# probes get the new id at their next fetch.
id1=$(id_of 1)
expect_status "target rename (running collector)" 0 \
	"$V6COLLECTOR" target rename "$id1" portal-renamed -c "$T_DIR/c.conf"
check "... its files renamed" test -f "$T_DIR/data/rrd/p1/portal-renamed.ipv6.rrd" \
	-a ! -e "$T_DIR/data/rrd/p1/$id1.ipv6.rrd"
expect_eq "... the list gives the new id" "$(id_of 1)" portal-renamed
kill -HUP "$p1pid"
renamed_fresh() {
	status_py "import sys; sys.exit(0 if any(r['target'] == 'portal-renamed' and r['probe'] == 'p1' and r['seq'] > 0 for r in d['targets']) else 1)"
}
slow_until 60 renamed_fresh && ok "... records go on under the new id" \
	|| not_ok "... records go on under the new id"
expect_status "retire a row of the list: refused, naming the file" 1 \
	"$V6COLLECTOR" target retire "$id3" -c "$T_DIR/c.conf"
expect_match "... with the line" "$(cat "$T_DIR/status.out")" "services.csv \\(line 4\\)"
lst=$("$V6COLLECTOR" target list -c "$T_DIR/c.conf")
expect_match "target list shows the retired row and why" "$lst" \
	"^$id4 +retired +removed from .*services.csv"
# Nothing lost: every stored record is accounted for.
inv=$(status_py "print(all(p['stored'] + p['rejected'] + p['missing'] == p['last_seq'] - p['base_seq'] for p in d['probes']))")
expect_eq "ledgers: stored + rejected + missing == last_seq - base_seq" "$inv" True
finish
