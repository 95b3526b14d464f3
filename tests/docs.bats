#!/usr/bin/env bats
# tests/docs.bats: the docs move with the code.
#
# For every command, the options that 'sockcat CMD --help' prints (made
# from the option rows in src/) must equal, both ways, the options in the
# command's subsection of man/sockcat.1, what the bash completion offers
# (run, not read), and the lists in the zsh and fish completions.  A stale
# entry fails as surely as a missing one.  Files are found through
# $SC_SRCDIR (set by 'make check'), the binary through $SOCKCAT.

bats_require_minimum_version 1.5.0

load helpers/common

: "${SC_SRCDIR:=$BATS_TEST_DIRNAME/..}"
SC_MAN=$SC_SRCDIR/man/sockcat.1
SC_BASH=$SC_SRCDIR/completions/sockcat
SC_ZSH=$SC_SRCDIR/completions/_sockcat
SC_FISH=$SC_SRCDIR/completions/sockcat.fish
SC_BASH_COMPLETION_LIB=/usr/share/bash-completion/bash_completion

setup() { sc_setup; }
teardown() { sc_teardown; }

# The commands, as 'sockcat --help' lists them ("  name  summary").
commands() {
	"$SOCKCAT" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

# help_opts CMD: the options of 'sockcat CMD --help', one per line, sorted.
# Option lines look like "  -p, --port PORT  text", "      --nodelay  text"
# and "      --keepalive[=IDLE,INTVL,CNT]  text".
help_opts() {
	"$SOCKCAT" "$1" --help | awk '
		$1 ~ /^-[A-Za-z0-9],$/ && $2 ~ /^--[a-z0-9]/ {
			sub(/,$/, "", $1); print $1
			sub(/\[?=.*/, "", $2); print $2; next
		}
		$1 ~ /^--[a-z0-9]/ { sub(/\[?=.*/, "", $1); print $1; next }
		$1 ~ /^-[A-Za-z0-9]$/ { print $1 }
	' | sort -u
}

# man_opts CMD: the options on the .It lines of CMD's .Ss subsection
# ("Fl p , Fl \-port Ar PORT" gives -p and --port).
man_opts() {
	awk -v cmd="$1" '
		/^\.S[hs] / { in_cmd = ($1 == ".Ss" && $2 == cmd); next }
		in_cmd && /^\.It / {
			for (i = 2; i < NF; i++)
				if ($i == "Fl") {
					w = $(i + 1)
					gsub(/\\-/, "-", w)
					sub(/[,;.]+$/, "", w)
					print "-" w
				}
		}
	' "$SC_MAN" | sort -u
}

# man_commands: the .Ss subsections of the COMMANDS section.
man_commands() {
	awk '
		/^\.Sh / { in_cmds = ($2 == "COMMANDS"); next }
		in_cmds && /^\.Ss / { print $2 }
	' "$SC_MAN" | sort
}

# bash_complete [--lib] WORD...: run the bash completion for the command
# line WORD... (the last word is the one being completed) and print
# COMPREPLY, one per line.  --lib loads bash-completion's helpers first.
bash_complete() {
	local lib=
	if [ "$1" = --lib ]; then
		lib=$SC_BASH_COMPLETION_LIB
		shift
	fi
	bash --norc --noprofile -c '
		lib=$1 file=$2
		shift 2
		if [ -n "$lib" ]; then
			. "$lib" || exit 1
		fi
		. "$file" || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_sockcat sockcat "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' _ "$lib" "$SC_BASH" "$@"
}

# zsh_opts CMD: the options in the zsh completion's list for CMD, whose
# entries are 'SHORT LONG ARG DESCRIPTION' lines of "local -a _sockcat_CMD=(".
zsh_opts() {
	awk -v name="_sockcat_${1//-/_}=(" '
		$1 == "local" && $2 == "-a" && $3 == name { in_list = 1; next }
		in_list && /^[ \t]*\)/ { in_list = 0 }
		in_list {
			sub(/^[ \t]*'\''/, "")
			if ($1 != "-") print "-" $1
			print "--" $2
		}
	' "$SC_ZSH" | sort -u
}

# zsh_commands: the commands in the zsh completion's _sockcat_commands.
zsh_commands() {
	awk '
		$1 == "local" && $2 == "-a" && $3 == "_sockcat_commands=(" {
			in_list = 1; next
		}
		in_list && /^[ \t]*\)/ { in_list = 0 }
		in_list { sub(/^[ \t]*'\''/, ""); sub(/:.*/, ""); print }
	' "$SC_ZSH" | sort
}

# fish_opts CMD: the options in the fish completion's list for CMD, whose
# entries are 'SHORT LONG ARG DESCRIPTION' \ lines of "set -l __sockcat_CMD \".
fish_opts() {
	awk -v name="__sockcat_${1//-/_}" '
		$1 == "set" && $2 == "-l" && $3 == name { in_list = 1; next }
		in_list {
			more = /\\$/
			sub(/^[ \t]*'\''/, "")
			if ($1 != "-") print "-" $1
			print "--" $2
			if (!more) in_list = 0
		}
	' "$SC_FISH" | sort -u
}

# fish_commands: the commands offered before a command is given.
fish_commands() {
	sed -n "s/^complete -c sockcat -n 'not __sockcat_command' -a \([a-z-]*\) .*/\1/p" \
	    "$SC_FISH" | grep -vx help | sort
}

# same_set WHAT EXPECTED ACTUAL: compare two sorted lists, both ways.
same_set() {
	if [ "$2" != "$3" ]; then
		echo "$1 differs from sockcat --help ('-' missing there, '+' stale there):"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") |
		    sed -n 's/^< /  - /p; s/^> /  + /p'
		return 1
	fi
}

# for_each_command CHECK: run CHECK CMD for every command; report all
# differences before failing.
for_each_command() {
	local cmd fail=0 n=0

	for cmd in $(commands); do
		n=$((n + 1))
		"$1" "$cmd" || fail=1
	done
	# An empty list would pass every check: there are six at least.
	[ "$n" -ge 6 ] || { echo "expected 6 commands or more, got $n"; return 1; }
	return "$fail"
}

check_man() {
	same_set "man/sockcat.1, .Ss $1," "$(help_opts "$1")" "$(man_opts "$1")"
}

check_bash() {
	local lib

	same_set "completions/sockcat, 'sockcat $1 -'," "$(help_opts "$1")" \
	    "$(bash_complete sockcat "$1" - | sort -u)" || return 1
	if [ -r "$SC_BASH_COMPLETION_LIB" ]; then
		same_set "completions/sockcat with bash-completion, 'sockcat $1 -'," \
		    "$(help_opts "$1")" \
		    "$(bash_complete --lib sockcat "$1" - | sort -u)" || return 1
	fi
}

check_zsh() {
	same_set "completions/_sockcat, _sockcat_${1//-/_}," \
	    "$(help_opts "$1")" "$(zsh_opts "$1")"
}

check_fish() {
	same_set "completions/sockcat.fish, __sockcat_${1//-/_}," \
	    "$(help_opts "$1")" "$(fish_opts "$1")"
}

check_fish_run() {
	same_set "fish 'complete -C \"sockcat $1 -\"'," "$(help_opts "$1")" \
	    "$(fish --no-config -c "source '$SC_FISH'; complete -C 'sockcat $1 -'" |
	    cut -f1 | sort -u)"
}

