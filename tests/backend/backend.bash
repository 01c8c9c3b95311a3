# backend.bash: starting and stopping gwbackend in bats tests.
#
# Load after helpers (it uses wait_for and fail):
#	load helpers
#	load ../backend/backend
#
#   backend_start NAME [ARG...]	gwbackend --name NAME on 127.0.0.1, an
#				ephemeral port (ARGs may add --listen ...)
#   backend_port NAME [N]	its port (of the Nth --listen, from 1)
#   backend_url NAME PATH	http://127.0.0.1:PORT/PATH
#   backend_stop NAME		SIGTERM, then its exit status in $status
#   backend_stop_all		for teardown
#   gwclient ARG...		tests/backend/client.py (raw HTTP, WebSocket)
#   backend_pattern N		the first N bytes /bytes and /slowbody send
#   backend_fnv1a FILE		FNV-1a 64 of FILE, as /echo reports a body
#
# Each backend keeps its files in $BATS_TEST_TMPDIR/backend.NAME/: pid,
# port, stdout ("listening on ..."), stderr (its -v log).

GWBACKEND=$GW_BIN/gwbackend
GWCLIENT=$BATS_TEST_DIRNAME/../backend/client.py

backend_start()
{
	local name=$1 dir=$BATS_TEST_TMPDIR/backend.$1

	shift
	[ -x "$GWBACKEND" ] ||
	    fail "no gwbackend at $GWBACKEND (run make first)"
	mkdir -p "$dir" || fail "cannot create $dir"
	# fd 3 is bats' own: a background child holding it stalls bats.
	"$GWBACKEND" --name "$name" --port-file "$dir/port" "$@" \
	    >"$dir/stdout" 2>"$dir/stderr" 3>&- &
	echo $! >"$dir/pid"
	# The port file appears by rename, so it is never half written.
	wait_for 200 test -s "$dir/port" ||
	    fail "gwbackend $name did not start: $(cat "$dir/stderr")"
}

backend_port()
{
	sed -n "${2:-1}p" "$BATS_TEST_TMPDIR/backend.$1/port"
}

backend_url()
{
	echo "http://127.0.0.1:$(backend_port "$1")$2"
}

backend_pid()
{
	cat "$BATS_TEST_TMPDIR/backend.$1/pid"
}

backend_stop()
{
	local dir=$BATS_TEST_TMPDIR/backend.$1 pid

	pid=$(cat "$dir/pid") || return 1
	kill -TERM "$pid" 2>/dev/null
	status=0
	wait "$pid" || status=$?
	rm -f "$dir/pid"
}

backend_stop_all()
{
	local f

	for f in "$BATS_TEST_TMPDIR"/backend.*/pid; do
		[ -f "$f" ] || continue
		f=${f%/pid}
		backend_stop "${f##*/backend.}"
	done
}

gwclient()
{
	python3 "$GWCLIENT" "$@"
}

# Byte i of the pattern is 'a' + i % 26.
backend_pattern()
{
	python3 -c 'import sys
n = int(sys.argv[1])
sys.stdout.write(("abcdefghijklmnopqrstuvwxyz" * (n // 26 + 1))[:n])' "$1"
}

backend_fnv1a()
{
	python3 -c 'import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % h)' "$1"
}
