#!/usr/bin/env bats
# The imperative commands (service, backend, route: add, set, rm, drain,
# enable, disable) and the readers (get, describe) in every output format.
# Every change is checked in the database itself, columns as in
# common/schema.c, and in its history record.

load helpers

setup()
{
	gw_setup
}

# A successful edit is quiet: exit 0, nothing on stdout or stderr.
quietly()
{
	run -0 --separate-stderr "$GWCTL" "$@"
	assert_output ''
	assert_equal "$stderr" ''
}

svc_cols="lb_policy, hash_key, connect_timeout_ms, request_timeout_ms,
    idle_timeout_ms, retries, retry_on, cb_max_connections, cb_max_pending,
    cb_max_requests, cb_max_retries, hc_type, hc_method, hc_path,
    quote(hc_host), hc_expect_status, quote(hc_expect_body), hc_interval_ms,
    hc_fast_interval_ms, hc_timeout_ms, hc_rise, hc_fall, hc_jitter_pct,
    hc_initial, panic_threshold_pct"

svc_row()
{
	db_query "SELECT $svc_cols FROM services WHERE name = '$1'"
}

be_row()
{
	db_query "SELECT s.name, b.host, b.port, b.weight, b.admin_state
	    FROM backends b JOIN services s ON s.id = b.service_id
	    WHERE s.name = '$1' AND b.host = '$2' AND b.port = $3"
}

rt_row()
{
	db_query "SELECT r.name, r.priority, quote(r.host), r.path_type, r.path,
	    quote(r.methods), s.name, quote(r.rewrite), quote(r.timeout_ms)
	    FROM routes r JOIN services s ON s.id = r.service_id
	    WHERE r.name = '$1'"
}

rt_headers()
{
	db_query "SELECT h.name, quote(h.value) FROM route_headers h
	    JOIN routes r ON r.id = h.route_id WHERE r.name = '$1'
	    ORDER BY h.name"
}

rt_edits()
{
	db_query "SELECT e.phase, e.op, e.name, quote(e.value)
	    FROM route_header_edits e JOIN routes r ON r.id = e.route_id
	    WHERE r.name = '$1' ORDER BY e.seq"
}

# The last history record: generation|kind|name|op.
last_change()
{
	db_query "SELECT generation, kind, name, op FROM changes
	    ORDER BY id DESC LIMIT 1"
}

#
# service
#

@test "service add: defaults, quiet, one generation with its history" {
	gw_init
	quietly service add web
	assert_equal "$(svc_row web)" \
	    'round_robin|ip|3000|15000|60000|1|connect-failure,reset|1024|1024|1024|3|tcp|GET|/|NULL|200-399|NULL|5000|1000|1000|2|3|10|up|0'
	assert_equal "$(db_generation)" 1
	assert_equal "$(db_query 'SELECT user, command, summary FROM generations
	    WHERE generation = 1')" \
	    "$(gw_user)|gwctl service add web|service/web created"
	assert_equal "$(last_change)" '1|service|web|create'
	assert_equal "$(db_query "SELECT before_json IS NULL,
	    json_extract(after_json, '\$.name') FROM changes")" '1|web'
}

@test "service add with every option stores each in its column" {
	gw_init
	quietly service add web --lb hash --hash-key header:X-User \
	    --connect-timeout 250ms --request-timeout 30s --idle-timeout 2m \
	    --retries 3 --retry-on 5xx,connect-failure --max-connections 10 \
	    --max-pending 0 --max-requests 20 --max-retries 2 --check http \
	    --check-method head --check-path /healthz \
	    --check-host Health.Example.com --check-expect 204,200-299 \
	    --check-body ok --check-interval 10s --check-fast-interval 2s \
	    --check-timeout 500ms --check-rise 4 --check-fall 5 \
	    --check-jitter 20% --check-initial down --panic-threshold 50
	assert_equal "$(svc_row web)" \
	    "hash|header:x-user|250|30000|120000|3|connect-failure,5xx|10|0|20|2|http|HEAD|/healthz|'health.example.com'|200-299|'ok'|10000|2000|500|4|5|20|down|50"
	assert_equal "$(db_generation)" 1
}

