#!/usr/bin/env python3
"""dnsfail.py ADDR [ADDR ...] -- RULE ...: a tiny UDP name server that
fails on purpose, for the check lab. It listens on port 53 of each ADDR
(UDP only: a truncated answer's retry over TCP is refused) and answers by
RULE, NAME/TYPE=ACTION:

  NAME/A=203.0.113.10     an answer (A or AAAA, several with commas)
  NAME/AAAA=servfail      rcode SERVFAIL (also: refused, nxdomain, nodata)
  NAME/AAAA=drop          no answer at all (the client times out)
  NAME/AAAA=truncate      an empty answer with TC set

Anything else is answered REFUSED. Stops on SIGTERM."""
import ipaddress
import select
import signal
import socket
import struct
import sys

RCODE = {"servfail": 2, "nxdomain": 3, "refused": 5, "nodata": 0}
QTYPE = {"A": 1, "AAAA": 28, "NS": 2, "SOA": 6}


def parse_rules(args):
    rules = {}
    for a in args:
        key, action = a.split("=", 1)
        name, qtype = key.rsplit("/", 1)
        rules[(name.lower().rstrip("."), QTYPE[qtype])] = action
    return rules


def qname(pkt, off):
    labels = []
    while True:
        n = pkt[off]
        off += 1
        if n == 0:
            break
        labels.append(pkt[off:off + n].decode("ascii", "replace"))
        off += n
    return ".".join(labels).lower(), off


def answer(pkt, rules):
    if len(pkt) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", pkt[:6])
    if qd != 1:
        return None
    name, off = qname(pkt, 12)
    qtype, qclass = struct.unpack("!HH", pkt[off:off + 4])
    question = pkt[12:off + 4]
    action = rules.get((name, qtype), "refused")
    rd = flags & 0x0100
    resp = 0x8000 | rd | 0x0080  # QR, RD copied, RA
    rrs = b""
    ancount = 0
    if action == "drop":
        return None
    if action == "truncate":
        resp |= 0x0200
    elif action in RCODE:
        resp |= RCODE[action]
    else:
        for ip in action.split(","):
            data = ipaddress.ip_address(ip).packed
            rrs += struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(data)) + data
            ancount += 1
    return struct.pack("!HHHHHH", qid, resp, 1, ancount, 0, 0) + question + rrs


def main():
    sep = sys.argv.index("--")
    addrs, rules = sys.argv[1:sep], parse_rules(sys.argv[sep + 1:])
    socks = []
    for a in addrs:
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((a, 53))
        socks.append(s)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select(socks, [], [])
        for s in ready:
            pkt, peer = s.recvfrom(4096)
            try:
                out = answer(pkt, rules)
            except (IndexError, struct.error, KeyError, ValueError):
                out = None
            if out is not None:
                s.sendto(out, peer)


if __name__ == "__main__":
    main()
