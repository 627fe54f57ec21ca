#!/bin/bash
# t-deb: the Debian packages build (make deb), install with dpkg, work
# (--version, --check-config of the shipped examples once the secrets an
# administrator makes are there, the user, the folders, the units, the man
# pages) and purge without leaving anything behind. Also: every config
# setting is documented in v6watch.conf(5), and the man pages lint clean.
#
# dpkg runs against this machine's own root file system and package
# database, but in a copy-on-write view of it: an overlay over / (its
# changes in a tmpfs) in a mount namespace of the test's own, entered with
# chroot. So the test adds no user, package or file to the machine, cannot
# remove a /var/lib/v6watch another test is using (the purge removes the
# default data folder), starts no service (no systemd in the view: no
# /run/systemd/system) and opens no network port. What dpkg changed is
# exactly the tmpfs, so "nothing is left" is checked over all of it.
#
#   V6DEBS=DIR   use the .deb files in DIR instead of building them
. "$(dirname "$0")/lib.sh"
needs_root

check "man/v6watch.conf.5 documents every setting of the config tables" \
	"$V6TOP/tests/man-keys.sh" "$V6TOP"
check "man pages: mandoc -Tlint reports nothing" \
	mandoc -Tlint -Wwarning "$V6TOP"/man/*.[58]

version=$(sed -n 's/^VERSION *:= *//p' "$V6TOP/Makefile")

# Build: about 25 s on two cores (dpkg-buildpackage, parallel=2, nocheck).
debs=${V6DEBS:-}
if [ -z "$debs" ]; then
	debs=$T_DIR/deb
	for t in dpkg-buildpackage dh lintian; do
		command -v "$t" >/dev/null || {
			not_ok "make deb: $t is missing; run contrib/install-deps.sh"
			finish
		}
	done
	start=$(date +%s)
	if make -s -C "$V6TOP" deb DEB_DIR="$debs" >"$T_DIR/deb.log" 2>&1; then
		ok "make deb builds the packages ($(( $(date +%s) - start )) s)"
	else
		not_ok "make deb"; tail -20 "$T_DIR/deb.log" | sed 's/^/#   /'
		finish
	fi
fi
pkgs=()
for p in v6watch-common_${version}_all v6watch-probe_${version}_amd64 \
	v6watch-collector_${version}_amd64; do
	if [ -f "$debs/$p.deb" ]; then pkgs+=("$debs/$p.deb")
	else not_ok "$p.deb is built (not in $debs)"; fi
