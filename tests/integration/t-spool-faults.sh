#!/bin/bash
# t-spool-faults: the real probe's spool against what disks and people do
# to it, delivering to a collector stand-in that records what it got.
# - A full disk: deliveries are still acknowledged, so delivered segments
#   are deleted (the acknowledgement is rewritten in place), and the log
#   says the disk is full; when space comes back, the records that waited
#   in memory follow, no seq missing.
# - A flipped byte in a middle record: only that record is lost; the ones
#   after it are delivered, and new records take new seqs.
# - A damaged state file: the probe starts anyway, says so, and delivers.
. "$(dirname "$0")/lib.sh"
needs_root
ns=$(netns_new s) || { not_ok "namespace"; finish; }
port=$((20000 + RANDOM % 20000))
echo "token-$RANDOM$RANDOM" >"$T_DIR/p.token"
chmod 600 "$T_DIR/p.token"
mkdir -p "$T_DIR/small"
mount -t tmpfs -o size=512k tmpfs "$T_DIR/small" || { not_ok "tmpfs"; finish; }
trap 'umount -l "$T_DIR/small" 2>/dev/null; cleanup' EXIT
spool=$T_DIR/small/spool
cat >"$T_DIR/p.conf" <<CONF
probe = { name = "p1"; interval = 1; timeout = 1; spool_dir = "$spool";
          user = "nobody"; };
collector = { url = "http://[::1]:$port/api/v1/results"; token_file = "p.token"; };
targets = ( { name = "www"; url = "http://[::1]:9/"; } );
CONF
got="$T_DIR/got.jsonl"
: >"$got"
stub_up() {
	spawn "$ns" -- python3 "$V6TOP/tests/tools/stubcollector.py" ::1 "$port" "$got"
	STUB=$SPAWNED
}
probe_up() {
	spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v
	PROBE=$SPAWNED PLOG=$SPAWNED_LOG
}
# records durable in the spool (lines of the segments)
spooled() { cat "$spool"/seg-*.log 2>/dev/null | wc -l; }
nsegs() { ls "$spool"/seg-*.log 2>/dev/null | wc -l; }
# seqs received: "ok" when 1..max all came, none twice
seqs_whole() {
	python3 - "$got" <<'PY'
import json, sys
s = [json.loads(l)["seq"] for l in open(sys.argv[1])]
u = sorted(set(s))
print("ok" if u == list(range(1, len(u) + 1)) else "gaps %s" % sorted(set(range(1, max(u) + 1)) - set(u)))
PY
}
received() { wc -l <"$got"; }
spooled_ge() { [ "$(spooled)" -ge "$1" ]; }
received_ge() { [ "$(received)" -ge "$1" ]; }
no_segs() { [ "$(nsegs)" -eq 0 ]; }

# 1. Full disk.
probe_up
wait_until 20 spooled_ge 4 && ok "records spooled while the collector is away" \
	|| not_ok "records spooled while the collector is away ($(spooled))"
dd if=/dev/zero of="$T_DIR/small/fill" bs=4k 2>/dev/null
wait_until 10 grep -q 'the disk is full' "$PLOG" && ok "the log says the disk is full" \
	|| not_ok "the log says the disk is full"
before=$(spooled)
stub_up
if wait_until 40 no_segs; then
	ok "on a full disk, delivered segments are deleted"
else
	not_ok "on a full disk, delivered segments are deleted ($(nsegs) left)"
	grep -E 'warning|state' "$PLOG" | tail -5 | sed 's/^/#   /'
fi
check "... all $before spooled records arrived" test "$(received)" -ge "$before"
rm -f "$T_DIR/small/fill"
n=$(received)
wait_until 30 received_ge $((n + 3)) && ok "space back: delivery goes on" \
	|| not_ok "space back: delivery goes on"
expect_match "... the log says so" "$(cat "$PLOG")" 'spool: writing again'
expect_eq "no seq missing, none twice" "$(seqs_whole)" ok
stop_pid "$PROBE"
stop_pid "$STUB"

# 2. A flipped byte in a middle record.
probe_up
wait_until 30 spooled_ge 12 || not_ok "12 records spooled"
stop_pid "$PROBE"
seg=$(ls "$spool"/seg-*.log | head -1)
target=$(sed -n 5p "$seg" | awk '{print $2}')
python3 - "$seg" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
l = bytearray(lines[4]); i = l.index(b'"outcome"') + 2; l[i] ^= 0x20
lines[4] = bytes(l)
open(p, "wb").write(b"\n".join(lines))
PY
low=$(cat "$spool"/seg-*.log | awk '{print $2}' | sort -n | head -1)
high=$(cat "$spool"/seg-*.log | awk '{print $2}' | sort -n | tail -1)
: >"$got"
stub_up
restart=$(date +%s.%N)	# records carry milliseconds
probe_up
wait_until 30 received_ge $((high - low + 2)) || true
expect_match "the damaged record is skipped and counted" "$(cat "$PLOG")" \
	'1 corrupt records skipped'
python3 - "$got" "$target" "$low" "$high" "$restart" >"$T_DIR/flip.out" <<'PY'
import json, sys
got, bad, low, high, restart = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
recs = [json.loads(l) for l in open(got)]
seqs = [r["seq"] for r in recs]
old = set(s for s in seqs if s <= high)
print("missing", sorted(set(range(low, high + 1)) - old - {bad}) or "none")
print("bad", "received" if bad in old else "not received")
# A batch sent again (its answer was late) brings the same records: only
# one seq carrying two different records is a reuse.
by_seq = {}
for r in recs:
    by_seq.setdefault(r["seq"], set()).add(json.dumps(r, sort_keys=True))
bad_seqs = sorted(q for q, v in by_seq.items() if len(v) > 1)
late = sorted(r["seq"] for r in recs if r["seq"] <= high and r["ts"] >= restart)
print("reused", "False" if not bad_seqs and not late else
      "seqs with two records %s, old seqs made after the restart %s (high %d, restart %.3f)"
      % (bad_seqs[:5], late[:5], high, restart))
PY
expect_eq "every record after it delivered" "$(sed -n 1p "$T_DIR/flip.out")" "missing none"
expect_eq "... not the damaged one" "$(sed -n 2p "$T_DIR/flip.out")" "bad not received"
expect_eq "... no seq reused" "$(sed -n 3p "$T_DIR/flip.out")" "reused False"
stop_pid "$PROBE"

# 3. A damaged state file: no refusal, no restart loop.
printf 'garbage' >"$spool/state"
n=$(received)
probe_up
wait_until 30 received_ge $((n + 3)) && ok "damaged state: the probe runs and delivers" \
	|| { not_ok "damaged state: the probe runs and delivers"; sed 's/^/#   /' "$PLOG" | tail -5; }
expect_match "... saying what it did" "$(cat "$PLOG")" 'state is damaged'
check "... and the probe still runs" kill -0 "$PROBE"
finish
