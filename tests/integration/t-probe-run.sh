#!/bin/bash
# t-probe-run: v6probe run against the lab and a real collector. --once
# delivers and exits 0; the daemon drops root; canaries mark a family
# probe_offline; SIGHUP reloads (a broken file keeps the running config);
# and the faults: the collector down for several rounds, the probe
# SIGKILLed while spooling and uploading, a collector answering 500 or
# hanging, a spool on a tiny tmpfs that fills. At the end every record
# the probe ever made durable is stored exactly once: no seq reused, none
# lost (stored + rejected == last_seq, rejected 0, and last_seq is the
# highest seq the probe logged as durable), and the RRD files agree.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
needs_root
lab_up || { not_ok "the lab came up"; finish; }

token=probe-token-$RANDOM$RANDOM
echo "$token" >"$T_DIR/p1.token"
echo "$token-2" >"$T_DIR/p2.token"
chmod 644 "$T_DIR/p1.token" "$T_DIR/p2.token"
mkdir -p "$T_DIR/data"
cat >"$T_DIR/c.conf" <<EOF
collector = { name = "lab"; listen = "[::1]:8080"; data_dir = "$T_DIR/data";
              step = 2; user = "nobody"; publish_interval = 0; };
probes = ( { name = "p1"; token_file = "p1.token"; },
           { name = "p2"; token_file = "p2.token"; } );
EOF
# probe_conf SPOOL_DIR COLLECTOR_PORT [EXTRA TARGETS]
probe_conf() {
	cat >"$T_DIR/p.conf" <<EOF
probe = { name = "p1"; interval = 2; timeout = 1; concurrency = 50;
          spool_dir = "$1"; spool_max_mb = 8; cacert = "$LAB_CA";
          user = "nobody"; };
collector = { url = "http://[::1]:$2/api/v1/results"; token_file = "p1.token"; };
targets = (
  { name = "www"; url = "https://www.lab.example/"; group = "Portal"; },
  { name = "v4only"; url = "https://v4only.lab.example/"; },
  { name = "drop"; url = "https://drop.lab.example/"; }${3:-} );
EOF
}
cspawn() {
	spawn "$LAB_CLI" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
	CPID=$SPAWNED
	wait_until 10 status >/dev/null
}
status() { lab_exec "$LAB_CLI" curl -sf -g --max-time 5 "http://[::1]:8080/api/v1/status"; }
# pstat FIELD: a field of probe p1 in the collector's status
pstat() {
	status | python3 -c "import json,sys; d=json.load(sys.stdin); print(next(p['$1'] for p in d['probes'] if p['name']=='p1'))" 2>/dev/null
}
logs() { cat "$T_DIR"/v6probe.*.log 2>/dev/null; }

cspawn || { not_ok "collector answers"; finish; }
ok "collector answers"

# --once: check every target once, deliver, exit 0.
probe_conf "$T_DIR/spool" 8080
out=$(lab_exec "$LAB_CLI" "$V6PROBE" run -c "$T_DIR/p.conf" --once -v 2>&1); rc=$?
echo "$out" >"$T_DIR/v6probe.once.log"
expect_eq "--once: exit 0 when delivered" "$rc" 0
expect_eq "--once: 3 targets x 2 families stored" "$(pstat stored)" 6
expect_eq "--once: last_seq 6" "$(pstat last_seq)" 6

# The daemon, with a canary that fails over IPv6 only.
probe_conf "$T_DIR/spool" 8080
sed -i 's|user = "nobody"; };|user = "nobody"; canaries = ( "https://drop.lab.example/" ); };|' "$T_DIR/p.conf"
spawn "$LAB_CLI" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v
PPID_=$SPAWNED
PLOG=$SPAWNED_LOG
wait_until 10 eval 'test "$(pstat stored)" -ge 18'
expect_match "the daemon delivers round after round" "$(pstat stored)" "^(1[89]|[2-9][0-9]|[0-9]{3,})$"
expect_match "dropped root: runs as nobody" "$(grep '^Uid:' /proc/$PPID_/status)" \
	"^Uid:[[:space:]]+$(id -u nobody)[[:space:]]+$(id -u nobody)[[:space:]]+$(id -u nobody)"
