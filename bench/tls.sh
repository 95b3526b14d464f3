#!/usr/bin/env bash
# bench/tls.sh: sockcat's TLS against stunnel4, socat OPENSSL: and
# ncat --ssl, side by side, on loopback (issue 13's three scenarios).
#
#   bulk       1 GiB through one TLS connection: GiB/s, and CPU s/GiB of
#              the two TLS ends (user + sys)
#   handshake  full handshakes per second against a keep-open TLS server
#              (openssl s_time -new), and the server's CPU per handshake
#   forward    a TLS terminator in front of a plain sink, 100 concurrent
#              streams (socat OPENSSL: clients): GiB/s, terminator CPU s/GiB
#
# Every tool speaks TLS 1.3 with TLS_AES_128_GCM_SHA256: an OpenSSL config
# file given to all of them through OPENSSL_CONF says so, and the same
# P-256 certificate serves everywhere.  sockcat's rows use SPEC's options
# (listen/connect/forward --tls); a sockcat that refuses them gets the row
# "sockcat: not available yet".  Installs nothing; an absent anchor is
# skipped with a note.  Background processes are stopped by PID, every
# wait is bounded, and only 127.0.0.1 on kernel-chosen ports is used.
# Medians of -n runs (default 3), one run of the script, all tools
# interleaved.
set -u
set -o pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)

usage() {
	cat <<EOF
usage: $prog [OPTIONS]
Benchmark sockcat's TLS against stunnel4, socat and ncat on loopback.

  -n RUNS            runs of each scenario and tool (default 3)
  --only LIST        bulk,handshake,forward (default all)
  --anchors LIST     stunnel,socat,ncat (default all)
  --sockcat PATH     the sockcat binary (default ./src/sockcat)
  --size SIZE        bulk transfer size (default 1G; K, M, G suffixes)
  --hs-seconds S     length of each handshake run (default 5)
  --streams N        concurrent streams of the forward case (default 100)
  --stream-size SIZE bytes per stream (default 8M)
  --quick            256M bulk, 2 s handshake runs, 2M streams, 1 run
  -o FILE            also write the table to FILE
  --keep             keep the temporary directory
  -h, --help         this help
EOF
}

RUNS=3
ONLY=bulk,handshake,forward
ANCHORS=stunnel,socat,ncat
SOCKCAT=./src/sockcat
[[ -x $SOCKCAT ]] || SOCKCAT=$here/../src/sockcat
SIZE=1G
HS_SECS=5
STREAMS=100
STREAM_SIZE=8M
OUTPUT=
KEEP=0

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 64; }
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs an argument"; }
while [[ $# -gt 0 ]]; do
	case $1 in
	-n) need_arg "$@"; RUNS=$2; shift ;;
	--only) need_arg "$@"; ONLY=$2; shift ;;
	--anchors) need_arg "$@"; ANCHORS=$2; shift ;;
	--sockcat) need_arg "$@"; SOCKCAT=$2; shift ;;
	--size) need_arg "$@"; SIZE=$2; shift ;;
	--hs-seconds) need_arg "$@"; HS_SECS=$2; shift ;;
	--streams) need_arg "$@"; STREAMS=$2; shift ;;
	--stream-size) need_arg "$@"; STREAM_SIZE=$2; shift ;;
	--quick) RUNS=1 SIZE=256M HS_SECS=2 STREAM_SIZE=2M ;;
	-o) need_arg "$@"; OUTPUT=$2; shift ;;
	--keep) KEEP=1 ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown option '$1'; see '$prog --help'" ;;
	esac
	shift
done

to_bytes() {
	local n=${1%[KkMmGg]} u=${1##*[0-9]}
	[[ $n =~ ^[0-9]+$ ]] || return 1
	case $u in
	'') echo "$n" ;;
	[Kk]) echo $((n << 10)) ;;
	[Mm]) echo $((n << 20)) ;;
	[Gg]) echo $((n << 30)) ;;
	*) return 1 ;;
	esac
}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "-n '$RUNS': not a positive number"
SIZE_B=$(to_bytes "$SIZE") && ((SIZE_B > 0)) || die "--size '$SIZE': not a size"
STREAM_B=$(to_bytes "$STREAM_SIZE") && ((STREAM_B > 0)) ||
	die "--stream-size '$STREAM_SIZE': not a size"
