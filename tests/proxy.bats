#!/usr/bin/env bats
# tests/proxy.bats: proxies, both sides, against real software.
#
# The client side (connect --proxy, forward --proxy) goes through
# microsocks (SOCKS5), tinyproxy (HTTP CONNECT) and danted (SOCKS4 and 5),
# and through fake proxies that answer garbage, nothing, or a reply with
# data right behind it.  The server side (sockcat proxy) is driven by
# curl (--socks5-hostname, --socks5, --socks4, --socks4a, -p -x http://),
# by ssh's ProxyCommand through sockcat connect, and by a Python client
# for what curl cannot send: 100 tunnels at once, BIND and UDP ASSOCIATE,
# pipelined handshakes, random bytes, truncated and silent clients.

load helpers/common
load helpers/proxies
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=120

PYC="$BATS_TEST_DIRNAME/helpers/socks-client.py"

setup_file() {
	local d=$BATS_FILE_TMPDIR
	head -c 1M /dev/urandom >"$d/d1M"
	head -c 4M /dev/urandom >"$d/d4M"
	mkdir -p "$d/www"
	head -c 2M /dev/urandom >"$d/www/file"
}

setup() { sc_setup; }
teardown() { sc_teardown; }

# px NAME ARGS...: sockcat proxy -v -p 0 ARGS... in the background; sets
# PPORT (the port on 127.0.0.1 and ::1) and PPID_ (its pid).
px() {
	local name=$1
	shift
	sc_bg "$name" /dev/null "$SOCKCAT" proxy -v -p 0 "$@"
	PPID_=$(sc_cmd_pid "$SC_LAST_PID")
	PPORT=$(sc_port "$name")
	[ -n "$PPORT" ]
}

# target NAME STDIN ARGS...: a sockcat listen target on 127.0.0.1; sets
# TPORT.
target() {
	local name=$1 in=$2
	shift 2
	sc_bg "$name" "$in" "$SOCKCAT" listen -v -b 127.0.0.1 -p 0 "$@"
	TPORT=$(sc_port "$name")
}

# echo_server NAME [ADDR]: sockcat echo on ADDR (127.0.0.1); sets EPORT.
echo_server() {
	sc_bg "$1" /dev/null "$SOCKCAT" echo -v -b "${2:-127.0.0.1}" -p 0
	EPORT=$(sc_port "$1")
}

# through URL [ARGS...]: a 1 MiB file up, then one down, through connect
# --proxy URL ARGS... to fresh targets, each compared.  One way at a time,
# and no half-close before the end: microsocks and tinyproxy end a tunnel
# at its first EOF, whichever way it goes.
through() {
	local url=$1 up down
	shift
	# Names of their own: a second call must not read the first's files.
	THROUGH_N=$((${THROUGH_N:-0} + 1))
	up=TU$THROUGH_N
	down=TD$THROUGH_N
	[ -n "${SC_IDLE_FD:-}" ] || sc_idle_fifo
	target "$up" "$SC_TMP/idle"
	run -0 timeout 30 bash -c '"$1" connect --proxy "$2" "${@:5}" \
	    127.0.0.1 "$3" <"$4"' _ "$SOCKCAT" "$url" "$TPORT" \
	    "$BATS_FILE_TMPDIR/d1M" "$@"
	[ "$(sc_wait_rc "$up")" = 0 ]
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/$up.out"
	target "$down" "$BATS_FILE_TMPDIR/d1M"
	run -0 timeout 30 bash -c '"$1" connect --no-shutdown --proxy "$2" \
	    "${@:5}" 127.0.0.1 "$3" </dev/null >"$4"' _ "$SOCKCAT" "$url" \
	    "$TPORT" "$SC_TMP/$down.got" "$@"
	[ "$(sc_wait_rc "$down")" = 0 ]
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/$down.got"
}

# fake_proxy NAME FILE: a "proxy" that sends FILE as soon as a client
# connects, whatever the client says; sets FPORT.
fake_proxy() {
	sc_bg "$1" "$2" "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	FPORT=$(sc_port "$1")
}

# count_fds PID KIND: how many of PID's descriptors are KIND (socket, pipe).
count_fds() {
	find /proc/"$1"/fd -lname "$2:*" 2>/dev/null | wc -l
}

# --------------------------------------------------- client, real servers

@test "proxy client: through microsocks, socks5h and socks5, 1 MiB each way" {
	start_microsocks MS
	through "socks5h://127.0.0.1:$MSPORT"
	sc_teardown
	sc_setup
	start_microsocks MS
	through "socks5://127.0.0.1:$MSPORT"
}

@test "proxy client: microsocks with a user name and password (RFC 1929), percent-decoded" {
	start_microsocks MS -u alice -P 's3:cr@t'
	through "socks5h://alice:s3%3acr%40t@127.0.0.1:$MSPORT"
	# From a file instead of the command line.
	printf 'alice:s3:cr@t\n' >"$SC_TMP/auth"
	target T3 "$BATS_FILE_TMPDIR/d1M"
	run -0 timeout 30 bash -c '"$1" connect --no-shutdown \
	    --proxy-auth-file "$2" --proxy "socks5h://127.0.0.1:$3" \
	    127.0.0.1 "$4" </dev/null >"$5"' \
	    _ "$SOCKCAT" "$SC_TMP/auth" "$MSPORT" "$TPORT" "$SC_TMP/down"
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/down"
}

