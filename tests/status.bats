#!/usr/bin/env bats
# tests/status.bats: every row of SPEC's exit-status table, and every row of
# the errno -> status table in src/status.c that listen, connect, udp-recv
# can be made to produce here, each with its one-line message
# "sockcat: CMD: ...".
#
# Rows with no test: ENETDOWN, EHOSTDOWN (no interface or neighbour can be
# made to answer so on loopback or in a bare namespace), EAFNOSUPPORT,
# EPROTONOSUPPORT (every family and protocol sockcat uses exists in this
# kernel), ENFILE (system-wide), EPERM (needs a netfilter REJECT rule; no
# iptables or nft here).

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/fault

# shellcheck disable=SC2034 # read by bats
BATS_TEST_TIMEOUT=30

setup() { sc_setup; }
teardown() { sc_fault_teardown; }

# in_netns CMD...: CMD in a fresh network namespace that has only 'lo' (up).
# The namespace dies with CMD; nothing to clean up.
in_netns() {
	unshare --net sh -c 'ip link set lo up && exec "$@"' sh "$@"
}

need_netns() {
	sc_need_root "a network namespace (unshare --net)"
	command -v unshare >/dev/null && command -v ip >/dev/null ||
	    skip "unshare or ip missing"
}

# as_nobody CMD...: CMD as user nobody, without root's groups.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

need_nobody() {
	command -v setpriv >/dev/null || skip "setpriv missing"
	as_nobody test -x "$SOCKCAT" ||
	    skip "user nobody cannot run $SOCKCAT (a private build directory?)"
}

# --------------------------------------------------------------------- 0

@test "status 0: a session that completes" {
	head -c 65536 /dev/urandom >"$SC_TMP/in"
	sc_bg srv /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	port=$(sc_port srv)
	run -0 --separate-stderr "$SOCKCAT" connect 127.0.0.1 "$port" \
	    <"$SC_TMP/in"
	[ -z "$stderr" ]
	[ -z "$output" ]
	sc_expect_rc srv 0
	cmp "$SC_TMP/in" "$SC_TMP/srv.out"
}

# --------------------------------------------------------------------- 1

@test "status 1: the peer resets the connection (ECONNRESET on read)" {
	# The peer sends 1 MiB, then closes with SO_LINGER {1,0}: an RST.
	peer srv rst-server --send 1M
	run -1 --separate-stderr timeout 20 "$SOCKCAT" connect 127.0.0.1 \
	    "$port" </dev/null
	sc_check_msg connect "*Connection reset by peer*"
}

@test "status 1: writing to a peer that reset (EPIPE or ECONNRESET)" {
	# The peer reads a little and resets while sockcat still has most of
	# 100 MiB to send: more than any socket buffers hold, so the writes
	# must fail.
	truncate -s 100M "$SC_TMP/in"
	peer srv rst-server --read 64k
	run -1 --separate-stderr timeout 20 "$SOCKCAT" connect 127.0.0.1 \
	    "$port" <"$SC_TMP/in"
	sc_check_msg connect "*@(Connection reset by peer|Broken pipe)*"
}

@test "status 1: writing to a peer that closed (FIN, then RST)" {
	truncate -s 100M "$SC_TMP/in"
	peer srv close-server
	run -1 --separate-stderr timeout 20 "$SOCKCAT" connect 127.0.0.1 \
	    "$port" <"$SC_TMP/in"
	sc_check_msg connect "*@(Connection reset by peer|Broken pipe)*"
}

@test "status 1: a write error on stdout (ENOSPC)" {
	peer srv send-server 64k
	run -1 --separate-stderr bash -c \
	    'exec timeout 20 "$0" connect 127.0.0.1 "$1" </dev/null >/dev/full' \
	    "$SOCKCAT" "$port"
	sc_check_msg connect "*No space left on device*"
}

# -------------------------------------------------------------------- 64

@test "status 64: a bad duration" {
	run -64 --separate-stderr "$SOCKCAT" listen --timeout abc -p 0
	[ "$stderr" = "sockcat: listen: --timeout 'abc': not a duration; see 'sockcat listen --help'" ]
	[ -z "$output" ]
}

@test "status 64: a bad port, a missing argument, an unknown option" {
	run -64 --separate-stderr "$SOCKCAT" connect 127.0.0.1 65536
	sc_check_msg connect "*65536*; see 'sockcat connect --help'"
	run -64 --separate-stderr "$SOCKCAT" connect 127.0.0.1
	sc_check_msg connect "*; see 'sockcat connect --help'"
	run -64 --separate-stderr "$SOCKCAT" udp-recv --bogus -p 0
	sc_check_msg udp-recv "*--bogus*; see 'sockcat udp-recv --help'"
}

@test "status 64: an unknown command" {
	run -64 --separate-stderr "$SOCKCAT" lisen
	[ "$stderr" = "sockcat: 'lisen' is not a command; did you mean 'listen'? see 'sockcat --help'" ]
}

# -------------------------------------------------------------------- 68

