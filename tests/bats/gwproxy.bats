#!/usr/bin/env bats
# gwproxy with real processes: its command line, requests through it with
# curl and raw bytes, keep-alive, pipelining, request hygiene as the
# backend sees it, 100-continue and bodiless responses.  Errors it makes
# are in gwproxy_errors.bats, routing in gwproxy_routes.bats, streaming in
# gwproxy_stream.bats, reloads, signals and the control socket in
# gwproxy_lifecycle.bats.

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

@test "-n prints configuration OK and exits 0 without serving" {
	start_backend b1
	web_config b1
	run -0 --separate-stderr "$GWPROXY" -n
	assert_output 'configuration OK'
	assert_equal "$stderr" ''
	# No socket left behind: it never served.
	[ ! -e gwproxy.sock ]
}

@test "-n exits 1 on a database that is not one, or has a bad config" {
	echo 'not a database' >bad.db
	run -1 --separate-stderr "$GWPROXY" -n --db bad.db
	assert_output ''
	assert_stderr 'gwproxy: bad.db: file is not a database'
	run -1 --separate-stderr "$GWPROXY" -n --db nothere.db
	assert_stderr "gwproxy: nothere.db: no such database; run 'gwctl init' to create it"
	[ ! -e nothere.db ]
	# A route whose regex does not compile, written by hand.
	gwctl -q service add web
	sqlite3 "$GW_DB" "INSERT INTO routes (name, path_type, path,
	    service_id) VALUES ('broken', 'regex', '^/(unclosed',
	    (SELECT id FROM services WHERE name = 'web'))" ||
	    fail "cannot insert the route"
	run -1 --separate-stderr "$GWPROXY" -n
	assert_output ''
	assert_stderr --partial "gwproxy: $GW_DB: configuration rejected: "
	assert_stderr --partial 'regex "^/(unclosed" does not compile: '
	# The same refusal stops a start.
	run -1 --separate-stderr "$GWPROXY" --listen 127.0.0.1:0 \
	    --control off
	assert_stderr --partial "gwproxy: $GW_DB: configuration rejected: "
}

@test "a rejected configuration names the object at fault, as gwctl does" {
	gwctl -q service add web
	sqlite3 "$GW_DB" "INSERT INTO routes (name, path_type, path,
	    service_id) VALUES ('broken', 'regex', '^/(unclosed',
	    (SELECT id FROM services WHERE name = 'web'))" ||
	    fail "cannot insert the route"
	# gwctl says: route "broken": regex "^/(unclosed" does not compile: ...
	run -1 --separate-stderr "$GWPROXY" -n
	assert_stderr --regexp "^gwproxy: $GW_DB: configuration rejected: 1 problems, first: route \"broken\": regex \"\^/\(unclosed\" does not compile: .+\$"
}

@test "usage errors exit 2 or 1 and say what is wrong" {
	run -2 --separate-stderr "$GWPROXY"
	assert_stderr_line --index 0 'gwproxy: missing --listen'
	assert_stderr_line --partial 'usage: gwproxy'
	run -2 --separate-stderr "$GWPROXY" --listen 127.0.0.1:0 --bogus
	assert_stderr_line --index 0 'gwproxy: unknown option --bogus'
	run -1 --separate-stderr "$GWPROXY" --listen 127.0.0.1:0 \
	    --header-timeout soon
	assert_stderr_line --index 0 --partial \
	    'gwproxy: invalid --header-timeout "soon": '
	run -1 --separate-stderr "$GWPROXY" --listen localhost:0
	assert_stderr_line --index 0 --partial 'gwproxy: invalid --listen "localhost:0"'
	run -0 "$GWPROXY" --version
	assert_output --regexp '^gwproxy [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "start-up logs the ports, the control socket and the generation" {
	start_backend b1
	web_config b1
	start_proxy --workers 2
	[ "$PROXY_PORT" -gt 0 ] && [ "$ADMIN_PORT" -gt 0 ]
	run -0 sed 's/^[^ ]* gwproxy //' "$PROXY_LOG"
	assert_line "info: listening on 127.0.0.1:$PROXY_PORT"
	assert_line "info: admin listening on 127.0.0.1:$ADMIN_PORT"
	assert_line "info: control socket $CONTROL"
	assert_line --regexp "^info: gwproxy [0-9.]+: generation $(db_generation), 2 workers\$"
	[ -S "$CONTROL" ]
}

