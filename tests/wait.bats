#!/usr/bin/env bats
# tests/wait.bats: sockcat wait.  Cases that need names (a slow one, one
# that appears later) or dropped SYNs run in a private network and mount
# namespace (helpers/netns.bash) with a fake DNS server of their own.

load helpers/common
load helpers/netns
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=90

setup() { sc_setup; }
teardown() { sc_teardown; }

usage_error() {
	local needle=$1
	shift
	run -64 --separate-stderr timeout 10 "$SOCKCAT" wait "$@" </dev/null
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; return 1; }
	[[ $stderr == "sockcat: wait: "*"$needle"*"; see 'sockcat wait --help'" ]] || {
		echo "bad message: $stderr"
		return 1
	}
}

# wait_for_attempts NAME N: until NAME's stderr shows attempt N failed.
wait_for_attempts() {
	sc_wait_file "$SC_TMP/$1.err" "(attempt $2;" 100
}

@test "wait: a port that starts listening later: 0, the probe sends nothing" {
	local port
	port=$(sc_free_port)
	sc_bg W /dev/null "$SOCKCAT" wait -v -w 20 127.0.0.1 "$port"
	wait_for_attempts W 2
	sc_bg L /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p "$port"
	[ "$(sc_wait_rc W)" = 0 ]
	[ "$(sc_wait_rc L)" = 0 ]
	# The probe connected and closed: no byte reached the listener.
	[ ! -s "$SC_TMP/L.out" ]
	grep -q "^sockcat: 127.0.0.1:$port is accepting (attempt [0-9]*, after [0-9.]*s)$" \
	    "$SC_TMP/W.err"
	[ -z "$(cat "$SC_TMP/W.out")" ]
}

@test "wait: attempts back off from 50 ms to --interval" {
	local port
	port=$(sc_free_port)
	run -75 --separate-stderr timeout 20 "$SOCKCAT" wait -v -w 1.9 \
	    --interval 400ms 127.0.0.1 "$port"
	echo "$stderr"
	local want i pauses=(0.050s 0.100s 0.200s 0.400s 0.400s)
	for i in 0 1 2 3 4; do
		want="sockcat: 127.0.0.1:$port: Connection refused (attempt $((i + 1)); next in ${pauses[i]})"
		[ "${stderr_lines[i]}" = "$want" ]
	done
	# 0 + .05 + .1 + .2 + .4 + .4 + .4 = 1.55 s: 7 attempts within 1.9 s.
	[ "${#stderr_lines[@]}" -eq 8 ]
	[ "${stderr_lines[7]}" = "sockcat: wait: timeout after 1.900s: 127.0.0.1:$port: Connection refused" ]
}

@test "wait: every target in parallel; at -w, 75 names each still down with its last error" {
	local up down start end
	sc_bg L /dev/null "$SOCKCAT" echo -v -p 0
	up=$(sc_port L)
	down=$(sc_free_port)
	start=$(date +%s%N)
	run -75 --separate-stderr timeout 20 "$SOCKCAT" wait -w 600ms \
	    127.0.0.1 "$up" -U "$SC_SOCKDIR/none" 127.0.0.1 "$down"
	end=$(date +%s%N)
	[ "$stderr" = "sockcat: wait: timeout after 0.600s: $SC_SOCKDIR/none: No such file or directory; 127.0.0.1:$down: Connection refused" ]
	[ -z "$output" ]
	[ $(((end - start) / 1000000)) -ge 590 ]
	[ $(((end - start) / 1000000)) -lt 5000 ]
	# All up: 0, at once.
	run -0 --separate-stderr timeout 20 "$SOCKCAT" wait 127.0.0.1 "$up" \
	    '[::1]' "$up" localhost "$up"
	[ -z "$stderr" ]
}

