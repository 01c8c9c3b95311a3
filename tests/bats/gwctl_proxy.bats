#!/usr/bin/env bats
# gwctl proxy: a running gwproxy through its control socket.  Text and
# JSON/YAML forms of info, stats, backends and routes, reload, the socket
# found next to the database or given with --socket, and the messages when
# no gwproxy listens.

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

# web with backend b1, route all; gwproxy with the default socket.
running()
{
	start_backend b1
	web_config b1
	start_proxy "$@"
}

@test "proxy info: the running gwproxy's state, from the default socket" {
	running
	run -0 --separate-stderr gwctl proxy info
	assert_line 'version: 0.1.0'
	assert_line "pid: $PROXY_PID"
	assert_line 'generation: 3'
	assert_line 'draining: no'
	assert_equal "$stderr" ''
	run -0 --separate-stderr gwctl proxy info -o json
	assert_equal "$(json_eval 'd["pid"]')" "$PROXY_PID"
	assert_equal "$(json_eval 'd["generation"]')" 3
	assert_equal "$(json_eval '"ok" in d')" false
	run -0 gwctl -o yaml proxy info
	assert_line "pid: $PROXY_PID"
	assert_line 'draining: false'
}

@test "proxy stats: per service and backend, text and JSON" {
	running --stats-interval off
	pcurl -o /dev/null "$(purl /x)" || fail "GET"
	pcurl -o /dev/null "$(purl '/status?code=404')" || fail "GET 404"
	wait_for 100 bash -c "[[ \$('$GWCTL' proxy stats) == *' 4xx=1 '* ]]" ||
	    fail "not counted: $(gwctl proxy stats)"
	run -0 gwctl proxy stats
	assert_line --regexp '^service web requests=2 2xx=1 3xx=0 4xx=1 5xx=0 errors=0 in_flight=0 p50=[0-9.]+ms p99=[0-9.]+ms$'
	assert_line --regexp "^backend web 127\\.0\\.0\\.1:$b1_port requests=2 2xx=1 "
	run -0 gwctl proxy stats -o json
	assert_equal "$(json_eval 'd["services"][0]["service"]')" web
	assert_equal "$(json_eval 'd["services"][0]["responses_4xx"]')" 1
	assert_equal "$(json_eval 'd["backends"][0]["backend"]')" \
	    "127.0.0.1:$b1_port"
	assert_equal "$(json_eval 'd["backends"][0]["requests"]')" 2
}

@test "proxy backends and routes: what the snapshot serves" {
	running
	run -0 gwctl proxy backends
	assert_output "web 127.0.0.1:$b1_port weight=1 state=enabled health=unknown usable=yes ejected=no"
	run -0 gwctl proxy backends -o json
	assert_equal "$(json_eval 'd["backends"][0]["address"]')" \
	    "127.0.0.1:$b1_port"
	run -0 gwctl proxy routes
	assert_output --regexp '^all priority=0 host=\* prefix=/ service=web$'
	run -0 gwctl proxy routes -o json
	assert_equal "$(json_eval '[r["name"] for r in d["routes"]]')" '["all"]'
}

# reloads: N in gwctl proxy info.
reloads_are()
{
	[[ $("$GWCTL" proxy info) == *$'\nreloads: '"$1"$'\n'* ]]
}

@test "proxy reload: asks for a snapshot now; -q says nothing" {
	# A poll far longer than the test: only the asked reload can load.
	running --poll 1h
	run -0 gwctl proxy reload
	assert_output "generation $(db_generation)"
	wait_for 100 reloads_are 1 || fail "$(gwctl proxy info)"
	gwctl -q backend set web "127.0.0.1:$b1_port" --weight 7 ||
	    fail "set"
	run -0 gwctl -q proxy reload
	assert_output ''
	wait_for 100 reloads_are 2 || fail "$(gwctl proxy info)"
	run -0 gwctl proxy backends
	assert_output --partial ' weight=7 '
	run -0 gwctl proxy reload -o json
	assert_equal "$(json_eval 'd["generation"]')" "$(db_generation)"
}

@test "--socket names another socket; --db moves the default one" {
	running --control "$BATS_TEST_TMPDIR/other.sock"
	run -0 gwctl proxy info --socket "$BATS_TEST_TMPDIR/other.sock"
	assert_line "pid: $PROXY_PID"
	run -1 --separate-stderr gwctl proxy info
	assert_output ''
	assert_stderr "gwctl: $BATS_TEST_TMPDIR/gwproxy.sock: connect: No such file or directory"
	mkdir elsewhere
	run -1 --separate-stderr gwctl --db elsewhere/gw.db proxy info
	assert_stderr "gwctl: elsewhere/gwproxy.sock: connect: No such file or directory"
}

@test "no gwproxy: exit 1 and the socket's path with the reason" {
	run -1 --separate-stderr gwctl proxy stats
	assert_output ''
	assert_stderr "gwctl: $BATS_TEST_TMPDIR/gwproxy.sock: connect: No such file or directory"
	# A socket left by a dead process: nothing accepts on it.
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])' "$BATS_TEST_TMPDIR/gwproxy.sock" || fail "bind"
	run -1 --separate-stderr gwctl proxy info -o json
	assert_output ''
	assert_stderr "gwctl: $BATS_TEST_TMPDIR/gwproxy.sock: connect: Connection refused"
}

@test "usage errors exit 2" {
	run -2 --separate-stderr gwctl proxy
	assert_stderr_line 'gwctl: missing command: info, stats, backends, routes or reload'
	run -2 --separate-stderr gwctl proxy show
	assert_stderr_line 'gwctl: unknown proxy command "show"'
	run -2 --separate-stderr gwctl proxy info stats
	assert_stderr_line 'gwctl: unexpected argument "stats"'
	run -2 --separate-stderr gwctl proxy info --socket
	assert_stderr_line 'gwctl: option --socket needs an argument'
	run -0 gwctl proxy --help
	assert_line 'usage: gwctl [global-options] proxy info|stats|backends|routes|reload [--socket PATH]'
}
