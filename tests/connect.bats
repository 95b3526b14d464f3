#!/usr/bin/env bats
# tests/connect.bats

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "connect: sockcat --help runs" {
	run -0 "$SOCKCAT" --help
	[[ "$output" == *usage:* ]]
}
