#!/usr/bin/env bats
# Bad input for every command: exit 1 (failure) or 2 (usage), a message on
# stderr that names the bad value, nothing on stdout, and the database
# byte-identical (`sqlite3 gw.db .dump`) to what it was before.

load helpers

setup()
{
	gw_setup
	gw_fixture
}

@test "unknown service" {
	refuse 1 'backend "nosvc/10.0.0.1:80": unknown service "nosvc"' \
	    backend add nosvc 10.0.0.1:80
	refuse 1 'backend "nosvc/10.0.0.1:80": unknown service "nosvc"' \
	    backend set nosvc 10.0.0.1:80 --weight 2
	refuse 1 'backend "nosvc/10.0.0.1:80": unknown service "nosvc"' \
	    backend drain nosvc 10.0.0.1:80
	refuse 1 'backend "nosvc/10.0.0.1:80": unknown service "nosvc"' \
	    backend rm nosvc 10.0.0.1:80
	refuse 1 'route "r": unknown service "nosvc"' \
	    route add r --service nosvc
	refuse 1 'route "api": unknown service "nosvc"' \
	    route set api --service nosvc
	refuse 1 'service "nosvc" not found' service set nosvc --retries 2
	refuse 1 'service "nosvc" not found' service rm nosvc
	refuse 1 'service "nosvc" not found' get services nosvc
	refuse 1 'service "nosvc" not found' get backends --service nosvc
	refuse 1 'service "nosvc" not found' describe service nosvc
}

@test "unknown backend, unknown route" {
	refuse 1 'backend "web/10.9.9.9:80" not found' \
	    backend set web 10.9.9.9:80 --weight 2
	refuse 1 'backend "web/10.9.9.9:80" not found' \
	    backend enable web 10.9.9.9:80
	refuse 1 'backend "web/10.9.9.9:80" not found' backend rm web 10.9.9.9:80
	refuse 1 'backend "web/10.9.9.9:80" not found' \
	    describe backend web/10.9.9.9:80
	refuse 1 'route "nope" not found' route set nope --priority 1
	refuse 1 'route "nope" not found' route rm nope
	refuse 1 'route "nope" not found' get routes nope
	refuse 1 'route "nope" not found' describe route nope
	refuse 1 'invalid backend "web": expected SERVICE/ADDRESS' \
	    describe backend web
}

@test "duplicate names and addresses" {
	refuse 1 'service "web" already exists' service add web
	refuse 1 'backend "web/10.0.0.1:8080" already exists' \
	    backend add web 10.0.0.1:8080
	# The same address spelled differently is the same backend.
	refuse 1 'backend "web/10.0.0.1:8080" already exists' \
	    backend add web 10.0.0.1:08080
	refuse 1 'route "api" already exists' route add api --service other
}

@test "bad backend addresses" {
	refuse 1 'invalid backend address "nohost": missing port' \
	    backend add web nohost
	refuse 1 'invalid backend address "10.0.0.1:": missing port' \
	    backend add web 10.0.0.1:
	refuse 1 'invalid backend address ":80": missing host' \
	    backend add web :80
	refuse 1 'invalid backend address "::1:80": IPv6 address must be in brackets' \
	    backend add web ::1:80
	refuse 1 'invalid backend address "[::1]80": expected : after ]' \
	    backend add web '[::1]80'
	refuse 1 'invalid backend address "999.1.1.1:80": invalid IPv4 address' \
	    backend add web 999.1.1.1:80
	refuse 1 'invalid backend address "10.0.0.1:http": invalid port' \
	    backend add web 10.0.0.1:http
	refuse 1 'invalid backend address "bad_host!:80": invalid character in host name' \
	    backend add web 'bad_host!:80'
	refuse 1 'invalid backend address "*:80": "*" is only for listen addresses' \
	    backend add web '*:80'
	refuse 1 'invalid backend address "nohost": missing port' \
	    backend drain web nohost
	refuse 1 'invalid backend address "x": missing port' describe backend web/x
}

@test "port 0 and 70000" {
	refuse 1 'invalid backend address "10.0.0.1:0": port out of range' \
	    backend add web 10.0.0.1:0
	refuse 1 'invalid backend address "10.0.0.1:70000": port out of range' \
	    backend add web 10.0.0.1:70000
	refuse 1 'invalid backend address "[::1]:70000": port out of range' \
	    backend add web '[::1]:70000'
	refuse 1 'invalid backend address "10.0.0.1:65536": port out of range' \
	    backend set web 10.0.0.1:65536 --weight 2
}