expect_eq "the spool belongs to nobody" "$(stat -c %U "$T_DIR/spool")" nobody
wait_until 10 grep -q "canaries fail over ipv6" "$PLOG"
wait_until 10 sh -c "$(declare -f status); status | grep -q probe_offline"
st=$(status)
expect_match "canaries down over IPv6: ipv6 records carry probe_offline" \
	"$(python3 -c "import json,sys; d=json.load(sys.stdin); print(sorted({t['family'] for t in d['targets'] if 'probe_offline' in t['warnings']}))" <<<"$st")" \
	"^\['ipv6'\]$"

# SIGHUP: a broken file keeps the running config; a good one adds a target.
cp "$T_DIR/p.conf" "$T_DIR/p.good"
echo 'probe = { name = "p1"; interval = 1; };' >"$T_DIR/p.conf"
kill -HUP "$PPID_"
wait_until 5 grep -q "running configuration stays" "$PLOG"
expect_match "SIGHUP with a broken file: says where and keeps running" "$(cat "$PLOG")" \
	"p.conf: collector.url: missing"
sed 's|url = "https://drop.lab.example/"; }|url = "https://drop.lab.example/"; },\n  { name = "v6only"; url = "https://v6only.lab.example/"; }|' "$T_DIR/p.good" >"$T_DIR/p.conf"
kill -HUP "$PPID_"
wait_until 10 sh -c "$(declare -f status); status | grep -q '\"target\":\"v6only\"'"
expect_match "SIGHUP with a good file: the new target is checked" "$(status)" '"target":"v6only"'

# Fault: the collector down for several rounds, then back.
stop_pid "$CPID"
before=$(grep -c "durable" "$PLOG")
wait_until 10 eval 'test "$(grep -c durable "$PLOG")" -ge $((before + 3))'
expect_match "collector down: checks go on, results spooled" "$(grep -c durable "$PLOG")" "^[0-9]+$"
expect_match "collector down: a clear log line" "$(cat "$PLOG")" "upload to http://\[::1\]:8080/api/v1/results failed"
cspawn
wait_until 20 grep -q "upload to .* works again" "$PLOG"
expect_match "collector back: delivery resumes" "$(cat "$PLOG")" "works again"

# Fault: SIGKILL the probe while it spools and uploads, three times.
for i in 1 2 3; do
	sleep 0.$((RANDOM % 9 + 1))
	stop_pid "$PPID_" KILL
	spawn "$LAB_CLI" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v
	PPID_=$SPAWNED
	PLOG=$SPAWNED_LOG
	wait_until 10 grep -q durable "$PLOG"
done
ok "probe SIGKILLed three times and restarted"

# Fault: a collector answering 500, then one that hangs: probe unharmed.
stop_pid "$PPID_"
spawn "$LAB_CLI" -- "$V6TOOLS/badserver" ::1 8081 500
BAD=$SPAWNED
probe_conf "$T_DIR/spool" 8081
spawn "$LAB_CLI" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v
PPID_=$SPAWNED
PLOG=$SPAWNED_LOG
wait_until 10 grep -q "failed: HTTP 500" "$PLOG"
expect_match "collector answers 500: logged, backing off" "$(cat "$PLOG")" "failed: HTTP 500"
stop_pid "$BAD"
spawn "$LAB_CLI" -- "$V6TOOLS/badserver" ::1 8081 silent
n1=$(grep -c durable "$PLOG")
sleep 3
expect_match "collector hangs: checks go on" "$(grep -c durable "$PLOG")" "^[0-9]+$"
[ "$(grep -c durable "$PLOG")" -gt "$n1" ] && ok "... and keep being spooled" || not_ok "... and keep being spooled"
kill -0 "$PPID_" && ok "probe alive" || not_ok "probe alive"
stop_pid "$PPID_"
expect_match "SIGTERM during a hanging upload: clean exit" "$(tail -3 "$PLOG")" "stats:"

