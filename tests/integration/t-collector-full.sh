#!/bin/bash
# t-collector-full: once max_connections is reached, the collector says so
# and, when the connections are gone, accepts again. 30 idle connections
# from three /64s meet max_connections = 20: 20 are held until
# connection_timeout (2 s) ends them, then the 10 left waiting are taken
# and timed out in turn; afterwards a probe's POST is answered 200 (the
# old collector, woken by nothing once its last connections timed out,
# never accepted again).
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new fu) || { not_ok "network namespace"; finish; }
srcs=
for i in 1 2 3; do
	ip -n "$ns" addr add "2001:db8:$i::1/128" dev lo nodad
	srcs="$srcs${srcs:+,}2001:db8:$i::1"
done
ip -n "$ns" addr add 2001:db8:ff::1/128 dev lo nodad
tok=tok-$RANDOM$RANDOM
echo "$tok" >"$T_DIR/p1.token"
chmod 644 "$T_DIR/p1.token"
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$T_DIR/data";
              user = "nobody"; max_connections = 20; connection_timeout = 2; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
cpid=$SPAWNED
clog=$SPAWNED_LOG
ncurl() { ip netns exec "$ns" curl -s -g --max-time 10 "$@"; }
if wait_until 10 ncurl -f 'http://[2001:db8:ff::1]:8080/api/v1/status'; then
	ok "collector answers"
else
	not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish
fi

spawn "$ns" -- python3 "$V6TOP/tests/tools/idleconns.py" 2001:db8:ff::1 8080 30 \
	--src "$srcs" --per-src 10 --hold 8
ipid=$SPAWNED
ilog=$SPAWNED_LOG
if wait_until 20 grep -q '^open' "$ilog"; then
	expect_match "30 idle connections opened" "$(cat "$ilog")" '^open 30 failed 0$'
else
	not_ok "30 idle connections opened"; sed 's/^/#   /' "$ilog"
fi
if wait_until 10 grep -q 'max_connections reached' "$clog"; then
	ok "the log says max_connections is reached"
else
	not_ok "the log says max_connections is reached"; sed 's/^/#   /' "$clog"
fi
# The idle ones end (connection_timeout, or the client's 8 s).
wait_until 15 bash -c "! kill -0 $ipid 2>/dev/null"

body='{"probe":"p1","results":[{"probe":"p1","target":"a","url":"https://a.example/","family":"ipv6","ts":1764480000,"seq":1,"outcome":"ok"}]}'
out=$(ncurl -o /dev/null -w '%{http_code}' \
	-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	--data-binary "$body" 'http://[2001:db8:ff::1]:8080/api/v1/results')
expect_eq "a POST once they are gone: 200" "$out" 200
expect_eq "all 30 were taken and timed out in turn" "$(tail -1 "$ilog")" "closed 30"

check "collector alive" kill -0 "$cpid"
kill -TERM "$cpid"
wait "$cpid"
expect_eq "SIGTERM: exit status 0" "$?" 0
finish
