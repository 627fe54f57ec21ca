#!/bin/bash
# t-check-lab: `v6probe check` against the lab (lab.sh), one scenario per
# outcome and warning. Each scenario runs as its own process (all at once);
# each asserts the outcomes, warnings, ready and the exit status. Then
# port 80 beside https:// (records, words, --no-http80 and probe.conf's
# http80 = false: no packet to port 80, counted by the router).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
needs_root
lab_up || { not_ok "the lab came up"; finish; }
ok "the lab came up"

# name | exit | expected summary | arguments
scenarios() {
	cat <<'EOF2'
dualstack|0|v6=ok v4=ok warn=- ready=true score=100|https://www.lab.example/
no-aaaa|2|v6=no_address v4=ok warn=- ready=false score=20|https://v4only.lab.example/
aaaa-only|0|v6=ok v4=no_address warn=- ready=true score=100|https://v6only.lab.example/
v6-dropped|2|v6=timeout v4=ok warn=- ready=false score=40|https://drop.lab.example/
v6-refused|2|v6=refused v4=ok warn=- ready=false score=40|https://refused.lab.example/
unreachable|2|v6=unreachable v4=unreachable warn=- ready=false score=40|https://unreach.lab.example/
pmtu-blackhole|2|v6=stall v4=ok warn=- ready=false score=80|--large-path /big.bin https://pmtu.lab.example/
different-page|2|v6=ok v4=ok warn=content_mismatch ready=false score=80|https://diff.lab.example/
different-status|2|v6=ok v4=http_error warn=content_mismatch ready=false score=80|https://diffstatus.lab.example/
cert-expired|2|v6=cert_expired v4=cert_expired warn=- ready=false score=60|https://expired.lab.example/
cert-wrong-name|2|v6=cert_name_mismatch v4=cert_name_mismatch warn=- ready=false score=60|https://wrongname.lab.example/
cert-expiring|1|v6=ok v4=ok warn=cert_expiring ready=true score=100|https://expiring.lab.example/
v6-slow|1|v6=ok v4=ok warn=slow ready=true score=80|http://slow.lab.example/
redirect-to-v4only|2|v6=no_address v4=ok warn=- ready=false score=60|https://redirect.lab.example/
nxdomain|2|v6=dns_error v4=dns_error warn=- ready=false score=20|https://nothing.lab.example/
ns-without-ipv6|1|v6=ok v4=ok warn=ns_no_ipv6 ready=true score=80|https://www.sub.lab.example/
one-aaaa-dead|1|v6=ok v4=ok warn=partial_reachability ready=true score=80|https://partial.lab.example/
aaaa-v4-mapped|2|v6=no_address v4=ok warn=- ready=false score=20|https://mapped.lab.example/
aaaa-loopback-beside-good|1|v6=ok v4=ok warn=partial_reachability ready=true score=80|https://mixed.lab.example/
a-loopback|0|v6=ok v4=no_address warn=- ready=true score=100|https://loop4.lab.example/
redirect-to-loopback|2|v6=no_address v4=ok warn=- ready=false score=60|https://redirloop.lab.example/
dns-servfail|2|v6=dns_error v4=ok warn=- ready=false score=0|@2001:db8:2::55 --no-ns https://servfail6.lab.example/
dns-refused|2|v6=dns_error v4=ok warn=- ready=false score=0|@2001:db8:2::55 --no-ns https://refused6.lab.example/
dns-timeout|2|v6=dns_error v4=ok warn=- ready=false score=0|@2001:db8:2::55 --no-ns https://timeout6.lab.example/
dns-truncated|2|v6=dns_error v4=- warn=- ready=false score=0|@2001:db8:2::55 --no-ns -6 https://trunc6.lab.example/
dns-no-resolver|2|v6=dns_error v4=dns_error warn=- ready=false score=0|@2001:db8:2::10 --no-ns https://www.lab.example/
status-401|2|v6=http_error v4=http_error warn=- ready=false score=100|https://login.lab.example/
status-401-expected|0|v6=ok v4=ok warn=- ready=true score=100|--expect-status 200,401 https://login.lab.example/
status-200-unexpected|2|v6=http_error v4=http_error warn=- ready=false score=100|--expect-status 401,403 https://www.lab.example/
body-found|0|v6=ok v4=ok warn=- ready=true score=100|--expect-body <h1>Online https://www.lab.example/
body-missing-v6|2|v6=http_error v4=ok warn=content_mismatch ready=false score=80|--expect-body <h1>Online https://diff.lab.example/
port80-v4-only|1|v6=ok v4=ok warn=http_no_ipv6 ready=true score=80|https://nohttp6.lab.example/
port80-v4-only-off|0|v6=ok v4=ok warn=- ready=true score=100|--no-http80 https://nohttp6.lab.example/
only-v6-resolve|0|v6=ok v4=- warn=- ready=true score=100|-6 --resolve fake.lab.example:443:[2001:db8:2::10] https://fake.lab.example/
EOF2
}

