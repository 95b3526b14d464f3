#!/usr/bin/env bats
# tests/udp-recv.bats: sockcat udp-recv (with udp-send as the sender).

load helpers/common

bats_require_minimum_version 1.5.0

setup() { sc_setup; }

teardown() {
	sc_teardown
	if [ -n "${SC_NETNS:-}" ]; then
		ip netns del "$SC_NETNS" 2>/dev/null || true
	fi
}

# wait_sock PATH [TENTHS]: wait until a socket file exists at PATH.
wait_sock() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	echo "no socket at $1" >&2
	return 1
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

@test "udp-recv: -v says the real port, dual-stack by default" {
	start_recv r
	run -0 head -n 1 "$SC_TMP/r.err"
	[[ "$output" =~ ^sockcat:\ listening\ on\ \[::\]:[1-9][0-9]*$ ]]
	start_recv r4 -4
	run -0 head -n 1 "$SC_TMP/r4.err"
	[[ "$output" =~ ^sockcat:\ listening\ on\ 0\.0\.0\.0:[1-9][0-9]*$ ]]
	start_recv rb -b ::1
	run -0 head -n 1 "$SC_TMP/rb.err"
	[[ "$output" =~ ^sockcat:\ listening\ on\ \[::1\]:[1-9][0-9]*$ ]]
}

@test "udp-recv: --from prefixes ADDR:PORT (IPv4 as IPv4) and ends lines" {
	start_recv r -c 2 --from
	"$SOCKCAT" udp-send 127.0.0.1 "$PORT" 'from v4'
	"$SOCKCAT" udp-send ::1 "$PORT" 'from v6'
	[ "$(sc_wait_rc r)" = 0 ]
	run -0 cat "$SC_TMP/r.out"
	[ "${#lines[@]}" = 2 ]
	[[ "${lines[0]}" =~ ^127\.0\.0\.1:[1-9][0-9]*\ from\ v4$ ]]
	[[ "${lines[1]}" =~ ^\[::1\]:[1-9][0-9]*\ from\ v6$ ]]
	# -v: one line per datagram with its sender and size.
	run -0 grep -c '^sockcat: datagram from .*: 7 bytes$' "$SC_TMP/r.err"
	[ "$output" = 2 ]
}

@test "udp-recv: datagrams are written raw, binary included" {
	head -c 3000 /dev/urandom >"$SC_TMP/in"
	start_recv r -c 3
	"$SOCKCAT" udp-send --chunk 1000 127.0.0.1 "$PORT" <"$SC_TMP/in"
	[ "$(sc_wait_rc r)" = 0 ]
	cmp "$SC_TMP/in" "$SC_TMP/r.out"
}

@test "udp-recv: -c N exits 0 after exactly N datagrams" {
	start_recv r -c 2
	# c and d may meet a closed port (69): that is udp-send's business.
	"$SOCKCAT" udp-send 127.0.0.1 "$PORT" a b c d 2>/dev/null || true
	[ "$(sc_wait_rc r)" = 0 ]
	[ "$(cat "$SC_TMP/r.out")" = ab ]
}

@test "udp-recv: -w gives up with 75 when nothing arrives" {
	local t0=$(now_ms)
	run -75 --separate-stderr "$SOCKCAT" udp-recv -w 300ms -p 0
	(( $(now_ms) - t0 < 3000 ))
	[ "$stderr" = "sockcat: udp-recv: receive timeout: no datagram within 0.300s" ]
}

@test "udp-recv: -w restarts with each datagram" {
	start_recv r -w 1500ms
	"$SOCKCAT" udp-send 127.0.0.1 "$PORT" first
	sc_wait_file "$SC_TMP/r.err" 'datagram from' 50
	local t0=$(now_ms)
	[ "$(sc_wait_rc r 50)" = 75 ]
	(( $(now_ms) - t0 < 4000 ))
	[ "$(cat "$SC_TMP/r.out")" = first ]
}

@test "udp-recv: Unix datagrams; the socket file goes at exit" {
	local path="$SC_SOCKDIR/s"
	sc_bg r /dev/null "$SOCKCAT" udp-recv -v --from -c 2 -U "$path"
	wait_sock "$path"
	run -0 "$SOCKCAT" udp-send -U "$path" one two
	[ "$(sc_wait_rc r)" = 0 ]
	run -0 cat "$SC_TMP/r.out"
	[[ "${lines[0]}" =~ ^@[0-9a-f]+\ one$ ]]
	[[ "${lines[1]}" =~ ^@[0-9a-f]+\ two$ ]]
	[ ! -e "$path" ]
	grep -q "^sockcat: listening on $path\$" "$SC_TMP/r.err"
}

@test "udp-recv: SIGTERM and SIGINT remove the socket file" {
	local path="$SC_SOCKDIR/s" sig pid
	for sig in TERM INT; do
		rm -f "$SC_TMP/r.rc"
		sc_bg r /dev/null "$SOCKCAT" udp-recv -U "$path"
		wait_sock "$path"
		pid=$(sc_cmd_pid "$SC_LAST_PID")
		kill -"$sig" "$pid"
		run -0 sc_wait_rc r 50
		[ "$output" = $((128 + $(kill -l "$sig"))) ]
		[ ! -e "$path" ]
	done
}

