#!/usr/bin/env bats
# gwctl get health, get events and status, and how gwctl treats the
# backends DNS discovery found.  gwhealth and gwproxy are played by sqlite3:
# the rows they would write (backend_health, health_transitions,
# backend_ejections, backends with source 'dns') are written by hand, so
# these tests are about gwctl alone.

load helpers

setup()
{
	gw_setup
}

# gwctl ARG... succeeds and prints nothing.
quietly()
{
	run -0 --separate-stderr "$GWCTL" "$@"
	assert_output ''
	assert_equal "$stderr" ''
}

# The id of backend HOST:PORT of SERVICE.
backend_id()
{
	db_query "SELECT b.id FROM backends b JOIN services s
	    ON s.id = b.service_id WHERE s.name = '$1' AND b.host = '$2'
	    AND b.port = $3"
}

# health SERVICE HOST PORT STATE SINCE CHECKED LATENCY_US REASON PASS FAIL:
# a backend_health row as gwhealth writes it (REASON '' is NULL).
health()
{
	local id reason=NULL

	id=$(backend_id "$1" "$2" "$3")
	[ -n "$id" ] || fail "no backend $1/$2:$3"
	[ -z "$8" ] || reason="'$8'"
	db_query "INSERT INTO backend_health (backend_id, state, since_at,
	    checked_at, latency_us, reason, pass_streak, fail_streak) VALUES
	    ($id, '$4', $5, $6, $7, $reason, $9, ${10})" ||
	    fail "cannot write health of $1/$2:$3"
}

# eject SERVICE HOST PORT INSTANCE UNTIL REASON: gwproxy's ejection row.
eject()
{
	local id

	id=$(backend_id "$1" "$2" "$3")
	db_query "INSERT INTO backend_ejections (backend_id, instance,
	    ejected_at, until_at, ejections, reason) VALUES ($id, '$4',
	    $(($5 - 30000)), $5, 1, '$6')" || fail "cannot eject $1/$2:$3"
}

# event AT SERVICE BACKEND FROM TO REASON [SOURCE]: a transition.
event()
{
	db_query "INSERT INTO health_transitions (at, service, backend,
	    from_state, to_state, reason, source) VALUES ($1, '$2', '$3',
	    '$4', '$5', '$6', '${7:-gwhealth}')" || fail "cannot log $*"
}

# dns SERVICE HOST PORT: a backend as gwhealth's discovery adds it.
dns_backend()
{
	db_query "INSERT INTO backends (service_id, host, port, source)
	    VALUES ((SELECT id FROM services WHERE name = '$1'), '$2', $3,
	    'dns')" || fail "cannot add dns backend $1/$2:$3"
}

# 2026-11-26T09:30:00Z, a fixed past time for rows whose time is shown.
T0=1795685400000

#
# get health
#

@test "get health: checked, never checked, no check, ejected" {
	gw_fixture
	quietly service add api --check none
	quietly backend add api 10.0.2.1:80
	quietly service add late --check-initial down
	quietly backend add late 10.0.3.1:80
	health web 10.0.0.1 8080 up "$T0" $((T0 + 5000)) 1250 '' 3 0
	health web 10.0.0.2 8080 down "$T0" $((T0 + 5000)) 0 \
	    'connection refused' 0 4
	eject web 10.0.0.1 8080 h:1 $(($(now_ms) + 60000)) \
	    '5 consecutive 5xx'
	run -0 --separate-stderr gwctl get health
	assert_equal "$stderr" ''
	assert_line --index 0 --regexp '^SERVICE +BACKEND +STATE +EJECTED +SINCE +LAST-CHECK +LATENCY +STREAK +REASON$'
	assert_line --index 1 --regexp '^api +10\.0\.2\.1:80 +up +no +<none> +no health check +<none> +<none> +<none>$'
	assert_line --index 2 --regexp '^late +10\.0\.3\.1:80 +down +no +<none> +never checked +<none> +<none> +<none>$'
	assert_line --index 3 --regexp '^web +10\.0\.0\.1:8080 +up +(1m|[0-9]+s) left +2026-11-26T09:30:00Z +2026-11-26T09:30:05Z +1\.250ms +3 pass +<none>$'
	assert_line --index 4 --regexp '^web +10\.0\.0\.2:8080 +down +no +2026-11-26T09:30:00Z +2026-11-26T09:30:05Z +0\.000ms +4 fail +connection refused$'
	assert_equal "${#lines[@]}" 5
}

