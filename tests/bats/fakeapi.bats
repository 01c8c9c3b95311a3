#!/usr/bin/env bats
# The fake Kubernetes API server (tests/k8s/fakeapi.py) that the gwscale
# tests stand on, held to what a real client expects: kubectl drives it
# (get --raw, scale, patch --subresource=scale, kubeconfigs, client
# certificates, tokens) and curl checks its Status objects, resource
# versions, injected failures and request log byte for byte.

load helpers
load k8s_helpers

SCALE=/apis/apps/v1/namespaces/default/deployments/web/scale
DEPLOY=/apis/apps/v1/namespaces/default/deployments/web

setup()
{
	gw_setup
	export KUBECONFIG=$BATS_TEST_TMPDIR/no-kubeconfig
}

teardown()
{
	stop_fakeapi
}

# Tests that drive kubectl need one that knows patch --subresource
# (Kubernetes 1.24 and later); Debian 12's kubernetes-client is 1.20.
need_kubectl()
{
	local minor

	command -v kubectl >/dev/null ||
	    skip "kubectl is missing (https://dl.k8s.io/release/)"
	minor=$(kubectl version --client -o json 2>/dev/null | python3 -c '
import json, re, sys
print(re.match(r"\d+", json.load(sys.stdin)["clientVersion"]["minor"]).group())' ||
	    echo 0)
	[ "$minor" -ge 24 ] ||
	    skip "kubectl 1.$minor predates patch --subresource (1.24)"
}

# A fake with deployment default/web at 3 replicas, all ready.
fake_web()
{
	start_fakeapi "$@"
	fake_object deployments default web 3
}

# curl with the token, the CA and a User-Agent that is not curl's (curl
# gets pretty-printed JSON, as from the API server).
kcurl()
{
	curl -sS --max-time 10 --cacert "$K8S_CA" -A gw-test \
	    -H "Authorization: Bearer $K8S_TOKEN" "$@"
}

# kcurl -i, the CRs of the head removed, so assert_line can match.
hkcurl()
(
	set -o pipefail
	kcurl -i "$@" | tr -d '\r'
)

# The requests kubectl made for its work, one a line, "METHOD PATH[?QUERY]
# [CONTENT-TYPE BODY]" (CONTENT-TYPE "-" when none was sent): the log
# without discovery and /version.
wire()
{
	fake_requests | python3 -c '
import json, re, sys
for r in json.load(sys.stdin):
    p = r["path"]
    if p in ("/version", "/api", "/apis", "/api/v1") or \
            re.fullmatch(r"/apis/[^/]+/[^/]+", p):
        continue
    line = r["method"] + " " + p + ("?" + r["query"] if r["query"] else "")
    if r["body"]:
        line += " " + (r["content_type"] or "-") + " " + r["body"]
    print(line)'
}

# The Scale of deployment default/web as the API server writes it.
web_scale()
{
	fake_ctl GET objects/deployments/default/web | python3 -c '
import json, sys
o = json.load(sys.stdin)
md = o["object"]["metadata"]
print(json.dumps({"kind": "Scale", "apiVersion": "autoscaling/v1",
    "metadata": {k: md[k] for k in ("name", "namespace", "uid",
        "resourceVersion", "creationTimestamp")},
    "spec": {"replicas": o["replicas"]} if o["replicas"] else {},
    "status": {"replicas": o["status_replicas"], "selector": "app=web"}},
    separators=(",", ":")))'
}

@test "mkca.sh: a CA, a server for 127.0.0.1, ::1 and localhost, a client, another CA" {
	run -2 "$K8S_DIR/mkca.sh"
	assert_output 'usage: mkca.sh DIR'
	run -0 "$K8S_DIR/mkca.sh" "$BATS_TEST_TMPDIR/ca"
	assert_output ''
	cd "$BATS_TEST_TMPDIR/ca"
	run -0 openssl verify -CAfile ca.crt server.crt client.crt
	run -2 openssl verify -CAfile other-ca.crt server.crt
	run -0 openssl x509 -in server.crt -noout -ext subjectAltName
	assert_line --partial 'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost'
	run -0 openssl x509 -in client.crt -noout -subject -ext extendedKeyUsage
	assert_line 'subject=O = gw, CN = gwscale-test'
	assert_line --partial 'TLS Web Client Authentication'
	run -0 openssl pkey -in client.key -noout -text
	assert_line --partial 'P-256'
}

