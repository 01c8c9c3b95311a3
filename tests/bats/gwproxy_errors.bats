#!/usr/bin/env bats
# gwproxy's own error responses: each code with its status, the X-Gw-Error
# header and the JSON body {"error":CODE,"status":N,"request_id":ID}, and
# what happens to the connection after it.

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

@test "no_route: 404 when no route matches; the connection stays open" {
	start_backend b1
	gwctl -q service add web
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q route add api --service web --prefix /api
	start_proxy
	run -0 hcurl "$(purl /other)"
	assert_gw_error_new_id 404 'Not Found' no_route
	# A request without a body keeps its connection after a 404.
	run -0 --separate-stderr pcurl -v "$(purl /other)" "$(purl /api/x)"
	assert_stderr --partial 'Re-using existing connection'
	assert_output --partial '"error":"no_route"'
	assert_output --partial 'b1 GET /api/x'
	# The client's request id is the one in the error.
	run -0 hcurl -H 'X-Request-Id: abc-1' "$(purl /other)"
	assert_line 'X-Request-Id: abc-1'
	assert_line '{"error":"no_route","status":404,"request_id":"abc-1"}'
}

@test "no_healthy_backend: 503 when every backend is disabled or drained" {
	start_backend b1
	start_backend b2
	web_config b1 b2
	gwctl -q backend disable web "127.0.0.1:$b1_port"
	gwctl -q backend drain web "127.0.0.1:$b2_port"
	start_proxy
	run -0 hcurl "$(purl /)"
	assert_gw_error_new_id 503 'Service Unavailable' no_healthy_backend
	# Nothing reached them.
	run -0 ctl 'show backends'
	assert_line "web 127.0.0.1:$b1_port weight=1 state=disabled health=unknown usable=no ejected=no"
	assert_line "web 127.0.0.1:$b2_port weight=1 state=drain health=unknown usable=no ejected=no"
}

@test "no_healthy_backend: 503 for a service with no backend at all" {
	gwctl -q service add empty
	gwctl -q route add all --service empty
	start_proxy
	run -0 hcurl "$(purl /)"
	assert_gw_error_new_id 503 'Service Unavailable' no_healthy_backend
}

@test "no_healthy_backend: 503 when the health in the DB says down" {
	start_backend b1
	web_config b1
	# What gwhealth writes when its checks fail.
	sqlite3 "$GW_DB" "INSERT INTO backend_health (backend_id, state,
	    since_at) SELECT id, 'down', 0 FROM backends" ||
	    fail "cannot write backend_health"
	start_proxy
	run -0 hcurl "$(purl /)"
	assert_gw_error_new_id 503 'Service Unavailable' no_healthy_backend
}

@test "upstream_connect_failed: 502 when nothing listens on the backend port" {
	local port

	port=$(dead_port)
	gwctl -q service add web
	gwctl -q backend add web "127.0.0.1:$port"
	gwctl -q route add all --service web
	start_proxy
	run -0 hcurl "$(purl /)"
	assert_gw_error_new_id 502 'Bad Gateway' upstream_connect_failed
}

@test "upstream_connect_failed: a refused connect goes to another backend" {
	local port n codes

	port=$(dead_port)
	start_backend b1
	# Passive health off: this counts what retries alone do.
	gwctl -q service add web --retries 1 --eject-gateway-failures 0 \
	    --eject-5xx 0
	gwctl -q backend add web "127.0.0.1:$port"
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q route add all --service web
	start_proxy --workers 1
	# Round robin sends every other first try to the dead port.
	# (Not $i: bats' run changes it.)
	for n in 1 2 3 4; do
		run -0 hcurl "$(purl "/r$n")"
		assert_line --index 0 'HTTP/1.1 200 OK'
		assert_line "b1 GET /r$n"
	done
	# Without a retry, the dead port's turn is a 502.
	gwctl -q service set web --retries 0
	wait_for 100 ctl_generation_is "$(db_generation)" ||
	    fail "gwproxy did not load generation $(db_generation)"
	codes=
	for n in 1 2 3 4; do
		codes+=$(pcurl -o /dev/null -w '%{http_code} ' "$(purl /)")
	done
	assert_equal "$(printf '%s\n' $codes | sort | uniq -c | xargs)" \
	    '2 200 2 502'
}

