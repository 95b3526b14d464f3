#!/usr/bin/env bash
# bench/run.sh: sockcat against nc.openbsd, ncat and socat, side by side.
#
# Installs nothing. Needs bash >= 5, coreutils, GNU time (/usr/bin/time),
# python3 (free ports, JSON) and the load generators of 'make bench-tools';
# hyperfine and iperf3 are used when present. Every tool runs interleaved
# with the others (A B C D A B C D ...), RUNS times, on loopback only, on
# ports checked free below the ephemeral range, by default in a private
# network namespace; every background process is stopped by PID and every
# wait is bounded. See bench/README.md.
set -u
set -o pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

usage() {
	cat <<EOF
usage: $prog [OPTIONS]
Benchmark sockcat against nc.openbsd, ncat and socat on loopback.

  -n RUNS             runs of each scenario and tool (default 5)
  --quick             small sizes for development: 256M transfer, 32M
                      integrity file, 2 runs, 1 s UDP and connection runs
  --sockcat PATH      the sockcat binary (default ./src/sockcat, else
                      src/sockcat next to this script's directory)
  --baseline PATH     another sockcat binary (say, the previous commit's
                      build) run beside this one in every scenario, as
                      'sockcat-base'; an A/B table follows the main one
  --tools DIR         where sc-udp-flood, sc-conn-rate, sc-echo-load and
                      sc-reaper are (default ./bench, else this script's
                      directory); echo.sh is looked for there, then next
                      to this script
  --only LIST         scenarios, comma-separated (default all):
                      tcp-file,tcp-pipe,integrity,udp,conn,exec,echo,startup
  --anchors LIST      anchors to compare, comma-separated
                      (default nc.openbsd,ncat,socat)
  --size SIZE         TCP transfer size, e.g. 2G, 512M (default 2G)
  --integrity-size SIZE  random file for the sha256 check (default 256M)
  --udp-seconds S     length of each UDP run (default 3)
  --udp-rate R        the paced UDP rate in datagrams/s (default 100000)
  --udp-gso N         datagrams per message of the max-rate sender, cut by
                      UDP segmentation offload (default 64; 1: none)
  --conn-seconds S    length of each connection-rate run (default 3)
  --conn-conc N       concurrent connections of sc-conn-rate (default 1)
  --exec-conc LIST    concurrent sessions of the exec scenario,
                      comma-separated (default 1,8)
  --startup-runs N    hyperfine runs per tool and round (default 50)
  --netns, --no-netns run in a private network namespace of its own
                      (default: the connection scenarios leave tens of
                      thousands of TIME_WAIT sockets), or in the current one
  --tmpdir DIR        where the temporary directory goes (default \$TMPDIR
                      or /tmp); the 2 GiB file lives there
  -o, --output FILE   also write the final table and notes to FILE
  --keep              keep the temporary directory (logs of every run)
  -h, --help          this help
EOF
}

# ----------------------------------------------------------------- options
RUNS=5
QUICK=0
# Defaults: an in-tree build, run from the top directory or from anywhere.
SOCKCAT=./src/sockcat
[[ -x $SOCKCAT ]] || SOCKCAT=$here/../src/sockcat
TOOLS=./bench
[[ -x $TOOLS/sc-udp-flood ]] || TOOLS=$here
ONLY=tcp-file,tcp-pipe,integrity,udp,conn,exec,echo,startup
ANCHORS=nc.openbsd,ncat,socat
SIZE=2G
INTEG_SIZE=256M
UDP_SECS=3
UDP_RATE=100000
UDP_GSO=64
CONN_SECS=3
CONN_CONC=1
EXEC_CONC=1,8
STARTUP_RUNS=50
NETNS=1
TMPROOT=${TMPDIR:-/tmp}
OUTPUT=
KEEP=0
runs_set=0 size_set=0 integ_set=0 udp_set=0 conn_set=0 startup_set=0
ARGV=("$@")

while [[ $# -gt 0 ]]; do
	case $1 in
	-n) need_arg "$@"; RUNS=$2; runs_set=1; shift ;;
	--quick) QUICK=1 ;;
	--sockcat) need_arg "$@"; SOCKCAT=$2; shift ;;
	--baseline) need_arg "$@"; BASELINE=$2; shift ;;
	--tools) need_arg "$@"; TOOLS=$2; shift ;;
	--only) need_arg "$@"; ONLY=$2; shift ;;
	--anchors) need_arg "$@"; ANCHORS=$2; shift ;;
	--size) need_arg "$@"; SIZE=$2; size_set=1; shift ;;
	--integrity-size) need_arg "$@"; INTEG_SIZE=$2; integ_set=1; shift ;;
	--udp-seconds) need_arg "$@"; UDP_SECS=$2; udp_set=1; shift ;;
	--udp-rate) need_arg "$@"; UDP_RATE=$2; shift ;;
	--udp-gso) need_arg "$@"; UDP_GSO=$2; shift ;;
	--conn-seconds) need_arg "$@"; CONN_SECS=$2; conn_set=1; shift ;;
	--conn-conc) need_arg "$@"; CONN_CONC=$2; shift ;;
	--exec-conc) need_arg "$@"; EXEC_CONC=$2; shift ;;
	--netns) NETNS=1 ;;
	--no-netns) NETNS=0 ;;
	--startup-runs) need_arg "$@"; STARTUP_RUNS=$2; startup_set=1; shift ;;
	--tmpdir) need_arg "$@"; TMPROOT=$2; shift ;;
	-o|--output) need_arg "$@"; OUTPUT=$2; shift ;;
	--keep) KEEP=1 ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown option '$1'; see '$prog --help'" ;;
	esac
	shift
done
if ((QUICK)); then
	((runs_set)) || RUNS=2
	((size_set)) || SIZE=256M
	((integ_set)) || INTEG_SIZE=32M
	((udp_set)) || UDP_SECS=1
	((conn_set)) || CONN_SECS=1
	((startup_set)) || STARTUP_RUNS=20
fi

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "-n '$RUNS': not a positive number"
SIZE_B=$(to_bytes "$SIZE") && ((SIZE_B > 0)) || die "--size '$SIZE': not a size"
INTEG_B=$(to_bytes "$INTEG_SIZE") && ((INTEG_B > 0)) ||
	die "--integrity-size '$INTEG_SIZE': not a size"
