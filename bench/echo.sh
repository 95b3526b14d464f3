#!/usr/bin/env bash
# bench/echo.sh: echo round trips/s of 'sockcat echo' against the two
# designs the seed material teaches (a Python asyncio server and a Python
# socketserver.ThreadingTCPServer) and against ncat and socat with a
# process per client, at C = 100, 1,000 and 10,000 connections, with
# bench/sc-echo-load as the client; and each server's own CPU per round
# trip, read from /proc.  Also the RSS of 'sockcat echo' holding 10,000
# idle connections.
#
# Installs nothing; uses what it finds (a missing tool is marked, not
# fatal).  127.0.0.1 only, ports checked free below the ephemeral range,
# by default in a private network namespace, every server stopped by PID,
# every run bounded by timeout(1).  Servers take turns within each run
# (A B C D E, A B C D E, ...); the table gives the median of the runs.
set -u
set -o pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)

usage() {
	cat <<EOF
usage: $prog [OPTIONS]
  -n RUNS           runs per server and C (default 3)
  --quick           fewer round trips (20,000 per run instead of 100,000)
  --sockcat PATH    the sockcat binary (default ./src/sockcat)
  --tools DIR       where sc-echo-load is (default ./bench)
  --conns LIST      connection counts, comma-separated (default 100,1000,10000)
  --servers LIST    default sockcat,asyncio,threading,ncat,socat
  --max-procs N     skip process- or thread-per-client servers when C > N
                    (default 2000: 10,000 forks would swamp a small box)
  --total N         round trips per run, split over the C connections
                    (a fifth of that for threading, ncat and socat)
  --netns, --no-netns  run in a private network namespace of its own
                    (default), or in the current one
EOF
}

RUNS=3
TOTAL=100000
SOCKCAT=./src/sockcat
TOOLS=./bench
CONNS=100,1000,10000
SERVERS=sockcat,asyncio,threading,ncat,socat
MAX_PROCS=2000
NETNS=1
ARGV=("$@")
while (($#)); do
	case $1 in
	-n) RUNS=$2; shift ;;
	--quick) TOTAL=20000 ;;
	--sockcat) SOCKCAT=$2; shift ;;
	--tools) TOOLS=$2; shift ;;
	--conns) CONNS=$2; shift ;;
	--servers) SERVERS=$2; shift ;;
	--max-procs) MAX_PROCS=$2; shift ;;
	--total) TOTAL=$2; shift ;;
	--netns) NETNS=1 ;;
	--no-netns) NETNS=0 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$prog: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
	esac
	shift
done

# A private network namespace (unshare -n, or -rn without CAP_SYS_ADMIN),
# loopback up, unless run.sh has made one already: see lib.sh.
if ((NETNS)) && [[ ${SC_BENCH_NETNS:-} != 1 ]]; then
	for u in "unshare -n" "unshare -rn" ""; do
		[[ -n $u ]] && $u true 2>/dev/null && break
	done
	if [[ -z $u ]] || ! command -v ip >/dev/null; then
		echo "$prog: cannot make a private network namespace (unshare -n, ip): run as root, or give --no-netns" >&2
		exit 64
	fi
	export SC_BENCH_NETNS=1
	exec $u -- bash -c 'ip link set lo up || exit 71; exec bash "$@"' bash "$here/$prog" "${ARGV[@]}"
fi

LOAD=$TOOLS/sc-echo-load
[[ -x $LOAD ]] || { echo "$prog: $LOAD not found: run 'make bench-tools'" >&2; exit 1; }
PROC_PY=$here/proc.py
# Servers run under sc-reaper, so the CPU of what they fork counts.
REAPER=$TOOLS/sc-reaper
PFX=("$REAPER" -t 7200)
[[ -x $REAPER ]] || PFX=()
[[ -x $SOCKCAT ]] || { echo "$prog: $SOCKCAT not found" >&2; exit 1; }
command -v timeout >/dev/null || { echo "$prog: timeout(1) is needed" >&2; exit 1; }

# The load generator and the servers each need > C descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null

