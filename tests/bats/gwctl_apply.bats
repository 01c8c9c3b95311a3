#!/usr/bin/env bats
# The declarative commands (apply, diff, validate, export) and the
# history: history, history GEN, rollback.

load helpers

setup()
{
	gw_setup
}

write_config()
{
	cat >config.yaml <<'EOF'
services:
- name: web
  lb: least_request
  backends:
  - address: 10.0.0.1:80
  - address: 10.0.0.2:80
    weight: 3
    state: drain
- name: api
  health_check:
    type: http
    path: /healthz
routes:
- name: root
  service: web
  prefix: /
- name: v1
  service: api
  host: "*.example.com"
  path: /v1
  methods: [GET, POST]
EOF
}

# A config with something of everything, for the round trips.
rich_config()
{
	gw_fixture
	gwctl service add hc --lb hash --hash-key cookie:sid --check http \
	    --check-path '/health?full=1' --check-host hc.example.com \
	    --check-expect 200,204 --check-body OK --check-interval 2s \
	    --check-timeout 500ms --panic-threshold 30% --retry-on 5xx,reset
	gwctl backend add hc '[2001:db8::7]:8443' --weight 256 --state disabled
	gwctl backend add hc on.example.com:010
	gwctl route add full --service hc --host '*.example.org' \
	    --regex '/u/[0-9]+(/.*)?' --method PUT --method get \
	    --header 'X-Yes=true' --header x-no --priority -3 --timeout 750ms \
	    --set-header 'X-A=null' --add-header 'X-B=: yes' \
	    --remove-header X-C --set-response-header 'X-D=0x10' \
	    --add-response-header 'X-E=#1' --remove-response-header Server
	gwctl route add ex --service other --path /exact --rewrite /rw
}

@test "apply creates services, backends and routes as one generation" {
	gw_init
	write_config
	run -0 --separate-stderr gwctl apply -f config.yaml
	assert_equal "$stderr" ''
	assert_output "$(printf '%s\n' 'service/api created' \
	    'service/web created' 'backend/web/10.0.0.1:80 created' \
	    'backend/web/10.0.0.2:80 created' 'route/root created' \
	    'route/v1 created')"
	assert_equal "$(db_generation)" 1
	assert_equal "$(db_query 'SELECT command, summary FROM generations
	    WHERE generation = 1')" \
	    'gwctl apply -f config.yaml|service/api created and 5 more'
	assert_equal "$(db_query 'SELECT count(*) FROM changes
	    WHERE generation = 1')" 6
	assert_equal "$(db_query "SELECT lb_policy, hc_type, hc_path
	    FROM services ORDER BY name")" \
	    "$(printf '%s\n' 'round_robin|http|/healthz' 'least_request|tcp|/')"
	assert_equal "$(db_query 'SELECT host, port, weight, admin_state
	    FROM backends ORDER BY host')" \
	    "$(printf '%s\n' '10.0.0.1|80|1|enabled' '10.0.0.2|80|3|drain')"
	assert_equal "$(db_query "SELECT r.name, quote(r.host), r.path_type,
	    r.path, quote(r.methods), s.name FROM routes r
	    JOIN services s ON s.id = r.service_id ORDER BY r.name")" \
	    "$(printf '%s\n' "root|NULL|prefix|/|NULL|web" \
	    "v1|'*.example.com'|exact|/v1|'GET,POST'|api")"
}

@test "apply configures what changed and keeps what the file does not name" {
	gw_fixture
	gen=$(db_generation)
	cat >change.yaml <<'EOF'
services:
- name: web
  lb: random
routes:
- name: api
  service: web
  host: api.example.com
  prefix: /api/v2
- name: new
  service: other
  path: /new
EOF
	run -0 --separate-stderr gwctl apply -f change.yaml
	assert_output "$(printf '%s\n' 'service/web configured' \
	    'route/api configured' 'route/new created')"
	assert_equal "$(db_generation)" $((gen + 1))
	assert_equal "$(db_query "SELECT lb_policy FROM services
	    WHERE name = 'web'")" random
	# Named objects are replaced whole: the route's methods are gone.
	assert_equal "$(db_query "SELECT path, quote(methods) FROM routes
	    WHERE name = 'api'")" '/api/v2|NULL'
	# What the file does not name stays: service other, both backends.
	assert_equal "$(db_query 'SELECT count(*) FROM services')" 2
	assert_equal "$(db_query 'SELECT count(*) FROM backends')" 2
}

