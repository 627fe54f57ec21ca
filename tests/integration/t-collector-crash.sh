#!/bin/bash
# t-collector-crash: exactly once across crashes. A probe stand-in
# (collpost) streams batches; the collector is killed with SIGKILL in the
# middle of the stream several times, restarted, and the probe re-sends
# everything from the start. In the end every record is stored once:
# status shows stored + rejected == last_seq == records sent, rrdtool
# lastupdate / fetch (through rrdcached) find every round's value in its
# own row. Run through a real rrdcached, then with librrd directly. Also:
# rrdcached going away gives 503 (nothing lost) and the collector
# reconnects when it is back.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new cr) || { not_ok "network namespace"; finish; }
tok=tok-$RANDOM$RANDOM
echo "$tok" >"$T_DIR/p1.token"
chmod 644 "$T_DIR/p1.token"
URL='http://[::1]:8080'
POST="$V6TOOLS/collpost"
T=20 R=100 B=250 # 20 targets x 2 families x 100 rounds, 250 per batch
N=$((T * 2 * R))
TS0=1764480000
ncurl() { ip netns exec "$ns" curl -s -g --max-time 10 "$@"; }

start_collector() {
	spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/$1.conf"
	cpid=$SPAWNED
	clog=$SPAWNED_LOG
	wait_until 10 ncurl -f "$URL/api/v1/status"
}

stream() { # stream [collpost options]: every batch, from the start
	ip netns exec "$ns" "$POST" -q -a ::1 -p 8080 -t "$T_DIR/p1.token" \
		-g "$T,$R,$B" "$@"
}

probe_counts() {
	ncurl "$URL/api/v1/status" | python3 -c '
import json,sys
p=[x for x in json.load(sys.stdin)["probes"] if x["name"]=="p1"][0]
print(p["last_seq"], p["stored"], p["rejected"])'
}

# crash_cycles MODE: kill -9 during three streams, then one clean stream.
crash_cycles() {
	local mode=$1 delay out
	for delay in 0.3 0.05 0.12; do
		stream >"$T_DIR/stream.out" 2>&1 &
		local spid=$!
		sleep "$delay"
		kill -KILL "$cpid"
		wait "$cpid" 2>/dev/null
		wait "$spid"
		echo "# $mode: killed after ${delay}s: $(tail -1 "$T_DIR/stream.out")"
		if ! start_collector "$mode"; then
			not_ok "$mode: collector restarts after SIGKILL"
			sed 's/^/#   /' "$clog"
			return
		fi
	done
	ok "$mode: killed with SIGKILL three times mid-stream, restarted each time"
	out=$(stream)
	expect_match "$mode: the full re-send is answered, nothing rejected" "$out" \
		"^batches=$((N / B)) records=$N accepted=[0-9]+ duplicates=[0-9]+ rejected=0 failed=0 "
	expect_eq "$mode: last_seq stored rejected" "$(probe_counts)" "$N $N 0"
}

# verify MODE [--daemon unix:SOCK]: every round's value in its own row.
verify() {
	local mode=$1; shift
	local bad=0 t f file last
	for t in 0000 0007 0019; do
		for f in ipv6 ipv4; do
			file="$T_DIR/data-$mode/rrd/p1/t$t.$f.rrd"
			last=$(rrdtool lastupdate "$@" "$file" | awk -F: 'NR==3 {print $1}')
			[ "$last" = "$((TS0 + 60 * (R - 1)))" ] || { bad=1; echo "# $file: last $last"; }
			# total (ms) of round r is r + 1; row r holds it.
			rrdtool fetch "$@" "$file" AVERAGE -r 60 -s $((TS0 + 60)) \
				-e $((TS0 + 60 * (R - 1))) |
				awk -v ts0=$TS0 'NF == 8 && $1 ~ /:$/ {
					r = (substr($1, 1, length($1) - 1) - ts0) / 60
					if ($7 + 0 != r + 1) { print "# row " r ": " $7; bad = 1 }
					n++ }
				END { if (n != 99 || bad) { print "# rows " n; exit 1 } }' ||
				bad=1
		done
	done
	expect_eq "$mode: every record stored once, in its own row (lastupdate, fetch)" "$bad" 0
}

# --- through rrdcached ---
mkdir -p "$T_DIR/data-cached" "$T_DIR/journal"
chown nobody "$T_DIR/data-cached"
sock="$T_DIR/rrdcached.sock"
start_rrdcached() {
	spawn -- rrdcached -g -B -b "$T_DIR/data-cached" -F -w 3600 -z 1 \
		-j "$T_DIR/journal" -p "$T_DIR/rrdcached.pid" -m 0666 -l "unix:$sock"
	rpid=$SPAWNED
	wait_until 10 test -S "$sock"
}
start_rrdcached || { not_ok "rrdcached starts"; finish; }
cat >"$T_DIR/cached.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$T_DIR/data-cached";
              user = "nobody"; rrdcached = "unix:$sock"; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
start_collector cached || { not_ok "collector starts"; sed 's/^/#   /' "$clog"; finish; }
crash_cycles cached
verify cached --daemon "unix:$sock"

# rrdcached goes away: 503, nothing lost; back: the collector reconnects.
stop_pid "$rpid"
out=$(stream -s $((N + 1)) -T $((TS0 + 60 * R)) -n 1)
expect_match "rrdcached gone: the batch is answered 503" "$out" '^batch 0: 503 \{"error":"storage failed'
check "... and the collector logs why" grep -q 'storage failed: rrdcached' "$clog"
start_rrdcached || not_ok "rrdcached restarts"
out=$(stream -s $((N + 1)) -T $((TS0 + 60 * R)) -n 1)
expect_match "rrdcached back: the same batch is accepted" "$out" "accepted=$B duplicates=0 rejected=0 failed=0"
expect_eq "... counts still add up" "$(probe_counts)" "$((N + B)) $((N + B)) 0"
check "collector alive" kill -0 "$cpid"
stop_pid "$cpid"

# --- librrd directly ---
cat >"$T_DIR/direct.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$T_DIR/data-direct";
              user = "nobody"; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
start_collector direct || { not_ok "collector starts (direct)"; sed 's/^/#   /' "$clog"; finish; }
crash_cycles direct
verify direct
finish
