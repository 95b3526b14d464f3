#!/usr/bin/env bats
# tests/connect.bats: sockcat connect.  The relay cases with listen as the
# other end are in listen.bats.

load helpers/common
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=60

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "connect: -v says connected to ADDR:PORT; data goes both ways" {
	local port
	printf 'from server\n' >"$SC_TMP/s.in"
	printf 'from client\n' >"$SC_TMP/c.in"
	sc_bg L "$SC_TMP/s.in" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	run -0 --separate-stderr timeout 10 "$SOCKCAT" connect -v 127.0.0.1 \
	    "$port" <"$SC_TMP/c.in"
	[ "$output" = "from server" ]
	[ "${stderr_lines[0]}" = "sockcat: connected to 127.0.0.1:$port" ]
	[[ "${stderr_lines[1]}" =~ ^"sockcat: closed 127.0.0.1:$port: 12 bytes sent, 12 bytes received, "[0-9]+\.[0-9]{3}s$ ]]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/c.in" "$SC_TMP/L.out"
}

@test "connect: [::1] and -6 reach an IPv6 listener" {
	local port
	sc_bg L /dev/null "$SOCKCAT" listen -k -6 -v -p 0
	port=$(sc_port L)
	echo one >"$SC_TMP/one"
	run -0 --separate-stderr timeout 10 "$SOCKCAT" connect -v '[::1]' \
	    "$port" <"$SC_TMP/one"
	[ "${stderr_lines[0]}" = "sockcat: connected to [::1]:$port" ]
	run -0 timeout 10 "$SOCKCAT" connect -6 ::1 "$port" <"$SC_TMP/one"
	sc_wait_file "$SC_TMP/L.out" one
	[ "$(grep -c one "$SC_TMP/L.out")" -eq 2 ]
}

# late_producer DELAY: the listener's stdin is /dev/null, so it half-closes
# at once without a byte; the producer's first byte comes DELAY seconds
# later.  Giving up that stdin would lose everything and still exit 0.
late_producer() {
	local port
	head -c 1048576 /dev/urandom >"$SC_TMP/in"
	sc_bg L /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	port=$(sc_port L)
	run -0 timeout 30 bash -c '{ sleep "$3"; cat "$1"; } |
	    "$SOCKCAT" connect 127.0.0.1 "$2"' _ "$SC_TMP/in" "$port" "$1"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/in" "$SC_TMP/L.out"
}

@test "connect: a producer that starts 0.3 s late is not an idle stdin" {
	late_producer 0.3
}

@test "connect: a producer that starts 1.5 s late loses nothing" {
	late_producer 1.5
}

@test "connect: a producer that starts 3 s late loses nothing" {
	late_producer 3
}

@test "connect: the README's case: a late line to a /dev/null listener" {
	# sh gives a background job /dev/null as stdin.
	local port
	sc_bg L /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	port=$(sc_port L)
	run -0 timeout 20 sh -c '{ sleep 1.5; echo "backup data"; } |
	    "$1" connect 127.0.0.1 "$2"' _ "$SOCKCAT" "$port"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(cat "$SC_TMP/L.out")" = "backup data" ]
}

@test "connect: typed at a terminal towards a /dev/null listener, sent until Ctrl-D" {
	local port
	sc_bg L /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	port=$(sc_port L)
	run -0 timeout 20 python3 "$BATS_TEST_DIRNAME/helpers/pty.py" \
	    --delay 1.5 --type $'one\ntwo\n' --eof \
	    "$SOCKCAT" connect 127.0.0.1 "$port"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(cat "$SC_TMP/L.out")" = $'one\ntwo' ]
}

# greet DELAY [OPTION...]: a server that greets ("hello"), half-closes and
# keeps reading, and a producer of 1 MiB that starts DELAY seconds late;
# sockcat connect with OPTION... (and -v) between them.  The server has
# answered, so an idle stdin is given up after the session's first second.
greet() {
	local delay=$1 port
	shift
	sc_bg S /dev/null python3 "$SC_PEER" greet-server
	port=$(sc_port S)
	run -0 --separate-stderr timeout 20 bash -c '{ sleep "$1"; head -c 1M /dev/zero; } |
	    "$2" connect -v "${@:4}" 127.0.0.1 "$3"' _ "$delay" "$SOCKCAT" \
	    "$port" "$@"
	# --send-only discards the greeting; everything else prints it.
	[[ " $* " == *" --send-only "* ]] || [ "$output" = hello ]
}

