#!/usr/bin/env bats
# The documentation matches the program: gwhealth(8)'s SYNOPSIS is the
# usage gwhealth prints, every option is documented with its default,
# every failure reason of hs_reasons is in DIAGNOSTICS, every message
# gwhealth prints is in DIAGNOSTICS, and the page is lint clean.

load helpers

ROOT="$BATS_TEST_DIRNAME/../.."
GWHEALTH=$GW_BIN/gwhealth

setup()
{
	[ -x "$GWHEALTH" ] || fail "no gwhealth at $GWHEALTH (run make first)"
}

@test "gwhealth(8) SYNOPSIS is the usage gwhealth --help prints" {
	run -0 "$GWHEALTH" --help
	local usage synopsis
	usage=$(printf '%s\n' "$output" | sed '/^options:/,$d' |
	    sed 's/^usage://' | tr -s ' \t\n' ' ')
	usage=${usage# }
	usage=${usage% }
	[[ "$usage" == "gwhealth "*" gwhealth -h | --help | --version" ]] ||
	    fail "unexpected usage: $usage"
	synopsis=$(section gwhealth.8 SYNOPSIS)
	synopsis=${synopsis#SYNOPSIS }
	synopsis=${synopsis% DESCRIPTION }
	[ "$synopsis" = "$usage" ] ||
	    fail "SYNOPSIS: $synopsis"$'\n'"usage:    $usage"
}

@test "every gwhealth option is in gwhealth(8) with its default" {
	run -0 "$GWHEALTH" --help
	HELP=$output run -0 python3 - "$ROOT/man/gwhealth.8" <<'PY'
import os, re, subprocess, sys
help = os.environ["HELP"]
page = subprocess.run(["mandoc", "-Tascii", sys.argv[1]],
    capture_output=True, text=True, check=True).stdout
page = re.sub(r'.\x08', '', page)
# The items of the Options list: a tag line at 5 spaces, text deeper.
opts = page[page.index("\n   Options\n"):page.index("\nCHECKS\n")]
items, cur = {}, None
for line in opts.splitlines():
    m = re.match(r'     (-\S+)', line)
    if m:
        cur = m.group(1).rstrip(',')
        items[cur] = line
    elif cur is not None:
        items[cur] += " " + line
items = {k: " ".join(v.split()) for k, v in items.items()}
block = help[help.index("options:"):].splitlines()[1:]
entries = []
for line in block:
    if re.match(r'  -', line):
        entries.append(line.strip())
    else:
        entries[-1] += " " + line.strip()
n = 0
for e in entries:
    flag = e.split()[0]
    n += 1
    if flag not in items:
        print("option %s not in the Options of gwhealth(8)" % flag)
        continue
    m = re.search(r'\(default:? ([^)]*)\)', e)
    if not m:
        continue
    if "Default:" not in items[flag]:
        print("option %s: no Default: in gwhealth(8)" % flag)
    d = m.group(1)
    if " " not in d and "Default: %s" % d not in items[flag]:
        print("option %s: default %s not in gwhealth(8)" % (flag, d))
if n < 13:
    print("only %d options found in --help" % n)
PY
	assert_output ''
}

@test "every failure reason of gwhealth is in gwhealth(8) DIAGNOSTICS" {
	local diag reasons reason n=0
	diag=$(section gwhealth.8 DIAGNOSTICS)
	# [HS_R_REFUSED] = "connection refused",: the words of each.
	reasons=$(tr -s ' \t\n' ' ' <"$ROOT/gwhealth/hstate.c" |
	    grep -o '\[HS_R_[A-Z_]*\] = "[^"]*"' | sed 's/.*= "\(.*\)"/\1/')
	while IFS= read -r reason; do
		[ -n "$reason" ] || continue
		n=$((n + 1))
		[[ "$diag" == *" $reason "* ]] ||
		    fail "\"$reason\" not in DIAGNOSTICS"
	done <<<"$reasons"
	[ "$n" -ge 9 ] || fail "only $n reasons found in gwhealth/hstate.c"
	[[ "$diag" == *"bad status N"* ]] || fail "bad status N not documented"
}

@test "every message gwhealth prints is in gwhealth(8) DIAGNOSTICS" {
	assert_messages_documented gwhealth.8 40 \
	    'warnx|warn|errx|err|gw_fatalx|gw_log|usage|notify_failed' \
	    '[0-9]+|GW_LOG_[A-Z]+|nt' "$ROOT"/gwhealth/*.c
}

@test "gwhealth(8) is mandoc -Tlint clean" {
	assert_lint_clean gwhealth.8
}
