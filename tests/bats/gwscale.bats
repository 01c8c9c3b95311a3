#!/usr/bin/env bats
# gwscale once and run against the fake Kubernetes API server
# (tests/k8s/fakeapi.py): traffic through a real gwproxy scales a
# deployment; cron mode keeps its windows in the DB; dry run and -n write
# nothing to the API; each API error gives its message and exit status; a
# metric source that is down never scales down; scale to zero and back.
#
# Most tests write the gateway's traffic by hand (traffic_stats and the
# gateway_instances heartbeat), so that the metric's value is exact.

load helpers
load ../backend/backend
load proxy_helpers
load k8s_helpers

GWSCALE=$GW_BIN/gwscale

setup()
{
	proxy_setup
	[ -x "$GWSCALE" ] || fail "no gwscale at $GWSCALE (run make first)"
	start_fakeapi
	printf '%s\n' "$K8S_TOKEN" >"$BATS_TEST_TMPDIR/token"
}

teardown()
{
	proxy_teardown
	stop_fakeapi
}

now_ms()
{
	date +%s%3N
}

# gws ARG...: gwscale against the fake with the token, retries quick.
gws()
{
	"$GWSCALE" --server "$K8S_URL" --ca-file "$K8S_CA" \
	    --token-file "$BATS_TEST_TMPDIR/token" "$@"
}

# target NAME MIN MAX [BEHAVIOR_JSON]: a scale target of deployment
# default/NAME on requests_per_second of service NAME, 10 per replica.
target()
{
	local beh=${4:-}

	gwctl -q scale add "$1" --workload "deployment/$1" --min "$2" \
	    --max "$3" --metric "type=average_value,target=10,service=$1,metric=requests_per_second" \
	    ${beh:+--behavior "$beh"} || fail "cannot add scale target $1"
}

# heartbeat: a live gwproxy as far as gwscale can tell.
heartbeat()
{
	local now
	now=$(now_ms)
	db_query "INSERT INTO gateway_instances VALUES ('test:1',
	    $now - 600000, $now, 5000) ON CONFLICT (instance) DO UPDATE SET
	    seen_at = excluded.seen_at" || fail "cannot write the heartbeat"
}

# rps SERVICE N: the gateway saw N requests per second over the last
# minute (the default window): one row, replacing the earlier ones.
rps()
{
	heartbeat
	db_query "DELETE FROM traffic_stats WHERE service = '$1';
	    INSERT INTO traffic_stats (at, interval_ms, instance, service,
	    requests) VALUES ($(now_ms) - 1000, 5000, 'test:1', '$1',
	    $2 * 60)" || fail "cannot write traffic"
}

# The methods and paths of the API requests so far, one per line.
api_calls()
{
	fake_requests | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["method"], r["path"], r["status"])'
}

# The last decision of target 1: "current|desired|mode".
last_decision()
{
	db_query "SELECT current_replicas, desired_replicas, mode FROM
	    scale_decisions ORDER BY id DESC LIMIT 1"
}

@test "traffic through gwproxy rises and gwscale once PATCHes the expected count" {
	start_backend b1
	gwctl -q service add web || fail "service web"
	gwctl -q backend add web "127.0.0.1:$b1_port" || fail "backend"
	gwctl -q route add api --service web --host api.test || fail "route"
	fake_object deployments default web 1
	target web 1 10
	# The heartbeat of a gwproxy killed two days ago, never removed.
	db_query "INSERT INTO gateway_instances VALUES ('dead:1',
	    $(now_ms) - 172800000, $(now_ms) - 172800000, 5000)"
	start_proxy --stats-interval 100ms
	# gwproxy alive, no traffic: nothing to do.  Its heartbeat deletes
	# the dead one's.
	wait_for 100 bash -c "[ \"\$(sqlite3 '$GW_DB' \"SELECT group_concat(
	    instance = 'dead:1') FROM gateway_instances\")\" = 0 ]" ||
	    fail "heartbeats: $(db_query 'SELECT * FROM gateway_instances')"
	run -0 gws once
	assert_equal "$(last_decision)" '1|1|unchanged'
	run -0 api_calls
	refute_output --partial PATCH
	# 300 requests in the seconds gwproxy has run: far above 10 per
	# replica; the legacy path allows max(2 x 1, 4) = 4 at once.
	run -0 curl -sS --max-time 20 -o /dev/null -H 'Host: api.test' \
	    $(for i in $(seq 300); do printf '%s ' "$(purl /)"; done)
	wait_for 100 bash -c "[ \"\$(sqlite3 '$GW_DB' \"SELECT total(requests)
	    FROM traffic_stats WHERE service = 'web' AND backend = ''\")\" = 300.0 ]" ||
	    fail "traffic not flushed: $(db_query 'SELECT * FROM traffic_stats')"
	run -0 gws once
	assert_equal "$(fake_scale deployments default web)" 4
	assert_equal "$(last_decision)" '1|4|applied'
	run -0 db_query "SELECT reason FROM scale_decisions ORDER BY id DESC LIMIT 1"
	assert_output --regexp '^ScaleUpLimit: .*requests_per_second of web = [0-9.]+ \(average_value target 10\) proposes [0-9]+$'
	run -0 fake_requests
	run -0 python3 -c '
