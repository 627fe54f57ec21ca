#!/bin/bash
# t-first-run: a first deployment's mistakes, found before anything is made.
# 1. A missing service user: both daemons and both --check-config say so
#    with FILE:LINE and the fix, exit 3, and make no folder.
# 2. --check-config finds, with FILE:LINE, what run would stop on: token
#    files missing or not regular, a collector.url that is not http(s), the
#    probe's cacert and collector.cacert, folders run would refuse, a
#    listen address run cannot bind, TLS files missing or not a pair,
#    webhook CA files, user root; a warning for TLS on the wrong port.
# 3. `v6collector token new`: a 0600 file of the daemon's user, 64 hex
#    digits, never over an existing file or through a link without
#    --force, the token shown only with --show, the lines to paste work.
# Nothing listens: the daemons stop at their checks (each under timeout).
. "$(dirname "$0")/lib.sh"
needs_root

chmod 755 "$T_DIR"
nosuch=v6watch-nosuch-$RANDOM$RANDOM
port=$((18000 + RANDOM % 10000))
printf 'tok-%s\n' "$RANDOM$RANDOM$RANDOM" >"$T_DIR/p1.token"
chmod 600 "$T_DIR/p1.token"
chown nobody "$T_DIR/p1.token"

probe_conf() { # probe_conf FILE USER [EXTRA-PROBE] [EXTRA-COLLECTOR]
	cat >"$1" <<EOF
probe = { name = "p1"; interval = 60;
  spool_dir = "$T_DIR/var/spool";
  user = "$2"; ${3:-} };
collector = { url = "http://[::1]:$port/api/v1/results";
  token_file = "p1.token"; ${4:-} };
targets = ( { name = "a"; url = "http://a.example/"; } );
EOF
}
P1='{ name = "p1"; token_file = "p1.token"; }'
collector_conf() { # collector_conf FILE USER [EXTRA-COLLECTOR] [PROBES] [MORE]
	cat >"$1" <<EOF
collector = { name = "c"; listen = "[::1]:$port";
  data_dir = "$T_DIR/data"; publish_dir = "$T_DIR/site";
  user = "$2"; ${3:-} };
probes = ( ${4:-$P1} );
${5:-}
EOF
}
# run_t NAME CMD...: under a timeout (a daemon that went on is a failure);
# sets out and rc.
run_t() {
	local what=$1; shift
	out=$(timeout -k 2 20 "$@" 2>&1); rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		not_ok "$what: still running after 20 s (killed)"
	fi
}

# --- 1. A missing service user --------------------------------------------
probe_conf "$T_DIR/p.conf" "$nosuch"
collector_conf "$T_DIR/c.conf" "$nosuch"
msg="user '$nosuch' does not exist: create it with systemd-sysusers \(the package does\) or set user = \"...\" here"

run_t "v6probe run" "$V6PROBE" run -c "$T_DIR/p.conf" --once
expect_eq "v6probe run, user missing: exit 3" "$rc" 3
expect_match "... FILE:LINE and the fix" "$out" "^$T_DIR/p.conf:3: $msg\$"
run_t "v6probe --check-config" "$V6PROBE" --check-config -c "$T_DIR/p.conf"
expect_eq "v6probe --check-config, user missing: exit 3" "$rc" 3
expect_match "... the same line" "$out" "^$T_DIR/p.conf:3: $msg\$"

run_t "v6collector" "$V6COLLECTOR" -c "$T_DIR/c.conf"
expect_eq "v6collector, user missing: exit 3" "$rc" 3
expect_match "... FILE:LINE and the fix" "$out" "^$T_DIR/c.conf:3: $msg\$"
run_t "v6collector --check-config" "$V6COLLECTOR" --check-config -c "$T_DIR/c.conf"
expect_eq "v6collector --check-config, user missing: exit 3" "$rc" 3
expect_match "... the same line" "$out" "^$T_DIR/c.conf:3: $msg\$"
run_t "v6collector publish" "$V6COLLECTOR" publish -c "$T_DIR/c.conf"
expect_eq "v6collector publish, user missing: exit 3" "$rc" 3

for d in var var/spool data site; do
	check "no $d folder made" test ! -e "$T_DIR/$d"
done

