#!/usr/bin/env bats
# tests/observe.bats: seeing what moves (SPEC's section of that name):
# -x/--hexdump lines, --stats counts, --progress on a terminal and in a
# file, --sha256 against sha256sum, -C across a read boundary, --rate
# within bounds, --log-format json lines for every command, and the bad
# values of these options.  Loopback only, ports from the kernel.

load helpers/common
load helpers/fault
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=60

PTY="$BATS_TEST_DIRNAME/helpers/pty.py"

setup_file() {
	local d=$BATS_FILE_TMPDIR
	printf 'Hello, world.\nSecond line here\n' >"$d/msg"
	head -c 1M /dev/urandom >"$d/d1M"
	head -c 300000 /dev/urandom >"$d/d300k"
}

setup() { sc_setup; }
teardown() { sc_fault_teardown; }

# serve NAME STDIN ARGS...: sockcat listen -v -p 0 ARGS in the background
# with stdin from STDIN; its port in $PORT.
serve() {
	local name=$1 in=$2
	shift 2
	sc_bg "$name" "$in" "$SOCKCAT" listen -v -p 0 "$@"
	PORT=$(sc_port "$name")
	[ -n "$PORT" ]
}

# json_port NAME: the port background NAME's json "listening" event names.
json_port() {
	sc_wait_file "$SC_TMP/$1.err" '"event":"listening"' >&2 || return 1
	sed -n 's/.*"event":"listening","local":"[^"]*:\([0-9]*\)".*/\1/p' \
	    "$SC_TMP/$1.err" | head -n 1
}

# digest_line FILE WHICH: the "WHICH N bytes sha256 HEX" line FILE's
# sha256sum and size make ("sent" or "received").
digest_line() {
	printf 'sockcat: %s %s bytes sha256 %s\n' "$2" "$(sc_size "$1")" \
	    "$(sha256sum <"$1" | cut -d' ' -f1)"
}

# json_check FILE CMD EVENT...: every line of FILE is a JSON object with
# ts (RFC 3339, ms, UTC), level, cmd CMD, event and message; each EVENT
# is among them.  The events' own keys are checked too.
json_check() {
	python3 - "$@" <<'EOF'
import json, re, sys
path, cmd, want = sys.argv[1], sys.argv[2], set(sys.argv[3:])
keys = {
    "listening": ["local"],
    "accepted": ["peer"],
    "connected": ["peer"],
    "closed": ["peer"],
    "stats": ["duration_ms", "rate_bps"],
    "digest": ["direction", "bytes", "sha256"],
    "hexdump": ["direction", "offset", "bytes"],
    "progress": ["bytes_sent", "bytes_received", "elapsed_ms", "rate_bps"],
    "error": ["status"],
}
seen = set()
with open(path, "rb") as f:
    data = f.read()
if not data.endswith(b"\n"):
    sys.exit("%s: does not end with a newline" % path)
for n, line in enumerate(data.split(b"\n")[:-1], 1):
    try:
        o = json.loads(line.decode("utf-8"))
    except Exception as e:
        sys.exit("%s:%d: not JSON (%s): %r" % (path, n, e, line))
    if not isinstance(o, dict):
        sys.exit("%s:%d: not an object" % (path, n))
    for k in ("ts", "level", "cmd", "event", "message"):
        if k not in o:
            sys.exit("%s:%d: no %s: %r" % (path, n, k, line))
    if list(o)[:4] != ["ts", "level", "cmd", "event"] or \
            list(o)[-1] != "message":
        sys.exit("%s:%d: keys out of order: %s" % (path, n, list(o)))
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["ts"]):
        sys.exit("%s:%d: ts %r" % (path, n, o["ts"]))
    if o["level"] not in ("error", "warning", "info", "debug"):
        sys.exit("%s:%d: level %r" % (path, n, o["level"]))
    if o["cmd"] != cmd:
        sys.exit("%s:%d: cmd %r, not %r" % (path, n, o["cmd"], cmd))
    for k in keys.get(o["event"], []):
        if k not in o:
            sys.exit("%s:%d: event %s without %s" % (path, n, o["event"], k))
    if o["event"] == "stats" and not ("bytes_sent" in o or "bytes_up" in o):
        sys.exit("%s:%d: stats without bytes" % (path, n))
    seen.add(o["event"])
