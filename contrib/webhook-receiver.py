#!/usr/bin/env python3
"""webhook-receiver: a minimal v6watch webhook receiver (Python 3 standard
library only). It checks X-V6watch-Signature -- "sha256=" + hex
HMAC-SHA256 of the raw body with the webhook's secret -- in constant time,
answers 401 to anything unsigned or wrongly signed, drops deliveries it
has seen (X-V6watch-Delivery is kept across retries: delivery is at least
once) and prints each event. Answer 2xx quickly: v6collector retries
anything else, and a receiver that hangs holds up its webhook's queue.

    webhook-receiver.py --secret-file /etc/v6watch/ops.secret [--port 8099]

and in collector.conf:
    webhooks = ( { name = "ops"; url = "http://receiver.example:8099/";
                   secret_file = "/etc/v6watch/ops.secret"; } );
Put it behind TLS (a reverse proxy) when it is reached over a network.
"""
import argparse
import collections
import hashlib
import hmac
import http.server
import json
import sys
import threading

MAX_BODY = 1 << 20


def verify(secret, body, header):
    """True when header is the signature of body under secret."""
    want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want.encode(), (header or "").encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--listen", default="::")
    ap.add_argument("--port", type=int, default=8099)
    args = ap.parse_args()
    with open(args.secret_file, "rb") as f:
        secret = f.readline().rstrip()  # first line, as v6collector reads it
    seen = collections.OrderedDict()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            try:
                n = int(self.headers.get("Content-Length", ""))
            except ValueError:
                n = -1
            if n < 0 or n > MAX_BODY:
                self.send_error(413)
                return
            body = self.rfile.read(n)
            if not verify(secret, body, self.headers.get("X-V6watch-Signature")):
                self.send_error(401, "bad signature")
                return
            delivery = self.headers.get("X-V6watch-Delivery", "")
            self.send_response(204)
            self.end_headers()
            with lock:
                if delivery in seen:
                    return  # a retry of something already handled
                seen[delivery] = True
                if len(seen) > 10000:
                    seen.popitem(last=False)
            ev = json.loads(body)
            if "text" in ev:  # format = "slack"
                print(ev["text"], flush=True)
                return
            what = ev.get("state", ev.get("ready", ev.get("days_left", "")))
            print(ev["event"], ev.get("target", "-"), ev.get("family", "-"),
                  what, "-", ev["detail"], flush=True)

        def log_message(self, fmt, *a):
            pass

    class Server(http.server.ThreadingHTTPServer):
        address_family = 10 if ":" in args.listen else 2  # AF_INET6 / AF_INET

    Server((args.listen, args.port), Handler).serve_forever()


if __name__ == "__main__":
    sys.exit(main())
