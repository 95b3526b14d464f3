# Shared bats helpers for sockcat's tests.
#
# - SOCKCAT is the binary under test (set by 'make check'; defaults to the
#   in-tree build).
# - Servers start on port 0 with -v; sc_port reads the real port back from
#   "sockcat: listening on ADDR:PORT" on their stderr.
# - Background processes get stdin explicitly, close fd 3, and are recorded
#   so teardown can stop them by PID.
# - Every wait is a bounded loop.

: "${SOCKCAT:=${BATS_TEST_DIRNAME}/../src/sockcat}"
: "${BATS_TEST_TIMEOUT:=120}"
export SOCKCAT BATS_TEST_TIMEOUT

# The scripted peers (resets, blackholes, stale sockets): see its header.
SC_PEER="$BATS_TEST_DIRNAME/helpers/fault-peer.py"

SC_PIDS=()

sc_setup() {
	SC_TMP=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/sc.XXXXXX")
	# Unix socket paths must fit in sun_path (108 bytes).
	SC_SOCKDIR=$(mktemp -d /tmp/sc.XXXXXX)
	SC_IDLE_FD=
}

# sc_idle_fifo: makes $SC_TMP/idle, a fifo this shell holds open and never
# writes: an idle stdin for whatever reads it, until sc_idle_close (or
# sc_teardown) closes it and the readers see EOF (sc_bg's commands do not
# inherit the shell's end; a command run in the foreground does).
sc_idle_fifo() {
	mkfifo "$SC_TMP/idle"
	exec {SC_IDLE_FD}<>"$SC_TMP/idle"
}

sc_idle_close() {
	[ -n "${SC_IDLE_FD:-}" ] && exec {SC_IDLE_FD}>&-
	SC_IDLE_FD=
	rm -f "$SC_TMP/idle"
}

sc_teardown() {
	local pid kid kids=()
	# sc_bg's PID is a subshell: its command would outlive it, so the
	# command (its child) is stopped too, by PID.
	for pid in "${SC_PIDS[@]}"; do
		kids+=($(sc_children "$pid"))
	done
	for pid in "${kids[@]}" "${SC_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${kids[@]}" "${SC_PIDS[@]}"; do
		sc_wait_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null || true
	done
	SC_PIDS=()
	sc_idle_close
	[ -n "${SC_SOCKDIR:-}" ] && rm -rf "$SC_SOCKDIR"
	return 0
}

# sc_bg NAME STDIN CMD...: run CMD in the background with stdin from STDIN,
# stdout to $SC_TMP/NAME.out, stderr to $SC_TMP/NAME.err; the exit status
# lands in $SC_TMP/NAME.rc.  Sets SC_LAST_PID.
sc_bg() {
	local name=$1 in=$2
	shift 2
	(
		# bats runs tests under set -e: keep it from skipping the
		# line that records a non-zero status.
		set +e
		# The idle fifo's write end is the test shell's alone: a copy
		# here would keep its readers from ever seeing EOF.
		if [ -n "${SC_IDLE_FD:-}" ]; then
			exec {SC_IDLE_FD}>&-
		fi
		"$@" <"$in" >"$SC_TMP/$name.out" 2>"$SC_TMP/$name.err"
		echo $? >"$SC_TMP/$name.rc"
	) 3>&- &
	SC_LAST_PID=$!
	SC_PIDS+=("$SC_LAST_PID")
}

# sc_children PID: the PIDs of PID's child processes (none when gone).
sc_children() {
	cat /proc/"$1"/task/*/children 2>/dev/null || true
}

# sc_cmd_pid PID: the PID of the command an sc_bg subshell PID runs (what
# to send a signal to, or to read /proc of).
sc_cmd_pid() {
	local i kid
	for ((i = 0; i < 100; i++)); do
		kid=$(sc_children "$1")
		if [ -n "$kid" ]; then
			echo "${kid%% *}"
			return 0
		fi
		sleep 0.1
	done
	echo "no child of $1" >&2
	return 1
}

# sc_wait_file FILE PATTERN [TENTHS]: wait until FILE contains PATTERN.
sc_wait_file() {
	local file=$1 pattern=$2 n=${3:-100} i
	for ((i = 0; i < n; i++)); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$pattern' in $file" >&2
	cat "$file" >&2 2>/dev/null
	return 1
}

# sc_port NAME: the port a background server NAME announced with -v.
sc_port() {
	local err="$SC_TMP/$1.err"
	sc_wait_file "$err" 'listening on' 100 || return 1
	sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$err" | head -n 1
}

# sc_wait_rc NAME [TENTHS]: wait for background NAME to exit; prints rc.
sc_wait_rc() {
	local rc="$SC_TMP/$1.rc" n=${2:-300} i
	for ((i = 0; i < n; i++)); do
		if [ -s "$rc" ]; then
			cat "$rc"
			return 0
		fi
		sleep 0.1
	done
	echo "timed out waiting for $1 to exit" >&2
	return 1
}

# sc_wait_gone PID [TENTHS]: wait until PID has exited.
sc_wait_gone() {
	local pid=$1 n=${2:-100} i
	for ((i = 0; i < n; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# start_recv NAME ARGS...: udp-recv on port 0 in the background; sets PORT.
start_recv() {
	local name=$1
	shift
	sc_bg "$name" /dev/null "$SOCKCAT" udp-recv -v -p 0 "$@"
	PORT=$(sc_port "$name")
	[ -n "$PORT" ]
}

# sc_free_port: a port that was free a moment ago (bound and released by
# the kernel); only for tests that must name a closed port.
sc_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