@test "command line: --help, usage errors, a certificate directory without certificates" {
	run -0 python3 "$K8S_DIR/fakeapi.py" --help
	assert_line --partial '--readonly-token'
	run -2 python3 "$K8S_DIR/fakeapi.py" --certdir /x --port-file /y
	assert_output --partial 'the following arguments are required: --token'
	run -1 python3 "$K8S_DIR/fakeapi.py" --certdir "$BATS_TEST_TMPDIR" \
	    --port-file "$BATS_TEST_TMPDIR/port" --token t
	assert_output --partial "fakeapi.py: $BATS_TEST_TMPDIR: "
	[ ! -e "$BATS_TEST_TMPDIR/port" ]
}

@test "the Scale over HTTPS: exact JSON, content type, pretty for curl; 401 without the token" {
	fake_web
	run -0 hkcurl "$K8S_URL$SCALE"
	assert_line 'HTTP/1.1 200 OK'
	assert_line 'Content-Type: application/json'
	assert_line 'Cache-Control: no-cache, private'
	assert_line --regexp '^Audit-Id: [0-9a-f-]{36}$'
	run -0 kcurl "$K8S_URL$SCALE"
	assert_output "$(web_scale)"
	run -0 json_eval 'd["metadata"]["resourceVersion"].isdigit()'
	assert_output 'true'
	# curl's own User-Agent: indented, as isPrettyPrint() does.
	run -0 curl -sS --cacert "$K8S_CA" -H "Authorization: Bearer $K8S_TOKEN" \
	    "$K8S_URL$SCALE"
	assert_line '  "kind": "Scale",'
	assert_line '    "replicas": 3,'
	for auth in '' 'Bearer wrong' 'Basic dGVzdDp0ZXN0' "Bearer  $K8S_TOKEN"; do
		run -0 curl -sS --cacert "$K8S_CA" -A gw-test -H "Authorization: $auth" \
		    -w '%{http_code}' "$K8S_URL$SCALE"
		assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}
401'
	done
}

@test "kubectl get --raw: the Scale, the deployment, discovery; api-resources lists the scalable kinds" {
	need_kubectl
	fake_web
	run -0 fake_kubectl get --raw "$SCALE"
	assert_output "$(web_scale)"
	run -0 fake_kubectl get deployment web -o json
	run -0 json_eval '[d["kind"], d["apiVersion"], d["spec"]["replicas"], d["status"]["readyReplicas"], d["spec"]["selector"]]'
	assert_output '["Deployment", "apps/v1", 3, 3, {"matchLabels": {"app": "web"}}]'
	run -0 fake_kubectl get --raw /apis/apps/v1
	run -0 json_eval '[r for r in d["resources"] if r["name"] == "deployments/scale"]'
	assert_output '[{"group": "autoscaling", "kind": "Scale", "name": "deployments/scale", "namespaced": true, "singularName": "", "verbs": ["get", "patch", "update"], "version": "v1"}]'
	run -0 fake_kubectl api-resources --api-group=apps
	assert_line --regexp '^deployments +deploy +apps/v1 +true +Deployment$'
	assert_line --regexp '^statefulsets +sts +apps/v1 +true +StatefulSet$'
	assert_line --regexp '^replicasets +rs +apps/v1 +true +ReplicaSet$'
	run -0 fake_kubectl get --raw /apis
	run -0 json_eval '[g["preferredVersion"]["groupVersion"] for g in d["groups"]]'
	assert_output '["apps/v1", "autoscaling/v1"]'
	run -1 fake_kubectl get --raw /openapi/v2
	assert_output --partial 'the server could not find the requested resource'
}