@test "GET goes to the backend and back, with an X-Request-Id" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 hcurl "$(purl '/some/path?x=1')"
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line 'X-Backend: b1'
	assert_line 'Content-Length: 22'
	assert_line --regexp '^X-Request-Id: [0-9a-f]{32}$'
	assert_equal "$(resp_body)" 'b1 GET /some/path?x=1'
	run -0 pcurl -X DELETE "$(purl /thing)"
	assert_output 'b1 DELETE /thing'
}

@test "POST: the body reaches the backend intact" {
	start_backend b1
	web_config b1
	start_proxy
	head -c 100000 /dev/urandom >body
	run -0 pcurl --data-binary @body "$(purl '/echo?a=b')"
	assert_equal "$(json_eval 'd["method"]')" POST
	assert_equal "$(json_eval 'd["target"]')" '/echo?a=b'
	assert_equal "$(json_eval 'd["body_length"]')" 100000
	assert_equal "$(json_eval 'd["body_fnv1a64"]')" "$(fnv1a body)"
	run -0 pcurl -d 'hello world' "$(purl /echo)"
	assert_equal "$(json_eval 'd["body"]')" 'hello world'
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "Content-Length"]')" '["11"]'
}

@test "a chunked upload goes through chunked and intact" {
	start_backend b1
	web_config b1
	start_proxy
	head -c 300000 /dev/urandom >up
	run -0 pcurl -H 'Transfer-Encoding: chunked' --data-binary @up \
	    "$(purl /echo)"
	assert_equal "$(json_eval 'd["body_length"]')" 300000
	assert_equal "$(json_eval 'd["body_fnv1a64"]')" "$(fnv1a up)"
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "Transfer-Encoding"]')" \
	    '["chunked"]'
	assert_equal "$(json_eval '[h for h in d["headers"] if h[0] == "Content-Length"]')" '[]'
}

@test "chunk trailers reach the backend" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 praw 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n'
	assert_line --index 0 "$(printf 'HTTP/1.1 200 OK\r')"
	output=${lines[-1]}
	assert_equal "$(json_eval 'd["body"]')" 'hello world'
	assert_equal "$(json_eval 'd["trailers"]')" '[["X-Trailer", "yes"]]'
}

@test "a 20 MB download arrives whole, Content-Length and chunked" {
	start_backend b1
	web_config b1
	start_proxy
	pattern 20000000 >want
	pcurl -D head -o got "$(purl '/bytes?n=20000000')"
	assert_equal "$(stat -c %s got)" 20000000
	cmp got want
	run -0 tr -d '\r' <head
	assert_line 'Content-Length: 20000000'
	pcurl -D head -o got "$(purl '/bytes?n=20000000&chunked=1&piece=65536')"
	assert_equal "$(stat -c %s got)" 20000000
	cmp got want
	run -0 tr -d '\r' <head
	assert_line 'Transfer-Encoding: chunked'
}

@test "keep-alive: curl reuses its connection, gwproxy its upstream one" {
	start_backend b1 -v
	web_config b1
	start_proxy --workers 1
	run -0 --separate-stderr pcurl -v "$(purl /one)" "$(purl /two)"
	assert_output "$(printf 'b1 GET /one\nb1 GET /two')"
	assert_stderr --partial 'Re-using existing connection'
	refute_stderr --partial 'Connection: close'
	# The backend saw both on one connection: one peer address.
	run -0 cat backend.b1/stderr
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[0]}" '^b1 127\.0\.0\.1:[0-9]+ GET /one 200$'
	assert_equal "${lines[1]}" "${lines[0]%/one 200}/two 200"
}

@test "pipelined requests in one write are answered in order" {
	start_backend b1
	web_config b1
	start_proxy
	# The first answer is the slowest; the last request closes.
	run -0 praw 'GET /delay?ms=200 HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcGET /bytes?n=5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	tr -d '\r' <<<"$output" >got
	run -0 grep -c '^HTTP/1.1 200 OK$' got
	assert_output 3
	run -0 grep -o -e '^b1 GET /delay?ms=200' -e '"body":"abc"' \
	    -e '^abcde$' got
	assert_output "$(printf 'b1 GET /delay?ms=200\n"body":"abc"\nabcde')"
	# Only the last answer says close.
	run -0 grep -c '^Connection: close$' got
	assert_output 1
}

