#!/bin/bash
# t-check-loopback: `v6probe check` end to end on this machine's loopback,
# with no root and no network namespace, so that every developer exercises
# the check engine (DNS override, connect, TLS, request, response, verdict):
# a small Python server answers on 127.0.0.1 and ::1 (one random high port,
# plain and TLS), and each verdict is asserted: ok with the body counted
# and hashed exactly (Content-Length, chunked, close-delimited), a redirect
# followed, http_error with the status, cert_untrusted, cert_name_mismatch,
# refused, and a stall when the answer never comes. Loopback targets need
# nothing special: a URL may name 127.0.0.1 or [::1], and --resolve maps a
# name (here localhost, the certificate's) to them.
. "$(dirname "$0")/lib.sh"

cat >"$T_DIR/srv.py" <<'PY'
import http.server, random, socket, ssl, sys, threading, time
out, certs = sys.argv[1], sys.argv[2:]
BODY = b"hello loopback\n" * 100

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, code, body, extra=()):
        self.send_response(code)
        for k, v in extra: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        p = self.path
        if p == "/ok": self.send(200, BODY)
        elif p == "/gone": self.send(404, b"not here\n")
        elif p == "/redirect": self.send(302, b"", [("Location", "/ok")])
        elif p == "/chunked":
            self.send_response(200); self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(BODY), 700):
                c = BODY[i:i + 700]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            self.wfile.write(b"0\r\n\r\n")
        elif p == "/close":  # no length: the body ends with the connection
            self.wfile.write(b"HTTP/1.0 200 OK\r\n\r\n" + BODY)
            self.close_connection = True
        elif p == "/slow":
            time.sleep(30)
        else: self.send(400, b"?\n")

class S4(http.server.ThreadingHTTPServer):
    daemon_threads = True
class S6(S4):
    address_family = socket.AF_INET6

def serve(cls, addr, port, tls):
    s = cls((addr, port), H, bind_and_activate=False)
    s.allow_reuse_address = False
    s.server_bind(); s.server_activate()
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*certs)
        s.socket = ctx.wrap_socket(s.socket, server_side=True)
    return s

# one random high port free on both families, for plain and for TLS
servers = []
for tls in (0, 1):
    for _ in range(200):
        port = random.randint(18000, 60000)
        pair = []
        try:
            pair.append(serve(S4, "127.0.0.1", port, tls))
            pair.append(serve(S6, "::1", port, tls))
            break
        except OSError:
            for s in pair: s.server_close()
    else:
        sys.exit("no free port")
    servers += [(port, s) for s in pair]
# a port nothing listens on: bound then closed, on both families
r = socket.socket(); r.bind(("127.0.0.1", 0)); dead = r.getsockname()[1]; r.close()
for _, s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
open(out + ".tmp", "w").write("%d %d %d\n" % (servers[0][0], servers[2][0], dead))
import os; os.rename(out + ".tmp", out)
threading.Event().wait()
PY

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" -days 365 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost" 2>/dev/null || not_ok "test certificate"
spawn -- python3 "$T_DIR/srv.py" "$T_DIR/ports" "$T_DIR/cert.pem" "$T_DIR/key.pem"
wait_until 10 test -s "$T_DIR/ports" || { not_ok "server started"; finish; }
read -r P T DEAD <"$T_DIR/ports"
ok "server on 127.0.0.1 and ::1, port $P (plain) and $T (TLS), as uid $(id -u)"

# run LABEL ARGS...: JSON in $T_DIR/LABEL.json, exit status in $rc
run() {
	local label=$1; shift
	"$V6PROBE" check --json --no-ns "$@" >"$T_DIR/$label.json" 2>"$T_DIR/$label.err"
	rc=$?
}
# get LABEL FAMILY EXPR: a Python expression over the family's record r
get() {
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["targets"][0][sys.argv[2]]; v=eval(sys.argv[3]); print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' \
		"$T_DIR/$1.json" "$2" "$3" 2>&1
}
sha=$(python3 -c 'import hashlib; print(hashlib.sha256(b"hello loopback\n" * 100).hexdigest())')
R="--resolve localhost:$T:127.0.0.1,::1"

