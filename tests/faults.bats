#!/usr/bin/env bats
# tests/faults.bats (issue 7): what happens when things go wrong in the
# middle: a peer that resets, a stdout reader that leaves, a full disk, a
# stdin that cannot be read, a process stopped and continued, a slow link,
# and an echo server under abusive clients.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/fault

# shellcheck disable=SC2034 # read by bats
BATS_TEST_TIMEOUT=60

setup() { sc_setup; }
teardown() { sc_fault_teardown; }

# listener NAME STDIN [OPTIONS...]: sockcat listen -v on 127.0.0.1 port 0
# in the background; its port in $port.
listener() {
	local name=$1 in=$2
	shift 2
	sc_bg "$name" "$in" "$SOCKCAT" listen -v -b 127.0.0.1 -p 0 "$@"
	port=$(sc_port "$name")
}

# ------------------------------------------------------- peer resets

@test "faults: peer resets while connect sends 100 MiB" {
	truncate -s 100M "$SC_TMP/in"
	peer srv rst-server --read 1M
	run -1 --separate-stderr timeout 30 "$SOCKCAT" connect 127.0.0.1 \
	    "$port" <"$SC_TMP/in"
	sc_check_msg connect "*@(reset|Broken pipe)*"
}

@test "faults: peer resets while connect receives 100 MiB" {
	peer srv rst-server --send 50M
	run -1 --separate-stderr timeout 30 "$SOCKCAT" connect 127.0.0.1 \
	    "$port" </dev/null >"$SC_TMP/out"
	sc_check_msg connect "*reset*"
	[ "$(sc_size "$SC_TMP/out")" -le $((50 << 20)) ]
}

@test "faults: peer resets while listen sends 100 MiB" {
	truncate -s 100M "$SC_TMP/in"
	listener srv "$SC_TMP/in"
	run -0 timeout 30 python3 "$SC_PEER" rst-client 127.0.0.1 "$port" \
	    --read 1M
	sc_expect_rc srv 1 150
	sc_check_msg_file srv listen "*@(reset|Broken pipe)*"
}

@test "faults: peer resets while listen receives 100 MiB" {
	listener srv /dev/null
	run -0 timeout 30 python3 "$SC_PEER" rst-client 127.0.0.1 "$port" \
	    --send 50M
	sc_expect_rc srv 1 150
	sc_check_msg_file srv listen "*reset*"
}

# ------------------------------------------------------- stdout

# head_test STDIN_REDIRECT: 'sockcat connect | head -c 10' against a server
# that never stops sending.
head_test() {
	peer srv stream-server
	local t0 t1
	t0=$(sc_ms)
	run -0 timeout 20 bash -c '
		timeout 15 "$0" connect 127.0.0.1 "$1" '"$1"' 2>"$2/cli.err" |
		    head -c 10 >"$2/head.out"
		echo "${PIPESTATUS[0]}"' "$SOCKCAT" "$port" "$SC_TMP"
	t1=$(sc_ms)
	# Not 0 (data was lost), not 124 (timeout had to kill it).
	[ "$output" -ne 0 ]
	[ "$output" -ne 124 ]
	[ $((t1 - t0)) -lt 5000 ]
	[ "$(sc_size "$SC_TMP/head.out")" -eq 10 ]
	# At most one line on stderr, in the usual shape.
	[ "$(wc -l <"$SC_TMP/cli.err")" -le 1 ]
	[ ! -s "$SC_TMP/cli.err" ] || grep -q '^sockcat: connect: ' "$SC_TMP/cli.err"
}

@test "faults: the stdout reader goes away (stdin at EOF)" {
	head_test '</dev/null'
}

@test "faults: the stdout reader goes away (stdin an idle open pipe)" {
	# The FIFO opened read-write never gives EOF and never gives data:
	# only the lost reader can end this session.
	mkfifo "$SC_TMP/idle"
	head_test "0<>$SC_TMP/idle"
}

@test "faults: stdout is /dev/full" {
	peer srv stream-server
	run -1 --separate-stderr timeout 20 bash -c \
	    'exec "$0" connect 127.0.0.1 "$1" </dev/null >/dev/full' \
	    "$SOCKCAT" "$port"
	sc_check_msg connect "*No space left on device*"
}

# ------------------------------------------------------- stdin