[[ $HS_SECS =~ ^[1-9][0-9]*$ ]] || die "--hs-seconds '$HS_SECS': not a number"
[[ $STREAMS =~ ^[1-9][0-9]*$ ]] && ((STREAMS <= 1000)) ||
	die "--streams '$STREAMS': not 1 to 1000"
wants() { [[ ,$ONLY, == *,$1,* ]]; }

# ---------------------------------------------------------------- helpers
note() { printf '%s\n' "$*" >&2; }
now_us() { local t=$EPOCHREALTIME; echo $((10#${t%.*} * 1000000 + 10#${t#*.})); }
TICK=$(getconf CLK_TCK)

BG_PIDS=()
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 30; i++)); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}
cleanup() {
	local pid running
	running=" $(jobs -pr | tr '\n' ' ') "
	for pid in "${BG_PIDS[@]}"; do
		[[ $running == *" $pid "* ]] && stop_pid "$pid"
	done
	if [[ -n ${WORK:-} && -d $WORK ]]; then
		if ((KEEP)); then note "kept $WORK"; else rm -rf -- "$WORK"; fi
	fi
}
trap cleanup EXIT
trap 'note "interrupted"; exit 130' INT TERM

# bg NAME CMD...: start CMD in the background (stdin /dev/null, output in
# $WORK/NAME.out and .err); BG is its PID.
bg() {
	local name=$1
	shift
	"$@" </dev/null >"$WORK/$name.out" 2>"$WORK/$name.err" &
	BG=$!
	BG_PIDS+=("$BG")
}

