#!/usr/bin/env bats
# tests/signals.bats: SIGTERM and SIGINT stop every command, even when they
# come at the worst moment: after the program's last look at its stop flag
# and before the blocking call that follows it.  helpers/sc-stall.c (built
# as tests/sc-stall.so) holds the program at that moment; without a way
# out, the call would then wait forever.

load helpers/common

bats_require_minimum_version 1.5.0

: "${SC_STALL:=$BATS_TEST_DIRNAME/sc-stall.so}"

setup() {
	sc_setup
	[ -f "$SC_STALL" ] || {
		echo "no $SC_STALL: run 'make check' (it builds it)" >&2
		return 1
	}
}

teardown() { sc_teardown; }

# stalled NAME FN CMD...: sc_bg NAME with stdin /dev/null, CMD held just
# before its first blocking FN call; returns when the hold has begun and
# sets PID to CMD's own.
stalled() {
	local name=$1 fn=$2
	shift 2
	stalled_in "$name" /dev/null "$fn" "$@"
}

# stalled_in NAME STDIN FN CMD...: the same with stdin from STDIN.
stalled_in() {
	local name=$1 in=$2 fn=$3 mark i
	shift 3
	mark="$SC_TMP/$name.stall"
	# The library comes before the sanitizer runtime of an ASan build.
	sc_bg "$name" "$in" env LD_PRELOAD="$SC_STALL" SC_STALL_FN="$fn" \
	    SC_STALL_MS=300 SC_STALL_MARK="$mark" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    "$@"
	for ((i = 0; i < 100; i++)); do
		[ -e "$mark" ] && break
		sleep 0.1
	done
	[ -e "$mark" ] || { echo "$name never reached $fn" >&2; return 1; }
	PID=$(sc_cmd_pid "$SC_LAST_PID")
}