import json, sys
r = [x for x in json.loads(sys.argv[1]) if x["method"] == "PATCH"]
assert len(r) == 1, r
assert r[0]["path"] == "/apis/apps/v1/namespaces/default/deployments/web/scale"
assert r[0]["content_type"] == "application/merge-patch+json", r[0]
b = json.loads(r[0]["body"])
assert b["spec"] == {"replicas": 4}, b
assert "resourceVersion" in b["metadata"], b
print("ok")' "$output"
	assert_output ok
	# A gwproxy that stops takes its heartbeat with it.
	stop_proxy
	assert_equal "$(db_query 'SELECT count(*) FROM gateway_instances')" 0
}

@test "cron mode: separate once runs keep the stabilization window in the DB" {
	fake_object deployments default web 5
	target web 1 10 '{"scaleDown":{"stabilizationWindowSeconds":2}}'
	rps web 50
	run -0 gws once
	assert_equal "$(last_decision)" '5|5|unchanged'
	# Traffic falls to 10/s: the recommendation is 1, but a run within 2 s
	# of the recommendation of 5 keeps 5.
	rps web 10
	run -0 gws once
	assert_equal "$(last_decision)" '5|5|unchanged'
	run -0 db_query "SELECT reason FROM scale_decisions ORDER BY id DESC LIMIT 1"
	assert_output --partial 'ScaleDownStabilized'
	assert_equal "$(fake_scale deployments default web)" 5
	# Once the 2 s have passed, a later run (a new process) scales down.
	wait_for 60 bash -c "'$GWSCALE' --server '$K8S_URL' --ca-file '$K8S_CA' \
	    --token-file '$BATS_TEST_TMPDIR/token' once 2>/dev/null &&
	    [ \"\$(sqlite3 '$GW_DB' 'SELECT desired_replicas FROM scale_decisions
	    ORDER BY id DESC LIMIT 1')\" = 1 ]" ||
	    fail "no scale-down: $(db_query 'SELECT * FROM scale_decisions')"
	assert_equal "$(fake_scale deployments default web)" 1
	# The 5 was held for at least the window.
	run -0 db_query "SELECT max(d.at) - min(r.at) >= 2000 FROM scale_decisions d,
	    scale_recommendations r WHERE d.desired_replicas = 1 AND r.replicas = 5"
	assert_output 1
	# The scale event is recorded for the behavior's policies.
	run -0 db_query 'SELECT from_replicas, to_replicas FROM scale_events'
	assert_output '5|1'
}

@test "--dry-run decides and records but writes nothing to the API; -n writes nothing at all" {
	fake_object deployments default web 2
	target web 1 10
	rps web 50
	run -0 gws --dry-run once
	assert_equal "$(last_decision)" '2|4|dry-run'
	assert_equal "$(fake_scale deployments default web)" 2
	run -0 api_calls
	assert_output "GET /apis/apps/v1/namespaces/default/deployments/web/scale 200"
	# -n: the plan on stdout, no row, no PATCH.
	local before
	before=$(db_query 'SELECT count(*) FROM scale_decisions')
	run -0 --separate-stderr gws -n once
	assert_output --regexp '^web: deployment default/web: 2 -> 4 \(would scale\): ScaleUpLimit: '
	assert_equal "$(db_query 'SELECT count(*) FROM scale_decisions')" "$before"
	run -0 api_calls
	refute_output --partial PATCH
}

@test "a bad kubeconfig: its message and exit status 3" {
	fake_object deployments default web 1
	target web 1 10
	printf 'apiVersion: v1\nkind: Config\ncontexts: [\n' >bad.kubeconfig
	run -3 --separate-stderr "$GWSCALE" --kubeconfig bad.kubeconfig once
	assert_stderr --partial 'bad.kubeconfig'
	run -3 --separate-stderr "$GWSCALE" --kubeconfig missing.kubeconfig once
	assert_stderr --partial 'missing.kubeconfig'
	write_kubeconfig good.kubeconfig
	run -3 --separate-stderr "$GWSCALE" --kubeconfig good.kubeconfig \
	    --context nosuch once
	assert_stderr --partial 'context "nosuch" not found'
}

@test "401: a wrong token gives exit status 4 and the server's message" {
	fake_object deployments default web 1
	target web 1 10
	echo wrong-token >"$BATS_TEST_TMPDIR/token"
	run -4 --separate-stderr gws once
	assert_stderr --regexp 'scale target web: GET https://127\.0\.0\.1:[0-9]+/apis/apps/v1/namespaces/default/deployments/web/scale: 401 Unauthorized: Unauthorized'
}

@test "403: a token that may not patch gives exit status 5, recorded as failed" {
	stop_fakeapi
	start_fakeapi --readonly-token ro-token
	fake_object deployments default web 1
	target web 1 10
	rps web 50
	echo ro-token >"$BATS_TEST_TMPDIR/token"
	run -5 --separate-stderr gws once
	assert_stderr --partial 'PATCH'
	assert_stderr --partial '403 Forbidden: deployments.apps "web" is forbidden'
	assert_equal "$(last_decision)" '1|4|failed'
	assert_equal "$(fake_scale deployments default web)" 1
}

@test "404: a missing deployment gives exit status 6" {
	target web 1 10
	run -6 --separate-stderr gws once
	assert_stderr --partial '404 Not Found: deployments.apps "web" not found'
	assert_equal "$(db_query 'SELECT count(*) FROM scale_decisions')" 0
}

@test "409: the scale changed between GET and PATCH gives exit status 7" {
	fake_object deployments default web 1
	target web 1 10
	rps web 50
	fake_fail 409 PATCH /scale
	run -7 --separate-stderr gws once
	assert_stderr --partial '409 Conflict: Operation cannot be fulfilled on deployments.apps "web"'
	assert_equal "$(last_decision)" '1|4|failed'
	# The next run reads the scale again and writes.
	run -0 gws once
	assert_equal "$(fake_scale deployments default web)" 4
}

@test "5xx: retried with backoff; when they last, exit status 9" {
	fake_object deployments default web 1
	target web 1 10
	rps web 50
	fake_fail 503 PATCH /scale 1
	run -0 --separate-stderr gws once
	assert_equal "$(fake_scale deployments default web)" 4
	fake_fail 500 GET /scale 3
	run -9 --separate-stderr gws --retries 2 once
	assert_stderr --partial '500 Internal Server Error'
	run -0 api_calls
	assert_equal "$(grep -c 'GET .* 500$' <<<"$output")" 3
}

@test "422: an invalid patch gives exit status 8; 429 waits its Retry-After, then writes" {
	fake_object deployments default web 1
	target web 1 10
	rps web 50
	fake_fail 422 PATCH /scale
	run -8 --separate-stderr gws once
	assert_stderr --partial '422 Unprocessable Entity: '
	assert_equal "$(last_decision)" '1|4|failed'
	fake_ctl POST fail '{"status": 429, "method": "PATCH", "path": "/scale",
	    "count": 1, "retry_after": 1}' >/dev/null || fail "cannot inject 429"
	local t0
	t0=$(now_ms)
	run -0 --separate-stderr gws once
	assert_equal "$(fake_scale deployments default web)" 4
	[ $(($(now_ms) - t0)) -ge 1000 ] || fail "Retry-After not waited"
	run -0 api_calls
	assert_equal "$(grep -c 'PATCH .* 429$' <<<"$output")" 1
}

