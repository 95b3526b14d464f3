#!/usr/bin/env bats
# tests/tls.bats: connect --tls and listen --tls against real peers:
# openssl s_server and s_client, curl, and Python's ssl module
# (helpers/tls-peer.py), with certificates made for the file by
# helpers/tls-certs.sh (a CA, good, wrong-name, expired, a chain, client
# certificates) and one self-signed certificate.  Every usage error is
# checked to come before any socket: towards a closed port (a socket
# would say 69) or on a port another listener holds (71).
#
# Built --without-tls (SC_HAVE_TLS=0), the network tests skip, and the
# last tests check that every TLS option says "not built with TLS" (64).

load helpers/common
bats_require_minimum_version 1.5.0

BATS_TEST_TIMEOUT=60

: "${SC_SRCDIR:=$BATS_TEST_DIRNAME/..}"
: "${SC_OPENSSL:=openssl}"
[ -n "$SC_OPENSSL" ] || SC_OPENSSL=openssl
PEER=$BATS_TEST_DIRNAME/helpers/tls-peer.py
CERTS=$BATS_FILE_TMPDIR/certs

# Whether this sockcat has TLS: SC_HAVE_TLS from 'make check', else ask it.
have_tls() {
	if [ -z "${SC_HAVE_TLS:-}" ]; then
		if "$SOCKCAT" connect --tls 2>&1 | grep -q 'not built with TLS'; then
			SC_HAVE_TLS=0
		else
			SC_HAVE_TLS=1
		fi
	fi
	[ "$SC_HAVE_TLS" = 1 ]
}

setup_file() {
	have_tls || return 0
	SC_OPENSSL=$SC_OPENSSL sh "$SC_SRCDIR/tests/helpers/tls-certs.sh" \
	    "$CERTS" >/dev/null
	# A self-signed server certificate (its own issuer, no CA).
	"$SC_OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$CERTS/self.key" -out "$CERTS/self.crt" -days 30 \
	    -subj /CN=localhost \
	    -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' 2>/dev/null
	head -c 1M /dev/urandom >"$BATS_FILE_TMPDIR/up1M"
	head -c 1M /dev/urandom >"$BATS_FILE_TMPDIR/down1M"
	head -c 16M /dev/urandom >"$BATS_FILE_TMPDIR/d16M"
}

setup() {
	sc_setup
	D=$BATS_FILE_TMPDIR
}

teardown() { sc_teardown; }

tls_only() {
	have_tls || skip "built --without-tls"
}

# tls_listen NAME STDIN ARGS...: sockcat listen -v --tls ARGS on
# 127.0.0.1, port 0, in the background; sets PORT.
tls_listen() {
	local name=$1 in=$2
	shift 2
	sc_bg "$name" "$in" timeout 30 "$SOCKCAT" listen -v -b 127.0.0.1 -p 0 \
	    --tls "$@"
	PORT=$(sc_port "$name")
	[ -n "$PORT" ]
}

# py_server NAME ARGS...: helpers/tls-peer.py server ARGS; sets PORT.
py_server() {
	local name=$1
	shift
	sc_bg "$name" /dev/null timeout 30 python3 "$PEER" server "$@"
	PORT=$(sc_port "$name")
	[ -n "$PORT" ]
}

# s_server NAME ARGS...: one session of openssl s_server on 127.0.0.1,
# port 0, its stdin an idle pipe (at its stdin's EOF s_server would shut
# the session down); sets PORT from its "ACCEPT 127.0.0.1:PORT".
s_server() {
	local name=$1
	shift
	[ -n "${SC_IDLE_FD:-}" ] || sc_idle_fifo
	sc_bg "$name" "$SC_TMP/idle" timeout 30 "$SC_OPENSSL" s_server \
	    -accept 127.0.0.1:0 -naccept 1 "$@"
	sc_wait_file "$SC_TMP/$name.out" '^ACCEPT ' 100
	PORT=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$SC_TMP/$name.out")
	[ -n "$PORT" ]
}

# to FILE CMD...: CMD with its stdout in FILE (run would take it).
to() {
	local file=$1
	shift
	"$@" >"$file"
}

# pin_of NAME: the sha256: pin that listen --self-signed NAME printed.
pin_of() {
	sc_wait_file "$SC_TMP/$1.err" 'self-signed certificate: --pin' 100 &&
	sed -n 's/.*--pin \(sha256:[0-9a-f]*\)$/\1/p' "$SC_TMP/$1.err"
}

# ------------------------------------------------------- verification

@test "tls: connect verifies openssl s_server's certificate against --cafile and sends data" {
	tls_only
	s_server S -cert "$CERTS/good.crt" -key "$CERTS/good.key"
	run -0 --separate-stderr timeout 20 "$SOCKCAT" connect -v --tls \
	    --cafile "$CERTS/ca.crt" localhost "$PORT" <<<"hello s_server"
	[[ "${stderr_lines[1]}" =~ ^"sockcat: TLS with 127.0.0.1:$PORT: TLSv1.3 ".*", peer CN=localhost, pin $(cat "$CERTS/good.pin")"$ ]]
	[ "$(sc_wait_rc S)" = 0 ]
	grep -qx 'hello s_server' "$SC_TMP/S.out"
}

