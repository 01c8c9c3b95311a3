#!/usr/bin/env bats
# gwctl init, finding the database (--db, $GW_DB, ./gw.db), refusing what
# is not a gw database of this version, and the global command line:
# -h/--help, --version, usage errors.

load helpers

setup()
{
	gw_setup
}

@test "init creates the database with the current schema version" {
	run -0 --separate-stderr gwctl init
	assert_output "$GW_DB: created (schema version $GW_SCHEMA)"
	assert_equal "$stderr" ''
	[ -f "$GW_DB" ]
	assert_equal "$(db_query 'PRAGMA user_version')" "$GW_SCHEMA"
	assert_equal "$(db_query 'PRAGMA application_id')" "$GW_APPID"
	assert_equal "$(db_query 'PRAGMA journal_mode')" wal
	assert_equal "$(db_query 'SELECT generation, user, command, summary
	    FROM generations')" '0|gwctl|gwctl init|database created'
	# The tables of every program exist, with their writers to come.
	run -0 db_query "SELECT name FROM sqlite_schema WHERE type = 'table'
	    ORDER BY name"
	for t in backend_health backends changes generations \
	    health_transitions route_header_edits route_headers routes \
	    scale_decisions scale_events scale_metrics scale_recommendations \
	    scale_targets services traffic_stats; do
		assert_line "$t"
	done
}

@test "init on an existing database is a quiet no-op" {
	gw_init
	snap_db
	run -0 --separate-stderr gwctl init
	assert_output ''
	assert_equal "$stderr" ''
	assert_db_unchanged
}

@test "init -q prints nothing" {
	run -0 --separate-stderr gwctl -q init
	assert_output ''
	assert_equal "$stderr" ''
	assert_equal "$(db_query 'PRAGMA user_version')" "$GW_SCHEMA"
}

@test "init keeps the config of an existing database" {
	gw_fixture
	snap_db
	run -0 gwctl init
	assert_db_unchanged
	assert_equal "$(db_query 'SELECT count(*) FROM backends')" 2
}

@test "a text file is not a database: exit 1, file untouched" {
	echo 'not a database' >"$GW_DB"
	cp "$GW_DB" expected
	run -1 --separate-stderr gwctl init
	assert_output ''
	assert_stderr "gwctl: $GW_DB: file is not a database"
	cmp "$GW_DB" expected
	run -1 --separate-stderr gwctl get services
	assert_stderr "gwctl: $GW_DB: file is not a database"
	run -1 --separate-stderr gwctl service add web
	assert_stderr "gwctl: $GW_DB: file is not a database"
	cmp "$GW_DB" expected
}

@test "an SQLite database of someone else: exit 1, DB unchanged" {
	sqlite3 "$GW_DB" 'CREATE TABLE accounts (id INTEGER, owner TEXT);
	    INSERT INTO accounts VALUES (1, '\''alice'\'');'
	snap_db
	run -1 --separate-stderr gwctl init
	assert_output ''
	assert_stderr "gwctl: $GW_DB: not a gw database (application_id 0, expected $GW_APPID)"
	assert_db_unchanged
	run -1 --separate-stderr gwctl get services
	assert_stderr "gwctl: $GW_DB: not a gw database (application_id 0, expected $GW_APPID)"
	run -1 --separate-stderr gwctl service add web
	assert_stderr --partial 'not a gw database'
	assert_db_unchanged
	assert_equal "$(db_query 'PRAGMA user_version')" 0
}

@test "a database of a newer schema (99) is refused, named and left alone" {
	gw_fixture
	db_query 'PRAGMA user_version = 99'
	snap_db
	for cmd in init "get services" "service add new" "backend rm web 10.0.0.1:8080" \
	    export history "rollback 1"; do
		# shellcheck disable=SC2086
		run -1 --separate-stderr gwctl $cmd
		assert_output ''
		assert_stderr "gwctl: $GW_DB: database schema version 99 is newer than this build of gw supports ($GW_SCHEMA); upgrade gw"
	done
	assert_db_unchanged
	assert_equal "$(db_query 'PRAGMA user_version')" 99
}

