#!/usr/bin/env bats
# gwbackend, the test backend the gwproxy tests stand on: its command line,
# every endpoint, keep-alive, pipelining, chunked uploads, 100-continue and
# the WebSocket echo, tested directly with curl and tests/backend/client.py.

load helpers
load ../backend/backend

setup()
{
	cd "$BATS_TEST_TMPDIR" || fail "cannot cd to $BATS_TEST_TMPDIR"
}

teardown()
{
	backend_stop_all
}

# curl, bounded, errors on stderr.
bcurl()
{
	curl -sS --max-time 10 "$@"
}

# curl -i with the CRs of the head removed, so assert_line can match.
hcurl()
(
	set -o pipefail
	curl -sS --max-time 10 -i "$@" | tr -d '\r'
)

# raw PORT FMT...: sends the printf formats, joined, in one write and
# prints what comes back until the backend closes.
raw()
{
	local port=$1 fmt

	shift
	fmt=$(printf '%s' "$@")
	# shellcheck disable=SC2059
	printf "$fmt" >req || fail "cannot write req"
	gwclient raw "$port" <req
}

@test "-h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr "$GWBACKEND" -h
	assert_line --index 0 'usage: gwbackend [-hv] [--listen addr:port]... [--name name] [--port-file path]'
	assert_equal "$stderr" ''
}

@test "usage errors exit 2 and name the bad value" {
	run -2 --separate-stderr "$GWBACKEND" --bogus
	assert_output ''
	assert_stderr_line --partial 'usage: gwbackend'
	run -2 --separate-stderr "$GWBACKEND" --listen 127.0.0.1
	assert_stderr_line 'gwbackend: invalid --listen "127.0.0.1": missing port'
	run -2 --separate-stderr "$GWBACKEND" --name 'a b'
	assert_stderr_line --partial 'gwbackend: invalid --name "a b": '
	run -2 --separate-stderr "$GWBACKEND" --idle-timeout -1
	assert_stderr_line 'gwbackend: invalid --idle-timeout "-1": too small'
	run -2 --separate-stderr "$GWBACKEND" extra
	assert_stderr_line 'gwbackend: unexpected argument "extra"'
}

@test "binds an ephemeral port, reports it, exits 0 on SIGTERM and SIGINT" {
	local pid port sig

	for sig in TERM INT; do
		rm -f port
		# Not through backend_start: this is the default name.
		"$GWBACKEND" --port-file port >out 2>err 3>&- &
		pid=$!
		wait_for 200 test -s port || fail "no port file"
		port=$(cat port)
		[ "$port" -gt 0 ]
		assert_equal "$(cat out)" "listening on 127.0.0.1:$port"
		run -0 bcurl "http://127.0.0.1:$port/"
		assert_output 'backend GET /'
		kill "-$sig" "$pid"
		status=0
		wait "$pid" || status=$?
		assert_equal "$status" 0
		assert_equal "$(cat err)" ''
		# Only the final name is left behind.
		run -0 ls
		refute_output --partial port.tmp
	done
}

@test "listens on several addresses, IPv6 included" {
	grep -q '^0*1 ' /proc/net/if_inet6 2>/dev/null ||
	    skip "no IPv6 loopback"
	backend_start b1 --listen 127.0.0.1:0 --listen '[::1]:0'
	run -0 cat backend.b1/stdout
	assert_line --index 0 "listening on 127.0.0.1:$(backend_port b1 1)"
	assert_line --index 1 "listening on [::1]:$(backend_port b1 2)"
	run -0 bcurl -g "http://[::1]:$(backend_port b1 2)/six"
	assert_output 'b1 GET /six'
	run -0 bcurl "http://127.0.0.1:$(backend_port b1 1)/four"
	assert_output 'b1 GET /four'
}