@test "kubectl scale: a GET of the deployment, then a merge patch of its Scale" {
	need_kubectl
	fake_web
	run -0 fake_kubectl scale deployment/web --replicas=5
	assert_output 'deployment.apps/web scaled'
	run -0 wire
	assert_output "GET $DEPLOY
PATCH $SCALE application/merge-patch+json {\"spec\":{\"replicas\":5}}"
	run -0 fake_scale deployments default web
	assert_output 5
	run -0 fake_kubectl get --raw "$SCALE"
	run -0 json_eval '[d["spec"]["replicas"], d["status"]["replicas"]]'
	assert_output '[5, 5]'
	# To zero: spec.replicas is omitempty in autoscaling/v1.
	run -0 fake_kubectl scale deployment web --replicas=0
	run -0 fake_kubectl get --raw "$SCALE"
	run -0 json_eval '[d["spec"], d["status"]]'
	assert_output '[{}, {"replicas": 0, "selector": "app=web"}]'
}

@test "kubectl scale --current-replicas: a GET and a PUT of the Scale with its resourceVersion" {
	need_kubectl
	fake_web
	rv=$(fake_rv deployments default web)
	run -0 fake_kubectl scale deployment/web --replicas=4 --current-replicas=3
	assert_output 'deployment.apps/web scaled'
	run -0 wire
	assert_line "GET $SCALE"
	# client-go's scale client sends the bytes without a Content-Type.
	assert_line --regexp "^PUT $SCALE - \\{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\","
	assert_line --regexp "^PUT $SCALE .*\"resourceVersion\":\"$rv\".*\"spec\":\\{\"replicas\":4\\}"
	run -0 fake_scale deployments default web
	assert_output 4
	run -1 fake_kubectl scale deployment/web --replicas=6 --current-replicas=3
	assert_output 'error: Expected replicas to be 3, was 4'
	run -1 fake_kubectl scale deployment/web --replicas=6 --resource-version="$rv"
	assert_output "error: Expected resource version to be $rv, was $(fake_rv deployments default web)"
}

@test "kubectl patch --subresource=scale: merge, strategic and JSON patches, each on the wire" {
	need_kubectl
	fake_web
	run -0 fake_kubectl patch deployment web --subresource=scale \
	    --type=merge -p '{"spec":{"replicas":2}}'
	assert_output 'scale.autoscaling/web patched'
	run -0 fake_scale deployments default web
	assert_output 2
	run -0 fake_kubectl patch deployment web --subresource=scale \
	    -p '{"spec":{"replicas":6}}'
	assert_output 'scale.autoscaling/web patched'
	run -0 fake_kubectl patch deployment web --subresource=scale \
	    --type=json -p '[{"op":"test","path":"/spec/replicas","value":6},{"op":"replace","path":"/spec/replicas","value":1}]'
	assert_output 'scale.autoscaling/web patched'
	run -0 fake_scale deployments default web
	assert_output 1
	run -0 fake_kubectl patch deployment web --subresource=scale \
	    --type=merge -p '{"spec":{"replicas":1}}'
	assert_output 'scale.autoscaling/web patched (no change)'
	run -0 wire
	assert_output "GET $SCALE
PATCH $SCALE?fieldManager=kubectl-patch application/merge-patch+json {\"spec\":{\"replicas\":2}}
GET $SCALE
PATCH $SCALE?fieldManager=kubectl-patch application/strategic-merge-patch+json {\"spec\":{\"replicas\":6}}
GET $SCALE
PATCH $SCALE?fieldManager=kubectl-patch application/json-patch+json [{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":6},{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1}]
GET $SCALE
PATCH $SCALE?fieldManager=kubectl-patch application/merge-patch+json {\"spec\":{\"replicas\":1}}"
}

@test "statefulsets and replicasets: kubectl scale and patch their Scale" {
	need_kubectl
	start_fakeapi
	fake_object statefulsets db db 2 1
	fake_object replicasets default web-7d4b9c 3
	run -0 fake_kubectl -n db scale statefulset/db --replicas=4
	assert_output 'statefulset.apps/db scaled'
	run -0 fake_kubectl get --raw /apis/apps/v1/namespaces/db/statefulsets/db/scale
	run -0 json_eval '[d["spec"], d["status"], d["metadata"]["namespace"]]'
	assert_output '[{"replicas": 4}, {"replicas": 4, "selector": "app=db"}, "db"]'
	run -0 fake_kubectl patch rs web-7d4b9c --subresource=scale --type=json \
	    -p '[{"op":"replace","path":"/spec/replicas","value":0}]'
	assert_output 'scale.autoscaling/web-7d4b9c patched'
	run -0 fake_scale replicasets default web-7d4b9c
	assert_output 0
	run -0 wire
	assert_line "PATCH /apis/apps/v1/namespaces/db/statefulsets/db/scale application/merge-patch+json {\"spec\":{\"replicas\":4}}"
	# kubectl scale wraps the error of its GET (scale.go).
	run -1 fake_kubectl scale statefulset/db --replicas=1
	assert_output 'error: no objects passed to scale statefulsets.apps "db" not found'
}

@test "resourceVersion: a write bumps it, a no-op does not, a stale one is 409 (merge patch, PUT, kubectl)" {
	need_kubectl
	fake_web
	rv=$(fake_rv deployments default web)
	run -0 kcurl -X PATCH -H 'Content-Type: application/merge-patch+json' \
	    -d '{"spec":{"replicas":3}}' "$K8S_URL$SCALE"
	run -0 json_eval 'd["metadata"]["resourceVersion"]'
	assert_output "$rv"
	run -0 kcurl -X PATCH -H 'Content-Type: application/merge-patch+json' \
	    -d "{\"metadata\":{\"resourceVersion\":\"$rv\"},\"spec\":{\"replicas\":4}}" \
	    "$K8S_URL$SCALE"
	run -0 json_eval 'int(d["metadata"]["resourceVersion"]) > '"$rv"
	assert_output 'true'
	new=$(fake_rv deployments default web)
	conflict='{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"web","group":"apps","kind":"deployments"},"code":409}'
	run -0 kcurl -w '%{http_code}' -X PATCH \
	    -H 'Content-Type: application/merge-patch+json' \
	    -d "{\"metadata\":{\"resourceVersion\":\"$rv\"},\"spec\":{\"replicas\":9}}" \
	    "$K8S_URL$SCALE"
	assert_output "$conflict
409"
	run -0 kcurl -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
	    -d "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"resourceVersion\":\"$rv\"},\"spec\":{\"replicas\":9}}" \
	    "$K8S_URL$SCALE"
	assert_output "$conflict
409"
	run -0 fake_rv deployments default web
	assert_output "$new"
	run -0 fake_scale deployments default web
	assert_output 4
	run -1 fake_kubectl patch deployment web --subresource=scale --type=merge \
	    -p "{\"metadata\":{\"resourceVersion\":\"$rv\"},\"spec\":{\"replicas\":2}}"
	assert_output 'Error from server (Conflict): Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again'
	# A PUT with the current version, or none, is taken.
	run -0 kcurl -X PUT -H 'Content-Type: application/json' \
	    -d "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":\"web\",\"resourceVersion\":\"$new\"},\"spec\":{\"replicas\":7}}" \
	    "$K8S_URL$SCALE"
	run -0 json_eval '[d["spec"]["replicas"], int(d["metadata"]["resourceVersion"]) > '"$new"']'
	assert_output '[7, true]'
	run -0 kcurl -X PUT -H 'Content-Type: application/json' \
	    -d '{"metadata":{"name":"web"},"spec":{"replicas":8}}' "$K8S_URL$SCALE"
	run -0 json_eval 'd["spec"]["replicas"]'
	assert_output 8
}

@test "invalid: negative or non-integer replicas (422, 400), a failing JSON-patch test (422), kubectl's words" {
	need_kubectl
	fake_web
	run -0 kcurl -w '%{http_code}' -X PATCH \
	    -H 'Content-Type: application/merge-patch+json' \
	    -d '{"spec":{"replicas":-1}}' "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0","reason":"Invalid","details":{"name":"web","group":"autoscaling","kind":"Scale","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"}]},"code":422}
422'
	run -1 fake_kubectl patch deployment web --subresource=scale \
	    --type=merge -p '{"spec":{"replicas":-2}}'
	assert_output 'The Scale "web" is invalid: spec.replicas: Invalid value: -2: must be greater than or equal to 0'
	run -0 kcurl -w '%{http_code}' -X PATCH \
	    -H 'Content-Type: application/json-patch+json' \
	    -d '[{"op":"test","path":"/spec/replicas","value":4}]' "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server rejected our request due to an error in our request","reason":"Invalid","details":{},"code":422}
422'
	run -1 fake_kubectl patch deployment web --subresource=scale --type=json \
	    -p '[{"op":"test","path":"/spec/replicas","value":4},{"op":"replace","path":"/spec/replicas","value":1}]'
	assert_output 'The request is invalid: the server rejected our request due to an error in our request'
	run -0 kcurl -X PATCH -H 'Content-Type: application/merge-patch+json' \
	    -d '{"spec":{"replicas":"2"}}' "$K8S_URL$SCALE"
	run -0 json_eval '[d["code"], d["reason"], d["message"].endswith("json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32")]'
	assert_output '[422, "Invalid", true]'
	run -0 kcurl -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
	    -d '{"metadata":{"name":"web"},"spec":{"replicas":2.5}}' "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal number 2.5 into Go struct field ScaleSpec.spec.replicas of type int32","reason":"BadRequest","code":400}
400'
	run -0 kcurl -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
	    -d '{"metadata":{"name":"api"},"spec":{"replicas":2}}' "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the name of the object (api) does not match the name on the URL (web)","reason":"BadRequest","code":400}
400'
	run -0 fake_scale deployments default web
	assert_output 3
}

