#!/bin/bash
# bench-traffic: packets per second of `v6probe traffic -r` on a large
# generated capture file, beside tcpdump's own read loop
# (`tcpdump -r FILE -w /dev/null`) and tshark (`tshark -r FILE -q -z
# io,stat,0`), in the same run. Writes bench/results/traffic.md with the
# commands, date, machine and figures. Not run by CI (make bench).
#
#   BENCH_PACKETS         packets in the large file (default 20000000)
#   BENCH_TSHARK_PACKETS  packets tshark reads (default 1000000): tshark
#                         keeps state for every frame (about 1.5 KB each),
#                         so it reads a prefix of the same packet sequence
#   BENCH_RUNS            timed runs per command, the median is reported
#                         (default 3)
#   BENCH_DIR             where the files go (default /tmp), about 130
#                         bytes per packet
#
# The file is pcapgen's bench mix: about 58% IPv6 and 41% IPv4 TCP/UDP in
# 4096 flows, VLAN-tagged frames, ARP, ICMPv6 Packet Too Big and
# Destination Unreachable, captured with a 128-byte snaplen. It is read
# once before timing, so every command reads from the page cache.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
n=${BENCH_PACKETS:-20000000}
nts=${BENCH_TSHARK_PACKETS:-1000000}
runs=${BENCH_RUNS:-3}
probe=${V6PROBE:-$top/probe/v6probe}
gen=${V6TOOLS:-$top/build/tools}/pcapgen
out=$here/results/traffic.md

for x in "$probe" "$gen"; do
	if [ ! -x "$x" ]; then
		echo "bench-traffic: $x missing (make all tools)" >&2
		exit 1
	fi
done
if ! command -v tshark >/dev/null && [ "$(id -u)" -eq 0 ]; then
	echo "bench-traffic: installing tshark"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends tshark >/dev/null 2>&1 ||
		echo "bench-traffic: could not install tshark" >&2
fi
dir=$(mktemp -d "${BENCH_DIR:-/tmp}/v6w-bench-traffic.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
big=$dir/big.pcap
small=$dir/prefix.pcap

echo "bench-traffic: writing $n packets"
"$gen" -c "$n" -S 1 bench "$big" >"$dir/big.want" || exit 1
"$gen" -c "$nts" -S 1 bench "$small" >"$dir/prefix.want" || exit 1
cat "$big" "$small" >/dev/null
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# timed LABEL PACKETS CMD...: run CMD $runs times (stdout to $dir/last.out),
# append "label|packets|wall|user|sys|cmd" (medians) to $dir/rows.
timed() {
	local label=$1 pk=$2 i
	shift 2
	local TIMEFORMAT='%3R %3U %3S'
	: >"$dir/times"
	for i in $(seq 1 "$runs"); do
		{ time "$@" >"$dir/last.out" 2>"$dir/last.err"; } 2>>"$dir/times" || {
			echo "bench-traffic: $label failed:" >&2
			cat "$dir/last.err" >&2
			return 1
		}
	done
	med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
	printf '%s|%s|%s|%s|%s|%s\n' "$label" "$pk" \
		"$(awk '{ print $1 }' "$dir/times" | med)" \
		"$(awk '{ print $2 }' "$dir/times" | med)" \
		"$(awk '{ print $3 }' "$dir/times" | med)" \
		"$(printf '%q ' "$@" | sed "s|$dir/||g")" >>"$dir/rows"
	echo "  $label: $(tail -1 "$dir/rows" | cut -d'|' -f3) s wall"
}

: >"$dir/rows"
timed "v6probe traffic -r" "$n" "$probe" traffic -r "$big" --json
counted=$(python3 -c 'import json,sys
g = json.load(open(sys.argv[1])); w = json.load(open(sys.argv[2]))
print("same" if g["packets"] == w["packets"] and g["bytes"] == w["bytes"] and
      g["icmpv6"]["packet_too_big"] == w["icmpv6"]["packet_too_big"] else "DIFFERENT")' \
	"$dir/last.out" "$dir/big.want")
timed "tcpdump -r -w /dev/null" "$n" tcpdump -r "$big" -w /dev/null
timed "v6probe traffic -r (prefix)" "$nts" "$probe" traffic -r "$small" --json
timed "tcpdump -r -w /dev/null (prefix)" "$nts" tcpdump -r "$small" -w /dev/null
if command -v tshark >/dev/null; then
	timed "tshark -q -z io,stat,0 (prefix)" "$nts" \
		tshark -r "$small" -q -z io,stat,0
	tshark_v=$(tshark --version 2>/dev/null | head -1 | sed 's/\.$//')
else
	tshark_v="tshark not installed: not measured"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
	echo "## traffic: packets per second reading a capture file"
	echo
	echo "Command: \`bench/bench-traffic.sh\` (BENCH_PACKETS=$n," \
		"BENCH_TSHARK_PACKETS=$nts, BENCH_RUNS=$runs), via \`make bench\`."
	echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git -C "$top" rev-parse --short HEAD 2>/dev/null)."
	echo "Machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)" \
		"RAM, Linux $(uname -r); load average $load_before before," \
		"$load_after after (a shared machine; other jobs ran)."
	echo "Versions: $("$probe" --version), libpcap 1.10.3 (Debian 12)," \
		"$(tcpdump --version 2>&1 | head -1), $tshark_v."
	echo
	echo "File: pcapgen bench mix, seed 1, $n packets," \
		"$(($(stat -c %s "$big") / 1048576)) MiB, 128-byte snaplen, in the page" \
		"cache. The prefix file holds the first $nts packets of the same" \
		"sequence. v6probe's totals match what pcapgen wrote: $counted."
	echo "Each figure is the median of $runs runs; Mpps = packets / seconds," \
		"CPU = user + system time; one core (all three are single-threaded)."
	echo
	echo "| command | packets | wall s | user s | sys s | Mpps (wall) | Mpps (CPU) | vs tcpdump (wall) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'|' '
	{ lab[NR] = $1; pk[NR] = $2; w[NR] = $3; u[NR] = $4; s[NR] = $5 }
	$1 == "tcpdump -r -w /dev/null" { base_big = $2 / $3 }
	$1 == "tcpdump -r -w /dev/null (prefix)" { base_small = $2 / $3 }
	END {
		for (i = 1; i <= NR; i++) {
			pps = (w[i] > 0) ? pk[i] / w[i] : 0
			cpu = u[i] + s[i]
			cpps = (cpu > 0) ? pk[i] / cpu : 0
			base = (lab[i] ~ /prefix/) ? base_small : base_big
			rel = (base > 0) ? pps / base : 0
			printf("| %s | %d | %.3f | %.3f | %.3f | %.2f | %.2f | %.2fx |\n",
			    lab[i], pk[i], w[i], u[i], s[i], pps / 1e6,
			    cpps / 1e6, rel)
		}
	}' "$dir/rows"
	echo
	echo "Exact commands (files in a temporary directory):"
	echo
	cut -d'|' -f6 "$dir/rows" | sed 's/^/    /'
} >"$out"
cat "$out"
