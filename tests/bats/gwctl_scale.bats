#!/usr/bin/env bats
# Scale targets in gwctl: scale add|set|rm|get|history, get scale, and
# scale targets as config: apply, export, diff, validate, history and
# rollback.  The columns are those of common/schema.c; gwscale's
# decisions are inserted by hand, as gwscale would write them.

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

GWM=service=web,metric=requests_per_second,target=100
PROMM='url=http://prometheus:9090,type=value,target=500,query=sum(rate(gwproxy_requests_total{service="web"}[1m]))'

# The stored row of a target, and its metrics one per line.
st_row()
{
	db_query "SELECT name, namespace, workload_kind, workload, min_replicas,
	    max_replicas, tolerance, quote(behavior), downscale_stabilization_ms,
	    cooldown_ms FROM scale_targets WHERE name = '$1'"
}

st_metrics()
{
	db_query "SELECT m.seq, m.source, m.metric, quote(m.service),
	    quote(m.prometheus_url), m.target_type, m.target_value, m.window_ms,
	    m.activation FROM scale_metrics m JOIN scale_targets t
	    ON t.id = m.target_id WHERE t.name = '$1' ORDER BY m.seq"
}

last_change()
{
	db_query "SELECT generation, kind, name, op FROM changes
	    ORDER BY id DESC LIMIT 1"
}

# A decision as gwscale records it: TARGET AT_MS CURRENT DESIRED MODE
# REASON METRICS_JSON.
decision()
{
	db_query "INSERT INTO scale_decisions (target_id, at, metrics,
	    current_replicas, desired_replicas, mode, reason) VALUES
	    ((SELECT id FROM scale_targets WHERE name = '$1'), $2, '$7', $3,
	    $4, '$5', '$6')" || fail "cannot insert a decision"
}

# The HPA's defaults, as the API server stores a behavior.
DEFAULT_BEHAVIOR='{"scaleUp":{"stabilizationWindowSeconds":0,"selectPolicy":"Max","policies":[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]},"scaleDown":{"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15}]}}'

#
# add, set, rm
#

@test "scale add: defaults, quiet, one generation with its history" {
	gw_init
	quietly scale add web --workload web --max 10 --metric "$GWM"
	assert_equal "$(st_row web)" \
	    'web|default|deployment|web|1|10|0.1|NULL|300000|300000'
	assert_equal "$(st_metrics web)" \
	    "0|gateway|requests_per_second|'web'|NULL|average_value|100.0|60000|0.0"
	assert_equal "$(db_generation)" 1
	assert_equal "$(last_change)" '1|scale|web|create'
	assert_equal "$(db_query 'SELECT summary FROM generations WHERE generation = 1')" \
	    'scale/web created'
	# The history record is the export shape.
	assert_equal "$(db_query "SELECT json_extract(after_json, '$.workload'), json_extract(after_json, '$.metrics[0].metric') FROM changes")" \
	    'deployment/web|requests_per_second'
}

@test "scale add: every option, two metrics, a behavior with its defaults filled" {
	gw_init
	quietly scale add api --workload statefulset/api --namespace prod \
	    --min 0 --max 20 --tolerance 0.05 --downscale-stabilization 1m \
	    --cooldown 10m --metric "$GWM,window=30s,activation=2" \
	    --metric "$PROMM" \
	    --behavior '{"scaleDown":{"stabilizationWindowSeconds":60,"policies":[{"type":"Pods","value":1,"periodSeconds":60}]}}'
	assert_equal "$(st_row api)" \
	    "api|prod|statefulset|api|0|20|0.05|'{\"scaleUp\":{\"stabilizationWindowSeconds\":0,\"selectPolicy\":\"Max\",\"policies\":[{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":15},{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]},\"scaleDown\":{\"stabilizationWindowSeconds\":60,\"selectPolicy\":\"Max\",\"policies\":[{\"type\":\"Pods\",\"value\":1,\"periodSeconds\":60}]}}'|60000|600000"
	assert_equal "$(st_metrics api)" \
	    "0|gateway|requests_per_second|'web'|NULL|average_value|100.0|30000|2.0