@test "tls: --cafile takes a hashed directory too" {
	tls_only
	py_server P --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    --send "$D/down1M"
	run -0 to "$SC_TMP/out" timeout 20 "$SOCKCAT" connect --tls \
	    --cafile "$CERTS/cadir" localhost "$PORT" </dev/null
	[ "$(sc_wait_rc P)" = 0 ]
	cmp "$D/down1M" "$SC_TMP/out"
}

@test "tls: a chain (leaf then intermediate) verifies up to the CA" {
	tls_only
	tls_listen L /dev/null --cert "$CERTS/chain.crt" --key "$CERTS/leaf.key"
	run -0 timeout 20 "$SOCKCAT" connect --tls --cafile "$CERTS/ca.crt" \
	    localhost "$PORT" </dev/null
	[ "$(sc_wait_rc L)" = 0 ]
}

@test "tls: a self-signed server is refused, 76, with OpenSSL's reason" {
	tls_only
	s_server S -cert "$CERTS/self.crt" -key "$CERTS/self.key"
	run -76 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    127.0.0.1 "$PORT" </dev/null
	[ "$stderr" = "sockcat: connect: 127.0.0.1:$PORT: certificate verify failed: self-signed certificate" ]
	[ -z "$output" ]
}

@test "tls: listen --self-signed prints its pin without -v" {
	tls_only
	sc_bg L /dev/null timeout 30 "$SOCKCAT" listen -b 127.0.0.1 -p 0 \
	    --tls --self-signed
	run -0 pin_of L
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$(wc -l <"$SC_TMP/L.err")" -eq 1 ]
}