# The default user (no user = line): the line of the group it goes in.
sed 's/user = "[^"]*";//' "$T_DIR/c.conf" >"$T_DIR/c-default.conf"
if ! id v6watch >/dev/null 2>&1; then
	run_t "default user" "$V6COLLECTOR" --check-config -c "$T_DIR/c-default.conf"
	expect_eq "the default user v6watch missing: exit 3" "$rc" 3
	expect_match "... names the group" "$out" \
		"c-default.conf:1: user 'v6watch' does not exist: .* set user = \"...\" in this group"
fi

# Not root, a daemon never changes user: a warning, not an error.
chown nobody "$T_DIR/p1.token"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
	"$V6PROBE" --check-config -c "$T_DIR/p.conf" 2>&1); rc=$?
expect_eq "not root: the missing user does not fail --check-config" "$rc" 0
expect_match "... a warning says it" "$out" \
	"^warning: $T_DIR/p.conf:3: user '$nosuch' does not exist: .*only a daemon started as root changes user"

# user root: refused before anything is made.
collector_conf "$T_DIR/c.conf" root
run_t "user root" "$V6COLLECTOR" --check-config -c "$T_DIR/c.conf"
expect_eq "user root: exit 3" "$rc" 3
expect_match "... saying so" "$out" "c.conf:3: user 'root' is root: .*unprivileged user"
run_t "user root, daemon" "$V6COLLECTOR" -c "$T_DIR/c.conf"
expect_eq "... the daemon too, exit 3" "$rc" 3
check "... and makes no data_dir" test ! -e "$T_DIR/data"

# --- 2. What run would stop on, from --check-config ------------------------
pcheck() { run_t "$1" "$V6PROBE" --check-config -c "$T_DIR/p.conf"; }
ccheck() { run_t "$1" "$V6COLLECTOR" --check-config -c "$T_DIR/c.conf"; }

probe_conf "$T_DIR/p.conf" nobody
pcheck "a good probe.conf"
expect_eq "a good probe.conf passes" "$rc" 0

sed 's/"p1.token"/"missing.token"/' "$T_DIR/p.conf" >"$T_DIR/p2.conf"
out=$("$V6PROBE" --check-config -c "$T_DIR/p2.conf" 2>&1); rc=$?
expect_eq "probe: token file missing: exit 3" "$rc" 3
expect_match "... FILE:LINE" "$out" "p2.conf:5: collector.token_file: .*missing.token: No such file"
mkfifo "$T_DIR/fifo.token"
sed 's/"p1.token"/"fifo.token"/' "$T_DIR/p.conf" >"$T_DIR/p2.conf"
run_t "fifo token" "$V6PROBE" --check-config -c "$T_DIR/p2.conf"
expect_eq "probe: token file a FIFO: exit 3, no wait" "$rc" 3
expect_match "... FILE:LINE" "$out" "p2.conf:5: collector.token_file: .*fifo.token.*FIFO"

probe_conf "$T_DIR/p.conf" nobody
sed -i "s|http://\[::1\]:$port/|ftp://[::1]/|" "$T_DIR/p.conf"
pcheck "ftp url"
expect_eq "probe: collector.url ftp://: exit 3" "$rc" 3
expect_match "... FILE:LINE, http or https" "$out" \
	"p.conf:[0-9]+: collector.url: must start with http:// or https://"

probe_conf "$T_DIR/p.conf" nobody "cacert = \"$T_DIR/no-ca.pem\";"
pcheck "probe cacert"
expect_eq "probe: cacert missing: exit 3" "$rc" 3
expect_match "... FILE:LINE" "$out" "p.conf:3: probe.cacert: .*no-ca.pem: No such file"

probe_conf "$T_DIR/p.conf" nobody "" "cacert = \"$T_DIR/no-collector-ca.pem\";"
pcheck "collector cacert"
expect_eq "probe: collector.cacert missing: exit 3" "$rc" 3
expect_match "... FILE:LINE" "$out" "p.conf:5: collector.cacert: .*no-collector-ca.pem: No such file"

mkdir -p "$T_DIR/other/spool"
chown 54321 "$T_DIR/other/spool"
probe_conf "$T_DIR/p2.conf" nobody
sed -i "s|$T_DIR/var/spool|$T_DIR/other/spool|" "$T_DIR/p2.conf"
out=$("$V6PROBE" --check-config -c "$T_DIR/p2.conf" 2>&1); rc=$?
expect_eq "probe: spool_dir of another user: exit 3" "$rc" 3
expect_match "... FILE:LINE, the owner" "$out" "p2.conf:2: probe.spool_dir: .*owned by uid 54321"
expect_eq "... left as it was" "$(stat -c %u "$T_DIR/other/spool")" 54321

