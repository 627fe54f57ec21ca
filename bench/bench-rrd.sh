#!/bin/bash
# bench-rrd: bytes per series of the RRD layout before and now (check and
# traffic files, step 60 s), the time `v6collector rrd convert` takes per
# file on a sample of old-layout files, and what that makes for a province
# (1,805 targets) and a country (126,000 targets) seen by 3 probes. Writes
# bench/results/rrd.md. Not run by CI (make bench).
#
#   BENCH_RRD_FILES  old-layout check files in the timed sample (default
#                    600: 1.73 MB each); the time for 5,415 and 10,830
#                    files is the sample's per-file time multiplied out
#   BENCH_DIR        where the files go (default /tmp)
#
# The old files are made with rrdtool create (the layout before: AVERAGE,
# MIN and MAX of 1 step for 2 days, 5 for 14, 60 for 62, 1440 for 1827),
# filled with 4 days of records every minute and weeks of sparse ones,
# and copied; they are in the page cache when converted (this script does
# not drop the machine's caches), so the time is CPU, writes and fsync,
# not the cold reads of a real disk.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
nfiles=${BENCH_RRD_FILES:-600}
coll=${V6COLLECTOR:-$top/collector/v6collector}
out=$here/results/rrd.md

if [ ! -x "$coll" ]; then
	echo "bench-rrd: $coll missing (make all)" >&2
	exit 1
fi
command -v rrdtool >/dev/null || { echo "bench-rrd: rrdtool missing" >&2; exit 1; }
dir=$(mktemp -d "${BENCH_DIR:-/tmp}/v6w-bench-rrd.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
NOW=$(date +%s)
H=$((NOW / 3600 * 3600))
user=$(id -un)
[ "$(id -u)" -eq 0 ] && user=nobody

old_create() { # FILE check|traffic
	local ds rras= cf r
	if [ "$2" = traffic ]; then
		ds=
		for n in pkts_ipv6 pkts_ipv4 pkts_other bytes_ipv6 bytes_ipv4 bytes_other ptb unreach drops; do
			ds="$ds DS:$n:GAUGE:3600:0:U"
		done
	else
		ds="DS:up:GAUGE:1200:0:1 DS:dns:GAUGE:1200:0:U DS:connect:GAUGE:1200:0:U DS:tls:GAUGE:1200:0:U DS:ttfb:GAUGE:1200:0:U DS:total:GAUGE:1200:0:U DS:cert_days:GAUGE:1200:U:U"
	fi
	for cf in AVERAGE MIN MAX; do
		for r in 1:2880 5:4032 60:1488 1440:1827; do rras="$rras RRA:$cf:0.5:$r"; done
	done
	# shellcheck disable=SC2086
	rrdtool create "$1" --step 60 --start $((H - 60 * 86400)) $ds $rras
}

fill() { # FILE check|traffic
	awk -v now="$H" -v kind="$2" 'BEGIN {
		for (t = now - 60 * 86400 + 60; t < now; t += (t < now - 4 * 86400 ? 600 : 60)) {
			if (t < now - 4 * 86400 && (t / 86400) % 3 == 2) continue
			if (kind == "check")
				printf "%d:%d:%.1f:%.1f:12.5:%.1f:%.1f:80\n", t,
				    (t / 600) % 17 != 0, (t % 97) / 10, 3 + t % 13,
				    40 + t % 31, 90 + t % 53
			else
				printf "%d:%d:%d:1:%d:%d:5:0:0:0\n", t, t % 900,
				    t % 700, t % 90000, t % 70000
		}
	}' | xargs -n 2000 rrdtool update "$1"
}

echo "bench-rrd: making the old-layout files"
mkdir -p "$dir/one/rrd/p1" "$dir/many/rrd"
old_create "$dir/one/rrd/p1/t.ipv6.rrd" check && fill "$dir/one/rrd/p1/t.ipv6.rrd" check
old_create "$dir/one/rrd/p1/eth0.traffic.rrd" traffic && fill "$dir/one/rrd/p1/eth0.traffic.rrd" traffic
old_check=$(stat -c %s "$dir/one/rrd/p1/t.ipv6.rrd")
old_traffic=$(stat -c %s "$dir/one/rrd/p1/eth0.traffic.rrd")
for p in 1 2 3; do mkdir -p "$dir/many/rrd/p$p"; done
for i in $(seq 1 "$nfiles"); do
	cp "$dir/one/rrd/p1/t.ipv6.rrd" "$dir/many/rrd/p$((i % 3 + 1))/t$i.ipv$((i % 2 ? 6 : 4)).rrd"
