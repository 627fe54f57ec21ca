#!/bin/bash
# run.sh: build every tests/fuzz/fuzz_*.c with clang's libFuzzer (plus ASan
# and UBSan) and run each for FUZZ_SECONDS (default 60) on its seed corpus.
#
#   tests/fuzz/run.sh [fuzz_NAME ...]      (make fuzz runs them all)
#   FUZZ_SECONDS=1500 FUZZ_RUNS=10000000 tests/fuzz/run.sh fuzz_spool
#
# FUZZ_RUNS caps the executions too (the first of the two limits ends the
# run). Each target names what it links in comment lines:
#   FUZZ_SOURCES: files of the tree compiled with it
#   FUZZ_LIBS:    pkg-config packages
#   FUZZ_LDLIBS:  more libraries, for those without a pkg-config file (-lcsv)
#   FUZZ_SEEDS:   subdirectory of `pcapgen seeds` to start from
#   FUZZ_FLAGS:   more libFuzzer flags (e.g. -max_len, -close_fd_mask=2 for
#                 a target whose code under test logs on every bad input)
# tests/fuzz/corpus/NAME holds a target's checked-in seeds (see
# tests/fuzz/README). pcapgen's seeds are regenerated on every run; the
# corpus the fuzzer grows stays in build/fuzz/corpus/NAME, crashes go to
# build/fuzz/artifacts/. Targets that need files make them in a folder of
# their own under /dev/shm (FUZZ_TMPDIR to choose another), removed when
# they exit. Needs clang and its libFuzzer runtime (Debian 12: clang-14
# and libclang-rt-14-dev). Exit 1 when a target does not build or the
# fuzzer finds a crash.
#
# To reproduce a crash: build/fuzz/NAME build/fuzz/artifacts/NAME-crash-...
# What each target checks, its findings and the figures of its last long
# run (executions, exec/s, coverage): tests/fuzz/README.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-}
out=$top/build/fuzz
CC=${FUZZ_CC:-clang}

if [ $# -gt 0 ]; then
	targets=()
	for t in "$@"; do targets+=("$here/${t%.c}.c"); done
else
	targets=("$here"/fuzz_*.c)
fi
if [ ! -e "${targets[0]}" ]; then
	echo "make fuzz: no fuzz targets (tests/fuzz/fuzz_*.c)" >&2
	exit 1
fi
if ! command -v "$CC" >/dev/null; then
	echo "make fuzz: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
mkdir -p "$out/seeds" "$out/corpus" "$out/artifacts"
# Leaks of the libraries' own (see lsan.supp); reproducing a crash by hand
# needs the same: LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}

# Seeds: pcapgen's frames and files (built here if `make tools` has not).
gen=${V6TOOLS:-$top/build/tools}/pcapgen
if [ ! -x "$gen" ]; then
	gen=$out/pcapgen
	cc -std=c17 -D_GNU_SOURCE -O2 -o "$gen" "$top/tests/tools/pcapgen.c" ||
		exit 1
fi
rm -rf "$out/seeds"
"$gen" seeds "$out/seeds" || exit 1

field() { sed -n "s/^ \* $1: *//p" "$2" | head -1; }

rc=0
summary=()
for src in "${targets[@]}"; do
	name=$(basename "$src" .c)
	srcs=$(field FUZZ_SOURCES "$src")
	libs=$(field FUZZ_LIBS "$src")
	ldlibs=$(field FUZZ_LDLIBS "$src")
	seeds=$(field FUZZ_SEEDS "$src")
	flags=$(field FUZZ_FLAGS "$src")
	bin=$out/$name
	echo "== $name: building"
	# shellcheck disable=SC2086
	if ! (cd "$top" && $CC -std=c17 -D_GNU_SOURCE -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I. -Icommon -Icollector $(pkg-config --cflags $libs) "$src" $srcs \
		-o "$bin" $(pkg-config --libs $libs) $ldlibs -lm); then
		echo "$name: build failed" >&2
		summary+=("$name: build failed")
		rc=1
		continue
	fi
	mkdir -p "$out/corpus/$name"
	dirs=("$out/corpus/$name")
	[ -n "$seeds" ] && dirs+=("$out/seeds/$seeds")
	[ -d "$here/corpus/$name" ] && dirs+=("$here/corpus/$name")
	echo "== $name: fuzzing for ${secs}s${runs:+ or $runs runs}"
	log=$out/$name.log
	start=$SECONDS
	# shellcheck disable=SC2086
	(cd "$out" && "$bin" -max_total_time="$secs" -print_final_stats=1 \
		${runs:+-runs="$runs"} \
		-timeout=10 -rss_limit_mb=2048 -max_len=8192 $flags \
		-artifact_prefix="$out/artifacts/$name-" "${dirs[@]}") \
		>"$log" 2>&1
	frc=$?
	took=$((SECONDS - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	if [ $frc -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|Test unit written|deadly signal' "$log" | head -10
		summary+=("$name: FOUND A CRASH after ${execs:-?} executions (exit $frc), see $log")
		rc=1
	else
		summary+=("$name: ${execs:-?} executions in ${took}s (${rate:-?}/s), ${cov:-cov: ?}, corpus $(ls "$out/corpus/$name" | wc -l) inputs, no crash")
	fi
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $rc