@test "apply changes the weight and state of a backend" {
	gw_fixture
	cat >be.yaml <<'EOF'
services:
- name: web
  lb: weighted
  backends:
  - address: 10.0.0.1:8080
    weight: 9
    state: drain
EOF
	run -0 gwctl apply -f be.yaml
	assert_output 'backend/web/10.0.0.1:8080 configured'
	assert_equal "$(db_query "SELECT weight, admin_state FROM backends
	    WHERE host = '10.0.0.1'")" '9|drain'
	run -0 gwctl apply -f be.yaml
	assert_output 'no changes'
}

@test "apply of the same file again: no changes, no new generation" {
	gw_init
	write_config
	run -0 gwctl apply -f config.yaml
	snap_db
	run -0 --separate-stderr gwctl apply -f config.yaml
	assert_output 'no changes'
	assert_equal "$stderr" ''
	assert_db_unchanged
	run -0 gwctl -q apply -f config.yaml
	assert_output ''
}

@test "export | apply -f - is a no-op" {
	rich_config
	snap_db
	run -0 --separate-stderr bash -c '"$0" export | "$0" apply -f -' "$GWCTL"
	assert_output 'no changes'
	assert_equal "$stderr" ''
	assert_db_unchanged
	run -0 bash -c '"$0" export | "$0" apply --prune -f -' "$GWCTL"
	assert_output 'no changes'
	run -0 bash -c '"$0" export -o json | "$0" apply --prune -f -' "$GWCTL"
	assert_output 'no changes'
	assert_db_unchanged
}

@test "export applied to a new database gives the same export" {
	rich_config
	gwctl export >one.yaml
	export GW_DB="$BATS_TEST_TMPDIR/two.db"
	gw_init
	run -0 gwctl apply -f one.yaml
	gwctl export >two.yaml
	diff -u one.yaml two.yaml
	run -0 gwctl diff -f one.yaml
	assert_output 'no changes'
}

@test "export prints YAML by default, JSON on request" {
	gw_fixture
	run -0 --separate-stderr gwctl export
	assert_line --index 0 'services:'
	assert_line '- name: web'
	assert_line 'routes:'
	assert_line '- name: api'
	run -0 gwctl export -o json
	assert_equal "$(json_eval '[s["name"] for s in d["services"]]')" \
	    '["other", "web"]'
}

@test "apply --prune deletes what the file does not name" {
	gw_fixture
	gen=$(db_generation)
	cat >only.yaml <<'EOF'
services:
- name: web
  lb: weighted
  backends:
  - address: 10.0.0.1:8080
    weight: 5
routes: []
EOF
	run -0 --separate-stderr gwctl apply --prune -f only.yaml
	assert_output "$(printf '%s\n' 'route/api deleted' \
	    'backend/web/10.0.0.2:8080 deleted' 'service/other deleted')"
	assert_equal "$(db_generation)" $((gen + 1))
	assert_equal "$(db_query 'SELECT name FROM services')" web
	assert_equal "$(db_query 'SELECT host, port, weight FROM backends')" \
	    '10.0.0.1|8080|5'
	assert_equal "$(db_query 'SELECT count(*) FROM routes')" 0
	assert_equal "$(db_query "SELECT kind || '/' || name || ' ' || op
	    FROM changes WHERE generation = $((gen + 1)) ORDER BY id")" \
	    "$(printf '%s\n' 'route/api delete' \
	    'backend/web/10.0.0.2:8080 delete' 'service/other delete')"
}

@test "apply --dry-run prints what would change and changes nothing" {
	gw_fixture
	cat >change.yaml <<'EOF'
services:
- name: web
  lb: random
  backends:
  - address: 10.0.0.9:80
- name: new
routes: []
EOF
	snap_db
	run -0 --separate-stderr gwctl apply --dry-run -f change.yaml
	assert_equal "$stderr" ''
	assert_line 'service/new created'
	assert_line '    name: new'
	assert_line 'service/web configured'
	assert_line '    lb: weighted -> random'
	assert_line 'backend/web/10.0.0.9:80 created'
	refute_line --partial 'deleted'
	assert_db_unchanged
	run -0 gwctl apply --dry-run --prune -f change.yaml
	assert_line 'route/api deleted'
	assert_line 'service/other deleted'
	assert_line 'backend/web/10.0.0.1:8080 deleted'
	assert_db_unchanged
	# Nothing to do is said so.
	gwctl export >same.yaml
	run -0 gwctl apply --dry-run -f same.yaml
	assert_output 'no changes'
	assert_db_unchanged
}

@test "diff: exit 0 without differences" {
	gw_fixture
	gwctl export >same.yaml
	snap_db
	run -0 --separate-stderr gwctl diff -f same.yaml
	assert_output 'no changes'
	assert_equal "$stderr" ''
	run -0 gwctl diff --prune -f same.yaml
	assert_db_unchanged
}

