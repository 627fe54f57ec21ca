#!/bin/bash
# t-probe-fetch: a real v6probe takes its targets from a real v6collector's
# list (collector.targets_file, GET /api/v1/targets), in a namespace of
# its own. The probe checks the list's targets for it (not another
# probe's) and its local ones, a local name winning over the same id of
# the list (a warning names it); the collector keeps their records with
# their titles (the probe's ledger). An unchanged list costs a 304 (the
# probe's debug line). The list edited, the collector and then the probe
# sent SIGHUP: the target added is checked, the one removed no longer is.
# A collector answering what cannot be taken (over 64 MiB, announced or
# not, not JSON, version 2, another probe's list, 401, 404): refused with
# the reason, said once, the list and its cache kept.
# The collector stopped and the probe restarted: the probe checks the
# last good list at once from its cache, says the failure once, and takes
# a 304 when the collector is back. A damaged cache is set aside, the
# local targets checked alone until the collector answers.
. "$(dirname "$0")/lib.sh"
needs_root
chmod 755 "$T_DIR"
ns=$(netns_new pf) || { not_ok "namespace"; finish; }
port=$((18000 + RANDOM % 2000))
wport=$((port + 2000))
for p in p1 p2; do
	echo "tok-$p-$RANDOM$RANDOM" >"$T_DIR/$p.token"
	chmod 600 "$T_DIR/$p.token"
	chown nobody "$T_DIR/$p.token"
done
mkdir -p "$T_DIR/data" "$T_DIR/www"
for f in a b c d portal list-portal; do echo "page $f" >"$T_DIR/www/$f"; done

# the central list: svc-c is p2's alone; portal is also a local target
# targets_csv [with svc-b] [with svc-d]
targets_csv() {
	{
		echo "id,title,url,group,probes"
		echo "svc-a,Cổng dịch vụ công – Sở Y tế,http://[::1]:$wport/a,Sở Y tế,"
		[ "$1" = b ] && echo "svc-b,Thuế điện tử,http://[::1]:$wport/b,Sở Tài chính,"
		echo "svc-c,Only for p2,http://[::1]:$wport/c,,p2"
		echo "portal,Portal of the list,http://[::1]:$wport/list-portal,,"
		[ "$2" = d ] && echo "svc-d,Đăng ký kinh doanh,http://[::1]:$wport/d,Sở Kế hoạch,"
	} >"$T_DIR/targets.csv"
	chmod 644 "$T_DIR/targets.csv"
}
targets_csv b -
cat >"$T_DIR/c.conf" <<CONF
collector = { name = "t"; listen = "[::1]:$port"; data_dir = "$T_DIR/data";
              user = "nobody"; step = 2; publish_interval = 0;
              targets_file = "targets.csv"; };
probes = ( { name = "p1"; token_file = "p1.token"; },
           { name = "p2"; token_file = "p2.token"; } );
CONF
cat >"$T_DIR/p.conf" <<CONF
probe = { name = "p1"; interval = 1; timeout = 2; spool_dir = "$T_DIR/spool";
          user = "nobody"; };
collector = { url = "http://[::1]:$port/api/v1/results"; token_file = "p1.token";
              targets_refresh = 3600; };
targets = ( { name = "portal"; url = "http://[::1]:$wport/portal";
              title = "Cổng thông tin (local)"; },
            { name = "local-only"; url = "http://[::1]:$wport/a"; } );
CONF

status() { ip netns exec "$ns" curl -sf -g --max-time 5 "http://[::1]:$port/api/v1/status"; }
# series FIELD: "name=value" of every series in p1's ledger, sorted
series() {
	python3 - "$T_DIR/data/state/p1.json" "$1" <<'PY' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
print("\n".join(sorted({"%s=%s" % (s["name"], s.get(sys.argv[2], ""))
                        for s in d.get("series", []) if "family" in s})))
PY
}
has_series() { series title | grep -q "^$1="; }
# after LOG LINE PATTERN: lines of LOG past line LINE matching PATTERN
after() { tail -n +"$(($2 + 1))" "$1" 2>/dev/null | grep -c -- "$3"; }
# seen N LOG LINE PATTERN: at least N such lines (for wait_until, which
# runs it again and again)
seen() { [ "$(after "$2" "$3" "$4")" -ge "$1" ]; }