if want - seen:
    sys.exit("%s: no %s event (saw %s)" % (path, sorted(want - seen),
                                           sorted(seen)))
EOF
}

# --------------------------------------------------------------- hexdump

@test "observe: -x dumps a known message as exact lines, stdout unchanged" {
	local msg=$BATS_FILE_TMPDIR/msg
	serve L /dev/null -x
	run -0 "$SOCKCAT" connect -x 127.0.0.1 "$PORT" <"$msg"
	sc_expect_rc L 0
	cmp "$SC_TMP/L.out" "$msg"
	[ "$output" = "> 00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 2e 0a 53 65  |Hello, world..Se|
> 00000010  63 6f 6e 64 20 6c 69 6e  65 20 68 65 72 65 0a     |cond line here.|" ]
	run -0 grep '^<' "$SC_TMP/L.err"
	[ "$output" = "< 00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 2e 0a 53 65  |Hello, world..Se|
< 00000010  63 6f 6e 64 20 6c 69 6e  65 20 68 65 72 65 0a     |cond line here.|" ]
	# The layout is hexdump -C's, behind the direction's mark.
	[ "$(sed -n 's/^< //p' "$SC_TMP/L.err")" = \
	    "$(hexdump -C "$msg" | sed '$d')" ]
}

@test "observe: -x marks each direction, each with its own offsets" {
	printf 'request\n' >"$SC_TMP/req"
	printf '0123456789abcdefXY' >"$SC_TMP/resp"
	serve L "$SC_TMP/resp" -x
	run -0 --separate-stderr "$SOCKCAT" connect 127.0.0.1 "$PORT" \
	    <"$SC_TMP/req"
	[ "$output" = 0123456789abcdefXY ]
	sc_expect_rc L 0
	cmp "$SC_TMP/L.out" "$SC_TMP/req"
	# What the listener sends is read from its file in one chunk.
	[ "$(grep '^> ' "$SC_TMP/L.err")" = "> 00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|
> 00000010  58 59                                             |XY|" ]
	[ "$(grep '^< ' "$SC_TMP/L.err")" = "< 00000000  72 65 71 75 65 73 74 0a                           |request.|" ]
}

@test "observe: --hexdump=FILE is created 0600 and appended to across -k sessions" {
	local dump=$SC_TMP/dump.txt
	serve L /dev/null -k --hexdump="$dump"
	printf 'one\n' | "$SOCKCAT" connect 127.0.0.1 "$PORT"
	sc_wait_file "$dump" '|one.|'
	printf 'two\n' | "$SOCKCAT" connect 127.0.0.1 "$PORT"
	sc_wait_file "$dump" '|two.|'
	[ "$(stat -c %a "$dump")" = 600 ]
	run -0 cat "$dump"
	[ "${lines[0]}" = "< 00000000  6f 6e 65 0a                                       |one.|" ]
	[ "${lines[1]}" = "< 00000000  74 77 6f 0a                                       |two.|" ]
	[ "${#lines[@]}" -eq 2 ]
	# Nothing of the dump on stderr.
	! grep -q '^[<>] ' "$SC_TMP/L.err"
	[ "$(cat "$SC_TMP/L.out")" = "one
two" ]
}

@test "observe: -x on udp-send, udp-recv and forward (each line names its pair)" {
	start_recv R -c 2 -x
	"$SOCKCAT" udp-send -x 127.0.0.1 "$PORT" hi there 2>"$SC_TMP/S.err"
	sc_expect_rc R 0
	[ "$(grep '^[<>]' "$SC_TMP/R.err")" = "< 00000000  68 69                                             |hi|
< 00000002  74 68 65 72 65                                    |there|" ]
	[ "$(cat "$SC_TMP/S.err")" = "> 00000000  68 69                                             |hi|
> 00000002  74 68 65 72 65                                    |there|" ]

	sc_bg E /dev/null "$SOCKCAT" echo -v -p 0
	local eport
	eport=$(sc_port E)
	sc_bg F /dev/null "$SOCKCAT" forward -v -x -c 1 -p 0 127.0.0.1 "$eport"
	PORT=$(sc_port F)
	run -0 --separate-stderr "$SOCKCAT" connect 127.0.0.1 "$PORT" <<<ping
	[ "$output" = ping ]
	sc_expect_rc F 0
	run -0 grep ' [<>] 00000000 ' "$SC_TMP/F.err"
	[[ "${lines[0]}" =~ ^127\.0\.0\.1:[0-9]+\ -\>\ 127\.0\.0\.1:$eport\ \>\ 00000000\ \ 70\ 69\ 6e\ 67\ 0a\ .*\|ping\.\|$ ]]
	[[ "${lines[1]}" =~ ^127\.0\.0\.1:[0-9]+\ -\>\ 127\.0\.0\.1:$eport\ \<\ 00000000\ \ 70\ 69\ 6e\ 67\ 0a\ .*\|ping\.\|$ ]]
}

# ----------------------------------------------------------------- stats

@test "observe: --stats counts the bytes each way on both ends" {
	serve L /dev/null --stats
	run -0 --separate-stderr "$SOCKCAT" connect --stats 127.0.0.1 "$PORT" \
	    <"$BATS_FILE_TMPDIR/d1M"
	sc_expect_rc L 0
	cmp "$SC_TMP/L.out" "$BATS_FILE_TMPDIR/d1M"
	[[ "$stderr" =~ ^sockcat:\ stats\ 127\.0\.0\.1:$PORT:\ 1048576\ bytes\ sent,\ 0\ bytes\ received,\ [0-9]+\.[0-9]{3}s,\ [0-9.]+\ (B|KiB|MiB|GiB)/s$ ]]
	run -0 grep '^sockcat: stats ' "$SC_TMP/L.err"
	[[ "$output" =~ ^sockcat:\ stats\ 127\.0\.0\.1:[0-9]+:\ 0\ bytes\ sent,\ 1048576\ bytes\ received,\ [0-9]+\.[0-9]{3}s,\ [0-9.]+\ (B|KiB|MiB|GiB)/s$ ]]
}

@test "observe: --stats on udp-send and udp-recv counts datagrams and bytes" {
	start_recv R -c 3 --stats
	run -0 --separate-stderr "$SOCKCAT" udp-send --stats 127.0.0.1 "$PORT" \
	    <<<$'one\ntwo\nthree'
	sc_expect_rc R 0
	[[ "$stderr" == "sockcat: stats 127.0.0.1:$PORT: 3 datagrams (14 bytes) sent, 0 datagrams (0 bytes) received, "* ]]
	run -0 grep '^sockcat: stats ' "$SC_TMP/R.err"
	[[ "$output" == "sockcat: stats [::]:$PORT: 0 datagrams (0 bytes) sent, 3 datagrams (14 bytes) received, "* ]]
}

@test "observe: forward --stats says each pair's bytes and rate, without -v" {
	local sock=$SC_SOCKDIR/f.sock eport i
	sc_bg E /dev/null "$SOCKCAT" echo -v -p 0
	eport=$(sc_port E)
	# Without -v nothing says "listening": wait for the socket file.
	sc_bg F /dev/null "$SOCKCAT" forward --stats -c 1 -U "$sock" \
	    127.0.0.1 "$eport"
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	run -0 --separate-stderr "$SOCKCAT" connect -U "$sock" <<<hello
	[ "$output" = hello ]
	sc_expect_rc F 0
	run -0 cat "$SC_TMP/F.err"
	[[ "$output" =~ ^sockcat:\ stats\ $sock\ client\ 1\ -\>\ 127\.0\.0\.1:$eport:\ 6\ bytes\ up,\ 6\ bytes\ down,\ [0-9]+\.[0-9]{3}s,\ [0-9.]+\ (B|KiB|MiB)/s$ ]]
}

# ---------------------------------------------------------------- sha256

@test "observe: --sha256 lines on both ends equal sha256sum's, both ways" {
	local f=$BATS_FILE_TMPDIR/d1M
	serve L /dev/null --sha256
	run -0 --separate-stderr "$SOCKCAT" connect --sha256 127.0.0.1 \
	    "$PORT" <"$f"
	sc_expect_rc L 0
	cmp "$SC_TMP/L.out" "$f"
	[ "${stderr_lines[0]}" = "$(digest_line "$f" sent)" ]
	[ "${stderr_lines[1]}" = "$(digest_line /dev/null received)" ]
	[ "$(grep '^sockcat: received' "$SC_TMP/L.err")" = \
	    "$(digest_line "$f" received)" ]
	# The other way, read/write instead of splice on the receiver.
	serve L2 "$BATS_FILE_TMPDIR/d300k" --sha256
	SOCKCAT_NO_SPLICE=1 run -0 --separate-stderr "$SOCKCAT" connect \
	    --sha256 127.0.0.1 "$PORT" </dev/null
	sc_expect_rc L2 0
	[ "${stderr_lines[1]}" = "$(digest_line "$BATS_FILE_TMPDIR/d300k" \
	    received)" ]
	[ "$(grep '^sockcat: sent' "$SC_TMP/L2.err")" = \
	    "$(digest_line "$BATS_FILE_TMPDIR/d300k" sent)" ]
}

@test "observe: --sha256 on udp-send and udp-recv digests the payloads" {
	printf 'alpha\nbeta\ngamma\n' >"$SC_TMP/lines"
	start_recv R -c 3 --sha256
	run -0 --separate-stderr "$SOCKCAT" udp-send --sha256 127.0.0.1 \
	    "$PORT" <"$SC_TMP/lines"
	sc_expect_rc R 0
	[ "${stderr_lines[0]}" = "$(digest_line "$SC_TMP/lines" sent)" ]
	[ "$(grep '^sockcat: received' "$SC_TMP/R.err")" = \
	    "$(digest_line "$SC_TMP/lines" received)" ]
}

# -------------------------------------------------------------- progress

@test "observe: --progress on a terminal is redrawn in place and cleared" {
	serve L /dev/null
	run -0 python3 "$PTY" --stderr "$SC_TMP/tty" --keep-stdin \
	    "$SOCKCAT" connect --progress --rate 400k 127.0.0.1 "$PORT" \
	    <"$BATS_FILE_TMPDIR/d1M"
	sc_expect_rc L 0
	cmp "$SC_TMP/L.out" "$BATS_FILE_TMPDIR/d1M"
	python3 - "$SC_TMP/tty" <<'EOF'
import re, sys
t = open(sys.argv[1], "rb").read()
assert b"\n" not in t, t
parts = t.split(b"\r")
assert parts[0] == b"", parts[0]
lines = parts[1:-1]
assert parts[-1] == b"\x1b[K", parts[-1]       # cleared at the end
# 1 MiB at 400 KiB/s: about 2.6 s, at most ten redraws a second.
assert 10 <= len(lines) <= 32, len(lines)
pat = re.compile(rb"sockcat: progress: [0-9.]+ (B|KiB|MiB) sent, 0 B received, "
                 rb"[0-9.]+ (B|KiB|MiB)/s, 0:00:0\d, (\d+)%(, 0:00:0\d left)?\x1b\[K")
pct = [int(pat.fullmatch(l).group(3)) for l in lines]
assert pct == sorted(pct) and pct[-1] >= 90, pct
EOF
}

@test "observe: --progress to a file is one line a second" {
	serve L /dev/null
	run -0 --separate-stderr "$SOCKCAT" connect --progress --rate 400k \
	    127.0.0.1 "$PORT" <"$BATS_FILE_TMPDIR/d1M"
	sc_expect_rc L 0
	cmp "$SC_TMP/L.out" "$BATS_FILE_TMPDIR/d1M"
	[ "${#stderr_lines[@]}" -ge 2 ] && [ "${#stderr_lines[@]}" -le 3 ]
	[[ "$stderr" != *$'\r'* ]]
	[[ "${stderr_lines[0]}" =~ ^sockcat:\ progress:\ [0-9.]+\ KiB\ sent,\ 0\ B\ received,\ [0-9.]+\ KiB/s,\ 0:00:01,\ [0-9]+%,\ 0:00:0[0-9]\ left$ ]]
	[[ "${stderr_lines[1]}" == "sockcat: progress: "*", 0:00:02, "* ]]
	# Without a regular file on stdin: no percentage.
	serve L2 /dev/null
	run -0 --separate-stderr bash -c 'cat "$1" | "$SOCKCAT" connect \
	    --progress --rate 400k 127.0.0.1 "$2"' _ "$BATS_FILE_TMPDIR/d1M" \
	    "$PORT"
	sc_expect_rc L2 0
	[[ "${stderr_lines[0]}" =~ ^sockcat:\ progress:\ [0-9.]+\ KiB\ sent,\ 0\ B\ received,\ [0-9.]+\ KiB/s,\ 0:00:01$ ]]
}

@test "observe: --stats and --progress keep the zero-copy paths; -x and -C leave only their direction" {
	command -v strace >/dev/null || skip "strace is not installed"
	local f=$BATS_FILE_TMPDIR/d1M
	# LeakSanitizer cannot run under ptrace (a sanitizer build).
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	# sendfile is what a file into a socket takes with
	# SOCKCAT_ZEROCOPY_SEND=1 (read/write otherwise, see the man page).
	serve L /dev/null
	run -0 env SOCKCAT_ZEROCOPY_SEND=1 strace -f -qq -e trace=sendfile \
	    -o "$SC_TMP/st1" "$SOCKCAT" connect --stats --progress 127.0.0.1 \
	    "$PORT" <"$f"
	sc_expect_rc L 0
	grep -q 'sendfile(' "$SC_TMP/st1"
	serve L2 /dev/null
	run -0 env SOCKCAT_ZEROCOPY_SEND=1 strace -f -qq -e trace=sendfile \
	    -o "$SC_TMP/st2" "$SOCKCAT" connect -x 127.0.0.1 "$PORT" <"$f"
	sc_expect_rc L2 0
	run ! grep -q 'sendfile(' "$SC_TMP/st2"
	# -C rewrites what is sent; what is received keeps its splice.
	serve L3 "$f"
	strace -f -qq -e trace=splice,sendfile -o "$SC_TMP/st3" \
	    "$SOCKCAT" connect -C 127.0.0.1 "$PORT" <"$BATS_FILE_TMPDIR/msg" \
	    >"$SC_TMP/down"
	sc_expect_rc L3 0
	cmp "$SC_TMP/down" "$f"
	grep -q 'splice(' "$SC_TMP/st3"
	run ! grep -q 'sendfile(' "$SC_TMP/st3"
}

# ------------------------------------------------------------ CRLF, rate

@test "observe: -C sends LF as CRLF, keeps a CRLF, also across a read boundary" {
	serve L /dev/null
	sc_idle_fifo
	sc_bg C "$SC_TMP/idle" "$SOCKCAT" connect -C --sha256 127.0.0.1 "$PORT"
	printf 'a\nb\r' >&"$SC_IDLE_FD"
	# The first read ended with the CR: the LF comes in the next one.
	sc_wait_size "$SC_TMP/L.out" 5
	printf '\nc\r\n\n' >&"$SC_IDLE_FD"
	sc_idle_close
	sc_expect_rc C 0
	sc_expect_rc L 0
	printf 'a\r\nb\r\nc\r\n\r\n' >"$SC_TMP/want"
	cmp "$SC_TMP/L.out" "$SC_TMP/want"
	# The digest is of what went out.
	[ "$(grep '^sockcat: sent' "$SC_TMP/C.err")" = \
	    "$(digest_line "$SC_TMP/want" sent)" ]
}

@test "observe: -C on udp-send turns each line's LF into CRLF" {
	start_recv R -c 2
	"$SOCKCAT" udp-send -C 127.0.0.1 "$PORT" <<<$'EHLO x\nQUIT'
	sc_expect_rc R 0
	printf 'EHLO x\r\nQUIT\r\n' >"$SC_TMP/want"
	cmp "$SC_TMP/R.out" "$SC_TMP/want"
}

@test "observe: --rate 512k moves 1 MiB in 1.7 to 3 seconds, each way" {
	local t0 t1
	serve L /dev/null
	t0=$(sc_ms)
	run -0 "$SOCKCAT" connect --rate 512k 127.0.0.1 "$PORT" \
	    <"$BATS_FILE_TMPDIR/d1M"
	t1=$(sc_ms)
	sc_expect_rc L 0
	cmp "$SC_TMP/L.out" "$BATS_FILE_TMPDIR/d1M"
	echo "up: $((t1 - t0)) ms"
	[ $((t1 - t0)) -ge 1700 ] && [ $((t1 - t0)) -le 3000 ]
	# The receiving side limits what it reads.
	serve L2 /dev/null --rate 512k
	t0=$(sc_ms)
	"$SOCKCAT" connect 127.0.0.1 "$PORT" <"$BATS_FILE_TMPDIR/d1M"
	sc_expect_rc L2 0
	t1=$(sc_ms)
	cmp "$SC_TMP/L2.out" "$BATS_FILE_TMPDIR/d1M"
	echo "down: $((t1 - t0)) ms"
	[ $((t1 - t0)) -ge 1700 ] && [ $((t1 - t0)) -le 3500 ]
}

@test "observe: --rate paces udp-send without cutting datagrams" {
	local t0 t1
	start_recv R -c 20
	t0=$(sc_ms)
	head -c 20000 /dev/zero | "$SOCKCAT" udp-send --chunk 1000 --rate 20k \
	    127.0.0.1 "$PORT"
	t1=$(sc_ms)
	sc_expect_rc R 0
	[ "$(sc_size "$SC_TMP/R.out")" = 20000 ]
	echo "$((t1 - t0)) ms"
	[ $((t1 - t0)) -ge 700 ] && [ $((t1 - t0)) -le 2500 ]
}

# ------------------------------------------------------------------ json

@test "observe: --log-format json on listen and connect: every line parses" {
	sc_bg L /dev/null "$SOCKCAT" listen -v -p 0 --log-format json --stats \
	    --sha256 -x
	PORT=$(json_port L)
	run -0 --separate-stderr "$SOCKCAT" connect -v --log-format json \
	    --stats --sha256 --progress 127.0.0.1 "$PORT" \
	    <"$BATS_FILE_TMPDIR/msg"
	sc_expect_rc L 0
	cmp "$SC_TMP/L.out" "$BATS_FILE_TMPDIR/msg"
	printf '%s\n' "$stderr" >"$SC_TMP/C.json"
	json_check "$SC_TMP/C.json" connect connected closed stats digest
	json_check "$SC_TMP/L.err" listen listening accepted closed stats \
	    digest hexdump
	grep -q '"event":"digest","peer":"127.0.0.1:[0-9]*","direction":"received","bytes":31,"sha256":"d7f710b00cfa7818bcdc73176fcb80f80ecc2d1552a54dd14e34dc4c58d37941"' \
	    "$SC_TMP/L.err"
	grep -q '"event":"closed","peer":"127.0.0.1:[0-9]*","bytes_sent":0,"bytes_received":31,"duration_ms":[0-9]*,"status":0,"message":"closed ' \
	    "$SC_TMP/L.err"
}

@test "observe: --log-format json on udp-send, udp-recv, echo and forward" {
	sc_bg R /dev/null "$SOCKCAT" udp-recv -v -p 0 -c 1 --log-format json \
	    --stats
	PORT=$(json_port R)
	run -0 --separate-stderr "$SOCKCAT" udp-send -v --log-format json \
	    --stats 127.0.0.1 "$PORT" hello
	sc_expect_rc R 0
	printf '%s\n' "$stderr" >"$SC_TMP/S.json"
	json_check "$SC_TMP/S.json" udp-send connected stats
	json_check "$SC_TMP/R.err" udp-recv listening message stats

	sc_bg E /dev/null "$SOCKCAT" echo -v -c 1 -p 0 --log-format json
	PORT=$(json_port E)
	sc_bg F /dev/null "$SOCKCAT" forward -v --stats -c 1 -p 0 \
	    --log-format json 127.0.0.1 "$PORT"
	local fport
	fport=$(json_port F)
	run -0 "$SOCKCAT" connect 127.0.0.1 "$fport" <<<ping
	[ "$output" = ping ]
	sc_expect_rc F 0
	sc_expect_rc E 0
	json_check "$SC_TMP/E.err" echo listening accepted closed
	json_check "$SC_TMP/F.err" forward listening connected closed stats
}

@test "observe: --log-format json errors carry the status; any byte is escaped" {
	local port
	port=$(sc_free_port)
	run -69 --separate-stderr "$SOCKCAT" connect --log-format json \
	    127.0.0.1 "$port"
	printf '%s\n' "$stderr" >"$SC_TMP/e.json"
	json_check "$SC_TMP/e.json" connect error
	grep -q '"level":"error","cmd":"connect","event":"error","status":69,"message":"127.0.0.1:'"$port"': Connection refused"}$' \
	    "$SC_TMP/e.json"
	# A path that is not UTF-8: still one valid object a line.
	run -69 --separate-stderr "$SOCKCAT" connect --log-format json \
	    -U "$SC_SOCKDIR/"$'caf\xe9-\xff\x01"\\'
	printf '%s\n' "$stderr" >"$SC_TMP/u.json"
	json_check "$SC_TMP/u.json" connect error
	python3 -c '
import json, sys
m = json.loads(open(sys.argv[1]).read())["message"]
assert "caf\ufffd-\ufffd?\"\\" in m, repr(m)' "$SC_TMP/u.json"
	# The option's place does not matter: a usage error before it is json.
	run -64 --separate-stderr "$SOCKCAT" listen --bogus --log-format json
	printf '%s\n' "$stderr" >"$SC_TMP/b.json"
	json_check "$SC_TMP/b.json" listen error
}

@test "observe: text stays the default: no braces, the lines as before" {
	serve L /dev/null
	run -0 --separate-stderr "$SOCKCAT" connect -v --log-format text \
	    127.0.0.1 "$PORT" </dev/null
	sc_expect_rc L 0
	[ "${stderr_lines[0]}" = "sockcat: connected to 127.0.0.1:$PORT" ]
	[[ "${stderr_lines[1]}" =~ ^sockcat:\ closed\ 127\.0\.0\.1:$PORT:\ 0\ bytes\ sent,\ 0\ bytes\ received,\ [0-9]+\.[0-9]{3}s$ ]]
}

# ------------------------------------------------------------- bad input

@test "observe: bad values are one line, status 64, before any socket" {
	local cmd port
	for cmd in listen udp-send; do
		run -64 --separate-stderr "$SOCKCAT" "$cmd" -v --rate 0 127.0.0.1 9
		sc_check_msg "$cmd" "*--rate '0': must be at least 1 byte a second*"
		run -64 --separate-stderr "$SOCKCAT" "$cmd" -v --rate abc 127.0.0.1 9
		sc_check_msg "$cmd" "*--rate 'abc': not a size*"
	done
	for cmd in listen udp-recv; do
		run -64 --separate-stderr "$SOCKCAT" "$cmd" -v -p 0 --log-format xml
		sc_check_msg "$cmd" "*--log-format 'xml': not text or json*"
		run -64 --separate-stderr "$SOCKCAT" "$cmd" -v -p 0 --hexdump=
		sc_check_msg "$cmd" "*--hexdump '': an empty file name*"
		run -64 --separate-stderr "$SOCKCAT" "$cmd" -v -p 0 \
		    --hexdump="$SC_TMP/no/such/dir"
		sc_check_msg "$cmd" "*--hexdump '$SC_TMP/no/such/dir': No such file or directory"
		run -64 --separate-stderr "$SOCKCAT" "$cmd" -v -p 0 \
		    --hexdump="$SC_TMP"
		sc_check_msg "$cmd" "*: Is a directory"
	done
	# A client never connects: the refusal would be 69.
	port=$(sc_free_port)
	run -64 --separate-stderr "$SOCKCAT" connect --rate 1.5M 127.0.0.1 "$port"
	sc_check_msg connect "*--rate '1.5M': not a size*"
	run -64 --separate-stderr "$SOCKCAT" udp-send --hexdump= 127.0.0.1 "$port" x
	sc_check_msg udp-send "*--hexdump ''*"
	run -64 --separate-stderr "$SOCKCAT" forward -p 0 --hexdump="$SC_TMP" \
	    127.0.0.1 "$port"
	sc_check_msg forward "*: Is a directory"
	run -64 --separate-stderr "$SOCKCAT" forward -u -p 0 --rate 1k \
	    127.0.0.1 "$port"
	sc_check_msg forward "*--rate does not go with --udp*"
	run -64 --separate-stderr "$SOCKCAT" echo -p 0 --log-format JSON
	sc_check_msg echo "*--log-format 'JSON': not text or json*"
	# Options of other commands.
	run -64 --separate-stderr "$SOCKCAT" udp-recv -p 0 --progress
	sc_check_msg udp-recv "*unknown option '--progress'*"
	run -64 --separate-stderr "$SOCKCAT" echo -p 0 -x
	sc_check_msg echo "*unknown option '-x'*"
}
