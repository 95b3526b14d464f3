#!/usr/bin/env bats
# tests/listen.bats: sockcat listen, and SPEC's three relay cases (with
# connect as the other end) on every path the relay can take: stdin a
# regular file (sendfile), a pipe (splice), SOCKCAT_NO_SPLICE=1
# (read/write); stdout a file or a pipe; the idle side's stdin /dev/null,
# an open pipe that never writes, or a terminal.

load helpers/common
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=120

# Data of each size, made once per file: random, or for 256 MiB random
# 1 MiB blocks between runs of zeros (quick to make, still position-unique).
setup_file() {
	local d=$BATS_FILE_TMPDIR i
	: >"$d/d0"
	head -c 1 /dev/urandom >"$d/d1"
	head -c 1M /dev/urandom >"$d/d1M"
	head -c 50M /dev/urandom >"$d/d50M"
	for ((i = 0; i < 8; i++)); do
		head -c 1M /dev/urandom
		head -c 31M /dev/zero
	done >"$d/d256M"
}

setup() { sc_setup; }

teardown() {
	sc_teardown
	rm -f "$SC_TMP"/*.out "$SC_TMP"/data.*
}

# The receiving end writes stdout to $SC_OUT, to a file (opened for
# appending with "append") or through a pipe; the sending end reads $SC_IN
# from a file or through a pipe.  pipefail: sockcat's status is what counts.
RECV_FILE='exec "$SOCKCAT" "$@" >"$SC_OUT"'
RECV_APPEND='exec "$SOCKCAT" "$@" >>"$SC_OUT"'
RECV_PIPE='"$SOCKCAT" "$@" | cat >"$SC_OUT"'
SEND_FILE='exec "$SOCKCAT" "$@" <"$SC_IN"'
SEND_PIPE='cat "$SC_IN" | "$SOCKCAT" "$@"'

# idle_stdin KIND: sets IDLE_IN (a file to redirect from) and IDLE_WRAP
# (a command prefix) for an idle stdin of KIND null, pipe or tty.
idle_stdin() {
	IDLE_WRAP=()
	IDLE_IN=/dev/null
	case $1 in
	pipe)
		sc_idle_fifo
		IDLE_IN=$SC_TMP/idle
		;;
	tty)
		IDLE_WRAP=(python3 "$BATS_TEST_DIRNAME/helpers/pty.py")
		;;
	esac
}

# relay CASE SIZE IDLE SEND RECV [VAR=VALUE...]: one of SPEC's relay cases.
#   CASE 1: connect sends SIZE bytes, listen receives; listen's stdin idle.
#   CASE 2: listen sends, connect receives; connect's stdin idle.
#   CASE 3: listen < SIZE-byte response > request; connect <<<'GET /'.
# SEND is file or pipe, RECV file, append or pipe; VAR=VALUE go to both
# environments.
# Both must exit 0 by themselves and the bytes must arrive unchanged.
relay() {
	local kase=$1 size=$2 idle=$3 send=$4 recv=$5 port rc
	shift 5
	local sendsh recvsh
	[ "$send" = pipe ] && sendsh=$SEND_PIPE || sendsh=$SEND_FILE
	case $recv in
	pipe) recvsh=$RECV_PIPE ;;
	append) recvsh=$RECV_APPEND ;;
	*) recvsh=$RECV_FILE ;;
	esac
	export SC_IN=$BATS_FILE_TMPDIR/d$size SC_OUT=$SC_TMP/data.out
	rm -f "$SC_OUT" "$SC_TMP"/L.*
	idle_stdin "$idle"
	case $kase in
	1)
		sc_bg L "$IDLE_IN" "${IDLE_WRAP[@]}" env "$@" \
		    bash -o pipefail -c "$recvsh" _ listen -v -p 0
		port=$(sc_port L)
		run timeout 60 env "$@" bash -o pipefail -c "$sendsh" _ \
		    connect 127.0.0.1 "$port"
		;;
	2)
		sc_bg L /dev/null env "$@" \
		    bash -o pipefail -c "$sendsh" _ listen -v -p 0
		port=$(sc_port L)
		run timeout 60 "${IDLE_WRAP[@]}" env "$@" \
		    bash -o pipefail -c "$recvsh" _ connect 127.0.0.1 "$port" \
		    <"$IDLE_IN"
		;;
	3)
		export SC_REQ=$SC_TMP/req
		sc_bg L /dev/null env "$@" bash -o pipefail -c \
		    '"$SOCKCAT" "$@" <"$SC_IN" >"$SC_REQ"' _ listen -v -p 0
		port=$(sc_port L)
		# The request is in its pipe before connect starts (a here
		# string): see the note above the splice tests.
		run timeout 60 env "$@" bash -o pipefail -c \
		    "{ $recvsh; } <<<'GET /'" _ connect 127.0.0.1 "$port"
		;;
	esac
	[ "$status" -eq 0 ] || {
		echo "case $kase size $size: client status $status: $output"
		cat "$SC_TMP/L.err"
		return 1
	}
	rc=$(sc_wait_rc L 300)
	[ "$rc" = 0 ] || {
		echo "case $kase size $size: listener status $rc"
		cat "$SC_TMP/L.err"
		return 1
	}
	cmp "$SC_IN" "$SC_OUT"
	if [ "$kase" = 3 ]; then
		printf 'GET /\n' | cmp - "$SC_REQ"
	fi
	sc_idle_close
}

# The sizes of the cases.  With 0 bytes the sender looks exactly like a
# receiver that is waiting for the idle side's data (SPEC: a peer that
# sent nothing is a receiver), so the idle side keeps reading its stdin:
# an idle pipe or terminal ends that case only at its EOF (the test
# "0 B towards an idle pipe or terminal" below).  /dev/null ends at once.
all_sizes() {
	local size
	for size in 0 1 1M 256M; do
		[ "$size" = 0 ] && [ "$2" != null ] && continue
		"$@" "$size" || return 1
	done
}

# all_sizes passes the size last: reorder for relay.
c1() { relay 1 "$4" "$1" "$2" "$3"; }
c2() { relay 2 "$4" "$1" "$2" "$3"; }

@test "listen: case 1, listener stdin /dev/null, 0 B to 256 MiB" {
	all_sizes c1 null file file
}

@test "listen: case 1, listener stdin an idle pipe, 1 B to 256 MiB" {
	all_sizes c1 pipe file file
}

@test "listen: case 1, listener stdin a terminal, 1 B to 256 MiB" {
	all_sizes c1 tty file file
}

@test "listen: case 2, client stdin /dev/null, 0 B to 256 MiB" {
	all_sizes c2 null file file
}

@test "listen: case 2, client stdin an idle pipe, 1 B to 256 MiB" {
	all_sizes c2 pipe file file
}

@test "listen: case 2, client stdin a terminal, 1 B to 256 MiB" {
	all_sizes c2 tty file file
}

@test "listen: 0 B towards an idle pipe: it is read until its EOF, then both exit 0" {
	# The peer ends without a byte: it may be waiting for ours.  Both
	# sessions stay open past the one-second grace, and end once the
	# idle side's stdin ends.
	local port
	sc_idle_fifo
	sc_bg L "$SC_TMP/idle" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	sc_bg C /dev/null "$SOCKCAT" connect -v 127.0.0.1 "$port"
	sc_wait_file "$SC_TMP/L.err" 'connection from'
	run ! sc_wait_rc L 20
	run ! sc_wait_rc C 1
	printf 'late\n' >&"$SC_IDLE_FD"
	sc_idle_close
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(sc_wait_rc C)" = 0 ]
	[ ! -s "$SC_TMP/L.out" ]
	[ "$(cat "$SC_TMP/C.out")" = late ]
}

@test "listen: 0 B towards a terminal: what is typed is sent until Ctrl-D" {
	local port
	# The user types a line 1.5 s after the connection (later than the
	# one-second grace), then Ctrl-D.
	sc_bg L /dev/null python3 "$BATS_TEST_DIRNAME/helpers/pty.py" \
	    --ready "$SC_TMP/L.err" 'connection from' --delay 1.5 \
	    --type $'typed line\n' --eof "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	# The client sends nothing and reads until the listener's EOF.
	sc_bg C /dev/null "$SOCKCAT" connect -v 127.0.0.1 "$port"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(sc_wait_rc C)" = 0 ]
	[ "$(cat "$SC_TMP/C.out")" = 'typed line' ]
}

@test "listen: case 3, request/response, 0 B to 256 MiB" {
	relay 3 0 null file file
	relay 3 1 null file file
	relay 3 1M null file file
	relay 3 256M null file pipe
}

@test "listen: case 3, a 50 MiB reply arrives whole after the half-close" {
	relay 3 50M null file file
}

# A sender whose stdin is a pipe faces an idle side that is a pipe or a
# terminal here, not /dev/null: that one half-closes at once, and by
# SPEC's rule a sender whose pipe has not yet given a byte when the peer's
# EOF arrives gives up (see the man page).
@test "listen: splice path: stdin and stdout pipes, both cases" {
	relay 1 1M pipe pipe pipe
	relay 1 256M tty pipe pipe
	relay 2 1M tty pipe pipe
	relay 2 256M pipe pipe pipe
	relay 3 1M null file pipe
}

# stdout a regular file: socket -> internal pipe -> file, both by splice.
@test "listen: internal-pipe path: stdout a regular file, both cases" {
	relay 1 1 null file file
	relay 1 256M pipe pipe file
	relay 2 1M pipe file file
	relay 2 256M null pipe file
	relay 1 50M null file file SOCKCAT_NO_SPLICE=1
	relay 2 50M null pipe file SOCKCAT_NO_SPLICE=1
}

# splice(2) refuses a file opened with O_APPEND, and says so only once the
# first bytes are in the internal pipe: those go out by read/write first.
@test "listen: stdout a file open for appending: the fallback loses nothing" {
	relay 1 1 null file append
	relay 1 256M null file append
	relay 2 50M pipe pipe append
	relay 3 1M null file append
	relay 1 1M null file append SOCKCAT_NO_SPLICE=1
}

@test "listen: stdout appended to keeps what the file held, in order" {
	local port
	head -c 3M /dev/urandom >"$SC_TMP/a"
	head -c 5M /dev/urandom >"$SC_TMP/b"
	cp "$SC_TMP/a" "$SC_TMP/data.out"
	sc_bg L /dev/null bash -c 'exec "$SOCKCAT" listen -v -p 0 \
	    >>"$1"' _ "$SC_TMP/data.out"
	port=$(sc_port L)
	run -0 timeout 30 "$SOCKCAT" connect 127.0.0.1 "$port" <"$SC_TMP/b"
	[ "$(sc_wait_rc L)" = 0 ]
	cat "$SC_TMP/a" "$SC_TMP/b" | cmp - "$SC_TMP/data.out"
}

@test "listen: into the socket, 512 KiB writes; SOCKCAT_ZEROCOPY_SEND=1: sendfile and splice" {
	command -v strace >/dev/null || skip "strace is not installed"
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	local port f=$BATS_FILE_TMPDIR/d1M
	sc_bg L /dev/null "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	run -0 strace -qq -e trace=sendfile,splice,sendto,write -o "$SC_TMP/st" \
	    "$SOCKCAT" connect 127.0.0.1 "$port" <"$f"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$f" "$SC_TMP/L.out"
	run ! grep -q '^sendfile(' "$SC_TMP/st"
	grep -Eq '^sendto\([0-9]+, .*, 524288, MSG_NOSIGNAL' "$SC_TMP/st"
	# The zero-copy paths stay, and stay tested.
	relay 1 1M null file file SOCKCAT_ZEROCOPY_SEND=1
	relay 1 1M null pipe file SOCKCAT_ZEROCOPY_SEND=1
	relay 2 256M null file pipe SOCKCAT_ZEROCOPY_SEND=1
	relay 3 50M null file pipe SOCKCAT_ZEROCOPY_SEND=1
}

@test "listen: SOCKCAT_NO_SPLICE=1: read/write path, files and pipes" {
	relay 1 1M null file file SOCKCAT_NO_SPLICE=1
	relay 1 256M pipe pipe pipe SOCKCAT_NO_SPLICE=1
	relay 2 256M null file pipe SOCKCAT_NO_SPLICE=1
	relay 2 1M tty file file SOCKCAT_NO_SPLICE=1
	relay 2 1M pipe pipe file SOCKCAT_NO_SPLICE=1
	relay 3 50M null file pipe SOCKCAT_NO_SPLICE=1
}

@test "listen: a sender pausing 2 s mid-stream still arrives whole" {
	local port
	head -c 1M /dev/urandom >"$SC_TMP/a"
	head -c 5M /dev/urandom >"$SC_TMP/b"
	cat "$SC_TMP/a" "$SC_TMP/b" >"$SC_TMP/data.in"
	sc_idle_fifo
	sc_bg L "$SC_TMP/idle" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	# The first part, a pause with stdin open, then the rest.
	run timeout 30 bash -c '{ cat "$1"; sleep 2; cat "$2"; } |
	    "$SOCKCAT" connect 127.0.0.1 "$3"' _ "$SC_TMP/a" "$SC_TMP/b" "$port"
	[ "$status" -eq 0 ]
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/data.in" "$SC_TMP/L.out"
}

@test "listen: a slow response (2 s pause) arrives whole after the request" {
	local port
	head -c 1M /dev/urandom >"$SC_TMP/a"
	head -c 5M /dev/urandom >"$SC_TMP/b"
	cat "$SC_TMP/a" "$SC_TMP/b" >"$SC_TMP/data.in"
	sc_bg L /dev/null bash -c '{ cat "$1"; sleep 2; cat "$2"; } |
	    "$SOCKCAT" listen -v -p 0' _ "$SC_TMP/a" "$SC_TMP/b"
	port=$(sc_port L)
	run timeout 30 bash -c 'printf "GET /\n" |
	    "$SOCKCAT" connect 127.0.0.1 "$1" >"$2"' _ "$port" \
	    "$SC_TMP/data.out"
	[ "$status" -eq 0 ]
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/data.in" "$SC_TMP/data.out"
}

@test "listen: -v ends each session with the bytes each way and the duration" {
	local port
	head -c 1000 /dev/urandom >"$SC_TMP/data.in"
	sc_bg L /dev/null "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	run -0 timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" \
	    <"$SC_TMP/data.in"
	[ "$(sc_wait_rc L)" = 0 ]
	grep -Eq '^sockcat: closed 127\.0\.0\.1:[0-9]+: 0 bytes sent, 1000 bytes received, [0-9]+\.[0-9]{3}s$' \
	    "$SC_TMP/L.err"
}

@test "listen: -v says where it listens and who connected" {
	local port
	sc_bg L /dev/null "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	[ "$port" -gt 0 ]
	grep -qx "sockcat: listening on \[::\]:$port" "$SC_TMP/L.err"
	run -0 timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" </dev/null
	[ "$(sc_wait_rc L)" = 0 ]
	grep -q '^sockcat: connection from 127\.0\.0\.1:[0-9][0-9]*$' \
	    "$SC_TMP/L.err"
}

@test "listen: without -k the next client is refused, not left waiting" {
	local port
	sc_idle_fifo
	# The first session stays open (its client's stdin is idle).
	sc_bg L /dev/null "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	sc_bg C1 "$SC_TMP/idle" "$SOCKCAT" connect 127.0.0.1 "$port"
	sc_wait_file "$SC_TMP/L.err" 'connection from'
	run -69 timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" </dev/null
	[[ "$output" == *"Connection refused"* ]]
	sc_idle_close
	[ "$(sc_wait_rc C1)" = 0 ]
	[ "$(sc_wait_rc L)" = 0 ]
}

@test "listen: -k serves three clients in a row" {
	local port i
	sc_bg L /dev/null "$SOCKCAT" listen -k -v -p 0
	port=$(sc_port L)
	for i in 1 2 3; do
		head -c 100k /dev/urandom >"$SC_TMP/in$i"
		run -0 timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" \
		    <"$SC_TMP/in$i"
	done
	sc_wait_file "$SC_TMP/L.err" 'connection from' 50
	cat "$SC_TMP/in1" "$SC_TMP/in2" "$SC_TMP/in3" >"$SC_TMP/data.in"
	# Everything has arrived once the third session has ended.
	for ((i = 0; i < 100; i++)); do
		cmp -s "$SC_TMP/data.in" "$SC_TMP/L.out" && break
		sleep 0.1
	done
	cmp "$SC_TMP/data.in" "$SC_TMP/L.out"
	[ "$(grep -c 'connection from' "$SC_TMP/L.err")" -eq 3 ] ||
	    { cat "$SC_TMP/L.err"; return 1; }
	# Still there: -k keeps the socket bound.
	kill -0 "$SC_LAST_PID"
	run -0 timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" </dev/null
}

@test "listen: -6 on ::1" {
	local port
	head -c 64k /dev/urandom >"$SC_TMP/data.in"
	sc_bg L /dev/null "$SOCKCAT" listen -6 -b ::1 -v -p 0
	port=$(sc_port L)
	grep -q 'listening on \[::1\]:' "$SC_TMP/L.err"
	run -0 timeout 10 "$SOCKCAT" connect ::1 "$port" <"$SC_TMP/data.in"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/data.in" "$SC_TMP/L.out"
}

@test "listen: -4 on 127.0.0.1" {
	local port
	sc_bg L /dev/null "$SOCKCAT" listen -4 -v -p 0
	port=$(sc_port L)
	grep -q 'listening on 0\.0\.0\.0:' "$SC_TMP/L.err"
	echo hello >"$SC_TMP/data.in"
	run -0 timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" \
	    <"$SC_TMP/data.in"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/data.in" "$SC_TMP/L.out"
}

@test "listen: the default is dual-stack: 127.0.0.1 and ::1 both reach it" {
	local port
	sc_bg L /dev/null "$SOCKCAT" listen -k -v -p 0
	port=$(sc_port L)
	echo four >"$SC_TMP/four"
	echo six >"$SC_TMP/six"
	timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" <"$SC_TMP/four"
	timeout 10 "$SOCKCAT" connect ::1 "$port" <"$SC_TMP/six"
	sc_wait_file "$SC_TMP/L.out" six
	grep -qx four "$SC_TMP/L.out"
	grep -q 'connection from 127\.0\.0\.1:' "$SC_TMP/L.err"
	grep -q 'connection from \[::1\]:' "$SC_TMP/L.err"
}

@test "listen: -w: nobody connects -> 75 within the bound" {
	local t0=$SECONDS
	run -75 --separate-stderr timeout 10 "$SOCKCAT" listen -w 300ms -p 0 \
	    </dev/null
	[ $((SECONDS - t0)) -le 5 ]
	[[ "$stderr" == "sockcat: listen: accept timeout"* ]]
}

@test "listen: -i: no byte moved for DUR -> 75" {
	local port
	sc_idle_fifo
	sc_bg L "$SC_TMP/idle" "$SOCKCAT" listen -i 500ms -v -p 0
	port=$(sc_port L)
	sc_bg C "$SC_TMP/idle" "$SOCKCAT" connect 127.0.0.1 "$port"
	[ "$(sc_wait_rc L 100)" = 75 ]
	grep -q '^sockcat: listen: idle timeout' "$SC_TMP/L.err"
	# The client sees the listener go without a byte: a receiver, so
	# the client's stdin is still sent, until its EOF.
	run ! sc_wait_rc C 15
	sc_idle_close
	[ "$(sc_wait_rc C 100)" = 0 ]
}

@test "listen: a peer reset mid-transfer -> 1 with a message" {
	local port
	sc_bg L "$BATS_FILE_TMPDIR/d50M" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	# Read a little, then close with SO_LINGER 0: a reset.
	timeout 10 python3 "$SC_PEER" rst-client 127.0.0.1 "$port" --read 1000
	[ "$(sc_wait_rc L)" = 1 ]
	grep -Eq '^sockcat: listen: 127\.0\.0\.1:[0-9]+: (Connection reset by peer|Broken pipe)$' \
	    "$SC_TMP/L.err"
}

@test "listen: -U relays over a Unix socket and removes its file" {
	local sock=$SC_SOCKDIR/s
	head -c 1M /dev/urandom >"$SC_TMP/data.in"
	sc_bg L /dev/null "$SOCKCAT" listen -v -U "$sock"
	sc_wait_file "$SC_TMP/L.err" 'listening on'
	run -0 timeout 10 "$SOCKCAT" connect -U "$sock" <"$SC_TMP/data.in"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/data.in" "$SC_TMP/L.out"
	[ ! -e "$sock" ]
}

@test "listen: -U --seqpacket keeps message boundaries" {
	local sock=$SC_SOCKDIR/s
	sc_bg L /dev/null "$SOCKCAT" listen --seqpacket -v -U "$sock"
	sc_wait_file "$SC_TMP/L.err" 'listening on'
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
for m in (b"one", b"two", b"x" * 150000):
    s.send(m)
s.shutdown(socket.SHUT_WR)
s.recv(10)' "$sock"
	[ "$(sc_wait_rc L)" = 0 ]
	{ printf onetwo; head -c 150000 /dev/zero | tr '\0' x; } |
	    cmp - "$SC_TMP/L.out"
}

@test "listen: SIGTERM removes the Unix socket file" {
	local sock=$SC_SOCKDIR/s
	sc_bg L /dev/null "$SOCKCAT" listen -k -v -U "$sock"
	sc_wait_file "$SC_TMP/L.err" 'listening on'
	[ -S "$sock" ]
	kill -TERM "$(pgrep -P "$SC_LAST_PID")"
	sc_wait_rc L >/dev/null
	[ ! -e "$sock" ]
}

@test "listen: -k stops at SIGTERM in the middle of a busy session" {
	# The signal lands while a splice or write is busy, not in poll: it
	# must still end the listener, not wait for the next client.
	local port pid
	sc_bg L /dev/null "$SOCKCAT" listen -k -v -b 127.0.0.1 -p 0
	port=$(sc_port L)
	sc_bg C /dev/zero "$SOCKCAT" connect 127.0.0.1 "$port"
	sc_wait_file "$SC_TMP/L.err" 'connection from'
	pid=$(sc_cmd_pid "${SC_PIDS[0]}")
	kill -TERM "$pid"
	[ "$(sc_wait_rc L 100)" = 143 ]
	[ "$(sc_wait_rc C 100)" = 1 ]
}

@test "listen: bad input -> 64 with one line naming it" {
	local args
	while IFS= read -r args; do
		eval "run -64 --separate-stderr \"\$SOCKCAT\" listen $args"
		[ "${#lines[@]}" -eq 0 ] || { echo "stdout: $output"; false; }
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] ||
		    { echo "$args: $stderr"; false; }
		[[ "$stderr" == "sockcat: listen: "* ]] ||
		    { echo "$args: $stderr"; false; }
	done <<-'EOF'
		
		-p 65536
		-p abc
		-p -1
		70000
		-p 1 2
		-p ''
		-w abc
		-w -1
		-w 1e999
		-i abc
		-i ''
		--nosuch
		-x
		-s 127.0.0.1 -p 0
		--send-only --recv-only -p 0
		-U ''
		-U /tmp/$(printf 'x%.0s' {1..120})
		-U /tmp/s -p 1
		--seqpacket -p 0
		-4 -6 -p 0
		-p 0 extra
		--rcvbuf 0 -p 0
		--keepalive=abc -p 0
	EOF
}

@test "listen: socket activation: the inherited socket, no port; not passed on" {
	sc_bg L /dev/null python3 "$BATS_TEST_DIRNAME/helpers/activate.py" \
	    "$SC_TMP/aport" "$SOCKCAT" listen -v
	sc_wait_file "$SC_TMP/L.err" 'listening on'
	local aport
	aport=$(cat "$SC_TMP/aport")
	echo hello | timeout 10 "$SOCKCAT" connect 127.0.0.1 "$aport"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(cat "$SC_TMP/L.out")" = hello ]
	grep -q "listening on 127.0.0.1:$aport" "$SC_TMP/L.err"
}