@test "a metric source that is down never scales down" {
	fake_object deployments default web 6
	target web 1 10
	local dead
	dead=$(dead_port)
	gwctl -q scale set web \
	    --metric "type=average_value,target=10,service=web,metric=requests_per_second" \
	    --metric "type=value,target=5,url=http://127.0.0.1:$dead,query=sum(up)" ||
	    fail "cannot set two metrics"
	# The gateway says 1 replica would do; Prometheus cannot be read:
	# the HPA refuses to scale down (InvalidMetrics), exit status 1.
	rps web 5
	run -1 --separate-stderr gws once
	assert_equal "$(last_decision)" '6|6|unchanged'
	assert_stderr --partial "scale target web: metric 2 unavailable: GET http://127.0.0.1:$dead"
	assert_stderr --partial 'InvalidMetrics'
	# The gateway says 30 would do: scaling up goes on without it, to
	# max_replicas.
	rps web 300
	run -0 --separate-stderr gws once
	assert_equal "$(last_decision)" '6|10|applied'
	fake_object deployments default web 6
	fake_ctl POST reset_log >/dev/null || fail "cannot reset the log"
	rps web 5
	run -0 db_query "SELECT json_extract(metrics, '\$[1].value') IS NULL,
	    json_extract(metrics, '\$[1].error') IS NOT NULL FROM scale_decisions
	    ORDER BY id DESC LIMIT 1"
	assert_output '1|1'
	# No gwproxy alive: the gateway metric is unavailable too, never 0.
	db_query "DELETE FROM gateway_instances"
	run -1 --separate-stderr gws once
	assert_stderr --partial 'no gwproxy has written its heartbeat'
	assert_equal "$(last_decision)" '6|6|unchanged'
	assert_equal "$(fake_scale deployments default web)" 6
	run -0 api_calls
	refute_output --partial PATCH
}