@test "a database of an older schema (0) says to run gwctl init, which migrates it" {
	# Version 0 of a gw database: marked as ours, no tables yet.
	sqlite3 "$GW_DB" "PRAGMA application_id = $GW_APPID"
	snap_db
	run -1 --separate-stderr gwctl get services
	assert_output ''
	assert_stderr "gwctl: $GW_DB: database schema version 0 is older than this build of gw uses ($GW_SCHEMA); run 'gwctl init' to migrate it"
	run -1 --separate-stderr gwctl service add web
	assert_stderr --partial "run 'gwctl init' to migrate it"
	assert_db_unchanged
	run -0 gwctl init
	assert_equal "$(db_query 'PRAGMA user_version')" "$GW_SCHEMA"
	run -0 gwctl service add web
	run -0 gwctl get services web
	assert_line --index 1 --regexp '^web +round_robin '
}

@test "a version 1 database with data is migrated to the current version by gwctl init" {
	gwctl -q init
	gwctl -q service add web --request-timeout 9s
	gwctl -q route add api --service web --prefix /api --timeout 5s
	db_as_version 1
	snap_db
	run -1 --separate-stderr gwctl get services
	assert_stderr "gwctl: $GW_DB: database schema version 1 is older than this build of gw uses ($GW_SCHEMA); run 'gwctl init' to migrate it"
	assert_db_unchanged
	run -0 gwctl init
	assert_output "$GW_DB: migrated from schema version 1 to $GW_SCHEMA"
	assert_equal "$(db_query 'PRAGMA user_version')" "$GW_SCHEMA"
	assert_equal "$(db_query 'SELECT request_timeout_ms, response_timeout_ms FROM services')" '9000|0'
	assert_equal "$(db_query 'SELECT timeout_ms, response_timeout_ms IS NULL FROM routes')" '5000|1'
	run -0 gwctl service set web --response-timeout 2s
	run -0 gwctl route set api --response-timeout 1s
	assert_equal "$(db_query 'SELECT s.response_timeout_ms, r.response_timeout_ms FROM services s, routes r')" '2000|1000'
	run -0 gwctl export
	assert_line '    response: 2s'
	assert_line '  response_timeout: 1s'
}

@test "a version 2 database with health rows is migrated to the latest version by gwctl init" {
	gw_fixture
	db_as_version 2
	db_query "INSERT INTO backend_health (backend_id, state, since_at,
	    checked_at, latency_us, pass_streak) VALUES (1, 'up', 1000, 2000,
	    350, 4);
	    INSERT INTO health_transitions (at, service, backend, from_state,
	    to_state, reason) VALUES
	    (1000, 'web', '10.0.0.1:8080', 'unknown', 'up', 'passed'),
	    (1500, 'web', '10.0.0.2:8080', 'unknown', 'down', 'timeout')" ||
	    fail "cannot write version 2 health rows"
	run -1 --separate-stderr gwctl get health
	assert_stderr "gwctl: $GW_DB: database schema version 2 is older than this build of gw uses ($GW_SCHEMA); run 'gwctl init' to migrate it"
	run -0 gwctl init
	assert_output "$GW_DB: migrated from schema version 2 to $GW_SCHEMA"
	assert_equal "$(db_query 'PRAGMA user_version')" "$GW_SCHEMA"
	# Every transition kept, with its id, as gwhealth's.
	assert_equal "$(db_query 'SELECT id, at, backend, from_state, to_state, reason, source FROM health_transitions ORDER BY id')" \
	    "$(printf '1|1000|10.0.0.1:8080|unknown|up|passed|gwhealth\n2|1500|10.0.0.2:8080|unknown|down|timeout|gwhealth')"
	assert_equal "$(db_query "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'health_transitions'")" health_transitions_at
	assert_equal "$(db_query 'SELECT state, pass_streak FROM backend_health')" 'up|4'
	assert_equal "$(db_query 'SELECT count(*) FROM backends WHERE source = '"'static'")" 2
	assert_equal "$(db_query 'SELECT discovery_dns IS NULL, discovery_port, outlier_5xx, outlier_gateway, outlier_base_ms, outlier_max_ms, outlier_max_pct FROM services WHERE name = '"'web'")" \
	    '1|80|5|5|30000|300000|50'
	assert_equal "$(db_query 'SELECT count(*) FROM backend_ejections')" 0
	# The new states and sources are taken.
	db_query "INSERT INTO health_transitions (at, service, backend,
	    from_state, to_state, reason, source) VALUES (3000, 'web',
	    '10.0.0.1:8080', 'up', 'ejected', '5 consecutive 5xx', 'gwproxy')" ||
	    fail "an ejection is refused"
	run -0 gwctl get events --limit 1 -o json
	assert_equal "$(json_eval '[d[0]["to"], d[0]["source"]]')" '["ejected", "gwproxy"]'
	# Its config reads as before; the history is intact.
	run -0 gwctl get backends
	assert_line --regexp '^web +10\.0\.0\.1:8080 +5 +enabled +static$'
	run -0 gwctl service set web --eject-5xx 3
	assert_equal "$(db_query 'SELECT outlier_5xx FROM services WHERE name = '"'web'")" 3
}

