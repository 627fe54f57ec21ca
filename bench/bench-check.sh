#!/bin/bash
# bench-check: client CPU per HTTPS check, wall time and peak RSS of
# v6probe beside the tools people use instead -- Prometheus
# blackbox_exporter, monitoring-plugins check_curl, the curl CLI forked per
# check, `curl -Z` (libcurl multi in one process) -- and the TLS handshake
# floor (`openssl s_time -new`). N checks of a local nginx over [::1], a
# fresh TCP connection and a full TLS handshake each, at concurrency 1 and
# 50; run twice: with a one-certificate CA file and with the system bundle.
#
#   bench/bench-check.sh            (root; N=2000 by default)
#   N=500 bench/bench-check.sh      (quicker)
#
# Writes bench/results/check.md. Not run by CI.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
T_NAME=bench-check
. "$top/tests/integration/lib.sh"
N=${N:-2000}
out=$top/bench/results/check.md
mkdir -p "$top/bench/results"

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-check: needs root (network namespace)" >&2
	exit 1
fi
need=""
command -v prometheus-blackbox-exporter >/dev/null || need+=" prometheus-blackbox-exporter"
# check_curl needs liburiparser1, which the package only recommends
check_curl=/usr/lib/nagios/plugins/check_curl
if [ ! -x "$check_curl" ] || ldd "$check_curl" | grep -q 'not found'; then
	need+=" monitoring-plugins-standard liburiparser1"
fi
[ -x /usr/bin/time ] || need+=" time"
if [ -n "$need" ]; then
	echo "bench-check: installing$need"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null ||
		{ echo "bench-check: cannot install$need" >&2; exit 1; }
fi

ns=$(netns_new bench) || exit 1
d=$T_DIR
chmod 755 "$d"
# RSA 2048: what most public services still present.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
	-subj "/CN=bench CA" -days 3650 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$d/srv.key" -out "$d/srv.csr" \
	-subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=IP:::1,DNS:localhost\n' >"$d/srv.ext"
openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
	-days 825 -extfile "$d/srv.ext" -out "$d/srv.pem" 2>/dev/null
cat /etc/ssl/certs/ca-certificates.crt "$d/ca.pem" >"$d/bundle.pem"
mkdir -p "$d/www"
head -c 2000 /dev/zero | tr '\0' 'a' >"$d/www/index.html"
cat >"$d/nginx.conf" <<EOF
user root; worker_processes 1; daemon off; pid $d/nginx.pid; error_log $d/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_timeout 0;
 client_body_temp_path $d; proxy_temp_path $d; fastcgi_temp_path $d;
 uwsgi_temp_path $d; scgi_temp_path $d;
 ssl_protocols TLSv1.2 TLSv1.3;
 ssl_session_cache off; ssl_session_tickets off;
 server { listen [::1]:8443 ssl; ssl_certificate $d/srv.pem;
  ssl_certificate_key $d/srv.key; root $d/www; }
 # the same with session tickets, for the probe's steady state
 server { listen [::1]:8444 ssl; ssl_certificate $d/srv.pem;
  ssl_certificate_key $d/srv.key; root $d/www;
  ssl_session_tickets on; ssl_session_timeout 2h; } }
EOF
spawn "$ns" -- nginx -c "$d/nginx.conf"
wait_until 10 ip netns exec "$ns" curl -sf --cacert "$d/ca.pem" -o /dev/null https://[::1]:8443/ ||
	{ echo "bench-check: nginx did not come up" >&2; exit 1; }

for i in $(seq 1 "$N"); do echo "https://[::1]:8443/?n=$i"; done >"$d/urls.txt"
{ for i in $(seq 1 "$N"); do echo "url = \"https://[::1]:8443/?n=$i\""; echo 'output = "/dev/null"'; done; } >"$d/curl.cfg"