# ctl_generation_is N: gwproxy serves generation N.
ctl_generation_is()
{
	ctl 'show info' | grep -qx "generation: $1"
}

@test "upstream_reset: 502 when the backend resets before answering" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 hcurl "$(purl /reset)"
	assert_gw_error_new_id 502 'Bad Gateway' upstream_reset
}

@test "upstream_protocol_error: 502 when the backend answers garbage" {
	start_fake junk garbage
	gwctl -q service add web
	gwctl -q backend add web "127.0.0.1:$junk_port"
	gwctl -q route add all --service web
	start_proxy
	run -0 hcurl "$(purl /)"
	assert_gw_error_new_id 502 'Bad Gateway' upstream_protocol_error
}

@test "upstream_timeout: 504 after the service's request timeout" {
	local t0 ms

	start_backend b1
	gwctl -q service add web --request-timeout 300ms
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q route add all --service web
	start_proxy
	t0=$(now_ms)
	run -0 hcurl "$(purl /hang)"
	ms=$(($(now_ms) - t0))
	assert_gw_error_new_id 504 'Gateway Timeout' upstream_timeout
	[ "$ms" -ge 300 ] || fail "504 after $ms ms, before the 300 ms timeout"
	[ "$ms" -lt 2000 ] || fail "504 after $ms ms, long after 300 ms"
}

@test "upstream_timeout: a route's timeout overrides the service's" {
	local t0 ms

	start_backend b1
	gwctl -q service add web --request-timeout 10s
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q route add all --service web --timeout 200ms
	start_proxy
	t0=$(now_ms)
	run -0 hcurl "$(purl /hang)"
	ms=$(($(now_ms) - t0))
	assert_gw_error_new_id 504 'Gateway Timeout' upstream_timeout
	[ "$ms" -ge 200 ] && [ "$ms" -lt 2000 ] ||
	    fail "504 after $ms ms, not about 200 ms"
}

@test "upstream_timeout: the response head timeout, the service's and a route's" {
	local t0 ms

	start_backend b1
	gwctl -q service add web --request-timeout 10s --response-timeout 300ms
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q route add all --service web
	gwctl -q route add slow --service web --prefix /delay \
	    --response-timeout 2s
	start_proxy
	t0=$(now_ms)
	run -0 hcurl "$(purl /hang)"
	ms=$(($(now_ms) - t0))
	assert_gw_error_new_id 504 'Gateway Timeout' upstream_timeout
	[ "$ms" -ge 300 ] && [ "$ms" -lt 2000 ] ||
	    fail "504 after $ms ms, not about 300 ms"
	# The route allows 2 s: a head after 600 ms is in time.
	run -0 pcurl "$(purl '/delay?ms=600')"
	assert_output --partial 'b1 GET /delay'
	# A body that streams longer than the head timeout is not cut.
	run -0 pcurl -o /dev/null -w '%{http_code} %{size_download}' \
	    "$(purl '/slowbody?n=4000&ms=100&piece=500')"
	assert_output '200 4000'
}

@test "client_timeout: a head that never ends gets 408 and a close" {
	local t0 ms

	start_backend b1
	web_config b1
	start_proxy --header-timeout 300ms
	# Slowloris: part of a head, then silence.
	t0=$(now_ms)
	run -0 praw 'GET / HTTP/1.1\r\nHost: t\r\nX-Slow: '
	ms=$(($(now_ms) - t0))
	assert_gw_error_new_id 408 'Request Timeout' client_timeout
	assert_line "$(printf 'Connection: close\r')"
	[ "$ms" -ge 300 ] && [ "$ms" -lt 2000 ] ||
	    fail "408 after $ms ms, not about 300 ms"
}

@test "client_timeout: a connection that sends nothing is closed" {
	start_backend b1
	web_config b1
	start_proxy --header-timeout 200ms
	# Exit 0: gwproxy closed it within client.py's bound.
	run -0 gwclient --timeout 3 raw "$PROXY_PORT" </dev/null
}

@test "the idle timeout closes a keep-alive connection without a word" {
	start_backend b1
	web_config b1
	start_proxy --idle-timeout 200ms
	run -0 gwclient --timeout 3 raw "$PROXY_PORT" \
	    < <(printf 'GET / HTTP/1.1\r\nHost: t\r\n\r\n')
	assert_line --index 0 "$(printf 'HTTP/1.1 200 OK\r')"
	refute_output --partial 'Connection: close'
	refute_output --partial 'HTTP/1.1 408'
}