@test "udp-recv: a Unix datagram larger than the buffer is 1, not cut" {
	local path="$SC_SOCKDIR/s"
	head -c 300000 /dev/zero >"$SC_TMP/in"
	sc_bg r /dev/null "$SOCKCAT" udp-recv -U "$path"
	wait_sock "$path"
	"$SOCKCAT" udp-send --sndbuf 1M --chunk 300000 -U "$path" \
	    <"$SC_TMP/in"
	[ "$(sc_wait_rc r)" = 1 ]
	[ ! -s "$SC_TMP/r.out" ]
	grep -q '^sockcat: udp-recv: datagram from @[0-9a-f]*: 300000 bytes: ' \
	    "$SC_TMP/r.err"
	grep -q 'larger than the receive buffer (262144 bytes)$' "$SC_TMP/r.err"
}

@test "udp-recv: a stdout that fails is 1 with a message" {
	local path="$SC_SOCKDIR/s" i
	# /dev/full: ENOSPC.
	# Subshells under bats' set -e: set +e, or a failure skips the echo.
	(
		set +e
		"$SOCKCAT" udp-recv -U "$path" >/dev/full 2>"$SC_TMP/full.err"
		echo $? >"$SC_TMP/full.rc"
	) 3>&- &
	SC_PIDS+=("$!")
	wait_sock "$path"
	"$SOCKCAT" udp-send -U "$path" x
	[ "$(sc_wait_rc full)" = 1 ]
	[ "$(cat "$SC_TMP/full.err")" = "sockcat: udp-recv: stdout: No space left on device" ]
	# A reader that has gone: EPIPE.
	(
		set +e
		{
			"$SOCKCAT" udp-recv -U "$path" 2>"$SC_TMP/pipe.err"
			echo $? >"$SC_TMP/pipe.rc"
		} | true
	) 3>&- &
	SC_PIDS+=("$!")
	wait_sock "$path"
	# The first datagram may still fit in the pipe before true exits.
	for ((i = 0; i < 50; i++)); do
		"$SOCKCAT" udp-send -U "$path" x 2>/dev/null || true
		[ -s "$SC_TMP/pipe.rc" ] && break
		sleep 0.1
	done
	[ "$(sc_wait_rc pipe)" = 1 ]
	[ "$(cat "$SC_TMP/pipe.err")" = "sockcat: udp-recv: stdout: Broken pipe" ]
}

# Multicast needs a namespace of our own with an interface that can
# carry it: a veth pair (loopback only loops IPv4 multicast back).
setup_netns() {
	[ "$(id -u)" = 0 ] || skip "multicast test needs root for ip netns"
	command -v ip >/dev/null || skip "no ip command"
	SC_NETNS="sc-$$-$BATS_TEST_NUMBER-$RANDOM"
	ip netns add "$SC_NETNS" 2>/dev/null ||
	    skip "ip netns add is not allowed here"
	NS=(ip netns exec "$SC_NETNS")
	"${NS[@]}" ip link set lo up
	"${NS[@]}" ip link add sc0 type veth peer name sc1 2>/dev/null ||
	    skip "no veth interfaces here"
	"${NS[@]}" ip link set sc1 up
	"${NS[@]}" ip link set sc0 up
	"${NS[@]}" ip addr add 10.99.0.1/24 dev sc0
	"${NS[@]}" ip addr add fd00::1/64 dev sc0 nodad
	"${NS[@]}" ip route add 224.0.0.0/4 dev sc0
	"${NS[@]}" ip -6 route add ff00::/8 dev sc0 table local
}

@test "udp-recv: --join receives IPv4 and IPv6 multicast" {
	local g
	setup_netns
	for g in 239.1.2.3 239.1.2.4@sc0 ff15::1234 ff15::1235@sc0; do
		sc_bg "m$g" /dev/null "${NS[@]}" "$SOCKCAT" udp-recv -v -c 1 \
		    --from --join "$g" -p 0
		PORT=$(sc_port "m$g")
		"${NS[@]}" "$SOCKCAT" udp-send --ttl 1 "${g%@*}" "$PORT" \
		    "to $g"
		[ "$(sc_wait_rc "m$g" 50)" = 0 ]
		grep -q " to $g\$" "$SC_TMP/m$g.out"
		grep -q "^sockcat: joined $g\$" "$SC_TMP/m$g.err"
	done
}

@test "udp-recv: bad input is 64 with one line naming it" {
	local args
	while IFS= read -r args; do
		eval "set -- $args"
		run -64 --separate-stderr "$SOCKCAT" udp-recv "$@"
		[ "${#stderr_lines[@]}" = 1 ] || { echo "$args: $stderr"; false; }
		[[ "$stderr" == "sockcat: udp-recv: "*"see 'sockcat udp-recv --help'" ]]
		echo "$args -> $stderr"
	done <<'EOF'
-c 0 -p 0
-c abc -p 0
-c -1 -p 0
--join notanaddr -p 0
--join 10.0.0.1 -p 0
--join ::1 -p 0
--join '' -p 0
--join 239.1.1.1@nosuchif0 -p 0
-6 --join 239.1.1.1 -p 0
-4 --join ff02::1 -p 0
-U /tmp/x --join 239.1.1.1
-U /tmp/x 9
-U ''

-p 0 9
-p 70000
abc
-w abc -p 0
-w -1 -p 0
--rcvbuf 0 -p 0
-n -b localhost -p 0
-4 -b ::1 -p 0
-p 0 extra
--interval 1 -p 0
EOF
}
