#!/bin/bash
# t-collector-slowloris: 40 addresses of one /64 open 30 connections each
# and send every one a byte of a request header every 4 s (a slowloris,
# reconnecting what the collector closes), with the default limits
# (max_connections 1024, max_per_ip 64, connection_timeout 30 s). A probe
# from another /64 still gets its POST answered 200; the collector logs
# the /64 it limits; it ends every connection of the attack whose headers
# do not complete in time (none of the first round survives the 28 s
# attack, though bytes keep coming well within connection_timeout), but
# not a probe's kept-alive connection idle between its POSTs for longer
# than that deadline.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new sl) || { not_ok "network namespace"; finish; }
srcs=
for i in $(seq 1 40); do
	ip -n "$ns" addr add "2001:db8:bad::$i/128" dev lo nodad
	srcs="$srcs${srcs:+,}2001:db8:bad::$i"
done
ip -n "$ns" addr add 2001:db8:ff::1/128 dev lo nodad
ip -n "$ns" addr add 2001:db8:1::100/128 dev lo nodad
tok=tok-$RANDOM$RANDOM
echo "$tok" >"$T_DIR/p1.token"
chmod 644 "$T_DIR/p1.token"
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$T_DIR/data";
              user = "nobody"; };
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

# 1,200 connections, 30 from each of 40 addresses in 2001:db8:bad::/64.
spawn "$ns" -- python3 "$V6TOP/tests/tools/slowhttp.py" 2001:db8:ff::1 8080 \
	1200 --src "$srcs" --per-src 30 --interval 4 --hold 28 --reconnect
apid=$SPAWNED
alog=$SPAWNED_LOG
if wait_until 20 grep -q '^open' "$alog"; then
	ok "slowloris started ($(grep '^open' "$alog"))"
else
	not_ok "slowloris started"; sed 's/^/#   /' "$alog" | head; finish
fi

# A probe's connection, kept alive 12 s between its POSTs meanwhile.
spawn "$ns" -- python3 "$V6TOP/tests/tools/keepalive.py" 2001:db8:ff::1 8080 \
	p1 "$T_DIR/p1.token" --src 2001:db8:1::100 --count 3 --gap 12
klog=$SPAWNED_LOG

body='{"probe":"p1","results":[{"probe":"p1","target":"a","url":"https://a.example/","family":"ipv6","ts":1764480000,"seq":1,"outcome":"ok"}]}'
post() {
	ncurl --interface 2001:db8:1::100 -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		--data-binary "$body" 'http://[2001:db8:ff::1]:8080/api/v1/results'
}
expect_eq "a probe's POST during the attack: 200 (within curl's 10 s)" "$(post)" 200
if wait_until 10 grep -q '2001:db8:bad::/64: .*refused' "$clog"; then
	ok "the log names the /64 whose connections are refused"
else
	not_ok "the log names the /64 whose connections are refused"
	sed 's/^/#   /' "$clog" | tail -20
fi
check "... once: one line for the whole attack" \
	test "$(grep -c '2001:db8:bad::/64: .*refused' "$clog")" -eq 1

# Headers that take longer than the deadline: their connection is ended.
if wait_until 30 grep -q '^survivors' "$alog"; then
	expect_eq "no connection of the first round survives the attack" \
		"$(grep '^survivors' "$alog")" "survivors 0"
else
	not_ok "slowloris ended"; tail -5 "$alog" | sed 's/^/#   /'
fi
check "the log says why (headers too slow)" \
	grep -q '2001:db8:bad::/64: .*headers not complete' "$clog"
wait_until 10 eval 'test "$(grep -c . "$klog")" -ge 3'
expect_eq "3 POSTs 12 s apart on one kept-alive connection: 200 each" \
	"$(tr '\n' ' ' <"$klog")" "status 200 status 200 status 200 "
check "no token in the log" bash -c "! grep -qF -- '$tok' '$clog'"
expect_eq "a POST after the attack: 200" "$(post)" 200

check "collector alive" kill -0 "$cpid"
kill -TERM "$cpid"
wait "$cpid"
expect_eq "SIGTERM: exit status 0" "$?" 0
finish
