#!/usr/bin/env bats
# gwproxy's resilience with real backends: passive health (a dead
# backend and one answering 500 are ejected, traffic stays on the others,
# ejections grow and are capped, the DB gets the events), the panic
# threshold, retries by retry_on (reset, 5xx, timeout; idempotent
# requests only, a PUT with its body) and the four circuit breakers.

load helpers
load ../backend/backend
load proxy_helpers

setup()
{
	proxy_setup
}

teardown()
{
	proxy_teardown
}

# answer: the name of the gwbackend that answered /status (its body is
# "NAME 200 OK"), or the status code when it was not a 200.
answer()
{
	local out code

	out=$(curl -sS --max-time 3 -w '\n%{http_code}' \
	    "$(purl '/status?code=200')") || { echo "curl-failed"; return; }
	code=${out##*$'\n'}
	if [ "$code" = 200 ]; then
		echo "${out%% *}"
	else
		echo "$code"
	fi
}

# answers N: N answers, one per line.
answers()
{
	local n

	for ((n = 0; n < $1; n++)); do
		answer
	done
}

ejected_is()
{
	ctl 'show backends' | grep -q "^web 127.0.0.1:$1 .* ejected=$2\$"
}

db_has()
{
	[ "$(db_query "$1")" = "$2" ]
}

@test "passive health: a dead backend is ejected after its gateway failures, no request fails, the DB gets the ejection and its end" {
	start_backend a
	start_backend b
	web_config a b
	gwctl -q service set web --eject-gateway-failures 2 \
	    --eject-time 400ms --eject-max-time 1s
	start_proxy --workers 1 --stats-interval 50ms
	run -0 answers 4
	assert_equal "$(sort <<<"$output" | uniq -c | awk '{ print $2 $1 }' |
	    tr '\n' ' ')" "a2 b2 "
	backend_stop b
	# Each failed connect goes to a on the retry: nobody sees a failure.
	run -0 answers 10
	assert_equal "$(sort -u <<<"$output")" "a"
	ejected_is "$b_port" yes
	ejected_is "$a_port" no
	wait_for 100 db_has "SELECT from_state, to_state, reason, source FROM
	    health_transitions WHERE backend = '127.0.0.1:$b_port'" \
	    "unknown|ejected|2 consecutive gateway failures|gwproxy" ||
	    fail "no ejection in the log: $(db_query 'SELECT * FROM health_transitions')"
	run -0 db_query "SELECT e.ejections, e.until_at - e.ejected_at,
	    e.reason FROM backend_ejections e JOIN backends b ON
	    b.id = e.backend_id WHERE b.port = $b_port"
	assert_output "1|400|2 consecutive gateway failures"
	run -0 gwctl status
	assert_line --regexp '^web +2/2 +1 +0 +0 +1$'
	# The end is written, and the row goes.
	wait_for 100 db_has "SELECT count(*) FROM health_transitions WHERE
	    from_state = 'ejected' AND source = 'gwproxy'" 1 ||
	    fail "no end of the ejection: $(db_query 'SELECT * FROM health_transitions')"
	wait_for 100 db_has "SELECT count(*) FROM backend_ejections" 0 ||
	    fail "the ejection row stayed"
	ejected_is "$b_port" no
	# Still dead: ejected again at once, for twice as long.
	run -0 answers 6
	assert_equal "$(sort -u <<<"$output")" "a"
	wait_for 100 db_has "SELECT ejections, until_at - ejected_at FROM
	    backend_ejections" "2|800" ||
	    fail "second ejection: $(db_query 'SELECT * FROM backend_ejections')"
	grep -q "backend 127.0.0.1:$b_port: ejected for 800 ms (2 consecutive gateway failures; ejection 2 in a row)" \
	    "$PROXY_LOG" || fail "no log line: $(cat "$PROXY_LOG")"
}