@test "the other Status objects: 404 object and path, 405, 406, 415; strict and warned unknown fields" {
	fake_web
	run -0 kcurl -w '%{http_code}' "$K8S_URL/apis/apps/v1/namespaces/default/deployments/api/scale"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"api\" not found","reason":"NotFound","details":{"name":"api","group":"apps","kind":"deployments"},"code":404}
404'
	run -0 kcurl -w '%{http_code}' -X PATCH \
	    -H 'Content-Type: application/merge-patch+json' -d '{}' \
	    "$K8S_URL/apis/apps/v1/namespaces/other/statefulsets/web/scale"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"statefulsets.apps \"web\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"statefulsets"},"code":404}
404'
	run -0 kcurl -w '%{http_code}' "$K8S_URL/apis/apps/v1/namespaces/default/daemonsets/web"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}
404'
	run -0 kcurl -w '%{http_code}' -X DELETE "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server does not allow this method on the requested resource","reason":"MethodNotAllowed","details":{},"code":405}
405'
	run -0 kcurl -w '%{http_code}' -H 'Accept: application/vnd.kubernetes.protobuf' "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"only the following media types are accepted: application/json","reason":"NotAcceptable","code":406}
406'
	run -0 kcurl -w '%{http_code}' -X PATCH \
	    -H 'Content-Type: application/apply-patch+yaml' -d 'spec: {}' "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json","reason":"UnsupportedMediaType","code":415}