@test "get health SERVICE, --service, and an unknown service" {
	gw_fixture
	health web 10.0.0.1 8080 up "$T0" "$T0" 100 '' 1 0
	run -0 gwctl get health web
	assert_equal "${#lines[@]}" 3
	assert_line --index 1 --regexp '^web +10\.0\.0\.1:8080 +up +no '
	# Never checked, health_check.initial up.
	assert_line --index 2 --regexp '^web +10\.0\.0\.2:8080 +up +no +<none> +never checked '
	run -0 gwctl get health --service other
	assert_equal "${#lines[@]}" 1
	refuse 1 'service "nope" not found' get health nope
	refuse 2 'unexpected argument "extra"' get health web extra
}

@test "get health -o json: the fields, times as text and ms" {
	gw_fixture
	health web 10.0.0.2 8080 down "$T0" $((T0 + 2000)) 900 timeout 0 2
	eject web 10.0.0.2 8080 h:1 $(($(now_ms) + 60000)) reset
	eject web 10.0.0.2 8080 h:2 $(($(now_ms) - 1000)) 'old one'
	run -0 --separate-stderr gwctl get health web -o json
	assert_equal "$(json_eval 'len(d)')" 2
	assert_equal "$(json_eval 'sorted(d[1])')" '["admin_state", "backend", "checked", "ejected", "ejected_until", "ejected_until_ms", "ejection_reason", "fail_streak", "last_check", "last_check_ms", "latency_us", "pass_streak", "reason", "service", "since", "since_ms", "source", "state"]'
	assert_equal "$(json_eval '[d[1][k] for k in ("service", "backend", "source", "admin_state", "state", "checked", "since", "since_ms", "last_check", "last_check_ms", "latency_us", "reason", "pass_streak", "fail_streak", "ejected", "ejection_reason")]')" \
	    "[\"web\", \"10.0.0.2:8080\", \"static\", \"enabled\", \"down\", true, \"2026-11-26T09:30:00Z\", $T0, \"2026-11-26T09:30:02Z\", $((T0 + 2000)), 900, \"timeout\", 0, 2, true, \"reset\"]"
	[ "$(json_eval 'd[1]["ejected_until_ms"]')" -gt "$(now_ms)" ]
	# Never checked: the initial state, and nulls.
	assert_equal "$(json_eval '[d[0][k] for k in ("state", "checked", "since", "last_check", "latency_us", "reason", "ejected", "ejected_until")]')" \
	    '["up", false, null, null, null, null, false, null]'
	run -0 gwctl get health web -o yaml
	assert_line '  backend: 10.0.0.2:8080'
	assert_line '  ejected: true'
}

@test "get health shows the backends found by DNS, with their source" {
	gw_fixture
	quietly service set web --dns web.default.svc.cluster.local
	dns_backend web 10.1.0.7 8080
	run -0 gwctl get health web -o json
	assert_equal "$(json_eval '[[b["backend"], b["source"]] for b in d]')" \
	    '[["10.0.0.1:8080", "static"], ["10.0.0.2:8080", "static"], ["10.1.0.7:8080", "dns"]]'
}

#
# get events
#

