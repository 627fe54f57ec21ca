#!/bin/bash
# t-probe-reinstall: a probe re-installed under the same name (its spool
# gone, a new one numbered from 1) against a real collector: the first
# records of the new spool are stored, not answered as duplicates; the
# collector logs the new sequence and shows it in /api/v1/status
# (resets, reset_reason, the new spool ID), and the invariant
# stored + rejected + missing == last_seq - base_seq holds.
. "$(dirname "$0")/lib.sh"
needs_root
chmod 755 "$T_DIR"
ns=$(netns_new ri) || { not_ok "namespace"; finish; }
port=$((18000 + RANDOM % 2000))
tok=tok-$RANDOM$RANDOM
echo "$tok" >"$T_DIR/p1.token"
chmod 600 "$T_DIR/p1.token"
mkdir -p "$T_DIR/data"
cat >"$T_DIR/c.conf" <<CONF
collector = { name = "t"; listen = "[::1]:$port"; data_dir = "$T_DIR/data";
              user = "nobody"; step = 2; publish_interval = 0; };
probes = ( { name = "p1"; token_file = "p1.token"; } );
CONF
cat >"$T_DIR/p.conf" <<CONF
probe = { name = "p1"; interval = 1; timeout = 1; spool_dir = "$T_DIR/spool";
          user = "nobody"; };
collector = { url = "http://[::1]:$port/api/v1/results"; token_file = "p1.token"; };
targets = ( { name = "www"; url = "http://[::1]:9/"; } );
CONF
status() { ip netns exec "$ns" curl -sf -g --max-time 5 "http://[::1]:$port/api/v1/status"; }
# pstat FIELD
pstat() {
	status | python3 -c "import json,sys; d=json.load(sys.stdin); print(next(p['$1'] for p in d['probes'] if p['name']=='p1'))" 2>/dev/null
}
stored_ge() { [ "$(pstat stored)" -ge "$1" ] 2>/dev/null; }
invariant() {
	status | python3 -c "
import json,sys
p = next(p for p in json.load(sys.stdin)['probes'] if p['name']=='p1')
print(p['stored'] + p['rejected'] + p['missing'] == p['last_seq'] - p['base_seq'])"
}

spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
clog=$SPAWNED_LOG
wait_until 10 status || { not_ok "collector answers"; finish; }
spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/p.conf"
pid=$SPAWNED
wait_until 30 stored_ge 6 && ok "first install: records stored" \
	|| not_ok "first install: records stored ($(pstat stored))"
stop_pid "$pid"
first_id=$(cat "$T_DIR/spool/id")
before=$(pstat stored)
last=$(pstat last_seq)

# Re-installed: the spool is gone, seqs start at 1 again.
rm -rf "$T_DIR/spool"
spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/p.conf"
pid=$SPAWNED
# after the reset, stored counts the new sequence alone
new_seq_stored() { [ "$(pstat resets)" = 1 ] && stored_ge 4; }
wait_until 30 new_seq_stored && ok "re-installed: its first records are stored" \
	|| not_ok "re-installed: its first records are stored (stored $(pstat stored), was $before)"
stop_pid "$pid"
new_id=$(cat "$T_DIR/spool/id")
check "the new spool has a new ID" test "$first_id" != "$new_id"
expect_eq "status shows the new spool" "$(pstat spool)" "$new_id"
expect_eq "... one reset" "$(pstat resets)" 1
expect_eq "... because of a new spool" "$(pstat reset_reason)" "new spool"
expect_eq "... the invariant holds" "$(invariant)" True
expect_eq "... no record of the new spool missing" "$(pstat missing)" 0
expect_match "the collector logs the new sequence" "$(cat "$clog")" \
	"new spool ID $new_id \\(was $first_id, last seq $last\\)"
finish
