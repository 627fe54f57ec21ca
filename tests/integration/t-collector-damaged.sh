#!/bin/bash
# t-collector-damaged: one damaged RRD file costs its own history, not the
# probe's whole stream. A real v6collector (started as root, running as
# nobody) in a network namespace, through librrd directly and then through
# a real rrdcached: a file truncated while the collector runs, or before it
# starts, is moved aside as NAME.rrd.bad-<time> with a warning naming it;
# the record is answered 200 and accepted (not 503, which the probe would
# re-send forever) and the next records are stored in a new file. A file
# the collector cannot open (no permission) may pass: that stays 503, and
# the file stays where it is.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new dmg) || { not_ok "network namespace"; finish; }
tok=tok-$RANDOM$RANDOM
echo "$tok" >"$T_DIR/p1.token"
chmod 644 "$T_DIR/p1.token"
URL='http://[::1]:8080'
TS0=1764480000
SEQ=0
ncurl() { ip netns exec "$ns" curl -s -g --max-time 20 "$@"; }

start_collector() { # start_collector MODE
	spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/$1.conf" -v
	cpid=$SPAWNED
	clog=$SPAWNED_LOG
	wait_until 10 ncurl -f "$URL/api/v1/status"
}

# post TARGET TS: one record of the next seq; HTTP code in $CODE, body in $BODY.
post() {
	SEQ=$((SEQ + 1))
	printf '{"probe":"p1","results":[{"probe":"p1","target":"%s","url":"https://%s.example/","family":"ipv6","ts":%d,"seq":%d,"outcome":"ok","ms":{"dns":1,"connect":2,"total":%d}}]}' \
		"$1" "$1" "$2" "$SEQ" "$SEQ" >"$T_DIR/batch.json"
	CODE=$(ncurl -o "$T_DIR/body" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data-binary @"$T_DIR/batch.json" \
		"$URL/api/v1/results")
	BODY=$(cat "$T_DIR/body" 2>/dev/null)
}
ACCEPTED='{"accepted":1,"duplicates":0,"rejected":[]}'
bad_count() { ls "$1".bad-* 2>/dev/null | wc -l; }
last_of() { rrdtool lastupdate ${2:-} "$1" 2>&1 | awk -F: 'NR==3 {print $1}'; }

# run MODE [--daemon unix:SOCK]
run() {
	local mode=$1 d="$T_DIR/data-$1/rrd/p1" size
	shift
	start_collector "$mode" || { not_ok "$mode: collector starts"; sed 's/^/#   /' "$clog"; return; }
	post live "$TS0"
	expect_eq "$mode: a first record of 'live'" "$CODE $BODY" "200 $ACCEPTED"
	post cold "$TS0"
	expect_eq "$mode: a first record of 'cold'" "$CODE $BODY" "200 $ACCEPTED"

	if [ "$mode" = direct ]; then
		# Truncated while the collector runs: the update finds it.
		size=$(stat -c %s "$d/live.ipv6.rrd")
		truncate -s $((size / 2)) "$d/live.ipv6.rrd"
		post live $((TS0 + 60))
		expect_eq "$mode: truncated while running: the record is answered 200, accepted" \
			"$CODE $BODY" "200 $ACCEPTED"
		expect_eq "$mode: ... the damaged file is moved aside, its bytes kept" \
			"$(bad_count "$d/live.ipv6.rrd") $(stat -c %s "$d"/live.ipv6.rrd.bad-* 2>&1)" \
			"1 $((size / 2))"
		expect_eq "$mode: ... the record is in a new file" "$(last_of "$d/live.ipv6.rrd")" $((TS0 + 60))
		check "$mode: ... a warning names the file and what librrd said" \
			grep -q "warning: rrd $d/live.ipv6.rrd: damaged ('$d/live.ipv6.rrd' is too small" "$clog"
		post live $((TS0 + 120))
		expect_eq "$mode: ... and the next record is stored" \
			"$CODE $BODY $(last_of "$d/live.ipv6.rrd")" "200 $ACCEPTED $((TS0 + 120))"

		# What may pass is no damage: 503 (the probe re-sends), the file stays.
		chmod 000 "$d/live.ipv6.rrd"
		post live $((TS0 + 180))
		expect_eq "$mode: a file the collector may not open: 503" "$CODE" 503
		check "$mode: ... the log says why, in librrd's words" \
			grep -q "opening '$d/live.ipv6.rrd': Permission denied" "$clog"
		expect_eq "$mode: ... and the file is not moved" "$(bad_count "$d/live.ipv6.rrd")" 1
		chmod 640 "$d/live.ipv6.rrd"
		SEQ=$((SEQ - 1))
		post live $((TS0 + 180))
		expect_eq "$mode: ... readable again: the re-sent record is accepted" \
			"$CODE $BODY $(last_of "$d/live.ipv6.rrd")" "200 $ACCEPTED $((TS0 + 180))"
	fi

	# Truncated while the collector is down: its first look finds it.
	stop_pid "$cpid"
	truncate -s 100 "$d/cold.ipv6.rrd"
	start_collector "$mode" || { not_ok "$mode: collector restarts"; sed 's/^/#   /' "$clog"; return; }
	post cold $((TS0 + 60))
	expect_eq "$mode: truncated before a restart: the record is answered 200, accepted" \
		"$CODE $BODY" "200 $ACCEPTED"
	expect_eq "$mode: ... the damaged file is moved aside" "$(bad_count "$d/cold.ipv6.rrd")" 1
	check "$mode: ... a warning names the file" grep -q "warning: rrd $d/cold.ipv6.rrd: damaged (" "$clog"
	post cold $((TS0 + 120))
	expect_eq "$mode: ... and the next record is stored" \
		"$CODE $BODY $(last_of "$d/cold.ipv6.rrd" "$*")" "200 $ACCEPTED $((TS0 + 120))"
	if grep -q "unknown librrd error" "$clog"; then not_ok "$mode: librrd's words in every message"; fi
	check "$mode: collector alive" kill -0 "$cpid"
	stop_pid "$cpid"
}

# --- librrd directly ---
cat >"$T_DIR/direct.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$T_DIR/data-direct";
              user = "nobody"; step = 60; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
run direct

# --- through rrdcached ---
SEQ=0
mkdir -p "$T_DIR/data-cached" "$T_DIR/journal"
chown nobody "$T_DIR/data-cached"
sock="$T_DIR/rrdcached.sock"
spawn -- rrdcached -g -B -b "$T_DIR/data-cached" -F -w 3600 -z 1 \
	-j "$T_DIR/journal" -p "$T_DIR/rrdcached.pid" -m 0666 -l "unix:$sock"
wait_until 10 test -S "$sock" || { not_ok "rrdcached starts"; finish; }
cat >"$T_DIR/cached.conf" <<EOF
collector = { name = "t"; listen = "[::]:8080"; data_dir = "$T_DIR/data-cached";
              user = "nobody"; step = 60; rrdcached = "unix:$sock"; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
run cached --daemon "unix:$sock"
finish
