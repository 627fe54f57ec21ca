#!/bin/bash
# run-tests.sh: run unit-test binaries (cmocka) and/or the integration
# suite, and end with one line "N passed, N failed, N skipped" (a skipped
# test is never counted as passed). Exit 1 on any failure.
#
#   run-tests.sh --unit BIN... [--integration]
#   run-tests.sh --valgrind BIN...
#   run-tests.sh --integration [t-name ...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
skipped=0
mode=
bins=()
integ=0
only=()
while [ $# -gt 0 ]; do
	case "$1" in
	--unit) mode=unit ;;
	--valgrind) mode=valgrind ;;
	--integration) integ=1; mode=integ ;;
	*) if [ "$mode" = integ ]; then only+=("$1"); else bins+=("$1"); fi ;;
	esac
	shift
done

# cmocka prints "[  PASSED  ] N test(s).", "[  FAILED  ] N test(s)" and
# "[  SKIPPED ] N test(s)".
count_cmocka() {
	local out=$1 rc=$2 name=$3 p f s
	p=$(grep -a -o '\[  PASSED  \] [0-9]*' <<<"$out" | awk '{s+=$4} END {print s+0}')
	f=$(grep -a -o '\[  FAILED  \] [0-9]*' <<<"$out" | awk '{s+=$4} END {print s+0}')
	s=$(grep -a -o '\[  SKIPPED \] [0-9]*' <<<"$out" | awk '{s+=$4} END {print s+0}')
	skipped=$((skipped + s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name exited $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

for b in "${bins[@]}"; do
	echo "== $(basename "$b")"
	if [ "$mode" = valgrind ]; then
		out=$(cd "$here/.." && valgrind -q --error-exitcode=99 \
		    --leak-check=full --errors-for-leak-kinds=definite,indirect \
		    "$b" 2>&1)
	else
		out=$(cd "$here/.." && "$b" 2>&1)
	fi
	rc=$?
	printf '%s\n' "$out" | grep -a -v '^\[ RUN      \]\|^\[       OK \]'
	count_cmocka "$out" "$rc" "$(basename "$b")"
done

if [ "$integ" = 1 ]; then
	out=$("$here/integration/run.sh" "${only[@]}" 2>&1 | tee /dev/stderr)
	p=$(grep -a '^ok ' <<<"$out" | grep -a -c -v '# SKIP')
	s=$(grep -a '^ok ' <<<"$out" | grep -a -c '# SKIP')
	skipped=$((skipped + s))
	f=$(grep -a -c '^not ok ' <<<"$out")
	passed=$((passed + p))
	failed=$((failed + f))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
