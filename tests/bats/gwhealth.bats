#!/usr/bin/env bats
# gwhealth against real backends on 127.0.0.1: rise and fall counted
# exactly, each failure reason, --once and its exit status, config
# changes without a restart, gwproxy told at once, a locked database,
# DNS discovery with dnsmasq, and the command line.

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

@test "command line: -n, usage errors, a bad database" {
	run -0 --separate-stderr "$GWHEALTH" -n
	assert_output 'configuration OK'
	run -2 --separate-stderr "$GWHEALTH" -o json
	assert_stderr_line 'gwhealth: -o needs --once'
	run -2 --separate-stderr "$GWHEALTH" --once -o yaml
	assert_stderr_line 'gwhealth: invalid -o "yaml": expected text or json'
	run -2 --separate-stderr "$GWHEALTH" --bogus
	assert_stderr_line 'gwhealth: unknown option --bogus'
	run -2 --separate-stderr "$GWHEALTH" --resolv-conf /x \
	    --dns-server 127.0.0.1:53
	assert_stderr_line \
	    'gwhealth: --resolv-conf and --dns-server exclude each other'
	run -1 --separate-stderr "$GWHEALTH" --poll 10
	assert_stderr 'gwhealth: invalid --poll "10": missing unit'
	run -1 --separate-stderr "$GWHEALTH" --max-checks 0
	assert_stderr --partial 'gwhealth: invalid --max-checks "0": '
	run -1 --separate-stderr "$GWHEALTH" --db "$BATS_TEST_TMPDIR/none.db"
	assert_stderr "gwhealth: $BATS_TEST_TMPDIR/none.db: no such database; run 'gwctl init' to create it"
	run -0 "$GWHEALTH" --help
	assert_line --index 0 --partial 'usage: gwhealth [--db PATH]'
}

@test "a backend failing fall-1 times stays up, the fall-th marks it down; rise counts exactly" {
	start_backend b1
	fast_service web
	gwctl -q backend add web "127.0.0.1:$b1_port"
	start_health
	local addr=127.0.0.1:$b1_port
	wait_state web "$addr" up
	backend_stop b1
	wait_state web "$addr" down
	run health_row web "$addr"
	assert_output "down|connection refused|0|3"
	# Restart it on the same port: up after exactly rise passes.
	start_backend b1 --listen "$addr"
	wait_state web "$addr" up
	stop_health
	assert_equal "$status" 0
	run transitions web "$addr"
	assert_output "unknown|up|passed|gwhealth
up|down|connection refused|gwhealth
down|up|passed|gwhealth"
	# What the log says happened, check by check: the first pass
	# decides, three failures in a row (fall 3) mark it down, two
	# passes in a row (rise 2) bring it back.
	run checks_logged web "$addr"
	local seq
	seq=$(printf '%s\n' "${lines[@]}" | uniq -c |
	    awk '{ $1 = $1; print }' | tr '\n' ';')
	local want='^1 pass;1 =up;([0-9]+ pass;)?3 fail: connection refused;'
	want+='1 =down;([0-9]+ fail: connection refused;)?2 pass;1 =up;'
	[[ "$seq" =~ $want ]] ||
	    fail "unexpected sequence: $seq"
}

@test "a failure resets the pass streak and a pass the failure streak" {
	start_backend b1
	# 300 ms between checks; a changed check runs at once.
	gwctl -q service add web --check http --check-interval 300ms \
	    --check-fast-interval 300ms --check-timeout 200ms --check-rise 3 \
	    --check-fall 3 --check-jitter 0
	gwctl -q backend add web "127.0.0.1:$b1_port"
	start_health --poll 20ms
	local addr=127.0.0.1:$b1_port
	local pass="debug: check web/$addr: passed" n
	wait_for 100 logged_ge "$pass" 2
	# Fail twice of fall 3, pass, fail again: never three in a row.
	gwctl -q service set web --check-path '/status?code=503'
	wait_for 100 logged_ge 'failed: bad status 503' 2
	n=$(grep -c "$pass" "$HEALTH_LOG")
	gwctl -q service set web --check-path /
	wait_for 100 logged_ge "$pass" $((n + 1))
	gwctl -q service set web --check-path '/status?code=500'
	wait_for 100 logged_ge 'failed: bad status 500' 2
	stop_health
	run health_row web "$addr"
	assert_output --regexp '^up\|bad status 500\|0\|2$'
	run transitions web "$addr"
	assert_output "unknown|up|passed|gwhealth"
	# Three 503s would have been a transition: a pass came between.
	[ "$(grep -c 'failed: bad status 503' "$HEALTH_LOG")" -eq 2 ]
}

