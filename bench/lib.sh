# shellcheck shell=bash disable=SC2154
# bench/lib.sh: the helpers bench/run.sh, bench/forward.sh and
# bench/proxy.sh share.  Sourced, not run.  The caller sets prog, here
# (this directory), WORK (its temporary directory, once made) and defines
# cleanup; see bench/README.md for the method these helpers implement.

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 64; }
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs an argument; see '$prog --help'"; }
note() { printf '%s\n' "$*" >&2; }
NOTES=()
remember() { NOTES+=("$*"); note "note: $*"; }

now_us() { local t=$EPOCHREALTIME; echo $((10#${t%.*} * 1000000 + 10#${t#*.})); }

PROC_PY=$here/proc.py

# SIZE as bytes: a number with an optional K, M or G (powers of 1024).
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

# ------------------------------------------------- network namespace
# netns_enter SCRIPT ARGS...: with NETNS=1, run SCRIPT again in a private
# network namespace of its own (unshare -n, or unshare -rn for a user
# without CAP_SYS_ADMIN), with its loopback up, unless already inside
# one.  The exec keeps our PID.  Connection benchmarks leave tens of
# thousands of TIME_WAIT sockets; in there they starve no one else's
# binds, and they vanish with the namespace.
netns_enter() {
	local u=
	((NETNS)) || return 0
	[[ ${SC_BENCH_NETNS:-} == 1 ]] && return 0
	command -v unshare >/dev/null || die "unshare(1) (util-linux) is needed for --netns; or give --no-netns"
	command -v ip >/dev/null || die "ip(8) (iproute2) is needed for --netns; or give --no-netns"
	if unshare -n true 2>/dev/null; then
		u="unshare -n"
	elif unshare -rn true 2>/dev/null; then
		u="unshare -rn"
	else
		die "cannot make a private network namespace (unshare -n and unshare -rn failed): run as root, allow user namespaces, or give --no-netns"
	fi
	export SC_BENCH_NETNS=1
	# shellcheck disable=SC2086
	exec $u -- bash -c 'ip link set lo up || exit 71; exec bash "$@"' bash "$@"
}

# raise_nofile: the soft open-file limit up to the hard one, for us and
# every server we start (the relay benchmarks hold thousands of pairs).
raise_nofile() {
	ulimit -n "$(ulimit -Hn)" 2>/dev/null
	# shellcheck disable=SC2034  # read by the callers
	NOFILE=$(ulimit -n)
}

# ---------------------------------------------------------- processes
# Background processes we started, stopped by PID on exit.
BG_PIDS=()

# tree_pids PID: PID and its descendants, one a line.
tree_pids() { python3 "$PROC_PY" tree "$1" 2>/dev/null; }

# stop_pid PID: TERM to PID and to every descendant (a forking server's
# children keep its listening socket open otherwise), a bounded wait,
# then KILL to what is left.
stop_pid() {
	local pid=$1 kids=() k
	mapfile -t kids < <(tree_pids "$pid" | tail -n +2)
	kill -TERM "$pid" "${kids[@]}" 2>/dev/null
	wait_exit "$pid" 3 || { kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	for k in "${kids[@]}"; do
		[[ -d /proc/$k ]] && kill -KILL "$k" 2>/dev/null
	done
	return 0
}

# stop_bg: stop every background process of ours still running.
stop_bg() {
	local pid running
	# Only those still running as our children: a PID that ended long
	# ago may belong to someone else by now.
	running=" $(jobs -pr | tr '\n' ' ') "
	for pid in "${BG_PIDS[@]}"; do
		[[ $running == *" $pid "* ]] && stop_pid "$pid"
	done
	return 0
}

# wait_exit PID SECS: wait for PID (a child of this shell, so never call
# it in a $(...) subshell) to exit within SECS. Sets WAIT_RC to its status
# and returns 0, or kills it, sets WAIT_RC=124 and returns 1.
wait_exit() {
	local pid=$1 deadline
	deadline=$(($(now_us) + ${2%.*} * 1000000))
	while kill -0 "$pid" 2>/dev/null; do
		if (($(now_us) > deadline)); then
			kill -TERM "$pid" 2>/dev/null
			sleep 0.2
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			WAIT_RC=124
			return 1
		fi
		sleep 0.01
	done
	wait "$pid" 2>/dev/null
	WAIT_RC=$?
	return 0
}

# wait_line FILE REGEX PID SECS: wait until FILE has a line matching REGEX
# while PID lives, SECS at most.
wait_line() {
	local deadline=$(($(now_us) + ${4%.*} * 1000000))
	while (($(now_us) < deadline)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || { grep -qE "$2" "$1" 2>/dev/null; return; }
		sleep 0.01
	done
	return 1
}

# serve_prefix BOUND: sets SERVE, what a server whose CPU is measured runs
# under: sc-reaper -t BOUND (every process the server leaves behind is
# reaped there, so its CPU counts), else timeout (such orphans are lost).
# REAPER is set by the caller's check of its tools.
serve_prefix() {
	if [[ -n ${REAPER:-} ]]; then
		SERVE=("$REAPER" -t "$1")
	else
		SERVE=(timeout -k 2 "$1")
	fi
}

# find_reaper: REAPER=$TOOLS/sc-reaper, or empty with a note.
find_reaper() {
	REAPER=${TOOLS:+$TOOLS/sc-reaper}
	[[ -x $REAPER ]] && return 0
	REAPER=
	remember "sc-reaper not found in '${TOOLS:-?}' (make bench-tools): servers run under timeout, and the CPU of processes they leave behind (ncat --sh-exec) is not counted"
}

# tree_cpu PID: CPU seconds of PID's tree, the children it reaped
# included; tree_mem PID: "RSS_KIB PSS_KIB NPROCS" of the tree under PID
# (sc-reaper or timeout), PID itself left out; tree_count PID.
tree_cpu() { python3 "$PROC_PY" cpu "$1"; }
tree_mem() { python3 "$PROC_PY" mem "$1" below; }
tree_count() { tree_pids "$1" | wc -l; }
# settle PID BASE: wait (5 s at most) until PID's finished children have
# been reaped, so their CPU is in PID's; see proc.py.
settle() { python3 "$PROC_PY" settle "$1" "$2" 5 >/dev/null; }

# ---------------------------------------------------------------- ports
# Ports below the ephemeral range, checked free (TCP and UDP) and never
# given twice in a run: see proc.py for why not port 0.  Fetched a few at
# a time, just before use; sets PORT.
PORT_POOL=()
free_port() {
	if ((${#PORT_POOL[@]} == 0)); then
		mapfile -t PORT_POOL < <(python3 "$PROC_PY" ports 8 "$WORK/ports.used")
		((${#PORT_POOL[@]} > 0)) || { note "no free port below the ephemeral range"; exit 1; }
	fi
	PORT=${PORT_POOL[0]}
	PORT_POOL=("${PORT_POOL[@]:1}")
}

# wait_bound PROTO PORT PID: wait (5 s at most) until PORT is bound by a
# listening TCP socket or a UDP socket, reading /proc/net: a probe
# connection would be taken for the first client.
wait_bound() {
	local proto=$1 hex pat deadline
	hex=$(printf '%04X' "$2")
	if [[ $proto == tcp ]]; then
		pat="^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:0000 0A "
	else
		pat="^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]{4} 0[17] "
	fi
	deadline=$(($(now_us) + 5000000))
	while (($(now_us) < deadline)); do
		kill -0 "$3" 2>/dev/null || return 1
		grep -qE "$pat" "/proc/net/$proto" "/proc/net/${proto}6" 2>/dev/null && return 0
		sleep 0.01
	done
	return 1
}

# server_up PROTO PID WHAT ERRFILE: PID, a server just started in the
# background on $PORT, is remembered for the cleanup and waited for until
# it has bound; else it is stopped, FAIL_WHY says why, and 1 is returned.
server_up() {
	BG_PIDS+=("$2")
	wait_bound "$1" "$PORT" "$2" && return 0
	stop_pid "$2"
	FAIL_WHY="$3 did not start: $(head -c 200 "$4" 2>/dev/null | tr '\n' ' ')"
	return 1
}

# -------------------------------------------------------------- results
# $WORK/res/KEY/TOOL holds one value per line, TOOL.fail the reasons of
# failed runs.
record() { mkdir -p "$WORK/res/$1"; printf '%s\n' "$3" >>"$WORK/res/$1/$2"; }
record_fail() {
	mkdir -p "$WORK/res/$1"
	printf '%s\n' "$3" >>"$WORK/res/$1/$2.fail"
	note "  $2: FAILED: $3"
}
# record_na KEY TOOL WHY: the cell says WHY instead of a figure.
record_na() { mkdir -p "$WORK/res/$1"; printf '%s\n' "$3" >"$WORK/res/$1/$2.na"; }

# stats KEY TOOL: "median min max count" of the recorded values, or nothing.
stats() {
	local f=$WORK/res/$1/$2
	[[ -s $f ]] || return 1
	sort -g "$f" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.10g %.10g %.10g %d\n", m, v[1], v[NR], NR }'
}
median() { local s; s=$(stats "$1" "$2") || return 1; echo "${s%% *}"; }
fmt() { awk -v v="$1" -v d="${2:-2}" 'BEGIN { printf "%.*f", d, v }'; }
# x / y (empty when y is 0 or missing)
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (y + 0 != 0) printf "%.2f", x / y }'; }
fsum() { awk '{ s += $1 } END { printf "%.4f", s }'; }
# cpu_per SECONDS COUNT SCALE: SECONDS * SCALE / COUNT ("" when COUNT is 0)
cpu_per() { awk -v c="$1" -v n="$2" -v k="$3" 'BEGIN { if (n + 0 > 0) printf "%.3f", c * k / n }'; }

# cell KEY TOOL [DECIMALS]: "median (min–max)", "fail", the reason it was
# not run, or "–".
cell() {
	local s med lo hi n nf=0 f=$WORK/res/$1/$2
	[[ -f $f.fail ]] && nf=$(wc -l <"$f.fail")
	if ! s=$(stats "$1" "$2"); then
		if [[ -f $f.na ]]; then cat "$f.na"
		elif ((nf > 0)); then echo "fail"
		else echo "–"; fi
		return
	fi
	read -r med lo hi n <<<"$s"
	if ((n > 1)); then
		printf '%s (%s–%s)' "$(fmt "$med" "${3:-2}")" "$(fmt "$lo" "${3:-2}")" "$(fmt "$hi" "${3:-2}")"
	else
		fmt "$med" "${3:-2}"
	fi
	((nf > 0)) && printf ' [%d failed]' "$nf"
	echo
}

# best KEY BETTER(hi|lo) TOOL...: "VALUE TOOL" of the best median.
best() {
	local key=$1 better=$2 t v b='' bt=''
	shift 2
	for t in "$@"; do
		v=$(median "$key" "$t" 2>/dev/null) || continue
		if [[ -z $b ]] || awk -v a="$v" -v b="$b" -v d="$better" \
			'BEGIN { exit !(d == "hi" ? a > b : a < b) }'; then
			b=$v bt=$t
		fi
	done
	[[ -n $b ]] && echo "$b $bt"
}

# target_verdict KEY BETTER SOCKCAT FACTOR TOOLS: sockcat against FACTOR
# times the best median of TOOLS (comma-separated): "1.23× ncat met".
target_verdict() {
	local key=$1 better=$2 sc=$3 factor=$4 tools=$5 ref
	ref=$(best "$key" "$better" ${tools//,/ }) || return 0
	awk -v s="$sc" -v r="${ref%% *}" -v t="${ref#* }" -v f="$factor" -v d="$better" 'BEGIN {
		x = r != 0 ? sprintf("%.2f× %s", s / r, t) : (s == 0 ? "equal to " t : t " is 0")
		ok = d == "hi" ? s >= f * r : s <= f * r
		printf "%s %s", x, (ok ? "met" : "MISSED") }'
}

# table_row LABEL KEY DECIMALS BETTER TARGET-TEXT RULES: one row of a
# table whose columns are COLS (sockcat first), with the ratio of sockcat
# to the best of ANCHOR_COLS and the target's verdict.  RULES: "FACTOR
# TOOL[,TOOL]" clauses separated by ';', all of which must be met (e.g.
# "1 haproxy;2 socat"); empty: no target.
table_row() {
	local label=$1 key=$2 dec=$3 better=$4 ttext=$5 rules=$6
	local t cells=() sc b r='' verdict='' clause v
	for t in "${COLS[@]}"; do
		if [[ -n ${HAVE[$t]:-} || $t == direct ]]; then
			cells+=("$(cell "$key" "$t" "$dec")")
		else
			cells+=("${NA[$t]:-not installed}")
		fi
	done
	sc=$(median "$key" sockcat 2>/dev/null)
	if [[ -n $sc ]] && b=$(best "$key" "$better" "${ANCHOR_COLS[@]}"); then
		r=$(ratio "$sc" "${b%% *}")
		[[ -n $r ]] && r="$r (${b#* })" || r="– (${b#* } is 0)"
	fi
	if [[ -n $rules && -n $sc ]]; then
		IFS=';' read -r -a clause <<<"$rules"
		for v in "${clause[@]}"; do
			v=$(target_verdict "$key" "$better" "$sc" $v)
			[[ -n $v ]] && verdict+="${verdict:+; }$v"
		done
	fi
	printf '| %s |' "$label"
	printf ' %s |' "${cells[@]}"
	printf ' %s | %s%s |\n' "${r:-–}" "$ttext" "${verdict:+ → $verdict}"
}

print_failures() {
	local f any=0 key tool
	for f in "$WORK"/res/*/*.fail; do
		[[ -f $f ]] || continue
		((any)) || { echo "Failed runs:"; any=1; }
		key=${f%/*}; key=${key##*/}
		tool=${f##*/}; tool=${tool%.fail}
		printf -- '- %s, %s: %s\n' "$key" "$tool" "$(sort -u "$f" | head -3 | tr '\n' ';' | head -c 400)"
	done
	((any)) && echo
	return 0
}

# ------------------------------------------------------ relay runs
# pair_run LOAD TOOL MODE BOUND LOADARGS...: one run of a pairload
# generator (LOAD: sc-fwd-load or sc-socks-load) in MODE through TOOL,
# whose command line the caller's relay_cmd TOOL PORT TARGETPORT puts in
# CMD; TOOL "direct" runs the clients straight to their target (the
# reference line).  The load's target listens first, then the relay
# starts; the relay's CPU is read when it is up and idle, the load is
# started with SIGUSR1, and the CPU is read again once the load has ended
# and the relay has reaped its finished children.  In idle mode the
# relay's memory is read once every pair is up (plus a second), then the
# load is stopped.  On success sets P_LINE (the load's result line),
# P_CPU (relay CPU seconds; empty for direct), P_MEM0 and P_MEM1
# ("RSS_KIB PSS_KIB NPROCS" before and while holding); else FAIL_WHY.
pair_run() {
	local load=$1 tool=$2 mode=$3 bound=$4
	shift 4
	local d=$WORK/pair lpid tpid= base c0 c1 rc fport tport args
	mkdir -p "$d"
	rm -f "$d"/*
	P_LINE= P_CPU= P_MEM0= P_MEM1= SPID=
	free_port; tport=$PORT
	free_port; fport=$PORT
	args=(-G -m "$mode" -T "127.0.0.1:$tport" -t "$bound" "$@")
	[[ -n ${RELAY_BURST[$tool]:-} ]] && args+=(-b "${RELAY_BURST[$tool]}")
	[[ $tool != direct ]] && args+=(127.0.0.1 "$fport")
	"$load" "${args[@]}" >"$d/load.out" 2>"$d/load.err" &
	lpid=$!
	BG_PIDS+=("$lpid")
	if ! wait_bound tcp "$tport" "$lpid"; then
		FAIL_WHY="the load's target did not listen: $(head -c 200 "$d/load.err" | tr '\n' ' ')"
		stop_pid "$lpid"
		return 1
	fi
	if [[ $tool != direct ]]; then
		relay_cmd "$tool" "$fport" "$tport"
		PORT=$fport
		serve_prefix "$((${bound%.*} + 30))"
		"${SERVE[@]}" "${CMD[@]}" </dev/null >/dev/null 2>"$d/relay.err" &
		tpid=$!
		if ! server_up tcp "$tpid" "$tool" "$d/relay.err"; then
			stop_pid "$lpid"
			return 1
		fi
		SPID=$tpid
		base=$(tree_count "$SPID")
		c0=$(tree_cpu "$SPID")
		P_MEM0=$(tree_mem "$SPID")
	fi
	kill -USR1 "$lpid"
	if [[ $mode == idle ]]; then
		if wait_line "$d/load.out" '^HOLDING' "$lpid" "$bound"; then
			sleep 1
			[[ -n $SPID ]] && P_MEM1=$(tree_mem "$SPID")
			kill -TERM "$lpid" 2>/dev/null
		fi
	fi
	wait_exit "$lpid" "$((${bound%.*} + 10))"
	rc=$WAIT_RC
	if [[ -n $tpid ]]; then
		if kill -0 "$SPID" 2>/dev/null; then
			settle "$SPID" "$base"
			c1=$(tree_cpu "$SPID")
			P_CPU=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }')
		else
			((rc == 0)) && rc=99
			printf 'the relay exited during the run\n' >>"$d/load.err"
		fi
		stop_pid "$tpid"
	fi
	P_LINE=$(grep '^mode=' "$d/load.out")
	if ((rc != 0)) || [[ -z $P_LINE ]]; then
		FAIL_WHY="load status $rc: ${P_LINE:-no result} $(grep -v '^sc-[a-z-]*: target listening' "$d/load.err" |
			head -c 240 | tr '\n' ' ') $( [[ -s $d/relay.err ]] && printf 'relay: %s' "$(tail -c 160 "$d/relay.err" | tr '\n' ' ')")"
		return 1
	fi
	if [[ $mode == idle && -n $tpid && -z $P_MEM1 ]]; then
		FAIL_WHY="no HOLDING line: $(head -c 200 "$d/load.err" | tr '\n' ' ')"
		return 1
	fi
	return 0
}

# field LINE KEY: the value of KEY=VALUE in a load's result line.
field() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }

# ---------------------------------------------- relay scenarios
# Shared by forward.sh and proxy.sh.  The caller sets TOOL_LIST (with
# "direct" for the reference line), LOAD (the generator for the relays),
# FWDLOAD (sc-fwd-load, for direct), RELAY (the word for the relay in the
# output: forwarder, proxy), SIZE and SIZE_B, RUNS, PAIRS, MAX_PROCS, and
# defines relay_cmd and per_conn TOOL (processes per connection, 0 for an
# event loop).

gib_of() { awk -v b="$1" 'BEGIN { printf "%.6f", b / 1073741824 }'; }
load_of() { [[ $1 == direct ]] && echo "$FWDLOAD" || echo "$LOAD"; }

# pair_stream KEY N: N streams at once carrying SIZE in all; records
# KEY_gibs and KEY_cpu (relay CPU s/GiB).
pair_stream() {
	local key=$1 n=$2 r t gibs bytes cpu= bound
	bound=$((60 + SIZE_B / (10 << 20)))
	echo "== $n stream(s) at once, $SIZE in all, client -> $RELAY -> target (sendfile in, splice to /dev/null; timed from when all are up)"
	for ((r = 1; r <= RUNS; r++)); do
		for t in "${TOOL_LIST[@]}"; do
			if ! pair_run "$(load_of "$t")" "$t" stream "$bound" -n "$n" -s "$SIZE_B"; then
				record_fail "${key}_gibs" "$t" "$FAIL_WHY"
				continue
			fi
			gibs=$(field "$P_LINE" gibs)
			bytes=$(field "$P_LINE" received)
			record "${key}_gibs" "$t" "$gibs"
			if [[ -n $P_CPU ]]; then
				cpu=$(cpu_per "$P_CPU" "$(gib_of "$bytes")" 1)
				record "${key}_cpu" "$t" "$cpu"
			fi
			printf '  [%d/%d] %-10s %s GiB/s  %s CPU %s s/GiB  (%s bytes arrived; setup %s s, not timed; load CPU %s s)\n' \
				"$r" "$RUNS" "$t" "$gibs" "$RELAY" "${cpu:-–}" "$bytes" "$(field "$P_LINE" setup)" "$(field "$P_LINE" cpu)"
			cpu=
		done
	done
}

# pair_rr KEY CONC SECS WHAT: short sessions, CONC at once for SECS;
# records KEY_rate and KEY_cpu (relay CPU µs per session).
pair_rr() {
	local key=$1 c=$2 secs=$3 what=$4 r t rate conns cpu=
	echo "== $what, $c at once for $secs s"
	for ((r = 1; r <= RUNS; r++)); do
		for t in "${TOOL_LIST[@]}"; do
			if ! pair_run "$(load_of "$t")" "$t" rr "$(awk -v s="$secs" 'BEGIN { printf "%d", s + 30 }')" \
				-c "$c" -d "$secs" -q 64 -a 64; then
				record_fail "${key}_rate" "$t" "$FAIL_WHY"
				continue
			fi
			rate=$(field "$P_LINE" rate)
			conns=$(field "$P_LINE" conns)
			record "${key}_rate" "$t" "$rate"
			if [[ -n $P_CPU ]]; then
				cpu=$(cpu_per "$P_CPU" "$conns" 1000000)
				record "${key}_cpu" "$t" "$cpu"
			fi
			printf '  [%d/%d] %-10s %s /s  %s CPU %s µs each  (%s sessions; load CPU %s s)\n' \
				"$r" "$RUNS" "$t" "$rate" "$RELAY" "${cpu:-–}" "$conns" "$(field "$P_LINE" cpu)"
			cpu=
		done
	done
}

# idle_pairs TOOL: how many pairs TOOL holds (fewer for a process per
# connection, within MAX_PROCS).
idle_pairs() {
	local k
	k=$(per_conn "$1")
	if ((k > 0 && PAIRS * k > MAX_PROCS)); then
		echo $((MAX_PROCS / k))
	else
		echo "$PAIRS"
	fi
}

# pair_idle: PAIRS idle pairs through each relay; records idle_rss (MiB,
# when it held them all), idle_kib (RSS growth per pair) and idle_pss.
pair_idle() {
	local r t n rss0 rss1 pss1 np1 bound
	echo "== idle pairs: open N (16 B each way on each), hold, read the $RELAY's VmRSS (sum over its processes)"
	for ((r = 1; r <= RUNS; r++)); do
		for t in "${TOOL_LIST[@]}"; do
			[[ $t == direct ]] && continue
			n=$(idle_pairs "$t")
			bound=$((120 + n / 50))
			if ! pair_run "$LOAD" "$t" idle "$bound" -n "$n"; then
				record_fail idle_rss "$t" "$FAIL_WHY"
				continue
			fi
			read -r rss0 _ <<<"$P_MEM0"
			read -r rss1 pss1 np1 <<<"$P_MEM1"
			record idle_kib "$t" "$(awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN { printf "%.3f", (b - a) / n }')"
			record idle_pss "$t" "$(awk -v p="$pss1" 'BEGIN { printf "%.2f", p / 1024 }')"
			if ((n == PAIRS)); then
				record idle_rss "$t" "$(awk -v b="$rss1" 'BEGIN { printf "%.2f", b / 1024 }')"
			else
				record_na idle_rss "$t" "not run: $((PAIRS * $(per_conn "$t"))) processes > --max-procs $MAX_PROCS (per pair: at $n pairs)"
			fi
			printf '  [%d/%d] %-10s %s pairs: RSS %s MiB (idle before: %s MiB), PSS %s MiB, %s processes\n' \
				"$r" "$RUNS" "$t" "$n" "$(awk -v b="$rss1" 'BEGIN { printf "%.1f", b / 1024 }')" \
				"$(awk -v b="$rss0" 'BEGIN { printf "%.1f", b / 1024 }')" \
				"$(awk -v b="$pss1" 'BEGIN { printf "%.1f", b / 1024 }')" "$np1"
		done
	done
}

# pair_na_cells KEY...: the cells of tools in NA say why; direct's are
# "n/a" (no relay to measure).
pair_na_cells() {
	local t k
	for t in "${COLS[@]}"; do
		for k in "$@"; do
			if [[ -n ${NA[$t]:-} ]]; then
				record_na "$k" "$t" "${NA[$t]}"
			elif [[ $t == direct && ($k == *_cpu || $k == idle_*) ]]; then
				record_na "$k" "$t" "n/a"
			fi
		done
	done
}