# bad REQUEST-FMT: praw gets a 400 bad_request, a close, and nothing of
# the request after it is answered.
bad()
{
	run -0 praw "$1GET /never HTTP/1.1\r\nHost: t\r\n\r\n"
	assert_gw_error_new_id 400 'Bad Request' bad_request
	assert_line "$(printf 'Connection: close\r')"
	refute_output --partial 'never'
	refute_output --partial 'b1 '
}

@test "bad_request: a space before the colon" {
	start_backend b1
	web_config b1
	start_proxy
	bad 'GET / HTTP/1.1\r\nHost: t\r\nX-Bad : v\r\n\r\n'
}

@test "bad_request: obs-fold" {
	start_backend b1
	web_config b1
	start_proxy
	bad 'GET / HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n  b\r\n\r\n'
}

@test "bad_request: Content-Length with Transfer-Encoding" {
	start_backend b1
	web_config b1
	start_proxy
	bad 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
}

@test "bad_request: two Host headers" {
	start_backend b1
	web_config b1
	start_proxy
	bad 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
}

@test "bad_request: no Host on HTTP/1.1" {
	start_backend b1
	web_config b1
	start_proxy
	bad 'GET / HTTP/1.1\r\nX-Other: 1\r\n\r\n'
}

@test "bad_request: differing Content-Lengths, a bad one, a non-final chunked" {
	start_backend b1
	web_config b1
	start_proxy
	bad 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'
	bad 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3x\r\n\r\nabc'
	bad 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'
}

@test "bad_request: control characters and bare LF" {
	start_backend b1
	web_config b1
	start_proxy
	bad 'GET / HTTP/1.1\r\nHost: t\r\nX-Ctl: a\001b\r\n\r\n'
	bad 'GET / HTTP/1.1\nHost: t\n\n'
}

@test "bad_request: a malformed chunked body after the head" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 praw 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'
	# The head went up already: gwproxy answers 400 unless the backend
	# answered first; either way the connection closes.
	assert_line --index 0 --regexp '^HTTP/1.1 400 Bad Request'
	assert_line "$(printf 'Connection: close\r')"
}

@test "too_large: a request line over 8 KiB is 414" {
	start_backend b1
	web_config b1
	start_proxy
	python3 -c 'import sys
sys.stdout.write("GET /" + "a" * 9000 + " HTTP/1.1\r\nHost: t\r\n\r\n")' >req
	run -0 gwclient raw "$PROXY_PORT" <req
	assert_gw_error_new_id 414 'URI Too Long' too_large
	assert_line "$(printf 'Connection: close\r')"
}

@test "too_large: a head over 64 KiB or 100 fields is 431" {
	start_backend b1
	web_config b1
	start_proxy
	python3 -c 'import sys
sys.stdout.write("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "a" * 70000 +
    "\r\n\r\n")' >req
	# Exit 0 or 4: a close or a reset after the answer (see the test of
	# the lingering close below).
	run gwclient raw "$PROXY_PORT" <req
	[ "$status" -eq 0 ] || [ "$status" -eq 4 ] ||
	    fail "gwclient exited $status: $output"
	assert_gw_error_new_id 431 'Request Header Fields Too Large' too_large
	assert_line "$(printf 'Connection: close\r')"
	python3 -c 'import sys
sys.stdout.write("GET / HTTP/1.1\r\nHost: t\r\n" +
    "".join("X-H%d: v\r\n" % i for i in range(100)) + "\r\n")' >req
	run -0 gwclient raw "$PROXY_PORT" <req
	assert_gw_error_new_id 431 'Request Header Fields Too Large' too_large
	# 100 field lines pass (the backend's own limit, also 100, then
	# refuses them with the 4 fields gwproxy adds: its 431 is not ours).
	python3 -c 'import sys
sys.stdout.write("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" +
    "".join("X-H%d: v\r\n" % i for i in range(98)) + "\r\n")' >req
	run -0 gwclient raw "$PROXY_PORT" <req
	assert_line "$(printf 'X-Backend: b1\r')"
	refute_line --partial 'X-Gw-Error'
	# A 64 KiB head passes too.
	python3 -c 'import sys
head = "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\nX-Big: "
sys.stdout.write(head + "a" * (60000 - len(head)) + "\r\n\r\n")' >req
	run -0 gwclient raw "$PROXY_PORT" <req
	assert_line --index 0 "$(printf 'HTTP/1.1 200 OK\r')"
}

