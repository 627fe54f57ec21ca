#!/usr/bin/env python3
"""idleconns: open many TCP connections to a server and leave them idle (or
send half a request header and stop: a slowloris), to check that a server
keeps answering others and drops them in time.

    idleconns.py ADDR PORT COUNT [--src A1,A2,...] [--per-src N]
                 [--partial] [--hold SECONDS]

Connections are spread over the source addresses, N per address (all
from the first one when --per-src is 0). Prints "open N failed M" once all
connects are done, then "closed K" each time the number of connections
the server has closed (EOF or reset) changes, until --hold seconds pass;
then exits.
"""
import argparse
import resource
import select
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--src", default="")
    ap.add_argument("--per-src", type=int, default=0)
    ap.add_argument("--partial", action="store_true")
    ap.add_argument("--hold", type=float, default=60)
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, a.count + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    srcs = [s for s in a.src.split(",") if s]
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    socks, failed = [], 0
    for i in range(a.count):
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            if srcs:
                k = i // a.per_src if a.per_src > 0 else 0
                s.bind((srcs[k % len(srcs)], 0))
            s.settimeout(5)
            s.connect((a.addr, a.port))
            if a.partial:
                s.sendall(b"POST /api/v1/results HTTP/1.1\r\nHost: c\r\n")
            s.setblocking(False)
            socks.append(s)
        except OSError:
            failed += 1
            s.close()
    print("open %d failed %d" % (len(socks), failed), flush=True)

    poll = select.poll()
    byfd = {}
    for s in socks:
        poll.register(s.fileno(), select.POLLIN)
        byfd[s.fileno()] = s
    closed, end = 0, time.monotonic() + a.hold
    while time.monotonic() < end and byfd:
        for fd, _ in poll.poll(200):
            s = byfd.pop(fd)
            poll.unregister(fd)
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data:  # an answer (e.g. 408): still counts as dropped
                pass
            s.close()
            closed += 1
            print("closed %d" % closed, flush=True)
    for s in byfd.values():
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