@test "diff: exit 1 with the differences on stdout, even with -q" {
	gw_fixture
	printf 'services:\n- name: web\n  lb: random\n' >change.yaml
	snap_db
	run -1 --separate-stderr gwctl diff -f change.yaml
	assert_equal "$stderr" ''
	assert_output "$(printf '%s\n' 'service/web configured' \
	    '    lb: weighted -> random')"
	run -1 --separate-stderr gwctl -q diff -f change.yaml
	assert_line 'service/web configured'
	run -1 gwctl diff --prune -f change.yaml
	assert_line 'route/api deleted'
	assert_line 'service/other deleted'
	assert_db_unchanged
}

@test "diff: exit 2 on trouble" {
	gw_fixture
	printf 'routes:\n- name: r\n  service: nosuch\n' >bad.yaml
	refuse 2 'bad.yaml:3: route "r": unknown service "nosuch"' diff -f bad.yaml
	printf 'services:\n- name: web\n  lb: [\n' >syntax.yaml
	refuse 2 'syntax.yaml:' diff -f syntax.yaml
	refuse 2 'missing.yaml: No such file or directory' diff -f missing.yaml
}

@test "validate: a valid file" {
	gw_fixture
	write_config
	snap_db
	run -0 --separate-stderr gwctl validate -f config.yaml
	assert_output 'config.yaml: valid'
	assert_equal "$stderr" ''
	run -0 --separate-stderr gwctl -q validate -f config.yaml
	assert_output ''
	assert_db_unchanged
}

@test "validate needs no database and creates none" {
	write_config
	run -0 gwctl validate -f config.yaml
	assert_output 'config.yaml: valid'
	[ ! -e "$GW_DB" ]
	printf 'routes:\n- name: r\n  service: web\n' >r.yaml
	run -1 --separate-stderr gwctl validate -f r.yaml
	assert_stderr 'gwctl: r.yaml:3: route "r": unknown service "web"'
	[ ! -e "$GW_DB" ]
}

@test "validate judges the file merged into the database" {
	gw_fixture
	# Service web is only in the database: the reference is fine.
	printf 'routes:\n- name: r\n  service: web\n  prefix: /r\n' >r.yaml
	run -0 gwctl validate -f r.yaml
	assert_output 'r.yaml: valid'
	# A file route that matches what a database route matches.
	cat >dup.yaml <<'EOF'
routes:
- name: api2
  service: other
  host: api.example.com
  prefix: /api
  methods: [GET]
EOF
	run -1 --separate-stderr gwctl validate -f dup.yaml
	assert_stderr --regexp '^gwctl: dup\.yaml:2: route "api2": matches exactly the same requests as route "api"$'
}

@test "validate reports every error of a file with its line" {
	gw_init
	cat >bad.yaml <<'EOF'
services:
- name: web
  timeouts:
    connect: 5parsecs
  backends:
  - address: 10.0.0.1:80
    weight: 300
- name: web
routes:
- name: api
  service: nosuch
  prefix: /api
- name: re
  service: web
  regex: "(["
- name: one
  service: web
  prefix: /same
- name: two
  service: web
  prefix: /same
EOF
	snap_db
	run -1 --separate-stderr gwctl validate -f bad.yaml
	assert_output ''
	# A bad value,
	assert_stderr_line --regexp '^gwctl: bad\.yaml:4: service "web": .*"5parsecs"'
	assert_stderr_line --regexp '^gwctl: bad\.yaml:7: backend "web/10\.0\.0\.1:80": .*"300"'
	# a duplicate name,
	assert_stderr_line --regexp '^gwctl: bad\.yaml:8: service "web": .*(twice|duplicate)'
	# an unknown reference,
	assert_stderr_line --regexp '^gwctl: bad\.yaml:11: route "api": unknown service "nosuch"$'
	# a regex that does not compile,
	assert_stderr_line --regexp '^gwctl: bad\.yaml:15: route "re": .*"\(\["'
	# two routes that match exactly the same requests.
	assert_stderr_line --regexp '^gwctl: bad\.yaml:19: route "two": matches exactly the same requests as route "one"$'
	assert_db_unchanged
}

