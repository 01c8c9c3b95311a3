#!/usr/bin/env bats
# The documentation matches the program: gwhealth(8)'s SYNOPSIS is the
# usage gwhealth prints, every option is documented with its default,
# every failure reason of hs_reasons is in DIAGNOSTICS, every message
# gwhealth prints is in DIAGNOSTICS, and the page is lint clean.

load helpers

ROOT="$BATS_TEST_DIRNAME/../.."
GWHEALTH=$GW_BIN/gwhealth

setup()
{
	[ -x "$GWHEALTH" ] || fail "no gwhealth at $GWHEALTH (run make first)"
}

@test "gwhealth(8) SYNOPSIS is the usage gwhealth --help prints" {
	assert_synopsis_is_usage "$GWHEALTH" gwhealth.8
}

@test "every gwhealth option is in gwhealth(8) with its default" {
	assert_options_documented "$GWHEALTH" gwhealth.8 CHECKS 13
}

@test "every failure reason of gwhealth is in gwhealth(8) DIAGNOSTICS" {
	local diag reasons reason n=0
	diag=$(section gwhealth.8 DIAGNOSTICS)
	# [HS_R_REFUSED] = "connection refused",: the words of each.
	reasons=$(tr -s ' \t\n' ' ' <"$ROOT/gwhealth/hstate.c" |
	    grep -o '\[HS_R_[A-Z_]*\] = "[^"]*"' | sed 's/.*= "\(.*\)"/\1/')
	while IFS= read -r reason; do
		[ -n "$reason" ] || continue
		n=$((n + 1))
		[[ "$diag" == *" $reason "* ]] ||
		    fail "\"$reason\" not in DIAGNOSTICS"
	done <<<"$reasons"
	[ "$n" -ge 9 ] || fail "only $n reasons found in gwhealth/hstate.c"
	[[ "$diag" == *"bad status N"* ]] || fail "bad status N not documented"
}

@test "every message gwhealth prints is in gwhealth(8) DIAGNOSTICS" {
	assert_messages_documented gwhealth.8 40 \
	    'warnx|warn|errx|err|gw_fatalx|gw_log|usage|notify_failed' \
	    '[0-9]+|GW_LOG_[A-Z]+|nt' "$ROOT"/gwhealth/*.c
}

@test "gwhealth(8) is mandoc -Tlint clean" {
	assert_lint_clean gwhealth.8
}
