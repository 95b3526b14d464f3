#!/usr/bin/env bats
# tests/udp-send.bats: sockcat udp-send (with udp-recv or a python3 peer
# on the other side).

load helpers/common

bats_require_minimum_version 1.5.0

setup() { sc_setup; }
teardown() { sc_teardown; }

# start_peer NAME MODE [FAMILY|PATH]: a python3 datagram peer.  MODE echo
# answers each datagram with "re:" and the datagram; twice does too, then
# sends "again:" and the datagram; ttl answers with the TTL / hop limit it
# was received with.  Sets PEER_PORT (IP) or waits for
# the socket file (a FAMILY starting with '/').
start_peer() {
	local name=$1 mode=$2 fam=${3:-4}
	sc_bg "$name" /dev/null python3 -c '
import socket, sys
mode, fam = sys.argv[1], sys.argv[2]
if fam.startswith("/"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(fam)
else:
    af = socket.AF_INET if fam == "4" else socket.AF_INET6
    s = socket.socket(af, socket.SOCK_DGRAM)
    if mode == "ttl" and fam == "4":
        # IP_RECVTTL: 12 on Linux (not in every Python).
        s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12),
            1)
    elif mode == "ttl":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    s.bind(("127.0.0.1" if fam == "4" else "::1", 0))
print("port", s.getsockname()[1] if not fam.startswith("/") else 0,
    flush=True)
while True:
    d, anc, _, a = s.recvmsg(65536, 256)
    if mode == "ttl":
        d = str(int.from_bytes(anc[0][2][:4], sys.byteorder)).encode()
    s.sendto(b"re:" + d, a)
    if mode == "twice":
        s.sendto(b"again:" + d, a)
' "$mode" "$fam"
	sc_wait_file "$SC_TMP/$name.out" '^port' 100
	PEER_PORT=$(sed -n 's/^port //p' "$SC_TMP/$name.out")
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

@test "udp-send: seq 1 100 arrives byte-identical, one datagram per line" {
	seq 1 100 >"$SC_TMP/in"
	start_recv r -c 100
	run -0 "$SOCKCAT" udp-send 127.0.0.1 "$PORT" <"$SC_TMP/in"
	[ "$(sc_wait_rc r)" = 0 ]
	cmp "$SC_TMP/in" "$SC_TMP/r.out"
	[ "$(grep -c 'datagram from 127.0.0.1:[0-9]*: [0-9]* bytes$' \
	    "$SC_TMP/r.err")" = 100 ]
}

@test "udp-send: a last line without newline is sent as it is" {
	start_recv r -c 2 --from
	printf 'one\ntwo' | "$SOCKCAT" udp-send 127.0.0.1 "$PORT"
	[ "$(sc_wait_rc r)" = 0 ]
	run -0 sed 's/^[^ ]* //' "$SC_TMP/r.out"
	# --from adds a newline only where the datagram has none.
	[ "$output" = $'one\ntwo' ]
}

@test "udp-send: each MESSAGE is one datagram, as is (IPv6)" {
	start_recv r -c 4 --from
	run -0 "$SOCKCAT" udp-send ::1 "$PORT" 'one' 'two words' '' 'three'
	[ "$(sc_wait_rc r)" = 0 ]
	run -0 cat "$SC_TMP/r.out"
	[ "${lines[0]}" != "${lines[0]#\[::1\]:}" ]
	run -0 sed 's/^\[::1\]:[0-9]* //' "$SC_TMP/r.out"
	[ "$output" = $'one\ntwo words\n\nthree' ]
}

@test "udp-send: --chunk rebuilds 1 MiB from a slow pipe, full chunks" {
	head -c 1048576 /dev/urandom >"$SC_TMP/in"
	# 1048576 = 262 * 4000 + 576: 263 datagrams.
	start_recv r -c 263
	# Pieces of 10000 bytes with pauses: reads end mid-chunk.
	python3 -c '
import sys, time
data = open(sys.argv[1], "rb").read()
for i in range(0, len(data), 10000):
    sys.stdout.buffer.write(data[i:i + 10000])
    sys.stdout.buffer.flush()
    time.sleep(0.002)
' "$SC_TMP/in" | "$SOCKCAT" udp-send --chunk 4000 127.0.0.1 "$PORT"
	[ "$(sc_wait_rc r)" = 0 ]
	cmp "$SC_TMP/in" "$SC_TMP/r.out"
	run -0 grep -c ': 4000 bytes$' "$SC_TMP/r.err"
	[ "$output" = 262 ]
	run -0 tail -n 1 "$SC_TMP/r.err"
	[[ "$output" == *': 576 bytes' ]]
}