@test "weight 0 and 257, and a bad state" {
	refuse 1 'invalid weight "0": out of range' \
	    backend add web 10.0.0.9:80 --weight 0
	refuse 1 'invalid weight "257": out of range' \
	    backend add web 10.0.0.9:80 --weight 257
	refuse 1 'invalid weight "257": out of range' \
	    backend set web 10.0.0.1:8080 --weight 257
	refuse 1 'invalid weight "heavy": not an integer' \
	    backend set web 10.0.0.1:8080 --weight heavy
	refuse 1 'invalid weight "-1": out of range' \
	    backend set web 10.0.0.1:8080 --weight -1
	refuse 1 'invalid state "off": expected enabled, drain or disabled' \
	    backend set web 10.0.0.1:8080 --state off
}

@test "a regex that does not compile" {
	refuse 1 'route: invalid --regex "([": ' \
	    route add r --service web --regex '(['
	refuse 1 'route: invalid --regex "a)|b": unmatched ) (write \) for a literal one)' \
	    route add r --service web --regex 'a)|b'
	refuse 1 'route: invalid --regex "x{2,1}": ' \
	    route set api --regex 'x{2,1}'
}

@test "bad durations" {
	refuse 1 'service "new": invalid connect-timeout "5q": unknown unit' \
	    service add new --connect-timeout 5q
	refuse 1 'service "web": invalid check-interval "10": missing unit' \
	    service set web --check-interval 10
	refuse 1 'service "web": invalid request-timeout "-1s": negative duration' \
	    service set web --request-timeout -1s
	refuse 1 'service "web": invalid idle-timeout "2d": out of range' \
	    service set web --idle-timeout 2d
	refuse 1 'route: invalid --timeout "5x": unknown unit' \
	    route add r --service web --timeout 5x
	refuse 1 'route: invalid --timeout "2d": out of range 1ms..1d' \
	    route set api --timeout 2d
	refuse 1 'service "web": check timeout 5s must be shorter than the check interval 5s' \
	    service set web --check-timeout 5s
}

@test "bad service values: every one is named" {
	refuse 1 'service "new": invalid retries "11": out of range' \
	    service add new --retries 11 --lb fastest --check-expect 600
	assert_stderr_line --partial 'gwctl: service "new": invalid retries "11": out of range'
	assert_stderr_line --partial 'gwctl: service "new": invalid lb "fastest": '
	assert_stderr_line 'gwctl: service "new": invalid check-expect "600": status codes are 100 to 599'
	refuse 1 'service "web": invalid hash-key "body": must be ip, header:NAME or cookie:NAME' \
	    service set web --hash-key body
	refuse 1 'service "web": invalid retry-on "always": not one of connect-failure, reset, timeout and 5xx' \
	    service set web --retry-on always
	refuse 1 'service "web": invalid check-jitter "51%": out of range' \
	    service set web --check-jitter 51%
}

@test "bad names" {
	refuse 1 'invalid service name "Web": must start with a lowercase letter or a digit' \
	    service add Web
	refuse 1 'invalid service name "web!": may contain only a-z, 0-9, '\''.'\'', '\''_'\'' and '\''-'\''' \
	    service add 'web!'
	local long
	long=$(printf 'a%.0s' {1..64})
	refuse 1 "invalid service name \"$long\": longer than 63 characters" \
	    service add "$long"
	refuse 1 'invalid service name "": empty' service add ''
	refuse 1 'invalid service name "WEB": must start with a lowercase letter or a digit' \
	    backend add WEB 10.0.0.1:80
	refuse 1 'invalid route name "my route": may contain only a-z, 0-9' \
	    route add 'my route' --service web
	refuse 1 'route: invalid --service "Web": must start with a lowercase letter or a digit' \
	    route add r --service Web
}

@test "bad route values" {
	refuse 1 'route: invalid --host "a.example.com:80": must be a name or IPv4 address without a port' \
	    route add r --service web --host a.example.com:80
	refuse 1 'route: invalid --host "*.": a wildcard must be "*." and a domain' \
	    route add r --service web --host '*.'
	refuse 1 'route: invalid --method "GE T": a method is letters only' \
	    route add r --service web --method 'GE T'
	refuse 1 'route: invalid --header "bad header=1": not an HTTP token' \
	    route add r --service web --header 'bad header=1'
	refuse 1 'route: invalid --header "x-a=1": header named twice' \
	    route add r --service web --header x-a=2 --header x-a=1
	refuse 1 'route: invalid --set-header "X-A": expected NAME=VALUE' \
	    route add r --service web --set-header X-A
	refuse 1 'route: invalid --remove-header "X-A=1": expected a header name only' \
	    route add r --service web --remove-header X-A=1
	refuse 1 'route: invalid --prefix "api": must start with /' \
	    route add r --service web --prefix api
	refuse 1 'route: invalid --path "/a b": contains a space or a control character' \
	    route add r --service web --path '/a b'
	refuse 1 'route: invalid --rewrite "v2": must start with /' \
	    route set api --rewrite v2
	refuse 1 'route: invalid --priority "2000000": out of range' \
	    route add r --service web --priority 2000000
	refuse 1 'route "r": rewrite "/y" cannot be used with a regex match' \
	    route add r --service web --regex '/x' --rewrite /y
}

