#!/bin/bash
# bench-probe: `v6probe run` with many targets (default 10,000 names on one
# local nginx, HTTPS over IPv6 and IPv4, TLS session tickets on) for
# several rounds: CPU per round and per check, peak RSS, and how late
# checks start against their schedule (p50, p99). Round 1 does a full TLS
# handshake per check; later rounds resume sessions (a full handshake at
# most once an hour per target). Results go to a stub collector that
# acknowledges everything, so only the probe is measured.
#
#   bench/bench-probe.sh                    (root; N=10000 ROUNDS=4 INTERVAL=30)
#   N=2000 ROUNDS=3 INTERVAL=10 bench/bench-probe.sh
#
# Writes bench/results/probe.md. Not run by CI.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
T_NAME=bench-probe
. "$top/tests/integration/lib.sh"
N=${N:-10000}
ROUNDS=${ROUNDS:-4}
INTERVAL=${INTERVAL:-30}
out=$top/bench/results/probe.md
mkdir -p "$top/bench/results"
[ "$(id -u)" -eq 0 ] || { echo "bench-probe: needs root" >&2; exit 1; }

ns=$(netns_new bprobe) || exit 1
d=$T_DIR
chmod 755 "$d"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
	-subj "/CN=bench CA" -days 3650 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$d/srv.key" -out "$d/srv.csr" \
	-subj "/CN=bench.example" 2>/dev/null
printf 'subjectAltName=DNS:*.bench.example\n' >"$d/srv.ext"
openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
	-days 825 -extfile "$d/srv.ext" -out "$d/srv.pem" 2>/dev/null
mkdir -p "$d/www"
head -c 2000 /dev/zero | tr '\0' 'a' >"$d/www/index.html"
cat >"$d/nginx.conf" <<EOF
user root; worker_processes 1; daemon off; pid $d/nginx.pid; error_log $d/nginx.err;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http { access_log off; keepalive_timeout 0;
 client_body_temp_path $d; proxy_temp_path $d; fastcgi_temp_path $d;
 uwsgi_temp_path $d; scgi_temp_path $d;
 ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets on;
 ssl_session_cache shared:S:10m; ssl_session_timeout 2h;
 server { listen [::1]:8443 ssl; listen 127.0.0.1:8443 ssl;
  ssl_certificate $d/srv.pem; ssl_certificate_key $d/srv.key; root $d/www; } }
