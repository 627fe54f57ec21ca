#!/bin/bash
# t-traffic: live capture. Three namespaces in a row, a -- r -- b, the r--b
# link with an MTU of 1280 and r routing. `v6probe traffic -i a0` runs in a
# twice (with a BPF filter and without) while udpsend sends a known number
# of datagrams from a: to a closed port on r (ICMPv6/ICMP port unreachable
# back), through r to b with fragmentation forbidden and too big for the
# 1280 link (Packet Too Big 1280 back), to prefixes r rejects (unreachable:
# no route, administratively prohibited), and as 802.1Q-tagged frames
# written onto a0 (udpsend -V: no VLAN devices needed).
# The per-interval JSON lines must add up to exactly what was sent, and
# SIGTERM/SIGINT end the command cleanly with a last partial line.
. "$(dirname "$0")/lib.sh"
needs_root

SEND=$V6TOOLS/udpsend
if [ ! -x "$SEND" ]; then
	not_ok "udpsend is built (make tools)"
	finish
fi

A=$(netns_new a) && R=$(netns_new r) && B=$(netns_new b) || {
	not_ok "network namespaces"; finish; }
ip -n "$A" link add a0 type veth peer name r0 netns "$R"
ip -n "$R" link add r1 type veth peer name b0 netns "$B"
ip -n "$A" link add a1 type veth peer name r2 netns "$R"
ip -n "$R" link set r1 mtu 1280
ip -n "$B" link set b0 mtu 1280
ip -n "$A" addr add 2001:db8:1::1/64 dev a0 nodad
ip -n "$A" addr add 198.51.100.1/24 dev a0
ip -n "$A" addr add 2001:db8:3::1/64 dev a1 nodad
ip -n "$R" addr add 2001:db8:1::2/64 dev r0 nodad
ip -n "$R" addr add 198.51.100.2/24 dev r0
ip -n "$R" addr add 2001:db8:3::2/64 dev r2 nodad
ip -n "$R" addr add 2001:db8:2::1/64 dev r1 nodad
ip -n "$R" addr add 203.0.113.1/24 dev r1
ip -n "$B" addr add 2001:db8:2::2/64 dev b0 nodad
ip -n "$B" addr add 203.0.113.2/24 dev b0
for l in a0 a1; do ip -n "$A" link set "$l" up; done
for l in r0 r1 r2; do ip -n "$R" link set "$l" up; done
ip -n "$B" link set b0 up
ip -n "$A" -6 route add 2001:db8::/32 via 2001:db8:1::2
ip -n "$A" route add 203.0.113.0/24 via 198.51.100.2
ip -n "$B" -6 route add default via 2001:db8:2::1
ip -n "$B" route add default via 203.0.113.1
ip -n "$R" -6 route add unreachable 2001:db8:f0::/48
ip -n "$R" -6 route add prohibit 2001:db8:f1::/48
# r answers every datagram: no ICMP rate limits in its namespace.
ip netns exec "$R" sysctl -qw net.ipv6.conf.all.forwarding=1 \
	net.ipv4.ip_forward=1 net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_ratelimit=0
ip netns exec "$R" sysctl -qw net.ipv4.icmp_msgs_per_sec=100000 \
	net.ipv4.icmp_msgs_burst=10000 2>/dev/null

