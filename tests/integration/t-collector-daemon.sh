#!/bin/bash
# t-collector-daemon: v6collector as a daemon. Started as root it drops to
# its user for good and owns data_dir; SIGHUP reloads tokens and probes,
# and a broken file keeps the running config (logged with file:line);
# SIGTERM lets a request in progress finish, refuses new connections and
# exits 0; TLS from tls_cert/tls_key (a chunked body past 1 MiB gets its
# 413 once complete; one going on past 16 MiB is cut off); start-up errors (bad config, unknown user, address in use) exit
# non-zero with the reason; the state survives a restart.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new dm) || { not_ok "network namespace"; finish; }
tok1=tok-one-$RANDOM$RANDOM
tok1b=tok-rotated-$RANDOM$RANDOM
tok2=tok-two-$RANDOM$RANDOM
echo "$tok1" >"$T_DIR/p1.token"
echo "$tok2" >"$T_DIR/p2.token"
chmod 644 "$T_DIR"/*.token
conf() { # conf EXTRA-COLLECTOR-SETTINGS PROBES
	cat >"$T_DIR/c.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$T_DIR/data";
              user = "nobody"; $1 };
probes = ( $2 );
alert = { down_after = 1; up_after = 1; };  # each record decides
EOF
}
conf "" '{ name = "p1"; token_file = "p1.token"; }'
URL='http://[::1]:8080'
ncurl() { ip netns exec "$ns" curl -s -g --max-time 10 "$@"; }
rec() { # rec SEQ PROBE
	printf '{"probe":"%s","results":[{"probe":"%s","target":"a","url":"https://a.example/","family":"ipv6","ts":%d,"seq":%d,"outcome":"ok"}]}' \
		"$2" "$2" $((1764480000 + 60 * $1)) "$1"
}
post() { # post TOKEN SEQ PROBE -> HTTP status
	ncurl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data-binary "$(rec "$2" "$3")" \
		"$URL/api/v1/results"
}

# Start-up errors.
expect_status "a broken config: exit 3" 3 "$V6COLLECTOR" -c "$V6TOP/tests/data/config/bad/collector-values.conf"
sed 's/user = "nobody"/user = "no-such-user-v6w"/' "$T_DIR/c.conf" >"$T_DIR/nouser.conf"
out=$(ip netns exec "$ns" "$V6COLLECTOR" -c "$T_DIR/nouser.conf" 2>&1); rc=$?
expect_eq "an unknown user: exit 3 (a config error)" "$rc" 3
expect_match "... saying so" "$out" "user 'no-such-user-v6w' does not exist"

spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
cpid=$SPAWNED
clog=$SPAWNED_LOG
if wait_until 10 ncurl -f "$URL/api/v1/status"; then ok "collector answers"
else not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish; fi
out=$(ip netns exec "$ns" "$V6COLLECTOR" -c "$T_DIR/c.conf" 2>&1); rc=$?
expect_eq "a second collector on the same address: exit 1" "$rc" 1
expect_match "... saying why" "$out" 'cannot listen on \[::\]:8080'

# Privileges.
nobody=$(id -u nobody)
expect_match "runs as nobody (real, effective, saved, fs uid)" \
	"$(grep '^Uid:' /proc/$cpid/status)" "^Uid:[[:space:]]+$nobody[[:space:]]+$nobody[[:space:]]+$nobody[[:space:]]+$nobody$"
expect_match "... no supplementary groups but its own" "$(grep '^Groups:' /proc/$cpid/status)" \
	"^Groups:[[:space:]]*$(id -g nobody)[[:space:]]*$"
expect_eq "data_dir belongs to nobody" "$(stat -c %U "$T_DIR/data")" nobody
expect_eq "... state too" "$(stat -c %U "$T_DIR/data/state")" nobody
expect_match "logs the drop" "$(cat "$clog")" '^info: running as user nobody$'

# SIGHUP: token rotation and a new probe.
expect_eq "p1 posts with its token" "$(post "$tok1" 1 p1)" 200
expect_eq "p2 is not configured yet" "$(post "$tok2" 1 p2)" 401
echo "$tok1b" >"$T_DIR/p1.token"
conf "" '{ name = "p1"; token_file = "p1.token"; }, { name = "p2"; token_file = "p2.token"; }'
kill -HUP "$cpid"
wait_until 5 grep -q 'reload: .*2 probes' "$clog"
expect_eq "after SIGHUP: the old token is refused" "$(post "$tok1" 2 p1)" 401
expect_eq "... the rotated one works" "$(post "$tok1b" 2 p1)" 200
expect_eq "... and p2 posts" "$(post "$tok2" 1 p2)" 200
# A broken file keeps the running config.
printf 'collector = { name = "t"; step = 0; };\nprobes = ( { name = "p1"; token_file = "missing.token"; } );\n' >"$T_DIR/c.conf"
kill -HUP "$cpid"
if wait_until 5 grep -q 'the running config stays' "$clog"; then ok "a broken reload is refused"
else not_ok "a broken reload is refused"; fi
expect_match "... logged with file:line" "$(cat "$clog")" "warning: reload: $T_DIR/c.conf:1: collector.step: 0 is out of range"
expect_eq "... p1 still posts" "$(post "$tok1b" 3 p1)" 200
expect_eq "... p2 too" "$(post "$tok2" 2 p2)" 200
conf "" '{ name = "p1"; token_file = "p1.token"; }, { name = "p2"; token_file = "p2.token"; }'
check "tokens appear in no log" sh -c "! grep -F -e '$tok1' -e '$tok1b' -e '$tok2' '$clog'"

# SIGTERM: a request in progress finishes; new connections are refused.
ip netns exec "$ns" python3 - "$tok1b" >"$T_DIR/slow.out" 2>&1 <<'EOF' &
import socket, sys, time
body = ('{"probe":"p1","results":[{"probe":"p1","target":"slow","url":"https://s.example/",'
        '"family":"ipv6","ts":1764480000,"seq":4,"outcome":"ok"}]}').encode()
s = socket.create_connection(("::1", 8080))
s.sendall(b"POST /api/v1/results HTTP/1.1\r\nHost: c\r\nAuthorization: Bearer " +
          sys.argv[1].encode() + b"\r\nContent-Type: application/json\r\n" +
          b"Content-Length: %d\r\n\r\n" % len(body) + body[:40])
time.sleep(1.5)
s.sendall(body[40:])
print(s.recv(4096).decode().split("\r\n")[0], flush=True)
EOF
slowpid=$!
sleep 0.5
kill -TERM "$cpid"
sleep 0.3
out=$(ncurl -o /dev/null -w '%{http_code}' "$URL/api/v1/status"); rc=$?
expect_eq "after SIGTERM: a new connection is refused (curl exit 7)" "$rc" 7
wait "$slowpid"
expect_eq "... the upload in progress is answered 200" "$(cat "$T_DIR/slow.out")" "HTTP/1.1 200 OK"
wait "$cpid"
expect_eq "... then the collector exits 0" "$?" 0
check "... the ledger holds the last record" grep -q '"last_seq":4,' "$T_DIR/data/state/p1.json"

# The state survives a restart.
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
cpid=$SPAWNED
clog=$SPAWNED_LOG
wait_until 10 ncurl -f "$URL/api/v1/status"
st=$(ncurl "$URL/api/v1/status")
expect_match "restarted: status keeps p1's counts" "$st" '"name":"p1","last_seq":4,"stored":4,"rejected":0'
expect_match "... and the last record of slow/ipv6" "$st" '"target":"slow","family":"ipv6","probe":"p1","url":"https://s.example/","state":"up","since":1764480000,"outcome":"ok","warnings":\[\],"seq":4'
expect_eq "... a re-sent record is a duplicate" "$(ncurl -H "Authorization: Bearer $tok1b" \
	-H 'Content-Type: application/json' --data-binary "$(rec 3 p1)" "$URL/api/v1/results")" \
	'{"accepted":0,"duplicates":1,"rejected":[]}'
stop_pid "$cpid"

# TLS.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" -days 2 \
	-subj /CN=collector.example -addext 'subjectAltName=IP:::1' >/dev/null 2>&1
chmod 600 "$T_DIR/key.pem"
conf "tls_cert = \"cert.pem\"; tls_key = \"key.pem\";" '{ name = "p1"; token_file = "p1.token"; }'
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
cpid=$SPAWNED
clog=$SPAWNED_LOG
TURL='https://[::1]:8080'
if wait_until 10 ncurl -f --cacert "$T_DIR/cert.pem" "$TURL/api/v1/status"; then
	ok "TLS: status over HTTPS (key read as root, 0600)"
else
	not_ok "TLS: status over HTTPS"; sed 's/^/#   /' "$clog"
fi
out=$(ncurl --cacert "$T_DIR/cert.pem" -H "Authorization: Bearer $tok1b" -H 'Content-Type: application/json' \
	--data-binary "$(rec 5 p1)" "$TURL/api/v1/results")
expect_eq "TLS: a POST is accepted" "$out" '{"accepted":1,"duplicates":0,"rejected":[]}'
out=$(ncurl -o /dev/null -w '%{http_code}' "$URL/api/v1/status")
expect_eq "TLS: plain HTTP gets no answer" "$out" 000
head -c 3000000 /dev/zero | tr '\0' ' ' >"$T_DIR/huge"
out=$(ncurl --cacert "$T_DIR/cert.pem" -w ' %{http_code}' -H "Authorization: Bearer $tok1b" \
	-H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T_DIR/huge" "$TURL/api/v1/results")
expect_eq "TLS: a chunked body past 1 MiB: 413" "$out" '{"error":"body larger than 1048576 bytes"} 413'
head -c 20000000 /dev/zero | tr '\0' ' ' >"$T_DIR/huge"
ncurl --cacert "$T_DIR/cert.pem" -o /dev/null -H "Authorization: Bearer $tok1b" \
	-H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T_DIR/huge" "$TURL/api/v1/results"; rc=$?
check "TLS: a chunked body going on past 16 MiB is cut off (curl exit $rc)" test "$rc" -ne 0
rm -f "$T_DIR/huge"
out=$(ncurl --cacert "$T_DIR/cert.pem" -H "Authorization: Bearer $tok1b" -H 'Content-Type: application/json' \
	--data-binary "$(rec 6 p1)" "$TURL/api/v1/results")
expect_eq "TLS: the next POST is accepted" "$out" '{"accepted":1,"duplicates":0,"rejected":[]}'
check "TLS: collector alive" ncurl -f --cacert "$T_DIR/cert.pem" "$TURL/metrics"
stop_pid "$cpid"
finish
