#!/usr/bin/env bats
# tests/exec.bats: listen -e and connect -e (--exec), a program per
# connection: bytes through the socket itself, the SOCKCAT_* variables,
# exit statuses, -k with many children at once and -m, stop signals (no
# child left), descriptor hygiene, FIN rather than a reset when the peer
# keeps sending, and the usage errors.

load helpers/common
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=60

SC_EXEC_PEER="$BATS_TEST_DIRNAME/helpers/exec-peer.py"

setup_file() {
	head -c 1M /dev/urandom >"$BATS_FILE_TMPDIR/d1M"
}

setup() { sc_setup; }
teardown() { sc_teardown; }

# serve NAME ARGS...: sockcat listen -v -p 0 ARGS... in the background as
# NAME; sets PORT.
serve() {
	local name=$1
	shift
	sc_bg "$name" /dev/null "$SOCKCAT" listen -v -p 0 "$@"
	PORT=$(sc_port "$name")
	[ -n "$PORT" ]
}

# closefds CMD...: run CMD with no descriptor open but 0, 1 and 2, so what
# CMD's children find open is what sockcat opened (not bats's own).
closefds() {
	python3 -c 'import os, sys
os.closerange(3, 65536)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

# count FILE PATTERN: how many lines of FILE match PATTERN.
count() {
	grep -c -- "$2" "$1" 2>/dev/null || true
}

# wait_count FILE PATTERN N: wait until N lines of FILE match PATTERN.
wait_count() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $3 lines '$2' in $1" >&2
	cat "$1" >&2
	return 1
}

# started_pids FILE: the pids of the -v lines "pid N started for ...".
started_pids() {
	sed -n 's/^sockcat: pid \([0-9][0-9]*\) started for .*/\1/p' "$1"
}

# group_gone PGID: no process is left in process group PGID.
group_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 -- "-$1" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "process group $1 still has:" >&2
	ps -e -o pid=,pgid=,stat=,args= | awk -v g="$1" '$2 == g' >&2
	return 1
}

@test "exec: listen -e cat sends 1 MiB back byte for byte" {
	serve L -e cat
	timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" \
	    <"$BATS_FILE_TMPDIR/d1M" >"$SC_TMP/got"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/got"
}

@test "exec: connect -e cat sends 1 MiB back byte for byte" {
	sc_bg L "$BATS_FILE_TMPDIR/d1M" "$SOCKCAT" listen -v -p 0
	PORT=$(sc_port L)
	run -0 timeout 20 "$SOCKCAT" connect -e cat 127.0.0.1 "$PORT"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/L.out"
}

@test "exec: the variables over TCP/IPv4 (a dual-stack listener's peer is plain IPv4)" {
	serve L -e 'env | grep ^SOCKCAT_ | sort'
	run -0 timeout 20 python3 "$SC_EXEC_PEER" client 127.0.0.1 "$PORT"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "${lines[1]}" = SOCKCAT_LOCAL_ADDR=127.0.0.1 ]
	[ "${lines[2]}" = "SOCKCAT_LOCAL_PORT=$PORT" ]
	[ "${lines[3]}" = SOCKCAT_PEER_ADDR=127.0.0.1 ]
	[ "${lines[4]}" = "SOCKCAT_PEER_PORT=${lines[0]#port=}" ]
	[ "${lines[5]}" = SOCKCAT_PROTO=tcp ]
	[ "${#lines[@]}" = 6 ]
}

@test "exec: the variables over IPv6" {
	serve L -6 -b ::1 -e 'env | grep ^SOCKCAT_ | sort'
	run -0 timeout 20 python3 "$SC_EXEC_PEER" client ::1 "$PORT"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "${lines[1]}" = SOCKCAT_LOCAL_ADDR=::1 ]
	[ "${lines[2]}" = "SOCKCAT_LOCAL_PORT=$PORT" ]
	[ "${lines[3]}" = SOCKCAT_PEER_ADDR=::1 ]
	[ "${lines[4]}" = "SOCKCAT_PEER_PORT=${lines[0]#port=}" ]
	[ "${lines[5]}" = SOCKCAT_PROTO=tcp ]
}