@test "status 68: a host name that does not resolve" {
	# .invalid never resolves (RFC 6761).  Without an answer within 5 s the
	# resolver itself is broken here, and this test cannot tell anything.
	local rc=0
	timeout 5 getent hosts nonexistent.invalid >/dev/null || rc=$?
	[ "$rc" -ne 124 ] || skip "the resolver does not answer within 5 s"
	[ "$rc" -ne 0 ] || skip "nonexistent.invalid resolves here"
	run -68 --separate-stderr timeout 20 "$SOCKCAT" connect \
	    nonexistent.invalid "$(sc_free_port)"
	sc_check_msg connect "sockcat: connect: nonexistent.invalid: *"
	run -68 --separate-stderr timeout 20 "$SOCKCAT" listen \
	    -b nonexistent.invalid -p 0
	sc_check_msg listen "sockcat: listen: nonexistent.invalid: *"
}

# -------------------------------------------------------------------- 69

@test "status 69: connection refused (ECONNREFUSED)" {
	port=$(sc_free_port)
	run -69 --separate-stderr "$SOCKCAT" connect 127.0.0.1 "$port"
	[ "$stderr" = "sockcat: connect: 127.0.0.1:$port: Connection refused" ]
}

@test "status 69: no socket at a Unix path (ENOENT)" {
	run -69 --separate-stderr "$SOCKCAT" connect -U "$SC_SOCKDIR/none"
	[ "$stderr" = "sockcat: connect: $SC_SOCKDIR/none: No such file or directory" ]
}

@test "status 71: a Unix listener in a directory that does not exist" {
	local cmd
	for cmd in listen udp-recv echo; do
		run -71 --separate-stderr timeout 10 "$SOCKCAT" "$cmd" -U \
		    "$SC_SOCKDIR/nonexistentdir/x" </dev/null
		[ "$stderr" = "sockcat: $cmd: $SC_SOCKDIR/nonexistentdir/x: No such file or directory" ]
	done
	run -71 --separate-stderr timeout 10 "$SOCKCAT" echo -u -U \
	    "$SC_SOCKDIR/nonexistentdir/x"
}

@test "status 69: network unreachable (ENETUNREACH)" {
	need_netns
	# A namespace with only 'lo' has no route to 169.254.123.2.
	run -69 --separate-stderr in_netns "$SOCKCAT" connect 169.254.123.2 \
	    "$(sc_free_port)"
	sc_check_msg connect "sockcat: connect: 169.254.123.2:*: Network is unreachable"
}

@test "status 69: host unreachable (EHOSTUNREACH)" {
	need_netns
	# An 'unreachable' route: the kernel answers EHOSTUNREACH at once.
	run -69 --separate-stderr in_netns sh -c \
	    'ip route add unreachable 169.254.123.0/24 && exec "$@"' sh \
	    "$SOCKCAT" connect 169.254.123.2 "$(sc_free_port)"
	sc_check_msg connect "sockcat: connect: 169.254.123.2:*: No route to host"
}

# -------------------------------------------------------------------- 71

@test "status 71: a second listener on a busy port (--no-reuseaddr)" {
	sc_bg first /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	port=$(sc_port first)
	run -71 --separate-stderr timeout 10 "$SOCKCAT" listen --no-reuseaddr \
	    -b 127.0.0.1 -p "$port"
	sc_check_msg listen "*127.0.0.1:$port: Address already in use"
}

@test "status 71: SO_REUSEPORT is off by default: two listeners collide" {
	sc_bg first /dev/null "$SOCKCAT" listen -v -p 0
	port=$(sc_port first)
	run -71 --separate-stderr timeout 10 "$SOCKCAT" listen -p "$port"
	sc_check_msg listen "*:$port: Address already in use"
}

@test "status 71 control: with --reuseport on both, two listeners share" {
	sc_bg first /dev/null "$SOCKCAT" listen -v --reuseport -b 127.0.0.1 -p 0
	port=$(sc_port first)
	sc_bg second /dev/null "$SOCKCAT" listen -v --reuseport -b 127.0.0.1 \
	    -p "$port"
	sc_wait_file "$SC_TMP/second.err" "listening on 127.0.0.1:$port"
}

@test "status 71: a TIME_WAIT port needs SO_REUSEADDR (--no-reuseaddr)" {
	# The server side closed first, so its port sits in TIME_WAIT, as after
	# a finished listen session.  The default (SO_REUSEADDR) binds anyway.
	run -0 python3 "$SC_PEER" timewait
	port=$output
	run -71 --separate-stderr timeout 10 "$SOCKCAT" listen --no-reuseaddr \
	    -b 127.0.0.1 -p "$port"
	sc_check_msg listen "*127.0.0.1:$port: Address already in use"
	run -75 --separate-stderr timeout 10 "$SOCKCAT" listen -b 127.0.0.1 \
	    -p "$port" -w 0.2
	sc_check_msg listen
}

