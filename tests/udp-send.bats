#!/usr/bin/env bats
# tests/udp-send.bats

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "udp-send: sockcat --help runs" {
	run -0 "$SOCKCAT" --help
	[[ "$output" == *usage:* ]]
}
