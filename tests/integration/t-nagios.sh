#!/bin/bash
# t-nagios: `v6probe check --nagios` as Nagios runs it. A local server
# answers on 127.0.0.1 and ::1 (a random port); the plugin line of each
# case is held to the monitoring-plugins rules (one line, "V6WATCH STATE -
# text", perfdata label=value[UOM];warn;crit;min;max) and its exit status
# to the state. Then a real Nagios 4 (nagios4-core, when installed) runs
# the contrib/nagios/v6probe.cfg commands from a minimal configuration
# with a 1-second check interval, and status.dat must show the states and
# perfdata; Icinga 2 (icinga2-bin, when installed) validates
# contrib/icinga2/v6probe.conf and the command line it makes.
. "$(dirname "$0")/lib.sh"

cat >"$T_DIR/srv.py" <<'PY'
import http.server, os, socket, sys, threading, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/slow": time.sleep(0.4)
        b = b"hello\n"
        self.send_response(404 if self.path == "/gone" else 200)
        self.send_header("Content-Length", str(len(b))); self.end_headers()
        self.wfile.write(b)
class S4(http.server.ThreadingHTTPServer):
    daemon_threads = True
class S6(S4):
    address_family = socket.AF_INET6
for _ in range(50):
    s4 = S4(("127.0.0.1", 0), H); p = s4.server_address[1]
    try: s6 = S6(("::1", p), H); break
    except OSError: s4.server_close()
for s in (s4, s6): threading.Thread(target=s.serve_forever, daemon=True).start()
open(sys.argv[1] + ".tmp", "w").write("%d\n" % p); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threading.Event().wait()
PY
spawn -- python3 "$T_DIR/srv.py" "$T_DIR/port"
wait_until 10 test -s "$T_DIR/port" || { not_ok "local server started"; finish; }
read -r P <"$T_DIR/port"
ok "server on 127.0.0.1 and [::1] port $P"
R=(--no-ns --resolve "localhost:$P:127.0.0.1,::1")

# plugin_line LINE STATE: the monitoring-plugins rules
plugin_line() {
	python3 - "$1" "$2" <<'PY'
import re, sys
out, state = sys.argv[1], sys.argv[2]
lines = out.split("\n")
assert lines[-1] == "" and len(lines) == 2, "one line, newline-ended: %r" % out
text, bar, perf = lines[0].partition(" | ")
assert re.fullmatch(r"V6WATCH %s - [^|]+" % state, text), "status text: %r" % text
rng = r"(@?(~|-?[0-9.]+)?:?(-?[0-9.]+)?)?"
for p in perf.split(" ") if bar else []:
    assert re.fullmatch(r"('[^'=]+'|[^' =]+)=-?[0-9.]+(s|%%|B|KB|MB|TB|c)?(;%s(;%s(;(-?[0-9.]+)?(;(-?[0-9.]+)?)?)?)?)?" % (rng, rng), p), "perfdata %r" % p
PY
}
# case WHAT STATE RC ARGS...: run, check the line and the exit status
case_() {
	local what=$1 state=$2 want=$3 out rc err; shift 3
	out=$("$V6PROBE" check "${R[@]}" --nagios "$@" 2>"$T_DIR/err"); rc=$?
	echo "#   \$ v6probe check --nagios $*"
	echo "#   $out"
	if err=$(plugin_line "$out"$'\n' "$state" 2>&1); then ok "$what: a $state plugin line"
	else not_ok "$what: a $state plugin line: $(tail -1 <<<"$err")"; fi
	expect_eq "$what: exit $want" "$rc" "$want"
	LAST=$out
}
U="http://localhost:$P/"
case_ "ready, no thresholds" OK 0 "$U"
case_ "-w 5 -c 10, fast" OK 0 -w 5 -c 10 "$U"
expect_match "... perfdata carries warn and crit" "$LAST" " v6_time=[0-9.]+s;5;10;0; .* v4_time=[0-9.]+s;5;10;0; "
case_ "options after the URL, -t" OK 0 "$U" -w 5 -c 10 -t 3
case_ "-w 0.2 on a page that takes 0.4 s" WARNING 1 -w 0.2 -c 10 "${U}slow"
expect_match "... says which family and why" "$LAST" "IPv6 took 0\.[0-9]+ s \(warning 0\.2\)"
case_ "-c 0.2 on it" CRITICAL 2 -w 0.1 -c 0.2 "${U}slow"
expect_match "... critical" "$LAST" "IPv4 took 0\.[0-9]+ s \(critical 0\.2\)"
case_ "-c @0:30 (alert inside)" CRITICAL 2 -c @0:30 "$U"
case_ "-w 10: (alert under 10 s)" WARNING 1 -w 10: "$U"
case_ "-H -p -u, as check_http" OK 0 -H localhost -p "$P" -u /
case_ "-H -p -u of a missing page" CRITICAL 2 -H localhost -p "$P" -u /gone
expect_match "... names the URL and the status" "$LAST" "http://localhost:$P/gone: IPv6 http_error \(HTTP 404"
case_ "-S on a plain server" CRITICAL 2 -H localhost -p "$P" -S -t 2
expect_match "... https" "$LAST" "https://localhost:$P/: IPv6 tls_error"
case_ "a bad range" UNKNOWN 3 -w 2:1 "$U"
case_ "a bad URL" UNKNOWN 3 "ftp://x/"
case_ "--json with --nagios" UNKNOWN 3 --json "$U"
out=$("$V6PROBE" check "${R[@]}" -w 1 "$U" 2>&1); rc=$?
expect_eq "-w without --nagios: exit 3" "$rc" 3

