# lab.sh: the check lab, sourced after lib.sh by tests and the demo.
#
#   client (c0) ---- (r0) router (r1) ---- (s0) servers
#   2001:db8:1::2       IPv6 MTU 1280  |     2001:db8:2::10 ... ::54
#   198.51.100.2     towards the client|     203.0.113.10 ... .53
#                                     (r2) ---- (m0) pmtu server
#                                               2001:db8:3::30
#                                               203.0.113.130
#
# The client has no route out of the lab. The router drops some server
# addresses silently, rejects one, and -- for the path-MTU black hole --
# drops the ICMPv6 Packet Too Big it would send to 2001:db8:3::30. That
# server has a namespace of its own: Linux caches a path MTU per
# destination, so a Packet Too Big that reached any other address in its
# namespace would cure the black hole for it too. The
# server namespace runs nginx (a test CA, EC certificates: valid, expired,
# wrong name, expiring in 10 days), dnsmasq (zone lab.example, name servers
# with IPv6, and sub.lab.example whose only name server has no IPv6; names
# whose AAAA or A no public service can have: mapped, mixed, loop4) and
# badserver for answers that come late or never; dnsfail.py on
# 2001:db8:2::55 fails DNS on purpose (lab_exec_resolver). nohttp6 serves port 80
# over IPv4 only (the router counts packets to port 80 of nohttp6 and www:
# lab_counter); login answers 401.
#
# After lab_up: $LAB_CLI, $LAB_RTR, $LAB_SRV (namespaces), $LAB_CA (CA
# file), $LAB_DIR; run the probe with lab_exec "$LAB_CLI" ...

LAB_DIR=${LAB_DIR:-$T_DIR/lab}

# name -> "ipv6 ipv4" served by nginx on :443 (and :80)
lab_hosts() {
	cat <<'EOF'
www 2001:db8:2::10 203.0.113.10
v4only - 203.0.113.11
v6only 2001:db8:2::12 -
drop 2001:db8:2::13 203.0.113.13
refused 2001:db8:2::14 203.0.113.14
diff 2001:db8:2::15 203.0.113.15
slow 2001:db8:2::16 203.0.113.16
unreach 2001:db8:2::18 203.0.113.18
diffstatus 2001:db8:2::19 203.0.113.19
expired 2001:db8:2::20 203.0.113.20
wrongname 2001:db8:2::21 203.0.113.21
expiring 2001:db8:2::22 203.0.113.22
redirect 2001:db8:2::23 203.0.113.23
redirloop 2001:db8:2::24 203.0.113.24
nohttp6 2001:db8:2::25 203.0.113.25
login 2001:db8:2::26 203.0.113.26
pmtu 2001:db8:3::30 203.0.113.130
EOF
}

