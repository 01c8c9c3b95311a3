#!/usr/bin/env bats
# gwproxy over time: config changes without a restart (polling, the
# control socket's reload, SIGHUP), a config broken by hand, a backend
# killed under load, SIGTERM and SIGINT with requests in flight, the
# control socket and the admin listener.

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

# serves PATH WANT: curl through gwproxy answers WANT (the whole body).
serves()
{
	[ "$(curl -sS --max-time 2 "$(purl "$1")" 2>/dev/null)" = "$2" ]
}

# code_is PATH STATUS: curl through gwproxy gets that status.
code_is()
{
	[ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' \
	    "$(purl "$1")")" = "$2" ]
}

# info_is FIELD VALUE: "show info" on the control socket has FIELD: VALUE.
info_is()
{
	ctl 'show info' | grep -qx "$1: $2"
}

# log_has REGEX: a line of gwproxy's log (time and name cut) matches.
log_has()
{
	sed 's/^[^ ]* gwproxy //' "$PROXY_LOG" | grep -qE "$1"
}

@test "a route added with gwctl is served without a restart" {
	local gen

	start_backend b1
	start_backend b2
	web_config b1
	gwctl -q service add other
	gwctl -q backend add other "127.0.0.1:$b2_port"
	start_proxy --poll 50ms
	run -0 pcurl "$(purl /new/x)"
	assert_output 'b1 GET /new/x'
	gwctl -q route add new --service other --prefix /new
	gen=$(db_generation)
	wait_for 100 serves /new/x 'b2 GET /new/x' ||
	    fail "the new route was not served: $(cat "$PROXY_LOG")"
	run -0 sed 's/^[^ ]* gwproxy //' "$PROXY_LOG"
	assert_line "info: reload (database changed): generation $gen, 2 services, 2 backends, 2 routes"
	run -0 ctl 'show info'
	assert_line "generation: $gen"
	# And removed again.
	gwctl -q route rm new
	wait_for 100 serves /new/x 'b1 GET /new/x' ||
	    fail "the removed route is still served"
}

@test "a backend added, drained, then disabled with gwctl takes effect live" {
	start_backend b1
	start_backend b2
	web_config b1
	start_proxy --poll 50ms --workers 1
	gwctl -q backend add web "127.0.0.1:$b2_port"
	wait_for 100 serves /x 'b2 GET /x' || fail "b2 never answered"
	gwctl -q backend drain web "127.0.0.1:$b1_port"
	wait_for 100 info_is generation "$(db_generation)" ||
	    fail "generation $(db_generation) not loaded"
	for n in 1 2 3 4; do
		run -0 pcurl "$(purl /x)"
		assert_output 'b2 GET /x'
	done
	gwctl -q backend disable web "127.0.0.1:$b2_port"
	wait_for 100 code_is /x 503 || fail "no 503 with no backend left"
}

@test "a config broken by hand is rejected with a log line; the old one serves" {
	local gen

	start_backend b1
	web_config b1
	gen=$(db_generation)
	start_proxy --poll 50ms
	# A regex that does not compile, past gwctl's checks.
	sqlite3 "$GW_DB" "INSERT INTO routes (name, path_type, path,
	    service_id) VALUES ('broken', 'regex', '^/(unclosed',
	    (SELECT id FROM services WHERE name = 'web'))" ||
	    fail "cannot insert the route"
	wait_for 100 log_has '^error: reload' ||
	    fail "no rejection logged: $(cat "$PROXY_LOG")"
	run -0 sed 's/^[^ ]* gwproxy //' "$PROXY_LOG"
	assert_line --regexp "^error: reload \\(database changed\\) rejected, still serving generation $gen: 1 problems, first: route \"broken\": regex \"\\^/\\(unclosed\" does not compile: "
	run -0 pcurl "$(purl /still)"
	assert_output 'b1 GET /still'
	run -0 ctl 'show info'
	assert_line "generation: $gen"
	assert_line 'reload_failures: 1'
	run -0 pcurl "$(purl_admin /metrics)"
	assert_line 'gwproxy_reload_failures_total 1'
	# Repaired by hand: the next poll takes it.
	sqlite3 "$GW_DB" "DELETE FROM routes WHERE name = 'broken'"
	gwctl -q route add more --service web --prefix /more
	wait_for 100 info_is generation "$(db_generation)" ||
	    fail "the repaired config was not loaded"
	run -0 ctl 'show routes'
	refute_output --partial broken
}