@test "an error with request bytes unread ends with a FIN, not a RST" {
	start_backend b1
	web_config b1
	start_proxy
	# RFC 9112 9.6: close the write side, then read (and drop) what the
	# client still sends, so a reset cannot destroy the answer.
	python3 -c 'import sys
sys.stdout.write("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "a" * 200000 +
    "\r\n\r\n")' >req
	run -0 gwclient raw "$PROXY_PORT" <req
	assert_gw_error_new_id 431 'Request Header Fields Too Large' too_large
}

@test "every error cause is one the man page lists in DIAGNOSTICS" {
	local man=$BATS_TEST_DIRNAME/../../man/gwproxy.8

	[ -f "$man" ] || fail "no man/gwproxy.8"
	run -0 sed -n '/^\.Sh DIAGNOSTICS/,/^\.Sh /p' "$man"
	assert_line '.It Cm no_route Pq 404'
	assert_line '.It Cm no_healthy_backend Pq 503'
	assert_line '.It Cm upstream_connect_failed Pq 502'
	assert_line '.It Cm upstream_reset Pq 502'
	assert_line '.It Cm upstream_protocol_error Pq 502'
	assert_line '.It Cm upstream_timeout Pq 504'
	assert_line '.It Cm client_timeout Pq 408'
	assert_line --regexp '^\.It Cm bad_request Pq 400'
	assert_line --regexp '^\.It Cm too_large Pq (431, 414|414, 431)$'
}

@test "client_timeout: a head trickled a byte at a time still times out" {
	local ms

	start_backend b1
	web_config b1
	start_proxy --header-timeout 300ms
	# A byte every 20 ms: the deadline is for the whole head, not a byte.
	run -0 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
t0 = time.monotonic()
s.setblocking(False)
data = b""
for c in b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 200:
    try:
        s.send(bytes([c]))
    except OSError:
        break
    time.sleep(0.02)
    try:
        b = s.recv(65536)
        if not b:
            break
        data += b
    except BlockingIOError:
        pass
    if b"\r\n\r\n" in data and data.endswith(b"}\n"):
        break
print(int((time.monotonic() - t0) * 1000))
sys.stdout.write(data.decode())' "$PROXY_PORT"
	ms=${lines[0]}
	output=$(printf '%s\n' "${lines[@]:1}")
	assert_gw_error_new_id 408 'Request Timeout' client_timeout
	[ "$ms" -ge 300 ] && [ "$ms" -lt 2000 ] ||
	    fail "408 after $ms ms, not about 300 ms"
}

@test "client_timeout is for the head: a slow upload body is not cut by it" {
	start_backend b1
	web_config b1
	start_proxy --header-timeout 200ms
	# The body takes about 600 ms, in 6 pieces.
	run -0 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 60\r\nConnection: close\r\n\r\n")
for i in range(6):
    time.sleep(0.1)
    s.sendall(b"0123456789")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
sys.stdout.write(data.decode())' "$PROXY_PORT"
	assert_line --index 0 "$(printf 'HTTP/1.1 200 OK\r')"
	assert_output --partial '"body_length":60'
}

@test "upstream_timeout: after a 504 the client connection serves the next request" {
	start_backend b1
	gwctl -q service add web --request-timeout 200ms
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q route add all --service web
	start_proxy
	run -0 --separate-stderr pcurl -v "$(purl /hang)" "$(purl /next)"
	assert_output --partial '"error":"upstream_timeout"'
	assert_output --partial 'b1 GET /next'
	assert_stderr --partial 'Re-using existing connection'
}

@test "upstream_timeout: a body still streaming at the deadline is cut by a close" {
	local t0 ms

	start_backend b1
	gwctl -q service add web --request-timeout 400ms
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q route add all --service web
	start_proxy
	t0=$(now_ms)
	# 200 bytes, 16 every 100 ms: 1.2 s, more than the 400 ms allowed.
	run -18 pcurl -D head -o got "$(purl '/slowbody?n=200&ms=100&piece=16')"
	ms=$(($(now_ms) - t0))
	run -0 tr -d '\r' <head
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line 'Content-Length: 200'
	[ "$(stat -c %s got)" -lt 200 ] || fail "the whole body came"
	[ "$ms" -ge 400 ] && [ "$ms" -lt 2000 ] ||
	    fail "cut after $ms ms, not about 400 ms"
}

