#!/bin/bash
# t-traffic-file: `v6probe traffic -r` on capture files that pcapgen writes
# with a known mix, for every link type (Ethernet, SLL, SLL2, raw, IPv4,
# IPv6, null, loop) and file format (pcap both byte orders, nanosecond
# pcap, pcapng): the JSON totals must equal what pcapgen says it wrote.
# Also --filter, stdin, the text summary, usage errors, and hostile files
# (truncated, lying lengths, random bytes), which end in a clear error or
# counts, never a crash or a sanitizer report. Needs no root.
. "$(dirname "$0")/lib.sh"

GEN=$V6TOOLS/pcapgen
if [ ! -x "$GEN" ]; then
	not_ok "pcapgen is built (make tools)"
	finish
fi

# same EXPECTED ACTUAL: every field of EXPECTED is in ACTUAL with the same
# value (floats to 1e-4); prints the differences.
same() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
try:
    e = json.loads(sys.argv[1]); g = json.loads(sys.argv[2])
except ValueError as x:
    print("not JSON:", x); sys.exit(1)
def cmp(e, g, path):
    if isinstance(e, dict):
        if not isinstance(g, dict):
            return [path + ": not an object"]
        return [d for k in e for d in
                (cmp(e[k], g[k], path + "." + k) if k in g
                 else [path + "." + k + ": missing"])]
    if isinstance(e, float) or isinstance(g, float):
        ok = isinstance(g, (int, float)) and abs(e - g) <= 1e-4
    else:
        ok = e == g
    return [] if ok else ["%s: want %r, got %r" % (path, e, g)]
d = cmp(e, g, "")
print("\n".join(d))
sys.exit(1 if d else 0)
EOF
}

f=$T_DIR/f.pcap
for link in en10mb sll sll2 raw ipv4 ipv6 null loop; do
	for fmt in pcap pcap-be pcap-ns pcapng; do
		want=$("$GEN" -l $link -f $fmt -n 2 mix "$f") || {
			not_ok "pcapgen $link $fmt"; continue; }
		got=$("$V6PROBE" traffic -r "$f" --json 2>&1)
		if diff=$(same "$want" "$got"); then
			ok "$link $fmt: totals as written"
		else
			not_ok "$link $fmt: totals as written"
			sed 's/^/#   /' <<<"$diff" | head -20
		fi
	done
done

# a bigger file of the bench mix, read from stdin
want=$("$GEN" -c 200000 -S 7 bench "$f")
got=$("$V6PROBE" traffic -r - --json <"$f" 2>&1)
if diff=$(same "$want" "$got"); then ok "200000 frames from stdin"
else not_ok "200000 frames from stdin"; sed 's/^/#   /' <<<"$diff" | head; fi

# --filter: only IPv6 of a simple mix
want=$("$GEN" -n 3 simple "$f")
got=$("$V6PROBE" traffic -r "$f" --json --filter ip6)
w6=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["packets"]["ipv6"], d["bytes"]["ipv6"])' "$want")
g=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["packets"]["ipv6"], d["bytes"]["ipv6"], d["packets"]["ipv4"], d["packets"]["other"], d["ipv6_share"])' "$got")
expect_eq "--filter ip6 keeps IPv6 only" "$g" "$w6 0 0 1"
out=$("$V6PROBE" traffic -r "$f" --filter 'ip6 and and' 2>&1); rc=$?
expect_eq "a bad filter: exit 3" "$rc" 3
expect_match "... naming the file and filter" "$out" \
	"^v6probe traffic: .*f.pcap: filter 'ip6 and and': .*syntax error"

# the text summary
"$GEN" -n 1 mix "$f" >/dev/null
out=$("$V6PROBE" traffic -r "$f"); rc=$?
expect_eq "text summary: exit 0" "$rc" 0
expect_match "text summary: packets" "$out" '^packets +[0-9]+  \(ipv6 [0-9]+, ipv4 [0-9]+, other [0-9]+\)$'
expect_match "text summary: IPv6 share" "$out" '^ipv6 share +[0-9]+\.[0-9]{2}% of IP bytes$'
expect_match "text summary: PTB MTUs" "$out" '^ptb mtus +1280 x[0-9]+, 1400 x1, 1492 x1, 1500 x1  \(smallest 1280\)$'
expect_match "text summary: unreachable by code" "$out" '^unreachable +no_route 1, admin_prohibited 1,'
expect_match "text summary: malformed" "$out" '^malformed +[1-9][0-9]*  \(counted under other\)$'

