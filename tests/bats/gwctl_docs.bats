#!/usr/bin/env bats
# The documentation matches the program: gwctl(8)'s SYNOPSIS is the usage
# gwctl prints, every service option is documented with its default, every
# message gwctl prints is in DIAGNOSTICS, and the pages are lint clean.

load helpers

ROOT="$BATS_TEST_DIRNAME/../.."

# Each test in its own directory with its own database, not the tree's.
setup()
{
	gw_setup
}

@test "gwctl(8) SYNOPSIS is the usage gwctl --help prints" {
	run -0 gwctl --help
	local synopsis usage line n=0
	synopsis=$(section gwctl.8 SYNOPSIS)
	while IFS= read -r line; do
		[[ "$line" =~ ^(usage:)?\ +gwctl ]] || continue
		line=$(printf '%s' "${line#usage:}" | tr -s ' ' ' ')
		line=${line# }
		[[ "$synopsis" == *"$line"* ]] || fail "not in SYNOPSIS: $line"
		n=$((n + 1))
	done <<<"$output"
	[ "$n" -ge 19 ] || fail "only $n usage lines found"
}

@test "every service option is in gwctl(8) with its default" {
	local page opts flag def n=0
	page=$(mandoc -Tascii "$ROOT/man/gwctl.8" | col -b | tr -s ' \t\n' ' ')
	run -0 gwctl service --help
	opts=$(printf '%s\n' "$output" | sed -n '/^service options:/,$p')
	for flag in $(printf '%s\n' "$opts" | grep -o '^  --[a-z-]*'); do
		[[ "$page" == *"$flag"* ]] || fail "option $flag not in gwctl(8)"
		n=$((n + 1))
	done
	while IFS= read -r def; do
		[[ "$page" == *"$def"* ]] || fail "default \"$def\" not in gwctl(8)"
	done < <(printf '%s\n' "$opts" | grep -o '(default [^)]*)' |
	    sed 's/^(default //; s/)$//' | sort -u)
	[ "$n" -ge 25 ] || fail "only $n service options found"
}

@test "every message gwctl prints is in gwctl(8) DIAGNOSTICS" {
	# The literal parts of each warnx/errx/usage_error format in gwctl/.
	assert_messages_documented gwctl.8 30 'warnx|errx|usage_error' \
	    '1|"[a-z]*"|NULL|[a-z_]+' "$ROOT"/gwctl/*.c
}

@test "the man pages are mandoc -Tlint clean" {
	assert_lint_clean gwctl.8 gw-schema.5 gw.7
}

@test "gw-schema(5) documents every table and column of the schema" {
	run -0 gwctl init -q
	local page t c
	page=$(mandoc -Tascii "$ROOT/man/gw-schema.5" | col -b | tr -s ' \t\n' ' ')
	for t in $(db_query "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"); do
		[[ "$page" == *"$t"* ]] || fail "table $t not in gw-schema(5)"
		for c in $(db_query "SELECT name FROM pragma_table_info('$t')"); do
			[[ "$page" == *"$c"* ]] || fail "column $t.$c not in gw-schema(5)"
		done
	done
}