for v in UDP_SECS CONN_SECS; do
	[[ ${!v} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "${v,,} '${!v}': not a number of seconds"
done
[[ $UDP_RATE =~ ^[1-9][0-9]*$ ]] || die "--udp-rate '$UDP_RATE': not a rate"
[[ $UDP_GSO =~ ^[1-9][0-9]*$ ]] && ((UDP_GSO <= 64)) || die "--udp-gso '$UDP_GSO': not 1 to 64"
[[ $CONN_CONC =~ ^[1-9][0-9]*$ ]] || die "--conn-conc '$CONN_CONC': not a number"
[[ $EXEC_CONC =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--exec-conc '$EXEC_CONC': not a list of numbers"
[[ $STARTUP_RUNS =~ ^[1-9][0-9]*$ ]] || die "--startup-runs '$STARTUP_RUNS': not a number"
wants() { [[ ,$ONLY, == *,$1,* ]]; }
for s in ${ONLY//,/ }; do
	case $s in
	tcp-file|tcp-pipe|integrity|udp|conn|exec|echo|startup) ;;
	*) die "--only: unknown scenario '$s'" ;;
	esac
done
netns_enter "$here/$prog" "${ARGV[@]}"

# ---------------------------------------------------------------- helpers
# (the shared ones are in lib.sh)
cleanup() {
	stop_bg
	[[ -n ${SINK_DIR:-} && $SINK_DIR != "${WORK:-}" ]] && rm -rf -- "$SINK_DIR"
	if [[ -n ${WORK:-} && -d $WORK ]]; then
		if ((KEEP)); then note "kept $WORK"; else rm -rf -- "$WORK"; fi
	fi
}
trap cleanup EXIT
trap 'note "interrupted"; exit 130' INT TERM

# udp_drained PORT: wait (3 s at most) until no datagram waits in the
# receive queue of the socket bound to PORT.
udp_drained() {
	local hex deadline q
	hex=$(printf '%04X' "$1")
	deadline=$(($(now_us) + 3000000))
	while (($(now_us) < deadline)); do
		q=$(awk -v p=":$hex" '$2 ~ p"$" { split($5, a, ":"); s = s a[2] } END { print s }' \
			/proc/net/udp /proc/net/udp6 2>/dev/null)
		[[ -z $q || $q =~ ^0+$ ]] && return 0
		sleep 0.01
	done
	return 1
}

# ------------------------------------------------------------------ tools
declare -A HAVE NA
check_tools() {
	local t missing=0
	for t in timeout python3 sha256sum awk sort grep; do
		command -v "$t" >/dev/null || { note "missing: $t"; missing=1; }
	done
	[[ -x /usr/bin/time ]] || { note "missing: /usr/bin/time (Debian package 'time')"; missing=1; }
	((BASH_VERSINFO[0] >= 5)) || { note "bash >= 5 is needed"; missing=1; }
	((missing)) && exit 1

	TOOL_LIST=()
	if [[ -x $SOCKCAT ]] && "$SOCKCAT" --version >/dev/null 2>&1; then
		SOCKCAT=$(cd "$(dirname "$SOCKCAT")" && pwd)/$(basename "$SOCKCAT")
		TOOL_LIST+=(sockcat)
		HAVE[sockcat]=1
	else
		remember "sockcat not found or not runnable at '$SOCKCAT' (build it, or give --sockcat PATH): its column stays empty"
	fi
	if [[ -n ${BASELINE:-} ]]; then
		[[ -x $BASELINE ]] && "$BASELINE" --version >/dev/null 2>&1 ||
			die "--baseline '$BASELINE': not a runnable sockcat"
		BASELINE=$(cd "$(dirname "$BASELINE")" && pwd)/$(basename "$BASELINE")
		TOOL_LIST+=(sockcat-base)
		HAVE[sockcat-base]=1
	fi
	for t in ${ANCHORS//,/ }; do
		case $t in
		nc.openbsd|ncat|socat) ;;
		*) die "--anchors: unknown anchor '$t'" ;;
		esac
		if command -v "$t" >/dev/null; then
			TOOL_LIST+=("$t")
			HAVE[$t]=1
		else
			remember "$t is not installed: skipped"
		fi
	done
	((${#TOOL_LIST[@]} > 0)) || { note "no tool to benchmark"; exit 1; }

	TOOLS=$(cd "$TOOLS" 2>/dev/null && pwd) || TOOLS=
	FLOOD=${TOOLS:+$TOOLS/sc-udp-flood}
	CONNRATE=${TOOLS:+$TOOLS/sc-conn-rate}
	if wants udp && [[ ! -x $FLOOD ]]; then
		remember "sc-udp-flood not found in '${TOOLS:-?}' (run 'make bench-tools', or give --tools DIR): UDP skipped"
		FLOOD=
	fi
	if { wants conn || wants exec; } && [[ ! -x $CONNRATE ]]; then
		remember "sc-conn-rate not found in '${TOOLS:-?}' (run 'make bench-tools', or give --tools DIR): connection rate and exec skipped"
		CONNRATE=
	fi
	FLOOR=${TOOLS:+$TOOLS/sc-accept-floor}
	if wants conn && [[ -n $CONNRATE && ! -x $FLOOR ]]; then
		remember "sc-accept-floor not found in '${TOOLS:-?}': no floor line for connections/s"
		FLOOR=
	fi
	if wants exec; then
		if [[ -z $CONNRATE ]]; then
			remember "exec scenario skipped: it needs sc-conn-rate"
		elif [[ -n ${HAVE[sockcat]:-} ]] && ! "$SOCKCAT" listen --help 2>&1 | grep -q -- '--exec'; then
			NA_EXEC="not available (no listen --exec)"
			remember "this sockcat's listen has no --exec yet (issue 12): its exec cells say so"
		fi
		if [[ -n ${HAVE[sockcat-base]:-} ]] && ! "$BASELINE" listen --help 2>&1 | grep -q -- '--exec'; then
			NA_EXEC_BASE=1
			remember "the --baseline sockcat has no listen --exec: no A/B for exec"
		fi
	fi
	find_reaper
	command -v iperf3 >/dev/null && HAVE[iperf3]=1 ||
		{ wants tcp-file && remember "iperf3 is not installed: no reference line"; }
	command -v hyperfine >/dev/null && HAVE[hyperfine]=1 ||
		{ wants startup && remember "hyperfine is not installed: startup skipped"; }
}

# ------------------------------------------------- command lines per tool
# Each sets the array CMD for TOOL and PORT. These are the flags each tool
# needs to finish by itself; print_flags shows them.

# scbin TOOL: the binary of sockcat or sockcat-base (--baseline).
scbin() { [[ $1 == sockcat-base ]] && echo "$BASELINE" || echo "$SOCKCAT"; }

# TCP listener whose stdout takes the transfer; stdin is /dev/null.
cmd_tcp_listen() {
	case $1 in
	sockcat|sockcat-base) CMD=("$(scbin "$1")" listen -b 127.0.0.1 -p "$2") ;;
	nc.openbsd) CMD=(nc.openbsd -l 127.0.0.1 "$2") ;;
	ncat) CMD=(ncat -l 127.0.0.1 "$2") ;;
	socat) CMD=(socat -u "TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr" STDOUT) ;;
	esac
}
# TCP client sending its stdin.
cmd_tcp_client() {
	case $1 in
	sockcat|sockcat-base) CMD=("$(scbin "$1")" connect 127.0.0.1 "$2") ;;
	nc.openbsd) CMD=(nc.openbsd -N 127.0.0.1 "$2") ;;
	ncat) CMD=(ncat 127.0.0.1 "$2") ;;
	socat) CMD=(socat -u STDIN "TCP:127.0.0.1:$2") ;;
	esac
}
# UDP receiver writing every datagram to stdout.
cmd_udp_recv() {
	case $1 in
	sockcat|sockcat-base) CMD=("$(scbin "$1")" udp-recv -b 127.0.0.1 -p "$2") ;;
	nc.openbsd) CMD=(nc.openbsd -u -l 127.0.0.1 "$2") ;;
	ncat) CMD=(ncat -u -l 127.0.0.1 "$2") ;;
	socat) CMD=(socat -u "UDP-RECV:$2,bind=127.0.0.1" STDOUT) ;;
	esac
}
# Keep-open TCP server; stdin and stdout are /dev/null.
cmd_keep_open() {
	case $1 in
	sockcat|sockcat-base) CMD=("$(scbin "$1")" listen -k -b 127.0.0.1 -p "$2") ;;
	nc.openbsd) CMD=(nc.openbsd -lk 127.0.0.1 "$2") ;;
	ncat) CMD=(ncat -lk -m 10000 127.0.0.1 "$2") ;;
	socat) CMD=(socat -u "TCP-LISTEN:$2,bind=127.0.0.1,fork,reuseaddr" /dev/null) ;;
	floor) CMD=("$FLOOR" 127.0.0.1 "$2") ;;
	esac
}
# A program per connection (exec scenario): cat echoes each session.
cmd_exec() {
	case $1 in
	sockcat|sockcat-base) CMD=("$(scbin "$1")" listen -k -e cat -b 127.0.0.1 -p "$2") ;;
	ncat) CMD=(ncat -l -k -e /bin/cat 127.0.0.1 "$2") ;;
	socat) CMD=(socat "TCP-LISTEN:$2,bind=127.0.0.1,fork,reuseaddr,backlog=4096" EXEC:cat) ;;
	*) return 1 ;;
	esac
}
# Client of the startup test: connect to a closed port, exit.
cmd_startup() {
	case $1 in
	sockcat|sockcat-base) CMD=("$(scbin "$1")" connect 127.0.0.1 "$2") ;;
	nc.openbsd) CMD=(nc.openbsd 127.0.0.1 "$2") ;;
	ncat) CMD=(ncat 127.0.0.1 "$2") ;;
	socat) CMD=(socat - "TCP:127.0.0.1:$2") ;;
	esac
}

