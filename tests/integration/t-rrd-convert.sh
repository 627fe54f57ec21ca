#!/bin/bash
# t-rrd-convert: a real v6collector (started as root, running as nobody, in
# a network namespace) finds a data_dir of RRD files in the layout before
# the current one (AVERAGE, MIN and MAX of 1 step for 2 days, 5 for 14, 60
# for 62, 1440 for 1827; made here with rrdtool create): two targets x two
# families, with weeks of history, and the summary file. `v6collector
# publish` (which converts nothing) publishes from them; the daemon, when
# it starts, converts every file (logged with counts and bytes before and
# after) to at most a quarter of its size; a publish after that gives the
# same availability for 24 h, 7 d and 30 d on every target (index.html)
# and the same readiness trend (report.json). `v6collector rrd convert`
# on the converted folder changes nothing and says so.
. "$(dirname "$0")/lib.sh"
needs_root
command -v rrdtool >/dev/null || { ok "# SKIP rrdtool not installed"; exit 0; }

chmod 755 "$T_DIR"
ns=$(netns_new rc) || { not_ok "network namespace"; finish; }
tok=tok-$RANDOM$RANDOM
echo "$tok" >"$T_DIR/p1.token"
chmod 644 "$T_DIR/p1.token"
URL='http://[::1]:8080'
DATA="$T_DIR/data"
D="$DATA/rrd/p1"
NOW=$(date +%s)
H=$((NOW / 3600 * 3600))
ncurl() { ip netns exec "$ns" curl -s -g --max-time 20 "$@"; }
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$DATA";
              user = "nobody"; step = 60; publish_interval = 0; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF

start_collector() {
	spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf" -v
	cpid=$SPAWNED
	clog=$SPAWNED_LOG
	wait_until 20 ncurl -f "$URL/api/v1/status"
}

# The series, known to the collector through one record each.
start_collector || { not_ok "collector starts"; sed 's/^/#   /' "$clog"; finish; }
seq=0 res=
for t in a b; do
	for f in ipv6 ipv4; do
		seq=$((seq + 1))
		res="$res${res:+,}{\"probe\":\"p1\",\"target\":\"$t\",\"url\":\"https://$t.example/\",\"family\":\"$f\",\"ts\":$((H - 4 * 3600)),\"seq\":$seq,\"outcome\":\"ok\",\"ms\":{\"dns\":1,\"connect\":2,\"total\":9}}"
	done
done
code=$(ncurl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
	-H 'Content-Type: application/json' \
	--data-binary "{\"probe\":\"p1\",\"results\":[$res]}" "$URL/api/v1/results")
expect_eq "the four series are known" "$code" 200
stop_pid "$cpid"

# old_create FILE KIND: the layout before, with rrdtool.
old_create() {
	local ds rras= cf r
	if [ "$2" = summary ]; then
		ds="DS:targets:GAUGE:3600:0:U DS:ready:GAUGE:3600:0:U DS:ipv6_up:GAUGE:3600:0:U DS:ipv4_up:GAUGE:3600:0:U DS:score:GAUGE:3600:0:U"
	else
		ds="DS:up:GAUGE:1200:0:1 DS:dns:GAUGE:1200:0:U DS:connect:GAUGE:1200:0:U DS:tls:GAUGE:1200:0:U DS:ttfb:GAUGE:1200:0:U DS:total:GAUGE:1200:0:U DS:cert_days:GAUGE:1200:U:U"
	fi
	for cf in AVERAGE MIN MAX; do
		for r in 1:2880 5:4032 60:1488 1440:1827; do rras="$rras RRA:$cf:0.5:$r"; done
	done
	rm -f "$1"
	# shellcheck disable=SC2086
	rrdtool create "$1" --step 60 --start $((H - 41 * 86400)) $ds $rras
}

# block FILE FROM HOURS DOWN_FROM DOWN_HOURS: check records every 5
# minutes for HOURS hours from FROM, down for DOWN_HOURS from DOWN_FROM.
block() {
	awk -v from="$2" -v hours="$3" -v df="$4" -v dh="$5" 'BEGIN {
		for (t = from; t < from + hours * 3600; t += 300) {
			up = (t >= df && t < df + dh * 3600) ? 0 : 1
			printf "%d:%d:%.1f:%.1f:12.5:%.1f:%.1f:80\n", t, up,
			    (t % 97) / 10, 3 + (t % 13), 40 + (t % 31), 90 + (t % 53)
		}
	}' | xargs rrdtool update "$1"
}

# Weeks of history: outages inside each window, never across its edges.
i=0
for t in a b; do
	for f in ipv6 ipv4; do
		i=$((i + 1))
		old_create "$D/$t.$f.rrd" check
		block "$D/$t.$f.rrd" $((H - 25 * 86400)) 30 $((H - 25 * 86400 + 5 * 3600)) $i
		block "$D/$t.$f.rrd" $((H - 5 * 86400)) 20 $((H - 5 * 86400 + 2 * 3600)) $((i + 1))
		block "$D/$t.$f.rrd" $((H - 20 * 3600)) 17 $((H - 10 * 3600)) $((i % 3 + 1))
	done
