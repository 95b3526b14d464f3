#!/usr/bin/env bats
# tests/dial.bats: the connect path that connect, udp-send and wait share
# (src/dial.c, src/resolve.c): Happy Eyeballs over a name with an IPv6
# and an IPv4 address, the most telling error, -w over the whole, and
# name resolution that does not hold the loop up.
#
# Names and addresses are the test's own: each case runs in a private
# network and mount namespace (helpers/netns.bash) whose /etc/hosts maps
# he.test to ::1 and 127.0.0.1, and whose nft rules drop what should hang.
# The machine's resolver plays no part.

load helpers/common
load helpers/netns
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=90

HOSTS='::1 he.test
127.0.0.1 he.test'

setup() {
	sc_setup
	sc_netns_require
	command -v nft >/dev/null || fail_nft=1
}
teardown() { sc_teardown; }

need_nft() {
	[ -z "${fail_nft:-}" ] || {
		echo "nft is not installed (Debian package 'nftables')" >&2
		return 1
	}
}

# In the namespace: drop TCP to [::1]:$1, so a connect there hangs.
DROP_V6='drop_v6() {
	nft add table inet sc
	nft add chain inet sc in "{ type filter hook input priority 0; }"
	nft add rule inet sc in ip6 daddr ::1 tcp dport "$1" drop
}
'

@test "dial: the name's first address is IPv6 here (the cases below rely on it)" {
	run -0 sc_netns "$HOSTS" 'getent ahosts he.test | head -n 1'
	[[ $output == "::1 "* ]]
}