@test "service set changes only what it names, as one generation" {
	gw_fixture
	gen=$(db_generation)
	before=$(svc_row web)
	quietly service set web --retries 2 --check-path /ping
	assert_equal "$(db_generation)" $((gen + 1))
	assert_equal "$(svc_row web)" "$(printf '%s' "$before" |
	    sed 's/|1|connect-failure,reset|/|2|connect-failure,reset|/; s/|GET|\/|/|GET|\/ping|/')"
	assert_equal "$(last_change)" "$((gen + 1))|service|web|update"
	assert_equal "$(db_query "SELECT json_extract(before_json, '\$.retries.count'),
	    json_extract(after_json, '\$.retries.count'),
	    json_extract(after_json, '\$.health_check.path')
	    FROM changes WHERE generation = $((gen + 1))")" '1|2|/ping'
	assert_equal "$(db_query "SELECT command FROM generations
	    WHERE generation = $((gen + 1))")" \
	    'gwctl service set web --retries 2 --check-path /ping'
}

@test "service set to the values it has is no new generation" {
	gw_fixture
	snap_db
	quietly service set web --lb weighted --retries 1
	assert_db_unchanged
}

@test "service rm removes the service and its backends, each in the history" {
	gw_fixture
	quietly route rm api
	gen=$(db_generation)
	quietly service rm web
	assert_equal "$(db_query "SELECT count(*) FROM services WHERE name = 'web'")" 0
	assert_equal "$(db_query 'SELECT count(*) FROM backends')" 0
	assert_equal "$(db_query 'SELECT name FROM services')" other
	assert_equal "$(db_generation)" $((gen + 1))
	run -0 db_query "SELECT kind, name, op FROM changes
	    WHERE generation = $((gen + 1)) ORDER BY id"
	assert_output "$(printf '%s\n' 'backend|web/10.0.0.1:8080|delete' \
	    'backend|web/10.0.0.2:8080|delete' 'service|web|delete')"
}

#
# backend
#

@test "backend add: weight 1, enabled, host lowercased" {
	gw_fixture
	quietly backend add web Backend-3.Example.COM:9000
	assert_equal "$(be_row web backend-3.example.com 9000)" \
	    'web|backend-3.example.com|9000|1|enabled'
	assert_equal "$(last_change)" \
	    "$(db_generation)|backend|web/backend-3.example.com:9000|create"
}

@test "backend add: IPv6 in brackets, stored without them" {
	gw_fixture
	quietly backend add web '[2001:DB8::1]:443' --weight 256 --state drain
	assert_equal "$(be_row web 2001:db8::1 443)" \
	    'web|2001:db8::1|443|256|drain'
	assert_equal "$(last_change)" \
	    "$(db_generation)|backend|web/[2001:db8::1]:443|create"
	run -0 gwctl get backends --service web
	assert_line --regexp '^web +\[2001:db8::1\]:443 +256 +drain +static$'
}

@test "backend add: the same address in two services" {
	gw_fixture
	quietly backend add other 10.0.0.1:8080
	assert_equal "$(db_query "SELECT count(*) FROM backends
	    WHERE host = '10.0.0.1' AND port = 8080")" 2
}

@test "backend set --weight and --state" {
	gw_fixture
	quietly backend set web 10.0.0.1:8080 --weight 7
	assert_equal "$(be_row web 10.0.0.1 8080)" 'web|10.0.0.1|8080|7|enabled'
	quietly backend set web 10.0.0.1:8080 --state disabled --weight 1
	assert_equal "$(be_row web 10.0.0.1 8080)" 'web|10.0.0.1|8080|1|disabled'
	assert_equal "$(last_change)" \
	    "$(db_generation)|backend|web/10.0.0.1:8080|update"
	assert_equal "$(db_query "SELECT json_extract(before_json, '\$.weight'),
	    json_extract(after_json, '\$.weight'),
	    json_extract(after_json, '\$.state') FROM changes
	    ORDER BY id DESC LIMIT 1")" '7|1|disabled'
}

