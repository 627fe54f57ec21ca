#!/bin/bash
# t-collector-conns: a slow or idle client cannot starve the rest. 1,000
# idle connections from 20 addresses (each in its own /64) stay open while
# a probe's POST from another /64 is answered promptly; the per-source
# limit (max_per_ip: per /64 for IPv6) turns away the 65th connection
# from one address; half-sent headers (slowloris) and idle connections
# are dropped after connection_timeout; the collector stays alive and
# SIGTERM still ends it with status 0.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new cn) || { not_ok "network namespace"; finish; }
srcs=
for i in $(seq 1 20); do
	ip -n "$ns" addr add "2001:db8:1:$i::1/128" dev lo nodad
	srcs="$srcs${srcs:+,}2001:db8:1:$i::1"
done
ip -n "$ns" addr add 2001:db8:1::ff/128 dev lo nodad
ip -n "$ns" addr add 2001:db8:1::100/128 dev lo nodad
ip -n "$ns" addr add 2001:db8:1::200/128 dev lo nodad
tok=tok-$RANDOM$RANDOM
echo "$tok" >"$T_DIR/p1.token"
chmod 644 "$T_DIR/p1.token"
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$T_DIR/data";
              user = "nobody"; max_connections = 1100; max_per_ip = 64;
              connection_timeout = 4; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
cpid=$SPAWNED
clog=$SPAWNED_LOG
ncurl() { ip netns exec "$ns" curl -s -g --max-time 10 "$@"; }
if wait_until 10 ncurl -f 'http://[::1]:8080/api/v1/status'; then
	ok "collector answers"
else
	not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish
fi
IDLE="$V6TOP/tests/tools/idleconns.py"

# 1,000 idle connections, 50 from each of 20 addresses in 20 /64s.
spawn "$ns" -- python3 "$IDLE" 2001:db8:1::ff 8080 1000 --src "$srcs" \
	--per-src 50 --hold 30
ipid=$SPAWNED
ilog=$SPAWNED_LOG
if wait_until 20 grep -q '^open' "$ilog"; then
	expect_match "1,000 idle connections opened" "$(cat "$ilog")" '^open 1000 failed 0$'
else
	not_ok "1,000 idle connections opened"; cat "$ilog" | sed 's/^/#   /'
fi
held=$(ip netns exec "$ns" ss -Htn state established '( sport = :8080 )' | wc -l)
check "the collector holds them ($held)" test "$held" -ge 1000

body='{"probe":"p1","results":[{"probe":"p1","target":"a","url":"https://a.example/","family":"ipv6","ts":1764480000,"seq":1,"outcome":"ok"}]}'
out=$(ncurl --interface 2001:db8:1::100 -o /dev/null -w '%{http_code} %{time_total}' \
	-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	--data-binary "$body" 'http://[2001:db8:1::ff]:8080/api/v1/results')
expect_match "a POST meanwhile is answered 200" "$out" '^200 '
t=${out#* }
check "... within 1 s ($t s)" awk -v t="$t" 'BEGIN { exit !(t < 1.0) }'
out=$(ncurl --interface 2001:db8:1::100 -o /dev/null -w '%{http_code}' 'http://[2001:db8:1::ff]:8080/metrics')
expect_eq "... and GET /metrics too" "$out" 200

# The per-source limit: 70 from one address, 64 kept.
spawn "$ns" -- python3 "$IDLE" 2001:db8:1::ff 8080 70 --src 2001:db8:1::200 --hold 3
plog=$SPAWNED_LOG
ppid_=$SPAWNED
wait_until 10 grep -q '^closed 6$' "$plog"
closed=$(grep -c '^closed' "$plog")
expect_eq "per-address limit: 6 of 70 connections from one address closed at once" "$closed" 6
stop_pid "$ppid_"

# Everything idle is dropped after connection_timeout (4 s).
if wait_until 15 grep -q '^closed 1000$' "$ilog"; then
	ok "idle connections dropped after connection_timeout"
else
	not_ok "idle connections dropped after connection_timeout ($(tail -1 "$ilog"))"
fi

# Slowloris: half a header, then silence.
spawn "$ns" -- python3 "$IDLE" 2001:db8:1::ff 8080 200 --src "$srcs" --per-src 10 \
	--partial --hold 15
slog=$SPAWNED_LOG
out=$(ncurl --interface 2001:db8:1::100 -o /dev/null -w '%{http_code}' 'http://[2001:db8:1::ff]:8080/api/v1/status')
expect_eq "status answered while 200 slowloris clients wait" "$out" 200
if wait_until 15 grep -q '^closed 200$' "$slog"; then
	ok "half-sent headers dropped after connection_timeout"
else
	not_ok "half-sent headers dropped ($(tail -1 "$slog"))"
fi

check "collector alive" kill -0 "$cpid"
kill -TERM "$cpid"
wait "$cpid"
expect_eq "SIGTERM: exit status 0" "$?" 0
check "... after 'stopped'" grep -q '^info: stopped' "$clog"
finish
