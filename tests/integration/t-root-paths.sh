#!/bin/bash
# t-root-paths: daemons started as root never follow a link, or adopt a
# folder, that their unprivileged user could have planted. As the user
# (nobody): a segment of the spool that links to a root file (root used
# to cut it to 0 bytes); a spool that links to a root folder, and a
# collector's publish_dir that links to a root file (root used to chown
# them to the user); a folder owned by somebody else. Each must leave
# root's files as they were, and the daemon must say why it stops.
. "$(dirname "$0")/lib.sh"
needs_root
ns=$(netns_new r) || { not_ok "namespace"; finish; }
echo "token-$RANDOM$RANDOM" >"$T_DIR/p.token"
chmod 600 "$T_DIR/p.token"
chmod 755 "$T_DIR"

probe_conf() {
	cat >"$T_DIR/p.conf" <<CONF
probe = { name = "p1"; interval = 1; timeout = 1; spool_dir = "$1";
          user = "nobody"; };
collector = { url = "http://[::1]:1/api/v1/results"; token_file = "p.token"; };
targets = ( { name = "www"; url = "http://[::1]:9/"; } );
CONF
}
# probe_runs LOG: the probe started, dropped root and opened its spool
probe_runs() { grep -q 'targets, .* canaries' "$1"; }

# 1. A segment that is a link to a root file.
printf 'precious root data\n' >"$T_DIR/rootfile"
chmod 600 "$T_DIR/rootfile"
mkdir -p "$T_DIR/var1/spool"
chown -R nobody "$T_DIR/var1"
ln -s "$T_DIR/rootfile" "$T_DIR/var1/spool/seg-0000000000000001.log"
chown -h nobody "$T_DIR/var1/spool/seg-0000000000000001.log"
probe_conf "$T_DIR/var1/spool"
spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v
pid=$SPAWNED log=$SPAWNED_LOG
if wait_until 10 probe_runs "$log"; then ok "probe starts beside a planted link"
else not_ok "probe starts beside a planted link"; sed 's/^/#   /' "$log" | head; fi
stop_pid "$pid"
expect_eq "the root file the segment links to is whole" \
	"$(cat "$T_DIR/rootfile")" "precious root data"
expect_eq "... and still root's" "$(stat -c %U "$T_DIR/rootfile")" root
expect_match "the link was left alone, and the log says so" "$(cat "$log")" \
	'seg-0000000000000001.log: .*left alone'

# 2. The spool folder replaced by a link to a root folder.
mkdir -p "$T_DIR/var2" "$T_DIR/secret"
chmod 700 "$T_DIR/secret"
printf 'x\n' >"$T_DIR/secret/keys"
chown nobody "$T_DIR/var2"
ln -s "$T_DIR/secret" "$T_DIR/var2/spool"
chown -h nobody "$T_DIR/var2/spool"
probe_conf "$T_DIR/var2/spool"
out=$(ip netns exec "$ns" timeout 10 "$V6PROBE" run -c "$T_DIR/p.conf" 2>&1); rc=$?
check "probe refuses a spool that is a link" test "$rc" -ne 0 -a "$rc" -ne 124
expect_match "... saying it is a link" "$out" 'spool.* is a symbolic link'
expect_eq "the root folder it points to stays root's" \
	"$(stat -c %U:%a "$T_DIR/secret")" root:700
expect_eq "... and the file in it" "$(stat -c %U "$T_DIR/secret/keys")" root

# 3. A spool folder of somebody else.
mkdir -p "$T_DIR/var3/spool"
chown 54321 "$T_DIR/var3/spool"
probe_conf "$T_DIR/var3/spool"
out=$(ip netns exec "$ns" timeout 10 "$V6PROBE" run -c "$T_DIR/p.conf" 2>&1); rc=$?
check "probe refuses a spool owned by another user" test "$rc" -ne 0 -a "$rc" -ne 124
expect_match "... naming the owner" "$out" 'owned by uid 54321'
expect_eq "... and leaves it as it was" "$(stat -c %u "$T_DIR/var3/spool")" 54321

# 4. A new spool under a root folder: made, and the user's.
probe_conf "$T_DIR/var4/spool"
spawn "$ns" -- "$V6PROBE" run -c "$T_DIR/p.conf" -v
pid=$SPAWNED log=$SPAWNED_LOG
if wait_until 10 probe_runs "$log"; then ok "a new spool folder is made"
else not_ok "a new spool folder is made"; sed 's/^/#   /' "$log" | head; fi
stop_pid "$pid"
expect_eq "... owned by the user, 0700" "$(stat -c %U:%a "$T_DIR/var4/spool")" nobody:700
expect_eq "... with an identity" "$(grep -cE '^[0-9a-f]{16}$' "$T_DIR/var4/spool/id")" 1

# 5. The collector's publish_dir replaced by a link to a root file.
printf 'root only\n' >"$T_DIR/rootfile2"
chmod 600 "$T_DIR/rootfile2"
mkdir -p "$T_DIR/cdata"
chown nobody "$T_DIR/cdata"
ln -s "$T_DIR/rootfile2" "$T_DIR/cdata/site"
chown -h nobody "$T_DIR/cdata/site"
cat >"$T_DIR/c.conf" <<CONF
collector = { name = "t"; listen = "[::1]:8080"; data_dir = "$T_DIR/cdata";
              publish_dir = "$T_DIR/cdata/site"; user = "nobody";
              publish_interval = 0; };
probes = ( { name = "p1"; token_file = "p.token"; } );
CONF
spawn "$ns" -- "$V6COLLECTOR" -c "$T_DIR/c.conf"
cpid=$SPAWNED clog=$SPAWNED_LOG
for i in $(seq 1 100); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$cpid" 2>/dev/null; then
	not_ok "collector refuses a publish_dir that is a link (it runs)"
	stop_pid "$cpid"
else
	ok "collector refuses a publish_dir that is a link"
fi
expect_match "... saying it is a link" "$(cat "$clog")" 'site is a symbolic link'
expect_eq "the root file it points to stays root's, 0600" \
	"$(stat -c %U:%a "$T_DIR/rootfile2")" root:600

# 6. The collector's data_dir owned by somebody else.
rm "$T_DIR/cdata/site"
chown 54321 "$T_DIR/cdata"
out=$(ip netns exec "$ns" timeout 10 "$V6COLLECTOR" -c "$T_DIR/c.conf" 2>&1); rc=$?
check "collector refuses a data_dir owned by another user" test "$rc" -ne 0 -a "$rc" -ne 124
expect_match "... naming the owner" "$out" 'owned by uid 54321'
finish