@test "status 71: an address that is not ours (EADDRNOTAVAIL)" {
	# 192.0.2.1 (TEST-NET-1) is on no interface: bind fails locally and
	# nothing is ever sent.
	run -71 --separate-stderr timeout 10 "$SOCKCAT" listen -b 192.0.2.1 -p 0
	sc_check_msg listen "*192.0.2.1*: Cannot assign requested address"
	run -71 --separate-stderr timeout 10 "$SOCKCAT" connect -s 192.0.2.1 \
	    127.0.0.1 "$(sc_free_port)"
	sc_check_msg connect "*192.0.2.1*: Cannot assign requested address"
}

@test "status 71: out of descriptors at accept (EMFILE)" {
	# With at most 4 descriptors, 0-2 and the listening socket use them
	# all: accept fails with EMFILE.  (listen, unlike echo, has no reason
	# to raise its limit.)  Linux reserves the new descriptor before it
	# waits, so a blocking accept fails at once; the client may then be
	# refused or reset, which is fine: the status is what is tested.
	sc_bg srv /dev/null bash -c 'ulimit -n 4 && exec "$@"' sh \
	    "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	port=$(sc_port srv)
	run -0 python3 -c '
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
    s.recv(1)
except OSError:
    pass' "$port"
	sc_expect_rc srv 71 100
	sc_check_msg_file srv listen "*Too many open files*"
}

# -------------------------------------------------------------------- 75

@test "status 75: connect timeout (ETIMEDOUT)" {
	# No blackhole route is needed: a listener with a full accept queue
	# makes Linux drop the SYN, and the next try would only be in 1 s.
	peer hole blackhole
	local t0
	t0=$(sc_ms)
	run -75 --separate-stderr timeout 10 "$SOCKCAT" connect -w 0.3 \
	    127.0.0.1 "$port"
	[ $(($(sc_ms) - t0)) -lt 3000 ]
	sc_check_msg connect "sockcat: connect: 127.0.0.1:$port: *timeout*"
}

@test "status 75: accept timeout (listen -w)" {
	local t0
	t0=$(sc_ms)
	run -75 --separate-stderr timeout 10 "$SOCKCAT" listen -w 0.5 \
	    -b 127.0.0.1 -p 0
	[ $(($(sc_ms) - t0)) -ge 400 ]
	[ $(($(sc_ms) - t0)) -lt 4000 ]
	sc_check_msg listen "*timeout*"
}

@test "status 75: idle timeout (listen -i)" {
	# stdin is an open FIFO that never writes, the client never sends: no
	# byte moves, and -i 0.5 ends the session.
	mkfifo "$SC_TMP/idle"
	sc_bg srv /dev/null bash -c 'exec "$@" 0<>"$0"' "$SC_TMP/idle" \
	    "$SOCKCAT" listen -v -i 0.5 -b 127.0.0.1 -p 0
	port=$(sc_port srv)
	run -0 timeout 10 python3 "$SC_PEER" idle-client 127.0.0.1 "$port"
	sc_expect_rc srv 75 50
	sc_check_msg_file srv listen "*idle*"
}

@test "status 75: idle timeout (connect -i)" {
	mkfifo "$SC_TMP/idle"
	peer srv idle-server
	run -75 --separate-stderr timeout 10 bash -c 'exec "$@" 0<>"$0"' \
	    "$SC_TMP/idle" "$SOCKCAT" connect -i 0.5 127.0.0.1 "$port"
	sc_check_msg connect "*idle*"
}

@test "status 75: receive timeout (udp-recv -w)" {
	run -75 --separate-stderr timeout 10 "$SOCKCAT" udp-recv -w 0.3 \
	    -b 127.0.0.1 -p 0
	sc_check_msg udp-recv "*timeout*"
	[ -z "$output" ]
}

# -------------------------------------------------------------------- 77

@test "status 77: a privileged port (EACCES at bind)" {
	local start
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null ||
	    echo 1024)
	[ "$start" -gt 1 ] || skip "port 1 is not privileged here"
	if [ "$(id -u)" = 0 ]; then
		need_nobody
		run -77 --separate-stderr as_nobody "$SOCKCAT" listen \
		    -b 127.0.0.1 -p 1 -w 0.1
	else
		run -77 --separate-stderr "$SOCKCAT" listen -b 127.0.0.1 -p 1 \
		    -w 0.1
	fi
	sc_check_msg listen "*127.0.0.1:1: Permission denied"
}

@test "status 77: a Unix socket we may not write to (EACCES at connect)" {
	chmod 755 "$SC_SOCKDIR"
	sc_bg srv /dev/null python3 "$SC_PEER" unix-server "$SC_SOCKDIR/s" 600
	sc_wait_file "$SC_TMP/srv.err" "listening on"
	if [ "$(id -u)" = 0 ]; then
		need_nobody
		run -77 --separate-stderr as_nobody "$SOCKCAT" connect \
		    -U "$SC_SOCKDIR/s"
	else
		chmod 000 "$SC_SOCKDIR/s"
		run -77 --separate-stderr "$SOCKCAT" connect -U "$SC_SOCKDIR/s"
	fi
	sc_check_msg connect "sockcat: connect: $SC_SOCKDIR/s: Permission denied"
}
