# Real proxy servers and destinations for tests/proxy.bats: microsocks
# (SOCKS5), tinyproxy (HTTP CONNECT) and danted (SOCKS4 and 5), and
# python3's http.server as a destination for curl.
#
# None of the three servers can listen on port 0 and say which port it
# got, so each gets a port that was free a moment ago (sc_free_port) and
# is waited for until ss(8) shows that very process listening on it; when
# another process took the port first, the server exits and the next try
# takes another port.  Every one is started through sc_bg, so teardown
# stops it by PID.

# sc_wait_listening PID PORT [TENTHS]: until PID listens on TCP PORT of
# loopback.  Fails at once when PID is gone (it could not bind).
sc_wait_listening() {
	local pid=$1 port=$2 n=${3:-100} i
	for ((i = 0; i < n; i++)); do
		ss -ltnpH "( sport = :$port )" 2>/dev/null |
		    grep -q "pid=$pid," && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	echo "pid $pid does not listen on port $port" >&2
	return 1
}

# sc_start_on_free_port NAME VAR CMD...: run CMD (in which the word
# @PORT@ stands for the port) via sc_bg as NAME until it listens on a
# port that was free; sets VAR to the port and SC_DAEMON_PID to CMD's pid.
sc_start_on_free_port() {
	local name=$1 var=$2 try port pid a
	local -a cmd
	shift 2
	for ((try = 0; try < 5; try++)); do
		port=$(sc_free_port)
		cmd=()
		for a in "$@"; do
			cmd+=("${a//@PORT@/$port}")
		done
		sc_bg "$name" /dev/null "${cmd[@]}"
		pid=$(sc_cmd_pid "$SC_LAST_PID") || continue
		if sc_wait_listening "$pid" "$port"; then
			printf -v "$var" '%s' "$port"
			SC_DAEMON_PID=$pid
			return 0
		fi
		kill "$pid" 2>/dev/null || true
	done
	echo "$name did not start" >&2
	cat "$SC_TMP/$name.err" >&2 2>/dev/null
	return 1
}

# start_microsocks NAME [ARGS...]: microsocks on 127.0.0.1; sets MSPORT.
start_microsocks() {
	local name=$1
	shift
	sc_start_on_free_port "$name" MSPORT microsocks -i 127.0.0.1 \
	    -p @PORT@ "$@"
}

# start_tinyproxy NAME [CONFIG LINE...]: tinyproxy on 127.0.0.1 with
# extra configuration lines ("BasicAuth bob pw"); sets TPPORT.
start_tinyproxy() {
	local name=$1 conf=$SC_TMP/$1.conf line
	shift
	{
		echo "Port @PORT@"
		echo "Listen 127.0.0.1"
		echo "Timeout 30"
		echo "MaxClients 200"
		echo "LogLevel Info"
		for line in "$@"; do
			echo "$line"
		done
	} >"$conf.in"
	# The port goes into the file, so the command line cannot carry it.
	sc_start_on_free_port "$name" TPPORT bash -c \
	    'sed "s/@""PORT@/$1/" "$2.in" >"$2" && exec tinyproxy -d -c "$2"' \
	    _ @PORT@ "$conf"
}

# start_danted NAME: Dante's danted on 127.0.0.1, SOCKS4 and SOCKS5
# without authentication, for loopback clients; sets DPORT.
start_danted() {
	local name=$1 conf=$SC_TMP/$1.conf
	cat >"$conf.in" <<-EOF
	logoutput: $SC_TMP/$name.log
	internal: 127.0.0.1 port = @PORT@
	external: 127.0.0.1
	socksmethod: none
	clientmethod: none
	user.privileged: root
	user.unprivileged: nobody
	client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
	socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
	EOF
	sc_start_on_free_port "$name" DPORT bash -c \
	    'sed "s/@""PORT@/$1/" "$2.in" >"$2" &&
	    exec danted -f "$2" -p "$2.pid"' _ @PORT@ "$conf"
}

# start_http NAME DIR: python3's http.server for DIR on 127.0.0.1 port 0;
# sets HTTPPORT.
start_http() {
	sc_bg "$1" /dev/null python3 -u -m http.server --bind 127.0.0.1 \
	    --directory "$2" 0
	sc_wait_file "$SC_TMP/$1.out" 'Serving HTTP' || return 1
	HTTPPORT=$(sed -n 's/.* port \([0-9][0-9]*\) .*/\1/p' \
	    "$SC_TMP/$1.out" | head -n 1)
	[ -n "$HTTPPORT" ]
}
