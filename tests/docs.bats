#!/usr/bin/env bats
# tests/docs.bats

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "docs: sockcat --help runs" {
	run -0 "$SOCKCAT" --help
	[[ "$output" == *usage:* ]]
}