@test "tls: --pin accepts the key it names, signed by nobody; any other is 76" {
	tls_only
	local pin
	tls_listen L /dev/null --self-signed
	pin=$(pin_of L)
	run -76 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    --pin "$(cat "$CERTS/good.pin")" 127.0.0.1 "$PORT" </dev/null
	[ "$stderr" = "sockcat: connect: 127.0.0.1:$PORT: certificate pin mismatch: the server's key is $pin, --pin wants $(cat "$CERTS/good.pin")" ]
	[ "$(sc_wait_rc L)" = 76 ]
	tls_listen L2 /dev/null --self-signed
	pin=$(pin_of L2)
	# HEX in upper case works as well.
	pin=${pin#sha256:}
	run -0 timeout 20 "$SOCKCAT" connect --tls --pin "sha256:${pin^^}" \
	    127.0.0.1 "$PORT" </dev/null
	[ "$(sc_wait_rc L2)" = 0 ]
}

@test "tls: --pin accepts a CA-signed key whatever its names and dates" {
	tls_only
	py_server P --cert "$CERTS/expired.crt" --key "$CERTS/expired.key"
	run -0 timeout 20 "$SOCKCAT" connect --tls \
	    --pin "$(cat "$CERTS/expired.pin")" --sni other.example \
	    127.0.0.1 "$PORT" <<<"pinned"
	[ "$(sc_wait_rc P)" = 0 ]
}

@test "tls: a certificate for another name is 76: hostname mismatch" {
	tls_only
	py_server P --cert "$CERTS/wrong.crt" --key "$CERTS/wrong.key"
	run -76 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    --cafile "$CERTS/ca.crt" localhost "$PORT" </dev/null
	[ "$stderr" = "sockcat: connect: 127.0.0.1:$PORT: certificate verify failed: hostname mismatch" ]
}

@test "tls: an expired certificate is 76" {
	tls_only
	py_server P --cert "$CERTS/expired.crt" --key "$CERTS/expired.key"
	run -76 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    --cafile "$CERTS/ca.crt" localhost "$PORT" </dev/null
	[ "$stderr" = "sockcat: connect: 127.0.0.1:$PORT: certificate verify failed: certificate has expired" ]
}

@test "tls: a CA that did not sign the server's certificate is 76" {
	tls_only
	py_server P --cert "$CERTS/good.crt" --key "$CERTS/good.key"
	run -76 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    --cafile "$CERTS/other-ca.crt" localhost "$PORT" </dev/null
	[[ "$stderr" == "sockcat: connect: 127.0.0.1:$PORT: certificate verify failed: unable to get local issuer certificate" ]]
}

@test "tls: --insecure says so in one line and connects to anything" {
	tls_only
	s_server S -cert "$CERTS/self.crt" -key "$CERTS/self.key"
	run -0 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    --insecure 127.0.0.1 "$PORT" <<<"not verified"
	[ "$stderr" = "sockcat: connect: --insecure: the server's certificate and name are not verified" ]
	[ "$(sc_wait_rc S)" = 0 ]
	grep -qx 'not verified' "$SC_TMP/S.out"
}

@test "tls: an IP literal is checked against the IP addresses and sends no SNI" {
	tls_only
	py_server P --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    --info "$SC_TMP/info"
	run -0 timeout 20 "$SOCKCAT" connect --tls --cafile "$CERTS/ca.crt" \
	    127.0.0.1 "$PORT" </dev/null
	[ "$(sc_wait_rc P)" = 0 ]
	grep -q '^sni=- ' "$SC_TMP/info"
	# ::1 is in the certificate too; wrong.example's has no address.
	py_server P6 --bind ::1 --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    --info "$SC_TMP/info6"
	run -0 timeout 20 "$SOCKCAT" connect --tls --cafile "$CERTS/ca.crt" \
	    '[::1]' "$PORT" </dev/null
	[ "$(sc_wait_rc P6)" = 0 ]
	grep -q '^sni=- ' "$SC_TMP/info6"
	py_server PW --cert "$CERTS/wrong.crt" --key "$CERTS/wrong.key"
	run -76 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    --cafile "$CERTS/ca.crt" 127.0.0.1 "$PORT" </dev/null
	[[ "$stderr" == *": certificate verify failed: IP address mismatch" ]]
}

@test "tls: --sni NAME is the name sent and the name verified" {
	tls_only
	py_server P --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    --info "$SC_TMP/info"
	run -0 timeout 20 "$SOCKCAT" connect --tls --cafile "$CERTS/ca.crt" \
	    --sni localhost 127.0.0.1 "$PORT" </dev/null
	[ "$(sc_wait_rc P)" = 0 ]
	grep -q '^sni=localhost ' "$SC_TMP/info"
	py_server PW --cert "$CERTS/wrong.crt" --key "$CERTS/wrong.key" \
	    --info "$SC_TMP/infow"
	run -0 timeout 20 "$SOCKCAT" connect --tls --cafile "$CERTS/ca.crt" \
	    --sni wrong.example localhost "$PORT" </dev/null
	[ "$(sc_wait_rc PW)" = 0 ]
	grep -q '^sni=wrong.example ' "$SC_TMP/infow"
	py_server PG --cert "$CERTS/good.crt" --key "$CERTS/good.key"
	run -76 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    --cafile "$CERTS/ca.crt" --sni other.example localhost "$PORT" \
	    </dev/null
	[[ "$stderr" == *": certificate verify failed: hostname mismatch" ]]
}

@test "tls: connect -U with --sni verifies the name over a Unix socket" {
	tls_only
	local path=$SC_SOCKDIR/tls.sock
	sc_bg L /dev/null timeout 30 "$SOCKCAT" listen -v -U "$path" --tls \
	    --cert "$CERTS/good.crt" --key "$CERTS/good.key"
	sc_wait_file "$SC_TMP/L.err" 'listening on'
	run -0 timeout 20 "$SOCKCAT" connect --tls --cafile "$CERTS/ca.crt" \
	    --sni localhost -U "$path" <<<"over unix"
	[ "$(sc_wait_rc L)" = 0 ]
	[ "$(cat "$SC_TMP/L.out")" = "over unix" ]
}

# ----------------------------------------------------- ALPN, client certs

@test "tls: --alpn on connect, and -v says version, cipher, ALPN, peer and pin" {
	tls_only
	py_server P --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    --alpn h2,http/1.1 --info "$SC_TMP/info"
	run -0 --separate-stderr timeout 20 "$SOCKCAT" connect -v --tls \
	    --cafile "$CERTS/ca.crt" --alpn foo,http/1.1 localhost "$PORT" \
	    </dev/null
	[ "$(sc_wait_rc P)" = 0 ]
	grep -q ' alpn=http/1.1 ' "$SC_TMP/info"
	[[ "${stderr_lines[1]}" =~ ^"sockcat: TLS with 127.0.0.1:$PORT: TLSv1.3 TLS_"[A-Z0-9_]+", ALPN http/1.1, peer CN=localhost, pin sha256:"[0-9a-f]{64}$ ]]
}

@test "tls: --alpn on listen chooses its first protocol the client offers" {
	tls_only
	tls_listen L /dev/null --self-signed --alpn h2,http/1.1
	run -0 timeout 20 python3 "$PEER" client --port "$PORT" \
	    --alpn http/1.1,h2 --info "$SC_TMP/info"
	grep -q ' alpn=h2 ' "$SC_TMP/info"
	[ "$(sc_wait_rc L)" = 0 ]
	grep -q "^sockcat: TLS with 127.0.0.1:[0-9]*: TLSv1.3 .*, ALPN h2, no client certificate$" \
	    "$SC_TMP/L.err"
}

@test "tls: listen --client-ca accepts a client certificate its CA signed" {
	tls_only
	tls_listen L /dev/null --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    --client-ca "$CERTS/ca.crt"
	printf 'from a client with a certificate\n' >"$SC_TMP/in"
	run -0 timeout 20 python3 "$PEER" client --port "$PORT" \
	    --cafile "$CERTS/ca.crt" --server-name localhost \
	    --cert "$CERTS/client.crt" --key "$CERTS/client.key" \
	    --send "$SC_TMP/in"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/in" "$SC_TMP/L.out"
	grep -q ", SNI localhost, peer CN=sockcat-client, pin $(cat "$CERTS/client.pin")$" \
	    "$SC_TMP/L.err"
}

@test "tls: listen --client-ca refuses a client without a certificate, 76" {
	tls_only
	tls_listen L /dev/null --self-signed --client-ca "$CERTS/ca.crt"
	run -1 timeout 20 python3 "$PEER" client --port "$PORT"
	[ "$(sc_wait_rc L)" = 76 ]
	grep -q "^sockcat: listen: 127.0.0.1:[0-9]*: TLS handshake failed: the client sent no certificate (--client-ca requires one)$" \
	    "$SC_TMP/L.err"
}

@test "tls: listen --client-ca refuses a certificate of another CA, 76" {
	tls_only
	tls_listen L /dev/null --self-signed --client-ca "$CERTS/ca.crt"
	run -1 timeout 20 python3 "$PEER" client --port "$PORT" \
	    --cert "$CERTS/other-client.crt" --key "$CERTS/other-client.key"
	[ "$(sc_wait_rc L)" = 76 ]
	grep -q "^sockcat: listen: 127.0.0.1:[0-9]*: client certificate verify failed: " \
	    "$SC_TMP/L.err"
}

@test "tls: connect --cert/--key satisfies s_server -Verify; without them it is 76" {
	tls_only
	s_server S -cert "$CERTS/good.crt" -key "$CERTS/good.key" \
	    -Verify 1 -CAfile "$CERTS/ca.crt" -verify_return_error
	run -0 timeout 20 "$SOCKCAT" connect --tls --cafile "$CERTS/ca.crt" \
	    --cert "$CERTS/client.crt" --key "$CERTS/client.key" \
	    localhost "$PORT" <<<"mutual"
	[ "$(sc_wait_rc S)" = 0 ]
	grep -qx 'mutual' "$SC_TMP/S.out"
	# TLS 1.3: the refusal comes after the client's handshake, at the
	# first read.
	s_server S2 -cert "$CERTS/good.crt" -key "$CERTS/good.key" \
	    -Verify 1 -CAfile "$CERTS/ca.crt" -verify_return_error
	run -76 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    --cafile "$CERTS/ca.crt" localhost "$PORT" <<<"no certificate"
	[[ "$stderr" == "sockcat: connect: 127.0.0.1:$PORT: TLS session refused by the peer: "*"certificate required" ]]
}

# ------------------------------------------------------------ versions

@test "tls: connect --tls-min 1.3 against a TLS 1.2 server is 76" {
	tls_only
	s_server S -cert "$CERTS/good.crt" -key "$CERTS/good.key" -tls1_2
	run -76 --separate-stderr timeout 20 "$SOCKCAT" connect --tls \
	    --tls-min 1.3 --cafile "$CERTS/ca.crt" localhost "$PORT" </dev/null
	[[ "$stderr" == "sockcat: connect: 127.0.0.1:$PORT: TLS handshake failed: "*"protocol version" ]]
}

@test "tls: without --tls-min, TLS 1.2 works both ways" {
	tls_only
	s_server S -cert "$CERTS/good.crt" -key "$CERTS/good.key" -tls1_2
	run -0 --separate-stderr timeout 20 "$SOCKCAT" connect -v --tls \
	    --cafile "$CERTS/ca.crt" localhost "$PORT" <<<"over 1.2"
	[[ "${stderr_lines[1]}" == "sockcat: TLS with 127.0.0.1:$PORT: TLSv1.2 "* ]]
	[ "$(sc_wait_rc S)" = 0 ]
	grep -qx 'over 1.2' "$SC_TMP/S.out"
	tls_listen L /dev/null --self-signed
	run -0 timeout 20 python3 "$PEER" client --port "$PORT" \
	    --max-version 1.2 --info "$SC_TMP/info"
	grep -q ' version=TLSv1.2 ' "$SC_TMP/info"
	[ "$(sc_wait_rc L)" = 0 ]
}

@test "tls: listen --tls-min 1.3 refuses a TLS 1.2 client, 76" {
	tls_only
	tls_listen L /dev/null --self-signed --tls-min 1.3
	run -1 timeout 20 python3 "$PEER" client --port "$PORT" --max-version 1.2
	[ "$(sc_wait_rc L)" = 76 ]
	grep -q "^sockcat: listen: 127.0.0.1:[0-9]*: TLS handshake failed: unsupported protocol$" \
	    "$SC_TMP/L.err"
}

# --------------------------------------------------------- data and EOF

@test "tls: 1 MiB each way at once, byte-exact, both exit 0" {
	tls_only
	tls_listen L "$D/down1M" --self-signed
	run -0 to "$SC_TMP/down.out" timeout 30 "$SOCKCAT" connect --tls \
	    --pin "$(pin_of L)" 127.0.0.1 "$PORT" <"$D/up1M"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$D/down1M" "$SC_TMP/down.out"
	cmp "$D/up1M" "$SC_TMP/L.out"
}

@test "tls: the man page's transfer: listen --self-signed > file, connect --pin < file" {
	tls_only
	sc_bg L /dev/null timeout 30 "$SOCKCAT" listen -b 127.0.0.1 -p 0 \
	    --tls --self-signed -v
	PORT=$(sc_port L)
	run -0 timeout 30 bash -c 'cat "$1" | "$2" connect --tls --pin "$3" \
	    127.0.0.1 "$4"' _ "$D/up1M" "$SOCKCAT" "$(pin_of L)" "$PORT"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$D/up1M" "$SC_TMP/L.out"
}

@test "tls: request/response: a 16 MiB response arrives whole after the client's half-close" {
	tls_only
	tls_listen L "$D/d16M" --cert "$CERTS/good.crt" --key "$CERTS/good.key"
	run -0 timeout 30 bash -c 'printf "GET /\n" | "$1" connect --tls \
	    --cafile "$2" localhost "$3" | cat >"$4"' _ "$SOCKCAT" \
	    "$CERTS/ca.crt" "$PORT" "$SC_TMP/resp"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$D/d16M" "$SC_TMP/resp"
	[ "$(cat "$SC_TMP/L.out")" = "GET /" ]
}

@test "tls: stdin's EOF sends close_notify; the peer's close_notify is EOF" {
	tls_only
	# tls-peer.py exits 1 on an EOF without close_notify.
	py_server P --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    --send "$D/down1M" --recv "$SC_TMP/got"
	run -0 to "$SC_TMP/out" timeout 20 "$SOCKCAT" connect --tls \
	    --cafile "$CERTS/ca.crt" localhost "$PORT" <"$D/up1M"
	[ "$(sc_wait_rc P)" = 0 ]
	cmp "$D/up1M" "$SC_TMP/got"
	cmp "$D/down1M" "$SC_TMP/out"
}

@test "tls: a given-up stdin and --recv-only still end with close_notify" {
	tls_only
	sc_idle_fifo
	py_server P --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    --send "$D/down1M" --close-first
	run -0 --separate-stderr to "$SC_TMP/out" timeout 20 "$SOCKCAT" \
	    connect -v --tls --cafile "$CERTS/ca.crt" localhost "$PORT" \
	    <"$SC_TMP/idle"
	[[ "$stderr" == *"sockcat: stdin given up: "* ]]
	[ "$(sc_wait_rc P)" = 0 ]
	cmp "$D/down1M" "$SC_TMP/out"
	py_server P2 --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    --send "$D/down1M" --close-first
	run -0 to "$SC_TMP/out2" timeout 20 "$SOCKCAT" connect --recv-only \
	    --tls --cafile "$CERTS/ca.crt" localhost "$PORT" </dev/null
	[ "$(sc_wait_rc P2)" = 0 ]
	cmp "$D/down1M" "$SC_TMP/out2"
}

@test "tls: a TCP EOF without close_notify is status 1, after the data" {
	tls_only
	py_server P --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    --send "$D/down1M" --no-close-notify
	run -1 --separate-stderr to "$SC_TMP/out" timeout 20 "$SOCKCAT" \
	    connect --tls --cafile "$CERTS/ca.crt" localhost "$PORT" </dev/null
	[ "$stderr" = "sockcat: connect: 127.0.0.1:$PORT: connection ended without TLS close_notify" ]
	cmp "$D/down1M" "$SC_TMP/out"
	# The same for listen.
	tls_listen L /dev/null --self-signed
	run -0 timeout 20 python3 "$PEER" client --port "$PORT" \
	    --send "$D/up1M" --no-close-notify
	[ "$(sc_wait_rc L)" = 1 ]
	grep -q "^sockcat: listen: 127.0.0.1:[0-9]*: connection ended without TLS close_notify$" \
	    "$SC_TMP/L.err"
	cmp "$D/up1M" "$SC_TMP/L.out"
}

@test "tls: curl --cacert gets a response from listen --tls, whole" {
	tls_only
	command -v curl >/dev/null || skip "curl is not installed"
	head -c 300000 /dev/urandom >"$SC_TMP/body"
	{
		printf 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'
		cat "$SC_TMP/body"
	} >"$SC_TMP/response"
	tls_listen L "$SC_TMP/response" --cert "$CERTS/good.crt" \
	    --key "$CERTS/good.key" --alpn http/1.1
	run -0 timeout 20 curl -sS --cacert "$CERTS/ca.crt" \
	    -o "$SC_TMP/got" "https://localhost:$PORT/file"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/body" "$SC_TMP/got"
	head -n 1 "$SC_TMP/L.out" | grep -q '^GET /file HTTP/1.1'
	grep -q ', ALPN http/1.1, SNI localhost, no client certificate$' \
	    "$SC_TMP/L.err"
}

@test "tls: openssl s_client sends to listen --tls; listen ends by itself" {
	tls_only
	sc_idle_fifo
	tls_listen L "$SC_TMP/idle" --cert "$CERTS/good.crt" \
	    --key "$CERTS/good.key"
	printf 'from s_client\n' >"$SC_TMP/in"
	run -0 timeout 20 "$SC_OPENSSL" s_client -connect "127.0.0.1:$PORT" \
	    -CAfile "$CERTS/ca.crt" -verify_return_error -servername localhost \
	    <"$SC_TMP/in"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/in" "$SC_TMP/L.out"
}

@test "tls: listen -k: a handshake for each client on one context; a failed one is a warning" {
	tls_only
	local pin
	tls_listen L /dev/null -k --self-signed
	pin=$(pin_of L)
	run -0 timeout 20 "$SOCKCAT" connect --tls --pin "$pin" 127.0.0.1 \
	    "$PORT" <<<"one"
	run -76 timeout 20 "$SOCKCAT" connect --tls --cafile "$CERTS/ca.crt" \
	    127.0.0.1 "$PORT" </dev/null
	run -0 timeout 20 "$SOCKCAT" connect --tls --pin "$pin" 127.0.0.1 \
	    "$PORT" <<<"two"
	sc_wait_file "$SC_TMP/L.out" two
	[ "$(cat "$SC_TMP/L.out")" = "$(printf 'one\ntwo')" ]
	[ "$(grep -c '^sockcat: TLS with ' "$SC_TMP/L.err")" -eq 2 ]
	grep -q '^sockcat: listen: 127.0.0.1:[0-9]*: TLS handshake failed: ' \
	    "$SC_TMP/L.err"
	# Still serving.
	kill -0 "$(sc_cmd_pid "$SC_LAST_PID")"
}

@test "tls: a client that does not speak TLS is 76 on listen" {
	tls_only
	tls_listen L /dev/null --self-signed
	run -0 timeout 20 "$SOCKCAT" connect 127.0.0.1 "$PORT" \
	    <<<"GET / HTTP/1.0"
	[ "$(sc_wait_rc L)" = 76 ]
	grep -q '^sockcat: listen: 127.0.0.1:[0-9]*: TLS handshake failed: .*(is the peer speaking TLS?)$' \
	    "$SC_TMP/L.err"
}

# ---------------------------------------------------------- deadlines

@test "tls: connect -w bounds the handshake too: a silent server is 75" {
	tls_only
	sc_idle_fifo
	sc_bg Q "$SC_TMP/idle" timeout 30 "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	PORT=$(sc_port Q)
	local t0=$SECONDS
	run -75 --separate-stderr timeout 20 "$SOCKCAT" connect --tls -w 1 \
	    --insecure 127.0.0.1 "$PORT" </dev/null
	[ "${stderr_lines[1]}" = "sockcat: connect: 127.0.0.1:$PORT: TLS handshake timed out after 1.000s" ] ||
	[[ "${stderr_lines[1]}" =~ ^"sockcat: connect: 127.0.0.1:$PORT: TLS handshake timed out after 0."[0-9]{3}s$ ]]
	((SECONDS - t0 < 5))
}

@test "tls: listen -i bounds a handshake that stalls, 75" {
	tls_only
	sc_idle_fifo
	tls_listen L /dev/null --self-signed -i 1
	sc_bg C "$SC_TMP/idle" timeout 30 "$SOCKCAT" connect 127.0.0.1 "$PORT"
	[ "$(sc_wait_rc L 100)" = 75 ]
	grep -q '^sockcat: listen: idle timeout: no byte moved for 1.000s$' \
	    "$SC_TMP/L.err"
}

# bats test_tags=slow
@test "tls: listen gives a silent client 10 s for its handshake, then 75" {
	tls_only
	sc_idle_fifo
	tls_listen L /dev/null --self-signed
	local t0=$SECONDS
	sc_bg C "$SC_TMP/idle" timeout 30 "$SOCKCAT" connect 127.0.0.1 "$PORT"
	[ "$(sc_wait_rc L 200)" = 75 ]
	grep -q '^sockcat: listen: 127.0.0.1:[0-9]*: TLS handshake timed out after 10.000s$' \
	    "$SC_TMP/L.err"
	((SECONDS - t0 >= 9))
}

# -------------------------------------------------------- usage errors

# usage_connect MESSAGE ARGS...: connect ARGS towards a closed port is
# 64 with MESSAGE (a pattern), said before any socket (else: 69).
usage_connect() {
	local want=$1 port
	shift
	port=$(sc_free_port)
	run -64 --separate-stderr "$SOCKCAT" connect "$@" 127.0.0.1 "$port" \
	    </dev/null
	[[ "$stderr" == $want ]] || {
		echo "connect $*: got: $stderr"
		return 1
	}
}

# usage_listen MESSAGE ARGS...: listen ARGS on a port another listener
# holds is 64 with MESSAGE, said before any socket (else: 71).
usage_listen() {
	local want=$1
	shift
	[ -n "${HELD:-}" ] || {
		sc_bg H /dev/null "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
		HELD=$(sc_port H)
	}
	run -64 --separate-stderr "$SOCKCAT" listen -b 127.0.0.1 -p "$HELD" \
	    "$@" </dev/null
	[[ "$stderr" == $want ]] || {
		echo "listen $*: got: $stderr"
		return 1
	}
}

@test "tls: TLS options without --tls are 64, before any socket" {
	tls_only
	local c=$CERTS/good.crt k=$CERTS/good.key
	usage_connect "*: --cafile needs --tls; see *" --cafile "$CERTS/ca.crt"
	usage_connect "*: --sni needs --tls; see *" --sni localhost
	usage_connect "*: --pin needs --tls; see *" --pin "$(cat "$CERTS/good.pin")"
	usage_connect "*: --insecure needs --tls; see *" --insecure
	usage_connect "*: --alpn needs --tls; see *" --alpn h2
	usage_connect "*: --cert needs --tls; see *" --cert "$c" --key "$k"
	usage_connect "*: --tls-min needs --tls; see *" --tls-min 1.3
	usage_listen "*: --cert needs --tls; see *" --cert "$c" --key "$k"
	usage_listen "*: --self-signed needs --tls; see *" --self-signed
	usage_listen "*: --client-ca needs --tls; see *" --client-ca "$CERTS/ca.crt"
	usage_listen "*: --alpn needs --tls; see *" --alpn h2
}

@test "tls: bad TLS values are 64, before any socket" {
	tls_only
	local c=$CERTS/good.crt k=$CERTS/good.key h
	h=$(printf '%064d' 0)
	usage_connect "*: --pin 'sha256:zz': expected sha256: and 64 hex digits*" \
	    --tls --pin sha256:zz
	usage_connect "*: --pin 'md5:$h': expected sha256:*" --tls --pin "md5:$h"
	usage_connect "*: --pin 'sha256:${h%0}g': 'g' is not a hex digit*" \
	    --tls --pin "sha256:${h%0}g"
	usage_connect "*: --tls-min '1.1': expected 1.2 or 1.3*" --tls --tls-min 1.1
	usage_connect "*: --alpn 'h2,,x': an empty protocol name*" --tls --alpn h2,,x
	usage_connect "*: --sni '': *" --tls --sni ''
	usage_connect "*: --insecure and --pin exclude each other*" --tls \
	    --insecure --pin "sha256:$h"
	usage_connect "*: --cert needs --key*" --tls --cert "$c"
	usage_connect "*: --key needs --cert*" --tls --key "$k"
	usage_connect "*: unknown option '--self-signed'*" --tls --self-signed
	usage_connect "*: unknown option '--client-ca'*" --tls \
	    --client-ca "$CERTS/ca.crt"
	usage_listen "*: a TLS server needs --cert FILE --key FILE, or --self-signed*" \
	    --tls
	usage_listen "*: --self-signed and --cert exclude each other*" \
	    --tls --self-signed --cert "$c" --key "$k"
	usage_listen "*: --key needs --cert*" --tls --key "$k"
	usage_listen "*: unknown option '--pin'*" --tls --self-signed --pin "sha256:$h"
	usage_listen "*: unknown option '--insecure'*" --tls --self-signed --insecure
}

@test "tls: files that cannot be used are 64, before any socket" {
	tls_only
	local c=$CERTS/good.crt k=$CERTS/good.key
	printf 'not a certificate\n' >"$SC_TMP/junk"
	usage_connect "*: --cafile '/nonexistent/ca.crt': No such file or directory" \
	    --tls --cafile /nonexistent/ca.crt
	usage_connect "*: --cafile '$SC_TMP/junk': no usable PEM certificate in it*" \
	    --tls --cafile "$SC_TMP/junk"
	usage_connect "*: --cert '$SC_TMP': Is a directory" --tls \
	    --cert "$SC_TMP" --key "$k"
	usage_connect "*: --key '$CERTS/wrong.key' does not match the certificate of --cert '$c'" \
	    --tls --cert "$c" --key "$CERTS/wrong.key"
	usage_connect "*: --key '$CERTS/encrypted.key': no usable unencrypted PEM private key in it*" \
	    --tls --cert "$c" --key "$CERTS/encrypted.key"
	usage_listen "*: --cert '$SC_TMP/junk': no usable PEM certificate in it*" \
	    --tls --cert "$SC_TMP/junk" --key "$k"
	usage_listen "*: --key '/nonexistent.key': No such file or directory" \
	    --tls --cert "$c" --key /nonexistent.key
	usage_listen "*: --key '$CERTS/wrong.key' does not match the certificate of --cert '$c'" \
	    --tls --cert "$c" --key "$CERTS/wrong.key"
	usage_listen "*: --client-ca '/nonexistent': No such file or directory" \
	    --tls --self-signed --client-ca /nonexistent
}

@test "tls: -U without --sni or --pin, and --seqpacket, are 64 before any socket" {
	tls_only
	# The path does not exist: a connect would say 69.
	run -64 --separate-stderr "$SOCKCAT" connect --tls -U "$SC_SOCKDIR/none"
	[[ "$stderr" == "sockcat: connect: --tls with -U needs --sni NAME or --pin: "* ]]
	run -64 --separate-stderr "$SOCKCAT" connect --tls --sni localhost \
	    --seqpacket -U "$SC_SOCKDIR/none"
	[[ "$stderr" == "sockcat: connect: --tls does not go with --seqpacket; see "* ]]
	run -64 --separate-stderr "$SOCKCAT" listen --tls --self-signed \
	    --seqpacket -U "$SC_SOCKDIR/s"
	[[ "$stderr" == "sockcat: listen: --tls does not go with --seqpacket; see "* ]]
	[ ! -e "$SC_SOCKDIR/s" ]
}

@test "tls: the datagram commands and echo have no --tls, 64" {
	local port
	port=$(sc_free_port)
	run -64 --separate-stderr "$SOCKCAT" udp-send --tls 127.0.0.1 "$port" x
	[[ "$stderr" == "sockcat: udp-send: unknown option '--tls'; see "* ]]
	run -64 --separate-stderr "$SOCKCAT" udp-recv --tls -p 0
	[[ "$stderr" == "sockcat: udp-recv: unknown option '--tls'; see "* ]]
	run -64 --separate-stderr "$SOCKCAT" echo --tls -p 0
	[[ "$stderr" == "sockcat: echo: unknown option '--tls'; see "* ]]
}

# ------------------------------------------------------- --without-tls

@test "tls: built --without-tls, every TLS option is 64: not built with TLS" {
	! have_tls || skip "this sockcat has TLS"
	local port opt
	port=$(sc_free_port)
	for opt in --tls "--cafile x" "--sni x" "--pin sha256:$(printf '%064d' 0)" \
	    --insecure "--alpn h2" "--cert x" "--key x" "--tls-min 1.3"; do
		# shellcheck disable=SC2086
		run -64 --separate-stderr "$SOCKCAT" connect $opt 127.0.0.1 "$port"
		[[ "$stderr" == "sockcat: connect: ${opt%% *}: not built with TLS"* ]]
	done
	for opt in --tls "--cert x" "--key x" --self-signed "--client-ca x" \
	    "--alpn h2" "--tls-min 1.2"; do
		# shellcheck disable=SC2086
		run -64 --separate-stderr "$SOCKCAT" listen $opt -p 0
		[[ "$stderr" == "sockcat: listen: ${opt%% *}: not built with TLS"* ]]
	done
}

# ------------------------------------------------------------- forward

# fwd_tls NAME ARGS...: sockcat forward -v -b 127.0.0.1 -p 0 ARGS in the
# background; sets FPORT.
fwd_tls() {
	local name=$1
	shift
	sc_bg "$name" /dev/null timeout 60 "$SOCKCAT" forward -v -b 127.0.0.1 \
	    -p 0 "$@"
	FPORT=$(sc_port "$name")
	[ -n "$FPORT" ]
}

@test "tls: forward --tls terminates TLS in front of a plain target, 1 MiB both ways" {
	tls_only
	local tport
	sc_bg T "$D/down1M" "$SOCKCAT" listen -v -b 127.0.0.1 -p 0
	tport=$(sc_port T)
	fwd_tls F --tls --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    127.0.0.1 "$tport"
	run -0 --separate-stderr to "$SC_TMP/got" timeout 30 "$SOCKCAT" \
	    connect --tls --cafile "$CERTS/ca.crt" localhost "$FPORT" \
	    <"$D/up1M"
	cmp "$D/down1M" "$SC_TMP/got"
	[ "$(sc_wait_rc T)" = 0 ]
	cmp "$D/up1M" "$SC_TMP/T.out"
	sc_wait_file "$SC_TMP/F.err" 'closed 127.0.0.1'
	grep -q "TLS with 127.0.0.1:[0-9]*: TLSv1.3" "$SC_TMP/F.err"
}

@test "tls: forward --to-tls originates TLS, verified like connect: pin, then a wrong one" {
	tls_only
	local pin tport
	tls_listen L "$D/down1M" --self-signed
	pin=$(pin_of L)
	tport=$PORT
	fwd_tls F --to-tls --pin "$pin" 127.0.0.1 "$tport"
	run -0 to "$SC_TMP/got" timeout 30 "$SOCKCAT" connect 127.0.0.1 \
	    "$FPORT" <"$D/up1M"
	cmp "$D/down1M" "$SC_TMP/got"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$D/up1M" "$SC_TMP/L.out"
	# Verified by default: the self-signed target is refused, the
	# client reset, the forwarder says why and goes on.
	# Without -v too: one warning line, as for a refused target.
	tls_listen L2 /dev/null --self-signed
	FPORT=$(sc_free_port)
	sc_bg G /dev/null timeout 60 "$SOCKCAT" forward -b 127.0.0.1 \
	    -p "$FPORT" --to-tls 127.0.0.1 "$PORT"
	local i
	for ((i = 0; i < 100; i++)); do
		"$SOCKCAT" connect 127.0.0.1 "$FPORT" </dev/null 2>/dev/null &&
		    break
		grep -q 'certificate verify failed' "$SC_TMP/G.err" && break
		sleep 0.1
	done
	sc_wait_file "$SC_TMP/G.err" 'certificate verify failed: self-signed certificate'
	[ "$(wc -l <"$SC_TMP/G.err")" -eq 1 ]
	grep -Eq "^sockcat: forward: 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$PORT: certificate verify failed: self-signed certificate$" "$SC_TMP/G.err"
}

@test "tls: forward --tls --to-tls: TLS on both sides; curl through it" {
	tls_only
	local pin tport
	tls_listen L /dev/null --self-signed
	pin=$(pin_of L)
	tport=$PORT
	fwd_tls F --tls --self-signed --to-tls --pin "$pin" 127.0.0.1 "$tport"
	local fpin
	fpin=$(pin_of F)
	printf 'through both\n' >"$SC_TMP/msg"
	run -0 timeout 30 "$SOCKCAT" connect --tls --pin "$fpin" 127.0.0.1 \
	    "$FPORT" <"$SC_TMP/msg"
	[ "$(sc_wait_rc L)" = 0 ]
	cmp "$SC_TMP/msg" "$SC_TMP/L.out"
	# A plain HTTP server behind forward --tls, reached by curl.
	sc_bg H /dev/null python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello over tls\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
sys.stderr.write("listening on 127.0.0.1:%d\n" % s.server_port)
sys.stderr.flush()
s.handle_request()'
	local hport
	hport=$(sc_port H)
	fwd_tls G --tls --cert "$CERTS/good.crt" --key "$CERTS/good.key" \
	    127.0.0.1 "$hport"
	run -0 timeout 30 curl -sS --cacert "$CERTS/ca.crt" \
	    "https://localhost:$FPORT/"
	[ "$output" = "hello over tls" ]
}

@test "tls: forward's TLS usage errors are 64 before any socket" {
	tls_only
	run -64 --separate-stderr "$SOCKCAT" forward -p 0 --tls 127.0.0.1 80
	[ "${#stderr_lines[@]}" -eq 1 ]
	run -64 --separate-stderr "$SOCKCAT" forward -p 0 --pin sha256:00 \
	    127.0.0.1 80
	[ "${#stderr_lines[@]}" -eq 1 ]
	run -64 --separate-stderr "$SOCKCAT" forward -p 0 --to-tls \
	    --to-unix "$SC_SOCKDIR/x"
	[[ "$stderr" == *"--to-tls with --to-unix needs --sni NAME or --pin"* ]]
	run -64 --separate-stderr "$SOCKCAT" forward -u -p 0 --to-tls \
	    127.0.0.1 80
	[[ "$stderr" == *"--to-tls does not go with --udp"* ]]
	run -64 --separate-stderr "$SOCKCAT" forward -p 0 --cafile /x \
	    127.0.0.1 80
	[ "${#stderr_lines[@]}" -eq 1 ]
}
