#!/usr/bin/env bats
# The documentation matches the program: gwctl(8)'s SYNOPSIS is the usage
# gwctl prints, every service option is documented with its default, every
# message gwctl prints is in DIAGNOSTICS, and the pages are lint clean.

load helpers

ROOT="$BATS_TEST_DIRNAME/../.."

# A man page rendered as plain text, one section, whitespace collapsed.
section() {
	mandoc -Tascii "$ROOT/man/$1" | col -b |
	    sed -n "/^$2\$/,/^[A-Z][A-Z ]*\$/p" | tr -s ' \t\n' ' '
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
	local diag
	diag=$(section gwctl.8 DIAGNOSTICS)
	# The literal parts of each warnx/errx/usage_error format in gwctl/.
	run -0 python3 - "$ROOT"/gwctl/*.c <<'PY'
import re, sys
call = re.compile(r'\b(?:warnx|errx|usage_error)\s*\(\s*(?:1\s*,\s*|"[a-z]*"\s*,\s*|NULL\s*,\s*|[a-z_]+\s*,\s*)?((?:"(?:[^"\\]|\\.)*"\s*)+)')
for path in sys.argv[1:]:
    src = open(path).read()
    for m in call.finditer(src):
        fmt = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
        fmt = fmt.replace('\\"', '"').replace('\\n', ' ')
        for part in re.split(r'%[-0-9.]*(?:ll|l|z)?[sduc]', fmt):
            part = part.strip(' :;,-')
            if len(part) >= 10 and re.search(r'[a-z]{4}', part):
                print(part)
PY
	local part missing=0 n=0
	while IFS= read -r part; do
		n=$((n + 1))
		if [[ "$diag" != *"$part"* ]]; then
			echo "not in DIAGNOSTICS: $part" >&3
			missing=$((missing + 1))
		fi
	done <<<"$output"
	[ "$n" -ge 30 ] || fail "only $n message parts found"
	[ "$missing" -eq 0 ]
}

@test "the man pages are mandoc -Tlint clean" {
	cd "$ROOT/man"
	run mandoc -Tlint -Wstyle gwctl.8 gw-schema.5 gw.7
	# The system's mandoc.db may predate a package: not about our pages.
	local rest
	rest=$(printf '%s\n' "$output" | grep -v 'outdated mandoc.db' || true)
	[ -z "$rest" ] || fail "$rest"
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
