#!/usr/bin/env bats
# Several writers at once, and a writer that finds the database locked:
# gwctl waits (busy timeout, BEGIN IMMEDIATE) instead of failing with
# "database is locked", and every change lands as its own generation.

load helpers

setup()
{
	gw_setup
	gw_init
	gwctl service add web || fail "cannot add service web"
}

# Adds 50 backends to web, ports BASE+1..BASE+50; stderr to FILE.
add_fifty()
{
	local base=$1 err=$2 i

	for i in $(seq 1 50); do
		"$GWCTL" backend add web "10.1.0.1:$((base + i))" 2>>"$err" ||
		    echo "gwctl backend add web 10.1.0.1:$((base + i)): exit $?" \
		    >>"$err"
	done
}

@test "4 gwctl processes adding 50 backends each: 200 rows, 200 generations" {
	local gen pids=() w
	gen=$(db_generation)
	for w in 0 1 2 3; do
		: >"err.$w"
		add_fifty $((10000 + w * 100)) "err.$w" 3>&- &
		pids+=($!)
	done
	for w in 0 1 2 3; do
		wait "${pids[$w]}"
	done
	for w in 0 1 2 3; do
		[ ! -s "err.$w" ] || fail "writer $w: $(cat "err.$w")"
	done
	run ! grep -l 'database is locked' err.0 err.1 err.2 err.3
	assert_equal "$(db_query 'SELECT count(*) FROM backends')" 200
	assert_equal "$(db_query 'SELECT count(DISTINCT port) FROM backends')" 200
	assert_equal "$(db_generation)" $((gen + 200))
	assert_equal "$(db_query "SELECT count(*) FROM generations
	    WHERE generation > $gen")" 200
	# One history record per generation, each a backend creation.
	assert_equal "$(db_query "SELECT count(DISTINCT generation) FROM changes
	    WHERE generation > $gen AND kind = 'backend' AND op = 'create'")" 200
	assert_equal "$(db_query "SELECT count(*) FROM changes
	    WHERE generation > $gen")" 200
}

@test "a writer waits while another process holds the lock, then succeeds" {
	local holder t0 t1
	# The holder takes the write lock, says so by creating a file, and
	# keeps the lock 2 s: that hold is the scenario under test.
	sqlite3 "$GW_DB" >holder.out 2>&1 3>&- <<EOF &
BEGIN EXCLUSIVE;
INSERT INTO generations (generation, created_at, user, command, summary)
    VALUES (1000, 0, 'holder', 'sqlite3', 'held the lock');
.shell touch '$BATS_TEST_TMPDIR/locked'
.shell sleep 2
ROLLBACK;
EOF
	holder=$!
	wait_for 100 test -e locked || fail "the holder never took the lock"
	t0=$(now_ms)
	# Readers are not blocked by a writer (WAL).
	run -0 --separate-stderr gwctl get services
	assert_line --index 1 --regexp '^web '
	[ $(($(now_ms) - t0)) -lt 1000 ] ||
	    fail "a reader waited $(($(now_ms) - t0)) ms for the writer"
	run -0 --separate-stderr gwctl backend add web 10.1.0.1:80
	t1=$(now_ms)
	assert_equal "$stderr" ''
	refute_output --partial 'database is locked'
	[ $((t1 - t0)) -ge 1500 ] ||
	    fail "gwctl finished after $((t1 - t0)) ms: it did not wait for the lock"
	wait "$holder" || fail "the holder failed: $(cat holder.out)"
	assert_equal "$(cat holder.out)" ''
	# The holder's work was rolled back; gwctl's is there.
	assert_equal "$(db_query 'SELECT count(*) FROM generations
	    WHERE generation = 1000')" 0
	assert_equal "$(db_query "SELECT host, port FROM backends")" \
	    '10.1.0.1|80'
	assert_equal "$(db_generation)" 2
}