out=$("$V6PROBE" --check-config -c "$T_DIR/p.conf" 2>/dev/null)
expect_match "--check-config: local targets and the list's URL" "$out" \
	"^configuration OK: 2 local targets; more from the collector's list, fetched from http://\[::1\]:$port/api/v1/targets every 3600 s$"

spawn "$ns" -- python3 -m http.server -b ::1 -d "$T_DIR/www" "$wport"
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
CPID=$SPAWNED
CLOG=$SPAWNED_LOG
wait_until 10 status || { not_ok "collector answers"; finish; }
wait_until 10 ip netns exec "$ns" curl -sf -g -o /dev/null "http://[::1]:$wport/a" ||
	{ not_ok "web server answers"; finish; }

# The probe checks the list's targets and its own; titles reach the ledger.
# -v -v: a line for every request a check makes
spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v -v
PPID_=$SPAWNED
PLOG=$SPAWNED_LOG
all_in() { has_series svc-a && has_series svc-b && has_series portal && has_series local-only; }
wait_until 30 all_in
titles=$(series title)
expect_match "the list's target is stored with its title" "$titles" "^svc-a=Cổng dịch vụ công – Sở Y tế$"
expect_match "... every one of them" "$titles" "^svc-b=Thuế điện tử$"
expect_match "the local target is stored with its title" "$titles" "^portal=Cổng thông tin \(local\)$"
expect_match "a local target without a title: none" "$titles" "^local-only=$"
expect_eq "another probe's target is not checked" "$(series title | grep -c '^svc-c=')" 0
expect_match "a local name wins over the list's id" "$(series url)" "^portal=http://\[::1\]:$wport/portal$"
expect_match "... with a warning naming it" "$(cat "$PLOG")" \
	"warning: targets: 'portal' of the collector's list is a local target too"
expect_match "the probe says where its targets come from" "$(cat "$PLOG")" \
	"targets: 4 checked: 2 local, 2 from the collector's list"
check "the last good list is kept in the spool folder" test -s "$T_DIR/spool/targets.cache"
expect_eq "... owned by the daemon's user" "$(stat -c %U "$T_DIR/spool/targets.cache")" nobody
if grep -q "$(cat "$T_DIR/p1.token")" "$PLOG" "$CLOG"; then
	not_ok "the token is never logged"
else
	ok "the token is never logged"
fi

# An unchanged list: 304.
mark=$(wc -l <"$PLOG")
kill -HUP "$PPID_"
wait_until 10 seen 1 "$PLOG" "$mark" "304 not modified"
expect_match "SIGHUP, the list unchanged: the collector answers 304" \
	"$(grep "304 not modified" "$PLOG" | tail -1)" \
	"debug: targets from http://\[::1\]:$port/api/v1/targets: 304 not modified: the list of 3 targets stays"

# The list edited: svc-b out, svc-d in; the collector reloads, then the probe.
targets_csv - d
kill -HUP "$CPID"
wait_until 10 seen 1 "$CLOG" 0 "info: reload: "
mark=$(wc -l <"$PLOG")
kill -HUP "$PPID_"
wait_until 10 seen 1 "$PLOG" "$mark" "(a new list)"
expect_match "list edited, collector and probe reloaded: the probe takes the new list" \
	"$(tail -n +"$((mark + 1))" "$PLOG")" "info: targets: 3 from http://\[::1\]:$port/api/v1/targets \(a new list\)"