check_help_cmd() {
	local a b
	a=$("$SOCKCAT" help "$1") || return 1
	b=$("$SOCKCAT" "$1" --help) || return 1
	same_set "'sockcat help $1'" "$b" "$a"
}

@test "docs: every command's --help lists options" {
	local cmd
	for cmd in $(commands); do
		run help_opts "$cmd"
		[ "${#lines[@]}" -ge 5 ] || {
			echo "could not parse options of 'sockcat $cmd --help'"
			return 1
		}
	done
}

@test "docs: the man page has a subsection for each command, and no other" {
	same_set "man/sockcat.1 COMMANDS" "$(commands | sort)" "$(man_commands)"
}

@test "docs: man page options equal --help, for every command" {
	for_each_command check_man
}

@test "docs: bash completion offers exactly the --help options, for every command" {
	for_each_command check_bash
}

@test "docs: zsh completion lists exactly the --help options, for every command" {
	for_each_command check_zsh
}

@test "docs: fish completion lists exactly the --help options, for every command" {
	for_each_command check_fish
}

@test "docs: fish completion, run, offers exactly the --help options" {
	command -v fish >/dev/null || skip "fish is not installed"
	for_each_command check_fish_run
}

@test "docs: the completions know every command" {
	local want
	want=$(printf '%s\n' $(commands) help | sort)
	same_set "bash completion of 'sockcat '" "$want" \
	    "$(bash_complete sockcat '' | sort)"
	same_set "bash completion of 'sockcat help '" "$(commands | sort)" \
	    "$(bash_complete sockcat help '' | sort)"
	same_set "zsh _sockcat_commands" "$(commands | sort)" "$(zsh_commands)"
	same_set "fish commands" "$(commands | sort)" "$(fish_commands)"
}