@test "backend drain, disable, enable" {
	gw_fixture
	gen=$(db_generation)
	quietly backend drain web 10.0.0.2:8080
	assert_equal "$(be_row web 10.0.0.2 8080)" 'web|10.0.0.2|8080|1|drain'
	quietly backend disable web 10.0.0.2:8080
	assert_equal "$(be_row web 10.0.0.2 8080)" 'web|10.0.0.2|8080|1|disabled'
	quietly backend enable web 10.0.0.2:8080
	assert_equal "$(be_row web 10.0.0.2 8080)" 'web|10.0.0.2|8080|1|enabled'
	assert_equal "$(db_generation)" $((gen + 3))
	# The other backend was not touched.
	assert_equal "$(be_row web 10.0.0.1 8080)" 'web|10.0.0.1|8080|5|enabled'
	# Enabling what is enabled changes nothing.
	snap_db
	quietly backend enable web 10.0.0.2:8080
	assert_db_unchanged
}

@test "backend rm" {
	gw_fixture
	quietly backend rm web 10.0.0.1:8080
	assert_equal "$(be_row web 10.0.0.1 8080)" ''
	assert_equal "$(db_query 'SELECT count(*) FROM backends')" 1
	assert_equal "$(last_change)" \
	    "$(db_generation)|backend|web/10.0.0.1:8080|delete"
}

#
# route
#

@test "route add: defaults (prefix /, any host, any method)" {
	gw_fixture
	quietly route add all --service other
	assert_equal "$(rt_row all)" 'all|0|NULL|prefix|/|NULL|other|NULL|NULL'
	assert_equal "$(rt_headers all)" ''
	assert_equal "$(rt_edits all)" ''
	assert_equal "$(last_change)" "$(db_generation)|route|all|create"
}

@test "route add with every option" {
	gw_fixture
	quietly route add full --service web --host API.Example.com \
	    --prefix /v2 --method get --method POST --method GET \
	    --header X-Env=prod --header X-Debug --rewrite /internal \
	    --priority -7 --timeout 2.5s --set-header X-A=1 \
	    --add-header X-B=two --remove-header X-C \
	    --set-response-header X-D=3 --add-response-header 'X-E=a b' \
	    --remove-response-header Server
	assert_equal "$(rt_row full)" \
	    "full|-7|'api.example.com'|prefix|/v2|'GET,POST'|web|'/internal'|2500"
	assert_equal "$(rt_headers full)" "$(printf '%s\n' "x-debug|NULL" \
	    "x-env|'prod'")"
	assert_equal "$(rt_edits full)" "$(printf '%s\n' \
	    "request|set|X-A|'1'" "request|add|X-B|'two'" \
	    "request|remove|X-C|NULL" "response|set|X-D|'3'" \
	    "response|add|X-E|'a b'" "response|remove|Server|NULL")"
}

@test "route add --path (exact) and --regex" {
	gw_fixture
	quietly route add exact --service web --path /health
	assert_equal "$(rt_row exact)" 'exact|0|NULL|exact|/health|NULL|web|NULL|NULL'
	quietly route add re --service web --regex '/users/[0-9]+' \
	    --host '*.Example.com'
	assert_equal "$(rt_row re)" \
	    "re|0|'*.example.com'|regex|/users/[0-9]+|NULL|web|NULL|NULL"
}

