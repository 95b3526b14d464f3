#!/usr/bin/env bats
# tests/ping.bats: sockcat ping, on loopback.  The cases that change
# net.ipv4.ping_group_range or drop echo requests do so in a network
# namespace of their own (helpers/netns.bash): the machine's settings are
# never touched.  The unprivileged ones run as nobody through setpriv.

load helpers/common
load helpers/netns
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=60

setup() { sc_setup; }
teardown() { sc_teardown; }

# Raw sockets need root (CI runs as root); a datagram one needs a group
# that ping_group_range allows.
ping_require() {
	[ "$(id -u)" = 0 ] && return 0
	"$SOCKCAT" ping -c 1 -w 1 127.0.0.1 >/dev/null 2>&1 ||
	    skip "neither root nor allowed ICMP datagram sockets here"
}

usage_error() {
	local needle=$1
	shift
	run -64 --separate-stderr timeout 10 "$SOCKCAT" ping "$@" </dev/null
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; return 1; }
	[[ $stderr == "sockcat: ping: "*"$needle"*"; see 'sockcat ping --help'" ]] || {
		echo "bad message: $stderr"
		return 1
	}
}

# check_replies ADDR N BYTES: $output is N reply lines, seq 1..N, then the
# summary of N sent and N received.
check_replies() {
	local addr=$1 n=$2 bytes=$3 i
	echo "$output"
	[ "${#lines[@]}" -eq $((n + 3)) ]
	for ((i = 1; i <= n; i++)); do
		[[ ${lines[i - 1]} =~ ^$bytes\ bytes\ from\ $addr:\ seq=$i\ time=[0-9]+\.[0-9]{3}\ ms$ ]]
	done
	[ "${lines[n + 1]}" = "$n sent, $n received, 0% loss" ]
	[[ ${lines[n + 2]} =~ ^rtt\ min/avg/max\ =\ [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}\ ms$ ]]
}

@test "ping: 127.0.0.1: a line per reply, then the summary; 0" {
	ping_require
	run -0 --separate-stderr timeout 20 "$SOCKCAT" ping -c 3 \
	    --interval 100ms 127.0.0.1
	check_replies 127.0.0.1 3 64
	[ "${lines[3]}" = "--- 127.0.0.1 ping statistics ---" ]
	[ -z "$stderr" ]
}

@test "ping: ::1 over ICMPv6; --size; a name" {
	ping_require
	run -0 --separate-stderr timeout 20 "$SOCKCAT" ping -c 2 \
	    --interval 100ms --size 1000 ::1
	check_replies ::1 2 1008
	run -0 --separate-stderr timeout 20 "$SOCKCAT" ping -c 1 --size 0 \
	    '[::1]'
	check_replies ::1 1 8
	run -0 --separate-stderr timeout 20 "$SOCKCAT" ping -4 -c 1 localhost
	check_replies 127.0.0.1 1 64
	[ "${lines[1]}" = "--- localhost ping statistics ---" ]
}

@test "ping: the default is 4 requests, 1 s apart" {
	ping_require
	local start end
	start=$(date +%s%N)
	run -0 --separate-stderr timeout 20 "$SOCKCAT" ping 127.0.0.1
	end=$(date +%s%N)
	check_replies 127.0.0.1 4 64
	[ $(((end - start) / 1000000)) -ge 2900 ]
	[ $(((end - start) / 1000000)) -lt 8000 ]
}

@test "ping: root uses a raw socket where ping_group_range allows nobody" {
	sc_netns_require
	run -0 sc_netns "" '
		sysctl -qw net.ipv4.ping_group_range="1 0"
		"$SOCKCAT" ping -v -c 1 127.0.0.1 2>&1
		"$SOCKCAT" ping -v -c 1 ::1 2>&1'
	echo "$output"
	[ "${lines[0]}" = "sockcat: ping 127.0.0.1: 56 bytes of payload, raw ICMP socket" ]
	[[ ${lines[1]} == "64 bytes from 127.0.0.1: seq=1 time="* ]]
	[ "${lines[5]}" = "sockcat: ping ::1: 56 bytes of payload, raw ICMPv6 socket" ]
	[[ ${lines[6]} == "64 bytes from ::1: seq=1 time="* ]]
}

# In the namespace: a copy of sockcat that nobody may run.
AS_NOBODY='
	dir=$(mktemp -d /tmp/sc-ping.XXXXXX)
	chmod 755 "$dir"
	cp "$SOCKCAT" "$dir/sockcat"
	nobody() {
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    "$dir/sockcat" "$@"
	}
	trap "rm -rf \"$dir\"; ns_cleanup" EXIT
'

@test "ping: unprivileged, with ping_group_range allowing its group: a datagram socket" {
	sc_netns_require
	command -v setpriv >/dev/null || { echo "setpriv is not installed (util-linux)"; return 1; }
	run -0 sc_netns "" "$AS_NOBODY"'
		sysctl -qw net.ipv4.ping_group_range="0 2147483647"
		nobody ping -v -c 2 --interval 100ms 127.0.0.1 2>&1
		nobody ping -v -c 1 ::1 2>&1
		sysctl -qw net.ipv4.ping_group_range="1 0"
		"$dir/sockcat" ping -v -c 1 127.0.0.1 2>&1'
	echo "$output"
	[ "${lines[0]}" = "sockcat: ping 127.0.0.1: 56 bytes of payload, datagram ICMP socket" ]
	[[ ${lines[1]} == "64 bytes from 127.0.0.1: seq=1 time="* ]]
	[[ ${lines[2]} == "64 bytes from 127.0.0.1: seq=2 time="* ]]
	[ "${lines[4]}" = "2 sent, 2 received, 0% loss" ]
	[ "${lines[6]}" = "sockcat: ping ::1: 56 bytes of payload, datagram ICMPv6 socket" ]
	[ "${lines[9]}" = "1 sent, 1 received, 0% loss" ]
	# Root, the same range closed again: raw.
	[ "${lines[11]}" = "sockcat: ping 127.0.0.1: 56 bytes of payload, raw ICMP socket" ]
}

