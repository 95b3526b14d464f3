#!/usr/bin/env bats
# tests/echo.bats: sockcat echo, the event-loop server.

bats_require_minimum_version 1.5.0
load helpers/common

: "${BATS_TEST_TIMEOUT:=30}"
BATS_TEST_TIMEOUT=30

CLIENT="$BATS_TEST_DIRNAME/helpers/echo-client.py"

setup() {
	sc_setup
}
teardown() { sc_teardown; }

# start_echo NAME ARGS...: sockcat echo -v ARGS in the background; sets
# PORT (unless -U) and SPID (sockcat's own PID).
start_echo() {
	local name=$1
	shift
	sc_bg "$name" /dev/null "$SOCKCAT" echo -v "$@"
	SPID=$(sc_cmd_pid "$SC_LAST_PID")
	PORT=$(sc_port "$name")
	[ -n "$PORT" ] || [[ " $* " == *" -U "* ]]
}

# rss_kib PID: resident memory of PID in KiB.
rss_kib() {
	awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status
}

# cpu_ticks PID: user + system time of PID in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' /proc/"$1"/stat
}

make_mib() {
	head -c "$((1024 * 1024))" /dev/urandom >"$SC_TMP/in"
}

@test "echo: 1 MiB byte-exact over TCP (IPv4), half-close gets all" {
	make_mib
	start_echo srv -p 0
	run -0 python3 "$CLIENT" file "127.0.0.1:$PORT" "$SC_TMP/in" "$SC_TMP/got"
	cmp "$SC_TMP/in" "$SC_TMP/got"
	sc_wait_file "$SC_TMP/srv.err" 'bytes in'
	grep -q 'connection from 127.0.0.1:' "$SC_TMP/srv.err"
	grep -q ': 1048576 bytes in, 1048576 bytes out' "$SC_TMP/srv.err"
}

@test "echo: 1 MiB byte-exact over IPv6" {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null ||
		skip "no IPv6 loopback"
	make_mib
	start_echo srv -6 -p 0
	grep -q 'listening on \[::\]:' "$SC_TMP/srv.err"
	run -0 python3 "$CLIENT" file "[::1]:$PORT" "$SC_TMP/in" "$SC_TMP/got"
	cmp "$SC_TMP/in" "$SC_TMP/got"
}

@test "echo: 1 MiB byte-exact over a Unix socket" {
	make_mib
	start_echo srv -U "$SC_SOCKDIR/s"
	sc_wait_file "$SC_TMP/srv.err" 'listening on'
	run -0 python3 "$CLIENT" file "unix:$SC_SOCKDIR/s" "$SC_TMP/in" "$SC_TMP/got"
	cmp "$SC_TMP/in" "$SC_TMP/got"
}

@test "echo: -v numbers the unnamed clients of a Unix socket" {
	start_echo srv -v -U "$SC_SOCKDIR/s"
	sc_wait_file "$SC_TMP/srv.err" 'listening on'
	echo a | timeout 10 "$SOCKCAT" connect -U "$SC_SOCKDIR/s" >/dev/null
	echo b | timeout 10 "$SOCKCAT" connect -U "$SC_SOCKDIR/s" >/dev/null
	sc_wait_file "$SC_TMP/srv.err" "closed $SC_SOCKDIR/s client 2"
	grep -qx "sockcat: connection from $SC_SOCKDIR/s client 1" "$SC_TMP/srv.err"
	grep -qx "sockcat: connection from $SC_SOCKDIR/s client 2" "$SC_TMP/srv.err"
	run ! grep -q unnamed "$SC_TMP/srv.err"
}

@test "echo: 200 concurrent clients are all echoed" {
	start_echo srv -p 0
	run -0 python3 "$CLIENT" many "127.0.0.1:$PORT" 200 20000
	[ "$output" = "ok 200" ]
}

@test "echo: UDP datagrams go back to their sender; -c counts them" {
	start_echo srv -u -c 3 -p 0
	run -0 python3 "$CLIENT" udp "127.0.0.1:$PORT" one two three
	[ "$output" = "$(printf 'one\ntwo\nthree')" ]
	[ "$(sc_wait_rc srv)" = 0 ]
}