collector_conf "$T_DIR/c.conf" nobody
ccheck "a good collector.conf"
expect_eq "a good collector.conf passes" "$rc" 0

collector_conf "$T_DIR/c.conf" nobody "" '{ name = "p1"; token_file = "missing.token"; }'
ccheck "collector token"
expect_eq "collector: token file missing: exit 3" "$rc" 3
expect_match "... FILE:LINE" "$out" "c.conf:4: probes\[0\].token_file: .*missing.token: No such file"

collector_conf "$T_DIR/c.conf" nobody
sed -i "s/listen = \"\[::1\]:$port\"/listen = \"localhost:$port\"/" "$T_DIR/c.conf"
ccheck "listen name"
expect_eq "collector: listen by name: exit 3" "$rc" 3
expect_match "... FILE:LINE" "$out" "c.conf:1: collector.listen: \"localhost:$port\": the address must be numeric"
run_t "listen name, daemon" "$V6COLLECTOR" -c "$T_DIR/c.conf"
expect_eq "... the daemon stops on the same, exit 3" "$rc" 3
check "... before making data_dir" test ! -e "$T_DIR/data"

collector_conf "$T_DIR/c.conf" nobody "tls_cert = \"$T_DIR/no.crt\"; tls_key = \"$T_DIR/no.key\";"
ccheck "tls missing"
expect_eq "collector: tls_cert missing: exit 3" "$rc" 3
expect_match "... FILE:LINE" "$out" "c.conf:3: collector.tls_cert: .*no.crt: No such file"

for n in a b; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$T_DIR/$n.key" \
		-out "$T_DIR/$n.crt" -subj /CN=collector.example >/dev/null 2>&1
done
collector_conf "$T_DIR/c.conf" nobody "tls_cert = \"$T_DIR/a.crt\"; tls_key = \"$T_DIR/b.key\";"
ccheck "tls pair"
expect_eq "collector: tls_key of another certificate: exit 3" "$rc" 3
expect_match "... FILE:LINE" "$out" "c.conf:3: collector.tls_key: .*b.key is not the key of the certificate"
collector_conf "$T_DIR/c.conf" nobody "tls_cert = \"$T_DIR/a.key\"; tls_key = \"$T_DIR/a.key\";"
ccheck "tls not a cert"
expect_eq "collector: tls_cert not a certificate: exit 3" "$rc" 3
expect_match "... FILE:LINE" "$out" "c.conf:3: collector.tls_cert: .*no PEM certificate"
collector_conf "$T_DIR/c.conf" nobody "tls_cert = \"$T_DIR/a.crt\"; tls_key = \"$T_DIR/a.key\";"
ccheck "tls good"
expect_eq "collector: a matching pair passes" "$rc" 0

collector_conf "$T_DIR/c.conf" nobody
sed -i "s/listen = \"\[::1\]:$port\"/listen = \"[::1]:8443\"/" "$T_DIR/c.conf"
ccheck "8443 plain"
expect_eq "collector: port 8443 without TLS passes" "$rc" 0
expect_match "... with a warning" "$out" "^warning: .*c.conf:1: collector.listen: port 8443 without tls_cert"

mkdir -p "$T_DIR/odata"
chown 54321 "$T_DIR/odata"
collector_conf "$T_DIR/c.conf" nobody
sed -i "s|data_dir = \"$T_DIR/data\"|data_dir = \"$T_DIR/odata\"|" "$T_DIR/c.conf"
ccheck "data_dir owner"
expect_eq "collector: data_dir of another user: exit 3" "$rc" 3
expect_match "... FILE:LINE, the owner" "$out" "c.conf:2: collector.data_dir: .*owned by uid 54321"

printf 'hook-secret-%s\n' "$RANDOM" >"$T_DIR/ops.secret"
chmod 600 "$T_DIR/ops.secret"
chown nobody "$T_DIR/ops.secret"
collector_conf "$T_DIR/c.conf" nobody "" "" \
	"webhooks = ( { name = \"ops\"; url = \"https://chat.example/h\"; secret_file = \"ops.secret\";
  cacert = \"$T_DIR/no-hook-ca.pem\"; } );"