# svc-d checked a few times; from its first check on, svc-b never again
wait_until 20 seen 3 "$PLOG" "$mark" "check svc-d ipv6: > GET"
first_d=$(tail -n +"$((mark + 1))" "$PLOG" | grep -n -m1 "check svc-d ipv6: > GET" | cut -d: -f1)
expect_match "the target added is checked" "$(after "$PLOG" "$mark" "check svc-d ipv6: > GET")" "^[3-9]|[0-9]{2,}$"
expect_eq "the target removed is no longer checked" \
	"$(after "$PLOG" "$((mark + first_d))" "check svc-b ")" 0
expect_match "... while the others go on" "$(after "$PLOG" "$((mark + first_d))" "check svc-a ipv6: > GET")" "^[1-9]"
wait_until 20 has_series svc-d
expect_match "the new target's records carry its title" "$(series title)" "^svc-d=Đăng ký kinh doanh$"

# A hostile collector (a stub at targets_url): each answer refused keeps
# the list and the cache, said once (again at SIGHUP: a debug line).
sport=$((port + 1))
cat >"$T_DIR/stub.py" <<'PY'
import http.server, json, socket, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self, code, body):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        mode = self.path.strip("/")
        doc = lambda **kw: json.dumps(dict(
            {"version": 1, "probe": "p1", "targets": []}, **kw)).encode()
        try:
            if mode == "big-length":    # announced: refused before reading
                self.send_response(200)
                self.send_header("Content-Length", str(70 << 20))
                self.end_headers()
                self.wfile.write(b" " * 4096)
            elif mode == "big-chunked": # not announced: cut at 64 MiB
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b" " * (1 << 20)
                for _ in range(66):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            elif mode == "html":
                self.answer(200, b"<html>502 Bad Gateway</html>")
            elif mode == "version":
                self.answer(200, doc(version=2))
            elif mode == "other":
                self.answer(200, doc(probe="p2"))
            elif mode == "token":
                self.answer(401, b"")
            else:
                self.answer(404, b"")
        except (BrokenPipeError, ConnectionResetError):
            pass
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
S(("::1", int(sys.argv[1])), H).serve_forever()
PY
spawn "$ns" -- python3 "$T_DIR/stub.py" "$sport"
wait_until 10 ip netns exec "$ns" curl -s -g -o /dev/null "http://[::1]:$sport/html"
cp "$T_DIR/p.conf" "$T_DIR/p.base"
cache=$(sha256sum <"$T_DIR/spool/targets.cache")
while IFS='|' read -r mode want; do
	url="http://\[::1\]:$sport/$mode"
	sed "s|targets_refresh = 3600;|targets_refresh = 3600; targets_url = \"http://[::1]:$sport/$mode\";|" \
		"$T_DIR/p.base" >"$T_DIR/p.conf"
	mark=$(wc -l <"$PLOG")
	kill -HUP "$PPID_"
	wait_until 20 seen 1 "$PLOG" "$mark" "warning: targets from $url: "
	kill -HUP "$PPID_"
	wait_until 20 seen 1 "$PLOG" "$mark" "targets from $url: .*(again)"
	expect_match "$mode: refused, the list stays" \
		"$(tail -n +"$((mark + 1))" "$PLOG" | grep "warning: targets from $url: ")" \
		"^warning: targets from $url: $want; the last good list \(3 targets\) stays, tried again later$"
	expect_eq "... said once" "$(after "$PLOG" "$mark" "warning: targets from $url: ")" 1
done <<'MODES'
big-length|the answer is larger than 64 MiB
big-chunked|the answer is larger than 64 MiB
html|the list is refused: not JSON: invalid JSON at offset 0
version|the list is refused: "version" is 2, not 1: a list this probe cannot read \(a newer collector\?\)
other|the list is refused: the list of probe 'p2', not of this probe \('p1'\)
token|HTTP 401: the collector refused this probe's token \(is p1 in its probes list, with the same token\?\)
missing|HTTP 404: the collector has no target list there .*
MODES
expect_eq "... and the cache is the last good list still" "$(sha256sum <"$T_DIR/spool/targets.cache")" "$cache"
mark=$(wc -l <"$PLOG")
wait_until 10 seen 2 "$PLOG" "$mark" "check svc-d ipv6: > GET"
expect_match "... while its targets are checked" "$(after "$PLOG" "$mark" "check svc-d ipv6: > GET")" "^[2-9]|[0-9]{2,}$"
cp "$T_DIR/p.base" "$T_DIR/p.conf"
kill -HUP "$PPID_"
wait_until 10 seen 1 "$PLOG" "$mark" "304 not modified"
expect_match "back to the collector: 304" "$(after "$PLOG" "$mark" "304 not modified")" "^1$"

