#!/bin/bash
# bench-collector: ingest throughput of v6collector with 1,000 targets x 2
# families, stored through librrd directly and through rrdcached, beside
# the floor measured in the same run: `rrdtool -` (pipe mode, one process
# doing the same updates) and rrdcached's BATCH command over its socket.
# The load generator (tests/tools/collpost) posts pre-built batches of full
# records over one keep-alive connection on loopback.
#
#   bench/bench-collector.sh [ROUNDS]     (default 50 rounds = 100,000 records)
#
# Writes bench/results/collector.md. Needs ~7 GB of free disk for the RRD
# files (2,000 files of 1.7 MB, twice) under $TMPDIR (default /var/tmp);
# removes them at the end. Run as root to get a network namespace of its
# own; otherwise it listens on a free port of ::1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
COLL=${V6COLLECTOR:-$top/collector/v6collector}
POST=${V6TOOLS:-$top/build/tools}/collpost
ROUNDS=${1:-50}
T=1000
B=1000
TS0=1764480000
out="$here/results/collector.md"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/v6w-bench-collector.XXXXXX")
chmod 755 "$work"
pids=()
ns=

cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

for b in "$COLL" "$POST"; do
	[ -x "$b" ] || { echo "bench-collector: $b missing (make all tools)" >&2; exit 1; }
done
command -v rrdcached >/dev/null && command -v rrdtool >/dev/null ||
	{ echo "bench-collector: needs rrdtool and rrdcached" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
	ns=v6wbench$$
	ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1
	inns=(ip netns exec "$ns")
	port=8080
	user=nobody
else
	inns=()
	port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1])')
	user=$(id -un)
fi
echo "bench-token-$RANDOM$RANDOM" >"$work/p1.token"
chmod 644 "$work/p1.token"