# A real Nagios 4 runs the contrib commands.
NAGIOS=$(command -v nagios4 || echo /usr/sbin/nagios4)
if [ ! -x "$NAGIOS" ] || ! id nagios >/dev/null 2>&1; then
	echo "ok - $T_NAME: # SKIP nagios4-core is not installed (contrib/install-deps.sh)"
else
	N=$T_DIR/nagios
	mkdir -p "$N/spool/checkresults" "$N/var"
	chmod 755 "$T_DIR"
	sed "s|/usr/bin/v6probe|$V6PROBE|" "$V6TOP/contrib/nagios/v6probe.cfg" >"$N/commands.cfg"
	cat >"$N/objects.cfg" <<CFG
define timeperiod {
	timeperiod_name	always
	alias		always
	monday 00:00-24:00
	tuesday 00:00-24:00
	wednesday 00:00-24:00
	thursday 00:00-24:00
	friday 00:00-24:00
	saturday 00:00-24:00
	sunday 00:00-24:00
}
define contact {
	contact_name			nobody
	host_notifications_enabled	0
	service_notifications_enabled	0
	host_notification_period	always
	service_notification_period	always
	host_notification_options	n
	service_notification_options	n
	host_notification_commands	check_v6probe
	service_notification_commands	check_v6probe
}
define host {
	host_name		localhost
	address			::1
	max_check_attempts	1
	check_period		always
	active_checks_enabled	0
	contacts		nobody
	notification_period	always
	notifications_enabled	0
}
define service {
	host_name		localhost
	service_description	url-ok
	check_command		check_v6probe!5!10!--no-ns --resolve localhost:$P:127.0.0.1,::1 $U
	max_check_attempts	1
	check_interval		1
	retry_interval		1
	check_period		always
	contacts		nobody
	notification_period	always
	notifications_enabled	0
}
define service {
	use			url-ok
	host_name		localhost
	service_description	url-slow
	check_command		check_v6probe!0.2!10!--no-ns --resolve localhost:$P:127.0.0.1,::1 ${U}slow
}
define service {
	use			url-ok
	host_name		localhost
	service_description	http-gone
	check_command		check_v6probe_http!5!10!/gone!--no-ns -p $P --resolve localhost:$P:127.0.0.1,::1
}
CFG
	# url-ok doubles as the template the others use
	sed -i 's/^\tservice_description\turl-ok$/\tservice_description\turl-ok\n\tname\t\t\turl-ok/' "$N/objects.cfg"
	cat >"$N/nagios.cfg" <<CFG