# Fault: a spool on a tiny tmpfs that fills up while the collector is away.
mkdir -p "$T_DIR/tiny"
if mount -t tmpfs -o size=16k tmpfs "$T_DIR/tiny"; then
	probe_conf "$T_DIR/tiny/spool" 8082	# nothing listens on 8082
	# another probe: a spool of its own is a probe of its own
	sed -i 's/spool_max_mb = 8/spool_max_mb = 1/; s/name = "p1"; interval/name = "p2"; interval/; s/p1.token/p2.token/' "$T_DIR/p.conf"
	spawn "$LAB_CLI" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v
	TPID=$SPAWNED
	TLOG=$SPAWNED_LOG
	wait_until 40 grep -q "cannot write to $T_DIR/tiny/spool" "$TLOG"
	expect_match "tiny spool full: a clear log line" "$(cat "$TLOG")" "spool: cannot write to .*No space left on device.*checks go on"
	n1=$(grep -c "target .*\|durable\|skipped" "$TLOG")
	sleep 2
	kill -0 "$TPID" && ok "tiny spool full: probe alive, checks go on" || not_ok "tiny spool full: probe alive"
	# space returns, and so does the collector (on the port the probe uses)
	mount -o remount,size=4m "$T_DIR/tiny"
	sed -i 's/listen = "\[::1\]:8080"/listen = "[::1]:8082"/' "$T_DIR/c.conf"
	stop_pid "$CPID"
	cspawn2() { spawn "$LAB_CLI" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"; CPID=$SPAWNED; }
	cspawn2
	wait_until 30 grep -q "spool: writing again" "$TLOG"
	expect_match "space returns: writing again" "$(cat "$TLOG")" "spool: writing again"
	wait_until 30 grep -q "works again" "$TLOG"
	expect_match "space returns: delivery resumes" "$(cat "$TLOG")" "works again"
	stop_pid "$TPID"
	umount "$T_DIR/tiny"
	sed -i 's/listen = "\[::1\]:8082"/listen = "[::1]:8080"/' "$T_DIR/c.conf"
	stop_pid "$CPID"
	cspawn
else
	not_ok "mount a tmpfs for the tiny spool"
fi

# The end: deliver what the main spool still holds, then compare.
probe_conf "$T_DIR/spool" 8080
out=$(lab_exec "$LAB_CLI" "$V6PROBE" run -c "$T_DIR/p.conf" --once -v 2>&1); rc=$?
echo "$out" >"$T_DIR/v6probe.final.log"
expect_eq "final --once: everything delivered, exit 0" "$rc" 0
# every durable range ever logged by a probe on the main spool, in order
ranges=$(for f in $(ls -tr "$T_DIR"/v6probe.*.log); do
	grep -q "tiny/spool" "$f" && continue
	sed -n 's/.*spool: seq \([0-9]*\)\.\.\([0-9]*\) durable/\1 \2/p' "$f"
done)
python3 - "$ranges" <<'PY' >"$T_DIR/seqcheck" 2>&1
import sys
pairs = [tuple(map(int, l.split())) for l in sys.argv[1].splitlines() if l.strip()]
used = {}
for a, b in pairs:
    for s in range(a, b + 1):
        used[s] = used.get(s, 0) + 1
dups = sorted(s for s, n in used.items() if n > 1)
print("reused:", dups[:10], "max:", max(used))
PY
expect_match "no seq made durable twice (none reused)" "$(cat "$T_DIR/seqcheck")" "^reused: \[\] max: [0-9]+$"
maxseq=$(sed -n 's/.*max: \([0-9]*\)/\1/p' "$T_DIR/seqcheck")
st=$(status)
read -r last stored rejected < <(python3 -c "import json,sys; p=next(p for p in json.load(sys.stdin)['probes'] if p['name']=='p1'); print(int(p['last_seq']), int(p['stored']), int(p['rejected']))" <<<"$st")
expect_eq "collector: last_seq is the highest durable seq" "$last" "$maxseq"
expect_eq "collector: stored + rejected == last_seq (none lost, none twice)" "$((stored + rejected))" "$last"
expect_eq "collector: nothing rejected" "$rejected" 0
# the RRD files agree with the last record of every series
bad=0
while read -r target family ts; do
	f=$(ls "$T_DIR/data/rrd/p1/$target.$family.rrd" 2>/dev/null) || { bad=1; continue; }
	lu=$(rrdtool lastupdate "$f" | tail -1 | cut -d: -f1)
	[ "$lu" = "${ts%.*}" ] || { echo "# $target $family: rrd $lu, status $ts"; bad=1; }
done < <(python3 -c "import json,sys; [print(t['target'], t['family'], t['ts']) for t in json.load(sys.stdin)['targets'] if t['probe']=='p1']" <<<"$st")
expect_eq "every RRD's last update is its series' last record" "$bad" 0
if grep -q "$token" "$T_DIR"/*.log; then not_ok "the token never appears in logs"; else ok "the token never appears in logs"; fi
finish