# measure LABEL CMD...: wall seconds, CPU µs per check, peak RSS (MiB) of
# CMD and everything it waited for. Appends a row to $d/rows. GNU time
# reports the peak: a child forked from python would carry python's own
# 13 MiB as its high-water mark through exec.
measure() {
	local label=$1; shift
	python3 - "$label" "$N" "$d/rss" /usr/bin/time -f %M -o "$d/rss" "$@" >>"$d/rows" <<'PY'
import resource, subprocess, sys, time
label, n, rssf, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
t = time.monotonic()
rc = subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (ru.ru_utime + ru.ru_stime) * 1e6 / n
rss = int(open(rssf).read().split()[-1])
print("%s|%.2f|%.0f|%.0f|%.1f|%d" % (label, wall, n / wall, cpu, rss / 1024, rc))
PY
}

# blackbox_exporter is a daemon: drive it with a client and count only the
# exporter's own CPU (/proc/PID/stat) and peak RSS (VmHWM).
blackbox() {
	local conc=$1 ca=$2
	cat >"$d/bb.yml" <<EOF
modules:
  https6:
    prober: http
    timeout: 10s
    http:
      preferred_ip_protocol: ip6
      ip_protocol_fallback: false
      tls_config:
        ca_file: $ca
EOF
	spawn "$ns" -- prometheus-blackbox-exporter --config.file="$d/bb.yml" \
		--web.listen-address="[::1]:9115"
	local bb=$SPAWNED
	wait_until 10 ip netns exec "$ns" curl -sf -o /dev/null "http://[::1]:9115/-/healthy" || return
	# the exporter runs under `ip netns exec`: find its own pid
	local pid
	pid=$(pgrep -P "$bb" | head -1)
	[ -n "$pid" ] || pid=$bb
	ip netns exec "$ns" python3 - "$pid" "$N" "$conc" "blackbox_exporter c=$conc" >>"$d/rows" <<'PY'
import concurrent.futures, os, sys, time, urllib.request
pid, n, conc, label = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
hz = os.sysconf("SC_CLK_TCK")
def cpu():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / hz
url = "http://[::1]:9115/probe?module=https6&target=https://[::1]:8443/"
def one(_):
    body = urllib.request.urlopen(url, timeout=30).read().decode()
    return "probe_success 1" in body
one(0)
c0, t = cpu(), time.monotonic()
with concurrent.futures.ThreadPoolExecutor(conc) as ex:
    ok = sum(ex.map(one, range(n)))
wall, used = time.monotonic() - t, cpu() - c0
hwm = [l for l in open("/proc/%d/status" % pid) if l.startswith("VmHWM")][0].split()[1]
print("%s|%.2f|%.0f|%.0f|%.1f|%d" % (label, wall, n / wall, used * 1e6 / n,
      int(hwm) / 1024, 0 if ok == n else 1))
PY
	stop_pid "$bb"
}

run_all() {
	local ca=$1 x="ip netns exec $ns"
	: >"$d/rows"
	# the floor: full handshakes plus GET /, one at a time
	ip netns exec "$ns" python3 - "$ca" "$d/rss" >>"$d/rows" <<'PY'
import re, resource, subprocess, sys
p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", sys.argv[2],
                    "openssl", "s_time", "-connect", "[::1]:8443", "-new", "-time", "10",
                    "-www", "/", "-CAfile", sys.argv[1]], capture_output=True, text=True)
m = re.search(r"(\d+) connections in ([\d.]+)s", p.stdout)
n, secs = int(m.group(1)), float(m.group(2))
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
rss = int(open(sys.argv[2]).read().split()[-1])
print("floor: openssl s_time -new c=1|%.2f|%.0f|%.0f|%.1f|0" % (secs, n / secs,
      (ru.ru_utime + ru.ru_stime) * 1e6 / n, rss / 1024))