# Wire format of a DNS name, as hex for dnsmasq's --dns-rr.
lab_wire() {
	local IFS=. label out=
	for label in $1; do out+=$(printf '%02x' ${#label})$(printf '%s' "$label" | od -An -tx1 | tr -d ' \n'); done
	echo "${out}00"
}

lab_certs() {
	local d=$LAB_DIR/tls
	mkdir -p "$d"
	openssl ecparam -name prime256v1 -genkey -noout -out "$d/ca.key" 2>/dev/null
	openssl req -x509 -new -key "$d/ca.key" -subj "/CN=v6watch lab CA" -days 3650 \
		-out "$d/ca.pem" 2>/dev/null || return 1
	# valid (wildcards), wrong name, expiring in 10 days
	lab_cert good "DNS:*.lab.example,DNS:lab.example,DNS:*.sub.lab.example" 825 || return 1
	lab_cert wrong "DNS:other.example" 825 || return 1
	lab_cert expiring "DNS:*.lab.example" 10 || return 1
	# expired: openssl ca lets us set both dates in the past
	mkdir -p "$d/ca"
	: >"$d/ca/index.txt"
	echo 1000 >"$d/ca/serial"
	cat >"$d/ca.cnf" <<EOF
[ ca ]
default_ca = lab
[ lab ]
dir = $d/ca
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
EOF
	openssl ecparam -name prime256v1 -genkey -noout -out "$d/expired.key" 2>/dev/null
	openssl req -new -key "$d/expired.key" -subj "/CN=expired.lab.example" \
		-addext "subjectAltName=DNS:*.lab.example" -out "$d/expired.csr" 2>/dev/null
	openssl ca -batch -config "$d/ca.cnf" -cert "$d/ca.pem" -keyfile "$d/ca.key" \
		-startdate 20240101000000Z -enddate 20240201000000Z \
		-in "$d/expired.csr" -out "$d/expired.pem" >/dev/null 2>&1 || return 1
	LAB_CA=$d/ca.pem
}

# lab_cert NAME SAN DAYS
lab_cert() {
	local d=$LAB_DIR/tls
	openssl ecparam -name prime256v1 -genkey -noout -out "$d/$1.key" 2>/dev/null
	openssl req -new -key "$d/$1.key" -subj "/CN=$1.lab.example" -out "$d/$1.csr" 2>/dev/null
	printf 'subjectAltName=%s\n' "$2" >"$d/$1.ext"
	openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days "$3" -extfile "$d/$1.ext" -out "$d/$1.pem" 2>/dev/null
}

lab_nginx_conf() {
	local d=$LAB_DIR name v6 v4 cert
	mkdir -p "$d/www" "$d/other" "$d/nginx"
	cat >"$d/www/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>Province online services</title></head><body>
<h1>Online services of the province</h1>
<p>Apply for building permits, business licences and birth certificates,
pay fees and taxes, and follow the progress of your requests online.</p>
<ul><li>Permits and licences</li><li>Civil status</li><li>Taxes and fees</li>
<li>Land and housing</li><li>Health insurance</li></ul>
</body></html>
EOF
	cat >"$d/other/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>Maintenance</title></head><body>
<h2>This server is under construction</h2>
<p>Nothing to see here yet; come back later.</p>
</body></html>
EOF
	head -c 1048576 /dev/urandom >"$d/www/big.bin"
	{
		echo "user root; worker_processes 1; daemon off; pid $d/nginx/nginx.pid;"
		echo "error_log $d/nginx/error.log;"
		echo "events { worker_connections 1024; }"
		echo "http { access_log off; default_type text/html;"
		echo "client_body_temp_path $d/nginx; proxy_temp_path $d/nginx;"
		echo "fastcgi_temp_path $d/nginx; uwsgi_temp_path $d/nginx; scgi_temp_path $d/nginx;"
		echo "ssl_protocols TLSv1.2 TLSv1.3;"
		lab_hosts | while read -r name v6 v4; do
			cert=good
			case $name in
			slow|pmtu) continue ;;	# served elsewhere
			expired) cert=expired ;;
			wrongname) cert=wrong ;;
			expiring) cert=expiring ;;
			esac
			for fam in 6 4; do
				local a=$v6
				[ "$fam" = 4 ] && a=$v4
				[ "$a" = - ] && continue
				[ "$name" = refused ] && [ "$fam" = 6 ] && continue
				[ "$fam" = 6 ] && a="[$a]"
				if [ "$name/$fam" = nohttp6/6 ]; then
					echo "server { listen $a:443 ssl;"	# no port 80
				else
					echo "server { listen $a:443 ssl; listen $a:80;"
				fi
				echo "  ssl_certificate $d/tls/$cert.pem; ssl_certificate_key $d/tls/$cert.key;"
				case "$name/$fam" in
				diff/6) echo "  root $d/other;" ;;
				diffstatus/4) echo "  location / { return 500 'broken'; }" ;;
				redirect/*) echo "  location / { return 301 https://v4only.lab.example/; }" ;;
				redirloop/6) echo "  location / { return 302 http://[::1]/; }" ;;
				login/*) echo "  location / { return 401 'log in first'; }" ;;
				*) echo "  root $d/www;" ;;
				esac
				echo "}"
			done
		done
		echo "}"
	} >"$d/nginx/nginx.conf"
	mkdir -p "$d/nginx-mtu"
	cat >"$d/nginx-mtu/nginx.conf" <<EOF
user root; worker_processes 1; daemon off; pid $d/nginx-mtu/nginx.pid;
error_log $d/nginx-mtu/error.log;
events { worker_connections 1024; }
http { access_log off; default_type text/html;
client_body_temp_path $d/nginx-mtu; proxy_temp_path $d/nginx-mtu;
fastcgi_temp_path $d/nginx-mtu; uwsgi_temp_path $d/nginx-mtu; scgi_temp_path $d/nginx-mtu;
server { listen [2001:db8:3::30]:443 ssl; listen 203.0.113.130:443 ssl;
  listen [2001:db8:3::30]:80; listen 203.0.113.130:80;
  ssl_certificate $d/tls/good.pem; ssl_certificate_key $d/tls/good.key;
  root $d/www; }
}
EOF
}

lab_dnsmasq_args() {
	local name v6 v4 rec
	echo "--keep-in-foreground --no-resolv --no-hosts --no-poll --bind-interfaces"
	echo "--listen-address=2001:db8:2::53 --listen-address=2001:db8:2::54"
	echo "--listen-address=203.0.113.53 --local=/lab.example/ --user=root"
	echo "--pid-file= --log-facility=- --cache-size=0"
	lab_hosts | while read -r name v6 v4; do
		rec=$name.lab.example
		[ "$v6" != - ] && rec+=,$v6
		[ "$v4" != - ] && rec+=,$v4
		echo "--host-record=$rec"
	done
	echo "--host-record=partial.lab.example,2001:db8:2::10,203.0.113.10"
	echo "--host-record=partial.lab.example,2001:db8:2::17"
	# answers no public service can have (the probe must not connect)
	echo "--host-record=mapped.lab.example,::ffff:203.0.113.10,203.0.113.10"
	echo "--host-record=mixed.lab.example,2001:db8:2::10,203.0.113.10"
	echo "--host-record=mixed.lab.example,::1"
	echo "--host-record=loop4.lab.example,2001:db8:2::10,127.0.0.1"
	echo "--host-record=www.sub.lab.example,2001:db8:2::10,203.0.113.10"
	echo "--host-record=ns1.lab.example,2001:db8:2::53,203.0.113.53"
	echo "--host-record=ns2.lab.example,2001:db8:2::54,203.0.113.53"
	echo "--host-record=ns-sub.lab.example,203.0.113.53"
	echo "--dns-rr=lab.example,2,$(lab_wire ns1.lab.example)"
	echo "--dns-rr=lab.example,2,$(lab_wire ns2.lab.example)"
	echo "--dns-rr=sub.lab.example,2,$(lab_wire ns-sub.lab.example)"
}

lab_up() {
	local name v6 v4
	mkdir -p "$LAB_DIR"
	chmod 755 "$T_DIR" "$LAB_DIR"
	LAB_CLI=$(netns_new cli) && LAB_RTR=$(netns_new rtr) &&
		LAB_SRV=$(netns_new srv) && LAB_MTU=$(netns_new mtu) || return 1
	ip link add c0 netns "$LAB_CLI" type veth peer name r0 netns "$LAB_RTR" || return 1
	ip link add r1 netns "$LAB_RTR" type veth peer name s0 netns "$LAB_SRV" || return 1
	ip link add r2 netns "$LAB_RTR" type veth peer name m0 netns "$LAB_MTU" || return 1
	for ns in "$LAB_CLI" "$LAB_RTR" "$LAB_SRV" "$LAB_MTU"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_ra=0
	done
	ip -n "$LAB_CLI" link set c0 up
	ip -n "$LAB_CLI" addr add 2001:db8:1::2/64 dev c0 nodad
	ip -n "$LAB_CLI" addr add 198.51.100.2/24 dev c0
	ip -n "$LAB_CLI" -6 route add default via 2001:db8:1::1
	ip -n "$LAB_CLI" route add default via 198.51.100.1

	ip -n "$LAB_RTR" link set r0 up
	ip -n "$LAB_RTR" link set r1 up
	ip -n "$LAB_RTR" addr add 2001:db8:1::1/64 dev r0 nodad
	ip -n "$LAB_RTR" addr add 198.51.100.1/24 dev r0
	ip -n "$LAB_RTR" addr add 2001:db8:2::1/64 dev r1 nodad
	ip -n "$LAB_RTR" addr add 203.0.113.1/25 dev r1
	ip -n "$LAB_RTR" link set r2 up
	ip -n "$LAB_RTR" addr add 2001:db8:3::1/64 dev r2 nodad
	ip -n "$LAB_RTR" addr add 203.0.113.129/25 dev r2
	ip netns exec "$LAB_RTR" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
	# A 1280-byte IPv6 link towards the client: full-size packets from the
	# servers need Packet Too Big to get through.
	ip netns exec "$LAB_RTR" sysctl -qw net.ipv6.conf.r0.mtu=1280
	ip netns exec "$LAB_RTR" nft -f - <<'EOF' || return 1
table inet lab {
	counter http80_nohttp6 { }
	counter http80_www { }
	chain through {
		type filter hook forward priority 0;
		ip6 daddr 2001:db8:2::25 tcp dport 80 counter name "http80_nohttp6"
		ip daddr 203.0.113.25 tcp dport 80 counter name "http80_nohttp6"
		ip6 daddr 2001:db8:2::10 tcp dport 80 counter name "http80_www"
		ip daddr 203.0.113.10 tcp dport 80 counter name "http80_www"
		ip6 daddr 2001:db8:2::13 drop
		ip6 daddr 2001:db8:2::17 drop
		ip6 daddr 2001:db8:2::18 reject with icmpv6 type addr-unreachable
		ip daddr 203.0.113.18 reject with icmp type host-unreachable
	}
	chain local_out {
		type filter hook output priority 0;
		icmpv6 type packet-too-big ip6 daddr 2001:db8:3::/64 drop
	}
}
EOF

	ip -n "$LAB_SRV" link set s0 up
	ip -n "$LAB_SRV" -6 route add default via 2001:db8:2::1 2>/dev/null
	ip -n "$LAB_SRV" addr add 2001:db8:2::2/64 dev s0 nodad
	ip -n "$LAB_SRV" addr add 203.0.113.2/25 dev s0
	ip -n "$LAB_SRV" -6 route replace default via 2001:db8:2::1
	ip -n "$LAB_SRV" route add default via 203.0.113.1
	for a in 10 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 53 54 55; do
		ip -n "$LAB_SRV" addr add "2001:db8:2::$a/128" dev s0 nodad
	done
	for a in 10 11 13 14 15 16 18 19 20 21 22 23 24 25 26 53; do
		ip -n "$LAB_SRV" addr add "203.0.113.$a/32" dev s0
	done

	ip -n "$LAB_MTU" link set m0 up
	ip -n "$LAB_MTU" addr add 2001:db8:3::30/64 dev m0 nodad
	ip -n "$LAB_MTU" addr add 203.0.113.130/25 dev m0
	ip -n "$LAB_MTU" -6 route add default via 2001:db8:3::1
	ip -n "$LAB_MTU" route add default via 203.0.113.129

	lab_certs || { echo "lab: certificates failed" >&2; return 1; }
	lab_nginx_conf
	spawn "$LAB_SRV" -- nginx -c "$LAB_DIR/nginx/nginx.conf" -e "$LAB_DIR/nginx/error.log"
	LAB_NGINX=$SPAWNED
	spawn "$LAB_MTU" -- nginx -c "$LAB_DIR/nginx-mtu/nginx.conf" -e "$LAB_DIR/nginx-mtu/error.log"
	# shellcheck disable=SC2046
	spawn "$LAB_SRV" -- dnsmasq $(lab_dnsmasq_args)
	LAB_DNSMASQ=$SPAWNED
	# A name server that fails on purpose (lab_exec_resolver): SERVFAIL,
	# REFUSED, no answer, truncated (no TCP) for the AAAA of these names.
	spawn "$LAB_SRV" -- python3 "$V6TOP/tests/tools/dnsfail.py" 2001:db8:2::55 -- \
		servfail6.lab.example/A=203.0.113.10 servfail6.lab.example/AAAA=servfail \
		refused6.lab.example/A=203.0.113.10 refused6.lab.example/AAAA=refused \
		timeout6.lab.example/A=203.0.113.10 timeout6.lab.example/AAAA=drop \
		trunc6.lab.example/A=203.0.113.10 trunc6.lab.example/AAAA=truncate
	LAB_DNSFAIL_LOG=$SPAWNED_LOG
	spawn "$LAB_SRV" -- "$V6TOOLS/badserver" 2001:db8:2::16 80 delay 1500
	spawn "$LAB_SRV" -- "$V6TOOLS/badserver" 203.0.113.16 80 ok

	mkdir -p "/etc/netns/$LAB_CLI"
	echo "nameserver 2001:db8:2::53" >"/etc/netns/$LAB_CLI/resolv.conf"
	: >"/etc/netns/$LAB_CLI/hosts"

	wait_until 10 ip netns exec "$LAB_CLI" curl -sf --cacert "$LAB_CA" \
		--resolve www.lab.example:443:[2001:db8:2::10] -o /dev/null \
		https://www.lab.example/ || { echo "lab: nginx not reachable" >&2; cat "$LAB_DIR/nginx/error.log" >&2; return 1; }
	wait_until 10 lab_dns_ready || { echo "lab: dnsmasq not answering" >&2; return 1; }
	wait_until 10 grep -q ready "$LAB_DNSFAIL_LOG" || { echo "lab: dnsfail.py not up" >&2; cat "$LAB_DNSFAIL_LOG" >&2; return 1; }
	return 0
}

# lab_exec_resolver ADDR CMD...: CMD in the client namespace, with ADDR
# as its only name server (2001:db8:2::55: dnsfail.py).
lab_exec_resolver() {
	local conf="$LAB_DIR/resolv-$1.conf"
	# made whole before anyone reads it: scenarios run side by side
	[ -s "$conf" ] || { echo "nameserver $1" >"$conf.$BASHPID" && mv "$conf.$BASHPID" "$conf"; }
	shift
	ip netns exec "$LAB_CLI" unshare -m sh -c \
		'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$conf" "$@"
}

# lab_counter NAME: packets the router forwarded to port 80 of a host
# (http80_nohttp6, http80_www: both its addresses).
lab_counter() {
	ip netns exec "$LAB_RTR" nft list counter inet lab "$1" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

lab_dns_ready() {
	ip netns exec "$LAB_CLI" getent ahostsv6 www.lab.example | grep -q 2001:db8:2::10
}

lab_exec() {
	local ns=$1; shift
	ip netns exec "$ns" "$@"
}
