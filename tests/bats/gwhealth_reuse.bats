#!/usr/bin/env bats
# gwhealth's http checks on kept connections (--http-reuse, gwhealth(8)
# CONNECTION REUSE), against real backends on 127.0.0.1: one connection
# for many checks, a backend closing idle connections costs no failed
# check, off opens one connection per check, failures close it, and only
# a complete response that lets it persist is kept.
#
# gwbackend -v logs one line per answer with the client's address: one
# address is one connection (peers, nconns, nreqs in gwhealth_helpers).

load helpers
load ../backend/backend
load proxy_helpers
load gwhealth_helpers

setup()
{
	health_setup
}

teardown()
{
	health_teardown
}

# passes SERVICE ADDR: how many checks of it passed, by the log.
passes()
{
	grep -c "debug: check $1/$2: passed in" "$HEALTH_LOG" || true
}

passes_ge()
{
	[ "$(passes "$1" "$2")" -ge "$3" ]
}

# no_failure SERVICE ADDR: no check of it failed.
no_failure()
{
	! grep -q "debug: check $1/$2: failed" "$HEALTH_LOG" ||
	    fail "$(grep "check $1/$2: failed" "$HEALTH_LOG" | head -3)"
}

# established PORT: the connections to PORT gwhealth holds, one a line.
established()
{
	ss -Htn state established "( dport = :$1 )"
}

# no_socket PORT: gwhealth holds no socket to PORT, in any state.
no_socket()
{
	[ -z "$(ss -Htan "( dport = :$1 )")" ]
}

@test "reuse on (the default): every http check of a backend goes on one connection, without Connection: close" {
	start_backend b1 -v
	start_ka_fake k1 ok
	fast_service web --check http
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q backend add web "127.0.0.1:$k1_port"
	start_health
	wait_for 100 reqs_ge b1 10 || fail "$(nreqs b1) requests"
	wait_for 100 passes_ge web "127.0.0.1:$k1_port" 10
	# 10 checks and more, one connection, held open between checks.
	assert_equal "$(nconns b1)" 1
	run established "$b1_port"
	assert_equal "${#lines[@]}" 1
	no_failure web "127.0.0.1:$b1_port"
	# The requests said nothing of Connection (HTTP/1.1 persists).
	run awk '{ print $1, $3 }' "$k1_log"
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort -u)" "1 -"
	# The stats count the connections opened: one a backend.
	kill -USR1 "$HEALTH_PID"
	wait_for 40 grep -q 'info: stats for the last' "$HEALTH_LOG"
	grep -q 'info: stats for the last [^:]*: [0-9]* checks, 0 failed, 2 transitions, 2 connects; .*; 2 backends, [01] checks in flight, 0 waiting, [12] connections kept$' \
	    "$HEALTH_LOG" || fail "$(grep 'stats for' "$HEALTH_LOG")"
	# Shutdown closes it.
	stop_health
	assert_equal "$status" 0
	wait_for 40 no_socket "$b1_port" || fail "$(ss -tan)"
}

@test "a backend that closes idle connections costs no failed check" {
	# gwbackend closes a connection idle for 30 ms; checks come every
	# 100 ms: each finds its kept connection closed, and gwhealth closed
	# its end as soon as the backend did.
	start_backend b1 -v --idle-timeout 30
	fast_service web --check http
	gwctl -q backend add web "127.0.0.1:$b1_port"
	start_health
	local addr=127.0.0.1:$b1_port
	wait_for 100 passes_ge web "$addr" 8
	no_failure web "$addr"
	# A connection a check: the backend closed each after its answer.
	one_per_req b1
	stop_health
	# With checks a second apart, gwhealth's end goes with the backend's
	# (no socket left in CLOSE_WAIT), and the next check connects anew.
	start_backend b2 -v --idle-timeout 50
	gwctl -q service add slow --check http --check-interval 1s \
	    --check-timeout 500ms --check-jitter 0
	gwctl -q backend add slow "127.0.0.1:$b2_port"
	gwctl -q backend rm web "$addr"
	start_health
	wait_for 100 reqs_ge b2 1
	wait_for 40 no_socket "$b2_port" || fail "$(ss -tan)"
	wait_for 100 reqs_ge b2 2
	assert_equal "$(nconns b2)" 2
	no_failure slow "127.0.0.1:$b2_port"
}

@test "a kept connection closed or reset as the request goes out: the check goes again on a new one and passes" {
	# Each connection of these backends answers its first request and
	# drops the second, unanswered: with a FIN (c2), with a RST (r2).
	start_ka_fake c2 close2
	start_ka_fake r2 reset2
	fast_service web --check http --check-fall 1
	gwctl -q backend add web "127.0.0.1:$c2_port"
	gwctl -q backend add web "127.0.0.1:$r2_port"
	start_health
	wait_for 100 passes_ge web "127.0.0.1:$c2_port" 6
	wait_for 100 passes_ge web "127.0.0.1:$r2_port" 6
	no_failure web "127.0.0.1:$c2_port"
	no_failure web "127.0.0.1:$r2_port"
	run transitions web "127.0.0.1:$c2_port"
	assert_output "unknown|up|passed|gwhealth"
	run transitions web "127.0.0.1:$r2_port"
	assert_output "unknown|up|passed|gwhealth"
	# The drops really happened, several times.
	[ "$(awk '$2 == 2' "$c2_log" | wc -l)" -ge 4 ] || fail "$(cat "$c2_log")"
	[ "$(awk '$2 == 2' "$r2_log" | wc -l)" -ge 4 ] || fail "$(cat "$r2_log")"
}

