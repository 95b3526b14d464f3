#!/usr/bin/env bats
# tests/cli.bats: dispatch, help, version, and every usage error that can
# be judged without the network (SPEC "Bad input"): status 64 and exactly
# one line on stderr, "sockcat: CMD: ...; see 'sockcat CMD --help'", that
# names the option or the value.  Nothing here opens a socket that could
# succeed; every run is bounded by timeout(1) in case a check goes missing.

bats_require_minimum_version 1.5.0

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

COMMANDS=(listen connect udp-send udp-recv echo forward proxy)
# The probing commands take none of the socket options the loops over
# COMMANDS check; the dispatch tests cover them too.
ALL_COMMANDS=("${COMMANDS[@]}" scan wait ping)
LISTENERS=(listen udp-recv echo)
CLIENTS=(connect udp-send)

# A host name of 300 characters, over the 253 that DNS allows.
LONG_HOST=$(printf 'a%.0s' {1..300})
# A Unix path of 108 bytes: one more than sun_path holds with its NUL.
LONG_PATH=/tmp/$(printf 'p%.0s' {1..103})

# usage_error CMD NEEDLE ARGS...: 'sockcat CMD ARGS...' exits 64, prints
# nothing on stdout and exactly one line on stderr, shaped
# "sockcat: CMD: ...; see 'sockcat CMD --help'" and containing NEEDLE.
usage_error() {
	local cmd=$1 needle=$2
	shift 2
	echo "# sockcat $cmd $*"
	run -64 --separate-stderr timeout 10 "$SOCKCAT" "$cmd" "$@" </dev/null
	[ -z "$output" ] || { echo "stdout: $output"; return 1; }
	[ "${#stderr_lines[@]}" -eq 1 ] || {
		echo "expected one stderr line, got:"; echo "$stderr"; return 1
	}
	case $stderr in
	"sockcat: $cmd: "*"; see 'sockcat $cmd --help'") ;;
	*) echo "bad shape: $stderr"; return 1 ;;
	esac
	case $stderr in
	*"$needle"*) ;;
	*) echo "does not name '$needle': $stderr"; return 1 ;;
	esac
}

# top_error NEEDLE ARGS...: like usage_error for 'sockcat ARGS...' when
# there is no command: "sockcat: ...; see 'sockcat --help'".
top_error() {
	local needle=$1
	shift
	echo "# sockcat $*"
	run -64 --separate-stderr timeout 10 "$SOCKCAT" "$@" </dev/null
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; return 1; }
	[[ $stderr == "sockcat: "*"see 'sockcat --help'" ]] || {
		echo "bad shape: $stderr"; return 1
	}
	[[ $stderr == *"$needle"* ]] || {
		echo "does not name '$needle': $stderr"; return 1
	}
}

# ------------------------------------------------------------ dispatch

