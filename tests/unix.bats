#!/usr/bin/env bats
# tests/unix.bats: listen and connect over Unix sockets (-U PATH): data both
# ways, abstract names, SOCK_SEQPACKET, and the life cycle of the socket
# file (removed at exit and on signals, never a file that is not ours,
# stale ones replaced, live ones left alone).

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/fault

# shellcheck disable=SC2034 # read by bats
BATS_TEST_TIMEOUT=30

setup() {
	sc_setup
	SOCK=$SC_SOCKDIR/s
}
teardown() { sc_fault_teardown; }

# start_listener NAME PATH [OPTIONS...]: sockcat listen -v -U PATH in the
# background (stdin /dev/null, stdout NAME.out), once it is listening.
start_listener() {
	local name=$1 path=$2
	shift 2
	sc_bg "$name" /dev/null "$SOCKCAT" listen -v -U "$path" "$@"
	sc_wait_file "$SC_TMP/$name.err" "listening on $path"
}

@test "unix: a 1 MiB file goes from connect to listen byte-exact" {
	head -c 1048576 /dev/urandom >"$SC_TMP/in"
	start_listener srv "$SOCK"
	sc_bg cli "$SC_TMP/in" "$SOCKCAT" connect -U "$SOCK"
	sc_expect_rc cli 0
	sc_expect_rc srv 0
	cmp "$SC_TMP/in" "$SC_TMP/srv.out"
	[ ! -s "$SC_TMP/cli.out" ]
}

@test "unix: a 1 MiB file goes from listen to connect byte-exact" {
	head -c 1048576 /dev/urandom >"$SC_TMP/in"
	sc_bg srv "$SC_TMP/in" "$SOCKCAT" listen -v -U "$SOCK"
	sc_wait_file "$SC_TMP/srv.err" "listening on $SOCK"
	sc_bg cli /dev/null "$SOCKCAT" connect -U "$SOCK"
	sc_expect_rc cli 0
	sc_expect_rc srv 0
	cmp "$SC_TMP/in" "$SC_TMP/cli.out"
	[ ! -s "$SC_TMP/srv.out" ]
}

@test "unix: -v says 'listening on PATH'" {
	start_listener srv "$SOCK"
	grep -qx "sockcat: listening on $SOCK" "$SC_TMP/srv.err"
	[ -S "$SOCK" ]
}

@test "unix: an abstract @name carries data and leaves no file" {
	local name="@sc-$$-$BATS_TEST_NUMBER-$RANDOM"
	cd "$SC_TMP"
	head -c 1048576 /dev/urandom >in
	start_listener srv "$name"
	grep -qx "sockcat: listening on $name" srv.err
	# The kernel lists abstract names with a leading '@'.
	grep -q " $name\$" /proc/net/unix
	[ ! -e "$name" ]
	sc_bg cli in "$SOCKCAT" connect -U "$name"
	sc_expect_rc cli 0
	sc_expect_rc srv 0
	cmp in srv.out
	[ ! -e "$name" ]
	run -1 grep -q " $name\$" /proc/net/unix
}

@test "unix: a second listener on a live abstract name gets 71" {
	local name="@sc-$$-$BATS_TEST_NUMBER-$RANDOM"
	start_listener srv "$name"
	run -71 --separate-stderr timeout 10 "$SOCKCAT" listen -U "$name"
	sc_check_msg listen "*$name*Address already in use*"
}

@test "unix: --seqpacket delivers three messages from a peer whole (connect)" {
	sc_bg peer /dev/null python3 "$SC_PEER" seqpacket-server "$SOCK" \
	    "$SC_TMP/expect" 1 3000 40000
	sc_wait_file "$SC_TMP/peer.err" "listening on $SOCK"
	sc_bg cli /dev/null "$SOCKCAT" connect --seqpacket -U "$SOCK"
	sc_expect_rc cli 0
	sc_expect_rc peer 0
	cmp "$SC_TMP/expect" "$SC_TMP/cli.out"
}