@test "connect: a greeting server: a producer within the first second is sent whole" {
	greet 0.4
	[ "$(sc_wait_rc S)" = 0 ]
	[ "$(cat "$SC_TMP/S.out")" = 1048576 ]
	[[ "$stderr" != *"stdin given up"* ]]
}

@test "connect: a greeting server and a producer 2 s late: -v says stdin was given up" {
	greet 2
	[[ "$stderr" == *"sockcat: stdin given up: the peer has finished and stdin gave nothing in the session's first second"* ]]
}

@test "connect: --wait-stdin sends a producer 2 s late to a greeting server whole" {
	greet 2 --wait-stdin
	[ "$(sc_wait_rc S)" = 0 ]
	[ "$(cat "$SC_TMP/S.out")" = 1048576 ]
}

@test "connect: --send-only never gives up stdin, whatever the peer sent" {
	greet 1.5 --send-only
	[ "$(sc_wait_rc S)" = 0 ]
	[ "$(cat "$SC_TMP/S.out")" = 1048576 ]
}

@test "connect: an idle pipe still ends the session by itself" {
	local port start end
	sc_idle_fifo
	# The listener answers one byte, then half-closes.
	printf x >"$SC_TMP/x"
	sc_bg L "$SC_TMP/x" "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	port=$(sc_port L)
	start=$(date +%s%N)
	run -0 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$port" \
	    <"$SC_TMP/idle"
	end=$(date +%s%N)
	[ "$(sc_wait_rc L)" = 0 ]
	# Not before the one-second grace, and not much later either.
	[ $(((end - start) / 1000000)) -ge 900 ]
	[ $(((end - start) / 1000000)) -lt 10000 ]
}

@test "connect: refused -> 69 with the address in the message" {
	local port
	port=$(sc_free_port)
	run -69 --separate-stderr timeout 10 "$SOCKCAT" connect 127.0.0.1 \
	    "$port" </dev/null
	[ "$stderr" = "sockcat: connect: 127.0.0.1:$port: Connection refused" ]
}