@test "--once: every failure reason, with their latencies, as text and JSON" {
	start_backend b1
	start_fake junk garbage
	local a=127.0.0.1:$b1_port dead
	dead=127.0.0.1:$(dead_port)
	gwctl -q service add ok --check http --check-path /echo \
	    --check-body '"method":"GET"' --check-timeout 500ms
	gwctl -q service add refused
	gwctl -q service add status --check http --check-path '/status?code=503'
	gwctl -q service add body --check http --check-path /echo \
	    --check-body 'not in there'
	gwctl -q service add hang --check http --check-path /hang \
	    --check-timeout 200ms
	gwctl -q service add reset --check http --check-path /reset
	gwctl -q service add junk --check http
	gwctl -q service add named --check tcp
	gwctl -q service add unchecked --check none
	for s in ok status body hang reset; do
		gwctl -q backend add "$s" "$a"
	done
	gwctl -q backend add refused "$dead"
	gwctl -q backend add junk "127.0.0.1:$junk_port"
	gwctl -q backend add named "no-such-host.invalid:80"
	gwctl -q backend add unchecked "$dead"
	gwctl -q backend add ok "$dead" --state disabled
	run -1 --separate-stderr "$GWHEALTH" --once -o json --control off \
	    --dns-server "127.0.0.1:$(dead_port)"
	[ "$(json_eval 'd["ok"]')" = false ]
	# The reasons of the checked backends, by service.
	local q='{s["name"]: [b["reason"] for b in s["backends"]'
	q+=' if b["checked"]] for s in d["services"]}'
	assert_equal "$(json_eval "$q")" \
	    '{"body": ["body mismatch"], "hang": ["timeout"],'\
' "junk": ["protocol error"], "named": ["resolve failed"], "ok": [null],'\
' "refused": ["connection refused"], "reset": ["reset"],'\
' "status": ["bad status 503"], "unchecked": []}'
	assert_equal "$(json_eval '[s["name"] for s in d["services"] if s["ok"]]')" \
	    '["ok", "unchecked"]'
	# Per address of service ok: state and whether it was checked.
	local ok='{b["address"]: [b["state"], b["checked"]]'
	ok+=' for s in d["services"] if s["name"] == "ok" for b in s["backends"]}'
	assert_equal "$(json_eval "$ok[\"$a\"]")" '["up", true]'
	assert_equal "$(json_eval "$ok[\"$dead\"]")" '["unknown", false]'
	# The timeout is honoured: the hanging check lasted 200 ms.
	local hang
	hang=$(json_eval '[s for s in d["services"] if s["name"] == "hang"][0]["backends"][0]["latency_us"]')
	[ "$hang" -ge 200000 ] && [ "$hang" -lt 400000 ] ||
	    fail "the 200 ms timeout took $hang us"
	run state unchecked "$dead"
	assert_output ''
	run -1 --separate-stderr "$GWHEALTH" --once -o text --control off \
	    --dns-server "127.0.0.1:$(dead_port)"
	assert_line --index 0 --regexp '^SERVICE +BACKEND +STATE +LATENCY +REASON$'
	assert_line --regexp "^ok +$a +up +[0-9.]+ms +-$"
	assert_line --regexp "^ok +$dead +unknown +- +not checked$"
	assert_line --regexp "^status +$a +down +[0-9.]+ms +bad status 503$"
}

@test "--once: exit status, and rise/fall against the stored streaks" {
	start_backend b1
	local addr=127.0.0.1:$b1_port
	gwctl -q service add web --check-fall 2 --check-rise 2
	gwctl -q backend add web "$addr"
	gwctl -q service add empty
	run -0 --separate-stderr "$GWHEALTH" --once --control off
	assert_output ''
	assert_equal "$(state web "$addr")" up
	backend_stop b1
	# One failure of fall 2: still up, so still a healthy service.
	run -0 --separate-stderr "$GWHEALTH" --once --control off
	assert_equal "$(health_row web "$addr")" "up|connection refused|0|1"
	# The second, counted with the stored one: down.
	run -1 --separate-stderr "$GWHEALTH" --once --control off
	assert_equal "$(health_row web "$addr")" "down|connection refused|0|2"
	assert_stderr --partial "warning: backend web/$addr is down (was up): connection refused"
	start_backend b1 --listen "$addr"
	run -1 --separate-stderr "$GWHEALTH" --once --control off
	assert_equal "$(health_row web "$addr")" "down||1|0"
	run -0 --separate-stderr "$GWHEALTH" --once --control off
	assert_equal "$(health_row web "$addr")" "up||2|0"
	run transitions web "$addr"
	assert_output "unknown|up|passed|gwhealth
up|down|connection refused|gwhealth
down|up|passed|gwhealth"
}

