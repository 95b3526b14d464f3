#!/usr/bin/env bats
# tests/listen.bats

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "listen: sockcat --help runs" {
	run -0 "$SOCKCAT" --help
	[[ "$output" == *usage:* ]]
}