@test "get events: newest first, with the source; --limit" {
	gw_fixture
	event "$T0" web 10.0.0.1:8080 unknown up 'passed'
	event $((T0 + 1000)) web 10.0.0.2:8080 unknown down 'connection refused'
	event $((T0 + 2000)) web 10.0.0.1:8080 up ejected '5 consecutive 5xx' gwproxy
	event $((T0 + 2000)) other 10.9.9.9:80 up down 'timeout'
	run -0 --separate-stderr gwctl get events
	assert_equal "$stderr" ''
	assert_output "$(cat <<'EOF'
TIME                   SERVICE   BACKEND         FROM      TO        SOURCE     REASON
2026-11-26T09:30:02Z   other     10.9.9.9:80     up        down      gwhealth   timeout
2026-11-26T09:30:02Z   web       10.0.0.1:8080   up        ejected   gwproxy    5 consecutive 5xx
2026-11-26T09:30:01Z   web       10.0.0.2:8080   unknown   down      gwhealth   connection refused
2026-11-26T09:30:00Z   web       10.0.0.1:8080   unknown   up        gwhealth   passed
EOF
)"
	run -0 gwctl get events --limit 2
	assert_equal "${#lines[@]}" 3
	assert_line --index 2 --regexp '^2026-11-26T09:30:02Z +web +10\.0\.0\.1:8080 +up +ejected '
	run -0 gwctl get events --service web -o json
	assert_equal "$(json_eval '[[e["time_ms"], e["to"], e["source"]] for e in d]')" \
	    "[[$((T0 + 2000)), \"ejected\", \"gwproxy\"], [$((T0 + 1000)), \"down\", \"gwhealth\"], [$T0, \"up\", \"gwhealth\"]]"
	assert_equal "$(json_eval 'sorted(d[0])')" '["backend", "from", "reason", "service", "source", "time", "time_ms", "to"]'
	assert_equal "$(json_eval 'd[0]["time"]')" 2026-11-26T09:30:02Z
	# The log outlives services: a name that is gone is not an error.
	run -0 gwctl get events --service gone
	assert_equal "${#lines[@]}" 1
}

@test "get events: 100 by default, --limit 0 for all" {
	gw_init
	local sql="" i
	for i in $(seq 1 150); do
		sql="$sql INSERT INTO health_transitions (at, service, backend, from_state, to_state, reason) VALUES ($((T0 + i)), 'web', '10.0.0.1:80', 'up', 'down', 'timeout $i');"
	done
	db_query "$sql"
	run -0 gwctl get events -o json
	assert_equal "$(json_eval 'len(d)')" 100
	assert_equal "$(json_eval 'd[0]["reason"]')" 'timeout 150'
	assert_equal "$(json_eval 'd[99]["reason"]')" 'timeout 51'
	run -0 gwctl get events --limit 0 -o json
	assert_equal "$(json_eval 'len(d)')" 150
	refuse 2 'invalid --limit "-1": too small' get events --limit -1
	refuse 2 'invalid --limit "x": invalid' get events --limit x
}

@test "get events --since: a duration back from now, or an RFC 3339 time" {
	gw_init
	local now
	now=$(now_ms)
	event $((now - 7200000)) web 10.0.0.1:80 up down 'two hours ago'
	event $((now - 1800000)) web 10.0.0.1:80 down up 'half an hour ago'
	event $((now - 1000)) web 10.0.0.1:80 up down 'a second ago'
	run -0 gwctl get events --since 1h -o json
	assert_equal "$(json_eval '[e["reason"] for e in d]')" '["a second ago", "half an hour ago"]'
	run -0 gwctl get events --since 10s -o json
	assert_equal "$(json_eval '[e["reason"] for e in d]')" '["a second ago"]'
	run -0 gwctl get events --since 3h -o json
	assert_equal "$(json_eval 'len(d)')" 3
	event "$T0" web 10.0.0.1:80 up down 'at T0'
	event $((T0 - 1)) web 10.0.0.1:80 up down 'just before T0'
	run -0 gwctl get events --since 2026-11-26T09:30:00Z --limit 0 -o json
	assert_equal "$(json_eval '[e["reason"] for e in d][-1]')" 'at T0'
	run -0 gwctl get events --since 2026-11-26T10:30:00+01:00 --limit 0 -o json
	assert_equal "$(json_eval '[e["reason"] for e in d][-1]')" 'at T0'
	run -0 gwctl get events --since '2026-11-26 09:29:59.999Z' --limit 0 -o json
	assert_equal "$(json_eval '[e["reason"] for e in d][-1]')" 'just before T0'
	refuse 2 'invalid --since "yesterday": expected a duration such as 1h or a time such as 2026-11-26T09:30:00Z' \
	    get events --since yesterday
	refuse 2 'invalid --since "2026-02-30T00:00:00Z"' \
	    get events --since 2026-02-30T00:00:00Z
	refuse 2 '--since and --limit are for get events' get services --since 1h
	refuse 2 '--since and --limit are for get events' get health --limit 3
	refuse 2 'unexpected argument "web"' get events web
}

