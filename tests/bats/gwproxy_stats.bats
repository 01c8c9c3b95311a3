#!/usr/bin/env bats
# gwproxy's statistics with real processes: the /metrics page (content,
# and promtool's verdict on its format), "show stats" on the control
# socket, and the traffic_stats rows the flush thread writes, including
# that its own commits do not make gwproxy reload.  gwctl's view of the
# same is in gwctl_proxy.bats.

load helpers
load ../backend/backend
load proxy_helpers

setup()
{
	proxy_setup
	command -v promtool >/dev/null ||
	    fail "promtool not found (Debian package prometheus: make deps)"
}

teardown()
{
	proxy_teardown
}

# Service web with backend b1, route api for Host api.test only, so any
# other host is a no_route answered by gwproxy itself.
api_config()
{
	start_backend b1
	gwctl -q service add web || fail "service web"
	gwctl -q backend add web "127.0.0.1:$b1_port" || fail "backend b1"
	gwctl -q route add api --service web --host api.test ||
	    fail "route api"
}

# get PATH [HOST]: one request through gwproxy; prints the status.
get()
{
	curl -sS --max-time 5 -o /dev/null -w '%{http_code}' \
	    -H "Host: ${2:-api.test}" "$(purl "$1")"
}

metrics()
{
	curl -sS --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics"
}

# has_metric LINE: the page has exactly this sample line.  A request is
# counted when its response is done, which the client may see first.
has_metric()
{
	metrics | grep -qxF -- "$1"
}

@test "/metrics counts requests by service, route, backend and class" {
	api_config
	start_proxy --stats-interval off
	local i be="127.0.0.1:$b1_port"

	for i in 1 2 3 4 5; do
		[ "$(get /x)" = 200 ] || fail "GET /x"
	done
	[ "$(get '/status?code=404')" = 404 ] || fail "404"
	[ "$(get '/status?code=404')" = 404 ] || fail "404"
	[ "$(get '/status?code=503')" = 503 ] || fail "503"
	[ "$(get /x other.test)" = 404 ] || fail "no_route"

	local l='gwproxy_http_requests_total{service="web",route="api",'
	wait_for 100 has_metric "${l}backend=\"$be\",class=\"2xx\"} 5" ||
	    fail "$(metrics | grep http_requests)"
	wait_for 100 has_metric "${l}backend=\"$be\",class=\"5xx\"} 1" ||
	    fail "$(metrics | grep http_requests)"
	run -0 metrics
	assert_line "${l}backend=\"$be\",class=\"4xx\"} 2"
	assert_line 'gwproxy_http_requests_total{service="",route="",backend="",class="error"} 1'
	assert_line 'gwproxy_gateway_errors_total{service="",code="no_route"} 1'
	assert_line 'gwproxy_gateway_errors_total{service="web",code="upstream_timeout"} 0'
	assert_line 'gwproxy_request_duration_seconds_count{service="web"} 8'
	assert_line 'gwproxy_request_duration_seconds_bucket{service="web",le="+Inf"} 8'
	assert_line "gwproxy_upstream_duration_seconds_count{service=\"web\",backend=\"$be\"} 8"
	assert_line "gwproxy_backend_in_flight_requests{service=\"web\",backend=\"$be\"} 0"
	assert_line 'gwproxy_in_flight_requests{service="web"} 0'
	assert_line 'gwproxy_requests_total 9'
	assert_line 'gwproxy_config_generation 3'
	assert_line 'gwproxy_reloads_total 0'
	assert_line '# TYPE gwproxy_request_duration_seconds histogram'
	# Buckets are cumulative: each le holds at least the one before.
	metrics | awk -F'} ' '/^gwproxy_request_duration_seconds_bucket/ {
		if ($2 < last) { print "not cumulative: " $0; exit 1 }
		last = $2 }' || fail "buckets"
	# Each family's TYPE once.
	metrics >page || fail "no page"
	run -0 bash -c "grep '^# TYPE' page | sort | uniq -d"
	assert_output ''
}

@test "/metrics is valid Prometheus text format: promtool check metrics" {
	api_config
	start_proxy --stats-interval off
	[ "$(get /x)" = 200 ] || fail "GET"
	[ "$(get /x other.test)" = 404 ] || fail "no_route"
	wait_for 100 has_metric 'gwproxy_requests_total 2' || fail "no count"
	metrics >page || fail "no page"
	run -0 promtool check metrics <page
	assert_output ''
	run -0 curl -sS --max-time 5 -o /dev/null \
	    -w '%{content_type}' "http://127.0.0.1:$ADMIN_PORT/metrics"
	assert_output 'text/plain; version=0.0.4'
}