@test "the default answer names the backend, the method and the target" {
	backend_start b1
	run -0 hcurl "$(backend_url b1 '/some/path?x=1')"
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line 'X-Backend: b1'
	assert_line 'Content-Length: 22'
	assert_line 'b1 GET /some/path?x=1'
	run -0 bcurl -X DELETE "$(backend_url b1 /thing)"
	assert_output 'b1 DELETE /thing'
}

@test "HEAD gets the headers of GET and no body" {
	backend_start b1
	run -0 raw "$(backend_port b1)" \
	    'HEAD /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	assert_output "$(printf '%s\r\n' 'HTTP/1.1 200 OK' 'X-Backend: b1' \
	    'Content-Type: text/plain' 'Content-Length: 11' 'Connection: close' \
	    '')"
	run -0 raw "$(backend_port b1)" \
	    'HEAD /bytes?n=100 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	assert_line --partial 'Content-Length: 100'
	refute_output --partial abc
}

@test "/echo returns the request as received" {
	backend_start b1
	run -0 bcurl -H 'X-One: 1' -H 'X-Two: two  words' -d 'hello world' \
	    "$(backend_url b1 '/echo?a=b')"
	# One python3 run per question is slow: ask several at once.
	assert_equal "$(json_eval '[d[k] for k in ("backend", "method",
	    "target", "path", "version", "body_length", "body", "trailers")]')" \
	    '["b1", "POST", "/echo?a=b", "/echo", "HTTP/1.1", 11, "hello world", []]'
	assert_regex "$(json_eval 'd["peer"]')" '^127\.0\.0\.1:[0-9]+$'
	assert_equal "$(json_eval '[h[0] for h in d["headers"]]')" \
	    '["Host", "User-Agent", "Accept", "X-One", "X-Two", "Content-Length", "Content-Type"]'
	assert_equal "$(json_eval '[h for h in d["headers"] if h[0][:2] == "X-"]')" \
	    '[["X-One", "1"], ["X-Two", "two  words"]]'
	printf 'hello world' >body
	assert_equal "$(json_eval 'd["body_fnv1a64"]')" "$(backend_fnv1a body)"
}

@test "/echo receives a chunked upload intact" {
	backend_start b1
	head -c 300000 /dev/urandom >up
	run -0 bcurl -H 'Transfer-Encoding: chunked' --data-binary @up \
	    "$(backend_url b1 /echo)"
	assert_equal "$(json_eval 'd["body_length"]')" 300000
	assert_equal "$(json_eval 'd["body_fnv1a64"]')" "$(backend_fnv1a up)"
	assert_equal "$(json_eval 'd["body"]')" null
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "Transfer-Encoding"]')" \
	    '["chunked"]'
}

@test "/echo reports the trailers of a chunked body" {
	backend_start b1
	run -0 raw "$(backend_port b1)" \
	    'POST /echo HTTP/1.1\r\nHost: t\r\n' \
	    'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n' \
	    '5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n'
	output=${lines[-1]}
	assert_equal "$(json_eval 'd["body"]')" 'hello world'
	assert_equal "$(json_eval 'd["trailers"]')" '[["X-Trailer", "yes"]]'
}

@test "Expect: 100-continue gets 100 Continue before the body is sent" {
	backend_start b1
	# The client sends the body only after the interim response.
	run -0 gwclient continue "$(backend_port b1)" /echo 'the body'
	assert_line --index 0 'interim: HTTP/1.1 100 Continue'
	assert_line --index 1 --partial 'HTTP/1.1 200 OK'
	assert_output --partial '"body":"the body"'
	run -0 --separate-stderr bcurl -v -H 'Expect: 100-continue' -d x \
	    "$(backend_url b1 /echo)"
	assert_stderr --partial '< HTTP/1.1 100 Continue'
}