#
# status
#

@test "status: every service with a usable backend exits 0" {
	gw_init
	quietly service add web
	quietly backend add web 10.0.0.1:80
	quietly backend add web 10.0.0.2:80 --state drain
	quietly backend add web 10.0.0.3:80 --state disabled
	quietly service add api --check-initial down
	quietly backend add api 10.0.1.1:80
	quietly backend add api 10.0.1.2:80
	health api 10.0.1.1 80 up "$T0" "$T0" 10 '' 2 0
	run -0 --separate-stderr gwctl status
	assert_equal "$stderr" ''
	assert_output "$(cat <<'EOF'
SERVICE   HEALTHY   EJECTED   DRAINING   DISABLED   USABLE
api       1/2       0         0          0          1
web       3/3       0         1          1          1
EOF
)"
	run -0 gwctl status -o json
	assert_equal "$(json_eval 'd["ok"]')" true
	assert_equal "$(json_eval 'd["services"][1]')" \
	    '{"backends": 3, "disabled": 1, "draining": 1, "ejected": 0, "healthy": 3, "service": "web", "usable": 1}'
	# No service at all: nothing is unusable.
	rm -f "$GW_DB"*
	gw_init
	run -0 gwctl status
	assert_output --regexp '^SERVICE +HEALTHY +EJECTED +DRAINING +DISABLED +USABLE$'
}

@test "status exits 1 and names each service without a usable backend" {
	gw_init
	quietly service add down
	quietly backend add down 10.0.0.1:80
	health down 10.0.0.1 80 down "$T0" "$T0" 0 timeout 0 3
	quietly service add drained
	quietly backend add drained 10.0.1.1:80 --state drain
	quietly service add ejected
	quietly backend add ejected 10.0.2.1:80
	eject ejected 10.0.2.1 80 h:1 $(($(now_ms) + 60000)) '5 consecutive 5xx'
	quietly service add empty
	quietly service add fine
	quietly backend add fine 10.0.3.1:80
	eject fine 10.0.3.1 80 h:1 $(($(now_ms) - 1)) 'an ejection that ended'
	quietly service add waiting --check-initial down
	quietly backend add waiting 10.0.4.1:80
	run -1 --separate-stderr gwctl status
	assert_output "$(cat <<'EOF'
SERVICE   HEALTHY   EJECTED   DRAINING   DISABLED   USABLE
down      0/1       0         0          0          0
drained   1/1       0         1          0          0
ejected   1/1       1         0          0          0
empty     0/0       0         0          0          0
fine      1/1       0         0          0          1
waiting   0/1       0         0          0          0
EOF
)"
	assert_equal "$stderr" "$(cat <<'EOF'
gwctl: service "down" has no usable backend
gwctl: service "drained" has no usable backend
gwctl: service "ejected" has no usable backend
gwctl: service "empty" has no usable backend
gwctl: service "waiting" has no usable backend
EOF
)"
	run -1 --separate-stderr gwctl status -o json
	assert_equal "$(json_eval 'd["ok"]')" false
	assert_equal "$(json_eval '[s["service"] for s in d["services"] if s["usable"] == 0]')" \
	    '["down", "drained", "ejected", "empty", "waiting"]'
	refuse 2 'unexpected argument "web"' status web
}

@test "status: a service without a check counts its backends healthy" {
	gw_init
	quietly service add web --check none --check-initial down
	quietly backend add web 10.0.0.1:80
	run -0 gwctl status
	assert_line --index 1 --regexp '^web +1/1 +0 +0 +0 +1$'
}

#
# Backends found by DNS discovery
#