purl_admin()
{
	echo "http://127.0.0.1:$ADMIN_PORT$1"
}

@test "reload on the control socket and SIGHUP load a change at once" {
	start_backend b1
	start_backend b2
	web_config b1
	gwctl -q service add other
	gwctl -q backend add other "127.0.0.1:$b2_port"
	# No poll in the time of this test.
	start_proxy --poll 1h
	gwctl -q route add one --service other --prefix /one
	run -0 pcurl "$(purl /one)"
	assert_output 'b1 GET /one'
	# The answer comes once the new snapshot serves: no waiting needed.
	run -0 ctl reload
	assert_output "generation $(db_generation)"
	run -0 pcurl "$(purl /one)"
	assert_output 'b2 GET /one'
	run -0 sed 's/^[^ ]* gwproxy //' "$PROXY_LOG"
	assert_line --regexp '^info: reload \(asked\): generation [0-9]+, 2 services, 2 backends, 2 routes$'
	gwctl -q route add two --service other --prefix /two
	kill -HUP "$PROXY_PID"
	wait_for 100 serves /two 'b2 GET /two' || fail "SIGHUP not applied"
	kill -0 "$PROXY_PID"
}

@test "a request in flight finishes on the config it started with" {
	start_backend b1
	web_config b1
	start_proxy --poll 50ms
	pcurl -o slow.out -w '%{http_code}\n' "$(purl '/delay?ms=700')" \
	    >slow.code 2>&1 3>&- &
	track_pid $!
	wait_for 100 info_is requests 1 || fail "the slow request never came"
	gwctl -q route rm all
	wait_for 100 code_is /x 404 || fail "the route was not removed"
	wait_for 100 test -s slow.code || fail "the slow request never ended"
	assert_equal "$(cat slow.code)" 200
	assert_equal "$(cat slow.out)" 'b1 GET /delay?ms=700'
}

@test "config changes with gwctl under load cost no request" {
	local n ok

	start_backend b1
	start_backend b2
	web_config b1 b2
	start_proxy --poll 20ms
	# Clients for 4 s at most, stopped once the changes are made.
	load_start 3 100000 4
	wait_for 100 test -s load.started || fail "the load never started"
	# 30 changes while it runs: weights, routes, a backend's state.
	for n in $(seq 10); do
		gwctl -q backend set web "127.0.0.1:$b1_port" --weight "$n"
		gwctl -q route add "r$n" --service web --prefix "/r$n"
		gwctl -q backend drain web "127.0.0.1:$b2_port"
		gwctl -q backend enable web "127.0.0.1:$b2_port"
	done
	wait_for 100 info_is generation "$(db_generation)" ||
	    fail "the last generation was not loaded"
	touch load.stop
	load_wait
	assert_line 'failed 0'
	ok=$(sed -n 's/^ok //p' load.out)
	[ "$ok" -ge 100 ] || fail "only $ok requests made: $output"
	run -0 sed 's/^[^ ]* gwproxy //' "$PROXY_LOG"
	run -0 grep -c '^info: reload (database changed)' <<<"$output"
	[ "$output" -ge 2 ] || fail "only $output reloads during the load"
}