@test "/bytes sends n bytes of the pattern with Content-Length" {
	backend_start b1
	run -0 hcurl "$(backend_url b1 '/bytes?n=30')"
	assert_line 'Content-Length: 30'
	assert_line abcdefghijklmnopqrstuvwxyzabcd
	bcurl -o got "$(backend_url b1 '/bytes?n=1000000')"
	backend_pattern 1000000 >want
	cmp got want
	run -0 hcurl "$(backend_url b1 '/bytes?n=0')"
	assert_line 'Content-Length: 0'
	run -0 bcurl "$(backend_url b1 /bytes)"
	assert_output 'b1: parameter n: missing'
	run -0 hcurl "$(backend_url b1 '/bytes?n=x')"
	assert_line --index 0 'HTTP/1.1 400 Bad Request'
	assert_line 'b1: parameter n: invalid'
}

@test "/bytes?chunked=1 sends chunks of piece bytes" {
	backend_start b1
	run -0 bcurl --raw -D head "$(backend_url b1 '/bytes?n=30&chunked=1&piece=7')"
	assert_output "$(printf '%s\r\n' 7 abcdefg 7 hijklmn 7 opqrstu 7 vwxyzab \
	    2 cd 0 '')"
	run -0 tr -d '\r' <head
	assert_line 'Transfer-Encoding: chunked'
	refute_line --partial 'Content-Length'
	bcurl -o got "$(backend_url b1 '/bytes?n=500000&chunked=1')"
	backend_pattern 500000 >want
	cmp got want
}

@test "/bytes?close=1 ends the body by closing the connection" {
	backend_start b1
	bcurl -D head -o got "$(backend_url b1 '/bytes?n=200000&close=1')"
	backend_pattern 200000 >want
	cmp got want
	run -0 tr -d '\r' <head
	assert_line 'Connection: close'
	refute_line --partial 'Content-Length'
	refute_line --partial 'Transfer-Encoding'
}

@test "chunked=1 to an HTTP/1.0 client is delimited by close" {
	backend_start b1
	bcurl -0 -D head -o got "$(backend_url b1 '/bytes?n=5000&chunked=1')"
	backend_pattern 5000 >want
	cmp got want
	run -0 tr -d '\r' <head
	assert_line 'Connection: close'
	refute_line --partial 'Transfer-Encoding'
}

@test "keep-alive: two requests share one connection, -v logs each" {
	backend_start b1 -v
	run -0 --separate-stderr bcurl -v "$(backend_url b1 /one)" \
	    "$(backend_url b1 /two)"
	assert_output "$(printf 'b1 GET /one\nb1 GET /two')"
	assert_stderr --partial 'Re-using existing connection'
	# The backend saw both on one connection: one peer address.
	run -0 cat backend.b1/stderr
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[0]}" '^b1 127\.0\.0\.1:[0-9]+ GET /one 200$'
	assert_equal "${lines[1]}" "${lines[0]%/one 200}/two 200"
}

@test "nothing is logged without -v" {
	backend_start b1
	run -0 bcurl "$(backend_url b1 /)"
	run -0 bcurl "$(backend_url b1 '/status?code=500')"
	assert_equal "$(cat backend.b1/stderr)" ''
}

@test "HTTP/1.0 keeps the connection only when asked" {
	backend_start b1
	run -0 hcurl -0 "$(backend_url b1 /)"
	assert_line 'Connection: close'
	run -0 hcurl -0 -H 'Connection: keep-alive' "$(backend_url b1 /)"
	assert_line 'Connection: keep-alive'
}

@test "pipelined requests are answered in order" {
	backend_start b1
	# One write; the first answer is the slowest.
	run -0 raw "$(backend_port b1)" \
	    'GET /delay?ms=100 HTTP/1.1\r\nHost: t\r\n\r\n' \
	    'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc' \
	    'GET /bytes?n=5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	tr -d '\r' <<<"$output" >got
	run -0 grep -c '^HTTP/1.1 200 OK' got
	assert_output 3
	run -0 grep -o -e '^b1 GET /delay?ms=100' -e '"body":"abc"' \
	    -e '^abcde$' got
	assert_output "$(printf 'b1 GET /delay?ms=100\n"body":"abc"\nabcde')"
}