@test "proxy client: microsocks refuses a wrong password and no password: 77" {
	start_microsocks MS -u alice -P secret
	target T /dev/null
	run -77 --separate-stderr timeout 10 "$SOCKCAT" connect \
	    --proxy "socks5h://alice:wrong@127.0.0.1:$MSPORT" 127.0.0.1 \
	    "$TPORT" </dev/null
	[[ $stderr == "sockcat: connect: proxy 127.0.0.1:$MSPORT: SOCKS5: user name and password rejected (status "[1-9]*")" ]]
	run -77 --separate-stderr timeout 10 "$SOCKCAT" connect \
	    --proxy "socks5h://127.0.0.1:$MSPORT" 127.0.0.1 "$TPORT" </dev/null
	[[ $stderr == "sockcat: connect: proxy 127.0.0.1:$MSPORT: SOCKS5: no acceptable authentication method"* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "proxy client: microsocks and a refused destination: 69, the reply quoted" {
	start_microsocks MS
	local dead
	dead=$(sc_free_port)
	run -69 --separate-stderr timeout 10 "$SOCKCAT" connect \
	    --proxy "socks5h://127.0.0.1:$MSPORT" 127.0.0.1 "$dead" </dev/null
	[ "$stderr" = "sockcat: connect: proxy 127.0.0.1:$MSPORT: SOCKS5 reply 5 (connection refused)" ]
}

@test "proxy client: through tinyproxy (HTTP CONNECT), 1 MiB each way" {
	start_tinyproxy TP
	through "http://127.0.0.1:$TPPORT"
}

@test "proxy client: tinyproxy with Basic auth: right, missing (407: 77), wrong (77)" {
	start_tinyproxy TP "BasicAuth bob s3cret"
	through "http://bob:s3cret@127.0.0.1:$TPPORT"
	run -77 --separate-stderr timeout 10 "$SOCKCAT" connect \
	    --proxy "http://127.0.0.1:$TPPORT" 127.0.0.1 "$TPORT" </dev/null
	[[ $stderr == "sockcat: connect: proxy 127.0.0.1:$TPPORT: HTTP/1."?" 407 Proxy Authentication Required"* ]]
	run -77 --separate-stderr timeout 10 "$SOCKCAT" connect \
	    --proxy "http://bob:nope@127.0.0.1:$TPPORT" 127.0.0.1 "$TPORT" \
	    </dev/null
	[[ $stderr == "sockcat: connect: proxy 127.0.0.1:$TPPORT: HTTP/1."?" 401 "* ]]
}

@test "proxy client: tinyproxy and a refused destination: 76, its status line quoted" {
	start_tinyproxy TP
	local dead
	dead=$(sc_free_port)
	run -76 --separate-stderr timeout 10 "$SOCKCAT" connect \
	    --proxy "http://127.0.0.1:$TPPORT" 127.0.0.1 "$dead" </dev/null
	[[ $stderr == "sockcat: connect: proxy 127.0.0.1:$TPPORT: HTTP/1."?" 5"[0-9][0-9]" "* ]]
}

@test "proxy client: through danted, socks4 and socks5" {
	start_danted D
	through "socks4://127.0.0.1:$DPORT"
	through "socks5://127.0.0.1:$DPORT"
	through "socks5h://127.0.0.1:$DPORT"
}

@test "proxy client: ssh's ProxyCommand through sockcat connect --proxy socks5h" {
	start_microsocks MS
	# A server that says what an SSH server says first, and ends once
	# ssh's own banner has come the other way (microsocks ends a tunnel
	# at its first EOF: not before).
	sc_idle_fifo
	printf 'SSH-2.0-sctest\r\n' >&"$SC_IDLE_FD"
	target T "$SC_TMP/idle"
	sc_bg SSH /dev/null ssh -v -F /dev/null -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o ConnectTimeout=10 -p "$TPORT" \
	    -o ProxyCommand="$SOCKCAT connect --proxy socks5h://127.0.0.1:$MSPORT %h %p" \
	    nobody@localhost true
	sc_wait_file "$SC_TMP/T.out" '^SSH-2.0-OpenSSH'
	sc_idle_close
	[ "$(sc_wait_rc SSH)" = 255 ]
	grep -q 'remote software version sctest' "$SC_TMP/SSH.err"
	[ "$(sc_wait_rc T)" = 0 ]
}

# ---------------------------------------------------- client, odd proxies

@test "proxy client: nothing listening at the proxy: 69, named as the proxy" {
	local dead
	dead=$(sc_free_port)
	run -69 --separate-stderr timeout 10 "$SOCKCAT" connect \
	    --proxy "socks5h://127.0.0.1:$dead" example.org 22 </dev/null
	[ "$stderr" = "sockcat: connect: proxy 127.0.0.1:$dead: Connection refused" ]
}

@test "proxy client: a proxy that speaks garbage: 76, for every scheme" {
	local scheme
	for scheme in socks5h socks5 socks4a http; do
		printf 'HELLO I AM NOT A PROXY\r\n\r\n' >"$SC_TMP/garbage"
		fake_proxy G "$SC_TMP/garbage"
		run -76 --separate-stderr timeout 10 "$SOCKCAT" connect \
		    --proxy "$scheme://127.0.0.1:$FPORT" 127.0.0.1 22 </dev/null
		[[ $stderr == "sockcat: connect: proxy 127.0.0.1:$FPORT: not a"* ]] || {
			echo "$scheme: $stderr"
			return 1
		}
		sc_teardown
		sc_setup
	done
}

@test "proxy client: a proxy that closes at once: 76; one that says nothing: -w gives 75" {
	fake_proxy G /dev/null
	run -76 --separate-stderr timeout 10 "$SOCKCAT" connect \
	    --proxy "socks5h://127.0.0.1:$FPORT" 127.0.0.1 22 </dev/null
	[ "$stderr" = "sockcat: connect: proxy 127.0.0.1:$FPORT: closed the connection during the SOCKS5 handshake" ]
	sc_idle_fifo
	fake_proxy S "$SC_TMP/idle"
	local t0=$SECONDS
	run -75 --separate-stderr timeout 10 "$SOCKCAT" connect -w 1 \
	    --proxy "http://127.0.0.1:$FPORT" 127.0.0.1 22 </dev/null
	[ "$stderr" = "sockcat: connect: proxy 127.0.0.1:$FPORT: no answer to the HTTP handshake within 1.000s" ]
	[ $((SECONDS - t0)) -le 4 ]
}

@test "proxy client: bytes the proxy sends right after its reply are not lost" {
	local scheme reply
	for scheme in socks5h socks4a http; do
		case $scheme in
		socks5h) reply='\005\000\005\000\000\001\177\000\000\001\000\120' ;;
		socks4a) reply='\000\132\000\120\177\000\000\001' ;;
		http) reply='HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\n' ;;
		esac
		printf "${reply}AFTER-THE-REPLY\n" >"$SC_TMP/reply"
		fake_proxy R "$SC_TMP/reply"
		run -0 --separate-stderr timeout 10 "$SOCKCAT" connect \
		    --proxy "$scheme://127.0.0.1:$FPORT" example.org 80 </dev/null
		[ "$output" = "AFTER-THE-REPLY" ] || {
			echo "$scheme: '$output' $stderr"
			return 1
		}
		sc_teardown
		sc_setup
	done
}