# sums LOG: add up the JSON lines of a `traffic -i --json` log.
sums() {
	python3 - "$1" <<'EOF'
import json, sys
t = {"lines": 0, "packets": {}, "bytes": {}, "ptb": 0, "unreach": 0,
     "codes": {}, "mtus": {}, "drops": 0, "iface": set(), "intervals": []}
for line in open(sys.argv[1], errors="replace"):
    if not line.startswith("{"):
        continue
    d = json.loads(line)
    t["lines"] += 1
    for k in ("packets", "bytes"):
        for f, v in d[k].items():
            t[k][f] = t[k].get(f, 0) + v
    ic = d["icmpv6"]
    t["ptb"] += ic["packet_too_big"]
    t["unreach"] += ic["dest_unreachable"]
    for c, v in ic["unreachable_by_code"].items():
        t["codes"][c] = t["codes"].get(c, 0) + v
    for m in ic["ptb_mtus"]:
        t["mtus"][str(m["mtu"])] = t["mtus"].get(str(m["mtu"]), 0) + m["count"]
    t["drops"] += d["drops"]
    t["iface"].add(d["iface"])
    t["intervals"].append(d["interval_s"])
t["iface"] = ",".join(sorted(t["iface"]))
print(json.dumps(t, sort_keys=True))
EOF
}
# get JSON KEY.PATH: one value from a sums document on stdin.
get() {
	python3 -c 'import json,sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v.get(k, 0) if isinstance(v, dict) else 0
print(v)' "$1"
}

spawn "$A" -- "$V6PROBE" traffic -i a0 --interval 1 --json \
	--filter 'udp port 9 or (vlan and udp port 9)'
FPID=$SPAWNED FLOG=$SPAWNED_LOG
spawn "$A" -- "$V6PROBE" traffic -i a0 --interval 1 --json
UPID=$SPAWNED ULOG=$SPAWNED_LOG
if wait_until 10 grep -q "capturing on a0" "$FLOG" &&
	wait_until 10 grep -q "capturing on a0" "$ULOG"; then
	ok "traffic -i a0 starts capturing"
else
	not_ok "traffic -i a0 starts capturing"
	sed 's/^/#   /' "$FLOG" "$ULOG" | head -20
	finish
fi

ns_send() { ip netns exec "$A" "$SEND" "$@"; }
check "10 datagrams to a closed port on r over IPv6" ns_send -n 10 2001:db8:1::2
check "7 datagrams to a closed port on r over IPv4" ns_send -n 7 198.51.100.2
check "1 datagram of 1400 bytes, DF, towards the 1280 link" \
	ns_send -n 1 -s 1400 -D 2001:db8:2::2
check "3 datagrams to a prefix r has no route for" ns_send -n 3 2001:db8:f0::1
check "2 datagrams to a prefix r prohibits" ns_send -n 2 2001:db8:f1::1
check "4 datagrams tagged with VLAN 100" ns_send -n 4 -i a0 -V 100 2001:db8:1::2

# frame sizes: Ethernet 14 (+4 for the tag) + IP + UDP 8 + payload
V6=$((14 + 40 + 8 + 64)) V4=$((14 + 20 + 8 + 64))
want6=$((15 * V6 + (14 + 40 + 8 + 1400) + 4 * (V6 + 4)))
counted() { [ "$(sums "$1" | get "$2")" = "$3" ]; }
if wait_until 15 counted "$FLOG" packets.ipv6 20 &&
	wait_until 5 counted "$FLOG" packets.ipv4 7 &&
	wait_until 10 counted "$ULOG" unreach 15 &&
	wait_until 5 counted "$ULOG" ptb 1; then
	ok "every datagram and ICMPv6 error shows up in the interval lines"
else
	not_ok "every datagram and ICMPv6 error shows up in the interval lines"
	sums "$FLOG" | sed 's/^/#   filtered: /'
	sums "$ULOG" | sed 's/^/#   all: /'
fi
# Two more lines: anything counted twice or late would show.
n=$(sums "$FLOG" | get lines)
wait_until 5 counted "$FLOG" lines $((n + 2)) || not_ok "interval lines keep coming"

kill -TERM "$FPID"
wait_until 5 eval '! kill -0 '"$FPID" && wait "$FPID"
rc=$?
expect_eq "SIGTERM ends traffic -i with status 0" "$rc" 0
f=$(sums "$FLOG")
expect_eq "filtered: IPv6 datagrams" "$(get packets.ipv6 <<<"$f")" 20
expect_eq "filtered: IPv4 datagrams" "$(get packets.ipv4 <<<"$f")" 7
expect_eq "filtered: nothing else" "$(get packets.other <<<"$f")" 0
expect_eq "filtered: IPv6 bytes (VLAN frames by inner family)" \
	"$(get bytes.ipv6 <<<"$f")" "$want6"