@test "connect: unresolvable host -> 68" {
	# Only when the resolver answers quickly here (no network is fine).
	run timeout 5 getent hosts nonexistent.invalid
	[ "$status" -eq 2 ] || skip "the resolver does not answer quickly"
	run -68 --separate-stderr timeout 20 "$SOCKCAT" connect \
	    nonexistent.invalid 80 </dev/null
	[[ "$stderr" == "sockcat: connect: "*nonexistent.invalid* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}

@test "connect: a peer reset mid-transfer -> 1 with a message" {
	local port
	# A server that reads a little of a big upload, then resets.
	sc_bg S /dev/null python3 "$SC_PEER" rst-server --read 1000
	port=$(sc_port S)
	run -1 --separate-stderr timeout 20 bash -c \
	    'head -c 50M /dev/zero | "$SOCKCAT" connect 127.0.0.1 "$1"' \
	    _ "$port"
	[[ "$stderr" =~ ^"sockcat: connect: 127.0.0.1:$port: "(Connection\ reset\ by\ peer|Broken\ pipe)$ ]]
}

@test "connect: a reset while only receiving -> 1" {
	local port
	sc_idle_fifo
	sc_bg S /dev/null python3 "$SC_PEER" rst-server --send 100000
	port=$(sc_port S)
	run -1 --separate-stderr timeout 20 "$SOCKCAT" connect 127.0.0.1 \
	    "$port" <"$SC_TMP/idle"
	[[ "$stderr" == *"Connection reset by peer" ]]
}

@test "connect: stdout's reader going away (| head -c 10) ends it, non-zero" {
	local port
	sc_bg L /dev/zero "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	sc_idle_fifo
	run --separate-stderr timeout 20 bash -o pipefail -c \
	    '"$SOCKCAT" connect 127.0.0.1 "$1" <"$2" | head -c 10 | wc -c' \
	    _ "$port" "$SC_TMP/idle"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[ "$output" = 10 ]
	# The listener then finds its peer gone.
	[ "$(sc_wait_rc L)" = 1 ]
}

@test "connect: stdout's reader going away is noticed on the plain path too" {
	local port
	sc_bg L /dev/zero "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	run --separate-stderr timeout 20 bash -o pipefail -c \
	    'SOCKCAT_NO_SPLICE=1 "$SOCKCAT" connect 127.0.0.1 "$1" </dev/null |
	    head -c 10 >/dev/null' _ "$port"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[ "$(sc_wait_rc L)" = 1 ]
}

@test "connect: a quiet stream whose stdout reader goes away ends promptly" {
	local port
	sc_idle_fifo
	# The server sends 16 bytes, then stays open: its stdin stays open.
	printf 0123456789abcdef >&"$SC_IDLE_FD"
	sc_bg L "$SC_TMP/idle" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	run --separate-stderr timeout 20 bash -o pipefail -c \
	    '"$SOCKCAT" connect 127.0.0.1 "$1" </dev/null | head -c 10 >/dev/null' \
	    _ "$port"
	[ "$status" -eq 1 ]
	[ "$stderr" = "sockcat: connect: stdout: Broken pipe" ]
}

@test "connect: -i: no byte moved for DUR -> 75" {
	local port t0=$SECONDS
	sc_idle_fifo
	sc_bg L "$SC_TMP/idle" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	run -75 --separate-stderr timeout 10 "$SOCKCAT" connect -i 300ms \
	    127.0.0.1 "$port" <"$SC_TMP/idle"
	[[ "$stderr" == "sockcat: connect: idle timeout"* ]]
	[ $((SECONDS - t0)) -le 5 ]
	# The listener saw no byte: its stdin is still sent, until its EOF.
	sc_idle_close
	[ "$(sc_wait_rc L)" = 0 ]
}

@test "connect: -i does not fire while bytes move" {
	local port
	# Not </dev/null: see the note above the splice tests in listen.bats.
	sc_idle_fifo
	sc_bg L "$SC_TMP/idle" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	run -0 timeout 20 bash -c '{ printf a; sleep 0.3; printf b; sleep 0.3;
	    printf c; } | "$SOCKCAT" connect -i 1 127.0.0.1 "$1"' _ "$port"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(cat "$SC_TMP/L.out")" = abc ]
}

# pipe_size_probe STREAM: Python that waits (5 s at most) until the pipe on
# its STREAM (stdin or stdout) is 1 MiB, then says "pipe N" with the size
# it saw: on stdout, or for stdin into $SC_TMP/probe.
pipe_size_probe() {
	python3 -c '
import fcntl, sys, time
fd = 0 if sys.argv[1] == "stdin" else 1
for _ in range(500):
    size = fcntl.fcntl(fd, 1032)  # F_GETPIPE_SZ
    if size == 1 << 20:
        break
    time.sleep(0.01)
if fd == 1:
    sys.stdout.write("pipe %d\n" % size)
else:
    open(sys.argv[2], "w").write("pipe %d\n" % size)
    sys.stdin.buffer.read()
' "$1" "$SC_TMP/probe"
}

@test "connect: a pipe on stdin is grown to 1 MiB (fewer wake-ups of its writer)" {
	local port
	sc_bg L /dev/null "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	pipe_size_probe stdout | timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(cat "$SC_TMP/L.out")" = "pipe 1048576" ]
}

@test "connect: a pipe on stdout is grown to 1 MiB" {
	local port
	sc_bg L /dev/null "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	head -c 100k /dev/urandom >"$SC_TMP/data.in"
	timeout 10 "$SOCKCAT" connect 127.0.0.1 "$port" <"$SC_TMP/data.in" |
	    pipe_size_probe stdin
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(cat "$SC_TMP/probe")" = "pipe 1048576" ]
	cmp "$SC_TMP/data.in" "$SC_TMP/L.out"
}