@test "proxy client: IPv6: a proxy at [::1] and a destination at [::1]" {
	px P
	sc_bg T6 "$BATS_FILE_TMPDIR/d1M" "$SOCKCAT" listen -v -b ::1 -p 0
	local t6
	t6=$(sc_port T6)
	run -0 timeout 30 bash -c '"$1" connect --proxy "socks5://[::1]:$2" \
	    "[::1]:$3" </dev/null >"$4"' _ "$SOCKCAT" "$PPORT" "$t6" \
	    "$SC_TMP/down"
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/down"
	grep -Eq "^sockcat: \[::1\]:[0-9]+ -> \[::1\]:$t6 \(SOCKS5, \[::1\]:$t6\): 0 bytes up, 1048576 bytes down" \
	    "$SC_TMP/P.err" || sc_wait_file "$SC_TMP/P.err" "1048576 bytes down"
}

@test "proxy client: -w covers the connect to the proxy and its answer" {
	sc_idle_fifo
	fake_proxy S "$SC_TMP/idle"
	local t0=$SECONDS
	run -75 --separate-stderr timeout 10 "$SOCKCAT" connect -w 500ms \
	    --proxy "socks5h://127.0.0.1:$FPORT" 127.0.0.1 22 </dev/null
	[[ $stderr == *"no answer to the SOCKS5 handshake within 0.500s" ]]
	[ $((SECONDS - t0)) -le 3 ]
}

# ---------------------------------------------------- forward --proxy

@test "proxy client: forward --proxy through microsocks, 200 pairs at once" {
	start_microsocks MS
	echo_server E
	sc_bg F /dev/null "$SOCKCAT" forward -v -p 0 \
	    --proxy "socks5h://127.0.0.1:$MSPORT" 127.0.0.1 "$EPORT"
	local fport
	fport=$(sc_port F)
	grep -q "forwarding to 127.0.0.1:$EPORT via 127.0.0.1:$MSPORT" "$SC_TMP/F.err"
	run -0 timeout 90 python3 "$BATS_TEST_DIRNAME/helpers/echo-client.py" \
	    many "127.0.0.1:$fport" 200 20000
}

