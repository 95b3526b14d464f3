#!/usr/bin/env bats
# tests/forward.bats: sockcat forward, the concurrent port forwarder: bytes
# both ways, the half-close and reset rules per pair, many pairs at once,
# targets that refuse, reset or never read, -m, -c, -i, Unix <-> TCP, IPv6,
# UDP, signals, socket activation and bad input.

load helpers/common
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=120

CLIENT="$BATS_TEST_DIRNAME/helpers/echo-client.py"

setup_file() {
	local d=$BATS_FILE_TMPDIR
	: >"$d/d0"
	head -c 1M /dev/urandom >"$d/d1M"
	head -c 64M /dev/urandom >"$d/d64M"
}

setup() { sc_setup; }
teardown() { sc_teardown; }

# fwd NAME ARGS...: sockcat forward -v ARGS... in the background; sets
# FPORT (unless it listens on -U) and FPID.
fwd() {
	local name=$1
	shift
	sc_bg "$name" /dev/null "$SOCKCAT" forward -v "$@"
	FPID=$(sc_cmd_pid "$SC_LAST_PID")
	sc_wait_file "$SC_TMP/$name.err" 'listening on'
	FPORT=$(sc_port "$name")
}

# target NAME STDIN ARGS...: a sockcat listen target on 127.0.0.1; sets
# TPORT.
target() {
	local name=$1 in=$2
	shift 2
	sc_bg "$name" "$in" "$SOCKCAT" listen -v -b 127.0.0.1 -p 0 "$@"
	TPORT=$(sc_port "$name")
}

# rss_kib PID: the resident set of PID.
rss_kib() {
	awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status
}

@test "forward: bytes arrive whole client -> target, 0 B, 1 MiB, 64 MiB" {
	local size
	for size in 0 1M 64M; do
		target T /dev/null
		fwd F -p 0 127.0.0.1 "$TPORT"
		run -0 timeout 60 "$SOCKCAT" connect 127.0.0.1 "$FPORT" \
		    <"$BATS_FILE_TMPDIR/d$size"
		[ "$(sc_wait_rc T)" = 0 ]
		cmp "$BATS_FILE_TMPDIR/d$size" "$SC_TMP/T.out"
		sc_teardown
		sc_setup
	done
}

@test "forward: bytes arrive whole target -> client, 0 B, 1 MiB, 64 MiB" {
	local size
	for size in 0 1M 64M; do
		target T "$BATS_FILE_TMPDIR/d$size"
		fwd F -p 0 "127.0.0.1:$TPORT"
		run -0 timeout 60 bash -c '"$1" connect 127.0.0.1 "$2" \
		    </dev/null >"$3"' _ "$SOCKCAT" "$FPORT" "$SC_TMP/got"
		[ "$(sc_wait_rc T)" = 0 ]
		cmp "$BATS_FILE_TMPDIR/d$size" "$SC_TMP/got"
		sc_teardown
		sc_setup
	done
}

@test "forward: half-close: a request, FIN, then a 64 MiB response arrives whole" {
	target T "$BATS_FILE_TMPDIR/d64M"
	fwd F -p 0 127.0.0.1 "$TPORT"
	run -0 timeout 60 bash -c 'printf "GET /\n" | "$1" connect \
	    127.0.0.1 "$2" >"$3"' _ "$SOCKCAT" "$FPORT" "$SC_TMP/got"
	[ "$(sc_wait_rc T)" = 0 ]
	cmp "$BATS_FILE_TMPDIR/d64M" "$SC_TMP/got"
	printf 'GET /\n' | cmp - "$SC_TMP/T.out"
	# -v: one line for the pair opened, one for it closed.
	sc_wait_file "$SC_TMP/F.err" 'closed 127.0.0.1'
	grep -Eq "^sockcat: 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$TPORT$" \
	    "$SC_TMP/F.err"
	grep -Eq "^sockcat: closed 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$TPORT: 6 bytes up, 67108864 bytes down, [0-9]+\.[0-9]{3}s$" \
	    "$SC_TMP/F.err"
}

@test "forward: 1,000 concurrent pairs through to an echo server" {
	sc_bg E /dev/null "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
	local eport
	eport=$(sc_port E)
	fwd F -p 0 127.0.0.1 "$eport"
	run -0 timeout 100 python3 "$CLIENT" many "127.0.0.1:$FPORT" 1000 2000
	# Every pair is gone afterwards: no socket but the listener is left
	# (the engine keeps a few empty pipes for the next pairs).
	local i n
	for ((i = 0; i < 100; i++)); do
		n=$(find /proc/"$FPID"/fd -lname 'socket:*' | wc -l)
		[ "$n" -eq 1 ] && break
		sleep 0.1
	done
	[ "$n" -eq 1 ]
	[ "$(find /proc/"$FPID"/fd -lname 'pipe:*' | wc -l)" -le 128 ]
}

