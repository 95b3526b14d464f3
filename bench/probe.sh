#!/usr/bin/env bash
# bench/probe.sh: the probing commands against the tools scripts use today.
#
#   scan  a full 1-65535 TCP scan of 127.0.0.1 with a few listeners:
#         sockcat scan, nmap -sT -p- -T5 -n, and nc.openbsd -z (serial,
#         bounded by --nc-bound); wall time, CPU (GNU time), and whether
#         each found the same open ports.
#   wait  the reaction of a waiter to a port that starts listening at a
#         random moment 0.5-3 s after it started (bench/wait-reaction.py):
#         sockcat wait (default --interval, and 100 ms, 50 ms) against
#         wait-for-it and an 'until nc -z; do sleep 1; done' loop; median
#         over RUNS, and the probe connections each made.
#
# Installs nothing; a missing tool is skipped with a note.  Run as root,
# everything happens in a network namespace of its own (unshare -n, only
# lo): no other listener or connection is counted, and the machine's
# loopback is left alone; otherwise on the machine's loopback (--host).
# Ports come from the kernel; every background process is stopped by PID.
set -u
set -o pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)

usage() {
	cat <<EOF
usage: $prog [OPTIONS]
  -n RUNS          scan runs per tool (default 5)
  --wait-runs N    wait runs per waiter (default 20)
  --only LIST      scan,wait (default both)
  --sockcat PATH   the sockcat binary (default ./src/sockcat)
  --nc-bound SEC   how long nc.openbsd -z may scan (default 120)
  --host           use the machine's loopback, not a private namespace
  -o FILE          also write the tables to FILE
  -h, --help       this help
EOF
}

RUNS=5
WAIT_RUNS=20
ONLY=scan,wait
SOCKCAT=./src/sockcat
[[ -x $SOCKCAT ]] || SOCKCAT=$here/../src/sockcat
NC_BOUND=120
HOST=0
OUTPUT=
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 64; }
while (($#)); do
	case $1 in
	-n) RUNS=${2:?}; shift ;;
	--wait-runs) WAIT_RUNS=${2:?}; shift ;;
	--only) ONLY=${2:?}; shift ;;
	--sockcat) SOCKCAT=${2:?}; shift ;;
	--nc-bound) NC_BOUND=${2:?}; shift ;;
	--host) HOST=1 ;;
	-o) OUTPUT=${2:?}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown option '$1'; see '$prog --help'" ;;
	esac
	shift
done
[[ -x $SOCKCAT ]] || die "$SOCKCAT not found: build sockcat first"
SOCKCAT=$(cd "$(dirname "$SOCKCAT")" && pwd)/$(basename "$SOCKCAT")
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian package 'time')"
command -v python3 >/dev/null || die "python3 not found"

# Into a private network namespace, once.
if ((!HOST)) && [[ -z ${SC_PROBE_NS:-} ]]; then
	if unshare -n true 2>/dev/null; then
		args=(-n "$RUNS" --wait-runs "$WAIT_RUNS" --only "$ONLY"
		    --sockcat "$SOCKCAT" --nc-bound "$NC_BOUND")
		[[ -n $OUTPUT ]] && args+=(-o "$(realpath -m "$OUTPUT")")
		exec env SC_PROBE_NS=1 unshare -n bash -c \
		    'ip link set lo up && exec "$0" "$@"' "$here/$prog" "${args[@]}"
	fi
	echo "$prog: cannot make a network namespace (not root?): using the machine's loopback" >&2
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sc-probe.XXXXXX") || exit 1
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

out() { printf '%s\n' "$*"; [[ -n $OUTPUT ]] && printf '%s\n' "$*" >>"$OUTPUT"; return 0; }
[[ -n $OUTPUT ]] && : >"$OUTPUT"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minmax() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s–%s", lo, hi }'; }

out "# bench/probe.sh: $(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs"
out ""
out "sockcat: $SOCKCAT ($("$SOCKCAT" --version))"
((HOST)) || [[ -z ${SC_PROBE_NS:-} ]] || out "network: a private namespace (unshare -n), loopback only"
out ""