@test "passive health: a backend answering 500 is ejected after consecutive 5xx" {
	start_backend a
	start_fake bad reply 'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
	gwctl -q service add web --eject-5xx 3 --eject-time 1m
	gwctl -q backend add web "127.0.0.1:$a_port"
	gwctl -q backend add web "127.0.0.1:$bad_port"
	gwctl -q route add all --service web
	start_proxy --workers 1 --stats-interval 50ms
	run -0 answers 20
	# Round robin: a, 500, a, 500, a, 500, then only a.
	assert_equal "$(grep -c '^500$' <<<"$output")" 3
	assert_equal "$(grep -c '^a$' <<<"$output")" 17
	ejected_is "$bad_port" yes
	wait_for 100 db_has "SELECT to_state, reason FROM health_transitions
	    WHERE source = 'gwproxy'" "ejected|3 consecutive 5xx" ||
	    fail "no ejection: $(db_query 'SELECT * FROM health_transitions')"
}

@test "passive health: a success in between resets the streak" {
	start_backend a
	gwctl -q service add web --eject-5xx 2 --eject-time 1m
	gwctl -q backend add web "127.0.0.1:$a_port"
	gwctl -q route add all --service web
	start_proxy --workers 1
	local k
	for k in 1 2 3 4 5; do
		run -0 curl -s -o /dev/null -w '%{http_code}' \
		    "$(purl '/status?code=503')"
		assert_output 503
		run -0 curl -s -o /dev/null -w '%{http_code}' \
		    "$(purl '/status?code=200')"
		assert_output 200
	done
	ejected_is "$a_port" no
}

@test "passive health: at most max_ejection_percent of a service is ejected, and the last one left serves" {
	local d1 d2
	d1=$(dead_port)
	d2=$(dead_port)
	gwctl -q service add web --eject-gateway-failures 1 --eject-time 1m \
	    --retries 0
	gwctl -q backend add web "127.0.0.1:$d1"
	gwctl -q backend add web "127.0.0.1:$d2"
	gwctl -q route add all --service web
	start_proxy --workers 1
	run -0 answers 6
	assert_equal "$(sort -u <<<"$output")" 502
	# 50% of 2: one is ejected, the other is not, and takes the requests.
	[ "$(ctl 'show backends' | grep -c 'ejected=yes$')" = 1 ] ||
	    fail "$(ctl 'show backends')"
	grep -q "not ejected (1 consecutive gateway failures): 50% of the backends are ejected already" \
	    "$PROXY_LOG" || fail "no cap line: $(cat "$PROXY_LOG")"
}

@test "passive health: thresholds of 0 turn it off" {
	local d1
	start_backend a
	d1=$(dead_port)
	gwctl -q service add web --eject-gateway-failures 0 --eject-5xx 0
	gwctl -q backend add web "127.0.0.1:$a_port"
	gwctl -q backend add web "127.0.0.1:$d1"
	gwctl -q route add all --service web
	start_proxy --workers 1
	run -0 answers 10
	assert_equal "$(sort -u <<<"$output")" "a"
	ejected_is "$d1" no
	! grep -q 'ejected for' "$PROXY_LOG"
}

@test "panic threshold: under it every enabled backend takes requests, health notwithstanding" {
	start_backend a
	start_backend b
	start_backend c
	start_backend d
	gwctl -q service add web --check tcp
	local n
	for n in a b c d; do
		gwctl -q backend add web "127.0.0.1:$(backend_port "$n")"
	done
	gwctl -q route add all --service web
	# gwhealth's verdict, written by hand: three of four are down.
	db_query "INSERT INTO backend_health (backend_id, state, since_at)
	    SELECT id, CASE WHEN port = $a_port THEN 'up' ELSE 'down' END, 0
	    FROM backends"
	start_proxy --workers 1 --poll 50ms
	run -0 answers 8
	assert_equal "$(sort -u <<<"$output")" "a"
	# 1 of 4 healthy is 25%: under a threshold of 50%, all four serve.
	gwctl -q service set web --panic-threshold 50
	wait_for 100 grep -q 'service web: panic: 1 of 4 backends healthy, under 50%' \
	    "$PROXY_LOG" || fail "no panic: $(cat "$PROXY_LOG")"
	run -0 answers 8
	assert_equal "$(sort -u <<<"$output" | tr '\n' ' ')" "a b c d "
	# At 25% exactly it is not under: back to the healthy one.
	gwctl -q service set web --panic-threshold 25
	wait_for 100 bash -c "[ \"\$(grep -c 'reload (database changed)' \
	    '$PROXY_LOG')\" -ge 2 ]" || fail "no reload"
	run -0 answers 8
	assert_equal "$(sort -u <<<"$output")" "a"
}