@test "echo: Unix datagram echo with -U --udp" {
	start_echo srv -u -U "$SC_SOCKDIR/d"
	sc_wait_file "$SC_TMP/srv.err" 'listening on'
	run -0 python3 "$CLIENT" unixdgram "$SC_SOCKDIR/d" "$SC_SOCKDIR" hello
	[ "$output" = hello ]
}

@test "echo: --timestamp prefixes each line with the current ctime" {
	start_echo srv --timestamp -p 0
	# A line split over two writes gets one prefix, at its start.
	run -0 python3 - "$PORT" <<-'EOF'
	import socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
	s.settimeout(10)
	s.sendall(b"par")
	got = b""
	while not got.endswith(b"par"):
	    got += s.recv(4096)
	s.sendall(b"tial\nsecond line\n")
	s.shutdown(socket.SHUT_WR)
	while True:
	    chunk = s.recv(4096)
	    if not chunk:
	        break
	    got += chunk
	sys.stdout.write(got.decode())
	EOF
	local re='^\[(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}\] '
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ${re}partial$ ]]
	[[ "${lines[1]}" =~ ${re}second\ line$ ]]
	# It is local time, now (ctime's own text for comparison).
	python3 - "${lines[0]}" <<-'EOF'
	import sys, time
	stamp = sys.argv[1][1:25]
	t = time.mktime(time.strptime(stamp, "%a %b %d %H:%M:%S %Y"))
	assert abs(t - time.time()) < 10, (stamp, time.ctime())
	assert time.ctime(t) == stamp, (stamp, time.ctime(t))
	EOF
}

@test "echo: --timestamp with UDP prefixes each datagram" {
	start_echo srv -u --timestamp -p 0
	run -0 python3 "$CLIENT" udp "127.0.0.1:$PORT" hi
	[[ "$output" =~ ^\[[A-Z][a-z]{2}\ [A-Z][a-z]{2}\ [\ 1-3][0-9]\ [0-9:]{8}\ [0-9]{4}\]\ hi$ ]]
}

@test "echo: --timestamp with UDP: an answer too long for IPv4 is refused with a warning" {
	start_echo srv -u --timestamp -p 0
	# A stamp is 27 bytes: 65,480 + 27 is the IPv4 maximum of 65,507.
	run -0 python3 - "$PORT" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(10)
	s.connect(("127.0.0.1", int(sys.argv[1])))
	s.send(b"x" * 65480)
	got = s.recv(70000)
	assert len(got) == 65507 and got.endswith(b"] " + b"x" * 65480), len(got)
	s.send(b"y" * 65481)
	s.send(b"ok")
	got = s.recv(70000)
	assert got.endswith(b"] ok"), got[:40]
	EOF
	sc_wait_file "$SC_TMP/srv.err" 'not echoed'
	grep -qx 'sockcat: echo: a datagram longer than 65507 bytes with its time stamps is not echoed' \
	    "$SC_TMP/srv.err"
}

@test "echo: -c 2 exits 0 after two connections served and closed" {
	start_echo srv -c 2 -p 0
	run -0 python3 "$CLIENT" many "127.0.0.1:$PORT" 1 100
	run -0 python3 "$CLIENT" many "127.0.0.1:$PORT" 1 100
	[ "$(sc_wait_rc srv 100)" = 0 ]
}

@test "echo: -m 1 closes the second connection at once, serves a later one" {
	start_echo srv -m 1 -p 0
	# The first client stays connected while stdin stays open.
	mkfifo "$SC_TMP/hold"
	sc_bg first "$SC_TMP/hold" python3 "$CLIENT" hog "127.0.0.1:$PORT" 0
	exec 4>"$SC_TMP/hold"
	sc_wait_file "$SC_TMP/srv.err" 'connection from'
	run -0 python3 "$CLIENT" refused "127.0.0.1:$PORT"
	[ "$output" = closed ]
	sc_wait_file "$SC_TMP/srv.err" 'refused 127.0.0.1:'
	exec 4>&-
	[ "$(sc_wait_rc first)" = 0 ]
	sc_wait_file "$SC_TMP/srv.err" 'closed 127.0.0.1:'
	run -0 python3 "$CLIENT" many "127.0.0.1:$PORT" 1 1000
	[ "$output" = "ok 1" ]
}