@test "wait: -- COMMAND replaces sockcat; its status becomes sockcat's" {
	local port
	sc_bg L /dev/null "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
	port=$(sc_port L)
	# The same process (exec, not a child), arguments as given, stdin
	# and stdout passed on, SIGPIPE not ignored any more.
	run -7 --separate-stderr timeout 20 bash -c '
		echo "pid=$$"
		exec "$0" wait 127.0.0.1 "$1" -- sh -c '\''
			echo "pid=$$ args=$*"
			read -r line && echo "stdin=$line"
			awk "/^SigIgn:/ { print \"sigign=\" \$2 }" /proc/self/status
			exit 7'\'' sh "a b" -v' "$SOCKCAT" "$port" <<<"hello"
	echo "$output"
	[ "${lines[0]}" = "${lines[1]%% *}" ]
	[ "${lines[1]#* }" = "args=a b -v" ]
	[ "${lines[2]}" = "stdin=hello" ]
	# SIGPIPE is signal 13: bit 12 of the mask.
	local mask=$((16#${lines[3]#sigign=}))
	[ $((mask & (1 << 12))) -eq 0 ]
}

@test "wait: a COMMAND that is not found is 127 with one line; not executable 126" {
	local port
	sc_bg L /dev/null "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
	port=$(sc_port L)
	run -127 --separate-stderr timeout 20 "$SOCKCAT" wait 127.0.0.1 \
	    "$port" -- sc-no-such-command-xyz arg
	[ "$stderr" = "sockcat: wait: sc-no-such-command-xyz: No such file or directory" ]
	: >"$SC_TMP/not-exec"
	run -126 --separate-stderr timeout 20 "$SOCKCAT" wait 127.0.0.1 \
	    "$port" -- "$SC_TMP/not-exec"
	[ "$stderr" = "sockcat: wait: $SC_TMP/not-exec: Permission denied" ]
	# Not reached: the COMMAND does not run when the wait fails.
	run -75 --separate-stderr timeout 20 "$SOCKCAT" wait -w 200ms \
	    127.0.0.1 "$(sc_free_port)" -- touch "$SC_TMP/ran"
	[ ! -e "$SC_TMP/ran" ]
}

@test "wait: -U PATH: a Unix socket that appears later" {
	local path=$SC_SOCKDIR/app.sock
	sc_bg W /dev/null "$SOCKCAT" wait -v -w 20 -U "$path"
	wait_for_attempts W 2
	grep -q "^sockcat: $path: No such file or directory (attempt 1; next in 0.050s)$" \
	    "$SC_TMP/W.err"
	sc_bg L /dev/null "$SOCKCAT" listen -v -U "$path"
	[ "$(sc_wait_rc W)" = 0 ]
	[ "$(sc_wait_rc L)" = 0 ]
	[ ! -s "$SC_TMP/L.out" ]
}

@test "wait: -w 0 has no deadline" {
	local port
	port=$(sc_free_port)
	sc_bg W /dev/null "$SOCKCAT" wait -v -w 0 --interval 100ms 127.0.0.1 "$port"
	# Past what a deadline of 0 s would allow, still trying.
	wait_for_attempts W 8
	[ ! -e "$SC_TMP/W.rc" ]
	sc_bg L /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p "$port"
	[ "$(sc_wait_rc W)" = 0 ]
}

@test "wait: SIGTERM while waiting: dies of the signal" {
	local pid port
	port=$(sc_free_port)
	sc_bg W /dev/null "$SOCKCAT" wait -v -w 20 127.0.0.1 "$port"
	wait_for_attempts W 1
	pid=$(sc_cmd_pid "$SC_LAST_PID")
	kill -TERM "$pid"
	[ "$(sc_wait_rc W)" = 143 ]
}

@test "wait: a name that resolves only later is retried" {
	sc_netns_require
	run -0 sc_netns "" '
		ns_bg L "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
		P=$(ns_port L)
		ns_bg W "$SOCKCAT" wait -v -w 20 late.test "$P"
		for ((i = 0; i < 100; i++)); do
			grep -q "(attempt 2;" "$SC_TMP/W.err" 2>/dev/null && break
			sleep 0.1
		done
		# /etc/hosts is read at each lookup: the name exists now.
		echo "127.0.0.1 late.test" >>"$SC_TMP/ns-hosts"
		wait "${NS_PIDS[1]}" && echo "rc=0"
		echo "port=$P"
		cat "$SC_TMP/W.err"'
	echo "$output"
	local port=${lines[1]#port=}
	[ "${lines[0]}" = "rc=0" ]
	[[ ${lines[2]} == "sockcat: late.test:$port: "*" (attempt 1; next in 0.050s)" ]]
	[[ ${lines[-1]} == "sockcat: late.test:$port is accepting (attempt "* ]]
}

@test "wait: a slow DNS answer holds up no other target" {
	sc_netns_require
	run -0 sc_netns "" '
		ns_bg D python3 "$BATS_TEST_DIRNAME/helpers/fake-dns.py" \
		    slow.test=127.0.0.1@1500 fast.test=127.0.0.1
		ns_port D >/dev/null
		ns_bg L "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
		P=$(ns_port L)
		t0=$(date +%s%N)
		"$SOCKCAT" wait -v -w 10 slow.test "$P" fast.test "$P" \
		    127.0.0.1 "$P" 2>"$SC_TMP/W.err"
		echo "ms=$((($(date +%s%N) - t0) / 1000000)) port=$P"
		cat "$SC_TMP/W.err"'
	echo "$output"
	[[ ${lines[0]} =~ ^ms=([0-9]+)\ port=([0-9]+)$ ]]
	local ms=${BASH_REMATCH[1]} port=${BASH_REMATCH[2]} after
	[ "$ms" -ge 1450 ]
	# The fast ones were up long before the slow name resolved.
	[[ ${lines[1]} =~ ^sockcat:\ (fast.test|127.0.0.1):$port\ is\ accepting\ \(attempt\ 1,\ after\ 0\.([0-9]{3})s\)$ ]]
	after=$((10#${BASH_REMATCH[2]}))
	[ "$after" -lt 500 ]
	[[ ${lines[2]} =~ ^sockcat:\ (fast.test|127.0.0.1):$port\ is\ accepting ]]
	[[ ${lines[3]} == "sockcat: slow.test:$port is accepting (attempt 1, after 1."* ]]
}

@test "wait: an attempt that gets no answer is given up after --interval, not the kernel's SYN retries" {
	sc_netns_require
	command -v nft >/dev/null || { echo "nft is not installed (nftables)"; return 1; }
	run -0 sc_netns "" '
		ns_bg L "$SOCKCAT" echo -v -b 127.0.0.1 -p 0
		P=$(ns_port L)
		nft add table inet sc
		nft add chain inet sc in "{ type filter hook input priority 0; }"
		nft add rule inet sc in tcp dport "$P" drop
		t0=$(date +%s%N)
		ns_bg W "$SOCKCAT" wait -v -w 20 127.0.0.1 "$P"
		# Lift the drop as soon as the first attempt is given up.
		for ((i = 0; i < 1000; i++)); do
			grep -q "(attempt 1;" "$SC_TMP/W.err" 2>/dev/null && break
			sleep 0.01
		done
		nft flush ruleset
		wait "${NS_PIDS[1]}" && echo "rc=0"
		echo "ms=$((($(date +%s%N) - t0) / 1000000)) port=$P"
		cat "$SC_TMP/W.err"'
	echo "$output"
	[ "${lines[0]}" = "rc=0" ]
	[[ ${lines[1]} =~ ^ms=([0-9]+)\ port=([0-9]+)$ ]]
	local ms=${BASH_REMATCH[1]} port=${BASH_REMATCH[2]}
	[ "${lines[2]}" = "sockcat: 127.0.0.1:$port: connect timeout: no answer within 1.000s (attempt 1; next in 0.050s)" ]
	# Attempt 2 (or, on a slow machine, 3) connects.
	[[ ${lines[-1]} =~ ^sockcat:\ 127.0.0.1:$port\ is\ accepting\ \(attempt\ [23],\  ]]
	# The kernel alone would have resent the first SYN at 3 s.
	[ "$ms" -lt 2900 ]
}

@test "wait: bad input is 64 with one line, before any socket" {
	usage_error "'cache' has no PORT after it" db 5432 cache
	usage_error "'--' needs a COMMAND after it" 127.0.0.1 80 --
	usage_error "a target is needed"
	usage_error "a target is needed" -- true
	usage_error "PORT '70000'" 127.0.0.1 70000
	usage_error "PORT '0'" 127.0.0.1 0
	usage_error "PORT ''" 127.0.0.1 ''
	usage_error "--interval '0'" --interval 0 127.0.0.1 80
	usage_error "--timeout 'abc'" -w abc 127.0.0.1 80
	usage_error "'::1' is an IPv6 address but -4" -4 ::1 80
	usage_error "-n forbids names" -n localhost 80
	usage_error "empty host" '' 80
	usage_error "--unix '': empty path" -U ''
	usage_error "'-k'" -k 127.0.0.1 80
}
