#!/bin/bash
# run.sh: run every bench/bench-*.sh (or those named), each of which writes
# bench/results/<name>.md, then gather them into bench/RESULTS.md.
# Benchmarks are measurements, not tests: they never fail on a figure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/results"
if [ $# -gt 0 ]; then
	scripts=()
	for s in "$@"; do s=${s#bench-}; scripts+=("$here/bench-${s%.sh}.sh"); done
else
	scripts=("$here"/bench-*.sh)
fi
if [ ! -e "${scripts[0]}" ]; then
	echo "make bench: no benchmarks yet (bench/bench-*.sh)" >&2
	exit 1
fi
rc=0
for s in "${scripts[@]}"; do
	echo "== $(basename "$s")"
	bash "$s" || { echo "$(basename "$s") failed" >&2; rc=1; }
done
{
	echo "# v6watch benchmarks"
	echo
	echo "Each section says the command that produced it, the machine and the"
	echo "date. Figures come from one run on a shared, noisy machine: compare"
	echo "ratios within a section, not absolute numbers across sections."
	for f in "$here"/results/*.md; do
		[ -e "$f" ] || continue
		echo
		cat "$f"
	done
} >"$here/RESULTS.md"
echo "wrote bench/RESULTS.md"
exit $rc
