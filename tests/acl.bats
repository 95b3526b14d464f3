#!/usr/bin/env bats
# tests/acl.bats: --allow and --deny on every listener: listen, echo
# (TCP and UDP), forward (TCP and UDP), proxy and udp-recv.
#
# Linux routes all of 127.0.0.0/8 through lo, so a client bound to
# 127.0.0.2 (-s) is a second peer on loopback; [::1] is a third, and an
# IPv4 client of a dual-stack listener arrives IPv4-mapped.  A refused
# stream peer must be reset at once and logged at -v; a refused datagram
# dropped; neither is a session, so listen without -k waits on and -c
# counts only the allowed.

load helpers/common
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=60

CLIENT="$BATS_TEST_DIRNAME/helpers/echo-client.py"

setup() { sc_setup; }
teardown() { sc_teardown; }

# bg_port NAME STDIN CMD...: CMD in the background, with -v; sets BPORT.
bg_port() {
	local name=$1 in=$2
	shift 2
	sc_bg "$name" "$in" "$@"
	BPORT=$(sc_port "$name")
	[ -n "$BPORT" ]
}

# refused_from SRC HOST PORT: a connect from SRC is reset without a byte.
refused_from() {
	run -1 --separate-stderr timeout 10 "$SOCKCAT" connect -s "$1" "$2" \
	    "$3" </dev/null
	[[ $stderr == *"Connection reset by peer"* ]]
	[ -z "$output" ]
}

@test "acl: listen --deny: the refused peer is reset, listen waits for an allowed one" {
	printf 'for the allowed\n' >"$SC_TMP/msg"
	bg_port L "$SC_TMP/msg" "$SOCKCAT" listen -v -p 0 --deny 127.0.0.2
	refused_from 127.0.0.2 127.0.0.1 "$BPORT"
	sc_wait_file "$SC_TMP/L.err" 'refused 127.0.0.2'
	grep -Eq '^sockcat: refused 127\.0\.0\.2:[0-9]+ \(--deny 127\.0\.0\.2/32\)$' \
	    "$SC_TMP/L.err"
	# Still listening: the next, allowed, client gets the session.
	run -0 --separate-stderr timeout 10 "$SOCKCAT" connect -s 127.0.0.1 \
	    127.0.0.1 "$BPORT" </dev/null
	[ "$output" = "for the allowed" ]
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(grep -c 'connection from' "$SC_TMP/L.err")" -eq 1 ]
}

@test "acl: listen --allow: IPv4-mapped peers match IPv4 rules; others are refused" {
	bg_port L /dev/null "$SOCKCAT" listen -v -p 0 --allow 127.0.0.1 -k
	# Dual-stack: 127.0.0.1 arrives as ::ffff:127.0.0.1 and is allowed.
	run -0 timeout 10 "$SOCKCAT" connect 127.0.0.1 "$BPORT" </dev/null
	refused_from 127.0.0.2 127.0.0.1 "$BPORT"
	run -1 --separate-stderr timeout 10 "$SOCKCAT" connect ::1 "$BPORT" \
	    </dev/null
	[[ $stderr == *"Connection reset by peer"* ]]
	sc_wait_file "$SC_TMP/L.err" 'refused \[::1\]'
	grep -Eq '^sockcat: refused \[::1\]:[0-9]+ \(not in --allow\)$' \
	    "$SC_TMP/L.err"
	grep -Eq '^sockcat: connection from 127\.0\.0\.1:[0-9]+$' "$SC_TMP/L.err"
}

@test "acl: listen -w: refused peers do not end the accept timeout's wait, nor extend it" {
	local t0=$SECONDS
	bg_port L /dev/null "$SOCKCAT" listen -v -p 0 -w 2 --deny 127.0.0.0/8
	refused_from 127.0.0.1 127.0.0.1 "$BPORT"
	refused_from 127.0.0.2 127.0.0.1 "$BPORT"
	[ "$(sc_wait_rc L)" = 75 ]
	[ $((SECONDS - t0)) -le 5 ]
}

