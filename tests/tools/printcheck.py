#!/usr/bin/env python3
"""printcheck: print pages with headless Chromium (DevTools protocol on a
pipe, as sitecheck.py) and report what a printed letter would get wrong:
the page not A4 (the stylesheet's @page), navigation, links styled as
links, form controls or anything marked .noprint still shown, text not
black or backgrounds not white, a table head not repeated on every page,
rows, cards or figures that may split across pages, and no header saying
who publishes and as of when.

    printcheck.py --chromium BIN --profile DIR [--pdf FILE] URL...

Prints "ok URL" or "not ok URL: what" per page and exits 1 when one is
not ok. --pdf keeps the first page's PDF. Every wait has a deadline;
Chromium is closed (or killed) at the end.
"""
import argparse
import base64
import json
import os
import re
import select
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--chromium", default="chromium")
ap.add_argument("--profile", required=True)
ap.add_argument("--pdf")
ap.add_argument("--timeout", type=float, default=20)
ap.add_argument("urls", nargs="+")
args = ap.parse_args()

cmd_r, cmd_w = os.pipe()
out_r, out_w = os.pipe()


def child_fds():
    # Chromium reads commands on fd 3 and writes answers on fd 4.
    a, b = os.dup(cmd_r), os.dup(out_w)
    os.dup2(a, 3)
    os.dup2(b, 4)


proc = subprocess.Popen(
    [args.chromium, "--headless", "--no-sandbox", "--disable-gpu",
     "--disable-background-networking", "--disable-component-update",
     "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
     "--user-data-dir=" + args.profile, "--remote-debugging-pipe",
     "about:blank"],
    close_fds=False, preexec_fn=child_fds,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(cmd_r)
os.close(out_w)
buf = b""
next_id = 0
events = []


def read_message(deadline):
    global buf
    while b"\0" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no answer from chromium")
        r, _, _ = select.select([out_r], [], [], left)
        if r:
            chunk = os.read(out_r, 1 << 20)
            if not chunk:
                raise EOFError("chromium went away")
            buf += chunk
    msg, buf = buf.split(b"\0", 1)
    return json.loads(msg)


def send(method, params=None, session=None):
    global next_id
    next_id += 1
    m = {"id": next_id, "method": method, "params": params or {}}
    if session:
        m["sessionId"] = session
    os.write(cmd_w, json.dumps(m).encode() + b"\0")
    deadline = time.monotonic() + args.timeout
    while True:
        msg = read_message(deadline)
        if msg.get("id") == next_id:
            if "error" in msg:
                raise RuntimeError("%s: %s" % (method, msg["error"]))
            return msg.get("result", {})
        events.append(msg)


def wait_event(name, deadline):
    while True:
        for i, e in enumerate(events):
            if e.get("method") == name:
                return events.pop(i)
        events.append(read_message(deadline))


# What the printed page shows, measured in the page with print media.
PROBE = r"""
(() => {
  const shown = e => { const s = getComputedStyle(e);
    return s.display !== 'none' && s.visibility !== 'hidden' &&
      e.getClientRects().length > 0; };
  const all = Array.from(document.body.querySelectorAll('*')).filter(shown);
  const name = e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '');
  const white = c => c === 'rgb(255, 255, 255)' || c === 'rgba(0, 0, 0, 0)';
  const text = e => Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  const head = document.querySelector('header');
  return JSON.stringify({
    nav: Array.from(document.querySelectorAll('nav')).filter(shown).length,
    controls: all.filter(e => /^(SELECT|INPUT|BUTTON|TEXTAREA)$/.test(e.tagName)).map(name),
    noprint: all.filter(e => e.closest('.noprint')).map(name).slice(0, 5),
    links: all.filter(e => e.tagName === 'A' &&
      (getComputedStyle(e).textDecorationLine !== 'none' ||
       getComputedStyle(e).color !== 'rgb(0, 0, 0)')).map(name).slice(0, 5),
    colour: all.filter(e => text(e) && getComputedStyle(e).color !== 'rgb(0, 0, 0)')
      .map(e => name(e) + ' ' + getComputedStyle(e).color).slice(0, 5),
    background: all.filter(e => !white(getComputedStyle(e).backgroundColor))
      .map(e => name(e) + ' ' + getComputedStyle(e).backgroundColor).slice(0, 5),
    thead: Array.from(document.querySelectorAll('thead')).filter(shown)
      .filter(e => getComputedStyle(e).display !== 'table-header-group').length,
    split: all.filter(e => /^(TR|FIGURE|IMG)$/.test(e.tagName) || e.classList.contains('card'))
      .filter(e => getComputedStyle(e).breakInside !== 'avoid').map(name).slice(0, 5),
    header: head && shown(head) ? head.innerText : '',
    title: document.title
  });
})()
"""

status = 0
try:
    pages = [t for t in send("Target.getTargets")["targetInfos"] if t["type"] == "page"]
    target = pages[0]["targetId"] if pages else send(
        "Target.createTarget", {"url": "about:blank"})["targetId"]
    sid = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    send("Page.enable", session=sid)
    for n, url in enumerate(args.urls):
        events.clear()
        send("Page.navigate", {"url": url}, session=sid)
        wait_event("Page.loadEventFired", time.monotonic() + args.timeout)
        send("Emulation.setEmulatedMedia", {"media": "print"}, session=sid)
        info = json.loads(send("Runtime.evaluate", {"returnByValue": True, "expression": PROBE},
                               session=sid)["result"]["value"])
        pdf = base64.b64decode(send("Page.printToPDF", {"preferCSSPageSize": True},
                                    session=sid)["data"])
        send("Emulation.setEmulatedMedia", {"media": ""}, session=sid)
        bad = []
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
        if not boxes:
            bad.append("no page in the PDF")
        for w, h in boxes:
            # A4 is 595.28 x 841.89 points.
            if abs(float(w) - 595.28) > 2 or abs(float(h) - 841.89) > 2:
                bad.append("a page of %s x %s pt, not A4" % (w.decode(), h.decode()))
                break
        if info["nav"]:
            bad.append("navigation printed")
        for k, what in (("controls", "form controls"), ("noprint", ".noprint printed"),
                        ("links", "links styled as links"), ("colour", "text not black"),
                        ("background", "background not white"),
                        ("split", "may split across pages")):
            if info[k]:
                bad.append("%s: %s" % (what, ", ".join(info[k])))
        if info["thead"]:
            bad.append("%d table heads not repeated on each page" % info["thead"])
        if not re.search(r"As of \d{4}-\d\d-\d\d", info["header"]):
            bad.append("no header with the date: %r" % info["header"][:80])
        what = "%s (%d pages)" % (url, len(boxes))
        if bad:
            status = 1
            print("not ok %s: %s" % (what, "; ".join(bad)))
        else:
            print("ok %s" % what)
            print("# header: " + " | ".join(info["header"].split("\n")))
        if n == 0 and args.pdf:
            with open(args.pdf, "wb") as f:
                f.write(pdf)
except Exception as e:  # report, never hang
    print("not ok printcheck: %s: %s" % (type(e).__name__, e))
    status = 1
finally:
    try:
        os.write(cmd_w, json.dumps({"id": 999999, "method": "Browser.close"}).encode() + b"\0")
        proc.wait(timeout=5)
    except Exception:
        proc.kill()
        proc.wait()
sys.exit(status)