print_flags() {
	local t
	echo "Command lines (P = a port checked free below the ephemeral range; stdin of servers is /dev/null):"
	for t in "${TOOL_LIST[@]}"; do
		echo "  $t:"
		cmd_tcp_listen "$t" P; echo "    TCP listener:   ${CMD[*]} </dev/null >OUT"
		cmd_tcp_client "$t" P; echo "    TCP client:     ${CMD[*]} <FILE  (or: head -c SIZE /dev/zero | ...)"
		cmd_udp_recv "$t" P; echo "    UDP receiver:   ${CMD[*]} </dev/null >SINK  (a file on tmpfs)"
		cmd_keep_open "$t" P; echo "    keep-open:      ${CMD[*]} </dev/null >/dev/null"
		cmd_exec "$t" P && echo "    exec:           ${CMD[*]} </dev/null >/dev/null"
		cmd_startup "$t" CLOSED; echo "    startup:        ${CMD[*]}"
	done
	[[ -n ${HAVE[iperf3]:-} ]] &&
		echo "  iperf3 (reference): iperf3 -s -1 -B 127.0.0.1 -p P; iperf3 -c 127.0.0.1 -p P -n BYTES -J"
	[[ -n ${FLOOR:-} ]] &&
		echo "  floor (reference keep-open server: accept, half-close, read to EOF, close): sc-accept-floor 127.0.0.1 P"
	[[ -n ${REAPER:-} ]] &&
		echo "  servers whose CPU is read (conn, exec) run under: sc-reaper -t BOUND SERVER..."
	return 0
	echo "  paths: sockcat=${SOCKCAT}${TOOLS:+, generators in $TOOLS}"
}

