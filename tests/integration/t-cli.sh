#!/bin/bash
# t-cli: both binaries answer --help and --version, and --check-config
# accepts the shipped examples and rejects broken files with FILE:LINE and
# exit status 3.
. "$(dirname "$0")/lib.sh"

for b in "$V6PROBE" "$V6COLLECTOR"; do
	n=$(basename "$b")
	out=$("$b" --help); rc=$?
	expect_eq "$n --help exits 0" "$rc" 0
	expect_match "$n --help shows usage" "$out" "^usage: $n"
	expect_match "$n --version" "$("$b" --version)" "^$n [0-9]+\.[0-9]+\.[0-9]+$"
	expect_status "$n with a bad option exits 3" 3 "$b" --no-such-option
done

# As root, the examples' user v6watch must exist (the packages make it); a
# machine without it checks them as nobody, where the user is not needed.
as=(); id v6watch >/dev/null 2>&1 || as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
out=$("${as[@]}" "$V6PROBE" --check-config -c "$V6TOP/configs/probe.conf"); rc=$?
expect_eq "v6probe accepts configs/probe.conf" "$rc" 0
expect_match "v6probe says configuration OK" "$out" "^configuration OK"
out=$("${as[@]}" "$V6COLLECTOR" --check-config -c "$V6TOP/configs/collector.conf"); rc=$?
expect_eq "v6collector accepts configs/collector.conf" "$rc" 0
expect_match "v6collector says configuration OK" "$out" "^configuration OK"

bad=$V6TOP/tests/data/config/bad
out=$("$V6PROBE" --check-config -c "$bad/probe-range.conf" 2>&1); rc=$?
expect_eq "v6probe rejects a broken file with exit 3" "$rc" 3
expect_match "every problem is named with file:line" "$out" \
	"probe-range.conf:4: probe.interval: 0 is out of range"
expect_match "... the second problem too" "$out" \
	"probe-range.conf:5: probe.concurrency: 0 is out of range"
out=$("$V6COLLECTOR" --check-config -c "$bad/collector-values.conf" 2>&1); rc=$?
expect_eq "v6collector rejects a broken file with exit 3" "$rc" 3
expect_match "v6collector names file:line" "$out" \
	"collector-values.conf:9: webhooks\[0\].format"
out=$("$V6PROBE" --check-config -c "$T_DIR/missing.conf" 2>&1); rc=$?
expect_eq "a missing file is a config error" "$rc" 3
expect_match "... that says what is wrong" "$out" "missing.conf: .*No such file"
head -c 100000 /dev/urandom >"$T_DIR/random.conf"
expect_status "random bytes as a config: exit 3, no crash" 3 \
	"$V6PROBE" --check-config -c "$T_DIR/random.conf"
# make install puts binaries, units (with the prefix's paths) and examples
if make -s -C "$V6TOP" install DESTDIR="$T_DIR/inst" PREFIX=/opt/v6w >"$T_DIR/install.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=..."
	for f in bin/v6probe bin/v6collector lib/systemd/system/v6probe.service \
		lib/sysusers.d/v6watch.conf share/v6watch/examples/probe.conf \
		share/doc/v6watch/DESIGN.md; do
		[ -e "$T_DIR/inst/opt/v6w/$f" ] || not_ok "installed $f"
	done
	expect_match "units name the installed binaries" \
		"$(grep ExecStart= "$T_DIR/inst/opt/v6w/lib/systemd/system/v6probe.service")" \
		"^ExecStart=/opt/v6w/bin/v6probe run"
else
	not_ok "make install"; sed 's/^/#   /' "$T_DIR/install.log" | tail -5
fi
finish