done
[ ${#pkgs[@]} -eq 3 ] || finish
if [ -z "${V6DEBS:-}" ]; then
	out=$(lintian "$debs"/v6watch_"${version}"_*.changes 2>&1 |
		grep -v '^running with root privileges')
	expect_eq "lintian: no error and no warning" "$out" ""
fi
# install-deps.sh --runtime installs every package the daemons' packages
# depend on or recommend (but the C library and the sysusers provider).
want=$(for p in "${pkgs[@]}"; do dpkg-deb -f "$p" Depends Recommends; done |
	sed 's/^[A-Za-z-]*: //' | tr ',|' '\n\n' | sed 's/(.*)//; s/ //g' |
	grep -Ev '^(v6watch-common|libc6|systemd.*|)$' | sort -u)
have=$("$V6TOP/contrib/install-deps.sh" --list --runtime | sort -u)
expect_eq "install-deps.sh --runtime covers the packages' dependencies" \
	"$(comm -23 <(echo "$want") <(echo "$have") | tr '\n' ' ')" ""
for p in "${pkgs[@]}"; do
	if dpkg-deb -c "$p" | grep -q '/etc/v6watch/secrets'; then
		not_ok "$(basename "$p") ships no secret"
	else ok "$(basename "$p") ships no secret"; fi
done
# The monitoring glue ships as examples: Grafana, Prometheus, the webhook
# formats with the collector; Nagios and Icinga 2 with the probe.
contents=$(for p in "${pkgs[@]}"; do dpkg-deb -c "$p"; done)
for f in v6watch-collector/examples/v6watch-dashboard.json \
	v6watch-collector/examples/v6watch-rules.yml \
	v6watch-collector/examples/webhooks.conf \
	v6watch-probe/examples/v6probe.cfg v6watch-probe/examples/v6probe.conf; do
	expect_match "the packages ship $f" "$contents" "usr/share/doc/$f"
done

# The test inside the view: this script runs chrooted in it and prints
# ok/not ok lines of its own.
cat >"$T_DIR/inside.sh" <<'EOF'
set -u
version=$1
ok() { echo "ok - t-deb: $*"; }
not_ok() { echo "not ok - t-deb: $*"; }
check() {
	local what=$1; shift
	if "$@" >/tmp/t-deb.out 2>&1; then ok "$what"
	else not_ok "$what"; sed 's/^/#   /' /tmp/t-deb.out | head -20; fi
}
# Mode, owner and group of a file as "0750 root v6watch".
st() { stat -c '%04a %U %G' "$1" 2>&1; }
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi
}

if dpkg-query -W 'v6watch*' >/dev/null 2>&1; then
	not_ok "v6watch packages already installed here; not testing over them"
	exit 0
fi
if dpkg -i /tmp/debs/*.deb >/tmp/t-deb.dpkg 2>&1; then
	ok "dpkg -i v6watch-common v6watch-probe v6watch-collector"
else
	not_ok "dpkg -i"; sed 's/^/#   /' /tmp/t-deb.dpkg | tail -20; exit 0
fi
grep -q 'install -d -m 0750 -g v6watch /etc/v6watch/secrets' /tmp/t-deb.dpkg &&
	grep -q '/etc/v6watch/secrets/probe.token, which does not exist' /tmp/t-deb.dpkg &&
	ok "the postinst says how to make the missing token" ||
	not_ok "the postinst says how to make the missing token"

expect "v6probe --version" "$(v6probe --version)" "v6probe $version"
expect "v6collector --version" "$(v6collector --version)" "v6collector $version"

u=$(getent passwd v6watch)
expect "the v6watch user exists, home /var/lib/v6watch, no shell" \
	"$(cut -d: -f6,7 <<<"$u")" "/var/lib/v6watch:/usr/sbin/nologin"
expect "/etc/v6watch is root's, readable by group v6watch" \
	"$(st /etc/v6watch)" "0750 root v6watch"
for d in spool rrd state; do
	expect "/var/lib/v6watch/$d is v6watch's" \
		"$(st /var/lib/v6watch/$d)" "0750 v6watch v6watch"
done
for u in v6probe v6collector; do
	f=/lib/systemd/system/$u.service
	if [ -f "$f" ] && grep -q "^ExecStart=/usr/bin/$u " "$f"; then
		ok "$u.service is installed and names /usr/bin/$u"
	else not_ok "$u.service is installed and names /usr/bin/$u"; fi
	# Not enabled: it would fail until the token is there.
	[ -e /etc/systemd/system/multi-user.target.wants/$u.service ] &&
		not_ok "$u.service is not enabled at install" ||
		ok "$u.service is not enabled at install"
done
check "sysusers.d and tmpfiles.d snippets are installed" \
	test -f /usr/lib/sysusers.d/v6watch.conf -a -f /usr/lib/tmpfiles.d/v6watch.conf
expect "the example configs are conffiles" \
	"$(dpkg-query -W -f='${Conffiles}\n' v6watch-probe v6watch-collector |
		awk 'NF { print $1 }' | sort | tr '\n' ' ')" \
	"/etc/v6watch/collector.conf /etc/v6watch/probe.conf /etc/v6watch/services.csv /etc/v6watch/targets.conf "

# Without its token the probe's config is refused, naming the file.
out=$(v6probe --check-config -c /etc/v6watch/probe.conf 2>&1); rc=$?
if [ $rc = 3 ] && grep -q 'collector.token_file: .*secrets/probe.token' <<<"$out"; then
	ok "without a token, --check-config names the missing token file"
else not_ok "without a token, --check-config names it (exit $rc: $out)"; fi

# What an administrator does, as the postinst messages say: make the
# secrets (root's, readable by group v6watch), then check the configs.
install -d -m 0750 -g v6watch /etc/v6watch/secrets
for f in probe.token ops.secret; do
	(umask 027; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' \
		>/etc/v6watch/secrets/$f)
	chgrp v6watch /etc/v6watch/secrets/$f
done
out=$(v6probe --check-config -c /etc/v6watch/probe.conf 2>&1); rc=$?
if [ $rc = 0 ] && ! grep -qi warn <<<"$out"; then
	ok "v6probe --check-config accepts /etc/v6watch/probe.conf, no warning"
else not_ok "v6probe --check-config /etc/v6watch/probe.conf (exit $rc: $out)"; fi
out=$(v6collector --check-config -c /etc/v6watch/collector.conf 2>&1); rc=$?
if [ $rc = 0 ] && ! grep -qi warn <<<"$out"; then
	ok "v6collector --check-config accepts /etc/v6watch/collector.conf, no warning"
else not_ok "v6collector --check-config /etc/v6watch/collector.conf (exit $rc: $out)"; fi

for m in "8 v6probe" "8 v6collector" "5 v6watch.conf"; do
	set -- $m
	out=$(MANWIDTH=80 man -P cat "$1" "$2" 2>/dev/null)
	if grep -q "^NAME" <<<"$out" && grep -qi "^ *$2.* [—-] " <<<"$out"; then
		ok "man $1 $2 renders"
	else not_ok "man $1 $2 renders"; head -5 <<<"$out" | sed 's/^/#   /'; fi
done

if dpkg --purge v6watch-probe v6watch-collector v6watch-common \
	>/tmp/t-deb.dpkg 2>&1; then
	ok "dpkg --purge of all three"
else not_ok "dpkg --purge"; sed 's/^/#   /' /tmp/t-deb.dpkg | tail -20; fi
grep -i 'not empty\|warning' /tmp/t-deb.dpkg | sed 's/^/#   /'
expect "dpkg knows no v6watch package" \
	"$(dpkg-query -W -f='${Package} ${Status}\n' 'v6watch*' 2>/dev/null)" ""
for p in /etc/v6watch /var/lib/v6watch /usr/bin/v6probe /usr/bin/v6collector \
	/lib/systemd/system/v6probe.service /usr/lib/sysusers.d/v6watch.conf \
	/usr/share/man/man5/v6watch.conf.5.gz; do
	[ -e "$p" ] && not_ok "purge removed $p" || ok "purge removed $p"
done
# Debian leaves system users behind on purge (their files elsewhere must
# not pass to a later user of the uid); so does v6watch-common.
getent passwd v6watch >/dev/null && ok "the v6watch user stays after purge" ||
	not_ok "the v6watch user stays after purge"
EOF

mkdir -p "$T_DIR/view"
# Everything below runs in the new mount namespace: its mounts vanish with
# it, whatever happens; the trap of lib.sh removes $T_DIR.
unshare --mount --propagation private bash -c '
	set -e
	v=$1; debs=("${@:4}"); inside=$2; version=$3
	mount -t tmpfs -o size=1g,mode=0700 v6w-deb "$v"
	mkdir "$v/upper" "$v/work" "$v/root"
	mount -t overlay v6w-deb -o lowerdir=/,upperdir="$v/upper",workdir="$v/work" "$v/root"
	for d in proc sys dev dev/pts; do mount --bind "/$d" "$v/root/$d"; done
	mount -t tmpfs v6w-deb-run "$v/root/run"
	mkdir -p "$v/root/tmp/debs"
	cp "${debs[@]}" "$v/root/tmp/debs/"
	cp "$inside" "$v/root/tmp/t-deb-inside.sh"
	chroot "$v/root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		bash /tmp/t-deb-inside.sh "$version" || true
	rm -rf "$v/root/tmp/debs" "$v/root/tmp/t-deb-inside.sh" "$v/root"/tmp/t-deb.*
	# Everything dpkg and the maintainer scripts left: files in the
	# upper layer, folders too (whiteouts, the character devices, are
	# removals). The formatted pages man-db cached for the test'"'"'s own
	# man runs are not the packages'"'"'.
	cd "$v/upper"
	find . ! -type c | sed "s|^\.||" | sort >"$v/left"
	grep -E "v6watch|v6probe|v6collector" "$v/left" |
		grep -v "^/var/cache/man/cat[0-9]/" >"$v/ours" || true
	if [ -s "$v/ours" ]; then
		echo "not ok - t-deb: purge left nothing of v6watch behind"
		sed "s/^/#   /" "$v/ours"
	else
		echo "ok - t-deb: purge left nothing of v6watch behind ($(wc -l <"$v/left") files changed in all)"
	fi
' t-deb "$T_DIR/view" "$T_DIR/inside.sh" "$version" "${pkgs[@]}" >"$T_DIR/inside.out" 2>&1
cat "$T_DIR/inside.out"
T_FAILS=$((T_FAILS + $(grep -c '^not ok ' "$T_DIR/inside.out")))
grep -q '^ok - t-deb: purge left nothing' "$T_DIR/inside.out" ||
	{ grep -q '^not ok - t-deb: purge left' "$T_DIR/inside.out" ||
		not_ok "the view ran to its end"; }
finish
