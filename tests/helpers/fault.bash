# Helpers shared by tests/unix.bats, tests/status.bats and tests/faults.bats,
# on top of common.bash (load that first).
#
# - fault-peer.py plays the scripted peers (resets, blackholes, stale Unix
#   sockets, SOCK_SEQPACKET); its servers announce "listening on ADDR:PORT"
#   like sockcat -v, so sc_port works for them too.
# - sc_fault_teardown continues commands a test left stopped and deletes
#   the network namespaces a test made.

SC_HELPERS="$BATS_TEST_DIRNAME/helpers"
SC_NETNS=()

# sc_child_pid [PID]: the PID of the command a sc_bg subshell runs (default:
# the last one started).
sc_child_pid() {
	sc_cmd_pid "${1:-$SC_LAST_PID}"
}

# sc_fault_teardown: sc_teardown, after continuing any command a test left
# stopped (SIGTERM waits while a process is stopped), then delete the
# network namespaces the test made.
sc_fault_teardown() {
	local pid kid ns
	for pid in "${SC_PIDS[@]}"; do
		for kid in $(sc_children "$pid"); do
			kill -CONT "$kid" 2>/dev/null || true
		done
	done
	sc_teardown
	for ns in "${SC_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	SC_NETNS=()
	return 0
}

# peer NAME MODE [ARGS...]: a fault-peer.py server in the background; its
# port in $port.  (Not in $(...): the server would belong to that subshell.)
peer() {
	local name=$1
	shift
	sc_bg "$name" /dev/null python3 "$SC_PEER" "$@"
	port=$(sc_port "$name")
}

# sc_expect_rc NAME STATUS [TENTHS]: background NAME exits with STATUS
# (its stderr is shown when it does not).
sc_expect_rc() {
	local rc
	if ! rc=$(sc_wait_rc "$1" "${3:-300}"); then
		cat "$SC_TMP/$1.err" >&2
		return 1
	fi
	if [ "$rc" != "$2" ]; then
		echo "$1: exit status $rc, expected $2; its stderr:" >&2
		cat "$SC_TMP/$1.err" >&2
		return 1
	fi
}

# sc_check_msg CMD [GLOB]: after 'run --separate-stderr', stderr is one
# line "sockcat: CMD: ..." that matches GLOB.
sc_check_msg() {
	local cmd=$1 glob=${2:-*}
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "expected one line on stderr, got ${#stderr_lines[@]}:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
	# shellcheck disable=SC2053
	if [[ "$stderr" != "sockcat: $cmd: "* || "$stderr" != $glob ]]; then
		echo "stderr '$stderr' is not 'sockcat: $cmd: ...' matching '$glob'" >&2
		return 1
	fi
}

# sc_check_msg_file NAME CMD [GLOB]: the same for background NAME's stderr,
# leaving out what -v says ("sockcat: listening on ...", "sockcat:
# connection from ...", "sockcat: closed ...", "sockcat: stdin given up").
sc_check_msg_file() {
	local stderr stderr_lines=()
	mapfile -t stderr_lines < <(grep -v \
	    '^sockcat: \(listening on\|connection from\|closed\|stdin given up:\) ' \
	    "$SC_TMP/$1.err")
	stderr=$(printf '%s\n' "${stderr_lines[@]}")
	sc_check_msg "$2" "${3:-*}"
}

# sc_size FILE: its size in bytes (0 when missing).
sc_size() {
	stat -c %s "$1" 2>/dev/null || echo 0
}

# sc_wait_size FILE BYTES [TENTHS]: wait until FILE holds at least BYTES.
sc_wait_size() {
	local n=${3:-100} i
	for ((i = 0; i < n; i++)); do
		[ "$(sc_size "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1 to reach $2 bytes (has $(sc_size "$1"))" >&2
	return 1
}

# sc_wait_stopped PID [TENTHS]: wait until PID is stopped (state T).
sc_wait_stopped() {
	local n=${2:-50} i state
	for ((i = 0; i < n; i++)); do
		state=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)
		[ "$state" = T ] && return 0
		sleep 0.1
	done
	echo "PID $1 never stopped (state '$state')" >&2
	return 1
}

# sc_ms: a monotonic-enough millisecond clock for elapsed-time bounds.
sc_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# sc_need_root REASON: skip unless root (network namespaces, other users).
sc_need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root: $1"
}