@test "dial: IPv6 hangs, IPv4 answers: IPv4 wins after 250 ms, not after -w" {
	need_nft
	run -0 sc_netns "$HOSTS" "$DROP_V6"'
		ns_bg L "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
		P=$(ns_port L)
		drop_v6 "$P"
		t0=$(date +%s%N)
		rc=0
		"$SOCKCAT" connect -v -w 5 he.test "$P" </dev/null \
		    2>"$SC_TMP/c.err" || rc=$?
		echo "rc=$rc ms=$((($(date +%s%N) - t0) / 1000000)) port=$P"
		grep -v "^sockcat: closed " "$SC_TMP/c.err"'
	echo "$output"
	local port ms
	[[ ${lines[0]} =~ ^rc=0\ ms=([0-9]+)\ port=([0-9]+)$ ]]
	ms=${BASH_REMATCH[1]}
	port=${BASH_REMATCH[2]}
	# 250 ms of waiting for IPv6, then IPv4: far from the 5 s of -w.
	[ "$ms" -ge 250 ]
	[ "$ms" -lt 2000 ]
	[ "${lines[1]}" = "sockcat: connecting to [::1]:$port (address 1 of 2)" ]
	[ "${lines[2]}" = "sockcat: connecting to 127.0.0.1:$port (address 2 of 2)" ]
	[ "${lines[3]}" = "sockcat: [::1]:$port: closed, 127.0.0.1:$port connected first" ]
	[ "${lines[4]}" = "sockcat: connected to 127.0.0.1:$port" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "dial: IPv6 refused: IPv4 starts at once, not 250 ms later" {
	# -w 200ms would cut the IPv4 attempt short had it waited its turn.
	run -0 sc_netns "$HOSTS" '
		ns_bg L "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
		P=$(ns_port L)
		rc=0
		"$SOCKCAT" connect -v -w 200ms he.test "$P" </dev/null \
		    2>"$SC_TMP/c.err" || rc=$?
		echo "rc=$rc port=$P"
		cat "$SC_TMP/c.err"'
	echo "$output"
	[[ ${lines[0]} =~ ^rc=0\ port=([0-9]+)$ ]]
	local port=${BASH_REMATCH[1]}
	[ "${lines[2]}" = "sockcat: [::1]:$port: Connection refused" ]
	[ "${lines[4]}" = "sockcat: connected to 127.0.0.1:$port" ]
}

@test "dial: IPv6 hangs, IPv4 refused: the refusal is reported (69), after -w" {
	need_nft
	run -0 sc_netns "$HOSTS" "$DROP_V6"'
		P=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
		drop_v6 "$P"
		t0=$(date +%s%N)
		rc=0
		"$SOCKCAT" connect -w 1 he.test "$P" </dev/null \
		    2>"$SC_TMP/c.err" || rc=$?
		echo "rc=$rc ms=$((($(date +%s%N) - t0) / 1000000)) port=$P"
		cat "$SC_TMP/c.err"'
	echo "$output"
	[[ ${lines[0]} =~ ^rc=69\ ms=([0-9]+)\ port=([0-9]+)$ ]]
	local ms=${BASH_REMATCH[1]} port=${BASH_REMATCH[2]}
	[ "${lines[1]}" = "sockcat: connect: 127.0.0.1:$port: Connection refused" ]
	# The IPv6 attempt was given its chance, up to -w.
	[ "$ms" -ge 900 ]
	[ "$ms" -lt 5000 ]
}

@test "dial: both hang: -w bounds the whole, 75 naming the first address" {
	need_nft
	run -0 sc_netns "$HOSTS" "$DROP_V6"'
		P=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
		drop_v6 "$P"
		nft add rule inet sc in ip daddr 127.0.0.1 tcp dport "$P" drop
		t0=$(date +%s%N)
		rc=0
		"$SOCKCAT" connect -vv -w 600ms he.test "$P" </dev/null \
		    2>"$SC_TMP/c.err" || rc=$?
		echo "rc=$rc ms=$((($(date +%s%N) - t0) / 1000000)) port=$P"
		cat "$SC_TMP/c.err"'
	echo "$output"
	[[ ${lines[0]} =~ ^rc=75\ ms=([0-9]+)\ port=([0-9]+)$ ]]
	local ms=${BASH_REMATCH[1]} port=${BASH_REMATCH[2]}
	[ "$ms" -ge 550 ]
	[ "$ms" -lt 3000 ]
	# Both were tried, both timed out at the one deadline.
	[ "${lines[1]}" = "sockcat: connecting to [::1]:$port (address 1 of 2)" ]
	[ "${lines[2]}" = "sockcat: connecting to 127.0.0.1:$port (address 2 of 2)" ]
	[ "${lines[3]}" = "sockcat: [::1]:$port: connect timeout: no answer within 0.600s" ]
	[ "${lines[4]}" = "sockcat: 127.0.0.1:$port: connect timeout: no answer within 0.600s" ]
	[ "${lines[5]}" = "sockcat: connect: [::1]:$port: connect timeout: no answer within 0.600s" ]
}

@test "dial: -4 and -6 keep to one family of the name" {
	run -0 sc_netns "$HOSTS" '
		ns_bg L "$SOCKCAT" listen -k -v -p 0
		P=$(ns_port L)
		"$SOCKCAT" connect -v -4 he.test "$P" </dev/null 2>&1 |
		    grep -v "^sockcat: closed "
		"$SOCKCAT" connect -v -6 he.test "$P" </dev/null 2>&1 |
		    grep -v "^sockcat: closed "
		echo "port=$P"'
	echo "$output"
	local port=${lines[2]#port=}
	[ "${lines[0]}" = "sockcat: connected to 127.0.0.1:$port" ]
	[ "${lines[1]}" = "sockcat: connected to [::1]:$port" ]
}

@test "dial: -s picks the addresses of its family; none left is 71" {
	run -0 sc_netns "$HOSTS" '
		ns_bg L "$SOCKCAT" listen -k -v -p 0
		P=$(ns_port L)
		"$SOCKCAT" connect -v -s 127.0.0.1 he.test "$P" </dev/null 2>&1 |
		    grep -v "^sockcat: closed "
		rc=0
		"$SOCKCAT" connect -s ::1 127.0.0.1 "$P" </dev/null 2>&1 || rc=$?
		echo "rc=$rc port=$P"'
	echo "$output"
	[[ ${lines[2]} =~ ^rc=71\ port=([0-9]+)$ ]]
	local port=${BASH_REMATCH[1]}
	[ "${lines[0]}" = "sockcat: connected to 127.0.0.1:$port" ]
	[ "${lines[1]}" = "sockcat: connect: 127.0.0.1:$port: no address of the family of --source ::1" ]
}

@test "dial: udp-send sends to the name's first address only" {
	run -0 sc_netns "$HOSTS" '
		ns_bg R6 "$SOCKCAT" udp-recv -v -c 1 -b ::1 -p 0
		P=$(ns_port R6)
		ns_bg R4 "$SOCKCAT" udp-recv -v -c 1 -b 127.0.0.1 -p "$P"
		ns_port R4 >/dev/null
		"$SOCKCAT" udp-send he.test "$P" hello
		for ((i = 0; i < 100; i++)); do
			[ -s "$SC_TMP/R6.out" ] && break
			sleep 0.1
		done
		echo "v6=$(cat "$SC_TMP/R6.out") v4=$(cat "$SC_TMP/R4.out")"'
	[ "$output" = "v6=hello v4=" ]
}
