#!/bin/bash
# bench-fetch: `v6probe run` taking N targets (default 10,000) from a real
# v6collector's list (collector.targets_file, GET /api/v1/targets): the
# probe's RSS once the list is applied and its peak, against the same
# probe with no target and with the N targets in probe.conf; how long the
# GET, the reading of the list and its application take; a second list
# (N targets, a tenth of them replaced) and a 304. Targets are
# http://[2001:db8::...]/ in a namespace with no route there, so every
# check fails at once (unreachable) and costs next to nothing; the
# interval is an hour, so the collector stores little meanwhile.
#
#   bench/bench-fetch.sh                     (root; N=10000)
#   N=2000 bench/bench-fetch.sh
#
# Writes bench/results/fetch.md. Not run by CI.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
T_NAME=bench-fetch
. "$top/tests/integration/lib.sh"
N=${N:-10000}
out=$top/bench/results/fetch.md
mkdir -p "$top/bench/results"
[ "$(id -u)" -eq 0 ] || { echo "bench-fetch: needs root" >&2; exit 1; }

ns=$(netns_new bfetch) || exit 1
d=$T_DIR
chmod 755 "$d"
echo "bench-token-$RANDOM$RANDOM" >"$d/p1.token"
chmod 600 "$d/p1.token"
chown nobody "$d/p1.token"
mkdir -p "$d/data"

