#!/bin/bash
# run.sh: run every tests/integration/t-*.sh (or those named) and print their
# "ok - ..." / "not ok - ..." lines. A script that exits non-zero without
# reporting a failure counts as one failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export V6TOP=$(cd "$here/../.." && pwd)
: "${V6PROBE:=$V6TOP/probe/v6probe}"
: "${V6COLLECTOR:=$V6TOP/collector/v6collector}"
: "${V6TOOLS:=$V6TOP/build/tools}"
: "${V6BUILD:=$V6TOP/build}"
export V6PROBE V6COLLECTOR V6TOOLS V6BUILD

if [ $# -gt 0 ]; then
	scripts=()
	for s in "$@"; do scripts+=("$here/${s%.sh}.sh"); done
else
	scripts=("$here"/t-*.sh)
fi

for t in "${scripts[@]}"; do
	name=$(basename "$t" .sh)
	echo "# $name"
	start=$(date +%s)
	out=$(timeout -k 10 600 bash "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' <<<"$out"; then
		echo "not ok - $name: script exited $rc"
	fi
	echo "# $name: $(( $(date +%s) - start ))s"
done
