#!/bin/sh
# install-deps.sh: install the Debian packages v6watch needs to build, test and
# run its demo. Installs only what is missing; runs apt-get update at most once.
#
#   contrib/install-deps.sh           install what is missing (root)
#   contrib/install-deps.sh --check   list what is missing, exit 1 if anything is
set -eu

PKGS="
build-essential pkg-config
libcurl4-openssl-dev libc-ares-dev libpcap-dev librrd-dev libcjson-dev
libmicrohttpd-dev libconfig-dev libssl-dev libcmocka-dev libhttp-parser-dev
rrdtool rrdcached
nginx dnsmasq-base nftables iproute2 openssl curl
tcpdump prometheus python3 procps psmisc valgrind
chromium
"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	[ "${1:-}" = "--check" ] || echo "install-deps: all packages present"
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "install-deps: missing:$missing"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or: sudo $0) to install them" >&2
	exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Update the package lists once; retry the install after an update only if
# the first attempt could not find a package.
if ! apt-get install -y -q --no-install-recommends $missing; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends $missing
fi
