#!/bin/sh
# xgettext.sh: the strings people read, from the collector's sources (and
# common/), into the template OUT (`make pot`: po/v6watch.pot). Keywords:
# _() and N_() (gettext, a marker), ngettext(singular, plural, n), C_()
# and NC_() (a context, then the string: pgettext's msgctxt).
#
#   po/xgettext.sh OUT
set -eu
cd "$(dirname "$0")/.."
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
# shellcheck disable=SC2046
exec xgettext --language=C --from-code=UTF-8 --add-comments=TRANSLATORS: \
	--keyword=_ --keyword=N_ --keyword=ngettext:1,2 --keyword=C_:1c,2 \
	--keyword=NC_:1c,2 --package-name=v6watch --package-version="$version" \
	--msgid-bugs-address=v6watch@example.org \
	--sort-by-file --no-wrap -o "$1" \
	$(ls common/*.c collector/*.c collector/publish/*.c | LC_ALL=C sort)