415'
	run -0 hkcurl -X PATCH -H 'Content-Type: application/merge-patch+json; charset=utf-8' \
	    -d '{"spec":{"replicas":2,"size":2}}' "$K8S_URL$SCALE"
	assert_line 'HTTP/1.1 200 OK'
	assert_line 'Warning: 299 - "unknown field \"spec.size\""'
	run -0 kcurl -X PATCH -H 'Content-Type: application/merge-patch+json' \
	    -d '{"spec":{"replicas":1,"size":2}}' "$K8S_URL$SCALE?fieldValidation=Strict"
	run -0 json_eval '[d["code"], d["message"].endswith("strict decoding error: unknown field \"spec.size\"")]'
	assert_output '[422, true]'
	run -0 fake_scale deployments default web
	assert_output 2
}

@test "authentication: wrong token, client certificate, read-only token, a CA kubectl does not trust" {
	need_kubectl
	fake_web --readonly-token viewer-token
	run -1 fake_kubectl --token wrong get --raw "$SCALE"
	assert_output 'error: You must be logged in to the server (Unauthorized)'
	run -1 fake_kubectl --token wrong scale deployment/web --replicas=1
	assert_line --partial 'error: You must be logged in to the server'
	run -0 kubectl --cache-dir "$BATS_TEST_TMPDIR/kc" --server "$K8S_URL" \
	    --certificate-authority "$K8S_CA" \
	    --client-certificate "$K8S_CERTDIR/client.crt" \
	    --client-key "$K8S_CERTDIR/client.key" scale deployment/web --replicas=2
	assert_output 'deployment.apps/web scaled'
	run -0 fake_kubectl --token viewer-token get --raw "$SCALE"
	run -1 fake_kubectl --token viewer-token scale deployment/web --replicas=3
	assert_output 'Error from server (Forbidden): deployments.apps "web" is forbidden: User "system:serviceaccount:default:viewer" cannot patch resource "deployments/scale" in API group "apps" in the namespace "default"'
	run -1 kubectl --server "$K8S_URL" --certificate-authority "$K8S_CERTDIR/other-ca.crt" \
	    --token "$K8S_TOKEN" get --raw "$SCALE"
	assert_output --partial 'x509: certificate signed by unknown authority'
	# A client certificate the CA did not sign fails the handshake.
	run ! curl -sS --cacert "$K8S_CA" --cert "$K8S_CERTDIR/other-ca.crt" \
	    --key "$K8S_CERTDIR/other-ca.key" "$K8S_URL$SCALE"
	wait_for 40 grep -q 'certificate verify failed' "$K8S_STDERR" ||
	    fail "the fake took a certificate of another CA"
	run -0 fake_scale deployments default web
	assert_output 2
	run -0 fake_requests
	run -0 json_eval '[(r["user"], r["authorization"], r["status"]) for r in d if r["method"] == "PATCH"]'
	assert_output '[["gwscale-test", "cert:gwscale-test", 200], ["system:serviceaccount:default:viewer", "Bearer view\u2026", 403]]'
}