@test "a gw database set back to version 0 by hand is refused, by init too" {
	gw_fixture
	db_query 'PRAGMA user_version = 0'
	snap_db
	local msg="gw database with tables but schema version 0 (PRAGMA user_version was reset by hand); restore its user_version or a backup"
	run -1 --separate-stderr gwctl get services
	assert_stderr "gwctl: $GW_DB: $msg"
	# Its tables exist already: init cannot migrate it, and must not
	# half-do it.
	run -1 --separate-stderr gwctl init
	assert_stderr "gwctl: $GW_DB: $msg"
	assert_db_unchanged
}

@test "an empty file says to run gwctl init" {
	: >"$GW_DB"
	run -1 --separate-stderr gwctl get services
	assert_stderr "gwctl: $GW_DB: database is empty; run 'gwctl init' to create the schema"
	run -0 gwctl init
	assert_equal "$(db_query 'PRAGMA user_version')" "$GW_SCHEMA"
}

@test "a missing database: every command but init says so and creates nothing" {
	for cmd in "get services" "get all" "describe service web" export \
	    "service add web" "service rm web" "backend add web 10.0.0.1:80" \
	    "backend drain web 10.0.0.1:80" "route add r --service web" \
	    "route rm r" history "history 0" "rollback 0"; do
		# shellcheck disable=SC2086
		run -1 --separate-stderr gwctl $cmd
		assert_output ''
		assert_stderr "gwctl: $GW_DB: no such database; run 'gwctl init' to create it"
		[ ! -e "$GW_DB" ] || fail "'gwctl $cmd' created $GW_DB"
	done
	printf 'services:\n- name: web\n' >web.yaml
	for cmd in apply diff; do
		run --separate-stderr gwctl $cmd -f web.yaml
		assert_failure
		assert_stderr "gwctl: $GW_DB: no such database; run 'gwctl init' to create it"
		[ ! -e "$GW_DB" ] || fail "'gwctl $cmd' created $GW_DB"
	done
	[ ! -e "$GW_DB-wal" ] && [ ! -e "$GW_DB-shm" ]
}

@test "GW_DB names the database" {
	export GW_DB="$BATS_TEST_TMPDIR/env.db"
	run -0 gwctl init
	assert_output "$GW_DB: created (schema version $GW_SCHEMA)"
	[ -f env.db ]
	[ ! -e gw.db ]
	run -0 gwctl service add web
	assert_equal "$(sqlite3 env.db 'SELECT name FROM services')" web
}

@test "--db wins over GW_DB, before or after the command" {
	export GW_DB="$BATS_TEST_TMPDIR/env.db"
	run -0 gwctl --db opt.db init
	assert_output "opt.db: created (schema version $GW_SCHEMA)"
	[ -f opt.db ]
	[ ! -e env.db ]
	run -0 gwctl service add web --db opt.db
	run -0 gwctl --db="$BATS_TEST_TMPDIR/opt.db" service add api
	assert_equal "$(sqlite3 opt.db 'SELECT name FROM services ORDER BY name')" \
	    "$(printf 'api\nweb')"
	[ ! -e env.db ]
	run -1 --separate-stderr gwctl get services
	assert_stderr "gwctl: $GW_DB: no such database; run 'gwctl init' to create it"
}

@test "without --db or GW_DB the database is ./gw.db" {
	unset GW_DB
	run -0 gwctl init
	assert_output "gw.db: created (schema version $GW_SCHEMA)"
	[ -f "$BATS_TEST_TMPDIR/gw.db" ]
	# An empty GW_DB counts as unset.
	GW_DB='' run -0 gwctl service add web
	assert_equal "$(sqlite3 gw.db 'SELECT name FROM services')" web
}