@test "the request the backend sees: hop-by-hop gone, X-Forwarded-* set" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 hcurl -H 'Connection: X-Foo, HTTP2-Settings' -H 'X-Foo: secret' \
	    -H 'Upgrade: h2c' -H 'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA' \
	    -H 'Keep-Alive: timeout=5' -H 'TE: trailers' \
	    -H 'Proxy-Connection: keep-alive' -H 'Upgrade-Insecure-Requests: 1' \
	    -H 'X-Forwarded-For: 10.1.2.3' -H 'X-Forwarded-Proto: https' \
	    -H 'X-Forwarded-Host: spoofed' -H 'Host: app.example.com:8080' \
	    "$(purl /echo)"
	id=$(resp_header X-Request-Id)
	[[ $id =~ ^[0-9a-f]{32}$ ]] || fail "no X-Request-Id: $output"
	output=$(resp_body)
	assert_equal "$(json_eval '[h[0] for h in d["headers"]]')" \
	    '["Host", "User-Agent", "Accept", "Upgrade-Insecure-Requests", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"]'
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "X-Forwarded-For"]')" \
	    '["10.1.2.3, 127.0.0.1"]'
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "X-Forwarded-Proto"]')" '["http"]'
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "X-Forwarded-Host"]')" \
	    '["app.example.com:8080"]'
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "Host"]')" \
	    '["app.example.com:8080"]'
	# The id the backend got is the one the client got back.
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "X-Request-Id"]')" \
	    "[\"$id\"]"
}

@test "X-Forwarded-For: several fields become one list, the client last" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 pcurl -H 'X-Forwarded-For: 10.0.0.1' \
	    -H 'X-Forwarded-For: 10.0.0.2, 10.0.0.3' "$(purl /echo)"
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "X-Forwarded-For"]')" \
	    '["10.0.0.1, 10.0.0.2, 10.0.0.3, 127.0.0.1"]'
}

@test "a client's X-Request-Id is kept and returned; each request gets its own" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 hcurl -H 'X-Request-Id: my-id-42' "$(purl /echo)"
	assert_line 'X-Request-Id: my-id-42'
	output=$(resp_body)
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "X-Request-Id"]')" \
	    '["my-id-42"]'
	run -0 hcurl "$(purl /)" "$(purl /)"
	run -0 grep -c '^X-Request-Id: ' <<<"$output"
	assert_output 2
	run -0 hcurl "$(purl /)" "$(purl /)"
	ids=$(grep '^X-Request-Id: ' <<<"$output" | sort -u | wc -l)
	assert_equal "$ids" 2
}

@test "hop-by-hop headers of the response are dropped too" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 hcurl "$(purl '/headers?h=Connection:X-Foo&h=X-Foo:bar&h=Keep-Alive:timeout=5&h=X-Kept:yes&h=Upgrade:foo&h=Proxy-Connection:keep-alive&h=TE:trailers')"
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line 'X-Kept: yes'
	refute_line --regexp '^X-Foo:'
	refute_line --regexp '^Keep-Alive:'
	refute_line --regexp '^Connection:'
	refute_line --regexp '^Upgrade:'
	refute_line --regexp '^Proxy-Connection:'
	refute_line --regexp '^TE:'
}

@test "Expect: 100-continue: the interim answer comes before the body" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 gwclient continue "$PROXY_PORT" /echo 'the body'
	assert_line --index 0 'interim: HTTP/1.1 100 Continue'
	assert_line --index 1 --partial 'HTTP/1.1 200 OK'
	assert_output --partial '"body":"the body"'
	# curl waits for it with a large body.
	head -c 2000000 /dev/urandom >big
	run -0 --separate-stderr pcurl -v -H 'Expect: 100-continue' \
	    --data-binary @big "$(purl /echo)"
	assert_stderr --partial '> Expect: 100-continue'
	assert_stderr --partial '< HTTP/1.1 100 Continue'
	assert_equal "$(json_eval 'd["body_length"]')" 2000000
	assert_equal "$(json_eval 'd["body_fnv1a64"]')" "$(fnv1a big)"
}