@test "proxy client: forward --proxy through sockcat proxy, http and socks4a, 4 MiB" {
	local scheme fport
	for scheme in http socks4a socks5; do
		px P
		target T /dev/null
		sc_bg F /dev/null "$SOCKCAT" forward -v -p 0 \
		    --proxy "$scheme://127.0.0.1:$PPORT" 127.0.0.1 "$TPORT"
		fport=$(sc_port F)
		run -0 timeout 30 "$SOCKCAT" connect 127.0.0.1 "$fport" \
		    <"$BATS_FILE_TMPDIR/d4M"
		[ "$(sc_wait_rc T)" = 0 ]
		cmp "$BATS_FILE_TMPDIR/d4M" "$SC_TMP/T.out"
		sc_teardown
		sc_setup
	done
}

@test "proxy client: forward --proxy, a refused destination: the client is reset, one warning" {
	start_microsocks MS
	local dead fport
	dead=$(sc_free_port)
	sc_bg F /dev/null "$SOCKCAT" forward -v -p 0 \
	    --proxy "socks5h://127.0.0.1:$MSPORT" 127.0.0.1 "$dead"
	fport=$(sc_port F)
	run -1 --separate-stderr timeout 10 "$SOCKCAT" connect 127.0.0.1 \
	    "$fport" </dev/null
	[[ $stderr == *"Connection reset by peer"* ]]
	sc_wait_file "$SC_TMP/F.err" 'SOCKS5 reply 5'
	grep -Eq "^sockcat: forward: 127\.0\.0\.1:[0-9]+ -> proxy 127\.0\.0\.1:$MSPORT: SOCKS5 reply 5 \(connection refused\)$" \
	    "$SC_TMP/F.err"
}

@test "proxy client: forward --proxy, a silent proxy does not hold up other pairs" {
	sc_idle_fifo
	fake_proxy S "$SC_TMP/idle"
	sc_bg F /dev/null "$SOCKCAT" forward -v -p 0 -w 2 \
	    --proxy "socks5h://127.0.0.1:$FPORT" 127.0.0.1 22
	local fport
	fport=$(sc_port F)
	run -1 --separate-stderr timeout 10 "$SOCKCAT" connect 127.0.0.1 \
	    "$fport" </dev/null
	sc_wait_file "$SC_TMP/F.err" 'within 2.000s'
}

# ------------------------------------------------- server, real clients

@test "proxy server: curl --socks5-hostname, --socks5, --socks4, --socks4a, -p -x http: a 2 MiB file intact" {
	px P
	start_http H "$BATS_FILE_TMPDIR/www"
	local how
	for how in --socks5-hostname --socks5 --socks4 --socks4a; do
		rm -f "$SC_TMP/got"
		run -0 timeout 20 curl -sS "$how" "127.0.0.1:$PPORT" \
		    -o "$SC_TMP/got" "http://localhost:$HTTPPORT/file"
		cmp "$BATS_FILE_TMPDIR/www/file" "$SC_TMP/got" || {
			echo "curl $how"
			return 1
		}
	done
	rm -f "$SC_TMP/got"
	run -0 timeout 20 curl -sS -p -x "http://127.0.0.1:$PPORT" \
	    -o "$SC_TMP/got" "http://localhost:$HTTPPORT/file"
	cmp "$BATS_FILE_TMPDIR/www/file" "$SC_TMP/got"
	# Over IPv6 to the proxy, too.
	rm -f "$SC_TMP/got"
	run -0 timeout 20 curl -sS -x "socks5h://[::1]:$PPORT" \
	    -o "$SC_TMP/got" "http://127.0.0.1:$HTTPPORT/file"
	cmp "$BATS_FILE_TMPDIR/www/file" "$SC_TMP/got"
	# -v: one line per tunnel, with the protocol and the bytes.
	sc_wait_file "$SC_TMP/P.err" 'HTTP, 127'
	grep -Eq "^sockcat: 127\.0\.0\.1:[0-9]+ -> localhost:$HTTPPORT \(SOCKS5, 127\.0\.0\.1:$HTTPPORT\): [0-9]+ bytes up, [0-9]+ bytes down, [0-9]+\.[0-9]{3}s$" \
	    "$SC_TMP/P.err"
	grep -Eq "^sockcat: 127\.0\.0\.1:[0-9]+ -> localhost:$HTTPPORT \(SOCKS4a, user [^,]*, 127\.0\.0\.1:$HTTPPORT\): " \
	    "$SC_TMP/P.err" || grep -Eq "^sockcat: 127\.0\.0\.1:[0-9]+ -> localhost:$HTTPPORT \(SOCKS4a, 127\.0\.0\.1:$HTTPPORT\): " \
	    "$SC_TMP/P.err"
	grep -Eq "^sockcat: \[::1\]:[0-9]+ -> 127\.0\.0\.1:$HTTPPORT \(SOCKS5, " \
	    "$SC_TMP/P.err"
}

