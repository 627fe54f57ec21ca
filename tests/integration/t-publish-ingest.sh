#!/bin/bash
# t-publish-ingest: ingest never fails while the publisher reads the RRD
# files. Through librrd directly (no rrdcached) every fetch and graph of
# the publisher takes a read lock on its file, and an update finding its
# file locked failed the batch with a 503. Here the daemon publishes every
# second, and `v6collector publish` draws a whole site again and again,
# while a probe stand-in posts batches of 20 targets x 2 families as fast
# as they are answered: every batch is answered 200, and /metrics says no
# update gave up on a lock.
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
ns=$(netns_new pin) || { not_ok "network namespace"; finish; }
echo "tok-p1-$RANDOM$RANDOM" >"$T_DIR/p1.token"
chmod 644 "$T_DIR/p1.token"
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "lock"; listen = "[::1]:8080"; data_dir = "$T_DIR/data";
              publish_dir = "$T_DIR/site"; step = 60; user = "nobody";
              publish_interval = 1; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
EOF
URL='http://[::1]:8080'
ncurl() { ip netns exec "$ns" curl -s -g --max-time 10 "$@"; }
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
clog=$SPAWNED_LOG
if wait_until 10 ncurl -f "$URL/api/v1/status"; then ok "collector answers"
else not_ok "collector answers"; sed 's/^/#   /' "$clog"; finish; fi

# 40 files, 2,500 updates each (one a minute of record time, ending now),
# posted over a few seconds while publishes draw every graph of the site
# again and again (the daemon's, and `v6collector publish` into an empty
# folder each time), reading the same files.
rounds=2500
ts0=$(($(date +%s) - rounds * 60))
ip netns exec "$ns" "$V6TOOLS/collpost" -q -a ::1 -p 8080 -t "$T_DIR/p1.token" \
	-g 20,1,40 -T "$ts0" >"$T_DIR/post0.out" 2>&1
check "the files are created" grep -q 'failed=0' "$T_DIR/post0.out"
sed "s|publish_dir = \"$T_DIR/site\"|publish_dir = \"$T_DIR/site2\"|" "$T_DIR/c.conf" >"$T_DIR/c2.conf"
(
	for _ in $(seq 1 30); do
		[ -e "$T_DIR/posted" ] && break
		rm -rf "$T_DIR/site2"
		ip netns exec "$ns" "$V6COLLECTOR" publish -c "$T_DIR/c2.conf" >>"$T_DIR/cli.log" 2>&1
	done
) &
loop=$!
T_PIDS+=("$loop")
ip netns exec "$ns" "$V6TOOLS/collpost" -q -a ::1 -p 8080 -t "$T_DIR/p1.token" \
	-g 20,$((rounds - 1)),400 -s 41 -T $((ts0 + 60)) >"$T_DIR/post.out" 2>&1
rc=$?
touch "$T_DIR/posted"
line=$(cat "$T_DIR/post.out")
echo "# $line"
expect_match "every batch answered 200 while publishing (no 503)" "$line" 'failed=0'
expect_eq "collpost exit status" "$rc" 0
expect_match "... all $((40 * (rounds - 1))) records stored" "$line" "accepted=$((40 * (rounds - 1))) "
wait_until 60 sh -c "! kill -0 $loop"
runs=$(cat "$clog" "$T_DIR/cli.log" | grep -c 'publish: 20 targets')
check "publishes ran meanwhile ($runs)" test "$runs" -ge 2
m=$(ncurl "$URL/metrics")
echo "# $(grep -E '^v6watch_rrd_lock_(waits|failures)_total' <<<"$m" | tr '\n' ' ')"
expect_match "metrics: no update gave up on a lock" "$m" '^v6watch_rrd_lock_failures_total 0$'
check "no storage failure logged" sh -c "! grep -q 'storage failed' '$clog'"
finish