PY
	# the daemon at about the rates blackbox_exporter reaches at c=1 and c=50
	steady "$ca" 1 "${STEADY_N1:-1000}"
	steady "$ca" 50 "${STEADY_N50:-5000}"
	for c in 1 50; do
		measure "v6probe check c=$c" $x "$V6PROBE" check -6 --no-ns --json \
			--concurrency "$c" --cacert "$ca" -f "$d/urls.txt"
		measure "curl -Z c=$c" $x curl -Z --parallel-max "$c" -s --no-sessionid \
			-H "Connection: close" --cacert "$ca" -K "$d/curl.cfg"
		measure "curl forked c=$c" $x sh -c "xargs -P $c -n 1 curl -s -o /dev/null --cacert $ca <$d/urls.txt"
		# the Nagios plugin's way: one process per check
		measure "v6probe check forked c=$c" $x sh -c "xargs -P $c -n 1 $V6PROBE check --nagios -6 \
			--no-ns --cacert $ca <$d/urls.txt"
		measure "check_curl forked c=$c" $x sh -c "seq 1 $N | xargs -P $c -I{} \
			/usr/lib/nagios/plugins/check_curl -6 -I ::1 -p 8443 -S --verify-cert \
			--ca-cert $ca -u /?n={}"
		blackbox "$c" "$ca"
	done
}

# The daemon's steady state: targets checked every round with a fresh TCP
# connection each, TLS sessions resumed (a full handshake at most hourly).
# CPU of rounds 2..R over the HTTPS checks made in them.
steady() {
	local ca=$1 pair=$2 n=$3 ivl=${STEADY_INTERVAL:-5} rounds=4
	echo tok >"$d/token"
	chmod 644 "$d/token"
	{
		echo "probe = { name = \"bench\"; interval = $ivl; timeout = 5; concurrency = 50;"
		echo "  spool_dir = \"$d/spool\"; cacert = \"$ca\"; user = \"nobody\"; };"
		echo "collector = { url = \"http://[::1]:8080/api/v1/results\"; token_file = \"token\"; };"
		echo "targets = ("
		for i in $(seq 1 "$n"); do
			printf '{ name = "t%d"; url = "https://[::1]:8444/?n=%d"; }%s\n' "$i" "$i" \
				"$([ "$i" -lt "$n" ] && echo ,)"
		done
		echo ");"
	} >"$d/steady.conf"
	rm -rf "$d/spool"
	spawn "$ns" -- python3 "$top/tests/tools/stubcollector.py" ::1 8080 -
	local stub=$SPAWNED
	spawn "$ns" -- "$V6PROBE" run -c "$d/steady.conf"
	local pid=$SPAWNED hz
	hz=$(getconf CLK_TCK)
	sleep "$((ivl + 2))"	# round 1: full handshakes
	local c0 t0 c1 t1
	c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	t0=$(date +%s.%N)
	sleep "$((ivl * (rounds - 1)))"
	c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	t1=$(date +%s.%N)
	local rss
	rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
	stop_pid "$pid"
	stop_pid "$stub"
	python3 -c "
n, ivl = $n, $ivl
secs = $t1 - $t0
cpu = ($c1 - $c0) / $hz
checks = n * secs / ivl
print('v6probe run, steady state (resumed) %d/s ~c=$pair|%.2f|%.0f|%.0f|%.1f|0' % (n / ivl, secs, checks / secs, cpu * 1e6 / checks, $rss / 1024))" >>"$d/rows"
}

report() {
	local title=$1
	python3 - "$d/rows" "$title" <<'PY'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if "|" in l]
floor = next(float(r[3]) for r in rows if r[0].startswith("floor"))
bb = {r[0].split("c=")[1]: float(r[4]) for r in rows if r[0].startswith("blackbox")}
print("\n### %s\n" % sys.argv[2])
print("| tool | wall s | checks/s | CPU µs/check | x floor | peak RSS MiB | ok |")
print("|---|---:|---:|---:|---:|---:|---|")
for r in rows:
    print("| %s | %s | %s | %s | %.2f | %s | %s |" % (r[0], r[1], r[2], r[3],
          float(r[3]) / floor, r[4], "yes" if r[5] == "0" else "FAILED"))
cpu = {r[0]: float(r[3]) for r in rows}
rss = {r[0]: float(r[4]) for r in rows}
print()
for c in ("1", "50"):
    full = cpu.get("v6probe check c=" + c)
    bbx = cpu.get("blackbox_exporter c=" + c)
    st = next((v for k, v in cpu.items()
               if k.startswith("v6probe run") and k.endswith("~c=" + c)), None)
    if full and bbx:
        print("- c=%s: v6probe %.2fx the floor with a full handshake per check;"
              " peak RSS %.1f MiB vs blackbox_exporter's %.1f MiB%s" % (c,
              full / floor, rss["v6probe check c=" + c],
              rss["blackbox_exporter c=" + c],
              ("; steady state: %.1fx less CPU per check than blackbox_exporter"
               % (bbx / st)) if st else ""))