@test "scale to zero after the cooldown, and back to 1 on the first request" {
	fake_object deployments default web 2
	target web 0 10
	gwctl -q scale set web --cooldown 2s || fail "cooldown"
	rps web 15
	run -0 gws once
	assert_equal "$(last_decision)" '2|2|unchanged'
	# Idle, within the cooldown: the HPA decides (with a minimum of 1),
	# and its downscale stabilization keeps 2.
	rps web 0
	run -0 gws once
	assert_equal "$(last_decision)" '2|2|unchanged'
	wait_for 100 bash -c "'$GWSCALE' --server '$K8S_URL' --ca-file '$K8S_CA' \
	    --token-file '$BATS_TEST_TMPDIR/token' once 2>/dev/null &&
	    [ \"\$(sqlite3 '$GW_DB' 'SELECT desired_replicas FROM scale_decisions
	    ORDER BY id DESC LIMIT 1')\" = 0 ]" ||
	    fail "not scaled to zero: $(db_query 'SELECT * FROM scale_decisions')"
	assert_equal "$(fake_scale deployments default web)" 0
	run -0 db_query "SELECT reason FROM scale_decisions ORDER BY id DESC LIMIT 1"
	assert_output --regexp '^Deactivated: every metric has been at or below its activation threshold for [0-9]+s \(cooldown 2s\); scaling to zero$'
	# At zero and idle: stays.
	run -0 gws once
	assert_equal "$(last_decision)" '0|0|unchanged'
	# A request (through a gateway with no backend) is activity: 1.
	rps web 1
	run -0 gws once
	assert_equal "$(last_decision)" '0|1|applied'
	assert_equal "$(fake_scale deployments default web)" 1
	# From 1 on, the HPA: 100/s at 10 per replica, at most 4 at once.
	rps web 100
	run -0 gws once
	assert_equal "$(last_decision)" '1|4|applied'
}

@test "run decides every interval, at once on SIGHUP, and stops on SIGTERM" {
	fake_object deployments default web 1
	target web 1 10
	rps web 50
	# Not through gws: $! must be gwscale itself, not a subshell.
	"$GWSCALE" --server "$K8S_URL" --ca-file "$K8S_CA" \
	    --token-file "$BATS_TEST_TMPDIR/token" --interval 1s run \
	    2>"$BATS_TEST_TMPDIR/run.log" 3>&- &
	local pid=$!
	track_pid "$pid"
	wait_for 100 bash -c "[ \"\$(sqlite3 '$GW_DB' 'SELECT count(*) FROM
	    scale_decisions')\" -ge 2 ]" || fail "$(cat "$BATS_TEST_TMPDIR/run.log")"
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	assert_equal "$(fake_scale deployments default web)" 5
	run -0 cat "$BATS_TEST_TMPDIR/run.log"
	assert_line --partial 'gwscale info: deciding every 1s'
	assert_line --partial 'gwscale info: stopping'
	# An hour's interval: one pass, then SIGHUP starts the next at once.
	"$GWSCALE" --server "$K8S_URL" --ca-file "$K8S_CA" \
	    --token-file "$BATS_TEST_TMPDIR/token" --interval 1h run \
	    2>"$BATS_TEST_TMPDIR/run2.log" 3>&- &
	pid=$!
	track_pid "$pid"
	local n
	n=$(db_query 'SELECT count(*) FROM scale_decisions')
	wait_for 100 bash -c "[ \"\$(sqlite3 '$GW_DB' 'SELECT count(*) FROM
	    scale_decisions')\" -ge $((n + 1)) ]" || fail "$(cat "$BATS_TEST_TMPDIR/run2.log")"
	kill -HUP "$pid"
	wait_for 100 bash -c "[ \"\$(sqlite3 '$GW_DB' 'SELECT count(*) FROM
	    scale_decisions')\" -ge $((n + 2)) ]" || fail "$(cat "$BATS_TEST_TMPDIR/run2.log")"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	run -0 cat "$BATS_TEST_TMPDIR/run2.log"
	assert_line --partial 'gwscale info: SIGHUP: deciding now'
}

@test "in-cluster config: service-account token re-read before each run, CA and namespace" {
	fake_object deployments default web 1
	target web 1 10
	local sa=$BATS_TEST_TMPDIR/sa
	mkdir -p "$sa"
	cp "$K8S_CA" "$sa/ca.crt"
	echo default >"$sa/namespace"
	echo rotated-1 >"$sa/token"
	stop_fakeapi
	start_fakeapi --token-file "$sa/token"
	fake_object deployments default web 1
	rps web 50
	run -0 --separate-stderr env KUBERNETES_SERVICE_HOST=127.0.0.1 \
	    KUBERNETES_SERVICE_PORT="$K8S_PORT" GWSCALE_SERVICEACCOUNT_DIR="$sa" \
	    KUBECONFIG= HOME="$BATS_TEST_TMPDIR" "$GWSCALE" once
	# The kubelet rotates the token: the next run uses the new one.
	echo rotated-2 >"$sa/token"
	run -0 --separate-stderr env KUBERNETES_SERVICE_HOST=127.0.0.1 \
	    KUBERNETES_SERVICE_PORT="$K8S_PORT" GWSCALE_SERVICEACCOUNT_DIR="$sa" \
	    KUBECONFIG= HOME="$BATS_TEST_TMPDIR" "$GWSCALE" once
	run -0 fake_requests
	assert_output --partial 'Bearer rota'
	refute_output --partial '"status": 401'
}

@test "a kubeconfig with a client certificate, and one with inline data" {
	fake_object deployments default web 1
	target web 1 10
	rps web 50
	write_kubeconfig cert.kubeconfig cert
	run -0 --separate-stderr "$GWSCALE" --kubeconfig cert.kubeconfig once
	assert_equal "$(fake_scale deployments default web)" 4
	write_kubeconfig data.kubeconfig cert-data
	rps web 400
	run -0 --separate-stderr env KUBECONFIG="$PWD/data.kubeconfig" \
	    "$GWSCALE" once
	assert_equal "$(fake_scale deployments default web)" 8
	run -0 fake_requests
	assert_output --partial 'cert:gwscale-test'
}

@test "a Prometheus instant query is a metric source (a real Prometheus scraping gwproxy)" {
	command -v prometheus >/dev/null || skip "prometheus is not installed"
	start_backend b1
	gwctl -q service add web || fail "service web"
	gwctl -q backend add web "127.0.0.1:$b1_port" || fail "backend"
	gwctl -q route add api --service web --host api.test || fail "route"
	start_proxy --stats-interval off
	local pport
	pport=$(dead_port)
	cat >prom.yml <<-EOF
	global:
	  scrape_interval: 1s
	scrape_configs:
	- job_name: gwproxy
	  static_configs:
	  - targets: ['127.0.0.1:$ADMIN_PORT']
	EOF
	prometheus --config.file=prom.yml --storage.tsdb.path=prom-data \
	    --web.listen-address="127.0.0.1:$pport" \
	    >"$BATS_TEST_TMPDIR/prom.log" 2>&1 3>&- &
	track_pid $!
	run -0 curl -sS --max-time 20 -o /dev/null -H 'Host: api.test' \
	    $(for i in $(seq 40); do printf '%s ' "$(purl /)"; done)
	local q='sum(gwproxy_http_requests_total{service="web"})'
	wait_for 400 bash -c "curl -sS --max-time 2 'http://127.0.0.1:$pport/api/v1/query' \
	    --data-urlencode 'query=$q' | grep -q '\"40\"'" ||
	    fail "prometheus has no sample: $(tail -5 "$BATS_TEST_TMPDIR/prom.log")"
	fake_object deployments default web 1
	gwctl -q scale add web --workload deployment/web --max 10 \
	    --metric "type=average_value,target=10,url=http://127.0.0.1:$pport,query=$q" ||
	    fail "cannot add the target"
	run -0 --separate-stderr gws once
	# 40 / 10 = 4 replicas, within the legacy limit of 4.
	assert_equal "$(fake_scale deployments default web)" 4
	run -0 db_query "SELECT json_extract(metrics, '\$[0].value') FROM scale_decisions"
	assert_output 40.0
	# A query that matches no series is unavailable, not zero.
	gwctl -q scale set web \
	    --metric "type=average_value,target=10,url=http://127.0.0.1:$pport,query=sum(nosuch_metric)" ||
	    fail "cannot set the metric"
	run -1 --separate-stderr gws once
	assert_stderr --partial 'empty result'
	assert_equal "$(fake_scale deployments default web)" 4
}

@test "decide: the HPA decision as JSON, errors named" {
	run -0 "$GWSCALE" decide <<<'{"current_replicas": 25, "min_replicas": 1, "max_replicas": 100, "metrics": [{"type": "average_value", "current": 5000, "target": 100}], "behavior": {"scaleUp": {"policies": [{"type": "Percent", "value": 12, "periodSeconds": 60}]}}}'
	assert_output '{"desired_replicas": 29, "error": false, "reason": "ScaleUpLimit", "message": "the desired replica count is increasing faster than the maximum scale rate", "proposals": [50], "metric": 0, "metric_replicas": 50, "stabilized_replicas": 50, "stabilization": "ReadyForNewScale", "record_recommendation": 50, "scale_event": 4}'
	run -0 "$GWSCALE" decide <<<'{"current_replicas": 3, "max_replicas": 10, "metrics": [{"type": "value", "current": null, "target": 1}]}'
	assert_output --regexp '^\{"desired_replicas": 3, "error": true, "reason": "InvalidMetrics", '
	run -1 --separate-stderr "$GWSCALE" decide <<<'{"current_replicas": 3, "max_replicas": 10, "metrics": [], "tolerence": 0.2}'
	assert_stderr 'gwscale: decide: input: unknown field "tolerence"'
	run -1 --separate-stderr "$GWSCALE" decide <<<'{"current_replicas": 3, "max_replicas": 10, "metrics": [], "behavior": {"scaleDown": {"selectPolicy": "Sometimes"}}}'
	assert_stderr 'gwscale: decide: behavior.scaleDown.selectPolicy "Sometimes": must be Max, Min or Disabled'
	run -1 --separate-stderr "$GWSCALE" decide <<<'{"current_replicas": 3'
	assert_stderr --partial 'gwscale: decide: invalid JSON on stdin'
}