@test "HEAD, 204 and 304 have no body: the next answer follows at once" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 praw 'HEAD /bytes?n=100 HTTP/1.1\r\nHost: t\r\n\r\nGET /status?code=204 HTTP/1.1\r\nHost: t\r\n\r\nGET /status?code=304 HTTP/1.1\r\nHost: t\r\n\r\nGET /bytes?n=5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	tr -d '\r' <<<"$output" >got
	run -0 grep -e '^HTTP/1.1' -e '^Content-Length' -e '^abc' got
	assert_output "$(printf '%s\n' 'HTTP/1.1 200 OK' 'Content-Length: 100' \
	    'HTTP/1.1 204 No Content' 'HTTP/1.1 304 Not Modified' \
	    'HTTP/1.1 200 OK' 'Content-Length: 5' abcde)"
	# Nothing but heads before the last body.
	run -0 tail -c 6 got
	assert_output abcde
}

@test "a response delimited by close reaches the client whole, then closes" {
	start_backend b1
	web_config b1
	start_proxy
	pcurl -D head -o got "$(purl '/bytes?n=200000&close=1')"
	pattern 200000 >want
	cmp got want
	run -0 tr -d '\r' <head
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line 'Connection: close'
	refute_line --partial 'Content-Length'
	# A next request on that connection never goes out.
	run -0 praw 'GET /bytes?n=10&close=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /never HTTP/1.1\r\nHost: t\r\n\r\n'
	assert_line --partial 'Connection: close'
	refute_output --partial never
	[[ $output == *$'\r\n\r\nabcdefghij' ]] ||
	    fail "the body is not the 10 bytes: $output"
}

@test "HTTP/1.0 clients: close by default, keep-alive when asked" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 hcurl -0 "$(purl /)"
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line 'Connection: close'
	run -0 hcurl -0 -H 'Connection: keep-alive' "$(purl /)"
	assert_line 'Connection: keep-alive'
	# The backend is asked in HTTP/1.0 too.
	run -0 pcurl -0 "$(purl /echo)"
	assert_equal "$(json_eval 'd["version"]')" HTTP/1.0
}

# no_upstream_conn PORT: no connection is open to a backend port.
no_upstream_conn()
{
	[ "$(ss -Htn state established "( dport = :$1 )" | wc -l)" -eq 0 ]
}

@test "a pooled connection the backend closed is not used again" {
	command -v ss >/dev/null || skip "no ss"
	start_backend b1 --idle-timeout 100
	web_config b1
	start_proxy --workers 1
	run -0 pcurl "$(purl /one)"
	assert_output 'b1 GET /one'
	# The backend's idle timer closes the pooled connection...
	wait_for 100 no_upstream_conn "$b1_port" ||
	    fail "the backend never closed its idle connection"
	# ...and the next request goes on a new one.
	run -0 pcurl "$(purl /two)"
	assert_output 'b1 GET /two'
}

@test "listens on IPv6 loopback too; X-Forwarded-For has the v6 client" {
	local port6

	grep -q '^0*1 ' /proc/net/if_inet6 2>/dev/null ||
	    skip "no IPv6 loopback"
	start_backend b1 --listen '[::1]:0'
	gwctl -q service add web
	gwctl -q backend add web "[::1]:$b1_port"
	gwctl -q route add all --service web
	start_proxy --listen 127.0.0.1:0 --listen '[::1]:0'
	port6=$(sed -n 's/^.* info: listening on \[::1\]:\([0-9]*\)$/\1/p' \
	    "$PROXY_LOG")
	[ -n "$port6" ] || fail "no IPv6 port logged: $(cat "$PROXY_LOG")"
	run -0 pcurl -g "http://[::1]:$port6/echo"
	assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0] == "X-Forwarded-For"]')" '["::1"]'
	assert_equal "$(json_eval 'd["peer"].startswith("[::1]:")')" true
	run -0 pcurl "$(purl /four)"
	assert_output 'b1 GET /four'
}

@test "clients that go away mid-body or mid-response leave it serving" {
	start_backend b1
	web_config b1
	start_proxy --workers 1
	# Half a body, then gone.
	python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + b"x" * 5000)
s.close()' "$PROXY_PORT"
	# A big response, a few bytes read, then gone with a RST.
	python3 -c '
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /bytes?n=50000000 HTTP/1.1\r\nHost: t\r\n\r\n")
s.recv(1000)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()' "$PROXY_PORT"
	run -0 pcurl "$(purl /still)"
	assert_output 'b1 GET /still'
	kill -0 "$PROXY_PID"
	wait_for 100 info_connections_zero ||
	    fail "connections still open: $(ctl 'show info')"
}

