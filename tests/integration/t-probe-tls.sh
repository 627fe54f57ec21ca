#!/bin/bash
# t-probe-tls: the daemon resumes TLS sessions on fresh TCP connections
# (nginx logs every resumed handshake) and still reports the certificate
# (days left, issuer) on resumed checks; a new certificate on the server is
# noticed at the next full handshake, not before an hour -- so a restart,
# which forgets sessions, shows it at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
needs_root
lab_up || { not_ok "the lab came up"; finish; }
d=$LAB_DIR
# a second nginx logging resumption, on the pmtu server's addresses
cat >"$d/nginx-mtu/nginx.conf" <<EOF2
user root; worker_processes 1; daemon off; pid $d/nginx-mtu/nginx2.pid;
error_log $d/nginx-mtu/error2.log;
events { worker_connections 1024; }
http { log_format r '\$ssl_session_reused \$ssl_protocol';
 access_log $d/nginx-mtu/access.log r; default_type text/html;
 client_body_temp_path $d/nginx-mtu; proxy_temp_path $d/nginx-mtu;
 fastcgi_temp_path $d/nginx-mtu; uwsgi_temp_path $d/nginx-mtu; scgi_temp_path $d/nginx-mtu;
 ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets on; ssl_session_cache shared:T:1m;
 server { listen [2001:db8:3::30]:8443 ssl; listen 203.0.113.130:8443 ssl;
  ssl_certificate $d/tls/good.pem; ssl_certificate_key $d/tls/good.key; root $d/www; } }
EOF2
spawn "$LAB_MTU" -- nginx -c "$d/nginx-mtu/nginx.conf" -e "$d/nginx-mtu/error2.log"
NGX=$SPAWNED
spawn "$LAB_CLI" -- python3 "$V6TOP/tests/tools/stubcollector.py" ::1 8080 "$T_DIR/records.jsonl"
echo tok >"$T_DIR/token"
cat >"$T_DIR/p.conf" <<EOF2
probe = { name = "tls"; interval = 1; timeout = 2; spool_dir = "$T_DIR/spool";
          cacert = "$LAB_CA"; user = "nobody"; };
collector = { url = "http://[::1]:8080/api/v1/results"; token_file = "token"; };
targets = ( { name = "pmtu"; url = "https://pmtu.lab.example:8443/"; } );
EOF2
chmod 644 "$T_DIR/token"
wait_until 10 lab_exec "$LAB_CLI" curl -sf --cacert "$LAB_CA" -o /dev/null https://pmtu.lab.example:8443/
: >"$d/nginx-mtu/access.log"	# curl's own handshake does not count
spawn "$LAB_CLI" -- "$V6PROBE" run -c "$T_DIR/p.conf"
P=$SPAWNED
wait_until 20 eval 'test "$(wc -l <"$d/nginx-mtu/access.log")" -ge 10'
stop_pid "$P"
full=$(grep -c '^\. ' "$d/nginx-mtu/access.log")
resumed=$(grep -c '^r ' "$d/nginx-mtu/access.log")
expect_eq "one full handshake per family, the first" "$full" 2
expect_match "every later check resumed its session" "$resumed" "^([89]|[1-9][0-9]+)$"
wait_until 5 test -s "$T_DIR/records.jsonl"
bad=$(python3 -c "
import json, sys
bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    t = r.get('tls', {})
    if r['outcome'] != 'ok' or t.get('cert_days_left', -1) < 800 or 'lab CA' not in t.get('issuer', ''):
        bad += 1
print(bad)" "$T_DIR/records.jsonl")
expect_eq "every record, resumed or not, has the certificate's days and issuer" "$bad" 0

# A new certificate (expiring in 10 days) replaces the old one on the
# server. A restarted probe starts without sessions: it sees it at once.
# It also delivers what the first run left in the spool: only records made
# after the restart count.
cp "$d/tls/expiring.pem" "$d/tls/good.pem"
cp "$d/tls/expiring.key" "$d/tls/good.key"
stop_pid "$NGX"
# Nothing of the old server may be left listening (a worker outliving its
# master would still hand out the old certificate): start the new one only
# once both ports are free, and go on only when both families serve the
# new certificate.
port_free() { ! lab_exec "$LAB_MTU" ss -Hltn 'sport = :8443' | grep -q .; }
wait_until 10 port_free
spawn "$LAB_MTU" -- nginx -c "$d/nginx-mtu/nginx.conf" -e "$d/nginx-mtu/error2.log"
: >"$T_DIR/records.jsonl"
new_end=$(openssl x509 -noout -enddate -in "$d/tls/expiring.pem")
served_end() {
	lab_exec "$LAB_CLI" openssl s_client -connect "$1" -servername pmtu.lab.example \
	    </dev/null 2>/dev/null | openssl x509 -noout -enddate
}
serves_new() {
	[ "$(served_end '[2001:db8:3::30]:8443')" = "$new_end" ] &&
	[ "$(served_end 203.0.113.130:8443)" = "$new_end" ]
}
wait_until 10 serves_new
check "both families serve the new certificate" serves_new
t0=$(date +%s.%N) # to the ns: the first run's last records may share its second
spawn "$LAB_CLI" -- "$V6PROBE" run -c "$T_DIR/p.conf"
new_records() {
	python3 -c "
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)['ts'] >= $t0))" "$T_DIR/records.jsonl"
}
wait_until 10 eval 'test "$(new_records)" -ge 4'
days=$(python3 -c "
import json, sys
print(sorted({r['tls']['cert_days_left'] for r in map(json.loads, open(sys.argv[1]))
              if r['ts'] >= $t0}))" "$T_DIR/records.jsonl")
expect_match "the new certificate is reported" "$days" "^\[(9|10)(, 10)?\]$"
grep -Eq '^\[(9|10)(, 10)?\]$' <<<"$days" || python3 -c "
import json, sys
for r in map(json.loads, open(sys.argv[1])):
    print('#', r.get('ts'), r.get('family'), r.get('seq'), r.get('tls'))" "$T_DIR/records.jsonl"
finish
