#!/bin/bash
# bench-publish: how long `v6collector publish` takes for a site of 2,000
# targets x 2 families seen by 2 probes (8,000 RRD files holding 31 days
# of data at a 60 s step), fed like live probes feed it: every target gets
# a record per family and probe before each publish, a few targets change
# state each time, the rest stay as they were (up, or down over IPv6 for
# one target in seven).
#
#   bench/bench-publish.sh [TARGETS] [PROBES] [ROUNDS]   (default 2000 2 6)
#
# Measured: the first publish (an empty site: every graph drawn), then
# ROUNDS routine publishes as the daemon makes them every publish_interval
# (300 s apart, start to start), one round of records posted before each.
# Time is made to pass with libfaketime (the faketime package): routine
# publish r runs with its clock at the first one's start + r x 300 s, and
# its records carry that time.
#
# The RRD files are hard links to two templates filled with rrdtool
# (14 GB of copies otherwise); the templates hold data up to an hour past
# the last round, so that the records posted feed the ledgers and the alert state
# (states, readiness, changes: what the publish decides from) without
# writing to the shared files (a record not newer than its file's last
# update is noted, not stored). Alerts decide on each record
# (down_after = up_after = 1). Writes bench/results/publish.md. Run as
# root (a network namespace of its own); files go under $TMPDIR (default
# /var/tmp) and are removed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
COLL=${V6COLLECTOR:-$top/collector/v6collector}
T=${1:-2000}
P=${2:-2}
ROUNDS=${3:-6}
STEP=60
INTERVAL=300
out=${BENCH_OUT:-$here/results/publish.md}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/v6w-bench-publish.XXXXXX")
chmod 755 "$work"
pids=()
ns=v6wpub$$

cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "bench-publish: run as root" >&2; exit 1; }
[ -x "$COLL" ] || { echo "bench-publish: $COLL missing (make)" >&2; exit 1; }
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$FAKETIME_LIB" ] || { echo "bench-publish: needs libfaketime (apt-get install faketime)" >&2; exit 1; }
ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1
inns=(ip netns exec "$ns")

probes=
for i in $(seq 1 "$P"); do
	echo "bench-token-$i-$RANDOM$RANDOM" >"$work/p$i.token"
	probes+="{ name = \"probe-$i\"; token_file = \"p$i.token\"; },"
done
chmod 644 "$work"/*.token
cat >"$work/c.conf" <<EOC
collector = { name = "bench"; listen = "[::1]:8080"; data_dir = "$work/data";
              publish_dir = "$work/site"; step = $STEP; user = "nobody";
              publish_interval = $INTERVAL; };
probes = ( ${probes%,} );
alert = { down_after = 1; up_after = 1; };
EOC
# The daemon only ingests: this copy of the file never lets it publish.
sed 's/publish_interval = [0-9]*/publish_interval = 0/' "$work/c.conf" >"$work/d.conf"

now=$(date +%s)
# Templates: 31 days, and ahead past the last round; IPv6 with an outage a
# day, IPv4 always up.
python3 - "$work" "$now" "$STEP" $((ROUNDS * INTERVAL + 3600)) <<'PY'
import random, subprocess, sys
work, now, step, ahead = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
start = now - 31 * 86400
hb = 3 * step
ds = ["DS:%s:GAUGE:%d:%s:%s" % (n, hb, lo, hi) for n, lo, hi in
      (("up", 0, 1), ("dns", 0, "U"), ("connect", 0, "U"), ("tls", 0, "U"),
       ("ttfb", 0, "U"), ("total", 0, "U"), ("cert_days", "U", "U"))]