# ------------------------------------------------------------------ scan
scan_bench() {
	local i tool port ports=() want t wall cpu
	# A few listeners, from the kernel's ports.
	for i in 1 2 3; do
		"$SOCKCAT" echo -v -b 127.0.0.1 -p 0 </dev/null >/dev/null \
		    2>"$TMP/L$i.err" &
		PIDS+=($!)
	done
	for i in 1 2 3; do
		for ((t = 0; t < 100; t++)); do
			port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$TMP/L$i.err")
			[[ -n $port ]] && break
			sleep 0.05
		done
		[[ -n $port ]] || die "listener $i did not start"
		ports+=("$port")
	done
	want=$(printf '%s\n' "${ports[@]}" | sort -n | paste -sd,)
	declare -A cmd
	cmd[sockcat]="\"$SOCKCAT\" scan 127.0.0.1 1-65535"
	command -v nmap >/dev/null &&
	    cmd[nmap]="nmap -sT -p- -T5 -n -oG - 127.0.0.1"
	command -v nc.openbsd >/dev/null &&
	    cmd[nc.openbsd]="nc.openbsd -z -v -w 1 127.0.0.1 1-65535 2>&1"
	local tools=(sockcat nmap nc.openbsd)
	for ((i = 0; i < RUNS; i++)); do
		for tool in "${tools[@]}"; do
			[[ -n ${cmd[$tool]:-} ]] || continue
			/usr/bin/time -f '%e %U %S' -o "$TMP/time" timeout "$NC_BOUND" \
			    bash -c "${cmd[$tool]}" >"$TMP/out" 2>/dev/null
			# GNU time puts "Command exited with non-zero status N"
			# first when it is not 0.
			read -r wall u s < <(tail -n 1 "$TMP/time") || continue
			case $tool in
			sockcat) found=$(sed -n 's|^\([0-9]*\)/tcp open.*|\1|p' "$TMP/out") ;;
			nmap) found=$(grep -o '[0-9]*/open/tcp' "$TMP/out" | cut -d/ -f1) ;;
			nc.openbsd) found=$(sed -n 's/^Connection to [^ ]* \([0-9]*\) port.*succeeded!$/\1/p' "$TMP/out") ;;
			esac
			found=$(printf '%s\n' $found | sort -n | paste -sd,)
			cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
			grep -q 'non-zero status 124' "$TMP/time" && wall=">$NC_BOUND"
			echo "$tool $wall $cpu $found" >>"$TMP/scan.txt"
		done
	done
	out "## scan: 1-65535 of 127.0.0.1, 3 listeners (ports $want), $RUNS runs each, interleaved"
	out ""
	out "| tool | wall s, median (min–max) | CPU s (user+sys), median | found exactly the listeners |"
	out "|---|---|---|---|"
	local med_sc= med_nmap=
	for tool in "${tools[@]}"; do
		grep -q "^$tool " "$TMP/scan.txt" 2>/dev/null || { out "| $tool | not installed | | |"; continue; }
		local walls cpus okc n
		walls=$(awk -v t="$tool" '$1 == t { print $2 }' "$TMP/scan.txt")
		cpus=$(awk -v t="$tool" '$1 == t { print $3 }' "$TMP/scan.txt")
		n=$(awk -v t="$tool" '$1 == t' "$TMP/scan.txt" | wc -l)
		okc=$(awk -v t="$tool" -v w="$want" '$1 == t && $4 == w' "$TMP/scan.txt" | wc -l)
		local m
		m=$(grep -v '>' <<<"$walls" | median)
		[[ $tool == sockcat ]] && med_sc=$m
		[[ $tool == nmap ]] && med_nmap=$m
		if grep -q '>' <<<"$walls"; then m=">$NC_BOUND (bounded)"; fi
		out "| $tool | $m ($(grep -v '>' <<<"$walls" | minmax)) | $(median <<<"$cpus") | $okc of $n runs |"
	done
	if [[ -n $med_sc && -n $med_nmap && $med_nmap != - ]]; then
		out ""
		out "sockcat / nmap wall time: $(awk -v a="$med_sc" -v b="$med_nmap" 'BEGIN { printf "%.2f", a / b }')× (target ≤ 0.5×)"
	fi
	out ""
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	PIDS=()
}

# ------------------------------------------------------------------ wait
wait_bench() {
	local tools=(
	    "sockcat=\"$SOCKCAT\" wait -w 30 127.0.0.1 {port}"
	    "sockcat --interval 100ms=\"$SOCKCAT\" wait -w 30 --interval 100ms 127.0.0.1 {port}"
	    "sockcat --interval 50ms=\"$SOCKCAT\" wait -w 30 --interval 50ms 127.0.0.1 {port}")
	if command -v wait-for-it >/dev/null; then
		tools+=("wait-for-it=wait-for-it -q -s -t 30 127.0.0.1:{port}")
	else
		out "(wait-for-it not installed: Debian package 'wait-for-it')"
	fi
	if command -v nc.openbsd >/dev/null; then
		tools+=("until nc -z=until nc.openbsd -z 127.0.0.1 {port}; do sleep 1; done")
	else
		out "(nc.openbsd not installed: Debian package 'netcat-openbsd')"
	fi
	python3 "$here/wait-reaction.py" -n "$WAIT_RUNS" "${tools[@]}" >"$TMP/wait.json" ||
	    { out "wait-reaction.py failed"; return; }
	out "## wait: reaction to a port that opens 0.5–3 s after the waiter started, $WAIT_RUNS runs each, interleaved"
	out ""
	out "| waiter | reaction ms, median (min–max) | probe connections per run, median | probes/s between probes, max | failed runs |"
	out "|---|---|---|---|---|"
	python3 - "$TMP/wait.json" <<'EOF' | while IFS= read -r line; do out "$line"; done
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
order = []
for r in rows:
    if r["tool"] not in order:
        order.append(r["tool"])
best = None
med = {}
for t in order:
    ok = [r for r in rows if r["tool"] == t and r["ok"]]
    bad = sum(1 for r in rows if r["tool"] == t and not r["ok"])
    if not ok:
        print("| %s | - | - | - | %d |" % (t, bad))
        continue
    re = sorted(r["reaction_ms"] for r in ok)
    med[t] = statistics.median(re)
    print("| %s | %.0f (%.0f–%.0f) | %.0f | %.1f | %d |" % (
        t, med[t], re[0], re[-1],
        statistics.median(r["probes"] for r in ok),
        max(r["probes_per_s"] for r in ok), bad))
anchors = [med[t] for t in ("wait-for-it", "until nc -z") if t in med]
if anchors:
    b = min(anchors)
    print("")
    for t in order:
        if t.startswith("sockcat") and t in med:
            print("%s / best anchor: %.2f× (target ≤ 0.5×)  " % (t, med[t] / b))
EOF
	out ""
}

[[ ,$ONLY, == *,scan,* ]] && scan_bench
[[ ,$ONLY, == *,wait,* ]] && wait_bench
exit 0
