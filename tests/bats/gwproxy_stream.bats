#!/usr/bin/env bats
# Streaming through gwproxy: the WebSocket tunnel after 101, bodies that
# flow as they come (not stored whole), and bounded buffering when the
# client does not read.

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

@test "WebSocket: the handshake and frames both ways go through the tunnel" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 gwclient ws "$PROXY_PORT" text:hello binary:70000 \
	    ping:p1 frag:ab,cd,ef binary:200 text:again close:1000
	assert_output "$(printf '%s\n' 'status 101' 'accept ok' 'text hello' \
	    'binary 70000 same' 'pong p1' 'text+ ab' 'cont+ cd' 'cont ef' \
	    'binary 200 same' 'text again' 'close 1000' eof)"
}

@test "WebSocket: the 101 keeps Upgrade, the accept key and a request id" {
	start_backend b1
	web_config b1
	start_proxy
	# RFC 6455 1.3's handshake, then a masked close frame (code 1000).
	run -0 praw 'GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\x88\x82\x01\x02\x03\x04\x02\xea'
	assert_line --index 0 "$(printf 'HTTP/1.1 101 Switching Protocols\r')"
	assert_line "$(printf 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r')"
	assert_line "$(printf 'Upgrade: websocket\r')"
	assert_line --regexp $'^Connection: [Uu]pgrade\r$'
	assert_line --regexp $'^X-Request-Id: [0-9a-f]{32}\r$'
	# The backend's close frame came back through the tunnel.
	[[ $output == *$'\x88\x02\x03\xe8' ]] ||
	    fail "no close frame 1000 at the end: $(od -c <<<"$output" | tail -3)"
}

@test "WebSocket: frames a client sends with the handshake are not lost" {
	start_backend b1
	web_config b1
	start_proxy
	# Head and a masked text frame "hi" in one write, then a close.
	run -0 praw 'GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\x81\x82\x00\x00\x00\x00hi\x88\x82\x00\x00\x00\x00\x03\xe8'
	assert_line --index 0 "$(printf 'HTTP/1.1 101 Switching Protocols\r')"
	[[ $output == *$'\x81\x02hi\x88\x02\x03\xe8' ]] ||
	    fail "the echo of hi and the close are missing"
}

@test "WebSocket: a handshake the backend refuses is a plain response" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 praw 'GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	assert_line --index 0 --partial 'HTTP/1.1 426 Upgrade Required'
	# The connection stays HTTP: the next request is answered.
	assert_line --partial 'b1 GET /after'
}

@test "a slow body reaches the client piece by piece, not at its end" {
	start_backend b1
	web_config b1
	start_proxy
	# 5 pieces 300 ms apart (1.5 s); curl stops after 1 s with what
	# it got by then: the first pieces, not nothing.
	run -28 pcurl --max-time 1 -o got \
	    "$(purl '/slowbody?n=80&piece=16&ms=300&chunked=1')"
	[ -s got ] || fail "nothing arrived before the body ended"
	pattern 80 >want
	cmp -n "$(stat -c %s got)" got want
	[ "$(stat -c %s got)" -lt 80 ] || fail "all of it came at once"
}

# rss PID: its resident set, in kB.
rss()
{
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"
}

# Under AddressSanitizer freed memory sits in a quarantine of 256 MB and
# every allocation has shadow memory: RSS says nothing about our buffers.
skip_rss_under_sanitizer()
{
	case "$GW_BIN" in
	*bin-san*) skip "RSS is not meaningful under ASan's quarantine" ;;
	esac
}

@test "a client that does not read holds gwproxy's buffers, not its memory" {
	local before max now n

	skip_rss_under_sanitizer
	start_backend b1
	web_config b1
	start_proxy --workers 1
	before=$(rss "$PROXY_PID")
	# 1 GB asked, nothing read: a socket that stays open and silent.
	python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(b"GET /bytes?n=1000000000 HTTP/1.1\r\nHost: t\r\n\r\n")
time.sleep(10)
' "$PROXY_PORT" 3>&- &
	track_pid $!
	# Watch it for a second: it must stay within 32 MB of its start.
	max=$before
	for n in $(seq 20); do
		now=$(rss "$PROXY_PID")
		[ "$now" -gt "$max" ] && max=$now
		sleep 0.05
	done
	[ $((max - before)) -lt 32768 ] ||
	    fail "RSS grew from $before kB to $max kB"
	# Others are served meanwhile.
	run -0 pcurl "$(purl /x)"
	assert_output 'b1 GET /x'
}

@test "a large upload to a backend streams with bounded memory" {
	local before after

	skip_rss_under_sanitizer
	start_backend b1
	web_config b1
	start_proxy --workers 1
	before=$(rss "$PROXY_PID")
	# 200 MB from a generator, chunked: never in a file, never whole.
	run -0 bash -c 'head -c 200000000 /dev/zero |
	    curl -sS --max-time 20 -H "Transfer-Encoding: chunked" \
	    -H "Expect:" --data-binary @- "$1"' _ "$(purl /echo)"
	assert_equal "$(json_eval 'd["body_length"]')" 200000000
	after=$(rss "$PROXY_PID")
	[ $((after - before)) -lt 32768 ] ||
	    fail "RSS grew from $before kB to $after kB"
}