@test "unix: --seqpacket: an empty message is not the peer's EOF" {
	# recv() gives 0 for both; the messages after the empty one must
	# still arrive.
	sc_bg peer /dev/null python3 "$SC_PEER" seqpacket-server "$SOCK" \
	    "$SC_TMP/expect" 100 0 200
	sc_wait_file "$SC_TMP/peer.err" "listening on $SOCK"
	sc_bg cli /dev/null "$SOCKCAT" connect --seqpacket -U "$SOCK"
	sc_expect_rc cli 0
	sc_expect_rc peer 0
	cmp "$SC_TMP/expect" "$SC_TMP/cli.out"
}

@test "unix: --seqpacket listener is SOCK_SEQPACKET and gets messages whole" {
	start_listener srv "$SOCK" --seqpacket
	# A SOCK_SEQPACKET client can only connect to a SOCK_SEQPACKET
	# listener (EPROTOTYPE otherwise).
	run -0 python3 "$SC_PEER" seqpacket-client "$SOCK" "$SC_TMP/expect" \
	    7 1 20000
	sc_expect_rc srv 0
	cmp "$SC_TMP/expect" "$SC_TMP/srv.out"
}

@test "unix: --seqpacket does not cut a 100000-byte message" {
	# A reader whose buffer is smaller than the message loses the rest of
	# it (MSG_TRUNC): boundaries are kept only if the message comes whole.
	sc_bg peer /dev/null python3 "$SC_PEER" seqpacket-server "$SOCK" \
	    "$SC_TMP/expect" 100000 5
	sc_wait_file "$SC_TMP/peer.err" "listening on $SOCK"
	sc_bg cli /dev/null "$SOCKCAT" connect --seqpacket -U "$SOCK"
	sc_expect_rc cli 0
	sc_expect_rc peer 0
	cmp "$SC_TMP/expect" "$SC_TMP/cli.out"
}

@test "unix: --seqpacket on both sides carries a 1 MiB file byte-exact" {
	head -c 1048576 /dev/urandom >"$SC_TMP/in"
	start_listener srv "$SOCK" --seqpacket
	sc_bg cli "$SC_TMP/in" "$SOCKCAT" connect --seqpacket -U "$SOCK"
	sc_expect_rc cli 0
	sc_expect_rc srv 0
	cmp "$SC_TMP/in" "$SC_TMP/srv.out"
}

@test "unix: a stream client cannot reach a --seqpacket listener" {
	start_listener srv "$SOCK" --seqpacket
	run -0 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(e.errno)' "$SOCK"
	[ "$output" = "$(python3 -c 'import errno; print(errno.EPROTOTYPE)')" ]
}

@test "unix: the listener removes its socket file when the session ends" {
	start_listener srv "$SOCK"
	[ -S "$SOCK" ]
	sc_bg cli /dev/null "$SOCKCAT" connect -U "$SOCK"
	sc_expect_rc cli 0
	sc_expect_rc srv 0
	[ ! -e "$SOCK" ]
}

@test "unix: the listener removes its socket file on SIGTERM" {
	sc_bg srv /dev/null python3 "$SC_PEER" exec "$SOCKCAT" listen -v -U "$SOCK"
	sc_wait_file "$SC_TMP/srv.err" "listening on $SOCK"
	[ -S "$SOCK" ]
	kill -TERM "$(sc_child_pid)"
	sc_wait_rc srv 50 >/dev/null
	[ ! -e "$SOCK" ]
}

@test "unix: the listener removes its socket file on SIGINT" {
	# fault-peer.py exec restores SIGINT, which bash ignores in
	# background jobs.
	sc_bg srv /dev/null python3 "$SC_PEER" exec "$SOCKCAT" listen -v -U "$SOCK"
	sc_wait_file "$SC_TMP/srv.err" "listening on $SOCK"
	[ -S "$SOCK" ]
	kill -INT "$(sc_child_pid)"
	sc_wait_rc srv 50 >/dev/null
	[ ! -e "$SOCK" ]
}

@test "unix: the listener removes its socket file after an accept timeout" {
	run -75 --separate-stderr "$SOCKCAT" listen -U "$SOCK" -w 0.3
	sc_check_msg listen
	[ ! -e "$SOCK" ]
}