@test "acl: deny wins over allow, whatever the order" {
	bg_port E /dev/null "$SOCKCAT" echo -v -b 127.0.0.1 -p 0 \
	    --deny 127.0.0.2 --allow 127.0.0.0/8
	refused_from 127.0.0.2 127.0.0.1 "$BPORT"
	run -0 --separate-stderr timeout 10 bash -c 'echo hi | "$1" connect \
	    -s 127.0.0.3 127.0.0.1 "$2"' _ "$SOCKCAT" "$BPORT"
	[ "$output" = hi ]
	sc_teardown
	sc_setup
	bg_port E /dev/null "$SOCKCAT" echo -v -b 127.0.0.1 -p 0 \
	    --allow 127.0.0.0/8 --deny 127.0.0.2
	refused_from 127.0.0.2 127.0.0.1 "$BPORT"
}

@test "acl: echo -c counts only allowed connections; IPv6 rules on a dual-stack listener" {
	bg_port E /dev/null "$SOCKCAT" echo -v -p 0 -c 1 --deny ::1
	run -1 timeout 10 "$SOCKCAT" connect ::1 "$BPORT" </dev/null
	run -1 timeout 10 "$SOCKCAT" connect ::1 "$BPORT" </dev/null
	sc_wait_file "$SC_TMP/E.err" 'refused \[::1\]'
	# Two refused: the server is still there for its one allowed client.
	kill -0 "$(sc_cmd_pid "$SC_LAST_PID")"
	run -0 --separate-stderr timeout 10 bash -c 'echo hi | "$1" connect \
	    127.0.0.1 "$2"' _ "$SOCKCAT" "$BPORT"
	[ "$output" = hi ]
	[ "$(sc_wait_rc E)" = 0 ]
}

@test "acl: echo -u drops refused datagrams, answers the allowed" {
	bg_port E /dev/null "$SOCKCAT" echo -u -v -b 127.0.0.1 -p 0 \
	    --allow 127.0.0.1
	run -75 --separate-stderr timeout 10 "$SOCKCAT" udp-send -r -w 500ms \
	    -s 127.0.0.2 127.0.0.1 "$BPORT" dropped
	[ -z "$output" ]
	run -0 timeout 10 "$SOCKCAT" udp-send -r -w 2 -s 127.0.0.1 \
	    127.0.0.1 "$BPORT" answered
	[ "$output" = answered ]
}

@test "acl: forward --deny: the refused client is reset and the target never called" {
	bg_port T /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	local tport=$BPORT
	bg_port F /dev/null "$SOCKCAT" forward -v -p 0 --deny 127.0.0.2 \
	    127.0.0.1 "$tport"
	refused_from 127.0.0.2 127.0.0.1 "$BPORT"
	sc_wait_file "$SC_TMP/F.err" 'refused 127.0.0.2'
	! grep -q 'connection from' "$SC_TMP/T.err"
	run -0 timeout 10 bash -c 'echo via | "$1" connect -s 127.0.0.1 \
	    127.0.0.1 "$2"' _ "$SOCKCAT" "$BPORT"
	[ "$(sc_wait_rc T)" = 0 ]
	[ "$(cat "$SC_TMP/T.out")" = via ]
}

@test "acl: forward -u drops datagrams of refused clients" {
	bg_port E /dev/null "$SOCKCAT" echo -u -v -b 127.0.0.1 -p 0
	local eport=$BPORT
	bg_port F /dev/null "$SOCKCAT" forward -u -v -b 127.0.0.1 -p 0 \
	    --deny 127.0.0.2 127.0.0.1 "$eport"
	run -75 timeout 10 "$SOCKCAT" udp-send -r -w 500ms -s 127.0.0.2 \
	    127.0.0.1 "$BPORT" dropped
	run -0 timeout 10 "$SOCKCAT" udp-send -r -w 2 127.0.0.1 "$BPORT" \
	    forwarded
	[ "$output" = forwarded ]
	! grep -q '127.0.0.2' "$SC_TMP/E.err"
}

@test "acl: proxy --allow: a refused client is reset before any handshake" {
	bg_port E /dev/null "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
	local eport=$BPORT
	bg_port P /dev/null "$SOCKCAT" proxy -v -p 0 --allow 127.0.0.1
	# A reset instead of an answer: no reply in the protocol, 76.
	run -76 --separate-stderr timeout 10 "$SOCKCAT" connect -s 127.0.0.2 \
	    --proxy "socks5h://127.0.0.1:$BPORT" 127.0.0.1 "$eport" </dev/null
	[[ $stderr == "sockcat: connect: proxy 127.0.0.1:$BPORT: "* ]]
	[[ $stderr == *"reset by peer"* || $stderr == *"Broken pipe"* ||
	    $stderr == *"closed the connection"* ]]
	sc_wait_file "$SC_TMP/P.err" 'refused 127.0.0.2'
	run -0 timeout 10 bash -c 'echo hi | "$1" connect --proxy \
	    "socks5h://127.0.0.1:$2" 127.0.0.1 "$3"' _ "$SOCKCAT" "$BPORT" \
	    "$eport"
	[ "$output" = hi ]
	# [::1] is not in the --allow list either.
	run timeout 10 curl -sS --socks5-hostname "[::1]:$BPORT" \
	    "http://127.0.0.1:$eport/"
	[ "$status" -ne 0 ]
	sc_wait_file "$SC_TMP/P.err" 'refused \[::1\]'
}