# ---------------------------------------------------------- TCP transfer
# tcp_run TOOL MODE(file|pipe) SRC OUT: one transfer, client -> listener.
# On success sets T_SECS (first client byte to both exited), T_CPU (user +
# sys of both sides), T_RSS (listener peak RSS, KiB).
tcp_run() {
	local tool=$1 mode=$2 src=$3 out=$4 lpid lrc crc t0 t1 tl bound
	local d=$WORK/tcp
	mkdir -p "$d"
	rm -f "$d"/{l.time,c.time,l.end,l.err,c.err}
	bound=$((60 + SIZE_B / (20 << 20)))
	free_port
	cmd_tcp_listen "$tool" "$PORT"
	# The inner bash writes the listener's end time, so the elapsed time
	# does not depend on how often we poll for its exit.
	timeout -k 2 "$bound" bash -c 'e=$1; shift; "$@"; rc=$?; echo "$EPOCHREALTIME" >"$e"; exit "$rc"' \
		_ "$d/l.end" /usr/bin/time -f '%e %U %S %M' -o "$d/l.time" "${CMD[@]}" \
		</dev/null >"$out" 2>"$d/l.err" &
	lpid=$!
	server_up tcp "$lpid" listener "$d/l.err" || return 1
	cmd_tcp_client "$tool" "$PORT"
	t0=$(now_us)
	if [[ $mode == file ]]; then
		timeout -k 2 "$bound" /usr/bin/time -f '%e %U %S %M' -o "$d/c.time" "${CMD[@]}" \
			<"$src" >/dev/null 2>"$d/c.err"
		crc=$?
	else
		head -c "$SIZE_B" /dev/zero |
			timeout -k 2 "$bound" /usr/bin/time -f '%e %U %S %M' -o "$d/c.time" "${CMD[@]}" \
			>/dev/null 2>"$d/c.err"
		local ps=("${PIPESTATUS[@]}")
		crc=${ps[1]}
		if ((ps[0] != 0 && crc == 0)); then
			FAIL_WHY="head exited $((ps[0])) (SIGPIPE: the client stopped reading stdin before its EOF) while the client exited 0: data lost"
			wait_exit "$lpid" 10
			return 1
		fi
	fi
	t1=$(now_us)
	wait_exit "$lpid" 10
	lrc=$WAIT_RC
	if [[ -s $d/l.end ]]; then
		tl=$(<"$d/l.end")
		tl=$((10#${tl%.*} * 1000000 + 10#${tl#*.}))
		((tl > t1)) && t1=$tl
	fi
	if ((crc != 0 || lrc != 0)); then
		FAIL_WHY="client status $crc, listener status $lrc: $(cat "$d/c.err" "$d/l.err" | grep -v '^Command exited' | head -c 200 | tr '\n' ' ')"
		return 1
	fi
	T_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e6 }')
	T_CPU=$(awk 'NR == FNR { s += $2 + $3; next } { s += $2 + $3 } END { printf "%.3f", s }' \
		"$d/c.time" "$d/l.time")
	T_RSS=$(awk '{ print $4 }' "$d/l.time")
	return 0
}

make_inputs() {
	local t0
	INPUT=$WORK/zero.bin
	RANDIN=$WORK/random.bin
	if wants tcp-file; then
		note "creating the $SIZE input file from /dev/zero (content does not matter: nothing here compresses)"
		t0=$(now_us)
		head -c "$SIZE_B" /dev/zero >"$INPUT" || { note "cannot write $INPUT"; exit 1; }
		cat "$INPUT" >/dev/null	# into the page cache
		note "  done in $(( ($(now_us) - t0) / 1000 )) ms"
	fi
	if wants integrity; then
		note "creating the $INTEG_SIZE random file from /dev/urandom"
		head -c "$INTEG_B" /dev/urandom >"$RANDIN" || { note "cannot write $RANDIN"; exit 1; }
		RAND_SHA=$(sha256sum <"$RANDIN" | cut -d' ' -f1)
	fi
}

gib() { awk -v b="$SIZE_B" -v s="$1" 'BEGIN { printf "%.3f", b / 1073741824 / s }'; }
per_gib() { awk -v b="$SIZE_B" -v c="$1" 'BEGIN { printf "%.3f", c / (b / 1073741824) }'; }

scenario_tcp_file() {
	local r t
	echo "== TCP from a file: $SIZE, client <file -> listener >/dev/null"
	for ((r = 1; r <= RUNS; r++)); do
		for t in "${TOOL_LIST[@]}"; do
			if tcp_run "$t" file "$INPUT" /dev/null; then
				record tcp_file_gibs "$t" "$(gib "$T_SECS")"
				record tcp_file_cpu "$t" "$(per_gib "$T_CPU")"
				record tcp_file_rss "$t" "$T_RSS"
				printf '  [%d/%d] %-10s %s GiB/s  %s CPU s/GiB  listener RSS %s KiB\n' \
					"$r" "$RUNS" "$t" "$(gib "$T_SECS")" "$(per_gib "$T_CPU")" "$T_RSS"
			else
				record_fail tcp_file_gibs "$t" "$FAIL_WHY"
			fi
		done
		[[ -n ${HAVE[iperf3]:-} ]] && iperf3_run "$r"
	done
}

iperf3_run() {
	local spid json v
	free_port
	timeout -k 2 120 iperf3 -s -1 -B 127.0.0.1 -p "$PORT" </dev/null >/dev/null 2>&1 &
	spid=$!
	if ! server_up tcp "$spid" "iperf3 server" /dev/null; then
		record_fail tcp_file_gibs iperf3 "$FAIL_WHY"
		return
	fi
	json=$(timeout -k 2 120 iperf3 -c 127.0.0.1 -p "$PORT" -n "$SIZE_B" -J 2>/dev/null)
	wait_exit "$spid" 5
	v=$(python3 -c '
import json, sys
e = json.load(sys.stdin)["end"]["sum_received"]
print("%.3f" % (e["bytes"] / e["seconds"] / 2**30))' <<<"$json" 2>/dev/null)
	if [[ -n $v ]]; then
		record tcp_file_gibs iperf3 "$v"
		printf '  [%d/%d] %-10s %s GiB/s (single stream, from memory)\n' "$1" "$RUNS" iperf3 "$v"
	else
		record_fail tcp_file_gibs iperf3 "no iperf3 result"
	fi
}

scenario_tcp_pipe() {
	local r t
	echo "== TCP from a pipe: head -c $SIZE /dev/zero | client -> listener >/dev/null"
	for ((r = 1; r <= RUNS; r++)); do
		for t in "${TOOL_LIST[@]}"; do
			if tcp_run "$t" pipe - /dev/null; then
				record tcp_pipe_gibs "$t" "$(gib "$T_SECS")"
				record tcp_pipe_cpu "$t" "$(per_gib "$T_CPU")"
				printf '  [%d/%d] %-10s %s GiB/s  %s CPU s/GiB\n' \
					"$r" "$RUNS" "$t" "$(gib "$T_SECS")" "$(per_gib "$T_CPU")"
			else
				record_fail tcp_pipe_gibs "$t" "$FAIL_WHY"
			fi
		done
	done
}

scenario_integrity() {
	local r t out sha
	echo "== file integrity: $INTEG_SIZE random file, sha256 of what the listener wrote"
	out=$WORK/integrity.out
	for ((r = 1; r <= RUNS; r++)); do
		for t in "${TOOL_LIST[@]}"; do
			if tcp_run "$t" file "$RANDIN" "$out"; then
				sha=$(sha256sum <"$out" | cut -d' ' -f1)
				if [[ $sha == "$RAND_SHA" ]]; then
					record integrity "$t" 1
					printf '  [%d/%d] %-10s identical\n' "$r" "$RUNS" "$t"
				else
					record integrity "$t" 0
					record_fail integrity "$t" "sha256 differs ($(stat -c %s "$out") of $INTEG_B bytes)"
				fi
			else
				record integrity "$t" 0
				record_fail integrity "$t" "$FAIL_WHY"
			fi
			rm -f "$out"
		done
	done
}

# ------------------------------------------------------------------- UDP
# udp_run TOOL SIZE RATE(0: max): sets U_RATE (received/s) and U_LOSS (%).
udp_run() {
	local tool=$1 size=$2 rate=$3 rpid sent secs got d=$WORK/udp args
	local sink=$SINK_DIR/udp.out
	mkdir -p "$d"
	rm -f "$d"/{r.err,flood.out} "$sink"
	free_port
	cmd_udp_recv "$tool" "$PORT"
	# A file, not a pipe to wc: a third process on the two CPUs would
	# take its share from the receiver being measured.
	timeout -k 2 120 "${CMD[@]}" </dev/null >"$sink" 2>"$d/r.err" &
	rpid=$!
	server_up udp "$rpid" receiver "$d/r.err" || return 1
	if ((rate > 0)); then
		args=(-r "$rate" -c "$(awk -v r="$rate" -v s="$UDP_SECS" 'BEGIN { printf "%d", r * s }')")
	else
		# Segmentation offload: one sender outruns any receiver, so
		# what is measured is the receiver, not sc-udp-flood.
		args=(-d "$UDP_SECS" -g "$UDP_GSO")
	fi
	timeout -k 2 120 "$FLOOD" -q -s "$size" "${args[@]}" -t 100 127.0.0.1 "$PORT" >"$d/flood.out"
	udp_drained "$PORT"
	stop_pid "$rpid"
	sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$d/flood.out")
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$d/flood.out")
	got=$(($(stat -c %s "$sink" 2>/dev/null || echo 0) / size))
	rm -f "$sink"
	if [[ -z $sent || $sent == 0 ]]; then
		FAIL_WHY="sc-udp-flood sent nothing"
		return 1
	fi
	if ((got == 0)); then
		FAIL_WHY="nothing received of $sent datagrams: $(head -c 200 "$d/r.err" | tr '\n' ' ')"
		return 1
	fi
	U_RATE=$(awk -v g="$got" -v s="$secs" 'BEGIN { printf "%.0f", g / s }')
	U_LOSS=$(awk -v g="$got" -v n="$sent" 'BEGIN { l = 100 * (n - g) / n; printf "%.2f", l < 0 ? 0 : l }')
	U_SENT=$sent
	return 0
}

scenario_udp() {
	local size rate r t key label
	for size in 64 1400; do
		for rate in 0 "$UDP_RATE"; do
			if ((rate == 0)); then
				key=udp${size}_max label="as fast as sc-udp-flood -g $UDP_GSO sends, ${UDP_SECS} s"
			else
				key=udp${size}_paced label="$rate/s for ${UDP_SECS} s"
			fi
			echo "== UDP $size B: $label"
			for ((r = 1; r <= RUNS; r++)); do
				for t in "${TOOL_LIST[@]}"; do
					if udp_run "$t" "$size" "$rate"; then
						record "${key}_rate" "$t" "$U_RATE"
						record "${key}_loss" "$t" "$U_LOSS"
						printf '  [%d/%d] %-10s %s received/s  loss %s %% (sent %s)\n' \
							"$r" "$RUNS" "$t" "$U_RATE" "$U_LOSS" "$U_SENT"
					else
						record_fail "${key}_rate" "$t" "$FAIL_WHY"
					fi
				done
			done
		done
	done
}

# ------------------------------------------------------- connection rate
# server_rate SECS CONC CLIENT-ARGS...: with CMD set, one run of
# sc-conn-rate against that server, which runs under sc-reaper (so the
# CPU of the children it forks counts).  The server's CPU is read once it
# listens and again when the client is done and the server has reaped
# its finished children.  Sets C_RATE, C_CONNS and C_CPU (server CPU
# seconds), or FAIL_WHY.
server_rate() {
	local secs=$1 conc=$2 spid rc d=$WORK/conn out bound base c0 c1
	shift 2
	mkdir -p "$d"
	bound=$(awk -v s="$secs" 'BEGIN { printf "%d", s + 30 }')
	serve_prefix "$bound"
	"${SERVE[@]}" "${CMD[@]}" </dev/null >/dev/null 2>"$d/s.err" &
	spid=$!
	server_up tcp "$spid" server "$d/s.err" || return 1
	base=$(tree_count "$spid")
	c0=$(tree_cpu "$spid")
	out=$(timeout -k 2 "$bound" "$CONNRATE" -d "$secs" -c "$conc" -w 5 \
		-t "$((bound - 5))" "$@" 127.0.0.1 "$PORT" 2>"$d/c.err")
	rc=$?
	settle "$spid" "$base"
	c1=$(tree_cpu "$spid")
	stop_pid "$spid"
	if ((rc != 0)); then
		FAIL_WHY="sc-conn-rate status $rc: $out $(head -c 200 "$d/c.err" | tr '\n' ' ')"
		return 1
	fi
	C_RATE=$(field "$out" rate)
	C_CONNS=$(field "$out" conns)
	C_CPU=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }')
	[[ -n $C_RATE ]]
}

conn_run() {
	free_port
	cmd_keep_open "$1" "$PORT"
	server_rate "$CONN_SECS" "$CONN_CONC"
}

scenario_conn() {
	local r t cpu tools=("${TOOL_LIST[@]}")
	# The floor server takes its turn like the tools: the most any
	# keep-open server can reach with this client on this machine.
	[[ -n $FLOOR ]] && tools+=(floor)
	echo "== connections/s: sc-conn-rate -c $CONN_CONC for $CONN_SECS s (send \"ping\\n\", half-close, read to EOF, close)"
	for ((r = 1; r <= RUNS; r++)); do
		for t in "${tools[@]}"; do
			if conn_run "$t"; then
				cpu=$(cpu_per "$C_CPU" "$C_CONNS" 1000000)
				record conn_rate "$t" "$C_RATE"
				record conn_cpu "$t" "$cpu"
				printf '  [%d/%d] %-10s %s conn/s  server CPU %s µs/conn\n' "$r" "$RUNS" "$t" "$C_RATE" "$cpu"
			else
				record_fail conn_rate "$t" "$FAIL_WHY"
			fi
		done
	done
}

# ------------------------------------------------------------------- exec
# A program per connection (issue 12), cat echoing each session of 64 B.
# Two sessions: "half" as the issue asks (64 B, half-close, the echo read
# to EOF, close), and "reply" (64 B, the 64 B echo read, close; no
# half-close), which ncat -e completes too: it drops the echo when the
# client's FIN comes first.
exec_label() {
	case $1 in
	half) echo "64 B, half-close, read the echo to EOF, close" ;;
	reply) echo "64 B, read the 64 B echo, close (no half-close)" ;;
	esac
}