@test "exec: the variables over a Unix socket, on both sides" {
	local sock=$SC_SOCKDIR/s
	sc_bg L /dev/null "$SOCKCAT" listen -v -U "$sock" \
	    -e 'env | grep ^SOCKCAT_ | sort'
	sc_wait_file "$SC_TMP/L.err" 'listening on'
	run -0 timeout 20 "$SOCKCAT" connect -U "$sock" </dev/null
	[ "$(sc_wait_rc L)" = 0 ]
	[ "${lines[*]}" = "SOCKCAT_LOCAL_ADDR=$sock SOCKCAT_LOCAL_PORT= SOCKCAT_PEER_ADDR= SOCKCAT_PEER_PORT= SOCKCAT_PROTO=unix" ]
	[ ! -e "$sock" ]

	sc_bg L2 /dev/null "$SOCKCAT" listen -v -U "$sock"
	sc_wait_file "$SC_TMP/L2.err" 'listening on'
	run -0 timeout 20 "$SOCKCAT" connect -U "$sock" \
	    -e 'env | grep ^SOCKCAT_ | sort'
	[ "$(sc_wait_rc L2)" = 0 ]
	[ "$(cat "$SC_TMP/L2.out" | tr '\n' ' ')" = "SOCKCAT_LOCAL_ADDR= SOCKCAT_LOCAL_PORT= SOCKCAT_PEER_ADDR=$sock SOCKCAT_PEER_PORT= SOCKCAT_PROTO=unix " ]
}

@test "exec: connect -e talks to a scripted peer, and knows it by the variables" {
	sc_bg P /dev/null python3 "$SC_EXEC_PEER" talk-server
	PORT=$(sc_port P)
	run -0 --separate-stderr timeout 20 "$SOCKCAT" connect -e '
		read -r greeting
		echo "$greeting to $SOCKCAT_PEER_ADDR:$SOCKCAT_PEER_PORT from $SOCKCAT_LOCAL_ADDR"
		read -r bye
		echo "then $bye"' 127.0.0.1 "$PORT"
	[ -z "$stderr" ]
	[ "$(sc_wait_rc P)" = 0 ]
	[ "$(sed -n 1p "$SC_TMP/P.out")" = "HELLO to 127.0.0.1:$PORT from 127.0.0.1" ]
	[ "$(sed -n 2p "$SC_TMP/P.out")" = "then BYE" ]
	[ "$(wc -l <"$SC_TMP/P.out")" = 2 ]
}

@test "exec: without -k the status is CMD's, an exit code or 128+N for a signal" {
	local cmd want
	for cmd in 'exit 3' 'kill -TERM $$' 'kill -KILL $$' 'exit 0'; do
		case $cmd in
		'exit 3') want=3 ;;
		*TERM*) want=143 ;;
		*KILL*) want=137 ;;
		*) want=0 ;;
		esac
		rm -f "$SC_TMP"/L.*
		serve L -e "$cmd"
		timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null || true
		[ "$(sc_wait_rc L)" = "$want" ] || {
			echo "listen -e '$cmd': $(cat "$SC_TMP/L.rc"), not $want"
			return 1
		}
	done
	sc_bg L2 /dev/null "$SOCKCAT" listen -v -p 0
	PORT=$(sc_port L2)
	run -5 timeout 20 "$SOCKCAT" connect -e 'exit 5' 127.0.0.1 "$PORT"
	sc_bg L3 /dev/null "$SOCKCAT" listen -v -p 0
	PORT=$(sc_port L3)
	run -143 timeout 20 "$SOCKCAT" connect -e 'kill -TERM $$' 127.0.0.1 \
	    "$PORT"
}

@test "exec: a CMD that cannot start is the shell's 127, said once, by the shell" {
	sc_bg L /dev/null "$SOCKCAT" listen -p 0 -v -e 'no-such-command-sc'
	PORT=$(sc_port L)
	timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null
	[ "$(sc_wait_rc L)" = 127 ]
	run grep -v '^sockcat: \(listening on\|connection from\|pid \)' \
	    "$SC_TMP/L.err"
	[ "${#lines[@]}" = 1 ]
	[[ $output == *no-such-command-sc*"not found"* ]]
	[[ $output != sockcat:* ]]
}