expect_eq "filtered: IPv4 bytes" "$(get bytes.ipv4 <<<"$f")" $((7 * V4))
expect_eq "filtered: the interface is named" "$(get iface <<<"$f")" a0
expect_eq "no kernel drops" "$(get drops <<<"$f")" 0
expect_match "intervals are about 1 s" \
	"$(python3 -c 'import json,sys; i=json.loads(sys.argv[1])["intervals"]
print("good" if len(i) > 2 and all(0.5 < x < 3 for x in i[:-1]) else i)' "$f")" \
	'^good$'
last=$(grep '^{' "$FLOG" | tail -1)
expect_match "a last line covers the partial interval" "$last" '"interval_s":0?\.?[0-9]'

kill -INT "$UPID"
wait_until 5 eval '! kill -0 '"$UPID" && wait "$UPID"
rc=$?
expect_eq "SIGINT ends traffic -i with status 0" "$rc" 0
u=$(sums "$ULOG")
expect_eq "Packet Too Big: exactly one" "$(get ptb <<<"$u")" 1
expect_eq "... with MTU 1280" "$(get mtus.1280 <<<"$u")" 1
expect_eq "Destination Unreachable: 15" "$(get unreach <<<"$u")" 15
expect_eq "... port unreachable 10" \
	"$(get codes.port_unreachable <<<"$u")" 10
expect_eq "... no route 3" "$(get codes.no_route <<<"$u")" 3
expect_eq "... administratively prohibited 2" \
	"$(get codes.admin_prohibited <<<"$u")" 2
v6=$(get packets.ipv6 <<<"$u") v4=$(get packets.ipv4 <<<"$u")
oth=$(get packets.other <<<"$u")
if [ "$v6" -ge 36 ] && [ "$v4" -ge 14 ] && [ "$oth" -ge 2 ]; then
	ok "unfiltered: IPv6 >= 36, IPv4 >= 14, ARP under other ($v6/$v4/$oth)"
else
	not_ok "unfiltered: IPv6 >= 36, IPv4 >= 14, ARP under other ($v6/$v4/$oth)"
fi

# Text lines, and the interface going away under a running capture.
spawn "$A" -- "$V6PROBE" traffic -i a1 --interval 1
TPID=$SPAWNED TLOG=$SPAWNED_LOG
wait_until 10 grep -q "capturing on a1" "$TLOG"
ns_send -n 3 2001:db8:3::2
if wait_until 10 grep -Eq ' a1 [0-9.]+s  ipv6 [1-9][0-9]* pkts' "$TLOG"; then
	ok "text lines name the interface and count packets"
else
	not_ok "text lines name the interface and count packets"
	sed 's/^/#   /' "$TLOG" | head
fi
ip -n "$A" link del a1
if wait_until 10 eval '! kill -0 '"$TPID"; then
	wait "$TPID"; rc=$?
	expect_eq "a vanished interface ends the capture with status 3" "$rc" 3
	expect_match "... and says why" "$(cat "$TLOG")" \
		'v6probe traffic: capture on a1: '
else
	not_ok "a vanished interface ends the capture"
	stop_pid "$TPID"
fi

# Errors: no such interface, no privilege.
out=$(ip netns exec "$A" "$V6PROBE" traffic -i nosuch0 2>&1); rc=$?
expect_eq "an unknown interface: exit 3" "$rc" 3
expect_match "... naming it" "$out" '^v6probe traffic: nosuch0: '
if command -v setpriv >/dev/null; then
	out=$(ip netns exec "$A" setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all "$V6PROBE" traffic -i a0 2>&1)
	rc=$?
	expect_eq "without privileges: exit 3" "$rc" 3
	expect_match "... saying so" "$out" '^v6probe traffic: a0: .*(ermission|not permitted)'
fi
finish
