# Private network and mount namespaces for tests that must control names
# and addresses (Happy Eyeballs, a slow DNS server, ICMP sysctls).
#
# sc_netns HOSTS SCRIPT [ARG...] runs bash SCRIPT in a new network
# namespace (only lo, brought up) and a new mount namespace in which
# /etc/hosts holds HOSTS, /etc/nsswitch.conf says "hosts: files dns" and
# /etc/resolv.conf names 127.0.0.1 (where nothing answers unless the
# script starts a server), so no lookup leaves the namespace and the
# machine's resolver plays no part.  Firewall rules (nft) and sysctls set
# inside are the namespace's own.  SCRIPT sees SOCKCAT, SC_TMP and
# BATS_TEST_DIRNAME, and the helpers ns_bg and ns_port below; whatever it
# starts in the background with ns_bg is killed when it ends.  Bounded by
# 60 s.

# sc_netns_require: skip unless this user can make the namespaces.
sc_netns_require() {
	unshare -n -m true 2>/dev/null ||
	    skip "unshare -n -m is not allowed here (needs root)"
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
}

sc_netns() {
	local hosts=$1 script=$2
	shift 2
	printf '%s\n' "$hosts" >"$SC_TMP/ns-hosts"
	printf 'hosts: files dns\n' >"$SC_TMP/ns-nsswitch.conf"
	printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:1\n' \
	    >"$SC_TMP/ns-resolv.conf"
	export SOCKCAT SC_TMP BATS_TEST_DIRNAME
	timeout 60 unshare -n -m bash -c '
		set -eu
		ip link set lo up
		mount --bind "$SC_TMP/ns-hosts" /etc/hosts
		mount --bind "$SC_TMP/ns-nsswitch.conf" /etc/nsswitch.conf
		if [ -e /etc/resolv.conf ]; then
			mount --bind "$SC_TMP/ns-resolv.conf" /etc/resolv.conf
		fi
		NS_PIDS=()
		# ns_bg NAME CMD...: CMD in the background, stdin /dev/null,
		# output to $SC_TMP/NAME.out and .err.
		ns_bg() {
			local name=$1
			shift
			"$@" </dev/null >"$SC_TMP/$name.out" \
			    2>"$SC_TMP/$name.err" 3>&- &
			NS_PIDS+=($!)
		}
		# ns_port NAME: the port NAME announced ("listening on ...:P").
		ns_port() {
			local i p
			for ((i = 0; i < 100; i++)); do
				p=$(sed -n "s/.*listening on .*:\([0-9][0-9]*\)$/\1/p" \
				    "$SC_TMP/$1.err" 2>/dev/null | head -n 1)
				[ -n "$p" ] && { echo "$p"; return 0; }
				sleep 0.1
			done
			echo "no port from $1" >&2
			return 1
		}
		ns_cleanup() {
			local p
			for p in "${NS_PIDS[@]}"; do
				kill "$p" 2>/dev/null || true
			done
			for p in "${NS_PIDS[@]}"; do
				wait "$p" 2>/dev/null || true
			done
		}
		trap ns_cleanup EXIT
		script=$1
		shift
		eval "$script"
	' _ "$script" "$@"
}

# ms_since START_NS: milliseconds from START_NS (date +%s%N) to now.
ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}