@test "a route that matches exactly the same requests as another" {
	refuse 1 'route "api2": matches exactly the same requests as route "api"' \
	    route add api2 --service other --host API.example.com \
	    --prefix /api --method get --priority 9
	# Moving a route onto another's match is refused too.
	gwctl route add v2 --service web --prefix /v2
	refuse 1 'route "v2": matches exactly the same requests as route "api"' \
	    route set v2 --host api.example.com --prefix /api --method GET
}

@test "rm of a service still used by a route" {
	refuse 1 'service "web" is used by route "api"; remove the route or move it to another service first' \
	    service rm web
}

@test "usage errors exit 2" {
	refuse 2 'missing subcommand' service
	refuse 2 'unknown subcommand "frob"' backend frob web 10.0.0.1:80
	refuse 2 'missing service name' service add
	refuse 2 'unexpected argument "extra"' service add new extra
	refuse 2 'service set: nothing to set' service set web
	refuse 2 'missing backend address' backend add web
	refuse 2 'missing service' backend rm
	refuse 2 'backend set: nothing to set' backend set web 10.0.0.1:8080
	refuse 2 'unknown option --weight' backend drain web 10.0.0.1:8080 --weight 2
	refuse 2 'unexpected argument "10.0.0.2:80"' \
	    backend add web 10.0.0.1:80 10.0.0.2:80
	refuse 2 'missing route name' route add --service web
	refuse 2 'route add: missing --service' route add r
	refuse 2 'route set: nothing to set' route set api
	refuse 2 'route add: --unset is for route set' \
	    route add r --service web --unset host
	refuse 2 '--unset: unknown field "colour"' route set api --unset colour
	refuse 2 'a field is both given and --unset' \
	    route set api --host a.example.com --unset host
	refuse 2 '--prefix, --path and --regex exclude each other' \
	    route add r --service web --prefix /a --path /a
	refuse 2 'missing kind: services, backends, routes, all, health or events' get
	refuse 2 'unknown kind "pods"' get pods
	refuse 2 'get all takes no name' get all web
	refuse 2 'get backends takes --service, not a name' get backends web
	refuse 2 'missing kind or name' describe service
	refuse 2 'unknown kind "pod"' describe pod web
	refuse 2 'unexpected argument "x"' export x
	refuse 2 'missing -f FILE' apply
	refuse 2 'missing -f FILE' diff
	refuse 2 'missing -f FILE' validate
	refuse 2 'unknown option --dry-run' diff -f x.yaml --dry-run
	refuse 2 '-f given twice' apply -f a.yaml -f b.yaml
	refuse 2 'invalid --limit "0": ' history --limit 0
	refuse 2 'invalid generation "abc": ' history abc
	refuse 2 'missing generation' rollback
	refuse 2 'invalid generation "-1": ' rollback -- -1
	refuse 2 'unexpected argument "2"' rollback 1 2
}

@test "unknown generation" {
	local latest
	latest=$(db_generation)
	refuse 1 "generation 99 not found (latest is $latest)" rollback 99
	refuse 1 "generation 99 not found (latest is $latest)" history 99
	refuse 1 "generation 99 not found (latest is $latest)" \
	    rollback 99 --dry-run
}

@test "missing file for apply, diff and validate" {
	refuse 1 'nofile.yaml: No such file or directory' apply -f nofile.yaml
	refuse 1 'nofile.yaml: No such file or directory' \
	    apply -f nofile.yaml --dry-run
	refuse 2 'nofile.yaml: No such file or directory' diff -f nofile.yaml
	refuse 1 'nofile.yaml: No such file or directory' validate -f nofile.yaml
}