@test "exec: -v says each program's pid and peer at its start, its status at its end" {
	serve L -e 'exit 4'
	timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null
	[ "$(sc_wait_rc L)" = 4 ]
	grep -Eq '^sockcat: pid [0-9]+ started for 127\.0\.0\.1:[0-9]+$' \
	    "$SC_TMP/L.err"
	grep -Eq '^sockcat: pid [0-9]+ for 127\.0\.0\.1:[0-9]+ exited with status 4 after [0-9]+\.[0-9]{3}s$' \
	    "$SC_TMP/L.err"
}

@test "exec: one plain program replaces the shell; anything else is the shell's" {
	local cmd want pid
	# sh -c 'sleep 30' would fork sleep and wait: sockcat runs
	# sh -c 'exec sleep 30', so the pid -v names is sleep itself.
	for cmd in 'sleep 30' '  /bin/sleep  30 ' 'sleep 30; true' \
	    'A=1 sleep 30' 'sleep 30 >/dev/null'; do
		case $cmd in
		*sleep\ *30\ ) want=sleep ;;
		'sleep 30') want=sleep ;;
		*) want=sh ;;
		esac
		rm -f "$SC_TMP"/L.*
		serve L -e "$cmd"
		sc_bg C /dev/null timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT"
		wait_count "$SC_TMP/L.err" ' started for ' 1
		pid=$(started_pids "$SC_TMP/L.err")
		[ "$(cat "/proc/$pid/comm")" = "$want" ] || {
			echo "'$cmd': $(cat "/proc/$pid/comm"), not $want"
			return 1
		}
		kill -TERM -- "-$pid"
		[ "$(sc_wait_rc L)" = 143 ]
		sc_wait_rc C >/dev/null
	done
	# Builtins stay builtins, whatever /bin/sh's echo does with -e.
	want=$(sh -c 'echo -e hi')
	serve L2 -e 'echo -e hi'
	run -0 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null
	[ "$output" = "$want" ]
	serve L3 -e 'exit 3'
	timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null
	[ "$(sc_wait_rc L3)" = 3 ]
}