# targets_csv FIRST: N targets numbered from FIRST, Vietnamese titles
targets_csv() {
	python3 - "$N" "$1" >"$d/targets.csv" <<'PY'
import sys
n, first = int(sys.argv[1]), int(sys.argv[2])
groups = ["Sở Y tế", "Sở Tài chính", "Sở Giáo dục và Đào tạo",
          "Sở Kế hoạch và Đầu tư", "Văn phòng UBND tỉnh"]
print("id,title,url,group,probes")
for i in range(first, first + n):
    print("svc-%d,Dịch vụ công trực tuyến số %d – %s,http://[2001:db8:%x:%x::10]/dich-vu/%d,%s," %
          (i, i, groups[i % 5], i >> 16, i & 0xffff, i, groups[i % 5]))
PY
	chmod 644 "$d/targets.csv"
}
targets_csv 1
cat >"$d/c.conf" <<EOF
collector = { name = "bench"; listen = "[::1]:8080"; data_dir = "$d/data";
              user = "nobody"; step = 3600; publish_interval = 0;
              targets_file = "targets.csv"; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
# probe_conf NAME LOCAL: a probe.conf with LOCAL targets of its own
probe_conf() {
	{
		echo "probe = { name = \"p1\"; interval = 3600; timeout = 5;"
		echo "          spool_dir = \"$d/spool-$1\"; user = \"nobody\"; };"
		echo "collector = { url = \"http://[::1]:8080/api/v1/results\";"
		echo "              token_file = \"p1.token\"; fetch_targets = $3; };"
		if [ "$2" -gt 0 ]; then
			echo "targets = ("
			for i in $(seq 1 "$2"); do
				printf '{ name = "svc-%d"; url = "http://[2001:db8:%x:%x::10]/dich-vu/%d"; }%s\n' \
					"$i" $((i >> 16)) $((i & 0xffff)) "$i" "$([ "$i" -lt "$2" ] && echo ,)"
			done
			echo ");"
		fi
	} >"$d/$1.conf"
}
status() { ip netns exec "$ns" curl -sf -g --max-time 5 "http://[::1]:8080/api/v1/status"; }

spawn "$ns" -- "$V6COLLECTOR" -c "$d/c.conf"
CPID=$SPAWNED
CLOG=$SPAWNED_LOG
wait_until 60 status >/dev/null || { echo "bench-fetch: the collector did not come up" >&2; exit 1; }
# the GET on its own, as curl sees it
get_ms=$(ip netns exec "$ns" curl -s -g -o "$d/list.json" -w '%{time_total}' \
	-H "Authorization: Bearer $(cat "$d/p1.token")" "http://[::1]:8080/api/v1/targets")
bytes=$(stat -c %s "$d/list.json")
etag=$(ip netns exec "$ns" curl -s -g -D - -o /dev/null \
	-H "Authorization: Bearer $(cat "$d/p1.token")" "http://[::1]:8080/api/v1/targets" |
	sed -n 's/^ETag: *//Ip' | tr -d '\r')
get304_ms=$(ip netns exec "$ns" curl -s -g -o /dev/null -w '%{time_total} %{http_code}' \
	-H "Authorization: Bearer $(cat "$d/p1.token")" -H "If-None-Match: $etag" \
	"http://[::1]:8080/api/v1/targets")

kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
mib() { python3 -c "print('%.1f' % ($1 / 1024))"; }
# run_probe NAME MARKER: start, wait for MARKER in its log, 5 s more
run_probe() {
	spawn "$ns" -- "$V6PROBE" run -c "$d/$1.conf" -v
	pid=$SPAWNED
	plog=$SPAWNED_LOG
	wait_until 120 grep -q "$2" "$plog" || { echo "bench-fetch: $1: no '$2'" >&2; exit 1; }
	sleep 5
}

# 1. no target at all, no list
probe_conf none 0 false
run_probe none "local targets, 0 canaries"
rss_none=$(kib "$pid" VmRSS)
hwm_none=$(kib "$pid" VmHWM)
stop_pid "$pid"

# 2. the N targets in probe.conf
probe_conf local "$N" false
run_probe local "local targets, 0 canaries"
rss_local=$(kib "$pid" VmRSS)
hwm_local=$(kib "$pid" VmHWM)
stop_pid "$pid"

# 3. the N targets from the collector's list
probe_conf fetched 0 true
run_probe fetched "targets: $N checked"
rss_fetched=$(kib "$pid" VmRSS)
hwm_fetched=$(kib "$pid" VmHWM)
line_get=$(grep "targets: $N from" "$plog" | tail -1)
line_apply=$(grep "targets: $N checked" "$plog" | tail -1)
# a second list: ids from N/10+1, so a tenth removed and a tenth new
targets_csv $((N / 10 + 1))
kill -HUP "$CPID"
wait_until 30 grep -q "info: reload: " "$CLOG"
echo 5 >"/proc/$pid/clear_refs"
kill -HUP "$pid"
wait_until 60 sh -c "grep -q '(a new list)' '$plog'" || { echo "bench-fetch: no second list" >&2; exit 1; }
wait_until 60 sh -c "[ \$(grep -c 'targets: $N checked' '$plog') -ge 2 ]"
sleep 5
rss_second=$(kib "$pid" VmRSS)
hwm_second=$(kib "$pid" VmHWM)
line_get2=$(grep "(a new list)" "$plog" | tail -1)
line_apply2=$(grep "targets: $N checked" "$plog" | tail -1)
# and a 304
kill -HUP "$pid"
wait_until 30 grep -q "304 not modified" "$plog"
stop_pid "$pid"
stats=$(grep 'stats: target list' "$plog" | tail -1)

{
	echo "## Probe: $N targets from the collector's list (bench/bench-fetch.sh)"
	echo
	echo "Command: \`N=$N bench/bench-fetch.sh\` on $(date -u +%Y-%m-%d),"
	echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load before: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "A real v6collector with a targets_file of $N rows (Vietnamese titles"
	echo "and groups) and the probe in one network namespace; every target is"
	echo "http://[2001:db8:...]/ with no route there, so each check ends at once"
	echo "(unreachable); interval 3600 s. RSS read from /proc 5 s after the list"
	echo "was applied; the peak is VmHWM (start-up included; reset before the"
	echo "second list)."
	echo
	echo "| probe | RSS MiB | peak RSS MiB |"
	echo "|---|---:|---:|"
	echo "| no target | $(mib "$rss_none") | $(mib "$hwm_none") |"
	echo "| $N targets in probe.conf | $(mib "$rss_local") | $(mib "$hwm_local") |"
	echo "| $N targets from the collector's list | $(mib "$rss_fetched") | $(mib "$hwm_fetched") |"
	echo "| ... then a second list ($((N / 10)) replaced), applied | $(mib "$rss_second") | $(mib "$hwm_second") |"
	echo
	echo "The list: $bytes bytes; the collector answers the GET in ${get_ms} s"
	echo "and the conditional GET with its ETag in ${get304_ms% *} s (HTTP ${get304_ms#* }),"
	echo "as curl sees it. The probe's own lines:"
	echo
	echo "    ${line_get#info: }"
	echo "    ${line_apply#info: }"
	echo "    ${line_get2#info: }"
	echo "    ${line_apply2#info: }"
	echo "    ${stats#info: }"
} >"$out"
cat "$out"
