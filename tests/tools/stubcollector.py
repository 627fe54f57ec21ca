#!/usr/bin/env python3
"""stubcollector.py ADDRESS PORT OUTFILE: a collector stand-in for tests and
benchmarks. Acknowledges every batch POSTed to /api/v1/results with 200 and
appends each record, one JSON line, to OUTFILE ('-' for none)."""
import http.server
import json
import socket
import sys

addr, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sink = open(out, "a", buffering=1) if out != "-" else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(n))
        if sink:
            for r in body["results"]:
                sink.write(json.dumps(r) + "\n")
        ans = json.dumps({"accepted": len(body["results"]), "duplicates": 0,
                          "rejected": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ans)))
        self.end_headers()
        self.wfile.write(ans)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET


Server((addr, port), Handler).serve_forever()
