#!/bin/sh
# po-check.sh: the translations are complete. The strings of the sources
# (po/xgettext.sh, as `make pot` runs it) are those of po/v6watch.pot, and every
# po/LANG.po translates each of them: no msgid missing, untranslated or
# fuzzy, msgfmt --check clean. Prints what is wrong and exits 1.
#
#   tests/po-check.sh [TOP]      TOP: the source tree (default: this one's)
set -eu
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"
tmp=$(mktemp -d /tmp/v6w-po-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

po/xgettext.sh "$tmp/fresh.pot"

# po/v6watch.pot is the sources' (both ways: no string missing, none gone).
if ! msgcmp --use-untranslated po/v6watch.pot "$tmp/fresh.pot" >"$tmp/cmp" 2>&1 ||
   ! msgcmp --use-untranslated "$tmp/fresh.pot" po/v6watch.pot >>"$tmp/cmp" 2>&1; then
	sed 's/^/po-check: /' "$tmp/cmp" | head -20 >&2
	echo "po-check: po/v6watch.pot is not the sources' strings: run 'make pot', then msgmerge -U po/LANG.po po/v6watch.pot and translate" >&2
	fail=1
fi
for po in po/*.po; do
	lang=$(basename "$po" .po)
	if ! msgcmp "$po" "$tmp/fresh.pot" >"$tmp/cmp" 2>&1; then
		sed 's/^/po-check: /' "$tmp/cmp" | head -20 >&2
		echo "po-check: $po lacks translations of the strings above (untranslated or fuzzy count as missing)" >&2
		fail=1
	fi
	if ! msgfmt --check --statistics -o /dev/null "$po" >"$tmp/stat" 2>&1; then
		sed 's/^/po-check: /' "$tmp/stat" >&2
		fail=1
	elif grep -q 'untranslated\|fuzzy' "$tmp/stat"; then
		echo "po-check: $po: $(cat "$tmp/stat")" >&2
		fail=1
	else
		echo "po-check: $lang: $(cat "$tmp/stat")"
	fi
done
exit $fail