@test "forward: a target that refuses: the client is reset, one warning, others go on" {
	local dead
	dead=$(sc_free_port)
	fwd F -p 0 127.0.0.1 "$dead"
	run -1 --separate-stderr timeout 20 "$SOCKCAT" connect 127.0.0.1 \
	    "$FPORT" </dev/null
	[[ "$stderr" == *"Connection reset by peer"* ]]
	sc_wait_file "$SC_TMP/F.err" 'Connection refused'
	grep -Eq "^sockcat: forward: 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$dead: Connection refused$" \
	    "$SC_TMP/F.err"
	# Still serving.
	run -1 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$FPORT" </dev/null
	[ "$(grep -c 'Connection refused' "$SC_TMP/F.err")" -eq 2 ]
	kill -0 "$FPID"
}

@test "forward: a target that resets mid-transfer resets the client" {
	sc_bg S /dev/null python3 "$SC_PEER" rst-server --send 100000
	local sport
	sport=$(sc_port S)
	fwd F -p 0 127.0.0.1 "$sport"
	sc_idle_fifo
	run -1 --separate-stderr timeout 20 "$SOCKCAT" connect 127.0.0.1 \
	    "$FPORT" <"$SC_TMP/idle"
	[[ "$stderr" == *"Connection reset by peer"* ]]
}

@test "forward: a client that resets mid-transfer resets the target" {
	target T /dev/zero
	fwd F -p 0 127.0.0.1 "$TPORT"
	run timeout 20 python3 "$SC_PEER" rst-client 127.0.0.1 "$FPORT" \
	    --read 1M
	[ "$status" -eq 0 ] || { echo "client: $output"; cat "$SC_TMP/F.err" \
	    "$SC_TMP/T.err"; return 1; }
	[ "$(sc_wait_rc T)" = 1 ]
	grep -Eq 'Connection reset by peer|Broken pipe' "$SC_TMP/T.err"
}

@test "forward: a target that never reads: memory stays bounded" {
	# The target accepts and sleeps; the client pushes as much as the
	# buffers take, then sits blocked.
	sc_bg S /dev/null python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
sys.stderr.write("listening on 127.0.0.1:%d\n" % s.getsockname()[1])
sys.stderr.flush()
c, _ = s.accept()
time.sleep(60)'
	local sport before after
	sport=$(sc_port S)
	fwd F -p 0 127.0.0.1 "$sport"
	before=$(rss_kib "$FPID")
	run -0 timeout 60 python3 "$CLIENT" hog "127.0.0.1:$FPORT" 2 </dev/null
	after=$(rss_kib "$FPID")
	echo "hog pushed $output bytes; forward RSS $before -> $after KiB"
	[ "$after" -lt $((before + 4096)) ]
	# The forwarder still answers others (it never blocked).
	kill -0 "$FPID"
}

@test "forward: -m 1: a second client waits in the backlog until the first ends" {
	target T /dev/null -k
	fwd F -m 1 -p 0 127.0.0.1 "$TPORT"
	sc_idle_fifo
	sc_bg C1 "$SC_TMP/idle" "$SOCKCAT" connect 127.0.0.1 "$FPORT"
	sc_wait_file "$SC_TMP/F.err" ' -> 127.0.0.1'
	echo second >"$SC_TMP/two"
	sc_bg C2 "$SC_TMP/two" "$SOCKCAT" connect 127.0.0.1 "$FPORT"
	# C2 is connected (the backlog) but not forwarded while C1 holds -m.
	run ! sc_wait_file "$SC_TMP/T.out" second 15
	sc_idle_close
	[ "$(sc_wait_rc C1)" = 0 ]
	[ "$(sc_wait_rc C2)" = 0 ]
	sc_wait_file "$SC_TMP/T.out" second
}

@test "forward: -c 2 exits 0 after two pairs have been served and closed" {
	target T /dev/null -k
	fwd F -c 2 -p 0 127.0.0.1 "$TPORT"
	echo a | timeout 10 "$SOCKCAT" connect 127.0.0.1 "$FPORT"
	echo b | timeout 10 "$SOCKCAT" connect 127.0.0.1 "$FPORT"
	[ "$(sc_wait_rc F)" = 0 ]
}

@test "forward: -i closes a pair in which nothing moved" {
	target T /dev/null -k
	fwd F -i 300ms -p 0 127.0.0.1 "$TPORT"
	sc_idle_fifo
	sc_bg C "$SC_TMP/idle" "$SOCKCAT" connect 127.0.0.1 "$FPORT"
	sc_wait_file "$SC_TMP/F.err" 'idle timeout'
	kill -0 "$FPID"
}

@test "forward: Unix listener -> TCP target, and TCP listener -> --to-unix" {
	local sock=$SC_SOCKDIR/f tsock=$SC_SOCKDIR/t
	target T /dev/null
	sc_bg F /dev/null "$SOCKCAT" forward -v -U "$sock" 127.0.0.1 "$TPORT"
	sc_wait_file "$SC_TMP/F.err" 'listening on'
	run -0 timeout 20 "$SOCKCAT" connect -U "$sock" \
	    <"$BATS_FILE_TMPDIR/d1M"
	[ "$(sc_wait_rc T)" = 0 ]
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/T.out"
	sc_bg U /dev/null "$SOCKCAT" listen -v -U "$tsock"
	sc_wait_file "$SC_TMP/U.err" 'listening on'
	fwd G -p 0 --to-unix "$tsock"
	run -0 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$FPORT" \
	    <"$BATS_FILE_TMPDIR/d1M"
	[ "$(sc_wait_rc U)" = 0 ]
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/U.out"
	# The forwarder removes its socket file when it stops.
	kill -TERM "$(sc_cmd_pid "${SC_PIDS[1]}")"
	for ((i = 0; i < 50; i++)); do [ -e "$sock" ] || break; sleep 0.1; done
	[ ! -e "$sock" ]
}