EOF
spawn "$ns" -- nginx -c "$d/nginx.conf"
wire() { local IFS=. l o=; for l in $1; do o+=$(printf '%02x' ${#l})$(printf '%s' "$l" | od -An -tx1 | tr -d ' \n'); done; echo "${o}00"; }
spawn "$ns" -- dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
	--bind-interfaces --listen-address=::1 --user=root --pid-file= --log-facility=- \
	--cache-size=10000 --local=/bench.example/ \
	--address=/bench.example/::1 --address=/bench.example/127.0.0.1 \
	--host-record=ns1.bench.example,::1 --host-record=ns2.bench.example,::1 \
	--dns-rr=bench.example,2,"$(wire ns1.bench.example)" \
	--dns-rr=bench.example,2,"$(wire ns2.bench.example)"
mkdir -p "/etc/netns/$ns"
echo "nameserver ::1" >"/etc/netns/$ns/resolv.conf"
: >"/etc/netns/$ns/hosts"
# a stub collector: acknowledges every batch
cat >"$d/stub.py" <<'EOF'
import http.server, json
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(n))
        out = json.dumps({"accepted": len(body["results"]), "duplicates": 0,
                          "rejected": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    address_family = __import__("socket").AF_INET6
S(("::1", 8080), H).serve_forever()
EOF
spawn "$ns" -- python3 "$d/stub.py"
wait_until 10 ip netns exec "$ns" curl -sf --cacert "$d/ca.pem" -o /dev/null https://t1.bench.example:8443/ ||
	{ echo "bench-probe: lab did not come up" >&2; exit 1; }

echo "bench-token" >"$d/token"
{
	echo "probe = { name = \"bench\"; interval = $INTERVAL; timeout = 5; concurrency = 500;"
	echo "          spool_dir = \"$d/spool\"; cacert = \"$d/ca.pem\"; user = \"nobody\"; };"
	echo "collector = { url = \"http://[::1]:8080/api/v1/results\"; token_file = \"token\"; };"
	echo "targets = ("
	for i in $(seq 1 "$N"); do
		printf '{ name = "t%d"; url = "https://t%d.bench.example:8443/"; group = "G%d"; }%s\n' \
			"$i" "$i" $((i % 20)) "$([ "$i" -lt "$N" ] && echo ,)"
	done
	echo ");"
} >"$d/probe.conf"
"$V6PROBE" --check-config -c "$d/probe.conf" >/dev/null || exit 1

spawn "$ns" -- env ${BENV:-V6W_BENCH=1} ${BWRAP:-} "$V6PROBE" run -c "$d/probe.conf"
pid=$SPAWNED
plog=$SPAWNED_LOG
hz=$(getconf CLK_TCK)
cpu() { awk -v hz="$hz" '{ print ($14 + $15) / hz }' "/proc/$pid/stat"; }
kib() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"; }
# loaded: the start-up line is logged once the targets are in and their
# parse tree is freed, a second before the first check
wait_until 30 grep -q 'targets,' "$plog"
loaded=$(kib VmRSS)
rows=()
start=$(date +%s.%N)
prev=$(cpu)
for r in $(seq 1 "$ROUNDS"); do
	sleep "$INTERVAL"
	now=$(cpu)
	rows+=("$r $(python3 -c "print('%.2f' % ($now - $prev))")")
	prev=$now
	if [ "$r" -eq 1 ]; then
		# peak so far (start-up and the full handshakes), then measure the
		# resumed rounds' own peak: 5 resets VmHWM to the current RSS
		hwm1=$(kib VmHWM)
		echo 5 >"/proc/$pid/clear_refs"
	fi
done
hwm2=$(kib VmHWM)
stop_pid "$pid"
stats=$(grep 'stats:' "$plog" | tail -1)

{
	echo "## Probe daemon: $N targets, $ROUNDS rounds (bench/bench-probe.sh)"
	echo
	echo "Command: \`N=$N ROUNDS=$ROUNDS INTERVAL=$INTERVAL bench/bench-probe.sh\` on $(date -u +%Y-%m-%d),"
	echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load before: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "$N names under bench.example (dnsmasq), one nginx (RSA 2048, TLS 1.3,"
	echo "tickets on), every target checked over IPv6 and IPv4 every $INTERVAL s,"
	echo "concurrency 500, results to a stub collector. Round 1: full handshakes;"
	echo "later rounds resume TLS sessions. CPU is the probe's own (user + system)."
	echo
	echo "| round | probe CPU s | checks (x2 families) | CPU µs per check |"
	echo "|---:|---:|---:|---:|"
	for row in "${rows[@]}"; do
		set -- $row
		echo "| $1 | $2 | $((2 * N)) | $(python3 -c "print('%.0f' % ($2 * 1e6 / (2 * $N)))") |"
	done
	echo
	echo "RSS with the $N targets loaded, before the first check: $((loaded / 1024)) MiB."
	echo "Peak RSS over start-up and round 1 (full handshakes): $((hwm1 / 1024)) MiB;"
	echo "over rounds 2-$ROUNDS (sessions resumed): $((hwm2 / 1024)) MiB. Checks in"
	echo "flight add to the peak (their TLS and HTTP buffers); 'at most N in"
	echo "flight' below says how many there were at once."
	echo "Daemon's own figures at exit:"
	echo
	echo "    ${stats#info: }"
} >"$out"
cat "$out"