@test "unix: a regular file at PATH is refused with 71 and left alone" {
	printf 'precious\n' >"$SOCK"
	run -71 --separate-stderr timeout 10 "$SOCKCAT" listen -U "$SOCK"
	sc_check_msg listen "*$SOCK*"
	[ -f "$SOCK" ]
	[ "$(cat "$SOCK")" = precious ]
}

@test "unix: a directory at PATH is refused with 71 and left alone" {
	mkdir "$SOCK"
	run -71 --separate-stderr timeout 10 "$SOCKCAT" listen -U "$SOCK"
	sc_check_msg listen "*$SOCK*"
	[ -d "$SOCK" ]
}

@test "unix: a file that replaced the socket is not removed at exit" {
	sc_bg srv /dev/null python3 "$SC_PEER" exec "$SOCKCAT" listen -v -U "$SOCK"
	sc_wait_file "$SC_TMP/srv.err" "listening on $SOCK"
	rm "$SOCK"
	printf 'precious\n' >"$SOCK"
	kill -TERM "$(sc_child_pid)"
	sc_wait_rc srv 50 >/dev/null
	[ -f "$SOCK" ]
	[ "$(cat "$SOCK")" = precious ]
}

@test "unix: another listener's socket at PATH is not removed at exit" {
	sc_bg old /dev/null python3 "$SC_PEER" exec "$SOCKCAT" listen -v -U "$SOCK"
	sc_wait_file "$SC_TMP/old.err" "listening on $SOCK"
	local old
	old=$(sc_child_pid)
	rm "$SOCK"
	start_listener new "$SOCK"
	kill -TERM "$old"
	sc_wait_rc old 50 >/dev/null
	# The new listener's socket is still there and still answers.
	[ -S "$SOCK" ]
	printf 'still here\n' >"$SC_TMP/in"
	sc_bg cli "$SC_TMP/in" "$SOCKCAT" connect -U "$SOCK"
	sc_expect_rc cli 0
	sc_expect_rc new 0
	cmp "$SC_TMP/in" "$SC_TMP/new.out"
}

@test "unix: a stale socket file is replaced and the listen works" {
	run -0 python3 "$SC_PEER" stale-unix "$SOCK"
	[ -S "$SOCK" ]
	printf 'after a crash\n' >"$SC_TMP/in"
	start_listener srv "$SOCK"
	sc_bg cli "$SC_TMP/in" "$SOCKCAT" connect -U "$SOCK"
	sc_expect_rc cli 0
	sc_expect_rc srv 0
	cmp "$SC_TMP/in" "$SC_TMP/srv.out"
}

@test "unix: a live listener keeps its path; a second listener gets 71" {
	start_listener first "$SOCK"
	local ino
	ino=$(stat -c %i "$SOCK")
	run -71 --separate-stderr timeout 10 "$SOCKCAT" listen -U "$SOCK"
	sc_check_msg listen "*$SOCK*Address already in use*"
	# The first listener is untouched: same file, still running, and its
	# one session is the next real client's.
	[ -S "$SOCK" ]
	[ "$(stat -c %i "$SOCK")" = "$ino" ]
	[ ! -e "$SC_TMP/first.rc" ]
	printf 'for the first listener\n' >"$SC_TMP/in"
	sc_bg cli "$SC_TMP/in" "$SOCKCAT" connect -U "$SOCK"
	sc_expect_rc cli 0
	sc_expect_rc first 0
	cmp "$SC_TMP/in" "$SC_TMP/first.out"
}

# full_backlog PATH: a Unix listener at PATH whose backlog is full (it
# never accepts until $SC_TMP/go exists); writes "full" to $SC_TMP/state
# once full. Then it accepts everything queued and writes the bytes it
# got from each connection to $SC_TMP/got.
full_backlog() {
	python3 - "$1" "$SC_TMP" <<-'EOF'
	import os, socket, sys, time
	path, tmp = sys.argv[1], sys.argv[2]
	l = socket.socket(socket.AF_UNIX)
	l.bind(path)
	l.listen(0)
	fill = []
	while len(fill) < 100:
	    c = socket.socket(socket.AF_UNIX)
	    c.setblocking(False)
	    try:
	        c.connect(path)
	    except BlockingIOError:
	        c.close()
	        break
	    fill.append(c)
	else:
	    sys.exit("the backlog never filled")
	open(tmp + "/state", "w").write("full\n")
	for _ in range(300):
	    if os.path.exists(tmp + "/go"):
	        break
	    time.sleep(0.1)
	for c in fill:
	    c.close()
	l.settimeout(5)
	got = b""
	while b"hello" not in got:
	    a, _ = l.accept()
	    a.settimeout(5)
	    while True:
	        d = a.recv(65536)
	        if not d:
	            break
	        got += d
	    a.close()
	open(tmp + "/got", "wb").write(got)
	EOF
}

