#!/usr/bin/env python3
"""i18ncheck: find English left in pages published in another language.

    i18ncheck.py POT PO PAGE.html...

Reads the template (POT: every string the sources mark) and the
language's catalogue (PO), then every text people read in each page --
text nodes (not in <script> or <style>) and the attributes title, alt,
aria-label, placeholder and data-*-title (site.js shows those) -- and
prints each one that is an English msgid the catalogue translates
otherwise: the whole text matching a msgid (its %s, %d... matching
anything), or holding a run of its words (a literal part of at least two
words) that no translation of the catalogue uses too (a term it keeps,
such as "ICMPv6 Packet Too Big"). Prints "ok PAGE" or "not ok PAGE: ..." per page; exits 1 when a
page is not ok, 2 on a usage or file error.
"""
import html.parser
import json
import re
import sys

FORMAT = re.compile(r"%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?(?:hh|h|ll|l|z|j|t|L)?[diouxXeEfgGcsp%]")
ATTRS = {"title", "alt", "aria-label", "placeholder"}
# Contexts whose strings are formats or codes, not words.
SKIP_CTX = {"decimal separator", "date and time, strftime",
            "date and time to the second, strftime", "date, strftime"}


def parse_po(path):
    """{(ctx, msgid): [msgstr, ...]} of a .po or .pot file (entries are
    separated by blank lines, as gettext's tools write them)."""
    entries = {}
    for block in re.split(r"\n\s*\n", open(path, encoding="utf-8").read()):
        cur, field = {}, None
        for line in block.split("\n"):
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
            if m:
                field = m.group(1)
                cur[field] = json.loads(m.group(2))
            elif line.startswith('"') and field:
                cur[field] += json.loads(line)
        if cur.get("msgid"):
            entries[(cur.get("msgctxt"), cur["msgid"])] = [
                v for k, v in sorted(cur.items()) if k.startswith("msgstr")]
    return entries


class Texts(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for k, v in attrs:
            if v and (k in ATTRS or (k.startswith("data-") and k.endswith("-title"))):
                self.texts.append((k, v))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.texts.append(("text", data))


def norm(s):
    return " ".join(s.split())


def checkers(pot, po):
    """(whole-text regexes, word runs) of the msgids translated otherwise."""
    whole, runs = [], []
    # Terms the translations keep (protocol names: "ICMPv6 Packet Too
    # Big") are not English left over.
    kept = " ".join(norm(t) for strs in po.values() for t in strs)
    for (ctx, msgid), _ in pot.items():
        if ctx in SKIP_CTX or (ctx or "").startswith("rrdtool"):
            continue
        strs = po.get((ctx, msgid))
        if strs is None or not any(strs):
            continue  # po-check reports it
        if all(norm(s) == norm(msgid) for s in strs):
            continue  # the same words in both languages ("DNS", "IPv6")
        parts = FORMAT.split(msgid)
        if not re.search(r"[A-Za-z]{2}", "".join(parts)):
            continue
        rx = ".+?".join(re.escape(norm(p)) if p.strip() else r"\s*" for p in parts)
        whole.append((re.compile(r"^\s*" + rx + r"\s*$"), msgid))
        for p in parts:
            p = norm(p).strip(" :;,.()")
            if len(p.split()) >= 2 and len(p) >= 8 and p not in kept:
                runs.append((p, msgid))
    return whole, runs


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        pot, po = parse_po(sys.argv[1]), parse_po(sys.argv[2])
    except OSError as e:
        print("i18ncheck: %s" % e, file=sys.stderr)
        return 2
    whole, runs = checkers(pot, po)
    status = 0
    for page in sys.argv[3:]:
        p = Texts()
        try:
            p.feed(open(page, encoding="utf-8").read())
        except OSError as e:
            print("i18ncheck: %s" % e, file=sys.stderr)
            return 2
        bad = []
        for where, text in p.texts:
            t = norm(text)
            hit = next((m for rx, m in whole if rx.match(t)), None)
            if hit is None:
                hit = next((m for r, m in runs if r in t), None)
            if hit is not None:
                bad.append("%s %r is English (msgid %r)" % (where, t[:80], hit))
        if bad:
            status = 1
            print("not ok %s: %d untranslated: %s" % (page, len(bad), "; ".join(bad[:8])))
        else:
            print("ok %s (%d texts)" % (page, len(p.texts)))
    return status


sys.exit(main())