cpu_ticks() { # utime + stime of PID, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
tck=$(getconf CLK_TCK)

wait_http() {
	for _ in $(seq 1 200); do
		"${inns[@]}" curl -sf -g "http://[::1]:$port/api/v1/status" >/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# run_collector MODE: start, create the files (round 0), measure ROUNDS.
run_collector() {
	local mode=$1 extra= rpid= c0 c1 r0=0 r1=0 line
	mkdir -p "$work/$mode"
	[ "$(id -u)" = 0 ] && chown "$user" "$work/$mode"
	if [ "$mode" = cached ]; then
		rrdcached -g -B -b "$work/$mode" -w 3600 -z 1 -p "$work/rrdcached.pid" \
			-m 0666 -l "unix:$work/rrdcached.sock" >"$work/rrdcached.log" 2>&1 &
		rpid=$!
		pids+=("$rpid")
		for _ in $(seq 1 100); do [ -S "$work/rrdcached.sock" ] && break; sleep 0.05; done
		extra="rrdcached = \"unix:$work/rrdcached.sock\";"
	fi
	cat >"$work/$mode.conf" <<EOF
collector = { name = "bench"; listen = "[::1]:$port"; data_dir = "$work/$mode";
              user = "$user"; $extra };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
	"${inns[@]}" "$COLL" -c "$work/$mode.conf" >"$work/$mode.log" 2>&1 &
	cpid=$!
	pids+=("$cpid")
	wait_http || { echo "collector ($mode) did not start:"; cat "$work/$mode.log"; exit 1; }
	line=$("${inns[@]}" "$POST" -q -a ::1 -p "$port" -t "$work/p1.token" -g "$T,1,$B")
	create_s=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$line")
	# The 3.4 GB just written go to disk before the timed part.
	sync
	c0=$(cpu_ticks "$cpid")
	[ -n "$rpid" ] && r0=$(cpu_ticks "$rpid")
	line=$("${inns[@]}" "$POST" -q -a ::1 -p "$port" -t "$work/p1.token" \
		-g "$T,$ROUNDS,$B" -s $((T * 2 + 1)) -T $((TS0 + 60)))
	c1=$(cpu_ticks "$cpid")
	[ -n "$rpid" ] && r1=$(cpu_ticks "$rpid")
	echo "# $mode: $line" >&2
	grep -q 'failed=0' <<<"$line" || { echo "bench-collector: $mode: $line"; exit 1; }
	n=$(sed -n 's/.*records=\([0-9]*\).*/\1/p' <<<"$line")
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$line")
	rate=$(sed -n 's/.*records_per_s=\([0-9]*\).*/\1/p' <<<"$line")
	ccpu=$(awk -v d=$((c1 - c0)) -v t="$tck" -v n="$n" 'BEGIN { printf "%.1f", d / t * 1e6 / n }')
	rcpu=$(awk -v d=$((r1 - r0)) -v t="$tck" -v n="$n" 'BEGIN { printf "%.1f", d / t * 1e6 / n }')
	# The daemon publishes (publish_interval's default) while it ingests:
	# updates that found their file read-locked by the publisher waited.
	waits=$("${inns[@]}" curl -sf -g "http://[::1]:$port/metrics" |
		awk '/^v6watch_rrd_lock_waits_total/ { w = $2 } /^v6watch_rrd_lock_failures_total/ { f = $2 }
		     END { printf "%d waited, %d gave up", w, f }')
	kill -TERM "$cpid"; wait "$cpid"
	eval "${mode}_locks='$waits'"
	eval "${mode}_rate=$rate ${mode}_secs=$secs ${mode}_ccpu=$ccpu ${mode}_rcpu=$rcpu ${mode}_create=$create_s ${mode}_n=$n"
	[ -n "$rpid" ] && rrdcached_pid=$rpid
}

# The same updates as one text stream: "update FILE TS:values" per line.
update_lines() { # DIR ROUND0 PREFIX
	local dir=$1 r0=$2 prefix=$3
	python3 - "$dir" "$r0" "$ROUNDS" "$T" "$TS0" "$prefix" <<'EOF'
import sys
d, r0, rounds, t, ts0, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
w = sys.stdout.write
for r in range(r0, r0 + rounds):
    ts = ts0 + 60 * r
    for i in range(t):
        for fam in ("ipv6", "ipv4"):
            w("%s %s/rrd/p1/t%04d.%s.rrd %d:1:2.1:10.4:31.0:55.2:%d.0:87\n"
              % (prefix, d, i, fam, ts, r % 1000 + 1))
EOF
}

now_s() { date +%s.%N; }

date_run=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "== collector, librrd directly" >&2
run_collector direct
echo "== collector, through rrdcached" >&2
run_collector cached

# Floor 1: rrdtool pipe mode, the same number of updates on the same files.
echo "== rrdtool - (pipe mode)" >&2
update_lines "$work/direct" $((ROUNDS + 1)) update >"$work/pipe.txt"
t0=$(now_s)
rrdtool - <"$work/pipe.txt" >"$work/pipe.out" 2>&1
t1=$(now_s)
pipe_errors=$(grep -vc '^OK' "$work/pipe.out")
pipe_n=$(wc -l <"$work/pipe.txt")
pipe_rate=$(awk -v n="$pipe_n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')

# Floor 2: rrdcached BATCH over its socket, the same number of updates.
echo "== rrdcached BATCH" >&2
update_lines "$work/cached" $((ROUNDS + 1)) UPDATE >"$work/batch.txt"
r0=$(cpu_ticks "$rrdcached_pid")
batch_out=$(python3 - "$work/rrdcached.sock" "$work/batch.txt" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
lines = open(sys.argv[2], "rb").read()
n = lines.count(b"\n")
t0 = time.monotonic()
s.sendall(b"BATCH\n")
f = s.makefile("rb")
f.readline()                       # 0 Go ahead.
s.sendall(lines + b".\n")
first = f.readline()               # "0 errors" or "N errors" + lines
errs = int(first.split()[0])
for _ in range(errs):
    f.readline()
dt = time.monotonic() - t0
print(n, "%.0f" % (n / dt), errs)
EOF
)
r1=$(cpu_ticks "$rrdcached_pid")
read -r batch_n batch_rate batch_errors <<<"$batch_out"
batch_rcpu=$(awk -v d=$((r1 - r0)) -v t="$tck" -v n="$batch_n" 'BEGIN { printf "%.1f", d / t * 1e6 / n }')

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
	echo "## Collector ingest (bench/bench-collector.sh)"
	echo
	echo "Command: \`bench/bench-collector.sh $ROUNDS\` (via \`make bench\`), $date_run."
	echo "Machine: $cpu, $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo),"
	echo "Linux $(uname -r), files under $(df -P "$work" | awk 'NR==2 {print $1}') (${TMPDIR:-/var/tmp})."
	echo
	echo "Load: $T targets x 2 families = $((T * 2)) RRD files (one probe), full records"
	echo "(~560 bytes) in batches of $B over one keep-alive HTTP/1.1 connection on"
	echo "loopback; the files are created first (round 0, timed apart), then $ROUNDS"
	echo "rounds = $((T * 2 * ROUNDS)) records are timed. CPU per record from"
	echo "/proc/PID/stat (utime + stime, ${tck} Hz). rrdcached: -w 3600 -z 1 (no flush"
	echo "during the run), 4 threads (default)."
	echo
	echo "| Path | records/s | collector CPU µs/record | rrdcached CPU µs/record | wall s |"
	echo "|---|---:|---:|---:|---:|"
	echo "| v6collector, librrd directly | $direct_rate | $direct_ccpu | - | $direct_secs |"
	echo "| v6collector, through rrdcached | $cached_rate | $cached_ccpu | $cached_rcpu | $cached_secs |"
	echo "| floor: \`rrdtool -\` pipe mode, same updates | $pipe_rate | - | - | - |"
	echo "| floor: rrdcached BATCH over its socket | $batch_rate | - | $batch_rcpu | - |"
	echo
	echo "Creating the $((T * 2)) files (round 0, 1.7 MB each): librrd ${direct_create} s,"
	echo "rrdcached ${cached_create} s. Errors: pipe mode $pipe_errors, BATCH $batch_errors."
	echo "The daemons publish meanwhile (publish_interval 300, the first after 2 s);"
	echo "updates finding their RRD read-locked by the publisher: librrd directly"
	echo "${direct_locks}; through rrdcached ${cached_locks}. Failed batches: none."
	echo "Goal: >= 20,000 records/s through rrdcached on one core with the"
	echo "collector's CPU under 25 µs per record."
} >"$out"
cat "$out"