# The collector stopped, the probe restarted: the last good list at once.
stop_pid "$CPID"
stop_pid "$PPID_"
spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v -v
PPID_=$SPAWNED
PLOG=$SPAWNED_LOG
wait_until 20 seen 2 "$PLOG" 0 "check svc-d ipv6: > GET"
expect_match "collector down, probe restarted: it takes the cached list" "$(cat "$PLOG")" \
	"info: targets: 3 from the last good list \($T_DIR/spool/targets.cache\), until http://\[::1\]:$port/api/v1/targets answers"
expect_match "... and checks it at once" "$(grep -c "check svc-d ipv6: > GET" "$PLOG")" "^[2-9]|[0-9]{2,}$"
expect_eq "... not the target removed before" "$(grep -c "check svc-b " "$PLOG")" 0
wait_until 10 grep -q "targets from http://\[::1\]:$port/api/v1/targets: .*the last good list (3 targets) stays" "$PLOG"
kill -HUP "$PPID_"
wait_until 10 seen 1 "$PLOG" 0 "SIGHUP"
kill -HUP "$PPID_"
wait_until 10 seen 2 "$PLOG" 0 "(again)"
expect_match "... tried again at every SIGHUP" "$(after "$PLOG" 0 "(again)")" "^[2-9]"
expect_eq "... the failure said once, not at every attempt" \
	"$(grep -c "warning: targets from http://\[::1\]:$port/api/v1/targets:" "$PLOG")" 1
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
CPID=$SPAWNED
CLOG=$SPAWNED_LOG
wait_until 10 status || not_ok "collector answers again"
mark=$(wc -l <"$PLOG")
kill -HUP "$PPID_"
wait_until 10 seen 1 "$PLOG" "$mark" "304 not modified"
expect_match "collector back: the cached list's ETag gets a 304" \
	"$(tail -n +"$((mark + 1))" "$PLOG" | grep "targets from")" \
	"info: targets from http://\[::1\]:$port/api/v1/targets: the collector answers again"
expect_match "... and the list stays" "$(after "$PLOG" "$mark" "304 not modified: the list of 3 targets stays")" "^1$"

# A damaged cache: set aside, the local targets alone until the collector answers.
stop_pid "$CPID"
stop_pid "$PPID_"
printf 'x' >>"$T_DIR/spool/targets.cache"
spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v -v
PPID_=$SPAWNED
PLOG=$SPAWNED_LOG
wait_until 10 seen 2 "$PLOG" 0 "check portal ipv6: > GET"
expect_match "a damaged cache is set aside, said why" "$(cat "$PLOG")" \
	"warning: targets: the last good list cannot be used: $T_DIR/spool/targets.cache: damaged: the list's SHA-256 is not the one its first line records; set aside as $T_DIR/spool/targets.cache.bad-[0-9]+; until the collector answers, only the local targets are checked"
check "... kept beside the spool" sh -c "ls '$T_DIR/spool/' | grep -q '^targets.cache.bad-'"
sleep 2
expect_eq "... the local targets checked alone" "$(grep -c "check svc-" "$PLOG")" 0
kill -0 "$PPID_" && ok "... the probe runs on" || not_ok "... the probe runs on"
stop_pid "$PPID_"
expect_match "the probe's stats count the fetches" "$(grep 'stats: target list' "$PLOG" | tail -1)" \
	"stats: target list: [0-9]+ fetches, 0 new lists, 0 not modified \(304\), 0 the same list again, [1-9][0-9]* failed"
finish