@test "docs: bash completion registers _sockcat for sockcat" {
	run -0 bash --norc --noprofile -c '. "$1" && complete -p sockcat' _ "$SC_BASH"
	[ "$output" = "complete -F _sockcat sockcat" ]
}

@test "docs: bash completion of 'sockcat li' offers listen" {
	run -0 bash_complete sockcat li
	[ "$output" = listen ]
	run -0 bash_complete sockcat udp-
	[ "${lines[*]}" = "udp-send udp-recv" ]
}

@test "docs: bash completion after -U and --unix offers file names" {
	local dir=$SC_SOCKDIR/files lib
	mkdir -p "$dir"
	: >"$dir/app.sock"
	: >"$dir/other"
	for lib in "" --lib; do
		if [ -n "$lib" ] && [ ! -r "$SC_BASH_COMPLETION_LIB" ]; then
			continue
		fi
		run -0 bash_complete $lib sockcat listen -U "$dir/"
		[ "$(printf '%s\n' "${lines[@]}" | sort)" = \
		    "$(printf '%s\n' "$dir/app.sock" "$dir/other")" ]
		run -0 bash_complete $lib sockcat connect --unix "$dir/a"
		[ "$output" = "$dir/app.sock" ]
		run -0 bash_complete $lib sockcat udp-recv -v -U "$dir/o"
		[ "$output" = "$dir/other" ]
	done
	# ... and no file names after an option that takes a number.
	run -0 bash_complete sockcat listen -p "$dir/"
	[ -z "$output" ]
}

@test "docs: 'sockcat help CMD' prints what 'sockcat CMD --help' prints" {
	for_each_command check_help_cmd
}

@test "docs: mandoc -Tlint finds nothing in the man page" {
	local mandoc=${MANDOC:-$(command -v mandoc || true)}
	[ -n "$mandoc" ] || skip "mandoc is not installed"
	run -0 "$mandoc" -Tlint -Wwarning "$SC_MAN"
	[ -z "$output" ]
}

@test "docs: the man page's EXIT STATUS lists exactly SPEC's statuses" {
	run -0 awk '
		/^\.Sh / { in_es = ($0 == ".Sh EXIT STATUS"); next }
		in_es && /^\.It / { print $2 }
	' "$SC_MAN"
	[ "${lines[*]}" = "0 1 64 68 69 71 75 76 77" ]
}

@test "docs: the man page documents SOCKCAT_NO_SPLICE and the examples" {
	grep -q '^\.It Ev SOCKCAT_NO_SPLICE$' "$SC_MAN"
	grep -q 'sockcat listen -p 8009' "$SC_MAN"
	grep -q 'sockcat connect host 8009' "$SC_MAN"
	grep -q 'sockcat wait -w 60s db 5432 -- ./start' "$SC_MAN"
	grep -q 'sockcat scan -v 127.0.0.1 1-1024' "$SC_MAN"
	grep -q 'sockcat ping -c 3 ::1' "$SC_MAN"
}

@test "docs: the man page has the --exec section and its examples" {
	grep -q '^\.Sh RUNNING A PROGRAM PER CONNECTION$' "$SC_MAN"
	grep -qF "sockcat listen -k -p 8080 -e 'printf \"HTTP/1.0 200 OK\\er\\en\\er\\enhello\\en\"'" "$SC_MAN"
	grep -q '^\.It Ev SOCKCAT_PEER_ADDR$' "$SC_MAN"
}