rra = []
for cf in ("AVERAGE", "MIN", "MAX"):
    for steps, days in ((1, 2), (5, 14), (60, 62), (1440, 1827)):
        span = steps * step
        rra.append("RRA:%s:0.5:%d:%d" % (cf, steps, (days * 86400 + span - 1) // span))
rnd = random.Random(6)
for fam in ("ipv6", "ipv4"):
    path = "%s/%s.rrd" % (work, fam)
    subprocess.run(["rrdtool", "create", path, "--step", str(step), "--start",
                    str(start - 1)] + ds + rra, check=True)
    vals = []
    for t in range(start, now + ahead, step):
        down = fam == "ipv6" and (t // 60) % 1440 < 20
        base = 20 if fam == "ipv6" else 18
        if down:
            vals.append("%d:0:U:U:U:U:U:80" % t)
        else:
            vals.append("%d:1:%.1f:%.1f:%.1f:%.1f:%.1f:80" % (
                t, rnd.uniform(1, 4), rnd.uniform(base - 5, base + 15),
                rnd.uniform(25, 60), rnd.uniform(30, 120), rnd.uniform(90, 220)))
    for i in range(0, len(vals), 5000):
        subprocess.run(["rrdtool", "update", path] + vals[i:i + 5000], check=True)
PY
[ -s "$work/ipv6.rrd" ] || { echo "bench-publish: templates failed" >&2; exit 1; }
chmod 644 "$work"/*.rrd
nfiles=0
for i in $(seq 1 "$P"); do
	mkdir -p "$work/data/rrd/probe-$i"
	for k in $(seq 0 $((T - 1))); do
		n=$(printf 'service-%04d' "$k")
		ln "$work/ipv6.rrd" "$work/data/rrd/probe-$i/$n.ipv6.rrd"
		ln "$work/ipv4.rrd" "$work/data/rrd/probe-$i/$n.ipv4.rrd"
		nfiles=$((nfiles + 2))
	done
done
chmod -R a+rX "$work/data"

"${inns[@]}" "$COLL" -c "$work/d.conf" >"$work/collector.log" 2>&1 &
cpid=$!
pids+=("$cpid")
for _ in $(seq 1 200); do
	"${inns[@]}" curl -sf -g "http://[::1]:8080/api/v1/status" >/dev/null && break
	sleep 0.05
done

# feed ROUND TS: one record per target x family x probe, at time TS; in
# round r, targets k with (k + r) % 97 == 0 fail over IPv6 (each goes
# down, and up again the round after).
feed() {
	"${inns[@]}" python3 - "$work" "$T" "$P" "$1" "$2" <<'PY' || { echo "bench-publish: feeding failed" >&2; exit 1; }
import http.client, json, sys, time
work, n, nprobes, rnd, ts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
groups = ["Health", "Taxes", "Education", "Transport", "Land", "Civil status"]
conn = http.client.HTTPConnection("::1", 8080, timeout=60)
for p in range(1, nprobes + 1):
    probe = "probe-%d" % p
    tok = open("%s/p%d.token" % (work, p)).read().strip()
    seq = rnd * n * 2 + 1
    recs = []
    for k in range(n):
        for fam in ("ipv6", "ipv4"):
            bad = fam == "ipv6" and (k % 7 == 0 or (k + rnd) % 97 == 0)
            r = {"probe": probe, "target": "service-%04d" % k,
                 "url": "https://service-%04d.province.example/" % k, "family": fam,
                 "group": groups[k % len(groups)], "ts": ts, "seq": seq,
                 "outcome": "timeout" if bad else "ok", "warnings": [],
                 "ready": not bad, "score": 60 if bad else 100,
                 "ms": {"dns": 2.0, "connect": 20.0, "tls": 40.0, "ttfb": 60.0, "total": 130.0}}
            if bad:
                r["error"] = "connect timed out"
            recs.append(r)
            seq += 1
    for b in range(0, len(recs), 1000):
        body = json.dumps({"probe": probe, "results": recs[b:b + 1000]})
        conn.request("POST", "/api/v1/results", body,
                     {"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
        resp = conn.getresponse()
        answer = resp.read()
        if resp.status != 200 or b'"rejected":[]' not in answer:
            sys.exit("POST: %d %s" % (resp.status, answer[:200]))
PY
}

# publish RUN-NAME [AT]: wall seconds of one `v6collector publish`, as of
# wall time AT (default now); the start of the first is in $work/first.
publish() {
	local t0 t1 fake=()
	t0=$(date +%s.%N)
	[ -s "$work/first" ] || echo "$t0" >"$work/first"
	if [ -n "${2:-}" ]; then
		fake=(env LD_PRELOAD="$FAKETIME_LIB" NO_FAKE_STAT=1
			FAKETIME_DONT_FAKE_MONOTONIC=1
			FAKETIME="$(python3 -c "print('%+.3f' % ($2 - $t0))")")
	fi
	"${fake[@]}" "$COLL" publish -c "$work/c.conf" >"$work/$1.log" 2>&1 || { echo "bench-publish: publish failed" >&2; cat "$work/$1.log" >&2; }
	t1=$(date +%s.%N)
	python3 -c "print('%.1f' % ($t1 - $t0))"
}

feed 0 "$(($(date +%s) - 60))"
feed 1 "$(date +%s)"
cold=$(publish cold)
first=$(cat "$work/first")
rows=()
times=()
for r in $(seq 1 "$ROUNDS"); do
	at=$(python3 -c "print('%.3f' % ($first + $r * $INTERVAL))")
	feed $((r + 1)) "$(python3 -c "print($at - 5)")"
	w=$(publish "warm$r" "$at")
	times+=("$w")
	rows+=("| routine $r (+$((r * INTERVAL)) s) | ${w} s | $(sed -n 's/.*publish: //p' "$work/warm$r.log" | tail -1) |")
done
stats=$(printf '%s\n' "${times[@]}" | awk '{ s += $1; if ($1 > m) m = $1 } END { printf "mean %.1f s, max %.1f s", s / NR, m }')
graphs=$(find "$work/site/g" -type f | wc -l)
pages=$(find "$work/site" -name '*.html' | wc -l)
size=$(du -sh "$work/site" | cut -f1)
sizepng=$(find "$work/site/g" -name '*.png' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s/1048576}')
sizesvg=$(find "$work/site/g" -name '*.svg' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s/1048576}')

mkdir -p "$(dirname "$out")"
{
	echo "## publish: $T targets x 2 families x $P probes"
	echo
	echo "Command: \`bench/bench-publish.sh $T $P $ROUNDS\` (\`make bench\`), $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')),"
	echo "$(free -g | awk '/^Mem/ {print $2}') GiB, $(uname -sr); librrd $(rrdtool --version | head -1 | awk '{print $2}')."
	echo
	echo "$nfiles RRD files (31 days at a ${STEP}-s step), one \`v6collector publish\` each time,"
	echo "graph rendering spread over the CPUs. Before each publish every target got a"
	echo "record per family and probe; about 2 % of the targets changed state each"
	echo "round; routine publishes come ${INTERVAL} s apart, start to start (libfaketime)."
	echo
	echo "| publish | wall time | what it did |"
	echo "| --- | --- | --- |"
	echo "| first (an empty site) | ${cold} s | $(sed -n 's/.*publish: //p' "$work/cold.log" | tail -1) |"
	printf '%s\n' "${rows[@]}"
	echo
	echo "Routine publishes: $stats."
	echo "The site: $pages pages, $graphs graph files, $size on disk (PNG ${sizepng} MiB, SVG ${sizesvg} MiB)."
} >"$out"
cat "$out"
