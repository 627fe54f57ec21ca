#!/bin/sh
# man-keys.sh: every setting of the config tables (struct cfg_field tables
# and the top-level name lists in probe/conf.c and collector/conf.c) is
# documented in man/v6watch.conf.5, in the subsection of its group, as a
# ".It Ic KEY" entry (top-level names: anywhere as "Ic NAME"). Prints what is
# missing and exits 1, so the page cannot fall behind the code.
#
#   tests/man-keys.sh [TOP]      TOP: the source tree (default: this one's)
set -eu
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
exec python3 - "$top" <<'EOF'
import re, sys

top = sys.argv[1]
page = open(f"{top}/man/v6watch.conf.5").read()

# file, table -> the .Ss subsection of v6watch.conf.5 that documents it.
SECTIONS = {
    ("probe/conf.c", "probe_fields"): "The probe group",
    ("probe/conf.c", "collector_fields"): "The collector group (probe.conf)",
    ("probe/conf.c", "capture_fields"): "The capture group",
    ("probe/conf.c", "target_fields"): "Targets",
    ("collector/conf.c", "collector_fields"): "The collector group",
    ("collector/conf.c", "alert_fields"): "The alert group",
    ("collector/conf.c", "probe_fields"): "Probes",
    ("collector/conf.c", "webhook_fields"): "Webhooks",
}

# Split the page into its subsections: title -> text up to the next .Ss/.Sh.
subs = {}
for m in re.finditer(r"^\.Ss (.*)\n((?:(?!\.S[sh] ).*\n)*)", page, re.M):
    subs[m.group(1).strip()] = m.group(2)

missing, nkeys = [], 0
for src in ("probe/conf.c", "collector/conf.c"):
    text = open(f"{top}/{src}").read()
    tables = re.findall(
        r"static const struct cfg_field (\w+)\[\] = \{(.*?)\n\};", text, re.S)
    if not tables:
        missing.append(f"{src}: no struct cfg_field table found (has the "
                       "code moved? update tests/man-keys.sh)")
    for table, body in tables:
        sec = SECTIONS.get((src, table))
        if sec is None:
            missing.append(f"{src}: table {table} has no subsection in "
                           "tests/man-keys.sh: document it in "
                           "man/v6watch.conf.5 and add it there")
            continue
        if sec not in subs:
            missing.append(f"man/v6watch.conf.5: no '.Ss {sec}' (for "
                           f"{src} {table})")
            continue
        for key in re.findall(r'\{\s*"(\w+)",\s*CFG_', body):
            nkeys += 1
            if not re.search(rf"^\.It Ic {key}( |$)", subs[sec], re.M):
                missing.append(f"man/v6watch.conf.5: '{key}' of {src} "
                               f"{table} is not under '.Ss {sec}' as "
                               f"'.It Ic {key}'")
    for lst, body in re.findall(
            r"static const char \*const (\w+_root)\[\] = \{(.*?)\};", text,
            re.S):
        for key in re.findall(r'"(\w+)"', body):
            nkeys += 1
            if not re.search(rf"\bIc {key}\b", page):
                missing.append(f"man/v6watch.conf.5: top-level '{key}' "
                               f"({src} {lst}) is not named as 'Ic {key}'")

for m in missing:
    print(f"man-keys: {m}", file=sys.stderr)
if missing or nkeys == 0:
    sys.exit(1)
print(f"man-keys: all {nkeys} settings are in man/v6watch.conf.5")
EOF
