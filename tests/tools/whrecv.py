#!/usr/bin/env python3
"""whrecv: a webhook receiver for the integration tests. Logs every request
as one JSON line -- time, path, headers, body and whether the
X-V6watch-Signature is the HMAC-SHA256 of the body with the secret -- and
answers as the mode file says at that moment:

    ok        200 "ok"
    500       500 "receiver broken" (and 503, 404 alike: any number)
    hang      reads the request, then never answers
    redirect  302 to /elsewhere (a client that follows it shows up there)
    big       200 with a 10 MiB body

    whrecv.py --listen ADDR --port N --log FILE --secret-file F
              [--mode-file F]

Prints "listening" once it accepts connections.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import socket
import sys
import threading
import time


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="::1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--mode-file", default="")
    args = ap.parse_args()
    with open(args.secret_file, "rb") as f:
        secret = f.readline().rstrip()
    lock = threading.Lock()

    def mode():
        if not args.mode_file:
            return "ok"
        try:
            with open(args.mode_file) as f:
                return f.read().strip() or "ok"
        except OSError:
            return "ok"

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n) if n > 0 else b""
            sig = self.headers.get("X-V6watch-Signature", "")
            want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            m = mode()
            rec = {
                "t": time.time(),
                "path": self.path,
                "mode": m,
                "headers": {k: v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "sig_ok": hmac.compare_digest(sig.encode(), want.encode()),
            }
            with lock:
                with open(args.log, "a") as f:
                    f.write(json.dumps(rec) + "\n")
            if m == "hang":
                time.sleep(3600)
                return
            if m == "redirect":
                self.send_response(302)
                self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if m == "big":
                self.send_response(200)
                self.send_header("Content-Length", str(10 << 20))
                self.end_headers()
                chunk = b"x" * 65536
                try:
                    for _ in range(160):
                        self.wfile.write(chunk)
                except OSError:
                    pass
                return
            code = int(m) if m.isdigit() else 200
            text = b"ok" if code == 200 else b"receiver broken\x01\n"
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

    srv = Server((args.listen, args.port), Handler)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