@test "cli: --version and -V print 'sockcat X.Y.Z' on stdout" {
	local opt
	for opt in --version -V; do
		run -0 --separate-stderr "$SOCKCAT" "$opt"
		[[ $output =~ ^sockcat\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
		[ -z "$stderr" ]
	done
}

@test "cli: --help, -h and 'help' list every command, one line each, on stdout" {
	local opt cmd
	for opt in --help -h help; do
		run -0 --separate-stderr "$SOCKCAT" $opt
		[ -z "$stderr" ]
		[[ ${lines[0]} == usage:* ]]
		for cmd in "${ALL_COMMANDS[@]}"; do
			[ "$(printf '%s\n' "${lines[@]}" | grep -c "^  $cmd  ")" -eq 1 ] || {
				echo "'$cmd' is not on exactly one line of sockcat $opt"
				return 1
			}
		done
		[ "$(printf '%s\n' "${lines[@]}" | grep -c '^  [a-z]')" -eq \
		    "${#ALL_COMMANDS[@]}" ]
	done
	[ "$("$SOCKCAT" help)" = "$("$SOCKCAT" --help)" ]
}

@test "cli: no arguments prints the usage on stderr, status 64" {
	run -64 --separate-stderr "$SOCKCAT"
	[ -z "$output" ]
	[[ $stderr == usage:* ]]
	for cmd in "${ALL_COMMANDS[@]}"; do
		[[ $stderr == *"  $cmd "* ]]
	done
}

@test "cli: an unknown command suggests the nearest one" {
	run -64 --separate-stderr "$SOCKCAT" lisen
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "sockcat: 'lisen' is not a command; did you mean 'listen'? see 'sockcat --help'" ]
	top_error "did you mean 'connect'" conect 127.0.0.1 9
	top_error "did you mean 'udp-send'" udp-sned 127.0.0.1 9
	top_error "did you mean 'echo'" ecoh -p 0
}

@test "cli: an unknown command with nothing near it gets no suggestion" {
	run -64 --separate-stderr "$SOCKCAT" zzz
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "sockcat: 'zzz' is not a command; see 'sockcat --help'" ]
	top_error "'frobnicate-everything'" frobnicate-everything
	top_error "''" ''
}

@test "cli: an unknown option before the command names it" {
	top_error "'--bogus'" --bogus
	top_error "'-x'" -x listen
}

@test "cli: 'help CMD', 'CMD --help' and 'CMD -h' print the same, status 0" {
	local cmd help
	for cmd in "${ALL_COMMANDS[@]}"; do
		run -0 --separate-stderr "$SOCKCAT" "$cmd" --help
		[ -z "$stderr" ]
		[[ ${lines[0]} == "usage: sockcat $cmd "* ]]
		help=$output
		run -0 --separate-stderr "$SOCKCAT" help "$cmd"
		[ "$output" = "$help" ] && [ -z "$stderr" ]
		run -0 --separate-stderr "$SOCKCAT" "$cmd" -h
		[ "$output" = "$help" ] && [ -z "$stderr" ]
		# --help wins over anything else on the line.
		run -0 --separate-stderr "$SOCKCAT" "$cmd" -4 --help
		[ "$output" = "$help" ]
	done
}

@test "cli: help wins wherever it is, also after a bad value" {
	local help
	help=$("$SOCKCAT" listen --help)
	run -0 --separate-stderr "$SOCKCAT" listen -h -p 70000
	[ "$output" = "$help" ] && [ -z "$stderr" ]
	run -0 --separate-stderr "$SOCKCAT" listen -p 70000 -h
	[ "$output" = "$help" ] && [ -z "$stderr" ]
	run -0 --separate-stderr "$SOCKCAT" listen --bogus --help
	[ "$output" = "$help" ] && [ -z "$stderr" ]
}

@test "cli: 'help help' prints the usage; --version takes no arguments" {
	run -0 --separate-stderr "$SOCKCAT" help help
	[ "$output" = "$("$SOCKCAT" --help)" ] && [ -z "$stderr" ]
	top_error "--version takes no arguments" --version extra
	top_error "-V takes no arguments" -V extra
}

@test "cli: usage lines name -U PATH; udp-recv says SO_REUSEADDR is off for it" {
	local cmd
	for cmd in listen udp-recv echo; do
		run -0 "$SOCKCAT" "$cmd" --help
		[ "${lines[0]}" = "usage: sockcat $cmd [OPTIONS] [-p PORT | PORT | -U PATH]" ]
	done
	run -0 "$SOCKCAT" connect --help
	[ "${lines[0]}" = "usage: sockcat connect [OPTIONS] HOST PORT | HOST:PORT | -U PATH" ]
	run -0 "$SOCKCAT" udp-recv --help
	[[ "$output" == *"--reuseaddr"*"off by default for datagram sockets"* ]]
	[[ "$output" != *"default for stream listeners"* ]]
}