done
for d in one many; do
	cat >"$dir/$d.conf" <<EOF
collector = { name = "bench"; listen = "[::1]:1"; data_dir = "$dir/$d"; user = "$user"; step = 60; };
probes = ( );
EOF
done
chown -R "$user": "$dir/one" "$dir/many"

"$coll" rrd convert -c "$dir/one.conf" >"$dir/one.out" 2>&1 ||
	{ echo "bench-rrd: convert failed:" >&2; cat "$dir/one.out" >&2; exit 1; }
new_check=$(stat -c %s "$dir/one/rrd/p1/t.ipv6.rrd")
new_traffic=$(stat -c %s "$dir/one/rrd/p1/eth0.traffic.rrd")

echo "bench-rrd: converting $nfiles files"
sync
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
TIMEFORMAT='%3R %3U %3S'
{ time "$coll" rrd convert -c "$dir/many.conf" >"$dir/many.out" 2>"$dir/many.err"; } 2>"$dir/time" ||
	{ echo "bench-rrd: convert failed:" >&2; cat "$dir/many.err" >&2; exit 1; }
read -r wall usr sys <"$dir/time"
grep -q "^rrd convert: $nfiles RRD files converted" "$dir/many.out" ||
	{ echo "bench-rrd: unexpected:" >&2; cat "$dir/many.out" >&2; exit 1; }
again=$( { time "$coll" rrd convert -c "$dir/many.conf" >/dev/null 2>&1; } 2>&1 | cut -d' ' -f1)
per_ms=$(awk -v w="$wall" -v n="$nfiles" 'BEGIN { printf "%.2f", w * 1000 / n }')

# disk TARGETS SIZE: bytes for TARGETS x 3 probes x 2 families, in GB.
gb() { awk -v t="$1" -v s="$2" 'BEGIN { printf "%.1f", t * 3 * 2 * s / 1e9 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
mins() { awk -v ms="$per_ms" -v n="$1" 'BEGIN { printf "%.1f", ms * n / 60000 }'; }

{
	echo "## RRD layout: bytes per series and conversion (bench/bench-rrd.sh)"
	echo
	echo "Command: \`BENCH_RRD_FILES=$nfiles bench/bench-rrd.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores,"
	echo "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); load before the run: $load_before."
	echo "Step 60 s. The old files are made with \`rrdtool create\` in the layout before"
	echo "and filled (4 days every minute, 56 days sparse); the new sizes are those of"
	echo "the same files after \`v6collector rrd convert\` (what the collector creates too)."
	echo
	echo "| file | before (bytes) | now (bytes) | now / before |"
	echo "| --- | ---: | ---: | ---: |"
	echo "| check (target x family x probe) | $old_check | $new_check | $(pct "$new_check" "$old_check") % |"
	echo "| traffic (interface x probe) | $old_traffic | $new_traffic | $(pct "$new_traffic" "$old_traffic") % |"
	echo
	echo "Disk for check files, targets x 3 probes x 2 families:"
	echo
	echo "| targets | files | before | now |"
	echo "| ---: | ---: | ---: | ---: |"
	echo "| 1,805 | 10,830 | $(gb 1805 "$old_check") GB | $(gb 1805 "$new_check") GB |"
	echo "| 126,000 | 756,000 | $(gb 126000 "$old_check") GB | $(gb 126000 "$new_check") GB |"
	echo
	echo "Conversion, measured on a sample of $nfiles old check files (3 probe folders),"
	echo "warm page cache: $wall s wall ($usr s user, $sys s system), **$per_ms ms per file**"
	echo "(read 1.73 MB, write and fsync $new_check bytes, rename). Multiplied out, not"
	echo "measured: 5,415 files (1,805 targets x 3 probes, one family) $(mins 5415) min; 10,830"
	echo "(both families) $(mins 10830) min; 756,000 (126,000 x 3 x 2) $(mins 756000) min. From a"
	echo "cold disk add the reads: 1.73 MB per file. A second run over the converted"
	echo "folder (nothing to do, one header read per file) took $again s."
	echo
	echo "Log of the timed run: \`$(tail -1 "$dir/many.out")\`"
} >"$out"
cat "$out"