@test "signals: udp-recv and listen -U, SIGTERM just before the wait: 143" {
	# recvmmsg for a datagram, accept4 for a client; the file goes too.
	local path="$SC_SOCKDIR/s" cmd fn
	for cmd in udp-recv:recvmmsg listen:accept4; do
		fn=${cmd#*:}
		cmd=${cmd%%:*}
		stalled "$cmd" "$fn" "$SOCKCAT" "$cmd" -U "$path"
		[ -S "$path" ]
		kill -TERM "$PID"
		run -0 sc_wait_rc "$cmd" 100
		[ "$output" = 143 ] || { echo "$cmd: $output"; false; }
		[ ! -e "$path" ]
	done
}

@test "signals: udp-recv and listen -k on loopback, SIGINT just before the wait: 130" {
	local cmd fn
	for cmd in udp-recv:recvmmsg listen:accept4; do
		fn=${cmd#*:}
		cmd=${cmd%%:*}
		stalled "$cmd" "$fn" "$SOCKCAT" "$cmd" -b 127.0.0.1 -p 0 \
		    $([ "$cmd" = listen ] && echo -k)
		kill -INT "$PID"
		run -0 sc_wait_rc "$cmd" 100
		[ "$output" = 130 ] || { echo "$cmd: $output"; false; }
	done
}

@test "signals: connect, SIGTERM just before the relay's epoll_pwait: 143" {
	local path="$SC_SOCKDIR/s"
	sc_idle_fifo
	# Both stdins idle: neither side ends, so the relay waits with no
	# deadline.
	sc_bg L "$SC_TMP/idle" "$SOCKCAT" listen -v -U "$path"
	sc_wait_file "$SC_TMP/L.err" 'listening on'
	stalled_in C "$SC_TMP/idle" epoll_pwait "$SOCKCAT" connect -U "$path"
	sc_wait_file "$SC_TMP/L.err" 'connection from'
	kill -TERM "$PID"
	run -0 sc_wait_rc C 100
	[ "$output" = 143 ]
}

@test "signals: udp-send, SIGTERM just before reading stdin: 143" {
	local path="$SC_SOCKDIR/s"
	sc_idle_fifo
	sc_bg r /dev/null "$SOCKCAT" udp-recv -v -U "$path"
	sc_wait_file "$SC_TMP/r.err" 'listening on'
	stalled_in S "$SC_TMP/idle" read "$SOCKCAT" udp-send -U "$path"
	kill -TERM "$PID"
	run -0 sc_wait_rc S 100
	[ "$output" = 143 ]
}

@test "signals: echo, SIGTERM just before epoll_pwait: 0, file gone" {
	local path="$SC_SOCKDIR/s"
	stalled E epoll_pwait "$SOCKCAT" echo -U "$path"
	[ -S "$path" ]
	kill -TERM "$PID"
	run -0 sc_wait_rc E 100
	[ "$output" = 0 ]
	[ ! -e "$path" ]
}

# term_in_poll NAME: NAME runs under helpers/nonblock-stdio.py, which wrote
# its command's PID to $SC_TMP/pid.  Once that command sleeps in poll(2),
# SIGTERM it; NAME must then end with 143.
term_in_poll() {
	local pid i
	sc_wait_file "$SC_TMP/pid" '[0-9]'
	pid=$(cat "$SC_TMP/pid")
	for ((i = 0; i < 100; i++)); do
		[[ "$(cat /proc/"$pid"/wchan 2>/dev/null)" == *poll* ]] && break
		sleep 0.1
	done
	[[ "$(cat /proc/"$pid"/wchan 2>&1)" == *poll* ]] ||
	    { echo "$pid never waited in poll" >&2; return 1; }
	kill -TERM "$pid"
	run -0 sc_wait_rc "$1" 100
	[ "$output" = 143 ]
}

# A non-blocking stdin or stdout (one shared with other programs) says
# EAGAIN, and the wait for it to move must end at a stop signal too.
@test "signals: udp-recv waiting for a full non-blocking stdout: SIGTERM gives 143" {
	local port
	head -c 20000 /dev/zero >"$SC_TMP/in"
	sc_bg r /dev/null "$BATS_TEST_DIRNAME/helpers/nonblock-stdio.py" out \
	    "$SC_TMP/pid" -- "$SOCKCAT" udp-recv -v -b 127.0.0.1 -p 0
	port=$(sc_port r)
	# 20 datagrams of 1000 bytes: the pipe holds 4 of them.
	run -0 "$SOCKCAT" udp-send --chunk 1000 127.0.0.1 "$port" <"$SC_TMP/in"
	term_in_poll r
}

@test "signals: udp-send waiting for a non-blocking idle stdin: SIGTERM gives 143" {
	local path="$SC_SOCKDIR/s"
	sc_bg r /dev/null "$SOCKCAT" udp-recv -v -U "$path"
	sc_wait_file "$SC_TMP/r.err" 'listening on'
	sc_bg S /dev/null "$BATS_TEST_DIRNAME/helpers/nonblock-stdio.py" in \
	    "$SC_TMP/pid" -- "$SOCKCAT" udp-send -U "$path"
	term_in_poll S
}

# ------------------------------------------ a session cut short is reset

# cut_short SIG: a sender stopped by SIG halfway through its data; the
# listener must not take what arrived for the whole transfer.
cut_short() {
	local port pid
	sc_bg L /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	port=$(sc_port L)
	sc_bg C /dev/null python3 "$SC_PEER" exec bash -c \
	    '{ head -c 1M /dev/urandom; sleep 3; head -c 1M /dev/urandom; } |
	    exec "$1" connect 127.0.0.1 "$2"' _ "$SOCKCAT" "$port"
	sc_wait_file "$SC_TMP/L.err" 'connection from'
	# Wait until the first MiB has arrived: the sender is in its pause.
	for ((i = 0; i < 100; i++)); do
		[ "$(stat -c %s "$SC_TMP/L.out")" -ge 1048576 ] && break
		sleep 0.1
	done
	pid=$(pgrep -P "$(sc_cmd_pid "$SC_LAST_PID")" -x sockcat) ||
	    pid=$(sc_cmd_pid "$SC_LAST_PID")
	kill -"$1" "$pid"
	[ "$(sc_wait_rc L)" = 1 ]
	grep -q 'Connection reset by peer' "$SC_TMP/L.err"
}

@test "signals: connect stopped by SIGTERM mid-transfer resets: the listener says 1" {
	cut_short TERM
	[ "$(sc_wait_rc C)" = 143 ]
}

@test "signals: connect stopped by SIGINT mid-transfer resets: the listener says 1" {
	cut_short INT
	[ "$(sc_wait_rc C)" = 130 ]
}

@test "signals: connect stopped by SIGHUP mid-transfer resets: the listener says 1" {
	cut_short HUP
	[ "$(sc_wait_rc C)" = 129 ]
}

@test "signals: SIGHUP stops a Unix listener and removes its socket file" {
	local sock=$SC_SOCKDIR/s
	sc_bg L /dev/null "$SOCKCAT" listen -v -U "$sock"
	sc_wait_file "$SC_TMP/L.err" 'listening on'
	kill -HUP "$(sc_cmd_pid "$SC_LAST_PID")"
	[ "$(sc_wait_rc L)" = 129 ]
	[ ! -e "$sock" ]
}