1|prometheus|sum(rate(gwproxy_requests_total{service=\"web\"}[1m]))|NULL|'http://prometheus:9090'|value|500.0|60000|0.0"
}

@test "scale add --behavior @FILE and '{}': every default filled in" {
	gw_init
	printf '{}\n' >beh.json
	quietly scale add web --workload web --max 3 --metric "$GWM" \
	    --behavior @beh.json
	assert_equal "$(db_query 'SELECT behavior FROM scale_targets')" \
	    "$DEFAULT_BEHAVIOR"
	quietly scale add api --workload api --max 3 --metric "$GWM" \
	    --behavior '{"scaleUp":{"tolerance":"50m"}}'
	assert_equal "$(db_query "SELECT json_extract(behavior, '$.scaleUp.tolerance') FROM scale_targets WHERE name = 'api'")" \
	    0.05
}

@test "scale set: changes only what is given; --metric replaces the list; --no-behavior" {
	gw_init
	gwctl scale add web --workload web --max 10 --metric "$GWM" \
	    --metric "$PROMM" --behavior '{}'
	quietly scale set web --max 12 --min 2
	assert_equal "$(st_row web)" \
	    "web|default|deployment|web|2|12|0.1|'$DEFAULT_BEHAVIOR'|300000|300000"
	assert_equal "$(st_metrics web | wc -l)" 2
	quietly scale set web --metric service=web,metric=in_flight,type=value,target=7
	assert_equal "$(st_metrics web)" \
	    "0|gateway|in_flight|'web'|NULL|value|7.0|60000|0.0"
	quietly scale set web --no-behavior --namespace staging \
	    --workload rs/web-v2
	assert_equal "$(st_row web)" \
	    'web|staging|replicaset|web-v2|2|12|0.1|NULL|300000|300000'
	assert_equal "$(last_change)" '4|scale|web|update'
	# Setting what is already there changes nothing and records nothing.
	quietly scale set web --max 12
	assert_equal "$(db_generation)" 4
}

@test "scale set keeps gwscale's state and decisions of the target" {
	gw_init
	gwctl scale add web --workload web --max 10 --metric "$GWM"
	decision web 1000 1 2 applied 'above target' '[]'
	db_query "INSERT INTO scale_state VALUES ((SELECT id FROM scale_targets), 1000, 1000, 1000)"
	quietly scale set web --max 5 --metric "$GWM,target=50"
	assert_equal "$(db_query 'SELECT count(*) FROM scale_decisions')" 1
	assert_equal "$(db_query 'SELECT count(*) FROM scale_state')" 1
}

@test "scale rm removes the target with its metrics, state and history rows" {
	gw_init
	gwctl scale add web --workload web --max 10 --metric "$GWM" \
	    --metric "$PROMM"
	gwctl scale add api --workload api --max 10 --metric "$GWM"
	decision web 1000 1 2 applied 'above target' '[]'
	decision api 1000 1 1 unchanged 'within tolerance' '[]'
	db_query "INSERT INTO scale_state VALUES ((SELECT id FROM scale_targets WHERE name = 'web'), 1000, NULL, NULL);
	    INSERT INTO scale_recommendations VALUES ((SELECT id FROM scale_targets WHERE name = 'web'), 1000, 2);
	    INSERT INTO scale_events VALUES ((SELECT id FROM scale_targets WHERE name = 'web'), 1000, 1, 2)"
	quietly scale rm web
	assert_equal "$(db_query 'SELECT name FROM scale_targets')" api
	assert_equal "$(db_query 'SELECT count(*) FROM scale_metrics')" 1
	assert_equal "$(db_query 'SELECT count(*) FROM scale_decisions')" 1
	assert_equal "$(db_query 'SELECT count(*) FROM scale_state')" 0
	assert_equal "$(db_query 'SELECT count(*) FROM scale_recommendations')" 0
	assert_equal "$(db_query 'SELECT count(*) FROM scale_events')" 0
	assert_equal "$(last_change)" '3|scale|web|delete'
}

@test "--dry-run prints the change and writes nothing" {
	gw_init
	gwctl scale add web --workload web --max 10 --metric "$GWM"
	snap_db
	run -0 --separate-stderr gwctl scale set web --max 20 --min 0 --dry-run
	assert_output "scale/web configured
    min_replicas: 1 -> 0
    max_replicas: 10 -> 20"
	run -0 gwctl scale rm web --dry-run
	assert_output 'scale/web deleted'
	run -0 gwctl scale add api --workload api --max 2 --metric "$GWM" --dry-run
	assert_line --index 0 'scale/api created'
	assert_line '    workload: deployment/api'
	assert_db_unchanged
}

@test "a gateway metric's service need not exist" {
	gw_init
	quietly scale add web --workload web --max 3 \
	    --metric service=nosuch,metric=error_rate,target=5
	assert_equal "$(db_query 'SELECT service FROM scale_metrics')" nosuch
}

#
# Bad input: a clear message naming the value, exit 1 (2 for usage), the
# database as it was.
#

@test "scale add refuses bad values, naming each, and writes nothing" {
	gw_init
	gwctl scale add web --workload web --max 10 --metric "$GWM"
	refuse 1 'scale target "a": invalid --workload "daemonset/x": unknown kind "daemonset": must be deployment, statefulset or replicaset' \
	    scale add a --workload daemonset/x --max 3 --metric "$GWM"
	refuse 1 "scale target \"a\": namespace \"Kube_System\": must be a DNS label (lowercase letters, digits, '-', at most 63)" \
	    scale add a --workload x --namespace Kube_System --max 3 --metric "$GWM"
	refuse 1 'scale target "a": max_replicas 3: must be at least min_replicas 5' \
	    scale add a --workload x --min 5 --max 3 --metric "$GWM"
	refuse 1 'scale target "a": max_replicas 0: must be from 1 to 100000' \
	    scale add a --workload x --max 0 --metric "$GWM"
	refuse 1 'scale target "a": tolerance 1: must be at least 0 and less than 1' \
	    scale add a --workload x --max 3 --tolerance 1 --metric "$GWM"
	refuse 1 'scale target "a": metric 1: metric "rps": unknown gateway metric (requests_per_second, in_flight, latency_p50_ms, latency_p90_ms, latency_p99_ms, error_rate)' \
	    scale add a --workload x --max 3 --metric service=web,metric=rps,target=1
	refuse 1 'scale target "a": metric 2: a prometheus metric needs a url' \
	    scale add a --workload x --max 3 --metric "$GWM" \
	    --metric source=prometheus,target=1,query=up
	refuse 1 'scale target "a": metric 1: target 0: must be greater than 0' \
	    scale add a --workload x --max 3 --metric service=web,metric=in_flight,target=0
	refuse 1 "scale target \"a\": workload \"Web\": must be a DNS subdomain (lowercase letters, digits, '-', '.', at most 253)" \
	    scale add a --workload Web --max 3 --metric "$GWM"
	refuse 1 'scale target "a": downscale_stabilization 2h: must be from 0s to 1h' \
	    scale add a --workload x --max 3 --downscale-stabilization 2h --metric "$GWM"
	refuse 1 'scale target "web" already exists' \
	    scale add web --workload x --max 3 --metric "$GWM"
	refuse 1 'scale target "web": workload deployment/web in namespace "default" is already scaled by scale target "b"' \
	    scale add b --workload web --max 3 --metric "$GWM"
	refuse 1 'invalid scale target name "Web": must start with a lowercase letter or a digit' \
	    scale add Web --workload x --max 3 --metric "$GWM"
}

@test "unreadable values are all named at once" {
	gw_init
	snap_db
	run -1 --separate-stderr gwctl scale add a --workload x --max ten \
	    --tolerance x --cooldown 5 --metric type=fast,target=1 \
	    --metric service=web,colour=red
	assert_output ''
	assert_stderr 'gwctl: scale target "a": invalid --max "ten": not an integer
gwctl: scale target "a": invalid --tolerance "x": not a number
gwctl: scale target "a": invalid --cooldown "5": missing unit
gwctl: scale target "a": invalid --metric "type=fast,target=1": type=fast: must be value, average_value or utilization
gwctl: scale target "a": invalid --metric "service=web,colour=red": colour=red: unknown key (type, target, source, service, metric, url, window, activation, query)'
	assert_db_unchanged
}

@test "a bad behavior is refused with its field and value" {
	gw_init
	gwctl scale add web --workload web --max 10 --metric "$GWM"
	refuse 1 'scale target "web": behavior.scaleUp.selectPolicy "Fastest": must be Max, Min or Disabled' \
	    scale set web --behavior '{"scaleUp":{"selectPolicy":"Fastest"}}'
	refuse 1 'scale target "web": behavior.scaleDown.policies[0].periodSeconds 1801: must be an integer from 1 to 1800' \
	    scale set web --behavior '{"scaleDown":{"policies":[{"type":"Pods","value":1,"periodSeconds":1801}]}}'
	refuse 1 'scale target "web": behavior.scaleDown.stabilizationWindowSeconds 3601: must be an integer from 0 to 3600' \
	    scale set web --behavior '{"scaleDown":{"stabilizationWindowSeconds":3601}}'
	refuse 1 'scale target "web": behavior.scaleUp.policies[0].type "Pod": must be Pods or Percent' \
	    scale set web --behavior '{"scaleUp":{"policies":[{"type":"Pod","value":1,"periodSeconds":15}]}}'
	refuse 1 'scale target "web": behavior.scaleDown: unknown field "stabilizationWindow"' \
	    scale set web --behavior '{"scaleDown":{"stabilizationWindow":60}}'
	refuse 1 'scale target "web": behavior: unknown field "scaleSideways"' \
	    scale set web --behavior '{"scaleSideways":{}}'
	refuse 1 "scale target \"web\": behavior: invalid JSON: string or '}' expected near end of file (line 1, column 1)" \
	    scale set web --behavior '{'
	refuse 1 'nosuch.json: No such file or directory' \
	    scale set web --behavior @nosuch.json
}

@test "scale set and rm of a target that does not exist" {
	gw_init
	refuse 1 'scale target "web" not found' scale set web --max 3
	refuse 1 'scale target "web" not found' scale rm web
	refuse 1 'scale target "web" not found' scale get web
	refuse 1 'scale target "web" not found' scale history web
}

@test "scale usage errors exit 2" {
	gw_init
	refuse 2 'missing subcommand' scale
	refuse 2 'unknown subcommand "scal"' scale scal web
	refuse 2 'missing scale target name' scale add --workload x --max 3
	refuse 2 'unexpected argument "b"' scale rm a b
	refuse 2 'scale add: missing --workload' scale add a --max 3 --metric "$GWM"
	refuse 2 'scale add: missing --max' scale add a --workload x --metric "$GWM"
	refuse 2 'scale add: missing --metric' scale add a --workload x --max 3
	refuse 2 'scale add: --no-behavior is for scale set' \
	    scale add a --workload x --max 3 --metric "$GWM" --no-behavior
	refuse 2 'scale set: nothing to set' scale set a
	refuse 2 '--behavior and --no-behavior exclude each other' \
	    scale set a --behavior '{}' --no-behavior
	refuse 2 'unknown option --max' scale rm a --max 3
	refuse 2 'invalid --limit "x": invalid' scale history a --limit x
	refuse 2 'invalid --since "soon": expected a duration such as 1h or a time such as 2026-11-26T09:30:00Z' \
	    scale history a --since soon
	refuse 2 'get scale takes no --service' get scale --service web
	run -0 gwctl scale --help
	assert_line --index 0 --partial 'scale add NAME --workload [KIND/]NAME'
}

#
# get
#

@test "scale get: a table, one target in detail, JSON and YAML" {
	gw_init
	run -0 gwctl scale get
	assert_output 'NAME   NAMESPACE   WORKLOAD   MIN   MAX   METRICS   BEHAVIOR'
	gwctl scale add web --workload web --max 10 --metric "$GWM" \
	    --metric "$PROMM" --behavior '{}'
	gwctl scale add api --workload sts/api --namespace prod --min 0 \
	    --max 2 --metric service=api,metric=in_flight,target=2.5
	run -0 gwctl scale get
	assert_output 'NAME   NAMESPACE   WORKLOAD          MIN   MAX   METRICS                                      BEHAVIOR
api    prod        statefulset/api   0     2     api/in_flight=2.5                            no
web    default     deployment/web    1     10    web/requests_per_second=100,prometheus=500   yes'
	run -0 gwctl scale get api
	assert_output 'Name: api
Settings:
  workload: statefulset/api
  namespace: prod
  min_replicas: 0
  max_replicas: 2
  tolerance: 0.1
  downscale_stabilization: 5m
  cooldown: 5m
  metrics:
  - source: gateway
    service: api
    metric: in_flight
    type: average_value
    target: 2.5
    window: 1m
    activation: 0
Last decision: <none>'
	run -0 gwctl scale get -o json
	assert_equal "$(json_eval '[t["name"] for t in d]')" '["api", "web"]'
	assert_equal "$(json_eval 'd[1]["behavior"]["scaleUp"]["policies"][0]')" \
	    '{"periodSeconds": 15, "type": "Pods", "value": 4}'
	assert_equal "$(json_eval 'd[0]["tolerance"]')" 0.1
	run -0 gwctl scale get web -o yaml
	assert_line --index 0 'name: web'
	assert_line '- source: prometheus'
	assert_line '  query: sum(rate(gwproxy_requests_total{service="web"}[1m]))'
	assert_line '    stabilizationWindowSeconds: 0'
}

@test "get scale: each target with its latest decision" {
	gw_init
	gwctl scale add web --workload web --max 10 --metric "$GWM"
	gwctl scale add api --workload api --max 4 --metric "$GWM"
	decision web 1795680000000 2 3 applied 'requests_per_second 250.5 above target 100' '[]'
	decision web 1795680060000 3 3 unchanged 'within tolerance' '[]'
	decision web 1795680060000 3 4 dry-run 'the same millisecond, later' '[]'
	run -0 --separate-stderr gwctl get scale
	assert_output 'NAME   NAMESPACE   WORKLOAD         MIN   MAX   DECIDED                REPLICAS   MODE      REASON
api    default     deployment/api   1     4     <none>                 <none>     <none>    <none>
web    default     deployment/web   1     10    2026-11-26T08:01:00Z   3 -> 4     dry-run   the same millisecond, later'
	run -0 gwctl get scale -o json
	assert_equal "$(json_eval '[d[0]["last_decision"], d[1]["last_decision"]["desired_replicas"], d[1]["last_decision"]["mode"], d[1]["last_decision"]["time_ms"]]')" \
	    '[null, 4, "dry-run", 1795680060000]'
	assert_equal "$(json_eval 'sorted(d[1].keys())')" \
	    '["last_decision", "max_replicas", "min_replicas", "name", "namespace", "workload"]'
}

@test "scale history: newest first, metric values, --limit, --since, -o json" {
	gw_init
	gwctl scale add web --workload web --max 10 --metric "$GWM" \
	    --metric "$PROMM"
	local now m1 m2
	now=$(now_ms)
	m1='[{"source":"gateway","metric":"requests_per_second","service":"web","type":"average_value","target":100,"value":250.5,"proposal":3},{"source":"prometheus","metric":"sum(up)","type":"value","target":500,"value":null,"proposal":null,"error":"connection refused"}]'
	m2='[{"source":"gateway","metric":"requests_per_second","service":"web","type":"average_value","target":100,"value":95,"proposal":3}]'
	decision web $((now - 7200000)) 2 3 applied 'above target' "$m1"
	decision web $((now - 60000)) 3 3 unchanged 'within tolerance' "$m2"
	run -0 --separate-stderr gwctl scale history web
	assert_equal "$stderr" ''
	assert_line --index 0 --regexp '^TIME +CURRENT +DESIRED +MODE +METRICS +REASON$'
	assert_line --index 1 --regexp '^[0-9T:-]+Z +3 +3 +unchanged +web/requests_per_second=95/100 +within tolerance$'
	assert_line --index 2 --regexp '^[0-9T:-]+Z +2 +3 +applied +web/requests_per_second=250.5/100, prometheus=unavailable/500 +above target$'
	assert_equal "${#lines[@]}" 3
	run -0 gwctl scale history web --limit 1
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 --partial unchanged
	run -0 gwctl scale history web --since 1h
	assert_equal "${#lines[@]}" 2
	run -0 gwctl scale history web -o json
	assert_equal "$(json_eval '[x["mode"] for x in d]')" '["unchanged", "applied"]'
	assert_equal "$(json_eval 'd[1]["metrics"][1]')" \
	    '{"error": "connection refused", "metric": "sum(up)", "proposal": null, "source": "prometheus", "target": 500, "type": "value", "value": null}'
	assert_equal "$(json_eval 'sorted(d[0].keys())')" \
	    '["current_replicas", "desired_replicas", "id", "metrics", "mode", "reason", "target", "target_id", "time", "time_ms"]'
	assert_equal "$(json_eval 'd[1]["time_ms"]')" "$((now - 7200000))"
}

@test "describe scale and get all show scale targets" {
	gw_fixture
	gwctl scale add web --workload web --max 10 --metric "$GWM"
	run -0 gwctl describe scale web
	assert_line --index 0 'Kind: scale'
	assert_line '  workload: deployment/web'
	assert_line --regexp '^  6 +[0-9T:-]+Z +.* +create$'
	run -0 gwctl get all
	assert_line --regexp '^web +default +deployment/web +1 +10 +web/requests_per_second=100 +no$'
	run -0 gwctl get all -o json
	assert_equal "$(json_eval '[t["name"] for t in d["scale_targets"]]')" '["web"]'
}

#
# apply, export, diff, validate
#

write_scale()
{
	cat >scale.yaml <<'EOF'
scale_targets:
- name: web
  workload: deployment/web
  namespace: default
  min_replicas: 1
  max_replicas: 10
  tolerance: 0.1
  downscale_stabilization: 5m
  cooldown: 5m
  metrics:
  - service: web
    metric: requests_per_second
    type: average_value
    target: 100
    window: 1m
    activation: 0
  - source: prometheus
    url: http://prometheus:9090
    query: sum(rate(gwproxy_requests_total{service="web"}[1m]))
    type: value
    target: 500
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 60
      policies:
      - type: Pods
        value: 1
        periodSeconds: 60
- name: api
  workload: api
  max_replicas: 3
  metrics:
  - service: api
    metric: latency_p99_ms
    type: value
    target: 250
EOF
}

@test "apply creates scale targets; export writes them back, defaults filled" {
	gw_init
	write_scale
	run -0 gwctl apply -f scale.yaml
	assert_output 'scale/api created
scale/web created'
	assert_equal "$(st_row api)" \
	    'api|default|deployment|api|1|3|0.1|NULL|300000|300000'
	assert_equal "$(db_query "SELECT json_extract(behavior, '$.scaleDown.stabilizationWindowSeconds'), json_extract(behavior, '$.scaleUp.policies[1].type') FROM scale_targets WHERE name = 'web'")" \
	    '60|Percent'
	run -0 gwctl export
	assert_output --partial 'scale_targets:
- name: api
  workload: deployment/api
  namespace: default
  min_replicas: 1
  max_replicas: 3
  tolerance: 0.1
  downscale_stabilization: 5m
  cooldown: 5m
  metrics:
  - source: gateway
    service: api
    metric: latency_p99_ms
    type: value
    target: 250
    window: 1m
    activation: 0
- name: web'
	assert_output --partial '  behavior:
    scaleUp:
      stabilizationWindowSeconds: 0
      selectPolicy: Max
      policies:
      - type: Pods
        value: 4
        periodSeconds: 15
      - type: Percent
        value: 100
        periodSeconds: 15
    scaleDown:
      stabilizationWindowSeconds: 60
      selectPolicy: Max
      policies:
      - type: Pods
        value: 1
        periodSeconds: 60'
}

@test "export | apply changes nothing, in YAML and JSON, with --prune too" {
	gw_fixture
	write_scale
	gwctl apply -f scale.yaml
	gwctl scale add z --workload rs/z --namespace prod --min 0 --max 5 \
	    --tolerance 0.3 --cooldown 0s --metric "$GWM,activation=0.5" \
	    --behavior '{"scaleUp":{"tolerance":0.05,"selectPolicy":"Disabled"}}'
	snap_db
	gwctl export >out.yaml
	run -0 gwctl diff -f out.yaml
	assert_output 'no changes'
	run -0 gwctl apply --prune -f out.yaml
	assert_output 'no changes'
	gwctl export -o json >out.json
	run -0 gwctl diff --prune -f out.json
	assert_output 'no changes'
	run -0 gwctl get all -o yaml
	printf '%s\n' "$output" >all.yaml
	run -0 gwctl diff -f all.yaml
	assert_output 'no changes'
	assert_db_unchanged
}

@test "diff and apply --dry-run show a scale target's changed settings" {
	gw_init
	write_scale
	gwctl apply -f scale.yaml
	sed -i 's/^  max_replicas: 3$/  max_replicas: 4/; s/^        value: 1$/        value: 2/' scale.yaml
	snap_db
	run -1 gwctl diff -f scale.yaml
	assert_output 'scale/api configured
    max_replicas: 3 -> 4
scale/web configured
    behavior.scaleDown.policies.0.value: 1 -> 2'
	run -0 gwctl apply --dry-run -f scale.yaml
	assert_line --index 0 'scale/api configured'
	assert_db_unchanged
}

@test "apply --prune removes scale targets only when the file has the key" {
	gw_fixture
	write_scale
	gwctl apply -f scale.yaml
	gwctl export | sed '/^scale_targets:/,$d' >noscale.yaml
	run -0 gwctl apply --prune -f noscale.yaml
	assert_output 'no changes'
	assert_equal "$(db_query 'SELECT count(*) FROM scale_targets')" 2
	{ cat noscale.yaml; printf 'scale_targets: []\n'; } >empty.yaml
	run -0 gwctl apply --prune -f empty.yaml
	assert_output 'scale/api deleted
scale/web deleted'
	assert_equal "$(db_query 'SELECT count(*) FROM scale_metrics')" 0
}

@test "validate names each problem of a file with its line" {
	gw_init
	cat >bad.yaml <<'EOF'
scale_targets:
- name: web
  workload: daemonset/web
  max_replicas: 0
  tolerance: much
  frob: 1
  metrics:
  - service: web
    metric: requests_per_second
    target: 1
    bogus: 2
- name: api
  workload: api
  namespace: Prod
  max_replicas: 3
  metrics:
  - service: api
    metric: in_flight
    target: 1
- name: one
  workload: one
  min_replicas: 4
  max_replicas: 3
  metrics:
  - service: one
    metric: in_flight
    target: 1
- name: two
  workload: two
  max_replicas: 3
  tolerance: 1
  metrics:
  - service: two
    metric: in_flight
    target: 1
- name: gw
  workload: gw
  max_replicas: 3
  metrics:
  - service: gw
    metric: in_flight
    target: 1
  - service: gw
    metric: rps
    target: 1
- name: prom
  workload: prom
  max_replicas: 3
  metrics:
  - source: prometheus
    query: up
    target: 1
- name: noworkload
  max_replicas: 3
  metrics: []
EOF
	snap_db
	run -1 --separate-stderr gwctl validate -f bad.yaml
	assert_output ''
	assert_stderr_line 'gwctl: bad.yaml:3: scale target "web": workload: invalid workload "daemonset/web": unknown kind "daemonset": must be deployment, statefulset or replicaset'
	assert_stderr_line 'gwctl: bad.yaml:5: scale target "web": tolerance: invalid number "much": not a number'
	assert_stderr_line 'gwctl: bad.yaml:6: scale target "web": unknown key "frob"'
	assert_stderr_line 'gwctl: bad.yaml:11: scale target "web": metric 1: unknown key "bogus"'
	assert_stderr_line 'gwctl: bad.yaml:53: scale target "noworkload": missing workload'
	assert_stderr_line "gwctl: bad.yaml:14: scale target \"api\": namespace \"Prod\": must be a DNS label (lowercase letters, digits, '-', at most 63)"
	assert_stderr_line 'gwctl: bad.yaml:23: scale target "one": max_replicas 3: must be at least min_replicas 4'
	assert_stderr_line 'gwctl: bad.yaml:31: scale target "two": tolerance 1: must be at least 0 and less than 1'
	assert_stderr_line 'gwctl: bad.yaml:44: scale target "gw": metric 2: metric "rps": unknown gateway metric (requests_per_second, in_flight, latency_p50_ms, latency_p90_ms, latency_p99_ms, error_rate)'
	assert_stderr_line 'gwctl: bad.yaml:50: scale target "prom": metric 1: a prometheus metric needs a url'
	assert_equal "${#stderr_lines[@]}" 10
	run -1 --separate-stderr gwctl apply -f bad.yaml
	assert_db_unchanged
}

@test "a bad behavior in a file: its field, value and line" {
	gw_init
	cat >beh.yaml <<'EOF'
scale_targets:
- name: a
  workload: a
  max_replicas: 3
  metrics:
  - {service: a, metric: in_flight, target: 1}
  behavior:
    scaleUp:
      selectPolicy: Fastest
- name: b
  workload: b
  max_replicas: 3
  metrics:
  - {service: b, metric: in_flight, target: 1}
  behavior:
    scaleDown:
      policies:
      - type: Pods
        value: 1
        periodSeconds: 1801
- name: c
  workload: c
  max_replicas: 3
  metrics:
  - {service: c, metric: in_flight, target: 1}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 3601
- name: d
  workload: d
  max_replicas: 3
  metrics:
  - {service: d, metric: in_flight, target: 1}
  behavior:
    scaleDown:
      selectPolicy: Min
      stabilisationWindowSeconds: 60
- name: e
  workload: e
  max_replicas: 3
  metrics:
  - {service: e, metric: in_flight, target: 1}
  behavior:
    scaleUp:
      policies:
      - {type: Pods, value: many, periodSeconds: 15}
EOF
	snap_db
	run -1 --separate-stderr gwctl apply -f beh.yaml
	assert_output ''
	assert_stderr 'gwctl: beh.yaml:9: scale target "a": behavior.scaleUp.selectPolicy "Fastest": must be Max, Min or Disabled
gwctl: beh.yaml:20: scale target "b": behavior.scaleDown.policies[0].periodSeconds 1801: must be an integer from 1 to 1800
gwctl: beh.yaml:28: scale target "c": behavior.scaleDown.stabilizationWindowSeconds 3601: must be an integer from 0 to 3600
gwctl: beh.yaml:37: scale target "d": behavior.scaleDown: unknown field "stabilisationWindowSeconds"
gwctl: beh.yaml:46: scale target "e": behavior.scaleUp.policies[0].value "many": must be an integer greater than 0'
	assert_db_unchanged
}

@test "a target named twice in a file, or a workload scaled twice" {
	gw_init
	cat >dup.yaml <<'EOF'
scale_targets:
- {name: a, workload: w, max_replicas: 3, metrics: [{service: a, metric: in_flight, target: 1}]}
- {name: a, workload: v, max_replicas: 3, metrics: [{service: a, metric: in_flight, target: 1}]}
- {name: b, workload: deployment/w, max_replicas: 3, metrics: [{service: a, metric: in_flight, target: 1}]}
- {name: c, workload: statefulset/w, max_replicas: 3, metrics: [{service: a, metric: in_flight, target: 1}]}
EOF
	run -1 --separate-stderr gwctl validate -f dup.yaml
	assert_stderr 'gwctl: dup.yaml:3: scale target "a": defined twice (first at line 2)
gwctl: dup.yaml:4: scale target "b": workload deployment/w in namespace "default" is already scaled by scale target "a"'
}

#
# history and rollback
#

@test "history shows scale changes; rollback restores a target" {
	gw_init
	gwctl scale add web --workload web --max 10 --metric "$GWM" \
	    --behavior '{"scaleUp":{"tolerance":0.05}}'
	gwctl scale set web --max 20 --metric "$PROMM"
	gwctl scale rm web
	run -0 gwctl history 2
	assert_line '  scale/web configured'
	assert_line '    max_replicas: 10 -> 20'
	assert_line '    metrics.0.source: gateway -> prometheus'
	run -0 gwctl history 1
	assert_line '    behavior.scaleUp.tolerance: 0.05'
	run -0 gwctl rollback 2
	assert_output 'scale/web created'
	assert_equal "$(st_row web | cut -d'|' -f1-6)" 'web|default|deployment|web|1|20'
	assert_equal "$(st_metrics web | cut -d'|' -f2)" prometheus
	run -0 gwctl rollback 1
	assert_output 'scale/web configured'
	assert_equal "$(st_metrics web | cut -d'|' -f2,3)" 'gateway|requests_per_second'
	assert_equal "$(db_query "SELECT json_extract(behavior, '$.scaleUp.tolerance') FROM scale_targets")" 0.05
	run -0 gwctl rollback 0
	assert_output 'scale/web deleted'
	assert_equal "$(db_query 'SELECT count(*) FROM scale_targets')" 0
}

@test "a version 2 database migrates; its history is kept and takes scale changes" {
	gw_fixture
	db_as_version 2
	run -0 gwctl init
	assert_equal "$(db_query 'SELECT count(*) FROM changes')" 5
	run -0 gwctl scale add web --workload web --max 3 --metric "$GWM"
	assert_equal "$(last_change)" '6|scale|web|create'
	assert_equal "$(db_query "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'changes' ORDER BY name")" \
	    'changes_generation
changes_object'
}

@test "a hand-edited behavior the API would refuse is reported, and can be replaced" {
	gw_init
	gwctl scale add web --workload web --max 3 --metric "$GWM" --behavior '{}'
	db_query "UPDATE scale_targets SET behavior = '{\"scaleUp\":{\"selectPolicy\":\"Fastest\"}}'"
	run -0 gwctl scale get web -o json
	refuse 1 'scale target "web": stored behavior.scaleUp.selectPolicy "Fastest": must be Max, Min or Disabled' \
	    scale set web --max 4
	quietly scale set web --no-behavior
	assert_equal "$(db_query 'SELECT quote(behavior), max_replicas FROM scale_targets')" 'NULL|3'
}