@test "connect: --send-only ends at stdin's EOF" {
	local port
	sc_idle_fifo
	# The server never half-closes (its stdin is idle) and talks back.
	sc_bg L "$SC_TMP/idle" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	head -c 1M /dev/urandom >"$SC_TMP/data.in"
	run -0 --separate-stderr timeout 10 "$SOCKCAT" connect --send-only \
	    127.0.0.1 "$port" <"$SC_TMP/data.in"
	[ -z "$output" ]
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/data.in" "$SC_TMP/L.out"
}

@test "connect: --send-only delivers everything to a peer that talks back" {
	# The peer keeps sending and reads slowly: closing with its bytes
	# unread would reset the connection and drop what is still queued.
	local port
	head -c 8388608 /dev/urandom >"$SC_TMP/in"
	sc_bg P /dev/null python3 -c '
import socket, sys, threading, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], file=sys.stderr,
      flush=True)
c, _ = s.accept()
def chatter():
    try:
        while True:
            c.send(b"x" * 4096)
    except OSError:
        pass
threading.Thread(target=chatter, daemon=True).start()
got = 0
with open(sys.argv[1], "wb") as out:
    while True:
        time.sleep(0.002)
        b = c.recv(65536)
        if not b:
            break
        out.write(b)
' "$SC_TMP/got"
	port=$(sc_port P)
	run -0 timeout 60 "$SOCKCAT" connect --send-only 127.0.0.1 "$port" \
	    <"$SC_TMP/in"
	[ "$(sc_wait_rc P 300)" = 0 ]
	cmp "$SC_TMP/in" "$SC_TMP/got"
}

@test "connect: --recv-only never reads stdin, ends at the socket's EOF" {
	local port
	head -c 1M /dev/urandom >"$SC_TMP/data.in"
	sc_bg L "$SC_TMP/data.in" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	sc_idle_fifo
	printf unread >&"$SC_IDLE_FD"
	run -0 timeout 10 bash -c '"$SOCKCAT" connect --recv-only \
	    127.0.0.1 "$1" >"$2"' _ "$port" "$SC_TMP/data.out" <"$SC_TMP/idle"
	cmp "$SC_TMP/data.in" "$SC_TMP/data.out"
	[ "$(sc_wait_rc L)" = 0 ]
	[ ! -s "$SC_TMP/L.out" ]
}

@test "connect: --no-shutdown keeps the write side open at stdin EOF" {
	local port
	sc_idle_fifo
	# The listener never half-closes: its stdin is idle.
	sc_bg L "$SC_TMP/idle" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	echo hi >"$SC_TMP/hi"
	# No FIN reaches the listener, so the client only ends by -i.
	run -75 --separate-stderr timeout 10 "$SOCKCAT" connect --no-shutdown \
	    -i 500ms 127.0.0.1 "$port" <"$SC_TMP/hi"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(cat "$SC_TMP/L.out")" = hi ]
}

@test "connect: SIGSTOP and SIGCONT mid-transfer lose nothing" {
	local port pid i
	head -c 20M /dev/urandom >"$SC_TMP/data.in"
	mkfifo "$SC_TMP/feed"
	sc_idle_fifo
	sc_bg L "$SC_TMP/idle" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	# A paced producer, so the transfer is still going while we stop it.
	sc_bg P /dev/null bash -c '{ head -c 1M "$1"; sleep 1;
	    tail -c +1048577 "$1"; } >"$2"' _ "$SC_TMP/data.in" "$SC_TMP/feed"
	sc_bg C "$SC_TMP/feed" "$SOCKCAT" connect 127.0.0.1 "$port"
	for ((i = 0; i < 50; i++)); do
		pid=$(pgrep -P "$SC_LAST_PID") && break
		sleep 0.1
	done
	[ -n "$pid" ]
	for ((i = 0; i < 5; i++)); do
		kill -STOP "$pid" 2>/dev/null || break
		sleep 0.1
		kill -CONT "$pid"
		sleep 0.1
	done
	[ "$(sc_wait_rc C)" = 0 ]
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/data.in" "$SC_TMP/L.out"
}