@test "cli: 'help nosuch' and 'help' with two commands are usage errors" {
	top_error "'nosuch'" help nosuch
	run -64 --separate-stderr "$SOCKCAT" help listen connect
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

# ------------------------------------------------------------- options

@test "cli: an unknown option is a usage error naming it" {
	usage_error listen "'--bogus'" --bogus 0
	usage_error connect "'-Z'" -Z 127.0.0.1 9
	usage_error udp-send "'--nope'" --nope=1 127.0.0.1 9
	usage_error udp-recv "'-X'" -X -p 0
	usage_error echo "'--verbosee'" --verbosee -p 0
	# First in a cluster, right after a long option: named as itself.
	usage_error listen "'-j'" --nodelay -jv 0
}

@test "cli: an option of another command is a usage error" {
	usage_error connect "'-k'" -k 127.0.0.1 9
	usage_error listen "'--reply'" --reply -p 0
	usage_error udp-send "'--keep-open'" --keep-open 127.0.0.1 9
	usage_error udp-recv "'--nodelay'" --nodelay -p 0
	usage_error echo "'--from'" --from -p 0
	usage_error echo "'--seqpacket'" --seqpacket -U "$SC_SOCKDIR/s"
	usage_error connect "'--port'" --port 9 127.0.0.1 9
	usage_error listen "'--source'" --source 127.0.0.1 -p 0
}

@test "cli: an option without its value, or with one it does not take" {
	local cmd
	for cmd in listen connect udp-send udp-recv; do
		usage_error "$cmd" "'--timeout'" -w
	done
	usage_error echo "'--idle-timeout'" -p 0 -i
	usage_error listen "'--port'" -p
	usage_error connect "'--unix'" --unix
	usage_error listen "'--nodelay'" --nodelay=1 -p 0
	usage_error udp-send "'--reply'" --reply=yes 127.0.0.1 9
}

# --------------------------------------------------------------- ports

@test "cli: bad -p ports are usage errors (listen, udp-recv, echo)" {
	local cmd
	for cmd in "${LISTENERS[@]}"; do
		usage_error "$cmd" "'65536'" -p 65536
		usage_error "$cmd" "'99999999999999999999'" -p 99999999999999999999
		usage_error "$cmd" "'-1'" -p -1
		usage_error "$cmd" "'1x'" -p 1x
		usage_error "$cmd" "'no-such-service'" -p no-such-service
		usage_error "$cmd" "''" -p ''
		usage_error "$cmd" "' 80'" -p ' 80'
	done
}

@test "cli: bad positional ports are usage errors (all commands)" {
	local cmd
	for cmd in "${LISTENERS[@]}"; do
		usage_error "$cmd" "'65536'" 65536
		usage_error "$cmd" "''" ''
		usage_error "$cmd" "'8o'" 8o
	done
	for cmd in "${CLIENTS[@]}"; do
		usage_error "$cmd" "'65536'" 127.0.0.1 65536
		usage_error "$cmd" "''" 127.0.0.1 ''
		usage_error "$cmd" "'8o'" 127.0.0.1 8o
		usage_error "$cmd" "'0'" 127.0.0.1 0
		usage_error "$cmd" "'-1'" 127.0.0.1 -- -1
	done
}

@test "cli: bad --source-port is a usage error (connect, udp-send)" {
	local cmd
	for cmd in "${CLIENTS[@]}"; do
		usage_error "$cmd" "'65536'" --source-port 65536 127.0.0.1 9
		usage_error "$cmd" "''" --source-port '' 127.0.0.1 9
		usage_error "$cmd" "'x'" --source-port x 127.0.0.1 9
	done
}

# ----------------------------------------------------------- durations

@test "cli: bad -w durations are usage errors (listen, connect, udp-send, udp-recv)" {
	local cmd bad
	for cmd in listen connect udp-send udp-recv; do
		for bad in -1 abc 1e999 '' 1.5x inf nan 5d ' 1'; do
			if [[ $cmd == listen || $cmd == udp-recv ]]; then
				usage_error "$cmd" "'$bad'" -w "$bad" -p 0
			else
				usage_error "$cmd" "'$bad'" -w "$bad" 127.0.0.1 9
			fi
		done
	done
}

@test "cli: bad -i durations are usage errors (listen, connect, echo)" {
	local cmd bad
	for cmd in listen connect echo; do
		for bad in -1 abc 1e999 ''; do
			if [ "$cmd" = connect ]; then
				usage_error "$cmd" "'$bad'" -i "$bad" 127.0.0.1 9
			else
				usage_error "$cmd" "'$bad'" --idle-timeout="$bad" -p 0
			fi
		done
	done
}

@test "cli: bad --interval durations are usage errors (udp-send)" {
	local bad
	for bad in -1 abc 1e999 ''; do
		usage_error udp-send "'$bad'" --interval "$bad" 127.0.0.1 9 m
	done
}

# --------------------------------------------------------------- hosts

@test "cli: an empty or overlong HOST is a usage error (connect, udp-send)" {
	local cmd
	for cmd in "${CLIENTS[@]}"; do
		usage_error "$cmd" "''" '' 9
		usage_error "$cmd" "too long" "$LONG_HOST" 9
		usage_error "$cmd" "'[::1'" '[::1' 9
	done
}

@test "cli: an empty or overlong -b / -s address is a usage error" {
	local cmd
	for cmd in "${LISTENERS[@]}"; do
		usage_error "$cmd" "''" -b '' -p 0
		usage_error "$cmd" "too long" -b "$LONG_HOST" -p 0
	done
	for cmd in "${CLIENTS[@]}"; do
		usage_error "$cmd" "''" -s '' 127.0.0.1 9
		usage_error "$cmd" "too long" --source "$LONG_HOST" 127.0.0.1 9
	done
}

# ---------------------------------------------------------- Unix paths

@test "cli: a Unix path longer than sun_path is a usage error (all commands)" {
	local cmd
	[ "${#LONG_PATH}" -eq 108 ]
	for cmd in "${COMMANDS[@]}"; do
		usage_error "$cmd" "too long" -U "$LONG_PATH"
		usage_error "$cmd" "too long" --unix "@${LONG_PATH#/}"
		usage_error "$cmd" "''" -U ''
	done
}

# ------------------------------------------------------------ operands

@test "cli: a missing PORT is a usage error (listen, udp-recv, echo)" {
	local cmd
	for cmd in "${LISTENERS[@]}"; do
		usage_error "$cmd" "PORT"
		usage_error "$cmd" "PORT" -v -4
	done
}

@test "cli: missing HOST or PORT is a usage error (connect, udp-send)" {
	local cmd
	for cmd in "${CLIENTS[@]}"; do
		usage_error "$cmd" "HOST"
		usage_error "$cmd" "PORT" 127.0.0.1
	done
}

@test "cli: extra operands are usage errors" {
	local cmd
	for cmd in "${LISTENERS[@]}"; do
		usage_error "$cmd" "'extra'" 0 extra
		usage_error "$cmd" "'9'" -U "$SC_SOCKDIR/s" 9
	done
	usage_error connect "'extra'" 127.0.0.1 9 extra
	usage_error connect "'127.0.0.1'" -U "$SC_SOCKDIR/s" 127.0.0.1
}

@test "cli: -p and a positional PORT together are a usage error" {
	local cmd
	for cmd in "${LISTENERS[@]}"; do
		usage_error "$cmd" "PORT" -p 0 0
	done
}

@test "cli: -U with a port, -4/-6, -b or -s is a usage error" {
	local cmd
	for cmd in "${LISTENERS[@]}"; do
		usage_error "$cmd" "-U" -U "$SC_SOCKDIR/s" -p 0
		usage_error "$cmd" "-4" -4 -U "$SC_SOCKDIR/s"
		usage_error "$cmd" "--bind" -b 127.0.0.1 -U "$SC_SOCKDIR/s"
	done
	for cmd in "${CLIENTS[@]}"; do
		usage_error "$cmd" "-6" -6 -U "$SC_SOCKDIR/s"
		usage_error "$cmd" "--source" -s 127.0.0.1 -U "$SC_SOCKDIR/s"
	done
}

# ------------------------------------------------------ option clashes

@test "cli: --seqpacket without -U is a usage error (listen, connect)" {
	usage_error listen "--seqpacket" --seqpacket -p 0
	usage_error connect "--seqpacket" --seqpacket 127.0.0.1 9
}

@test "cli: -4 with -6 is a usage error (all commands)" {
	local cmd
	for cmd in "${LISTENERS[@]}"; do
		usage_error "$cmd" "-4 and -6" -4 -6 -p 0
	done
	for cmd in "${CLIENTS[@]}"; do
		usage_error "$cmd" "-4 and -6" -6 --ipv4 127.0.0.1 9
	done
}

@test "cli: -4 or -6 against an address of the other family is a usage error" {
	usage_error connect "-4" -4 ::1 9
	usage_error udp-send "-6" -6 127.0.0.1 9 m
	usage_error listen "-6" -6 -b 127.0.0.1 -p 0
}

@test "cli: -n with a host name is a usage error" {
	usage_error connect "'localhost'" -n localhost 9
	usage_error udp-send "'localhost'" -n localhost 9 m
}

# ------------------------------------------------------ buffers, counts

@test "cli: bad --rcvbuf / --sndbuf sizes are usage errors" {
	local cmd bad args
	for cmd in "${COMMANDS[@]}"; do
		case $cmd in
		connect | udp-send) args=(127.0.0.1 9) ;;
		*) args=(-p 0) ;;
		esac
		for bad in 0 1x '' -1 1.5k 99999999999999999999; do
			usage_error "$cmd" "--rcvbuf '$bad'" --rcvbuf "$bad" "${args[@]}"
			[ "$cmd" = udp-recv ] ||
			    usage_error "$cmd" "--sndbuf '$bad'" --sndbuf "$bad" "${args[@]}"
		done
	done
}