log_file=$N/var/nagios.log
cfg_file=$N/commands.cfg
cfg_file=$N/objects.cfg
status_file=$N/var/status.dat
status_update_interval=1
temp_file=$N/var/nagios.tmp
temp_path=$N/var
lock_file=$N/var/nagios.lock
check_result_path=$N/spool/checkresults
state_retention_file=$N/var/retention.dat
retain_state_information=0
use_retained_scheduling_info=0
nagios_user=nagios
nagios_group=nagios
check_external_commands=0
interval_length=1
max_service_check_spread=1
service_inter_check_delay_method=n
service_interleave_factor=1
check_result_reaper_frequency=1
enable_notifications=0
enable_flap_detection=0
process_performance_data=0
illegal_macro_output_chars=\`~\$&"<>
CFG
	chown -R nagios:nagios "$N"
	if out=$("$NAGIOS" -v "$N/nagios.cfg" 2>&1); then ok "nagios4 -v accepts contrib/nagios/v6probe.cfg"
	else not_ok "nagios4 -v accepts the configuration"; grep -iE "error|warning" <<<"$out" | sed 's/^/#   /' | head; fi
	spawn -- "$NAGIOS" "$N/nagios.cfg"
	# status.dat: STATE|OUTPUT|PERFDATA of a service once it has been checked
	svc() {
		python3 - "$N/var/status.dat" "$1" <<'PY' 2>/dev/null
import sys
blocks = open(sys.argv[1]).read().split("servicestatus {")[1:]
for b in blocks:
    kv = dict(l.strip().split("=", 1) for l in b.split("}")[0].splitlines() if "=" in l)
    if kv.get("service_description") == sys.argv[2] and kv.get("has_been_checked") == "1":
        print("%s|%s|%s" % (kv["current_state"], kv["plugin_output"], kv["performance_data"]))
PY
	}
	checked() { [ -n "$(svc url-ok)" ] && [ -n "$(svc url-slow)" ] && [ -n "$(svc http-gone)" ]; }
	if wait_until 60 checked; then
		ok "nagios4 ran the three checks (status.dat)"
	else
		not_ok "nagios4 ran the checks"; tail -5 "$N/var/nagios.log" | sed 's/^/#   /'
	fi
	for s in url-ok url-slow http-gone; do echo "#   status.dat $s: $(svc $s)"; done
	expect_match "nagios4: url-ok is OK (0) with warn/crit in the perfdata" "$(svc url-ok)" \
		"^0\|V6WATCH OK - http://localhost:$P/ is ready for IPv6\|v6_time=[0-9.]+s;5;10;0; "
	expect_match "nagios4: url-slow is WARNING (1)" "$(svc url-slow)" \
		"^1\|V6WATCH WARNING - http://localhost:$P/slow: IPv6 took [0-9.]+ s \(warning 0\.2\)"
	expect_match "nagios4: check_v6probe_http (-S -H \$HOSTNAME\$ -u) is CRITICAL (2)" "$(svc http-gone)" \
		"^2\|V6WATCH CRITICAL - https://localhost:$P/gone: IPv6 tls_error"
fi

# Icinga 2: the CheckCommand validates and makes the command line expected.
ICINGA=$(command -v icinga2 || echo /usr/sbin/icinga2)
if [ ! -x "$ICINGA" ]; then
	echo "ok - $T_NAME: # SKIP icinga2-bin is not installed (contrib/install-deps.sh)"
else
	I=$T_DIR/icinga2
	mkdir -p "$I/cache" "$I/zones"
	sed "s|/usr/bin/v6probe|$V6PROBE|" "$V6TOP/contrib/icinga2/v6probe.conf" >"$I/v6probe.conf"
	cat >"$I/icinga2.conf" <<CFG
include "v6probe.conf"
object Host "localhost" { check_command = "dummy"; address = "::1" }
object CheckCommand "dummy" { command = [ "/bin/true" ] }
object Service "url" {
	host_name = "localhost"
	check_command = "v6probe"
	vars.v6probe_url = "$U"
	vars.v6probe_warning = 5
	vars.v6probe_critical = 10
	vars.v6probe_no_ns = true
	vars.v6probe_resolve = [ "localhost:$P:127.0.0.1,::1" ]
}
object Service "http" {
	host_name = "localhost"
	check_command = "v6probe"
	vars.v6probe_port = $P
	vars.v6probe_path = "/gone"
	vars.v6probe_ssl = false
	vars.v6probe_no_ns = true
	vars.v6probe_resolve = [ "localhost:$P:127.0.0.1,::1" ]
}
CFG
	if out=$("$ICINGA" daemon -C -c "$I/icinga2.conf" -DRunAsUser=root -DRunAsGroup=root \
		-DConfigDir="$I" -DDataDir="$I" -DLogDir="$I" -DCacheDir="$I/cache" \
		-DSpoolDir="$I" -DZonesDir="$I/zones" 2>&1); then
		ok "icinga2 daemon -C accepts contrib/icinga2/v6probe.conf"
		expect_match "... with both services of the v6probe CheckCommand" "$out" "Instantiated 2 Services\."
	else
		not_ok "icinga2 daemon -C accepts contrib/icinga2/v6probe.conf"; grep -iE "critical|error" <<<"$out" | sed 's/^/#   /' | head
	fi
fi
finish