@test "udp-send: -r writes each answer to stdout" {
	start_peer p echo 4
	printf 'a\nb\n' | "$SOCKCAT" udp-send -r -w 5 127.0.0.1 "$PEER_PORT" \
	    >"$SC_TMP/out"
	printf 're:a\nre:b\n' | cmp - "$SC_TMP/out"
}

@test "udp-send: -r: a second answer is dropped, not taken for the next one" {
	start_peer p twice 4
	# --interval: the extra answer has surely arrived when the next
	# message goes (one that comes after it cannot be told apart).
	run -0 --separate-stderr "$SOCKCAT" udp-send -v -r -w 5 \
	    --interval 200ms 127.0.0.1 "$PEER_PORT" one two three
	[ "$output" = "re:onere:twore:three" ]
	[[ "$stderr" == *"sent 3 datagrams to 127.0.0.1:$PEER_PORT; dropped 2 late answers"* ]]
}

@test "udp-send: -r without -w waits 5 s for an answer, then 75" {
	start_recv r
	local t0=$(now_ms) t
	run -75 --separate-stderr timeout 20 "$SOCKCAT" udp-send -r \
	    127.0.0.1 "$PORT" ping
	t=$(($(now_ms) - t0))
	(( t >= 4900 && t < 15000 ))
	[[ "$stderr" == *"no answer to message 1 within 5.000s"* ]]
}

@test "udp-send: HOST:PORT as one operand, then MESSAGEs; -v says 1 datagram" {
	start_recv r -c 2
	run -0 --separate-stderr "$SOCKCAT" udp-send -v "127.0.0.1:$PORT" a b
	[ "$(sc_wait_rc r)" = 0 ]
	[ "$(cat "$SC_TMP/r.out")" = ab ]
	start_recv r6 -c 1
	run -0 --separate-stderr "$SOCKCAT" udp-send -v "[::1]:$PORT" one
	[[ "$stderr" == *"sent 1 datagram to [::1]:$PORT"* ]]
	[ "$(sc_wait_rc r6)" = 0 ]
}

@test "udp-send: -r over IPv6 with MESSAGE arguments" {
	start_peer p echo 6
	run -0 "$SOCKCAT" udp-send -r -w 5 ::1 "$PEER_PORT" one two
	[ "$output" = "re:onere:two" ]
}

@test "udp-send: -r -w with no answer is 75 within the bound" {
	start_recv r
	local t0=$(now_ms)
	run -75 --separate-stderr "$SOCKCAT" udp-send -r -w 300ms \
	    127.0.0.1 "$PORT" ping
	(( $(now_ms) - t0 < 3000 ))
	[ "${#stderr_lines[@]}" = 1 ]
	[[ "$stderr" == *"no answer to message 1 within 0.300s"* ]]
}

@test "udp-send: a closed port is 69, with -r and without" {
	local port
	port=$(sc_free_port)
	run -69 --separate-stderr "$SOCKCAT" udp-send -r -w 5 127.0.0.1 \
	    "$port" hello
	[ "$stderr" = "sockcat: udp-send: 127.0.0.1:$port: Connection refused" ]
	run -69 --separate-stderr "$SOCKCAT" udp-send 127.0.0.1 "$port" hello
	[ "$stderr" = "sockcat: udp-send: 127.0.0.1:$port: Connection refused" ]
	run -69 --separate-stderr "$SOCKCAT" udp-send ::1 "$port" <<<$'a\nb'
	[[ "$stderr" == *"Connection refused" ]]
}

@test "udp-send: a line over the datagram limit is 1, naming the line" {
	{ echo a; echo b; head -c 69999 /dev/zero | tr '\0' x; echo; } \
	    >"$SC_TMP/in"
	start_recv r -c 2
	run -1 --separate-stderr "$SOCKCAT" udp-send 127.0.0.1 "$PORT" \
	    <"$SC_TMP/in"
	[ "$stderr" = "sockcat: udp-send: line 3: 70000 bytes: Message too long" ]
	# The two lines before it were sent.
	[ "$(sc_wait_rc r)" = 0 ]
	printf 'a\nb\n' | cmp - "$SC_TMP/r.out"
}

