#!/usr/bin/env bash
# bench/observe.sh: what "seeing what moves" costs on a file transfer.
#
# One regular file (default 2 GiB, on /dev/shm) goes from
# 'sockcat connect < FILE' to 'sockcat listen > /dev/null' on loopback,
# plain and with --progress, --stats and --sha256 (both ends), interleaved
# (A B C ... A B C ...) RUNS times in the same run; then the anchors for
# the same jobs: 'pv FILE | nc.openbsd -N' for the progress line, and
# sha256sum run separately on each end (before sending, after receiving)
# for the digests; and 'openssl speed -evp sha256 -bytes 16384' for what
# the CPU's SHA-256 can do.  Medians are printed; times are wall clock,
# from the client's start to both ends' exit.
#
# Public tools only: bash, coreutils, python3 (a free port), ss, openssl,
# nc.openbsd and pv when present.  Installs nothing; every background
# process is stopped by PID and every wait is bounded.
set -u
set -o pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)

usage() {
	cat <<EOF
usage: $prog [OPTIONS]
The cost of --progress, --stats and --sha256 on a file transfer.

  -n RUNS          runs of each variant (default 5)
  --size SIZE      the file, e.g. 2G, 512M (default 2G)
  --tmpdir DIR     where the file goes (default /dev/shm)
  --sockcat PATH   the binary (default ./src/sockcat, else next to bench/)
  --only LIST      variants, comma-separated (default all): plain,
                   progress,stats,sha256,sha256-send,sha256-recv,sha256sum,
                   pv-nc (plain is always run: the others are compared to it)
  -o FILE          also write the summary to FILE
  -h, --help       this help
EOF
}

RUNS=5
SIZE=2G
TMPBASE=/dev/shm
SOCKCAT=./src/sockcat
[[ -x $SOCKCAT ]] || SOCKCAT=$here/../src/sockcat
OUT=
ONLY=
while (($# > 0)); do
	case $1 in
	-n) RUNS=$2; shift 2 ;;
	--size) SIZE=$2; shift 2 ;;
	--tmpdir) TMPBASE=$2; shift 2 ;;
	--sockcat) SOCKCAT=$2; shift 2 ;;
	-o) OUT=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "$prog: unknown option '$1'; see '$prog --help'" >&2; exit 64 ;;
	esac
done
[[ -x $SOCKCAT ]] || { echo "$prog: no sockcat at $SOCKCAT" >&2; exit 1; }
SIZE_B=$(numfmt --from=iec "$SIZE") || exit 64

WORK=$(mktemp -d "$TMPBASE/sc-observe.XXXXXX") || exit 1
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { echo $(($(date +%s%N) / 1000)); }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (10 s),
# looked at with ss: a test connection would be the listener's session.
wait_port() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -n $(ss -Hltn "sport = :$1") ]] && return 0
		sleep 0.05
	done
	return 1
}

# wait_pid PID: until it exits (bounded); its status in WAIT_RC.
wait_pid() {
	local i
	for ((i = 0; i < 1200; i++)); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			WAIT_RC=$?
			return 0
		fi
		sleep 0.05
	done
	kill "$1" 2>/dev/null
	WAIT_RC=124
	return 1
}

# run_variant NAME: one transfer; its seconds in T_SECS (or return 1).
run_variant() {
	local name=$1 lpid port t0 t1 crc lopts=() copts=() out=/dev/null
	local lerr=$WORK/$name.l.err cerr=$WORK/$name.c.err
	case $name in
	plain) ;;
	progress) copts=(--progress) ;;
	stats) lopts=(--stats); copts=(--stats) ;;
	sha256) lopts=(--sha256); copts=(--sha256) ;;
	sha256-send) copts=(--sha256) ;;
	sha256-recv) lopts=(--sha256) ;;
	sha256sum) out=$WORK/received ;;
	pv-nc) ;;
	esac
	port=$(free_port)
	if [[ $name == pv-nc ]]; then
		nc.openbsd -l 127.0.0.1 "$port" </dev/null >/dev/null 2>"$lerr" &
	else
		"$SOCKCAT" listen -b 127.0.0.1 -p "$port" "${lopts[@]}" \
		    </dev/null >"$out" 2>"$lerr" &
	fi
	lpid=$!
	PIDS+=("$lpid")
	wait_port "$port" || { echo "  $name: listener not up" >&2; return 1; }
	t0=$(now_us)
	case $name in
	pv-nc)
		pv -f "$FILE" 2>"$cerr" | nc.openbsd -N 127.0.0.1 "$port" \
		    >/dev/null 2>>"$cerr"
		crc=$?
		;;
	sha256sum)
		# sha256sum on each end, separately: before and after.
		sha256sum "$FILE" >"$WORK/sum.sent" &&
		    "$SOCKCAT" connect 127.0.0.1 "$port" <"$FILE" 2>"$cerr"
		crc=$?
		;;
	*)
		"$SOCKCAT" connect "${copts[@]}" 127.0.0.1 "$port" <"$FILE" \
		    >/dev/null 2>"$cerr"
		crc=$?
		;;
	esac
	wait_pid "$lpid"
	if [[ $name == sha256sum ]] && ((WAIT_RC == 0)); then
		sha256sum "$WORK/received" >"$WORK/sum.received" || WAIT_RC=1
		rm -f "$WORK/received"
	fi
	t1=$(now_us)
	if ((crc != 0 || WAIT_RC != 0)); then
		echo "  $name: client $crc, listener $WAIT_RC: $(head -c 200 "$cerr" "$lerr" | tr '\n' ' ')" >&2
		return 1
	fi
	if [[ $name == sha256 ]]; then
		# Both ends must print the same digest, and it must be right.
		local s r
		s=$(sed -n 's/^sockcat: sent [0-9]* bytes sha256 //p' "$cerr")
		r=$(sed -n 's/^sockcat: received [0-9]* bytes sha256 //p' "$lerr")
		if [[ $s != "$r" || $s != "$FILE_SHA" ]]; then
			echo "  sha256: digests differ: sent $s, received $r, file $FILE_SHA" >&2
			return 1
		fi
	fi
	T_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e6 }')
}