@test "validate reports every value error of a file with its line" {
	cat >bad.yaml <<'EOF'
services:
- name: web
  lb: fastest
  timeouts:
    connect: 5parsecs
  backends:
  - address: 10.0.0.1:70000
  - address: 10.0.0.2:80
    weight: 0
- name: Bad
- name: web
routes:
- name: re
  service: web
  regex: "(["
- name: fine
  service: web
- name: fine
  service: web
  path: /c
  colour: blue
EOF
	run -1 --separate-stderr gwctl validate -f bad.yaml
	assert_output ''
	assert_stderr_line --regexp '^gwctl: bad\.yaml:3: service "web": lb: .*"fastest"'
	assert_stderr_line 'gwctl: bad.yaml:5: service "web": timeouts.connect: invalid duration "5parsecs": unknown unit'
	assert_stderr_line 'gwctl: bad.yaml:7: backend: address: invalid address "10.0.0.1:70000": port out of range'
	assert_stderr_line --regexp '^gwctl: bad\.yaml:9: backend "web/10\.0\.0\.2:80": weight: invalid weight "0": out of range'
	assert_stderr_line --regexp '^gwctl: bad\.yaml:10: .*"Bad"'
	assert_stderr_line 'gwctl: bad.yaml:11: service "web": defined twice (first at line 2)'
	assert_stderr_line --regexp '^gwctl: bad\.yaml:15: route "re": regex: invalid regex "\(\[": '
	assert_stderr_line 'gwctl: bad.yaml:18: route "fine": defined twice (first at line 16)'
	assert_stderr_line 'gwctl: bad.yaml:21: route "fine": unknown key "colour"'
}

@test "validate reports a name defined twice even when the first has a bad value" {
	for kind in services routes; do
		if [ $kind = services ]; then
			printf 'services:\n- name: web\n  lb: fastest\n- name: web\n'
		else
			printf 'services:\n- name: web\nroutes:\n- name: re\n  service: web\n  regex: "(["\n- name: re\n  service: web\n  path: /x\n'
		fi >dup.yaml
		run -1 --separate-stderr gwctl validate -f dup.yaml
		if [ $kind = services ]; then
			assert_stderr_line --partial 'gwctl: dup.yaml:3: service "web": lb: invalid value "fastest"'
			assert_stderr_line 'gwctl: dup.yaml:4: service "web": defined twice (first at line 2)'
		else
			assert_stderr_line --partial 'gwctl: dup.yaml:6: route "re": regex: invalid regex "(["'
			assert_stderr_line 'gwctl: dup.yaml:7: route "re": defined twice (first at line 4)'
		fi
	done
}

@test "validate reports every reference and overlap error with its line" {
	cat >bad.yaml <<'EOF'
services:
- name: web
  health_check:
    interval: 1s
    timeout: 2s
routes:
- name: api
  service: nosuch
  prefix: /api
- name: one
  service: web
  prefix: /same
- name: two
  service: web
  prefix: /same
  priority: 5
- name: rw
  service: web
  regex: /x
  rewrite: /y
EOF
	run -1 --separate-stderr gwctl validate -f bad.yaml
	assert_output ''
	assert_stderr_line 'gwctl: bad.yaml:5: service "web": check timeout 2s must be shorter than the check interval 1s'
	assert_stderr_line 'gwctl: bad.yaml:8: route "api": unknown service "nosuch"'
	assert_stderr_line 'gwctl: bad.yaml:13: route "two": matches exactly the same requests as route "one"'
	assert_stderr_line 'gwctl: bad.yaml:20: route "rw": rewrite "/y" cannot be used with a regex match'
	assert_equal "${#stderr_lines[@]}" 4
}

#
# history and rollback
#

@test "history lists the generations, newest first" {
	gw_fixture
	run -0 --separate-stderr gwctl history
	assert_equal "$stderr" ''
	assert_line --index 0 --regexp '^GENERATION +TIME +USER +SUMMARY$'
	assert_line --index 1 --regexp "^5 +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z +$(gw_user) +route/api created$"
	assert_line --index 2 --regexp '^4 .* backend/web/10\.0\.0\.2:8080 created$'
	assert_line --index 6 --regexp '^0 .* gwctl +database created$'
	assert_equal "${#lines[@]}" 7
	run -0 gwctl history --limit 2
	assert_equal "${#lines[@]}" 3
	assert_line --index 2 --regexp '^4 '
}

@test "history -o json and -o yaml" {
	gw_fixture
	run -0 --separate-stderr gwctl history -o json
	assert_equal "$(json_eval '[g["generation"] for g in d]')" \
	    '[5, 4, 3, 2, 1, 0]'
	assert_equal "$(json_eval 'sorted(d[0])')" \
	    '["command", "generation", "summary", "time", "user"]'
	assert_equal "$(json_eval 'd[0]["command"]')" \
	    'gwctl route add api --service web --host api.example.com --prefix /api --method GET'
	assert_equal "$(json_eval 'd[0]["summary"]')" 'route/api created'
	assert_equal "$(json_eval 'd[0]["user"]')" "$(gw_user)"
	assert_equal "$(json_eval 'd[5]["summary"]')" 'database created'
	run -0 gwctl history --limit 1 -o yaml
	assert_line --index 0 '- generation: 5'
	assert_line '  summary: route/api created'
}