@test "config changes are followed without a restart; a new backend is checked at once" {
	start_backend b1
	start_backend b2
	# A long interval: only "at once" can explain a quick first check.
	gwctl -q service add web --check-interval 1m --check-timeout 500ms
	gwctl -q backend add web "127.0.0.1:$b1_port"
	start_health --poll 50ms
	wait_state web "127.0.0.1:$b1_port" up
	gwctl -q backend add web "127.0.0.1:$b2_port"
	wait_state web "127.0.0.1:$b2_port" up 40
	grep -q 'info: reload (database changed): generation [0-9]*, 2 backends checked$' \
	    "$HEALTH_LOG"
	# A changed check runs at once too: the path now answers 500.
	gwctl -q service set web --check http --check-path '/status?code=500' \
	    --check-fall 1
	wait_state web "127.0.0.1:$b2_port" down 40
	run health_row web "127.0.0.1:$b2_port"
	assert_output "down|bad status 500|0|1"
	# A backend deleted is no longer checked; one disabled neither.
	gwctl -q backend rm web "127.0.0.1:$b1_port"
	gwctl -q backend set web "127.0.0.1:$b2_port" --state disabled
	wait_for 40 grep -q 'generation [0-9]*, 0 backends checked$' \
	    "$HEALTH_LOG"
	# A config broken by hand is refused; the checks go on.
	sqlite3 "$GW_DB" "UPDATE services SET hc_expect_status = '9' WHERE name = 'web'"
	wait_for 40 grep -q 'error: reload (database changed) rejected, still checking generation' \
	    "$HEALTH_LOG"
	kill -0 "$HEALTH_PID"
	# SIGHUP reloads; SIGUSR1 logs the stats since the last SIGUSR1.
	kill -HUP "$HEALTH_PID"
	wait_for 40 grep -q 'reload (SIGHUP)' "$HEALTH_LOG"
	kill -USR1 "$HEALTH_PID"
	wait_for 40 grep -q 'info: stats for the last [^:]*: [0-9]* checks' \
	    "$HEALTH_LOG"
	stop_health
	assert_equal "$status" 0
	grep -q 'info: SIGTERM: stopping$' "$HEALTH_LOG"
	tail -1 "$HEALTH_LOG" | grep -q 'info: stopped$'
}

@test "gwproxy is told at once: a backend down leaves its rotation long before gwproxy's own poll" {
	start_backend b1
	start_backend b2
	fast_service web
	gwctl -q backend add web "127.0.0.1:$b1_port"
	gwctl -q backend add web "127.0.0.1:$b2_port"
	gwctl -q route add all --service web
	# gwproxy reads the database by itself only every 30 s.
	start_proxy --poll 30s --workers 1
	start_health --control "$CONTROL"
	local addr=127.0.0.1:$b1_port
	wait_state web "$addr" up
	wait_for 40 ctl_health_is "$addr" up ||
	    fail "gwproxy: $(ctl 'show backends')"
	backend_stop b1
	wait_for 40 ctl_health_is "$addr" down ||
	    fail "gwproxy still has it: $(ctl 'show backends')"
	# From the transition to gwproxy serving it: within one check
	# interval (100 ms) plus 100 ms.
	local down served
	down=$(log_ms "$HEALTH_LOG" "backend web/$addr is down")
	served=$(log_ms "$PROXY_LOG" 'reload (asked)' "$down")
	[ -n "$served" ] && [ $((served - down)) -le 200 ] ||
	    fail "marked down at $down, served at ${served:-never}"
	# Traffic goes to b2 only.
	local n
	for n in 1 2 3 4; do
		run -0 pcurl "$(purl /)"
		assert_output "b2 GET /"
	done
	# It comes back, and gets traffic again.
	start_backend b1 --listen "$addr"
	wait_for 40 ctl_health_is "$addr" up ||
	    fail "gwproxy: $(ctl 'show backends')"
	local seen=
	for n in 1 2 3 4; do
		run -0 pcurl "$(purl /)"
		seen+="$output;"
	done
	[[ "$seen" == *"b1 GET /"* ]] || fail "b1 got no traffic: $seen"
	grep -q 'gwproxy reloaded' "$HEALTH_LOG"
}