# A port the kernel picked (bound, then closed just before use).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_listen PORT PID: until something listens on 127.0.0.1:PORT (read
# from /proc/net/tcp, so the check is nobody's first client), within 5 s,
# while PID lives.
wait_listen() {
	local hex i
	hex=$(printf '%04X' "$1")
	for ((i = 0; i < 100; i++)); do
		awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { f = 1 } END { exit !f }' \
			/proc/net/tcp && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# settle PID: until PID has no child process left (a forking server's
# children end after their connection), within 5 s, so that cpu_of()
# counts them.
settle() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -z $(cat /proc/"$1"/task/*/children 2>/dev/null) ]] && return 0
		sleep 0.05
	done
	return 1
}

# The CPU seconds (user + sys, reaped children too) of a running PID.
cpu_of() {
	awk -v t="$TICK" '{ sub(/.*\) /, ""); print ($12 + $13 + $14 + $15) / t }' \
		"/proc/$1/stat" 2>/dev/null || echo 0
}

record() { printf '%s\n' "$3" >>"$WORK/res.$1.$2"; }
median() {
	[[ -s $WORK/res.$1.$2 ]] || return 1
	sort -g "$WORK/res.$1.$2" | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# ", N of M runs failed" when some did.
fails() {
	local n=0
	[[ -s $WORK/res.$1.$2.fail ]] && n=$(wc -l <"$WORK/res.$1.$2.fail")
	((n > 0)) && printf ' (%d of %d runs failed: %s)' "$n" "$RUNS" \
		"$(sort -u "$WORK/res.$1.$2.fail" | head -n 1)"
}
fmt() { awk -v v="$1" -v d="${2:-2}" 'BEGIN { printf "%.*f", d, v }'; }
fsum() { awk '{ s += $1 } END { printf "%.4f", s }'; }

# ----------------------------------------------------------------- set-up
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sc-tlsbench.XXXXXX") || exit 1

have_anchor() { [[ ,$ANCHORS, == *,$1,* ]]; }
command -v openssl >/dev/null || die "openssl not found (Debian package 'openssl')"
command -v python3 >/dev/null || die "python3 not found"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian package 'time')"
have_anchor stunnel && ! command -v stunnel4 >/dev/null &&
	{ note "note: stunnel4 not found (Debian package 'stunnel4'): skipped"; ANCHORS=${ANCHORS//stunnel/}; }
have_anchor socat && ! command -v socat >/dev/null &&
	{ note "note: socat not found: skipped"; ANCHORS=${ANCHORS//socat/}; }
have_anchor ncat && ! command -v ncat >/dev/null &&
	{ note "note: ncat not found: skipped"; ANCHORS=${ANCHORS//ncat/}; }
# socat is also the client of the forward case.
command -v socat >/dev/null || { note "note: no socat: no forward case"; ONLY=${ONLY//forward/}; }

# sockcat with TLS, or "not available yet" (the binary refuses the options).
sc_tls() { [[ -x $SOCKCAT ]] && "$SOCKCAT" "$1" --help 2>/dev/null | grep -q -- '--tls'; }
SC_CONNECT=0 SC_LISTEN=0 SC_FORWARD=0
sc_tls connect && SC_CONNECT=1
sc_tls listen && SC_LISTEN=1
sc_tls forward && SC_FORWARD=1

# One P-256 certificate for every server; its SPKI pin for sockcat.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 -subj /CN=localhost \
	-addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' 2>/dev/null ||
	die "openssl could not make a certificate"
PIN=sha256:$(openssl x509 -in "$WORK/cert.pem" -pubkey -noout |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -r | cut -d' ' -f1)
cat "$WORK/cert.pem" "$WORK/key.pem" >"$WORK/both.pem"

# The same protocol and cipher for everyone, through OpenSSL's own config.
cat >"$WORK/openssl.cnf" <<'EOF'
openssl_conf = sc_conf
[sc_conf]
ssl_conf = sc_ssl
[sc_ssl]
system_default = sc_default
[sc_default]
MinProtocol = TLSv1.3
Ciphersuites = TLS_AES_128_GCM_SHA256
EOF
export OPENSSL_CONF=$WORK/openssl.cnf

# stunnel_conf NAME ACCEPT CONNECT [client]: a foreground stunnel config.
stunnel_conf() {
	{
		echo "foreground = yes"
		echo "pid ="
		echo "[$1]"
		echo "accept = 127.0.0.1:$2"
		echo "connect = 127.0.0.1:$3"
		if [[ ${4:-} == client ]]; then
			echo "client = yes"
			echo "verifyChain = no"
		else
			echo "cert = $WORK/cert.pem"
			echo "key = $WORK/key.pem"
		fi
		echo "sslVersionMin = TLSv1.3"
		echo "ciphersuites = TLS_AES_128_GCM_SHA256"
	} >"$WORK/$1.conf"
}

# The cipher a TLS server on PORT negotiates, as openssl s_client sees it.
probe_cipher() {
	timeout 5 openssl s_client -connect "127.0.0.1:$1" -brief </dev/null 2>&1 |
		sed -n 's/^Ciphersuite: *//p' | head -n 1
}

ROWS=()
row() { ROWS+=("$*"); }

# ------------------------------------------------------------------ bulk
head -c "$SIZE_B" /dev/zero >"$WORK/bulk.in"
cat "$WORK/bulk.in" >/dev/null

# bulk_run TOOL: one transfer; records GiB/s and CPU s/GiB.
bulk_run() {
	local tool=$1 p s cp t0 t1 spid cpid rc c1 c2 cpu g
	p=$(free_port)
	rm -f "$WORK"/bulk.*.time
	case $tool in
	sockcat)
		bg bulk-server /usr/bin/time -o "$WORK/bulk.s.time" -f '%U %S' \
			timeout 120 "$SOCKCAT" listen -b 127.0.0.1 -p "$p" --tls \
			--cert "$WORK/cert.pem" --key "$WORK/key.pem"
		spid=$BG ;;
	socat)
		bg bulk-server /usr/bin/time -o "$WORK/bulk.s.time" -f '%U %S' \
			timeout 120 socat -u "OPENSSL-LISTEN:$p,bind=127.0.0.1,reuseaddr,cert=$WORK/cert.pem,key=$WORK/key.pem,verify=0" GOPEN:/dev/null
		spid=$BG ;;
	ncat)
		bg bulk-server /usr/bin/time -o "$WORK/bulk.s.time" -f '%U %S' \
			timeout 120 ncat --ssl --ssl-cert "$WORK/cert.pem" \
			--ssl-key "$WORK/key.pem" --recv-only -l 127.0.0.1 "$p"
		spid=$BG ;;
	stunnel)
		# plain client -> stunnel client -> TLS -> stunnel server -> sink
		s=$(free_port); cp=$(free_port)
		bg bulk-sink timeout 120 "$SOCKCAT" listen --recv-only \
			-b 127.0.0.1 -p "$s"
		spid=$BG
		wait_listen "$s" "$spid" || return 1
		stunnel_conf bulk-srv "$p" "$s"
		stunnel_conf bulk-cli "$cp" "$p" client
		bg stunnel-srv stunnel4 "$WORK/bulk-srv.conf"; local st1=$BG
		bg stunnel-cli stunnel4 "$WORK/bulk-cli.conf"; local st2=$BG
		wait_listen "$p" "$st1" && wait_listen "$cp" "$st2" || return 1
		c1=$(cpu_of "$st1"); c2=$(cpu_of "$st2")
		t0=$(now_us)
		timeout 120 "$SOCKCAT" connect --send-only 127.0.0.1 "$cp" \
			<"$WORK/bulk.in" 2>"$WORK/bulk-client.err"
		rc=$?
		wait "$spid"; rc=$((rc | $?))
		t1=$(now_us)
		cpu=$(awk -v a="$(cpu_of "$st1")" -v b="$(cpu_of "$st2")" \
			-v c="$c1" -v d="$c2" 'BEGIN { print a - c + b - d }')
		stop_pid "$st1"; stop_pid "$st2"
		((rc == 0)) || return 1
		g=$(awk -v b="$SIZE_B" 'BEGIN { print b / 1073741824 }')
		record bulk "$tool.gibs" "$(awk -v g="$g" -v t=$((t1 - t0)) 'BEGIN { print g / (t / 1e6) }')"
		record bulk "$tool.cpu" "$(awk -v g="$g" -v c="$cpu" 'BEGIN { print c / g }')"
		return 0 ;;
	esac
	wait_listen "$p" "$spid" || return 1
	t0=$(now_us)
	case $tool in
	sockcat)
		/usr/bin/time -o "$WORK/bulk.c.time" -f '%U %S' timeout 120 \
			"$SOCKCAT" connect --tls --pin "$PIN" 127.0.0.1 "$p" \
			<"$WORK/bulk.in" 2>"$WORK/bulk-client.err" ;;
	socat)
		/usr/bin/time -o "$WORK/bulk.c.time" -f '%U %S' timeout 120 \
			socat -u GOPEN:"$WORK/bulk.in" \
			"OPENSSL:127.0.0.1:$p,verify=0" 2>"$WORK/bulk-client.err" ;;
	ncat)
		/usr/bin/time -o "$WORK/bulk.c.time" -f '%U %S' timeout 120 \
			ncat --ssl --send-only 127.0.0.1 "$p" \
			<"$WORK/bulk.in" 2>"$WORK/bulk-client.err" ;;
	esac
	rc=$?
	wait "$spid"; rc=$((rc | $?))
	t1=$(now_us)
	((rc == 0)) || return 1
	cpu=$(cat "$WORK/bulk.s.time" "$WORK/bulk.c.time" | tr ' ' '\n' | fsum)
	g=$(awk -v b="$SIZE_B" 'BEGIN { print b / 1073741824 }')
	record bulk "$tool.gibs" "$(awk -v g="$g" -v t=$((t1 - t0)) 'BEGIN { print g / (t / 1e6) }')"
	record bulk "$tool.cpu" "$(awk -v g="$g" -v c="$cpu" 'BEGIN { print c / g }')"
}