@test "history GEN shows the changes of that generation" {
	gw_fixture
	gwctl service set web --lb random --retries 2
	gen=$(db_generation)
	run -0 --separate-stderr gwctl history "$gen"
	assert_equal "$stderr" ''
	assert_line --index 0 "Generation: $gen"
	assert_line --regexp '^Time: +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
	assert_line "User:       $(gw_user)"
	assert_line 'Command:    gwctl service set web --lb random --retries 2'
	assert_line 'Summary:    service/web configured'
	assert_line 'Changes:'
	assert_line '  service/web configured'
	assert_line '    lb: weighted -> random'
	assert_line '    retries.count: 1 -> 2'
	run -0 gwctl history "$gen" -o json
	assert_equal "$(json_eval '[(c["kind"], c["name"], c["op"]) for c in d["changes"]]')" \
	    '[["service", "web", "update"]]'
	assert_equal "$(json_eval '[d["changes"][0]["before"]["lb"], d["changes"][0]["after"]["lb"]]')" \
	    '["weighted", "random"]'
	# A deletion.
	gwctl route rm api
	run -0 gwctl history "$(db_generation)"
	assert_line '  route/api deleted'
	run -0 gwctl history "$(db_generation)" -o json
	assert_equal "$(json_eval '[d["changes"][0]["op"], d["changes"][0]["before"]["name"], d["changes"][0].get("after")]')" \
	    '["delete", "api", null]'
}

@test "rollback GEN restores the config as of GEN, as a new generation" {
	gw_fixture
	at=$(db_generation)
	gwctl export >at.yaml
	gwctl service set web --lb random
	gwctl route rm api
	gwctl service rm other
	gwctl backend rm web 10.0.0.2:8080
	gwctl backend add web 10.0.0.3:80 --weight 2
	gwctl route add new --service web --path /new --header x-a=1
	gwctl export >later.yaml
	later=$(db_generation)
	run -0 --separate-stderr gwctl rollback "$at"
	assert_equal "$stderr" ''
	assert_line 'service/web configured'
	assert_line 'service/other created'
	assert_line 'route/api created'
	assert_line 'route/new deleted'
	assert_line 'backend/web/10.0.0.3:80 deleted'
	assert_line 'backend/web/10.0.0.2:8080 created'
	assert_equal "$(db_generation)" $((later + 1))
	assert_equal "$(db_query "SELECT command FROM generations
	    WHERE generation = $((later + 1))")" "gwctl rollback $at"
	gwctl export >now.yaml
	diff -u at.yaml now.yaml
	# A rollback is in the history and can be rolled back.
	run -0 gwctl rollback "$later"
	gwctl export >again.yaml
	diff -u later.yaml again.yaml
	assert_equal "$(db_generation)" $((later + 2))
}

@test "rollback restores the weight and state of a backend" {
	gw_fixture
	at=$(db_generation)
	gwctl backend set web 10.0.0.1:8080 --weight 9 --state disabled
	run -0 gwctl rollback "$at"
	assert_output 'backend/web/10.0.0.1:8080 configured'
	assert_equal "$(db_query "SELECT weight, admin_state FROM backends
	    WHERE host = '10.0.0.1'")" '5|enabled'
}

@test "rollback 0 empties the config" {
	gw_fixture
	run -0 gwctl rollback 0
	assert_line 'service/web deleted'
	run -0 gwctl export -o json
	assert_equal "$(json_eval 'd')" '{"routes": [], "services": []}'
	assert_equal "$(db_query 'SELECT count(*) FROM backends')" 0
}

@test "rollback --dry-run prints what would change and changes nothing" {
	gw_fixture
	gwctl service set web --lb random
	gwctl route rm api
	snap_db
	run -0 --separate-stderr gwctl rollback 3 --dry-run
	assert_equal "$stderr" ''
	assert_line 'service/web configured'
	assert_line '    lb: random -> weighted'
	assert_line 'backend/web/10.0.0.2:8080 deleted'
	# Route api came after generation 3 and is gone again: no change.
	refute_line --partial 'route/api'
	assert_db_unchanged
}

@test "rollback to the latest generation changes nothing" {
	gw_fixture
	snap_db
	run -0 --separate-stderr gwctl rollback "$(db_generation)"
	assert_output 'no changes'
	assert_db_unchanged
}
