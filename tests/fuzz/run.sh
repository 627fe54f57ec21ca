#!/bin/bash
# run.sh: build every tests/fuzz/fuzz_*.c with clang's libFuzzer and run each
# for FUZZ_SECONDS (default 60).
set -u
here=$(cd "$(dirname "$0")" && pwd)
targets=("$here"/fuzz_*.c)
if [ ! -e "${targets[0]}" ]; then
	echo "make fuzz: no fuzz targets yet (tests/fuzz/fuzz_*.c)" >&2
	exit 1
fi
echo "make fuzz: targets exist but tests/fuzz/run.sh does not build them yet" >&2
exit 1
