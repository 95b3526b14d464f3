#!/usr/bin/env bats
# tests/cli.bats

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "cli: sockcat --help runs" {
	run -0 "$SOCKCAT" --help
	[[ "$output" == *usage:* ]]
}
