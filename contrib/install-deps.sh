#!/bin/sh
# install-deps.sh: install the Debian packages v6watch needs. Installs only
# what is missing; runs apt-get update at most once.
#
#   contrib/install-deps.sh            all of it: build, `make test`, `make demo`,
#                                      the man page lint and `make deb` (root)
#   contrib/install-deps.sh --runtime  only what the daemons need to run: the
#                                      shared libraries and the CA store (what
#                                      the v6watch-probe and -collector
#                                      packages depend on, libpcap included)
#   contrib/install-deps.sh --check [--runtime]
#                                      list what is missing, exit 1 if anything is
#   contrib/install-deps.sh --list [--runtime]
#                                      print the packages of the set, one a line
set -eu

# What v6probe and v6collector load: the libraries (libpcap0.8 is loaded
# only for a capture, so the probe package merely recommends it) and the
# trust store the probe's default cacert names.
RUNTIME="
libcurl4 libc-ares2 libpcap0.8 librrd8 libcjson1 libmicrohttpd12 libconfig9
libssl3 libhttp-parser2.9 libidn2-0 libcsv3 ca-certificates
"
# Building: compiler and the development packages pkg-config finds (and
# the two it does not: libhttp-parser-dev, libcsv-dev).
BUILD="
build-essential pkg-config
libcurl4-openssl-dev libc-ares-dev libpcap-dev librrd-dev libcjson-dev
libmicrohttpd-dev libconfig-dev libssl-dev libhttp-parser-dev libidn2-dev
libcsv-dev
"
# Tests, demo and lint: never needed on a machine that only runs v6watch.
TEST="
libcmocka-dev
rrdtool rrdcached
nginx dnsmasq-base nftables iproute2 openssl curl
tcpdump prometheus prometheus-alertmanager python3 procps psmisc valgrind
chromium
mandoc man-db
nagios4-core icinga2-bin
"
# Debian packages (make deb, tests/integration/t-deb.sh).
PACKAGING="
debhelper dpkg-dev fakeroot lintian
"

check=0 runtime=0 list=0
for a in "$@"; do
	case "$a" in
	--check) check=1 ;;
	--list) list=1 ;;
	--runtime) runtime=1 ;;
	-h | --help)
		sed -n '2,14s/^# \{0,1\}//p' "$0"
		exit 0 ;;
	*)
		echo "install-deps: unknown option '$a' (see $0 --help)" >&2
		exit 2 ;;
	esac
done
if [ $runtime = 1 ]; then
	PKGS=$RUNTIME
else
	PKGS="$RUNTIME $BUILD $TEST $PACKAGING"
fi
if [ $list = 1 ]; then
	printf '%s\n' $PKGS
	exit 0
fi

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	[ $check = 1 ] || echo "install-deps: all packages present"
	exit 0
fi
if [ $check = 1 ]; then
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
