#!/usr/bin/env python3
"""keepalive: POST records to /api/v1/results over one kept-alive
connection, pausing between them, as a probe's upload does, to check that
a server's request deadlines do not count the idle time between requests.

    keepalive.py ADDR PORT PROBE TOKEN_FILE [--src A] [--count N]
                 [--gap SECONDS] [--seq0 S]

Prints "status CODE" for each answer, or "closed" (and stops) when the
server has closed the connection; each answer is awaited at most 10 s.
The token is never printed.
"""
import argparse
import json
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("probe")
    ap.add_argument("token_file")
    ap.add_argument("--src", default="")
    ap.add_argument("--count", type=int, default=2)
    ap.add_argument("--gap", type=float, default=12)
    ap.add_argument("--seq0", type=int, default=1000)
    a = ap.parse_args()

    with open(a.token_file) as f:
        token = f.readline().strip()
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if a.src:
        s.bind((a.src, 0))
    s.settimeout(10)
    s.connect((a.addr, a.port))
    for i in range(a.count):
        if i > 0:
            time.sleep(a.gap)
        seq = a.seq0 + i
        body = json.dumps({"probe": a.probe, "results": [{
            "probe": a.probe, "target": "keepalive",
            "url": "https://k.example/", "family": "ipv6",
            "ts": 1764480000 + seq, "seq": seq, "outcome": "ok"}]}).encode()
        try:
            s.sendall(b"POST /api/v1/results HTTP/1.1\r\nHost: c\r\n"
                      b"Authorization: Bearer " + token.encode() + b"\r\n"
                      b"Content-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body)
            data = b""
            while b"\r\n\r\n" not in data:
                d = s.recv(65536)
                if not d:
                    raise OSError("closed")
                data += d
            head, rest = data.split(b"\r\n\r\n", 1)
            n = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    n = int(v)
            while len(rest) < n:
                d = s.recv(65536)
                if not d:
                    raise OSError("closed")
                rest += d
        except OSError:
            print("closed", flush=True)
            return 1
        print("status %s" % head[9:12].decode(), flush=True)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
