#!/usr/bin/env bats
# Routing through gwproxy, configured with gwctl: hosts (exact, *.suffix),
# paths (exact, prefix on segment boundaries, regex), methods, headers,
# precedence, prefix rewrite and header edits.  Each backend names itself
# in its answer ("b1 GET /x"), so the answer says which route won.

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

# services N: services s1..sN, each with its own backend b1..bN.
services()
{
	local n

	for n in $(seq "$1"); do
		start_backend "b$n"
		gwctl -q service add "s$n" || fail "service s$n"
		gwctl -q backend add "s$n" "127.0.0.1:$(backend_port "b$n")" ||
		    fail "backend b$n"
	done
}

# who [CURL-ARG...] PATH: the backend that answered PATH, or the
# X-Gw-Error cause of gwproxy's answer.
who()
{
	local path=${*: -1} body

	body=$(curl -sS --max-time 5 -i "${@:1:$#-1}" "$(purl "$path")" |
	    tr -d '\r') || return 1
	if grep -q '^X-Gw-Error: ' <<<"$body"; then
		sed -n 's/^X-Gw-Error: //p' <<<"$body"
	else
		sed '1,/^$/d' <<<"$body" | cut -d' ' -f1
	fi
}

# routes_are ARG... : "who" of each "[CURL-ARG...] PATH=WANT", separated by
# "--", e.g. routes_are /a=b1 -- -X POST /a=b2
routes_are()
{
	local -a args=()
	local a got want

	for a in "$@" --; do
		if [ "$a" != -- ]; then
			args+=("$a")
			continue
		fi
		want=${args[-1]##*=}
		args[-1]=${args[-1]%=*}
		got=$(who "${args[@]}") || fail "curl failed: ${args[*]}"
		[ "$got" = "$want" ] ||
		    fail "${args[*]}: answered by $got, not $want"
		args=()
	done
}

@test "host: exact (any case, port and final dot ignored) and *.suffix" {
	services 2
	gwctl -q route add exact --service s1 --host api.example.com
	gwctl -q route add wild --service s2 --host '*.example.com'
	start_proxy
	routes_are -H 'Host: api.example.com' /=b1 -- \
	    -H 'Host: API.Example.COM:8080' /=b1 -- \
	    -H 'Host: api.example.com.' /=b1 -- \
	    -H 'Host: www.example.com' /=b2 -- \
	    -H 'Host: a.b.example.com:81' /=b2 -- \
	    -H 'Host: example.com' /=no_route -- \
	    -H 'Host: notexample.com' /=no_route -- \
	    -H 'Host: other.org' /=no_route
}

@test "prefix: matches on segment boundaries, so /api is not /apiary" {
	services 2
	gwctl -q route add api --service s1 --prefix /api
	gwctl -q route add docs --service s2 --prefix /docs/
	start_proxy
	routes_are /api=b1 -- /api/=b1 -- /api/x/y=b1 -- '/api?q=1'=b1 -- \
	    /apiary=no_route -- /ap=no_route -- /=no_route -- \
	    /docs/x=b2 -- /docs/=b2 -- /docs=no_route -- /docsx=no_route
}

@test "exact path: the path alone, the query aside" {
	services 1
	gwctl -q route add exact --service s1 --path /exact
	start_proxy
	routes_are /exact=b1 -- '/exact?a=b'=b1 -- /exact/=no_route -- \
	    /exactly=no_route -- /exact/x=no_route
}

@test "regex: POSIX ERE on the whole path" {
	services 1
	gwctl -q route add versioned --service s1 --regex '/v[0-9]+/.*'
	start_proxy
	routes_are /v1/x=b1 -- /v22/a/b=b1 -- '/v3/?x=1'=b1 -- \
	    /v1=no_route -- /x/v1/y=no_route -- /vx/y=no_route
}

@test "methods: a route for some methods only" {
	services 2
	gwctl -q route add writes --service s1 --method POST --method PUT
	gwctl -q route add reads --service s2 --method GET
	start_proxy --poll 50ms
	routes_are -X POST /=b1 -- -X PUT /x=b1 -- /=b2 -- \
	    -X DELETE /=no_route
	# The more constrained route wins over a catch-all.
	gwctl -q route add all --service s2
	wait_for 100 route_seen all ||
	    fail "gwproxy did not load route all"
	routes_are -X POST /=b1 -- -X DELETE /=b2 -- /=b2
}

# route_seen NAME: gwproxy's snapshot has route NAME.
route_seen()
{
	ctl 'show routes' | grep -q "^$1 "
}

@test "headers: a value must be equal (case-sensitive); a name alone, present" {
	services 3
	gwctl -q route add default --service s1
	gwctl -q route add canary --service s2 --header X-Env=canary
	gwctl -q route add debug --service s3 --header X-Debug
	start_proxy
	routes_are /=b1 -- -H 'X-Env: canary' /=b2 -- \
	    -H 'X-Env: Canary' /=b1 -- -H 'X-Env: canary2' /=b1 -- \
	    -H 'X-Debug: anything' /=b3 -- -H 'x-debug: 1' /=b3
}

@test "precedence: priority, then exact, then the longest prefix, then regex" {
	services 3
	gwctl -q route add a --service s1 --prefix /a
	gwctl -q route add ab --service s2 --prefix /a/b
	gwctl -q route add abc --service s3 --path /a/b/c
	gwctl -q route add re --service s3 --regex '/a/.*'
	gwctl -q route add z --service s1 --prefix /z
	gwctl -q route add zre --service s2 --regex '/z/.*'
	start_proxy --poll 50ms
	routes_are /a/b/c=b3 -- /a/b/c/d=b2 -- /a/b=b2 -- /a/x=b1 -- \
	    /z/q=b1
	# A priority beats all of it.
	gwctl -q route add top --service s2 --regex '/a/.+' --priority 10
	wait_for 100 route_seen top || fail "gwproxy did not load route top"
	routes_are /a/b/c=b2 -- /a/x=b2 -- /z/q=b1
	# And a negative one loses to everything.
	gwctl -q route set top --priority -10
	wait_for 100 route_priority top -10 ||
	    fail "gwproxy did not load route top's priority"
	routes_are /a/b/c=b3 -- /a/x=b1
}

# route_priority NAME N: gwproxy's route NAME has priority N.
route_priority()
{
	ctl 'show routes' | grep -q "^$1 priority=$2 "
}

@test "precedence: an exact host beats a wildcard, a longer suffix a shorter" {
	services 3
	gwctl -q route add any --service s1
	gwctl -q route add wild --service s2 --host '*.example.com'
	gwctl -q route add deeper --service s3 --host '*.eu.example.com'
	gwctl -q route add exact --service s1 --host www.eu.example.com \
	    --prefix /x
	start_proxy
	routes_are /=b1 -- -H 'Host: a.example.com' /=b2 -- \
	    -H 'Host: a.eu.example.com' /=b3 -- \
	    -H 'Host: www.eu.example.com' /y=b3 -- \
	    -H 'Host: www.eu.example.com' /x=b1
}

@test "rewrite: the matched prefix or path is replaced, the query kept" {
	services 1
	gwctl -q route add old --service s1 --prefix /old --rewrite /new
	gwctl -q route add strip --service s1 --prefix /strip --rewrite /
	gwctl -q route add page --service s1 --path /page --rewrite /other/page
	start_proxy
	run -0 pcurl "$(purl '/old/x?q=1')"
	assert_output 'b1 GET /new/x?q=1'
	run -0 pcurl "$(purl /old)"
	assert_output 'b1 GET /new'
	run -0 pcurl "$(purl '/strip/echo?a=1')"
	assert_equal "$(json_eval 'd["target"]')" '/echo?a=1'
	run -0 pcurl "$(purl '/page?z')"
	assert_output 'b1 GET /other/page?z'
}

@test "request header edits: set replaces, add appends, remove drops" {
	services 1
	gwctl -q route add edits --service s1 --set-header X-Set=new \
	    --add-header X-Add=two --remove-header X-Gone
	start_proxy
	run -0 pcurl -H 'X-Set: old' -H 'X-Add: one' -H 'X-Gone: bye' \
	    -H 'X-Other: kept' "$(purl /echo)"
	assert_equal "$(json_eval '[h for h in d["headers"] if h[0].lower() in ("x-set", "x-add", "x-gone", "x-other")]')" \
	    '[["X-Add", "one"], ["X-Other", "kept"], ["X-Set", "new"], ["X-Add", "two"]]'
	# Without them in the request: set and add still add theirs.
	run -0 pcurl "$(purl /echo)"
	assert_equal "$(json_eval '[h for h in d["headers"] if h[0].lower() in ("x-set", "x-add", "x-gone")]')" \
	    '[["X-Set", "new"], ["X-Add", "two"]]'
}

@test "response header edits: set, add and remove on the way back" {
	services 1
	gwctl -q route add edits --service s1 \
	    --set-response-header X-Backend=hidden \
	    --add-response-header X-Extra=1 \
	    --remove-response-header Content-Type
	start_proxy --poll 50ms
	run -0 hcurl "$(purl /hello)"
	assert_line --index 0 'HTTP/1.1 200 OK'
	assert_line 'X-Backend: hidden'
	refute_line 'X-Backend: b1'
	assert_line 'X-Extra: 1'
	refute_line --regexp '^Content-Type:'
	assert_equal "$(resp_body)" 'b1 GET /hello'
	# Edits belong to their route only.
	gwctl -q route add plain --service s1 --prefix /plain
	wait_for 100 route_seen plain || fail "gwproxy did not load route plain"
	run -0 hcurl "$(purl /plain)"
	assert_line 'X-Backend: b1'
	refute_line --partial 'X-Extra'
}

# answers N PATH [CURL-ARG...]: the backends of N requests on one
# connection, one word per answer.
answers()
{
	local n=$1 path=$2 k
	local -a urls=()

	shift 2
	for k in $(seq "$n"); do
		urls+=("$(purl "$path")")
	done
	curl -sS --max-time 5 "$@" "${urls[@]}" | cut -d' ' -f1 | xargs
}

@test "balancing: round robin, and weighted 5,1,1 as NGINX's smooth WRR" {
	start_backend a
	start_backend b
	start_backend c
	gwctl -q service add rr
	gwctl -q service add wrr --lb weighted
	for be in a b c; do
		gwctl -q backend add rr "127.0.0.1:$(backend_port "$be")"
	done
	gwctl -q backend add wrr "127.0.0.1:$a_port" --weight 5
	gwctl -q backend add wrr "127.0.0.1:$b_port"
	gwctl -q backend add wrr "127.0.0.1:$c_port"
	gwctl -q route add rr --service rr --prefix /rr
	gwctl -q route add wrr --service wrr --prefix /wrr
	start_proxy --workers 1
	run -0 answers 6 /rr
	# Each once per round, in a fixed order.
	assert_equal "$(cut -d' ' -f1-3 <<<"$output" | tr ' ' '\n' | sort | xargs)" 'a b c'
	assert_equal "$(cut -d' ' -f4-6 <<<"$output")" "$(cut -d' ' -f1-3 <<<"$output")"
	run -0 answers 14 /wrr
	# b and c tie; which goes first is the order of the backends.
	set -- $output
	[ "$3" != "$5" ] || fail "b and c are not both in: $output"
	assert_output "a a $3 a $5 a a a a $3 a $5 a a"
	assert_equal "$(printf '%s\n' "$3" "$5" | sort | xargs)" 'b c'
}

@test "balancing: hash on a header sends a key to one backend" {
	start_backend a
	start_backend b
	start_backend c
	gwctl -q service add web --lb hash --hash-key header:X-User
	for be in a b c; do
		gwctl -q backend add web "127.0.0.1:$(backend_port "$be")"
	done
	gwctl -q route add all --service web
	start_proxy --workers 2
	for user in alice bob carol dave; do
		run -0 answers 5 / -H "X-User: $user"
		set -- $output
		assert_equal "$output" "$1 $1 $1 $1 $1"
	done
}
