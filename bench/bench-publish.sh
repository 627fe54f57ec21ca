#!/bin/bash
# bench-publish: how long `v6collector publish` takes for a site of 2,000
# targets x 2 families seen by 2 probes (8,000 RRD files holding 31 days
# of data at a 60 s step): the first publish (every graph of every period
# drawn), then the next one five minutes later (what the daemon does every
# publish_interval: graphs still as fresh as new ones are kept).
#
#   bench/bench-publish.sh [TARGETS] [PROBES]     (default 2000 2)
#
# The collector creates the files and the state from one posted record per
# series; then every file is replaced by a hard link to one of two
# templates filled with rrdtool (the RRDs are read, never written, by a
# publish, so links measure the same work without 14 GB of copies).
# Writes bench/results/publish.md. Run as root (a network namespace of
# its own); files go under $TMPDIR (default /var/tmp) and are removed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
COLL=${V6COLLECTOR:-$top/collector/v6collector}
T=${1:-2000}
P=${2:-2}
STEP=60
out="$here/results/publish.md"
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
	rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "bench-publish: run as root" >&2; exit 1; }
[ -x "$COLL" ] || { echo "bench-publish: $COLL missing (make)" >&2; exit 1; }
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
              publish_interval = 0; };
probes = ( ${probes%,} );
EOC

now=$(date +%s)
# Templates: 31 days, IPv6 with an outage a day, IPv4 always up.
python3 - "$work" "$now" "$STEP" <<'PY'
import random, subprocess, sys
work, now, step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
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
    for t in range(start, now - step, step):
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

"${inns[@]}" "$COLL" -c "$work/c.conf" >"$work/collector.log" 2>&1 &
cpid=$!
pids+=("$cpid")
for _ in $(seq 1 200); do
	"${inns[@]}" curl -sf -g "http://[::1]:8080/api/v1/status" >/dev/null && break
	sleep 0.05
done
# One record per target x family per probe, a minute old.
for i in $(seq 1 "$P"); do
	python3 - "probe-$i" "$T" $((now - 60)) <<'PY' >"$work/body-$i.jsonl"
import json, sys
probe, n, ts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
recs, seq = [], 1
groups = ["Health", "Taxes", "Education", "Transport", "Land", "Civil status"]
for k in range(n):
    for fam in ("ipv6", "ipv4"):
        bad = fam == "ipv6" and k % 7 == 0
        r = {"probe": probe, "target": "service-%04d" % k,
             "url": "https://service-%04d.province.example/" % k, "family": fam,
             "group": groups[k % len(groups)], "ts": ts, "seq": seq,
             "outcome": "timeout" if bad else "ok", "warnings": [],
             "ready": k % 7 != 0, "score": 60 if bad else 100,
             "ms": {"dns": 2.0, "connect": 20.0, "tls": 40.0, "ttfb": 60.0, "total": 130.0}}
        if bad:
            r["error"] = "connect timed out"
        recs.append(r)
        seq += 1
for b in range(0, len(recs), 1000):
    print(json.dumps({"probe": probe, "results": recs[b:b + 1000]}))
PY
	tok=$(cat "$work/p$i.token")
	while read -r body; do
		printf '%s' "$body" | "${inns[@]}" curl -sf -g -o /dev/null \
			-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
			--data-binary @- "http://[::1]:8080/api/v1/results" ||
			{ echo "bench-publish: POST failed" >&2; exit 1; }
	done <"$work/body-$i.jsonl"
done
kill -TERM "$cpid"; wait "$cpid" 2>/dev/null
pids=()
nfiles=0
for f in "$work"/data/rrd/*/*.rrd; do
	case $f in *.ipv6.rrd) ln -f "$work/ipv6.rrd" "$f" ;; *) ln -f "$work/ipv4.rrd" "$f" ;; esac
	nfiles=$((nfiles + 1))
done

# publish RUN-NAME: wall seconds of one `v6collector publish`, its log line.
publish() {
	local t0 t1
	t0=$(date +%s.%N)
	"$COLL" publish -c "$work/c.conf" >"$work/$1.log" 2>&1 || { echo "bench-publish: publish failed" >&2; cat "$work/$1.log" >&2; }
	t1=$(date +%s.%N)
	python3 -c "print('%.1f' % ($t1 - $t0))"
}
cold=$(publish cold)
# Five minutes later, as the daemon's next turn: graphs whose period moved
# by less than a pixel are kept.
find "$work/site/g" -type f -exec touch -d '-300 seconds' {} +
warm=$(publish warm)
graphs=$(find "$work/site/g" -type f | wc -l)
pages=$(find "$work/site" -name '*.html' | wc -l)
size=$(du -sh "$work/site" | cut -f1)
sizepng=$(find "$work/site/g" -name '*.png' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s/1048576}')
sizesvg=$(find "$work/site/g" -name '*.svg' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s/1048576}')

{
	echo "## publish: $T targets x 2 families x $P probes"
	echo
	echo "Command: \`bench/bench-publish.sh $T $P\` (\`make bench\`), $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')),"
	echo "$(free -g | awk '/^Mem/ {print $2}') GiB, $(uname -sr); librrd $(rrdtool --version | head -1 | awk '{print $2}')."
	echo
	echo "$nfiles RRD files (31 days at a ${STEP}-s step), one \`v6collector publish\` each time,"
	echo "graph rendering spread over the CPUs:"
	echo
	echo "| publish | wall time | what it did |"
	echo "| --- | --- | --- |"
	echo "| first (every graph) | ${cold} s | $(sed -n 's/.*publish: //p' "$work/cold.log" | tail -1) |"
	echo "| next, 5 min later | ${warm} s | $(sed -n 's/.*publish: //p' "$work/warm.log" | tail -1) |"
	echo
	echo "The site: $pages pages, $graphs graph files, $size on disk (PNG ${sizepng} MiB, SVG ${sizesvg} MiB)."
} >"$out"
cat "$out"