@test "route set changes only what it names" {
	gw_fixture
	quietly route add full --service web --host h.example.com --prefix /v2 \
	    --method GET --header x-a=1 --rewrite /r --timeout 1s \
	    --set-header X-A=1 --set-response-header X-B=2
	gen=$(db_generation)
	quietly route set full --priority 5
	assert_equal "$(rt_row full)" \
	    "full|5|'h.example.com'|prefix|/v2|'GET'|web|'/r'|1000"
	assert_equal "$(db_generation)" $((gen + 1))
	assert_equal "$(last_change)" "$((gen + 1))|route|full|update"
	# A list option replaces the whole list.
	quietly route set full --method PUT --method DELETE --header x-b
	assert_equal "$(rt_row full)" \
	    "full|5|'h.example.com'|prefix|/v2|'DELETE,PUT'|web|'/r'|1000"
	assert_equal "$(rt_headers full)" 'x-b|NULL'
	# Request edits are replaced, response edits kept.
	quietly route set full --add-header X-C=3
	assert_equal "$(rt_edits full)" "$(printf '%s\n' \
	    "request|add|X-C|'3'" "response|set|X-B|'2'")"
	# Another service, another match type.
	quietly route set full --service other --path /exact
	assert_equal "$(rt_row full)" \
	    "full|5|'h.example.com'|exact|/exact|'DELETE,PUT'|other|'/r'|1000"
}

@test "route set --unset clears each field" {
	gw_fixture
	quietly route add full --service web --host h.example.com --prefix /v2 \
	    --method GET --header x-a=1 --rewrite /r --timeout 1s \
	    --set-header X-A=1 --set-response-header X-B=2
	quietly route set full --unset host --unset methods
	assert_equal "$(rt_row full)" \
	    "full|0|NULL|prefix|/v2|NULL|web|'/r'|1000"
	quietly route set full --unset rewrite --unset timeout
	assert_equal "$(rt_row full)" 'full|0|NULL|prefix|/v2|NULL|web|NULL|NULL'
	quietly route set full --unset headers
	assert_equal "$(rt_headers full)" ''
	quietly route set full --unset request-headers
	assert_equal "$(rt_edits full)" "response|set|X-B|'2'"
	quietly route set full --unset response-headers
	assert_equal "$(rt_edits full)" ''
}

@test "route rm removes the route and its headers and edits" {
	gw_fixture
	quietly route add full --service web --prefix /v2 --header x-a=1 \
	    --set-header X-A=1
	quietly route rm full
	assert_equal "$(rt_row full)" ''
	assert_equal "$(db_query 'SELECT count(*) FROM route_headers')" 0
	assert_equal "$(db_query 'SELECT count(*) FROM route_header_edits')" 0
	assert_equal "$(last_change)" "$(db_generation)|route|full|delete"
	# The service may go now.
	quietly route rm api
	quietly service rm web
}

@test "-q and global options after the command are accepted by edits" {
	gw_init
	quietly -q service add web
	quietly service add api -q --db "$GW_DB"
	assert_equal "$(db_query 'SELECT count(*) FROM services')" 2
}

#
# get
#

@test "get services: a table" {
	gw_fixture
	run -0 --separate-stderr gwctl get services
	assert_equal "$stderr" ''
	assert_output "$(cat <<'EOF'
NAME    LB            BACKENDS   ROUTES   CHECK   CONNECT-TIMEOUT   REQUEST-TIMEOUT   RETRIES
other   round_robin   0          0        tcp     3s                15s               1
web     weighted      2          1        tcp     3s                15s               1
EOF
)"
	run -0 gwctl get services web
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 --regexp '^web +weighted +2 +1 +tcp +3s +15s +1$'
	run -0 gwctl get svc other
	assert_line --index 1 --regexp '^other +round_robin '
}

@test "get services shows an http check" {
	gw_init
	quietly service add web --check http --check-method HEAD --check-path /hz
	run -0 gwctl get service web
	assert_line --index 1 --regexp '^web +round_robin +0 +0 +http HEAD /hz +3s +15s +1$'
}