@test "unix: a full backlog: connect waits for room within -w, else 75" {
	local pid i
	sc_bg P /dev/null full_backlog "$SOCK"
	sc_wait_file "$SC_TMP/state" full
	# Nobody makes room: the connect timeout fires.
	run -75 --separate-stderr timeout 10 "$SOCKCAT" connect -w 0.3 -U "$SOCK" </dev/null
	[ "$stderr" = "sockcat: connect: $SOCK: connect timeout: no answer within 0.300s" ]
	# Room is made while it waits: it connects and sends.
	printf hello >"$SC_TMP/hello"
	sc_bg C "$SC_TMP/hello" "$SOCKCAT" connect -w 20 -U "$SOCK"
	# Let it reach the kernel's wait for room first (5 s at most).
	pid=$(sc_cmd_pid "$SC_LAST_PID")
	for ((i = 0; i < 50; i++)); do
		[ "$(cat /proc/"$pid"/wchan 2>/dev/null)" = unix_wait_for_peer ] && break
		sleep 0.1
	done
	touch "$SC_TMP/go"
	[ "$(sc_wait_rc C)" = 0 ]
	[ "$(sc_wait_rc P)" = 0 ]
	[ "$(cat "$SC_TMP/got")" = hello ]
}

@test "unix: connect to a missing path is 69" {
	run -69 --separate-stderr "$SOCKCAT" connect -U "$SC_SOCKDIR/nobody"
	sc_check_msg connect "sockcat: connect: $SC_SOCKDIR/nobody: *"
}

@test "unix: connect to a socket file nobody listens on is 69" {
	run -0 python3 "$SC_PEER" stale-unix "$SOCK"
	run -69 --separate-stderr "$SOCKCAT" connect -U "$SOCK"
	sc_check_msg connect "sockcat: connect: $SOCK: *refused*"
}

@test "unix: a path one byte too long for sun_path is 64; one less works" {
	# sun_path holds 108 bytes with its terminating NUL.
	local long=$SC_SOCKDIR/ fits
	while [ "${#long}" -lt 108 ]; do long+=x; done
	fits=${long%x}
	[ "${#fits}" -eq 107 ]
	run -64 --separate-stderr "$SOCKCAT" listen -U "$long"
	sc_check_msg listen "*; see 'sockcat listen --help'"
	[ ! -e "$long" ]
	run -64 --separate-stderr "$SOCKCAT" connect -U "$long"
	sc_check_msg connect "*; see 'sockcat connect --help'"
	start_listener srv "$fits"
	sc_bg cli /dev/null "$SOCKCAT" connect -U "$fits"
	sc_expect_rc cli 0
	sc_expect_rc srv 0
	[ ! -e "$fits" ]
}

@test "unix: -U with -4, -6, -b or a PORT is a usage error (listen)" {
	local args
	for args in "-4" "-6" "-b 127.0.0.1" "-p 1234" "1234"; do
		# shellcheck disable=SC2086
		run -64 --separate-stderr "$SOCKCAT" listen -U "$SOCK" $args
		sc_check_msg listen "*; see 'sockcat listen --help'"
		[ ! -e "$SOCK" ]
	done
}

@test "unix: -U with -4, -6, -s or HOST PORT is a usage error (connect)" {
	local args
	for args in "-4" "-6" "-s 127.0.0.1" "--source-port 1234" \
	    "127.0.0.1 1234"; do
		# shellcheck disable=SC2086
		run -64 --separate-stderr "$SOCKCAT" connect -U "$SOCK" $args
		sc_check_msg connect "*; see 'sockcat connect --help'"
	done
}