@test "ping: unprivileged, ping_group_range closed: 77 naming both sockets" {
	sc_netns_require
	command -v setpriv >/dev/null || { echo "setpriv is not installed (util-linux)"; return 1; }
	run -0 sc_netns "" "$AS_NOBODY"'
		sysctl -qw net.ipv4.ping_group_range="1 0"
		rc=0
		nobody ping -c 1 127.0.0.1 >"$SC_TMP/out" 2>"$SC_TMP/err" || rc=$?
		echo "rc=$rc"
		cat "$SC_TMP/out" "$SC_TMP/err"'
	echo "$output"
	[ "${lines[0]}" = "rc=77" ]
	[ "${lines[1]}" = "sockcat: ping: cannot open an ICMP socket: datagram socket: Permission denied (net.ipv4.ping_group_range is 1 0); raw socket: Operation not permitted (needs root or CAP_NET_RAW)" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "ping: no reply within -w: 75, the summary says 100% loss" {
	sc_netns_require
	run -0 sc_netns "" '
		sysctl -qw net.ipv4.icmp_echo_ignore_all=1
		sysctl -qw net.ipv6.icmp.echo_ignore_all=1
		t0=$(date +%s%N)
		for a in 127.0.0.1 ::1; do
			rc=0
			"$SOCKCAT" ping -c 2 --interval 100ms -w 300ms "$a" \
			    >"$SC_TMP/out" 2>"$SC_TMP/err" || rc=$?
			echo "rc=$rc"
			cat "$SC_TMP/out" "$SC_TMP/err"
		done
		echo "ms=$((($(date +%s%N) - t0) / 1000000))"'
	echo "$output"
	[ "${lines[0]}" = "rc=75" ]
	[ "${lines[1]}" = "--- 127.0.0.1 ping statistics ---" ]
	[ "${lines[2]}" = "2 sent, 0 received, 100% loss" ]
	[ "${lines[3]}" = "sockcat: ping: 127.0.0.1: no reply" ]
	[ "${lines[4]}" = "rc=75" ]
	[ "${lines[7]}" = "sockcat: ping: ::1: no reply" ]
	# Each: the second request at 0.1 s, its wait until 0.4 s.
	local ms=${lines[8]#ms=}
	[ "$ms" -ge 750 ]
	[ "$ms" -lt 5000 ]
}

@test "ping: replies are told apart: two raw pings at once count only their own" {
	ping_require
	sc_bg A /dev/null "$SOCKCAT" ping -c 10 --interval 50ms 127.0.0.1
	sc_bg B /dev/null "$SOCKCAT" ping -c 10 --interval 50ms 127.0.0.1
	[ "$(sc_wait_rc A)" = 0 ]
	[ "$(sc_wait_rc B)" = 0 ]
	local f
	for f in A B; do
		[ "$(grep -c '^64 bytes from 127.0.0.1: seq=' "$SC_TMP/$f.out")" -eq 10 ]
		[ "$(sed -n 's/.*seq=\([0-9]*\) .*/\1/p' "$SC_TMP/$f.out" | paste -sd,)" = "1,2,3,4,5,6,7,8,9,10" ]
		grep -qx '10 sent, 10 received, 0% loss' "$SC_TMP/$f.out"
	done
}

@test "ping: -s binds the source; another family's source is 71" {
	ping_require
	run -0 --separate-stderr timeout 20 "$SOCKCAT" ping -c 1 -s 127.0.0.1 \
	    127.0.0.1
	check_replies 127.0.0.1 1 64
	run -71 --separate-stderr timeout 20 "$SOCKCAT" ping -c 1 -s ::1 \
	    127.0.0.1
	[ "$stderr" = "sockcat: ping: 127.0.0.1: no address of the family of --source ::1" ]
}

@test "ping: SIGTERM: the summary so far, then it dies of the signal" {
	ping_require
	local pid
	sc_bg P /dev/null "$SOCKCAT" ping -c 1000 --interval 50ms 127.0.0.1
	sc_wait_file "$SC_TMP/P.out" 'seq=3 '
	pid=$(sc_cmd_pid "$SC_LAST_PID")
	kill -TERM "$pid"
	[ "$(sc_wait_rc P)" = 143 ]
	grep -qx -- '--- 127.0.0.1 ping statistics ---' "$SC_TMP/P.out"
	grep -q ' sent, .* received, ' "$SC_TMP/P.out"
}

@test "ping: bad input is 64 with one line, before any socket" {
	usage_error "--count '0'" -c 0 127.0.0.1
	usage_error "--count 'x'" -c x 127.0.0.1
	usage_error "--size '65508'" --size 65508 127.0.0.1
	usage_error "--size '-1'" --size -1 127.0.0.1
	usage_error "--interval '0': must be more than 0" --interval 0 127.0.0.1
	usage_error "--timeout must be more than 0" -w 0 127.0.0.1
	usage_error "--timeout 'abc'" -w abc 127.0.0.1
	usage_error "HOST is needed"
	usage_error "unexpected argument 'extra'" 127.0.0.1 extra
	usage_error "empty host" ''
	usage_error "'::1' is an IPv6 address but -4" -4 ::1
	usage_error "-n forbids names" -n localhost
	usage_error "'-p'" -p 1 127.0.0.1
}