@test "get backends: a table, --service filters" {
	gw_fixture
	quietly backend add other 10.0.1.1:80
	quietly backend add web 10.0.0.3:8080 --state drain
	run -0 --separate-stderr gwctl get backends
	assert_output "$(cat <<'EOF'
SERVICE   ADDRESS         WEIGHT   STATE     SOURCE
other     10.0.1.1:80     1        enabled   static
web       10.0.0.1:8080   5        enabled   static
web       10.0.0.2:8080   1        enabled   static
web       10.0.0.3:8080   1        drain     static
EOF
)"
	run -0 gwctl get be --service other
	assert_output "$(cat <<'EOF'
SERVICE   ADDRESS       WEIGHT   STATE     SOURCE
other     10.0.1.1:80   1        enabled   static
EOF
)"
}

@test "get routes: a table" {
	gw_fixture
	quietly route add re --service other --regex '/u/[0-9]+' --priority 3 \
	    --header x-a=1 --header x-b
	quietly route add rw --service web --prefix /old --rewrite /new
	run -0 --separate-stderr gwctl get routes
	assert_output "$(cat <<'EOF'
NAME   PRIORITY   HOST              MATCH             METHODS   HEADERS     SERVICE   REWRITE
api    0          api.example.com   prefix /api       GET       <none>      web       <none>
re     3          *                 regex /u/[0-9]+   *         x-a=1,x-b   other     <none>
rw     0          *                 prefix /old       *         <none>      web       /new
EOF
)"
	run -0 gwctl get rt re
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 --regexp '^re +3 '
}

@test "get routes --service lists only the routes of that service" {
	gw_fixture
	quietly route add other-root --service other
	run -0 gwctl get routes --service other
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 --regexp '^other-root +0 '
	refute_line --regexp '^api '
	run -0 gwctl get routes --service other -o json
	assert_equal "$(json_eval '[r["name"] for r in d]')" '["other-root"]'
}

@test "get all: the three tables" {
	gw_fixture
	run -0 --keep-empty-lines gwctl get all
	assert_line --index 0 --regexp '^NAME +LB +BACKENDS '
	assert_line --index 3 ''
	assert_line --index 4 --regexp '^SERVICE +ADDRESS +WEIGHT +STATE +SOURCE$'
	assert_line --index 7 ''
	assert_line --index 8 --regexp '^NAME +PRIORITY +HOST +MATCH '
	assert_line --index 9 --regexp '^api +0 +api\.example\.com +prefix /api '
	assert_line --index 10 ''
	assert_equal "${#lines[@]}" 11
}

@test "get on an empty database prints the headers" {
	gw_init
	run -0 gwctl get services
	assert_output --regexp '^NAME +LB +BACKENDS +ROUTES +CHECK +CONNECT-TIMEOUT +REQUEST-TIMEOUT +RETRIES$'
	run -0 gwctl get backends -o json
	assert_output '[]'
	run -0 gwctl get all -o json
	assert_equal "$(json_eval 'd')" '{"routes": [], "services": []}'
}

@test "get -o json: lists, one object by name" {
	gw_fixture
	run -0 --separate-stderr gwctl get services -o json
	assert_equal "$stderr" ''
	assert_equal "$(json_eval '[s["name"] for s in d]')" '["other", "web"]'
	assert_equal "$(json_eval 'd[1]["lb"]')" weighted
	assert_equal "$(json_eval 'd[1]["timeouts"]["connect"]')" 3s
	assert_equal "$(json_eval '[b["address"] for b in d[1]["backends"]]')" \
	    '["10.0.0.1:8080", "10.0.0.2:8080"]'
	run -0 gwctl -o json get services web
	assert_equal "$(json_eval 'd["name"]')" web
	run -0 gwctl get backends --service web --output json
	assert_equal "$(json_eval 'd')" '[{"address": "10.0.0.1:8080", "service": "web", "source": "static", "state": "enabled", "weight": 5}, {"address": "10.0.0.2:8080", "service": "web", "source": "static", "state": "enabled", "weight": 1}]'
	run -0 gwctl get routes api -o json
	assert_equal "$(json_eval '[d["name"], d["service"], d["host"], d["prefix"], d["methods"]]')" \
	    '["api", "web", "api.example.com", "/api", ["GET"]]'
	run -0 gwctl get all -o json
	assert_equal "$(json_eval 'sorted(d)')" '["routes", "services"]'
	assert_equal "$(json_eval '[r["name"] for r in d["routes"]]')" '["api"]'
}

