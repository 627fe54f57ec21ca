#!/bin/bash
# t-probe-capture: the probe daemon with a capture section. It opens the
# capture as root, drops to nobody and keeps counting; every interval a
# traffic record goes through the spool to the real collector, which
# stores it in its own RRD. Known traffic (exact UDP datagram counts over
# IPv6 and IPv4, matched by the capture filter) is counted exactly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
needs_root
lab_up || { not_ok "the lab came up"; finish; }

echo "capture-token-$RANDOM" >"$T_DIR/p.token"
chmod 644 "$T_DIR/p.token"
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "lab"; listen = "[::1]:8080"; data_dir = "$T_DIR/data";
              step = 1; user = "nobody"; publish_interval = 0; };
probes = ( { name = "cap"; token_file = "p.token"; } );
EOF
cat >"$T_DIR/p.conf" <<EOF
probe = { name = "cap"; interval = 2; timeout = 1; spool_dir = "$T_DIR/spool";
          cacert = "$LAB_CA"; user = "nobody"; };
collector = { url = "http://[::1]:8080/api/v1/results"; token_file = "p.token"; };
capture = { interface = "c0"; interval = 1; filter = "udp port 5555"; };
targets = ( { name = "www"; url = "https://www.lab.example/"; } );
EOF
status() { lab_exec "$LAB_CLI" curl -sf -g --max-time 5 "http://[::1]:8080/api/v1/status"; }
spawn "$LAB_CLI" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
wait_until 10 status >/dev/null || { not_ok "collector answers"; finish; }

spawn "$LAB_CLI" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v
PID=$SPAWNED
PLOG=$SPAWNED_LOG
wait_until 10 grep -q "capturing on c0" "$PLOG" || { not_ok "capture started"; sed 's/^/#   /' "$PLOG"; finish; }
ok "capture started"
expect_match "opened the capture, then dropped root" "$(grep '^Uid:' /proc/$PID/status)" \
	"^Uid:[[:space:]]+$(id -u nobody)[[:space:]]+$(id -u nobody)[[:space:]]+$(id -u nobody)"

# Exactly 40 IPv6 and 25 IPv4 datagrams of 100 bytes, after the drop.
sleep 1.2
lab_exec "$LAB_CLI" "$V6TOOLS/udpsend" -n 40 -s 100 -p 5555 2001:db8:1::1 &&
lab_exec "$LAB_CLI" "$V6TOOLS/udpsend" -n 25 -s 100 -p 5555 198.51.100.1 ||
	not_ok "udpsend"
# some traffic the filter must not count
lab_exec "$LAB_CLI" "$V6TOOLS/udpsend" -n 7 -s 100 -p 5556 2001:db8:1::1
sleep 3.5
stop_pid "$PID"

st=$(status)
sum=$(python3 -c "
import json, sys
d = json.load(sys.stdin)
t = [x for x in d['traffic'] if x['probe'] == 'cap']
print(len(t), t[0]['iface'] if t else '-')" <<<"$st")
expect_match "the collector holds traffic records of c0" "$sum" "^[0-9]+ c0$"
rrd="$T_DIR/data/rrd/cap/c0.traffic.rrd"
if [ -f "$rrd" ]; then ok "traffic RRD created"; else not_ok "traffic RRD created"; finish; fi
expect_match "... and updated with the intervals' rates" "$(rrdtool lastupdate "$rrd")" \
	'^[0-9]+: ([0-9.e+-]+ ){8}[0-9.e+-]+$'
# Exact counts: the collector's durable sums of every capture record
# stored (the RRD's rows are averages at its archives' resolution).
metrics=$(lab_exec "$LAB_CLI" curl -sf -g --max-time 5 "http://[::1]:8080/metrics")
p6=$(awk '/^v6watch_traffic_packets_total\{probe="cap",iface="c0",family="ipv6"\}/ {print $2}' <<<"$metrics")
p4=$(awk '/^v6watch_traffic_packets_total\{probe="cap",iface="c0",family="ipv4"\}/ {print $2}' <<<"$metrics")
expect_eq "IPv6 datagrams counted exactly (filter applied)" "$p6" 40
expect_eq "IPv4 datagrams counted exactly" "$p4" 25
expect_match "logs no capture trouble" "$(grep -c 'capture on c0 stopped' "$PLOG")" "^0$"
finish
