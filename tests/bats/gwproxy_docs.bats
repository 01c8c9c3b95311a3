#!/usr/bin/env bats
# The documentation matches the program: gwproxy(8)'s SYNOPSIS is the
# usage gwproxy prints, every option is documented with its default, every
# error code of px_errors is in DIAGNOSTICS with its status, every message
# gwproxy prints is in DIAGNOSTICS, and the page is lint clean.

load helpers

ROOT="$BATS_TEST_DIRNAME/../.."
GWPROXY=$GW_BIN/gwproxy

setup()
{
	[ -x "$GWPROXY" ] || fail "no gwproxy at $GWPROXY (run make first)"
}

@test "gwproxy(8) SYNOPSIS is the usage gwproxy --help prints" {
	run -0 "$GWPROXY" --help
	local usage synopsis
	# The usage lines, before "options:", as one line.
	usage=$(printf '%s\n' "$output" | sed '/^options:/,$d' |
	    sed 's/^usage://' | tr -s ' \t\n' ' ')
	usage=${usage# }
	usage=${usage% }
	[[ "$usage" == "gwproxy "*" gwproxy -h | --help | --version" ]] ||
	    fail "unexpected usage: $usage"
	# SYNOPSIS without its heading and the next one.
	synopsis=$(section gwproxy.8 SYNOPSIS)
	synopsis=${synopsis#SYNOPSIS }
	synopsis=${synopsis% DESCRIPTION }
	[ "$synopsis" = "$usage" ] ||
	    fail "SYNOPSIS: $synopsis"$'\n'"usage:    $usage"
}

@test "every gwproxy option is in gwproxy(8) with its default" {
	run -0 "$GWPROXY" --help
	HELP=$output run -0 python3 - "$ROOT/man/gwproxy.8" <<'PY'
import os, re, subprocess, sys
help = os.environ["HELP"]
page = subprocess.run(["mandoc", "-Tascii", sys.argv[1]],
    capture_output=True, text=True, check=True).stdout
page = re.sub(r'.\x08', '', page)
# The items of the Options list: a tag line at 5 spaces, text deeper.
opts = page[page.index("\n   Options\n"):page.index("\nROUTING\n")]
items, cur = {}, None
for line in opts.splitlines():
    m = re.match(r'     (-\S+)', line)
    if m:
        cur = m.group(1).rstrip(',')
        items[cur] = line
    elif cur is not None:
        items[cur] += " " + line
items = {k: " ".join(v.split()) for k, v in items.items()}
# The option lines of --help, continuation lines joined.
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
        print("option %s not in the Options of gwproxy(8)" % flag)
        continue
    m = re.search(r'\(default:? ([^)]*)\)', e)
    if not m:
        continue
    if "Default:" not in items[flag]:
        print("option %s: no Default: in gwproxy(8)" % flag)
    d = m.group(1)
    # A single word default (30s, off, text) is stated as it is.
    if " " not in d and "Default: %s" % d not in items[flag]:
        print("option %s: default %s not in gwproxy(8)" % (flag, d))
if n < 13:
    print("only %d options found in --help" % n)
PY
	assert_output ''
}

@test "every px_errors code is in gwproxy(8) DIAGNOSTICS with its status" {
	local diag codes code status n=0
	diag=$(section gwproxy.8 DIAGNOSTICS)
	# [PX_E_NO_ROUTE] = { "no_route", 404, ...: code and status.
	codes=$(tr -s ' \t\n' ' ' <"$ROOT/gwproxy/reply.c" |
	    grep -o '\[PX_E_[A-Z_]*\] = { "[a-z_]*", [0-9]*' |
	    sed 's/.*{ "\([a-z_]*\)", \([0-9]*\)/\1 \2/')
	while read -r code status; do
		[ "$code" = none ] && continue
		n=$((n + 1))
		[[ "$diag" == *"$code ($status"* ]] ||
		    fail "\"$code ($status\" not in DIAGNOSTICS"
	done <<<"$codes"
	[ "$n" -ge 11 ] || fail "only $n error codes found in gwproxy/reply.c"
	# The shape of the body and the header that name the code.
	[[ "$diag" == *'{"error":"CODE","status":N,"request_id":"ID"}'* ]] ||
	    fail "the JSON body is not in DIAGNOSTICS"
	[[ "$diag" == *"X-Gw-Error"* ]] || fail "X-Gw-Error not in DIAGNOSTICS"
}

@test "every message gwproxy prints is in gwproxy(8) DIAGNOSTICS" {
	# The literal parts of each message format in gwproxy/: err(3) and
	# friends, log lines, usage errors, control socket error replies.
	assert_messages_documented gwproxy.8 25 \
	    'warnx|warn|errx|err|gw_fatalx|gw_log|usage|gw_ctl_reply_error' \
	    '[0-9]+|GW_LOG_[A-Z]+|rq\.rq_json|&?out' "$ROOT"/gwproxy/*.c
}

@test "gwproxy(8) is mandoc -Tlint clean" {
	assert_lint_clean gwproxy.8
}