@test "kubeconfig: token, client certificate, inline data, token file; the wrong CA fails" {
	need_kubectl
	fake_web
	for mode in token cert cert-data tokenfile; do
		write_kubeconfig "$BATS_TEST_TMPDIR/kc.$mode" "$mode"
		run -0 kubectl --kubeconfig "$BATS_TEST_TMPDIR/kc.$mode" \
		    --cache-dir "$BATS_TEST_TMPDIR/kc" get --raw "$SCALE"
		assert_output "$(web_scale)"
	done
	run -0 kubectl --kubeconfig "$BATS_TEST_TMPDIR/kc.cert" \
	    --cache-dir "$BATS_TEST_TMPDIR/kc" scale deployment web --replicas=4
	assert_output 'deployment.apps/web scaled'
	run -0 kubectl --kubeconfig "$BATS_TEST_TMPDIR/kc.token" config view --minify -o jsonpath='{.contexts[0].context.namespace} {.clusters[0].cluster.server}'
	assert_output "default $K8S_URL"
	write_kubeconfig "$BATS_TEST_TMPDIR/kc.wrong" token "$K8S_CERTDIR/other-ca.crt"
	run -1 kubectl --kubeconfig "$BATS_TEST_TMPDIR/kc.wrong" get --raw "$SCALE"
	assert_output --partial 'x509: certificate signed by unknown authority'
	run -0 fake_requests
	run -0 json_eval 'sorted({r["authorization"] for r in d})'
	assert_output '["Bearer test\u2026", "cert:gwscale-test"]'
}

@test "token file: its current content is accepted, a rotated-out token no longer" {
	need_kubectl
	K8S_TOKEN_FILE=$BATS_TEST_TMPDIR/sa-token
	echo rotated-1 >"$K8S_TOKEN_FILE"
	fake_web --token-file "$K8S_TOKEN_FILE"
	write_kubeconfig "$BATS_TEST_TMPDIR/kc" tokenfile
	run -0 kubectl --kubeconfig "$BATS_TEST_TMPDIR/kc" \
	    --cache-dir "$BATS_TEST_TMPDIR/kc.cache" scale deployment web --replicas=2
	printf 'rotated-2\n' >"$K8S_TOKEN_FILE"
	run -0 curl -sS --cacert "$K8S_CA" -o /dev/null -w '%{http_code}' \
	    -H 'Authorization: Bearer rotated-1' "$K8S_URL$SCALE"
	assert_output 401
	run -0 kubectl --kubeconfig "$BATS_TEST_TMPDIR/kc" \
	    --cache-dir "$BATS_TEST_TMPDIR/kc.cache" scale deployment web --replicas=3
	# The --token stays good; an empty file accepts no token.
	run -0 kcurl -o /dev/null -w '%{http_code}' "$K8S_URL$SCALE"
	assert_output 200
	: >"$K8S_TOKEN_FILE"
	run -0 curl -sS --cacert "$K8S_CA" -o /dev/null -w '%{http_code}' \
	    -H 'Authorization: Bearer ' "$K8S_URL$SCALE"
	assert_output 401
	run -0 fake_requests
	run -0 json_eval '[(r["authorization"], r["status"]) for r in d if r["method"] == "PATCH"]'
	assert_output '[["Bearer rota\u2026", 200], ["Bearer rota\u2026", 200]]'
	run -0 fake_scale deployments default web
	assert_output 3
}

