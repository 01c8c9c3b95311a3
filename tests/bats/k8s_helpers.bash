# k8s_helpers.bash: the fake Kubernetes API server (tests/k8s/fakeapi.py)
# in bats.
#
# Load after helpers:
#	load helpers
#	load k8s_helpers
# and call stop_fakeapi in the teardown (it does nothing when no fake
# runs).
#
#   k8s_setup_ca		the test certificates (tests/k8s/mkca.sh), made
#				once per file in $BATS_FILE_TMPDIR/k8s-ca;
#				sets K8S_CERTDIR and K8S_CA (its ca.crt)
#   start_fakeapi [ARG...]	fakeapi.py in the background on 127.0.0.1
#				with the token "test-token" (K8S_TOKEN), the
#				request log in $K8S_REQLOG and ARGs; returns
#				once it listens; sets K8S_PORT, K8S_URL
#				(https://127.0.0.1:PORT), K8S_CA, K8S_PID,
#				K8S_STDERR (its log, shown when a test fails)
#   stop_fakeapi		SIGTERM, a bounded wait, then SIGKILL; its exit
#				status in K8S_EXIT (143 or 137 if it did not
#				exit cleanly)
#   fake_ctl METHOD PATH [JSON]	a request to the control API (PATH under
#				/_fake/: "objects" or "/_fake/objects");
#				prints the answer, fails on an HTTP error
#   fake_object KIND NS NAME REPLICAS [READY]
#				creates or replaces deployments, statefulsets
#				or replicasets NS/NAME
#   fake_fail STATUS [METHOD] [PATH] [COUNT]
#				the next COUNT (1) API requests with METHOD
#				(any: "" or "*") and PATH in their path (any)
#				get STATUS
#   fake_requests		the request log, as JSON
#   fake_scale KIND NS NAME	the stored spec.replicas
#   fake_rv KIND NS NAME	the stored resourceVersion
#   write_kubeconfig FILE [token|cert|tokenfile|cert-data] [CA]
#				a kubeconfig for the fake: cluster "fake"
#				(server, certificate-authority CA, default
#				$K8S_CA), user "gwscale" with the token, the
#				client certificate, the token file
#				$K8S_TOKEN_FILE, or the client certificate
#				and CA inline (base64 *-data), context "fake"
#				(namespace default), current-context "fake"
#   fake_kubectl ARG...		kubectl against the fake with the token and
#				a cache of its own (no kubeconfig read)
#
# A kubectl may be a dispatcher that first asks for /version: give
# fake_fail a PATH when it must hit a given request.

K8S_DIR=$BATS_TEST_DIRNAME/../k8s

k8s_setup_ca()
{
	K8S_CERTDIR=$BATS_FILE_TMPDIR/k8s-ca
	if [ ! -s "$K8S_CERTDIR/client.key" ]; then
		"$K8S_DIR/mkca.sh" "$K8S_CERTDIR" ||
		    fail "mkca.sh could not make the test certificates"
	fi
	K8S_CA=$K8S_CERTDIR/ca.crt
	export K8S_CERTDIR K8S_CA
}

# The fake wrote its port, or died (1), or neither yet (2).
fakeapi_up()
{
	[ -s "$BATS_TEST_TMPDIR/fakeapi.port" ] && return 0
	kill -0 "$K8S_PID" 2>/dev/null || return 1
	return 2
}

start_fakeapi()
{
	local n rc=2

	command -v python3 >/dev/null || skip "python3 is missing"
	k8s_setup_ca
	export K8S_TOKEN=test-token
	K8S_REQLOG=$BATS_TEST_TMPDIR/fakeapi.requests
	K8S_STDERR=$BATS_TEST_TMPDIR/fakeapi.stderr
	rm -f "$BATS_TEST_TMPDIR/fakeapi.port"
	# fd 3 is bats' own: a background child holding it stalls bats.
	python3 "$K8S_DIR/fakeapi.py" --certdir "$K8S_CERTDIR" \
	    --port-file "$BATS_TEST_TMPDIR/fakeapi.port" --token "$K8S_TOKEN" \
	    --log "$K8S_REQLOG" "$@" >"$BATS_TEST_TMPDIR/fakeapi.stdout" \
	    2>"$K8S_STDERR" 3>&- &
	K8S_PID=$!
	for ((n = 0; n < 200 && rc == 2; n++)); do
		rc=0
		fakeapi_up || rc=$?
		[ "$rc" != 2 ] || sleep 0.05
	done
	[ "$rc" = 0 ] || fail "fakeapi.py did not start: $(cat "$K8S_STDERR")"
	K8S_PORT=$(cat "$BATS_TEST_TMPDIR/fakeapi.port")
	K8S_URL=https://127.0.0.1:$K8S_PORT
	export K8S_PORT K8S_URL K8S_PID K8S_REQLOG
}

