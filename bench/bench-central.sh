#!/bin/bash
# bench-central: one list for every probe. A collector with a targets_file
# of TARGETS services (CSV, Vietnamese titles: tests/tools/gen-services.py)
# and PROBES real probes that fetch their share of it and check it (every
# URL fails at once: [::1]:9 refuses over IPv6, an IPv6 literal has no
# IPv4 address), then one publish.
#
#   bench/bench-central.sh [TARGETS] [PROBES]   (default 2000 3)
#
# Measured: the time to load the list (--check-config, which reads it as
# the daemon does), the collector's RSS after start and after the probes'
# first round, GET /api/v1/targets per probe (first answer, then 50 more:
# the body is built once per list and probe), a 304 with If-None-Match,
# each probe's RSS with its fetched list, and `v6collector publish`
# (pages, report and status; then the graphs). Writes
# bench/results/central.md. Run as root (a network namespace of its own).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
COLL=${V6COLLECTOR:-$top/collector/v6collector}
PROBE=${V6PROBE:-$top/probe/v6probe}
T=${1:-2000}
P=${2:-3}
out=${BENCH_OUT:-$here/results/central.md}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/v6w-bench-central.XXXXXX")
chmod 755 "$work"
ns=v6wcen$$
port=18990
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1
names=()
for i in $(seq 1 "$P"); do names+=("p$i"); done
python3 "$top/tests/tools/gen-services.py" "$T" "http://[::1]:9" "${names[@]}" \
	>"$work/services.csv"
{
	echo "collector = { name = \"bench\"; listen = \"[::1]:$port\"; data_dir = \"$work/data\";"
	echo "  user = \"nobody\"; step = 60; publish_interval = 0; targets_file = \"services.csv\"; };"
	echo "probes = ("
	sep=""
	for p in "${names[@]}"; do
		echo "tok-$p-$RANDOM$RANDOM$RANDOM" >"$work/$p.token"
		chmod 600 "$work/$p.token"
		chown nobody "$work/$p.token"
		echo "  $sep{ name = \"$p\"; token_file = \"$p.token\"; }"
		sep=","
	done
	echo ");"
} >"$work/c.conf"
mkdir -p "$work/data"
for p in "${names[@]}"; do
	cat >"$work/$p.conf" <<CONF
probe = { name = "$p"; interval = 60; timeout = 2; spool_dir = "$work/spool-$p"; user = "nobody"; };
collector = { url = "http://[::1]:$port/api/v1/results"; token_file = "$p.token"; };
CONF
done
rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
ms() { python3 -c "print('%.1f' % (($1) * 1000))"; }

t0=$(date +%s.%N)
"$COLL" --check-config -c "$work/c.conf" >/dev/null
t1=$(date +%s.%N)
load_ms=$(ms "$t1 - $t0")
ip netns exec "$ns" "$COLL" -c "$work/c.conf" >"$work/collector.log" 2>&1 &
cpid=$!
pids+=("$cpid")
for i in $(seq 1 100); do
	ip netns exec "$ns" curl -sf -g "http://[::1]:$port/api/v1/status" >/dev/null && break
	sleep 0.1
done
sleep 1
crss0=$(rss "$cpid")

fetch() { # probe [curl options...]
	local p=$1; shift
	ip netns exec "$ns" curl -s -g -o /dev/null "$@" \
		-H "Authorization: Bearer $(cat "$work/$p.token")" \
		-w '%{http_code} %{size_download} %{time_total}\n' \
		"http://[::1]:$port/api/v1/targets"
}
rows=""
for p in "${names[@]}"; do
	read -r code size first < <(fetch "$p")
	sum=0
	for i in $(seq 1 50); do
		read -r _ _ t < <(fetch "$p")
		sum=$(python3 -c "print($sum + $t)")
	done
	etag=$(ip netns exec "$ns" curl -s -g -D - -o /dev/null \
		-H "Authorization: Bearer $(cat "$work/$p.token")" \
		"http://[::1]:$port/api/v1/targets" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')
	read -r code304 _ t304 < <(fetch "$p" -H "If-None-Match: $etag")
	n=$(ip netns exec "$ns" curl -s -g -H "Authorization: Bearer $(cat "$work/$p.token")" \
		"http://[::1]:$port/api/v1/targets" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['targets']))")
	rows+="| $p | $n | $size | $(ms "$first") | $(ms "$sum / 50") | $code304 $(ms "$t304") |"$'\n'