@test "proxy server: --auth: curl with the right credentials gets through, the wrong ones do not" {
	px P --auth 'alice:open sesame'
	start_http H "$BATS_FILE_TMPDIR/www"
	run -0 timeout 20 curl -sS --socks5-hostname "127.0.0.1:$PPORT" \
	    --proxy-user 'alice:open sesame' -o "$SC_TMP/got" \
	    "http://localhost:$HTTPPORT/file"
	cmp "$BATS_FILE_TMPDIR/www/file" "$SC_TMP/got"
	run -0 timeout 20 curl -sS -p -x "http://alice:open%20sesame@127.0.0.1:$PPORT" \
	    -o "$SC_TMP/got2" "http://localhost:$HTTPPORT/file"
	cmp "$BATS_FILE_TMPDIR/www/file" "$SC_TMP/got2"
	grep -q '(SOCKS5, user alice, ' "$SC_TMP/P.err"
	run timeout 20 curl -sS --socks5-hostname "127.0.0.1:$PPORT" \
	    --proxy-user 'alice:wrong' "http://localhost:$HTTPPORT/file"
	[ "$status" -ne 0 ]
	run --separate-stderr timeout 20 curl -sS -o /dev/null \
	    -w '%{http_connect}' -p \
	    -x "http://127.0.0.1:$PPORT" "http://localhost:$HTTPPORT/file"
	[ "$output" = 407 ]
	run timeout 20 curl -sS --socks4a "127.0.0.1:$PPORT" \
	    "http://localhost:$HTTPPORT/file"
	[ "$status" -ne 0 ]
	sc_wait_file "$SC_TMP/P.err" 'SOCKS4a carries no password'
	grep -q "^sockcat: proxy: 127.0.0.1:[0-9]*: SOCKS5: user name or password rejected (user 'alice')$" \
	    "$SC_TMP/P.err"
	grep -q '^sockcat: proxy: 127.0.0.1:[0-9]*: HTTP: proxy authentication missing or rejected' \
	    "$SC_TMP/P.err"
	# sockcat's own client, with the credentials from a file.
	printf 'alice:open sesame\n' >"$SC_TMP/auth"
	target T "$BATS_FILE_TMPDIR/d1M"
	run -0 timeout 20 bash -c '"$1" connect --proxy "http://127.0.0.1:$2" \
	    --proxy-auth-file "$3" 127.0.0.1 "$4" </dev/null >"$5"' _ \
	    "$SOCKCAT" "$PPORT" "$SC_TMP/auth" "$TPORT" "$SC_TMP/down"
	cmp "$BATS_FILE_TMPDIR/d1M" "$SC_TMP/down"
	run -77 timeout 20 "$SOCKCAT" connect --proxy \
	    "socks5h://alice:nope@127.0.0.1:$PPORT" 127.0.0.1 "$TPORT" </dev/null
}

@test "proxy server: a refused destination: the protocol's answer, 69 or 76 for sockcat connect" {
	px P
	local dead
	dead=$(sc_free_port)
	run -69 --separate-stderr timeout 10 "$SOCKCAT" connect --proxy \
	    "socks5h://127.0.0.1:$PPORT" 127.0.0.1 "$dead" </dev/null
	[ "$stderr" = "sockcat: connect: proxy 127.0.0.1:$PPORT: SOCKS5 reply 5 (connection refused)" ]
	run -76 --separate-stderr timeout 10 "$SOCKCAT" connect --proxy \
	    "http://127.0.0.1:$PPORT" 127.0.0.1 "$dead" </dev/null
	[ "$stderr" = "sockcat: connect: proxy 127.0.0.1:$PPORT: HTTP/1.1 502 Bad Gateway" ]
	run -76 --separate-stderr timeout 10 "$SOCKCAT" connect --proxy \
	    "socks4://127.0.0.1:$PPORT" 127.0.0.1 "$dead" </dev/null
	[ "$stderr" = "sockcat: connect: proxy 127.0.0.1:$PPORT: SOCKS4 reply 91 (request rejected or failed)" ]
	run timeout 10 curl -sS --socks5-hostname "127.0.0.1:$PPORT" \
	    "http://127.0.0.1:$dead/"
	[ "$status" -ne 0 ]
	# -v says why, and the server goes on.
	sc_wait_file "$SC_TMP/P.err" "-> 127.0.0.1:$dead (HTTP): 127.0.0.1:$dead: Connection refused"
	kill -0 "$PPID_"
}

@test "proxy: a name that does not resolve: SOCKS5 reply 4 (socks5h), 68 (socks5)" {
	# .invalid never resolves (RFC 6761); the resolver must say so quickly.
	local rc=0
	timeout 5 getent hosts nonexistent.invalid >/dev/null || rc=$?
	[ "$rc" -ne 124 ] || skip "the resolver does not answer within 5 s"
	[ "$rc" -ne 0 ] || skip "nonexistent.invalid resolves here"
	px P
	run -69 --separate-stderr timeout 20 "$SOCKCAT" connect --proxy \
	    "socks5h://127.0.0.1:$PPORT" nonexistent.invalid 80 </dev/null
	[ "$stderr" = "sockcat: connect: proxy 127.0.0.1:$PPORT: SOCKS5 reply 4 (host unreachable)" ]
	# socks5: sockcat resolves, before it connects to the proxy.
	run -68 --separate-stderr timeout 20 "$SOCKCAT" connect --proxy \
	    "socks5://127.0.0.1:$PPORT" nonexistent.invalid 80 </dev/null
	[[ $stderr == "sockcat: connect: nonexistent.invalid: "* ]]
}

