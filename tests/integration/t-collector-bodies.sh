#!/bin/bash
# t-collector-bodies: one probe cannot hold the collector's buffer for
# request bodies. Probe A opens 70 chunked uploads and sends their body
# one byte every 2 s; probe B's POST meanwhile is answered 200, A's uploads
# past its share are answered 503 (logged once, naming A, not its token),
# and the uploads A holds are ended for their rate (far below the
# minimum), so none survives.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new bd) || { not_ok "network namespace"; finish; }
ip -n "$ns" addr add 2001:db8:ff::1/128 dev lo nodad
ip -n "$ns" addr add 2001:db8:a::1/128 dev lo nodad
ip -n "$ns" addr add 2001:db8:b::1/128 dev lo nodad
toka=tok-a-$RANDOM$RANDOM
tokb=tok-b-$RANDOM$RANDOM
echo "$toka" >"$T_DIR/pa.token"
echo "$tokb" >"$T_DIR/pb.token"
chmod 644 "$T_DIR"/*.token
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$T_DIR/data";
              user = "nobody"; max_per_ip = 200; };
probes = ( { name = "pa"; token_file = "pa.token"; },
           { name = "pb"; token_file = "pb.token"; } );
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

# 70 chunked uploads from probe A.
spawn "$ns" -- python3 "$V6TOP/tests/tools/slowhttp.py" 2001:db8:ff::1 8080 \
	70 --src 2001:db8:a::1 --interval 2 --hold 25 \
	--post-token-file "$T_DIR/pa.token"
apid=$SPAWNED
alog=$SPAWNED_LOG
if wait_until 20 grep -q '^open 70 failed 0$' "$alog"; then
	ok "70 uploads of probe A open"
else
	not_ok "70 uploads of probe A open"; sed 's/^/#   /' "$alog" | head; finish
fi
# The collector has read every byte sent so far on A's connections (so it
# has seen all 70 requests' headers).
unread() {
	ip netns exec "$ns" ss -Htn state established \
		'( sport = :8080 and dst [2001:db8:a::1] )' |
		awk '$1 != 0 { n++ } END { print n + 0 }'
}
if wait_until 10 eval 'test "$(unread)" = 0'; then
	ok "the collector has read A's requests"
else
	not_ok "the collector has read A's requests ($(unread) with unread bytes)"
fi

body='{"probe":"pb","results":[{"probe":"pb","target":"a","url":"https://a.example/","family":"ipv6","ts":1764480000,"seq":1,"outcome":"ok"}]}'
out=$(ncurl --interface 2001:db8:b::1 -o "$T_DIR/answer" -w '%{http_code}' \
	-H "Authorization: Bearer $tokb" -H 'Content-Type: application/json' \
	--data-binary "$body" 'http://[2001:db8:ff::1]:8080/api/v1/results')
expect_eq "probe B's POST while A holds 70 uploads: 200" "$out" 200
expect_match "... and its record accepted" "$(cat "$T_DIR/answer")" '"accepted":1'
n503=$(grep -c '^status 503' "$alog")
check "A's uploads past its share answered 503 ($n503)" test "$n503" -ge 60
check "the log says probe A hit its share" \
	grep -q 'probe pa: POST refused: .* per probe' "$clog"
check "... once" test "$(grep -c 'probe pa: POST refused' "$clog")" -eq 1

# A's remaining uploads send 1 byte per 2 s: ended for their rate.
if wait_until 30 grep -q '^survivors' "$alog"; then
	expect_eq "A's held uploads ended before it gave up" \
		"$(grep '^survivors' "$alog")" "survivors 0"
else
	not_ok "A's uploads ended"; tail -5 "$alog" | sed 's/^/#   /'
fi
check "the log says why (too slow)" \
	grep -q '2001:db8:a::/64: .*bytes/s' "$clog"
check "no token in the log" \
	bash -c "! grep -qF -e '$toka' -e '$tokb' '$clog'"

check "collector alive" kill -0 "$cpid"
kill -TERM "$cpid"
wait "$cpid"
expect_eq "SIGTERM: exit status 0" "$?" 0
finish
