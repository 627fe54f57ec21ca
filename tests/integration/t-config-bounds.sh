#!/bin/bash
# t-config-bounds: what both binaries accept as config and secret files.
# A token or secret file that is a FIFO is an error naming it, at once (a
# hang is a failure: `timeout` ends it); one every user can read is a
# warning, from --check-config and at start; two probes sharing a token are
# an error naming both and not the token; a 20 MiB @include and a 1 MiB line
# are refused with the file (and line) at fault, before libconfig parses.
. "$(dirname "$0")/lib.sh"

T=10 # seconds before a --check-config counts as hung

# run_check NAME BINARY CONF: --check-config under timeout; sets out, rc.
run_check() {
	out=$(timeout -k 2 "$T" "$2" --check-config -c "$3" 2>&1)
	rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		not_ok "$1: --check-config hung (killed after ${T}s)"
	fi
}

tok=tok-$RANDOM$RANDOM$RANDOM
printf '%s\n' "$tok" >"$T_DIR/p1.token"
printf 'tok-other-%s\n' "$RANDOM$RANDOM" >"$T_DIR/p2.token"
chmod 600 "$T_DIR/p1.token" "$T_DIR/p2.token"
mkfifo "$T_DIR/fifo.token"

probe_conf() { # probe_conf FILE TOKEN_FILE [MORE]
	cat >"$1" <<EOF
probe = { name = "p1"; spool_dir = "$T_DIR/spool"; user = "nobody"; };
collector = { url = "http://[::1]:18999/api/v1/results"; token_file = "$2"; };
${3:-}
EOF
}
collector_conf() { # collector_conf FILE PROBES
	cat >"$1" <<EOF
collector = { name = "c"; listen = "[::1]:8080"; data_dir = "$T_DIR/data";
              publish_dir = "$T_DIR/site"; user = "nobody"; };
probes = ( $2 );
EOF
}

# A FIFO as token file: exit 3 at once, naming it.
probe_conf "$T_DIR/pf.conf" fifo.token
run_check "v6probe, FIFO token" "$V6PROBE" "$T_DIR/pf.conf"
expect_eq "v6probe: a FIFO token_file is a config error (exit 3)" "$rc" 3
expect_match "... naming the file" "$out" \
	"pf.conf:2: collector.token_file: $T_DIR/fifo.token: a FIFO, not a regular file"
collector_conf "$T_DIR/cf.conf" '{ name = "p1"; token_file = "fifo.token"; }'
run_check "v6collector, FIFO token" "$V6COLLECTOR" "$T_DIR/cf.conf"
expect_eq "v6collector: a FIFO token_file is a config error (exit 3)" "$rc" 3
expect_match "... naming the file" "$out" \
	"cf.conf:3: probes\[0\].token_file: $T_DIR/fifo.token: a FIFO, not a regular file"
collector_conf "$T_DIR/cw.conf" '{ name = "p1"; token_file = "p1.token"; }'
echo 'webhooks = ( { name = "w"; url = "https://hook.example/"; secret_file = "fifo.token"; } );' >>"$T_DIR/cw.conf"
run_check "v6collector, FIFO secret" "$V6COLLECTOR" "$T_DIR/cw.conf"
expect_eq "v6collector: a FIFO secret_file is a config error (exit 3)" "$rc" 3
expect_match "... naming the file" "$out" \
	"webhooks\[0\].secret_file: $T_DIR/fifo.token: a FIFO, not a regular file"
# the daemons themselves: the same error, no hang at start
out=$(timeout -k 2 "$T" "$V6COLLECTOR" -c "$T_DIR/cf.conf" 2>&1); rc=$?
expect_eq "v6collector with a FIFO token exits 3 at start" "$rc" 3
out=$(timeout -k 2 "$T" "$V6PROBE" run -c "$T_DIR/pf.conf" 2>&1); rc=$?
expect_eq "v6probe run with a FIFO token exits 3 at start" "$rc" 3

# A token file every user can read: a warning with the file, mode and fix.
cp "$T_DIR/p1.token" "$T_DIR/open.token"
chmod 644 "$T_DIR/open.token"
probe_conf "$T_DIR/po.conf" open.token
run_check "v6probe, 0644 token" "$V6PROBE" "$T_DIR/po.conf"
expect_eq "v6probe: a 0644 token is only a warning (exit 0)" "$rc" 0
expect_match "... which names the file, its mode and the fix" "$out" \
	"^warning: .*po.conf:2: collector.token_file: $T_DIR/open.token has mode 0644, so every user can read the secret: chmod 0600 it"
collector_conf "$T_DIR/co.conf" '{ name = "p1"; token_file = "open.token"; }'
run_check "v6collector, 0644 token" "$V6COLLECTOR" "$T_DIR/co.conf"
expect_eq "v6collector: a 0644 token is only a warning (exit 0)" "$rc" 0
expect_match "... which names the file, its mode and the fix" "$out" \
	"^warning: .*co.conf:3: probes\[0\].token_file: $T_DIR/open.token has mode 0644, so every user can read the secret: chmod 0600 it"
if grep -qF -- "$tok" <<<"$out"; then not_ok "the warning does not show the token"
else ok "the warning does not show the token"; fi
collector_conf "$T_DIR/cq.conf" '{ name = "p1"; token_file = "p1.token"; }'
run_check "v6collector, 0600 token" "$V6COLLECTOR" "$T_DIR/cq.conf"
expect_eq "a 0600 token: OK" "$rc" 0
if grep -q 'warning' <<<"$out"; then not_ok "... without a warning"; sed 's/^/#   /' <<<"$out"
else ok "... without a warning"; fi

