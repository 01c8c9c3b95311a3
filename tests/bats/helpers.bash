# helpers.bash: what every gw bats file loads.
#
# Each test gets its own database, $BATS_TEST_TMPDIR/gw.db (exported as
# GW_DB), and runs in $BATS_TEST_TMPDIR, so nothing leaks between tests or
# into the source tree.  The binaries come from $GW_BIN (set by tests/run,
# default bin/ of this tree).
#
# Conventions:
#   run -N --separate-stderr gwctl ...	status N, data in $output,
#					diagnostics in $stderr
#   assert_stderr / assert_stderr_line	assert_output / assert_line on $stderr
#   snap_db ... assert_db_unchanged	byte comparison of `sqlite3 .dump`
#   wait_for TRIES CMD...		bounded polling, never a fixed sleep

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

GW_BIN=${GW_BIN:-$BATS_TEST_DIRNAME/../../bin}
GWCTL=$GW_BIN/gwctl

# The application_id of a gw database ("gw\0\1", common/schema.h).
GW_APPID=1735852033
# The schema version this build writes (common/schema.h).
GW_SCHEMA=4

gw_setup()
{
	[ -x "$GWCTL" ] || fail "no gwctl at $GWCTL (run make first)"
	export GW_DB="$BATS_TEST_TMPDIR/gw.db"
	cd "$BATS_TEST_TMPDIR" || fail "cannot cd to $BATS_TEST_TMPDIR"
}

gwctl()
{
	"$GWCTL" "$@"
}

# A fresh, empty gw database at $GW_DB.
gw_init()
{
	gwctl init -q || fail "gwctl init failed"
}

# A small config: service web with two backends, route api; service
# other with no backends and no route.  Four generations after init.
gw_fixture()
{
	gw_init
	gwctl service add web --lb weighted || fail "fixture: service web"
	gwctl service add other || fail "fixture: service other"
	gwctl backend add web 10.0.0.1:8080 --weight 5 ||
	    fail "fixture: backend 1"
	gwctl backend add web 10.0.0.2:8080 || fail "fixture: backend 2"
	gwctl route add api --service web --host api.example.com \
	    --prefix /api --method GET || fail "fixture: route api"
}

db_dump()
{
	sqlite3 "$GW_DB" .dump
}

# One SQL query on $GW_DB, rows as sqlite3 prints them ("a|b").
db_query()
{
	sqlite3 "$GW_DB" "$1"
}

# The latest generation number.
db_generation()
{
	db_query 'SELECT max(generation) FROM generations'
}

# db_as_version N: turns the current schema of $GW_DB back into version N
# (1 or 2) as that version created it, keeping the rows, for the migration
# tests.  The inverse of the migrations in common/schema.c.
db_as_version()
{
	local sql="PRAGMA foreign_keys = OFF;
	    DROP TABLE gateway_instances;
	    DROP TABLE scale_state;
	    ALTER TABLE scale_metrics DROP COLUMN activation;
	    ALTER TABLE scale_metrics DROP COLUMN window_ms;
	    ALTER TABLE scale_targets DROP COLUMN cooldown_ms;
	    ALTER TABLE scale_targets DROP COLUMN downscale_stabilization_ms;
	    CREATE TABLE changes_v3 (
		id		INTEGER PRIMARY KEY,
		generation	INTEGER NOT NULL REFERENCES generations(generation)
				    ON DELETE CASCADE,
		kind		TEXT NOT NULL
				    CHECK (kind IN ('service', 'backend', 'route')),
		name		TEXT NOT NULL,
		op		TEXT NOT NULL
				    CHECK (op IN ('create', 'update', 'delete')),
		before_json	TEXT CHECK (before_json IS NULL OR
				    json_valid(before_json)),
		after_json	TEXT CHECK (after_json IS NULL OR
				    json_valid(after_json)),
		CHECK ((op = 'create') = (before_json IS NULL)),
		CHECK ((op = 'delete') = (after_json IS NULL))
	    );
	    INSERT INTO changes_v3 SELECT * FROM changes;
	    DROP TABLE changes;
	    ALTER TABLE changes_v3 RENAME TO changes;
	    CREATE INDEX changes_generation ON changes(generation);
	    CREATE INDEX changes_object ON changes(kind, name);
	    DROP TABLE backend_ejections;
	    CREATE TABLE health_transitions_v2 (
		id		INTEGER PRIMARY KEY,
		at		INTEGER NOT NULL CHECK (at >= 0),
		service		TEXT NOT NULL,
		backend		TEXT NOT NULL,
		from_state	TEXT NOT NULL
				    CHECK (from_state IN ('unknown', 'up', 'down')),
		to_state	TEXT NOT NULL
				    CHECK (to_state IN ('unknown', 'up', 'down')),
		reason		TEXT NOT NULL
	    );
	    INSERT INTO health_transitions_v2 SELECT id, at, service, backend,
		from_state, to_state, reason FROM health_transitions;
	    DROP TABLE health_transitions;
	    ALTER TABLE health_transitions_v2 RENAME TO health_transitions;
	    CREATE INDEX health_transitions_at ON health_transitions(at);
	    ALTER TABLE backends DROP COLUMN source;
	    ALTER TABLE services DROP COLUMN outlier_max_pct;
	    ALTER TABLE services DROP COLUMN outlier_max_ms;
	    ALTER TABLE services DROP COLUMN outlier_base_ms;
	    ALTER TABLE services DROP COLUMN outlier_gateway;
	    ALTER TABLE services DROP COLUMN outlier_5xx;
	    ALTER TABLE services DROP COLUMN discovery_port;
	    ALTER TABLE services DROP COLUMN discovery_dns;
	    PRAGMA user_version = 2;"

	if [ "$1" -le 1 ]; then
		sql="$sql
		    ALTER TABLE services DROP COLUMN response_timeout_ms;
		    ALTER TABLE routes DROP COLUMN response_timeout_ms;
		    PRAGMA user_version = 1;"
	fi
	sqlite3 "$GW_DB" "$sql" || fail "cannot make a version $1 database"
}