# load_start THREADS COUNT SECONDS [KILLPID AT]: python3 clients in the
# background, COUNT requests in all (or SECONDS), on keep-alive
# connections; KILLPID gets SIGKILL once AT requests are done.  The
# path of request i is $LOAD_PATH with %d as i (default /load/%d).  They
# stop early when a file load.stop appears.  Results
# in load.out: "ok N", "failed N", then "fail STATUS CAUSE INDEX" lines
# and "backend NAME N" (who answered after the kill, when there is one).
load_start()
{
	python3 -c '
import http.client, os, signal, sys, threading, time
threads, count, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
port = int(sys.argv[4])
kill_pid = int(sys.argv[5]) if len(sys.argv) > 5 else 0
kill_at = int(sys.argv[6]) if len(sys.argv) > 6 else 0
path = os.environ.get("LOAD_PATH", "/load/%d")
lock = threading.Lock()
done = [0]
killed = [None]
fails = []
after = {}
deadline = time.monotonic() + secs
def client():
    c = None
    while time.monotonic() < deadline and not os.path.exists("load.stop"):
        with lock:
            if done[0] >= count:
                return
            if done[0] == 10:
                open("load.started", "w").write("yes\n")
            i = done[0]
            done[0] += 1
            if kill_pid and i == kill_at and killed[0] is None:
                os.kill(kill_pid, signal.SIGKILL)
                killed[0] = i
        try:
            if c is None:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path % i)
            r = c.getresponse()
            body = r.read()
            if r.status != 200:
                with lock:
                    fails.append("fail %d %s %d" % (r.status,
                        r.getheader("X-Gw-Error"), i))
            elif killed[0] is not None and i > killed[0]:
                name = body.split(b" ")[0].decode()
                with lock:
                    after[name] = after.get(name, 0) + 1
            if r.getheader("Connection", "") == "close":
                c.close()
                c = None
        except Exception as e:
            with lock:
                fails.append("fail - %s %d" % (type(e).__name__, i))
            c = None
ts = [threading.Thread(target=client) for _ in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("ok %d" % (done[0] - len(fails)))
print("failed %d" % len(fails))
for f in fails:
    print(f)
for k in sorted(after):
    print("backend %s %d" % (k, after[k]))
' "$1" "$2" "$3" "$PROXY_PORT" "${@:4}" >load.out 2>load.err 3>&- &
	LOAD_PID=$!
	track_pid "$LOAD_PID"
}

# Waits for the load clients; their report in $output and $lines.
load_wait()
{
	status=0
	wait "$LOAD_PID" || status=$?
	[ "$status" -eq 0 ] || fail "the load clients failed: $(cat load.err)"
	run -0 cat load.out
}

@test "a backend killed under load: traffic goes on on the other one" {
	local ok l

	start_backend b1
	start_backend b2
	# All 4 clients may retry at once: more than the default breaker (3).
	gwctl -q service add web --retries 1 --max-retries 10
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q backend add web "127.0.0.1:$b2_port"
	gwctl -q route add all --service web
	start_proxy
	# 4 clients, 400 requests of 2 ms (3 s at most); b2 gets SIGKILL
	# after 100, with requests in flight on it.
	LOAD_PATH='/delay?ms=2&i=%d' load_start 4 400 3 "$(backend_pid b2)" 100
	load_wait
	# Reaped here, silently: it is dead, there is nothing to stop.
	{ wait "$(backend_pid b2)" || true; } 2>/dev/null
	rm -f backend.b2/pid
	ok=$(sed -n 's/^ok //p' load.out)
	[ "$ok" -ge 396 ] || fail "only $ok of 400 succeeded: $(cat load.out)"
	# Only the requests in flight on b2 when it died may fail (one per
	# client at most), as upstream_reset (a GET is retried on a reset by
	# default, so most do not): those begun after the kill all succeed,
	# the refused connects to b2 retried on b1.
	run grep '^fail ' load.out
	[ "${#lines[@]}" -le 4 ] || fail "too many failures: $(cat load.out)"
	for l in "${lines[@]}"; do
		[[ $l =~ ^fail\ 502\ upstream_reset\ ([0-9]+)$ ]] ||
		    fail "an unexpected failure: $l"
		[ "${BASH_REMATCH[1]}" -lt 104 ] ||
		    fail "request ${BASH_REMATCH[1]}, begun after the kill, failed"
	done
	# After the kill b1 alone answers.
	run -0 grep '^backend ' load.out
	assert_output --regexp '^backend b1 [0-9]+$'
}

@test "--retry-on reset: a request reset by one backend goes to another" {
	start_backend b1
	start_fake rst reset
	gwctl -q service add web --retries 1 --retry-on connect-failure,reset
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q backend add web "127.0.0.1:$rst_port"
	gwctl -q route add all --service web
	start_proxy --workers 1
	# Round robin: every other first try is reset; GET is idempotent.
	for n in 1 2 3 4; do
		run -0 hcurl "$(purl "/r$n")"
		assert_line --index 0 'HTTP/1.1 200 OK'
		assert_line "b1 GET /r$n"
	done
}