@test "one of three backends killed under a GET load through gwproxy: no request fails" {
	start_backend b1
	start_backend b2
	start_backend b3
	# A GET the dying backend took but did not answer goes elsewhere.
	fast_service web --check-fall 1 --retry-on connect-failure,reset \
	    --max-retries 10
	local b
	for b in b1 b2 b3; do
		gwctl -q backend add web "127.0.0.1:$(backend_port "$b")"
	done
	gwctl -q route add all --service web
	start_proxy --poll 30s --workers 2
	start_health --control "$CONTROL"
	wait_state web "127.0.0.1:$b3_port" up
	# 600 GETs, 4 connections; the count so far in a file.
	python3 -c '
import http.client, sys, threading
port, total, progress = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
done = [0, 0]
def client():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    while True:
        with lock:
            if done[0] >= total:
                return
            done[0] += 1
            n = done[0]
        try:
            c.request("GET", "/")
            r = c.getresponse()
            r.read()
            if r.status != 200:
                raise Exception("status %d" % r.status)
        except Exception as e:
            with lock:
                done[1] += 1
            print("request %d failed: %s" % (n, e), flush=True)
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        if n % 20 == 0:
            open(progress, "w").write("%d\n" % n)
ts = [threading.Thread(target=client) for _ in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
open(progress, "w").write("%d %d\n" % (done[0], done[1]))
' "$PROXY_PORT" 600 "$BATS_TEST_TMPDIR/progress" \
	    >"$BATS_TEST_TMPDIR/load.out" 2>&1 3>&- &
	local load=$!
	track_pid "$load"
	wait_for 200 progress_ge 100 || fail "the load did not start"
	backend_stop b2
	wait_for 400 load_done ||
	    fail "the load did not end: $(cat "$BATS_TEST_TMPDIR/progress")"
	wait "$load"
	run cat "$BATS_TEST_TMPDIR/load.out"
	assert_output ''
	run cat "$BATS_TEST_TMPDIR/progress"
	assert_output '600 0'
	wait_state web "127.0.0.1:$b2_port" down
}

# load_done: the load has ended ("REQUESTS FAILED" in the file).
load_done()
{
	[ -n "$(awk 'NF == 2' "$BATS_TEST_TMPDIR/progress")" ]
}

# progress_ge N: the load has done N requests or more.
progress_ge()
{
	[ "$(awk '{ print $1 }' "$BATS_TEST_TMPDIR/progress" 2>/dev/null)" \
	    -ge "$1" ] 2>/dev/null
}

# ctl_health_is ADDR STATE: gwproxy's show backends has ADDR with it.
ctl_health_is()
{
	ctl 'show backends' | grep -q "^web $1 .* health=$2 "
}

@test "a database locked for 2 s loses no transition, and checks go on meanwhile" {
	start_backend b1
	fast_service web --check-fall 1
	gwctl -q backend add web "127.0.0.1:$b1_port"
	start_health
	local addr=127.0.0.1:$b1_port
	wait_state web "$addr" up
	# Hold the write lock for 2 s; kill the backend meanwhile.
	python3 -c '
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(2)
db.execute("COMMIT")
' "$GW_DB" "$BATS_TEST_TMPDIR/locked" 3>&- &
	local locker=$!
	track_pid "$locker"
	wait_for 100 test -e "$BATS_TEST_TMPDIR/locked"
	backend_stop b1
	wait_for 40 grep -q "backend web/$addr is down (was up)" "$HEALTH_LOG"
	local before
	before=$(grep -c "debug: check web/$addr: failed" "$HEALTH_LOG")
	wait_for 40 logged_ge "debug: check web/$addr: failed" $((before + 3))
	# Still locked: nothing written yet, yet checks went on.
	kill -0 "$locker"
	run state web "$addr"
	assert_output up
	wait "$locker"
	wait_state web "$addr" down
	run transitions web "$addr"
	assert_output "unknown|up|passed|gwhealth
up|down|connection refused|gwhealth"
}

@test "DNS discovery follows addresses added and removed, keeps static backends, survives a DNS blip, lets go when the name goes" {
	start_dnsmasq test
	# Two "pods" on one port: 127.0.0.1 and ::1 (loopback only).
	start_backend p4
	local port
	port=$(backend_port p4)
	start_backend p6 --listen "[::1]:$port"
	start_backend s1
	dns_hosts "127.0.0.1 web.test"
	fast_service web --dns web.test --dns-port "$port"
	gwctl -q backend add web "127.0.0.1:$s1_port"
	start_health --poll 50ms --dns-server "127.0.0.1:$DNS_PORT"
	wait_state web "127.0.0.1:$port" up
	run db_query "SELECT b.host, b.port, b.source FROM backends b
	    ORDER BY source DESC, host"
	assert_output "127.0.0.1|$s1_port|static
127.0.0.1|$port|dns"
	run db_query "SELECT user, command, summary FROM generations
	    ORDER BY generation DESC LIMIT 1"
	assert_output "$(gw_user)|gwhealth discovery|backend/web/127.0.0.1:$port created"
	run db_query "SELECT kind, name, op, before_json IS NULL, after_json
	    FROM changes WHERE generation = (SELECT max(generation) FROM generations)"
	local after='{"service":"web","address":"127.0.0.1:'$port'","weight":1,'
	after+='"state":"enabled","source":"dns"}'
	assert_output "backend|web/127.0.0.1:$port|create|1|$after"
	# A pod comes.
	dns_hosts "127.0.0.1 web.test" "::1 web.test"
	wait_state web "[::1]:$port" up
	# A pod goes.
	dns_hosts "::1 web.test"
	wait_for 100 bash -c "[ -z \"\$(sqlite3 '$GW_DB' \"SELECT 1 FROM
	    backends WHERE source = 'dns' AND host = '127.0.0.1'\")\" ]" ||
	    fail "127.0.0.1:$port stayed: $(db_query 'SELECT * FROM backends')"
	run db_query "SELECT summary FROM generations ORDER BY generation DESC LIMIT 1"
	assert_output "backend/web/127.0.0.1:$port deleted"
	# The name vanishes: nothing is removed, the failure is logged once.
	dns_hosts "127.0.0.9 other.test"
	wait_for 100 grep -q "warning: discovery of service \"web\": web.test: resolve failed (.*); keeping its 1 backends" \
	    "$HEALTH_LOG"
	run db_query "SELECT host, source FROM backends ORDER BY source DESC"
	assert_output "127.0.0.1|static
::1|dns"
	dns_hosts "::1 web.test"
	wait_for 100 grep -q 'info: discovery of service "web": web.test resolves again' \
	    "$HEALTH_LOG"
	[ "$(grep -c 'resolve failed' "$HEALTH_LOG")" -eq 1 ]
	run gwctl history
	assert_output --regexp " $(gw_user) +backend/web/127.0.0.1:$port deleted"
	# The service stops naming a name: its discovered backends go.
	gwctl -q service set web --dns ''
	wait_for 100 no_backend ::1 || fail "::1 stayed"
	run db_query "SELECT host, source FROM backends"
	assert_output "127.0.0.1|static"
	grep -q 'info: discovery of service "web": no DNS name any more, removing its discovered backends' \
	    "$HEALTH_LOG" || fail "not logged"
}

@test "SIGTERM writes the last results; a stopped gwhealth resumes from the stored streaks" {
	start_backend b1
	fast_service web --check-interval 2s --check-fast-interval 2s \
	    --check-timeout 1s --check-fall 3
	gwctl -q backend add web "127.0.0.1:$b1_port"
	local addr=127.0.0.1:$b1_port
	start_health
	wait_state web "$addr" up
	stop_health
	backend_stop b1
	# Two failures stored, one by each of two runs: still up.
	run -0 --separate-stderr "$GWHEALTH" --once --control off
	run -0 --separate-stderr "$GWHEALTH" --once --control off
	assert_equal "$(health_row web "$addr")" "up|connection refused|0|2"
	# The daemon, started again, checks a backend with a stored state
	# within its first interval (2 s, spread at random), and its first
	# failure is the third in a row.
	start_health
	wait_state web "$addr" down 60
	assert_equal "$(health_row web "$addr")" "down|connection refused|0|3"
}
