#!/usr/bin/env bash
# bench/forward.sh: 'sockcat forward' against haproxy, socat, ncat, rinetd
# and redir, side by side (issue 11).
#
# Through each forwarder, to a target on loopback that bench/sc-fwd-load
# runs in the same process as its clients: one stream, N streams at once,
# short connections at 1 and 50 clients, and thousands of idle pairs.
# Reports the rates, the forwarder's own CPU per GiB or per connection and
# its memory per pair.  Installs nothing; a missing tool is a column that
# says so.  Loopback only, ports checked free, every process stopped by
# PID, every wait bounded; by default the whole run is in a private
# network namespace.  See bench/README.md.
set -u
set -o pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

usage() {
	cat <<EOF
usage: $prog [OPTIONS]
Benchmark 'sockcat forward' against haproxy, socat, ncat, rinetd and redir
on loopback.

  -n RUNS             runs of each scenario and tool (default 5)
  --quick             for development: 256M streams, 1 s connection runs,
                      2,000 idle pairs, 2 runs
  --sockcat PATH      the sockcat binary (default ./src/sockcat, else
                      src/sockcat next to this script's directory)
  --tools DIR         where sc-fwd-load is (default ./bench, else this
                      script's directory)
  --only LIST         scenarios, comma-separated (default all):
                      stream,streams,rr,idle
  --anchors LIST      default haproxy,socat,ncat,rinetd,redir
  --size SIZE         bytes of the one stream, and of the N streams in all
                      (default 2G)
  --streams N         streams at once in 'streams' (default 100)
  --rr-seconds S      length of each short-connection run (default 3)
  --rr-conc LIST      clients at once, comma-separated (default 1,50)
  --pairs N           idle pairs (default 10000; fewer when the open-file
                      limit cannot hold them)
  --max-procs N       a forwarder with processes per connection (socat,
                      ncat, redir) holds at most N processes of idle pairs
                      (default 2000); its memory per pair is measured there
  --no-direct         leave out the reference line without a forwarder
  --netns, --no-netns run in a private network namespace (default), or in
                      the current one
  --tmpdir DIR        where the temporary directory goes (default \$TMPDIR
                      or /tmp)
  -o, --output FILE   also write the final table and notes to FILE
  --keep              keep the temporary directory (logs of every run)
  -h, --help          this help
EOF
}

# ----------------------------------------------------------------- options
RUNS=5
QUICK=0
SOCKCAT=./src/sockcat
[[ -x $SOCKCAT ]] || SOCKCAT=$here/../src/sockcat
TOOLS=./bench
[[ -x $TOOLS/sc-fwd-load ]] || TOOLS=$here
ONLY=stream,streams,rr,idle
ANCHORS=haproxy,socat,ncat,rinetd,redir
SIZE=2G
STREAMS=100
RR_SECS=3
RR_CONC=1,50
PAIRS=10000
MAX_PROCS=2000
DIRECT=1
NETNS=1
TMPROOT=${TMPDIR:-/tmp}
OUTPUT=
KEEP=0
runs_set=0 size_set=0 rr_set=0 pairs_set=0
ARGV=("$@")

while [[ $# -gt 0 ]]; do
	case $1 in
	-n) need_arg "$@"; RUNS=$2; runs_set=1; shift ;;
	--quick) QUICK=1 ;;
	--sockcat) need_arg "$@"; SOCKCAT=$2; shift ;;
	--tools) need_arg "$@"; TOOLS=$2; shift ;;
	--only) need_arg "$@"; ONLY=$2; shift ;;
	--anchors) need_arg "$@"; ANCHORS=$2; shift ;;
	--size) need_arg "$@"; SIZE=$2; size_set=1; shift ;;
	--streams) need_arg "$@"; STREAMS=$2; shift ;;
	--rr-seconds) need_arg "$@"; RR_SECS=$2; rr_set=1; shift ;;
	--rr-conc) need_arg "$@"; RR_CONC=$2; shift ;;
	--pairs) need_arg "$@"; PAIRS=$2; pairs_set=1; shift ;;
	--max-procs) need_arg "$@"; MAX_PROCS=$2; shift ;;
	--no-direct) DIRECT=0 ;;
	--netns) NETNS=1 ;;
	--no-netns) NETNS=0 ;;
	--tmpdir) need_arg "$@"; TMPROOT=$2; shift ;;
	-o|--output) need_arg "$@"; OUTPUT=$2; shift ;;
	--keep) KEEP=1 ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown argument '$1'; see '$prog --help'" ;;
	esac
	shift