@test "-h and --help print the usage on stdout and exit 0" {
	for opt in -h --help; do
		run -0 --separate-stderr gwctl $opt
		assert_equal "$stderr" ''
		assert_line --index 0 'usage: gwctl [global-options] init'
		assert_line '       gwctl -h | --help | --version'
		assert_line --partial '  --db PATH '
		assert_line --regexp '^  --weight N +relative weight, 1\.\.256 \(default 1\)$'
		assert_line --partial '  --regex RE '
		assert_line --regexp '^  --connect-timeout D +time to connect to a backend \(default 3s\)$'
	done
}

@test "COMMAND -h prints the usage of that command on stdout" {
	run -0 --separate-stderr gwctl backend add -h
	assert_equal "$stderr" ''
	assert_line --index 0 'usage: gwctl [global-options] backend add SERVICE ADDR [--weight N] [--state STATE]'
	assert_line '       gwctl [global-options] backend drain|enable|disable SERVICE ADDR'
	refute_line --partial 'route add'
	run -0 --separate-stderr gwctl route add --help
	assert_line --index 0 'usage: gwctl [global-options] route add NAME --service S [route-options]'
	assert_line --partial '  --unset FIELD'
	run -0 --separate-stderr gwctl apply -h
	assert_line --index 0 'usage: gwctl [global-options] apply -f FILE [--prune] [--dry-run]'
}

@test "service|backend|route -h, before a subcommand, is help too" {
	for cmd in service backend route; do
		run -0 --separate-stderr gwctl $cmd -h
		assert_equal "$stderr" ''
		assert_line --index 0 --partial "usage: gwctl [global-options] $cmd add "
		run -0 --separate-stderr gwctl $cmd --help
		assert_line --index 0 --partial "usage: gwctl [global-options] $cmd add "
	done
}

@test "--version prints the version on stdout" {
	run -0 --separate-stderr gwctl --version
	assert_output --regexp '^gwctl [0-9]+\.[0-9]+\.[0-9]+$'
	assert_equal "$stderr" ''
}

@test "no command: exit 2, usage on stderr" {
	run -2 --separate-stderr gwctl
	assert_output ''
	assert_stderr_line --index 0 'gwctl: missing command'
	assert_stderr_line --index 1 'usage: gwctl [global-options] init'
}

@test "unknown command: exit 2, named, usage on stderr" {
	gw_init
	snap_db
	run -2 --separate-stderr gwctl frobnicate
	assert_output ''
	assert_stderr_line --index 0 'gwctl: unknown command "frobnicate"'
	assert_stderr_line --index 1 'usage: gwctl [global-options] init'
	assert_db_unchanged
}

@test "unknown option: exit 2, named, usage on stderr" {
	gw_init
	snap_db
	run -2 --separate-stderr gwctl --frobnicate get services
	assert_output ''
	assert_stderr_line --index 0 'gwctl: unknown option --frobnicate'
	assert_stderr_line --partial 'usage: gwctl [global-options]'
	run -2 --separate-stderr gwctl get services --frobnicate
	assert_output ''
	assert_stderr_line --index 0 'gwctl: unknown option --frobnicate'
	assert_stderr_line --index 1 --partial 'usage: gwctl [global-options] get '
	run -2 --separate-stderr gwctl service add web --frobnicate 1
	assert_stderr_line --index 0 'gwctl: unknown option --frobnicate'
	run -2 --separate-stderr gwctl get services -Z
	assert_stderr_line --index 0 'gwctl: unknown option -Z'
	assert_db_unchanged
}

@test "an option without its argument, a bad -o: exit 2" {
	gw_init
	run -2 --separate-stderr gwctl --db
	assert_output ''
	assert_stderr_line --index 0 'gwctl: option --db needs an argument'
	run -2 --separate-stderr gwctl get services -o
	assert_stderr_line --index 0 'gwctl: option -o needs an argument'
	run -2 --separate-stderr gwctl -o xml get services
	assert_output ''
	assert_stderr_line --index 0 'gwctl: invalid output format "xml": expected table, json or yaml'
	run -2 --separate-stderr gwctl get services --output=xml
	assert_stderr_line --index 0 'gwctl: invalid output format "xml": expected table, json or yaml'
}

@test "init takes no arguments: exit 2" {
	run -2 --separate-stderr gwctl init extra
	assert_stderr_line --index 0 'gwctl: unexpected argument "extra"'
	assert_stderr_line --index 1 'usage: gwctl [global-options] init'
	[ ! -e "$GW_DB" ]
}
