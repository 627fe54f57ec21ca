#!/bin/bash
# bench-engine: builds of the check engine side by side (or the current
# one alone), on the same nginx as bench-check.sh (RSA 2048, 2 KB page,
# full TLS handshake per check, over [::1] in a namespace): instructions
# per check (callgrind, 200 checks in one process) against the floor of a
# bare handshake (openssl s_time -new), instructions of one forked check,
# system calls per check (strace -c, 200 checks), CPU per check in one
# process (N checks, c=1) and forked per check as Nagios runs a plugin
# (NF checks), the builds run in turn, RUNS times.
#
#   bench/bench-engine.sh                      (root; probe/v6probe)
#   N=1000 NF=300 RUNS=3 bench/bench-engine.sh OLD_V6PROBE NEW_V6PROBE
#
# Writes bench/results/engine.md. Not run by CI.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
T_NAME=bench-engine
. "$top/tests/integration/lib.sh"
N=${N:-1000}
NF=${NF:-300}
RUNS=${RUNS:-3}
if [ $# -eq 0 ]; then set -- "$V6PROBE"; fi
builds=("$@")
out=$top/bench/results/engine.md
mkdir -p "$top/bench/results"
command -v strace >/dev/null || apt-get install -y -q strace >/dev/null
[ "$(id -u)" -eq 0 ] || { echo "bench-engine: needs root (network namespace)" >&2; exit 1; }

ns=$(netns_new bench) || exit 1
d=$T_DIR
chmod 755 "$d"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
	-subj "/CN=bench CA" -days 3650 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$d/srv.key" -out "$d/srv.csr" \
	-subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=IP:::1,DNS:localhost\n' >"$d/srv.ext"
openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
	-days 825 -extfile "$d/srv.ext" -out "$d/srv.pem" 2>/dev/null
mkdir -p "$d/www"
head -c 2000 /dev/zero | tr '\0' 'a' >"$d/www/index.html"
cat >"$d/nginx.conf" <<EOF
user root; worker_processes 1; daemon off; pid $d/nginx.pid; error_log $d/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_timeout 0;
 client_body_temp_path $d; proxy_temp_path $d; fastcgi_temp_path $d;
 uwsgi_temp_path $d; scgi_temp_path $d;
 ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; ssl_session_tickets off;
 server { listen [::1]:8443 ssl; ssl_certificate $d/srv.pem;
  ssl_certificate_key $d/srv.key; root $d/www; } }
EOF
spawn "$ns" -- nginx -c "$d/nginx.conf"
wait_until 10 ip netns exec "$ns" curl -sf --cacert "$d/ca.pem" -o /dev/null https://[::1]:8443/ ||
	{ echo "bench-engine: nginx did not come up" >&2; exit 1; }
for i in $(seq 1 "$N"); do echo "https://[::1]:8443/?n=$i"; done >"$d/urls.txt"
head -n 200 "$d/urls.txt" >"$d/urls200.txt"
head -n "$NF" "$d/urls.txt" >"$d/urlsf.txt"
x="ip netns exec $ns"
load=$(cut -d' ' -f1-3 /proc/loadavg)

# cpu N CMD...: CPU µs per check of CMD and all it waited for
cpu() {
	local n=$1; shift
	python3 - "$n" "$@" <<'PY'
import resource, subprocess, sys
n, cmd = int(sys.argv[1]), sys.argv[2:]
rc = subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.0f" % ((ru.ru_utime + ru.ru_stime) * 1e6 / n) if rc in (0,) else "FAILED(rc=%d)" % rc)
PY
}
ir() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }

$x valgrind --tool=callgrind --callgrind-out-file="$d/cg.stime" \
	openssl s_time -connect "[::1]:8443" -new -time 5 -www / -CAfile "$d/ca.pem" >"$d/stime.txt" 2>&1
conns=$(sed -n 's/^\([0-9]*\) connections in [0-9.]*s.*/\1/p' "$d/stime.txt" | head -1)
floor=$(( $(ir "$d/cg.stime") / conns ))
declare -A IR IR1 SC CPU FORK
for v in "${!builds[@]}"; do
	bin=${builds[$v]}
	$x valgrind --tool=callgrind --callgrind-out-file="$d/cg.$v" \
		"$bin" check -6 --no-ns --json --concurrency 1 --cacert "$d/ca.pem" \
		-f "$d/urls200.txt" >"$d/cg.$v.json" 2>/dev/null
	python3 -c 'import json,sys; print(sum(t["ipv6"]["outcome"] == "ok" for t in json.load(open(sys.argv[1]))["targets"]))' \
		"$d/cg.$v.json" >"$d/ok.$v"
	IR[$v]=$(( $(ir "$d/cg.$v") / 200 ))
	# one process for one check, start-up and trust store included
	$x valgrind --tool=callgrind --callgrind-out-file="$d/cg1.$v" \
		"$bin" check --nagios -6 --no-ns --cacert "$d/ca.pem" "https://[::1]:8443/" >/dev/null 2>&1
	IR1[$v]=$(ir "$d/cg1.$v")
	$x strace -f -c -o "$d/st.$v" "$bin" check -6 --no-ns --json --concurrency 1 \
		--cacert "$d/ca.pem" -f "$d/urls200.txt" >/dev/null 2>&1
	SC[$v]=$(awk '$NF == "total" {print int($(NF-2) / 200)}' "$d/st.$v")
done
for r in $(seq 1 "$RUNS"); do
	for v in "${!builds[@]}"; do
		bin=${builds[$v]}
		CPU[$v]+="$(cpu "$N" $x "$bin" check -6 --no-ns --json --concurrency 1 \
			--cacert "$d/ca.pem" -f "$d/urls.txt") "
		FORK[$v]+="$(cpu "$NF" $x sh -c "xargs -n 1 $bin check --nagios -6 --no-ns \
			--cacert $d/ca.pem <$d/urlsf.txt") "
	done
done
{
	echo "## Check engine builds side by side (bench/bench-engine.sh)"
	echo
	echo "Command: \`N=$N NF=$NF RUNS=$RUNS bench/bench-engine.sh ${builds[*]}\` on $(date -u +%Y-%m-%d),"
	echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load before: $load."
	echo "https://[::1]:8443/ on nginx (RSA 2048, 2 KB page, keep-alive off, TLS 1.3, no"
	echo "session cache or tickets): a fresh TCP connection and a full handshake per check."
	echo "Instructions and system calls do not depend on the machine's load; the CPU"
	echo "columns (one figure per run) do, and this machine is shared."
	echo
	echo "| build | instructions/check (callgrind, 200 in one process) | x floor | instructions, one forked check | system calls/check | CPU µs/check, c=1 | CPU µs/check forked | ok of 200 |"
	echo "|---|---:|---:|---:|---:|---|---|---:|"
	echo "| floor: openssl s_time -new | $(awk -v f="$floor" 'BEGIN{printf "%.2fM", f/1e6}') | 1.00 | | | | | |"
	for v in "${!builds[@]}"; do
		awk -v l="${builds[$v]}" -v i="${IR[$v]}" -v i1="${IR1[$v]}" -v f="$floor" -v sc="${SC[$v]}" \
			-v c="${CPU[$v]}" -v k="${FORK[$v]}" -v ok="$(cat "$d/ok.$v")" \
			'BEGIN{printf "| %s | %.2fM | %.2f | %.1fM | %d | %s | %s | %s |\n", l, i/1e6, i/f, i1/1e6, sc, c, k, ok}'
	done
} >"$out"
cat "$out"