median() {
	grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

FILE=$WORK/file.bin
echo "creating $SIZE in $WORK"
head -c "$SIZE_B" /dev/urandom >"$FILE" || exit 1
FILE_SHA=$(sha256sum "$FILE" | cut -d' ' -f1)

VARIANTS=(plain progress stats sha256 sha256-send sha256-recv sha256sum)
if command -v pv >/dev/null && command -v nc.openbsd >/dev/null; then
	VARIANTS+=(pv-nc)
else
	echo "pv or nc.openbsd not installed: no 'pv | nc.openbsd' line"
fi
if [[ -n $ONLY ]]; then
	wanted=(plain)
	for v in "${VARIANTS[@]}"; do
		[[ $v != plain && ,$ONLY, == *,$v,* ]] && wanted+=("$v")
	done
	VARIANTS=("${wanted[@]}")
fi
declare -A TIMES
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= RUNS; r++)); do
	for v in "${VARIANTS[@]}"; do
		if run_variant "$v"; then
			TIMES[$v]+="$T_SECS "
			printf '  [%d/%d] %-10s %s s  %s GiB/s\n' "$r" "$RUNS" "$v" \
			    "$T_SECS" "$(awk -v b="$SIZE_B" -v s="$T_SECS" \
			    'BEGIN { printf "%.3f", b / 1073741824 / s }')"
		fi
	done
	# One sha256sum on its own, for its throughput.
	if [[ " ${VARIANTS[*]} " == *" sha256sum "* ]]; then
		t0=$(now_us)
		sha256sum "$FILE" >/dev/null
		t1=$(now_us)
		TIMES[sha256sum-alone]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e6 }') "
	fi
done

# openssl speed: the 16384-byte column, in 1000s of bytes a second.
OSSL=$(openssl speed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null |
	awk '$1 == "sha256" || $1 == "SHA256" { v = $NF; sub(/k$/, "", v); print v * 1000 }')

summary() {
	local v t plain
	plain=$(printf '%s\n' ${TIMES[plain]:-} | median)
	echo "== $SIZE file, connect < FILE -> listen > /dev/null, loopback, median of $RUNS"
	echo "   (load average before: $LOAD0; after: $(cut -d' ' -f1-3 /proc/loadavg))"
	printf '%-34s %10s %10s %10s\n' variant seconds GiB/s "vs plain"
	for v in "${VARIANTS[@]}" sha256sum-alone; do
		t=$(printf '%s\n' ${TIMES[$v]:-} | median)
		[[ $t == - ]] && continue
		case $v in
		plain) label="plain" ;;
		progress) label="--progress (connect)" ;;
		stats) label="--stats (both ends)" ;;
		sha256) label="--sha256 (both ends)" ;;
		sha256-send) label="--sha256 (connect only)" ;;
		sha256-recv) label="--sha256 (listen only)" ;;
		sha256sum) label="plain + sha256sum on each end" ;;
		pv-nc) label="pv FILE | nc.openbsd -N" ;;
		sha256sum-alone) label="sha256sum FILE alone" ;;
		esac
		awk -v l="$label" -v t="$t" -v p="$plain" -v b="$SIZE_B" 'BEGIN {
			printf "%-34s %10.3f %10.3f %9.1f%%\n", l, t, b / 1073741824 / t,
			    (p / t) * 100 }'
	done
	if [[ -n $OSSL ]]; then
		t=$(printf '%s\n' ${TIMES[sha256]:-} | median)
		awk -v o="$OSSL" -v t="$t" -v b="$SIZE_B" 'BEGIN {
			printf "openssl speed -evp sha256 -bytes 16384: %.0f MB/s\n", o / 1e6
			if (t != "-") printf "--sha256 (both ends) transfer: %.0f MB/s = %.2f x openssl speed\n",
			    b / t / 1e6, (b / t) / o }'
		for v in sha256-send sha256-recv; do
			t=$(printf '%s\n' ${TIMES[$v]:-} | median)
			[[ $t == - ]] && continue
			awk -v o="$OSSL" -v t="$t" -v b="$SIZE_B" -v v="$v" 'BEGIN {
				printf "--%s transfer: %.0f MB/s = %.2f x openssl speed\n",
				    v, b / t / 1e6, (b / t) / o }'
		done
	fi
}
if [[ -n $OUT ]]; then
	summary | tee "$OUT"
else
	summary
fi