done
# The summary: 2 targets, of which 0, 1 or 2 ready, 12 hours a day.
old_create "$DATA/summary.rrd" summary
for d in 9 8 7 6 5 4 3 2; do
	awk -v from=$((H / 86400 * 86400 - d * 86400 + 36000)) -v r=$((d % 3)) 'BEGIN {
		for (t = from; t < from + 12 * 3600; t += 300)
			printf "%d:2:%d:2:1:50\n", t, r
	}' | xargs rrdtool update "$DATA/summary.rrd"
done
chown -R nobody: "$DATA" # as the collector made them
before=$(du -cb "$D"/*.rrd "$DATA/summary.rrd" | tail -1 | cut -f1)

# avail DIR: the availability figures of index.html, one per line.
avail() { grep -o 'class="n" data-v="-\?[0-9]*\.[0-9]\{6\}"' "$1/index.html"; }
# report DIR: report.json without its time and today's point of the trend.
report() { jq -S 'del(.generated) | .trend |= .[:-1]' "$1/report.json"; }

check "publish from the files of the layout before" "$V6COLLECTOR" publish -c "$T_DIR/c.conf"
cp -a "$DATA/site" "$T_DIR/site-before"
echo "# availability before: $(avail "$T_DIR/site-before" | sed 's/.*data-v=//' | tr -d '"' | tr '\n' ' ')"
expect_eq "... which are left as they were" "$(du -cb "$D"/*.rrd "$DATA/summary.rrd" | tail -1 | cut -f1)" "$before"
n=$(avail "$T_DIR/site-before" | grep -cv 'data-v="-1.000000"')
expect_eq "... and it has 12 availability figures (2 targets x 2 families x 3 windows)" "$n" 12
expect_match "... and a readiness trend of past days" \
	"$(jq '.trend | length' "$T_DIR/site-before/report.json")" '^([3-9]|[1-9][0-9])$'

start_collector || { not_ok "collector starts (and converts)"; sed 's/^/#   /' "$clog"; finish; }
# While it runs, the command refuses: the files are the daemon's.
out=$("$V6COLLECTOR" rrd convert -c "$T_DIR/c.conf" 2>&1)
expect_eq "rrd convert while the collector runs: exit 1" "$?" 1
expect_match "... naming it" "$out" "a collector \\(pid $cpid\\) runs on data_dir"
stop_pid "$cpid"
line=$(grep 'rrd: 5 RRD files converted to the current layout' "$clog")
expect_match "the collector converts the 5 files when it starts, and logs counts and bytes" "$line" \
	"info: rrd: 5 RRD files converted to the current layout in [0-9.]+ s \(.*\): $before bytes before, [0-9]+ after .*; 0 already in it, 0 not converted"
after=$(du -cb "$D"/*.rrd "$DATA/summary.rrd" | tail -1 | cut -f1)
expect_match "... the bytes after as logged" "$line" " $after after "
check "... at most a quarter of the bytes" test $((4 * after)) -le "$before"
expect_eq "... owned by the collector's user still" "$(stat -c %U "$D"/*.rrd "$DATA/summary.rrd" | sort -u)" nobody
expect_eq "... no leftovers" "$(ls "$D" "$DATA" | grep -c '\.convert$')" 0
for f in "$D"/a.ipv6.rrd "$DATA/summary.rrd"; do
	expect_eq "... $(basename "$f"): 4 archives, AVERAGE only" \
		"$(rrdtool info "$f" | grep '^rra\[[0-9]*\]\.cf = ' | sed 's/.*= //' | sort | uniq -c | tr -s ' ')" ' 4 "AVERAGE"'
done

check "publish from the converted files" "$V6COLLECTOR" publish -c "$T_DIR/c.conf"
expect_eq "the same availability, 24 h / 7 d / 30 d, for every target and family" \
	"$(avail "$DATA/site" | tr '\n' ' ')" "$(avail "$T_DIR/site-before" | tr '\n' ' ')"
expect_eq "the same report.json (its readiness trend of past days too)" \
	"$(report "$DATA/site")" "$(report "$T_DIR/site-before")"

# Again: nothing to do.
ls -li --time-style=+%s.%N "$D" "$DATA/summary.rrd" >"$T_DIR/ls-before"
md5=$(cat "$D"/*.rrd "$DATA/summary.rrd" | md5sum)
out=$("$V6COLLECTOR" rrd convert -c "$T_DIR/c.conf" 2>&1)
expect_eq "rrd convert on a converted folder: exit 0" "$?" 0
expect_match "... converts nothing, finds 5 already converted" "$out" \
	'^rrd convert: 0 RRD files converted .* 5 already in it, 0 not converted, 0 leftovers'
ls -li --time-style=+%s.%N "$D" "$DATA/summary.rrd" >"$T_DIR/ls-after"
check "... and touches no file" diff "$T_DIR/ls-before" "$T_DIR/ls-after"
expect_eq "... their bytes the same" "$(cat "$D"/*.rrd "$DATA/summary.rrd" | md5sum)" "$md5"
finish
