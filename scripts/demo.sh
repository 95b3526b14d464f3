#!/bin/sh
# The README's demo: send a file through 'sockcat listen' and
# 'sockcat connect' on loopback and compare what arrived.
set -eu
sockcat=${1:-src/sockcat}
dir=$(mktemp -d /tmp/sockcat-demo.XXXXXX)
lpid=
# The listener is normally gone by now: a failed kill is not an error.
trap '[ -z "$lpid" ] || kill "$lpid" 2>/dev/null || true; rm -rf "$dir"' EXIT
head -c 4194304 /dev/urandom >"$dir/in"
"$sockcat" listen -v -b 127.0.0.1 -p 0 </dev/null >"$dir/out" 2>"$dir/err" &
lpid=$!
i=0
until grep -q 'listening on' "$dir/err" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { cat "$dir/err" >&2; exit 1; }
	sleep 0.1
done
port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$dir/err")
echo "demo: sockcat listen -b 127.0.0.1 -p $port > out  (port 0 gave $port)"
echo "demo: sockcat connect 127.0.0.1 $port < in   (4 MiB of random bytes)"
"$sockcat" connect 127.0.0.1 "$port" <"$dir/in"
wait "$lpid"
cmp "$dir/in" "$dir/out"
echo "demo: both sides exited 0 and out is identical to in ($(wc -c <"$dir/out") bytes)"