stop_fakeapi()
{
	local tries=100

	[ -n "${K8S_PID:-}" ] || return 0
	kill -TERM "$K8S_PID" 2>/dev/null || true
	while [ "$tries" -gt 0 ] && kill -0 "$K8S_PID" 2>/dev/null; do
		tries=$((tries - 1))
		sleep 0.05
	done
	kill -KILL "$K8S_PID" 2>/dev/null || true
	# K8S_EXIT is for the callers.
	export K8S_EXIT=0
	wait "$K8S_PID" 2>/dev/null || K8S_EXIT=$?
	K8S_PID=
	if [ -s "${K8S_STDERR:-}" ] && [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		echo "fakeapi.py log:"
		tail -30 "$K8S_STDERR"
	fi
	return 0
}

fake_ctl()
{
	local method=$1 path=$2
	local -a data=()

	case $path in
	/_fake/*)	;;
	/*)		path=/_fake$path ;;
	*)		path=/_fake/$path ;;
	esac
	[ $# -lt 3 ] || data=(--data-binary "$3")
	curl -sS --max-time 10 --fail-with-body --cacert "$K8S_CA" \
	    -X "$method" -H 'Content-Type: application/json' "${data[@]}" \
	    "$K8S_URL$path"
}

fake_object()
{
	local fmt='{"kind":"%s","namespace":"%s","name":"%s","replicas":%d,"ready":%d}'

	# shellcheck disable=SC2059	# a JSON template
	fake_ctl POST objects "$(printf "$fmt" "$1" "$2" "$3" "$4" \
	    "${5:-$4}")" >/dev/null || fail "cannot create $1 $2/$3"
}

fake_fail()
{
	local fmt='{"status":%d,"method":"%s","path":"%s","count":%d}'

	# shellcheck disable=SC2059	# a JSON template
	fake_ctl POST fail "$(printf "$fmt" "$1" "${2:-*}" "${3:-}" \
	    "${4:-1}")" >/dev/null || fail "cannot inject $1"
}

fake_requests()
{
	fake_ctl GET requests
}

# fake_field KIND NS NAME EXPR: EXPR (Python, on the control API's
# summary o) of a stored object.
fake_field()
{
	fake_ctl GET "objects/$1/$2/$3" | python3 -c '
import json, sys
o = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$4"
}

fake_scale()
{
	fake_field "$1" "$2" "$3" 'o["replicas"]'
}

fake_rv()
{
	fake_field "$1" "$2" "$3" 'o["resourceVersion"]'
}

write_kubeconfig()
{
	local file=$1 mode=${2:-token} ca=${3:-$K8S_CA} cluster user

	cluster="    server: $K8S_URL
    certificate-authority: $ca"
	case $mode in
	token)
		user="    token: $K8S_TOKEN" ;;
	tokenfile)
		K8S_TOKEN_FILE=${K8S_TOKEN_FILE:-$BATS_TEST_TMPDIR/token}
		[ -e "$K8S_TOKEN_FILE" ] ||
		    printf '%s\n' "$K8S_TOKEN" >"$K8S_TOKEN_FILE"
		user="    tokenFile: $K8S_TOKEN_FILE" ;;
	cert)
		user="    client-certificate: $K8S_CERTDIR/client.crt
    client-key: $K8S_CERTDIR/client.key" ;;
	cert-data)
		cluster="    server: $K8S_URL
    certificate-authority-data: $(base64 -w0 "$ca")"
		user="    client-certificate-data: $(base64 -w0 "$K8S_CERTDIR/client.crt")
    client-key-data: $(base64 -w0 "$K8S_CERTDIR/client.key")" ;;
	*)
		fail "write_kubeconfig: unknown mode $mode" ;;
	esac
	cat >"$file" <<-EOF
	apiVersion: v1
	kind: Config
	clusters:
	- name: fake
	  cluster:
	$cluster
	users:
	- name: gwscale
	  user:
	$user
	contexts:
	- name: fake
	  context:
	    cluster: fake
	    user: gwscale
	    namespace: default
	current-context: fake
	preferences: {}
	EOF
}

fake_kubectl()
{
	KUBECONFIG=$BATS_TEST_TMPDIR/no-kubeconfig kubectl \
	    --cache-dir "$BATS_TEST_TMPDIR/kube-cache" --server "$K8S_URL" \
	    --certificate-authority "$K8S_CA" --token "$K8S_TOKEN" "$@"
}