@test "get -o yaml, and get all -o yaml reads back as the same config" {
	gw_fixture
	run -0 --separate-stderr gwctl get services -o yaml
	assert_equal "$stderr" ''
	assert_line --index 0 '- name: other'
	assert_line '- name: web'
	assert_line '  lb: weighted'
	assert_line '  - address: 10.0.0.1:8080'
	run -0 gwctl get routes api -o yaml
	assert_line --index 0 'name: api'
	assert_line 'host: api.example.com'
	assert_line 'prefix: /api'
	run -0 gwctl get backends -o yaml
	assert_line --index 0 '- service: web'
	gen=$(db_generation)
	gwctl get all -o yaml >all.yaml
	run -0 --separate-stderr gwctl apply --dry-run -f all.yaml
	assert_output 'no changes'
	run -0 gwctl apply --prune -f all.yaml
	assert_output 'no changes'
	assert_equal "$(db_generation)" "$gen"
}

#
# describe
#

@test "describe service" {
	gw_fixture
	run -0 --separate-stderr gwctl describe service web
	assert_equal "$stderr" ''
	assert_line --index 0 'Kind: service'
	assert_line --index 1 'Name: web'
	assert_line --index 2 'Settings:'
	assert_line '  lb: weighted'
	assert_line '  timeouts:'
	assert_line '    connect: 3s'
	assert_line '  - address: 10.0.0.1:8080'
	assert_line 'Routes: api'
	assert_line 'History:'
	assert_line --regexp '^  GENERATION +TIME +USER +CHANGE$'
	assert_line --regexp "^  1 +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z +$(gw_user) +create$"
	refute_line --partial 'name: web'
	run -0 gwctl describe svc other
	assert_line 'Routes: <none>'
}

@test "describe backend SERVICE/ADDRESS" {
	gw_fixture
	quietly backend add web 10.0.0.3:8080 --weight 4 --state drain
	run -0 gwctl describe backend web/10.0.0.3:8080
	assert_line --index 0 'Kind: backend'
	assert_line --index 1 'Name: web/10.0.0.3:8080'
	assert_line --index 2 'Settings:'
	assert_line '  address: 10.0.0.3:8080'
	assert_line '  weight: 4'
	assert_line '  state: drain'
	assert_line 'History:'
	assert_line --regexp "^  $(db_generation) .* create$"
	quietly backend add web '[::1]:80'
	run -0 gwctl describe be 'web/[::1]:80'
	assert_line --index 1 'Name: web/[::1]:80'
}

@test "describe route, and describe -o json" {
	gw_fixture
	run -0 gwctl describe route api
	assert_line --index 0 'Kind: route'
	assert_line --index 1 'Name: api'
	assert_line '  service: web'
	assert_line '  host: api.example.com'
	assert_line '  prefix: /api'
	run -0 --separate-stderr gwctl describe route api -o json
	assert_equal "$(json_eval '[d["name"], d["service"], d["priority"]]')" \
	    '["api", "web", 0]'
	run -0 gwctl describe service web -o yaml
	assert_line --index 0 'name: web'
}

@test "service set with an empty value unsets an optional setting" {
	run -0 gwctl init -q
	run -0 gwctl service add web --check http --check-host probe.example --check-body ok
	assert_equal "$(db_query "SELECT hc_host || '|' || hc_expect_body FROM services")" "probe.example|ok"
	run -0 gwctl service set web --check-host '' --check-body ''
	assert_output ""
	assert_equal "$(db_query "SELECT count(*) FROM services WHERE hc_host IS NULL AND hc_expect_body IS NULL")" "1"
	run -1 --separate-stderr gwctl service set web --check-path ''
	assert_stderr --partial 'gwctl: service "web": invalid check-path "": '
}
