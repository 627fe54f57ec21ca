#!/bin/sh
# webhook-verify.sh: check a v6watch webhook signature with openssl.
#
#   webhook-verify.sh SECRET_FILE 'sha256=<hex>' < body
#
# Exits 0 and prints "valid" when the X-V6watch-Signature value is the
# HMAC-SHA256 of the raw body (stdin, byte for byte) keyed with the first
# line of SECRET_FILE; exits 1 and prints "invalid" otherwise, 2 on usage
# errors. The key is passed to openssl on its command line: run this only
# where other users cannot list your processes. The two values are not
# compared directly (the shell cannot do that in constant time) but
# through an HMAC under a fresh random key, so timing says nothing about
# the expected signature.
set -eu
if [ $# -ne 2 ] || [ ! -r "$1" ]; then
	echo "usage: webhook-verify.sh SECRET_FILE 'sha256=<hex>' < body" >&2
	exit 2
fi
secret=$(head -n 1 "$1" | sed 's/[[:space:]]*$//')
given=$2
hmac() { # hmac KEY: hex HMAC-SHA256 of stdin
	openssl dgst -sha256 -mac HMAC -macopt "key:$1" -r | cut -d' ' -f1
}
want="sha256=$(hmac "$secret")"
blind=$(openssl rand -hex 32)
if [ "$(printf %s "$want" | hmac "$blind")" = "$(printf %s "$given" | hmac "$blind")" ]; then
	echo valid
	exit 0
fi
echo invalid
exit 1
