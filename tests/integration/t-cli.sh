#!/bin/bash
# t-cli: both binaries answer --help and --version, and --check-config
# accepts the shipped examples and rejects broken files with FILE:LINE and
# exit status 3. `v6probe check` takes its options anywhere, and refuses
# with status 3 an argument that is not a URL, before any lookup; reads
# URLs from a file or standard input (errors name FILE:LINE); checks
# internationalised names by their A-labels (a local server sees them in
# Host) and shows them in Unicode.
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
out=$("$V6PROBE" check --json "$U" --nagios 2>&1); rc=$?
expect_eq "--json with --nagios: exit 3" "$rc" 3
expect_match "... says to choose" "$out" "--json and --nagios do not go together"

# a local server that writes down the Host header of each request
cat >"$T_DIR/host.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        open(sys.argv[1] + ".hosts", "a").write(self.headers["Host"] + "\n")
        self.send_response(200); self.send_header("Content-Length", "3")
        self.end_headers(); self.wfile.write(b"ok\n")
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.server_address[1])
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
spawn -- python3 "$T_DIR/host.py" "$T_DIR/port"
wait_until 10 test -s "$T_DIR/port" || not_ok "local server started"
read -r P <"$T_DIR/port"
L="http://127.0.0.1:$P"

# -f FILE and -f -: one per line, comments, blank lines, CRLF
printf '# targets\n%s/a  # first\n\n   %s/b\r\n' "$L" "$L" >"$T_DIR/list"
out=$("$V6PROBE" check -4 --no-ns --json -f "$T_DIR/list" 2>&1); rc=$?
expect_eq "-f FILE: both URLs checked, in order" \
	"$(python3 -c 'import json,sys; print(" ".join(t["url"] + "=" + t["ipv4"]["outcome"] for t in json.loads(sys.argv[1])["targets"]))' "$out" 2>&1)" \
	"$L/a=ok $L/b=ok"
expect_eq "-f FILE: exit 0" "$rc" 0
out=$(printf '%s/c\n# done\n' "$L" | "$V6PROBE" check -4 --no-ns -f - --json 2>&1); rc=$?
expect_eq "-f -: URLs from standard input" "$(jget "$out" "t['url'], t['ipv4']['outcome']")" "$L/c ok"
expect_eq "-f -: exit 0" "$rc" 0
out=$("$V6PROBE" check -4 --no-ns --json -f <(echo "$L/d") 2>&1)
expect_eq "-f <(command): a pipe is read too" "$(jget "$out" "t['url']")" "$L/d"
printf '%s/a\n\nftp://x/\n' "$L" >"$T_DIR/bad1"
out=$("$V6PROBE" check -4 --no-ns -f "$T_DIR/bad1" 2>&1); rc=$?
expect_eq "-f FILE with a bad URL: exit 3, nothing checked" "$rc:$(grep -c . <<<"$out")" "3:1"
expect_match "... named FILE:LINE" "$out" "^v6probe check: $T_DIR/bad1:3: ftp://x/: scheme ftp://"
out=$(printf 'a.example\nb .example\n' | "$V6PROBE" check -f - 2>&1); rc=$?
expect_eq "-f - with spaces in a line: exit 3" "$rc" 3
expect_match "... named stdin:LINE" "$out" "^v6probe check: stdin:2: one URL per line"
out=$(python3 -c 'print("a.example/" + "x" * 5000)' | "$V6PROBE" check -f - 2>&1); rc=$?
expect_eq "a line longer than 4096 bytes: exit 3" "$rc" 3
expect_match "... said" "$out" "stdin:1: line longer than 4096 bytes"
out=$(printf 'a.example\n\0\n' | "$V6PROBE" check -f - 2>&1); rc=$?
expect_eq "a NUL byte: exit 3, named" "$rc $out" "3 v6probe check: stdin:2: a NUL byte: not a text file"
out=$("$V6PROBE" check -f "$T_DIR/none" 2>&1); rc=$?
expect_eq "-f a missing file: exit 3" "$rc" 3
expect_match "... named" "$out" "-f $T_DIR/none: No such file"

# an internationalised name: checked as A-labels, shown in Unicode too
IDN="cổng.tinh.example"
ACE="xn--cng-qmz.tinh.example"
: >"$T_DIR/port.hosts"
out=$("$V6PROBE" check -4 --no-ns --json --resolve "$IDN:$P:127.0.0.1" "http://$IDN:$P/" 2>&1); rc=$?
expect_eq "IDN: checked, ok" "$(jget "$out" "t['ipv4']['outcome']")" "ok"
expect_eq "IDN: JSON url holds the A-labels, url_unicode the name" \
	"$(jget "$out" "t['url'], t['url_unicode'], t['ipv4']['url']")" \
	"http://$ACE:$P/ http://$IDN:$P/ http://$ACE:$P/"
expect_eq "IDN: the server saw the A-labels in Host" "$(cat "$T_DIR/port.hosts")" "$ACE:$P"
expect_eq "IDN: exit 0" "$rc" 0
out=$("$V6PROBE" check -4 --no-ns --resolve "$ACE:$P:127.0.0.1" "http://$IDN:$P/" 2>&1)
expect_match "IDN: the table shows both forms" "$out" "^http://$IDN:$P/ \($ACE\)  READY"
out=$("$V6PROBE" check -4 --no-ns --nagios --resolve "$IDN:$P:127.0.0.1" "http://$ACE:$P/" 2>&1)
expect_match "IDN given as A-labels: the plugin line shows both forms" "$out" \
	"^V6WATCH OK - http://$IDN:$P/ \($ACE\) is ready for IPv6 \|"
out=$("$V6PROBE" check "http://a☃b.example/" 2>&1); rc=$?
expect_eq "a name IDNA2008 refuses: exit 3" "$rc" 3
expect_match "... says why" "$out" "not a valid internationalised name \(IDNA2008\)"
finish