@test "upstream_connect_failed counts as a gateway error of its service" {
	gwctl -q service add web --retries 0 || fail "service"
	gwctl -q backend add web "127.0.0.1:$(dead_port)" || fail "backend"
	gwctl -q route add all --service web || fail "route"
	start_proxy --stats-interval off
	run -0 get /x x.test
	assert_output 502
	wait_for 100 has_metric 'gwproxy_gateway_errors_total{service="web",code="upstream_connect_failed"} 1' ||
	    fail "$(metrics | grep -e connect -e gateway)"
	run -0 metrics
	assert_line --regexp '^gwproxy_http_requests_total\{service="web",route="all",backend="",class="error"\} 1$'
	metrics >page
	run -0 promtool check metrics <page
}

@test "show stats: one line per service and backend, and its JSON form" {
	api_config
	start_proxy --stats-interval off
	[ "$(get /x)" = 200 ] || fail "GET"
	[ "$(get /x)" = 200 ] || fail "GET"
	[ "$(get '/status?code=500')" = 500 ] || fail "500"
	wait_for 100 has_metric "gwproxy_http_requests_total{service=\"web\",route=\"api\",backend=\"127.0.0.1:$b1_port\",class=\"5xx\"} 1" ||
	    fail "no 5xx: $(metrics | grep http_requests)"
	run -0 ctl 'show stats'
	assert_line --regexp '^service web requests=3 2xx=2 3xx=0 4xx=0 5xx=1 errors=0 in_flight=0 p50=[0-9.]+ms p99=[0-9.]+ms$'
	assert_line --regexp "^backend web 127\.0\.0\.1:$b1_port requests=3 2xx=2 3xx=0 4xx=0 5xx=1 errors=0 in_flight=0 p50=[0-9.]+ms p99=[0-9.]+ms\$"
	run -0 ctl 'json show stats'
	assert_equal "$(json_eval 'd["ok"]')" true
	assert_equal "$(json_eval '[s["service"] for s in d["services"]]')" '["web"]'
	assert_equal "$(json_eval 'd["services"][0]["requests"]')" 3
	assert_equal "$(json_eval 'd["services"][0]["responses_5xx"]')" 1
	assert_equal "$(json_eval 'd["backends"][0]["backend"]')" "127.0.0.1:$b1_port"
	assert_equal "$(json_eval 'd["backends"][0]["latency_p99_us"] >= d["backends"][0]["latency_p50_us"] > 0')" true
}

@test "in flight: a request the backend holds counts until it ends" {
	api_config
	start_proxy --stats-interval 100ms
	local be="127.0.0.1:$b1_port" pid

	curl -sS --max-time 20 -o /dev/null -H 'Host: api.test' \
	    "$(purl /hang)" 3>&- &
	pid=$!
	track_pid "$pid"
	wait_for 100 has_metric "gwproxy_backend_in_flight_requests{service=\"web\",backend=\"$be\"} 1" ||
	    fail "$(metrics | grep in_flight)"
	run -0 metrics
	assert_line 'gwproxy_in_flight_requests{service="web"} 1'
	run -0 ctl 'show stats'
	assert_line --regexp '^service web requests=0 .* in_flight=1 p50=- p99=-$'
	# The flush writes a row for it though nothing finished.
	wait_for 100 bash -c "[ \"\$(sqlite3 '$GW_DB' \"SELECT count(*) FROM
	    traffic_stats WHERE backend = '' AND in_flight = 1 AND
	    requests = 0 AND latency_p50_us IS NULL\")\" -gt 0 ]" ||
	    fail "no in-flight row: $(db_query 'SELECT * FROM traffic_stats')"
	# The client goes away: the request ends, and so does the count.
	kill "$pid"
	wait "$pid" || true
	wait_for 100 has_metric 'gwproxy_in_flight_requests{service="web"} 0' ||
	    fail "$(metrics | grep in_flight)"
	run -0 metrics
	assert_line 'gwproxy_http_requests_total{service="web",route="api",backend="'"$be"'",class="aborted"} 1'
}

# The rows of traffic_stats, summed: "requests|2xx|4xx" for a backend.
sums()
{
	db_query "SELECT total(requests), total(responses_2xx),
	    total(responses_4xx) FROM traffic_stats
	    WHERE service = 'web' AND backend = '$1'" | sed 's/\.0//g'
}

