#!/usr/bin/env bats
# tests/udp-recv.bats

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "udp-recv: sockcat --help runs" {
	run -0 "$SOCKCAT" --help
	[[ "$output" == *usage:* ]]
}
