#!/usr/bin/env bats
# tests/scan.bats: sockcat scan.  Most cases run in a private network
# namespace (helpers/netns.bash), where nothing listens but the test's own
# servers, so the whole port range has a known answer.

load helpers/common
load helpers/netns
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=90

setup() { sc_setup; }
teardown() { sc_teardown; }

# usage_error NEEDLE ARGS...: 'sockcat scan ARGS' is 64 with one line
# naming NEEDLE, nothing on stdout.
usage_error() {
	local needle=$1
	shift
	run -64 --separate-stderr timeout 10 "$SOCKCAT" scan "$@" </dev/null
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; return 1; }
	[[ $stderr == "sockcat: scan: "*"$needle"*"; see 'sockcat scan --help'" ]] || {
		echo "bad message: $stderr"
		return 1
	}
}

# In the namespace: $1 echo servers on 127.0.0.1; their ports, ascending,
# in $PORTS.
SERVERS='servers() {
	local i
	PORTS=()
	for ((i = 0; i < $1; i++)); do
		ns_bg "E$i" "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
		PORTS+=("$(ns_port "E$i")")
	done
	PORTS=($(printf "%s\n" "${PORTS[@]}" | sort -n))
}
'

@test "scan: all 65,535 ports: the open ones, ascending, well under a second" {
	sc_netns_require
	run -0 sc_netns "" "$SERVERS"'
		servers 3
		t0=$(date +%s%N)
		"$SOCKCAT" scan 127.0.0.1 1-65535 >"$SC_TMP/out"
		echo "ms=$((($(date +%s%N) - t0) / 1000000))"
		echo "want=${PORTS[*]}"
		cat "$SC_TMP/out"'
	echo "$output"
	local ms=${lines[0]#ms=} want=(${lines[1]#want=}) i
	[ "${#lines[@]}" -eq 5 ]
	for i in 0 1 2; do
		[ "${lines[i + 2]}" = "${want[i]}/tcp open $(svc "${want[i]}")" ]
	done
	# The spec says well under a second; 2 s is the bound a loaded or
	# sanitized build must still meet.
	[ "$ms" -lt 2000 ]
}

# svc PORT: the name scan prints for a TCP port.
svc() {
	local name
	name=$(getent services "$1/tcp" | awk '{print $1}')
	echo "${name:-unknown}"
}

@test "scan: nothing listening: all closed, never a connection to ourselves taken for open" {
	# Connecting from ephemeral port P to 127.0.0.1:P meets itself (a
	# simultaneous open): nc -z reports such ports open.  A few of
	# 65,535 do it in each full scan.
	sc_netns_require
	run -0 sc_netns "" '
		for i in 1 2 3; do
			rc=0
			"$SOCKCAT" scan -v 127.0.0.1 1-65535 >"$SC_TMP/out" \
			    2>"$SC_TMP/err" || rc=$?
			echo "rc=$rc lines=$(wc -l <"$SC_TMP/out") closed=$(grep -c " closed " "$SC_TMP/out")"
			sed -n "2s/ in [0-9]*ms$//p" "$SC_TMP/err"
		done'
	echo "$output"
	local i
	for i in 0 2 4; do
		[ "${lines[i]}" = "rc=69 lines=65535 closed=65535" ]
		[ "${lines[i + 1]}" = "sockcat: 0 open, 65535 closed, 0 filtered" ]
	done
}

@test "scan: -v adds closed ports; service names; several operands, duplicates once" {
	sc_netns_require
	run -0 sc_netns "" "$SERVERS"'
		servers 1
		P=${PORTS[0]}
		"$SOCKCAT" scan -v 127.0.0.1 tcpmux-echo "$P" "$P,$P-$P" 2>"$SC_TMP/err"
		echo "port=$P"
		cat "$SC_TMP/err"'
	echo "$output"
	local port=${lines[8]#port=} p
	for p in 1 2 3 4 5 6 7; do
		[ "${lines[p - 1]}" = "$p/tcp closed $(svc "$p")" ]
	done
	[ "${lines[1 - 1]}" = "1/tcp closed tcpmux" ]
	[ "${lines[7 - 1]}" = "7/tcp closed echo" ]
	[ "${lines[7]}" = "$port/tcp open $(svc "$port")" ]
	[ "${lines[9]}" = "sockcat: scanning 8 TCP ports of 127.0.0.1" ]
	[[ ${lines[10]} == "sockcat: 1 open, 7 closed, 0 filtered in "*ms ]]
	[ "${#lines[@]}" -eq 11 ]
}

@test "scan: all closed is 69, nothing on stdout" {
	sc_netns_require
	run -0 sc_netns "" '
		rc=0
		"$SOCKCAT" scan 127.0.0.1 1-1024 >"$SC_TMP/out" 2>&1 || rc=$?
		echo "rc=$rc"
		cat "$SC_TMP/out"'
	[ "$output" = "rc=69" ]
}

@test "scan: no answer within -w is filtered; none open and one timed out is 75" {
	sc_netns_require
	command -v nft >/dev/null || { echo "nft is not installed (nftables)"; return 1; }
	run -0 sc_netns "" '
		nft add table inet sc
		nft add chain inet sc in "{ type filter hook input priority 0; }"
		nft add rule inet sc in tcp dport 5000 drop
		t0=$(date +%s%N)
		rc=0
		"$SOCKCAT" scan -v -w 300ms 127.0.0.1 4999-5001 >"$SC_TMP/out" \
		    2>/dev/null || rc=$?
		echo "rc=$rc ms=$((($(date +%s%N) - t0) / 1000000))"
		cat "$SC_TMP/out"'
	echo "$output"
	[[ ${lines[0]} =~ ^rc=75\ ms=([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" -ge 290 ]
	[ "${BASH_REMATCH[1]}" -lt 3000 ]
	[ "${lines[1]}" = "4999/tcp closed $(svc 4999)" ]
	[ "${lines[2]}" = "5000/tcp filtered $(svc 5000)" ]
	[ "${lines[3]}" = "5001/tcp closed $(svc 5001)" ]
}

@test "scan: a filtered port beside an open one is still 0" {
	local bport port
	sc_bg B /dev/null python3 "$SC_PEER" blackhole
	bport=$(sc_port B)
	sc_bg E /dev/null "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
	port=$(sc_port E)
	run -0 --separate-stderr timeout 20 "$SOCKCAT" scan -w 200ms 127.0.0.1 \
	    "$bport" "$port"
	[ "$output" = "$port/tcp open $(svc "$port")" ]
}

@test "scan: --banner appends the first line, printable characters only" {
	local port quiet
	printf 'SSH-2.0-Test\001 ok\r\nsecond line\n' >"$SC_TMP/banner"
	sc_bg L "$SC_TMP/banner" "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	port=$(sc_port L)
	# An open port that says nothing: no banner, after -w.
	sc_bg Q /dev/null "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
	quiet=$(sc_port Q)
	run -0 --separate-stderr timeout 20 "$SOCKCAT" scan --banner -w 500ms \
	    127.0.0.1 "$port,$quiet"
	[ "${lines[*]}" = "$(printf '%s\n' "$port/tcp open $(svc "$port") SSH-2.0-Test ok" \
	    "$quiet/tcp open $(svc "$quiet")" | sort -n | paste -sd ' ')" ]
}

@test "scan: -u: an answer is open, port unreachable closed, silence open|filtered" {
	local echo_port silent closed
	sc_bg E /dev/null "$SOCKCAT" echo -u -v -b 127.0.0.1 -p 0
	echo_port=$(sc_port E)
	sc_bg R /dev/null "$SOCKCAT" udp-recv -v -b 127.0.0.1 -p 0
	silent=$(sc_port R)
	closed=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	run -0 --separate-stderr timeout 20 "$SOCKCAT" scan -u -v -w 400ms \
	    127.0.0.1 "$echo_port" "$silent" "$closed"
	echo "$output"
	local want
	want=$(printf '%s\n' "$echo_port/udp open" "$silent/udp open|filtered" \
	    "$closed/udp closed" | sort -n)
	[ "$(printf '%s\n' "${lines[@]}" | cut -d' ' -f1,2)" = "$want" ]
	# All closed: 69.
	run -69 --separate-stderr timeout 20 "$SOCKCAT" scan -u 127.0.0.1 "$closed"
	[ -z "$output" ]
}

@test "scan: many UDP ports: closed ones are not lost to ICMP rate limits" {
	sc_netns_require
	run -0 sc_netns "" '
		rc=0
		"$SOCKCAT" scan -u -v -w 1 127.0.0.1 1000-1299 >"$SC_TMP/out" \
		    2>/dev/null || rc=$?
		echo "rc=$rc closed=$(grep -c " closed " "$SC_TMP/out")"'
	[ "$output" = "rc=69 closed=300" ]
}

@test "scan: IPv6, and -s" {
	local port
	sc_bg E /dev/null "$SOCKCAT" echo -v -p 0
	port=$(sc_port E)
	run -0 --separate-stderr timeout 20 "$SOCKCAT" scan '[::1]' "$port"
	[ "$output" = "$port/tcp open $(svc "$port")" ]
	run -0 --separate-stderr timeout 20 "$SOCKCAT" scan -s 127.0.0.1 \
	    127.0.0.1 "$port"
	[ "$output" = "$port/tcp open $(svc "$port")" ]
	run -71 --separate-stderr timeout 20 "$SOCKCAT" scan -s ::1 \
	    127.0.0.1 "$port"
	[ "$stderr" = "sockcat: scan: 127.0.0.1: no address of the family of --source ::1" ]
}

@test "scan: -j past the open-file limit is lowered, with a warning" {
	local port
	sc_bg E /dev/null "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
	port=$(sc_port E)
	run -0 --separate-stderr timeout 20 bash -c \
	    'ulimit -n 40 && exec "$0" scan -j 1000 127.0.0.1 1-2000 "$1"' \
	    "$SOCKCAT" "$port"
	[ "$output" = "$port/tcp open $(svc "$port")" ]
	[ "$stderr" = "sockcat: scan: -j 1000: the open-file limit is 40; using -j 24" ]
	# A soft limit below the hard one is raised instead: no warning.
	run -0 --separate-stderr timeout 20 bash -c \
	    'ulimit -Sn 40 && exec "$0" scan -v -j 1000 127.0.0.1 "$1"' \
	    "$SOCKCAT" "$port"
	[[ ${stderr_lines[0]} == "sockcat: open-file limit raised from 40 to "* ]]
}

@test "scan: bad input is 64 with one line, before any socket" {
	usage_error "'10-5': range ends before it starts" 127.0.0.1 10-5
	usage_error "'0': port 0" 127.0.0.1 0
	usage_error "'70000': port out of range" 127.0.0.1 70000
	usage_error "'a-b'" 127.0.0.1 a-b
	usage_error "'': empty port list" 127.0.0.1 ''
	usage_error "empty item" 127.0.0.1 22,,80
	usage_error "empty item" 127.0.0.1 ,
	usage_error "--parallel '0'" -j 0 127.0.0.1 22
	usage_error "--parallel '65536'" -j 65536 127.0.0.1 22
	usage_error "--timeout '-1'" -w -1 127.0.0.1 22
	usage_error "--timeout must be more than 0" -w 0 127.0.0.1 22
	usage_error "PORTS are needed" 127.0.0.1
	usage_error "HOST and PORTS are needed"
	usage_error "empty host" '' 22
	usage_error "-n forbids names" -n localhost 22
	usage_error "'-U'" -U /tmp/x 22
	# A bad item after good ones is still refused as a whole.
	usage_error "'99999'" 127.0.0.1 22 80,99999
}