# put_ok: a PUT with a body through gwproxy reaches a (200, the body
# intact, as /echo reports it).
put_ok()
{
	local output

	output=$(curl -sS --max-time 3 -X PUT --data-binary 'hello, again' \
	    "$(purl /echo)") || return 1
	[ "$(json_eval 'd["backend"] + "|" + d["body"]')" = \
	    "a|hello, again" ] || { echo "got: $output" >&2; return 1; }
}

# code_of METHOD PATH: the status gwproxy answers.
code_of()
{
	curl -s --max-time 3 -o /dev/null -w '%{http_code}' -X "$1" \
	    --data-binary x "$(purl "$2")"
}

@test "retries: with reset in retry_on an idempotent request (a PUT with its body) reset by a backend goes to another, a POST does not" {
	start_fake rst reset
	start_backend a
	gwctl -q service add web --retry-on connect-failure,reset --retries 1 \
	    --eject-gateway-failures 0 --eject-5xx 0
	gwctl -q backend add web "127.0.0.1:$rst_port"
	gwctl -q backend add web "127.0.0.1:$a_port"
	gwctl -q route add all --service web
	start_proxy --workers 1
	local k codes=''
	# Round robin: every other request goes to the resetting one first.
	for k in 1 2 3 4; do
		put_ok || fail "PUT $k"
	done
	for k in 1 2 3 4; do
		codes+="$(code_of POST /echo) "
	done
	# Two of the four POSTs met the reset: 502, not sent again.
	assert_equal "$(printf '%s\n' $codes | sort | uniq -c |
	    awk '{ printf "%s:%s ", $2, $1 }')" "200:2 502:2 "
}

@test "retries: without reset in retry_on a reset is not retried" {
	start_fake rst reset
	start_backend a
	gwctl -q service add web --retry-on connect-failure --retries 1 \
	    --eject-gateway-failures 0 --eject-5xx 0
	gwctl -q backend add web "127.0.0.1:$rst_port"
	gwctl -q backend add web "127.0.0.1:$a_port"
	gwctl -q route add all --service web
	start_proxy --workers 1
	local k codes=''
	for k in 1 2 3 4; do
		codes+="$(code_of GET /echo) "
	done
	assert_equal "$(printf '%s\n' $codes | sort | uniq -c |
	    awk '{ printf "%s:%s ", $2, $1 }')" "200:2 502:2 "
}

@test "retries: with 5xx in retry_on a 5xx answer to an idempotent request is dropped and the request goes to another backend" {
	start_fake bad reply 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy'
	start_backend a
	gwctl -q service add web --retry-on 5xx --retries 1 --eject-5xx 0
	gwctl -q backend add web "127.0.0.1:$bad_port"
	gwctl -q backend add web "127.0.0.1:$a_port"
	gwctl -q route add all --service web
	start_proxy --workers 1
	local k codes=''
	for k in 1 2 3 4; do
		put_ok || fail "PUT $k"
	done
	for k in 1 2 3 4; do
		codes+="$(code_of POST /echo) "
	done
	assert_equal "$(printf '%s\n' $codes | sort | uniq -c |
	    awk '{ printf "%s:%s ", $2, $1 }')" "200:2 503:2 "
}

@test "retries: with timeout in retry_on a late response head sends an idempotent request to another backend, within the request timeout" {
	start_fake slow hang
	start_backend a
	gwctl -q service add web --retry-on timeout --retries 1 \
	    --response-timeout 200ms --request-timeout 3s \
	    --eject-gateway-failures 0 --eject-5xx 0
	gwctl -q backend add web "127.0.0.1:$slow_port"
	gwctl -q backend add web "127.0.0.1:$a_port"
	gwctl -q route add all --service web
	start_proxy --workers 1
	local k t0 t1
	t0=$(now_ms)
	for k in 1 2; do
		put_ok || fail "PUT $k"
	done
	t1=$(now_ms)
	# One of the two waited the 200 ms response timeout, not more.
	[ $((t1 - t0)) -ge 200 ] && [ $((t1 - t0)) -lt 2000 ] ||
	    fail "took $((t1 - t0)) ms"
	# Of two POSTs, the one sent to the slow backend gets a 504.
	local codes
	codes="$(code_of POST /echo) $(code_of POST /echo)"
	assert_equal "$(printf '%s\n' $codes | sort | tr '\n' ' ')" "200 504 "
	grep -q 'ejected' "$PROXY_LOG" && fail "ejected with thresholds 0"
	true
}