@test "dns backends: get shows them, export leaves them out" {
	gw_fixture
	quietly service set web --dns web.default.svc.cluster.local --dns-port 8080
	dns_backend web 10.1.0.7 8080
	run -0 gwctl get backends --service web
	assert_output "$(cat <<'EOF'
SERVICE   ADDRESS         WEIGHT   STATE     SOURCE
web       10.0.0.1:8080   5        enabled   static
web       10.0.0.2:8080   1        enabled   static
web       10.1.0.7:8080   1        enabled   dns
EOF
)"
	run -0 gwctl get backends --service web -o json
	assert_equal "$(json_eval '[b["source"] for b in d]')" '["static", "static", "dns"]'
	run -0 gwctl get services web -o json
	assert_equal "$(json_eval '[b["address"] for b in d["backends"]]')" \
	    '["10.0.0.1:8080", "10.0.0.2:8080", "10.1.0.7:8080"]'
	assert_equal "$(json_eval 'd["discovery"]')" \
	    '{"dns": "web.default.svc.cluster.local", "port": 8080}'
	run -0 gwctl describe backend web/10.1.0.7:8080
	assert_line '  source: dns'
	run -0 gwctl export
	refute_line --partial '10.1.0.7'
	refute_line --partial 'source'
	assert_line '  discovery:'
	assert_line '    dns: web.default.svc.cluster.local'
	assert_line '    port: 8080'
}

@test "dns backends: export | apply --prune, diff and get all round trips change nothing" {
	gw_fixture
	dns_backend web 10.1.0.7 8080
	dns_backend web 10.1.0.8 8080
	gen=$(db_generation)
	snap_db
	gwctl export >gw.yaml
	run -0 gwctl diff -f gw.yaml --prune
	assert_output 'no changes'
	run -0 gwctl apply --prune -f gw.yaml
	assert_output 'no changes'
	gwctl get all -o yaml >all.yaml
	grep -q 'source: dns' all.yaml || fail "get all -o yaml has no dns backend"
	run -0 gwctl apply --prune -f all.yaml
	assert_output 'no changes'
	run -0 gwctl apply -f all.yaml
	assert_output 'no changes'
	run -0 gwctl validate -f all.yaml
	assert_db_unchanged
	assert_equal "$(db_generation)" "$gen"
}

@test "dns backends: apply --prune removes static backends, keeps the dns ones" {
	gw_fixture
	dns_backend web 10.1.0.7 8080
	dns_backend other 10.2.0.1 80
	cat >web.yaml <<'EOF'
services:
- name: web
  backends:
  - address: 10.0.0.1:8080
routes:
- name: api
  service: web
EOF
	run -0 gwctl apply --prune -f web.yaml
	assert_line 'backend/web/10.0.0.2:8080 deleted'
	refute_line --partial '10.1.0.7'
	# Service other goes, its backends with it, the dns one too.
	assert_line 'backend/other/10.2.0.1:80 deleted'
	assert_line 'service/other deleted'
	assert_equal "$(db_query "SELECT host || ':' || source FROM backends ORDER BY host")" \
	    "$(printf '10.0.0.1:static\n10.1.0.7:dns')"
}

