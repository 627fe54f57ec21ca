#!/usr/bin/env python3
"""slowhttp: hold many HTTP connections open by sending them one byte at a
time (a slowloris), to check that a server bounds how long a request may
take and how many connections one network may hold.

    slowhttp.py ADDR PORT COUNT [--src A1,A2,...] [--per-src N]
                [--interval S] [--hold S] [--reconnect]
                [--post-token-file F]

Connections are spread over the source addresses, N per address (all from
the first one when --per-src is 0). Every --interval seconds each open
connection gets one more byte:
  - by default, of a request header that never ends;
  - with --post-token-file, the headers of a chunked POST
    /api/v1/results with that bearer token are sent whole at once, then
    the body comes one byte (one 1-byte chunk) per interval.
With --reconnect, a connection the server closed is opened again at the
next interval (as an attacker would).

Prints "open N failed M" once the first connects are done, "status CODE"
for each answer the server sends, "closed K" each time the number of
connections the server has closed changes, and when --hold seconds have
passed: "survivors S" (connections of the first round still open: the
server never ended them) and "reconnects R". Everything is bounded by
COUNT and --hold; the token is never printed.
"""
import argparse
import errno
import resource
import select
import socket
import sys
import time


class Conn:
    def __init__(self, src, first):
        self.src = src
        self.first = first  # opened in the first round
        self.sock = None
        self.connected = False
        self.sent = 0
        self.answered = False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--src", default="")
    ap.add_argument("--per-src", type=int, default=0)
    ap.add_argument("--interval", type=float, default=4)
    ap.add_argument("--hold", type=float, default=30)
    ap.add_argument("--reconnect", action="store_true")
    ap.add_argument("--post-token-file", default="")
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, a.count + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    srcs = [s for s in a.src.split(",") if s]
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    if a.post_token_file:
        with open(a.post_token_file) as f:
            token = f.readline().strip()
        head = ("POST /api/v1/results HTTP/1.1\r\nHost: c\r\n"
                "Authorization: Bearer %s\r\n"
                "Content-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n" % token).encode()
        trickle = b"1\r\n \r\n"  # one byte of body per interval
    else:
        head = b""
        trickle = None
    slowhead = b"POST /api/v1/results HTTP/1.1\r\nHost: c\r\nX-Slow: "

    conns = []
    for i in range(a.count):
        k = i // a.per_src if a.per_src > 0 else 0
        conns.append(Conn(srcs[k % len(srcs)] if srcs else None, True))

    poll = select.poll()
    byfd = {}
    closed = reconnects = failed = 0

    def start(c):
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            if c.src:
                s.bind((c.src, 0))
            s.setblocking(False)
            rc = s.connect_ex((a.addr, a.port))
            if rc not in (0, errno.EINPROGRESS):
                raise OSError(rc, "connect")
        except OSError:
            s.close()
            return False
        c.sock, c.connected, c.sent, c.answered = s, False, 0, False
        byfd[s.fileno()] = c
        poll.register(s.fileno(), select.POLLIN | select.POLLOUT)
        return True

    def drop(c):
        fd = c.sock.fileno()
        poll.unregister(fd)
        del byfd[fd]
        c.sock.close()
        c.sock = None
        c.first = False

    def feed(c):
        """Send the next byte (or the POST headers, then a body byte)."""
        try:
            if head and c.sent == 0:
                c.sock.send(head)
                c.sent = 1
            elif trickle is not None:
                c.sock.send(trickle)
            else:
                b = slowhead[c.sent:c.sent + 1] or b"a"
                c.sock.send(b)
                c.sent += 1
        except OSError:
            pass  # seen as closed by poll

    def events(timeout_ms):
        nonlocal closed
        for fd, ev in poll.poll(timeout_ms):
            c = byfd.get(fd)
            if c is None:
                continue
            if not c.connected and ev & select.POLLOUT:
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err != 0:
                    drop(c)
                    continue
                c.connected = True
                poll.modify(fd, select.POLLIN)
                feed(c)
                continue
            if ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                try:
                    data = c.sock.recv(65536)
                except OSError:
                    data = b""
                if data:
                    if not c.answered and data.startswith(b"HTTP/1."):
                        c.answered = True
                        print("status %s" % data[9:12].decode(), flush=True)
                    continue
                was_connected = c.connected
                drop(c)
                if was_connected:
                    closed += 1
                    print("closed %d" % closed, flush=True)

    # First round: every connection, then wait (at most 10 s) for them.
    for c in conns:
        if not start(c):
            failed += 1
            c.first = False
    end = time.monotonic() + 10
    while time.monotonic() < end and any(
            c.sock is not None and not c.connected for c in conns):
        events(100)
    for c in conns:
        if c.sock is not None and not c.connected:
            drop(c)
            failed += 1
    print("open %d failed %d" % (sum(c.sock is not None for c in conns),
                                 failed), flush=True)

    t0 = time.monotonic()
    end = t0 + a.hold
    due = t0 + a.interval
    while time.monotonic() < end:
        events(max(0, min(200, int((due - time.monotonic()) * 1000))))
        if time.monotonic() < due:
            continue
        due += a.interval
        for c in conns:
            if c.sock is not None and c.connected:
                feed(c)
            elif c.sock is None and a.reconnect:
                if start(c):
                    reconnects += 1
    print("survivors %d" % sum(c.first and c.sock is not None for c in conns),
          flush=True)
    print("reconnects %d" % reconnects, flush=True)
    for c in conns:
        if c.sock is not None:
            c.sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