# usage
out=$("$V6PROBE" traffic --help); rc=$?
expect_eq "traffic --help: exit 0" "$rc" 0
expect_match "traffic --help shows usage" "$out" '^usage: v6probe traffic -r FILE'
expect_match "traffic --help has examples" "$out" 'v6probe traffic -i eth0 --interval'
for args in "" "-r $f -i lo" "-r $f --interval 5" "-i lo --interval 0" \
	"-i lo --interval 86401" "-i lo --interval 1x" "-r $f extra" \
	"--no-such-option" "-r" "-i ''"; do
	out=$(eval "\"\$V6PROBE\" traffic $args" 2>&1); rc=$?
	if [ "$rc" = 3 ] && grep -q '^usage: v6probe traffic' <<<"$out"; then
		ok "usage error exits 3 with usage: traffic $args"
	else
		not_ok "usage error exits 3 with usage: traffic $args (exit $rc)"
		sed 's/^/#   /' <<<"$out" | head -5
	fi
done
out=$("$V6PROBE" traffic -r "$T_DIR/missing.pcap" 2>&1); rc=$?
expect_eq "a missing file: exit 3" "$rc" 3
expect_match "... saying so" "$out" \
	'^v6probe traffic: .*missing.pcap: No such file or directory$'
out=$("$V6PROBE" traffic -r "$T_DIR" 2>&1); rc=$?
expect_eq "a directory: exit 3" "$rc" 3

# hostile files: exit 0 (counts) or 3 (error naming the file), no sanitizer
for kind in empty short magic rechdr recdata caplen-gt-len huge-snaplen \
	huge-caplen zero random garbage linktype ng-blocklen ng-noidb \
	ng-shortblock ng-caplen; do
	h=$T_DIR/hostile-$kind.pcap
	"$GEN" hostile-$kind "$h"
	out=$("$V6PROBE" traffic -r "$h" --json 2>&1); rc=$?
	case "$kind" in
	caplen-gt-len | huge-snaplen | zero) want=0 ;;
	*) want=3 ;;
	esac
	if [ "$rc" = "$want" ] && ! grep -q 'Sanitizer\|runtime error' <<<"$out" &&
		{ [ "$rc" = 0 ] || grep -q "^v6probe traffic: .*hostile-$kind.pcap: " <<<"$out"; }; then
		ok "hostile file $kind: exit $want, no crash"
	else
		not_ok "hostile file $kind: exit $rc, want $want"
		sed 's/^/#   /' <<<"$out" | head -5
	fi
done
out=$("$V6PROBE" traffic -r "$T_DIR/hostile-zero.pcap" --json)
expect_match "zero-length frames count as malformed other" "$out" \
	'"packets":\{"ipv6":0,"ipv4":0,"other":5\}.*"malformed":5'
out=$("$V6PROBE" traffic -r "$T_DIR/hostile-caplen-gt-len.pcap" --json)
expect_match "caplen > len: bytes are the wire length" "$out" \
	'"bytes":\{"ipv6":0,"ipv4":40,"other":0\}'

# well-framed records of random bytes, for every link type
for link in en10mb sll sll2 raw ipv4 ipv6 null loop; do
	n=$("$GEN" -l $link -c 20000 -S $RANDOM noise "$f")
	out=$("$V6PROBE" traffic -r "$f" --json 2>&1); rc=$?
	total=$(python3 -c 'import json,sys; print(sum(json.loads(sys.argv[1])["packets"].values()))' "$out" 2>/dev/null)
	if [ "$rc" = 0 ] && [ "$total" = "$n" ] &&
		! grep -q 'Sanitizer\|runtime error' <<<"$out"; then
		ok "random frames on $link: all $n counted, no crash"
	else
		not_ok "random frames on $link: exit $rc, counted '$total' of $n"
		sed 's/^/#   /' <<<"$out" | head -5
	fi
done
# random records behind a valid file header
"$GEN" -n 1 mix "$f" >/dev/null
head -c 24 "$f" >"$T_DIR/r.pcap"
head -c 60000 /dev/urandom >>"$T_DIR/r.pcap"
out=$("$V6PROBE" traffic -r "$T_DIR/r.pcap" --json 2>&1); rc=$?
if { [ "$rc" = 0 ] || [ "$rc" = 3 ]; } && ! grep -q 'Sanitizer\|runtime error' <<<"$out"
then ok "random records after a file header: exit $rc, no crash"
else not_ok "random records after a file header: exit $rc"; fi
finish