@test "injected 403, 404 and 409 read in kubectl's words as a real server's; consumed in order" {
	need_kubectl
	fake_web
	fake_fail 404 GET /deployments/web
	run -1 fake_kubectl get deployment web
	assert_output 'Error from server (NotFound): deployments.apps "web" not found'
	fake_fail 403 PATCH /scale
	run -1 fake_kubectl scale deployment/web --replicas=5
	assert_output 'Error from server (Forbidden): deployments.apps "web" is forbidden: User "system:serviceaccount:default:gwscale" cannot patch resource "deployments/scale" in API group "apps" in the namespace "default"'
	fake_fail 409 PATCH /scale
	run -1 fake_kubectl patch deployment web --subresource=scale \
	    --type=merge -p '{"spec":{"replicas":5}}'
	assert_output 'Error from server (Conflict): Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again'
	run -0 fake_scale deployments default web
	assert_output 3
	# Two rules for the same requests: the older first, each its count.
	fake_fail 503 GET /scale 2
	fake_fail 500 '' /scale
	for want in 503 503 500 200; do
		run -0 kcurl -o /dev/null -w '%{http_code}' "$K8S_URL$SCALE"
		assert_output "$want"
	done
	run -0 fake_ctl GET fail
	assert_output '[]'
	run -0 fake_requests
	run -0 json_eval '[(r["method"], r["status"]) for r in d if r["injected"]]'
	assert_output '[["GET", 404], ["PATCH", 403], ["PATCH", 409], ["GET", 503], ["GET", 503], ["GET", 500]]'
}

@test "injected 401, 422, 429 with Retry-After, 500, 503, 504: their Status objects" {
	start_fakeapi
	fake_object deployments default web 1
	fake_ctl POST fail '{"status":429,"retry_after":3,"path":"/scale"}' >/dev/null
	run -0 hkcurl "$K8S_URL$SCALE"
	assert_line 'HTTP/1.1 429 Too Many Requests'
	assert_line 'Retry-After: 3'
	assert_line '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429}'
	fake_ctl POST fail '{"status":429,"plain":true}' >/dev/null
	run -0 hkcurl "$K8S_URL$SCALE"
	assert_line 'Content-Type: text/plain; charset=utf-8'
	assert_line 'Retry-After: 1'
	assert_line 'Too many requests, please try again later.'
	for code in 401 422 500 503 504; do
		fake_fail "$code" GET /scale
	done
	run -0 kcurl "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}'
	run -0 kcurl "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0","reason":"Invalid","details":{"name":"web","group":"autoscaling","kind":"Scale","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"}]},"code":422}'
	run -0 kcurl "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: etcdserver: request timed out","reason":"InternalError","details":{"causes":[{"message":"etcdserver: request timed out"}]},"code":500}'
	run -0 kcurl "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server is currently unable to handle the request","reason":"ServiceUnavailable","code":503}'
	run -0 kcurl "$K8S_URL$SCALE"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Timeout: request did not complete within requested timeout - context deadline exceeded","reason":"Timeout","details":{},"code":504}'
	run -22 --separate-stderr fake_ctl POST fail '{"status":302}'
	run -0 json_eval 'd["error"]'
	assert_output 'status must be one of 400, 401, 403, 404, 405, 406, 409, 410, 413, 415, 422, 429, 500, 503, 504'
}

