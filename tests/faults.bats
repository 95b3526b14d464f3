#!/usr/bin/env bats
# tests/faults.bats

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "faults: sockcat --help runs" {
	run -0 "$SOCKCAT" --help
	[[ "$output" == *usage:* ]]
}
