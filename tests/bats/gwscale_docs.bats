#!/usr/bin/env bats
# The documentation matches the program: gwscale(8)'s SYNOPSIS is the
# usage gwscale prints, every option is documented with its default,
# every HPA reason of gwscale/hpa.c (and the reasons of scale to zero) is
# in DIAGNOSTICS with its message, every message gwscale prints is in
# DIAGNOSTICS, `gwscale decide`'s fields are all in DECIDE, and the page
# is lint clean.

load helpers

ROOT="$BATS_TEST_DIRNAME/../.."
GWSCALE=$GW_BIN/gwscale

setup()
{
	[ -x "$GWSCALE" ] || fail "no gwscale at $GWSCALE (run make first)"
}

@test "gwscale(8) SYNOPSIS is the usage gwscale --help prints" {
	assert_synopsis_is_usage "$GWSCALE" gwscale.8
}

@test "every gwscale option is in gwscale(8) with its default" {
	assert_options_documented "$GWSCALE" gwscale.8 "SCALE TARGETS" 17
}

@test "every HPA reason of gwscale is in gwscale(8) DIAGNOSTICS" {
	local diag pairs pair n=0
	diag=$(section gwscale.8 DIAGNOSTICS)
	# messages[] of hpa.c: { "Reason", "message " "continued" }, as
	# "Reason: message", the form of the decisions' reason lines.
	pairs=$(python3 -c '
import re, sys
src = open(sys.argv[1]).read()
body = src[src.index("messages[] = {"):]
body = body[:body.index("};")]
for m in re.finditer(r"\{\s*((?:\"[^\"]*\"\s*)+),\s*((?:\"[^\"]*\"\s*)+)\}",
                     body):
    s = [ "".join(re.findall(r"\"([^\"]*)\"", g)) for g in m.groups() ]
    print("%s: %s" % (s[0], s[1]))
' "$ROOT/gwscale/hpa.c")
	while IFS= read -r pair; do
		[ -n "$pair" ] || continue
		n=$((n + 1))
		[[ "$diag" == *" $pair "* ]] ||
		    fail "\"$pair\" not in DIAGNOSTICS"
	done <<<"$pairs"
	[ "$n" -ge 10 ] || fail "only $n reasons found in gwscale/hpa.c"
	# Scale to zero's (step.c) and the stabilization's (hpa.c) words.
	for word in Activated: Idle: Deactivated: ScaleUpStabilized \
	    ScaleDownStabilized ReadyForNewScale; do
		grep -q "${word%:}" "$ROOT/gwscale/step.c" "$ROOT/gwscale/hpa.c" ||
		    fail "$word is no longer in step.c or hpa.c"
		[[ "$(section gwscale.8 DIAGNOSTICS) $(section gwscale.8 DECIDE)" \
		    == *"$word"* ]] || fail "$word not in gwscale(8)"
	done
}

@test "every message gwscale prints is in gwscale(8) DIAGNOSTICS" {
	assert_messages_documented gwscale.8 80 \
	    'gw_log|warnx|warn|errx|err|usage|dec_fail|kube_err|sim_fail' \
	    '[^,"()]+' "$ROOT"/gwscale/*.c
}

@test "every field of gwscale decide is in gwscale(8) DECIDE" {
	local decide fields field n=0
	decide=$(section gwscale.8 DECIDE)
	# The input's keys[] and the output's json_object_set_new keys.
	fields=$(tr -s ' \t\n' ' ' <"$ROOT/gwscale/decide.c" |
	    grep -o -e 'keys\[\] = {[^}]*}' -e 'set_new(o, "[a-z_]*"' |
	    grep -o '"[a-z_]*"' | tr -d '"' | sort -u)
	while IFS= read -r field; do
		[ -n "$field" ] || continue
		n=$((n + 1))
		[[ "$decide" =~ (^|[^a-z_])$field([^a-z_]|$) ]] ||
		    fail "decide field \"$field\" not in DECIDE"
	done <<<"$fields"
	[ "$n" -ge 25 ] || fail "only $n fields found in gwscale/decide.c"
}

@test "the decide example of gwscale(8) is what gwscale decide prints" {
	run -0 --separate-stderr "$GWSCALE" decide <<-'EOF'
	{"current_replicas": 3, "max_replicas": 10, "metrics":
	    [{"type": "pods_average_value", "current": 250, "target": 100}]}
	EOF
	assert_output '{"desired_replicas": 6, "error": false, "reason": "ScaleUpLimit", "message": "the desired replica count is increasing faster than the maximum scale rate", "proposals": [8], "metric": 0, "metric_replicas": 8, "stabilized_replicas": 8, "stabilization": "ReadyForNewScale", "record_recommendation": 8, "scale_event": null}'
	[[ "$(section gwscale.8 EXAMPLES)" == *'"desired_replicas": 6,'*'"proposals": [ 8 ],'*'"scale_event": null'* ]] ||
	    fail "the decide example of EXAMPLES changed"
}

@test "the simulate example of gwscale(8) is what gwscale simulate prints" {
	local table
	gw_setup
	gw_init
	gwctl scale add web --workload deployment/web --max 10 \
	    --metric type=average_value,target=100,service=web,metric=requests_per_second ||
	    fail "cannot add the scale target of the example"
	printf '%s\n' time,requests_per_second 0,120 60,480 120,950 180, \
	    240,300 600,0 >rps.csv
	run -0 --separate-stderr "$GWSCALE" --replicas 2 --interval 1m \
	    simulate web rps.csv
	assert_line --index 0 --regexp '^TIME +RPS +CURRENT +DESIRED +REASON$'
	table=$(printf '%s\n' "$output" | tr -s ' \t\n' ' ')
	[[ "$(section gwscale.8 EXAMPLES)" == *"rps.csv ${table% }"* ]] ||
	    fail "the simulate example of EXAMPLES is not:"$'\n'"$output"
}

@test "gwscale(8) is mandoc -Tlint clean" {
	assert_lint_clean gwscale.8
}

@test "the gwscale manifests in deploy/ are valid Kubernetes objects" {
	# PyYAML: Debian's python3-yaml.
	python3 -c 'import yaml' 2>/dev/null || skip "python3 has no yaml module"
	run -0 python3 - "$ROOT"/deploy/gwscale-*.yaml <<-'EOF'
	import sys, yaml
	want = {
	    "gwscale-rbac.yaml": {"ServiceAccount", "Role", "RoleBinding"},
	    "gwscale-cronjob.yaml": {"CronJob", "ConfigMap",
	                             "PersistentVolumeClaim"},
	    "gwscale-deployment.yaml": {"Deployment", "ConfigMap"},
	}
	api = {"ServiceAccount": "v1", "ConfigMap": "v1",
	       "PersistentVolumeClaim": "v1",
	       "Role": "rbac.authorization.k8s.io/v1",
	       "RoleBinding": "rbac.authorization.k8s.io/v1",
	       "CronJob": "batch/v1", "Deployment": "apps/v1"}
	seen = set()
	for path in sys.argv[1:]:
	    name = path.rsplit("/", 1)[-1]
	    kinds = set()
	    for d in yaml.safe_load_all(open(path)):
	        if d is None:
	            continue
	        k = d["kind"]
	        assert d["apiVersion"] == api[k], (name, k, d["apiVersion"])
	        assert d["metadata"]["name"], (name, k)
	        kinds.add(k)
	        if k == "Role":
	            res = {r for rule in d["rules"] for r in rule["resources"]}
	            assert res == {"deployments/scale", "statefulsets/scale",
	                           "replicasets/scale"}, res
	        if k in ("CronJob", "Deployment"):
	            pod = (d["spec"]["jobTemplate"]["spec"]["template"]
	                   if k == "CronJob" else d["spec"]["template"])
	            assert pod["spec"]["serviceAccountName"] == "gwscale"
	            args = pod["spec"]["containers"][0]["args"]
	            assert args[-1] == ("once" if k == "CronJob" else "run"), args
	    assert kinds == want[name], (name, kinds)
	    seen.add(name)
	assert seen == set(want), seen
	EOF
	assert_output ''
}