scenario_exec() {
	local m c r t cpu msg key
	msg=$(printf '%064d' 0)
	for m in half reply; do
		for c in ${EXEC_CONC//,/ }; do
			key=exec_${m}$c
			echo "== exec: cat per connection, sc-conn-rate -x $m -c $c for $CONN_SECS s ($(exec_label "$m"))"
			for ((r = 1; r <= RUNS; r++)); do
				for t in "${TOOL_LIST[@]}"; do
					cmd_exec "$t" P || continue
					[[ $t == sockcat && -n ${NA_EXEC:-} ]] && continue
					[[ $t == sockcat-base && -n ${NA_EXEC_BASE:-} ]] && continue
					free_port
					cmd_exec "$t" "$PORT"
					if server_rate "$CONN_SECS" "$c" -x "$m" -m "$msg" -R 64; then
						cpu=$(cpu_per "$C_CPU" "$C_CONNS" 1000000)
						record "${key}_rate" "$t" "$C_RATE"
						record "${key}_cpu" "$t" "$cpu"
						printf '  [%d/%d] %-10s %s conn/s  server CPU %s µs/conn (children included)\n' \
							"$r" "$RUNS" "$t" "$C_RATE" "$cpu"
					else
						record_fail "${key}_rate" "$t" "$FAIL_WHY"
					fi
				done
			done
		done
	done
}

# ---------------------------------------------------------------- startup
scenario_startup() {
	local t args=() json r rc
	[[ -n ${HAVE[hyperfine]:-} ]] || return 0
	free_port	# nobody listens on it
	echo "== startup: connect to closed port $PORT and exit (hyperfine -N, $STARTUP_RUNS runs x $RUNS rounds)"
	for t in "${TOOL_LIST[@]}"; do
		cmd_startup "$t" "$PORT"
		# Time only a client that really tried and was refused: sockcat
		# must say so with status 69 (SPEC), the anchors with non-zero.
		timeout -k 1 10 "${CMD[@]}" </dev/null >/dev/null 2>"$WORK/startup.err"
		rc=$?
		if [[ $t == sockcat* && $rc != 69 ]] || ((rc == 0 || rc == 124)); then
			record_fail startup_ms "$t" "status $rc, not a refused connection: $(head -c 200 "$WORK/startup.err" | tr '\n' ' ')"
			continue
		fi
		args+=(-n "$t" "$(printf '%q ' "${CMD[@]}")")
	done
	((${#args[@]} > 0)) || return 0
	json=$WORK/startup.json
	for ((r = 1; r <= RUNS; r++)); do
		if ! timeout -k 2 600 hyperfine -N -i -w 5 -r "$STARTUP_RUNS" --style none \
			--export-json "$json" "${args[@]}" >/dev/null 2>"$WORK/startup.err"; then
			remember "hyperfine failed: $(head -c 300 "$WORK/startup.err")"
			return 0
		fi
		python3 - "$json" <<'EOF' |
import json, sys
for res in json.load(open(sys.argv[1]))["results"]:
    print(res["command"], "%.3f" % (res["median"] * 1000), "%.3f" % (res["mean"] * 1000))
EOF
		while read -r t med mean; do
			record startup_ms "$t" "$med"
			printf '  [%d/%d] %-10s %s ms (median of %s; mean %s ms)\n' \
				"$r" "$RUNS" "$t" "$med" "$STARTUP_RUNS" "$mean"
		done
	done
}

# ------------------------------------------------------------------- echo
ECHO_LINES=()
scenario_echo() {
	local es=
	for es in "$TOOLS/echo.sh" "$here/echo.sh"; do
		[[ -f $es ]] && break
		es=
	done
	if [[ -z $es ]]; then
		remember "bench/echo.sh not found: echo round trips skipped"
		return 0
	fi
	echo "== echo round trips/s: delegated to $es"
	local eargs=(--sockcat "$SOCKCAT" -n "$RUNS")
	[[ -n $TOOLS ]] && eargs+=(--tools "$TOOLS")
	((QUICK)) && eargs+=(--quick)
	# Its progress now; its tables go under ours at the end.
	timeout -k 5 3600 bash "$es" "${eargs[@]}" 2>&1 | tee "$WORK/echo.out" |
		awk '!f && /^\|/ { f = 1 } !f { print; fflush() }'
	local rc=${PIPESTATUS[0]}
	((rc == 0)) || remember "echo.sh exited with status $rc"
	# Its tables and notes, from its first table row to the end.
	mapfile -t ECHO_LINES < <(awk 'f || /^\|/ { f = 1; print }' "$WORK/echo.out")
}

# echo_cell C SERVER [FIELD]: a cell of echo.sh's table, by default the
# "median (min–max)" of round trips/s (field 4; field 10 is the server's
# CPU per round trip).
echo_cell() {
	local line
	for line in "${ECHO_LINES[@]}"; do
		awk -F'|' -v c="$1" -v s="$2" -v f="${3:-4}" '{ gsub(/^ +| +$/, "", $2); gsub(/^ +| +$/, "", $3)
			gsub(/^ +| +$/, "", $f) }
			$2 == c && $3 == s && $f ~ /^[0-9]/ { print $f; found = 1 } END { exit !found }' \
			<<<"$line" && return 0
	done
	return 1
}

# The server CPU row of our table: µs per round trip at C=1000 from
# echo.sh, sockcat against the best (lowest) of ncat and socat.
echo_cpu_row() {
	local sc nc so asy best r=–
	sc=$(echo_cell 1000 sockcat 10) || sc=
	nc=$(echo_cell 1000 ncat 10) || nc=
	so=$(echo_cell 1000 socat 10) || so=
	asy=$(echo_cell 1000 asyncio 10) || asy=
	best=$(printf '%s ncat\n%s socat\n' "${nc%% *}" "${so%% *}" | awk '$1 ~ /^[0-9]/' | sort -g | head -n 1)
	[[ -n $sc && -n $best ]] && r="$(ratio "${sc%% *}" "${best%% *}") (${best#* })"
	printf '| echo server CPU µs per round trip, C=1000 (python asyncio: %s) | %s | n/a | %s | %s | %s | |\n' \
		"${asy:-–}" "${sc:-–}" "${nc:-–}" "${so:-–}" "$r"
}

# The echo row of our table: sockcat, ncat and socat at C=1000 from
# echo.sh, the target against python asyncio.
echo_row() {
	local sc nc so asy best='' bt='' v t r verdict=''
	sc=$(echo_cell 1000 sockcat) || sc=
	nc=$(echo_cell 1000 ncat) || nc=
	so=$(echo_cell 1000 socat) || so=
	asy=$(echo_cell 1000 asyncio) || asy=
	for t in ncat socat; do
		[[ $t == ncat ]] && v=${nc%% *} || v=${so%% *}
		[[ -n $v ]] || continue
		if [[ -z $best ]] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a > b) }'; then
			best=$v bt=$t
		fi
	done
	r=–
	[[ -n $sc && -n $best ]] && r="$(ratio "${sc%% *}" "$best") ($bt)"
	if [[ -n $sc && -n $asy ]]; then
		verdict=$(awk -v s="${sc%% *}" -v a="${asy%% *}" 'BEGIN {
			printf " → %.2f× %s", s / a, (s >= 3 * a ? "met" : "MISSED") }')
	fi
	printf '| echo round trips/s, C=1000 (python asyncio: %s) | %s | n/a | %s | %s | %s | ≥ 3× python asyncio%s |\n' \
		"${asy:-–}" "${sc:-–}" "${nc:-–}" "${so:-–}" "$r" "$verdict"
}

# ------------------------------------------------------------------ table
# row LABEL KEY DECIMALS BETTER(hi|lo) TARGET-TEXT TARGET-RULES: a row of
# sockcat and the three anchors; see table_row in lib.sh.
row() {
	COLS=(sockcat nc.openbsd ncat socat)
	ANCHOR_COLS=(nc.openbsd ncat socat)
	table_row "$@"
}

# The floor server's line: how far any server could get above the anchors.
floor_row() {
	local fl best='' t v
	fl=$(median conn_rate floor 2>/dev/null) || return 0
	for t in ncat socat; do
		v=$(median conn_rate "$t" 2>/dev/null) || continue
		[[ -z $best ]] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a > b) }' && best=$v
	done
	printf '| connections/s of sc-accept-floor (accept, half-close, read to EOF, close: about the most a server gets with this client) | %s | | | | floor/best of ncat, socat = %s | reference: under 1.5, a server at this floor would miss the 1.5× target here |\n' \
		"$(cell conn_rate floor 0)" "$([[ -n $best ]] && ratio "$fl" "$best" || echo –)"
}