done
if ((QUICK)); then
	((runs_set)) || RUNS=2
	((size_set)) || SIZE=256M
	((rr_set)) || RR_SECS=1
	((pairs_set)) || PAIRS=2000
fi
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "-n '$RUNS': not a positive number"
SIZE_B=$(to_bytes "$SIZE") && ((SIZE_B > 0)) || die "--size '$SIZE': not a size"
[[ $STREAMS =~ ^[1-9][0-9]*$ ]] && ((STREAMS <= 10000)) || die "--streams '$STREAMS': not 1 to 10000"
[[ $RR_SECS =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--rr-seconds '$RR_SECS': not a number of seconds"
[[ $RR_CONC =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--rr-conc '$RR_CONC': not a list of numbers"
[[ $PAIRS =~ ^[1-9][0-9]*$ ]] || die "--pairs '$PAIRS': not a number"
[[ $MAX_PROCS =~ ^[1-9][0-9]*$ ]] || die "--max-procs '$MAX_PROCS': not a number"
wants() { [[ ,$ONLY, == *,$1,* ]]; }
for s in ${ONLY//,/ }; do
	case $s in
	stream|streams|rr|idle) ;;
	*) die "--only: unknown scenario '$s'" ;;
	esac
done
for s in ${ANCHORS//,/ }; do
	case $s in
	haproxy|socat|ncat|rinetd|redir) ;;
	*) die "--anchors: unknown anchor '$s' (haproxy, socat, ncat, rinetd, redir)" ;;
	esac
done
netns_enter "$here/$prog" "${ARGV[@]}"

cleanup() {
	stop_bg
	if [[ -n ${WORK:-} && -d $WORK ]]; then
		if ((KEEP)); then note "kept $WORK"; else rm -rf -- "$WORK"; fi
	fi
}
trap cleanup EXIT
trap 'note "interrupted"; exit 130' INT TERM

# ------------------------------------------------------------------ tools
declare -A HAVE NA RELAY_BURST
check_tools() {
	local t missing=0
	for t in timeout python3 awk sort grep; do
		command -v "$t" >/dev/null || { note "missing: $t"; missing=1; }
	done
	((BASH_VERSINFO[0] >= 5)) || { note "bash >= 5 is needed"; missing=1; }
	((missing)) && exit 1
	TOOLS=$(cd "$TOOLS" 2>/dev/null && pwd) || TOOLS=
	FWDLOAD=${TOOLS:+$TOOLS/sc-fwd-load}
	LOAD=$FWDLOAD
	RELAY=forwarder
	if [[ ! -x $FWDLOAD ]]; then
		note "sc-fwd-load not found in '${TOOLS:-?}': run 'make bench-tools', or give --tools DIR"
		exit 1
	fi

	TOOL_LIST=()
	if [[ -x $SOCKCAT ]] && "$SOCKCAT" --version >/dev/null 2>&1; then
		SOCKCAT=$(cd "$(dirname "$SOCKCAT")" && pwd)/$(basename "$SOCKCAT")
		if "$SOCKCAT" forward --help >/dev/null 2>&1; then
			TOOL_LIST+=(sockcat)
			HAVE[sockcat]=1
		else
			NA[sockcat]="not available (no forward command)"
			remember "this sockcat has no 'forward' command yet (issue 11): its column says so"
		fi
	else
		NA[sockcat]="not available (no sockcat binary)"
		remember "sockcat not found or not runnable at '$SOCKCAT' (build it, or give --sockcat PATH)"
	fi
	for t in haproxy socat ncat rinetd redir; do
		[[ ,$ANCHORS, == *,$t,* ]] || NA[$t]="not run (--anchors)"
	done
	for t in ${ANCHORS//,/ }; do
		if command -v "$t" >/dev/null || [[ -x /usr/sbin/$t ]]; then
			TOOL_LIST+=("$t")
			HAVE[$t]=1
		else
			NA[$t]="not installed"
			remember "$t is not installed (Debian package '$t'): skipped"
		fi
	done
	find_reaper
	HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
	RINETD=$(command -v rinetd || echo /usr/sbin/rinetd)
	((${#TOOL_LIST[@]} > 0)) || { note "no forwarder to benchmark"; exit 1; }
	((DIRECT)) && TOOL_LIST+=(direct) && HAVE[direct]=1
	# ncat and redir listen with a backlog of 10: more connects in flight
	# overflow it, and the kernel resets some of the streams that were
	# already sending.  Their clients open at most 8 at a time.
	RELAY_BURST[ncat]=8
	RELAY_BURST[redir]=8
}

# Processes a forwarder runs per connection (0: one event loop).
per_conn() {
	case $1 in
	socat|redir) echo 1 ;;
	ncat) echo 3 ;;		# ncat's child, sh, ncat
	*) echo 0 ;;
	esac
}

# ------------------------------------------------- command lines per tool
# relay_cmd TOOL PORT TARGETPORT: sets CMD, the forwarder listening on
# 127.0.0.1:PORT and forwarding to 127.0.0.1:TARGETPORT.
relay_cmd() {
	case $1 in
	sockcat) CMD=("$SOCKCAT" forward -b 127.0.0.1 -p "$2" 127.0.0.1 "$3") ;;
	haproxy) haproxy_cfg "$2" "$3"; CMD=("$HAPROXY" -db -f "$WORK/haproxy.cfg") ;;
	socat) CMD=(socat "TCP-LISTEN:$2,bind=127.0.0.1,fork,reuseaddr,backlog=4096" "TCP:127.0.0.1:$3") ;;
	ncat) CMD=(ncat -l -k -m 10000 127.0.0.1 "$2" --sh-exec "ncat 127.0.0.1 $3") ;;
	rinetd) printf '127.0.0.1 %s 127.0.0.1 %s\n' "$2" "$3" >"$WORK/rinetd.conf"
		CMD=("$RINETD" -f -c "$WORK/rinetd.conf") ;;
	# redir forks a handler per connection that its parent does not wait
	# for (it is reparented): sc-reaper reaps it, so its CPU counts.
	redir) CMD=(redir -n "127.0.0.1:$2" "127.0.0.1:$3") ;;
	esac
}