# Why the last bulk run failed: the first line of the two ends' errors.
bulk_why() {
	local m
	m=$(cat "$WORK/bulk-server.err" "$WORK/bulk-client.err" 2>/dev/null |
		grep -v '^Command exited' | head -n 1)
	echo "${m:-non-zero exit}" | tr '|' '/'
}

scenario_bulk() {
	local r tool tools=()
	((SC_CONNECT && SC_LISTEN)) && tools+=(sockcat) ||
		row "| bulk | sockcat: not available yet | | |"
	for tool in stunnel socat ncat; do have_anchor "$tool" && tools+=("$tool"); done
	for ((r = 0; r < RUNS; r++)); do
		for tool in "${tools[@]}"; do
			note "bulk: $tool, run $((r + 1))"
			bulk_run "$tool" || { note "bulk: $tool run $((r + 1)) failed"
				record bulk "$tool.fail" "$(bulk_why)"; }
		done
	done
	for tool in "${tools[@]}"; do
		local g c
		g=$(median bulk "$tool.gibs") && c=$(median bulk "$tool.cpu") &&
			row "| bulk | $tool$(fails bulk "$tool") | $(fmt "$g") GiB/s | $(fmt "$c") CPU s/GiB |" ||
			row "| bulk | $tool$(fails bulk "$tool") | failed | |"
	done
}