@test "proxy server: BIND, UDP ASSOCIATE and plain HTTP get the protocol's 'not supported'" {
	px P
	# SOCKS5 BIND and UDP ASSOCIATE: reply 7.
	run -0 python3 "$PYC" request "127.0.0.1:$PPORT" 050100 \
	    05020001 7f000001 0016
	[ "$output" = 050005070001000000000000 ]
	run -0 python3 "$PYC" request "127.0.0.1:$PPORT" 050100 \
	    05030001000000000000
	[ "$output" = 050005070001000000000000 ]
	# SOCKS4 BIND: 91.
	run -0 python3 "$PYC" request "127.0.0.1:$PPORT" 040200167f00000100
	[ "$output" = 005b000000000000 ]
	# A plain HTTP request: 501.
	run -0 --separate-stderr timeout 10 curl -sS -o /dev/null \
	    -w '%{http_code}' -x "http://127.0.0.1:$PPORT" \
	    "http://127.0.0.1:9/"
	[ "$output" = 501 ]
	sc_wait_file "$SC_TMP/P.err" 'HTTP GET is not supported'
	grep -q 'SOCKS5 BIND is not supported (CONNECT only)' "$SC_TMP/P.err"
	grep -q 'SOCKS5 UDP ASSOCIATE is not supported' "$SC_TMP/P.err"
	grep -q 'SOCKS4 BIND is not supported' "$SC_TMP/P.err"
}

@test "proxy server: 100 concurrent tunnels intact, each protocol" {
	px P
	echo_server E
	local proto
	for proto in socks5 socks5a socks4 socks4a http; do
		run -0 timeout 60 python3 "$PYC" many "127.0.0.1:$PPORT" \
		    "$proto" "127.0.0.1:$EPORT" 100 65536
		[ "$output" = "100 tunnels intact" ]
	done
	# Every tunnel is gone afterwards: only the two listeners are left.
	local i n
	for ((i = 0; i < 100; i++)); do
		n=$(count_fds "$PPID_" socket)
		[ "$n" -eq 2 ] && break
		sleep 0.1
	done
	[ "$n" -eq 2 ]
}

@test "proxy server: bytes sent with the request, before the answer, reach the destination" {
	px P
	echo_server E
	run -0 timeout 20 python3 "$PYC" pipeline "127.0.0.1:$PPORT" \
	    "127.0.0.1:$EPORT"
	[ "$output" = "early bytes intact" ]
	# HTTP: the client's first bytes right behind its CONNECT.
	run -0 timeout 20 bash -c 'printf "CONNECT 127.0.0.1:%s HTTP/1.1\r\n\r\nPIPELINED\n" "$3" |
	    "$1" connect 127.0.0.1 "$2"' _ "$SOCKCAT" "$PPORT" "$EPORT"
	[ "$output" = "$(printf 'HTTP/1.1 200 Connection established\r\n\r\nPIPELINED')" ]
}

# ------------------------------------------------- server, bad clients

@test "proxy server: random bytes never crash it; a good client is served after" {
	px P
	echo_server E
	run -0 timeout 60 python3 "$PYC" garbage "127.0.0.1:$PPORT" 300 \
	    "$RANDOM"
	run -0 timeout 20 python3 "$PYC" many "127.0.0.1:$PPORT" socks5 \
	    "127.0.0.1:$EPORT" 5 1000
	kill -0 "$PPID_"
}

@test "proxy server: a truncated greeting is closed at the deadline; others are served meanwhile" {
	px P
	echo_server E
	# "5 2 0": two methods announced, one sent.
	sc_bg TR /dev/null python3 "$PYC" request "127.0.0.1:$PPORT" 050200
	local t0=$SECONDS
	run -0 timeout 20 python3 "$PYC" many "127.0.0.1:$PPORT" socks5 \
	    "127.0.0.1:$EPORT" 10 10000
	[ $((SECONDS - t0)) -lt 5 ]
	[ "$(sc_wait_rc TR 200)" = 0 ]
	[ $((SECONDS - t0)) -ge 9 ]
	grep -q "^sockcat: proxy: 127.0.0.1:[0-9]*: no complete request within 10.000s$" \
	    "$SC_TMP/P.err"
}

@test "proxy server: a 255-byte user name: refused cleanly with --auth, let in without" {
	px P --auth u:p
	run -0 timeout 10 python3 "$PYC" userpass "127.0.0.1:$PPORT" 255 255
	[ "$output" = 0101 ]
	sc_wait_file "$SC_TMP/P.err" 'user name or password rejected'
	sc_teardown
	sc_setup
	px P
	run -0 timeout 10 python3 "$PYC" userpass "127.0.0.1:$PPORT" 255 255
	[ "$output" = 0100 ]
}