@test "SIGTERM: the request in flight completes with Connection: close; exit 0" {
	local t0

	start_backend b1
	web_config b1
	start_proxy --drain-timeout 5s
	curl -sS --max-time 5 -D slow.head -o slow.out "$(purl '/delay?ms=800')" \
	    2>slow.err 3>&- &
	track_pid $!
	local curl_pid=$!
	wait_for 100 info_is requests 1 || fail "the slow request never came"
	run -0 pcurl "$(purl_admin /ready)"
	assert_output 'ready'
	t0=$(now_ms)
	kill -TERM "$PROXY_PID"
	# /ready fails while it drains.
	wait_for 20 admin_code_is /ready 503 || fail "/ready never said 503"
	run -0 pcurl "$(purl_admin /ready)"
	assert_output 'draining'
	# The slow one completes, with Connection: close.
	wait "$curl_pid"
	assert_equal "$(cat slow.out)" 'b1 GET /delay?ms=800'
	run -0 tr -d '\r' <slow.head
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line 'Connection: close'
	stop_proxy
	assert_equal "$status" 0
	[ $(($(now_ms) - t0)) -lt 3000 ] || fail "the drain took too long"
	run -0 sed 's/^[^ ]* gwproxy //' "$PROXY_LOG"
	assert_line 'info: SIGTERM: draining (up to 5000 ms)'
	assert_line --index $((${#lines[@]} - 1)) 'info: stopped'
	refute_line --partial 'drain timeout'
	# The control socket is gone.
	[ ! -e "$CONTROL" ]
}

@test "SIGTERM: new connections are refused while it drains" {
	start_backend b1
	web_config b1
	start_proxy --drain-timeout 5s
	curl -s --max-time 5 -o /dev/null "$(purl '/delay?ms=1000')" 3>&- &
	track_pid $!
	wait_for 100 info_is requests 1 || fail "the slow request never came"
	kill -TERM "$PROXY_PID"
	wait_for 20 admin_code_is /ready 503 || fail "/ready never said 503"
	# Refused at once (exit 7), so a client or a balancer in front tries
	# elsewhere: not accepted by the kernel to hang until the exit.
	run -7 curl -sS --max-time 2 "$(purl /new)"
	stop_proxy
	assert_equal "$status" 0
}

# admin_code_is PATH STATUS
admin_code_is()
{
	[ "$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' \
	    "$(purl_admin "$1")")" = "$2" ]
}

@test "SIGTERM closes idle keep-alive connections at once and exits 0" {
	local t0

	start_backend b1
	web_config b1
	start_proxy --drain-timeout 10s
	# One request, then the connection stays open and idle.
	python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8)
s.sendall(b"GET /idle HTTP/1.1\r\nHost: t\r\n\r\n")
data = b""
while b"b1 GET /idle" not in data:
    data += s.recv(65536)
open("idle.state", "w").write("answered\n")
while True:
    try:
        b = s.recv(65536)
    except ConnectionResetError:
        print("reset")
        break
    if not b:
        print("eof")
        break
' "$PROXY_PORT" >idle.out 2>&1 3>&- &
	track_pid $!
	local idle_pid=$!
	wait_for 100 test -s idle.state || fail "no answer to the idle client"
	t0=$(now_ms)
	stop_proxy
	assert_equal "$status" 0
	[ $(($(now_ms) - t0)) -lt 2000 ] ||
	    fail "exit after $(($(now_ms) - t0)) ms: it waited for the idle one"
	wait "$idle_pid"
	assert_equal "$(cat idle.out)" eof
}

@test "SIGINT drains too; the drain timeout cuts what does not finish" {
	local t0

	start_backend b1
	web_config b1
	start_proxy --drain-timeout 300ms
	curl -s --max-time 5 -o /dev/null "$(purl /hang)" 3>&- &
	track_pid $!
	wait_for 100 info_is requests 1 || fail "the request never came"
	t0=$(now_ms)
	stop_proxy INT
	assert_equal "$status" 0
	[ $(($(now_ms) - t0)) -ge 300 ] && [ $(($(now_ms) - t0)) -lt 2000 ] ||
	    fail "exit after $(($(now_ms) - t0)) ms, not about 300 ms"
	run -0 sed 's/^[^ ]* gwproxy //' "$PROXY_LOG"
	assert_line 'info: SIGINT: draining (up to 300 ms)'
	assert_line 'warning: drain timeout: closing 1 connections'
	assert_line 'info: stopped'
}

@test "control socket: show info, backends and routes, text and JSON" {
	start_backend b1
	web_config b1
	gwctl -q route add api --service web --host api.example.com \
	    --prefix /api --priority 5
	start_proxy --workers 2
	run -0 pcurl "$(purl /)"
	run -0 ctl 'show info'
	assert_line --index 0 --regexp '^version: [0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --index 1 "pid: $PROXY_PID"
	assert_line --index 2 "generation: $(db_generation)"
	assert_line --index 3 'workers: 2'
	assert_line --index 4 'requests: 1'
	assert_line --index 5 --regexp '^connections: [0-9]+$'
	assert_line --index 6 'reloads: 0'
	assert_line --index 7 'reload_failures: 0'
	assert_line --index 8 'draining: no'
	assert_equal "${#lines[@]}" 9
	run -0 ctl 'json show info'
	assert_equal "$(json_eval '[d["ok"], d["pid"], d["generation"], d["workers"], d["requests"], d["draining"]]')" \
	    "[true, $PROXY_PID, $(db_generation), 2, 1, false]"
	run -0 ctl 'show backends'
	assert_output "web 127.0.0.1:$b1_port weight=1 state=enabled health=unknown usable=yes ejected=no"
	run -0 ctl 'json show backends'
	assert_equal "$(json_eval 'd["backends"]')" \
	    "[{\"address\": \"127.0.0.1:$b1_port\", \"ejected\": false, \"health\": \"unknown\", \"service\": \"web\", \"state\": \"enabled\", \"usable\": true, \"weight\": 1}]"
	run -0 ctl 'show routes'
	assert_line 'all priority=0 host=* prefix=/ service=web'
	assert_line 'api priority=5 host=api.example.com prefix=/api service=web'
	run -0 ctl 'json show routes'
	assert_equal "$(json_eval 'sorted(r["name"] for r in d["routes"])')" '["all", "api"]'
	assert_equal "$(json_eval '[r for r in d["routes"] if r["name"] == "api"][0]')" \
	    '{"host": "api.example.com", "name": "api", "prefix": "/api", "priority": 5, "service": "web"}'
}

@test "control socket: reload, and errors in text and JSON" {
	start_backend b1
	web_config b1
	start_proxy
	# A reload answers once the new snapshot serves, with its generation.
	run -0 ctl reload
	assert_output "generation $(db_generation)"
	run -0 ctl 'json reload'
	assert_output "{\"ok\":true,\"generation\":$(db_generation)}"
	wait_for 100 info_is reloads 2 || fail "two reloads were not counted"
	run -0 ctl 'show nothing'
	assert_output --regexp '^error: unknown command; try show info\|[a-z|]+, reload'
	run -0 ctl 'json bogus'
	assert_equal "$(json_eval '[d["ok"], d["error"].startswith("unknown command; try show info|")]')" \
	    '[false, true]'
	# Several commands on one connection, answered in order.
	run -0 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(b"show routes\njson reload\n")
data = b""
while data.count(b"\n\n") < 2:
    data += s.recv(65536)
sys.stdout.write(data.decode())' "$CONTROL"
	assert_output "$(printf 'all priority=0 host=* prefix=/ service=web\n\n{"ok":true,"generation":%s}\n' "$(db_generation)")"
}

@test "control socket: show stats and runtime backend drain|enable|weight" {
	start_backend b1
	start_backend b2
	web_config b1 b2
	start_proxy --workers 1
	# Issue 3, item 7: HAProxy-like runtime overrides.
	run -0 ctl "backend drain web 127.0.0.1:$b1_port"
	refute_output --partial 'error:'
	for n in 1 2 3 4; do
		run -0 pcurl "$(purl /x)"
		assert_output 'b2 GET /x'
	done
	run -0 ctl "backend enable web 127.0.0.1:$b1_port"
	refute_output --partial 'error:'
	run -0 ctl "backend weight web 127.0.0.1:$b1_port 3"
	refute_output --partial 'error:'
	run -0 ctl 'show stats'
	refute_output --partial 'error:'
}

@test "admin: /healthz, /ready and /metrics in the Prometheus text format" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 pcurl "$(purl /a)" "$(purl /b)" "$(purl /c)"
	run -0 pcurl "$(purl_admin /healthz)"
	assert_output ok
	run -0 pcurl "$(purl_admin /ready)"
	assert_output ready
	pcurl -D head -o metrics "$(purl_admin /metrics)"
	run -0 tr -d '\r' <head
	assert_line 'Content-Type: text/plain; version=0.0.4'
	run -0 cat metrics
	assert_line 'gwproxy_requests_total 3'
	assert_line "gwproxy_config_generation $(db_generation)"
	assert_line 'gwproxy_reloads_total 0'
	assert_line 'gwproxy_reload_failures_total 0'
	assert_line --regexp '^gwproxy_active_connections [0-9]+$'
	# Every sample has its HELP and TYPE; counters end in _total.
	run -0 python3 -c '
import re, sys
helps, types = set(), {}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    m = re.match(r"# HELP (\S+) .+", line)
    if m:
        helps.add(m.group(1)); continue
    m = re.match(r"# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$", line)
    if m:
        types[m.group(1)] = m.group(2); continue
    m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
    if not m:
        print("bad line: " + line); continue
    name = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
    fam = name if name in types else m.group(1)
    if fam not in types or fam not in helps:
        print("no HELP or TYPE: " + m.group(1))
    elif types[fam] == "counter" and not fam.endswith("_total"):
        print("counter without _total: " + fam)
    float(m.group(3))
' metrics
	assert_output ''
	if command -v promtool >/dev/null; then
		run -0 promtool check metrics <metrics
	fi
}

@test "admin: /metrics has what issue 3 asks (by service, latency, failures)" {
	start_backend b1
	web_config b1
	start_proxy
	run -0 pcurl "$(purl /a)"
	run -0 pcurl "$(purl_admin /metrics)"
	# Requests by service, route, backend and status class; latency
	# histograms; upstream connect failures.
	assert_output --regexp 'service="web"'
	assert_output --regexp 'route="all"'
	assert_output --regexp "backend=\"127\\.0\\.0\\.1:$b1_port\""
	assert_output --partial '_bucket{'
	assert_output --partial 'connect_failures'
}

# lines_at_least FILE N
lines_at_least()
{
	[ "$(wc -l <"$1")" -ge "$2" ]
}

@test "--access-log writes one JSON line per request" {
	start_backend b1
	web_config b1
	start_proxy --access-log access.log
	run -0 pcurl -H 'X-Request-Id: req-1' -d 'abc' "$(purl '/echo?x=1')"
	run -0 hcurl "$(purl /reset)"
	wait_for 100 lines_at_least access.log 2 ||
	    fail "no access log lines: $(cat access.log)"
	output=$(sed -n 1p access.log)
	assert_equal "$(json_eval '[d["request_id"], d["client"], d["method"], d["path"], d["route"], d["service"], d["backend"], d["status"], d["error"]]')" \
	    "[\"req-1\", \"127.0.0.1\", \"POST\", \"/echo?x=1\", \"all\", \"web\", \"127.0.0.1:$b1_port\", 200, null]"
	assert_equal "$(json_eval 'd["bytes_in"] > 3 and d["bytes_out"] > 0 and d["total_ms"] >= d["first_byte_ms"] >= d["connect_ms"] >= 0')" true
	assert_equal "$(json_eval 'bool(__import__("re").match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", d["time"]))')" true
	# gwproxy's own error has its cause.
	output=$(sed -n 2p access.log)
	assert_equal "$(json_eval '[d["path"], d["status"], d["error"]]')" \
	    '["/reset", 502, "upstream_reset"]'
}

@test "--control off and --control PATH; a live socket is never stolen" {
	start_backend b1
	web_config b1
	start_proxy --control off
	run -1 grep 'control socket' "$PROXY_LOG"
	[ ! -e "$CONTROL" ]
	stop_proxy
	assert_equal "$status" 0
	CONTROL=$BATS_TEST_TMPDIR/other.sock
	start_proxy --control "$CONTROL"
	run -0 ctl 'show info'
	assert_line "pid: $PROXY_PID"
	# A second gwproxy on the same socket refuses to start.
	run -1 --separate-stderr "$GWPROXY" --listen 127.0.0.1:0 \
	    --control "$CONTROL"
	assert_stderr_line "gwproxy: $CONTROL: in use by a running daemon"
	run -0 ctl 'show info'
	assert_line "pid: $PROXY_PID"
}