@test "close=1 makes the answer the last on its connection" {
	backend_start b1
	run -0 raw "$(backend_port b1)" \
	    'GET /?close=1 HTTP/1.1\r\nHost: t\r\n\r\n' \
	    'GET /never HTTP/1.1\r\nHost: t\r\n\r\n'
	assert_line --partial 'Connection: close'
	assert_line --partial 'b1 GET /?close=1'
	refute_output --partial never
}

@test "--idle-timeout closes idle keep-alive connections without a word" {
	backend_start b1 --idle-timeout 100
	# Exit 0: the backend closed the connection (within client.py's bound).
	run -0 raw "$(backend_port b1)" 'GET / HTTP/1.1\r\nHost: t\r\n\r\n'
	assert_line --index 0 --partial 'HTTP/1.1 200 OK'
	refute_output --partial 'Connection: close'
	assert_line --partial 'b1 GET /'
}

@test "/delay answers after ms milliseconds" {
	local t0

	backend_start b1
	t0=$(now_ms)
	run -0 bcurl "$(backend_url b1 '/delay?ms=300')"
	assert_output 'b1 GET /delay?ms=300'
	[ $(($(now_ms) - t0)) -ge 300 ]
	run -0 bcurl "$(backend_url b1 /delay)"
	assert_output 'b1: parameter ms: missing'
}

@test "/hang never answers and leaves the connection open" {
	backend_start b1
	printf 'GET /hang HTTP/1.1\r\nHost: t\r\n\r\n' >req
	# Exit 3: client.py's bound ran out with nothing received, no close.
	run -3 gwclient --timeout 0.3 raw "$(backend_port b1)" <req
	assert_output ''
	run -28 bcurl --max-time 0.3 "$(backend_url b1 /hang)"
	# Others are still served.
	run -0 bcurl "$(backend_url b1 /)"
	assert_output 'b1 GET /'
}

@test "/status answers with the status asked" {
	backend_start b1
	run -0 hcurl "$(backend_url b1 '/status?code=503')"
	assert_line --index 0 'HTTP/1.1 503 Service Unavailable'
	assert_line 'X-Backend: b1'
	assert_line 'b1 503 Service Unavailable'
	for code in 204 304; do
		reason='No Content'
		[ "$code" = 204 ] || reason='Not Modified'
		run -0 raw "$(backend_port b1)" \
		    "GET /status?code=$code HTTP/1.1\r\nHost: t\r\n" \
		    'Connection: close\r\n\r\n'
		# No Content-Length, no body.
		assert_output "$(printf '%s\r\n' "HTTP/1.1 $code $reason" \
		    'X-Backend: b1' 'Connection: close' '')"
	done
	run -0 bcurl "$(backend_url b1 '/status?code=99')"
	assert_output 'b1: parameter code: too small'
	run -0 bcurl "$(backend_url b1 '/status?code=600')"
	assert_output 'b1: parameter code: too large'
}

@test "/reset closes the connection with a RST" {
	backend_start b1
	run -56 --separate-stderr bcurl "$(backend_url b1 /reset)"
	assert_stderr --partial 'Connection reset by peer'
	printf 'GET /reset HTTP/1.1\r\nHost: t\r\n\r\n' >req
	run -4 gwclient raw "$(backend_port b1)" <req
	assert_output ''
}

@test "/headers adds response headers" {
	backend_start b1
	run -0 hcurl "$(backend_url b1 '/headers?h=Connection:X-Foo&h=X-Foo:bar&h=X-Sp:%20a%20b')"
	assert_line 'Connection: X-Foo'
	assert_line 'X-Foo: bar'
	assert_line 'X-Sp: a b'
	assert_line 'X-Backend: b1'
	run -0 bcurl "$(backend_url b1 '/headers?h=bad')"
	assert_output 'b1: parameter h: want Name:Value'
	run -0 bcurl "$(backend_url b1 '/headers?h=Bad%20Name:x')"
	assert_output 'b1: parameter h: want Name:Value'
	# A Content-Length given so replaces ours: a backend that lies.
	run -0 raw "$(backend_port b1)" \
	    'GET /headers?h=Content-Length:3 HTTP/1.1\r\n' \
	    'Host: t\r\nConnection: close\r\n\r\n'
	run -0 grep -c '^Content-Length' <<<"$output"
	assert_output 1
}

