# lib.sh: helpers for the integration tests (sourced by each t-*.sh).
#
# Results are TAP-like lines: "ok - what" / "not ok - what". Every process a
# test starts is recorded by pid and killed on exit; every network namespace
# it makes carries this shell's pid in its name and is deleted on exit.
# Nothing is ever killed by name.

set -u
V6TOP=${V6TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
: "${V6PROBE:=$V6TOP/probe/v6probe}"
: "${V6COLLECTOR:=$V6TOP/collector/v6collector}"
: "${V6TOOLS:=$V6TOP/build/tools}"
: "${V6BUILD:=$V6TOP/build}"
# The catalogues of the tree (build/locale, SANITIZE=1 too).
: "${V6WATCH_LOCALEDIR:=$V6TOP/build/locale}"
export V6WATCH_LOCALEDIR
T_NAME=$(basename "$0" .sh)
T_DIR=$(mktemp -d "/tmp/v6w-$T_NAME.XXXXXX")
T_PIDS=()
T_FAILS=0

ok() { echo "ok - $T_NAME: $*"; }
not_ok() { echo "not ok - $T_NAME: $*"; T_FAILS=$((T_FAILS + 1)); }

# check "what" command...: ok when the command succeeds.
check() {
	local what=$1; shift
	if "$@" >"$T_DIR/check.out" 2>&1; then ok "$what"
	else not_ok "$what"; sed 's/^/#   /' "$T_DIR/check.out" | head -20; fi
}

# expect_eq "what" actual expected
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"
	else not_ok "$1 (got '$2', want '$3')"; fi
}

# expect_match "what" text regex
expect_match() {
	if grep -Eq -- "$3" <<<"$2"; then ok "$1"
	else not_ok "$1 (no match for /$3/ in:)"; head -20 <<<"$2" | sed 's/^/#   /'; fi
}

# expect_status "what" expected_rc command...
expect_status() {
	local what=$1 want=$2 rc; shift 2
	"$@" >"$T_DIR/status.out" 2>&1; rc=$?
	if [ "$rc" = "$want" ]; then ok "$what"
	else not_ok "$what (exit $rc, want $want)"; sed 's/^/#   /' "$T_DIR/status.out" | head -20; fi
}

needs_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "ok - $T_NAME: # SKIP needs root for network namespaces"
		exit 0
	fi
}

# spawn [netns] -- command...: start in the background, record the pid.
# Output goes to $T_DIR/<basename>.<n>.log; the pid is in $SPAWNED.
spawn() {
	local ns=
	if [ "$1" != -- ]; then ns=$1; shift; fi
	shift
	local log="$T_DIR/$(basename "$1").${#T_PIDS[@]}.log"
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@" >"$log" 2>&1 &
	else
		"$@" >"$log" 2>&1 &
	fi
	SPAWNED=$!
	SPAWNED_LOG=$log
	T_PIDS+=("$SPAWNED")
}

# stop_pid PID [signal]: stop one recorded process and wait for it.
stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	kill -"$sig" "$pid" 2>/dev/null || return 0
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null	# no "Killed" notice from bash
	return 0
}

# wait_until SECONDS command...: poll (every 50 ms) until it succeeds.
wait_until() {
	local limit=$1 i; shift
	for i in $(seq 1 $((limit * 20))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# netns_new SHORT: a namespace named v6w<pid>-<SHORT>, with lo up; prints
# its name. (Called as ns=$(netns_new x), it runs in a subshell: cleanup
# finds the namespaces by this shell's pid in their names.)
netns_new() {
	local ns="v6w$$-$1"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	echo "$ns"
}

cleanup() {
	local pid ns
	for pid in "${T_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${T_PIDS[@]}"; do
		for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^v6w$$-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	if [ "${V6KEEP:-0}" = 1 ]; then echo "# kept $T_DIR"; else rm -rf "$T_DIR"; fi
}
trap cleanup EXIT

finish() {
	[ "$T_FAILS" -eq 0 ]
	exit $?
}