sums_are()
{
	[ "$(sums "$1")" = "$2" ]
}

@test "the flush writes traffic_stats per service and backend" {
	api_config
	start_proxy --stats-interval 200ms
	local i n be="127.0.0.1:$b1_port"

	for i in 1 2 3; do
		[ "$(get /x)" = 200 ] || fail "GET"
	done
	[ "$(get '/status?code=404')" = 404 ] || fail "404"
	wait_for 100 sums_are '' '4|3|1' || fail "service row: $(sums '')"
	wait_for 100 sums_are "$be" '4|3|1' || fail "backend row: $(sums "$be")"
	run -0 db_query "SELECT DISTINCT instance FROM traffic_stats"
	assert_output "$(uname -n):$PROXY_PID"
	run -0 db_query "SELECT count(*) FROM traffic_stats
	    WHERE interval_ms <= 0 OR latency_p50_us IS NULL OR
	    latency_p50_us > latency_p90_us OR
	    latency_p90_us > latency_p99_us OR bytes_in = 0 OR in_flight != 0"
	assert_output 0
	# Rows end at about now, in ms since the epoch.
	run -0 db_query "SELECT max(at) > $(now_ms) - 60000 AND
	    max(at) <= $(now_ms) FROM traffic_stats"
	assert_output 1
	# An idle interval writes nothing (test_stats checks that without a
	# clock); a later request adds one service and one backend row.
	n=$(db_query 'SELECT count(*) FROM traffic_stats')
	[ "$(get /x)" = 200 ] || fail "GET"
	wait_for 100 sums_are '' '5|4|1' || fail "service row: $(sums '')"
	run -0 db_query 'SELECT count(*) FROM traffic_stats'
	assert_equal "$output" "$((n + 2))"
}

# reloads: N in "show info".
reloads_are()
{
	[[ $(ctl 'show info') == *$'\nreloads: '"$1"$'\n'* ]]
}

@test "stats commits do not make gwproxy reload; config changes still do" {
	api_config
	start_proxy --stats-interval 100ms --poll 50ms
	local i

	# Six flushes with rows, each a commit that moves data_version.
	for i in 1 2 3 4 5 6; do
		[ "$(get /x)" = 200 ] || fail "GET"
		wait_for 100 sums_are '' "$i|$i|0" || fail "flush $i: $(sums '')"
	done
	run -0 ctl 'show info'
	assert_line 'reloads: 0'
	run grep -c 'reload (database changed)' "$PROXY_LOG"
	assert_output 0
	# gwctl: a new generation.
	gwctl -q backend set web "127.0.0.1:$b1_port" --weight 3 || fail "set"
	wait_for 100 reloads_are 1 || fail "no reload after gwctl"
	run -0 ctl 'show info'
	assert_line 'generation: 4'
	# A hand edit: same generation, other content.
	sqlite3 "$GW_DB" "UPDATE backends SET weight = 4" || fail "edit"
	wait_for 100 reloads_are 2 || fail "no reload after a hand edit"
	run -0 ctl 'show backends'
	assert_output --partial 'weight=4'
}

@test "SIGTERM flushes what the last interval counted" {
	api_config
	# An interval far longer than the test: only the final flush writes.
	start_proxy --stats-interval 1h
	[ "$(get /x)" = 200 ] || fail "GET"
	[ "$(get /x)" = 200 ] || fail "GET"
	wait_for 100 has_metric 'gwproxy_requests_total 2' || fail "no count"
	run -0 db_query 'SELECT count(*) FROM traffic_stats'
	assert_output 0
	stop_proxy
	assert_equal "$status" 0
	run -0 sums ''
	assert_output '2|2|0'
}

@test "--stats-interval off writes no rows; a bad value is refused" {
	api_config
	start_proxy --stats-interval off
	[ "$(get /x)" = 200 ] || fail "GET"
	wait_for 100 has_metric 'gwproxy_requests_total 1' || fail "no count"
	stop_proxy
	run -0 db_query 'SELECT count(*) FROM traffic_stats'
	assert_output 0
	run -1 --separate-stderr "$GWPROXY" --listen 127.0.0.1:0 \
	    --stats-interval 0s
	assert_stderr 'gwproxy: invalid --stats-interval "0s": must be at least 1ms'
	run -1 --separate-stderr "$GWPROXY" --listen 127.0.0.1:0 \
	    --stats-interval often
	assert_stderr --partial 'gwproxy: invalid --stats-interval "often": '
}