@test "faults: stdin is a directory" {
	peer srv sink-server
	run --separate-stderr timeout 20 "$SOCKCAT" connect 127.0.0.1 "$port" \
	    <"$SC_TMP"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	sc_check_msg connect "*Is a directory*"
}

@test "faults: stdin open for writing only" {
	peer srv sink-server
	run --separate-stderr timeout 20 "$SOCKCAT" connect 127.0.0.1 "$port" \
	    0>"$SC_TMP/wo"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	sc_check_msg connect "*Bad file descriptor*"
}

# ------------------------------------------------------- SIGSTOP/SIGCONT

# stop_test receiver|sender: 50 MiB from connect to listen; once 8 MiB have
# arrived, one side is stopped.  While it is stopped the rest is offered
# (the feeder waits for $SC_TMP/go), and we wait for the consequence:
# data piling up in the stopped receiver's socket, or the receiver having
# drained everything the stopped sender had sent.  Then SIGCONT, and every
# byte must arrive.
stop_test() {
	local victim_name=$1 victim srv_pid cli_pid i q
	head -c $((50 << 20)) /dev/urandom >"$SC_TMP/in"
	mkfifo "$SC_TMP/feed" "$SC_TMP/idle"
	# The listener's stdin is an idle open FIFO, not /dev/null: an EOF
	# from it would reach connect before its own stdin (a FIFO fed by
	# another process) has a byte ready, and SPEC's relay rule would then
	# rightly end the session with nothing sent.
	sc_bg srv /dev/null bash -c 'exec "$@" 0<>"$0"' "$SC_TMP/idle" \
	    "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	port=$(sc_port srv)
	srv_pid=$SC_LAST_PID
	sc_bg feed /dev/null bash -c '
		exec >"$1/feed"
		head -c $((8 << 20)) "$1/in"
		for ((i = 0; i < 200; i++)); do
			[ -e "$1/go" ] && break
			sleep 0.05
		done
		tail -c +$(((8 << 20) + 1)) "$1/in"' sh "$SC_TMP"
	sc_bg cli "$SC_TMP/feed" "$SOCKCAT" connect 127.0.0.1 "$port"
	cli_pid=$SC_LAST_PID
	sc_wait_size "$SC_TMP/srv.out" $((8 << 20))
	if [ "$victim_name" = receiver ]; then
		victim=$(sc_child_pid "$srv_pid")
	else
		victim=$(sc_child_pid "$cli_pid")
	fi
	kill -STOP "$victim"
	sc_wait_stopped "$victim"
	touch "$SC_TMP/go"
	for ((i = 0; i < 100; i++)); do
		# Recv-Q of the listener's end, Send-Q of the client's end.
		# (Any state but LISTEN: a side may have half-closed already.)
		if [ "$victim_name" = receiver ]; then
			q=$(ss -Htn "( sport = :$port )" |
			    awk '$1 != "LISTEN" { s += $2 } END { print s + 0 }')
			[ "$q" -ge 65536 ] && break
		else
			q=$(ss -Htn "( sport = :$port or dport = :$port )" |
			    awk '$1 != "LISTEN" { s += $2 + $3 } END { print s + 0 }')
			[ "$q" -eq 0 ] && break
		fi
		sleep 0.1
	done
	[ "$i" -lt 100 ] || { echo "queues: $q" >&2; ss -tn >&2; false; }
	# Still stopped: nothing ended while we waited.
	sc_wait_stopped "$victim" 1
	kill -CONT "$victim"
	sc_expect_rc cli 0
	sc_expect_rc srv 0
	cmp "$SC_TMP/in" "$SC_TMP/srv.out"
}

@test "faults: SIGSTOP/SIGCONT of the receiver loses no byte of 50 MiB" {
	stop_test receiver
}

@test "faults: SIGSTOP/SIGCONT of the sender loses no byte of 50 MiB" {
	stop_test sender
}

# ------------------------------------------------------- slow link

