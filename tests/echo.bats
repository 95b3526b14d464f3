#!/usr/bin/env bats
# tests/echo.bats

load helpers/common

setup() { sc_setup; }
teardown() { sc_teardown; }

@test "echo: sockcat --help runs" {
	run -0 "$SOCKCAT" --help
	[[ "$output" == *usage:* ]]
}