# haproxy: one thread, forced splice both ways (splice-auto does not
# splice on loopback), no daemon; maxconn and maxpipes sized so its
# descriptors fit the open-file limit it inherits.
haproxy_cfg() {
	local maxconn=$((PAIRS + 64)) maxpipes=128
	cat >"$WORK/haproxy.cfg" <<EOF
global
	nbthread 1
	maxconn $maxconn
	maxpipes $maxpipes
defaults
	mode tcp
	timeout connect 10s
	timeout client 1h
	timeout server 1h
	option splice-request
	option splice-response
listen forward
	bind 127.0.0.1:$1
	server target 127.0.0.1:$2
EOF
}

print_flags() {
	local t
	echo "Command lines (P = the forwarder's port, T = the target's, both checked free on 127.0.0.1):"
	for t in "${TOOL_LIST[@]}"; do
		[[ $t == direct ]] && continue
		relay_cmd "$t" P T
		echo "  $t: ${CMD[*]}"
		[[ $t == haproxy ]] && sed 's/^/      /' "$WORK/haproxy.cfg"
		[[ $t == rinetd ]] && echo "      rinetd.conf: $(cat "$WORK/rinetd.conf")"
	done
	echo "  load: $FWDLOAD -G -m MODE -T 127.0.0.1:T ... 127.0.0.1 P  (direct: no P, the clients connect to T)"
	for t in ncat redir; do
		[[ -n ${RELAY_BURST[$t]:-} && -n ${HAVE[$t]:-} ]] &&
			echo "  $t's clients open at most ${RELAY_BURST[$t]} connections at once (-b; its listen backlog is 10)"
	done
	return 0
}

