#!/usr/bin/env bats
# tests/unix.bats

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "unix: sockcat --help runs" {
	run -0 "$SOCKCAT" --help
	[[ "$output" == *usage:* ]]
}