@test "acl: udp-recv drops refused datagrams; -c counts only the allowed" {
	bg_port R /dev/null "$SOCKCAT" udp-recv -v -b 127.0.0.1 -p 0 -c 2 \
	    --deny 127.0.0.2
	run -0 "$SOCKCAT" udp-send -s 127.0.0.2 127.0.0.1 "$BPORT" dropped-1
	run -0 "$SOCKCAT" udp-send -s 127.0.0.1 127.0.0.1 "$BPORT" kept-1
	run -0 "$SOCKCAT" udp-send -s 127.0.0.2 127.0.0.1 "$BPORT" dropped-2
	sc_wait_file "$SC_TMP/R.err" 'refused 127.0.0.2' 50
	kill -0 "$(sc_cmd_pid "$SC_LAST_PID")"
	run -0 "$SOCKCAT" udp-send -s 127.0.0.1 127.0.0.1 "$BPORT" kept-2
	[ "$(sc_wait_rc R)" = 0 ]
	[ "$(cat "$SC_TMP/R.out")" = kept-1kept-2 ]
}

@test "acl: udp-recv -w: refused datagrams do not keep it waiting past -w" {
	local i t0=$SECONDS
	bg_port R /dev/null "$SOCKCAT" udp-recv -v -b 127.0.0.1 -p 0 -w 1 \
	    --allow 127.0.0.1
	# A refused sender every 200 ms for 3 s: -w still fires at 1 s.
	for ((i = 0; i < 15; i++)); do
		[ -s "$SC_TMP/R.rc" ] && break
		"$SOCKCAT" udp-send -s 127.0.0.2 127.0.0.1 "$BPORT" x || true
		sleep 0.2
	done
	[ "$(sc_wait_rc R)" = 75 ]
	[ $((SECONDS - t0)) -le 3 ]
	[ ! -s "$SC_TMP/R.out" ]
}

@test "acl: Unix peers are not filtered" {
	sc_bg E /dev/null "$SOCKCAT" echo -v -U "$SC_SOCKDIR/e.sock" \
	    --allow 10.0.0.0/8
	sc_wait_file "$SC_TMP/E.err" 'listening on'
	run -0 timeout 10 bash -c 'echo hi | "$1" connect -U "$2"' _ \
	    "$SOCKCAT" "$SC_SOCKDIR/e.sock"
	[ "$output" = hi ]
}

@test "acl: bad CIDRs are usage errors (64) on every listener" {
	local cmd cidr
	for cmd in listen echo forward proxy udp-recv; do
		for cidr in 10.0.0.0/33 ::1/129 abc "" 10.0.0.0/ localhost \
		    1.2.3.4/8x; do
			run -64 --separate-stderr "$SOCKCAT" "$cmd" -p 0 \
			    --allow "$cidr" 127.0.0.1 9
			[[ $stderr == "sockcat: $cmd: --allow '$cidr': "* ]] || {
				echo "$cmd --allow '$cidr': $stderr"
				return 1
			}
			run -64 --separate-stderr "$SOCKCAT" "$cmd" -p 0 \
			    --deny "$cidr"
			[[ $stderr == "sockcat: $cmd: --deny '$cidr': "* ]]
		done
	done
	run -64 --separate-stderr "$SOCKCAT" listen -p 0 --allow 10.0.0.0/33
	[ "$stderr" = "sockcat: listen: --allow '10.0.0.0/33': prefix length out of range (0-32); see 'sockcat listen --help'" ]
	run -64 --separate-stderr "$SOCKCAT" echo -p 0 --deny ::1/129
	[ "$stderr" = "sockcat: echo: --deny '::1/129': prefix length out of range (0-128); see 'sockcat echo --help'" ]
	# Clients have no such option.
	run -64 "$SOCKCAT" connect --allow 127.0.0.1 127.0.0.1 9
}