@test "proxy server: 100 silent clients stall nobody and are closed at the deadline" {
	px P
	echo_server E
	sc_bg SI /dev/null python3 "$PYC" silent "127.0.0.1:$PPORT" 100
	sc_wait_file "$SC_TMP/SI.out" 'holding 100'
	local t0=$SECONDS
	run -0 timeout 20 python3 "$PYC" many "127.0.0.1:$PPORT" http \
	    "127.0.0.1:$EPORT" 20 10000
	[ $((SECONDS - t0)) -lt 5 ]
	[ "$(sc_wait_rc SI 200)" = 0 ]
	grep -q 'closed 100' "$SC_TMP/SI.out"
	[ "$(grep -c 'not a byte within 10.000s' "$SC_TMP/P.err")" -eq 100 ]
}

@test "proxy server: oversized HTTP headers get 431; a huge SOCKS4 user id is cut off" {
	px P
	run -0 --separate-stderr timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"CONNECT 127.0.0.1:9 HTTP/1.1\r\nX-Big: " + b"a" * 9000)
print(s.recv(100).split(b"\r\n")[0].decode())' "$PPORT"
	[ "$output" = "HTTP/1.1 431 Request Header Fields Too Large" ]
	run -0 timeout 10 python3 "$PYC" request "127.0.0.1:$PPORT" \
	    "04010016 7f000001 $(printf '41%.0s' {1..300})"
	[ "${output:0:4}" = 005b ]
	sc_wait_file "$SC_TMP/P.err" 'a user id longer than 255 bytes'
	grep -q 'request headers longer than 8192 bytes' "$SC_TMP/P.err"
}

# ------------------------------------------------------ server, options

@test "proxy server: loopback only by default: 127.0.0.1 and [::1], nothing else" {
	px P
	run -0 ss -ltnpH "( sport = :$PPORT )"
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[*]} == *"127.0.0.1:$PPORT"* ]]
	[[ ${lines[*]} == *"[::1]:$PPORT"* ]]
	grep -q "^sockcat: listening on 127.0.0.1:$PPORT$" "$SC_TMP/P.err"
	grep -q "^sockcat: listening on \[::1\]:$PPORT$" "$SC_TMP/P.err"
	# -b says where instead.
	sc_teardown
	sc_setup
	sc_bg B /dev/null "$SOCKCAT" proxy -v -b 127.0.0.2 -p 0
	local bport
	bport=$(sc_port B)
	run -0 ss -ltnH "( sport = :$bport )"
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"127.0.0.2:$bport"* ]]
}

@test "proxy server: -c exits after N clients, -i closes an idle tunnel, SIGTERM is status 0" {
	echo_server E
	px P -c 2 -i 1
	run -0 timeout 20 python3 "$PYC" many "127.0.0.1:$PPORT" socks5 \
	    "127.0.0.1:$EPORT" 1 100
	# An idle tunnel: closed after -i.
	sc_idle_fifo
	sc_bg C "$SC_TMP/idle" "$SOCKCAT" connect --proxy \
	    "socks5h://127.0.0.1:$PPORT" 127.0.0.1 "$EPORT"
	[ "$(sc_wait_rc P 100)" = 0 ]
	grep -q 'idle' "$SC_TMP/P.err"
	sc_teardown
	sc_setup
	px P
	kill -TERM "$PPID_"
	[ "$(sc_wait_rc P)" = 0 ]
}

@test "proxy server: -m holds the rest in the backlog until one closes" {
	echo_server E
	px P -m 1
	sc_idle_fifo
	sc_bg C1 "$SC_TMP/idle" "$SOCKCAT" connect --proxy \
	    "socks5h://127.0.0.1:$PPORT" 127.0.0.1 "$EPORT"
	sc_wait_file "$SC_TMP/P.err" 'connection from' 50 || true
	# The second waits: its handshake is not answered within 1 s.
	run -75 timeout 10 "$SOCKCAT" connect -w 1 --proxy \
	    "socks5h://127.0.0.1:$PPORT" 127.0.0.1 "$EPORT" </dev/null
	sc_idle_close
	[ "$(sc_wait_rc C1)" = 0 ]
	run -0 timeout 10 bash -c 'echo hi | "$1" connect --proxy \
	    "socks5h://127.0.0.1:$2" 127.0.0.1 "$3"' _ "$SOCKCAT" "$PPORT" \
	    "$EPORT"
	[ "$output" = hi ]
}

@test "proxy server: socket activation serves the inherited socket" {
	echo_server E
	sc_bg P /dev/null python3 "$BATS_TEST_DIRNAME/helpers/activate.py" \
	    "$SC_TMP/port" "$SOCKCAT" proxy -v
	sc_wait_file "$SC_TMP/port" '[0-9]'
	local aport
	aport=$(cat "$SC_TMP/port")
	sc_wait_file "$SC_TMP/P.err" "listening on 127.0.0.1:$aport"
	run -0 timeout 10 bash -c 'echo hi | "$1" connect --proxy \
	    "socks5h://127.0.0.1:$2" 127.0.0.1 "$3"' _ "$SOCKCAT" "$aport" \
	    "$EPORT"
	[ "$output" = hi ]
}