@test "forward: IPv6 on both sides" {
	sc_bg T /dev/null "$SOCKCAT" listen -v -6 -b ::1 -p 0
	TPORT=$(sc_port T)
	fwd F -b ::1 -p 0 '[::1]' "$TPORT"
	run -0 timeout 20 "$SOCKCAT" connect ::1 "$FPORT" \
	    <"$BATS_FILE_TMPDIR/d1M"
	[ "$(sc_wait_rc T)" = 0 ]
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/T.out"
	grep -Eq '^sockcat: \[::1\]:[0-9]+ -> \[::1\]:[0-9]+$' "$SC_TMP/F.err"
}

@test "forward: -u: each client's datagrams get their own answers" {
	sc_bg E /dev/null "$SOCKCAT" echo -u -v -b 127.0.0.1 -p 0
	local eport
	eport=$(sc_port E)
	fwd F -u -p 0 127.0.0.1 "$eport"
	run -0 --separate-stderr timeout 20 "$SOCKCAT" udp-send -r -w 5 \
	    127.0.0.1 "$FPORT" one two
	[ "$output" = onetwo ]
	run -0 --separate-stderr timeout 20 "$SOCKCAT" udp-send -r -w 5 \
	    127.0.0.1 "$FPORT" three
	[ "$output" = three ]
	# Two clients, two sockets towards the target.
	[ "$(grep -c ' -> 127.0.0.1:' "$SC_TMP/F.err")" -eq 2 ]
}

@test "forward: -u -i forgets a silent client" {
	sc_bg E /dev/null "$SOCKCAT" echo -u -v -b 127.0.0.1 -p 0
	local eport
	eport=$(sc_port E)
	fwd F -u -i 300ms -p 0 127.0.0.1 "$eport"
	run -0 timeout 20 "$SOCKCAT" udp-send -r -w 5 127.0.0.1 "$FPORT" x
	sc_wait_file "$SC_TMP/F.err" 'forgot 127.0.0.1'
}

@test "forward: SIGTERM and SIGINT stop it with status 0" {
	local sig
	target T /dev/null -k
	for sig in TERM INT HUP; do
		fwd F -p 0 127.0.0.1 "$TPORT"
		kill -"$sig" "$FPID"
		[ "$(sc_wait_rc F)" = 0 ]
		rm -f "$SC_TMP"/F.*
	done
}

@test "forward: socket activation: the inherited socket is served, no -p needed" {
	target T /dev/null -k
	sc_bg F /dev/null python3 "$BATS_TEST_DIRNAME/helpers/activate.py" \
	    "$SC_TMP/aport" "$SOCKCAT" forward -v 127.0.0.1 "$TPORT"
	sc_wait_file "$SC_TMP/F.err" 'listening on'
	local aport
	aport=$(cat "$SC_TMP/aport")
	grep -q "listening on 127.0.0.1:$aport" "$SC_TMP/F.err"
	echo hello | timeout 10 "$SOCKCAT" connect 127.0.0.1 "$aport"
	sc_wait_file "$SC_TMP/T.out" hello
}

@test "forward: bad input is 64 with one line, before any socket" {
	run -64 --separate-stderr "$SOCKCAT" forward -p 0
	[[ "$stderr" == *"a target is needed"* ]]
	run -64 --separate-stderr "$SOCKCAT" forward 127.0.0.1 80
	[[ "$stderr" == *"a listening side is needed"* ]]
	run -64 --separate-stderr "$SOCKCAT" forward -p 0 --to-unix /tmp/x \
	    127.0.0.1 80
	[[ "$stderr" == *"exclude each other"* ]]
	run -64 --separate-stderr "$SOCKCAT" forward -m 0 -p 0 127.0.0.1 80
	[[ "$stderr" == *"--max-conns"* ]]
	run -64 --separate-stderr "$SOCKCAT" forward -k -p 0 127.0.0.1 80
	[[ "$stderr" == *"unknown option '-k'"* ]]
	run -64 --separate-stderr "$SOCKCAT" forward -p 0 127.0.0.1
	[[ "$stderr" == *"PORT is needed"* ]]
	run -64 --separate-stderr "$SOCKCAT" forward -p 0 127.0.0.1 80 extra
	[[ "$stderr" == *"unexpected argument 'extra'"* ]]
	run -64 --separate-stderr "$SOCKCAT" forward -u -c 1 -p 0 127.0.0.1 80
	[[ "$stderr" == *"--count does not go with --udp"* ]]
	run -64 --separate-stderr "$SOCKCAT" forward -U /tmp/x -p 1 127.0.0.1 80
	[ "${#stderr_lines[@]}" -eq 1 ]
}