@test "--http-reuse off: one connection per check, each saying Connection: close" {
	start_backend b1 -v
	start_ka_fake k1 ok
	fast_service web --check http
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q backend add web "127.0.0.1:$k1_port"
	start_health --http-reuse off
	wait_for 100 reqs_ge b1 8
	wait_for 100 passes_ge web "127.0.0.1:$k1_port" 8
	one_per_req b1
	no_failure web "127.0.0.1:$b1_port"
	run awk '{ print $2, $3 }' "$k1_log"
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort -u)" "1 close"
	run -2 --separate-stderr "$GWHEALTH" --http-reuse maybe
	assert_stderr_line 'gwhealth: invalid --http-reuse "maybe": expected on or off'
}

@test "a body mismatch and a bad status still fail, each on a new connection" {
	start_backend b1 -v
	start_backend b2 -v
	fast_service body --check http --check-path /echo \
	    --check-body 'not in there'
	fast_service status --check http --check-path '/status?code=503'
	gwctl -q backend add body "127.0.0.1:$b1_port"
	gwctl -q backend add status "127.0.0.1:$b2_port"
	start_health
	wait_for 100 logged_ge "check body/127.0.0.1:$b1_port: failed: body mismatch" 4
	wait_for 100 logged_ge "check status/127.0.0.1:$b2_port: failed: bad status 503" 4
	! grep -q ": passed in" "$HEALTH_LOG" || fail "a check passed"
	wait_state body "127.0.0.1:$b1_port" down
	wait_state status "127.0.0.1:$b2_port" down
	run health_row body "127.0.0.1:$b1_port"
	assert_output --regexp '^down\|body mismatch\|0\|[0-9]+$'
	run health_row status "127.0.0.1:$b2_port"
	assert_output --regexp '^down\|bad status 503\|0\|[0-9]+$'
	# A failure closes the connection: one a check.
	one_per_req b1
	one_per_req b2
}

@test "only a complete response that lets its connection persist is kept" {
	local b
	for b in close eof chunked big slow slower found; do
		start_backend "$b" -v
	done
	# Kept: chunked to the last chunk; a body that comes after the head
	# but within the timeout (read on after the verdict); a text found
	# in a body read to its end.
	# Not kept: Connection: close; a body delimited by close; a body
	# over 64 KiB; one still coming at the timeout (the check passes).
	fast_service close --check http --check-path '/?close=1'
	fast_service eof --check http --check-path '/bytes?n=10&close=1'
	fast_service chunked --check http \
	    --check-path '/bytes?n=3000&chunked=1&piece=100'
	fast_service big --check http --check-path '/bytes?n=70000' \
	    --check-body abcdef
	fast_service slow --check http \
	    --check-path '/slowbody?n=32&piece=16&ms=10'
	fast_service slower --check http \
	    --check-path '/slowbody?n=160&piece=16&ms=20'
	fast_service found --check http --check-path '/bytes?n=20000' \
	    --check-body xyzab
	for b in close eof chunked big slow slower found; do
		gwctl -q backend add "$b" "127.0.0.1:$(backend_port "$b")"
	done
	start_health
	for b in close eof chunked big slow slower found; do
		wait_for 100 passes_ge "$b" "127.0.0.1:$(backend_port "$b")" 5 ||
		    fail "$b: $(passes "$b" "127.0.0.1:$(backend_port "$b")") passes"
		no_failure "$b" "127.0.0.1:$(backend_port "$b")"
	done
	for b in chunked slow found; do
		[ "$(nconns "$b")" -eq 1 ] ||
		    fail "$b: $(nconns "$b") connections for $(nreqs "$b") requests"
	done
	for b in close eof big slower; do
		one_per_req "$b"
	done
	# The latency is that of the verdict, not of the body read after it.
	local lat
	lat=$(sed -n "s|^.* check slower/127.0.0.1:${slower_port}: passed in \([0-9]*\) us\$|\1|p" \
	    "$HEALTH_LOG" | sort -n | tail -1)
	[ "$lat" -lt 60000 ] || fail "latency $lat us"
}

@test "a changed check spec and a removed backend close the kept connection" {
	start_backend b1 -v
	fast_service web --check http
	local addr=127.0.0.1:$b1_port
	gwctl -q backend add web "$addr"
	start_health --poll 20ms
	wait_for 100 reqs_ge b1 4 /
	gwctl -q service set web --check-path /echo
	wait_for 100 reqs_ge b1 4 /echo
	# One connection for the old spec, another for the new.
	assert_equal "$(nconns b1 /)" 1
	assert_equal "$(nconns b1 /echo)" 1
	assert_equal "$(nconns b1)" 2
	no_failure web "$addr"
	gwctl -q backend rm web "$addr"
	wait_for 100 no_socket "$b1_port" || fail "$(ss -tan)"
	kill -0 "$HEALTH_PID"
}