# ------------------------------------------------------------- handshakes
# hs_server TOOL PORT SINKPORT: start the keep-open server; HS_PID.
hs_server() {
	local tool=$1 p=$2 s=$3
	case $tool in
	sockcat-listen)
		bg hs-server "$SOCKCAT" listen -k -b 127.0.0.1 -p "$p" --tls \
			--cert "$WORK/cert.pem" --key "$WORK/key.pem" ;;
	sockcat-forward)
		bg hs-server "$SOCKCAT" forward -p "$p" --tls \
			--cert "$WORK/cert.pem" --key "$WORK/key.pem" 127.0.0.1 "$s" ;;
	stunnel)
		stunnel_conf hs-srv "$p" "$s"
		bg hs-server stunnel4 "$WORK/hs-srv.conf" ;;
	socat)
		bg hs-server socat "OPENSSL-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork,cert=$WORK/cert.pem,key=$WORK/key.pem,verify=0" GOPEN:/dev/null ;;
	ncat)
		bg hs-server ncat --ssl --ssl-cert "$WORK/cert.pem" \
			--ssl-key "$WORK/key.pem" --recv-only -m 10000 -l -k 127.0.0.1 "$p" ;;
	esac
	HS_PID=$BG
}

# The plain sink of the forwarders: ncat -k, one process, discards.
start_sink() {
	SINK_PORT=$(free_port)
	bg sink ncat -l -k -m 10000 --recv-only 127.0.0.1 "$SINK_PORT"
	SINK_PID=$BG
	wait_listen "$SINK_PORT" "$SINK_PID"
}

hs_run() {
	local tool=$1 p c0 c1 t0 t1 n out
	p=$(free_port)
	hs_server "$tool" "$p" "$SINK_PORT"
	wait_listen "$p" "$HS_PID" || { stop_pid "$HS_PID"; return 1; }
	[[ -s $WORK/cipher.$tool ]] || probe_cipher "$p" >"$WORK/cipher.$tool"
	c0=$(cpu_of "$HS_PID")
	t0=$(now_us)
	out=$(timeout $((HS_SECS + 30)) openssl s_time -connect "127.0.0.1:$p" \
		-new -time "$HS_SECS" 2>&1)
	t1=$(now_us)
	settle "$HS_PID"
	c1=$(cpu_of "$HS_PID")
	stop_pid "$HS_PID"
	n=$(sed -n 's/^\([0-9][0-9]*\) connections in .* real seconds.*/\1/p' <<<"$out" | head -n 1)
	[[ -n $n && $n -gt 0 ]] || { note "$out"; return 1; }
	record hs "$tool.rate" "$(awk -v n="$n" -v t=$((t1 - t0)) 'BEGIN { print n / (t / 1e6) }')"
	record hs "$tool.cpu" "$(awk -v n="$n" -v a="$c0" -v b="$c1" 'BEGIN { print (b - a) / n * 1000 }')"
}

scenario_handshake() {
	local r tool tools=()
	((SC_LISTEN)) && tools+=(sockcat-listen) ||
		row "| handshake | sockcat listen -k --tls: not available yet | | |"
	((SC_FORWARD)) && tools+=(sockcat-forward) ||
		row "| handshake | sockcat forward --tls: not available yet | | |"
	for tool in stunnel socat ncat; do have_anchor "$tool" && tools+=("$tool"); done
	start_sink || { note "no sink"; return; }
	for ((r = 0; r < RUNS; r++)); do
		for tool in "${tools[@]}"; do
			note "handshake: $tool, run $((r + 1))"
			hs_run "$tool" || { note "handshake: $tool run $((r + 1)) failed"
				record hs "$tool.fail" "see the log"; }
		done
	done
	stop_pid "$SINK_PID"
	for tool in "${tools[@]}"; do
		local h c
		h=$(median hs "$tool.rate") && c=$(median hs "$tool.cpu") &&
			row "| handshake | $tool ($(cat "$WORK/cipher.$tool"))$(fails hs "$tool") | $(fmt "$h" 0) handshakes/s | $(fmt "$c" 3) server CPU ms/handshake |" ||
			row "| handshake | $tool$(fails hs "$tool") | failed | |"
	done
}