# ... and the same warning when the daemons start (in a namespace of ours).
if [ "$(id -u)" -eq 0 ] && ns=$(netns_new cb); then
	chmod 755 "$T_DIR"
	spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/co.conf"
	cpid=$SPAWNED clog=$SPAWNED_LOG
	if wait_until 20 grep -q 'open.token has mode 0644' "$clog"; then
		ok "v6collector warns about the 0644 token at start"
	else
		not_ok "v6collector warns about the 0644 token at start"; sed 's/^/#   /' "$clog"
	fi
	stop_pid "$cpid"
	spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/po.conf"
	ppid_=$SPAWNED plog=$SPAWNED_LOG
	if wait_until 20 grep -q 'open.token has mode 0644' "$plog"; then
		ok "v6probe warns about the 0644 token at start"
	else
		not_ok "v6probe warns about the 0644 token at start"; sed 's/^/#   /' "$plog"
	fi
	stop_pid "$ppid_"
else
	ok "# SKIP the daemons' start needs root for a network namespace"
fi

# Two probes with one token: an error naming both, never the token.
cp "$T_DIR/p1.token" "$T_DIR/copy.token"
collector_conf "$T_DIR/cd.conf" '{ name = "hanoi"; token_file = "p1.token"; },
           { name = "saigon"; token_file = "p2.token"; },
           { name = "hue"; token_file = "copy.token"; }'
run_check "v6collector, shared token" "$V6COLLECTOR" "$T_DIR/cd.conf"
expect_eq "two probes with one token: exit 3" "$rc" 3
expect_match "... an error naming both probes" "$out" \
	"cd.conf:5: probes\[2\]: probe 'hue' \(token_file $T_DIR/copy.token\) has the same token as probe 'hanoi' \(probes\[0\]"
if grep -qF -- "$tok" <<<"$out"; then not_ok "... not the token"; else ok "... not the token"; fi

# A 20 MiB @include: refused at once, naming it.
{ yes '# a line of a file far too large to be a configuration' | head -c 20M; echo; } >"$T_DIR/big.inc"
probe_conf "$T_DIR/pb.conf" p1.token '@include "big.inc"'
run_check "v6probe, 20 MiB include" "$V6PROBE" "$T_DIR/pb.conf"
expect_eq "a 20 MiB @include: exit 3" "$rc" 3
expect_match "... naming the included file" "$out" \
	"pb.conf:3: @include \"big.inc\": $T_DIR/big.inc: larger than 16 MiB"
collector_conf "$T_DIR/cb.conf" '{ name = "p1"; token_file = "p1.token"; }'
echo '@include "big.inc"' >>"$T_DIR/cb.conf"
run_check "v6collector, 20 MiB include" "$V6COLLECTOR" "$T_DIR/cb.conf"
expect_eq "v6collector: a 20 MiB @include: exit 3" "$rc" 3
expect_match "... naming the included file" "$out" "@include \"big.inc\": $T_DIR/big.inc: larger than 16 MiB"
# a FIFO included: refused, not waited on
mkfifo "$T_DIR/fifo.inc"
probe_conf "$T_DIR/pi.conf" p1.token '@include "fifo.inc"'
run_check "v6probe, FIFO include" "$V6PROBE" "$T_DIR/pi.conf"
expect_eq "an @include of a FIFO: exit 3" "$rc" 3
expect_match "... naming it" "$out" "pi.conf:3: @include \"fifo.inc\": $T_DIR/fifo.inc: a FIFO, not a regular file"

# One 1 MiB line: refused with file:line.
probe_conf "$T_DIR/pl.conf" p1.token
{ printf 'x = "'; head -c 1M /dev/zero | tr '\0' 'x'; printf '";\n'; } >>"$T_DIR/pl.conf"
run_check "v6probe, 1 MiB line" "$V6PROBE" "$T_DIR/pl.conf"
expect_eq "a 1 MiB line: exit 3" "$rc" 3
expect_match "... with file:line" "$out" "pl.conf:4: line longer than 64 KiB"
collector_conf "$T_DIR/cl.conf" '{ name = "p1"; token_file = "p1.token"; }'
{ printf '# '; head -c 1M /dev/zero | tr '\0' 'x'; echo; } >>"$T_DIR/cl.conf"
run_check "v6collector, 1 MiB line" "$V6COLLECTOR" "$T_DIR/cl.conf"
expect_eq "v6collector: a 1 MiB comment line: exit 3" "$rc" 3
expect_match "... with file:line" "$out" "cl.conf:4: line longer than 64 KiB"

# The shipped examples still pass.
for f in probe collector; do
	b=$V6PROBE; [ "$f" = collector ] && b=$V6COLLECTOR
	# as nobody where the examples' user v6watch does not exist (t-cli)
	if id v6watch >/dev/null 2>&1; then
		run_check "configs/$f.conf" "$b" "$V6TOP/configs/$f.conf"
	else
		out=$(timeout -k 2 "$T" setpriv --reuid=nobody --regid=nogroup \
			--clear-groups -- "$b" --check-config -c "$V6TOP/configs/$f.conf" 2>&1)
		rc=$?
	fi
	expect_eq "configs/$f.conf passes --check-config" "$rc" 0
done
finish
