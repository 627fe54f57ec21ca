#!/usr/bin/env python3
"""sitecheck: open pages in headless Chromium through the DevTools protocol
on a pipe (--remote-debugging-pipe), and report what a reader would see go
wrong: images that did not load, console errors, exceptions, resources
refused (Content-Security-Policy), a page wider than a phone's screen.

    sitecheck.py --chromium BIN --profile DIR [--screenshot PNG]
                 [--shot URL=PNG]... [--lang LANG] URL...

Prints one line per page, "ok URL" or "not ok URL: what", and exits 1 when
a page is not ok. The screenshot is of the first URL, 1280 px wide;
--shot takes one of any URL checked. --lang: each page's <html lang>
must be LANG.
Bounded: every wait has a deadline; Chromium is killed at the end.
"""
import argparse
import base64
import json
import os
import select
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--chromium", default="chromium")
ap.add_argument("--profile", required=True)
ap.add_argument("--screenshot")
ap.add_argument("--shot", action="append", default=[], metavar="URL=PNG")
ap.add_argument("--lang")
ap.add_argument("--timeout", type=float, default=20)
ap.add_argument("urls", nargs="+")
args = ap.parse_args()
shots = dict(s.split("=", 1) for s in args.shot)

# Chromium reads commands on fd 3 and writes answers on fd 4.
cmd_r, cmd_w = os.pipe()
out_r, out_w = os.pipe()


def child_fds():
    # In the child, before exec: the pipe ends at 3 and 4 (inheritable);
    # every other descriptor of ours is close-on-exec.
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


def send(method, params=None, session=None, timeout=None):
    global next_id
    next_id += 1
    m = {"id": next_id, "method": method, "params": params or {}}
    if session:
        m["sessionId"] = session
    os.write(cmd_w, json.dumps(m).encode() + b"\0")
    deadline = time.monotonic() + (timeout or args.timeout)
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


def problems_of(evs):
    out = []
    for e in evs:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            out.append("exception: " + p["exceptionDetails"].get("text", "?"))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console error: " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            out.append("log error: %s %s" % (p["entry"].get("text"), p["entry"].get("url", "")))
    return out


status = 0
try:
    pages = [t for t in send("Target.getTargets")["targetInfos"] if t["type"] == "page"]
    target = pages[0]["targetId"] if pages else send("Target.createTarget", {"url": "about:blank"})["targetId"]
    sid = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for m in ("Page.enable", "Runtime.enable", "Log.enable"):
        send(m, session=sid)
    for n, url in enumerate(args.urls):
        for width, mobile in ((1280, False), (390, True)):
            send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile},
                 session=sid)
            events.clear()
            send("Page.navigate", {"url": url}, session=sid)
            deadline = time.monotonic() + args.timeout
            wait_event("Page.loadEventFired", deadline)
            # Late console messages and image errors.
            end = time.monotonic() + 0.3
            while time.monotonic() < end:
                try:
                    events.append(read_message(end))
                except TimeoutError:
                    break
            res = send("Runtime.evaluate", {"returnByValue": True, "expression": """
                JSON.stringify({
                  broken: Array.from(document.images)
                    .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
                  images: document.images.length,
                  wide: document.documentElement.scrollWidth > window.innerWidth + 1,
                  script: !!document.getElementById('targets') ?
                    !document.getElementById('filter').classList.contains('hidden') : true,
                  title: document.title,
                  lang: document.documentElement.lang
                })"""}, session=sid)
            info = json.loads(res["result"]["value"])
            bad = problems_of(events)
            if info["broken"]:
                bad.append("images not loaded: " + ", ".join(info["broken"][:5]))
            if info["wide"]:
                bad.append("wider than a %d px screen" % width)
            if not info["script"]:
                bad.append("site.js did not run")
            if args.lang and info["lang"] != args.lang:
                bad.append("lang %r, not %r" % (info["lang"], args.lang))
            what = "%s (%d px, %d images)" % (url, width, info["images"])
            if bad:
                status = 1
                print("not ok %s: %s" % (what, "; ".join(bad)))
            else:
                print("ok %s" % what)
            for png in ([args.screenshot] if n == 0 and args.screenshot else []) + \
                    ([shots[url]] if url in shots else []):
                if width != 1280:
                    continue
                shot = send("Page.captureScreenshot", {"format": "png"}, session=sid)
                with open(png, "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
except Exception as e:  # report, never hang
    print("not ok sitecheck: %s: %s" % (type(e).__name__, e))
    status = 1
finally:
    try:
        os.write(cmd_w, json.dumps({"id": 999999, "method": "Browser.close"}).encode() + b"\0")
        proc.wait(timeout=5)
    except Exception:
        proc.kill()
        proc.wait()
sys.exit(status)