pids=()
while IFS='|' read -r name rc want args; do
	run=(lab_exec "$LAB_CLI")
	case $args in	# @ADDR: ADDR is the only name server
	@*) run=(lab_exec_resolver "${args%% *}"); run[1]=${run[1]#@}; args=${args#* } ;;
	esac
	# shellcheck disable=SC2086
	"${run[@]}" "$V6PROBE" check --json --timeout 2 --cacert "$LAB_CA" \
		$args >"$T_DIR/$name.json" 2>"$T_DIR/$name.err" &
	pids+=("$!:$name")
done < <(scenarios)
for p in "${pids[@]}"; do
	wait "${p%%:*}"
	echo $? >"$T_DIR/${p#*:}.rc"
done

while IFS='|' read -r name rc want args; do
	got=$(python3 "$(dirname "$0")/summary.py" "$T_DIR/$name.json" 2>&1)
	expect_eq "$name: outcomes, warnings, ready, score" "$got" "$want"
	expect_eq "$name: exit status" "$(cat "$T_DIR/$name.rc")" "$rc"
	if [ -s "$T_DIR/$name.err" ]; then
		not_ok "$name: nothing on stderr"; sed 's/^/#   /' "$T_DIR/$name.err"
	fi
done < <(scenarios)

# The words an admin reads.
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['targets'][0]; print($2)" "$T_DIR/$1.json"; }
expect_match "partial: the dead address is named" \
	"$(j one-aaaa-dead "[a['ip']+'='+a['outcome'] for a in d['ipv6']['addresses']]")" \
	"2001:db8:2::17=timeout"
expect_match "pmtu: the error says small responses worked" \
	"$(j pmtu-blackhole "d['ipv6']['error']")" "page itself .* loaded.*path-MTU"
expect_match "redirect: the error names the hop" \
	"$(j redirect-to-v4only "d['ipv6']['error']")" "redirect to https://v4only.lab.example/.*no AAAA"
expect_match "expiring: days left reported" \
	"$(j cert-expiring "d['ipv6']['tls']['cert_days_left']")" "^(9|10)$"
expect_match "expired: days left negative" \
	"$(j cert-expired "d['ipv6']['tls']['cert_days_left']")" "^-[0-9]+$"
expect_match "dns object: zone and name servers" \
	"$(j ns-without-ipv6 "d['dns']['zone'], [(n['name'], n['aaaa'], n['ipv6_ok']) for n in d['dns']['ns']]")" \
	"sub.lab.example.*ns-sub.lab.example', \[\], False"
expect_match "dns object: two name servers with IPv6" \
	"$(j dualstack "sorted((n['name'], n['ipv6_ok']) for n in d['dns']['ns'])")" \
	"ns1.lab.example', True\), \('ns2.lab.example', True"
expect_match "phase timings and http fields present" \
	"$(j dualstack "sorted(d['ipv6']['ms']), d['ipv6']['http']['status'], len(d['ipv6']['http']['sha256'])")" \
	"\['connect', 'dns', 'tls', 'total', 'ttfb'\] 200 64"

expect_eq "mapped: the error names the record" \
	"$(j aaaa-v4-mapped "d['ipv6']['error'], d['ipv6'].get('addresses')")" \
	"AAAA ::ffff:203.0.113.10 of mapped.lab.example is an IPv4-mapped address, not a global one; not connected to None"
expect_eq "mixed: ::1 is unreachable, never connected to" \
	"$(j aaaa-loopback-beside-good "[a['ip']+'='+a['outcome'] for a in d['ipv6']['addresses']]")" \
	"['2001:db8:2::10=ok', '::1=unreachable']"
expect_eq "loop4: the A record is named" "$(j a-loopback "d['ipv4']['error']")" \
	"A 127.0.0.1 of loop4.lab.example is a loopback address, not a global one; not connected to"
expect_eq "redirect to [::1]: not followed" "$(j redirect-to-loopback "d['ipv6']['error']")" \
	"after a redirect to http://[::1]/: ::1 is a loopback address, not a global one; not connected to"

expect_eq "dns: SERVFAIL named" "$(j dns-servfail "d['ipv6']['error']")" \
	"AAAA lookup of servfail6.lab.example: SERVFAIL: the resolver could not get an answer (from 2001:db8:2::55)"
expect_eq "dns: REFUSED named" "$(j dns-refused "d['ipv6']['error']")" \
	"AAAA lookup of refused6.lab.example: REFUSED by the resolver (from 2001:db8:2::55)"
expect_eq "dns: timeout named" "$(j dns-timeout "d['ipv6']['error']")" \
	"AAAA lookup of timeout6.lab.example: timeout: no answer from the resolver (resolver 2001:db8:2::55)"
expect_eq "dns: truncated without TCP named" "$(j dns-truncated "d['ipv6']['error']")" \
	"AAAA lookup of trunc6.lab.example: the answer from 2001:db8:2::55 was truncated and the query over TCP failed"
expect_eq "dns: no resolver named" "$(j dns-no-resolver "d['ipv6']['error']")" \
	"AAAA lookup of www.lab.example: no resolver reachable (connection refused, ICMP port unreachable) (resolver 2001:db8:2::10)"

expect_eq "expect_status: the reason" "$(j status-200-unexpected "d['ipv6']['error']")" \
	"HTTP 200 from https://www.lab.example/, expected 401 or 403 (expect_status)"
expect_match "expect_body: the reason" "$(j body-missing-v6 "d['ipv6']['error']")" \
	'^HTTP 200 from https://diff.lab.example/: the page \([0-9]+ bytes\) does not contain "<h1>Online" \(expect_body\)$'

# Port 80 beside https://: what each family's addresses did, in the record.
expect_eq "port 80: nohttp6 refuses it over IPv6 only" \
	"$(j port80-v4-only "d['ipv6']['http80'], d['ipv4']['http80'], d['ipv6']['warnings'], d['ipv4']['warnings']")" \
	"{'ipv6': 'refused', 'ipv4': 'ok'} {'ipv6': 'refused', 'ipv4': 'ok'} ['http_no_ipv6'] []"
expect_eq "port 80: dual-stack host answers on both" \
	"$(j dualstack "d['ipv6']['http80'], d['ipv4']['http80']")" \
	"{'ipv6': 'ok', 'ipv4': 'ok'} {'ipv6': 'ok', 'ipv4': 'ok'}"
expect_eq "port 80: only the addresses that connected (::17 is dropped)" \
	"$(j one-aaaa-dead "d['ipv6']['http80']")" "{'ipv6': 'ok', 'ipv4': 'ok'}"
expect_eq "port 80: none with --no-http80" \
	"$(j port80-v4-only-off "d['ipv6'].get('http80'), d['ipv4'].get('http80')")" "None None"
expect_eq "port 80: none for an http:// target" \
	"$(j v6-slow "d['ipv6'].get('http80')")" "None"
out=$(NO_COLOR=1 lab_exec "$LAB_CLI" "$V6PROBE" check --timeout 2 --cacert "$LAB_CA" https://nohttp6.lab.example/)
expect_match "port 80: the table says it" "$out" \
	":80   http:// \(port 80\): IPv6 refused, IPv4 answers"
expect_match "port 80: the warning in words" "$out" \
	"warning http_no_ipv6: port 80 \(http://\) answers over IPv4 but not over IPv6 \(refused\)"

# No port-80 connection at all when turned off: the router's counters of
# packets to port 80 of nohttp6 (and of www, to see that they count).
c0=$(lab_counter http80_nohttp6)
lab_exec "$LAB_CLI" "$V6PROBE" check --json --no-http80 --timeout 2 --cacert "$LAB_CA" \
	https://nohttp6.lab.example/ >/dev/null 2>&1
expect_eq "--no-http80: no packet to port 80" "$(lab_counter http80_nohttp6)" "$c0"
lab_exec "$LAB_CLI" "$V6PROBE" check --json --timeout 2 --cacert "$LAB_CA" \
	https://nohttp6.lab.example/ >/dev/null 2>&1
c1=$(lab_counter http80_nohttp6)
if [ "$c1" -gt "$c0" ]; then ok "without it: packets to port 80 counted"
else not_ok "without it: packets to port 80 counted ($c0 -> $c1)"; fi

# probe.conf: http80 = false on one target, the default on another; the
# records reach a collector in the client's namespace.
echo "probe-token-$RANDOM$RANDOM" >"$T_DIR/p1.token"
chmod 644 "$T_DIR/p1.token"
mkdir -p "$T_DIR/data"
cport=$((18000 + RANDOM % 2000))
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "lab"; listen = "[::1]:$cport"; data_dir = "$T_DIR/data";
              step = 2; user = "nobody"; publish_interval = 0; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
cat >"$T_DIR/p.conf" <<EOF
probe = { name = "p1"; timeout = 2; spool_dir = "$T_DIR/spool"; cacert = "$LAB_CA";
          user = "nobody"; };
collector = { url = "http://[::1]:$cport/api/v1/results"; token_file = "p1.token"; };
targets = (
  { name = "nohttp6"; url = "https://nohttp6.lab.example/"; http80 = false; },
  { name = "www"; url = "https://www.lab.example/"; } );
EOF
spawn "$LAB_CLI" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
cstat() { lab_exec "$LAB_CLI" curl -sf -g --max-time 5 "http://[::1]:$cport/api/v1/status"; }
wait_until 10 cstat >/dev/null || not_ok "the collector answers"
c0=$(lab_counter http80_nohttp6); w0=$(lab_counter http80_www)
lab_exec "$LAB_CLI" "$V6PROBE" run -c "$T_DIR/p.conf" --once >"$T_DIR/run.log" 2>&1
expect_eq "probe.conf: run --once delivers" "$?" 0
expect_eq "probe.conf http80 = false: no packet to port 80" "$(lab_counter http80_nohttp6)" "$c0"
w1=$(lab_counter http80_www)
if [ "$w1" -gt "$w0" ]; then ok "probe.conf default: port 80 checked"
else not_ok "probe.conf default: port 80 checked ($w0 -> $w1)"; fi

# Nagios plugin line
out=$(lab_exec "$LAB_CLI" "$V6PROBE" check --nagios --timeout 2 --cacert "$LAB_CA" https://expiring.lab.example/); rc=$?
expect_eq "nagios: warning exits 1" "$rc" 1
expect_match "nagios: one line, status, perfdata" "$out" \
	"^V6WATCH WARNING - .*cert_expiring \| v6_time=[0-9.]+s;;;0;? v6_time_connect=[0-9.]+s;;;0 v6_time_ssl=.* score=100;;;0;100$"
out=$(lab_exec "$LAB_CLI" "$V6PROBE" check --nagios --timeout 2 --cacert "$LAB_CA" https://v4only.lab.example/); rc=$?
expect_eq "nagios: not ready exits 2" "$rc" 2
expect_match "nagios: critical says why" "$out" "^V6WATCH CRITICAL - https://v4only.lab.example/: IPv6 no_address \(v4only.lab.example has no AAAA record\)"

# Table output, several targets from a file, in the order given.
printf '# lab targets\nhttps://www.lab.example/\n\n  v4only.lab.example   # no AAAA\nhttps://nothing.lab.example/\n' >"$T_DIR/targets.txt"
out=$(NO_COLOR=1 lab_exec "$LAB_CLI" "$V6PROBE" check --timeout 2 --cacert "$LAB_CA" -f "$T_DIR/targets.txt"); rc=$?
expect_eq "table: exit 2 when one is not ready" "$rc" 2
expect_match "table: targets in file order" "$(grep -E '^https' <<<"$out" | cut -d' ' -f1 | tr '\n' ' ')" \
	"^https://www.lab.example/ https://v4only.lab.example/ https://nothing.lab.example/ $"
expect_match "table: plain words" "$out" "v4only.lab.example has no AAAA record"
if grep -q $'\033' <<<"$out"; then not_ok "table: no colour when not a terminal"; else ok "table: no colour when not a terminal"; fi
finish