@test "echo: SIGTERM and SIGINT stop it with 0; the socket file goes" {
	start_echo srv -U "$SC_SOCKDIR/s"
	sc_wait_file "$SC_TMP/srv.err" 'listening on'
	[ -S "$SC_SOCKDIR/s" ]
	kill -TERM "$SPID"
	[ "$(sc_wait_rc srv)" = 0 ]
	[ ! -e "$SC_SOCKDIR/s" ]

	start_echo srv2 -p 0
	python3 "$CLIENT" many "127.0.0.1:$PORT" 3 100
	kill -INT "$SPID"
	[ "$(sc_wait_rc srv2)" = 0 ]
}

@test "echo: -i closes an idle client" {
	start_echo srv -i 300ms -p 0
	run -0 python3 - "$PORT" <<-'EOF'
	import socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
	s.settimeout(5)
	t = time.monotonic()
	assert s.recv(1) == b""
	assert 0.2 < time.monotonic() - t < 4, time.monotonic() - t
	EOF
	sc_wait_file "$SC_TMP/srv.err" 'idle timeout'
}

@test "echo: a client that never reads does not grow memory; others served" {
	start_echo srv -p 0
	local before after sent
	before=$(rss_kib "$SPID")
	mkfifo "$SC_TMP/hold"
	sc_bg hog "$SC_TMP/hold" python3 "$CLIENT" hog "127.0.0.1:$PORT" 1
	exec 4>"$SC_TMP/hold"
	sc_wait_file "$SC_TMP/hog.out" '[0-9]' 150
	sent=$(cat "$SC_TMP/hog.out")
	after=$(rss_kib "$SPID")
	echo "hog sent $sent bytes; server RSS $before -> $after KiB" >&3
	# The server stopped reading: far less than 50 MiB got through.
	[ "$sent" -lt $((50 * 1024 * 1024)) ]
	[ "$((after - before))" -lt 4096 ]
	# Another client is served meanwhile.
	run -0 python3 "$CLIENT" many "127.0.0.1:$PORT" 5 100000
	[ "$output" = "ok 5" ]
	exec 4>&-
}

# CPU time under valgrind says nothing about the server: not there.
# bats test_tags=no-valgrind
@test "echo: out of descriptors, it waits without spinning and serves all" {
	sc_bg srv /dev/null bash -c \
		'ulimit -Hn 64 -Sn 64 && exec "$0" echo -v -p 0' "$SOCKCAT"
	SPID=$(sc_cmd_pid "$SC_LAST_PID")
	PORT=$(sc_port srv)
	# 100 at once; each answered client is held 1.5 s, so the server
	# sits out of descriptors with clients waiting.
	run -0 python3 "$CLIENT" hold "127.0.0.1:$PORT" 100 1.5
	[ "$output" = "ok 100" ]
	local cpu hz
	cpu=$(cpu_ticks "$SPID")
	hz=$(getconf CLK_TCK)
	echo "server CPU: $cpu ticks at $hz/s" >&3
	[ "$cpu" -lt "$hz" ]
	[ "$(grep -c 'accept: Too many open files' "$SC_TMP/srv.err")" -eq 1 ]
}

@test "echo: usage errors" {
	run -64 "$SOCKCAT" echo
	run -64 "$SOCKCAT" echo -u -m 3 -p 0
	run -64 "$SOCKCAT" echo -c 0 -p 0
	run -64 "$SOCKCAT" echo -m abc -p 0
}

@test "echo: socket activation: serves the inherited socket; -p must match it" {
	sc_bg A /dev/null python3 "$BATS_TEST_DIRNAME/helpers/activate.py" \
	    "$SC_TMP/aport" "$SOCKCAT" echo -v
	sc_wait_file "$SC_TMP/A.err" 'listening on'
	local aport
	aport=$(cat "$SC_TMP/aport")
	run -0 python3 "$CLIENT" many "127.0.0.1:$aport" 3 100
	# Variables for another pid are ignored, and a -p of another port is
	# refused.
	run -64 --separate-stderr env LISTEN_PID=1 LISTEN_FDS=1 "$SOCKCAT" echo
	[[ "$stderr" == *"a port is needed"* ]]
	run -64 --separate-stderr python3 "$BATS_TEST_DIRNAME/helpers/activate.py" \
	    "$SC_TMP/bport" "$SOCKCAT" echo -p 1
	[[ "$stderr" == *"port 1 does not match the inherited socket"* ]]
}