PY
}

# Instructions per check under callgrind: the same count whatever else the
# machine is doing, so these ratios hold when the timings above are noisy.
instructions() {
	local ca=$1 n=200 cg=$d/cg
	head -n $n "$d/urls.txt" >"$d/urls200.txt"
	head -n $((2 * n)) "$d/curl.cfg" >"$d/curl200.cfg"
	ir() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }
	ip netns exec "$ns" valgrind --tool=callgrind --callgrind-out-file="$cg.stime" \
		openssl s_time -connect "[::1]:8443" -new -time 5 -www / -CAfile "$ca" >"$cg.stime.txt" 2>&1
	local conns
	conns=$(sed -n 's/^\([0-9]*\) connections in [0-9.]*s.*/\1/p' "$cg.stime.txt" | head -1)
	ip netns exec "$ns" valgrind --tool=callgrind --callgrind-out-file="$cg.probe" \
		"$V6PROBE" check -6 --no-ns --json --concurrency 1 --cacert "$ca" -f "$d/urls200.txt" >/dev/null 2>&1
	ip netns exec "$ns" valgrind --tool=callgrind --callgrind-out-file="$cg.curlz" \
		curl -Z --parallel-max 1 -s --no-sessionid -H "Connection: close" --cacert "$ca" \
		-K "$d/curl200.cfg" >/dev/null 2>&1
	python3 - "$(ir "$cg.stime")" "$conns" "$(ir "$cg.probe")" "$(ir "$cg.curlz")" "$n" <<'PY'
import sys
st, conns, probe, curlz, n = (int(x) for x in sys.argv[1:])
floor = st / conns
print("\n| instructions per check (callgrind, c=1) | Ir | x floor |")
print("|---|---:|---:|")
for name, v in (("floor: openssl s_time -new", floor), ("v6probe check", probe / n),
                ("curl -Z", curlz / n)):
    print("| %s | %.2fM | %.2f |" % (name, v / 1e6, v / floor))
PY
}

{
	echo "## Check engine: CPU per HTTPS check (bench/bench-check.sh)"
	echo
	echo "Command: \`N=$N bench/bench-check.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores,"
	echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "$N checks of https://[::1]:8443/ (nginx, RSA 2048, 2 KB page, keep-alive off,"
	echo "TLS 1.3, session cache and tickets off), a fresh TCP connection and a full TLS"
	echo "handshake each. CPU is the client's (user + system), all processes it"
	echo "waited for included; for blackbox_exporter only the exporter's own."
	echo "Peak RSS is GNU time's maximum resident set (VmHWM for blackbox_exporter):"
	echo "it counts the shared libraries' pages a process has touched: about 10 MiB"
	echo "of them for anything linked with Debian's libcurl (curl --version: 11 MiB,"
	echo "33 libraries; v6probe --version: 7.5 MiB, 37 libraries). The forked rows"
	echo "start one process per check, as Nagios runs a plugin."
	echo "The floor is openssl s_time -new -www / for 10 s. The steady-state rows are"
	echo "\`v6probe run\` with ${STEADY_N1:-1000} and ${STEADY_N50:-5000} targets every ${STEADY_INTERVAL:-5} s, about the rates"
	echo "blackbox_exporter reached at c=1 and c=50 (a fresh TCP connection each, TLS"
	echo "sessions resumed, results spooled and posted to tests/tools/stubcollector.py,"
	echo "which acknowledges every batch, so that only the probe's CPU is counted),"
	echo "measured over rounds 2-4; their IPv4 legs (no_address for an IPv6 literal)"
	echo "are not counted as checks but their CPU is included."
} >"$out"
run_all "$d/ca.pem"
report "One-certificate CA file" >>"$out"
instructions "$d/ca.pem" >>"$out"
run_all "$d/bundle.pem"
report "System bundle ($(grep -c 'BEGIN CERT' "$d/bundle.pem") certificates)" >>"$out"
cat "$out"