@test "proxy server: on a Unix socket" {
	echo_server E
	sc_bg P /dev/null "$SOCKCAT" proxy -v -U "$SC_SOCKDIR/px.sock"
	sc_wait_file "$SC_TMP/P.err" "listening on $SC_SOCKDIR/px.sock"
	run -0 timeout 10 curl -sS --unix-socket "$SC_SOCKDIR/px.sock" \
	    -o /dev/null -w '%{http_code}' "http://x/" || true
	# curl speaks HTTP on a Unix socket, not CONNECT: plain HTTP is 501.
	[ "$output" = 501 ]
}

# ---------------------------------------------------------- bad input

@test "proxy: bad input is a usage error (64), one line, before any socket" {
	local f=$SC_TMP/strace
	# LeakSanitizer cannot run under ptrace: no leak check in here.
	local asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	while IFS='|' read -r cmd want; do
		# shellcheck disable=SC2086
		run -64 --separate-stderr env ASAN_OPTIONS="$asan" strace -f \
		    -qq -e trace=socket -o "$f" $cmd
		[[ $stderr == *"$want"* ]] || {
			echo "$cmd: '$stderr' lacks '$want'"
			return 1
		}
		[ "${#stderr_lines[@]}" -eq 1 ]
		! grep -q 'socket(AF_INET' "$f" || {
			echo "$cmd: a socket before the usage error"
			return 1
		}
	done <<-EOF
	$SOCKCAT connect --proxy gopher://h:70 h 22|unknown scheme 'gopher'
	$SOCKCAT connect --proxy socks5h://h h 22|no proxy port
	$SOCKCAT connect --proxy socks5h://h:0 h 22|the proxy port is not a number
	$SOCKCAT connect --proxy 127.0.0.1:1080 h 22|not a proxy URL
	$SOCKCAT connect --proxy socks5h://h:1 -U /tmp/x.sock|--proxy does not go with -U
	$SOCKCAT connect --proxy socks5h://h:1 --proxy http://h:2 h 22|give --proxy once
	$SOCKCAT connect --proxy socks5h://u%zz@h:1 h 22|two hex digits
	$SOCKCAT connect --proxy socks5h://::1:1080 h 22|goes in brackets
	$SOCKCAT connect --proxy socks4://u:p@h:1 h 22|socks4 carries a user name but no password
	$SOCKCAT connect --proxy socks4://h:1 -6 h 22|-6 does not go with socks4
	$SOCKCAT connect --proxy socks4://h:1 ::1 22|socks4 reaches IPv4 addresses only
	$SOCKCAT connect --proxy-auth-file /nonexistent h 22|--proxy-auth-file needs --proxy
	$SOCKCAT connect --proxy socks5h://h:1 --proxy-auth-file /nonexistent h 22|No such file or directory
	$SOCKCAT connect --proxy socks5h://u:p@h:1 --proxy-auth-file /dev/null h 22|exclude each other
	$SOCKCAT forward -p 0 -u --proxy socks5h://h:1 h 22|--proxy does not go with --udp
	$SOCKCAT forward -p 0 --proxy socks5h://h:1 --to-unix /tmp/x|--proxy does not go with --to-unix
	$SOCKCAT proxy --auth nocolon|expected USER:PASS (no colon)
	$SOCKCAT proxy --auth :p|empty user name
	$SOCKCAT proxy --auth u:|empty password
	$SOCKCAT proxy --auth u:p --auth-file /dev/null|--auth and --auth-file exclude each other
	$SOCKCAT proxy --auth-file /nonexistent|No such file or directory
	$SOCKCAT proxy --auth-file /dev/null|no USER:PASS on its first line
	$SOCKCAT proxy -p 0 1080|give the port once
	$SOCKCAT proxy -U /tmp/x.sock -b 127.0.0.1|-U PATH does not go with --bind
	$SOCKCAT proxy -m 0|--max-conns
	$SOCKCAT proxy -w abc|--timeout 'abc': not a duration
	EOF
}

@test "proxy: --stats and -x name each tunnel; the bytes arrive unchanged" {
	target T /dev/null
	px P --stats -x
	printf 'hello through\n' >"$SC_TMP/msg"
	run -0 timeout 30 "$SOCKCAT" connect --proxy "socks5://127.0.0.1:$PPORT" \
	    127.0.0.1 "$TPORT" <"$SC_TMP/msg"
	[ "$(sc_wait_rc T)" = 0 ]
	cmp "$SC_TMP/msg" "$SC_TMP/T.out"
	sc_wait_file "$SC_TMP/P.err" '^sockcat: stats '
	grep -Eq "^sockcat: stats 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$TPORT: 14 bytes up, 0 bytes down, " \
	    "$SC_TMP/P.err"
	grep -Eq "^127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$TPORT > 00000000  68 65 6c 6c 6f" \
	    "$SC_TMP/P.err"
}