snap_db()
{
	db_dump >"$BATS_TEST_TMPDIR/db.before" ||
	    fail "cannot dump the database"
}

assert_db_unchanged()
{
	db_dump >"$BATS_TEST_TMPDIR/db.after" ||
	    fail "cannot dump the database"
	if ! cmp -s "$BATS_TEST_TMPDIR/db.before" "$BATS_TEST_TMPDIR/db.after"
	then
		{
			echo "the database changed:"
			diff -u "$BATS_TEST_TMPDIR/db.before" \
			    "$BATS_TEST_TMPDIR/db.after" | head -40
		} | fail
	fi
}

# assert_output and assert_line, on the stderr of run --separate-stderr.
assert_stderr()
{
	local output=$stderr

	assert_output "$@"
}

assert_stderr_line()
{
	local output=$stderr
	local -a lines=("${stderr_lines[@]}")

	assert_line "$@"
}

refute_stderr()
{
	local output=$stderr

	refute_output "$@"
}

# refuse STATUS MESSAGE ARG...: gwctl ARG... exits STATUS, prints MESSAGE
# (a part of its diagnostic) on stderr and nothing on stdout, and leaves
# the database as it was.
refuse()
{
	local want=$1 msg=$2

	shift 2
	snap_db
	run "-$want" --separate-stderr "$GWCTL" "$@"
	assert_output ''
	assert_stderr --partial "gwctl: $msg"
	assert_db_unchanged
}

# Evaluates a Python expression on the JSON in $output (bound to d) and
# prints the result: strings as they are, anything else as JSON.
json_eval()
{
	printf '%s' "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = eval(sys.argv[1])
print(r if isinstance(r, str) else json.dumps(r, sort_keys=True))
' "$1"
}

# wait_started PID LOG REGEX NAME TRIES: waits, 50 ms apart and at most
# TRIES times, for a line of LOG that matches REGEX (grep); fails when the
# process PID (NAME, for the message) exits first or the line never comes.
wait_started()
{
	local pid=$1 log=$2 re=$3 name=$4 tries=$5

	while ! grep -q "$re" "$log"; do
		kill -0 "$pid" 2>/dev/null ||
		    fail "$name exited at start: $(cat "$log")"
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || fail "$name did not start: $(cat "$log")"
		sleep 0.05
	done
}