# metric NAME LABELS: the value of one sample on /metrics, or nothing.
metric()
{
	curl -sS --max-time 3 "http://127.0.0.1:$ADMIN_PORT/metrics" |
	    awk -v k="$1{$2}" '$1 == k { print $2 }'
}

breaker_is()
{
	[ "$(metric gwproxy_circuit_breaker_current \
	    "service=\"web\",breaker=\"$1\"")" = "$2" ]
}

# slow_request: a request held 1.5 s by the backend, in the background.
slow_request()
{
	curl -s --max-time 5 -o "$BATS_TEST_TMPDIR/slow.out" \
	    -w '%{http_code}' "$(purl '/delay?ms=1500')" \
	    >"$BATS_TEST_TMPDIR/slow.code" 3>&- &
	track_pid $!
	SLOW_PID=$!
}

@test "circuit breaker max_requests: over it a request gets 503 overloaded at once, and traffic resumes after" {
	start_backend a
	web_config a
	gwctl -q service set web --max-requests 1
	start_proxy --workers 2
	slow_request
	wait_for 100 breaker_is max_requests 1 || fail "not in flight"
	run -0 hcurl "$(purl /)"
	assert_gw_error 503 'Service Unavailable' overloaded
	wait "$SLOW_PID" || true
	assert_equal "$(cat "$BATS_TEST_TMPDIR/slow.code")" 200
	run -0 curl -sS -o /dev/null -w '%{http_code}' "$(purl /)"
	assert_output 200
	breaker_is max_requests 0
	assert_equal "$(metric gwproxy_circuit_breaker_overflows_total \
	    'service="web",breaker="max_requests"')" 1
	assert_equal "$(metric gwproxy_gateway_errors_total \
	    'service="web",code="overloaded"')" 1
}

@test "circuit breaker max_connections: a request that needs one more connection gets 503 overloaded; a pooled one serves" {
	start_backend a
	web_config a
	gwctl -q service set web --max-connections 1
	start_proxy --workers 1
	slow_request
	wait_for 100 breaker_is max_connections 1 || fail "no connection"
	run -0 hcurl "$(purl /)"
	assert_gw_error 503 'Service Unavailable' overloaded
	wait "$SLOW_PID" || true
	assert_equal "$(cat "$BATS_TEST_TMPDIR/slow.code")" 200
	# The connection went back to the pool: it serves the next ones.
	local k
	for k in 1 2 3; do
		run -0 curl -sS -o /dev/null -w '%{http_code}' "$(purl /)"
		assert_output 200
	done
	breaker_is max_connections 1
}

@test "circuit breaker max_retries: with 0 retries in flight allowed a failed connect is not retried" {
	local dead
	start_backend a
	dead=$(dead_port)
	gwctl -q service add web --retries 1 --max-retries 0 \
	    --eject-gateway-failures 0 --eject-5xx 0
	gwctl -q backend add web "127.0.0.1:$dead"
	gwctl -q backend add web "127.0.0.1:$a_port"
	gwctl -q route add all --service web
	start_proxy --workers 1
	run -0 answers 4
	assert_equal "$(printf '%s\n' $output | sort | uniq -c |
	    awk '{ printf "%s:%s ", $2, $1 }')" "502:2 a:2 "
	assert_equal "$(metric gwproxy_circuit_breaker_overflows_total \
	    'service="web",breaker="max_retries"')" 2
	gwctl -q service set web --max-retries 3
	wait_for 100 bash -c "[ \"\$(grep -c 'reload (database changed)' \
	    '$PROXY_LOG')\" -ge 1 ]" || fail "no reload"
	run -0 answers 4
	assert_equal "$(sort -u <<<"$output")" a
}