@test "exec: CMD has default signal dispositions, an empty mask and its own process group" {
	serve L -e 'grep -E "^Sig(Blk|Ign):" /proc/self/status
		echo "pgid $(cut -d" " -f5 /proc/$$/stat) pid $$"'
	run -0 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null
	[ "$(sc_wait_rc L)" = 0 ]
	[ "${lines[0]}" = "SigBlk:	0000000000000000" ]
	# Signals 32 and 33 are glibc's own (SIGRTMIN is 34), and no program
	# can use them: its posix_spawn leaves them ignored in the child.
	[[ ${lines[1]} =~ ^SigIgn:.([0-9a-f]{16})$ ]]
	[ $((0x${BASH_REMATCH[1]} & ~0x180000000)) = 0 ]
	[[ ${lines[2]} =~ ^pgid\ ([0-9]+)\ pid\ ([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
}

@test "exec: no descriptor of sockcat's but the connection reaches CMD" {
	local sock=$SC_SOCKDIR/s
	# ls's own descriptor of /proc/self/fd is 3.
	sc_bg L /dev/null closefds "$SOCKCAT" listen -v -p 0 -e 'ls /proc/self/fd'
	PORT=$(sc_port L)
	run -0 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null
	[ "${lines[*]}" = "0 1 2 3" ]

	sc_bg K /dev/null closefds "$SOCKCAT" listen -v -k -p 0 -e 'ls /proc/self/fd'
	PORT=$(sc_port K)
	run -0 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null
	[ "${lines[*]}" = "0 1 2 3" ]
	run -0 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null
	[ "${lines[*]}" = "0 1 2 3" ]

	sc_bg U /dev/null closefds "$SOCKCAT" listen -v -k -U "$sock" -e 'ls /proc/self/fd'
	sc_wait_file "$SC_TMP/U.err" 'listening on'
	run -0 timeout 20 "$SOCKCAT" connect -U "$sock" </dev/null
	[ "${lines[*]}" = "0 1 2 3" ]

	sc_bg S /dev/null "$SOCKCAT" listen -v -p 0
	PORT=$(sc_port S)
	run -0 closefds timeout 20 "$SOCKCAT" connect -e 'ls /proc/self/fd' \
	    127.0.0.1 "$PORT"
	[ "$(sc_wait_rc S)" = 0 ]
	[ "$(cat "$SC_TMP/S.out" | tr '\n' ' ')" = "0 1 2 3 " ]
}

@test "exec: socket activation's variables do not reach CMD" {
	sc_bg L /dev/null env LISTEN_PID=1 LISTEN_FDS=1 LISTEN_FDNAMES=x \
	    SC_KEEP=yes "$SOCKCAT" listen -v -p 0 -e 'env | grep -E "^(LISTEN_|SC_KEEP)" | sort'
	PORT=$(sc_port L)
	run -0 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null
	[ "$output" = SC_KEEP=yes ]
}

@test "exec: FIN, not a reset, when the peer keeps sending after CMD has exited" {
	# CMD never reads: 'echo hi' exits at once while the peer sends for
	# 1.5 s more.  A reset would fail the peer's sends (or its receive).
	serve L -e 'echo hi'
	run -0 --separate-stderr timeout 20 python3 "$SC_EXEC_PEER" \
	    keep-sending 127.0.0.1 "$PORT" 1.5
	[ "$output" = hi ]
	[ "$(sc_wait_rc L)" = 0 ]

	serve K -k -e 'head -c 100000 /dev/zero | tr "\0" y'
	run -0 --separate-stderr timeout 20 python3 "$SC_EXEC_PEER" \
	    keep-sending 127.0.0.1 "$PORT" 1.5
	[ "${#output}" = 100000 ]

	sc_bg P /dev/null python3 "$SC_EXEC_PEER" keep-sending-server 1.5
	PORT=$(sc_port P)
	run -0 timeout 20 "$SOCKCAT" connect -e 'echo hi' 127.0.0.1 "$PORT"
	[ "$(sc_wait_rc P)" = 0 ]
	[ "$(cat "$SC_TMP/P.out")" = hi ]
}

@test "exec: -k serves 20 clients at once, each by a 1-second CMD, well under 20 s" {
	local i t0 t1 server
	serve L -k -e 'sleep 1; echo ok'
	server=$(sc_cmd_pid "$SC_LAST_PID")
	t0=$(date +%s%N)
	for ((i = 0; i < 20; i++)); do
		sc_bg "C$i" /dev/null timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT"
	done
	for ((i = 0; i < 20; i++)); do
		[ "$(sc_wait_rc "C$i" 200)" = 0 ]
		[ "$(cat "$SC_TMP/C$i.out")" = ok ]
	done
	t1=$(date +%s%N)
	echo "20 clients in $(((t1 - t0) / 1000000)) ms"
	[ $(((t1 - t0) / 1000000)) -lt 8000 ]
	wait_count "$SC_TMP/L.err" 'exited with status 0' 20
	# Every child reaped: no zombie left behind.
	[ -z "$(ps -o stat= --ppid "$server" | grep Z || true)" ]
	[ -z "$(sc_children "$server")" ]
}

@test "exec: -k reaps what CMD left in the background, once it ends: no zombie" {
	local server n kids
	serve L -k -e 'sleep 2 & echo hi'
	server=$(sc_cmd_pid "$SC_LAST_PID")
	for n in 1 2 3; do
		[ "$(timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null)" = hi ]
	done
	# The three sleeps are sockcat's (it is their subreaper) until they
	# end; then they are reaped, not left as zombies.
	[ "$(sc_children "$server" | wc -w)" = 3 ]
	for ((n = 0; n < 50; n++)); do
		kids=$(sc_children "$server")
		[ -z "$kids" ] && break
		sleep 0.1
	done
	[ -z "$kids" ]
}

@test "exec: -m 2 runs two at once; the others wait in the backlog, and all are answered" {
	local i server running=0 max=0 line t0 t1 cpu0 cpu1
	serve L -k -m 2 -e 'sleep 1; echo ok'
	server=$(sc_cmd_pid "$SC_LAST_PID")
	t0=$(date +%s%N)
	for ((i = 0; i < 4; i++)); do
		sc_bg "C$i" /dev/null timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT"
	done
	wait_count "$SC_TMP/L.err" ' started for ' 2
	# While two programs sleep, the server sleeps too (no busy loop).
	cpu0=$(awk '{ print $14 + $15 }' "/proc/$server/stat")
	for ((i = 0; i < 4; i++)); do
		[ "$(sc_wait_rc "C$i" 200)" = 0 ]
		[ "$(cat "$SC_TMP/C$i.out")" = ok ]
	done
	t1=$(date +%s%N)
	cpu1=$(awk '{ print $14 + $15 }' "/proc/$server/stat")
	[ $((cpu1 - cpu0)) -lt 20 ]
	# Two rounds of one second each.
	[ $(((t1 - t0) / 1000000)) -ge 1900 ]
	wait_count "$SC_TMP/L.err" 'exited with status 0' 4
	while read -r line; do
		case $line in
		*" started for "*) running=$((running + 1)) ;;
		*" exited with "*) running=$((running - 1)) ;;
		esac
		[ "$running" -gt "$max" ] && max=$running
	done <"$SC_TMP/L.err"
	[ "$max" = 2 ]
	[ "$(count "$SC_TMP/L.err" ' started for ')" = 4 ]
}

@test "exec: SIGTERM stops a -k server: no child left in their process groups, status 0" {
	local i pid
	sc_idle_fifo
	serve L -k -e 'sleep 30 & sleep 30; echo never'
	for ((i = 0; i < 3; i++)); do
		sc_bg "C$i" "$SC_TMP/idle" timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT"
	done
	wait_count "$SC_TMP/L.err" ' started for ' 3
	kill -TERM "$(sc_cmd_pid "$SC_PIDS")"
	[ "$(sc_wait_rc L 100)" = 0 ]
	grep -q 'stopped by signal 15' "$SC_TMP/L.err"
	[ "$(count "$SC_TMP/L.err" 'killed by signal 15')" = 3 ]
	for pid in $(started_pids "$SC_TMP/L.err"); do
		group_gone "$pid"
	done
	# The clients' sessions were cut short: a reset, not a clean end.
	for ((i = 0; i < 3; i++)); do
		[ "$(sc_wait_rc "C$i" 100)" = 1 ]
	done
}

@test "exec: SIGINT and SIGHUP stop a -k server too; a CMD that ignores SIGTERM gets SIGKILL" {
	local sig pid
	for sig in INT HUP; do
		rm -f "$SC_TMP"/L.*
		sc_idle_fifo
		serve L -k -e 'trap "" TERM; sleep 30'
		sc_bg C "$SC_TMP/idle" timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT"
		wait_count "$SC_TMP/L.err" ' started for ' 1
		kill "-$sig" "$(sc_cmd_pid "${SC_PIDS[-2]}")"
		[ "$(sc_wait_rc L 100)" = 0 ]
		grep -q 'killed by signal 9' "$SC_TMP/L.err"
		pid=$(started_pids "$SC_TMP/L.err")
		group_gone "$pid"
		sc_wait_rc C 100 >/dev/null
		sc_idle_close
	done
}

@test "exec: a stop signal without -k reaches CMD's group, and sockcat dies of it" {
	local pid
	sc_idle_fifo
	serve L -e 'sleep 30 & sleep 30'
	sc_bg C "$SC_TMP/idle" timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT"
	wait_count "$SC_TMP/L.err" ' started for ' 1
	kill -INT "$(sc_cmd_pid "${SC_PIDS[0]}")"
	[ "$(sc_wait_rc L 100)" = 130 ]
	pid=$(started_pids "$SC_TMP/L.err")
	group_gone "$pid"
	[ "$(sc_wait_rc C 100)" = 1 ]
}

@test "exec: -k -w gives up once nobody has connected for DUR" {
	serve L -k -w 1 -e 'echo hi'
	run -0 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" </dev/null
	[ "$output" = hi ]
	[ "$(sc_wait_rc L 100)" = 75 ]
	grep -q 'accept timeout' "$SC_TMP/L.err"
}

# ------------------------------------------- TLS, a proxy, --allow/--deny

# Whether this sockcat has TLS (built --without-tls it says so).
tls_only() {
	if "$SOCKCAT" connect --tls 2>&1 | grep -q 'not built with TLS'; then
		skip "built --without-tls"
	fi
}

# pin_of NAME: the sha256: pin that background NAME's --self-signed printed.
pin_of() {
	sc_wait_file "$SC_TMP/$1.err" 'self-signed certificate: --pin' 100 &&
	sed -n 's/.*--pin \(sha256:[0-9a-f]*\)$/\1/p' "$SC_TMP/$1.err"
}

@test "exec: listen -k -e --tls: two TLS clients each get 1 MiB back; -v names each session" {
	tls_only
	serve L -k -b 127.0.0.1 --tls --self-signed -e cat
	local pin
	pin=$(pin_of L)
	[ -n "$pin" ]
	timeout 20 "$SOCKCAT" connect --tls --pin "$pin" 127.0.0.1 "$PORT" \
	    <"$BATS_FILE_TMPDIR/d1M" >"$SC_TMP/got1" &
	local c1=$!
	timeout 20 "$SOCKCAT" connect --tls --pin "$pin" 127.0.0.1 "$PORT" \
	    <"$BATS_FILE_TMPDIR/d1M" >"$SC_TMP/got2"
	wait "$c1"
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/got1"
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/got2"
	wait_count "$SC_TMP/L.err" 'exited with status 0' 2
	[ "$(count "$SC_TMP/L.err" '^sockcat: TLS with 127\.0\.0\.1:[0-9]*: TLSv1\.[23] ')" = 2 ]
	# A plain client gets no CMD: the handshake fails (a warning), and
	# the server goes on.
	run timeout 10 "$SOCKCAT" connect 127.0.0.1 "$PORT" <<<"not TLS"
	wait_count "$SC_TMP/L.err" '^sockcat: listen: 127\.0\.0\.1:[0-9]*: TLS handshake failed: ' 1
	[ "$(count "$SC_TMP/L.err" 'started for')" = 2 ]
	[ ! -s "$SC_TMP/L.rc" ]
}

@test "exec: listen -e --tls: CMD's variables are the TCP connection's, not the relay's" {
	tls_only
	serve L -b 127.0.0.1 --tls --self-signed -e 'env | grep ^SOCKCAT_ | sort'
	local pin
	pin=$(pin_of L)
	run -0 timeout 20 "$SOCKCAT" connect -v --tls --pin "$pin" \
	    127.0.0.1 "$PORT" </dev/null
	[ "$(sc_wait_rc L)" = 0 ]
	[ "${lines[0]}" = "sockcat: connected to 127.0.0.1:$PORT" ]
	[ "${lines[2]}" = SOCKCAT_LOCAL_ADDR=127.0.0.1 ]
	[ "${lines[3]}" = "SOCKCAT_LOCAL_PORT=$PORT" ]
	[ "${lines[4]}" = SOCKCAT_PEER_ADDR=127.0.0.1 ]
	[[ ${lines[5]} =~ ^SOCKCAT_PEER_PORT=[0-9]+$ ]]
	[ "${lines[6]}" = SOCKCAT_PROTO=tcp ]
}

@test "exec: connect -e --tls verifies the server, then relays 1 MiB each way" {
	tls_only
	sc_bg L "$BATS_FILE_TMPDIR/d1M" "$SOCKCAT" listen -v -b 127.0.0.1 -p 0 \
	    --tls --self-signed
	PORT=$(sc_port L)
	local pin
	pin=$(pin_of L)
	run -0 --separate-stderr timeout 20 "$SOCKCAT" connect -v --tls \
	    --pin "$pin" -e cat 127.0.0.1 "$PORT"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/L.out"
	[[ $stderr == *"sockcat: TLS with 127.0.0.1:$PORT: TLSv1."* ]]
	[[ $stderr == *"exited with status 0"* ]]

	# Unverified (a self-signed certificate, no --pin): 76, no CMD.
	sc_bg L2 /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p 0 --tls \
	    --self-signed
	PORT=$(sc_port L2)
	run -76 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    -e "touch '$SC_TMP/ran'" 127.0.0.1 "$PORT"
	[[ $stderr == *"certificate verify failed"* ]]
	[ ! -e "$SC_TMP/ran" ]
}

@test "exec: connect -e --proxy: CMD talks to the destination through sockcat proxy" {
	sc_bg P /dev/null "$SOCKCAT" proxy -v -b 127.0.0.1 -p 0
	local pport
	pport=$(sc_port P)
	sc_bg L "$BATS_FILE_TMPDIR/d1M" "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	PORT=$(sc_port L)
	run -0 timeout 20 "$SOCKCAT" connect \
	    --proxy "socks5h://127.0.0.1:$pport" -e cat 127.0.0.1 "$PORT"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/L.out"
	wait_count "$SC_TMP/P.err" "127.0.0.1:$PORT" 1
}

@test "exec: listen -k -e --deny resets a denied peer and runs nothing; --allow lets one in" {
	serve L -k -b 127.0.0.1 --deny 127.0.0.0/8 -e "echo ran; touch '$SC_TMP/ran'"
	# Reset at once: nothing comes but the client's own "port=N".
	run --separate-stderr timeout 10 python3 "$SC_EXEC_PEER" client \
	    127.0.0.1 "$PORT"
	[ "${#lines[@]}" -le 1 ]
	wait_count "$SC_TMP/L.err" '^sockcat: refused 127\.0\.0\.1:[0-9]* (--deny 127\.0\.0\.0/8)$' 1
	[ ! -e "$SC_TMP/ran" ]
	[ "$(count "$SC_TMP/L.err" 'started for')" = 0 ]
	[ ! -s "$SC_TMP/L.rc" ]

	serve L2 -b 127.0.0.1 --allow 127.0.0.1/32 -e 'echo ran'
	run -0 timeout 10 python3 "$SC_EXEC_PEER" client 127.0.0.1 "$PORT"
	[ "${lines[1]}" = ran ]
	[ "$(sc_wait_rc L2)" = 0 ]
}

@test "exec: -e refuses what only a relay of stdio can do: -x, --stats, --progress, --sha256, -C, --rate" {
	local opt
	for opt in -x --stats --progress --sha256 -C '--rate 1M'; do
		# shellcheck disable=SC2086
		run -64 --separate-stderr "$SOCKCAT" listen -p 0 -e cat $opt
		[ "${#stderr_lines[@]}" = 1 ]
		[[ $stderr == *"${opt%% *}"* ]]
		# shellcheck disable=SC2086
		run -64 --separate-stderr "$SOCKCAT" connect -e cat $opt 127.0.0.1 9
		[ "${#stderr_lines[@]}" = 1 ]
	done
}

@test "exec: usage errors are 64 with one line" {
	local args
	while IFS= read -r args; do
		eval "run -64 --separate-stderr \"\$SOCKCAT\" $args"
		[ "${#stderr_lines[@]}" = 1 ] || {
			echo "$args: ${stderr_lines[*]}"
			return 1
		}
		[[ $stderr == *"see 'sockcat "* ]]
	done <<'EOF'
listen -p 0 -e ''
listen -p 0 --exec=
listen -p 0 -e cat --send-only
listen -p 0 -e cat --recv-only
listen -p 0 -e cat --no-shutdown
listen -p 0 -e cat --wait-stdin
listen -p 0 -e cat -i 5
listen -p 0 -m 2 -e cat
listen -p 0 -k -m 0 -e cat
listen -p 0 -k -m x -e cat
listen -p 0 -k -m 2
listen -p 0 -e
connect -e '' 127.0.0.1 9
connect -e cat --send-only 127.0.0.1 9
connect -e cat --recv-only 127.0.0.1 9
connect -e cat --no-shutdown 127.0.0.1 9
connect -e cat --wait-stdin 127.0.0.1 9
connect -m 2 -e cat 127.0.0.1 9
EOF
	run -64 --separate-stderr "$SOCKCAT" listen -p 0 -k -m 0 -e cat
	[[ $stderr == *"--max-conns '0'"* ]]
	run -64 --separate-stderr "$SOCKCAT" listen -p 0 -e cat --send-only
	[[ $stderr == *"--send-only"* ]]
}