@test "connect: -q keeps -v's lines quiet, not fatal errors" {
	local port
	port=$(sc_free_port)
	run -69 --separate-stderr "$SOCKCAT" connect -q 127.0.0.1 "$port" \
	    </dev/null
	[[ "$stderr" == *"Connection refused" ]]
	sc_bg L /dev/null "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	run -0 --separate-stderr "$SOCKCAT" connect -v -q 127.0.0.1 "$port" \
	    </dev/null
	[ -z "$stderr" ]
}

@test "connect: bad input -> 64 with one line naming it" {
	local args
	while IFS= read -r args; do
		eval "run -64 --separate-stderr \"\$SOCKCAT\" connect $args"
		[ -z "$output" ] || { echo "stdout: $output"; false; }
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] ||
		    { echo "$args: $stderr"; false; }
		[[ "$stderr" == "sockcat: connect: "* ]] ||
		    { echo "$args: $stderr"; false; }
	done <<-'EOF'
		
		127.0.0.1
		127.0.0.1 0
		127.0.0.1 65536
		127.0.0.1 abc
		127.0.0.1 ''
		'' 80
		'bad host' 80
		$(printf 'h%.0s' {1..300}) 80
		127.0.0.1 80 extra
		-w abc 127.0.0.1 80
		-w -1 127.0.0.1 80
		-w 1e999 127.0.0.1 80
		-i abc 127.0.0.1 80
		--nosuch 127.0.0.1 80
		-k 127.0.0.1 80
		-p 1 127.0.0.1 80
		-4 -6 127.0.0.1 80
		-n localhost 80
		-6 127.0.0.1 80
		--source-port abc 127.0.0.1 80
		--send-only --recv-only 127.0.0.1 80
		-U ''
		-U /tmp/$(printf 'x%.0s' {1..120})
		-U /tmp/s 127.0.0.1 80
		--seqpacket 127.0.0.1 80
	EOF
}

@test "connect: HOST:PORT and [::1]:PORT as one operand" {
	local port
	sc_bg L /dev/null "$SOCKCAT" listen -k -v -p 0
	port=$(sc_port L)
	echo one >"$SC_TMP/one"
	run -0 --separate-stderr timeout 10 "$SOCKCAT" connect -v \
	    "127.0.0.1:$port" <"$SC_TMP/one"
	[ "${stderr_lines[0]}" = "sockcat: connected to 127.0.0.1:$port" ]
	run -0 --separate-stderr timeout 10 "$SOCKCAT" connect -v \
	    "[::1]:$port" <"$SC_TMP/one"
	[ "${stderr_lines[0]}" = "sockcat: connected to [::1]:$port" ]
	run -0 timeout 10 "$SOCKCAT" connect "localhost:$port" <"$SC_TMP/one"
	# A bare IPv6 literal still needs its PORT; a second PORT is extra.
	run -64 --separate-stderr "$SOCKCAT" connect ::1 </dev/null
	[[ "$stderr" == *"PORT is needed after HOST"* ]]
	run -64 --separate-stderr "$SOCKCAT" connect "127.0.0.1:$port" 9 </dev/null
	[[ "$stderr" == *"unexpected argument '9'"* ]]
	run -64 --separate-stderr "$SOCKCAT" connect "127.0.0.1:0" </dev/null
	[[ "$stderr" == *"cannot connect to port 0"* ]]
}

@test "connect: a closed stdout (>&-) is status 1 at the peer's first byte" {
	local port
	printf 'reply\n' >"$SC_TMP/reply"
	sc_bg L "$SC_TMP/reply" "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	run -1 --separate-stderr timeout 10 bash -c \
	    'echo data | "$1" connect 127.0.0.1 "$2" >&-' _ "$SOCKCAT" "$port"
	[ "$stderr" = "sockcat: connect: stdout: Bad file descriptor" ]
	# The reply was not delivered: the connection is reset, so the
	# listener, if it had not finished yet, fails too.
	[[ "$(sc_wait_rc L)" == [01] ]]
}

@test "connect: a closed stdout is fine while the peer sends nothing" {
	local port
	sc_bg L /dev/null "$SOCKCAT" listen -v -p 0
	port=$(sc_port L)
	run -0 timeout 10 bash -c \
	    'echo data | "$1" connect 127.0.0.1 "$2" >&-' _ "$SOCKCAT" "$port"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(cat "$SC_TMP/L.out")" = data ]
}