# info_connections_zero: gwproxy counts no client connection open.
info_connections_zero()
{
	ctl 'show info' | grep -qx 'connections: 0'
}

@test "HTTP/1.0 without Host is fine; HTTP/2 and bad methods are refused" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 praw 'GET /old HTTP/1.0\r\n\r\n'
	assert_line --index 0 "$(printf 'HTTP/1.1 200 OK\r')"
	assert_line 'b1 GET /old'
	run -0 praw 'GET / HTTP/2.0\r\nHost: t\r\n\r\n'
	assert_line --index 0 --regexp $'^HTTP/1.1 (505 HTTP Version Not Supported|400 Bad Request)\r$'
	assert_line "$(printf 'X-Gw-Error: bad_request\r')"
	run -0 praw 'FETCH / HTTP/1.1\r\nHost: t\r\n\r\n'
	assert_line --index 0 --regexp $'^HTTP/1.1 (501 Not Implemented|400 Bad Request)\r$'
	assert_line "$(printf 'X-Gw-Error: bad_request\r')"
}

@test "an X-Request-Id gwproxy cannot keep (empty, over 64 bytes) is replaced on both sides" {
	local long

	start_backend b1
	web_config b1
	start_proxy
	long=$(printf 'x%.0s' $(seq 100))
	for id in '' "$long"; do
		run -0 praw "GET /echo HTTP/1.1\r\nHost: t\r\nX-Request-Id: $id\r\nConnection: close\r\n\r\n"
		got=$(resp_header X-Request-Id)
		[[ $got =~ ^[0-9a-f]{32}$ ]] || fail "answered with id '$got'"
		output=$(resp_body)
		# The backend logs the id the client was given, and only it.
		assert_equal "$(json_eval '[h[1] for h in d["headers"] if h[0].lower() == "x-request-id"]')" \
		    "[\"$got\"]"
	done
}

@test "an absolute-form request target is routed by its host and path" {
	start_backend b1
	gwctl -q service add web
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q route add api --service web --host api.example.com \
	    --prefix /x
	start_proxy
	# RFC 9112 3.2.2: a server MUST accept the absolute-form; its host
	# wins over the Host field.
	run -0 praw 'GET http://api.example.com/x?y=1 HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n'
	assert_line --index 0 "$(printf 'HTTP/1.1 200 OK\r')"
	assert_line 'b1 GET /x?y=1'
}

@test "a backend's Connection: close ends its connection, not the client's" {
	start_backend b1 -v
	web_config b1
	start_proxy --workers 1
	run -0 --separate-stderr pcurl -v "$(purl '/one?close=1')" "$(purl /two)"
	assert_output "$(printf 'b1 GET /one?close=1\nb1 GET /two')"
	assert_stderr --partial 'Re-using existing connection'
	refute_stderr --partial '< Connection: close'
	# Upstream, two connections: two peer ports.
	run -0 cat backend.b1/stderr
	assert_equal "${#lines[@]}" 2
	[ "${lines[0]% GET*}" != "${lines[1]% GET*}" ] ||
	    fail "the closed upstream connection was used again: $output"
}

@test "50 pipelined requests in one write: 50 answers in order" {
	start_backend b1
	web_config b1
	start_proxy
	python3 -c 'import sys
sys.stdout.write("".join("GET /p%d HTTP/1.1\r\nHost: t\r\n%s\r\n" %
    (i, "Connection: close\r\n" if i == 49 else "") for i in range(50)))' >req
	run -0 gwclient raw "$PROXY_PORT" <req
	run -0 grep -a -o '^b1 GET /p[0-9]*' <<<"$output"
	assert_output "$(seq 0 49 | sed 's|^|b1 GET /p|')"
}

@test "Expect: 100-continue to no route: the error, no 100, no body wanted" {
	start_backend b1
	gwctl -q service add web
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q route add api --service web --prefix /api
	start_proxy
	run -0 gwclient continue "$PROXY_PORT" /nothing 'the body'
	refute_output --partial 'interim:'
	assert_gw_error_new_id 404 'Not Found' no_route
	assert_line "$(printf 'Connection: close\r')"
}