@test "cli: a bad --keepalive is a usage error (listen, connect, echo)" {
	local cmd bad args
	for cmd in listen connect echo; do
		case $cmd in
		connect) args=(127.0.0.1 9) ;;
		*) args=(-p 0) ;;
		esac
		for bad in abc -1 '' 1,2,3,4 1,,3 , 0 1,2,0 1,2,x; do
			usage_error "$cmd" "--keepalive" --keepalive="$bad" "${args[@]}"
		done
	done
}

@test "cli: a bare number after --keepalive is refused with a hint" {
	usage_error listen "--keepalive=60" --keepalive 60
	usage_error echo "--keepalive=60,10,5" --keepalive 60,10,5
	usage_error connect "needs -p" --keepalive 1m 127.0.0.1
	# With '=' the timings are taken; a PORT operand after a bare
	# --keepalive that is not a number stays an operand.
	run -0 "$SOCKCAT" listen --keepalive=60 --help
}

@test "cli: bad counts and sizes of the command's own options are usage errors" {
	usage_error udp-recv "'x'" -c x -p 0
	usage_error udp-recv "'-1'" --count=-1 -p 0
	usage_error echo "'x'" -c x -p 0
	usage_error echo "'x'" --max-conns x -p 0
	usage_error echo "''" -m '' -p 0
	usage_error udp-send "'0'" --chunk 0 127.0.0.1 9
	usage_error udp-send "'x'" --chunk x 127.0.0.1 9
	usage_error udp-send "'0'" --ttl 0 127.0.0.1 9 m
	usage_error udp-send "'256'" --ttl 256 127.0.0.1 9 m
	usage_error udp-recv "''" --join '' -p 0
}