@test "YAML syntax error is reported with its line" {
	cat >bad.yaml <<'EOF'
services:
- name: web
  lb: [round_robin
  timeouts:
    connect: 1s
routes: []
EOF
	refuse 1 'bad.yaml:4: ' apply -f bad.yaml
	assert_stderr --regexp '^gwctl: bad\.yaml:4: [a-z]'
	refuse 1 'bad.yaml:4: ' apply -f bad.yaml --dry-run
	refuse 2 'bad.yaml:4: ' diff -f bad.yaml
	refuse 1 'bad.yaml:4: ' validate -f bad.yaml
	# From stdin the file is "-".
	snap_db
	run -1 --separate-stderr bash -c '"$0" apply -f - <bad.yaml' "$GWCTL"
	assert_stderr --regexp '^gwctl: -:4: '
	assert_db_unchanged
}

@test "a tab in the indentation, a second document, a duplicate key" {
	printf 'services:\n- name: web\n\tlb: hash\n' >tab.yaml
	refuse 1 'tab.yaml:3: ' apply -f tab.yaml
	printf 'services:\n- name: web\n---\nroutes: []\n' >two.yaml
	refuse 1 'two.yaml:3: more than one YAML document' apply -f two.yaml
	printf 'services:\n- name: web\n  lb: hash\n  lb: random\n' >dup.yaml
	refuse 1 'dup.yaml:4: duplicate key "lb"' apply -f dup.yaml
}

@test "apply: bad values in a file are named with file:line, nothing applied" {
	cat >bad.yaml <<'EOF'
services:
- name: web
  lb: weighted
  backends:
  - address: 10.0.0.1:70000
  - address: 10.0.0.3:80
    weight: 0
- name: new
routes:
- name: r
  service: nosvc
EOF
	refuse 1 'bad.yaml:5: backend: address: invalid address "10.0.0.1:70000": port out of range' \
	    apply -f bad.yaml
	assert_stderr_line --partial 'gwctl: bad.yaml:7: backend "web/10.0.0.3:80": weight: invalid weight "0": out of range'
	cat >ref.yaml <<'EOF'
services:
- name: new
routes:
- name: r
  service: nosvc
EOF
	refuse 1 'ref.yaml:5: route "r": unknown service "nosvc"' apply -f ref.yaml
	refuse 1 'ref.yaml:5: route "r": unknown service "nosvc"' \
	    apply --prune -f ref.yaml
}

@test "a read-only database: exit 1, attempt to write a readonly database" {
	# Its own directory, readable (not writable) by the unprivileged
	# user, outside bats' private (mode 0700) run directory.
	local dir
	dir=$(mktemp -d "${BATS_TMPDIR:-/tmp}/gw-ro.XXXXXX")
	echo "$dir" >"$BATS_TEST_TMPDIR/ro-dir"
	export GW_DB="$dir/gw.db"
	gw_fixture
	printf 'services:\n- name: new\n' >"$dir/new.yaml"
	chmod 0755 "$dir"
	chmod 0444 "$GW_DB" "$dir/new.yaml"
	[ ! -e "$GW_DB-wal" ] || fail "a -wal file is left: $(ls -l "$dir")"
	if [ "$(id -u)" -ne 0 ]; then
		chmod 0555 "$dir"
	fi
	sum=$(sha256sum <"$GW_DB")
	snap_db
	for cmd in "service add new" "service set web --retries 3" \
	    "backend drain web 10.0.0.1:8080" "route rm api" "rollback 0"; do
		# shellcheck disable=SC2086
		run -1 --separate-stderr as_unprivileged "$GWCTL" $cmd
		assert_output ''
		assert_stderr "gwctl: $GW_DB: attempt to write a readonly database"
		assert_equal "$(sha256sum <"$GW_DB")" "$sum"
	done
	run -1 --separate-stderr as_unprivileged "$GWCTL" apply -f \
	    "$dir/new.yaml"
	assert_stderr --partial 'attempt to write a readonly database'
	assert_equal "$(sha256sum <"$GW_DB")" "$sum"
	assert_db_unchanged
}

teardown()
{
	if [ -f "$BATS_TEST_TMPDIR/ro-dir" ]; then
		chmod -R u+w "$(cat "$BATS_TEST_TMPDIR/ro-dir")"
		rm -rf "$(cat "$BATS_TEST_TMPDIR/ro-dir")"
	fi
}

@test "apply -f of a directory says so and changes nothing" {
	run -0 gwctl init -q
	snap_db
	run -1 --separate-stderr gwctl apply -f "$BATS_TEST_TMPDIR"
	assert_stderr "gwctl: $BATS_TEST_TMPDIR: is a directory"
	assert_db_unchanged
}