@test "request log: method, path, query, content type, accept, masked token, body, status; --log; reset" {
	fake_web
	run -0 kcurl -X PATCH -H 'Content-Type: application/merge-patch+json' \
	    -H 'Accept: application/json' -d '{"spec":{"replicas":2}}' \
	    "$K8S_URL$SCALE?fieldManager=gwscale&dryRun=All"
	run -0 json_eval '[d["spec"]["replicas"], d["status"]["replicas"]]'
	assert_output '[2, 2]'
	run -0 fake_scale deployments default web
	assert_output 3
	run -0 curl -sS --cacert "$K8S_CA" -o /dev/null "$K8S_URL/apis"
	run -0 fake_requests
	run -0 json_eval '[{k: r[k] for k in ("method", "path", "query", "content_type", "accept", "authorization", "user_agent", "body", "status", "user", "injected")} for r in d]'
	assert_output '[{"accept": "application/json", "authorization": "Bearer test\u2026", "body": "{\"spec\":{\"replicas\":2}}", "content_type": "application/merge-patch+json", "injected": false, "method": "PATCH", "path": "/apis/apps/v1/namespaces/default/deployments/web/scale", "query": "fieldManager=gwscale&dryRun=All", "status": 200, "user": "system:serviceaccount:default:gwscale", "user_agent": "gw-test"}, {"accept": "*/*", "authorization": "", "body": "", "content_type": "", "injected": false, "method": "GET", "path": "/apis", "query": "", "status": 401, "user": "", "user_agent": "curl/'"$(curl -V | awk 'NR == 1 { print $2 }')"'"}]'
	run -0 wc -l <"$K8S_REQLOG"
	assert_output 2
	run -0 fake_ctl POST reset_log
	run -0 fake_requests
	assert_output '[]'
	run -0 wc -l <"$K8S_REQLOG"
	assert_output 2
}

@test "control API: objects created, replaced, listed and deleted; a status that lags and settles" {
	need_kubectl
	start_fakeapi
	run -0 fake_ctl POST objects '{"kind":"deployments","namespace":"default","name":"web","replicas":3,"ready":2,"status_lag":true}'
	run -0 json_eval '[d["replicas"], d["ready"], d["status_lag"], d["object"]["status"]["unavailableReplicas"]]'
	assert_output '[3, 2, true, 1]'
	uid=$(fake_field deployments default web 'o["uid"]')
	run -0 fake_kubectl scale deployment web --replicas=6
	run -0 fake_kubectl get --raw "$SCALE"
	run -0 json_eval '[d["spec"]["replicas"], d["status"]["replicas"]]'
	assert_output '[6, 3]'
	run -0 fake_kubectl get deployment web -o json
	run -0 json_eval '[d["metadata"]["generation"], d["status"]["observedGeneration"]]'
	assert_output '[2, 1]'
	rv=$(fake_rv deployments default web)
	run -0 fake_ctl POST settle '{"name":"web"}'
	run -0 json_eval 'd["settled"]'
	assert_output 1
	run -0 fake_kubectl get deployment web -o json
	run -0 json_eval '[d["status"]["replicas"], d["status"]["readyReplicas"], d["status"]["observedGeneration"], int(d["metadata"]["resourceVersion"]) > '"$rv"']'
	assert_output '[6, 6, 2, true]'
	# Replacing keeps the uid; deleting and creating makes a new one.
	run -0 fake_ctl POST objects '{"kind":"deployments","namespace":"default","name":"web","replicas":1}'
	run -0 json_eval '[d["uid"], d["status_lag"]]'
	assert_output "[\"$uid\", false]"
	run -0 fake_ctl DELETE objects/deployments/default/web
	run -1 fake_kubectl get deployment web
	assert_output 'Error from server (NotFound): deployments.apps "web" not found'
	fake_object deployments default web 1
	fake_object statefulsets default db 1
	run -0 fake_ctl GET objects
	run -0 json_eval '[(o["kind"], o["name"], o["uid"] != "'"$uid"'") for o in d]'
	assert_output '[["deployments", "web", true], ["statefulsets", "db", true]]'
	run -22 --separate-stderr fake_ctl POST objects '{"kind":"daemonsets","name":"x"}'
	run -0 json_eval 'd["error"]'
	assert_output 'kind must be one of deployments, replicasets, statefulsets, not "daemonsets"'
}

@test "SIGTERM: the fake exits 0 and stops listening" {
	fake_web
	pid=$K8S_PID
	stop_fakeapi
	[ "$K8S_EXIT" -eq 0 ] || fail "fakeapi.py exited $K8S_EXIT"
	run -7 curl -sS --cacert "$K8S_CA" "$K8S_URL/_fake/objects"
	! kill -0 "$pid" 2>/dev/null
}