# set_health STATE: what gwhealth writes for every backend.
set_health()
{
	sqlite3 "$GW_DB" "INSERT INTO backend_health (backend_id, state,
	    since_at) SELECT id, '$1', 0 FROM backends WHERE true
	    ON CONFLICT (backend_id) DO UPDATE SET state = excluded.state" ||
	    fail "cannot write backend_health"
}

# status_is PATH CODE
status_is()
{
	[ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' \
	    "$(purl "$1")")" = "$2" ]
}

@test "no_healthy_backend follows the health in the DB, live" {
	start_backend b1
	gwctl -q service add web --check-initial down
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q route add all --service web
	start_proxy --poll 50ms
	# Not checked yet, and the service says: down until checked.
	run -0 hcurl "$(purl /)"
	assert_gw_error_new_id 503 'Service Unavailable' no_healthy_backend
	set_health up
	wait_for 100 status_is / 200 || fail "health up not applied"
	set_health down
	wait_for 100 status_is / 503 || fail "health down not applied"
	# A service without checks ignores the health.
	gwctl -q service set web --check none
	wait_for 100 status_is / 200 || fail "--check none not applied"
}

# fake_route N REPLY: a fake backend answering REPLY, service sN, route
# /pN to it.
fake_route()
{
	start_fake "f$1" reply "$2"
	gwctl -q service add "s$1" --retries 0
	gwctl -q backend add "s$1" "127.0.0.1:$(eval echo "\$f${1}_port")"
	gwctl -q route add "r$1" --service "s$1" --path "/p$1"
}

@test "upstream_protocol_error: ambiguous or malformed response heads" {
	fake_route 1 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
	fake_route 2 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'
	fake_route 3 'HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n'
	fake_route 4 'HTTP/1.1 200 OK\r\nX-Bad : v\r\nContent-Length: 0\r\n\r\n'
	fake_route 5 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc'
	fake_route 6 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok'
	start_proxy --workers 1
	for n in 1 2 3 4 5 6; do
		run -0 hcurl "$(purl "/p$n")"
		assert_gw_error_new_id 502 'Bad Gateway' upstream_protocol_error
	done
}

@test "interim responses (103) are relayed before the final one" {
	fake_route 1 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
	start_proxy
	run -0 praw 'GET /p1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	tr -d '\r' <<<"$output" >got
	run -0 grep -v '^X-Request-Id: ' got
	assert_output "$(printf '%s\n' 'HTTP/1.1 103 Early Hints' \
	    'Link: </a.css>; rel=preload' '' 'HTTP/1.1 200 OK' \
	    'Content-Length: 2' 'Connection: close' '' ok)"
}

@test "a body cut short by the backend is cut short to the client (a close)" {
	fake_route 1 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'
	start_proxy
	run -18 --separate-stderr pcurl "$(purl /p1)"
	assert_output 'short'
	assert_stderr 'curl: (18) transfer closed with 5 bytes remaining to read'
}

@test "upstream_protocol_error: a 101 the client did not ask for" {
	fake_route 1 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: upgrade\r\n\r\nrawbytes'
	start_proxy
	# RFC 9110 15.2.2: no switch to a protocol the client did not ask
	# for.  Not relayed as an interim answer: one 502, nothing else.
	run -0 praw 'GET /p1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	assert_gw_error_new_id 502 'Bad Gateway' upstream_protocol_error
	refute_output --partial '101'
}

@test "an answer before the upload ends reaches the client, then a close" {
	fake_route 1 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 6\r\n\r\nnope!\n'
	start_proxy
	# Big enough that the answer (sent right after the head) always
	# comes before the upload could end: then the connection must close.
	head -c 30000000 /dev/zero >big
	run -0 hcurl -H 'Expect:' --data-binary @big "$(purl /p1)"
	assert_line --index 0 'HTTP/1.1 401 Unauthorized'
	assert_line 'Connection: close'
	assert_equal "$(resp_body)" 'nope!'
}
