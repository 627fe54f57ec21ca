#!/bin/bash
# t-check-hostile: `v6probe check` against hostile input and servers:
# malformed URLs, other schemes, zone ids, over-long names (usage errors,
# exit 3, said before any lookup), an endless body, headers that never
# end, garbage instead of TLS, a server that says
# nothing, an answer without a status line (HTTP/0.9), a 1 MB Location or
# other header line, over HTTP and over TLS. Each ends in a clear outcome
# and a message naming the real cause within the timeout, with bounded
# memory and no crash (the sanitizer build runs this too).
. "$(dirname "$0")/lib.sh"
needs_root
ns=$(netns_new hostile) || { not_ok "namespace"; finish; }
mkdir -p "/etc/netns/$ns"
echo "nameserver ::1" >"/etc/netns/$ns/resolv.conf"	# nothing answers
printf '::1 localhost\n127.0.0.1 localhost\n' >"/etc/netns/$ns/hosts"

# run LABEL ARGS...: check in the namespace; JSON in $T_DIR/LABEL.json,
# exit status in $rc, wall seconds in $secs, peak RSS (KiB) in $rss.
run() {
	local label=$1; shift
	python3 - "$T_DIR/$label" "$ns" "$V6PROBE" "$@" <<'PY'
import resource, subprocess, sys, time
out, ns, probe, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
t = time.monotonic()
with open(out + ".json", "w") as o, open(out + ".err", "w") as e:
    rc = subprocess.call(["ip", "netns", "exec", ns, probe, "check", "--json"] + args,
                         stdout=o, stderr=e)
secs = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(out + ".meta", "w").write("%d %.1f %d\n" % (rc, secs, rss))
PY
	read -r rc secs rss <"$T_DIR/$label.meta"
}
field() { python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['targets'][0]; print($2)" "$T_DIR/$1.json" 2>&1; }

# URLs that never reach the network
long=$(printf 'a%.0s' $(seq 1 300))
label63=$(printf 'b%.0s' $(seq 1 64))
# A URL the check cannot take is a usage error (exit 3) said on stderr,
# before any lookup: nothing is checked, no JSON.
while IFS='|' read -r label words url; do
	run "$label" --timeout 2 "$url"
	expect_eq "$label: exit 3" "$rc" 3
	expect_eq "$label: no JSON" "$(wc -c <"$T_DIR/$label.json")" 0
	expect_match "$label: says why" "$(cat "$T_DIR/$label.err")" "$words"
	mv "$T_DIR/$label.err" "$T_DIR/$label.usage"	# stderr is its place
done <<EOF2
malformed|is not a URL|ht!tp://x y
ftp|scheme ftp:// is not allowed|ftp://files.example/pub/
file|scheme file:// is not allowed|file:///etc/passwd
gopher|scheme gopher:// is not allowed|gopher://hole.example/
zoneid|zone ids|https://[fe80::1%25eth0]/
longname|longer than 253|https://$long.example/
longlabel|longer than 63|https://$label63.example/
EOF2
run nxresolver --timeout 1 https://www.nowhere.example/
expect_eq "no resolver: dns_error" "$(field nxresolver "t['ipv6']['outcome']")" "dns_error"
expect_match "no resolver: says so" "$(field nxresolver "t['ipv6']['error']")" "resolver"

# Servers that misbehave, on the namespace's loopback
for spec in "8001 endless" "8002 noheaders" "8003 garbage" "8004 silent"; do
	set -- $spec
	spawn "$ns" -- "$V6TOOLS/badserver" ::1 "$1" "$2"
	spawn "$ns" -- "$V6TOOLS/badserver" 127.0.0.1 "$1" "$2"
done
wait_until 5 ip netns exec "$ns" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8004' ||
	not_ok "badserver listening"

run endless --timeout 2 http://localhost:8001/
expect_eq "endless body: error" "$(field endless "t['ipv6']['outcome']")" "error"
expect_match "endless body: says the page is too large" "$(field endless "t['ipv6']['error']")" "larger than 8 MiB"
expect_match "endless body: memory bounded (< 64 MiB RSS)" "$rss" "^[0-9]{1,5}$"

run noheaders --timeout 2 http://localhost:8002/
expect_eq "headers never end: stall" "$(field noheaders "t['ipv6']['outcome'], t['ipv4']['outcome']")" "stall stall"
expect_match "headers never end: says so" "$(field noheaders "t['ipv6']['error']")" "no complete response"
expect_match "headers never end: within 3 x timeout (+1 s)" "$secs" "^[0-6]\."

run garbage --timeout 2 https://localhost:8003/
expect_eq "garbage instead of TLS: tls_error" "$(field garbage "t['ipv6']['outcome']")" "tls_error"
expect_match "garbage instead of TLS: says so" "$(field garbage "t['ipv6']['error']")" "TLS handshake failed"

run silent --timeout 2 https://localhost:8004/
expect_eq "silent server: stall in the TLS handshake" "$(field silent "t['ipv6']['outcome']")" "stall"
expect_match "silent server: within the timeout (+1 s)" "$secs" "^[0-3]\."

# Answers that must end in a clear failure: no status line (HTTP/0.9),
# one header line of 1 MB (a redirect's Location, or any header), named
# over TLS and plain HTTP alike.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost" 2>/dev/null || not_ok "test certificate"
for spec in "8005 http09" "8006 biglocation 1048576" "8007 bigheader 1048576" "8008 ok"; do
	set -- $spec
	spawn "$ns" -- "$V6TOOLS/badserver" 127.0.0.1 "$1" "$2" ${3:-}
	spawn "$ns" -- "$V6TOOLS/badserver" -t "$T_DIR/cert.pem" "$T_DIR/key.pem" \
		127.0.0.1 "$(($1 + 100))" "$2" ${3:-}
done
wait_until 5 ip netns exec "$ns" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8107' ||
	not_ok "badserver listening (TLS)"
v4() { field "$1" "t['ipv4']['outcome'] + ' | ' + t['ipv4']['error']"; }
run tls-ok -4 --no-ns --timeout 2 --cacert "$T_DIR/cert.pem" https://localhost:8108/
expect_eq "a good answer over TLS: ok" "$(field tls-ok "t['ipv4']['outcome'], t['ipv4']['http']['status']")" "ok 200"
for scheme in http https; do
	port=8005; [ "$scheme" = https ] && port=8105
	run "http09-$scheme" -4 --no-ns --timeout 2 --cacert "$T_DIR/cert.pem" "$scheme://localhost:$port/"
	expect_match "no status line ($scheme): http_error, says so" "$(v4 "http09-$scheme")" \
		"^http_error \| the server answered without an HTTP status line \(HTTP/0\.9, or not HTTP\)$"
	run "bigloc-$scheme" -4 --no-ns --timeout 2 --cacert "$T_DIR/cert.pem" "$scheme://localhost:$((port + 1))/"
	got=$(v4 "bigloc-$scheme")
	expect_match "1 MB Location ($scheme): http_error, header too large" "$got" \
		"^http_error \| response header too large: "
	if grep -q "out of memory" <<<"$got"; then not_ok "1 MB Location ($scheme): not 'out of memory'"; fi
	expect_match "1 MB Location ($scheme): memory bounded (< 64 MiB RSS)" "$rss" "^[0-9]{1,5}$"
	run "bighdr-$scheme" -4 --no-ns --timeout 2 --cacert "$T_DIR/cert.pem" "$scheme://localhost:$((port + 2))/"
	expect_match "1 MB header line ($scheme): http_error, header too large" "$(v4 "bighdr-$scheme")" \
		"^http_error \| response header too large: "
done
expect_match "1 MB Location over TLS: names the header" "$(v4 bigloc-https)" \
	"the Location header is longer than 102400 bytes"
expect_match "1 MB header line over TLS: names the header" "$(v4 bighdr-https)" \
	"the X-Padding header is longer than 102400 bytes"
expect_match "1 MB header line over HTTP: names the header" "$(v4 bighdr-http)" \
	"the X-Padding header is longer than 102400 bytes"
expect_match "1 MB Location over HTTP: names the header" "$(v4 bigloc-http)" \
	"the Location header is longer than 102400 bytes"

for f in "$T_DIR"/*.err; do
	if [ -s "$f" ]; then not_ok "$(basename "$f" .err): stderr empty"; sed 's/^/#   /' "$f"; fi
done

# On a terminal: colour, and a progress line for more than 20 targets;
# NO_COLOR and pipes get plain text. (script(1) gives a pseudo-terminal.)
for i in $(seq 1 25); do echo "http://127.0.0.1:9/?$i"; done >"$T_DIR/25.txt"
script -qec "ip netns exec $ns $V6PROBE check -4 --no-ns -f $T_DIR/25.txt" \
	"$T_DIR/tty.out" >/dev/null 2>&1
expect_match "terminal: a progress line" "$(cat "$T_DIR/tty.out")" "checked [0-9]+ of 25 targets"
expect_match "terminal: colour" "$(cat "$T_DIR/tty.out")" $'\033\\[3[12]m'
script -qec "NO_COLOR=1 ip netns exec $ns $V6PROBE check -4 --no-ns http://127.0.0.1:9/" \
	"$T_DIR/nocolor.out" >/dev/null 2>&1
if grep -q $'\033\[3' "$T_DIR/nocolor.out"; then not_ok "NO_COLOR: no colour"; else ok "NO_COLOR: no colour"; fi

# Usage errors: exit 3 with a message
expect_status "no URL: exit 3" 3 "$V6PROBE" check
expect_status "bad --timeout: exit 3" 3 "$V6PROBE" check --timeout abc https://x.example/
expect_status "bad --resolve: exit 3" 3 "$V6PROBE" check --resolve x.example:99999:1.2.3.4 https://x.example/
expect_status "missing -f file: exit 3" 3 "$V6PROBE" check -f "$T_DIR/nope"
head -c 5000 /dev/urandom >"$T_DIR/random.txt"
expect_status "binary -f file: exit 3" 3 "$V6PROBE" check -f "$T_DIR/random.txt"
printf 'https://a.example/\nhttps://b.example/ extra\n' >"$T_DIR/spaces.txt"
out=$("$V6PROBE" check -f "$T_DIR/spaces.txt" 2>&1)
expect_match "-f: names the line at fault" "$out" "spaces.txt:2: one URL per line"
out=$("$V6PROBE" check --help); rc=$?
expect_eq "--help exits 0" "$rc" 0
expect_match "--help has examples" "$out" "Examples:"
finish
