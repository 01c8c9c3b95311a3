#!/usr/bin/env bats
# The documentation matches the program: gwproxy(8)'s SYNOPSIS is the
# usage gwproxy prints, every option is documented with its default, every
# error code of px_errors is in DIAGNOSTICS with its status, every message
# gwproxy prints is in DIAGNOSTICS, and the page is lint clean.

load helpers

ROOT="$BATS_TEST_DIRNAME/../.."
GWPROXY=$GW_BIN/gwproxy

setup()
{
	[ -x "$GWPROXY" ] || fail "no gwproxy at $GWPROXY (run make first)"
}

@test "gwproxy(8) SYNOPSIS is the usage gwproxy --help prints" {
	assert_synopsis_is_usage "$GWPROXY" gwproxy.8
}

@test "every gwproxy option is in gwproxy(8) with its default" {
	assert_options_documented "$GWPROXY" gwproxy.8 ROUTING 13
}

@test "every px_errors code is in gwproxy(8) DIAGNOSTICS with its status" {
	local diag codes code status n=0
	diag=$(section gwproxy.8 DIAGNOSTICS)
	# [PX_E_NO_ROUTE] = { "no_route", 404, ...: code and status.
	codes=$(tr -s ' \t\n' ' ' <"$ROOT/gwproxy/reply.c" |
	    grep -o '\[PX_E_[A-Z_]*\] = { "[a-z_]*", [0-9]*' |
	    sed 's/.*{ "\([a-z_]*\)", \([0-9]*\)/\1 \2/')
	while read -r code status; do
		[ "$code" = none ] && continue
		n=$((n + 1))
		[[ "$diag" == *"$code ($status"* ]] ||
		    fail "\"$code ($status\" not in DIAGNOSTICS"
	done <<<"$codes"
	[ "$n" -ge 11 ] || fail "only $n error codes found in gwproxy/reply.c"
	# The shape of the body and the header that name the code.
	[[ "$diag" == *'{"error":"CODE","status":N,"request_id":"ID"}'* ]] ||
	    fail "the JSON body is not in DIAGNOSTICS"
	[[ "$diag" == *"X-Gw-Error"* ]] || fail "X-Gw-Error not in DIAGNOSTICS"
}

@test "every message gwproxy prints is in gwproxy(8) DIAGNOSTICS" {
	# The literal parts of each message format in gwproxy/: err(3) and
	# friends, log lines, usage errors, control socket error replies.
	assert_messages_documented gwproxy.8 25 \
	    'warnx|warn|errx|err|gw_fatalx|gw_log|usage|gw_ctl_reply_error' \
	    '[0-9]+|GW_LOG_[A-Z]+|rq\.rq_json|&?out' "$ROOT"/gwproxy/*.c
}

@test "gwproxy(8) is mandoc -Tlint clean" {
	assert_lint_clean gwproxy.8
}
