#!/usr/bin/env bash
# bench/proxy.sh: 'sockcat proxy' against microsocks and dante-server
# (danted) as SOCKS5 servers, side by side (issue 14).
#
# bench/sc-socks-load's clients each do the SOCKS5 greeting (no
# authentication) and CONNECT to a target on loopback that runs in the same
# process, then: short tunnels (64 B each way, close) at 1 and 50 clients,
# one stream through a tunnel, and thousands of idle tunnels.  Reports the
# rates, the proxy's own CPU per tunnel or per GiB and its memory per
# tunnel.  Installs nothing; a missing tool is a column that
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
Benchmark 'sockcat proxy' against microsocks and danted (SOCKS5) on
loopback.

  -n RUNS             runs of each scenario and tool (default 5)
  --quick             for development: 256M stream, 1 s tunnel runs,
                      2,000 idle tunnels, 2 runs
  --sockcat PATH      the sockcat binary (default ./src/sockcat, else
                      src/sockcat next to this script's directory)
  --tools DIR         where sc-socks-load and sc-fwd-load are (default
                      ./bench, else this script's directory)
  --only LIST         scenarios, comma-separated (default all):
                      rr,stream,idle
  --anchors LIST      default microsocks,danted
  --size SIZE         bytes through the one tunnel (default 2G)
  --rr-seconds S      length of each tunnel-rate run (default 3)
  --rr-conc LIST      clients at once, comma-separated (default 1,50)
  --pairs N           idle tunnels (default 10000; fewer when the
                      open-file limit cannot hold them)
  --max-procs N       not used by these proxies (threads, a pool); kept
                      for symmetry with forward.sh (default 2000)
  --no-direct         leave out the reference line without a proxy
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
[[ -x $TOOLS/sc-socks-load ]] || TOOLS=$here
ONLY=rr,stream,idle
ANCHORS=microsocks,danted
SIZE=2G
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
[[ $RR_SECS =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--rr-seconds '$RR_SECS': not a number of seconds"
[[ $RR_CONC =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--rr-conc '$RR_CONC': not a list of numbers"
[[ $PAIRS =~ ^[1-9][0-9]*$ ]] || die "--pairs '$PAIRS': not a number"
[[ $MAX_PROCS =~ ^[1-9][0-9]*$ ]] || die "--max-procs '$MAX_PROCS': not a number"
wants() { [[ ,$ONLY, == *,$1,* ]]; }
for s in ${ONLY//,/ }; do
	case $s in
	rr|stream|idle) ;;
	*) die "--only: unknown scenario '$s'" ;;
	esac
done
for s in ${ANCHORS//,/ }; do
	case $s in
	microsocks|danted) ;;
	*) die "--anchors: unknown anchor '$s' (microsocks, danted)" ;;
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
	LOAD=${TOOLS:+$TOOLS/sc-socks-load}
	RELAY=proxy
	if [[ ! -x $LOAD || ! -x $FWDLOAD ]]; then
		note "sc-socks-load or sc-fwd-load not found in '${TOOLS:-?}': run 'make bench-tools', or give --tools DIR"
		exit 1
	fi

	TOOL_LIST=()
	if [[ -x $SOCKCAT ]] && "$SOCKCAT" --version >/dev/null 2>&1; then
		SOCKCAT=$(cd "$(dirname "$SOCKCAT")" && pwd)/$(basename "$SOCKCAT")
		if "$SOCKCAT" proxy --help >/dev/null 2>&1; then
			TOOL_LIST+=(sockcat)
			HAVE[sockcat]=1
		else
			NA[sockcat]="not available (no proxy command)"
			remember "this sockcat has no 'proxy' command yet (issue 14): its column says so"
		fi
	else
		NA[sockcat]="not available (no sockcat binary)"
		remember "sockcat not found or not runnable at '$SOCKCAT' (build it, or give --sockcat PATH)"
	fi
	for t in microsocks danted; do
		[[ ,$ANCHORS, == *,$t,* ]] || NA[$t]="not run (--anchors)"
	done
	for t in ${ANCHORS//,/ }; do
		if command -v "$t" >/dev/null || [[ -x /usr/sbin/$t ]]; then
			TOOL_LIST+=("$t")
			HAVE[$t]=1
		else
			NA[$t]="not installed"
			remember "$t is not installed (Debian package '$([[ $t == danted ]] && echo dante-server || echo "$t")'): skipped"
		fi
	done
	find_reaper
	DANTED=$(command -v danted || echo /usr/sbin/danted)
	((${#TOOL_LIST[@]} > 0)) || { note "no proxy to benchmark"; exit 1; }
	((DIRECT)) && TOOL_LIST+=(direct) && HAVE[direct]=1
	# When we are root, danted runs as nobody (setpriv).
	DANTE_USER=$(id -un)
	if ((EUID == 0)) && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
		DANTE_USER=nobody
	fi
}

# Processes a proxy runs per connection: none of these (microsocks: a
# thread per client; danted: a pool of processes, each serving many).
per_conn() { echo 0; }

# ------------------------------------------------- command lines per tool
# relay_cmd TOOL PORT TARGETPORT: sets CMD, the proxy listening on
# 127.0.0.1:PORT (where to connect is the clients' business).
relay_cmd() {
	case $1 in
	sockcat) CMD=("$SOCKCAT" proxy -b 127.0.0.1 -p "$2") ;;
	microsocks) CMD=(microsocks -i 127.0.0.1 -p "$2") ;;
	danted) dante_cfg "$2"
		CMD=("$DANTED" -f "$WORK/dante/danted.conf" -p "$WORK/dante/danted.pid" -N 1)
		if [[ $DANTE_USER == nobody ]]; then
			CMD=(setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups "${CMD[@]}")
		fi ;;
	esac
}

# danted: SOCKS5 without authentication, from loopback to loopback, in the
# foreground (no -D), errors only on stderr.  Its directory is readable
# (and its pid file writable) by the user it runs as.
dante_cfg() {
	mkdir -p "$WORK/dante"
	if [[ $DANTE_USER == nobody ]]; then
		chmod 711 "$WORK"
		chown nobody "$WORK/dante"
	fi
	cat >"$WORK/dante/danted.conf" <<EOF
logoutput: stderr
internal: 127.0.0.1 port = $1
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: $DANTE_USER
user.unprivileged: $DANTE_USER
client pass {
	from: 127.0.0.0/8 to: 0.0.0.0/0
	log: error
}
socks pass {
	from: 127.0.0.0/8 to: 0.0.0.0/0
	log: error
}
EOF
	chmod 644 "$WORK/dante/danted.conf"
}

print_flags() {
	local t
	echo "Command lines (P = the proxy's port, T = the target's, both checked free on 127.0.0.1):"
	for t in "${TOOL_LIST[@]}"; do
		[[ $t == direct ]] && continue
		relay_cmd "$t" P T
		echo "  $t: ${CMD[*]}"
		[[ $t == danted ]] && sed 's/^/      /' "$WORK/dante/danted.conf"
	done
	echo "  load: $LOAD -G -m MODE -T 127.0.0.1:T ... 127.0.0.1 P  (SOCKS5: no auth, CONNECT 127.0.0.1:T)"
	((DIRECT)) && echo "  no proxy (reference): $FWDLOAD -G -m MODE -T 127.0.0.1:T ...  (the clients connect to T)"
	return 0
}

print_table() {
	local c keys
	COLS=(sockcat microsocks danted)
	ANCHOR_COLS=(microsocks danted)
	((DIRECT)) && COLS+=(direct)
	keys="stream1_gibs stream1_cpu idle_rss idle_kib idle_pss"
	for c in ${RR_CONC//,/ }; do keys+=" rr${c}_rate rr${c}_cpu"; done
	# shellcheck disable=SC2086
	pair_na_cells $keys
	echo
	echo "## sockcat proxy benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs, $RUNS runs, median (min–max))"
	echo
	printf '| scenario |'; printf ' %s |' "${COLS[@]/direct/no proxy (reference)}"
	echo ' sockcat / best anchor | target (issue 14) |'
	printf '|---|'; printf -- '---|%.0s' "${COLS[@]}"; echo '---|---|'
	if wants rr; then
		for c in ${RR_CONC//,/ }; do
			table_row "SOCKS5 tunnels, $c at once: tunnels/s" "rr${c}_rate" 0 hi "ahead of both" "1 microsocks,danted"
			table_row "SOCKS5 tunnels, $c at once: proxy CPU µs/tunnel" "rr${c}_cpu" 1 lo "ahead of both" "1 microsocks,danted"
		done
	fi
	if wants stream; then
		table_row "one stream through a tunnel, GiB/s ($SIZE)" stream1_gibs 2 hi "ahead of both" "1 microsocks,danted"
		table_row "one stream, proxy CPU s/GiB" stream1_cpu 3 lo "ahead of both" "1 microsocks,danted"
	fi
	if wants idle; then
		table_row "$PAIRS open tunnels: proxy RSS, MiB" idle_rss 1 lo "ahead of both" "1 microsocks,danted"
		table_row "open tunnels: RSS growth per tunnel, KiB" idle_kib 2 lo "" ""
		table_row "open tunnels: PSS of all its processes, MiB" idle_pss 1 lo "" ""
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
	echo "Method: a tunnel = connect to the proxy, greeting (no auth), CONNECT 127.0.0.1:T, 64 B each" \
		"way (the target answers and closes), close. GiB/s = bytes counted at the target / (start" \
		"signal to the client's EOF). Proxy CPU = utime+stime of the proxy's processes and threads, with" \
		"the children it reaped (/proc/PID/stat, before and after the run), per completed tunnel or per" \
		"GiB arrived. RSS = sum of VmRSS over the proxy's processes while the tunnels are held; per" \
		"tunnel = (that − RSS before the first client) / tunnels. Clients and target are one process" \
		"(sc-socks-load), so the proxy has a CPU to itself on a 2-core machine."
}

# ------------------------------------------------------------------- main
check_tools
WORK=$(mktemp -d "$TMPROOT/sc-proxy-bench.XXXXXX") || { note "cannot create a directory in $TMPROOT"; exit 1; }
raise_nofile
# Each relay holds two descriptors per pair, plus its own.
if ((PAIRS * 2 + 1000 > NOFILE)); then
	remember "open-file limit $NOFILE (hard; raising it needs CAP_SYS_RESOURCE) holds about $(((NOFILE - 1000) / 2)) tunnels per proxy, not $PAIRS: idle tunnels lowered to that"
	PAIRS=$(((NOFILE - 1000) / 2))
fi
ns=current
[[ ${SC_BENCH_NETNS:-} == 1 ]] && ns=private
echo "sockcat proxy benchmark: ${TOOL_LIST[*]}; $RUNS runs; scenarios $ONLY; $ns network namespace; open files $NOFILE"
print_flags
echo
if wants rr; then
	for c in ${RR_CONC//,/ }; do
		pair_rr "rr$c" "$c" "$RR_SECS" "SOCKS5 tunnels (connect, greeting, CONNECT, 64 B each way, the target closes, close)"
	done
fi
wants stream && pair_stream stream1 1
wants idle && pair_idle
if [[ -n $OUTPUT ]]; then
	print_table | tee "$OUTPUT"
else
	print_table
fi