@test "/slowbody sends its body in pieces over time" {
	local t0

	backend_start b1
	t0=$(now_ms)
	run -0 bcurl --raw "$(backend_url b1 '/slowbody?n=40&ms=50&piece=16&chunked=1')"
	assert_output "$(printf '%s\r\n' 10 abcdefghijklmnop 10 qrstuvwxyzabcdef \
	    8 ghijklmn 0 '')"
	# Three pieces, one every 50 ms.
	[ $(($(now_ms) - t0)) -ge 150 ]
	run -0 hcurl "$(backend_url b1 '/slowbody?n=40&ms=1')"
	assert_line 'Content-Length: 40'
	assert_line "$(backend_pattern 40)"
}

@test "/ws echoes text and binary frames, answers ping and close" {
	backend_start b1
	run -0 gwclient ws "$(backend_port b1)" text:hello binary:70000 \
	    ping:p1 frag:ab,cd,ef binary:200 text:again close:1000
	assert_output "$(printf '%s\n' 'status 101' 'accept ok' 'text hello' \
	    'binary 70000 same' 'pong p1' 'text+ ab' 'cont+ cd' 'cont ef' \
	    'binary 200 same' 'text again' 'close 1000' eof)"
}

@test "/ws computes the accept value of RFC 6455's example" {
	backend_start b1
	# The handshake of RFC 6455 1.3, then a masked close frame.
	run -0 raw "$(backend_port b1)" \
	    'GET /ws HTTP/1.1\r\nHost: t\r\n' \
	    'Upgrade: websocket\r\nConnection: Upgrade\r\n' \
	    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' \
	    'Sec-WebSocket-Version: 13\r\n\r\n' \
	    '\x88\x80\x01\x02\x03\x04'
	assert_line --index 0 "$(printf 'HTTP/1.1 101 Switching Protocols\r')"
	assert_line "$(printf 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r')"
	assert_line "$(printf 'X-Backend: b1\r')"
}

@test "/ws refuses bad handshakes and frames" {
	backend_start b1
	run -0 hcurl "$(backend_url b1 /ws)"
	assert_line --index 0 'HTTP/1.1 400 Bad Request'
	assert_line 'b1: not a WebSocket handshake'
	run -0 raw "$(backend_port b1)" \
	    'GET /ws HTTP/1.1\r\nHost: t\r\n' \
	    'Upgrade: websocket\r\nConnection: Upgrade\r\n' \
	    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' \
	    'Sec-WebSocket-Version: 8\r\nConnection: close\r\n\r\n'
	assert_line --index 0 --partial 'HTTP/1.1 426 Upgrade Required'
	assert_line --partial 'Sec-WebSocket-Version: 13'
	# Client frames must be masked (RFC 6455 5.1): 1002, then the close.
	run -0 gwclient ws "$(backend_port b1)" unmasked:x
	assert_output "$(printf '%s\n' 'status 101' 'accept ok' 'close 1002')"
}

@test "malformed and oversized requests get 400 or 431, then a close" {
	backend_start b1
	run -0 raw "$(backend_port b1)" \
	    'GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n' \
	    'GET /never HTTP/1.1\r\n\r\n'
	assert_line --index 0 --partial 'HTTP/1.1 400 Bad Request'
	assert_line --partial 'Connection: close'
	refute_output --partial never
	python3 -c 'import sys
sys.stdout.write("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "a" * 70000 +
    "\r\n\r\n")' >req
	run -0 gwclient raw "$(backend_port b1)" <req
	assert_line --index 0 --partial 'HTTP/1.1 431 Request Header Fields Too Large'
	assert_line --partial 'b1: request head too large'
}
