#!/bin/bash
# t-cli: both binaries answer --help and --version, and --check-config
# accepts the shipped examples and rejects broken files with FILE:LINE and
# exit status 3. `v6probe check` takes its options anywhere, and refuses
# with status 3 an argument that is not a URL, before any lookup.
. "$(dirname "$0")/lib.sh"

# jget JSON EXPR: a Python expression over the document's first target t
jget() {
	python3 -c 'import json,sys; t=json.loads(sys.argv[1])["targets"][0]; v=eval(sys.argv[2]); print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' \
		"$1" "$2" 2>&1
}

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

# v6probe check: a port nothing listens on, so each check ends at once
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
U="http://127.0.0.1:$dead/"
out=$("$V6PROBE" check "$U" --no-ns -4 --json --timeout 2 2>"$T_DIR/err"); rc=$?
expect_eq "check URL --json: the option counts, the URL is checked" \
	"$(jget "$out" "t['url'], t['ipv4']['outcome']")" "$U refused"
expect_eq "check URL --json: exit 2 (not ready)" "$rc" 2
out=$(POSIXLY_CORRECT=1 "$V6PROBE" check "$U" --json -4 --no-ns 2>&1)
expect_eq "options after the URL with POSIXLY_CORRECT set too" \
	"$(jget "$out" "t['url']")" "$U"
out=$("$V6PROBE" check --json -4 --no-ns -- "$U" 2>&1)
expect_eq "-- ends the options" "$(jget "$out" "t['url']")" "$U"
out=$("$V6PROBE" check -4 --no-ns --json -- -x 2>&1); rc=$?
expect_eq "after --, '-x' is an argument: not a URL, exit 3" "$rc" 3
expect_match "... says so" "$out" "^v6probe check: '-x' is not a URL or host name"
for bad in "ftp://x/" "https://--json/" "a b.example" "a..example" \
	"portal.example/x" "http://a!b.example/" "https://user:pw@a.example/"; do
	out=$("$V6PROBE" check --no-ns -4 "$bad" 2>&1); rc=$?
	expect_eq "'$bad': usage error, exit 3 (no check)" "$rc" 3
	expect_match "'$bad': one line that names it" "$out" "^v6probe check: .*$(sed 's/[][\.*^$!?]/\\&/g' <<<"${bad%%/x}")"
done
out=$("$V6PROBE" check --json --bogus "$U" 2>&1); rc=$?
expect_eq "an unknown option after the URL: exit 3" "$rc" 3
expect_match "... named" "$out" "unknown option --bogus"
out=$("$V6PROBE" check "$U" --timeout 2>&1); rc=$?
expect_eq "an option without its value: exit 3" "$rc" 3
expect_match "... named" "$out" "--timeout needs a value"
out=$("$V6PROBE" check --no-ns "$U" --nagios "ftp://x/" 2>/dev/null); rc=$?
expect_eq "--nagios and a bad URL: exit 3" "$rc" 3
expect_eq "... with the plugin line UNKNOWN on stdout" "$out" \
	"V6WATCH UNKNOWN - ftp://x/: scheme ftp:// is not allowed (only http:// and https://)"
finish