WORK=$(mktemp -d /tmp/sc-echo-bench.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NOTES=()
note() { NOTES+=("$*"); echo "  note: $*" >&2; }

# stop_pid PID: TERM, a bounded wait, then KILL; its children too.
stop_pid() {
	local p=$1 kids i
	kids=$(cat /proc/"$p"/task/*/children 2>/dev/null)
	kill -TERM "$p" $kids 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" $kids 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

have() {
	case $1 in
	sockcat) [[ -x $SOCKCAT ]] ;;
	asyncio|threading) command -v python3 >/dev/null ;;
	ncat) command -v ncat >/dev/null ;;
	socat) command -v socat >/dev/null ;;
	*) return 1 ;;
	esac
}

# Processes or threads a server needs per client (0: one event loop).
per_client() {
	case $1 in
	threading|ncat) echo 1 ;;
	socat) echo 2 ;;
	*) echo 0 ;;
	esac
}

# A port checked free below the ephemeral range (see proc.py: the
# TIME_WAIT sockets of many connections can leave no port 0 to bind).
free_port() { python3 "$PROC_PY" ports 1 "$WORK/ports.used"; }

# wait_listen PORT PID: until something accepts on 127.0.0.1:PORT (5 s).
wait_listen() {
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$2" 2>/dev/null || return 1
		if command -v ss >/dev/null; then
			[[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]] && return 0
		else
			(exec 9<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		fi
		sleep 0.1
	done
	return 1
}

# wait_announce FILE PID: the port from "listening on ...:PORT" (5 s).
wait_announce() {
	local i port
	for ((i = 0; i < 50; i++)); do
		port=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$1" 2>/dev/null | head -n 1)
		[[ -n $port ]] && { echo "$port"; return 0; }
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start NAME: start server NAME; sets SPID and SPORT.  The command lines
# are the ones printed at the top.
cmdline() {
	case $1 in
	sockcat) echo "$SOCKCAT echo -v -b 127.0.0.1 -p P" ;;
	asyncio) echo "python3 bench/py-asyncio-echo.py P" ;;
	threading) echo "python3 bench/py-threading-echo.py P" ;;
	ncat) echo "ncat -lk -m 10000 --exec /bin/cat 127.0.0.1 P" ;;
	socat) echo "socat TCP-LISTEN:P,bind=127.0.0.1,fork,reuseaddr,backlog=4096 EXEC:cat" ;;
	esac
}
NSTART=0
start() {
	# A new file each time: an old "listening on" line must not be read.
	local err=$WORK/$1.$((++NSTART)).err port i
	SPID= SPORT= SRV=
	port=$(free_port) || return 1
	case $1 in
	sockcat)
		"${PFX[@]}" "$SOCKCAT" echo -v -b 127.0.0.1 -p "$port" </dev/null >/dev/null 2>"$err" &
		SPID=$!
		SPORT=$(wait_announce "$err" "$SPID") ;;
	asyncio|threading)
		"${PFX[@]}" python3 "$here/py-$1-echo.py" "$port" </dev/null >/dev/null 2>"$err" &
		SPID=$!
		SPORT=$(wait_announce "$err" "$SPID") ;;
	ncat)
		SPORT=$port
		"${PFX[@]}" ncat -lk -m 10000 --exec /bin/cat 127.0.0.1 "$SPORT" </dev/null >/dev/null 2>"$err" &
		SPID=$!
		wait_listen "$SPORT" "$SPID" || SPORT= ;;
	socat)
		SPORT=$port
		"${PFX[@]}" socat "TCP-LISTEN:$SPORT,bind=127.0.0.1,fork,reuseaddr,backlog=4096" EXEC:cat </dev/null >/dev/null 2>"$err" &
		SPID=$!
		wait_listen "$SPORT" "$SPID" || SPORT= ;;
	esac
	PIDS+=("$SPID")
	# SPID is sc-reaper when there is one; SRV the server under it.
	SRV=$SPID
	if ((${#PFX[@]} > 0)); then
		SRV=
		for ((i = 0; i < 100; i++)); do
			SRV=$(cat /proc/"$SPID"/task/*/children 2>/dev/null | awk '{ print $1; exit }')
			[[ -n $SRV ]] && break
			sleep 0.01
		done
	fi
	[[ -n $SPORT && -n $SRV ]]
}

# server_cpu PID: CPU seconds of PID's tree, reaped children included.
server_cpu() { python3 "$PROC_PY" cpu "$1"; }

# field LINE KEY: the value of KEY=VALUE in a RESULT line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

IFS=, read -r -a conn_list <<<"$CONNS"
IFS=, read -r -a server_list <<<"$SERVERS"
echo "== echo round trips/s: sc-echo-load -c C -n ROUNDS (64-byte messages, $TOTAL round trips per run, $RUNS runs)"
echo "   $(nproc) CPUs, $(uname -r), ulimit -n $(ulimit -n)"
for s in "${server_list[@]}"; do
	echo "   $s: $(cmdline "$s")"
done

# One run: the RESULT line in $WORK/res/C/SERVER.
declare -A SKIP
mkdir -p "$WORK/res"
for c in "${conn_list[@]}"; do
	rounds=$((TOTAL / c))
	((rounds < 1)) && rounds=1
	bound=$((60 + c / 100))
	mkdir -p "$WORK/res/$c"
	live=()
	for s in "${server_list[@]}"; do
		if ! have "$s"; then
			SKIP[$c,$s]="not installed"
			continue
		fi
		k=$(per_client "$s")
		if ((k > 0 && c > MAX_PROCS)); then
			SKIP[$c,$s]="skipped: $((k * c)) processes/threads > --max-procs $MAX_PROCS"
			continue
		fi
		if ! start "$s"; then
			SKIP[$c,$s]="did not start"
			note "$s did not start: $(tail -n 2 "$WORK/$s.$NSTART.err" 2>/dev/null)"
			continue
		fi
		live+=("$s:$SPID:$SPORT")
	done
	for ((r = 1; r <= RUNS; r++)); do
		for e in "${live[@]}"; do
			IFS=: read -r s pid port <<<"$e"
			kill -0 "$pid" 2>/dev/null || { echo "fail server-died" >>"$WORK/res/$c/$s"; continue; }
			# A process per client is far slower: a fifth of the
			# round trips keeps its runs short (the rate is a rate).
			n=$rounds
			(($(per_client "$s") > 0)) && n=$(((TOTAL / 5 + c - 1) / c))
			# The server's CPU is read once the connections are up
			# (-G: HOLDING, then the load waits for SIGUSR1) and the
			# server has stopped forking for them, and again after
			# the round trips once it has reaped what it forked.
			base=$(python3 "$PROC_PY" tree "$pid" | wc -l)
			out=$WORK/load.out
			rm -f "$out"
			timeout -k 2 "$bound" "$LOAD" -c "$c" -n "$n" -G \
				-p "$port" -t $((bound - 5)) >"$out" 2>>"$WORK/load.err" &
			lpid=$!
			PIDS+=("$lpid")
			c0=
			for ((i = 0; i < bound * 100; i++)); do
				if grep -q '^HOLDING' "$out" 2>/dev/null; then
					python3 "$PROC_PY" settle "$pid" 0 10 >/dev/null
					c0=$(server_cpu "$pid")
					# timeout's child is the load itself.
					# shellcheck disable=SC2046
					kill -USR1 $(cat /proc/"$lpid"/task/*/children 2>/dev/null) 2>/dev/null
					break
				fi
				kill -0 "$lpid" 2>/dev/null || break
				sleep 0.01
			done
			wait "$lpid"
			rc=$?
			python3 "$PROC_PY" settle "$pid" "$base" 5 >/dev/null
			c1=$(server_cpu "$pid")
			line=$(grep '^RESULT' "$out")
			if [[ -n $line && -n $c0 ]]; then
				line+=" server_us_rt=$(awk -v a="$c0" -v b="$c1" -v n="$(field "$line" ok)" \
					'BEGIN { if (n > 0) printf "%.2f", (b - a) * 1e6 / n }')"
			fi
			if [[ -n $line && $(field "$line" errors) == 0 ]]; then
				echo "$line" >>"$WORK/res/$c/$s"
				printf '  C=%-5s run %d/%d %-9s %10.0f rt/s  p50 %s us  p99 %s us  server CPU %s us/rt\n' \
					"$c" "$r" "$RUNS" "$s" "$(field "$line" rtps)" \
					"$(field "$line" p50_us)" "$(field "$line" p99_us)" "$(field "$line" server_us_rt)"
			else
				echo "fail rc=$rc $line" >>"$WORK/res/$c/$s"
				printf '  C=%-5s run %d/%d %-9s failed (rc %s) %s\n' "$c" "$r" "$RUNS" "$s" "$rc" "$line"
			fi
		done
	done
	for e in "${live[@]}"; do
		IFS=: read -r s pid port <<<"$e"
		stop_pid "$pid"
	done
	PIDS=()
done

# ------------------------------------------------- RSS at 10,000 idle
rss_line() {
	local name=$1 n=10000 pid port out=$WORK/rss-$1.out status hwm rss fds
	start "$name" || { echo "| RSS, $n idle connections | $name | did not start |"; return; }
	pid=$SRV port=$SPORT
	"$LOAD" -c "$n" -n 1 -H 3 -p "$port" -t 120 >"$out" 2>>"$WORK/load.err" &
	local lpid=$! i
	PIDS+=("$lpid")
	for ((i = 0; i < 600; i++)); do
		grep -q '^HOLDING' "$out" 2>/dev/null && break
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.1
	done
	sleep 1
	rss=$(awk '/^VmRSS:/ { print $2 }' /proc/"$pid"/status 2>/dev/null)
	fds=$(ls /proc/"$pid"/fd 2>/dev/null | wc -l)
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$lpid" 2>/dev/null
	status=$(grep '^RESULT' "$out")
	printf '| RSS, %d idle connections | %s | %.1f MiB (%s fds open; then %s of %s echoed, %s errors) |\n' \
		"$n" "$name" "$(awk -v k="${rss:-0}" 'BEGIN { print k / 1024 }')" "$fds" \
		"$(field "$status" ok)" "$n" "$(field "$status" errors)"
	stop_pid "$SPID"
	PIDS=()
}

echo
echo "| C | server | round trips/s, median (min–max) | p50 ms | p99 ms | runs ok | sockcat / server | client CPU µs/rt | server CPU µs/rt |"
echo "|---|---|---|---|---|---|---|---|---|"
declare -A MED
for c in "${conn_list[@]}"; do
	for s in "${server_list[@]}"; do
		f=$WORK/res/$c/$s
		if [[ -n ${SKIP[$c,$s]:-} ]]; then
			echo "| $c | $s | ${SKIP[$c,$s]} | | | | | | |"
			continue
		fi
		nok=$(grep -c '^RESULT' "$f" 2>/dev/null)
		nall=$(wc -l <"$f" 2>/dev/null || echo 0)
		if ((nok == 0)); then
			echo "| $c | $s | fail | | | 0/$nall | | | |"
			continue
		fi
		med=$(grep '^RESULT' "$f" | sed 's/.* rtps=\([^ ]*\).*/\1/' | median)
		lo=$(grep '^RESULT' "$f" | sed 's/.* rtps=\([^ ]*\).*/\1/' | sort -g | head -n 1)
		hi=$(grep '^RESULT' "$f" | sed 's/.* rtps=\([^ ]*\).*/\1/' | sort -g | tail -n 1)
		p50=$(grep '^RESULT' "$f" | sed 's/.* p50_us=\([^ ]*\).*/\1/' | median)
		p99=$(grep '^RESULT' "$f" | sed 's/.* p99_us=\([^ ]*\).*/\1/' | median)
		cpu=$(grep '^RESULT' "$f" | sed -n 's/.* cpu_us_rt=\([^ ]*\).*/\1/p' | median)
		scpu=$(grep '^RESULT' "$f" | sed -n 's/.* server_us_rt=\([^ ]*\).*/\1/p' | median)
		slo=$(grep '^RESULT' "$f" | sed -n 's/.* server_us_rt=\([^ ]*\).*/\1/p' | sort -g | head -n 1)
		shi=$(grep '^RESULT' "$f" | sed -n 's/.* server_us_rt=\([^ ]*\).*/\1/p' | sort -g | tail -n 1)
		[[ -n $scpu && $nok -gt 1 ]] && scpu="$scpu ($slo–$shi)"
		MED[$c,$s]=$med
		ratio=
		if [[ -n ${MED[$c,sockcat]:-} && $s != sockcat ]]; then
			ratio=$(awk -v a="${MED[$c,sockcat]}" -v b="$med" 'BEGIN { printf "%.1f×", a / b }')
		fi
		printf '| %s | %s | %.0f (%.0f–%.0f) | %.2f | %.2f | %s/%s | %s | %s | %s |\n' \
			"$c" "$s" "$med" "$lo" "$hi" "$(awk -v u="$p50" 'BEGIN { print u / 1000 }')" \
			"$(awk -v u="$p99" 'BEGIN { print u / 1000 }')" "$nok" "$nall" "$ratio" "${cpu:-–}" "${scpu:-–}"
	done
done
echo
echo "client CPU µs/rt: sc-echo-load's own CPU time (user + system) per round trip, median. It is one"
echo "thread, so 1,000,000 / that is the most round trips/s it can drive, whatever the server; on a"
echo "loopback the client's send also pays for delivering to the server's socket."
echo
echo "server CPU µs/rt: the server's own user + system time (its processes and threads, and the children"
echo "it forked, reaped by it or by sc-reaper) from /proc/PID/stat, read once every connection is up"
echo "and the server has stopped forking for them, and again after the round trips, per round trip"
echo "done; median (min–max). On a 2-core machine the"
echo "client and the server share the CPUs, so this is the figure that compares servers fairly."

echo
echo "| measure | server | result |"
echo "|---|---|---|"
rss_line sockcat
have asyncio && rss_line asyncio

# The targets of issue 5, judged on this run.
target() {
	local c=1000 other=$1 factor=$2 a b
	a=${MED[$c,sockcat]:-} b=${MED[$c,$other]:-}
	if [[ -z $a || -z $b ]]; then
		echo "| target | sockcat ≥ ${factor}× $other at C=$c | not measured |"
		return
	fi
	awk -v a="$a" -v b="$b" -v f="$factor" -v o="$other" 'BEGIN {
		printf "| target | sockcat ≥ %s× %s at C=1000 | %.1f× %s |\n",
		    f, o, a / b, (a >= f * b) ? "met" : "NOT met" }'
}
target asyncio 3
target ncat 20
target socat 20
for n in "${NOTES[@]}"; do echo "note: $n"; done
exit 0