@test "dns backends: a file that names one takes it over; one that says source dns is ignored" {
	gw_fixture
	dns_backend web 10.1.0.7 8080
	dns_backend web 10.1.0.8 8080
	cat >web.yaml <<'EOF'
services:
- name: web
  lb: weighted
  backends:
  - address: 10.1.0.7:8080
    weight: 4
  - address: 10.1.0.8:8080
    weight: 9
    source: dns
  - address: 10.1.0.9:8080
    source: dns
EOF
	run -1 gwctl diff -f web.yaml
	assert_output "$(cat <<'EOF'
backend/web/10.1.0.7:8080 configured
    weight: 1 -> 4
    source: dns -> static
EOF
)"
	run -0 gwctl apply -f web.yaml
	assert_output 'backend/web/10.1.0.7:8080 configured'
	assert_equal "$(db_query "SELECT host || ':' || weight || ':' || source FROM backends WHERE host LIKE '10.1.%' ORDER BY host")" \
	    "$(printf '10.1.0.7:4:static\n10.1.0.8:1:dns')"
	run -0 gwctl history "$(db_generation)"
	assert_line '    source: dns -> static'
	run -0 gwctl history "$(db_generation)" -o json
	assert_equal "$(json_eval '[d["changes"][0]["before"]["source"], "source" in d["changes"][0]["after"]]')" \
	    '["dns", false]'
	# Rolling back makes it discovery's again.
	run -0 gwctl rollback $(($(db_generation) - 1))
	assert_equal "$(db_query "SELECT weight || ':' || source FROM backends WHERE host = '10.1.0.7'")" '1:dns'
	sed 's/source: dns/source: file/' web.yaml >bad.yaml
	refuse 1 'bad.yaml:9: backend "web/10.1.0.8:8080": source: invalid value "file": expected static or dns' \
	    apply -f bad.yaml
}

@test "dns backends: backend add makes one static, drain and rm work on it" {
	gw_fixture
	dns_backend web 10.1.0.7 8080
	quietly backend drain web 10.1.0.7:8080
	assert_equal "$(db_query "SELECT admin_state || ':' || source FROM backends WHERE host = '10.1.0.7'")" 'drain:dns'
	run -0 --separate-stderr gwctl backend add web 10.1.0.7:8080 --weight 3
	assert_output ''
	assert_equal "$stderr" ''
	assert_equal "$(db_query "SELECT weight || ':' || admin_state || ':' || source FROM backends WHERE host = '10.1.0.7'")" '3:enabled:static'
	refuse 1 'backend "web/10.1.0.7:8080" already exists' backend add web 10.1.0.7:8080
	dns_backend web 10.1.0.8 8080
	run -0 gwctl backend rm web 10.1.0.8:8080
	assert_equal "$(db_query "SELECT count(*) FROM backends WHERE host = '10.1.0.8'")" 0
}

@test "service options of discovery and passive health: flags, YAML, validation" {
	gw_init
	run -0 gwctl service add web --dns Web.NS.svc --dns-port 8080 \
	    --eject-5xx 3 --eject-gateway-failures 0 --eject-time 10s \
	    --eject-max-time 2m --eject-max-percent 34
	assert_equal "$(db_query 'SELECT discovery_dns, discovery_port, outlier_5xx, outlier_gateway, outlier_base_ms, outlier_max_ms, outlier_max_pct FROM services')" \
	    'web.ns.svc|8080|3|0|10000|120000|34'
	run -0 gwctl export
	assert_line '  outlier_detection:'
	assert_line '    consecutive_5xx: 3'
	assert_line '    consecutive_gateway_failures: 0'
	assert_line '    base_ejection_time: 10s'
	assert_line '    max_ejection_time: 2m'
	assert_line '    max_ejection_percent: 34%'
	refuse 1 'service "web": outlier_detection.max_ejection_time 5s is shorter than base_ejection_time 10s' \
	    service set web --eject-max-time 5s
	refuse 1 'service "web": invalid dns "10.0.0.1": an IP address, not a DNS name' \
	    service set web --dns 10.0.0.1
	refuse 1 'service "web": invalid eject-max-percent "101": out of range 0..100' \
	    service set web --eject-max-percent 101
	run -0 gwctl service set web --dns ''
	assert_equal "$(db_query 'SELECT discovery_dns IS NULL FROM services')" 1
	cat >bad.yaml <<'EOF'
services:
- name: api
  discovery:
    dns: 10.0.0.1
  outlier_detection:
    base_ejection_time: 1m
    max_ejection_time: 30s
EOF
	run -1 --separate-stderr gwctl validate -f bad.yaml
	assert_stderr_line 'gwctl: bad.yaml:4: service "api": discovery.dns: invalid value "10.0.0.1": an IP address, not a DNS name'
	assert_stderr_line 'gwctl: bad.yaml:7: service "api": outlier_detection.max_ejection_time 30s is shorter than base_ejection_time 1m'
}