# ---------------------------------------------------------------- forward
fw_server() {
	local tool=$1 p=$2 s=$3
	case $tool in
	sockcat)
		bg fw-server "$SOCKCAT" forward -p "$p" --tls \
			--cert "$WORK/cert.pem" --key "$WORK/key.pem" 127.0.0.1 "$s" ;;
	stunnel)
		stunnel_conf fw-srv "$p" "$s"
		bg fw-server stunnel4 "$WORK/fw-srv.conf" ;;
	socat)
		bg fw-server socat "OPENSSL-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork,cert=$WORK/cert.pem,key=$WORK/key.pem,verify=0" "TCP:127.0.0.1:$s" ;;
	ncat)
		bg fw-server ncat --ssl --ssl-cert "$WORK/cert.pem" \
			--ssl-key "$WORK/key.pem" -m 10000 -l -k 127.0.0.1 "$p" \
			--sh-exec "exec ncat --send-only 127.0.0.1 $s" ;;
	esac
	FW_PID=$BG
}

fw_run() {
	local tool=$1 p c0 c1 t0 t1 i rc=0 pids=() g
	p=$(free_port)
	fw_server "$tool" "$p" "$SINK_PORT"
	wait_listen "$p" "$FW_PID" || { stop_pid "$FW_PID"; return 1; }
	c0=$(cpu_of "$FW_PID")
	t0=$(now_us)
	for ((i = 0; i < STREAMS; i++)); do
		timeout 120 socat -u GOPEN:"$WORK/stream.in" \
			"OPENSSL:127.0.0.1:$p,verify=0" 2>>"$WORK/fw-clients.err" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	t1=$(now_us)
	settle "$FW_PID"
	c1=$(cpu_of "$FW_PID")
	stop_pid "$FW_PID"
	((rc == 0)) || return 1
	g=$(awk -v b="$STREAM_B" -v n="$STREAMS" 'BEGIN { print b * n / 1073741824 }')
	record fw "$tool.gibs" "$(awk -v g="$g" -v t=$((t1 - t0)) 'BEGIN { print g / (t / 1e6) }')"
	record fw "$tool.cpu" "$(awk -v g="$g" -v a="$c0" -v b="$c1" 'BEGIN { print (b - a) / g }')"
}

scenario_forward() {
	local r tool tools=()
	((SC_FORWARD)) && tools+=(sockcat) ||
		row "| forward x$STREAMS | sockcat forward --tls: not available yet | | |"
	for tool in stunnel socat ncat; do have_anchor "$tool" && tools+=("$tool"); done
	head -c "$STREAM_B" /dev/zero >"$WORK/stream.in"
	start_sink || { note "no sink"; return; }
	for ((r = 0; r < RUNS; r++)); do
		for tool in "${tools[@]}"; do
			note "forward: $tool, run $((r + 1))"
			fw_run "$tool" || { note "forward: $tool run $((r + 1)) failed"
				record fw "$tool.fail" "a client or the terminator failed"; }
		done
	done
	stop_pid "$SINK_PID"
	for tool in "${tools[@]}"; do
		local g c
		g=$(median fw "$tool.gibs") && c=$(median fw "$tool.cpu") &&
			row "| forward x$STREAMS | $tool$(fails fw "$tool") | $(fmt "$g") GiB/s | $(fmt "$c") terminator CPU s/GiB |" ||
			row "| forward x$STREAMS | $tool$(fails fw "$tool") | failed | |"
	done
}

wants bulk && scenario_bulk
wants handshake && scenario_handshake
wants forward && scenario_forward

{
	echo "TLS 1.3, TLS_AES_128_GCM_SHA256 (OPENSSL_CONF), P-256 certificate;"
	echo "medians of $RUNS run(s); bulk $SIZE; handshakes: openssl s_time -new,"
	echo "${HS_SECS}s; forward: $STREAMS socat clients x $STREAM_SIZE into an ncat sink."
	echo
	echo "| scenario | tool | rate | CPU |"
	echo "|---|---|---|---|"
	printf '%s\n' "${ROWS[@]}"
} | tee ${OUTPUT:+"$OUTPUT"}