run plain --timeout 5 "http://127.0.0.1:$P/ok"
expect_eq "http IPv4 literal: ok 200, every byte counted and hashed" \
	"$(get plain ipv4 "r['outcome'], r['http']['status'], r['http']['bytes'], r['http']['sha256']")" "ok 200 1500 $sha"
expect_eq "http IPv4 literal: the IPv6 leg says no_address" "$(get plain ipv6 "r['outcome']")" "no_address"
run plain6 --timeout 5 -6 "http://[::1]:$P/ok"
expect_eq "http IPv6 literal: ok 200" "$(get plain6 ipv6 "r['outcome'], r['http']['status'], r['http']['bytes']")" "ok 200 1500"
expect_eq "http IPv6 literal: exit 0" "$rc" 0

for body in chunked close; do
	run "$body" --timeout 5 -4 "http://127.0.0.1:$P/$body"
	expect_eq "$body body: ok, counted and hashed as sent" \
		"$(get "$body" ipv4 "r['outcome'], r['http']['bytes'], r['http']['sha256']")" "ok 1500 $sha"
done

run tls --timeout 5 $R --cacert "$T_DIR/cert.pem" "https://localhost:$T/ok"
expect_eq "https both families: ok 200, TLS version, certificate" \
	"$(get tls ipv6 "r['outcome'], r['http']['status'], r['http']['sha256'], r['tls']['version'][:4], r['tls']['cert_days_left'] >= 360")" \
	"ok 200 $sha TLSv True"
expect_eq "https IPv4 too" "$(get tls ipv4 "r['outcome'], r['http']['bytes']")" "ok 1500"
expect_eq "https both families: exit 0" "$rc" 0

run redirect --timeout 5 $R --cacert "$T_DIR/cert.pem" "https://localhost:$T/redirect"
expect_eq "redirect: followed to the page" \
	"$(get redirect ipv6 "r['outcome'], r['http']['status'], r['http']['effective_url']")" \
	"ok 200 https://localhost:$T/ok"

run gone --timeout 5 -4 "http://127.0.0.1:$P/gone"
expect_eq "404: http_error with the status" "$(get gone ipv4 "r['outcome'], r['http']['status']")" "http_error 404"
expect_match "404: says so" "$(get gone ipv4 "r['error']")" "^HTTP 404 from http://127.0.0.1:$P/gone$"
expect_eq "404: exit 2" "$rc" 2

run untrusted --timeout 5 $R "https://localhost:$T/ok"
expect_eq "no --cacert: cert_untrusted" "$(get untrusted ipv4 "r['outcome'], r['error']")" \
	"cert_untrusted self-signed certificate"
run mismatch --timeout 5 --resolve "other.lab.example:$T:127.0.0.1" --cacert "$T_DIR/cert.pem" -4 \
	"https://other.lab.example:$T/ok"
expect_eq "wrong name: cert_name_mismatch" "$(get mismatch ipv4 "r['outcome']")" "cert_name_mismatch"

run refused --timeout 5 -4 "http://127.0.0.1:$DEAD/"
expect_eq "nothing listens: refused" "$(get refused ipv4 "r['outcome']")" "refused"
expect_match "nothing listens: says so" "$(get refused ipv4 "r['error']")" "connection refused"

run slow --timeout 1 -4 "http://127.0.0.1:$P/slow"
expect_eq "no answer: stall" "$(get slow ipv4 "r['outcome']")" "stall"
expect_match "no answer: says so" "$(get slow ipv4 "r['error']")" "no complete response"
run slowtls --timeout 1 -4 --cacert "$T_DIR/cert.pem" --resolve "localhost:$T:127.0.0.1" "https://localhost:$T/slow"
expect_match "no answer over TLS: stall, TLS worked" "$(get slowtls ipv4 "r['outcome'] + ' ' + r['error']")" \
	"^stall .*TCP and TLS worked"

for f in "$T_DIR"/*.err; do
	if [ -s "$f" ]; then not_ok "$(basename "$f" .err): stderr empty"; sed 's/^/#   /' "$f"; fi
done
finish