# ab_row LABEL KEY DECIMALS: this sockcat against --baseline, same run.
ab_row() {
	local a b
	a=$(median "$2" sockcat 2>/dev/null) || a=
	b=$(median "$2" sockcat-base 2>/dev/null) || b=
	[[ -n $a || -n $b ]] || return 0
	printf '| %s | %s | %s | %s |\n' "$1" "$(cell "$2" sockcat "$3")" \
		"$(cell "$2" sockcat-base "$3")" \
		"$([[ -n $a && -n $b ]] && ratio "$a" "$b" || echo –)"
}

# The A/B table: every scenario's figures of sockcat and sockcat-base.
print_ab() {
	local m c
	echo "A/B, same run: this sockcat ($SOCKCAT) against --baseline ($BASELINE)"
	echo
	echo "| scenario | sockcat | baseline | ratio sockcat/baseline |"
	echo "|---|---|---|---|"
	ab_row "TCP from a file, GiB/s ($SIZE)" tcp_file_gibs 2
	ab_row "CPU s/GiB, both sides (file)" tcp_file_cpu 3
	ab_row "listener peak RSS, KiB" tcp_file_rss 0
	ab_row "TCP from a pipe, GiB/s ($SIZE)" tcp_pipe_gibs 2
	ab_row "CPU s/GiB, both sides (pipe)" tcp_pipe_cpu 3
	ab_row "integrity, share of identical runs" integrity 2
	ab_row "UDP 64 B, received/s at max rate" udp64_max_rate 0
	ab_row "UDP 64 B, loss % at $UDP_RATE/s" udp64_paced_loss 2
	ab_row "UDP 1400 B, received/s at max rate" udp1400_max_rate 0
	ab_row "connections/s (keep-open server, -c $CONN_CONC)" conn_rate 0
	ab_row "server CPU µs per connection (keep-open server)" conn_cpu 1
	for m in half reply; do
		[[ -n ${NA_EXEC_BASE:-} ]] && break
		for c in ${EXEC_CONC//,/ }; do
			ab_row "exec, $m, -c $c: connections/s" "exec_${m}${c}_rate" 0
			ab_row "exec, $m, -c $c: server CPU µs per connection" "exec_${m}${c}_cpu" 0
		done
	done
	ab_row "startup, ms (connect to a closed port)" startup_ms 2
	echo
}

print_table() {
	local iperf line sc c m k
	echo
	echo "## sockcat benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs, $RUNS runs, median (min–max))"
	echo
	echo "| scenario | sockcat | nc.openbsd | ncat | socat | ratio sockcat/best-anchor | target |"
	echo "|---|---|---|---|---|---|---|"
	if wants tcp-file; then
		row "TCP from a file, GiB/s ($SIZE)" tcp_file_gibs 2 hi "≥ 1.6× nc.openbsd" "1.6 nc.openbsd"
		if iperf=$(median tcp_file_gibs iperf3 2>/dev/null); then
			sc=$(median tcp_file_gibs sockcat 2>/dev/null)
			line=$(cell tcp_file_gibs iperf3 2)
			printf '| TCP from a file vs iperf3 single stream (iperf3: %s GiB/s) | %s | | | | sockcat/iperf3 = %s | ≥ 0.9× iperf3%s |\n' \
				"$line" "$(cell tcp_file_gibs sockcat 2)" "$([[ -n $sc ]] && ratio "$sc" "$iperf" || echo –)" \
				"$([[ -n $sc ]] && awk -v s="$sc" -v i="$iperf" 'BEGIN { printf " → %s", (s >= 0.9 * i ? "met" : "MISSED") }')"
		fi
		row "CPU s/GiB, both sides (file)" tcp_file_cpu 3 lo "≤ 0.5× nc.openbsd" "0.5 nc.openbsd"
		row "listener peak RSS, KiB" tcp_file_rss 0 lo "≤ 1.2× nc.openbsd" "1.2 nc.openbsd"
	fi
	if wants tcp-pipe; then
		row "TCP from a pipe, GiB/s ($SIZE)" tcp_pipe_gibs 2 hi "≥ 1.3× nc.openbsd" "1.3 nc.openbsd"
		row "CPU s/GiB, both sides (pipe)" tcp_pipe_cpu 3 lo "" ""
	fi
	if wants integrity; then
		row "integrity ($INTEG_SIZE random), share of identical runs" integrity 2 hi "1.00 (every run identical)" "1 nc.openbsd,ncat,socat"
	fi
	if wants udp && [[ -n $FLOOD ]]; then
		row "UDP 64 B, received/s at max rate" udp64_max_rate 0 hi "≥ 1.2× nc.openbsd" "1.2 nc.openbsd"
		row "UDP 64 B, loss % at max rate" udp64_max_loss 2 lo "" ""
		row "UDP 64 B, loss % at $UDP_RATE/s" udp64_paced_loss 2 lo "≤ nc.openbsd" "1 nc.openbsd"
		row "UDP 1400 B, received/s at max rate" udp1400_max_rate 0 hi "" ""
		row "UDP 1400 B, loss % at max rate" udp1400_max_loss 2 lo "" ""
		row "UDP 1400 B, loss % at $UDP_RATE/s" udp1400_paced_loss 2 lo "" ""
	fi
	if wants conn && [[ -n $CONNRATE ]]; then
		row "connections/s (keep-open server, -c $CONN_CONC)" conn_rate 0 hi "≥ 1.5× best of ncat, socat" "1.5 ncat,socat"
		row "server CPU µs per connection (keep-open server)" conn_cpu 1 lo "" ""
		floor_row
	fi
	if wants exec && [[ -n $CONNRATE ]]; then
		for m in half reply; do
			for c in ${EXEC_CONC//,/ }; do
				for k in "exec_${m}${c}_rate" "exec_${m}${c}_cpu"; do
					record_na "$k" nc.openbsd "n/a (no -e)"
					[[ -n ${NA_EXEC:-} ]] && record_na "$k" sockcat "$NA_EXEC"
				done
				row "exec, $m ($(exec_label "$m")), -c $c: connections/s" "exec_${m}${c}_rate" 0 hi "≥ ncat and ≥ socat" "1 ncat;1 socat"
				row "exec, $m, -c $c: server CPU µs per connection, children included" "exec_${m}${c}_cpu" 0 lo "" ""
			done
		done
	fi
	if wants startup && [[ -n ${HAVE[hyperfine]:-} ]]; then
		row "startup, ms (connect to a closed port)" startup_ms 2 lo "≤ nc.openbsd" "1 nc.openbsd"
	fi
	if wants echo; then
		if ((${#ECHO_LINES[@]} > 0)); then
			echo_row
			echo_cpu_row
		else
			echo "| echo round trips/s, C=1000 | – | n/a | – | – | – | ≥ 3× python asyncio (echo.sh missing or failed) |"
		fi
	fi
	echo
	[[ -n ${HAVE[sockcat-base]:-} ]] && print_ab
	if ((${#ECHO_LINES[@]} > 0)); then
		echo "Echo details (bench/echo.sh; ncat and socat run a process per client there):"
		echo
		printf '%s\n' "${ECHO_LINES[@]}"
		echo
	fi
	print_failures
	if ((${#NOTES[@]} > 0)); then
		echo "Notes:"
		printf -- '- %s\n' "${NOTES[@]}"
		echo
	fi
	print_flags
	echo
	echo "Inputs: TCP file = $SIZE of zeros (head -c $SIZE /dev/zero, in the page cache);" \
		"pipe = head -c $SIZE /dev/zero | client; integrity = $INTEG_SIZE from /dev/urandom." \
		"GiB/s = bytes / (client start to both sides exited). CPU = user+sys of client and listener (GNU time)." \
		"UDP received/s = datagrams the receiver wrote (size of its output file / size) / sender's seconds; max-rate sender with -g $UDP_GSO (segmentation offload);" \
		"loss = 1 - received/sent. Startup: hyperfine -N -i, median of each round." \
		"Server CPU (conn, exec) = utime+stime of the server's processes, with the children it and" \
		"sc-reaper reaped (/proc/PID/stat, when it listens and after the run), per completed session."
}

# ------------------------------------------------------------------- main
check_tools
WORK=$(mktemp -d "$TMPROOT/sc-bench.XXXXXX") || { note "cannot create a directory in $TMPROOT"; exit 1; }
# The UDP receivers write to a file in memory when /dev/shm is there.
SINK_DIR=$WORK
if [[ -d /dev/shm && -w /dev/shm ]]; then
	SINK_DIR=$(mktemp -d /dev/shm/sc-bench.XXXXXX) || SINK_DIR=$WORK
fi
ns=current
[[ ${SC_BENCH_NETNS:-} == 1 ]] && ns=private
echo "sockcat benchmark: tools ${TOOL_LIST[*]}; $RUNS runs; scenarios $ONLY; $ns network namespace"
print_flags
echo
make_inputs
wants tcp-file && scenario_tcp_file
wants tcp-pipe && scenario_tcp_pipe
wants integrity && scenario_integrity
wants udp && [[ -n $FLOOD ]] && scenario_udp
wants conn && [[ -n $CONNRATE ]] && scenario_conn
wants exec && [[ -n $CONNRATE ]] && scenario_exec
wants echo && scenario_echo
wants startup && scenario_startup
if [[ -n $OUTPUT ]]; then
	print_table | tee "$OUTPUT"
else
	print_table
fi