# stop_daemon PID SIGNAL NAME TRIES: sends SIGNAL, waits (50 ms apart, at
# most TRIES times) for PID to exit, fails when it still runs; its exit
# status then in $status.
stop_daemon()
{
	local pid=$1 sig=$2 name=$3 tries=$4 secs=$(($4 / 20))

	# It may be on its way out already.
	kill "-$sig" "$pid" 2>/dev/null || true
	while [ "$tries" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		tries=$((tries - 1))
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "$name still running $secs s after SIG$sig"
	fi
	status=0
	wait "$pid" || status=$?
}

# wait_for TRIES CMD...: runs CMD until it succeeds, at most TRIES times,
# 50 ms apart.  Fails when it never does.
wait_for()
{
	local tries=$1

	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		tries=$((tries - 1))
		sleep 0.05
	done
	return 1
}

# Milliseconds since the epoch.
now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# Runs a command as an unprivileged user when we are root (root ignores
# file permissions, so a read-only file is only read-only to others).
as_unprivileged()
{
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# Who gwctl records as the user of a change: the sudo caller when root
# runs it through sudo, else the user running it (gwctl/main.c).
gw_user()
{
	if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ]; then
		echo "$SUDO_USER"
	else
		id -un
	fi
}

# section PAGE NAME: section NAME of man/PAGE as plain text, whitespace
# collapsed.
section()
{
	mandoc -Tascii "$BATS_TEST_DIRNAME/../../man/$1" | col -b |
	    sed -n "/^$2\$/,/^[A-Z][A-Z ]*\$/p" | tr -s ' \t\n' ' '
}

# assert_synopsis_is_usage PROG PAGE: the SYNOPSIS of man/PAGE is the
# usage PROG --help prints (the lines before "options:"), word for word.
assert_synopsis_is_usage()
{
	local prog=$1 page=$2 name usage synopsis

	name=${prog##*/}
	run -0 "$prog" --help
	usage=$(printf '%s\n' "$output" | sed '/^options:/,$d' |
	    sed 's/^usage://' | tr -s ' \t\n' ' ')
	usage=${usage# }
	usage=${usage% }
	[[ "$usage" == "$name "*" $name -h | --help | --version" ]] ||
	    fail "unexpected usage: $usage"
	# SYNOPSIS without its heading and the next one.
	synopsis=$(section "$page" SYNOPSIS)
	synopsis=${synopsis#SYNOPSIS }
	synopsis=${synopsis% DESCRIPTION }
	[ "$synopsis" = "$usage" ] ||
	    fail "SYNOPSIS: $synopsis"$'\n'"usage:    $usage"
}

# assert_options_documented PROG PAGE NEXT MIN: every option PROG --help
# lists is in the Options of man/PAGE (which NEXT follows) with its
# default (tests/bats/optdocs.py), and there are at least MIN.
assert_options_documented()
{
	run -0 "$1" --help
	run -0 python3 "$BATS_TEST_DIRNAME/optdocs.py" \
	    "$BATS_TEST_DIRNAME/../../man/$2" "$3" "$4" <<<"$output"
	assert_output ''
}

# assert_messages_documented PAGE MIN CALLS ARGS FILE...: every literal
# part of the messages the CALLS in FILE... print (tests/bats/msgparts.py)
# is in the DIAGNOSTICS of man/PAGE, and there are at least MIN of them.
assert_messages_documented()
{
	local page=$1 min=$2 calls=$3 args=$4 diag part missing=0 n=0
	shift 4
	diag=$(section "$page" DIAGNOSTICS)
	run -0 python3 "$BATS_TEST_DIRNAME/msgparts.py" "$calls" "$args" "$@"
	while IFS= read -r part; do
		n=$((n + 1))
		if [[ "$diag" != *"$part"* ]]; then
			echo "not in DIAGNOSTICS: $part" >&3
			missing=$((missing + 1))
		fi
	done <<<"$output"
	[ "$n" -ge "$min" ] || fail "only $n message parts found"
	[ "$missing" -eq 0 ]
}

# assert_lint_clean PAGE...: mandoc -Tlint -Wstyle finds nothing in the
# pages but the notice that the system's mandoc.db predates a package.
assert_lint_clean()
{
	local rest

	# Inside man/, so the pages' references to each other resolve.
	cd "$BATS_TEST_DIRNAME/../../man" || fail "no man/"
	run mandoc -Tlint -Wstyle "$@"
	rest=$(printf '%s\n' "$output" | grep -v 'outdated mandoc.db' || true)
	[ -z "$rest" ] || fail "$rest"
}