ccheck "webhook cacert"
expect_eq "collector: a webhook's cacert missing: exit 3" "$rc" 3
expect_match "... FILE:LINE" "$out" "c.conf:6: webhooks\[0\].cacert: .*no-hook-ca.pem: No such file"

# --- 3. v6collector token new -----------------------------------------------
mkdir "$T_DIR/etc"
collector_conf "$T_DIR/etc/collector.conf" nobody "" \
	'{ name = "p1"; token_file = "secrets/p1.token"; }'
out=$("$V6COLLECTOR" token new p2 -c "$T_DIR/etc/collector.conf" 2>&1); rc=$?
expect_eq "token new: exit 0" "$rc" 0
f=$T_DIR/etc/secrets/p2.token
expect_eq "... beside the probes' tokens, 0600, the user's" \
	"$(stat -c %a:%U "$f" 2>&1)" 600:nobody
expect_eq "... 64 hex digits, one line" "$(grep -cxE '[0-9a-f]{64}' "$f")" 1
tok=$(cat "$f")
if grep -qF "$tok" <<<"$out"; then not_ok "... the token is not printed"
else ok "... the token is not printed"; fi
expect_match "... the probes entry to paste" "$out" \
	'^  \{ name = "p2"; token_file = "secrets/p2.token"; \}$'
expect_match "... the probe.conf line" "$out" '^  token_file = "secrets/p2.token";$'
# Pasting the entry (and p1's token) makes a config that checks.
printf 'x%s\n' "$RANDOM$RANDOM" >"$T_DIR/etc/secrets/p1.token"
chown nobody "$T_DIR/etc/secrets/p1.token"
chmod 600 "$T_DIR/etc/secrets/p1.token"
collector_conf "$T_DIR/etc/collector.conf" nobody "" \
	'{ name = "p1"; token_file = "secrets/p1.token"; }, { name = "p2"; token_file = "secrets/p2.token"; }'
run_t "pasted" "$V6COLLECTOR" --check-config -c "$T_DIR/etc/collector.conf"
expect_eq "... pasted, the config checks" "$rc" 0

out=$("$V6COLLECTOR" token new p2 -c "$T_DIR/etc/collector.conf" 2>&1); rc=$?
expect_eq "token new over an existing file: exit 1" "$rc" 1
expect_match "... saying what to do" "$out" "p2.token exists: keep it, or give --force"
expect_eq "... the file is unchanged" "$(cat "$f")" "$tok"
out=$("$V6COLLECTOR" token new p2 --force --show -c "$T_DIR/etc/collector.conf" 2>&1); rc=$?
expect_eq "--force: exit 0" "$rc" 0
check "... a new token" test "$(cat "$f")" != "$tok"
expect_eq "... still 0600, the user's" "$(stat -c %a:%U "$f")" 600:nobody
expect_match "... --show prints it" "$out" "^token: $(cat "$f")\$"
expect_match "... names the probe already listed" "$out" "collector.conf:4 lists probe 'p2'"

printf 'root only\n' >"$T_DIR/rootfile"
chmod 600 "$T_DIR/rootfile"
ln -s "$T_DIR/rootfile" "$T_DIR/etc/secrets/p3.token"
out=$("$V6COLLECTOR" token new p3 -c "$T_DIR/etc/collector.conf" 2>&1); rc=$?
expect_eq "a link where the token goes: exit 1" "$rc" 1
expect_eq "... the file it points to is unchanged" "$(cat "$T_DIR/rootfile")" "root only"
out=$("$V6COLLECTOR" token new p4 -o "$T_DIR/out.token" -c "$T_DIR/etc/collector.conf" 2>&1); rc=$?
expect_eq "-o FILE: exit 0" "$rc" 0
expect_eq "... written there" "$(grep -cxE '[0-9a-f]{64}' "$T_DIR/out.token")" 1
collector_conf "$T_DIR/etc/nouser.conf" "$nosuch"
out=$("$V6COLLECTOR" token new p5 -c "$T_DIR/etc/nouser.conf" 2>&1); rc=$?
expect_eq "token new, user missing: exit 3" "$rc" 3
expect_match "... saying so" "$out" "user '$nosuch' does not exist"
check "... and writes nothing" test ! -e "$T_DIR/etc/secrets/p5.token"
expect_status "token new with a bad probe name: exit 3" 3 \
	"$V6COLLECTOR" token new 'no/such' -c "$T_DIR/etc/collector.conf"
finish