done

ppids=()
for p in "${names[@]}"; do
	ip netns exec "$ns" "$PROBE" run -c "$work/$p.conf" >"$work/$p.log" 2>&1 &
	ppids+=("$!")
	pids+=("$!")
done
# The first round: every probe has stored a record per family of its share.
want=$(python3 - "$work/services.csv" "${names[@]}" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
total = 0
for p in sys.argv[2:]:
    total += 2 * sum(1 for r in rows if r["probes"] in ("", p))
print(total)
PY
)
start=$(date +%s.%N)
for i in $(seq 1 600); do
	got=$(ip netns exec "$ns" curl -sf -g "http://[::1]:$port/api/v1/status" |
		python3 -c "import json,sys; print(sum(p['stored'] for p in json.load(sys.stdin)['probes']))" 2>/dev/null)
	[ "${got:-0}" -ge "$want" ] && break
	sleep 1
done
end=$(date +%s.%N)
round_s=$(python3 -c "print('%.1f' % ($end - $start))")
crss1=$(rss "$cpid")
chwm=$(hwm "$cpid")
prow=""
for k in "${!names[@]}"; do
	prow+="| ${names[$k]} | $(rss "${ppids[$k]}") | $(hwm "${ppids[$k]}") |"$'\n'
done
for p in "${ppids[@]}"; do kill "$p"; done
sleep 1
t0=$(date +%s.%N)
ip netns exec "$ns" "$COLL" publish --no-graphs -c "$work/c.conf" >"$work/pub1.log" 2>&1
t1=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/pub.rss" ip netns exec "$ns" "$COLL" publish -c "$work/c.conf" >"$work/pub2.log" 2>&1
t2=$(date +%s.%N)

{
	echo "## One list for every probe (bench/bench-central.sh)"
	echo
	echo "Command: \`bench/bench-central.sh $T $P\` on $(date -u +%Y-%m-%d), $(nproc) cores,"
	echo "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); load before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "$T services in a CSV targets_file (Vietnamese titles, every fifth row"
	echo "for one probe only), $P real probes fetching their share from"
	echo "GET /api/v1/targets and checking it once (interval 60 s)."
	echo
	echo "| figure | value |"
	echo "|---|---:|"
	echo "| load the list (--check-config, wall) | $load_ms ms |"
	echo "| collector RSS after start | $crss0 MiB |"
	echo "| collector RSS after the probes' first round ($want records) | $crss1 MiB (peak $chwm MiB) |"
	echo "| first round stored (all probes) | $round_s s |"
	echo "| publish --no-graphs ($T targets: pages, report, status) | $(python3 -c "print('%.1f' % ($t1 - $t0))") s |"
	echo "| publish with graphs (first: every day graph drawn) | $(python3 -c "print('%.1f' % ($t2 - $t1))") s, peak RSS $(awk '{printf "%.1f", $1/1024}' "$work/pub.rss") MiB |"
	echo
	echo "GET /api/v1/targets (curl in the same namespace; ms of curl's time_total):"
	echo
	echo "| probe | targets | bytes | first | mean of 50 more | If-None-Match |"
	echo "|---|---:|---:|---:|---:|---|"
	printf '%s' "$rows"
	echo
	echo "Each probe's memory with its fetched list, after its first round:"
	echo
	echo "| probe | RSS MiB | peak MiB |"
	echo "|---|---:|---:|"
	printf '%s' "$prow"
	echo
	echo "Publish: $(grep -o 'publish: .*' "$work/pub2.log" | tail -1)"
} >"$out"
cat "$out"