# Two network namespaces joined by a veth pair.  The addresses are
# link-local (169.254.123.0/30) and exist only inside these namespaces,
# which this test creates and deletes: nothing leaves the host.
netns_pair() {
	local a="sc-$$-$BATS_TEST_NUMBER-a" b="sc-$$-$BATS_TEST_NUMBER-b"
	ip netns add "$a"
	SC_NETNS+=("$a")
	ip netns add "$b"
	SC_NETNS+=("$b")
	ip -n "$a" link add veth0 type veth peer name veth1 netns "$b"
	ip -n "$a" addr add 169.254.123.1/30 dev veth0
	ip -n "$b" addr add 169.254.123.2/30 dev veth1
	ip -n "$a" link set lo up
	ip -n "$b" link set lo up
	ip -n "$a" link set veth0 up
	ip -n "$b" link set veth1 up
	NS_A=$a NS_B=$b
}

@test "faults: 20 MiB intact through a 20 Mbit/s link to a slow consumer" {
	sc_need_root "network namespaces and tc"
	command -v ip >/dev/null || skip "ip (iproute2) missing"
	command -v tc >/dev/null || skip "tc (iproute2) missing"
	netns_pair
	# A -> B at 20 Mbit/s: about 8.4 s for 20 MiB.
	ip netns exec "$NS_A" tc qdisc add dev veth0 root tbf rate 20mbit \
	    burst 32kbit latency 400ms
	head -c $((20 << 20)) /dev/urandom >"$SC_TMP/in"
	# The consumer behind the listener takes at most 2 MiB/s, in bursts:
	# the listener's stdout and then the TCP window keep filling up.
	sc_bg srv /dev/null ip netns exec "$NS_B" python3 \
	    "$SC_HELPERS/fault-slow-reader.py" "$SC_TMP/out" 2097152 -- \
	    "$SOCKCAT" listen -v -b 169.254.123.2 -p 0
	port=$(sc_port srv)
	sc_bg cli "$SC_TMP/in" ip netns exec "$NS_A" "$SOCKCAT" connect \
	    169.254.123.2 "$port"
	sc_expect_rc cli 0 450
	sc_expect_rc srv 0 100
	cmp "$SC_TMP/in" "$SC_TMP/out"
}

# ------------------------------------------------------- echo under abuse

fd_count() {
	ls "/proc/$1/fd" | wc -l
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

@test "faults: echo serves 2,000 clients of which 20% reset; no fd or memory leak" {
	local pid fd0 rss1 rss2 i
	sc_bg srv /dev/null "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
	port=$(sc_port srv)
	pid=$(sc_child_pid)
	fd0=$(fd_count "$pid")
	# 2,000 clients, 100 at a time, 20% of them reset at a random point;
	# every other one must get its bytes back.
	run -0 timeout 30 python3 "$SC_HELPERS/fault-echo-load.py" \
	    127.0.0.1 "$port" --conns 2000 --concurrency 100 --reset 0.2 \
	    --deadline 20
	echo "$output"
	# Every descriptor comes back once the clients are gone.
	for ((i = 0; i < 50; i++)); do
		[ "$(fd_count "$pid")" -le "$fd0" ] && break
		sleep 0.1
	done
	[ "$(fd_count "$pid")" -le "$fd0" ] || {
		echo "fds: $fd0 before, $(fd_count "$pid") after" >&2
		ls -l "/proc/$pid/fd" >&2
		false
	}
	# Memory: RSS after that first load is the reference (buffers for
	# 100 concurrent clients may stay in the allocator); 20,000 more short
	# connections, a fifth of them resetting, must not grow it by more
	# than 4 MiB.  (Not 100,000: on loopback the clients' TIME_WAIT
	# entries would crowd the ephemeral ports, and that would not fit in
	# the time budget twice in parallel.)
	rss1=$(rss_kib "$pid")
	run -0 timeout 40 python3 "$SC_HELPERS/fault-echo-load.py" \
	    127.0.0.1 "$port" --conns 20000 --concurrency 100 --reset 0.2 \
	    --deadline 30
	echo "$output"
	for ((i = 0; i < 50; i++)); do
		[ "$(fd_count "$pid")" -le "$fd0" ] && break
		sleep 0.1
	done
	[ "$(fd_count "$pid")" -le "$fd0" ]
	rss2=$(rss_kib "$pid")
	echo "RSS: ${rss1} KiB -> ${rss2} KiB" >&2
	[ $((rss2 - rss1)) -lt 4096 ]
	# Still serving.
	run -0 timeout 10 python3 "$SC_HELPERS/fault-echo-load.py" \
	    127.0.0.1 "$port" --conns 10 --reset 0
	[ ! -e "$SC_TMP/srv.rc" ]
}