# ------------------------------------------------------------------ table
print_table() {
	local c keys
	COLS=(sockcat haproxy socat ncat rinetd redir)
	ANCHOR_COLS=(haproxy socat ncat rinetd redir)
	((DIRECT)) && COLS+=(direct)
	keys="stream1_gibs stream1_cpu streamN_gibs streamN_cpu idle_rss idle_kib idle_pss"
	for c in ${RR_CONC//,/ }; do keys+=" rr${c}_rate rr${c}_cpu"; done
	# shellcheck disable=SC2086
	pair_na_cells $keys
	echo
	echo "## sockcat forward benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs, $RUNS runs, median (min–max))"
	echo
	printf '| scenario |'; printf ' %s |' "${COLS[@]/direct/no forwarder (reference)}"
	echo ' sockcat / best anchor | target (issue 11) |'
	printf '|---|'; printf -- '---|%.0s' "${COLS[@]}"; echo '---|---|'
	if wants stream; then
		table_row "one stream, GiB/s ($SIZE)" stream1_gibs 2 hi "≥ haproxy and ≥ 2× socat" "1 haproxy;2 socat"
		table_row "one stream, forwarder CPU s/GiB" stream1_cpu 3 lo "≤ haproxy" "1 haproxy"
	fi
	if wants streams; then
		table_row "$STREAMS streams at once, aggregate GiB/s ($SIZE in all)" streamN_gibs 2 hi "≥ haproxy and ≥ 2× socat" "1 haproxy;2 socat"
		table_row "$STREAMS streams, forwarder CPU s/GiB" streamN_cpu 3 lo "≤ haproxy" "1 haproxy"
	fi
	if wants rr; then
		for c in ${RR_CONC//,/ }; do
			table_row "short connections, $c at once: connections/s" "rr${c}_rate" 0 hi "" ""
			table_row "short connections, $c at once: forwarder CPU µs/connection" "rr${c}_cpu" 1 lo "≤ haproxy and ≤ 0.3× socat" "1 haproxy;0.3 socat"
		done
	fi
	if wants idle; then
		table_row "$PAIRS idle pairs: forwarder RSS, MiB" idle_rss 1 lo "≤ haproxy" "1 haproxy"
		table_row "idle pairs: RSS growth per pair, KiB" idle_kib 2 lo "" ""
		table_row "idle pairs: PSS of all its processes, MiB" idle_pss 1 lo "" ""
	fi
	echo
	print_failures
	if ((${#NOTES[@]} > 0)); then
		echo "Notes:"
		printf -- '- %s\n' "${NOTES[@]}"
		echo
	fi
	print_flags
	echo
	echo "Method: GiB/s = bytes counted at the target / (start signal to the last client's EOF)." \
		"Forwarder CPU = utime+stime of the forwarder's processes, with the children it reaped" \
		"(/proc/PID/stat, read when it is up and idle and again after the run), per GiB arrived or per" \
		"completed connection. RSS = sum of VmRSS over the forwarder's processes while the pairs are" \
		"held; per pair = (that − RSS before the first client) / pairs. The load generator and its" \
		"target are one process (sc-fwd-load), so the forwarder has a CPU to itself on a 2-core machine."
}

# ------------------------------------------------------------------- main
check_tools
WORK=$(mktemp -d "$TMPROOT/sc-fwd-bench.XXXXXX") || { note "cannot create a directory in $TMPROOT"; exit 1; }
raise_nofile
# Each relay holds two descriptors per pair, plus its own.
if ((PAIRS * 2 + 1000 > NOFILE)); then
	remember "open-file limit $NOFILE (hard; raising it needs CAP_SYS_RESOURCE) holds about $(((NOFILE - 1000) / 2)) pairs per relay, not $PAIRS: idle pairs lowered to that"
	PAIRS=$(((NOFILE - 1000) / 2))
fi
ns=current
[[ ${SC_BENCH_NETNS:-} == 1 ]] && ns=private
echo "sockcat forward benchmark: ${TOOL_LIST[*]}; $RUNS runs; scenarios $ONLY; $ns network namespace; open files $NOFILE"
print_flags
echo
wants stream && pair_stream stream1 1
wants streams && pair_stream streamN "$STREAMS"
if wants rr; then
	for c in ${RR_CONC//,/ }; do
		pair_rr "rr$c" "$c" "$RR_SECS" "short connections (connect, 64 B request, 64 B response, the target closes, close)"
	done
fi
wants idle && pair_idle
if [[ -n $OUTPUT ]]; then
	print_table | tee "$OUTPUT"
else
	print_table
fi