@test "udp-send: a chunk or MESSAGE over the limit is 1, naming it" {
	head -c 70000 /dev/zero >"$SC_TMP/in"
	run -1 --separate-stderr "$SOCKCAT" udp-send --chunk 70000 \
	    127.0.0.1 9 <"$SC_TMP/in"
	[ "$stderr" = "sockcat: udp-send: chunk 1: 70000 bytes: Message too long" ]
	run -1 --separate-stderr "$SOCKCAT" udp-send 127.0.0.1 9 ok \
	    "$(head -c 70000 /dev/zero | tr '\0' x)"
	[ "$stderr" = "sockcat: udp-send: message 2: 70000 bytes: Message too long" ]
}

@test "udp-send: --interval paces the datagrams" {
	start_recv r -c 3
	local t0=$(now_ms)
	run -0 "$SOCKCAT" udp-send --interval 200ms 127.0.0.1 "$PORT" a b c
	(( $(now_ms) - t0 >= 400 ))
	[ "$(sc_wait_rc r)" = 0 ]
	[ "$(cat "$SC_TMP/r.out")" = abc ]
}

@test "udp-send: --source-port sets the local port" {
	local sport
	start_recv r -c 1 --from
	sport=$(sc_free_port)
	run -0 "$SOCKCAT" udp-send --source-port "$sport" 127.0.0.1 "$PORT" x
	[ "$(sc_wait_rc r)" = 0 ]
	[ "$(cat "$SC_TMP/r.out")" = "127.0.0.1:$sport x" ]
}

@test "udp-send: --ttl sets the TTL (IPv4) and the hop limit (IPv6)" {
	start_peer p4 ttl 4
	run -0 "$SOCKCAT" udp-send -r -w 5 --ttl 7 127.0.0.1 "$PEER_PORT" x
	[ "$output" = "re:7" ]
	start_peer p6 ttl 6
	run -0 "$SOCKCAT" udp-send -r -w 5 --ttl 9 ::1 "$PEER_PORT" x
	[ "$output" = "re:9" ]
}

@test "udp-send: a broadcast address needs --broadcast" {
	start_recv r -4 -c 1
	run -77 --separate-stderr "$SOCKCAT" udp-send 127.255.255.255 \
	    "$PORT" x
	[[ "$stderr" == *"Permission denied" ]]
	run -0 "$SOCKCAT" udp-send --broadcast 127.255.255.255 "$PORT" x
	[ "$(sc_wait_rc r)" = 0 ]
	[ "$(cat "$SC_TMP/r.out")" = x ]
}

@test "udp-send: Unix datagrams, with answers to the autobound client" {
	local path="$SC_SOCKDIR/peer"
	start_peer p echo "$path"
	run -0 "$SOCKCAT" udp-send -r -w 5 -U "$path" one two
	[ "$output" = "re:onere:two" ]
	run -69 --separate-stderr "$SOCKCAT" udp-send -U "$SC_SOCKDIR/none" x
	[ "$stderr" = "sockcat: udp-send: $SC_SOCKDIR/none: No such file or directory" ]
}

@test "udp-send: an answer that cannot be written to stdout is 1" {
	start_peer p echo 4
	run -1 --separate-stderr bash -c '"$0" udp-send -r -w 5 127.0.0.1 \
	    "$1" x >/dev/full' "$SOCKCAT" "$PEER_PORT"
	[ "$stderr" = "sockcat: udp-send: stdout: No space left on device" ]
}

@test "udp-send: bad input is 64 with one line naming it" {
	local args
	while IFS= read -r args; do
		eval "set -- $args"
		run -64 --separate-stderr "$SOCKCAT" udp-send "$@"
		[ "${#stderr_lines[@]}" = 1 ] || { echo "$args: $stderr"; false; }
		[[ "$stderr" == "sockcat: udp-send: "*"see 'sockcat udp-send --help'" ]]
		echo "$args -> $stderr"
	done <<'EOF'
--chunk 0 127.0.0.1 9
--chunk abc 127.0.0.1 9
--chunk 17M 127.0.0.1 9
--chunk 10 127.0.0.1 9 message
--ttl 256 127.0.0.1 9 x
--ttl 0 127.0.0.1 9 x
--ttl x 127.0.0.1 9 x
--interval -1 127.0.0.1 9 x
--interval 1e999 127.0.0.1 9 x
-w 1 127.0.0.1 9 x
-r -w abc 127.0.0.1 9 x
127.0.0.1
''
127.0.0.1 0 x
127.0.0.1 70000 x
'' 9 x
-4 ::1 9 x
-6 127.0.0.1 9 x
-n localhost 9 x
-U /tmp/x --broadcast x
-U /tmp/x --ttl 3 x
-U /tmp/x -s 127.0.0.1 x
-U '' x
--count 3 127.0.0.1 9 x
--bogus 127.0.0.1 9
EOF
}
