#!/usr/bin/env bats
# tests/status.bats

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "status: sockcat --help runs" {
	run -0 "$SOCKCAT" --help
	[[ "$output" == *usage:* ]]
}
