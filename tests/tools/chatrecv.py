#!/usr/bin/env python3
"""chatrecv: a stand-in for Telegram's Bot API and a Teams Workflow webhook
in the integration tests. Logs every request as one JSON line (time, path,
headers, body, the kind it was taken for and "problems": every way the body
departs from what the service documents) and answers as the service does.

  telegram  POST /bot<TOKEN>/sendMessage, application/json:
            chat_id (integer or string) and text (1..4096 characters after
            entity parsing) required; parse_mode "HTML": only the tags the
            Bot API lists, '<', '>', '&' written &lt; &gt; &amp; (and
            &quot;) elsewhere. A wrong token gets 401 {"ok":false,...}; a
            good request {"ok":true,"result":{message}}.
  teams     POST to a Workflow URL: {"type":"message","attachments":[{
            "contentType":"application/vnd.microsoft.card.adaptive",
            "content":{"type":"AdaptiveCard","version":"1.4","body":[...]}}]}
            with TextBlock (text) and FactSet (facts of title and value)
            elements, Action.OpenUrl actions (url); no Markdown-style *bold*
            nor :emoji: shortcodes (Teams shows them raw). Answers 202.

    chatrecv.py --kind telegram|teams --port N --log FILE [--token-file F]

Prints "listening" once it accepts connections.
"""
import argparse
import html.parser
import http.server
import json
import re
import socket
import threading
import time

TG_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
           "span", "tg-spoiler", "a", "tg-emoji", "code", "pre",
           "blockquote"}


class TgHTML(html.parser.HTMLParser):
    """Checks Telegram's HTML subset; collects the visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.problems, self.text, self.stack = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in TG_TAGS:
            self.problems.append(f"tag <{tag}> is not supported")
        if tag == "a" and not any(k == "href" for k, _ in attrs):
            self.problems.append("<a> without href")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"</{tag}> does not close the open tag")

    def handle_data(self, data):
        for c in "<>":
            if c in data:
                self.problems.append(f"raw {c!r} in text")
        self.text.append(data)

    def handle_entityref(self, name):
        if name not in ("lt", "gt", "amp", "quot"):
            self.problems.append(f"entity &{name}; is not supported")
        self.text.append("&" + name + ";")

    def handle_charref(self, name):
        self.text.append("?")


def check_telegram(path, token, body):
    p = []
    if path != f"/bot{token}/sendMessage":
        return ["unauthorized"], None
    if not isinstance(body, dict):
        return ["body is not a JSON object"], None
    if not isinstance(body.get("chat_id"), (int, str)):
        p.append("chat_id missing or not an integer or string")
    text = body.get("text")
    if not isinstance(text, str):
        return p + ["text missing"], None
    for k in body:
        if k not in ("chat_id", "text", "parse_mode", "disable_web_page_preview",
                     "link_preview_options", "disable_notification",
                     "message_thread_id", "protect_content", "entities"):
            p.append(f"unknown parameter {k}")
    if body.get("parse_mode") == "HTML":
        h = TgHTML()
        h.feed(text)
        h.close()
        # A raw '&' not starting an entity shows up as data.
        if re.search(r"&(?!(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);)", text):
            p.append("raw '&' in text")
        p += h.problems
        if h.stack:
            p.append(f"unclosed tags {h.stack}")
        shown = "".join(h.text)
    elif body.get("parse_mode") is None:
        shown = text
    else:
        p.append(f"parse_mode {body.get('parse_mode')!r} not checked here")
        shown = text
    if not 1 <= len(shown) <= 4096:
        p.append(f"text is {len(shown)} characters (1..4096)")
    return p, shown


def check_teams(body):
    p = []
    if not isinstance(body, dict) or body.get("type") != "message":
        return ['"type" is not "message"']
    atts = body.get("attachments")
    if not isinstance(atts, list) or not atts:
        return ["attachments missing"]
    a = atts[0]
    if a.get("contentType") != "application/vnd.microsoft.card.adaptive":
        p.append("attachments[0].contentType is not an Adaptive Card")
    c = a.get("content")
    if not isinstance(c, dict):
        return p + ["attachments[0].content missing"]
    if c.get("type") != "AdaptiveCard":
        p.append('content.type is not "AdaptiveCard"')
    if c.get("version") != "1.4":
        p.append("content.version is not \"1.4\"")
    kinds = []
    for el in c.get("body", []):
        kinds.append(el.get("type"))
        if el.get("type") == "TextBlock":
            if not isinstance(el.get("text"), str) or not el["text"]:
                p.append("TextBlock without text")
        elif el.get("type") == "FactSet":
            for f in el.get("facts", []):
                if not (isinstance(f.get("title"), str) and
                        isinstance(f.get("value"), str)):
                    p.append("a fact without title and value strings")
        else:
            p.append(f"unexpected element {el.get('type')}")
    if "TextBlock" not in kinds or "FactSet" not in kinds:
        p.append("no TextBlock or no FactSet")
    for act in c.get("actions", []):
        if act.get("type") != "Action.OpenUrl" or not act.get("url"):
            p.append("an action that is not Action.OpenUrl with url")
    raw = json.dumps(c)
    if re.search(r"\*[^*\s][^*]*\*", raw):
        p.append("Markdown *bold* in the card")
    if re.search(r":[a-z_]+:", raw.replace("https:", "").replace("http:", "")):
        p.append("an :emoji: shortcode in the card")
    return p


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", choices=("telegram", "teams"), required=True)
    ap.add_argument("--listen", default="::1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token-file", default="")
    args = ap.parse_args()
    token = ""
    if args.token_file:
        with open(args.token_file) as f:
            token = f.readline().strip()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def answer(self, code, obj):
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n) if n > 0 else b""
            problems, shown = [], None
            try:
                body = json.loads(raw)
            except ValueError:
                body, problems = None, ["body is not JSON"]
            if not self.headers.get("Content-Type", "").startswith(
                    "application/json"):
                problems.append("Content-Type is not application/json")
            if body is not None:
                if args.kind == "telegram":
                    pr, shown = check_telegram(self.path, token, body)
                    problems += pr
                else:
                    problems += check_teams(body)
            rec = {"t": time.time(), "path": self.path,
                   "headers": dict(self.headers.items()),
                   "body": raw.decode("utf-8", "replace"),
                   "shown": shown, "problems": problems}
            with lock:
                with open(args.log, "a") as f:
                    f.write(json.dumps(rec) + "\n")
            if args.kind == "telegram":
                if problems == ["unauthorized"]:
                    self.answer(401, {"ok": False, "error_code": 401,
                                      "description": "Unauthorized"})
                elif problems:
                    self.answer(400, {"ok": False, "error_code": 400,
                                      "description": "Bad Request: " +
                                      problems[0]})
                else:
                    self.answer(200, {"ok": True, "result": {
                        "message_id": 1, "date": int(time.time()),
                        "chat": {"id": body["chat_id"]}, "text": shown}})
            else:
                self.answer(400 if problems else 202,
                            {"error": problems} if problems else {})

    srv = Server((args.listen, args.port), Handler)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
